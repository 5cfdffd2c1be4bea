"""Snippets: the passages of a page around the query's terms, as escaped HTML with <mark>.

A page's words are matched against the query's index terms through the analyser's own per-word function
(`indexer.words.word_analysis`: lowercase, elisions, compounds, stemming and accent folding, cached per word),
which is much cheaper than running the whole Whoosh highlighter over every page shown.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from itertools import takewhile

from indexer.words import WORD_PATTERN, fold, without_elision, word_analysis

SNIPPET_CHARS = 240
CONTEXT_BEFORE = 70
MAX_FRAGMENTS = 2
_WORD = re.compile(WORD_PATTERN)


@lru_cache(maxsize=200_000)
def word_terms(word: str) -> frozenset[str]:
    """The index terms a word of the text produces (as `french_analyzer` would at index time), and its exact
    field's term (quoted phrases; a stop word is only found inside one)."""
    analysed = frozenset(term for position in word_analysis(word) for term in position)
    return analysed | {fold(without_elision(word.lower()))}


def find_matches(text: str, terms: frozenset[str]) -> list[tuple[int, int, frozenset[str]]]:
    """Spans (start, end, matched terms) of the words of `text` that produce one of `terms`."""
    out = []
    for m in _WORD.finditer(text):
        produced = word_terms(m.group(0))
        if not terms.isdisjoint(produced):
            out.append((m.start(), m.end(), produced & terms))
    return out


def _fragment(text: str, start: int, end: int, matches: list[tuple[int, int, frozenset[str]]]) -> str:
    pieces = []
    cursor = start
    for m_start, m_end, _ in matches:
        if m_start < start or m_end > end:
            continue
        pieces.append(html.escape(text[cursor:m_start], quote=False))
        pieces.append("<mark>" + html.escape(text[m_start:m_end], quote=False) + "</mark>")
        cursor = m_end
    pieces.append(html.escape(text[cursor:end], quote=False))
    return "".join(pieces)


def _window(text: str, anchor: int) -> tuple[int, int]:
    start = max(0, anchor - CONTEXT_BEFORE)
    if start > 0:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < anchor else start
    end = min(len(text), start + SNIPPET_CHARS)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > anchor else end
    return start, end


def make_snippet(text: str, terms: frozenset[str]) -> str:
    """The best passages of `text` for `terms` (escaped HTML with <mark>), or the opening of the text."""
    text = re.sub(r"\s+", " ", text).strip()
    matches = find_matches(text, terms) if terms else []
    if not matches:
        return opening(text)
    candidates = []
    for i, (anchor, _, _) in enumerate(matches):
        start, end = _window(text, anchor)
        inside = list(takewhile(lambda m, end=end: m[1] <= end, matches[i : i + SNIPPET_CHARS]))  # sorted spans
        distinct = frozenset().union(*(m[2] for m in inside))
        candidates.append((len(distinct), len(inside), -anchor, start, end))
    candidates.sort(reverse=True)
    chosen: list[tuple[int, int]] = []
    for *_, start, end in candidates:
        if all(end <= s or start >= e for s, e in chosen):
            chosen.append((start, end))
        if len(chosen) == MAX_FRAGMENTS:
            break
    chosen.sort()
    parts = []
    for start, end in chosen:
        fragment = _fragment(text, start, end, matches)
        parts.append(("… " if start > 0 else "") + fragment + (" …" if end < len(text) else ""))
    return " ".join(parts).replace("… …", "…")


def opening(text: str, chars: int = SNIPPET_CHARS) -> str:
    """The first words of a text, escaped, cut on a word boundary."""
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= chars:
        return html.escape(text, quote=False)
    cut = text[:chars].rsplit(" ", 1)[0]
    return html.escape(cut, quote=False) + " …"
