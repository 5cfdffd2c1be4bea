"""Vectorised evaluation of the engine's queries: which documents match, and their BM25F scores.

Whoosh evaluates a query one document at a time through a tree of matchers, a Python method call per
document per node, and the engine's queries are wide (each word is an OR of four fields and two stemming
forms). At 10,000 documents a common word cost hundreds of milliseconds. Here each term's posting list is
read once per index generation, a block at a time, into two numpy arrays (document numbers and BM25F
scores, computed with Whoosh's own scorer constants), kept in a bounded cache; a query is then a few set
operations on sorted arrays. The scores are Whoosh's (the tests compare them on every benchmark query).

Supported: Term, Or, And, AndMaybe, AndNot, Phrase (its documents found by Whoosh among those that have all
its words, its score the sum of its words' scores, as Whoosh's span queries give), Every and NullQuery, with
the boosts of every node. Anything else raises `Unsupported`, and the caller falls back to Whoosh.
"""

from __future__ import annotations

import logging
import threading
from bisect import bisect_left
from collections import OrderedDict
from itertools import accumulate
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.compat import loads
from whoosh.system import _INT_SIZE
from whoosh.util.numeric import byte_to_length

logger = logging.getLogger(__name__)

# Postings kept in the cache (16 bytes each: a document number and a score): at least this many, and
# CACHE_POSTINGS_PER_RECORD per record of the index, so that a large index keeps its common terms (at 100,000
# documents and their pages: about 14 million postings, 220 MB at most).
CACHE_POSTINGS = 8_000_000
CACHE_POSTINGS_PER_RECORD = 64


def cache_size_for(records: int) -> int:
    """The term cache's bound for an index of `records` records (documents and pages)."""
    return max(CACHE_POSTINGS, CACHE_POSTINGS_PER_RECORD * records)


MAX_BLOCK_INDEXES = 20_000  # terms whose block index is kept

_EMPTY_IDS = np.empty(0, dtype=np.int64)
_EMPTY_SCORES = np.empty(0, dtype=np.float64)
_BYTE_TO_LENGTH = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)
_BYTE_TO_LENGTH[0] = 1.0  # Whoosh's scorer asks for the length with a default of 1


class Unsupported(Exception):
    """A query node this module does not evaluate."""


class Postings:
    """Sorted document numbers with a score each."""

    __slots__ = ("ids", "scores")

    def __init__(self, ids: np.ndarray, scores: np.ndarray) -> None:
        self.ids = ids
        self.scores = scores

    def __len__(self) -> int:
        return len(self.ids)

    def scaled(self, factor: float) -> Postings:
        return self if factor == 1.0 else Postings(self.ids, self.scores * factor)


EMPTY = Postings(_EMPTY_IDS, _EMPTY_SCORES)


class TermCache:
    """(field, term) → Postings for one index generation, bounded in total postings; thread-safe."""

    def __init__(self, max_postings: int = CACHE_POSTINGS) -> None:
        self.max_postings = max_postings
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple[str, str], Postings] = OrderedDict()
        self._size = 0
        self.lengths: dict[tuple[int, str], np.ndarray] = {}  # (segment offset, field) → record lengths
        # (segment offset, field, term) → block index (see `_block_index`): small, a few numbers per block
        self.blocks: dict[tuple[int, str, bytes], tuple[list[int], list[int]]] = {}

    def get(self, key: tuple[str, str]) -> Postings | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: tuple[str, str], value: Postings) -> None:
        with self._lock:
            if key in self._items:
                return
            self._items[key] = value
            self._size += len(value)
            while self._size > self.max_postings and len(self._items) > 1:
                _key, dropped = self._items.popitem(last=False)
                self._size -= len(dropped)


def _field_lengths(leaf_reader: Any, fieldname: str) -> np.ndarray:
    """Every record's length of one field in one segment, as Whoosh's scorer sees it (quantised)."""
    count = leaf_reader.doc_count_all()
    out = np.ones(count, dtype=np.float64)
    perdoc = getattr(leaf_reader, "_perdoc", None)
    column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN) if perdoc is not None else None
    if column is None:
        return out
    raw = column._dbfile.get(column._basepos, column._count * column._fixedlen) if column._count else b""
    stored = np.frombuffer(raw, dtype=np.uint8)[:count]
    out[: len(stored)] = _BYTE_TO_LENGTH[stored]
    return out


def _leaf_arrays(matcher: Any) -> tuple[np.ndarray, np.ndarray]:
    """Document numbers and weights (term frequencies) of a fresh leaf matcher, block by block."""
    inner = matcher
    while not isinstance(inner, W3LeafMatcher) and hasattr(inner, "child"):
        inner = inner.child  # a deletion filter: deleted records are dropped by the caller's document set
    if not isinstance(inner, W3LeafMatcher):
        ids, weights = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
        return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float64)
    id_blocks: list[np.ndarray] = []
    weight_blocks: list[np.ndarray] = []
    while inner.is_active():
        if inner._data is None:
            inner._read_data()
        raw_ids = inner._data[0]
        if inner._byteids:
            block_ids = np.asarray(raw_ids, dtype=np.int64)
        else:
            block_ids = np.cumsum(np.asarray(raw_ids, dtype=np.int64))
        id_blocks.append(block_ids)
        raw_weights = inner._data[1]
        if raw_weights is None:
            weight_blocks.append(np.ones(len(block_ids)))
        elif isinstance(raw_weights, float | int):
            weight_blocks.append(np.full(len(block_ids), float(raw_weights)))
        else:
            weight_blocks.append(np.asarray(raw_weights, dtype=np.float64))
        inner._next_block()
    if not id_blocks:
        return _EMPTY_IDS, _EMPTY_SCORES
    return np.concatenate(id_blocks), np.concatenate(weight_blocks)


def _block_index(matcher: W3LeafMatcher) -> tuple[list[int], list[int]]:
    """The last document number and the file position of every block of a fresh leaf matcher (Whoosh keeps
    no skip list: reaching a block means reading every block header before it)."""
    maxids: list[int] = []
    starts: list[int] = []
    position = matcher._baseoffset
    while matcher.is_active():
        maxids.append(matcher._maxid)
        starts.append(position)
        position = matcher._nextoffset
        matcher._next_block()
    return maxids, starts


def _postings_at(
    matcher: Any, docs: list[int], values: bool, blocks: tuple[list[int], list[int]] | None
) -> list[tuple[int, float, Any]]:
    """(document, weight, value or None) of the postings of `docs` (sorted, in the matcher's numbering).

    With the term's block index, only the blocks that may hold one of `docs` are read, found by bisection
    on their last document numbers; inside a block the documents are found by bisection too.
    """
    out: list[tuple[int, float, Any]] = []
    if blocks is None or not isinstance(matcher, W3LeafMatcher):
        for d in docs:
            if not matcher.is_active():
                break
            if matcher.id() < d:
                matcher.skip_to(d)
                if not matcher.is_active():
                    break
            if matcher.id() == d:
                out.append((d, matcher.weight(), matcher.value() if values else None))
        return out
    maxids, starts = blocks
    i, count = 0, len(docs)
    while i < count:
        b = bisect_left(maxids, docs[i])
        if b >= len(maxids):
            break
        matcher._goto(starts[b])
        matcher._read_ids()
        block = matcher._ids
        matcher._read_weights()
        if values:
            matcher._read_values()
        maxid = maxids[b]
        while i < count and docs[i] <= maxid:
            j = bisect_left(block, docs[i])
            if j < len(block) and block[j] == docs[i]:
                out.append((docs[i], matcher._weights[j], matcher._values[j] if values else None))
            i += 1
    return out


class Evaluator:
    """Evaluates queries against one searcher (see the module docstring)."""

    def __init__(self, searcher: Any, cache: TermCache, universe: np.ndarray) -> None:
        self.searcher = searcher
        self.cache = cache
        self.universe = universe  # sorted document numbers of the document records (what Every matches)
        self._leaves = list(searcher.leaf_searchers())

    def term(self, fieldname: str, text: str | bytes) -> Postings:
        """The documents with one term and the term's BM25F score in each (boost 1), cached."""
        text = text.decode("utf-8") if isinstance(text, bytes) else text
        key = (fieldname, text)
        found = self.cache.get(key)
        if found is None:
            found = self._read_term(fieldname, text)
            self.cache.put(key, found)
        return found

    def _read_term(self, fieldname: str, text: str) -> Postings:
        searcher = self.searcher
        if fieldname not in searcher.schema:
            return EMPTY
        field = searcher.schema[fieldname]
        try:
            btext = field.to_bytes(text)
        except ValueError:
            return EMPTY
        if (fieldname, btext) not in searcher.reader():
            return EMPTY
        scorer = searcher.weighting.scorer(searcher, fieldname, btext)
        bm25 = all(hasattr(scorer, a) for a in ("idf", "avgfl", "B", "K1"))
        ids_parts: list[np.ndarray] = []
        score_parts: list[np.ndarray] = []
        for leaf, offset in self._leaves:
            reader = leaf.reader()
            if (fieldname, btext) not in reader:
                continue
            local, weights = _leaf_arrays(reader.postings(fieldname, btext))
            if bm25:
                key = (offset, fieldname)  # a segment of this generation (the cache lives as long as it)
                lengths = self.cache.lengths.get(key)
                if lengths is None:
                    lengths = _field_lengths(reader, fieldname)
                    self.cache.lengths[key] = lengths
                fl = lengths[local]
                k1, b = scorer.K1, scorer.B
                scores = scorer.idf * ((weights * (k1 + 1)) / (weights + k1 * ((1 - b) + b * fl / scorer.avgfl)))
            else:  # an unscorable field: Whoosh scores it with the weight alone
                scores = weights
            ids_parts.append(local + offset)
            score_parts.append(scores)
        if not ids_parts:
            return EMPTY
        return Postings(np.concatenate(ids_parts), np.concatenate(score_parts))

    def of(self, q: wq.Query) -> Postings:
        """The documents `q` matches, with the score Whoosh would give each."""
        boost = getattr(q, "boost", 1.0)
        if isinstance(q, wq.Term):
            return self.term(q.fieldname, q.text).scaled(boost)
        if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
            return EMPTY
        if isinstance(q, wq.Every):
            return Postings(self.universe, np.full(len(self.universe), boost))
        if isinstance(q, wq.AndMaybe):
            return _and_maybe(self.of(q.a), self.of(q.b)).scaled(boost)
        if isinstance(q, wq.AndNot):
            a = self.of(q.a)
            b = self.of(q.b)
            keep = ~np.isin(a.ids, b.ids, assume_unique=True)
            return Postings(a.ids[keep], a.scores[keep]).scaled(boost)
        if isinstance(q, wq.Or):
            if (q.minmatch and q.minmatch > 1) or getattr(q, "scale", None):
                raise Unsupported(repr(q))
            return _union([self.of(s) for s in q.subqueries]).scaled(boost)
        if isinstance(q, wq.And):
            return _intersection([self.of(s) for s in q.subqueries]).scaled(boost)
        if isinstance(q, wq.Phrase):
            return self._phrase(q).scaled(boost)
        raise Unsupported(type(q).__name__)

    # -----------------------------------------------------------------------------------------------------
    # The same, at given documents only (a few hundred): postings are skipped to them, never read whole.

    def _scorer(self, fieldname: str, btext: bytes) -> Any:
        return self.searcher.weighting.scorer(self.searcher, fieldname, btext)

    def _lengths(self, reader: Any, offset: int, fieldname: str) -> np.ndarray:
        key = (offset, fieldname)
        lengths = self.cache.lengths.get(key)
        if lengths is None:
            lengths = _field_lengths(reader, fieldname)
            self.cache.lengths[key] = lengths
        return lengths

    def term_at(
        self, fieldname: str, text: str | bytes, docs: np.ndarray, positions: bool = False
    ) -> tuple[Postings, list[list[int]]]:
        """The term's postings among `docs` (sorted document numbers) with their BM25F scores, and, when
        asked, each one's positions."""
        searcher = self.searcher
        if fieldname not in searcher.schema or not len(docs):
            return EMPTY, []
        field = searcher.schema[fieldname]
        try:
            btext = field.to_bytes(text.decode("utf-8") if isinstance(text, bytes) else text)
        except ValueError:
            return EMPTY, []
        if (fieldname, btext) not in searcher.reader():
            return EMPTY, []
        scorer = self._scorer(fieldname, btext)
        bm25 = all(hasattr(scorer, a) for a in ("idf", "avgfl", "B", "K1"))
        ids: list[int] = []
        weights: list[float] = []
        lengths: list[float] = []
        found_positions: list[list[int]] = []
        for leaf, offset in self._leaves:
            reader = leaf.reader()
            count = reader.doc_count_all()
            local = docs[(docs >= offset) & (docs < offset + count)] - offset
            if not len(local) or (fieldname, btext) not in reader:
                continue
            m = reader.postings(fieldname, btext)
            while not isinstance(m, W3LeafMatcher) and hasattr(m, "child"):
                m = m.child  # (the documents asked for are live ones)
            blocks = None
            if isinstance(m, W3LeafMatcher):
                key = (offset, fieldname, btext)
                blocks = self.cache.blocks.get(key)
                if blocks is None:
                    blocks = _block_index(m)
                    if len(self.cache.blocks) >= MAX_BLOCK_INDEXES:
                        self.cache.blocks.clear()  # a bound, not an LRU: rebuilding one costs a walk of headers
                    self.cache.blocks[key] = blocks
            field_lengths = self._lengths(reader, offset, fieldname) if bm25 else None
            for d, weight, value in _postings_at(m, local.tolist(), positions, blocks):
                ids.append(d + offset)
                weights.append(weight)
                if field_lengths is not None:
                    lengths.append(field_lengths[d])
                if positions:
                    if not value.endswith(b"."):
                        value += b"."
                    found_positions.append(list(accumulate(loads(value[_INT_SIZE:]))))
        if not ids:
            return EMPTY, []
        w = np.array(weights, dtype=np.float64)
        if bm25:
            fl = np.array(lengths, dtype=np.float64)
            k1, b = scorer.K1, scorer.B
            scores = scorer.idf * ((w * (k1 + 1)) / (w + k1 * ((1 - b) + b * fl / scorer.avgfl)))
        else:
            scores = w
        return Postings(np.array(ids, dtype=np.int64), scores), found_positions

    def at(self, q: wq.Query, docs: np.ndarray) -> Postings:
        """`of(q)` among `docs` (sorted document numbers), phrases checked by their positions there."""
        boost = getattr(q, "boost", 1.0)
        if isinstance(q, wq.Term):
            return self.term_at(q.fieldname, q.text, docs)[0].scaled(boost)
        if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
            return EMPTY
        if isinstance(q, wq.Every):
            inside = docs[np.isin(docs, self.universe, assume_unique=True)]
            return Postings(inside, np.full(len(inside), boost))
        if isinstance(q, wq.AndMaybe):
            return _and_maybe(self.at(q.a, docs), self.at(q.b, docs)).scaled(boost)
        if isinstance(q, wq.AndNot):
            a = self.at(q.a, docs)
            b = self.at(q.b, a.ids)
            keep = ~np.isin(a.ids, b.ids, assume_unique=True)
            return Postings(a.ids[keep], a.scores[keep]).scaled(boost)
        if isinstance(q, wq.Or):
            if (q.minmatch and q.minmatch > 1) or getattr(q, "scale", None):
                raise Unsupported(repr(q))
            return _union([self.at(s, docs) for s in q.subqueries]).scaled(boost)
        if isinstance(q, wq.And):
            out = docs
            parts = []
            for sub in q.subqueries:
                part = self.at(sub, out)
                parts.append(part)
                out = part.ids
                if not len(out):
                    return EMPTY
            return _intersection(parts).scaled(boost)
        if isinstance(q, wq.Phrase):
            return self.near_at(q.fieldname, list(q.words), q.slop, docs).scaled(boost)
        raise Unsupported(type(q).__name__)

    def near_at(self, fieldname: str, words: list[str], slop: int, docs: np.ndarray) -> Postings:
        """The documents of `docs` where `words` stand in order, each at most `slop` positions after the
        previous one (Whoosh's `Phrase` and its `SpanNear2` with `mindist=1`), scored as Whoosh scores them:
        the sum of the words' scores."""
        candidates = docs
        found: list[tuple[Postings, list[list[int]]]] = []
        for word in words:
            postings, positions = self.term_at(fieldname, word, candidates, positions=True)
            if not len(postings):
                return EMPTY
            found.append((postings, positions))
            candidates = postings.ids
        keep_ids: list[int] = []
        keep_scores: list[float] = []
        for docnum in candidates.tolist():
            total = 0.0
            reach: set[int] | None = None
            for postings, positions in found:
                j = int(np.searchsorted(postings.ids, docnum))
                total += float(postings.scores[j])
                here = positions[j]
                if reach is None:
                    reach = set(here)
                else:
                    reach = {p for p in here if any(p - k in reach for k in range(1, slop + 1))}
                if not reach:
                    break
            if reach:
                keep_ids.append(docnum)
                keep_scores.append(total)
        if not keep_ids:
            return EMPTY
        return Postings(np.array(keep_ids, dtype=np.int64), np.array(keep_scores))

    def _phrase(self, q: wq.Phrase) -> Postings:
        words = _intersection([self.term(q.fieldname, w) for w in q.words])
        if not len(words):
            return EMPTY
        if len(q.words) == 1:
            return words
        return self.near_at(q.fieldname, list(q.words), q.slop, words.ids)


def _union(parts: list[Postings]) -> Postings:
    parts = [p for p in parts if len(p)]
    if not parts:
        return EMPTY
    if len(parts) == 1:
        return parts[0]
    ids = np.concatenate([p.ids for p in parts])
    scores = np.concatenate([p.scores for p in parts])
    size = int(ids.max()) + 1
    if size <= 8 * len(ids):
        # Dense enough: sum by document number directly, without sorting (the same sums, in the same order).
        sums = np.bincount(ids, weights=scores, minlength=size)
        unique = np.flatnonzero(np.bincount(ids, minlength=size))
        return Postings(unique, sums[unique])
    unique, inverse = np.unique(ids, return_inverse=True)
    return Postings(unique, np.bincount(inverse, weights=scores, minlength=len(unique)))


def _intersection(parts: list[Postings]) -> Postings:
    if not parts or any(not len(p) for p in parts):
        return EMPTY
    if len(parts) == 1:
        return parts[0]
    common = parts[0].ids
    for p in sorted(parts[1:], key=len):
        common = np.intersect1d(common, p.ids, assume_unique=True)
        if not len(common):
            return EMPTY
    total = np.zeros(len(common))
    for p in parts:
        total += p.scores[np.searchsorted(p.ids, common)]
    return Postings(common, total)


def _and_maybe(a: Postings, b: Postings) -> Postings:
    if not len(a) or not len(b):
        return a
    positions = np.searchsorted(b.ids, a.ids)
    positions[positions >= len(b.ids)] = 0
    hit = b.ids[positions] == a.ids
    scores = a.scores.copy()
    scores[hit] += b.scores[positions[hit]]
    return Postings(a.ids, scores)


def top(postings: Postings, allowed: np.ndarray, count: int) -> list[tuple[int, float]]:
    """The `count` best (document, score) pairs among the documents of `allowed` (sorted ids), best first;
    equal scores in document order, as Whoosh gives them."""
    keep = np.isin(postings.ids, allowed, assume_unique=True)
    ids, scores = postings.ids[keep], postings.scores[keep]
    if len(ids) > count:
        chosen = np.argpartition(-scores, count - 1)[:count]
        threshold = scores[chosen].min()
        tied = np.flatnonzero(scores >= threshold)  # keep every tie with the last one, then cut in order
        ids, scores = ids[tied], scores[tied]
    order = np.lexsort((ids, -scores))[:count]
    return [(int(ids[i]), float(scores[i])) for i in order]
