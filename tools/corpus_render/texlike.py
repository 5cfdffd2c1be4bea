"""A PDF typeset the way TeX does it: no space glyph, words placed by displacements in TJ arrays.

TeX never draws a space: between two words it moves the pen (`[(mot) -333 (suivant)] TJ`). Its fonts are
embedded subsets whose code 32, the slot of the space in other fonts, holds some other glyph. pypdf
guesses the width of a space from that slot; when the glyph there is wide, every word space of the page
looks like kerning to it and the words come out glued (« Lesconseilscitoyensréunissent… »). PDFium places
spaces from the glyphs' positions and keeps them. This module reproduces exactly that: fpdf2 writes each
line without spaces in an embedded DejaVu subset, then the words of each line are split into a TJ array
with a TeX interword displacement, and slot 32 of the font's widths is given a wide glyph's width.
"""

from __future__ import annotations

import io
from pathlib import Path

from fpdf import FPDF
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, ByteStringObject, ContentStream, NameObject, NumberObject

__all__ = ["WORD_SPACE", "texlike_pdf"]

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
# TeX's interword space of Computer Modern: a third of an em.
WORD_SPACE = 333
# The width of the glyph TeX's subset puts in slot 32 (an em dash, an « M »): about one em.
_SLOT_32_WIDTH = 1000


def _fpdf_lines(title: str, pages: list[list[str]]) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_compression(False)
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_title(title)
    pdf.set_creator("LaTeX with hyperref")
    pdf.set_producer("pdfTeX-1.40.25")
    for lines in pages:
        pdf.add_page()
        pdf.set_font("DejaVu", size=11)
        for number, line in enumerate(lines):
            pdf.text(25, 30 + 6 * number, line.replace(" ", ""))
    return bytes(pdf.output())


def _split_words(operation: tuple[list, bytes], line: str) -> tuple[list, bytes]:
    """`(glued) Tj` → `[(word) -333 (word) …] TJ`; two bytes per character (Identity-H)."""
    operands, _ = operation
    raw = operands[0]
    data = raw.original_bytes if hasattr(raw, "original_bytes") else bytes(raw, "latin-1")
    array, position = ArrayObject(), 0
    for index, word in enumerate(line.split(" ")):
        if index:
            array.append(NumberObject(-WORD_SPACE))
        array.append(ByteStringObject(data[position : position + 2 * len(word)]))
        position += 2 * len(word)
    return [array], b"TJ"


def texlike_pdf(title: str, pages: list[list[str]]) -> bytes:
    """A PDF of `pages` (lines of text, single spaces between words) set the way TeX sets words."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_fpdf_lines(title, pages))))
    for page, lines in zip(writer.pages, pages, strict=True):
        content = ContentStream(page.get_contents(), writer)
        remaining = iter(lines)
        content.operations = [
            _split_words(operation, next(remaining)) if operation[1] == b"Tj" else operation
            for operation in content.operations
        ]
        page.replace_contents(content)
        for font in page["/Resources"]["/Font"].values():
            descendant = font.get_object()["/DescendantFonts"][0].get_object()
            descendant[NameObject("/W")] = ArrayObject(
                [*descendant["/W"], NumberObject(32), NumberObject(32), NumberObject(_SLOT_32_WIDTH)]
            )
    output = io.BytesIO()
    writer.compress_identical_objects()
    writer.write(output)
    return output.getvalue()
