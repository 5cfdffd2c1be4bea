"""Extraction: one file of the corpus → one `Document`, or a typed `ExtractionError` with a French reason.

`extract_file` is the entry point: it picks the extractor from the file's extension (case-insensitive),
checks the size limits before reading, reads the bytes once and fills what every format shares (path,
format, size, mtime, content hash). `extract_data` does the same from bytes a caller already read (the
batch, which hashes them first for its cache). The extractors themselves (`extract_html`, `extract_pdf`)
work on bytes and never touch the disk.
"""

from __future__ import annotations

import hashlib
import logging
import posixpath
from pathlib import Path

from indexer.config import Settings
from indexer.document import Document
from indexer.errors import (
    CorruptFileError,
    ExtractionError,
    FileTooLargeError,
    UnsupportedFormatError,
)
from indexer.extract.html import extract_html
from indexer.extract.ocr import OCR_NOT_RUN
from indexer.extract.pdf import extract_pdf

__all__ = [
    "EXTRACTOR_VERSION",
    "FORMAT_BY_SUFFIX",
    "SUPPORTED_SUFFIXES",
    "cacheable",
    "cap_text",
    "extract_data",
    "extract_file",
    "extract_html",
    "extract_pdf",
    "format_of",
    "size_limit",
    "too_large_reason",
    "unsupported_reason",
]

logger = logging.getLogger(__name__)

# Bump whenever the extracted output changes for the same bytes: cached extractions are then redone.
EXTRACTOR_VERSION = "8"

FORMAT_BY_SUFFIX = {".html": "html", ".htm": "html", ".pdf": "pdf"}
# Lowercase; compare with `Path(name).suffix.lower()` (also usable with `str.endswith`).
SUPPORTED_SUFFIXES = tuple(FORMAT_BY_SUFFIX)

_MB = 1024 * 1024


def format_of(rel_path: str) -> str | None:
    """« html », « pdf », or None for a file the indexer does not read (extension case-insensitive)."""
    return FORMAT_BY_SUFFIX.get(posixpath.splitext(rel_path)[1].lower())


def format_megabytes(size_mb: float) -> str:
    """« 312 », « 1,5 », « 0,25 »: a size in megabytes the French way, with no more digits than useful."""
    if size_mb >= 10:
        text = f"{size_mb:.0f}"
    elif size_mb >= 1:
        text = f"{size_mb:.1f}"
    else:
        text = f"{size_mb:.6f}"
        digits = len(text) - len(text[2:].lstrip("0"))  # keep two significant digits
        text = f"{size_mb:.{max(2, digits)}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _too_large_reason(size: int, limit_mb: float) -> str:
    shown = format_megabytes(size / _MB)
    limit = format_megabytes(limit_mb)
    if shown == limit:  # 100.2 MB over a 100 MB limit: show the difference
        shown = f"{size / _MB:.2f}".rstrip("0").rstrip(".").replace(".", ",")
        if shown == limit:
            return f"fichier trop volumineux (plus de {limit} Mo)"
    return f"fichier trop volumineux ({shown} Mo, limite {limit} Mo)"


def size_limit(rel_path: str, settings: Settings) -> int:
    """The largest size in bytes accepted for this file (by format), 0 for an unsupported format."""
    file_format = format_of(rel_path)
    return int(_limit_mb(file_format, settings) * _MB) if file_format else 0


def too_large_reason(size: int, rel_path: str, settings: Settings) -> str:
    """The French reason given for a file of `size` bytes over its format's limit."""
    return _too_large_reason(size, _limit_mb(format_of(rel_path) or "pdf", settings))


def cap_text(document: Document, settings: Settings) -> bool:
    """Keep at most `settings.max_page_chars` per page and `settings.max_document_chars` in all.

    Text beyond the caps is dropped (cut at a space), pages beyond the total are kept empty so that page
    numbers stay right. Bounds the time of indexing and of making snippets for a pathological file.
    Returns whether anything was cut.
    """
    budget = max(0, settings.max_document_chars)
    cut_any = False
    for number, page in enumerate(document.pages):
        limit = min(settings.max_page_chars, budget)
        if len(page) > limit:
            space = page.rfind(" ", 0, limit + 1)
            end = space if space >= limit * 0.9 else limit
            document.pages[number] = page[:end]
            cut_any = True
        budget -= len(document.pages[number])
    if cut_any:
        logger.warning(
            "%s : texte tronqué (limites : %d caractères par page, %d par document)",
            document.path,
            settings.max_page_chars,
            settings.max_document_chars,
        )
    return cut_any


def cacheable(document: Document) -> bool:
    """Whether an extraction may go to the cache: not when OCR did not run (Tesseract or its languages
    missing, OCR turned off), so that the pages left unread are read by the first build that can."""
    return not (document.unread_reason or "").startswith(OCR_NOT_RUN)


def unsupported_reason(rel_path: str) -> str:
    """« format non pris en charge (« .docx ») »: why a file of another format is not indexed."""
    suffix = posixpath.splitext(rel_path)[1]
    shown = f"« {suffix} »" if suffix else "fichier sans extension"
    return f"format non pris en charge ({shown})"


def _check_format(rel_path: str) -> str:
    file_format = format_of(rel_path)
    if file_format is None:
        raise UnsupportedFormatError(rel_path, unsupported_reason(rel_path))
    return file_format


def _limit_mb(file_format: str, settings: Settings) -> float:
    return settings.max_html_mb if file_format == "html" else settings.max_file_mb


def extract_data(data: bytes, rel_path: str, settings: Settings) -> Document:
    """Extract a file's bytes already read (by a batch that hashes them first for its cache).

    Same dispatch, limits, typed errors and filled fields as `extract_file`, except `mtime` (left at 0)
    and except that an unexpected exception of an extractor (a bug, `RecursionError`, `MemoryError`, the
    caller's `TimeoutError`) propagates: the caller reports it.
    """
    file_format = _check_format(rel_path)
    limit_mb = _limit_mb(file_format, settings)
    if len(data) > limit_mb * _MB:
        raise FileTooLargeError(rel_path, _too_large_reason(len(data), limit_mb))
    if not data:
        raise CorruptFileError(rel_path, "fichier vide")
    document = extract_html(data, rel_path) if file_format == "html" else extract_pdf(data, rel_path, settings)
    document.extractor = document.extractor or file_format
    cap_text(document, settings)
    document.path = rel_path
    document.format = file_format
    document.size = len(data)
    document.content_hash = hashlib.sha256(data).hexdigest()
    return document


def extract_file(root: Path, rel_path: str, settings: Settings) -> Document:
    """Extract the file `root / rel_path` into a `Document` whose `path` is `rel_path` exactly as given.

    Raises `UnsupportedFormatError` for an extension other than .html, .htm and .pdf; `FileTooLargeError`
    above `settings.max_html_mb` (HTML) or `settings.max_file_mb` (PDF), checked before reading, or above
    `settings.max_pdf_pages`; `CorruptFileError` for an empty, damaged or mislabelled file;
    `EncryptedPdfError` for a PDF with a user password; `ExtractionError` when the file cannot be read
    or the extractor fails unexpectedly (only `TimeoutError`, which a caller's time limit raises, and
    `MemoryError` pass through). Every reason is in French.
    """
    file_format = _check_format(rel_path)
    limit_mb = _limit_mb(file_format, settings)
    limit = int(limit_mb * _MB)
    path = root / rel_path
    try:
        stat = path.stat()
        if stat.st_size > limit:
            raise FileTooLargeError(rel_path, _too_large_reason(stat.st_size, limit_mb))
        with path.open("rb") as handle:
            data = handle.read(limit + 1)  # never more than the limit, even if the file grew
    except FileNotFoundError as error:
        raise ExtractionError(rel_path, "fichier introuvable") from error
    except OSError as error:
        raise ExtractionError(rel_path, f"lecture impossible ({error.strerror or error})") from error
    try:
        document = extract_data(data, rel_path, settings)
    except (ExtractionError, TimeoutError, MemoryError):
        raise
    except Exception as error:  # a bug or a pathological file: report it, never stop the batch
        logger.exception("%s: unexpected extraction failure", rel_path)
        reason = f"erreur inattendue pendant l’extraction ({type(error).__name__} : {error})"
        raise ExtractionError(rel_path, reason) from error
    document.mtime = stat.st_mtime
    return document
