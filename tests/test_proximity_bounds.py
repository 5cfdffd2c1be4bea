"""The proximity bonus read only where it can count: the results pages are those of every bonus read."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from positions_read import records_read

from search_app import tuning
from search_app.evaluate import Evaluator
from search_app.index_handle import IndexHandle
from search_app.query import build_query, parse, proximity_words
from search_app.rank import PageRecordRanker, Ranker, Tier, proximity_bonus

ROOT = Path(__file__).resolve().parents[1]
QUERIES = [q["q"] for q in json.loads((ROOT / "bench/relevance/queries.json").read_text("utf-8"))["queries"]]


@pytest.fixture(scope="module")
def handle(sample_settings):
    h = IndexHandle(sample_settings.index)
    yield h
    h.close()


def _every_bonus_order(ranker: Ranker, tier: Tier, skip: int, count: int) -> list[int]:
    """The results page with the bonus of every document of the window read (the plain computation); the
    documents after the rerank window follow in BM25F order."""
    t = tuning.TUNING
    scores = ranker._best(tier, t.rerank_window)
    words = proximity_words(ranker.parsed)
    if words and len(scores) > 1:
        candidates = np.array(sorted(scores), dtype=np.int64)
        for docnum, bonus in proximity_bonus(ranker.evaluator, words, candidates).items():
            scores[docnum] += bonus
    if t.page_score_weight and len(scores) > 1:
        best = sorted(scores, key=lambda d: (-scores[d], d))[: t.page_score_window]
        for docnum, value in ranker.pages.best_page_scores(best).items():
            scores[docnum] += t.page_score_weight * value
        for docnum, pages in ranker.pages.spread(best).items():
            scores[docnum] += t.spread_weight * math.log1p(pages)
    if t.sister_weight:
        ranker._lift_sisters(scores)
    order = sorted(scores, key=lambda d: (-scores[d], d))
    order += [d for d in ranker._best(tier, skip + count) if d not in scores]
    return order[skip : skip + count]


def test_results_pages_are_those_of_every_bonus_read(handle):
    searcher = handle.searcher()
    evaluator = Evaluator(searcher, handle.term_cache(searcher), handle.universe(searcher))
    checked = fewer = 0
    for text in [*QUERIES, "conseil citoyen", "politique ville habitants", "habitants quartier"]:
        parsed = parse(text)
        if not proximity_words(parsed):
            continue
        scored = evaluator.documents(build_query(parsed, searcher.reader(), "any", proximity=False))
        tier = Tier(frozenset(scored.ids.tolist()), scored)
        for skip, count in ((0, 10), (0, 3), (10, 10), (20, 10), (95, 10)):
            ranker = Ranker(evaluator, parsed, PageRecordRanker(evaluator, parsed, handle.page_records(searcher)))
            with records_read(evaluator) as read:
                got = ranker.rank(tier, skip, count)
            assert got == _every_bonus_order(ranker, tier, skip, count), (text, skip, count)
            checked += len(got)
            fewer += sum(read) < 4 * min(len(tier.docs), tuning.TUNING.rerank_window)
    assert checked > 200 and fewer > 20
