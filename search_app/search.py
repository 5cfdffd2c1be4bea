"""`run_search(params, handle) -> dict`: the one search behind the HTML page and the JSON API (no Flask).

It runs the request path in order (`docs/architecture.md`): parse the query, evaluate it to tiers of
documents with their facet counts, rank one results page, choose the PDF pages shown, present. The result
dict follows the JSON contract: query, suggestion, total, page, per_page, took_ms, results and facets (added
fields allowed).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import numpy as np
from whoosh import query as wq

from indexer.vocab import policy_vocabulary
from search_app import tuning
from search_app.evaluate import Evaluator
from search_app.facets import active_filters, compute_facets_masked, label_sources, year_range_docs
from search_app.index_handle import IndexHandle
from search_app.marks import snippet_marks
from search_app.pages import quoted_phrases, shown_pdf_pages
from search_app.params import SearchParams
from search_app.present import Shown, as_typed, results
from search_app.query import ParsedQuery, build_query, clause_query, parse
from search_app.rank import DateOrder, PageRecordRanker, Ranker, Tier, TierOrder, coverage, results_page
from search_app.suggest import suggest
from search_app.widening import find_widenings


def run_search(params: SearchParams, handle: IndexHandle) -> dict[str, Any]:
    """Search the index; returns the result dict rendered by both the page and the API."""
    started = time.perf_counter()
    searcher = handle.searcher()
    parsed = parse(params.q)
    if tuning.TUNING.vocabulary_weight:
        parsed.widenings = find_widenings(parsed.groups, policy_vocabulary(params.corpus), params.q)
    searching = not parsed.is_empty or bool(parsed.excluded)
    sort = params.sort or ("relevance" if searching else "date_desc")
    evaluator = Evaluator(searcher, handle.term_cache(searcher), handle.universe(searcher))
    found = _find(params, parsed if searching else None, handle, evaluator)
    page_ranker = PageRecordRanker(evaluator, parsed, handle.page_records(searcher)) if searching else None
    order: TierOrder
    if page_ranker is not None and sort == "relevance":
        order = Ranker(evaluator, parsed, page_ranker)
    else:
        order = DateOrder(handle.date_orders(searcher)["date_asc" if sort == "date_asc" else "date_desc"])
    page_count = max(1, -(-len(found.final) // params.per_page))
    page = min(params.page, page_count)  # a page beyond the last (an old link, a hand-typed one) shows the last
    docs, partial = results_page(found.tiers, (page - 1) * params.per_page, params.per_page, order)
    shown = Shown(docs, partial, _missing_words(parsed, found.groups, [d for d in docs if d in partial]))
    shown.stored = {d: searcher.stored_fields(d) for d in docs}
    if page_ranker is not None and not parsed.is_empty and docs:
        documents = {d: shown.stored[d]["path"] for d in docs}
        phrases = quoted_phrases(parsed)
        best = page_ranker.best_pages(docs, tuning.TUNING.pdf_page_candidates)
        shown.pages = shown_pdf_pages(searcher, best, documents, phrases, page_ranker.page_records)
        shown.marks = snippet_marks(page_ranker.query, parsed)
    suggestion = suggest(searcher, parsed, params.q) if searching else None
    if suggestion and not _improves(suggestion, params, found, handle, evaluator):
        suggestion = None
    items = params.query_items()
    total = len(found.final)
    chips = active_filters(params, items)
    label_sources(found.facets, chips, handle.source_labels(searcher))
    return {
        "query": params.q,
        "suggestion": suggestion,
        "total": total,
        "page": page,
        "per_page": params.per_page,
        "took_ms": round((time.perf_counter() - started) * 1000, 2),
        "results": results(searcher, shown),
        "facets": found.facets,
        # Added fields (the contract allows additions).
        "match": found.match,
        "total_all_words": 0 if found.tiers[0].partial else len(found.tiers[0].docs),
        "sort": sort,
        "page_count": page_count,
        "active_filters": chips,
        "query_string": urlencode(items),
        "suggestion_query": ("?" + urlencode([("q", suggestion)])) if suggestion else None,
        "expanded": [{"from": w.typed, "to": [t.text for t in w.targets]} for w in parsed.widenings],
    }


@dataclass
class Found:
    """What a query finds: its tiers, every document that passes the filters (`final`), the facet counts,
    how it matched (all words, partial, any, browse), and the documents of each AND group (partial tier)."""

    tiers: list[Tier]
    final: frozenset[int]
    facets: dict[str, list[dict]]
    match: str = "browse"
    groups: list[np.ndarray] = field(default_factory=list)


def _find(params: SearchParams, parsed: ParsedQuery | None, handle: IndexHandle, evaluator: Evaluator) -> Found:
    """The tiers of documents of a query (None: browsing) after the filters, and the facet counts."""
    searcher = evaluator.searcher
    postings = handle.facet_postings(searcher)
    selected = params.selected()
    items = params.query_items()
    masks = handle.facet_masks(searcher)
    years = year_range_docs(postings, params.year_from, params.year_to)

    def filtered(matched: np.ndarray) -> tuple[dict[str, list[dict]], frozenset[int]]:
        return compute_facets_masked(matched, masks, selected, years, items)

    if parsed is None:
        facets, final = filtered(evaluator.universe)
        return Found([Tier(final)], final, facets)
    reader = searcher.reader()
    scored = evaluator.documents(build_query(parsed, reader, "all", proximity=False))
    facets, final = filtered(scored.ids)
    found = Found([Tier(final, scored)], final, facets, "all")
    # Whether the partial tier follows is decided before the filters, by the query alone: a filter then only
    # narrows the documents listed, and a facet value's count is what clicking it lists (deciding on the
    # filtered count added the partial tier under a filter that left fewer than 10 documents with every word).
    if len(scored.ids) >= tuning.TUNING.partial_below or len(parsed.groups) < 2:
        return found
    scored_any = evaluator.documents(build_query(parsed, reader, "any", proximity=False))
    facets_any, final_any = filtered(scored_any.ids)
    rest = final_any - final
    if not rest:
        return found
    groups = [evaluator.documents(wq.Or([clause_query(c, reader) for c in group])).ids for group in parsed.groups]
    partial = Tier(rest, scored_any, partial=True, factor=coverage(groups, len(evaluator.universe), rest))
    tiers = [t for t in (found.tiers[0], partial) if t.docs]
    return Found(tiers, final | final_any, facets_any, "partial" if final else "any", groups)


def _improves(suggestion: str, params: SearchParams, found: Found, handle: IndexHandle, evaluator: Evaluator) -> bool:
    """Whether a suggested query finds more documents with all its words, under the same filters, than the
    query typed (a correction that only finds what one of the typed words finds already helps no one)."""
    suggested = _find(params, parse(suggestion), handle, evaluator).tiers[0]
    typed = found.tiers[0]
    return not suggested.partial and len(suggested.docs) > (0 if typed.partial else len(typed.docs))


def _missing_words(parsed: ParsedQuery, groups: list[np.ndarray], docnums: list[int]) -> dict[int, list[str]]:
    """For documents that have only some of the words: the parts of the query (as typed) each one lacks
    (`groups`: the documents of each AND group of `parsed`)."""
    missing: dict[int, list[str]] = {d: [] for d in docnums}
    if not docnums:
        return missing
    for group, matched in zip(parsed.groups, groups, strict=True):
        has = np.isin(docnums, matched)
        for docnum, present in zip(docnums, has.tolist(), strict=True):
            if not present:
                missing[docnum].append(" OU ".join(as_typed(c) for c in group))
    return missing
