"""`run_search(params) -> dict`: the one search function behind the HTML page and the JSON API (no Flask).

The result dict follows the JSON contract of DESIGN.md (extended only by added fields): query, suggestion,
total, page, per_page, took_ms, results (with snippet, best PDF pages, published_in) and facets.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import numpy as np
from whoosh import query as wq

from indexer.analysis import analyse
from indexer.config import Settings
from indexer.records import KIND_PAGE
from indexer.vocab import NO_YEAR, type_labels
from indexer.words import exact_words, fold
from search_app.engine import IndexHandle, facet_postings
from search_app.facets import FACETS, FacetMasks, compute_facets_masked, facet_label, toggle_query, union, without
from search_app.matching import (
    DocSetQuery,
    DocSets,
    TermSetCache,
    date_orders,
    first_in,
    near_query,
    restrict_phrases,
    term_docs,
)
from search_app.query import (
    FIELD_BOOSTS,
    PAGE_FIELD,
    PAGE_SCORE_WEIGHT,
    PROXIMITY_BOOST,
    PROXIMITY_SLOP,
    Clause,
    ParsedQuery,
    build_page_query,
    build_query,
    clause_query,
    highlight_terms,
    parse,
    proximity_words,
)
from search_app.scoring import Evaluator, Postings, TermCache, Unsupported, cache_size_for, top
from search_app.snippets import make_snippet

logger = logging.getLogger(__name__)

SORTS = ("relevance", "date_desc", "date_asc")
SORT_LABELS = {"relevance": "Pertinence", "date_desc": "Plus récents", "date_asc": "Plus anciens"}
MAX_PAGES_SHOWN = 3
MAX_PAGE_CANDIDATES = 12  # pages of one document considered when choosing the ones shown
RERANK_WINDOW = 100  # documents ranked with the proximity bonus (see `rank_page`)
# When fewer documents than this have every word of the query, those that have only some of them follow,
# ranked by the same model (« match » is then "partial"; "any" when no document has every word).
PARTIAL_BELOW = 10
# Partial tier: scores × (the share of the query's weight the document has, see `_coverage`) ** this. Tune half
# (83 queries, sixth session), nDCG@10: 0 → 0.9851, 1 → 0.9867, 2 → 0.9867, 4 → 0.9872, 8 and 16 → 0.9877 (one
# query more); kept at 1: from 4 up, a rare word that only happens to be there (a town's name) lifts a document
# above those about the topic (« médiation santé Bédarieux jeunes »: the parole-habitants dossier, which lacks
# « médiation », 3rd at 4 and 1st at 8, before both documents on health mediation).
COVERAGE_POWER = 1.0
# Of those, the best ones that also get their best page's score (or more, for a later page). Larger than a page
# of results, or a long dossier whose passage would lift it into the first ten can never get there (« ANRU »:
# two dossiers judged for their pages ranked beyond 10). Tune half (88 queries, sixth session), nDCG@10:
# 10 → 0.9852, 15 → 0.9869, 20 and 30 → 0.9878; cost at 10,000 and 100,000 documents +3 % (sum of the medians of
# bench/request_latency.py's queries in process), +11 ms on the slowest case.
PAGE_SCORE_WINDOW = 20
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


@dataclass
class Tier:
    """Documents ranked together: those with every word, or (`partial`) those with only some of them, which
    come after the first ones. `query` and `scored` rank them (none when browsing)."""

    docs: frozenset[int]
    query: wq.Query | None = None
    scored: Postings | None = None
    partial: bool = False
    factor: Postings | None = None  # partial tier: what each document's score is multiplied by (`_coverage`)


class ParamError(ValueError):
    """A parameter out of range: the API answers 400 with this message (French)."""


@dataclass
class SearchParams:
    """Validated search parameters."""

    q: str = ""
    years: list[str] = field(default_factory=list)
    year_from: int | None = None
    year_to: int | None = None
    themes: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    sort: str = ""
    page: int = 1
    per_page: int = 10

    @classmethod
    def from_args(cls, args: Mapping[str, Any], settings: Settings) -> SearchParams:
        """From a query-string mapping (a Werkzeug MultiDict or a plain dict of lists or strings)."""

        def getlist(key: str) -> list[str]:
            if hasattr(args, "getlist"):
                return [v for v in args.getlist(key)]
            value = args.get(key)
            if value is None:
                return []
            return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]

        def getone(key: str) -> str | None:
            values = getlist(key)
            return values[-1].strip() if values else None

        q = (getone("q") or "").replace("\x00", " ")
        if len(q) > settings.max_query_chars:
            raise ParamError(f"Requête trop longue ({len(q)} caractères, limite {settings.max_query_chars}).")
        years = _unique(v.strip() for v in getlist("year") if v.strip())
        for y in years:
            if y != NO_YEAR and not (y.isdigit() and len(y) == 4):
                raise ParamError(f"Année invalide : « {y[:20]} » (attendu : AAAA ou {NO_YEAR}).")
        themes = _unique(v.strip() for v in getlist("theme") if v.strip())
        types = _unique(v.strip() for v in getlist("type") if v.strip())
        for name, values in (("thème", themes), ("type", types)):
            for v in values:
                if not _SLUG.match(v):
                    raise ParamError(f"Valeur de {name} invalide : « {v[:40]} ».")
        if len(years) + len(themes) + len(types) > 60:
            raise ParamError("Trop de filtres.")
        year_from = _int_param(getone("year_from"), "year_from", 1900, 2100)
        year_to = _int_param(getone("year_to"), "year_to", 1900, 2100)
        if year_from and year_to and year_from > year_to:
            raise ParamError("L’année de début est postérieure à l’année de fin.")
        sort = getone("sort") or ""
        if sort and sort not in SORTS:
            raise ParamError("Tri inconnu (attendu : relevance, date_desc ou date_asc).")
        page = _int_param(getone("page"), "page", 1, settings.max_page) or 1
        per_page = _int_param(getone("per_page"), "per_page", 1, settings.max_per_page) or settings.per_page
        return cls(q.strip(), years, year_from, year_to, themes, types, sort, page, per_page)

    def query_items(self) -> list[tuple[str, str]]:
        """The parameters as query-string items (for toggle and pagination links)."""
        items: list[tuple[str, str]] = []
        if self.q:
            items.append(("q", self.q))
        items += [("year", y) for y in self.years]
        if self.year_from:
            items.append(("year_from", str(self.year_from)))
        if self.year_to:
            items.append(("year_to", str(self.year_to)))
        items += [("theme", t) for t in self.themes]
        items += [("type", t) for t in self.types]
        if self.sort:
            items.append(("sort", self.sort))
        if self.per_page != 10:
            items.append(("per_page", str(self.per_page)))
        return items


def _unique(values: Any) -> list[str]:
    out: list[str] = []
    for v in values:
        if v not in out:
            out.append(v)
    return out


def _int_param(raw: str | None, name: str, low: int, high: int) -> int | None:
    if raw is None or raw == "":
        return None
    if not re.fullmatch(r"\d{1,9}", raw):
        raise ParamError(f"Paramètre « {name} » invalide : un nombre entier est attendu.")
    value = int(raw)
    if not low <= value <= high:
        raise ParamError(f"Paramètre « {name} » hors limites ({low} à {high}).")
    return value


# ---------------------------------------------------------------------------------------------------------
# Search


_LEADER_LINE = re.compile(r"(?:\.\s?){4,}\s*\d+\s*$")
_GLOSSARY_ENTRY = re.compile(r"^\s*[A-ZÉ][A-ZÉ0-9]{1,9}(?:[ -]\d{1,4})?(?:\s*:\s*|\s+)\S")


def _missing_phrases(text: str, phrases: list[list[str]]) -> int:
    """How many of the quoted phrases (exact-field words) a page's text does not contain."""
    if not phrases:
        return 0
    words = exact_words(text)
    joined = " " + " ".join(words) + " "
    return sum(1 for phrase in phrases if " " + " ".join(phrase) + " " not in joined)


def _lines_like(text: str, pattern: re.Pattern[str], at_least: int) -> bool:
    """Whether at least `at_least` of the page's non-empty lines, and 30 % of them, contain `pattern`."""
    lines = [line for line in text.splitlines() if line.strip()]
    count = sum(1 for line in lines if pattern.search(line))
    return count >= at_least and count >= 0.3 * len(lines)


def is_contents_page(text: str) -> bool:
    """Whether a page is a table of contents (« Sommaire »: lines of dot leaders ending in page numbers)."""
    return _lines_like(text, _LEADER_LINE, 3)


def is_glossary_page(text: str) -> bool:
    """Whether a page is (mostly) a glossary of acronyms (« Glossaire », « Sigles »: lines that start with an
    acronym followed by its meaning, « ESS : économie sociale et solidaire » or « CLSM conseil local… »)."""
    return _lines_like(text, _GLOSSARY_ENTRY, 6)


def is_reference_page(text: str) -> bool:
    """Whether a page names the document's topics or acronyms without discussing them: a table of contents
    or a glossary. Such a page matches many queries; it is never a document's best page for ranking, and is
    shown only when no other page matches."""
    return is_contents_page(text) or is_glossary_page(text)


def corpus_url(path: str, page: int | None = None) -> str:
    """The URL that opens a corpus file (at a PDF page when given)."""
    url = "/corpus/" + quote(path, safe="/")
    return f"{url}#page={page}" if page else url


def document_url(path: str) -> str:
    """The URL of a document's detail page."""
    return "/document/" + quote(path, safe="/")


def run_search(params: SearchParams, handle: IndexHandle) -> dict[str, Any]:
    """Search the index; returns the result dict rendered by both the page and the API."""
    started = time.perf_counter()
    searcher = handle.searcher()
    reader = searcher.reader()
    postings = handle.shared(searcher, "facets", facet_postings)
    all_docs = postings["_docs"]["all"]
    parsed = parse(params.q)
    searching = not parsed.is_empty or bool(parsed.excluded)
    sort = params.sort or ("relevance" if searching else "date_desc")
    selected = {"year": params.years, "theme": params.themes, "type": params.types}
    range_docs = _year_range_docs(postings, params.year_from, params.year_to)
    items = params.query_items()

    sets = DocSets(searcher, handle.shared(searcher, "term_sets", lambda _s: TermSetCache()), all_docs)
    universe = handle.shared(searcher, "universe", lambda _s: np.array(sorted(all_docs), dtype=np.int64))
    cache = handle.shared(searcher, "term_postings", lambda s: TermCache(cache_size_for(s.doc_count_all())))
    evaluator = Evaluator(searcher, cache, universe)
    offset = (params.page - 1) * params.per_page
    match = "all"
    masks = handle.shared(searcher, "facet_masks", lambda s: FacetMasks(postings, s.doc_count_all()))
    tiers: list[Tier] = []
    groups: list[np.ndarray] = []  # with a partial tier: the documents of each AND group of the query
    if searching:
        q = build_query(parsed, reader, "all", proximity=False)
        scored, matched = _matching(evaluator, sets, q, universe)
        facets, final = compute_facets_masked(matched, masks, selected, range_docs, items)
        tiers.append(Tier(final, q, scored))
        if len(final) < PARTIAL_BELOW and len(parsed.groups) > 1:
            q_any = build_query(parsed, reader, "any", proximity=False)
            scored_any, matched_any = _matching(evaluator, sets, q_any, universe)
            facets_any, final_any = compute_facets_masked(matched_any, masks, selected, range_docs, items)
            rest = final_any - final
            if rest:
                groups = [_group_docs(evaluator, sets, reader, group) for group in parsed.groups]
                partial = Tier(rest, q_any, scored_any, partial=True, factor=_coverage(groups, len(universe), rest))
                tiers = [t for t in (tiers[0], partial) if t.docs]
                facets, final, match = facets_any, final | final_any, "partial" if final else "any"
    else:
        facets, final = compute_facets_masked(universe, masks, selected, range_docs, items)
        tiers.append(Tier(final))
    page_scores = PageScores()
    pages = handle.shared(searcher, "page_parents", lambda s: PageParents.of(s, universe))
    if searching and sort == "relevance":

        def rank(tier: Tier, skip: int, count: int) -> list[int]:
            return rank_page(
                searcher,
                evaluator,
                tier.query,
                tier.scored,
                parsed,
                tier.docs,
                skip,
                count,
                pages,
                page_scores,
                tier.factor,
            )
    else:
        orders = handle.shared(searcher, "date_orders", lambda s: date_orders(s, all_docs))
        order = orders["date_asc" if sort == "date_asc" else "date_desc"]

        def rank(tier: Tier, skip: int, count: int) -> list[int]:
            return first_in(order, tier.docs, skip, count)

    page_docs, partial_docs = _page_of_tiers(tiers, offset, params.per_page, rank)
    total = len(final)
    hits: list[dict[str, Any]] = [dict(searcher.stored_fields(docnum)) for docnum in page_docs]
    results_out = _render_hits(searcher, sets, evaluator, hits, parsed if searching else None, pages, page_scores)
    missing = _missing_words(parsed, groups, [d for d in page_docs if d in partial_docs])
    for docnum, result in zip(page_docs, results_out, strict=True):
        result["partial"] = docnum in partial_docs
        result["missing"] = missing.get(docnum, [])
    suggestion = _suggest(searcher, parsed) if searching else None
    took = (time.perf_counter() - started) * 1000
    return {
        "query": params.q,
        "suggestion": suggestion,
        "total": total,
        "page": params.page,
        "per_page": params.per_page,
        "took_ms": round(took, 2),
        "results": results_out,
        "facets": facets,
        # Added fields (the contract allows additions).
        "match": match if searching else "browse",
        "total_all_words": 0 if tiers[0].partial else len(tiers[0].docs),
        "sort": sort,
        "page_count": max(1, -(-total // params.per_page)),
        "active_filters": _active_filters(params, items),
        "query_string": urlencode(items),
        "suggestion_query": ("?" + urlencode([("q", suggestion)])) if suggestion else None,
    }


def _page_of_tiers(
    tiers: list[Tier], offset: int, per_page: int, rank: Callable[[Tier, int, int], list[int]]
) -> tuple[list[int], set[int]]:
    """The documents of one result page, every document of a tier before those of the next one (`rank(tier,
    skip, count)` orders one tier), and those of them that come from a partial tier."""
    page_docs: list[int] = []
    partial_docs: set[int] = set()
    skip = offset
    for tier in tiers:
        if skip >= len(tier.docs):
            skip -= len(tier.docs)
            continue
        found = rank(tier, skip, per_page - len(page_docs))
        page_docs += found
        if tier.partial:
            partial_docs.update(found)
        skip = 0
        if len(page_docs) >= per_page:
            break
    return page_docs, partial_docs


def _matching(
    evaluator: Evaluator, sets: DocSets, q: wq.Query, universe: np.ndarray
) -> tuple[Postings | None, np.ndarray]:
    """The scored matches of `q` among the document records, and their numbers (sorted); without scores
    (None) when the query has a node the vectorised evaluator does not handle (Whoosh then scores the page's
    candidates)."""
    try:
        scored = evaluator.of(q)
    except Unsupported as exc:
        logger.debug("Évaluation par Whoosh (%s)", exc)
        found = sets.of(q)
        return None, universe[np.isin(universe, np.fromiter(found, dtype=np.int64, count=len(found)))]
    keep = np.isin(scored.ids, universe, assume_unique=True)
    scored = Postings(scored.ids[keep], scored.scores[keep])
    return scored, scored.ids


def rank_page(
    searcher: Any,
    evaluator: Evaluator,
    q: wq.Query,
    scored: Postings | None,
    parsed: ParsedQuery,
    final: frozenset[int],
    offset: int,
    per_page: int,
    pages: PageParents | None = None,
    page_scores: PageScores | None = None,
    factor: Postings | None = None,
) -> list[int]:
    """The documents of one result page in relevance order.

    The best `window` documents among `final` by BM25F (RERANK_WINDOW, or more for a page beyond it) come
    from the vectorised scores (or from Whoosh when there are none); the proximity bonus is then added to
    those candidates only, and they are sorted again; the best of them (PAGE_SCORE_WINDOW, or down to the end
    of the page asked for) also get the score of their best page (`_add_best_page_scores`), kept in
    `page_scores` for choosing the pages shown. With `factor` (documents with only some of the words), the
    window is chosen by score × factor and every final score is multiplied by it. The one approximation: a
    document outside a window cannot climb into it through these bonuses alone.
    """
    window = max(RERANK_WINDOW, offset + per_page)
    scores = (
        _best_with_proximity(evaluator, scored, parsed, final, window, factor)
        if scored is not None
        else _best_with_proximity_by_whoosh(searcher, q, parsed, final, window)
    )
    if pages is not None and PAGE_SCORE_WEIGHT and len(scores) > 1:
        best = sorted(scores, key=lambda d: (-scores[d], d))[: max(PAGE_SCORE_WINDOW, offset + per_page)]
        _add_best_page_scores(searcher, evaluator, parsed, pages, scores, best, page_scores)
    if factor is not None:
        at = np.searchsorted(factor.ids, list(scores))
        scores = {
            d: value * weight for (d, value), weight in zip(scores.items(), factor.scores[at].tolist(), strict=True)
        }
    order = sorted(scores, key=lambda d: (-scores[d], d))
    return order[offset : offset + per_page]


def _best_with_proximity(
    evaluator: Evaluator,
    scored: Postings,
    parsed: ParsedQuery,
    final: frozenset[int],
    window: int,
    factor: Postings | None = None,
) -> dict[int, float]:
    """The `window` best of `final` by their vectorised scores (times `factor` when given, see `rank_page`),
    proximity bonus added."""
    allowed = np.fromiter(final, dtype=np.int64, count=len(final))
    allowed.sort()
    if factor is None:
        scores = dict(top(scored, allowed, window))
    else:
        chosen = [d for d, _ in top(_with_factor(scored, factor), allowed, window)]
        scores = dict(zip(chosen, scored.scores[np.searchsorted(scored.ids, chosen)].tolist(), strict=True))
    words = proximity_words(parsed)
    if words and len(scores) > 1:
        candidates = np.array(sorted(scores), dtype=np.int64)
        for fieldname, boost in FIELD_BOOSTS.items():
            near = evaluator.near_at(fieldname, words, PROXIMITY_SLOP, candidates)
            for docnum, bonus in zip(near.ids.tolist(), near.scores.tolist(), strict=True):
                scores[docnum] += boost * PROXIMITY_BOOST * bonus
    return scores


def _best_with_proximity_by_whoosh(
    searcher: Any, q: wq.Query, parsed: ParsedQuery, final: frozenset[int], window: int
) -> dict[int, float]:
    """The same as `_best_with_proximity`, scored by Whoosh."""
    q = restrict_phrases(q, DocSetQuery(final, searcher))
    scores = {hit.docnum: hit.score for hit in searcher.search(q, limit=window, filter=set(final))}
    words = proximity_words(parsed)
    if words and len(scores) > 1:
        only = DocSetQuery(scores, searcher)
        near = wq.Or([near_query(f, words, PROXIMITY_SLOP, b * PROXIMITY_BOOST, only) for f, b in FIELD_BOOSTS.items()])
        for hit in searcher.search(near, limit=None, optimize=False):
            if hit.docnum in scores:
                scores[hit.docnum] += hit.score
    return scores


@dataclass
class PageScores:
    """The page records scored for one query (`scored`) and the pages that were scored (`scope`, sorted), and
    the page query they were scored with (built once per request, see `page_query`)."""

    scope: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    scored: Postings | None = None
    query: wq.Query | None = None

    def page_query(self, parsed: ParsedQuery, reader: Any) -> wq.Query:
        """The page query of `parsed`, without the proximity bonus (`build_page_query`), built on first use."""
        if self.query is None:
            self.query = build_page_query(parsed, reader, proximity=False)
        return self.query

    def within(self, scope: np.ndarray) -> Postings | None:
        """The scores of the pages `scope` (sorted), if they were all scored; else None."""
        if self.scored is None or not np.isin(scope, self.scope, assume_unique=True).all():
            return None
        keep = np.isin(self.scored.ids, scope, assume_unique=True)
        return Postings(self.scored.ids[keep], self.scored.scores[keep])


@dataclass
class PageParents:
    """The page records of the index (sorted) and the document record each belongs to.

    A document's records are written together, its doc record then its pages, and Whoosh keeps that order
    within a segment and when it merges segments: a page belongs to the nearest doc record before it.
    """

    ids: np.ndarray
    parents: np.ndarray
    reference: dict[int, bool] = field(default_factory=dict, repr=False)  # page record → is_reference_page

    def is_reference(self, searcher: Any, page: int, text: str | None = None) -> bool:
        """Whether the page record `page` (whose `text` the caller may have read already) is a table of contents
        or a glossary (worked out once per searcher, then remembered)."""
        found = self.reference.get(page)
        if found is None:
            if text is None:
                text = searcher.stored_fields(page).get("text") or ""
            found = self.reference[page] = is_reference_page(text)
        return found

    @classmethod
    def of(cls, searcher: Any, docs: np.ndarray) -> PageParents:
        ids = np.fromiter(term_docs(searcher, "kind", KIND_PAGE), dtype=np.int64)
        ids.sort()
        if not len(docs):
            return cls(ids[:0], ids[:0])
        where = np.searchsorted(docs, ids) - 1
        keep = where >= 0
        return cls(ids[keep], docs[where[keep]])

    def pages_of(self, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The pages of `docs` (sorted) and, for each, its document."""
        keep = np.isin(self.parents, docs)
        return self.ids[keep], self.parents[keep]


def _add_best_page_scores(
    searcher: Any,
    evaluator: Evaluator,
    parsed: ParsedQuery,
    pages: PageParents,
    scores: dict[int, float],
    which: list[int],
    page_scores: PageScores | None = None,
) -> None:
    """Add to the score of each document of `which` PAGE_SCORE_WEIGHT × the score of its best page for the
    query; the pages scored are kept in `page_scores`.

    A dossier of 60 pages that answers the query on one page scores low as a whole (its length dilutes the
    words); the page that answers scores as high as a short post would. HTML pages have one page record, so
    every candidate gets the same kind of evidence. A table of contents or a glossary is never the best page:
    it names every topic and acronym of the dossier (a dossier's list of acronyms matched « PTCE » on a
    short page and lifted it above the posts about PTCE). The page's score is that of its words, without the
    proximity bonus: the document's own score has it already, and counted twice it let a passing mention of
    « gestion urbaine de proximité », words in a row, outrank the passages about it.
    """
    candidates = np.array(sorted(which), dtype=np.int64)
    page_ids, parents = pages.pages_of(candidates)
    if not len(page_ids):
        return
    if page_scores is None:
        page_scores = PageScores()
    scored = _page_scores(searcher, evaluator, page_scores.page_query(parsed, searcher.reader()), page_ids)
    page_scores.scope, page_scores.scored = page_ids, scored
    if not len(scored):
        return
    owners = parents[np.searchsorted(page_ids, scored.ids)].tolist()
    best: dict[int, float] = {}
    for i in np.lexsort((scored.ids, -scored.scores)).tolist():  # best first: one page read per document, mostly
        owner = owners[i]
        if owner not in best and not pages.is_reference(searcher, int(scored.ids[i])):
            best[owner] = float(scored.scores[i])
            if len(best) == len(candidates):
                break
    for docnum, value in best.items():
        scores[docnum] += PAGE_SCORE_WEIGHT * value


def _ranked_pages(
    searcher: Any,
    sets: DocSets,
    evaluator: Evaluator,
    page_q: wq.Query,
    parsed: ParsedQuery,
    paths: list[str],
    page_scores: PageScores | None = None,
) -> list[int]:
    """The page records of the documents shown that match the page query, best first (ties in record
    order); the proximity bonus included. Evaluated at those records only, unless ranking already scored
    them (`page_scores`: the proximity bonus is then added)."""
    records = union(sets.term("path", p) for p in paths)
    pages = sets.term("kind", KIND_PAGE)
    scope = np.array(sorted(d for d in records if d in pages), dtype=np.int64)
    scored = page_scores.within(scope) if page_scores is not None else None
    if scored is None:
        scored = _page_scores(searcher, evaluator, page_q, scope)
    scored = _with_page_proximity(evaluator, scored, parsed)
    return scored.ids[np.lexsort((scored.ids, -scored.scores))].tolist()


def _page_scores(searcher: Any, evaluator: Evaluator, page_q: wq.Query, scope: np.ndarray) -> Postings:
    """The scores of the page records `scope` (sorted) that match the page query (without the proximity
    bonus, see `_with_page_proximity`); by Whoosh when the vectorised evaluator does not handle the query."""
    try:
        return evaluator.at(page_q, scope)
    except Unsupported as exc:
        logger.debug("Pages évaluées par Whoosh (%s)", exc)
    only = DocSetQuery(scope.tolist(), searcher)
    found = sorted(
        (hit.docnum, hit.score) for hit in searcher.search(wq.And([only, restrict_phrases(page_q, only)]), limit=None)
    )
    return Postings(
        np.array([d for d, _ in found], dtype=np.int64), np.array([score for _, score in found], dtype=np.float64)
    )


def _with_page_proximity(evaluator: Evaluator, scored: Postings, parsed: ParsedQuery) -> Postings:
    """Page scores with the proximity bonus of the pages where the typed words stand close together, in order
    (scored as Whoosh scores its `near_query`)."""
    words = proximity_words(parsed)
    if not words or not len(scored):
        return scored
    return _with_bonus(scored, evaluator.near_at(PAGE_FIELD, words, PROXIMITY_SLOP, scored.ids), PROXIMITY_BOOST)


def _with_bonus(scored: Postings, bonus: Postings, weight: float) -> Postings:
    """`scored` with `weight` × the scores of `bonus` added where it has them."""
    if not len(bonus):
        return scored
    positions = np.searchsorted(scored.ids, bonus.ids)
    scores = scored.scores.copy()
    scores[positions] += weight * bonus.scores
    return Postings(scored.ids, scores)


def _year_range_docs(postings: Mapping, year_from: int | None, year_to: int | None) -> frozenset[int] | None:
    if not year_from and not year_to:
        return None
    low, high = year_from or 0, year_to or 9999
    return union(
        docs for value, docs in postings["year_facet"].items() if value.isdigit() and low <= int(value) <= high
    )


def _render_hits(
    searcher: Any,
    sets: DocSets,
    evaluator: Evaluator,
    hits: list[dict[str, Any]],
    parsed: ParsedQuery | None,
    pages: PageParents,
    page_scores: PageScores | None = None,
) -> list[dict[str, Any]]:
    if not hits:
        return []
    paths = [h["path"] for h in hits]
    best_pages: dict[str, list[tuple[int, str]]] = {p: [] for p in paths}
    terms: frozenset[str] = frozenset()
    if parsed is not None and not parsed.is_empty:
        if page_scores is None:
            page_scores = PageScores()
        page_q = page_scores.page_query(parsed, searcher.reader())
        terms = highlight_terms(page_q)
        phrases = [exact_words(c.text) for c in parsed.positive if c.kind == "phrase"]
        phrases = [p for p in phrases if len(p) > 1]
        terms = terms | {word for phrase in phrases for word in phrase}  # « avec » in « "Habiter avec" »
        candidates: dict[str, list[tuple[tuple[int, int, int], int, str]]] = {p: [] for p in paths}
        ranked = _ranked_pages(searcher, sets, evaluator, page_q, parsed, paths, page_scores)
        for rank, docnum in enumerate(ranked[: len(paths) * 60]):
            fields = searcher.stored_fields(docnum)
            found = candidates.get(fields.get("path"))
            if found is not None and len(found) < MAX_PAGE_CANDIDATES:
                text = fields.get("text") or ""
                # A table of contents or a glossary names every topic: show it only when no other page matches;
                # a quoted phrase must be on the page as typed (pages have no exact field, see the query module).
                key = (_missing_phrases(text, phrases), int(pages.is_reference(searcher, docnum, text)), rank)
                found.append((key, fields.get("page"), text))
        for path, found in candidates.items():
            best_pages[path] = [(page, text) for _key, page, text in sorted(found)[:MAX_PAGES_SHOWN]]
    out = []
    labels = type_labels()
    for fields in hits:
        path = fields["path"]
        is_pdf = fields.get("format") == "pdf"
        pages = best_pages.get(path) or []
        page_list = [{"page": n, "snippet": make_snippet(t, terms), "url": corpus_url(path, n)} for n, t in pages]
        if page_list:
            snippet = page_list[0]["snippet"]
        else:
            first = searcher.document(uid=f"{path}#1")
            snippet = make_snippet((first or {}).get("text") or "", terms)
        best = pages[0][0] if (is_pdf and pages) else None
        types = [t for t in (fields.get("type") or "").split("\n") if t]
        doc_type = types[-1] if types else fields.get("format", "")
        published = None
        for parent in fields.get("published_in") or []:
            parent_fields = searcher.document(uid=parent)
            if parent_fields:
                published = {
                    "path": parent,
                    "title": parent_fields.get("title") or parent,
                    "url": document_url(parent),
                }
                break
        year = fields.get("year")
        out.append(
            {
                "path": path,
                "url": corpus_url(path, best),
                "title": fields.get("title") or path,
                "year": int(year) if year else None,
                "themes": [t for t in (fields.get("themes") or "").split("\n") if t],
                "type": doc_type,
                "snippet": snippet,
                "page": best,
                "pages": page_list if is_pdf else [],
                "published_in": published,
                # Added fields.
                "format": fields.get("format"),
                "type_label": labels.get(doc_type, doc_type),
                "theme_labels": [facet_label("theme", t) for t in (fields.get("themes") or "").split("\n") if t],
                "date": fields.get("date") or None,
                "page_count": fields.get("page_count"),
                "document_url": document_url(path),
            }
        )
    return out


def _coverage(groups: list[np.ndarray], total: int, docs: frozenset[int]) -> Postings:
    """For documents that have only some of the words: (the share of the query they have) ** COVERAGE_POWER,
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
    return Postings(ids, (have / (whole or 1.0)) ** COVERAGE_POWER)


def _group_docs(evaluator: Evaluator, sets: DocSets, reader: Any, group: list[Clause]) -> np.ndarray:
    """The document records that match one AND group of the query (any of its clauses), sorted; by the
    vectorised evaluator (its term cache is shared with ranking), else by Whoosh's matches."""
    q = wq.Or([clause_query(c, reader) for c in group])
    try:
        found = evaluator.of(q).ids
    except Unsupported:
        docs = sets.of(q)
        found = np.fromiter(docs, dtype=np.int64, count=len(docs))
        found.sort()
    return found[np.isin(found, evaluator.universe, assume_unique=True)]


def _with_factor(scored: Postings, factor: Postings) -> Postings:
    """`scored` times `factor` where `factor` has a value (unchanged elsewhere)."""
    keep = np.isin(scored.ids, factor.ids, assume_unique=True)
    scores = scored.scores.copy()
    scores[keep] *= factor.scores[np.searchsorted(factor.ids, scored.ids[keep])]
    return Postings(scored.ids, scores)


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
                missing[docnum].append(" OU ".join(_as_typed(c) for c in group))
    return missing


def _as_typed(clause: Clause) -> str:
    """A clause as the user typed it (a phrase in French quotes, a prefix with its star)."""
    if clause.kind == "phrase":
        return f"« {clause.text} »"
    return clause.text + ("*" if clause.kind == "prefix" else "")


def _active_filters(params: SearchParams, items: list[tuple[str, str]]) -> list[dict[str, str]]:
    chips = []
    for facet, values in (("year", params.years), ("theme", params.themes), ("type", params.types)):
        title = next(f.title for f in FACETS if f.name == facet)
        for v in values:
            chips.append(
                {
                    "facet": facet,
                    "label": f"{title} : {facet_label(facet, v)}",
                    "remove_query": toggle_query(items, facet, v),
                }
            )
    if params.year_from or params.year_to:
        label = f"Années : {params.year_from or '…'} – {params.year_to or '…'}"
        chips.append({"facet": "year_range", "label": label, "remove_query": without(items, "year_from", "year_to")})
    return chips


# ---------------------------------------------------------------------------------------------------------
# « Vouliez-vous dire »


MIN_FUZZY_CHARS = 4  # shorter unknown words get no correction
MAX_FUZZY_CHARS = 30  # nor longer ones (the cost of a fuzzy lookup grows with the word's length)
MAX_FUZZY_WORDS = 6  # words corrected per query at most


def _suggest(searcher: Any, parsed: ParsedQuery) -> str | None:
    """A corrected query from the corpus's own vocabulary, when some typed words are unknown."""
    reader = searcher.reader()
    changed = False
    attempts = 0
    words: list[str] = []
    for clause in [c for g in parsed.groups for c in g]:
        if clause.kind != "word":
            words.append(f'"{clause.text}"' if clause.kind == "phrase" else clause.text + "*")
            continue
        replacement = None
        terms = analyse(clause.text, mode="query")
        known = all(reader.doc_frequency("body", t) or reader.doc_frequency("title", t) for t in terms)
        # Fuzzy matching is the costly part: a few words per query, of a plausible length.
        if not known and MIN_FUZZY_CHARS <= len(clause.text) <= MAX_FUZZY_CHARS and attempts < MAX_FUZZY_WORDS:
            attempts += 1
            replacement = _correct_word(searcher, clause.text)
        if replacement:
            changed = True
            words.append(replacement)
        else:
            words.append(clause.text)
    for clause in parsed.excluded:
        words.append("-" + clause.text)
    return " ".join(words) if changed else None


def _correct_word(searcher: Any, word: str) -> str | None:
    reader = searcher.reader()
    folded = fold(word.lower())
    maxdist = 1 if len(folded) <= 5 else 2
    candidates = []
    for term in reader.terms_within("spell", folded, maxdist, prefix=1):
        text = term.decode("utf-8") if isinstance(term, bytes) else term
        if text != folded:
            candidates.append((reader.doc_frequency("spell", text), text))
    if not candidates:
        return None
    _freq, best = max(candidates)
    return _accented_form(searcher, best) or best


def _accented_form(searcher: Any, folded_word: str) -> str | None:
    """The spelling of a folded word as the corpus writes it (« cohesion » → « cohésion »)."""
    terms = analyse(folded_word, mode="query")
    if not terms:
        return None
    hits = searcher.search(wq.And([wq.Term("kind", KIND_PAGE), wq.Term("page_body", terms[0])]), limit=3)
    for hit in hits:
        for m in re.finditer(r"\w+", hit.get("text") or ""):
            if fold(m.group(0).lower()) == folded_word:
                return m.group(0).lower()
    return None
