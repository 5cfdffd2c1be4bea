"""The sample corpus shipped in `corpus/`: what the indexer makes of it, and the queries users type."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from pathlib import Path

import pytest

from indexer.extract.html import extract_html
from indexer.status import index_status
from search_app import tuning
from search_app.index_handle import IndexHandle
from search_app.params import SearchParams
from search_app.search import run_search

DEFECTIVE = "dossiers/exemples-defectueux/"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def status(sample_settings):
    return index_status(sample_settings.index)


def test_sample_corpus_size_and_spread(status):
    assert status["by_format"]["html"] >= 45
    assert status["by_format"]["pdf"] >= 15
    assert len([y for y in status["by_year"] if y != "sans-date"]) >= 6
    assert len(status["by_theme"]) >= 10
    assert status["pages"] >= 150


def test_only_files_broken_on_purpose_fail(status):
    assert status["failures"], "the truncated example must be reported"
    for failure in status["failures"] + status["empty"]:
        assert failure["path"].startswith(DEFECTIVE), failure
    assert status["empty"] == [], "the scanned examples are read by OCR"


def test_status_counts_extractors_and_ocr(status):
    assert status["by_extractor"] == {"html": status["by_format"]["html"], "pdfium": status["by_format"]["pdf"]}
    assert status["ocr"]["documents"] == 2 and status["ocr"]["pages"] == 6
    assert [d["path"] for d in status["ocr"]["list"]] == [
        "dossiers/2017/convention-partenariat-conseil-citoyen-lunel-scan.pdf",
        "dossiers/exemples-defectueux/exemple-pdf-scanne-sans-texte.pdf",
    ]
    assert status["ocr"]["unread"] == []


@pytest.fixture(scope="module")
def search(sample_settings):
    handle = IndexHandle(sample_settings.index)

    def run(q, **args):
        return run_search(SearchParams.from_args({"q": q, **args}, sample_settings), handle)

    yield run
    handle.close()


@pytest.mark.parametrize(
    ("query", "expected_first"),
    [
        ("clauses sociales", "dossiers/2016/achats-socialement-responsables-dossier-thematique.pdf"),
        ("sante mentale", "dossiers/2016/clsm-synthese-journee-4-novembre-2016.pdf"),
        ("conseil citoyen Bedarieux", "site/2016/conseil-citoyen-bedarieux.html"),
        ("mobilites residentielles", "dossiers/2016/mobilites-residentielles-qpv.pdf"),
        ("Troc’Logis", "dossiers/2016/mobilites-residentielles-qpv.pdf"),
    ],
)
def test_queries_as_users_type_them(search, query, expected_first):
    result = search(query)
    assert result["results"][0]["path"] == expected_first
    assert "<mark>" in result["results"][0]["snippet"]


def test_economie_sociale_et_solidaire_finds_ess_documents(search):
    top = [r["path"] for r in search("l'economie sociale et solidaire")["results"][:5]]
    assert "dossiers/2016/achats-socialement-responsables-dossier-thematique.pdf" in top


def test_qpv_finds_both_forms(search):
    result = search("QPV")
    assert result["total"] >= 10
    snippets = " ".join(r["snippet"] for r in result["results"])
    assert "<mark>QPV</mark>" in snippets or "<mark>qpv</mark>" in snippets.lower()


def test_pdf_passage_opens_at_its_page(search):
    hit = search("Troc’Logis")["results"][0]
    assert hit["page"] == 7 and hit["url"].endswith("mobilites-residentielles-qpv.pdf#page=7")
    assert hit["published_in"]["path"] == "site/2016/mobilites-residentielles-2016.html"


def test_quoted_phrase_keeps_its_stop_words_and_opens_the_right_page(search):
    result = search('"Habiter avec"')
    first = result["results"][0]
    assert first["path"] == "dossiers/2016/clsm-synthese-journee-4-novembre-2016.pdf"
    assert first["page"] in (7, 8)
    assert "<mark>Habiter</mark> <mark>avec</mark>" in first["snippet"]
    # Without quotes the same words are stemmed: « habitants » matches too.
    assert search("Habiter avec")["total"] > result["total"]


def test_long_dossiers_reach_the_first_page_through_the_page_that_answers(search, monkeypatch):
    # « ANRU » is named in passing by a dozen documents; two dossiers of 53 and 54 pages say what the agency
    # requires (its insertion charter; its regulation imposing co-construction). Their whole-document scores put
    # them beyond 10: only their best page can lift them, and it is scored for the best PAGE_SCORE_WINDOW.
    def pages_of(result):
        return {r["path"].rsplit("/", 1)[-1]: [p["page"] for p in r["pages"]] for r in result["results"]}

    found = pages_of(search("ANRU"))
    assert set(found["achats-socialement-responsables-dossier-thematique.pdf"]) & {15, 31}
    assert 41 in found["conseils-citoyens-etat-des-lieux-languedoc-roussillon.pdf"]
    monkeypatch.setattr(tuning, "TUNING", replace(tuning.TUNING, page_score_window=10))
    assert "conseils-citoyens-etat-des-lieux-languedoc-roussillon.pdf" not in pages_of(search("ANRU"))


def test_partial_matches_get_their_best_page_in_the_order_they_are_shown(search):
    # No document has the four words. The post on the health-mediation seminar has the two rarer ones
    # (« médiatrice », « quartier »); documents with only « quartier » and « enfants » score higher before
    # their coverage factor is applied, and must not take its place in the best-page window.
    paths = [r["path"] for r in search("vaccination enfants médiatrice quartier", per_page="10")["results"]]
    assert paths[0] == "dossiers/2019/mediation-en-sante-seminaire-25-janvier-2019.pdf"
    assert "site/2019/mediation-sante-2019.html" in paths


def test_a_word_of_page_2_of_a_scan_opens_page_2(search):
    first = search('"module commun pourrait être proposé"')["results"][0]
    assert first["path"] == "dossiers/exemples-defectueux/exemple-pdf-scanne-sans-texte.pdf"
    assert first["page"] == 2 and first["url"].endswith("#page=2")
    first = search('"modification du plan de financement"')["results"][0]
    assert first["path"] == "dossiers/2017/convention-partenariat-conseil-citoyen-lunel-scan.pdf"
    assert first["page"] == 2


def test_a_scanned_agreement_is_dated_by_its_signature(search):
    # Read by OCR: no post publishes it, nothing dated on its first page; « Fait à Lunel, le 14 mars 2017 » on the last.
    found = search("convention partenariat Lunel", year="2017")["results"]
    assert found[0]["path"] == "dossiers/2017/convention-partenariat-conseil-citoyen-lunel-scan.pdf"
    assert found[0]["date"] == "2017-03-14"


def test_a_long_web_page_answers_with_its_section_and_no_page_number(search):
    path = "site/2021/abecedaire-politique-de-la-ville-2021.html"
    sections = extract_html((ROOT / "corpus" / path).read_bytes(), path).pages
    answering = [s for s in sections if "zéro chômeur" in s]
    assert len(sections) > 10 and len(answering) == 1
    hit = next(r for r in search("territoires zéro chômeur")["results"] if r["path"] == path)
    assert "<mark>" in hit["snippet"] and _snippet_from(hit["snippet"], answering[0])
    assert hit["page"] is None and hit["pages"] == []
    assert "#page=" not in hit["url"] and "#page=" not in (hit["source_url"] or "")
    browsed = next(r for r in search("", year="2021", per_page="50")["results"] if r["path"] == path)
    assert _snippet_from(browsed["snippet"], sections[0])  # browsing: the page's opening, as before


def _snippet_from(snippet: str, text: str) -> bool:
    """Whether every fragment of a snippet (marks and ellipses removed) is in `text`."""
    shown = re.split(r"\s*(?:…|\.\.\.)\s*", re.sub(r"</?mark>", "", html.unescape(snippet)))
    flat = " ".join(text.split())
    return all(part in flat for part in shown if part)


def test_a_long_web_page_reads_whole_on_its_document_page(client):
    path = "site/2021/abecedaire-politique-de-la-ville-2021.html"
    sections = extract_html((ROOT / "corpus" / path).read_bytes(), path).pages
    page = client.get(f"/document/{path}").get_data(as_text=True)
    first, last = sections[0].split("\n\n")[1], sections[-1].split("\n\n")[-1]
    assert html.escape(first, quote=False) in page and html.escape(last, quote=False) in page
    assert "#page=" not in page


def _walk(search, q: str, per_page: int) -> list[str]:
    """Every result of `q`, page after page."""
    first = search(q, per_page=str(per_page))
    paths = [r["path"] for r in first["results"]]
    for page in range(2, first["page_count"] + 1):
        paths += [r["path"] for r in search(q, per_page=str(per_page), page=str(page))["results"]]
    assert len(paths) == first["total"]
    return paths


@pytest.mark.parametrize("q", ["QPV", "contrat de ville", "conseils citoyens", "santé"])
def test_the_pages_of_a_search_are_slices_of_one_order(search, q):
    # Page 3 once ranked more documents than page 1 with its bonuses: some came twice, others never.
    whole = _walk(search, q, 50)
    assert len(set(whole)) == len(whole)
    assert _walk(search, q, 10) == whole
    assert _walk(search, q, 7) == whole
