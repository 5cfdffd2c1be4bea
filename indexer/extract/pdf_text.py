"""Opening a PDF and reading the raw text of its pages: PDFium first, pypdf as the fallback.

PDFium (`pypdfium2`, the PDF engine of Chromium) places word spaces from the geometry of the glyphs, so
it keeps the spaces of PDFs whose fonts have no space glyph (TeX's), and it is several times faster than
pypdf. pypdf opens the file too, for what it reads best (`pdf_meta`), and gives the text when PDFium
cannot open the file; a page PDFium reads glued (`glued.looks_glued`) is read again by pypdf and the
better of the two kept.

Both open PDFs encrypted with an empty user password (RC4 and AES: pypdf through `cryptography`); a PDF
that needs a password is reported as such, never as damaged.
"""

from __future__ import annotations

import io
import logging
import warnings
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError

from indexer.errors import CorruptFileError, EncryptedPdfError
from indexer.extract.content import describe_content
from indexer.extract.glued import long_token_share, looks_glued
from indexer.extract.pdf_accents import has_spacing_accents, place_spacing_accents
from indexer.extract.pdf_meta import FATAL, short

__all__ = ["ENCRYPTED_REASON", "PDFIUM", "PYPDF", "OpenedPdf", "open_pdf", "pdfium_text", "pypdf_text"]

logger = logging.getLogger(__name__)

ENCRYPTED_REASON = "PDF protégé par un mot de passe"
PDFIUM, PYPDF = "pdfium", "pypdf"
# PDFium writes a hyphen that ends a line as U+0002 (U+FFFE in its character-range text) and joins the
# two lines: give both back, so that dehyphenation decides with the document's vocabulary as for any
# other extractor.
_PDFIUM_HYPHEN = {0x02: "-\n", 0xFFFE: "-\n"}


@dataclass
class OpenedPdf:
    """A PDF open in both libraries; either may be None (not both) when it could not open the file."""

    pdfium: pdfium.PdfDocument | None
    reader: PdfReader | None
    page_count: int

    def close(self) -> None:
        """Free PDFium's memory (pypdf's is garbage-collected)."""
        if self.pdfium is not None:
            self.pdfium.close()


def _open_pdfium(data: bytes, rel_path: str) -> tuple[pdfium.PdfDocument | None, str]:
    """PDFium's document (empty user password tried), or None and the cause."""
    try:
        return pdfium.PdfDocument(data), ""
    except pdfium.PdfiumError as error:
        code = getattr(error, "err_code", None)
        if code == pdfium_c.FPDF_ERR_PASSWORD:
            raise EncryptedPdfError(rel_path, ENCRYPTED_REASON) from error
        if code == pdfium_c.FPDF_ERR_SECURITY:
            return None, "PDF chiffré par un procédé non pris en charge"
        return None, short(error)


def _open_pypdf(data: bytes, rel_path: str) -> tuple[PdfReader | None, str]:
    """pypdf's reader, decrypted with the empty user password, or None and the cause."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                raise EncryptedPdfError(rel_path, ENCRYPTED_REASON)
            len(reader.pages)
    except (EncryptedPdfError, *FATAL):
        raise
    except FileNotDecryptedError as error:
        raise EncryptedPdfError(rel_path, ENCRYPTED_REASON) from error
    except DependencyError as error:  # an encryption pypdf cannot undo here: PDFium may still read it
        return None, f"PDF chiffré par un procédé non pris en charge ({short(error)})"
    except Exception as error:  # pypdf raises many kinds on damaged files
        return None, short(error)
    return reader, ""


def open_pdf(data: bytes, rel_path: str) -> OpenedPdf:
    """Open a PDF in PDFium and pypdf; raise typed errors, with their true reason, for what neither reads."""
    if not data:
        raise CorruptFileError(rel_path, "fichier vide")
    if b"%PDF" not in data[:1024]:
        raise CorruptFileError(rel_path, f"ce fichier n’est pas un PDF (contenu : {describe_content(data)})")
    document, pdfium_cause = _open_pdfium(data, rel_path)
    try:
        reader, pypdf_cause = _open_pypdf(data, rel_path)
    except BaseException:
        if document is not None:
            document.close()
        raise
    if document is None and reader is None:
        cause = pdfium_cause if pdfium_cause.startswith("PDF chiffré") else pypdf_cause
        if cause.startswith("PDF chiffré"):
            raise EncryptedPdfError(rel_path, cause)
        raise CorruptFileError(rel_path, f"PDF endommagé ou tronqué ({cause})")
    if document is None:
        logger.info("%s: PDFium cannot open it (%s), text read by pypdf", rel_path, pdfium_cause)
    elif reader is None:
        logger.info("%s: pypdf cannot open it (%s), no document information", rel_path, pypdf_cause)
    page_count = len(document) if document is not None else len(reader.pages)  # type: ignore[union-attr]
    if page_count == 0:
        raise CorruptFileError(rel_path, "PDF endommagé ou tronqué (aucune page lisible)")
    return OpenedPdf(document, reader, page_count)


def pdfium_text(page: pdfium.PdfPage) -> str:
    """The text of a PDFium page, its lines in reading order, hyphens at line ends given back, accents
    drawn apart put back on their letters (`pdf_accents`)."""
    textpage = page.get_textpage()
    try:
        # The character stream, with PDFium's generated spaces and line breaks. `get_text_bounded`
        # rebuilds lines from rectangles and drops the break between the lines of a table cell
        # (« travailleursdéfavorisés »).
        text = textpage.get_text_range()
        if has_spacing_accents(text):
            text = place_spacing_accents(textpage)
        return text.translate(_PDFIUM_HYPHEN)
    finally:
        textpage.close()


def pypdf_text(reader: PdfReader, index: int, rel_path: str) -> str:
    """The text of page `index` (0-based) by pypdf, "" when it cannot be read (logged)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return reader.pages[index].extract_text() or ""
    except FATAL:
        raise
    except Exception as error:
        logger.warning("%s: page %d unreadable, indexed empty (%s)", rel_path, index + 1, short(error))
        return ""


def least_glued(pdfium_page: str, reader: PdfReader | None, index: int, rel_path: str) -> tuple[str, str]:
    """PDFium's text of a page, or pypdf's when PDFium's reads glued and pypdf's less so: (text, library)."""
    if reader is None or not looks_glued(pdfium_page):
        return pdfium_page, PDFIUM
    other = pypdf_text(reader, index, rel_path)
    if long_token_share(other)[1] < long_token_share(pdfium_page)[1]:
        return other, PYPDF
    logger.warning("%s: page %d reads as glued words with PDFium and pypdf alike", rel_path, index + 1)
    return pdfium_page, PDFIUM
