"""`run_search` on the mini corpus: query syntax, facets and their disjunctive counts, pagination, snippets."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace

import pytest

from search_app import tuning
from search_app.index_handle import IndexHandle
from search_app.params import ParamError, SearchParams
from search_app.search import run_search


@pytest.fixture(scope="module")
def search(mini_settings):
    handle = IndexHandle(mini_settings.index)

    def run(**args):
        return run_search(SearchParams.from_args(args, mini_settings), handle)

    yield run
    handle.close()


def paths(result):
    return [r["path"] for r in result["results"]]


@contextmanager
def built(corpus, index):
    """The settings and an open handle of an index built from `corpus` into `index`, closed afterwards."""
    from indexer.build import build_index
    from indexer.config import Settings

    settings = Settings(corpus=corpus, index=index, workers=1)
    build_index(settings)
    handle = IndexHandle(settings.index)
    try:
        yield settings, handle
    finally:
        handle.close()


def ranked_with(monkeypatch, built_index, query: dict, **weights) -> list[str]:
    """The paths `query` ranks on `built_index` (settings, handle) with the given tuning weights changed."""
    settings, handle = built_index
    monkeypatch.setattr(tuning, "TUNING", replace(tuning.TUNING, **weights))
    return paths(run_search(SearchParams.from_args(query, settings), handle))


def facet(result, name):
    return {v["value"]: (v["count"], v["selected"]) for v in result["facets"][name]}


def test_all_words_required_and_ranked(search):
    result = search(q="clauses sociales")
    assert result["match"] == "all"
    assert paths(result)[0] == "site/2016/clauses-sociales.html"  # title match first
    assert set(paths(result)) == {
        "site/2016/clauses-sociales.html",
        "dossiers/2016/achats.pdf",
        "site/non-date/hostile.html",
    }


def test_unaccented_plural_and_elided_forms(search):
    assert paths(search(q="sante mentale")) == ["site/2019/sante-mentale.html"]
    assert paths(search(q="cohesion")) == ["site/2019/sante-mentale.html"]
    assert "dossiers/2016/achats.pdf" in paths(search(q="l'insertion professionnelle"))


def test_phrase_and_exclusion(search):
    assert set(paths(search(q='"commande publique"'))) == {
        "site/2016/clauses-sociales.html",
        "dossiers/2016/achats.pdf",
    }
    assert paths(search(q='"publique commande"')) == []
    assert "site/non-date/hostile.html" not in paths(search(q="clauses -piégées"))
    assert "site/non-date/hostile.html" in paths(search(q="clauses"))


def test_or_and_prefix(search):
    both = set(paths(search(q="psychiatrie OU Bédarieux")))
    assert both == {"site/2019/sante-mentale.html", "site/2015/qpv-chiffres.html"}
    assert search(q="psychiatrie Bédarieux")["match"] == "any"  # no document has both words
    assert "dossiers/2016/achats.pdf" in paths(search(q="profession*"))


def test_fallback_to_any_word_is_said(search):
    result = search(q="clauses zzzzqx")
    assert result["match"] == "any" and result["total"] >= 2
    assert all(r["partial"] and r["missing"] == ["zzzzqx"] for r in result["results"])
    either = search(q='"commande publique" OU psychiatrie Bédarieux')
    assert either["match"] == "any"
    missing = {tuple(r["missing"]) for r in either["results"]}
    assert missing == {("« commande publique » OU psychiatrie",), ("Bédarieux",)}
    assert search(q="clauses")["match"] == "all"


def test_documents_with_only_some_words_follow_those_with_all(search):
    # One document has both words; two others have only « quartier »: they follow it, marked, and count.
    result = search(q="quartier géographie")
    assert result["match"] == "partial" and result["total"] == 3 and result["total_all_words"] == 1
    assert paths(result)[0] == "site/2014/geographie.html"
    assert [r["partial"] for r in result["results"]] == [False, True, True]
    assert [r["missing"] for r in result["results"]] == [[], ["géographie"], ["géographie"]]  # as typed
    assert facet(result, "year")["2016"] == (2, False) and facet(result, "year")["2014"] == (1, False)
    # The tiers hold when sorting by date (the 2016 documents are newer) and across result pages.
    newest = search(q="quartier géographie", sort="date_desc")
    assert paths(newest)[0] == "site/2014/geographie.html" and len(paths(newest)) == 3
    second = search(q="quartier géographie", per_page="1", page="2")
    assert paths(second) == [paths(result)[1]] and second["results"][0]["partial"]
    # Enough documents with every word: no partial tier.
    full = search(q="clauses sociales")
    assert full["total_all_words"] == full["total"] == 3 and not any(r["partial"] for r in full["results"])


def test_partial_results_that_have_more_of_the_query_come_first(search, monkeypatch):
    # « achats » has every word; « clauses-sociales » lacks one, « geographie » two (by BM25 alone it comes
    # before: « prioritaire » is its subject). Each part of the query weighs its rarity (idf).
    def missing(result):
        return [(r["path"].rsplit("/", 1)[-1], r["missing"]) for r in result["results"]]

    result = search(q="clauses insertion prioritaire")
    assert result["match"] == "partial"
    assert missing(result)[:3] == [
        ("achats.pdf", []),
        ("clauses-sociales.html", ["prioritaire"]),
        ("geographie.html", ["clauses", "insertion"]),
    ]
    monkeypatch.setattr(tuning, "TUNING", replace(tuning.TUNING, coverage_power=0.0))
    assert missing(search(q="clauses insertion prioritaire"))[1][0] == "geographie.html"


def test_a_typed_verb_finds_the_noun_of_its_family(search, monkeypatch):
    # The mini corpus writes « insertion », never « insérer »: Snowball stems them apart (« inser », « insert »).
    assert set(paths(search(q="insérer"))) == {"dossiers/2016/achats.pdf", "site/2016/clauses-sociales.html"}
    highlighted = search(q="insérer")["results"][0]["snippet"]
    assert "insertion</mark>" in highlighted  # « <mark>l’insertion</mark> »: the elided word is marked whole
    monkeypatch.setattr(tuning, "TUNING", replace(tuning.TUNING, derived_weight=0.0))
    assert paths(search(q="insérer")) == []


def test_acronym_expands_both_ways_and_typed_form_first(search):
    result = search(q="QPV")
    assert paths(result) == ["site/2015/qpv-chiffres.html", "site/2014/geographie.html"]
    long_form = search(q="quartier prioritaire de la politique de la ville")
    assert set(paths(long_form)) >= {"site/2014/geographie.html", "site/2015/qpv-chiffres.html"}
    assert paths(long_form)[0] == "site/2014/geographie.html"


def test_pdf_hit_lists_best_pages_with_links(search):
    result = search(q='"commande publique"')
    pdf = next(r for r in result["results"] if r["path"].endswith(".pdf"))
    assert pdf["page"] == 4 and pdf["url"] == "/corpus/dossiers/2016/achats.pdf#page=4"
    assert [p["page"] for p in pdf["pages"]] == [4]
    assert "<mark>commande</mark>" in pdf["pages"][0]["snippet"]
    assert pdf["published_in"]["path"] == "site/2016/clauses-sociales.html"
    assert pdf["year"] == 2016 and pdf["type"] == "dossier-thematique"
    html_hit = next(r for r in result["results"] if r["path"].endswith(".html"))
    assert html_hit["page"] is None and html_hit["pages"] == []


def test_snippets_and_titles_are_escaped(search):
    hostile = next(r for r in search(q="piégées")["results"])
    assert "<img" not in hostile["snippet"] and "&lt;img" in hostile["snippet"]
    assert "<mark>piégées</mark>" in hostile["snippet"]
    assert "<script" not in hostile["title"]


def test_browse_is_newest_first_with_facets(search):
    result = search()
    years = [r["year"] for r in result["results"]]
    dated = [y for y in years if y]
    assert dated == sorted(dated, reverse=True) and years[-1] is None
    assert result["total"] == 6 and result["match"] == "browse"
    assert [v["value"] for v in result["facets"]["year"]] == ["2019", "2016", "2015", "2014", "sans-date"]


def test_disjunctive_counts(search):
    result = search(theme="participation")
    assert result["total"] == 2
    themes = facet(result, "theme")
    # Its own facet ignores its selection: every theme keeps its count over all documents.
    assert themes["participation"] == (2, True) and themes["sante"] == (1, False)
    years = facet(result, "year")
    assert years == {"2015": (1, False), "sans-date": (1, False)}
    both = search(theme=["participation", "sante"])
    assert both["total"] == 3  # OR within a facet
    combined = search(theme=["participation", "sante"], year="2019")
    assert paths(combined) == ["site/2019/sante-mentale.html"]  # AND across facets
    assert facet(combined, "theme")["sante"] == (1, True)
    assert facet(combined, "year")["2015"] == (1, False)


def test_selected_value_stays_visible_at_zero(search):
    result = search(theme="sante", year="2014")
    assert result["total"] == 0
    assert facet(result, "year")["2014"] == (0, True)
    assert facet(result, "theme")["sante"] == (0, True)


def test_a_reversed_period_is_read_the_right_way_round(search, mini_app):
    assert paths(search(q="clauses", year_from="2016", year_to="2015")) == paths(
        search(q="clauses", year_from="2015", year_to="2016")
    )
    page = mini_app.test_client().get("/?q=clauses&year_from=2019&year_to=2015")
    assert page.status_code == 200 and 'value="clauses"' in page.get_data(as_text=True)  # the query is kept


def test_year_range_and_type(search):
    assert set(paths(search(year_from="2015", year_to="2016"))) == {
        "site/2015/qpv-chiffres.html",
        "site/2016/clauses-sociales.html",
        "dossiers/2016/achats.pdf",
    }
    assert paths(search(type="pdf")) == ["dossiers/2016/achats.pdf"]
    counts = facet(search(q="clauses"), "type")
    assert counts["pdf"] == (1, False) and counts["html"] == (2, False)


def test_pagination(search):
    first = search(per_page="2")
    second = search(per_page="2", page="2")
    assert first["total"] == second["total"] == 6 and first["page_count"] == 3
    assert not set(paths(first)) & set(paths(second))
    beyond = search(per_page="2", page="9")  # clamped to the last page, never an empty page « 9 sur 3 »
    assert beyond["page"] == 3 and paths(beyond) == paths(search(per_page="2", page="3"))


def test_links_carry_the_results_page_size_only_when_it_is_not_the_configured_one(mini_settings):
    """With `CRPV_PER_PAGE` at 2, a link keeps the 10 a user asked for and leaves out the configured 2 (the
    size was compared with 10: a link from a 10-result page fell back to 2 results, and every link of a
    2-result page carried « per_page=2 »)."""
    from dataclasses import replace as replaced

    settings = replaced(mini_settings, per_page=2)
    default = SearchParams.from_args({"q": "clauses"}, settings)
    assert default.per_page == 2 and ("per_page", "2") not in default.query_items()
    asked = SearchParams.from_args({"q": "clauses", "per_page": "10"}, settings)
    assert ("per_page", "10") in asked.query_items()


@pytest.mark.parametrize(
    "args",
    [
        {"page": "0"},
        {"page": "abc"},
        {"per_page": "51"},
        {"year": "20x6"},
        {"sort": "random"},
        {"theme": "Santé publique"},
        {"q": "x" * 501},
    ],
)
def test_out_of_range_parameters_are_refused(mini_settings, args):
    with pytest.raises(ParamError):
        SearchParams.from_args(args, mini_settings)


@pytest.mark.parametrize("q", ['"', "(", "OU", "-", "*", "a*", "« ", "))((", '-""', "ET OU SAUF", "\x00\x01"])
def test_syntax_fragments_never_fail(search, q):
    result = search(q=q)
    assert result["total"] >= 0


def test_suggestion_from_corpus_vocabulary(search):
    result = search(q="psychiatrei")
    assert result["total"] == 0
    assert result["suggestion"] == "psychiatrie"


def test_a_suggestion_is_made_only_when_it_finds_documents_with_all_its_words(search):
    # « psychiatrue » is one letter from « psychiatrie », but no document speaks of both clauses and psychiatry:
    # « clauses psychiatrie » would find nothing better than what « clauses » alone already finds.
    assert search(q="clauses psychiatrue")["suggestion"] is None
    assert search(q="conseil psychiatrue")["suggestion"] == "conseil psychiatrie"  # the mental-health post


def test_date_sorts_keep_undated_documents_last(search):
    for args in ({"sort": "date_asc"}, {"sort": "date_desc"}, {"q": "clauses", "sort": "date_asc"}):
        years = [r["year"] for r in search(**args)["results"]]
        dated = [y for y in years if y]
        assert years[len(dated) :] == [None] * (len(years) - len(dated)), args
        assert dated == sorted(dated, reverse=args["sort"] == "date_desc"), args


FILLER = [
    "Le commerce de proximité reste fragile dans les centres anciens de la région.",
    "Les bailleurs sociaux rénovent les rez-de-chaussée pour accueillir des activités.",
    "L’accompagnement à la création d’activité passe par les réseaux consulaires.",
    "Les marchés de plein vent animent les places le samedi matin.",
    "La formation des demandeurs d’emploi s’appuie sur les missions locales.",
]


def _write_posts(root, posts: dict[str, tuple[str, str, str]]):
    """Each post of `posts` (path → title, HTML body, date) written as a WordPress page under `root`."""
    from conftest import wp_page

    for path, (title, body, date) in posts.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(wp_page(title, body, date=date), encoding="utf-8")
    return root


def _post_and_dossier(root, post: tuple[str, str, str, str], dossier: tuple[str, str, list[list[str]]]):
    """A corpus of one post (path, title, HTML body, date) and one PDF dossier (path, title, lines per page)."""
    import pdf_fixtures

    post_path, post_title, body, date = post
    dossier_path, dossier_title, pages = dossier
    _write_posts(root, {post_path: (post_title, body, date)})
    (root / dossier_path).parent.mkdir(parents=True, exist_ok=True)
    (root / dossier_path).write_bytes(pdf_fixtures.pages_pdf(dossier_title, pages))
    return root


def _paragraphs(sentences: list[str]) -> str:
    return "".join(f"<p>{sentence}</p>" for sentence in sentences)


def _passage_corpus(root):
    pages = [[f"Chapitre {n}", *FILLER * 4] for n in range(1, 13)]
    pages[6] = [
        "Chapitre 7",
        "Taux d’occupation de la pépinière de Valdegour (Nîmes) : 85 %,",
        "soit vingt-deux bureaux sur vingt-six loués à des entreprises du quartier.",
        *FILLER,
    ]
    body = _paragraphs(
        [
            "Le taux d’occupation des bureaux atteint 92 % après quatre ans.",
            *FILLER * 3,  # a post of the corpus's length
            "Ce portrait rejoint ceux de la pépinière de Valdegour à Nîmes.",
        ]
    )
    return _post_and_dossier(
        root,
        ("site/2018/portrait.html", "Un hôtel d’activités au cœur du quartier", body, "2018-10-02"),
        ("dossiers/2018/synthese.pdf", "Développement économique urbain : synthèse", pages),
    )


def test_the_best_page_of_a_long_dossier_counts_in_its_rank(tmp_path, monkeypatch):
    """A 12-page dossier that answers on one page comes before a short post that has the words apart;
    without the best page's weight, the post's shortness wins."""
    with built(_passage_corpus(tmp_path / "corpus"), tmp_path / "index") as (settings, handle):
        query = {"q": "taux d'occupation pépinière Valdegour"}
        ranked = paths(run_search(SearchParams.from_args(query, settings), handle))
        assert ranked == ["dossiers/2018/synthese.pdf", "site/2018/portrait.html"]
        ranked = ranked_with(monkeypatch, (settings, handle), query, page_score_weight=0.0)
        assert ranked == ["site/2018/portrait.html", "dossiers/2018/synthese.pdf"]


def _spread_corpus(root):
    """A short post with the words in its title and text, and a 12-page dossier that holds them on pages 3, 6
    and 9 (and one of them alone on page 10)."""
    pages = [[f"Chapitre {n}", *FILLER * 4] for n in range(1, 13)]
    for n in (3, 6, 9):
        pages[n - 1] = [f"Chapitre {n}", "La pépinière de Valdegour loue ses bureaux aux entreprises.", *FILLER * 2]
    pages[9] = ["Chapitre 10", "Le quartier de Valdegour à Nîmes.", *FILLER * 2]
    body = _paragraphs(["La pépinière de Valdegour ouvre.", "Visite de la pépinière de Valdegour.", *FILLER])
    return _post_and_dossier(
        root,
        ("site/2018/pepiniere.html", "La pépinière de Valdegour", body, "2018-10-02"),
        ("dossiers/2018/synthese.pdf", "Développement économique urbain : synthèse", pages),
    )


def test_the_pages_that_hold_every_word_count_in_a_document_rank(tmp_path, monkeypatch):
    """`PageRecordRanker.spread` counts a document's page records that hold every part of the query (not a
    page with one word of it); `Ranker` adds spread_weight × ln(1 + that count): heavy enough, it lifts the
    dossier that treats the subject on three pages above the short post that names it in its title and text."""
    from search_app.evaluate import Evaluator
    from search_app.query import parse
    from search_app.rank import PageRecordRanker

    with built(_spread_corpus(tmp_path / "corpus"), tmp_path / "index") as (settings, handle):
        query = {"q": "pépinière Valdegour"}
        searcher = handle.searcher()
        docs = {searcher.stored_fields(d)["path"]: d for d in searcher.document_numbers(kind="doc")}
        evaluator = Evaluator(searcher, handle.term_cache(searcher), handle.universe(searcher))
        pages = PageRecordRanker(evaluator, parse(query["q"]), handle.page_records(searcher))
        pages.best_page_scores(list(docs.values()))
        post, dossier = docs["site/2018/pepiniere.html"], docs["dossiers/2018/synthese.pdf"]
        assert pages.spread(list(docs.values())) == {dossier: 3, post: 1}
        assert pages.spread([post]) == {post: 1}
        ranked = ranked_with(monkeypatch, (settings, handle), query, spread_weight=0.0)
        assert ranked == ["site/2018/pepiniere.html", "dossiers/2018/synthese.pdf"]
        ranked = ranked_with(monkeypatch, (settings, handle), query, spread_weight=1000.0)
        assert ranked == ["dossiers/2018/synthese.pdf", "site/2018/pepiniere.html"]


def _sister_corpus(root):
    """A dossier on a pépinière, the short post that publishes it (the words once, in passing), and another
    post about the same pépinière that does not link to the dossier."""
    import pdf_fixtures

    pages = [[f"Chapitre {n}", *FILLER * 4] for n in range(1, 9)]
    for n in (2, 3, 4):
        pages[n - 1] = [f"Chapitre {n}", "La pépinière de Valdegour loue ses bureaux aux entreprises.", *FILLER * 2]
    publishing = _paragraphs(
        [
            "Le centre de ressources publie sa synthèse annuelle sur le développement économique.",
            *FILLER * 3,
            "On y lit aussi le bilan de la pépinière de Valdegour.",
            '<a href="../../dossiers/2018/pepiniere.pdf">Télécharger la synthèse (PDF)</a>',
        ]
    )
    other = _paragraphs(["Visite de la pépinière de Valdegour à Nîmes.", *FILLER * 2])
    posts = {
        "site/2018/synthese-2018.html": ("Synthèse 2018", publishing, "2018-11-05"),
        "site/2018/visite.html": ("Une visite à la pépinière de Valdegour", other, "2018-10-02"),
    }
    _write_posts(root, posts)
    (root / "dossiers/2018").mkdir(parents=True, exist_ok=True)
    (root / "dossiers/2018/pepiniere.pdf").write_bytes(pdf_fixtures.pages_pdf("La pépinière de Valdegour", pages))
    return root


def test_the_post_that_publishes_a_leading_pdf_comes_close_below_it(tmp_path, monkeypatch):
    """`sisters_of` pairs a PDF with the post that publishes it, both ways, and not with a post that only
    shares its words; with sister_weight, the publishing post, which names the subject in passing, passes the
    other post to come right after its PDF."""
    from search_app.rank import sisters_of

    with built(_sister_corpus(tmp_path / "corpus"), tmp_path / "index") as (settings, handle):
        searcher = handle.searcher()
        docs = {searcher.stored_fields(d)["path"]: d for d in searcher.document_numbers(kind="doc")}
        pdf, post, other = (
            docs[p] for p in ("dossiers/2018/pepiniere.pdf", "site/2018/synthese-2018.html", "site/2018/visite.html")
        )
        everyone = set(docs.values())
        assert sisters_of(searcher, pdf, everyone) == [post]
        assert sisters_of(searcher, post, everyone) == [pdf]
        assert sisters_of(searcher, other, everyone) == []
        assert sisters_of(searcher, pdf, {pdf, other}) == []
        query = {"q": "pépinière Valdegour"}
        ranked = ranked_with(monkeypatch, (settings, handle), query, sister_weight=0.0)
        assert ranked == ["dossiers/2018/pepiniere.pdf", "site/2018/visite.html", "site/2018/synthese-2018.html"]
        ranked = ranked_with(monkeypatch, (settings, handle), query, sister_weight=0.99)
        assert ranked == ["dossiers/2018/pepiniere.pdf", "site/2018/synthese-2018.html", "site/2018/visite.html"]


def test_pages_belong_to_the_nearest_document_record_after_updates_and_merges(mini_copy):
    """`PageRecords` relies on a document's records staying together (doc record, then its pages) through
    updates and segment merges; checked against the stored paths."""
    import numpy as np

    from indexer.store import open_index
    from indexer.update import update_index
    from search_app.page_records import PageRecords
    from search_app.whoosh_postings import term_docs

    def check() -> None:
        handle = IndexHandle(mini_copy.index)
        try:
            searcher = handle.searcher()
            docs = np.array(sorted(term_docs(searcher, "kind", "doc")), dtype=np.int64)
            pages = PageRecords.of(searcher, docs)
            assert len(pages.ids) == len(term_docs(searcher, "kind", "page")) > 5
            for page, parent in zip(pages.ids.tolist(), pages.parents.tolist(), strict=True):
                assert searcher.stored_fields(page)["path"] == searcher.stored_fields(parent)["path"]
        finally:
            handle.close()

    check()
    corpus = mini_copy.corpus
    (corpus / "site" / "2019" / "sante-mentale.html").unlink()
    post = corpus / "site" / "2016" / "clauses-sociales.html"
    post.write_text(post.read_text(encoding="utf-8").replace("Montpellier", "Nîmes"), encoding="utf-8")
    (corpus / "dossiers" / "2016" / "copie.pdf").write_bytes((corpus / "dossiers" / "2016" / "achats.pdf").read_bytes())
    update_index(mini_copy)  # the first segment, a third of it deleted, is merged into the new one
    check()
    (corpus / "dossiers" / "2016" / "autre.pdf").write_bytes((corpus / "dossiers" / "2016" / "achats.pdf").read_bytes())
    update_index(mini_copy)  # a small segment of its own
    check()
    open_index(mini_copy.index).optimize()  # every segment merged into one
    check()


def test_an_index_written_before_page_roles_is_searched_alike_until_update_rebuilds_it(
    sample_settings, tmp_path, monkeypatch
):
    """An index of schema 8 has no `role` field: its pages' roles are read from their text, as they were, and
    `update` rebuilds it (schema 9), with the same results."""
    import indexer.build
    import indexer.records
    from indexer.config import Settings
    from indexer.schema import SCHEMA_VERSION, build_schema
    from indexer.store import live_schema_version
    from indexer.update import update_index
    from search_app.page_records import _Unindexed

    def without_role():  # type: ignore[no-untyped-def]
        schema = build_schema()
        schema.remove("role")
        return schema

    real = indexer.records.iter_page_values
    settings = Settings(corpus=sample_settings.corpus, index=tmp_path / "index", workers=1)
    with monkeypatch.context() as old:
        old.setattr(indexer.build, "build_schema", without_role)
        old.setattr(indexer.build, "SCHEMA_VERSION", 8)
        old.setattr(indexer.records, "iter_page_values", lambda doc: ((n, v, None) for n, v, _ in real(doc)))
        indexer.build.build_index(settings)
    assert live_schema_version(settings.index) == 8

    def results() -> tuple[bool, list]:
        handle = IndexHandle(settings.index)
        try:
            unindexed = isinstance(handle.page_records(handle.searcher()), _Unindexed)
            found = [run_search(SearchParams.from_args({"q": q}, settings), handle) for q in ("ANRU", "sigles")]
            return unindexed, [{k: v for k, v in r.items() if k != "took_ms"} for r in found]
        finally:
            handle.close()

    unindexed, before = results()
    assert unindexed
    update_index(settings)
    assert live_schema_version(settings.index) == SCHEMA_VERSION
    assert results() == (False, before)


def test_pages_scored_for_ranking_are_reused_for_the_pages_shown(search, monkeypatch):
    """The best pages shown are the same whether ranking's page scores are reused or computed again."""
    from search_app.rank import PageRecordScores

    queries = ["clauses sociales", '"commande publique"', "insertion professionnelle", "QPV"]
    real, hits = PageRecordScores.within, []

    def within(self, scope):  # type: ignore[no-untyped-def]
        found = real(self, scope)
        hits.append(found is not None)
        return found

    monkeypatch.setattr(PageRecordScores, "within", within)
    reused = [search(q=q)["results"] for q in queries]
    assert any(hits) and any(r["pages"] for results in reused for r in results)
    monkeypatch.setattr(PageRecordScores, "within", lambda self, scope: None)
    assert [search(q=q)["results"] for q in queries] == reused


GLOSSARY = [
    "Glossaire des sigles",
    "CAF caisse d’allocations familiales",
    "CLSPD conseil local de sécurité et de prévention de la délinquance",
    "EPCI établissement public de coopération intercommunale",
    "ESS : économie sociale et solidaire",
    "GUSP : gestion urbaine et sociale de proximité",
    "QPV quartier prioritaire de la politique de la ville",
    "TFPB taxe foncière sur les propriétés bâties",
]


def test_reference_pages_are_told_from_pages_that_discuss():
    from indexer.page_roles import is_glossary_page, is_reference_page

    assert is_glossary_page("\n".join(GLOSSARY))
    contents = "Sommaire\n" + "\n".join(f"Chapitre {n} . . . . . . . . {4 * n}" for n in range(1, 6))
    assert is_reference_page(contents) and not is_glossary_page(contents)
    prose = [
        "Le CLSPD de Lunel réunit le maire, le procureur et les bailleurs.",
        "La GUSP y est discutée chaque trimestre avec les habitants.",
        *FILLER,
    ]
    assert not is_reference_page("\n".join(prose))
    assert not is_reference_page("\n".join(prose + GLOSSARY[:4]))  # a few acronyms at the foot of a page
    # The last page of a glossary in a table: the header repeated, five entries left, some of them wrapped.
    tail = [
        "Sigle ou terme Signification Ce qui lui succède",
        "TFPB taxe foncière sur les propriétés bâties (abattement de 30 % en",
        "QPV)",
        "ZFU zone franche urbaine (1996, 2004,",
        "2006) territoire entrepreneur (2015)",
        "ZRU zone de redynamisation urbaine",
        "(1996) exonérations maintenues pour un temps, puis QPV",
        "ZUP zone à urbaniser en priorité",
        "(1959-1967) –",
        "ZUS zone urbaine sensible (1996-2014) QPV",
    ]
    assert is_glossary_page("\n".join(tail))
    assert not is_glossary_page("\n".join(tail[:4] + prose))


def test_a_list_of_names_is_a_reference_page_and_prose_is_not():
    from indexer.page_roles import is_list_page, is_reference_page

    people = [
        ("ALARY", "Anne", "chargée de mission", "DDCS (Céret)"),
        ("BERNARD", "Isabelle", "coordinatrice ASV", "atelier santé ville de Lodève"),
        ("COSTE", "Malika", "adulte-relais", "association de quartier (La Grand-Combe)"),
        ("DAVID", "Carole", "animatrice", "maison de quartier (Narbonne)"),
        ("GARCIA", "Amina", "principale de collège", "collège Jean-Moulin (Alès)"),
        ("MOREL", "Maëlle", "médiatrice sociale", "association Médiations (Perpignan)"),
    ]
    participants = "Nom Prénom Fonction Structure\n" + "\n".join(" ".join(p) for p in people * 3)
    assert is_list_page(participants) and is_reference_page(participants)
    # Prose on the same people and bodies: a third of its words are function words.
    prose = " ".join(
        f"{first} {name}, {role} à la structure {body}, a expliqué comment elle travaille avec les habitants."
        for name, first, role, body in people * 2
    )
    assert not is_list_page(prose) and not is_reference_page(prose)
    assert not is_list_page(" ".join(p[0] for p in people))  # too short to tell (a cover)


def test_a_glossary_page_is_never_a_dossier_best_page(tmp_path, monkeypatch):
    """A dossier whose only mention of CLSPD is its list of acronyms stays below the post about the CLSPD
    (the glossary, a short page that names the acronym and its expansion, outscored the post's page)."""
    import indexer.page_roles as page_roles
    from indexer.build import build_index
    from indexer.config import Settings

    body = _paragraphs(["Comment articuler le CLSPD avec les instances du contrat de ville ?", *FILLER * 6])
    pages = [*([f"Chapitre {n}", *FILLER * 4] for n in range(1, 9)), GLOSSARY]
    root = _post_and_dossier(
        tmp_path / "corpus",
        ("site/2014/clspd.html", "Prévention de la délinquance : une journée d’échanges", body, "2014-05-20"),
        ("dossiers/2016/dossier.pdf", "Les conseils citoyens", pages),
    )
    settings = Settings(corpus=root, index=tmp_path / "index", workers=1)
    build_index(settings)

    def search() -> list[dict]:
        handle = IndexHandle(settings.index)
        try:
            return run_search(SearchParams.from_args({"q": "CLSPD"}, settings), handle)["results"]
        finally:
            handle.close()

    results = search()
    assert [r["path"] for r in results] == ["site/2014/clspd.html", "dossiers/2016/dossier.pdf"]
    assert [p["page"] for p in results[1]["pages"]] == [9]  # no other page matches: the glossary is shown
    monkeypatch.setattr(page_roles, "is_reference_page", lambda text: False)
    assert [r["path"] for r in search()] == ["site/2014/clspd.html", "dossiers/2016/dossier.pdf"]  # from the index
    build_index(settings)  # the roles are decided when the page records are written
    assert [r["path"] for r in search()] == ["dossiers/2016/dossier.pdf", "site/2014/clspd.html"]


def test_a_format_and_a_genre_together_mean_both(search):
    """« Dossier PDF » + « Journée » returned the journée's web page too (every type value was OR'ed): a format
    and a genre are AND'ed, values of the same kind still OR'ed, and the counts follow."""
    assert paths(search(type=["pdf", "journee"])) == []
    assert paths(search(type=["pdf", "dossier-thematique"])) == ["dossiers/2016/achats.pdf"]
    assert set(paths(search(type=["journee", "dossier-thematique"]))) == {
        "dossiers/2016/achats.pdf",
        "site/2016/clauses-sociales.html",
    }
    assert set(paths(search(type=["pdf", "html"]))) == set(paths(search()))
    counts = facet(search(type="pdf"), "type")
    assert "journee" not in counts and counts["dossier-thematique"] == (1, False)  # no PDF journée
    assert counts["html"] == (5, False) and counts["pdf"] == (1, True)  # the other format: OR'ed


def _passing_mention_corpus(root):
    """A post that treats the défraiement of the conseil citoyen (the words many times, never in a row), and a
    longer recueil that names « le défraiement des conseillers citoyens » once, in a line of its costs."""
    guide = _paragraphs(
        [
            "Le défraiement des habitants bénévoles est prévu par la convention.",
            "Les conseillers votent le défraiement chaque année.",
            "Des citoyens reçoivent un défraiement sur justificatif.",
            "Le défraiement des bénévoles reste modeste.",
            *FILLER,
        ]
    )
    recueil = _paragraphs(
        [
            "Les citoyens ont pris la parole dans six quartiers.",
            *FILLER * 2,
            "Les citoyens interrogés souhaitent être associés à l’évaluation.",
            "Coût : l’impression des supports, la collation et le défraiement des conseillers citoyens.",
            "Des citoyens ont relu la synthèse.",
        ]
    )
    posts = {
        "site/2019/guide.html": ("Guide des bonnes pratiques", guide, "2019-05-02"),
        "site/2017/recueil.html": ("Recueil de la parole des habitants", recueil, "2017-03-01"),
    }
    return _write_posts(root, posts)


def test_a_run_named_once_in_passing_gets_a_share_of_the_proximity_bonus(tmp_path, monkeypatch):
    """`proximity_bonus` weighs the body's bonus by the run's evidence, (words − 1) × the occurrences of the
    least repeated word: the recueil's one « défraiement » gives it 2 × 1 / proximity_evidence of the bonus, and
    the post that treats the subject passes it; without the weighing, the single run puts the recueil first."""
    import numpy as np

    from search_app.evaluate import Evaluator
    from search_app.query import parse, proximity_words
    from search_app.rank import proximity_bonus

    with built(_passing_mention_corpus(tmp_path / "corpus"), tmp_path / "index") as (settings, handle):
        query = {"q": "défraiement des conseillers citoyens"}
        searcher = handle.searcher()
        recueil = searcher.document_number(path="site/2017/recueil.html")
        evaluator = Evaluator(searcher, handle.term_cache(searcher), handle.universe(searcher))
        words, docs = proximity_words(parse(query["q"])), np.array([recueil], dtype=np.int64)
        monkeypatch.setattr(tuning, "TUNING", replace(tuning.TUNING, proximity_evidence=6.0))
        weighed = proximity_bonus(evaluator, words, docs)
        monkeypatch.setattr(tuning, "TUNING", replace(tuning.TUNING, proximity_evidence=0.0))
        plain = proximity_bonus(evaluator, words, docs)
        assert plain[recueil] > 0 and weighed[recueil] == pytest.approx(plain[recueil] * 2 / 6)
        ranked = ranked_with(monkeypatch, (settings, handle), query, proximity_evidence=0.0)
        assert ranked == ["site/2017/recueil.html", "site/2019/guide.html"]
        ranked = ranked_with(monkeypatch, (settings, handle), query, proximity_evidence=6.0)
        assert ranked == ["site/2019/guide.html", "site/2017/recueil.html"]


def test_toggle_links_are_the_query_string_urlencode_writes():
    from urllib.parse import urlencode

    from search_app.facets import toggle_query

    items = [("q", "« santé » & co = 100 % + l’été"), ("theme", "sante"), ("year", "2016"), ("page", "3")]
    for facet, value in [("theme", "sante"), ("theme", "emploi-insertion"), ("year", "2016"), ("q", "a b")]:
        kept = [(k, v) for k, v in items if k != "page"]
        expected = [kv for kv in kept if kv != (facet, value)] if (facet, value) in kept else [*kept, (facet, value)]
        assert toggle_query(items, facet, value) == "?" + urlencode(expected)
    assert toggle_query([], "theme", "sante") == "?theme=sante"
