"""What people see of OCR on the sample corpus: « texte reconnu automatiquement » on the results page and the
document page, `ocr` in the API, the OCR'd documents listed on /admin."""

from __future__ import annotations

from dataclasses import replace

import pytest
from bs4 import BeautifulSoup

from indexer.wording import page_list
from search_app import create_app

SCAN = "dossiers/exemples-defectueux/exemple-pdf-scanne-sans-texte.pdf"
CONVENTION = "dossiers/2017/convention-partenariat-conseil-citoyen-lunel-scan.pdf"
TOKEN = "jeton-de-test-ocr-0123456789-abcdefghij"


def test_the_api_says_which_results_were_read_by_ocr(client) -> None:
    results = client.get("/api/search", query_string={"q": "conseils citoyens Languedoc-Roussillon"}).get_json()
    by_path = {r["path"]: r for r in results["results"]}
    assert by_path[SCAN]["ocr"] is True and by_path[SCAN]["ocr_pages"] == [1, 2, 3]
    assert all(r["ocr"] is False and r["ocr_pages"] == [] for p, r in by_path.items() if p != SCAN)


def test_the_results_page_marks_a_scanned_result(client) -> None:
    page = BeautifulSoup(client.get("/", query_string={"q": '"plan de financement prévisionnel"'}).data, "html.parser")
    hits = page.select("li.hit")
    scanned = [hit for hit in hits if CONVENTION in hit.get_text() or hit.find("a", href=lambda h: CONVENTION in h)]
    assert scanned and scanned[0].find(class_="ocr").get_text() == "texte reconnu automatiquement"
    others = [hit for hit in hits if hit not in scanned]
    assert all(hit.find(class_="ocr") is None for hit in others)


def test_the_document_page_says_how_the_text_was_read(client) -> None:
    page = BeautifulSoup(client.get(f"/document/{SCAN}").data, "html.parser")
    text = " ".join(page.find("dl", class_="doc-meta").get_text(" ").split())
    assert "Texte texte reconnu automatiquement (OCR) : des mots peuvent être mal lus" in text
    other = BeautifulSoup(
        client.get("/document/dossiers/2016/mobilites-residentielles-qpv.pdf").data, "html.parser"
    ).find("dl", class_="doc-meta")
    assert "extrait par PDFium" in other.get_text() and "reconnu automatiquement" not in other.get_text()


def test_admin_lists_the_documents_read_by_ocr(sample_settings) -> None:
    app = create_app({"SETTINGS": replace(sample_settings, admin_token=TOKEN), "TESTING": True})
    page = BeautifulSoup(app.test_client().get("/admin", auth=("documentaliste", TOKEN)).data, "html.parser")
    section = page.find(id="ocr").find_parent("section")
    assert "2\u00a0documents, 6\u00a0pages" in section.h2.get_text()
    rows = {row.th.get_text(strip=True): row.td.get_text(strip=True) for row in section.tbody("tr")}
    assert rows == {CONVENTION: "pages 1 à 3", SCAN: "pages 1 à 3"}


@pytest.mark.parametrize(
    ("pages", "label"),
    [([2], "page 2"), ([1, 2, 3], "pages 1 à 3"), ([1, 4, 6], "pages 1, 4 et 6"), ([], "")],
)
def test_page_lists_in_french(pages: list[int], label: str) -> None:
    assert page_list(pages) == label
