"""OCR of scanned PDF pages with the real Tesseract: mixed PDFs, another language, limits, Tesseract
missing, and the extraction cache (a second build runs no OCR).

The scans are drawn by the corpus tool's rasteriser (`scan_fixtures.py`), small so that each page reads in
well under a second. The sample corpus's scans are tested in test_sample_corpus.py.
"""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import scan_fixtures as sx

from indexer.build import build_index
from indexer.config import Settings
from indexer.extract import cacheable
from indexer.extract.ocr import render_page
from indexer.extract.pdf import extract_pdf
from indexer.status import index_status

SAMPLE_SCAN = (
    Path(__file__).resolve().parents[1] / "corpus/dossiers/exemples-defectueux/exemple-pdf-scanne-sans-texte.pdf"
)


@pytest.fixture(autouse=True)
def _tesseract() -> None:
    sx.require_tesseract()


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.casefold()))


def test_a_mixed_pdf_keeps_its_text_pages_and_reads_the_scan() -> None:
    document = extract_pdf(sx.mixed_pdf(), "dossiers/mixte.pdf", Settings())
    assert document.ocr_pages == [2]
    assert document.unread_pages == [] and document.unread_reason is None
    assert document.pages[0] == "Compte rendu de la rencontre\nLes conseils citoyens de la région se sont rencontrés."
    assert document.pages[2].startswith("Annexe\nListe des participants")
    assert {"conseil", "citoyen", "cévennes", "délégué", "préfet", "habitants", "local"} <= _words(document.pages[1])


def test_a_page_in_english_is_read_too() -> None:
    document = extract_pdf(sx.english_scan_pdf(), "dossiers/english.pdf", Settings())
    assert document.ocr_pages == [1] and document.empty_reason is None
    assert {"housing", "committee", "residents", "street", "lighting", "hospital"} <= _words(document.pages[0])


def test_a_huge_page_is_rendered_within_the_pixel_limit() -> None:
    page = pdfium.PdfDocument(sx.huge_page_pdf())[0]
    image = render_page(page, dpi=300, max_pixels=2_000_000)
    width, height = map(int, image.split(b"\n")[1].split())
    assert width * height <= 2_000_000 and width > 1000
    assert len(image) >= width * height


def test_a_page_over_its_time_limit_is_left_unread_and_reported() -> None:
    settings = Settings(ocr_page_timeout=0.001)
    document = extract_pdf(sx.huge_page_pdf(), "dossiers/affiche.pdf", settings)
    assert document.ocr_pages == [] and document.unread_pages == [1]
    assert document.unread_reason == "OCR interrompu : plus de 0,001 s pour la page"
    assert document.empty_reason == "sans texte (OCR interrompu : plus de 0,001 s pour la page)"


def test_the_cap_of_ocr_pages_per_file_holds() -> None:
    document = extract_pdf(SAMPLE_SCAN.read_bytes(), "dossiers/scan.pdf", Settings(ocr_max_pages=1))
    assert document.ocr_pages == [1] and document.unread_pages == [2, 3]
    assert document.unread_reason == "OCR limité à 1 page par fichier"
    assert "conseils citoyens" in document.pages[0]


def _corpus(root: Path) -> Path:
    dossiers = root / "corpus" / "dossiers"
    dossiers.mkdir(parents=True)
    (dossiers / "mixte.pdf").write_bytes(sx.mixed_pdf())
    (dossiers / "scan.pdf").write_bytes(sx.english_scan_pdf())
    return root / "corpus"


def test_without_tesseract_the_build_completes_and_reports_the_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))  # no tesseract on PATH
    settings = Settings(corpus=_corpus(tmp_path), index=tmp_path / "index", workers=1)
    build_index(settings)
    status = index_status(settings.index)
    assert status["failures"] == []
    assert status["empty"] == [
        {"path": "dossiers/scan.pdf", "reason": "sans texte (OCR indisponible : Tesseract n’est pas installé)"}
    ]
    reason = "OCR indisponible : Tesseract n’est pas installé"
    assert status["ocr"]["unread"] == [
        {"path": "dossiers/mixte.pdf", "pages": [2], "reason": reason},
        {"path": "dossiers/scan.pdf", "pages": [1], "reason": reason},
    ]
    assert status["ocr"]["unread_pages"] == 2 and status["ocr"]["documents"] == 0
    document = extract_pdf(sx.mixed_pdf(), "dossiers/mixte.pdf", settings)
    assert document.unread_pages == [2] and document.ocr_pages == []
    assert document.unread_reason == "OCR indisponible : Tesseract n’est pas installé"
    assert document.pages[0].startswith("Compte rendu de la rencontre")


def test_a_second_build_reads_the_scans_from_the_cache(tmp_path: Path) -> None:
    calls = tmp_path / "calls.log"
    wrapper = tmp_path / "tesseract-counted"
    real = sx.shutil.which("tesseract")
    wrapper.write_text(f'#!/bin/sh\necho "$@" >> "{calls}"\nexec "{real}" "$@"\n', encoding="utf-8")
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    settings = Settings(corpus=_corpus(tmp_path), index=tmp_path / "index", workers=1, ocr_command=str(wrapper))
    build_index(settings)
    assert len(calls.read_text(encoding="utf-8").splitlines()) == 2  # one scanned page in each file
    build_index(settings)
    assert len(calls.read_text(encoding="utf-8").splitlines()) == 2


def test_ocr_turned_off_leaves_the_scan_unread_and_uncached() -> None:
    off = extract_pdf(sx.english_scan_pdf(), "dossiers/scan.pdf", Settings(ocr_command="off"))
    assert off.unread_pages == [1] and off.unread_reason == "OCR désactivé par CRPV_OCR_COMMAND=off"
    assert off.empty_reason == "sans texte (OCR désactivé par CRPV_OCR_COMMAND=off)"  # no parentheses nested
    assert not cacheable(off)
    missing = extract_pdf(sx.english_scan_pdf(), "dossiers/scan.pdf", Settings(ocr_command="/nulle/part/tesseract"))
    assert missing.unread_reason == "OCR indisponible : Tesseract n’est pas installé" and not cacheable(missing)
    assert cacheable(extract_pdf(sx.english_scan_pdf(), "dossiers/scan.pdf", Settings()))
