"""The PDF pages shown under each result: the best matching pages of each document, reference pages last.

`search_app.rank` orders the page records of the documents shown (`PageRecordRanker.ranked_pages`); this module
reads their text and keeps the best few per document: a page that lacks a quoted phrase as typed comes after
those that have it (page records have no exact field), and a table of contents or a glossary only when no
other page matches.
"""

from __future__ import annotations

from typing import Any

from indexer.words import exact_words
from search_app import tuning
from search_app.page_records import PageRecords
from search_app.query import ParsedQuery

PdfPage = tuple[int, str]  # (PDF page number, its text)


def quoted_phrases(parsed: ParsedQuery) -> list[list[str]]:
    """The quoted phrases of a query of two words or more, as exact-field words."""
    phrases = [exact_words(c.text) for c in parsed.positive if c.kind == "phrase"]
    return [p for p in phrases if len(p) > 1]


def _missing_phrases(text: str, phrases: list[list[str]]) -> int:
    """How many of the quoted phrases (exact-field words) a page's text does not contain."""
    if not phrases:
        return 0
    words = exact_words(text)
    joined = " " + " ".join(words) + " "
    return sum(1 for phrase in phrases if " " + " ".join(phrase) + " " not in joined)


def shown_pdf_pages(
    searcher: Any, ranked: list[int], paths: list[str], phrases: list[list[str]], page_records: PageRecords
) -> dict[str, list[PdfPage]]:
    """For each document path: its best PDF pages (at most `pdf_pages_shown`), from the page records `ranked`
    best first."""
    t = tuning.TUNING
    candidates: dict[str, list[tuple[tuple[int, int, int], int, str]]] = {p: [] for p in paths}
    for rank, page_record in enumerate(ranked[: len(paths) * 60]):
        fields = searcher.stored_fields(page_record)
        found = candidates.get(fields.get("path"))
        if found is not None and len(found) < t.pdf_page_candidates:
            text = fields.get("text") or ""
            reference = page_records.is_reference(searcher, page_record, text)
            key = (_missing_phrases(text, phrases), int(reference), rank)
            found.append((key, fields.get("page"), text))
    return {
        path: [(page, text) for _key, page, text in sorted(found)[: t.pdf_pages_shown]]
        for path, found in candidates.items()
    }
