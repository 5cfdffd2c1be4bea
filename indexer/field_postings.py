"""Postings of a text field computed straight from the text: what Whoosh's `field.index(text)` gives through the
field's analyser, without its token stream.

Whoosh analyses a text through a chain of generators that hand one `Token` object down five or six stages, then
groups the tokens by term: most of the analysis done by the extraction workers. Here each distinct word is
analysed once (cached: `exact_word_analysis`, `indexer.words.word_analysis`, `spelling_word`) and the terms are
grouped in one loop, for the `exact` field (words and word pairs), the French fields (`body`, `page_body`:
stemmed forms with their positions, and the marks of written-out acronyms) and `spell` (folded words). The
results are the same postings, in the same order (tests/test_field_postings.py compares them with
`field.index`); the chains of `indexer.analysis` stay the reference, and what the writer and queries use.
"""

from __future__ import annotations

import re
from functools import lru_cache

from whoosh.formats import Positions
from whoosh.system import pack_uint

from indexer.analysis import EXPANSION_MARK, SPELLING_PATTERN, expansion_ends
from indexer.words import WORD_PATTERN, fold, stop_words, without_elision, word_analysis

# A posting as Whoosh's fields produce it: term bytes, frequency, weight, encoded value.
Posting = tuple[bytes, int, float, bytes | None]

_WORDS = re.compile(WORD_PATTERN)
_SPELLING_WORDS = re.compile(SPELLING_PATTERN)
_HYPHENS = re.compile(r"[-‐]+")


@lru_cache(maxsize=500_000)
def exact_word_analysis(raw: str) -> tuple[tuple[str, ...], ...]:
    """The `exact` terms one token gives, by position: what `exact_analyzer`'s stages after the tokenizer make of
    it (lowercase, elision, compound parts, accent folding), before word pairs.

    One position for a plain word; a compound takes its joined form and its first kept part at its first
    position, then one position per further kept part (`CompoundFilter`).
    """
    text = without_elision(raw.lower())
    if "-" not in text and "‐" not in text:
        return ((fold(text),),)
    parts = [p for p in _HYPHENS.split(text) if p]
    joined = "".join(parts)
    stops = stop_words()
    kept = [p for p in parts if len(p) >= 2 and fold(p) not in stops] if len(parts) >= 2 else []
    if not kept:
        return ((fold(joined),),)
    return ((fold(joined), fold(kept[0])), *((fold(p),) for p in kept[1:]))


def exact_postings(text: str, field_boost: float = 1.0) -> list[Posting]:
    """The postings of `text` in the `exact` field (frequencies, no positions): each word, and each pair of
    words at consecutive positions (`BigramFilter`), in the order Whoosh's `Frequency` format gives them."""
    counts: dict[str, int] = {}
    get = counts.get
    previous: tuple[str, ...] = ()
    for match in _WORDS.finditer(text):
        for words in exact_word_analysis(match.group()):
            for word in words:
                counts[word] = get(word, 0) + 1
                for before in previous:
                    pair = f"{before} {word}"
                    counts[pair] = get(pair, 0) + 1
            previous = words
    return [(term.encode("utf-8"), n, float(n) * field_boost, pack_uint(n)) for term, n in counts.items()]


def french_postings(text: str, positions: Positions) -> list[Posting]:
    """The postings of `text` in a field of the French analyser (`french_analyzer`) stored with `positions`:
    each term with its positions (`FrenchFilter`), and « =acronyme » where an acronym's expansion is written out,
    at its first word (`ExpansionMarkFilter`), in the order Whoosh's `Positions` format gives them."""
    poses: dict[str, list[int]] = {}
    marks = _ExpansionMarks(poses)
    pos: int | None = None
    for raw_pos, match in enumerate(_WORDS.finditer(text)):
        analysis = word_analysis(match.group())
        if not analysis:
            continue
        if pos is None:
            pos = raw_pos  # as the chain numbers them: from the first kept token's own position
        for offset, forms in enumerate(analysis):
            at = pos + offset
            for number, form in enumerate(forms):
                found = poses.get(form)
                if found is None:
                    poses[form] = [at]
                else:
                    found.append(at)
                if number == 0:  # the primary form at a new position
                    marks.word(at, form)
        pos += len(analysis)
    boost = positions.field_boost
    encode = positions.encode
    return [(term.encode("utf-8"), len(at), float(len(at)) * boost, encode(at)) for term, at in poses.items()]


class _ExpansionMarks:
    """`ExpansionMarkFilter` over the primary form of each position: « =acronyme » added to `poses` at the
    first word of each written-out expansion, when its last word comes."""

    def __init__(self, poses: dict[str, list[int]]) -> None:
        self.poses = poses
        self.ends, self.longest = expansion_ends()
        self.recent: list[tuple[int, str]] = []  # (position, primary form) of the last words

    def word(self, at: int, form: str) -> None:
        recent = self.recent
        recent.append((at, form))
        if len(recent) > self.longest:
            del recent[0]
        for terms, acronym in self.ends.get(form, ()):
            n = len(terms)
            window = recent[-n:]
            together = len(window) == n and window[-1][0] - window[0][0] == n - 1
            if together and tuple(term for _pos, term in window) == terms:
                self.poses.setdefault(EXPANSION_MARK + acronym, []).append(window[0][0])


@lru_cache(maxsize=200_000)
def spelling_word(raw: str) -> str | None:
    """The `spell` term of one token (`spelling_analyzer` after its tokenizer: lowercase, stop words of three
    letters or more compared folded, accent folding), or None when it is dropped."""
    text = raw.lower()
    if len(text) < 3 and not text.isdigit():
        return None
    folded = fold(text)
    return None if folded in stop_words() else folded


def spelling_postings(text: str, field_boost: float = 1.0) -> list[Posting]:
    """The postings of `text` in the `spell` field (frequencies), in the order Whoosh's `Frequency` format gives
    them."""
    counts: dict[str, int] = {}
    get = counts.get
    for raw in _SPELLING_WORDS.findall(text):
        word = spelling_word(raw)
        if word is not None:
            counts[word] = get(word, 0) + 1
    return [(term.encode("utf-8"), n, float(n) * field_boost, pack_uint(n)) for term, n in counts.items()]
