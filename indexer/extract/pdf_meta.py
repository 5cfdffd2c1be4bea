"""What pypdf reads best in a PDF: document information, outline, link annotations, dates and keywords.

PDFium gives the page text (`pdf_text`); pypdf keeps the parts of the file that are dictionaries rather
than drawn text: the document information (/Title, /Subject, /Author, /Keywords, /CreationDate), the
outline (bookmarks, used as section titles) and the URI link annotations of the pages.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime
from typing import Any

from pypdf import PdfReader

from indexer.extract.normalise import normalise_spaces, normalise_unicode

__all__ = ["FATAL", "outline_titles", "parse_pdf_date", "read_links", "read_metadata", "short", "split_keywords"]

logger = logging.getLogger(__name__)

# Never turned into a « damaged PDF » or an empty page: a caller's time limit and memory exhaustion.
FATAL = (TimeoutError, MemoryError)
_MAX_HEADINGS = 500
_MAX_LINKS = 500


def short(error: BaseException) -> str:
    """A one-line technical cause for a French reason: « PdfReadError : EOF marker not found »."""
    message = " ".join(str(error).split())
    if len(message) > 160:
        message = message[:157] + "…"
    name = type(error).__name__
    return f"{name} : {message}" if message else name


_PDF_DATE = re.compile(r"^\s*(?:D\s*:)?\s*(\d{4})(?:-?(\d{2}))?(?:-?(\d{2}))?")
# The « year 2000 » bug of some old producers: « D:19116… » for 2016 (« 19 » followed by year - 1900).
_Y2K_PDF_DATE = re.compile(r"^\s*(?:D\s*:)?\s*19(1\d\d)(\d{2})?(\d{2})?")


def parse_pdf_date(value: object) -> str | None:
    """An ISO date from a PDF date: « D:20161121093000+01'00' » → « 2016-11-21 ».

    Also reads a datetime, the ISO form some producers write (« D:2016-11-21 ») and the « D:19116… » of
    the year 2000 bug. Partial dates give « 2016-11 » or « 2016 »; an impossible month gives the year
    only; a year before 1990 (PDF appeared in 1993) or after 2100 gives None.
    """
    if isinstance(value, datetime | date):
        return value.strftime("%Y-%m-%d") if 1990 <= value.year <= 2100 else None
    if value is None:
        return None
    text = str(value)
    match = _PDF_DATE.match(text)
    if not match:
        return None
    year, month, day = match.groups()
    if not 1990 <= int(year) <= 2100:
        y2k = _Y2K_PDF_DATE.match(text)
        if not y2k:
            return None
        year, month, day = str(1900 + int(y2k.group(1))), y2k.group(2), y2k.group(3)
    if month is None or not 1 <= int(month) <= 12:
        return year
    if day is None:
        return f"{year}-{month}"
    try:
        return date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return f"{year}-{month}"


def split_keywords(value: str) -> list[str]:
    """« clauses sociales, marchés publics; insertion » → the three keywords, deduplicated, in order."""
    seen: set[str] = set()
    result = []
    for word in re.split(r"[,;]", value):
        word = " ".join(word.split())
        if word and word.casefold() not in seen:
            seen.add(word.casefold())
            result.append(word)
    return result


def _info_text(info: Any, key: str) -> str:
    """A text entry of the document information dictionary, cleaned, or ""."""
    try:
        value = info.get(key)
        if value is not None and hasattr(value, "get_object"):
            value = value.get_object()
    except FATAL:
        raise
    except Exception as error:  # a broken indirect reference
        logger.debug("cannot read %s: %s", key, error)
        return ""
    if value is None or isinstance(value, bytes):
        return ""
    return normalise_spaces(normalise_unicode(str(value))).replace("\n", " ")


def read_metadata(reader: PdfReader, rel_path: str) -> dict[str, Any]:
    metadata: dict[str, Any] = {}
    try:
        info = reader.metadata
    except FATAL:
        raise
    except Exception as error:
        logger.warning("%s: unreadable document information (%s)", rel_path, error)
        return metadata
    if info is None:
        return metadata
    for key, name in (("/Title", "title"), ("/Subject", "subject"), ("/Author", "author")):
        if value := _info_text(info, key):
            metadata[name] = value
    if keywords := split_keywords(_info_text(info, "/Keywords")):
        metadata["keywords"] = keywords
    created: object = None
    try:
        created = info.creation_date
    except FATAL:
        raise
    except Exception:  # pypdf's strict date parser: fall back on our own
        created = None
    if created is None:
        created = info.get("/CreationDate")
    if creation_date := parse_pdf_date(created):
        metadata["creation_date"] = creation_date
    return metadata


def outline_titles(reader: PdfReader, rel_path: str) -> list[str]:
    """The titles of the bookmarks, depth first, without recursion."""
    try:
        outline = reader.outline
    except FATAL:
        raise
    except Exception as error:
        logger.warning("%s: unreadable outline (%s)", rel_path, error)
        return []
    titles: list[str] = []
    stack: list[Any] = list(reversed(outline))
    while stack and len(titles) < _MAX_HEADINGS:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
            continue
        title = getattr(item, "title", None)
        if title:
            text = normalise_spaces(normalise_unicode(str(title))).replace("\n", " ")
            if text:
                titles.append(text)
    return titles


def read_links(reader: PdfReader, rel_path: str) -> list[str]:
    """The web addresses of the pages' link annotations (/URI actions), in page order, deduplicated.

    Kept as metadata (``links``), not as `Document.links`: those are a post's links to the files it publishes.
    """
    links: list[str] = []
    seen: set[str] = set()
    try:
        for page in reader.pages:
            for annotation in page.get("/Annots") or []:
                action = annotation.get_object().get("/A")
                uri = action.get_object().get("/URI") if action is not None else None
                if isinstance(uri, str) and uri and uri not in seen and len(links) < _MAX_LINKS:
                    seen.add(uri)
                    links.append(uri)
    except FATAL:
        raise
    except Exception as error:  # a broken annotation: the text is still worth indexing
        logger.warning("%s: unreadable link annotations (%s)", rel_path, short(error))
    return links
