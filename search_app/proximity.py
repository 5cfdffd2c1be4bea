"""The proximity bonus by how often the typed words stand together, not by whether they do once.

Whoosh's `Phrase` (and `Evaluator.near_at`, which reproduces it) scores a document where the words stand in
order at least once by the sum of the words' scores over the whole field: one passing mention of « défraiement
des conseillers citoyens » in a long report about something else earns the bonus of every « conseillers » and
« citoyens » of the report. Here the run of words is scored as one term: its frequency is the number of places
where the words stand in order (each at most `slop` positions after the previous one), saturated and
normalised by the field's length as BM25F does for a word, and weighed by the words' rarity (the sum of their
idf, as the sum of their scores weighs them in `near_at`).
"""

from __future__ import annotations

import logging

import numpy as np

from search_app.evaluate import Evaluator
from search_app.postings import EMPTY, Postings

logger = logging.getLogger(__name__)


def chain_counts(position_lists: list[list[int]], slop: int) -> int:
    """How many times words with these positions (one list per word, in the query's order) stand in order,
    each at most `slop` positions after the previous one: the number of positions of the last word that end
    such a run."""
    reach: set[int] | None = None
    steps = range(1, slop + 1)
    for positions in position_lists:
        if reach is None:
            reach = set(positions)
        else:
            reach = {p + k for p in reach for k in steps}.intersection(positions)
        if not reach:
            return 0
    return len(reach or ())


def adjacency_at(evaluator: Evaluator, fieldname: str, words: list[str], slop: int, docs: np.ndarray) -> Postings:
    """The documents of `docs` (sorted) where `words` stand in order in `fieldname`, each scored by the BM25F
    score of the run as one term: its count there, with the words' summed idf as its rarity."""
    searcher = evaluator.searcher
    if fieldname not in searcher.schema or not len(docs):
        return EMPTY
    field = searcher.schema[fieldname]
    candidates = docs
    found: list[tuple[Postings, list[list[int]]]] = []
    idf = 0.0
    scorer = None
    for word in words:
        postings, positions = evaluator.term_at(fieldname, word, candidates, positions=True)
        if not len(postings):
            return EMPTY
        found.append((postings, positions))
        candidates = postings.ids
        scorer = searcher.weighting.scorer(searcher, fieldname, field.to_bytes(word))
        idf += getattr(scorer, "idf", 1.0)
    ids: list[int] = []
    counts: list[int] = []
    rows = [dict(zip(p.ids.tolist(), range(len(p)), strict=True)) for p, _ in found]
    for docnum in candidates.tolist():
        count = chain_counts([positions[row[docnum]] for (_p, positions), row in zip(found, rows, strict=True)], slop)
        if count:
            ids.append(docnum)
            counts.append(count)
    if not ids:
        return EMPTY
    tf = np.array(counts, dtype=np.float64)
    if scorer is None or not all(hasattr(scorer, a) for a in ("avgfl", "B", "K1")):
        return Postings(np.array(ids, dtype=np.int64), idf * tf)
    reader = searcher.reader()
    lengths = np.array([reader.doc_field_length(d, fieldname, 1) for d in ids], dtype=np.float64)
    from search_app import tuning

    k1, b = scorer.K1, scorer.B * tuning.TUNING.proximity_b_scale
    saturated = tf * (k1 + 1) / (tf + k1 * ((1 - b) + b * lengths / scorer.avgfl))
    return Postings(np.array(ids, dtype=np.int64), idf * saturated)


def pair_adjacency_at(evaluator: Evaluator, fieldname: str, words: list[str], slop: int, docs: np.ndarray) -> Postings:
    """EXPERIMENT: each pair of consecutive words scored as one term (`adjacency_at`), summed; scaled so that
    n words whose pairs all stand together c times score as the whole run c times would."""
    n = len(words)
    parts = [adjacency_at(evaluator, fieldname, words[i : i + 2], slop, docs) for i in range(n - 1)]
    from search_app.postings import union

    return union(parts).scaled(n / (2 * (n - 1)))
