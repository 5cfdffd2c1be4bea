"""Postings: sorted record numbers with a score each, and the set operations of query evaluation on them."""

from __future__ import annotations

import numpy as np

_EMPTY_IDS = np.empty(0, dtype=np.int64)
_EMPTY_SCORES = np.empty(0, dtype=np.float64)


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


def among(postings: Postings, docs: np.ndarray) -> Postings:
    """The postings of the documents of `docs` (sorted, unique)."""
    if not len(postings) or not len(docs):
        return EMPTY
    at = np.searchsorted(postings.ids, docs)
    at[at >= len(postings.ids)] = 0
    hit = postings.ids[at] == docs
    return Postings(docs[hit], postings.scores[at[hit]])


def union(parts: list[Postings]) -> Postings:
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


def best_of(parts: list[Postings]) -> Postings:
    """The documents of any part, each with its best score (a disjunction that does not add up)."""
    parts = [p for p in parts if len(p)]
    if len(parts) <= 1:
        return parts[0] if parts else EMPTY
    ids = np.concatenate([p.ids for p in parts])
    scores = np.concatenate([p.scores for p in parts])
    unique, inverse = np.unique(ids, return_inverse=True)
    best = np.full(len(unique), -np.inf)
    np.maximum.at(best, inverse, scores)
    return Postings(unique, best)


def intersection(parts: list[Postings]) -> Postings:
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


def and_maybe(a: Postings, b: Postings) -> Postings:
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


def with_bonus(scored: Postings, bonus: Postings, weight: float) -> Postings:
    """`scored` with `weight` × the scores of `bonus` added where it has them (`bonus` ⊆ `scored`)."""
    if not len(bonus):
        return scored
    positions = np.searchsorted(scored.ids, bonus.ids)
    scores = scored.scores.copy()
    scores[positions] += weight * bonus.scores
    return Postings(scored.ids, scores)


def with_factor(scored: Postings, factor: Postings) -> Postings:
    """`scored` times `factor` where `factor` has a value (unchanged elsewhere)."""
    keep = np.isin(scored.ids, factor.ids, assume_unique=True)
    scores = scored.scores.copy()
    scores[keep] *= factor.scores[np.searchsorted(factor.ids, scored.ids[keep])]
    return Postings(scored.ids, scores)
