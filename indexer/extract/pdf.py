"""PDF extraction: a dossier → `Document` with one text per page, and which library read it.

PDFium reads the text of each page (`pdf_text`); pypdf reads the document information, outline and links
(`pdf_meta`) and gives the text of a file PDFium cannot open, or of a page PDFium reads glued. A page with
no usable text layer (a scan) is read by OCR (`ocr`). The text of each page then goes through `normalise`:
Unicode clean-up (ligatures, split accents, soft hyphens), running headers, footers and page numbers
removed, words hyphenated at line ends rejoined, lines of a paragraph joined; the OCR text as well.

A PDF whose pages hold almost no letters even after OCR is kept with an `empty_reason` that says why
(« sans texte (OCR indisponible : …) » when Tesseract is missing). The title: see `pdf_title`.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import pypdfium2 as pdfium

from indexer.config import Settings
from indexer.document import Document
from indexer.errors import FileTooLargeError
from indexer.extract.normalise import (
    dehyphenate,
    normalise_spaces,
    normalise_unicode,
    strip_running_lines,
    unwrap_lines,
)
from indexer.extract.ocr import OcrOutcome, PageReader, needs_ocr
from indexer.extract.pdf_meta import (
    FATAL,
    outline_titles,
    parse_pdf_date,
    read_links,
    read_metadata,
    short,
    split_keywords,
)
from indexer.extract.pdf_text import (
    ENCRYPTED_REASON,
    PDFIUM,
    PYPDF,
    OpenedPdf,
    least_glued,
    open_pdf,
    pdfium_text,
    pypdf_text,
)
from indexer.extract.pdf_title import choose_title, is_meaningful_title

__all__ = [
    "ENCRYPTED_REASON",
    "NO_OCR_TEXT_REASON",
    "NO_TEXT_REASON",
    "extract_pdf",
    "is_meaningful_title",
    "parse_pdf_date",
    "split_keywords",
]

logger = logging.getLogger(__name__)

NO_TEXT_REASON = "sans texte (OCR nécessaire)"
NO_OCR_TEXT_REASON = "sans texte (aucun texte reconnu par l’OCR)"
# Below this many letters per page on average, a PDF has no usable text.
MIN_LETTERS_PER_PAGE = 20


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", "\u202f")


_PAGE_SEPARATOR = "\ue000"


def _clean_pages(raw_pages: list[str]) -> list[str]:
    # Normalised as one text so that the evidence for split accents (which side, accent or apostrophe) is
    # gathered over the whole document, not a sparse cover page.
    joined = normalise_unicode(_PAGE_SEPARATOR.join(p.replace(_PAGE_SEPARATOR, " ") for p in raw_pages))
    pages = joined.split(_PAGE_SEPARATOR)
    if len(pages) != len(raw_pages):  # the separator did not survive: fall back to page by page
        pages = [normalise_unicode(page) for page in raw_pages]
    pages = strip_running_lines(pages)
    document = "\n".join(pages)
    return [normalise_spaces(unwrap_lines(dehyphenate(page, document))) for page in pages]


@dataclass
class _PagesRead:
    """The raw text of every page, the libraries that gave it, and what OCR did."""

    texts: list[str] = field(default_factory=list)
    libraries: list[str] = field(default_factory=list)
    ocr: OcrOutcome = field(default_factory=OcrOutcome)

    @property
    def extractor(self) -> str:
        """« pdfium », « pypdf », or « pdfium+pypdf » when pages came from both."""
        used = [name for name in (PDFIUM, PYPDF) if name in self.libraries]
        return "+".join(used) or PDFIUM


def _pdfium_page(opened: OpenedPdf, index: int, rel_path: str, ocr: PageReader) -> tuple[str, str]:
    """The raw text of one page read through PDFium (or pypdf, see `least_glued`), OCR'd when a scan."""
    assert opened.pdfium is not None
    page = opened.pdfium[index]
    try:
        try:
            text, library = least_glued(pdfium_text(page), opened.reader, index, rel_path)
        except FATAL:
            raise
        except pdfium.PdfiumError as error:
            logger.warning("%s: PDFium cannot read page %d (%s)", rel_path, index + 1, short(error))
            if opened.reader is None:
                return "", PDFIUM
            return pypdf_text(opened.reader, index, rel_path), PYPDF
        if needs_ocr(page, text) and (read := ocr.read(page, index + 1)).strip():
            return read, library
        return text, library
    finally:
        page.close()


def _read_pages(opened: OpenedPdf, rel_path: str, settings: Settings, started: float) -> _PagesRead:
    result = _PagesRead()
    if opened.pdfium is None:  # pypdf alone: no rendering, so no OCR either
        assert opened.reader is not None
        result.texts = [pypdf_text(opened.reader, index, rel_path) for index in range(opened.page_count)]
        result.libraries = [PYPDF]
        return result
    ocr = PageReader(settings, started)
    for index in range(opened.page_count):
        text, library = _pdfium_page(opened, index, rel_path, ocr)
        result.texts.append(text)
        result.libraries.append(library)
    result.ocr = ocr.outcome
    return result


def _empty_reason(read: _PagesRead) -> str | None:
    letters = sum(char.isalpha() for page in read.texts for char in page)
    if letters >= MIN_LETTERS_PER_PAGE * len(read.texts):
        return None
    if read.ocr.reasons:
        return f"sans texte ({read.ocr.reasons[0]})"
    return NO_OCR_TEXT_REASON if read.ocr.pages else NO_TEXT_REASON


def extract_pdf(data: bytes, rel_path: str, settings: Settings) -> Document:
    """Extract one PDF: title, normalised text of each page, outline headings, metadata, OCR'd pages.

    Raises `CorruptFileError` (empty, not a PDF, damaged or truncated), `EncryptedPdfError` (a user
    password other than the empty one, or an encryption neither library undoes) and `FileTooLargeError`
    (more than `settings.max_pdf_pages` pages). A page whose text cannot be extracted is kept empty (and
    logged); a page OCR could not read is listed in `unread_pages` with `unread_reason`. Size, mtime and
    hash are filled by `extract_file`.
    """
    started = time.monotonic()
    opened = open_pdf(data, rel_path)
    try:
        if opened.page_count > settings.max_pdf_pages:
            limit = _thousands(settings.max_pdf_pages)
            reason = f"PDF trop long ({_thousands(opened.page_count)} pages, limite {limit})"
            raise FileTooLargeError(rel_path, reason)
        reader = opened.reader
        metadata = read_metadata(reader, rel_path) if reader is not None else {}
        if reader is not None and (links := read_links(reader, rel_path)):
            metadata["links"] = links
        read = _read_pages(opened, rel_path, settings, started)
    finally:
        opened.close()
    empty_reason = _empty_reason(read)
    if empty_reason:
        pages = [normalise_spaces(normalise_unicode(page)) for page in read.texts]
    else:
        pages = _clean_pages(read.texts)
    title = choose_title(reader, metadata, pages if empty_reason is None else [], rel_path)
    logger.debug("%s: %d pages by %s, OCR of %s, title %r", rel_path, len(pages), read.extractor, read.ocr.pages, title)
    return Document(
        path=rel_path,
        format="pdf",
        title=title,
        pages=pages,
        headings=outline_titles(reader, rel_path) if reader is not None else [],
        metadata=metadata,
        empty_reason=empty_reason,
        extractor=read.extractor,
        ocr_pages=read.ocr.pages,
        unread_pages=read.ocr.unread,
        unread_reason="; ".join(read.ocr.reasons) or None,
    )
