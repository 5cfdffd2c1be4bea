"""French analysis: one analyser chain for indexing and querying, and the acronym table.

The chain (`french_analyzer`) is::

    WORD_PATTERN tokenizer | lowercase | elisions | stop words (compared accent-folded)
        | hyphenated compounds | stem + accent folding

At index time the last two stages emit extra tokens at the same position: the parts of a compound and the
joined word (« socio-économique » → socio, economique, socioeconomique), and for each word both
``fold(stem(w))`` and ``stem(fold(w))`` so that accented and unaccented spellings meet whatever the
stemmer makes of the accents (« mobilités » and « mobilite »). At query time each word gives exactly one
token: the joined compound, ``fold(stem(w))``. Whoosh tells the filters which mode they run in.

The classes live here, at module level, because Whoosh pickles the schema (and so the analyser) into the
index: keep their names and import path stable, and keep them free of unpicklable attributes.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from functools import cache, lru_cache
from itertools import pairwise

from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, Token

from indexer.vocab import acronyms, derivations
from indexer.words import (
    WORD_PATTERN,
    elision_length,
    fold,
    index_forms,
    query_form,
    stop_words,
    without_elision,
    word_analysis,
    word_query_term,
)

logger = logging.getLogger(__name__)


class ElisionFilter(Filter):
    """Removes French elisions (l’, d’, qu’, jusqu’…) written with ' or ’; other apostrophes are dropped."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            text = t.text
            if "'" in text or "’" in text:
                if t.chars:
                    t.startchar += elision_length(text)
                t.text = without_elision(text)
            yield t


class FoldedStopFilter(Filter):
    """Drops stop words, compared accent-folded, and renumbers positions (one token per position here)."""

    def __init__(self, minsize: int = 2) -> None:
        self.minsize = minsize

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FoldedStopFilter) and other.minsize == self.minsize

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        stops = stop_words()
        pos = None
        for t in tokens:
            text = t.text
            if len(text) < self.minsize and not text.isdigit():
                continue
            if fold(text) in stops:
                continue
            if t.positions:
                pos = t.pos if pos is None else pos + 1
                t.pos = pos
            yield t


class CompoundFilter(Filter):
    """Hyphenated compounds: indexed by their parts and as one word; queried as one word."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        shift = 0
        stops = stop_words()
        for t in tokens:
            if t.positions:
                t.pos += shift
            text = t.text
            if "-" not in text and "‐" not in text:
                yield t
                continue
            parts = [p for p in re.split(r"[-‐]+", text) if p]
            joined = "".join(parts)
            if t.mode == "query" or len(parts) < 2:
                t.text = joined
                yield t
                continue
            kept = [p for p in parts if len(p) >= 2 and fold(p) not in stops]
            start, end = (t.startchar, t.endchar) if t.chars else (0, 0)
            base = t.pos if t.positions else 0
            t.text = joined
            yield t
            for i, part in enumerate(kept):
                t.text = part
                if t.positions:
                    t.pos = base + i
                yield t
            if t.chars:
                t.startchar, t.endchar = start, end
            if kept:
                shift += len(kept) - 1


class StemFoldFilter(Filter):
    """Stemming and accent folding; see `index_forms` and `query_form`."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            if t.mode == "query":
                t.text = query_form(t.text)
                yield t
                continue
            for form in index_forms(t.text):
                t.text = form
                yield t


class FoldFilter(Filter):
    """Accent folding only (for the spelling field)."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            t.text = fold(t.text)
            yield t


def french_chain():  # type: ignore[no-untyped-def]
    """The French chain as its small stages (the reference that `FrenchFilter` must agree with)."""
    return (
        RegexTokenizer(WORD_PATTERN)
        | LowercaseFilter()
        | ElisionFilter()
        | FoldedStopFilter()
        | CompoundFilter()
        | StemFoldFilter()
        | ExpansionMarkFilter()
    )


class FrenchFilter(Filter):
    """The French chain after the tokenizer, fused (see `word_analysis`); positions as the chain numbers them."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        pos: int | None = None  # as the chain numbers them: from the first kept token's own position
        for t in tokens:
            if t.mode == "query":
                term = word_query_term(t.text)
                if term is None:
                    continue
                pos = (t.pos if t.positions else 0) if pos is None else pos
                t.text = term
                if t.positions:
                    t.pos = pos
                pos += 1
                yield t
                continue
            analysis = word_analysis(t.text)
            if not analysis:
                continue
            pos = (t.pos if t.positions else 0) if pos is None else pos
            for offset, forms in enumerate(analysis):
                for form in forms:
                    t.text = form
                    if t.positions:
                        t.pos = pos + offset
                    yield t
            pos += len(analysis)


# Prefix of the term that marks where an acronym's expansion is written out (« =qpv » at « quartier
# prioritaire de la politique de la ville »): no word starts with « = ».
EXPANSION_MARK = "="


@cache
def expansion_ends() -> tuple[dict[str, list[tuple[tuple[str, ...], str]]], int]:
    """Last term of an expansion → (its terms, its acronym); and the longest expansion, in terms."""
    ends: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for terms, acronym in expansion_acronyms().items():
        ends.setdefault(terms[-1], []).append((terms, acronym))
    return ends, max((len(t) for t in expansion_acronyms()), default=0)


class ExpansionMarkFilter(Filter):
    """At index time, marks each written-out acronym expansion with the term « =acronyme » at its first
    word. A search for « QPV » then finds the documents that spell it out through one posting list,
    instead of a phrase query whose positions must be compared in every document with those four common
    words (most of a politique de la ville corpus)."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        ends: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        longest = 0
        recent: list[tuple[int, str]] = []  # (position, primary form) of the last words
        last_pos: int | None = None
        for t in tokens:
            yield t
            if t.mode == "query" or not t.positions or t.pos == last_pos:
                continue  # (query mode must not look the vocabulary up: analysing it is a query)
            if not longest:
                ends, longest = expansion_ends()
            last_pos = t.pos
            recent.append((t.pos, t.text))  # the first form at a position is the primary one
            if len(recent) > longest:
                del recent[0]
            for terms, acronym in ends.get(t.text, ()):
                n = len(terms)
                window = recent[-n:]
                together = len(window) == n and window[-1][0] - window[0][0] == n - 1
                if together and tuple(term for _pos, term in window) == terms:
                    text, pos = t.text, t.pos
                    t.text, t.pos = EXPANSION_MARK + acronym, window[0][0]
                    yield t
                    t.text, t.pos = text, pos


def french_analyzer():  # type: ignore[no-untyped-def]
    """The French analyser, for indexing (mode "index") and querying (mode "query")."""
    return RegexTokenizer(WORD_PATTERN) | FrenchFilter() | ExpansionMarkFilter()


class BigramFilter(Filter):
    """At index time, each word and each pair of consecutive words (« politique de », « de la »…).

    The exact field keeps no positions: a quoted phrase is the AND of its word pairs (see `exact_terms`),
    found by intersecting posting lists instead of comparing positions. Positions made quoted phrases of
    common words slow (« "politique de la ville" » read the positions of « de » and « la » in nearly every
    document) and cost a third of the index's writing time. The one approximation: a phrase of three words
    or more also matches a text that has all its pairs but never in one run, which French prose hardly does.
    """

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        previous: list[str] = []  # the words at the previous position (a compound has two)
        current: list[str] = []
        current_pos: int | None = None
        for t in tokens:
            if t.mode == "query" or not t.positions:
                yield t
                continue
            if t.pos != current_pos:
                previous = current if current_pos is not None and t.pos == current_pos + 1 else []
                current, current_pos = [], t.pos
            word = t.text
            current.append(word)
            yield t
            for before in previous:
                t.text = f"{before} {word}"
                yield t
            t.text = word


def exact_analyzer():  # type: ignore[no-untyped-def]
    """Words as written, lowercase and accent-folded, elisions removed, nothing stopped or stemmed, and the
    pairs of consecutive words (see `BigramFilter`).

    For quoted phrases: « "Habiter avec" » must not become the single stem « habit ».
    """
    return (
        _PositionsTokenizer(WORD_PATTERN)
        | LowercaseFilter()
        | ElisionFilter()
        | CompoundFilter()
        | FoldFilter()
        | BigramFilter()
    )


class _PositionsTokenizer(RegexTokenizer):
    """Numbers the words even for a field that stores no positions (`BigramFilter` pairs them by position)."""

    def __call__(self, value: str, positions: bool = False, **kwargs: object) -> Iterator[Token]:
        return super().__call__(value, positions=True, **kwargs)


def exact_terms(words: list[str]) -> list[str]:
    """The exact-field terms a quoted phrase must all have: its word, or its pairs of consecutive words."""
    if len(words) <= 1:
        return list(words)
    return list(dict.fromkeys(f"{a} {b}" for a, b in pairwise(words)))


def exact_chain_words(text: str) -> list[str]:
    """`exact_words` through the chain of small stages (the reference it must agree with)."""
    return [t.text for t in _exact()(text, mode="query")]


@lru_cache(maxsize=1)
def _exact():  # type: ignore[no-untyped-def]
    return exact_analyzer()


# The words of the spelling field: letters only, three or more.
SPELLING_PATTERN = r"[^\W\d_]{3,}"


def spelling_analyzer():  # type: ignore[no-untyped-def]
    """Unstemmed, folded words of at least three letters, for « Vouliez-vous dire ».

    Compounds are split (no joined form) so that suggestions are real words.
    """
    return RegexTokenizer(SPELLING_PATTERN) | LowercaseFilter() | FoldedStopFilter(minsize=3) | FoldFilter()


def analyse(text: str, mode: str = "query") -> list[str]:
    """The terms the chain produces for `text` (a convenience for tests and the query builder)."""
    return [t.text for t in _analyzer()(text, mode=mode)]


@lru_cache(maxsize=1)
def _analyzer():  # type: ignore[no-untyped-def]
    return french_analyzer()


@lru_cache(maxsize=1)
def _word_analyzer():  # type: ignore[no-untyped-def]
    return RegexTokenizer(WORD_PATTERN) | LowercaseFilter() | ElisionFilter() | FoldedStopFilter()


def surface_words(text: str) -> list[str]:
    """The words of `text` as the chain sees them before compounds and stemming (lowercase, no elision)."""
    return [t.text for t in _word_analyzer()(text)]


# ---------------------------------------------------------------------------------------------------------
# Acronyms


@cache
def acronym_expansions() -> dict[str, tuple[str, ...]]:
    """Acronym (lowercase) → query terms of its expansion."""
    return {a.acronym.lower(): tuple(analyse(a.expansion)) for a in acronyms()}


@cache
def derived_terms() -> dict[str, tuple[str, ...]]:
    """Query term of a verb → the terms of nouns of its family that the stemmer does not join to it
    (« prévenir » → « prévention »), from `indexer/data/derivations.tsv`. One way only: documents are written
    in nouns, and the reverse would make « formation » find « forme »."""
    out: dict[str, tuple[str, ...]] = {}
    for verb_word, noun_words in derivations():
        verb = query_form(verb_word)
        nouns = [query_form(n) for n in noun_words]
        out[verb] = tuple(dict.fromkeys(n for n in nouns if n != verb))
    return out


@cache
def expansion_acronyms() -> dict[tuple[str, ...], str]:
    """Query terms of an expansion → the acronym (lowercase); the reverse of `acronym_expansions`."""
    return {terms: key for key, terms in acronym_expansions().items() if len(terms) >= 2}
