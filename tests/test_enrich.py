"""Enrichment: dates, themes, types, relations, and the precedence of sources."""

from pathlib import Path

from indexer.catalogue import load_catalogue
from indexer.dates import find_french_date
from indexer.document import Document, Link
from indexer.enrich import enrich, themes_from_labels, themes_from_text, type_from_text
from indexer.relations import ParentInfo, Parents, resolve_links


def _html(path="site/2016/a.html", **kw):
    return Document(path=path, format="html", title=kw.pop("title", "Titre"), pages=[kw.pop("text", "")], **kw)


def _pdf(path="dossiers/2016/a.pdf", pages=("Couverture",), **kw):
    return Document(path=path, format="pdf", title=kw.pop("title", "Dossier"), pages=list(pages), **kw)


def test_french_dates():
    assert find_french_date("Journée de qualification du mardi 28 juin 2016 à Perpignan") == (
        2016,
        "2016-06-28",
    )
    assert find_french_date("Villes et Territoires LR, novembre 2016. 76 p.") == (2016, "2016-11")
    assert find_french_date("Lire la suite (Localtis, 1er juillet 2021)") == (2021, "2021-07-01")
    assert find_french_date("compte rendu du 20/10/2015") == (2015, "2015-10-20")
    assert find_french_date("Décembre 2019") == (2019, "2019-12")
    assert find_french_date("sans date, 312 participants") is None


def test_html_year_metadata_then_text_then_none():
    doc = enrich(_html(metadata={"date": "2016-11-21T10:00:00+01:00"}, text="le 4 novembre 2015"))
    assert (doc.year, doc.date, doc.sources["year"]) == (2016, "2016-11-21", "metadata")
    doc = enrich(_html(text="Journée de qualification du mardi 28 juin 2016 à Perpignan."))
    assert (doc.year, doc.sources["year"]) == (2016, "text")
    doc = enrich(_html(text="Une page de présentation."))
    assert (doc.year, doc.sources["year"]) == (None, "none")


def test_pdf_year_cover_and_post_come_before_creation_date():
    meta = {"creation_date": "2017-01-12"}
    doc = enrich(_pdf(pages=["Dossier thématique\nNovembre 2016", "texte"], metadata=meta))
    assert (doc.year, doc.sources["year"]) == (2016, "cover")
    parent = ParentInfo("site/2019/p.html", "Post", 2019, "2019-12-10", ("sante",))
    doc = enrich(_pdf(pages=["Dossier de capitalisation", "texte"], metadata={"creation_date": "2020-01-14"}), [parent])
    assert (doc.year, doc.sources["year"]) == (2019, "parent")
    undated = ParentInfo("site/non-date/p.html", "Post", None, None, ())
    doc = enrich(_pdf(pages=["Document", "texte"], metadata={"creation_date": "2020-01-14"}), [undated])
    assert (doc.year, doc.sources["year"]) == (2020, "creation_date")


def test_an_orphan_pdf_never_takes_the_day_its_file_was_made():
    made = {"creation_date": "2026-12-07"}  # exported the day it was added; its post was then deleted
    doc = enrich(_pdf(pages=["Document", "texte"], metadata=made))
    assert (doc.year, doc.sources["year"]) == (None, "none")  # « Non datée »
    doc = enrich(_pdf(pages=["Guide pratique\nMars 2018", "texte"], metadata=made))
    assert (doc.year, doc.sources["year"]) == (2018, "cover")


def test_catalogue_overrides_everything(tmp_path: Path):
    for rel in ("dossiers/2016/a.pdf", "site/x.html"):  # rows naming files that do not exist are ignored
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"")
    (tmp_path / "catalogue.csv").write_text(
        "path,title,year,themes,type\n"
        "dossiers/2016/a.pdf,Titre corrigé,2015,Santé;participation,guide\n"
        "site/x.html,,sans-date,,\n",
        encoding="utf-8",
    )
    catalogue = load_catalogue(tmp_path)
    doc = enrich(_pdf(pages=["Novembre 2016"], metadata={"keywords": ["emploi"]}), catalogue=catalogue)
    assert doc.title == "Titre corrigé"
    assert (doc.year, doc.themes, doc.doc_type) == (2015, ["sante", "participation"], "guide")
    assert doc.sources == {"year": "catalogue", "themes": "catalogue", "type": "catalogue"}
    doc = enrich(_html(path="site/x.html", metadata={"date": "2016-01-01"}), catalogue=catalogue)
    assert (doc.year, doc.sources["year"]) == (None, "catalogue")


def test_themes_from_categories_then_parent_then_text():
    doc = enrich(_html(metadata={"categories": ["Nos actions", "Cadre de vie - Renouvellement urbain", "Santé"]}))
    assert doc.themes == ["renouvellement-urbain", "sante"] and doc.sources["themes"] == "metadata"
    parent = ParentInfo("site/p.html", "Post", 2016, None, ("participation",))
    doc = enrich(_pdf(pages=["Un texte sans rapport"]), [parent])
    assert doc.themes == ["participation"] and doc.sources["themes"] == "parent"
    text = "Le conseil local de santé mentale (CLSM) et la santé des habitants. " * 3
    assert themes_from_text("Santé mentale", text)[0] == "sante"


def test_theme_labels_mapping():
    assert themes_from_labels(["Développement économique", "Actus", "conseils citoyens"]) == [
        "developpement-economique",
        "participation",
    ]


def test_types():
    assert type_from_text("Webinaire régional du 25 mars 2021") == "webinaire"
    assert type_from_text("Les conseils citoyens. État des lieux. Document de capitalisation") == "etat-des-lieux"
    assert type_from_text("Nos actions ; Webinaires") == "webinaire"
    doc = enrich(_html(title="55 foncières", text="Une annonce. Lire la suite sur www.banquedesterritoires.fr"))
    assert doc.doc_type == "veille"
    doc = enrich(_pdf(pages=["Présentation"], title="x"))
    assert (doc.doc_type, doc.sources["type"]) == ("pdf", "format")


def test_the_last_lines_of_a_web_page_name_other_documents_not_itself():
    # An open call ended « relisez notre synthèse du cycle… »: it was typed « Synthèse ».
    opening = "Les candidatures au concours Talents des cités sont ouvertes jusqu’au 30 juin. " * 12
    ending = "Pour en savoir plus, relisez notre synthèse du cycle de qualification. Lire la synthèse"
    doc = enrich(_html(title="Talents des cités 2020 : à vos candidatures", text=opening + ending))
    assert (doc.doc_type, doc.sources["type"]) == ("html", "format")
    doc = enrich(_html(title="Appel à projets", text=opening + "Lire la suite sur www.banquedesterritoires.fr"))
    assert (doc.doc_type, doc.sources["type"]) == ("veille", "text")  # a news item's link to the full story


def test_links_resolve_relative_and_by_file_name():
    post = _html(
        links=[
            Link("../../dossiers/2016/a.pdf", "Accéder au document", "dossiers/2016/a.pdf"),
            Link("https://www.example.org/wp-content/uploads/2016/11/B.pdf", "Accès à la fiche"),
            Link("https://www.example.org/autre/", "Site"),
            Link("../../dossiers/2017/absent.pdf", "Plus tard", "dossiers/2017/absent.pdf"),
        ]
    )
    resolve_links([post], ["dossiers/2016/a.pdf", "dossiers/2016/b.pdf", "site/2016/a.html"])
    assert post.publishes == ["dossiers/2016/a.pdf", "dossiers/2016/b.pdf"]
    assert post.links[3].target == "dossiers/2017/absent.pdf"  # kept for a later update
    parents = Parents()
    parents.add_post(post)
    assert {child: [p.path for p in parents.parents_of(child)] for child in parents.children()} == {
        "dossiers/2016/a.pdf": [post.path],
        "dossiers/2016/b.pdf": [post.path],
    }


def test_an_act_without_a_cover_date_takes_the_day_it_was_signed():
    # A scanned agreement: nothing dated on its first page, a budget « pour l'année 2016 », signed at its end.
    pages = ["Convention de partenariat\nArticle 1 – Objet", "Plan de financement pour l’année 2016",
             "Article 5 – Durée\nFait à Lunel, le 14 mars 2017, en deux exemplaires.\nLe maire"]  # fmt: skip
    doc = enrich(_pdf(pages=pages, metadata={"creation_date": "2026-12-07"}))
    assert (doc.year, doc.date, doc.sources["year"]) == (2017, "2017-03-14", "signature")
    undated = ParentInfo("site/non-date/p.html", "Post", None, None, ())
    doc = enrich(_pdf(pages=pages, metadata={"creation_date": "2026-12-07"}), [undated])
    assert (doc.year, doc.sources["year"]) == (2017, "signature")  # before the day the file was made
    signed = {
        "Fait le 3 mai 2019 à Nîmes": 2019,
        "Signé à Sète le 02/05/2018": 2018,
        "Délibéré le 1er juillet 2021": 2021,
    }
    for line, year in signed.items():
        doc = enrich(_pdf(pages=["Délibération", "Vu le code", line]))
        assert (doc.year, doc.sources["year"]) == (year, "signature"), line


def test_a_signature_never_beats_a_cover_or_a_dated_post():
    signed = "Fait à Alès, le 2 février 2015"
    doc = enrich(_pdf(pages=["Convention\nJanvier 2016", signed]))
    assert (doc.year, doc.sources["year"]) == (2016, "cover")
    parent = ParentInfo("site/2018/p.html", "Post", 2018, "2018-04-02", ())
    doc = enrich(_pdf(pages=["Convention", signed]), [parent])
    assert (doc.year, doc.sources["year"]) == (2018, "parent")
    doc = enrich(_pdf(pages=["Convention", "Le fait le plus marquant de 2015", "Rien de signé"]))
    assert (doc.year, doc.sources["year"]) == (None, "none")


def test_cover_date_alone_on_its_line_wins_over_dates_in_the_text():
    cover = "Guide\nÀ la suite des 2e Rencontres de Saint-Gilles, 9 octobre 2018\nJanvier 2019\nVilles et Territoires"
    doc = enrich(_pdf(pages=[cover, "texte"]))
    assert (doc.year, doc.date, doc.sources["year"]) == (2019, "2019-01", "cover")


def test_pdf_published_by_two_posts_takes_the_earliest_date():
    a = ParentInfo("site/b.html", "B", 2017, "2017-03-01", ("sante",))
    b = ParentInfo("site/a.html", "A", 2016, "2016-11-22", ("participation",))
    c = ParentInfo("site/c.html", "C", 2016, "2016-11-22", ())
    doc = enrich(_pdf(pages=["Document sans date", "texte"]), [a, b, c])
    assert (doc.year, doc.date, doc.published_in) == (2016, "2016-11-22", ["site/a.html", "site/b.html", "site/c.html"])
    assert doc.themes == ["participation", "sante"]
