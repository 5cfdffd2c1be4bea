"""Snippets: the passages of a page around the query's terms, as escaped HTML with <mark>.

A page's words are matched against the query's index terms through the analyser's own per-word function
(`indexer.words.word_analysis`: lowercase, elisions, compounds, stemming and accent folding, cached per word),
which is much cheaper than running the whole Whoosh highlighter over every page shown. What a request marks
(`Marks`): single terms wherever a word gives one, and runs of words only where the whole run stands: an
acronym's written-out form or a widened term of several words (analysed terms, stop words between them
skipped), a quoted phrase (its words as the exact field has them, stop words included).
"""

from __future__ import annotations

import html
import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress, takewhile
from operator import not_

import numpy as np

from indexer.words import TOKEN_END, TOKEN_JOINERS, WORD_PATTERN, exact_word, fold, without_elision, word_analysis

SNIPPET_CHARS = 240
CONTEXT_BEFORE = 70
MAX_FRAGMENTS = 2
FEW_MATCHES = 24  # up to this many matches in a text, its passages are ranked one by one rather than with arrays
_WORD = re.compile(WORD_PATTERN)


@lru_cache(maxsize=200_000)
def analysed_terms(word: str) -> frozenset[str]:
    """The index terms a word of the text produces (as `french_analyzer` would at index time)."""
    return frozenset(term for position in word_analysis(word) for term in position)


@lru_cache(maxsize=200_000)
def word_terms(word: str) -> frozenset[str]:
    """The index terms a word of the text produces (`analysed_terms`), and its exact field's term (quoted
    phrases; a stop word is only found inside one)."""
    return analysed_terms(word) | {fold(without_elision(word.lower()))}


Phrases = tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Marks:
    """What one request's snippets mark: `terms` wherever a word gives one; `phrases` (analysed terms: an
    acronym's written-out form, a widened term of several words) and `exact` (exact-field words: a quoted
    phrase) only where the whole run is written."""

    terms: frozenset[str] = frozenset()
    phrases: Phrases = ()
    exact: Phrases = ()


def _producing(
    words: list[str], analyse: Callable[[str], frozenset[str]], terms: frozenset[str]
) -> dict[str, frozenset[str]]:
    """Each of `words` whose analysis gives one of `terms` → those it gives."""
    produced = list(map(analyse, words))
    hits = compress(zip(words, produced, strict=True), map(not_, map(terms.isdisjoint, produced)))
    return {word: found & terms for word, found in hits}


class Marker:
    """The words of one request's snippets: the query's `terms` and whole `phrases`. What each distinct word of
    the pages shown produces is worked out once per request, however many pages it appears on."""

    def __init__(self, terms: frozenset[str], phrases: Phrases = (), exact: Phrases = ()) -> None:
        self.terms = terms
        self.phrases = phrases
        self.exact = tuple(filter(None, exact))
        self._phrase_terms = frozenset(t for phrase in phrases for t in phrase)
        self._exact_words = frozenset(w for phrase in self.exact for w in phrase)
        self._seen: set[str] = set()  # every word looked at
        self._matching: dict[str, frozenset[str]] = {}  # word → the terms it produces (those that produce one)
        self._in_phrases: dict[str, frozenset[str]] = {}  # word → the phrase terms its analysis gives (if any)
        self._in_exact: dict[str, frozenset[str]] = {}  # word → its exact form, when a quoted phrase has it

    def _learn(self, distinct: set[str]) -> None:
        """What each word not seen yet produces, kept for those that produce a term (or a phrase's term). The
        words are sifted by C-level iteration (`map`, `compress`): most of a page's words produce none."""
        new = list(distinct - self._seen)
        self._matching.update(_producing(new, word_terms, self.terms))
        if self._phrase_terms:
            self._in_phrases.update(_producing(new, analysed_terms, self._phrase_terms))
        if self._exact_words:
            self._in_exact.update(_producing(new, _exact_form, self._exact_words))
        self._seen |= distinct

    def find(self, text: str) -> list[tuple[int, int, frozenset[str]]]:
        """Spans (start, end, matched terms) of the words of `text` that produce one of the terms, or that belong
        to a run of words producing one of the phrases in order (stop words between them skipped).

        Only the words that match are located in the text (`_tokens_among`), exactly where the
        tokeniser would (a whole token, never part of one)."""
        distinct = set(_WORD.findall(text))
        self._learn(distinct)
        matching = {word: self._matching[word] for word in distinct.intersection(self._matching)}
        analysed, exact = self._may_hold(distinct)
        if analysed or exact:
            words = [(m.start(), m.end(), m.group(0)) for m in _WORD.finditer(text)]
            in_phrase = _phrase_words(words, analysed)
            for i, terms in _exact_phrase_words(words, exact).items():
                in_phrase[i] = in_phrase.get(i, frozenset()) | terms
            out = []
            for i, (start, end, word) in enumerate(words):
                matched = matching.get(word, frozenset()) | in_phrase.get(i, frozenset())
                if matched:
                    out.append((start, end, matched))
            return out
        if not matching:
            return []
        return _tokens_among(text, matching)

    def _may_hold(self, distinct: set[str]) -> tuple[Phrases, Phrases]:
        """The phrases and the quoted phrases whose every word the text's words give at all (no run can hold
        the others)."""
        out = []
        for phrases, given in ((self.phrases, self._in_phrases), (self.exact, self._in_exact)):
            produced = frozenset().union(*(given[w] for w in distinct.intersection(given))) if phrases else frozenset()
            out.append(tuple(phrase for phrase in phrases if produced.issuperset(phrase)))
        return out[0], out[1]

    def snippet(self, text: str) -> str:
        """The best passages of `text` (escaped HTML with <mark>), or the opening of the text."""
        text = " ".join(text.split())  # str.split and the pattern \s take the same characters for white space
        matches = self.find(text) if self.terms or self.phrases or self.exact else []
        if not matches:
            return opening(text)
        parts = []
        for start, end in _best_windows(text, matches):
            fragment = _fragment(text, start, end, matches)
            parts.append(("… " if start > 0 else "") + fragment + (" …" if end < len(text) else ""))
        return " ".join(parts).replace("… …", "…")


def find_matches(
    text: str, terms: frozenset[str], phrases: Phrases = (), exact: Phrases = ()
) -> list[tuple[int, int, frozenset[str]]]:
    """`Marker.find` for one text."""
    return Marker(terms, phrases, exact).find(text)


@lru_cache(maxsize=200_000)
def _exact_form(word: str) -> frozenset[str]:
    """The exact field's term of a word of the text (`indexer.words.exact_word`), as a set."""
    return frozenset((exact_word(word),))


# Whether a token may start here (no word character before, nor one and a connector, which would join them),
# and whether one may end here (`TOKEN_END`): checked where a word of the text is found.
_TOKEN_START = re.compile(rf"(?<!\w)(?<!\w{TOKEN_JOINERS})")
_TOKEN_END = re.compile(TOKEN_END)


def _tokens_among(text: str, matching: dict[str, frozenset[str]]) -> list[tuple[int, int, frozenset[str]]]:
    """The whole tokens of `_WORD` in `text` that are one of `matching`'s words, each with its terms, in text
    order. Each word is found by `str.find` and kept where a token starts and ends; whole tokens never overlap,
    and no pattern is compiled per set of words (compiling cost more than searching on a cold request)."""
    out = []
    for word, terms in matching.items():
        size = len(word)
        start = text.find(word)
        while start >= 0:
            if _TOKEN_START.match(text, start) and _TOKEN_END.match(text, start + size):
                out.append((start, start + size, terms))
            start = text.find(word, start + 1)
    out.sort(key=lambda m: m[0])
    return out


def _phrase_words(words: list[tuple[int, int, str]], phrases: Phrases) -> dict[int, frozenset[str]]:
    """Index of each word inside a whole occurrence of a phrase → that phrase's terms."""
    if not phrases:
        return {}
    analysed = [(i, produced) for i, produced in enumerate(map(analysed_terms, [w for _, _, w in words])) if produced]
    content = [produced for _, produced in analysed]  # stop words do not break a phrase
    out: dict[int, frozenset[str]] = {}
    for phrase in filter(None, phrases):
        n, first, terms = len(phrase), phrase[0], frozenset(phrase)
        for k in range(len(content) - n + 1):
            if first in content[k] and all(phrase[j] in content[k + j] for j in range(1, n)):
                for j in range(n):
                    i = analysed[k + j][0]
                    out[i] = out.get(i, frozenset()) | terms
    return out


def _exact_phrase_words(words: list[tuple[int, int, str]], phrases: Phrases) -> dict[int, frozenset[str]]:
    """Index of each word inside an occurrence of a quoted phrase (exact-field words, one after another, stop
    words included: as the exact field finds it) → that phrase's words."""
    if not phrases:
        return {}
    forms = [exact_word(w) for _, _, w in words]
    out: dict[int, frozenset[str]] = {}
    for phrase in phrases:
        n, terms = len(phrase), frozenset(phrase)
        for k in range(len(forms) - n + 1):
            if forms[k] == phrase[0] and tuple(forms[k : k + n]) == phrase:
                for i in range(k, k + n):
                    out[i] = out.get(i, frozenset()) | terms
    return out


def _fragment(text: str, start: int, end: int, matches: list[tuple[int, int, frozenset[str]]]) -> str:
    pieces = []
    cursor = start
    first = bisect_left(matches, start, key=lambda m: m[0])
    for m_start, m_end, _ in matches[first:]:
        if m_end > end:
            break  # spans are sorted and do not overlap: the ends grow too
        pieces.append(html.escape(text[cursor:m_start], quote=False))
        pieces.append("<mark>" + html.escape(text[m_start:m_end], quote=False) + "</mark>")
        cursor = m_end
    pieces.append(html.escape(text[cursor:end], quote=False))
    return "".join(pieces)


def _windows(text: str, anchors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The passage around each anchor: from about CONTEXT_BEFORE characters before it (after a space when
    one falls before the anchor) for at most SNIPPET_CHARS, ending on a space after the anchor when one does."""
    spaces = np.flatnonzero(np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4") == 32)
    after = np.append(spaces, -1)  # -1: no space (as str.find)
    start = np.maximum(0, anchors - CONTEXT_BEFORE)
    space = after[np.searchsorted(spaces, start)]
    start = np.where((start > 0) & (space >= 0) & (space < anchors), space + 1, start)
    end = np.minimum(len(text), start + SNIPPET_CHARS)
    before = np.searchsorted(spaces, end) - 1  # the last space before `end`, if at or after `start`
    space = np.where(before >= 0, after[np.maximum(before, 0)], -1)
    space = np.where(space >= start, space, -1)
    end = np.where((end < len(text)) & (space > anchors), space, end)
    return start, end


def _best_windows(text: str, matches: list[tuple[int, int, frozenset[str]]]) -> list[tuple[int, int]]:
    """At most MAX_FRAGMENTS passages that do not overlap, in text order: the passages around each match ranked
    by the distinct terms they hold, then the matches (at most SNIPPET_CHARS counted), then the earliest."""
    if len(matches) <= FEW_MATCHES:
        return _best_of_few(text, matches)
    anchors = np.array([m[0] for m in matches], dtype=np.int64)
    ends = np.array([m[1] for m in matches], dtype=np.int64)  # growing: spans are sorted and do not overlap
    starts, stops = _windows(text, anchors)
    first = np.arange(len(matches))
    last = np.minimum(np.searchsorted(ends, stops, side="right"), first + SNIPPET_CHARS)
    inside = np.maximum(last - first, 0)
    last = first + inside
    columns: dict[str, int] = {}
    rows = [[columns.setdefault(t, len(columns)) for t in m[2]] for m in matches]
    held = np.zeros((len(matches) + 1, len(columns)), dtype=np.int64)
    for i, row in enumerate(rows):
        held[i + 1, row] = 1
    held = np.cumsum(held, axis=0)  # held[i, k]: how many of the first i matches hold term k
    distinct = ((held[last] - held[first]) > 0).sum(axis=1)
    chosen: list[tuple[int, int]] = []
    for i in np.lexsort((anchors, -inside, -distinct)).tolist():
        start, end = int(starts[i]), int(stops[i])
        if all(end <= s or start >= e for s, e in chosen):
            chosen.append((start, end))
            if len(chosen) == MAX_FRAGMENTS:
                break
    return sorted(chosen)


def _best_of_few(text: str, matches: list[tuple[int, int, frozenset[str]]]) -> list[tuple[int, int]]:
    """`_best_windows` one match at a time: quicker than arrays for a few matches."""
    candidates = []
    for i, (anchor, _, _) in enumerate(matches):
        start, end = _window(text, anchor)
        inside = list(takewhile(lambda m, end=end: m[1] <= end, matches[i : i + SNIPPET_CHARS]))
        distinct = frozenset().union(*(m[2] for m in inside))
        candidates.append((len(distinct), len(inside), -anchor, start, end))
    candidates.sort(reverse=True)
    chosen: list[tuple[int, int]] = []
    for *_, start, end in candidates:
        if all(end <= s or start >= e for s, e in chosen):
            chosen.append((start, end))
            if len(chosen) == MAX_FRAGMENTS:
                break
    return sorted(chosen)


def _window(text: str, anchor: int) -> tuple[int, int]:
    """`_windows` for one anchor."""
    start = max(0, anchor - CONTEXT_BEFORE)
    if start > 0:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < anchor else start
    end = min(len(text), start + SNIPPET_CHARS)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > anchor else end
    return start, end


def make_snippet(text: str, terms: frozenset[str], phrases: Phrases = (), exact: Phrases = ()) -> str:
    """The best passages of `text` for `terms` and whole `phrases` and `exact` phrases (escaped HTML with
    <mark>), or the opening of the text (`Marker.snippet` for one text)."""
    return Marker(terms, phrases, exact).snippet(text)


def opening(text: str, chars: int = SNIPPET_CHARS) -> str:
    """The first words of a text, escaped, cut on a word boundary."""
    text = " ".join(text.split())
    if len(text) <= chars:
        return html.escape(text, quote=False)
    cut = text[:chars].rsplit(" ", 1)[0]
    return html.escape(cut, quote=False) + " …"
