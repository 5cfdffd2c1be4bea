"""The evaluator: which records a query matches, and their BM25F scores, as Whoosh would give them.

Whoosh evaluates a query one document at a time through a tree of matchers, a Python method call per
document per node, and the engine's queries are wide (each word is an OR of four fields and two stemming
forms). Here each term's posting list is read once per index generation, a block at a time, into two numpy
arrays (record numbers and BM25F scores, computed with Whoosh's own scorer constants), kept in a bounded
cache (`search_app.term_cache`); a query is then a few set operations on sorted arrays. The scores are
Whoosh's (the tests compare them on every benchmark query).

Supported: every node `search_app.query` builds — Term, Or, And, AndMaybe, AndNot, DisjunctionMax (without
tie-break), Phrase (its score the sum of its words' scores, as Whoosh's span queries give), Every and NullQuery,
with their boosts. Anything else
raises `Unsupported`: a query builder that emits a new node type must teach it to this module first.
"""

from __future__ import annotations

import logging
from itertools import accumulate
from types import SimpleNamespace
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.compat import loads
from whoosh.system import _INT_SIZE

from search_app.postings import EMPTY, Postings, among, and_maybe, best_of, intersection, union
from search_app.term_cache import TermCache
from search_app.whoosh_postings import (
    DecodedBlock,
    Found,
    block_index,
    field_lengths,
    leaf_arrays,
    leaf_matcher,
    postings_at,
    read_block,
)

logger = logging.getLogger(__name__)

# A term asked for at given records is read whole (and kept) rather than skipped to them when it has at most
# this many postings per record asked for: reading every block then costs about what skipping to them would.
WHOLE_READ_RATIO = 8


def _positions(value: bytes) -> list[int]:
    """The positions of one posting value of Whoosh's `Positions` format (a length, then pickled deltas
    without the pickle's stop)."""
    if not value.endswith(b"."):
        value += b"."
    return list(accumulate(loads(value[_INT_SIZE:])))


BM25_CONSTANTS = ("idf", "avgfl", "B", "K1")  # what `_bm25` reads of Whoosh's BM25F scorer


def _bm25(scorer: Any, weights: np.ndarray, lengths: np.ndarray | None) -> np.ndarray:
    """Whoosh's BM25F score of term frequencies `weights` in records of field lengths `lengths`, with the
    constants of its `scorer`; without lengths (an unscorable field), Whoosh scores with the weight alone."""
    if lengths is None:
        return weights
    k1, b = scorer.K1, scorer.B
    return scorer.idf * ((weights * (k1 + 1)) / (weights + k1 * ((1 - b) + b * lengths / scorer.avgfl)))


class Unsupported(Exception):
    """A query node this module does not evaluate."""


def _check_max(q: wq.DisjunctionMax) -> None:
    if q.tiebreak:
        raise Unsupported(repr(q))


class Evaluator:
    """Evaluates queries against one searcher (see the module docstring)."""

    def __init__(self, searcher: Any, cache: TermCache, universe: np.ndarray) -> None:
        self.searcher = searcher
        self.cache = cache
        self.universe = universe  # sorted document numbers of the document records (what Every matches)
        self._leaves = list(searcher.leaf_searchers())
        self.whole_read_ratio = WHOLE_READ_RATIO

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
        bm25 = all(hasattr(scorer, a) for a in BM25_CONSTANTS)
        ids_parts: list[np.ndarray] = []
        score_parts: list[np.ndarray] = []
        for leaf, offset in self._leaves:
            reader = leaf.reader()
            if (fieldname, btext) not in reader:
                continue
            local, weights = leaf_arrays(reader.postings(fieldname, btext))
            fl = self._lengths(reader, offset, fieldname)[local] if bm25 else None
            scores = _bm25(scorer, weights, fl)
            ids_parts.append(local + offset)
            score_parts.append(scores)
        if not ids_parts:
            return EMPTY
        return Postings(np.concatenate(ids_parts), np.concatenate(score_parts))

    def documents(self, q: wq.Query) -> Postings:
        """The document records `q` matches (not page records), with their scores."""
        scored = self.of(q)
        keep = np.isin(scored.ids, self.universe, assume_unique=True)
        return Postings(scored.ids[keep], scored.scores[keep])

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
            return and_maybe(self.of(q.a), self.of(q.b)).scaled(boost)
        if isinstance(q, wq.AndNot):
            a = self.of(q.a)
            b = self.of(q.b)
            keep = ~np.isin(a.ids, b.ids, assume_unique=True)
            return Postings(a.ids[keep], a.scores[keep]).scaled(boost)
        if isinstance(q, wq.Or):
            if (q.minmatch and q.minmatch > 1) or getattr(q, "scale", None):
                raise Unsupported(repr(q))
            return union([self.of(s) for s in q.subqueries]).scaled(boost)
        if isinstance(q, wq.And):
            return intersection([self.of(s) for s in q.subqueries]).scaled(boost)
        if isinstance(q, wq.DisjunctionMax):
            _check_max(q)
            return best_of([self.of(s) for s in q.subqueries]).scaled(boost)
        if isinstance(q, wq.Phrase):
            return self._phrase(q).scaled(boost)
        raise Unsupported(type(q).__name__)

    # -----------------------------------------------------------------------------------------------------
    # The same, at given documents only (a few hundred): postings are skipped to them, never read whole.

    def _scoring(self, fieldname: str, btext: bytes) -> tuple[Any, bool] | None:
        """Whoosh's scorer of one term, and whether it is BM25F (`_bm25` reads its constants); None when the
        index lacks the term. Kept per generation: the constants (idf, average length) are the generation's."""

        def compute() -> tuple[Any, bool] | None:
            if (fieldname, btext) not in self.searcher.reader():
                return None
            scorer = self.searcher.weighting.scorer(self.searcher, fieldname, btext)
            if all(hasattr(scorer, a) for a in BM25_CONSTANTS):
                return SimpleNamespace(**{a: getattr(scorer, a) for a in BM25_CONSTANTS}), True
            return None, False  # scored by the weight alone (`_bm25` without lengths)

        return self.cache.scoring((fieldname, btext), compute)

    def _lengths(self, reader: Any, offset: int, fieldname: str) -> np.ndarray:
        key = (offset, fieldname)
        lengths = self.cache.lengths.get(key)
        if lengths is None:
            lengths = field_lengths(reader, fieldname)
            self.cache.lengths[key] = lengths
        return lengths

    def kept_postings(self, fieldname: str, text: str, wanted: int) -> Postings | None:
        """The term's whole postings if the cache holds them, or if they are short enough to read whole for
        `wanted` records (`whole_read_ratio`): then read and kept. None when skipping to the records is cheaper."""
        found = self.cache.get((fieldname, text))
        if found is not None:
            return found
        if fieldname not in self.searcher.schema:
            return EMPTY
        try:
            frequency = self.searcher.doc_frequency(fieldname, self.searcher.schema[fieldname].to_bytes(text))
        except ValueError:
            return EMPTY
        if frequency > self.whole_read_ratio * wanted:
            return None
        return self.term(fieldname, text)

    def term_at(
        self, fieldname: str, text: str | bytes, docs: np.ndarray, positions: bool = False
    ) -> tuple[Postings, list[list[int]]]:
        """The term's postings among `docs` (sorted document numbers) with their BM25F scores, and, when
        asked, each one's positions."""
        if not positions and len(docs):
            whole = self.kept_postings(fieldname, text.decode("utf-8") if isinstance(text, bytes) else text, len(docs))
            if whole is not None:
                return among(whole, docs), []
        searcher = self.searcher
        if fieldname not in searcher.schema or not len(docs):
            return EMPTY, []
        field = searcher.schema[fieldname]
        try:
            btext = field.to_bytes(text.decode("utf-8") if isinstance(text, bytes) else text)
        except ValueError:
            return EMPTY, []
        scoring = self._scoring(fieldname, btext)
        if scoring is None:
            return EMPTY, []
        scorer, bm25 = scoring
        ids: list[np.ndarray] = []
        weights: list[float] = []
        lengths: list[np.ndarray] = []
        found_positions: list[list[int]] = []
        for leaf, offset in self._leaves:
            reader = leaf.reader()
            count = reader.doc_count_all()
            local = docs[(docs >= offset) & (docs < offset + count)] - offset
            if not len(local):
                continue
            found, found_weights, values = self._postings_in(
                reader, (offset, fieldname, btext), local.tolist(), positions
            )
            if not found:
                continue
            found_ids = np.array(found, dtype=np.int64)
            ids.append(found_ids + offset)
            weights += found_weights
            if bm25:
                lengths.append(self._lengths(reader, offset, fieldname)[found_ids])
            if positions:
                found_positions += [_positions(value) for value in values]
        if not ids:
            return EMPTY, []
        fl = np.concatenate(lengths) if bm25 else None
        scores = _bm25(scorer, np.array(weights, dtype=np.float64), fl)
        return Postings(np.concatenate(ids), scores), found_positions

    def _postings_in(self, reader: Any, key: tuple[int, str, bytes], docs: list[int], values: bool) -> Found:
        """`postings_at` in one segment (`key`: its offset, the field, the term): with the term's block index,
        each block decoded once per generation (`TermCache.decoded_block`), the matcher opened only to read one."""
        _offset, fieldname, btext = key
        blocks = self.cache.known_block_index(key)
        matcher = None
        if blocks is None:
            if (fieldname, btext) not in reader:
                return [], [], []
            matcher = leaf_matcher(reader.postings(fieldname, btext))
            if not isinstance(matcher, W3LeafMatcher):
                return postings_at(matcher, docs, values, None)
            blocks = self.cache.block_index(key, lambda m=matcher: block_index(m))
        starts = blocks[1]

        def read(b: int) -> DecodedBlock:
            nonlocal matcher
            if matcher is None:
                matcher = leaf_matcher(reader.postings(fieldname, btext))
            return read_block(matcher, starts[b])

        def block_at(b: int) -> DecodedBlock:
            return self.cache.decoded_block((*key, b), lambda: read(b))

        return postings_at(matcher, docs, values, blocks, block_at)

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
            return and_maybe(self.at(q.a, docs), self.at(q.b, docs)).scaled(boost)
        if isinstance(q, wq.AndNot):
            a = self.at(q.a, docs)
            b = self.at(q.b, a.ids)
            keep = ~np.isin(a.ids, b.ids, assume_unique=True)
            return Postings(a.ids[keep], a.scores[keep]).scaled(boost)
        if isinstance(q, wq.Or):
            if (q.minmatch and q.minmatch > 1) or getattr(q, "scale", None):
                raise Unsupported(repr(q))
            return union([self.at(s, docs) for s in q.subqueries]).scaled(boost)
        if isinstance(q, wq.And):
            out = docs
            parts = []
            for sub in q.subqueries:
                part = self.at(sub, out)
                parts.append(part)
                out = part.ids
                if not len(out):
                    return EMPTY
            return intersection(parts).scaled(boost)
        if isinstance(q, wq.DisjunctionMax):
            _check_max(q)
            return best_of([self.at(s, docs) for s in q.subqueries]).scaled(boost)
        if isinstance(q, wq.Phrase):
            return self.near_at(q.fieldname, list(q.words), q.slop, docs).scaled(boost)
        raise Unsupported(type(q).__name__)

    def near_at(self, fieldname: str, words: list[str], slop: int, docs: np.ndarray) -> Postings:
        """The documents of `docs` where `words` stand in order, each at most `slop` positions after the
        previous one (Whoosh's `Phrase` and its `SpanNear2` with `mindist=1`), scored as Whoosh scores them:
        the sum of the words' scores."""
        return self.runs_at(fieldname, words, slop, docs)[0]

    def runs_at(self, fieldname: str, words: list[str], slop: int, docs: np.ndarray) -> tuple[Postings, np.ndarray]:
        """`near_at`'s documents and scores, and for each of them how many times the least repeated of `words`
        occurs in the field (read with the positions, at no extra cost)."""
        candidates = docs
        for word in words:  # positions are read only where every word stands
            whole = self.kept_postings(fieldname, word, len(candidates))
            if whole is not None:
                candidates = among(whole, candidates).ids
                if not len(candidates):
                    return EMPTY, np.empty(0, dtype=np.int64)
        found: list[tuple[Postings, list[list[int]]]] = []
        for word in words:
            postings, positions = self.term_at(fieldname, word, candidates, positions=True)
            if not len(postings):
                return EMPTY, np.empty(0, dtype=np.int64)
            found.append((postings, positions))
            candidates = postings.ids
        keep_ids: list[int] = []
        keep_scores: list[float] = []
        keep_fewest: list[int] = []
        rows = [dict(zip(postings.ids.tolist(), range(len(postings)), strict=True)) for postings, _ in found]
        scores = [postings.scores.tolist() for postings, _ in found]
        steps = range(1, slop + 1)
        for docnum in candidates.tolist():
            total = 0.0
            fewest = 0
            reach: set[int] | None = None
            for (_postings, positions), row, score in zip(found, rows, scores, strict=True):
                j = row[docnum]
                total += score[j]
                fewest = len(positions[j]) if reach is None else min(fewest, len(positions[j]))
                if reach is None:
                    reach = set(positions[j])
                else:  # the positions of this word that follow one where the words before it stand in order
                    reach = {p + k for p in reach for k in steps}.intersection(positions[j])
                if not reach:
                    break
            if reach:
                keep_ids.append(docnum)
                keep_scores.append(total)
                keep_fewest.append(fewest)
        if not keep_ids:
            return EMPTY, np.empty(0, dtype=np.int64)
        found_ids = np.array(keep_ids, dtype=np.int64)
        return Postings(found_ids, np.array(keep_scores)), np.array(keep_fewest, dtype=np.int64)

    def _phrase(self, q: wq.Phrase) -> Postings:
        words = intersection([self.term(q.fieldname, w) for w in q.words])
        if not len(words):
            return EMPTY
        if len(q.words) == 1:
            return words
        return self.near_at(q.fieldname, list(q.words), q.slop, words.ids)
