"""Ranking: the documents of one results page, tier by tier, and the PDF pages of those documents in order.

A search ranks in tiers (`Tier`): the documents with every word, then, when they are few, those with only
some of them. `Ranker` orders a tier by relevance: BM25F over the document record (`search_app.evaluate`),
then, for the best candidates only, the proximity bonus and the score of the document's best PDF page.
`DateOrder` orders a tier by date. Both answer `rank(tier, skip, count)`; `results_page` walks the tiers.
Where a new ranking signal goes: `docs/architecture.md`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from whoosh import query as wq

from indexer.records import StoredDoc
from search_app import tuning
from search_app.evaluate import Evaluator
from search_app.page_records import PageRecords
from search_app.postings import Postings, intersection, top, with_factor
from search_app.query import PAGE_FIELD, ParsedQuery, build_page_query, page_parts, proximity_words


@dataclass
class Tier:
    """Documents ranked together: those with every word, or (`partial`) those with only some of them, which
    come after the first ones. `scored` ranks them (None when browsing)."""

    docs: frozenset[int]
    scored: Postings | None = None
    partial: bool = False
    factor: Postings | None = None  # partial tier: what each document's score is multiplied by (`coverage`)


class TierOrder(Protocol):
    """How the documents of a tier are ordered."""

    def rank(self, tier: Tier, skip: int, count: int) -> list[int]:
        """`count` documents of `tier` in order, after the first `skip`."""


def results_page(tiers: Sequence[Tier], offset: int, per_page: int, order: TierOrder) -> tuple[list[int], set[int]]:
    """The documents of one results page, every document of a tier before those of the next one, and those
    of them that come from a partial tier."""
    shown: list[int] = []
    partial: set[int] = set()
    skip = offset
    for tier in tiers:
        if skip >= len(tier.docs):
            skip -= len(tier.docs)
            continue
        found = order.rank(tier, skip, per_page - len(shown))
        shown += found
        if tier.partial:
            partial.update(found)
        skip = 0
        if len(shown) >= per_page:
            break
    return shown, partial


def coverage(groups: list[np.ndarray], total: int, docs: frozenset[int]) -> Postings:
    """For documents that have only some of the words: (the share of the query they have) ** coverage_power,
    each part of the query (an AND group, whose documents are `groups`) weighted by its rarity among the
    `total` documents (BM25's idf): missing « marché » costs a document less than missing « clause »."""
    ids = np.fromiter(docs, dtype=np.int64, count=len(docs))
    ids.sort()
    have = np.zeros(len(ids), dtype=np.float64)
    whole = 0.0
    for matched in groups:
        weight = math.log(1 + (total - len(matched) + 0.5) / (len(matched) + 0.5))
        whole += weight
        have += weight * np.isin(ids, matched, assume_unique=True)
    return Postings(ids, (have / (whole or 1.0)) ** tuning.TUNING.coverage_power)


class DateOrder:
    """Orders a tier by a precomputed date order (newest or oldest first, undated last)."""

    def __init__(self, order: list[int]) -> None:
        self.order = order

    def rank(self, tier: Tier, skip: int, count: int) -> list[int]:
        out: list[int] = []
        seen = 0
        for docnum in self.order:
            if docnum in tier.docs:
                if seen >= skip:
                    out.append(docnum)
                    if len(out) >= count:
                        break
                seen += 1
        return out


@dataclass
class PageRecordScores:
    """The page records scored for one query while ranking (`scored`, among `scope`, sorted), kept so that
    choosing the PDF pages shown does not score them again."""

    scope: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    scored: Postings | None = None

    def within(self, scope: np.ndarray) -> Postings | None:
        """The scores of the pages `scope` (sorted), if they were all scored; else None."""
        if self.scored is None or not np.isin(scope, self.scope, assume_unique=True).all():
            return None
        keep = np.isin(self.scored.ids, scope, assume_unique=True)
        return Postings(self.scored.ids[keep], self.scored.scores[keep])


class PageRecordRanker:
    """The PDF pages of one request's query: scored for ranking (the best page of each candidate), then
    ordered for the documents shown, without scoring a page twice (`PageRecordScores`)."""

    def __init__(self, evaluator: Evaluator, parsed: ParsedQuery, page_records: PageRecords) -> None:
        self.evaluator = evaluator
        self.parsed = parsed
        self.page_records = page_records
        self.scores = PageRecordScores()
        self.query: wq.Query = build_page_query(parsed, evaluator.searcher.reader(), proximity=False)

    def best_page_scores(self, docs: list[int]) -> dict[int, float]:
        """Each document's best page score (the page's words, without the proximity bonus), skipping tables
        of contents and glossaries: they name every topic and acronym of a dossier."""
        candidates = np.array(sorted(docs), dtype=np.int64)
        page_ids, parents = self.page_records.pages_of(candidates)
        if not len(page_ids):
            self.scores = PageRecordScores()
            return {}
        scored = self.evaluator.at(self.query, page_ids)
        self.scores = PageRecordScores(page_ids, scored)
        searcher = self.evaluator.searcher
        owners = parents[np.searchsorted(page_ids, scored.ids)].tolist()
        best: dict[int, float] = {}
        for i in np.lexsort((scored.ids, -scored.scores)).tolist():  # best first: one page read per document
            owner = owners[i]
            if owner not in best and not self.page_records.is_reference(searcher, int(scored.ids[i])):
                best[owner] = float(scored.scores[i])
                if len(best) == len(candidates):
                    break
        return best

    def spread(self, docs: list[int]) -> dict[int, int]:
        """For each of `docs` whose pages `best_page_scores` scored: how many of its page records hold every part
        of the query. A document that treats the subject holds it on several pages; one that names it in passing,
        on one. Tables of contents and glossaries count too: telling them apart would read their stored text.
        Only the pages already scored are looked at, one part after another among those that hold the previous."""
        scored = self.scores.scored
        if scored is None or not len(scored):
            return {}
        pages = scored.ids
        parts = page_parts(self.parsed, self.evaluator.searcher.reader())
        if len(parts) > 1:
            for part in parts:
                pages = self.evaluator.at(part, pages).ids
                if not len(pages):
                    return {}
        owners, counts = np.unique(self.page_records.owners(pages), return_counts=True)
        wanted = set(docs)
        return {o: c for o, c in zip(owners.tolist(), counts.tolist(), strict=True) if o in wanted}

    def best_pages(self, docs: list[int], count: int) -> dict[int, list[int]]:
        """For each of `docs`: its `count` best page records that match the page query, best first (ties in
        record order), the proximity bonus included.

        The bonus of a page is at most proximity_boost × its words' scores, known without reading positions:
        positions are read, a few pages per document at a time, best bound first, only for the pages whose
        bonus could still bring them among their document's `count` best."""
        scope, _parents = self.page_records.pages_of(np.array(sorted(docs), dtype=np.int64))
        scored = self.scores.within(scope)
        if scored is None:
            scored = self.evaluator.at(self.query, scope)
        owners = self.page_records.owners(scored.ids)
        final = self._with_proximity(scored, owners, count)
        best: dict[int, list[int]] = {d: [] for d in docs}
        for i in np.lexsort((scored.ids, -final)).tolist():
            found = best.get(int(owners[i]))
            if found is not None and len(found) < count:
                found.append(int(scored.ids[i]))
        return best

    def _with_proximity(self, scored: Postings, owners: np.ndarray, count: int) -> np.ndarray:
        """The scores of `scored` with the proximity bonus, exact for each document's `count` best pages (the
        others may lack a bonus that would not bring them among those)."""
        final = scored.scores.copy()
        words = proximity_words(self.parsed)
        if not words or not len(scored):
            return final
        t = tuning.TUNING
        # The pages with every word, and the bonus each would get if they stood together (near_at's score).
        every = intersection([self.evaluator.term_at(PAGE_FIELD, w, scored.ids)[0] for w in words])
        upper = final.copy()
        upper[np.searchsorted(scored.ids, every.ids)] += t.proximity_boost * every.scores

        def bonus_of(batch: np.ndarray) -> np.ndarray:
            ids = scored.ids[batch]
            near = self.evaluator.near_at(PAGE_FIELD, words, t.proximity_slop, ids)
            bonus = np.zeros(len(batch))
            bonus[np.searchsorted(ids, near.ids)] = t.proximity_boost * near.scores
            return bonus

        return bonus_where_it_counts(final, upper, owners, count, bonus_of)


def bonus_where_it_counts(
    lower: np.ndarray, upper: np.ndarray, owners: np.ndarray, count: int, bonus_of: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray:
    """Scores between `lower` (without a bonus) and `upper` (with the greatest it could be), made exact for the
    `count` best of each owner (ties in position order) by asking `bonus_of(positions)` for the fewest."""
    final = lower.copy()
    pending = upper > lower  # bonus not known yet
    limit = count
    while pending.any():
        batch = _next_pages(final, upper, pending, owners, count, limit)
        if not len(batch):
            break
        pending[batch] = False
        final[batch] += bonus_of(batch)
        limit = len(lower)  # then every page still in reach at once: where bounds are loose, two rounds all the same
    return final


def _next_pages(
    final: np.ndarray, upper: np.ndarray, pending: np.ndarray, owners: np.ndarray, count: int, limit: int
) -> np.ndarray:
    """The pages whose bonus to read next (sorted positions): of each document, at most `limit` pending pages,
    best bound first, among those whose bound reaches the `count`-th best score known in that document."""
    chosen: list[np.ndarray] = []
    for owner in np.unique(owners[pending]).tolist():
        mine = owners == owner
        waiting = np.flatnonzero(mine & pending)
        known = final[mine & ~pending]
        if len(known) >= count:
            kth = np.partition(known, len(known) - count)[len(known) - count]
            waiting = waiting[upper[waiting] >= kth]  # equal: it may still come first by record order
        chosen.append(waiting[np.argsort(-upper[waiting], kind="stable")[:limit]])
    return np.sort(np.concatenate(chosen)) if chosen else np.empty(0, dtype=np.int64)


# The field where one run of the words may be a passing mention (`proximity_bonus`): in a title, headings or
# metadata each word stands once or twice, and a run there tells what the document is about.
EVIDENCE_FIELD = "body"


def proximity_bonus(evaluator: Evaluator, words: list[str], docs: np.ndarray) -> dict[int, float]:
    """The proximity bonus of each of `docs` (sorted) where `words` stand together in some field: per field,
    proximity_boost × the field's boost × the words' scores there (Whoosh's phrase score). In the body, the bonus
    is also weighed by the run's evidence, (number of words − 1) × the occurrences of the least repeated word,
    full from proximity_evidence on: a long document that names the words side by side once (a line of a list)
    gets a share of it, one that comes back to them gets it whole. Never more than the plain bonus, so the
    bound of `Ranker._add_proximity` holds."""
    t = tuning.TUNING
    bonus: dict[int, float] = {}
    for fieldname, boost in t.field_boosts.items():
        near, fewest = evaluator.runs_at(fieldname, words, t.proximity_slop, docs)
        values = boost * t.proximity_boost * near.scores
        if fieldname == EVIDENCE_FIELD and t.proximity_evidence:
            values = values * np.minimum(1.0, (len(words) - 1) * fewest / t.proximity_evidence)
        for docnum, value in zip(near.ids.tolist(), values.tolist(), strict=True):
            bonus[docnum] = bonus.get(docnum, 0.0) + value
    return bonus


def sisters_of(searcher: Any, docnum: int, candidates: Container[int]) -> list[int]:
    """The documents among `candidates` that are the other form of `docnum`'s text: for a file that posts
    publish (a PDF), those posts (`published_in`); for a post, the files it links to that name it among the
    posts that publish them."""
    stored = StoredDoc(searcher.stored_fields(docnum))
    if stored.published_in:
        found = [searcher.document_number(uid=post) for post in stored.published_in]
        return [d for d in found if d is not None and d in candidates]
    linked = {searcher.document_number(uid=key) for key in stored.links} - {None, docnum}
    return sorted(
        d for d in linked if d in candidates and stored.path in StoredDoc(searcher.stored_fields(d)).published_in
    )


class Ranker:
    """Relevance order for one request.

    The best `rerank_window` documents of a tier by BM25F get the proximity bonus and are sorted again; the
    best `page_score_window` of them also get page_score_weight × the score of their best PDF page: a dossier
    of 60 pages that answers the query on one page scores low as a whole (its length dilutes the words), the
    page that answers scores as high as a short post would. With a partial tier's `factor`, the window is
    chosen by score × factor and every final score is multiplied by it. Then the post that publishes one of
    the first few documents, or the PDF that one of them publishes, comes at least close below it
    (`_lift_sisters`): the web page and the PDF of one text answer together. The documents after the rerank
    window follow in BM25F order. The windows never depend on the results page asked for, so that the pages
    of a search are slices of one order; the one approximation: a document outside a window cannot climb
    into it through these bonuses alone. Within the window, positions are read only for the documents whose
    bonus could bring them into the page score window or the results page asked for
    (`bonus_where_it_counts`): the order shown is the one every bonus would give.
    """

    def __init__(self, evaluator: Evaluator, parsed: ParsedQuery, pages: PageRecordRanker) -> None:
        self.evaluator = evaluator
        self.parsed = parsed
        self.pages = pages

    def rank(self, tier: Tier, skip: int, count: int) -> list[int]:
        order = self._reranked(tier, skip + count)
        if skip + count > len(order):
            # Beyond the rerank window, the order of BM25F (× factor): every bonus only raises a document, so
            # those of the window stay above these, and each results page is a slice of one order.
            ranked = set(order)
            order += [d for d in self._best(tier, skip + count) if d not in ranked]
        return order[skip : skip + count]

    def _reranked(self, tier: Tier, shown: int) -> list[int]:
        """The `rerank_window` best documents of the tier by BM25F, in their final order down to rank `shown`.

        The windows do not depend on the results page asked for, so that page 2 continues page 1 whatever
        `per_page`; only how far the order is exact (the proximity bonuses read) follows the page.
        """
        t = tuning.TUNING
        scores = self._best(tier, t.rerank_window)
        factors = dict.fromkeys(scores, 1.0)
        if tier.factor is not None:
            at = np.searchsorted(tier.factor.ids, list(scores))
            factors = dict(zip(scores, tier.factor.scores[at].tolist(), strict=True))
        # Only the documents that may end among these need their exact proximity bonus (see `_add_proximity`).
        self._add_proximity(scores, factors, max(t.page_score_window, shown))
        if t.page_score_weight and len(scores) > 1:
            # The window is chosen as the final order will be: by score × factor in a partial tier.
            best = sorted(scores, key=lambda d: (-scores[d] * factors[d], d))[: t.page_score_window]
            for docnum, value in self.pages.best_page_scores(best).items():
                scores[docnum] += t.page_score_weight * value
            if t.spread_weight:
                for docnum, pages in self.pages.spread(best).items():
                    scores[docnum] += t.spread_weight * math.log1p(pages)
        scores = {d: value * factors[d] for d, value in scores.items()}
        if t.sister_weight:
            self._lift_sisters(scores)
        return sorted(scores, key=lambda d: (-scores[d], d))

    def _lift_sisters(self, scores: dict[int, float]) -> None:
        """Each sister (`sisters_of`) of the `sister_window` best documents raised to at least sister_weight ×
        that document's score, when it is among `scores` (it matches the query as the tier asks)."""
        t = tuning.TUNING
        leaders = sorted(scores, key=lambda d: (-scores[d], d))[: t.sister_window]
        lifted: dict[int, float] = {}
        for leader in leaders:
            for sister in sisters_of(self.evaluator.searcher, leader, scores):
                lifted[sister] = max(lifted.get(sister, 0.0), t.sister_weight * scores[leader])
        for docnum, value in lifted.items():
            scores[docnum] = max(scores[docnum], value)

    def _best(self, tier: Tier, window: int) -> dict[int, float]:
        """The `window` best documents of the tier (by score × factor for a partial tier) with their scores."""
        scored = tier.scored
        if scored is None:
            raise ValueError("a tier ranked by relevance needs its scores")
        allowed = np.fromiter(tier.docs, dtype=np.int64, count=len(tier.docs))
        allowed.sort()
        if tier.factor is None:
            return dict(top(scored, allowed, window))
        chosen = [d for d, _ in top(with_factor(scored, tier.factor), allowed, window)]
        return dict(zip(chosen, scored.scores[np.searchsorted(scored.ids, chosen)].tolist(), strict=True))

    def _add_proximity(self, scores: dict[int, float], factors: dict[int, float], needed: int) -> None:
        """The proximity bonus added to `scores`, exactly for the `needed` best documents by score × factor.

        A document's bonus is at most the sum, over the fields, of its words' scores there (known without
        reading positions): positions are read only for the documents whose bound could bring them among the
        `needed` best; the others cannot reach the page score window nor the results page."""
        words = proximity_words(self.parsed)
        if not words or len(scores) <= 1:
            return
        t = tuning.TUNING
        docs = np.array(sorted(scores), dtype=np.int64)
        factor = np.array([factors[d] for d in docs.tolist()])
        lower = np.array([scores[d] for d in docs.tolist()]) * factor
        most = np.zeros(len(docs))
        for fieldname, boost in t.field_boosts.items():
            every = intersection([self.evaluator.term_at(fieldname, w, docs)[0] for w in words])
            most[np.searchsorted(docs, every.ids)] += boost * t.proximity_boost * every.scores
        # A margin against rounding: the bound is summed in another order than the bonus.
        upper = np.where(most > 0, (lower + most * factor) * (1 + 1e-9), lower)

        def bonus_of(batch: np.ndarray) -> np.ndarray:
            ids = docs[batch]
            for docnum, bonus in proximity_bonus(self.evaluator, words, ids).items():
                scores[docnum] += bonus
            return np.array([scores[d] for d in ids.tolist()]) * factor[batch] - lower[batch]

        bonus_where_it_counts(lower, upper, np.zeros(len(docs), dtype=np.int64), needed, bonus_of)
