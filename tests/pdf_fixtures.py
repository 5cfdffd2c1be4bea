"""Fixture PDFs for the extraction tests, built with fpdf2 at test time (nothing binary is committed).

Every builder returns the PDF's bytes and is cached, so a test session builds each file once. The text
uses DejaVu Sans (for « ’ », « œ », ligature characters and spacing accents); when the font is missing, the
tests that need it are skipped with a clear reason.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

FONT_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

ORGANISATION = "Villes et Territoires LR"
TITLE = "Les achats socialement responsables"
RUNNING_HEADER = "Villes et Territoires LR · Les achats socialement responsables · novembre 2016"

# Pages 2–4 of the dossier, one string per line exactly as set in the PDF.
DOSSIER_BODY = [
    [
        "Les clauses sociales dans les marchés publics",
        "Les clauses sociales favorisent l’insertion profession-",
        "nelle des habitants des quartiers prioritaires.",
        "Le développement socio-économique du territoire en dépend.",
        "L’eﬃcacité du ﬁnancement et le ﬂux des embauches sont suivis.",
    ],
    [
        "Les acteurs de l’insertion",
        "Le facilitateur accompagne les entreprises et les acheteurs dans une dé-",
        "marche socio-",
        "économique partagée avec le service public de l’emploi.",
        "Les structures d’insertion par l’activité économique sont associées.",
    ],
    [
        "Zoom sur la région Occitanie",
        "La journée du 31 mai 2016 a réuni les acheteurs publics de la région.",
        "Les collectivités du Languedoc-",
        "Roussillon ont présenté leurs pratiques de la commande publique.",
        "Les guichets territoriaux uniques sont une piste d’amélioration.",
    ],
]


def require_font() -> Path:
    """The DejaVu Sans font file, or skip the calling test."""
    if not FONT_PATH.is_file():
        pytest.skip(f"police DejaVu Sans absente ({FONT_PATH}) : installez fonts-dejavu-core")
    return FONT_PATH


class _Dossier(FPDF):
    """A dossier with a running header and a page-number footer on every page but the cover."""

    running_header = RUNNING_HEADER

    def header(self) -> None:
        if self.page_no() > 1:
            self.set_font("DejaVu", size=8)
            self.cell(0, 6, self.running_header, new_x="LMARGIN", new_y="NEXT")
            self.ln(4)

    def footer(self) -> None:
        if self.page_no() > 1:
            self.set_y(-15)
            self.set_font("DejaVu", size=8)
            self.cell(0, 10, f"Page {self.page_no()} / {{nb}}", align="C")


def _new_pdf(cls: type[FPDF] = FPDF) -> FPDF:
    pdf = cls(format="A4")
    pdf.add_font("DejaVu", fname=str(require_font()))
    pdf.set_font("DejaVu", size=11)
    pdf.set_auto_page_break(auto=False)
    return pdf


def _lines(pdf: FPDF, lines: list[str], size: float = 11, height: float = 7) -> None:
    pdf.set_font("DejaVu", size=size)
    for line in lines:
        pdf.cell(0, height, line, new_x="LMARGIN", new_y="NEXT")


def _cover(pdf: FPDF) -> None:
    pdf.add_page()
    _lines(pdf, [ORGANISATION], size=12, height=8)
    pdf.ln(40)
    _lines(pdf, ["Les achats socialement", "responsables"], size=26, height=14)
    pdf.ln(6)
    _lines(pdf, ["Dossier thématique"], size=16, height=10)
    _lines(pdf, ["Novembre 2016"], size=12, height=8)


def _dossier(*, with_metadata: bool) -> FPDF:
    pdf = _new_pdf(_Dossier)
    if with_metadata:
        pdf.set_title(TITLE)
        pdf.set_subject("Dossier thématique sur les clauses sociales")
        pdf.set_keywords("clauses sociales, marchés publics; insertion")
        pdf.set_author(ORGANISATION)
        pdf.set_creation_date(datetime(2016, 11, 30, 10, 0, tzinfo=UTC))
    _cover(pdf)
    for number, lines in enumerate(DOSSIER_BODY):
        pdf.add_page()
        if with_metadata:
            pdf.start_section(lines[0])
        _lines(pdf, lines[:1], size=14, height=10)
        _lines(pdf, lines[1:])
        if number == 0:
            pdf.ln(4)
            _lines(pdf, ["2016"])  # a year alone on a line is not a page number
    return pdf


@cache
def dossier_pdf() -> bytes:
    """4 pages: a cover, then 3 pages with a running header, « Page N / 4 » footers, hyphenated line
    ends, ligature characters; metadata (title, subject, keywords, author, creation date) and an outline."""
    return bytes(_dossier(with_metadata=True).output())


@cache
def dossier_without_metadata_pdf() -> bytes:
    """The same dossier with no document information at all (no title, creation date…) nor outline."""
    return _without_info(bytes(_dossier(with_metadata=False).output()))


def _without_info(data: bytes, info: dict[str, str] | None = None) -> bytes:
    """Replace the document information dictionary (fpdf2 always writes /CreationDate and /Producer)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.metadata = None
    if info:
        writer.add_metadata(info)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@cache
def odd_metadata_pdf() -> bytes:
    """The word export with a placeholder title and a /CreationDate pypdf cannot parse (« D:2016-11-21 »)."""
    info = {"/Title": "untitled", "/CreationDate": "D:2016-11-21", "/Keywords": "CLSM; santé mentale, CLSM"}
    return _without_info(word_export_pdf(), info)


@cache
def word_export_pdf() -> bytes:
    """One page in a single type size whose /Title is a file name (« Microsoft Word - … .docx »)."""
    pdf = _new_pdf()
    pdf.set_title("Microsoft Word - CR_journee_CLSM_v3.docx")
    pdf.add_page()
    _lines(
        pdf,
        [
            "Villes et Territoires LR",
            "21 novembre 2016",
            "Compte rendu de la journée des conseils locaux de santé mentale",
            "La journée a réuni une soixantaine de participants à Montpellier.",
            "Les échanges ont porté sur la coordination entre élus et psychiatrie.",
        ],
    )
    return bytes(pdf.output())


# « développement économique », « préfecture », « à Montpellier », « être », « naïve », « français »,
# « île », « créée », written as pdfTeX does, with separate spacing accents.
SPLIT_ACCENT_LINES = [
    "Le de´veloppement e´conomique des quartiers, pre´sente´ `a Montpellier.",
    "La pre´fecture a cre´e´ un groupe de travail pour ˆetre au plus pr`es des habitants.",
    "Une ide´e na¨ıve, un projet fran¸cais, une ˆıle.",
]


@cache
def split_accents_pdf() -> bytes:
    """One page whose text writes accents as separate spacing marks (´ ` ˆ ¨ ¸)."""
    pdf = _new_pdf()
    pdf.add_page()
    _lines(pdf, SPLIT_ACCENT_LINES)
    return bytes(pdf.output())


def _encrypted(user_password: str) -> bytes:
    pdf = _new_pdf()
    pdf.set_title("Dossier protégé")
    pdf.set_encryption(owner_password="proprietaire", user_password=user_password)
    pdf.add_page()
    _lines(pdf, ["Contrat de ville : le pilotage et l’évaluation des actions dans les quartiers."])
    return bytes(pdf.output())


@cache
def encrypted_empty_password_pdf() -> bytes:
    """Encrypted (RC4) with an empty user password: any reader opens it."""
    return _encrypted("")


@cache
def encrypted_with_password_pdf() -> bytes:
    """Encrypted (RC4) with the user password « secret »."""
    return _encrypted("secret")


@cache
def image_only_pdf() -> bytes:
    """Two scanned-like pages: an image each, no text layer."""
    from PIL import Image, ImageDraw

    pdf = FPDF(format="A4")
    for shade in (200, 150):
        image = Image.new("L", (200, 280), color=255)
        draw = ImageDraw.Draw(image)
        for y in range(20, 260, 12):
            draw.line((20, y, 180, y), fill=shade, width=3)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        pdf.add_page()
        pdf.image(buffer, x=10, y=10, w=190)
    return bytes(pdf.output())


@cache
def pdfium_refused_pdf() -> bytes:
    """The dossier whose trailer names a catalogue object that does not exist: PDFium refuses to open it,
    pypdf finds the catalogue by searching the file."""
    data = dossier_pdf()
    trailer = data.rindex(b"trailer")
    head, tail = data[:trailer], data[trailer:]
    start = tail.index(b"/Root ")
    end = tail.index(b" R", start) + 2
    return head + tail[:start] + b"/Root 999 0 R" + tail[end:]


@cache
def truncated_pdf() -> bytes:
    """The dossier cut in half, as an interrupted download leaves it."""
    data = dossier_pdf()
    return data[: len(data) // 2]


def text_file_named_pdf() -> bytes:
    """A plain text file that carries a .pdf name."""
    return "Ceci n’est pas un PDF : c’est une note de la documentaliste.\n".encode()


@cache
def undated_pdf() -> bytes:
    """Two pages with no date anywhere and no document information: its year and themes can only be inherited."""
    pdf = _new_pdf()
    for lines in (
        ["Annexe technique", "Liste des structures rencontrées et des personnes interrogées."],
        ["Questionnaire", "Les questions posées lors des entretiens individuels."],
    ):
        pdf.add_page()
        _lines(pdf, lines)
    return _without_info(bytes(pdf.output()))


def pages_pdf(title: str, pages: list[list[str]]) -> bytes:
    """A PDF with the document title `title` and one page per list of lines."""
    pdf = _new_pdf()
    pdf.set_title(title)
    for lines in pages:
        pdf.add_page()
        _lines(pdf, lines)
    return bytes(pdf.output())
