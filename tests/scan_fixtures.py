"""Scanned-page fixtures for the OCR tests: text drawn into page images by the corpus tool's rasteriser.

Pages are small (a few lines, about A6) so that Tesseract reads each in a fraction of a second. Every
builder returns a PDF's bytes and is cached for the session.
"""

from __future__ import annotations

import io
import shutil
import sys
from functools import cache
from pathlib import Path

import pytest
from fpdf import FPDF

TOOLS = Path(__file__).resolve().parents[1] / "tools"
if str(TOOLS) not in sys.path:
    sys.path.insert(0, str(TOOLS))

import pdf_fixtures  # noqa: E402
from corpus_render.defects import ScanPage  # noqa: E402

DPI = 120  # the rasteriser's bitmap font is drawn for 120 dpi

FRENCH_SCAN = [
    "Le conseil citoyen du quartier des Cévennes",
    "s’est réuni le 12 avril avec le délégué du préfet.",
    "Les habitants demandent un local associatif.",
]
ENGLISH_SCAN = [
    "The housing committee met on Tuesday evening.",
    "Residents asked for better street lighting",
    "and a weekly bus to the hospital.",
]


def require_tesseract() -> None:
    """Skip the calling test when Tesseract is not installed (scripts/setup.sh installs it)."""
    if shutil.which("tesseract") is None:
        pytest.skip("Tesseract absent : lancez scripts/setup.sh")


def scan_png(lines: list[str], width: int = 560, height: int = 300) -> bytes:
    """A greyscale page image of `lines` as a photocopier scans them (skew, specks, edge shadow)."""
    page = ScanPage(width, height, seed=len("".join(lines)))
    for number, line in enumerate(lines):
        page.text(40, 70 + 40 * number, line)
    page.specks(20)
    return page.png()


def add_scan_page(pdf: FPDF, lines: list[str], width: int = 560, height: int = 300) -> None:
    """A page of the image's size (at 120 dpi) covered by the scan of `lines`."""
    size = (width / DPI * 25.4, height / DPI * 25.4)
    pdf.add_page(format=size)
    pdf.image(io.BytesIO(scan_png(lines, width, height)), x=0, y=0, w=size[0], h=size[1])


@cache
def mixed_pdf() -> bytes:
    """Page 1 text, page 2 a scan (French), page 3 text: OCR must read page 2 only."""
    pdf = FPDF(format=(105, 148))
    pdf.add_font("DejaVu", fname=str(pdf_fixtures.require_font()))
    pdf.set_font("DejaVu", size=10)
    pdf.set_auto_page_break(False)
    for lines in (
        ["Compte rendu de la rencontre", "Les conseils citoyens de la région se sont rencontrés."],
        None,
        ["Annexe", "Liste des participants et des structures représentées au conseil."],
    ):
        if lines is None:
            add_scan_page(pdf, FRENCH_SCAN)
            continue
        pdf.add_page(format=(105, 148))
        for line in lines:
            pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


@cache
def english_scan_pdf() -> bytes:
    """One scanned page in English."""
    pdf = FPDF()
    add_scan_page(pdf, ENGLISH_SCAN)
    return bytes(pdf.output())


@cache
def huge_page_pdf() -> bytes:
    """One page of 2 metres by 1.07 covered by a scan: at 300 dpi it would be about 300 million pixels."""
    pdf = FPDF()
    pdf.add_page(format=(2000, 2000 * 300 / 560))
    pdf.image(io.BytesIO(scan_png(FRENCH_SCAN)), x=0, y=0, w=2000, h=2000 * 300 / 560)
    return bytes(pdf.output())
