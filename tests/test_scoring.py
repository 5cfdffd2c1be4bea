"""The vectorised evaluator gives Whoosh's matches and Whoosh's scores, on every benchmark query and a few
syntax cases, and refuses a query node it does not handle."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from whoosh import query as wq

from indexer.records import KIND_DOC
from search_app.evaluate import Evaluator, Unsupported
from search_app.index_handle import IndexHandle
from search_app.postings import Postings, top
from search_app.query import build_page_query, build_query, parse
from search_app.term_cache import TermCache

ROOT = Path(__file__).resolve().parents[1]
QUERIES = [q["q"] for q in json.loads((ROOT / "bench/relevance/queries.json").read_text("utf-8"))["queries"]]
SYNTAX = [
    '"politique de la ville"',
    "« conseil citoyen »",
    "conseils citoyens -Lunel",
    "habitat OU logement",
    "particip*",
    "QPV santé",
    "quartier prioritaire de la politique de la ville",
    "-emploi",
]


@pytest.fixture(scope="module")
def handle(sample_settings):
    h = IndexHandle(sample_settings.index)
    yield h
    h.close()


def _universe(searcher) -> np.ndarray:
    return np.array(sorted(searcher.docs_for_query(wq.Term("kind", KIND_DOC))), dtype=np.int64)


@pytest.mark.parametrize("mode", ["all", "any"])
def test_matches_and_scores_are_whooshs(handle, mode: str) -> None:
    searcher = handle.searcher()
    universe = _universe(searcher)
    documents = set(universe.tolist())  # (`Every` is the document records here, every record for Whoosh)
    evaluator = Evaluator(searcher, TermCache(), universe)
    checked = 0
    for text in QUERIES + SYNTAX:
        q = build_query(parse(text), searcher.reader(), mode, proximity=False)
        results = searcher.search(q, limit=None, optimize=False)
        expected = {hit.docnum: hit.score for hit in results if hit.docnum in documents}
        got = evaluator.of(q)
        assert set(got.ids.tolist()) & documents == set(expected), text
        for docnum, score in zip(got.ids.tolist(), got.scores.tolist(), strict=True):
            if docnum in documents:
                assert score == pytest.approx(expected[docnum], rel=1e-6), (text, docnum)
        checked += bool(expected)
    assert checked > 100


def test_page_queries_too(handle) -> None:
    searcher = handle.searcher()
    evaluator = Evaluator(searcher, TermCache(), _universe(searcher))
    for text in QUERIES[:40]:
        q = build_page_query(parse(text), searcher.reader(), proximity=False)
        expected = {hit.docnum: hit.score for hit in searcher.search(q, limit=None, optimize=False)}
        got = evaluator.of(q)
        assert dict(zip(got.ids.tolist(), got.scores.tolist(), strict=True)) == pytest.approx(expected), text


def test_cache_is_bounded_and_reused(handle) -> None:
    searcher = handle.searcher()
    probe = Evaluator(searcher, TermCache(), _universe(searcher))
    sizes = sorted([len(probe.term("body", "habit")), len(probe.term("body", "emploi"))])
    assert sizes[0] > 1
    cache = TermCache(max_postings=sizes[0] + sizes[1] - 1)  # either fits, not both
    evaluator = Evaluator(searcher, cache, _universe(searcher))
    first = evaluator.term("body", "habit")
    assert evaluator.term("body", "habit") is first
    evaluator.term("body", "emploi")
    assert cache.get(("body", "habit")) is None  # the least recently used went
    assert cache.get(("body", "emploi")) is not None
    tiny = TermCache(max_postings=1)
    Evaluator(searcher, tiny, _universe(searcher)).term("body", "habit")
    assert tiny.get(("body", "habit")) is None  # larger than the whole bound: not kept
    assert evaluator.term("body", "mot-absent-du-corpus").ids.size == 0


def test_top_keeps_ties_in_document_order() -> None:
    postings = Postings(np.array([2, 5, 7, 9, 11]), np.array([1.0, 3.0, 3.0, 0.5, 3.0]))
    assert top(postings, np.array([2, 5, 7, 9, 11]), 2) == [(5, 3.0), (7, 3.0)]
    assert top(postings, np.array([2, 7, 9]), 5) == [(7, 3.0), (2, 1.0), (9, 0.5)]


def test_a_node_it_does_not_handle_is_refused(handle) -> None:
    """Every node the query builder emits is evaluated (the tests above); any other is refused, never guessed."""
    searcher = handle.searcher()
    evaluator = Evaluator(searcher, TermCache(), _universe(searcher))
    with pytest.raises(Unsupported):
        evaluator.of(wq.Or([wq.Term("body", "habit"), wq.Term("body", "emploi")], minmatch=2))
    with pytest.raises(Unsupported):
        evaluator.of(wq.FuzzyTerm("body", "habit"))


def test_evaluation_at_given_records_is_whooshs_there(handle) -> None:
    searcher = handle.searcher()
    evaluator = Evaluator(searcher, TermCache(), _universe(searcher))
    scope = np.arange(0, searcher.doc_count_all(), 3, dtype=np.int64)  # a third of all records
    for text in QUERIES[:60] + SYNTAX[:4]:
        q = build_page_query(parse(text), searcher.reader(), proximity=False)
        results = searcher.search(q, limit=None, optimize=False, filter=set(scope.tolist()))
        expected = {hit.docnum: hit.score for hit in results}
        got = evaluator.at(q, scope)
        assert dict(zip(got.ids.tolist(), got.scores.tolist(), strict=True)) == pytest.approx(expected), text


def test_reading_a_term_whole_or_skipping_to_the_records_scores_alike(handle) -> None:
    """At given records, a term is read whole (and kept) when it is short enough, else skipped to them: both
    give the same records with the same scores, to the last bit, and so do the phrases checked there."""
    searcher = handle.searcher()
    scope = np.arange(0, searcher.doc_count_all(), 2, dtype=np.int64)
    skipping = Evaluator(searcher, TermCache(), _universe(searcher))
    skipping.whole_read_ratio = 0  # never read whole
    whole = Evaluator(searcher, TermCache(), _universe(searcher))
    whole.whole_read_ratio = 1_000_000  # always read whole
    for text in QUERIES[:40] + SYNTAX:
        q = build_page_query(parse(text), searcher.reader(), proximity=True)
        skipped, read = skipping.at(q, scope), whole.at(q, scope)
        assert skipped.ids.tolist() == read.ids.tolist() and skipped.scores.tolist() == read.scores.tolist(), text
    assert not len(skipping.cache._items) and len(whole.cache._items)
    near = 0
    for words in (["conseil", "citoyen"], ["polit", "vill"], ["sant", "mental", "local"], ["claus", "social"]):
        skipped, read = skipping.near_at("page_body", words, 1, scope), whole.near_at("page_body", words, 1, scope)
        assert skipped.ids.tolist() == read.ids.tolist() and skipped.scores.tolist() == read.scores.tolist()
        near += len(read)
    assert near > 10


@pytest.mark.parametrize("slop", [1, 2])
def test_near_at_is_whooshs_phrase(handle, slop: int) -> None:
    searcher = handle.searcher()
    evaluator = Evaluator(searcher, TermCache(), _universe(searcher))
    everything = np.arange(searcher.doc_count_all(), dtype=np.int64)
    checked = 0
    for words in (["conseil", "citoyen"], ["polit", "vill"], ["claus", "social"], ["sant", "mental", "local"]):
        for fieldname in ("body", "page_body", "title"):
            phrase = wq.Phrase(fieldname, words, slop=slop)
            expected = {hit.docnum: hit.score for hit in searcher.search(phrase, limit=None, optimize=False)}
            got = evaluator.near_at(fieldname, words, slop, everything)
            assert dict(zip(got.ids.tolist(), got.scores.tolist(), strict=True)) == pytest.approx(expected)
            checked += len(expected)
    assert checked > 50


def test_masked_facet_counts_are_the_set_counts(handle) -> None:
    import random

    from search_app.facets import FacetMasks, compute_facets, compute_facets_masked
    from search_app.index_handle import facet_postings

    searcher = handle.searcher()
    postings = facet_postings(searcher)
    masks = FacetMasks(postings, searcher.doc_count_all())
    documents = sorted(postings["_docs"]["all"])
    rng = random.Random(7)
    fields = (("year", "year_facet"), ("theme", "themes"), ("type", "type"))
    values = {f: sorted(postings[field]) for f, field in fields}
    for _ in range(60):
        matched = sorted(rng.sample(documents, rng.randint(0, len(documents))))
        selected = {f: rng.sample(v, rng.randint(0, min(3, len(v)))) for f, v in values.items()}
        selected["theme"] += ["valeur-inconnue"] if rng.random() < 0.2 else []
        range_docs = frozenset(rng.sample(documents, len(documents) // 2)) if rng.random() < 0.3 else None
        items = [("q", "x")]
        expected = compute_facets(frozenset(matched), postings, selected, range_docs, items)
        got = compute_facets_masked(np.array(matched, dtype=np.int64), masks, selected, range_docs, items)
        assert got == expected


@pytest.mark.parametrize("size, length", [(1_000, 900), (100_000, 200)])  # dense (no sort), then sparse
def test_union_sums_each_document_once_either_way(size, length) -> None:
    from search_app.postings import union as _union

    rng = np.random.default_rng(size)
    parts = [np.sort(rng.choice(size, length, replace=False)) for _ in range(3)]
    postings = [Postings(ids, rng.random(len(ids))) for ids in parts]
    got = _union(postings)
    expected: dict[int, float] = {}
    for p in postings:
        for docnum, score in zip(p.ids.tolist(), p.scores.tolist(), strict=True):
            expected[docnum] = expected.get(docnum, 0.0) + score
    assert got.ids.tolist() == sorted(expected)
    assert np.allclose(got.scores, [expected[d] for d in sorted(expected)])


def test_decoded_blocks_are_bounded_and_give_the_same_postings(handle) -> None:
    """Posting blocks are kept decoded within a bound in bytes (and the terms' scorer constants within a
    number of terms): reading from them, from a small cache or from none gives the same postings, scores and
    positions."""
    searcher = handle.searcher()
    scope = np.arange(0, searcher.doc_count_all(), 2, dtype=np.int64)
    words = [["conseil", "citoyen"], ["polit", "vill"], ["sant", "mental", "local"], ["habit"]]
    kept, small, none = TermCache(), TermCache(max_decoded_bytes=60_000, max_terms=3), TermCache(max_decoded_bytes=0)
    found = []
    for cache in (kept, kept, small, none):  # `kept` twice: the second time from its decoded blocks
        evaluator = Evaluator(searcher, cache, _universe(searcher))
        evaluator.whole_read_ratio = 0  # always skip to the records: read blocks
        read = []
        for fieldname in ("body", "page_body"):
            for group in words:
                postings, positions = evaluator.term_at(fieldname, group[0], scope, positions=True)
                near = evaluator.near_at(fieldname, group, 1, scope)
                read.append((postings.ids.tolist(), postings.scores.tolist(), positions, near.ids.tolist()))
                read.append(near.scores.tolist())
        found.append(read)
    assert found[0] == found[1] == found[2] == found[3]
    assert sum(len(ids) for ids, *_ in found[0][::2]) > 100
    assert kept.decoded_bytes() > 60_000  # the small bound is smaller than what was read
    assert 0 < small.decoded_bytes() <= 60_000
    assert none.decoded_bytes() == 0
    assert len(small._scoring) == 3 < len(kept._scoring)  # the terms' scorer constants, bounded too
