"""The HTML page and the JSON API (Flask's test client, HTML read with BeautifulSoup)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup


@pytest.fixture
def web(mini_app):
    return mini_app.test_client()


def test_api_follows_the_contract(web):
    response = web.get("/api/search?q=commande+publique")
    assert response.status_code == 200 and response.is_json
    data = response.get_json()
    for key, kind in {"query": str, "total": int, "page": int, "per_page": int, "took_ms": float,
                      "results": list, "facets": dict}.items():  # fmt: skip
        assert isinstance(data[key], kind), key
    assert "suggestion" in data
    hit = next(r for r in data["results"] if r["path"].endswith(".pdf"))
    for key in ("path", "url", "title", "year", "themes", "type", "snippet", "page", "pages", "published_in"):
        assert key in hit, key
    assert hit["pages"][0].keys() >= {"page", "snippet"}
    assert hit["published_in"].keys() >= {"path", "title"}
    for name in ("year", "theme", "type"):
        for value in data["facets"][name]:
            assert value.keys() >= {"value", "label", "count", "selected"}


@pytest.mark.parametrize(
    "qs", ["page=0", "page=x", "per_page=500", "year=abcd", "sort=x", "year_from=1800", "theme=%3Cscript%3E"]
)
def test_api_400_with_json_error(web, qs):
    response = web.get("/api/search?" + qs)
    assert response.status_code == 400
    assert "error" in response.get_json()


def test_healthz(web):
    response = web.get("/healthz")
    assert response.status_code == 200 and response.get_json()["status"] == "ok"
    browse = web.get("/api/search?q=").get_json()  # all documents, as the page counts them
    assert response.get_json()["documents"] == browse["total"] == 6  # not counting the PDF page records


def test_healthz_503_without_index(tmp_path):
    from indexer.config import Settings
    from search_app import create_app

    app = create_app({"SETTINGS": Settings(index=tmp_path / "none", corpus=tmp_path)})
    client = app.test_client()
    assert client.get("/healthz").status_code == 503
    assert client.get("/api/search?q=x").status_code == 503
    page = client.get("/")
    assert page.status_code == 503 and "python -m indexer build" in page.get_data(as_text=True)


def test_page_renders_results_facets_and_json_link(web):
    response = web.get("/?q=clauses+sociales")
    assert response.status_code == 200
    soup = BeautifulSoup(response.data, "html.parser")
    assert soup.html["lang"] == "fr"
    assert soup.find("label", attrs={"for": "q"})
    status = soup.find(attrs={"role": "status"})
    assert "3 documents" in status.get_text()
    titles = [a.get_text(strip=True) for a in soup.select(".hit-title a")]
    assert titles[0] == "Les clauses sociales dans les marchés publics"
    assert soup.select_one(".snippet mark")
    pdf_links = [a["href"] for a in soup.select(".pages a")]
    assert "/corpus/dossiers/2016/achats.pdf#page=2" in pdf_links
    assert soup.find("a", string="Ces résultats en JSON")["href"].startswith("/api/search?q=clauses")
    form = soup.select_one("form.facets-form")  # real checkboxes in a form that works without JavaScript
    boxes = {li.select_one(".label").get_text(): li.input for li in form.select(".facet-value")}
    assert boxes["Dossier PDF"].attrs | {"id": ""} == {"type": "checkbox", "name": "type", "value": "pdf", "id": ""}
    assert [(i["name"], i["value"]) for i in form.select("input[type=hidden]")] == [("q", "clauses sociales")]
    assert not soup.select("[role=checkbox]")
    assert soup.select_one("a.skip-link")["href"] == "#contenu" and soup.find(id="contenu")
    assert soup.find("header") and soup.find("main") and soup.find("footer")


def test_page_chips_and_clear_filters(web):
    soup = BeautifulSoup(web.get("/?q=clauses&type=pdf&year=2016").data, "html.parser")
    chips = [a.get_text(" ", strip=True) for a in soup.select(".chips .chip")]
    assert "Année : 2016 ×" in chips and "Type de document : Dossier PDF ×" in chips
    assert soup.select_one(".chips .clear")["href"] == "?q=clauses"
    soup = BeautifulSoup(web.get("/?q=clauses&year_from=2015&year_to=2015").data, "html.parser")
    assert [a.get_text(" ", strip=True) for a in soup.select(".chips .chip")] == ["Année : 2015 ×"]
    soup = BeautifulSoup(web.get("/?q=clauses&year_from=2015").data, "html.parser")
    assert [a.get_text(" ", strip=True) for a in soup.select(".chips .chip")] == ["Années : 2015 – … ×"]


def test_empty_state_and_suggestion(web):
    soup = BeautifulSoup(web.get("/?q=psychiatrei").data, "html.parser")
    assert "Aucun document" in soup.find(attrs={"role": "status"}).get_text()
    assert soup.select_one(".suggestion a").get_text() == "psychiatrie"
    assert soup.select_one(".empty")


def test_no_filters_to_offer_no_filters_column(web):
    soup = BeautifulSoup(web.get("/?q=zygomatiquerie").data, "html.parser")
    assert not soup.select("aside.facets") and not soup.select("a.to-facets")  # once a lone « Appliquer » button
    soup = BeautifulSoup(web.get("/?q=clauses").data, "html.parser")
    assert soup.select("aside.facets fieldset") and soup.select("a.to-facets")


def test_page_says_which_results_have_only_some_words(web):
    soup = BeautifulSoup(web.get("/?q=quartier+g%C3%A9ographie").data, "html.parser")
    notice = soup.select_one(".notice").get_text(" ", strip=True)
    assert notice.startswith("Un seul document contient tous les mots ;"), notice
    marked = [hit.select_one(".partial") for hit in soup.select("li.hit")]
    assert [m.get_text() if m else None for m in marked] == [None, "Sans : géographie", "Sans : géographie"]
    full = BeautifulSoup(web.get("/?q=clauses+sociales").data, "html.parser")
    assert not full.select(".notice") and not full.select("li.hit .partial")


def test_page_escapes_document_text(web):
    html = web.get("/?q=pi%C3%A9g%C3%A9es").get_data(as_text=True)
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_page_400_for_bad_parameters(web):
    response = web.get("/?page=-1")
    assert response.status_code == 400
    assert "invalide" in response.get_data(as_text=True)


def test_security_headers(web):
    headers = web.get("/").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_corpus_files_served_and_nothing_else(web, mini_settings, tmp_path):
    with web.get("/corpus/dossiers/2016/achats.pdf") as response:
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert response.data[:5] == b"%PDF-"
    with web.get("/corpus/site/2016/clauses-sociales.html") as html:
        assert html.status_code == 200 and "sandbox" in html.headers["Content-Security-Policy"]
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    link = mini_settings.corpus / "site" / "lien.pdf"
    link.symlink_to(outside)
    try:
        for path in (
            "../index/current",
            "..%2f..%2fetc%2fpasswd",
            "%2e%2e/%2e%2e/etc/passwd",
            "site/../../index",
            "site/lien.pdf",
            quote(str(outside)),
            "site/%00.html",
            ".hidden",
        ):
            assert web.get("/corpus/" + path, follow_redirects=True).status_code == 404, path
    finally:
        link.unlink()


def test_document_page_shows_sources_relations_and_extract(web):
    soup = BeautifulSoup(web.get("/document/dossiers/2016/achats.pdf").data, "html.parser")
    text = soup.get_text(" ", strip=True)
    assert "Les achats socialement responsables" in soup.find("h1").get_text()
    assert "date imprimée en couverture" in text  # the source that decided the year
    assert "Publié dans" in text and "Les clauses sociales dans les marchés publics" in text
    post = BeautifulSoup(web.get("/document/site/2016/clauses-sociales.html").data, "html.parser")
    assert "Documents publiés par cette page" in post.get_text()
    assert web.get("/document/absent.pdf").status_code == 404


def test_opensearch_description(web):
    response = web.get("/opensearch.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/opensearchdescription+xml"
    assert "{searchTerms}" in response.get_data(as_text=True)
    page = BeautifulSoup(web.get("/").data, "html.parser")
    assert page.find("link", rel="search")["href"] == "/opensearch.xml"


def test_every_page_has_an_icon(web):
    # Without one, browsers asked for /favicon.ico and logged a 404 on every page.
    icon = BeautifulSoup(web.get("/").data, "html.parser").find("link", rel="icon")["href"]
    with web.get(icon) as response:
        assert response.status_code == 200 and response.mimetype == "image/svg+xml"


def test_a_page_beyond_the_last_shows_the_last_page(web):
    api = web.get("/api/search?per_page=2&page=99").get_json()
    assert (api["page"], api["page_count"], len(api["results"])) == (3, 3, 2)  # 6 documents, 2 a page
    soup = BeautifulSoup(web.get("/?per_page=2&page=99").data, "html.parser")
    assert "page 3 sur 3" in soup.find(attrs={"role": "status"}).get_text()
    assert len(soup.select(".hit-title a")) == 2
    assert soup.find("a", rel="prev")["href"] == "?per_page=2&page=2" and not soup.find("a", rel="next")


def test_previous_and_next_keep_the_number_of_results_per_page(web):
    # « page=1 » was replaced inside « per_page=1… »: the links changed how many results a page holds.
    soup = BeautifulSoup(web.get("/?per_page=1&page=3").data, "html.parser")
    assert soup.find("a", rel="prev")["href"] == "?per_page=1&page=2"
    assert soup.find("a", rel="next")["href"] == "?per_page=1&page=4"
    soup = BeautifulSoup(web.get("/?per_page=1").data, "html.parser")
    assert not soup.find("a", rel="prev") and soup.find("a", rel="next")["href"] == "?per_page=1&page=2"


def test_the_json_link_and_the_document_links_keep_the_results_page(web):
    soup = BeautifulSoup(web.get("/?q=clauses&per_page=2&page=2").data, "html.parser")
    assert soup.find("a", string="Ces résultats en JSON")["href"] == "/api/search?q=clauses&per_page=2&page=2"
    fiche = soup.select_one(".more a")["href"]
    assert fiche.endswith("?q=clauses&per_page=2&page=2")
    back = BeautifulSoup(web.get(fiche).data, "html.parser").find("a", string="‹ Retour à la recherche")
    assert back["href"] == "/?q=clauses&per_page=2&page=2"


def test_page_links_say_which_is_best_and_list_the_others_in_page_order(client):
    api = client.get("/api/search?q=QPV").get_json()
    hit = next(h for h in api["results"] if len(h["pages"]) >= 3 and h["pages"][1]["page"] > h["pages"][2]["page"])
    soup = BeautifulSoup(client.get("/?q=QPV").data, "html.parser")
    shown = next(p for p in soup.select(".pages") if f"/corpus/{hit['path']}#" in str(p))
    assert shown.get_text(" ", strip=True).startswith(f"Meilleure page : p. {hit['pages'][0]['page']} ; aussi :")
    others = [int(a.get_text().split()[-1]) for a in shown.select("a:not(.best)")]
    assert others == sorted(p["page"] for p in hit["pages"][1:]) and others != [p["page"] for p in hit["pages"][1:]]


def test_a_web_page_result_opens_a_clean_reading_view_with_the_original_one_click_away(web):
    soup = BeautifulSoup(web.get("/?q=psychiatrie").data, "html.parser")
    link = soup.select_one(".hit-title a")["href"]  # no live address known: the reading view, not the raw file
    assert link == "/document/site/2019/sante-mentale.html?q=psychiatrie"
    page = BeautifulSoup(web.get(link).data, "html.parser")
    text = page.select_one(".article").get_text(" ", strip=True)
    assert "Le conseil local de santé mentale réunit élus, psychiatrie et bailleurs." in text
    assert "barre d’outils" not in page.get_text() and "Articles récents" not in page.get_text()
    assert "15\xa0février 2019" in page.get_text()
    assert page.find("a", string="site/2019/sante-mentale.html")["href"] == "/corpus/site/2019/sante-mentale.html"


def test_a_web_page_result_opens_its_live_address_when_known(client):
    api = client.get("/api/search?q=achats+socialement+responsables").get_json()
    hit = next(h for h in api["results"] if h["format"] == "html" and h["source_url"])
    assert hit["source_url"].startswith("https://www.villesetterritoireslr.fr/")
    soup = BeautifulSoup(client.get("/?q=achats+socialement+responsables").data, "html.parser")
    assert hit["source_url"] in [a["href"] for a in soup.select(".hit-title a")]
    assert hit["url"] == "/corpus/" + hit["path"]  # the JSON `url` still opens the file, as the contract says


def test_an_acronym_marks_its_written_out_form_only_where_it_is_written_whole(client):
    import re

    api = client.get("/api/search?q=QPV&per_page=50").get_json()
    snippets = [s for h in api["results"] for s in [h["snippet"], *(p["snippet"] for p in h["pages"])]]
    whole = r"<mark>quartiers?</mark> <mark>prioritaires?</mark> de la <mark>politique</mark> de la <mark>ville</mark>"
    assert any(re.search(whole, s.lower()) for s in snippets)
    for snippet in snippets:  # « Villes et Territoires », « le quartier Saint-Jean », « petites villes »: not « QPV »
        text = snippet.lower()
        assert not re.search(r"<mark>villes</mark> et|petites <mark>villes|<mark>quartiers?</mark> (?!<mark>)", text), (
            snippet
        )


def _snippets(client, q: str) -> dict[str, list[str]]:
    api = client.get("/api/search", query_string={"q": q, "per_page": 50}).get_json()
    return {h["path"]: [h["snippet"], *(p["snippet"] for p in h["pages"])] for h in api["results"]}


def test_a_quoted_phrase_is_marked_only_where_it_is_written_whole(client):
    import re

    found = _snippets(client, '"conseil citoyen"')
    marked = [m.lower() for snippets in found.values() for s in snippets for m in re.findall(r"<mark>(.*?)</mark>", s)]
    assert marked.count("conseil") >= 20 and set(marked) == {"conseil", "citoyen"}  # not « conseils », « citoyens »
    for snippet in (s.lower() for snippets in found.values() for s in snippets):
        pairs = re.sub(r"<mark>conseil</mark>\W+<mark>citoyen</mark>", "", snippet)
        assert "<mark>" not in pairs, snippet  # « conseil » or « citoyen » marked alone
    # A word typed besides the phrase is still marked alone.
    both = _snippets(client, '"conseil citoyen" habitants')
    assert any("<mark>habitants</mark>" in s for snippets in both.values() for s in snippets)


def test_a_widened_term_of_several_words_is_marked_only_where_it_is_written_whole(client):
    import re

    # « QPV » is widened to « zone de redynamisation urbaine », « territoires entrepreneurs », and to ZUS and ZFU
    # whose written-out forms are « zones urbaines sensibles », « zones franches urbaines »: their words were
    # marked one by one (« contrats urbains de cohésion sociale », « renouvellement urbain »).
    found = _snippets(client, "QPV")
    lamy = found["site/2014/loi-lamy-nouveaux-contrats-de-ville-2014.html"][0]
    assert "contrats urbains de cohésion" in lamy and "renouvellement <mark>" not in lamy
    assert "<mark>zones</mark> de <mark>redynamisation</mark> <mark>urbaine</mark>" in lamy
    whole = [
        r"<mark>zones?</mark>\W+de\W+<mark>redynamisation</mark>\W+<mark>urbaines?</mark>",
        r"<mark>zones?</mark>\W+<mark>urbaines?</mark>\W+<mark>sensibles?</mark>",
        r"<mark>zones?</mark>\W+<mark>franches</mark>\W+<mark>urbaines?</mark>",
        r"<mark>territoires</mark>\W+<mark>entrepreneurs</mark>",
    ]
    words = r"<mark>(zones?|urbaine?s?|urbains?|sensibles?|redynamisation|franches|territoires|entrepreneurs)</mark>"
    checked = 0
    for snippet in (s.lower() for snippets in found.values() for s in snippets):
        checked += bool(re.search(words, snippet))
        for run in whole:
            snippet = re.sub(run, "", snippet)
        assert not re.search(words, snippet), snippet
    assert checked >= 5


def test_a_pdf_without_a_matching_page_opens_on_its_first_page_of_prose_not_its_cover(client):
    api = client.get("/api/search?type=pdf&per_page=50").get_json()  # browsing: no page matches
    covers = [h["path"] for h in api["results"] if h["snippet"].startswith("Villes et Territoires Languedoc")]
    assert covers == [] and len(api["results"]) > 10


def test_a_contacts_page_is_listed_after_the_pages_that_discuss(client):
    api = client.get("/api/search?q=ANRU").get_json()
    dossier = next(
        h for h in api["results"] if h["path"].endswith("achats-socialement-responsables-dossier-thematique.pdf")
    )
    assert dossier["page"] != 48  # p. 48, « Contacts utiles », was its best page: it names ANRU, discusses nothing
    from indexer.page_roles import is_contacts_page

    assert is_contacts_page("Contacts utiles\nAu niveau national\n• Alliance Villes Emploi : www.ville-emploi.asso.fr")
    assert not is_contacts_page(
        "Le conseil citoyen de Bédarieux réunit les habitants.\nContacts utiles\n• DDCS du Gard"
    )
