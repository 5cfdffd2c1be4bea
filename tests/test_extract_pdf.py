"""Tests of the PDF extractor (indexer.extract.pdf) and of `extract_file` on PDF files.

The PDFs are built with fpdf2 at test time (see pdf_fixtures.py).
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import pdf_fixtures as fx
import pytest
from pypdf import PageObject

from indexer.config import Settings
from indexer.errors import CorruptFileError, EncryptedPdfError, FileTooLargeError, UnsupportedFormatError
from indexer.extract import extract_data, extract_file
from indexer.extract.pdf import extract_pdf, is_meaningful_title, parse_pdf_date, split_keywords

SETTINGS = Settings()


def _extract(data: bytes, rel_path: str = "dossiers/2016/dossier.pdf", settings: Settings = SETTINGS):
    return extract_pdf(data, rel_path, settings)


@pytest.fixture(scope="module")
def dossier():
    return _extract(fx.dossier_pdf(), "dossiers/2016/achats-socialement-responsables.pdf")


# --- A dossier with metadata ---------------------------------------------------------------------------


def test_dossier_metadata_title_and_outline(dossier) -> None:
    assert dossier.format == "pdf"
    assert dossier.path == "dossiers/2016/achats-socialement-responsables.pdf"
    assert dossier.page_count == 4
    assert dossier.title == "Les achats socialement responsables"
    assert dossier.metadata == {
        "title": "Les achats socialement responsables",
        "subject": "Dossier thématique sur les clauses sociales",
        "author": "Villes et Territoires LR",
        "keywords": ["clauses sociales", "marchés publics", "insertion"],
        "creation_date": "2016-11-30",
    }
    assert dossier.headings == [page[0] for page in fx.DOSSIER_BODY]
    assert dossier.empty_reason is None


def test_running_header_and_page_numbers_removed(dossier) -> None:
    for page in dossier.pages[1:]:
        assert "novembre 2016" not in page  # the running header
        assert "Page" not in page and "/ 4" not in page  # « Page N / 4 »
    assert dossier.pages[1].startswith("Les clauses sociales dans les marchés publics")
    assert dossier.pages[1].endswith("\n2016")  # a year alone on a line is not a page number


def test_cover_keeps_its_own_text(dossier) -> None:
    assert dossier.pages[0] == (
        "Villes et Territoires LR\nLes achats socialement responsables\nDossier thématique\nNovembre 2016"
    )


def test_words_hyphenated_at_line_ends_are_rejoined(dossier) -> None:
    text = dossier.text
    assert "l’insertion professionnelle des habitants des quartiers prioritaires." in text
    assert "profession-" not in text and "professionnelle\n" not in text
    assert "dans une démarche socio-économique partagée" in text  # « socio-économique » is on page 2
    assert "Les collectivités du Languedoc-Roussillon ont présenté" in text


def test_ligatures_are_letters(dossier) -> None:
    assert "L’efficacité du financement et le flux des embauches sont suivis." in dossier.pages[1]
    assert not any(ligature in dossier.text for ligature in "ﬀﬁﬂﬃﬄ")


# --- Titles --------------------------------------------------------------------------------------------


def test_pdf_without_metadata_takes_the_cover_title() -> None:
    document = _extract(fx.dossier_without_metadata_pdf(), "dossiers/2016/dossier-vett.pdf")
    assert document.metadata == {}
    assert document.headings == []
    # The biggest type of page 1, over its two lines; not the organisation name nor the date.
    assert document.title == "Les achats socialement responsables"


def test_file_name_title_falls_back_to_the_first_strong_line() -> None:
    document = _extract(fx.word_export_pdf(), "dossiers/2016/cr-clsm.pdf")
    assert document.metadata["title"] == "Microsoft Word - CR_journee_CLSM_v3.docx"
    assert document.title == "Compte rendu de la journée des conseils locaux de santé mentale"


def test_placeholder_title_and_unparsable_creation_date() -> None:
    document = _extract(fx.odd_metadata_pdf(), "dossiers/2016/cr-clsm.pdf")
    assert document.title == "Compte rendu de la journée des conseils locaux de santé mentale"
    assert document.metadata["creation_date"] == "2016-11-21"  # « D:2016-11-21 », parsed by us
    assert document.metadata["keywords"] == ["CLSM", "santé mentale"]


@pytest.mark.parametrize(
    ("title", "meaningful"),
    [
        ("Les achats socialement responsables", True),
        ("Cadre de vie - Renouvellement urbain", True),
        ("untitled", False),
        ("Sans titre", False),
        ("Document1", False),
        ("Présentation PowerPoint", False),
        ("Microsoft Word - dossier.doc", False),
        ("Microsoft PowerPoint - webinaire 2021", False),
        ("fiche-1-definitions.pdf", False),
        ("DOSSIER_ASR_v3", False),
        ("achats-2016", False),  # the file's own name
        ("12", False),
    ],
)
def test_is_meaningful_title(title: str, meaningful: bool) -> None:
    assert is_meaningful_title(title, "dossiers/2016/achats-2016.pdf") is meaningful


# --- Typography ----------------------------------------------------------------------------------------


def test_accents_written_as_spacing_marks_are_joined() -> None:
    document = _extract(fx.split_accents_pdf(), "dossiers/tex.pdf")
    text = document.text
    assert "Le développement économique des quartiers, présenté à Montpellier." in text
    assert "La préfecture a créé un groupe de travail pour être au plus près des habitants." in text
    assert "Une idée naïve, un projet français, une île." in text
    assert not any(mark in text for mark in "´`ˆ¨¸")


# --- Encryption, scans, damaged and mislabelled files --------------------------------------------------


def test_encrypted_pdf_with_empty_user_password_is_read() -> None:
    document = _extract(fx.encrypted_empty_password_pdf())
    assert document.title == "Dossier protégé"
    assert "le pilotage et l’évaluation des actions" in document.text


def test_pdf_with_a_user_password_is_reported() -> None:
    with pytest.raises(EncryptedPdfError) as caught:
        _extract(fx.encrypted_with_password_pdf(), "dossiers/prive.pdf")
    assert caught.value.reason == "PDF protégé par un mot de passe"
    assert caught.value.path == "dossiers/prive.pdf"


def test_image_only_pdf_without_words_is_empty_after_ocr() -> None:
    document = _extract(fx.image_only_pdf(), "dossiers/2015/compte-rendu_scanne.pdf")
    assert document.empty_reason == "sans texte (aucun texte reconnu par l’OCR)"
    assert document.ocr_pages == [1, 2]
    assert all(sum(char.isalpha() for char in page) < 5 for page in document.pages)
    assert document.title == "Compte rendu scanne"


def test_truncated_pdf_is_corrupt() -> None:
    with pytest.raises(CorruptFileError) as caught:
        _extract(fx.truncated_pdf(), "dossiers/coupe.pdf")
    assert caught.value.reason.startswith("PDF endommagé ou tronqué (")
    assert caught.value.reason.endswith(")") and len(caught.value.reason) > len("PDF endommagé ou tronqué ()")


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (fx.text_file_named_pdf(), "texte"),
        (b"<!DOCTYPE html><html><body>Erreur 404</body></html>", "page HTML"),
        (b"PK\x03\x04" + b"\x00" * 40, "archive ZIP ou document Office"),
    ],
)
def test_file_that_is_not_a_pdf(data: bytes, kind: str) -> None:
    with pytest.raises(CorruptFileError) as caught:
        _extract(data, "dossiers/faux.pdf")
    assert caught.value.reason == f"ce fichier n’est pas un PDF (contenu : {kind})"


def test_too_many_pages() -> None:
    with pytest.raises(FileTooLargeError) as caught:
        _extract(fx.dossier_pdf(), settings=Settings(max_pdf_pages=3))
    assert caught.value.reason == "PDF trop long (4 pages, limite 3)"


def test_a_failing_page_is_empty_and_logged(monkeypatch: pytest.MonkeyPatch, caplog) -> None:
    original = PageObject.extract_text

    def flaky(self: PageObject, *args, **kwargs) -> str:
        if self.page_number == 2 and not kwargs.get("visitor_text"):
            raise KeyError("/Font")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(PageObject, "extract_text", flaky)
    with caplog.at_level(logging.WARNING, logger="indexer.extract"):
        document = _extract(fx.pdfium_refused_pdf(), "dossiers/2016/asr.pdf")
    assert document.pages[2] == ""
    assert "Zoom sur la région Occitanie" in document.pages[3]
    assert "dossiers/2016/asr.pdf: page 3 unreadable" in caplog.text


def test_a_time_limit_is_never_taken_for_a_damaged_page(monkeypatch: pytest.MonkeyPatch) -> None:
    def slow(self: PageObject, *args, **kwargs) -> str:
        raise TimeoutError  # what the batch's alarm raises

    monkeypatch.setattr(PageObject, "extract_text", slow)
    with pytest.raises(TimeoutError):
        _extract(fx.pdfium_refused_pdf())


# --- Small parsers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("D:20161121093000+01'00'", "2016-11-21"),
        ("D:201611", "2016-11"),
        ("D:2016", "2016"),
        ("D:20161340", "2016"),
        ("D:2016-11-21", "2016-11-21"),
        ("D:191161121", "2016-11-21"),  # the year 2000 bug
        ("D:18000101", None),
        ("hier", None),
        (None, None),
    ],
)
def test_parse_pdf_date(raw: str | None, iso: str | None) -> None:
    assert parse_pdf_date(raw) == iso


def test_split_keywords() -> None:
    assert split_keywords(" clauses sociales, marchés publics ;insertion;; Clauses sociales") == [
        "clauses sociales",
        "marchés publics",
        "insertion",
    ]


# --- extract_file --------------------------------------------------------------------------------------


def _write(root: Path, rel_path: str, data: bytes) -> Path:
    path = root / rel_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_extract_file_reads_a_pdf_with_an_uppercase_extension(tmp_path: Path) -> None:
    data = fx.dossier_pdf()
    path = _write(tmp_path, "dossiers/2016/ASR.PDF", data)
    document = extract_file(tmp_path, "dossiers/2016/ASR.PDF", SETTINGS)
    assert (document.format, document.path, document.title) == (
        "pdf",
        "dossiers/2016/ASR.PDF",
        "Les achats socialement responsables",
    )
    assert document.size == len(data)
    assert document.mtime == path.stat().st_mtime
    assert document.content_hash == hashlib.sha256(data).hexdigest()


def test_extract_file_pdf_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "dossiers" / "enorme.pdf"
    path.parent.mkdir()
    with path.open("wb") as handle:  # sparse: nothing is written
        handle.truncate(312 * 1024 * 1024)
    with pytest.raises(FileTooLargeError) as caught:
        extract_file(tmp_path, "dossiers/enorme.pdf", Settings(max_file_mb=100))
    assert caught.value.reason == "fichier trop volumineux (312 Mo, limite 100 Mo)"


def test_extract_file_small_limits_are_written_the_french_way(tmp_path: Path) -> None:
    _write(tmp_path, "dossiers/petit.pdf", b"%PDF-1.4\n" + b"0" * 3000)  # 3009 bytes: 0.00287 MB
    with pytest.raises(FileTooLargeError) as caught:
        extract_file(tmp_path, "dossiers/petit.pdf", Settings(max_file_mb=0.0025))
    assert caught.value.reason == "fichier trop volumineux (0,0029 Mo, limite 0,0025 Mo)"


def test_extract_data_works_on_bytes_already_read() -> None:
    data = fx.dossier_pdf()
    document = extract_data(data, "dossiers/2016/Asr.Pdf", SETTINGS)
    assert (document.format, document.path, document.size) == ("pdf", "dossiers/2016/Asr.Pdf", len(data))
    assert document.content_hash == hashlib.sha256(data).hexdigest()
    assert document.mtime == 0.0
    with pytest.raises(FileTooLargeError) as caught:
        extract_data(b"%PDF-1.4\n" + b"0" * 3000, "dossiers/petit.pdf", Settings(max_file_mb=0.0025))
    assert caught.value.reason == "fichier trop volumineux (0,0029 Mo, limite 0,0025 Mo)"
    with pytest.raises(UnsupportedFormatError):
        extract_data(data, "dossiers/asr.odt", SETTINGS)


def test_extract_file_reports_typed_errors(tmp_path: Path) -> None:
    _write(tmp_path, "dossiers/prive.pdf", fx.encrypted_with_password_pdf())
    _write(tmp_path, "dossiers/note.pdf", fx.text_file_named_pdf())
    _write(tmp_path, "dossiers/vide.pdf", b"")
    with pytest.raises(EncryptedPdfError):
        extract_file(tmp_path, "dossiers/prive.pdf", SETTINGS)
    with pytest.raises(CorruptFileError) as not_pdf:
        extract_file(tmp_path, "dossiers/note.pdf", SETTINGS)
    assert not_pdf.value.reason == "ce fichier n’est pas un PDF (contenu : texte)"
    with pytest.raises(CorruptFileError) as empty:
        extract_file(tmp_path, "dossiers/vide.pdf", SETTINGS)
    assert empty.value.reason == "fichier vide"
