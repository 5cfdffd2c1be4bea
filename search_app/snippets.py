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
_JOINERS = "['’\\-‐]"  # what joins two runs of word characters into one token (`WORD_PATTERN`)


@lru_cache(maxsize=200_000)
def word_terms(word: str) -> frozenset[str]:
    """The index terms a word of the text produces (as `french_analyzer` would at index time), and its exact
    field's term (quoted phrases; a stop word is only found inside one)."""
    analysed = frozenset(term for position in word_analysis(word) for term in position)
    return analysed | {fold(without_elision(word.lower()))}


Phrases = tuple[tuple[str, ...], ...]


def find_matches(text: str, terms: frozenset[str], phrases: Phrases = ()) -> list[tuple[int, int, frozenset[str]]]:
    """Spans (start, end, matched terms) of the words of `text` that produce one of `terms`, or that belong to
    a run of words producing one of `phrases` in order (stop words between them skipped).

    Each distinct word is analysed once; only the words that match are then located in the text, by a pattern
    that finds them exactly where the tokeniser would (a whole token, never part of one)."""
    distinct = set(_WORD.findall(text))
    matching = {word: word_terms(word) & terms for word in distinct if not terms.isdisjoint(word_terms(word))}
    if phrases and _may_hold(distinct, phrases):
        words = [(m.start(), m.end(), m.group(0)) for m in _WORD.finditer(text)]
        in_phrase = _phrase_words(words, phrases)
        out = []
        for i, (start, end, word) in enumerate(words):
            matched = matching.get(word, frozenset()) | in_phrase.get(i, frozenset())
            if matched:
                out.append((start, end, matched))
        return out
    if not matching:
        return []
    return [(m.start(), m.end(), matching[m.group(0)]) for m in _tokens_among(frozenset(matching)).finditer(text)]


@lru_cache(maxsize=4096)
def _tokens_among(words: frozenset[str]) -> re.Pattern[str]:
    """A pattern that matches the whole tokens of `_WORD` that are one of `words`: not preceded by a word
    character (nor by one and a connector, which would join them), not followed by one (nor by a connector
    and one). Longest words first, though the end conditions already refuse a shorter word's match."""
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))
    return re.compile(rf"(?<!\w)(?<!\w{_JOINERS})(?:{alternatives})(?!\w)(?!{_JOINERS}\w)")


def _may_hold(distinct: set[str], phrases: Phrases) -> bool:
    """Whether the text's words produce every term of one of `phrases` at all (else no run can hold it)."""
    produced = {t for word in distinct for position in word_analysis(word) for t in position}
    return any(produced.issuperset(phrase) for phrase in phrases)


def _phrase_words(words: list[tuple[int, int, str]], phrases: Phrases) -> dict[int, frozenset[str]]:
    """Index of each word inside a whole occurrence of a phrase → that phrase's terms."""
    content = [
        (i, frozenset(t for position in word_analysis(w) for t in position)) for i, (_, _, w) in enumerate(words)
    ]
    content = [(i, produced) for i, produced in content if produced]  # stop words do not break a phrase
    out: dict[int, frozenset[str]] = {}
    for phrase in phrases:
        n = len(phrase)
        for k in range(len(content) - n + 1):
            if all(phrase[j] in content[k + j][1] for j in range(n)):
                for j in range(n):
                    out[content[k + j][0]] = out.get(content[k + j][0], frozenset()) | frozenset(phrase)
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


def make_snippet(text: str, terms: frozenset[str], phrases: Phrases = ()) -> str:
    """The best passages of `text` for `terms` and whole `phrases` (escaped HTML with <mark>), or the opening
    of the text."""
    text = " ".join(text.split())  # str.split and the pattern \s take the same characters for white space
    matches = find_matches(text, terms, phrases) if terms or phrases else []
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
    text = " ".join(text.split())
    if len(text) <= chars:
        return html.escape(text, quote=False)
    cut = text[:chars].rsplit(" ", 1)[0]
    return html.escape(cut, quote=False) + " …"
