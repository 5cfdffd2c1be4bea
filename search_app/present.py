"""Presentation: the result dicts of one results page (snippets, URLs, labels, missing words).

It reads stored records and never evaluates a query: the documents, their best PDF pages and what each
lacks come from the earlier stages (`docs/architecture.md`). A new field of the result goes in `result`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from indexer.page_roles import is_reference_page
from indexer.records import StoredDoc, page_uid
from indexer.vocab import type_labels
from search_app.facets import facet_label
from search_app.pages import PdfPage
from search_app.query import Clause
from search_app.snippets import Marker, Marks

MIN_PROSE_CHARS = 300  # a PDF page with less text is a cover, a title page or a blank page
OPENING_PAGES = 12  # pages looked at for a PDF's opening (a cover, then a table of contents: 7 pages for the actes)


@dataclass
class Shown:
    """What the earlier stages found for the results page: documents (record numbers, in order), those from
    a partial tier and the words each lacks, each document's best PDF pages, and what to highlight."""

    docs: list[int]
    partial: set[int] = field(default_factory=set)
    missing: dict[int, list[str]] = field(default_factory=dict)
    pages: dict[str, list[PdfPage]] = field(default_factory=dict)
    marks: Marks = field(default_factory=Marks)  # what snippets mark (`search_app.marks`)
    stored: dict[int, dict[str, Any]] = field(default_factory=dict)  # documents' stored fields already read


def corpus_url(path: str, page: int | None = None) -> str:
    """The URL that opens a corpus file (at a PDF page when given)."""
    url = "/corpus/" + quote(path, safe="/")
    return f"{url}#page={page}" if page else url


def document_url(path: str) -> str:
    """The URL of a document's detail page."""
    return "/document/" + quote(path, safe="/")


def as_typed(clause: Clause) -> str:
    """A clause as the user typed it (a phrase in French quotes, a prefix with its star)."""
    if clause.kind == "phrase":
        return f"« {clause.text} »"
    return clause.text + ("*" if clause.kind == "prefix" else "")


def results(searcher: Any, shown: Shown) -> list[dict[str, Any]]:
    """The result dicts of the documents shown, in order."""
    out = []
    marker = Marker(shown.marks.terms, shown.marks.phrases, shown.marks.exact)
    for docnum in shown.docs:
        fields = shown.stored.get(docnum)
        entry = result(searcher, dict(fields if fields is not None else searcher.stored_fields(docnum)), shown, marker)
        entry["partial"] = docnum in shown.partial
        entry["missing"] = shown.missing.get(docnum, [])
        out.append(entry)
    return out


def result(searcher: Any, fields: dict[str, Any], shown: Shown, marker: Marker) -> dict[str, Any]:
    """One result dict (see the JSON contract in `docs/architecture.md`), its snippets marked by `marker`."""
    doc = StoredDoc(fields)
    path = doc.path
    is_pdf = doc.format == "pdf"
    pages = shown.pages.get(path) or []
    page_list = [
        {
            "page": n,
            "snippet": marker.snippet(t),
            "url": corpus_url(path, n),
            "source_url": live_url(doc, n),
        }
        for n, t in pages
    ]
    if page_list:
        snippet = page_list[0]["snippet"]
    else:
        opening_pages = (doc.page_count or 1) if is_pdf else 1  # a long web page opens with its first section
        snippet = marker.snippet(_opening_text(searcher, path, opening_pages))
    best = pages[0][0] if (is_pdf and pages) else None
    doc_type = doc.doc_type
    return {
        "path": path,
        "url": corpus_url(path, best),
        "title": doc.title or path,
        "year": doc.year,
        "themes": doc.themes,
        "type": doc_type,
        "snippet": snippet,
        "page": best,
        "pages": page_list if is_pdf else [],
        "published_in": _published_in(searcher, doc),
        "source": doc.source,
        "source_url": live_url(doc, best),
        # Added fields.
        "source_label": doc.source_label,
        "format": fields.get("format"),
        "type_label": type_labels().get(doc_type, doc_type),
        "theme_labels": [facet_label("theme", t) for t in doc.themes],
        "date": doc.date,
        "page_count": fields.get("page_count"),
        "document_url": document_url(path),
        "ocr": bool(doc.ocr_pages),
        "ocr_pages": doc.ocr_pages,
    }


def _opening_text(searcher: Any, path: str, page_count: int) -> str:
    """The text a result without a matching page opens with: for a PDF, the first page of prose after its
    cover (a cover's centre name and title, then a table of contents, told nothing), else the first page.
    Only results without a matching page come here (browsing, mostly): at most 12 stored pages each."""
    texts = []
    for n in range(1, min(page_count, OPENING_PAGES) + 1):
        texts.append((searcher.document(uid=page_uid(path, n)) or {}).get("text") or "")
        if n > 1 and len(texts[-1]) >= MIN_PROSE_CHARS and not is_reference_page(texts[-1]):
            return texts[-1]
    return texts[0] if texts else ""


def live_url(doc: StoredDoc, page: int | None = None) -> str | None:
    """The document's live address (None when unknown), at a PDF page when one is given."""
    url = doc.source_url
    if url and page and doc.format == "pdf":
        return f"{url.split('#', 1)[0]}#page={page}"
    return url


def _published_in(searcher: Any, doc: StoredDoc) -> dict[str, str] | None:
    """The first indexed document that publishes this one (a post that links to the PDF)."""
    for parent in doc.published_in:
        parent_fields = searcher.document(uid=parent)
        if parent_fields:
            return {"path": parent, "title": parent_fields.get("title") or parent, "url": document_url(parent)}
    return None
