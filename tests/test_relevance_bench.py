"""The relevance benchmark: its query file is well-formed, and its metrics are right on hand-computed cases."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"


def _load_bench():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("bench_relevance", ROOT / "bench" / "relevance.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


rel = _load_bench()


@pytest.fixture(scope="module")
def queries():  # type: ignore[no-untyped-def]
    return rel.load_queries()


@pytest.fixture(scope="module")
def page_counts(queries):  # type: ignore[no-untyped-def]
    pdfs = {j.path for q in queries for j in q.judgements if j.path.lower().endswith(".pdf")}
    return {path: len(PdfReader(CORPUS / path).pages) for path in pdfs}


# ---------------------------------------------------------------------------------------------------------
# The query file


def test_query_file_is_well_formed(queries, page_counts) -> None:
    assert rel.check_queries(queries, CORPUS, page_counts) == []


def test_every_kind_has_ten_queries_in_alternating_halves(queries) -> None:
    assert len(queries) >= 80
    for kind in rel.KINDS:
        members = [q for q in queries if q.kind == kind]
        assert len(members) >= 10, kind
        first = [q for q in members if int(q.id.rsplit("-", 1)[1]) < rel.ADDED_FROM]
        assert [q.half for q in first] == [("tune", "test")[i % 2] for i in range(len(first))], kind
        for q in members:  # later additions: 20-39 tune only, from 40 on (written blind) test only
            number = int(q.id.rsplit("-", 1)[1])
            if number >= rel.ADDED_FROM:
                assert q.half == ("tune" if number < rel.BLIND_FROM else "test"), q.id


def test_pdf_passages_judge_pages_within_the_pdf(queries, page_counts) -> None:
    passages = [q for q in queries if q.kind == "pdf_passage"]
    assert passages
    for q in passages:
        assert q.page_judgements, q.id
        for path, pages in q.page_judgements.items():
            assert all(1 <= p <= page_counts[path] for p in pages), (q.id, path, pages)


def test_facet_queries_use_api_filters(queries) -> None:
    for q in (q for q in queries if q.kind == "facet"):
        assert q.filters and set(q.filters) <= set(rel.FILTER_KEYS), q.id
        assert "q" in q.search_args()


def test_check_queries_reports_problems(tmp_path) -> None:
    (tmp_path / "a.pdf").write_bytes(b"%PDF")
    bad = [
        rel.Query("x-1", "nonsense", "tune", "q", (rel.Judgement("a.pdf", 2, (9,)),)),
        rel.Query("x-2", "title", "later", "q", (rel.Judgement("missing.html", 3),)),
        rel.Query("x-3", "pdf_passage", "tune", "q", (rel.Judgement("a.pdf", 2),)),
        rel.Query("title-25", "title", "test", "q", (rel.Judgement("a.pdf", 2),)),
        rel.Query("title-40", "title", "tune", "q", (rel.Judgement("a.pdf", 2),)),
    ]
    problems = "\n".join(rel.check_queries(bad, tmp_path, {"a.pdf": 4}))
    for expected in (
        "unknown kind",
        "unknown half",
        "judged file missing: missing.html",
        "grade 3",
        "pages [9] outside 1..4",
        "judges no page",
        "kind facet: 0 queries",
        "title-25: queries numbered 20 to 39 go to the tune half",
        "title-40: queries numbered 20 to 39 go to the tune half",
    ):
        assert expected in problems


# ---------------------------------------------------------------------------------------------------------
# Metrics on hand-computed examples

GRADES = {"a": 2, "b": 1, "c": 2}


def test_reciprocal_rank() -> None:
    assert rel.reciprocal_rank(["a", "x"], GRADES) == 1.0
    assert rel.reciprocal_rank(["x", "y", "b"], GRADES) == pytest.approx(1 / 3)
    assert rel.reciprocal_rank(["x", "y", "b"], GRADES, k=2) == 0.0
    assert rel.reciprocal_rank([], GRADES) == 0.0


def test_ndcg_uses_graded_gain_and_log_discount() -> None:
    # DCG = (2²-1)/log2(2) + (2¹-1)/log2(4) = 3 + 0.5; IDCG = 3 + 3/log2(3) + 1/log2(4).
    expected = 3.5 / (3 + 3 / math.log2(3) + 0.5)
    assert rel.ndcg(["a", "x", "b", "y"], GRADES) == pytest.approx(expected)
    assert rel.ndcg(["a", "c", "b"], GRADES) == pytest.approx(1.0)
    assert rel.ndcg(["x", "y"], GRADES) == 0.0
    assert rel.ndcg(["a", "a", "c", "b"], GRADES) == pytest.approx(1.0)  # a repeated path counts once


def test_recall_at_k() -> None:
    assert rel.recall(["a", "x", "b"], GRADES) == pytest.approx(2 / 3)
    assert rel.recall(["a", "x", "b"], GRADES, k=2) == pytest.approx(1 / 3)
    assert rel.recall(["a"], {}) == 0.0


def test_page_hit_rate() -> None:
    hits = [rel.Hit("p.pdf", (3, 4)), rel.Hit("q.pdf", (1,)), rel.Hit("h.html")]
    judged = {"p.pdf": frozenset({4, 5}), "q.pdf": frozenset({2}), "r.pdf": frozenset({1})}
    assert rel.page_hit_rate(hits, judged) == pytest.approx(1 / 3)  # p found at page 4; q wrong page; r absent
    assert rel.page_hit_rate(hits, {"p.pdf": frozenset({4})}, k=1) == 1.0
    assert rel.page_hit_rate(hits[1:], {"p.pdf": frozenset({4})}) == 0.0
    assert rel.page_hit_rate(hits, {}) is None


def test_first_page_hit_rate() -> None:
    hits = [rel.Hit("p.pdf", (3, 4)), rel.Hit("q.pdf", (2, 1)), rel.Hit("s.pdf"), rel.Hit("h.html")]
    judged = {"p.pdf": frozenset({4, 5}), "q.pdf": frozenset({2}), "s.pdf": frozenset({1}), "r.pdf": frozenset({1})}
    # p's judged page is shown, but second: the link opens page 3; q opens page 2; s shows no page; r is absent
    assert rel.first_page_hit_rate(hits, judged) == pytest.approx(1 / 4)
    assert rel.first_page_hit_rate(hits, {"q.pdf": frozenset({2})}, k=1) == 0.0  # q is second
    assert rel.first_page_hit_rate(hits, {"q.pdf": frozenset({2})}, k=2) == 1.0
    assert rel.first_page_hit_rate(hits, {}) is None


def test_score_and_aggregate() -> None:
    query = rel.Query("t-1", "title", "tune", "q", (rel.Judgement("a", 2), rel.Judgement("p.pdf", 1, (2,))))
    scores = rel.score(query, [rel.Hit("x"), rel.Hit("p.pdf", (2, 5)), rel.Hit("a")])
    assert scores["mrr"] == 0.5
    assert scores["recall"] == 1.0
    assert scores["page"] == 1.0
    assert scores["page1"] == 1.0
    assert rel.score(query, [rel.Hit("p.pdf", (5, 2))])["page1"] == 0.0
    dcg = 1 / math.log2(3) + 3 / math.log2(4)
    assert scores["ndcg"] == pytest.approx(dcg / (3 + 1 / math.log2(3)))
    summary = rel.aggregate(
        [
            {"mrr": 1.0, "ndcg": 0.5, "recall": 1.0, "page": None, "page1": None},
            {"mrr": 0.0, "ndcg": 0.25, "recall": 0.5, "page": 1.0, "page1": 0.5},
        ]
    )
    assert summary == {"n": 2, "mrr": 0.5, "ndcg": 0.375, "recall": 0.75, "page": 1.0, "n_page": 1, "page1": 0.5}


# ---------------------------------------------------------------------------------------------------------
# Baseline query handling and theme scores


def test_fts5_expression_keeps_phrases_and_prefixes() -> None:
    text = 'l\'economie "marché réservé" insert*'
    assert rel.fts5_expression(text) == '"l" AND "economie" AND "marché réservé" AND "insert" *'
    assert rel.fts5_expression("a b", "OR") == '"a" OR "b"'
    assert rel.fts5_expression('"x""y"') == '"x" AND "y"'
    assert rel.fts5_expression("   ") == ""


def test_theme_scores() -> None:
    pairs = [(["sante", "participation"], ["sante"]), (["sante"], ["sante", "commerce"])]
    scores = rel.theme_scores(pairs)
    sante, participation, commerce = (scores["per_theme"][t] for t in ("sante", "participation", "commerce"))
    assert (sante["tp"], sante["fp"], sante["fn"], sante["precision"], sante["recall"]) == (2, 0, 0, 1.0, 1.0)
    assert (participation["recall"], participation["precision"]) == (0.0, None)
    assert (commerce["precision"], commerce["recall"]) == (0.0, None)
    assert scores["micro"]["precision"] == pytest.approx(2 / 3)
    assert scores["micro"]["recall"] == pytest.approx(2 / 3)


def test_paired_comparison_counts_and_tests_by_sign_flips() -> None:
    same = rel.paired_comparison([0.5, 1.0], [0.5, 1.0])
    assert (same["wins"], same["ties"], same["losses"], same["p"]) == (0, 2, 0, 1.0)
    # Three wins of 1: of the 8 sign assignments, only all + and all - reach a total of 3.
    wins = rel.paired_comparison([1.0, 1.0, 1.0], [0.0, 0.0, 0.0])
    assert wins["mean_diff"] == 1.0 and wins["wins"] == 3 and wins["p"] == 0.25
    mixed = rel.paired_comparison([1.0, 0.0], [0.0, 0.5])
    assert (mixed["wins"], mixed["losses"]) == (1, 1) and mixed["p"] == 1.0
    # Sampled when there are more assignments than rounds: never 0, small for 20 equal wins.
    sampled = rel.paired_comparison([1.0] * 20, [0.0] * 20, rounds=1000)
    assert 0 < sampled["p"] <= 2 / 1001
