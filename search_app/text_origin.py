"""Where a document's text comes from, said in French: the library that read it, pages read by OCR.

Shown on the document page (« Texte : extrait par PDFium ; page 2 : texte reconnu automatiquement (OCR) »)
and, for OCR, on the results page and in the API (`ocr`, `ocr_pages`).
"""

from __future__ import annotations

from typing import Any

from indexer.records import StoredDoc
from indexer.wording import page_list

__all__ = ["OCR_NOTE", "text_origin"]

OCR_NOTE = "texte reconnu automatiquement"
_LIBRARIES = {"pdfium": "PDFium", "pypdf": "pypdf", "pdfium+pypdf": "PDFium et pypdf", "html": "BeautifulSoup"}


def text_origin(doc: StoredDoc) -> dict[str, Any]:
    """What the document page says of the text: the library, the OCR'd pages, the pages left unread."""
    library = doc.text_extractor
    return {
        "library": _LIBRARIES.get(library, library),
        "ocr": page_list(doc.ocr_pages),
        "all_ocr": bool(doc.ocr_pages) and len(doc.ocr_pages) == doc.page_count,
        "unread": page_list(doc.unread_pages),
        "unread_reason": doc.unread_reason,
    }
