"""« Vouliez-vous dire » : a corrected query from the corpus's own vocabulary, when some typed words are unknown."""

from __future__ import annotations

import re
from typing import Any

from whoosh import query as wq

from indexer.analysis import analyse
from indexer.records import KIND_PAGE
from indexer.words import fold
from search_app.query import ParsedQuery

MIN_FUZZY_CHARS = 4  # shorter unknown words get no correction
MAX_FUZZY_CHARS = 30  # nor longer ones (the cost of a fuzzy lookup grows with the word's length)
MAX_FUZZY_WORDS = 6  # words corrected per query at most


def suggest(searcher: Any, parsed: ParsedQuery) -> str | None:
    """A corrected query from the corpus's own vocabulary, when some typed words are unknown."""
    reader = searcher.reader()
    changed = False
    attempts = 0
    words: list[str] = []
    for clause in [c for g in parsed.groups for c in g]:
        if clause.kind != "word":
            words.append(f'"{clause.text}"' if clause.kind == "phrase" else clause.text + "*")
            continue
        replacement = None
        terms = analyse(clause.text, mode="query")
        known = all(reader.doc_frequency("body", t) or reader.doc_frequency("title", t) for t in terms)
        # Fuzzy matching is the costly part: a few words per query, of a plausible length.
        if not known and MIN_FUZZY_CHARS <= len(clause.text) <= MAX_FUZZY_CHARS and attempts < MAX_FUZZY_WORDS:
            attempts += 1
            replacement = _correct_word(searcher, clause.text)
        if replacement:
            changed = True
            words.append(replacement)
        else:
            words.append(clause.text)
    for clause in parsed.excluded:
        words.append("-" + clause.text)
    return " ".join(words) if changed else None


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
