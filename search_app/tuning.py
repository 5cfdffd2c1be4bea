"""Every weight and window of the ranking, in one frozen object.

The values are set by the relevance benchmark (`bench/relevance.py`); how each was chosen is told in
`bench/relevance/README.md`, not here. Code reads them through `TUNING` at call time, so a test or a
benchmark can try other values with `dataclasses.replace(TUNING, ...)` (see `docs/architecture.md`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from whoosh import scoring


def _frozen(values: dict[str, float]) -> Mapping[str, float]:
    return MappingProxyType(values)


@dataclass(frozen=True)
class Tuning:
    """The ranking's weights (query terms, fields, bonuses) and windows (how many documents get each bonus)."""

    # BM25F per field, summed.
    field_boosts: Mapping[str, float] = field(
        default_factory=lambda: _frozen({"title": 6.0, "headings": 1.6, "body": 1.0, "meta": 1.4})
    )
    # Term saturation and length normalisation per field: long dossiers must not lose to the short posts that
    # announce them only because of their length.
    bm25_k1: float = 1.2
    bm25_b: Mapping[str, float] = field(
        default_factory=lambda: _frozen({"title": 0.75, "headings": 0.75, "body": 0.5, "meta": 0.75, "page_body": 0.5})
    )
    acronym_weight: float = 0.5  # the form (acronym or expansion) the user did not type
    # The mark of a written-out expansion (« =qpv ») when the acronym is typed: one term stands for the four or
    # five words of the expansion, hence a weight of its own.
    expansion_mark_weight: float = 0.5
    # The vocabulary of urban policy over time (search_app/widening.py): a typed term's equivalents, predecessors
    # and successors, then (× neighbour_weight) its neighbours, below the typed term (0 = off).
    vocabulary_weight: float = 0.5
    neighbour_weight: float = 0.6
    alt_form_weight: float = 0.9  # the secondary stemming form of a word
    derived_weight: float = 0.3  # the nouns of a typed verb’s family (« prévention » for « prévenir »; 0 = off)
    minmatch_from: int = 0  # with at least this many clauses, all but one suffice (0 = every clause is required)
    proximity_boost: float = 2.0  # the typed words standing close together, in order (0 = off)
    proximity_slop: int = 1  # how far apart they may stand
    # The body's share of the bonus grows with the run's evidence, (words − 1) × the occurrences of the least
    # repeated word, and is whole from this on: a long document that names the words together once, in
    # passing, no longer passes one that treats them (`rank.proximity_bonus`; 0 = off).
    proximity_evidence: float = 6.0
    # A document's best PDF page (or page record) in its own score, by its words alone (0 = off).
    page_score_weight: float = 4.0
    # A slowly growing bonus of spread_weight × ln(1 + the number of the document's page records that hold every part
    # of the query), for the documents of the page score window: a document that treats the subject over
    # several pages passes one that names it on one page, when their scores are close (0 = off).
    spread_weight: float = 1.0
    # The other form of one of the sister_window best documents' text (the post that publishes it, the PDF it
    # publishes), when it matches the query too, scores at least sister_weight × that document (0 = off).
    sister_weight: float = 0.7
    sister_window: int = 3
    page_all_words_boost: float = 0.0  # choosing a PDF's best pages: extra weight for pages with every word
    rerank_window: int = 100  # documents that get the proximity bonus; those after it follow in BM25F order
    # Documents that also get their best page's score: larger than a results page, or a long dossier whose
    # passage would lift it into the first ten could never get there.
    page_score_window: int = 20
    # When fewer documents than this have every word, those with only some of them follow (a partial tier);
    # counted before the filters, so that a filter only narrows the list (`search._find`).
    partial_below: int = 10
    # Partial tier: scores × (the share of the query's weight a document has) ** this. Higher, a rare word that
    # happens to be there (a town's name) lifts a document above those about the topic.
    coverage_power: float = 1.0
    pdf_pages_shown: int = 3  # best PDF pages shown per result
    pdf_page_candidates: int = 12  # PDF pages of one document considered when choosing those shown


TUNING = Tuning()


def ranking_model() -> scoring.WeightingModel:
    """The BM25F model the searchers rank with (see `Tuning.bm25_k1` and `Tuning.bm25_b`)."""
    return scoring.BM25F(K1=TUNING.bm25_k1, **{f"{name}_B": b for name, b in TUNING.bm25_b.items()})
