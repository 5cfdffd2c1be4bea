"""Postings of a text field computed straight from the text: what Whoosh's `field.index(text)` gives through the
field's analyser, without its token stream.

Whoosh analyses a text through a chain of generators that hand one `Token` object down five or six stages, then
groups the tokens by term; for the `exact` field (words and word pairs, the most terms of the index) that was
the largest part of the analysis done by the extraction workers. Here each distinct word is analysed once
(cached) and the terms are counted in one loop. The results are the same postings, in the same order
(tests/test_field_postings.py compares them with `field.index` on every text of the sample corpus); the chain
itself (`indexer.analysis.exact_analyzer`) stays the reference, and what the writer and queries use.
"""

from __future__ import annotations

import re
from functools import lru_cache

from whoosh.system import pack_uint

from indexer.words import WORD_PATTERN, fold, stop_words, without_elision

# A posting as Whoosh's fields produce it: term bytes, frequency, weight, encoded value.
Posting = tuple[bytes, int, float, bytes | None]

_WORDS = re.compile(WORD_PATTERN)
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
