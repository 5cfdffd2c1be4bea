"""PDF text through PDFium, pypdf for metadata, outline, links and as the fallback; the glued-words
detector; encrypted PDFs (RC4 and AES with an empty user password, and with a real password).

The TeX-like PDF is made by the corpus tool (`tools/corpus_render/texlike.py`); the others by fpdf2.
"""

from __future__ import annotations

import io
import sys
from functools import cache
from pathlib import Path

import pdf_fixtures as fx
import pytest
from fpdf import FPDF
from fpdf.enums import EncryptionMethod
from pypdf import PdfReader

from indexer.build import build_index
from indexer.config import Settings
from indexer.errors import EncryptedPdfError
from indexer.extract.glued import long_token_share, looks_glued
from indexer.extract.pdf import extract_pdf
from indexer.extract.pdf_text import least_glued
from indexer.status import index_status
from search_app.index_handle import IndexHandle
from search_app.params import SearchParams
from search_app.search import run_search

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from corpus_render.texlike import texlike_pdf

SETTINGS = Settings()
TEX_PAGES = [
    [
        "Les conseils citoyens réunissent les habitants des quartiers prioritaires",
        "et les acteurs locaux : associations, commerçants, professions libérales.",
        "Leur autonomie à l’égard des pouvoirs publics suppose des moyens identifiés.",
    ],
    [
        "La coopérative jeunesse de services accueille des adolescents de Lodève",
        "pendant l’été ; ils gèrent ensemble une petite entreprise de services.",
        "Les partenaires financent l’animation et la formation des coopérants.",
    ],
]


@cache
def tex_pdf() -> bytes:
    return texlike_pdf("Les conseils citoyens et la coopération", TEX_PAGES)


def _encrypted(method: EncryptionMethod, user_password: str) -> bytes:
    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(fx.require_font()))
    pdf.set_font("DejaVu", size=11)
    pdf.set_title("Convention protégée")
    pdf.set_encryption(owner_password="proprietaire", user_password=user_password, encryption_method=method)
    pdf.add_page()
    pdf.cell(0, 8, "La géographie prioritaire des quartiers de Sète est révisée en 2024.")
    return bytes(pdf.output())


def test_pypdf_really_glues_the_tex_like_fixture() -> None:
    reader = PdfReader(io.BytesIO(tex_pdf()))
    text = reader.pages[0].extract_text()
    assert "Lesconseilscitoyensréunissent" in text
    assert looks_glued(text)


def test_pdfium_keeps_the_word_spaces_of_a_tex_like_pdf() -> None:
    document = extract_pdf(tex_pdf(), "dossiers/tex.pdf", SETTINGS)
    assert document.extractor == "pdfium"
    assert "Les conseils citoyens réunissent les habitants des quartiers prioritaires" in document.pages[0]
    assert "ils gèrent ensemble une petite entreprise" in document.pages[1]
    assert not any(looks_glued(page) for page in document.pages)


def test_a_pdf_pdfium_refuses_is_read_by_pypdf() -> None:
    document = extract_pdf(fx.pdfium_refused_pdf(), "dossiers/2016/achats.pdf", SETTINGS)
    assert document.extractor == "pypdf"
    assert "Les clauses sociales favorisent l’insertion professionnelle" in document.pages[1]
    assert document.title == fx.TITLE
    assert document.metadata["author"] == fx.ORGANISATION


def test_metadata_outline_and_links_are_read_through_pypdf() -> None:
    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(fx.require_font()))
    pdf.set_font("DejaVu", size=11)
    pdf.set_title("Guide de la participation")
    pdf.set_author("Villes et Territoires LR")
    pdf.set_keywords("participation, conseils citoyens")
    pdf.add_page()
    pdf.start_section("Le cadre légal")
    pdf.cell(0, 8, "La loi du 21 février 2014 crée les conseils citoyens.", link="https://www.legifrance.gouv.fr/")
    pdf.add_page()
    pdf.start_section("Les outils")
    pdf.cell(0, 8, "Une boîte à outils est en ligne.", link="https://www.example.org/outils")
    document = extract_pdf(bytes(pdf.output()), "dossiers/guide.pdf", SETTINGS)
    assert document.extractor == "pdfium"
    assert document.title == "Guide de la participation"
    assert document.metadata["keywords"] == ["participation", "conseils citoyens"]
    assert document.headings == ["Le cadre légal", "Les outils"]
    assert document.metadata["links"] == ["https://www.legifrance.gouv.fr/", "https://www.example.org/outils"]


def test_the_detector_tells_a_glued_page_from_french_text() -> None:
    glued = PdfReader(io.BytesIO(tex_pdf())).pages[1].extract_text()
    normal = extract_pdf(fx.dossier_pdf(), "dossiers/d.pdf", SETTINGS).text
    assert looks_glued(glued) and long_token_share(glued)[1] >= 0.5
    assert not looks_glued(normal)
    assert not looks_glued("La loi anticonstitutionnellement votée reste une exception dans un texte ordinaire.")


def test_a_page_read_glued_is_read_again_by_the_other_library(caplog) -> None:
    glued = "Lesclausessocialesfavorisentl’insertion\nprofessionnelledeshabitantsdesquartiers\n" * 3
    reader = PdfReader(io.BytesIO(fx.dossier_pdf()))
    text, library = least_glued(glued, reader, 1, "dossiers/d.pdf")
    assert library == "pypdf" and "Les clauses sociales favorisent" in text
    # Both glued, pypdf more so: PDFium's text is kept and the page reported.
    less_glued = (
        "Lesconseilscitoyensréunissentleshabitants et les acteurs locaux des quartiers, "
        "lesassociationsetlescommerçantsduquartier"
    )
    tex_reader = PdfReader(io.BytesIO(tex_pdf()))
    text, library = least_glued(less_glued, tex_reader, 0, "dossiers/tex.pdf")
    assert library == "pdfium" and text == less_glued
    assert "reads as glued words with PDFium and pypdf alike" in caplog.text


@pytest.mark.parametrize("method", [EncryptionMethod.RC4, EncryptionMethod.AES_128, EncryptionMethod.AES_256])
def test_a_pdf_encrypted_with_an_empty_user_password_is_read(method: EncryptionMethod) -> None:
    document = extract_pdf(_encrypted(method, ""), "dossiers/protege.pdf", SETTINGS)
    assert "géographie prioritaire des quartiers de Sète" in document.pages[0]
    assert document.title == "Convention protégée"


@pytest.mark.parametrize("method", [EncryptionMethod.RC4, EncryptionMethod.AES_128, EncryptionMethod.AES_256])
def test_a_pdf_that_needs_a_password_says_so(method: EncryptionMethod) -> None:
    with pytest.raises(EncryptedPdfError) as caught:
        extract_pdf(_encrypted(method, "secret"), "dossiers/prive.pdf", SETTINGS)
    assert caught.value.reason == "PDF protégé par un mot de passe"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("pdftext")
    dossiers = root / "corpus" / "dossiers"
    dossiers.mkdir(parents=True)
    (dossiers / "cooperation.pdf").write_bytes(tex_pdf())
    (dossiers / "convention-aes.pdf").write_bytes(_encrypted(EncryptionMethod.AES_256, ""))
    (dossiers / "convention-privee.pdf").write_bytes(_encrypted(EncryptionMethod.AES_128, "secret"))
    settings = Settings(corpus=root / "corpus", index=root / "index", workers=1)
    build_index(settings)
    return settings


def _search(settings: Settings, query: str) -> dict:
    return run_search(SearchParams.from_args({"q": query}, settings), IndexHandle(settings.index))


def test_a_tex_like_pdf_is_found_by_its_words_and_phrases(built: Settings) -> None:
    for query in ("coopérants", '"petite entreprise de services"', '"réunissent les habitants"'):
        hits = _search(built, query)["results"]
        assert [hit["path"] for hit in hits] == ["dossiers/cooperation.pdf"], query
    assert _search(built, '"petite entreprise de services"')["results"][0]["page"] == 2


def test_encrypted_pdfs_in_a_build(built: Settings) -> None:
    assert [hit["path"] for hit in _search(built, "Sète")["results"]] == ["dossiers/convention-aes.pdf"]
    failures = {f["path"]: f["reason"] for f in index_status(built.index)["failures"]}
    assert failures == {"dossiers/convention-privee.pdf": "PDF protégé par un mot de passe"}


def test_accents_drawn_after_their_word_are_put_back_on_their_letter() -> None:
    # The sample guide is set like old TeX: « fevrier » then an acute moved back over the first « e ».
    name = "dossiers/2019/guide-bonnes-pratiques-conseils-citoyens-gard.pdf"
    document = extract_pdf((Path(__file__).resolve().parents[1] / "corpus" / name).read_bytes(), name, SETTINGS)
    text = document.text
    assert "La loi du 21 février 2014" in text and "Nîmes" in text and "ambiguïté" in text
    assert not any(mark in text for mark in "´`ˆ¨¸˜")
