"""The PDF pages shown under each result: the best matching pages of each document, reference pages last.

`search_app.rank` finds the best page records of each document shown (`PageRecordRanker.best_pages`); this module
reads their text and keeps the best few per document: a page that lacks a quoted phrase as typed comes after
those that have it (page records have no exact field), and a table of contents or a glossary only when no
other page matches.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from indexer.words import TOKEN_END, TOKEN_JOINERS, exact_words, fold
from search_app import tuning
from search_app.page_records import PageRecords
from search_app.query import ParsedQuery

PdfPage = tuple[int, str]  # (PDF page number, its text)


def quoted_phrases(parsed: ParsedQuery) -> list[list[str]]:
    """The quoted phrases of a query of two words or more, as exact-field words."""
    phrases = [exact_words(c.text) for c in parsed.positive if c.kind == "phrase"]
    return [p for p in phrases if len(p) > 1]


def _missing_phrases(text: str, phrases: list[list[str]]) -> int:
    """How many of the quoted phrases (exact-field words) a page's text does not contain.

    A phrase written plainly (its words whole, only spaces or punctuation between them) is found by a
    pattern without reading the page word by word; the others are looked for in the page's exact words."""
    if not phrases:
        return 0
    unseen = [phrase for phrase in phrases if not _written_plainly(tuple(phrase)).search(text)]
    if not unseen:
        return 0
    joined = " " + " ".join(exact_words(text)) + " "
    return sum(1 for phrase in unseen if " " + " ".join(phrase) + " " not in joined)


_NEVER = re.compile(r"(?!)")


@lru_cache(maxsize=1)
def _letter_forms() -> dict[str, str]:
    """Each unaccented lowercase letter → a pattern class of the letters that become it in the exact field
    (« e » → « eéèêëEÉÈÊË… »)."""
    forms: dict[str, list[str]] = {}
    for code in [*range(0x41, 0x5B), *range(0x61, 0x7B), *range(0xC0, 0x250)]:
        letter = chr(code)
        plain = fold(letter.lower())
        if len(plain) == 1 and plain.isascii() and plain.isalpha():
            forms.setdefault(plain, []).append(letter)
    return {plain: "[" + "".join(letters) + "]" for plain, letters in forms.items()}


@lru_cache(maxsize=256)
def _written_plainly(phrase: tuple[str, ...]) -> re.Pattern[str]:
    """A pattern whose every match is an occurrence of `phrase` in the exact field: whole tokens made of
    letters that fold to the phrase's words, with no word character between them. A word it cannot spell
    letter by letter (« œ », a compound) makes a pattern that never matches: the caller then reads the words."""
    forms = _letter_forms()
    words = []
    for word in phrase:
        letters = []
        for c in word:
            if c in forms:
                letters.append(forms[c])
            elif c.isalnum() and fold(c.lower()) == c:
                letters.append(re.escape(c))
            else:
                return _NEVER
        # The first letter before the conditions on what precedes it: the pattern then opens with a class,
        # which the regular expression engine scans for quickly.
        start = rf"(?<!\w[\s\S])(?<!\w{TOKEN_JOINERS}[\s\S])"
        words.append(letters[0] + start + "".join(letters[1:]) + TOKEN_END)
    return re.compile(r"\W+".join(words))


def shown_pdf_pages(
    searcher: Any,
    best: dict[int, list[int]],
    documents: dict[int, str],
    phrases: list[list[str]],
    page_records: PageRecords,
) -> dict[str, list[PdfPage]]:
    """For each document (record number → path): its best PDF pages (at most `pdf_pages_shown`), from its
    candidate page records `best` (best first, `PageRecordRanker.best_pages`).

    Whether a page record is listed last comes from the index (`PageRecords.listed_last`): a page's stored
    text is read only when it is shown or when a quoted phrase must be looked for in it.
    """
    t = tuning.TUNING
    stored = _StoredPages(searcher)
    shown: dict[str, list[PdfPage]] = {}
    for doc, path in documents.items():
        keys = [
            (
                _missing_phrases(stored.text(record), phrases) if phrases else 0,
                int(page_records.listed_last(searcher, record)),
                rank,
                record,
            )
            for rank, record in enumerate(best.get(doc, []))
        ]
        shown[path] = [stored.page(record) for *_key, record in sorted(keys)[: t.pdf_pages_shown]]
    return shown


class _StoredPages:
    """The stored fields of the page records one request reads, each read at most once."""

    def __init__(self, searcher: Any) -> None:
        self.searcher = searcher
        self.fields: dict[int, dict[str, Any]] = {}

    def _of(self, record: int) -> dict[str, Any]:
        found = self.fields.get(record)
        if found is None:
            found = self.fields[record] = self.searcher.stored_fields(record)
        return found

    def text(self, record: int) -> str:
        return self._of(record).get("text") or ""

    def page(self, record: int) -> PdfPage:
        return self._of(record).get("page"), self.text(record)
