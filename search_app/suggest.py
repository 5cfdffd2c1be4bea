"""« Vouliez-vous dire » : a corrected query from the corpus's own vocabulary, when some typed words are unknown."""

from __future__ import annotations

import re
from typing import Any

from whoosh import query as wq

from indexer.analysis import analyse
from indexer.records import KIND_PAGE
from indexer.words import fold
from search_app.query import Clause, ParsedQuery

MIN_FUZZY_CHARS = 4  # shorter unknown words get no correction
MAX_FUZZY_CHARS = 30  # nor longer ones (the cost of a fuzzy lookup grows with the word's length)
MAX_FUZZY_WORDS = 6  # words corrected per query at most


def suggest(searcher: Any, parsed: ParsedQuery, typed: str) -> str | None:
    """The query `typed` (whose parse is `parsed`) with its unknown words corrected from the corpus's own
    vocabulary, or None when no word is corrected.

    Only the corrected words change: everything else stays as typed (`OU`, quotes, exclusions, prefixes, stop
    words, spacing), so that the suggestion means what the user meant. Only plain words are corrected.
    """
    reader = searcher.reader()
    attempts = 0
    replacements: list[tuple[int, int, str]] = []
    for clause in parsed.positive:
        if clause.kind != "word":
            continue
        terms = analyse(clause.text, mode="query")
        known = all(reader.doc_frequency("body", t) or reader.doc_frequency("title", t) for t in terms)
        # Fuzzy matching is the costly part: a few words per query, of a plausible length.
        if known or not MIN_FUZZY_CHARS <= len(clause.text) <= MAX_FUZZY_CHARS or attempts >= MAX_FUZZY_WORDS:
            continue
        where = _word_span(typed, clause)
        if where is None:
            continue
        attempts += 1
        replacement = _correct_word(searcher, clause.text)
        if replacement:
            replacements.append((*where, _same_case(clause.text, replacement)))
    return _replaced(typed, sorted(replacements)) if replacements else None


def _word_span(typed: str, clause: Clause) -> tuple[int, int] | None:
    """Where a word clause's text stands in the query typed (its token may carry punctuation around it), or
    None when the parser changed it (a `*` or `"` inside a word)."""
    start, end = clause.span
    at = typed.find(clause.text, start, end)
    return (at, at + len(clause.text)) if at >= 0 else None


def _same_case(typed_word: str, replacement: str) -> str:
    """The correction written in the typed word's case (« Politque » → « Politique », « SANTE MENTALLE » →
    « SANTE MENTALE »)."""
    if typed_word.isupper():
        return replacement.upper()
    return replacement[:1].upper() + replacement[1:] if typed_word[:1].isupper() else replacement


def _replaced(typed: str, replacements: list[tuple[int, int, str]]) -> str:
    """`typed` with each span (start, end) replaced by its text (spans in order, not overlapping)."""
    out, last = [], 0
    for start, end, text in replacements:
        out += [typed[last:start], text]
        last = end
    return "".join([*out, typed[last:]])


def _correct_word(searcher: Any, word: str) -> str | None:
    reader = searcher.reader()
    folded = fold(word.lower())
    maxdist = 1 if len(folded) <= 5 else 2
    candidates = []
    for term in reader.terms_within("spell", folded, maxdist, prefix=1):
        text = term.decode("utf-8") if isinstance(term, bytes) else term
        if text != folded:
            candidates.append((reader.doc_frequency("spell", text), text))
    if not candidates:
        return None
    _freq, best = max(candidates)
    return _accented_form(searcher, best) or best


def _accented_form(searcher: Any, folded_word: str) -> str | None:
    """The spelling of a folded word as the corpus writes it (« cohesion » → « cohésion »)."""
    terms = analyse(folded_word, mode="query")
    if not terms:
        return None
    hits = searcher.search(wq.And([wq.Term("kind", KIND_PAGE), wq.Term("page_body", terms[0])]), limit=3)
    for hit in hits:
        for m in re.finditer(r"\w+", hit.get("text") or ""):
            if fold(m.group(0).lower()) == folded_word:
                return m.group(0).lower()
    return None
