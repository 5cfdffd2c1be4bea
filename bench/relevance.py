"""Relevance benchmark: the engine against SQLite FTS5 and Whoosh's defaults, on judged French queries.

    python bench/relevance.py [--corpus corpus] [--json bench/out/relevance.json] [--worst 15]
    python bench/relevance.py --themes    [--json bench/out/relevance_themes.json]
    python bench/relevance.py --ablation  [--json bench/out/relevance_ablation.json]

The corpus is extracted once (`indexer.extraction.extract_one` through `extract_many`) and enriched once
(`indexer.build.enrich_all`); the three systems index exactly those documents:

- engine: `indexer.build.build_index` into a temporary folder whose extraction cache is pre-filled with the
  same extractions, searched with `search_app.search.run_search` (`SearchParams.from_args`, 10 per page);
- fts5: SQLite FTS5, ``unicode61 remove_diacritics 2``, ``bm25`` with the title weighted 3; words AND'ed,
  quoted phrases kept, ``word*`` kept as a prefix, OR when AND finds nothing; best PDF pages from a page table;
- whoosh: Whoosh's default analyser (StandardAnalyzer), `MultifieldParser` over title (boost 3) and body,
  OrGroup when AND finds nothing; best PDF pages from page records.

Filters (year, year_from, year_to, theme, type) have the engine's semantics in all three: values of one facet
OR'ed, facets AND'ed, on the same enriched values. Metrics per kind and overall, for each half of the
queries (« tune », « test ») and for all: MRR@10, nDCG@10 (gain 2^grade - 1), Recall@10 and page@10 (a judged
page of a judged PDF is among the pages returned for it in the top 10). The queries and their judgements are
in `bench/relevance/queries.json` (see `bench/relevance/README.md`).

``--themes`` compares the themes found in the text (`indexer.enrich.themes_from_text`) with the explicit ones
(WordPress categories that name a theme, catalogue rows). ``--ablation`` rebuilds the engine's index with each
extraction normalisation turned off in turn (monkeypatched in this process only), with the page text of
PDFs by pypdf instead of PDFium, and with the HTML boilerplate kept, and reports the change of each metric.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import logging
import math
import os
import random
import re
import sqlite3
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from whoosh import query as wq  # noqa: E402
from whoosh.analysis import StandardAnalyzer  # noqa: E402
from whoosh.fields import ID, KEYWORD, NUMERIC, TEXT, Schema  # noqa: E402
from whoosh.filedb.filestore import RamStorage  # noqa: E402
from whoosh.qparser import MultifieldParser, OrGroup, QueryParser  # noqa: E402

from indexer.build import build_index, enrich_all  # noqa: E402
from indexer.catalogue import load_catalogue  # noqa: E402
from indexer.config import Settings  # noqa: E402
from indexer.corpus import Failure, FileInfo, scan_corpus  # noqa: E402
from indexer.document import Document  # noqa: E402
from indexer.enrich import themes_from_labels, themes_from_text  # noqa: E402
from indexer.extraction import ExtractionCache  # noqa: E402
from indexer.records import type_values, year_facet_value  # noqa: E402
from indexer.relations import Parents, resolve_links  # noqa: E402
from indexer.store import CACHE  # noqa: E402
from indexer.vocab import themes  # noqa: E402
from indexer.workers import extract_many  # noqa: E402
from search_app.index_handle import IndexHandle  # noqa: E402
from search_app.params import SearchParams  # noqa: E402
from search_app.search import run_search  # noqa: E402

QUERIES_FILE = ROOT / "bench" / "relevance" / "queries.json"
KINDS = ("title", "inflection", "accents", "phrase", "body", "pdf_passage", "acronym", "vocabulary", "facet")
HALVES = ("tune", "test")
FILTER_KEYS = ("year", "year_from", "year_to", "theme", "type")
SYSTEMS = ("engine", "fts5", "whoosh")
METRICS = ("mrr", "ndcg", "recall", "page", "page1")
METRIC_LABELS = {"mrr": "MRR@10", "ndcg": "nDCG@10", "recall": "Recall@10", "page": "page@10", "page1": "page@1"}
K = 10
BEST_PAGES = 3  # pages returned per PDF by the baselines (the engine shows at most 3)
TITLE_WEIGHT = 3.0  # title weight of both baselines (the engine's title boost)

logger = logging.getLogger("bench.relevance")


# ---------------------------------------------------------------------------------------------------------
# Queries and judgements


@dataclass(frozen=True)
class Judgement:
    """A document judged relevant to a query: 2 answers it squarely, 1 is relevant; PDF pages when judged."""

    path: str
    grade: int
    pages: tuple[int, ...] = ()


@dataclass(frozen=True)
class Query:
    """One benchmark query as a user types it, with its filters and judgements."""

    id: str
    kind: str
    half: str
    q: str
    judgements: tuple[Judgement, ...]
    filters: Mapping[str, Any] = field(default_factory=dict)
    note: str = ""

    @property
    def grades(self) -> dict[str, int]:
        """Judged path → grade."""
        return {j.path: j.grade for j in self.judgements}

    @property
    def page_judgements(self) -> dict[str, frozenset[int]]:
        """Judged PDF path → judged pages (only the judgements that name pages)."""
        return {j.path: frozenset(j.pages) for j in self.judgements if j.pages}

    def search_args(self) -> dict[str, Any]:
        """The query-string mapping of the search API for this query."""
        args: dict[str, Any] = {"q": self.q}
        for key, value in self.filters.items():
            args[key] = [str(v) for v in value] if isinstance(value, list) else str(value)
        return args


def load_queries(path: Path = QUERIES_FILE) -> list[Query]:
    """The benchmark queries (`queries.json`)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    out = []
    for raw in data["queries"]:
        judgements = tuple(
            Judgement(j["path"], int(j["grade"]), tuple(int(p) for p in j.get("pages") or ()))
            for j in raw["judgements"]
        )
        out.append(
            Query(
                id=raw["id"],
                kind=raw["kind"],
                half=raw["half"],
                q=raw["q"],
                judgements=judgements,
                filters=dict(raw.get("filters") or {}),
                note=raw.get("note", ""),
            )
        )
    return out


# Queries numbered from ADDED_FROM to BLIND_FROM - 1 were added after the first runs, to widen tuning on the
# weakest kinds: tune half only, so that the test half stays a held-out set. Queries numbered from BLIND_FROM on
# enlarge the held-out half: written and judged by someone who never ran any system on them (pooling aside).
ADDED_FROM = 20
BLIND_FROM = 40


def _number(query_id: str) -> int:
    tail = query_id.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def added_half(query_id: str) -> str | None:
    """The half a query added after the first runs belongs to (None for the first ones, which alternate)."""
    number = _number(query_id)
    if number < ADDED_FROM:
        return None
    return "tune" if number < BLIND_FROM else "test"


def check_queries(queries: Sequence[Query], corpus: Path, page_counts: Mapping[str, int] | None = None) -> list[str]:
    """Problems of a query set (empty when well-formed): kinds, halves, counts, judged files and pages."""
    problems: list[str] = []
    seen: set[str] = set()
    for q in queries:
        where = f"{q.id}:"
        if q.id in seen:
            problems.append(f"{where} duplicate id")
        seen.add(q.id)
        if q.kind not in KINDS:
            problems.append(f"{where} unknown kind {q.kind!r}")
        if q.half not in HALVES:
            problems.append(f"{where} unknown half {q.half!r}")
        if not q.q.strip():
            problems.append(f"{where} empty query")
        if not q.judgements:
            problems.append(f"{where} no judgement")
        for key in q.filters:
            if key not in FILTER_KEYS:
                problems.append(f"{where} unknown filter {key!r}")
        paths = [j.path for j in q.judgements]
        if len(paths) != len(set(paths)):
            problems.append(f"{where} a path is judged twice")
        for j in q.judgements:
            if j.grade not in (1, 2):
                problems.append(f"{where} grade {j.grade} of {j.path} (expected 1 or 2)")
            if not (corpus / j.path).is_file():
                problems.append(f"{where} judged file missing: {j.path}")
            if j.pages:
                if not j.path.lower().endswith(".pdf"):
                    problems.append(f"{where} pages judged for a non-PDF: {j.path}")
                elif page_counts is not None:
                    count = page_counts.get(j.path, 0)
                    bad = [p for p in j.pages if not 1 <= p <= count]
                    if bad:
                        problems.append(f"{where} pages {bad} outside 1..{count} of {j.path}")
        if q.kind == "pdf_passage" and not q.page_judgements:
            problems.append(f"{where} a PDF passage query judges no page")
        if q.kind == "facet" and not q.filters:
            problems.append(f"{where} a facet query has no filter")
    for kind in KINDS:
        members = [q for q in queries if q.kind == kind]
        if len(members) < 10:
            problems.append(f"kind {kind}: {len(members)} queries (at least 10 expected)")
        first = [q for q in members if added_half(q.id) is None]
        expected = [HALVES[i % 2] for i in range(len(first))]
        if [q.half for q in first] != expected:
            problems.append(f"kind {kind}: halves do not alternate tune/test")
        for q in members:
            half = added_half(q.id)
            if half is not None and q.half != half:
                problems.append(
                    f"{q.id}: queries numbered {ADDED_FROM} to {BLIND_FROM - 1} go to the tune half, "
                    f"from {BLIND_FROM} on to the test half"
                )
    return problems


# ---------------------------------------------------------------------------------------------------------
# Metrics


@dataclass(frozen=True)
class Hit:
    """One result of a system: a path, and for a PDF the pages it returned."""

    path: str
    pages: tuple[int, ...] = ()


def _unique(ranked: Iterable[str]) -> list[str]:
    out: list[str] = []
    for path in ranked:
        if path not in out:
            out.append(path)
    return out


def reciprocal_rank(ranked: Sequence[str], grades: Mapping[str, int], k: int = K) -> float:
    """1/rank of the first relevant result in the top k (0 when none)."""
    for i, path in enumerate(_unique(ranked)[:k]):
        if grades.get(path, 0) > 0:
            return 1.0 / (i + 1)
    return 0.0


def ndcg(ranked: Sequence[str], grades: Mapping[str, int], k: int = K) -> float:
    """nDCG@k with gain 2^grade - 1 and discount log2(rank + 1)."""
    dcg = sum((2 ** grades.get(p, 0) - 1) / math.log2(i + 2) for i, p in enumerate(_unique(ranked)[:k]))
    ideal = sorted((g for g in grades.values() if g > 0), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall(ranked: Sequence[str], grades: Mapping[str, int], k: int = K) -> float:
    """Share of the relevant documents found in the top k."""
    relevant = {p for p, g in grades.items() if g > 0}
    if not relevant:
        return 0.0
    return len(relevant & set(_unique(ranked)[:k])) / len(relevant)


def _pages_of_top(hits: Sequence[Hit], k: int) -> dict[str, tuple[int, ...]]:
    """The pages returned for each of the first k documents (in the order returned)."""
    top: dict[str, tuple[int, ...]] = {}
    for hit in hits:
        if hit.path not in top and len(top) < k:
            top[hit.path] = tuple(hit.pages)
    return top


def page_hit_rate(hits: Sequence[Hit], page_judgements: Mapping[str, frozenset[int]], k: int = K) -> float | None:
    """Share of the page-judged PDFs returned in the top k with a judged page among their pages (None if none)."""
    if not page_judgements:
        return None
    top = _pages_of_top(hits, k)
    found = sum(1 for path, pages in page_judgements.items() if pages.intersection(top.get(path, ())))
    return found / len(page_judgements)


def first_page_hit_rate(hits: Sequence[Hit], page_judgements: Mapping[str, frozenset[int]], k: int = K) -> float | None:
    """Share of the page-judged PDFs returned in the top k whose first page (the one the result's link opens) is
    a judged page (None if the query judges no page)."""
    if not page_judgements:
        return None
    top = _pages_of_top(hits, k)
    found = sum(1 for path, pages in page_judgements.items() if top.get(path, ())[:1] and top[path][0] in pages)
    return found / len(page_judgements)


def score(query: Query, hits: Sequence[Hit], k: int = K) -> dict[str, float | None]:
    """The metrics of one query."""
    ranked = [h.path for h in hits]
    grades = query.grades
    return {
        "mrr": reciprocal_rank(ranked, grades, k),
        "ndcg": ndcg(ranked, grades, k),
        "recall": recall(ranked, grades, k),
        "page": page_hit_rate(hits, query.page_judgements, k),
        "page1": first_page_hit_rate(hits, query.page_judgements, k),
    }


def aggregate(scores: Sequence[Mapping[str, float | None]]) -> dict[str, Any]:
    """Mean of each metric (page@10 and page@1 over the queries that judge pages), with the counts."""
    out: dict[str, Any] = {"n": len(scores)}
    for metric in METRICS:
        values = [s[metric] for s in scores if s.get(metric) is not None]
        out[metric] = sum(values) / len(values) if values else None
        if metric == "page":
            out["n_page"] = len(values)
    return out


# ---------------------------------------------------------------------------------------------------------
# The corpus, extracted and enriched once


@dataclass
class Corpus:
    """The extracted corpus: documents by path (not enriched), failures, and the scanned files."""

    root: Path
    files: dict[str, FileInfo]
    docs: dict[str, Document]
    failures: dict[str, Failure]

    def enriched(self) -> dict[str, Document]:
        """A deep copy of the documents, enriched exactly as `build_index` does."""
        docs = copy.deepcopy(self.docs)
        enrich_all(docs, self.files.keys(), load_catalogue(self.root))
        return docs

    @property
    def page_counts(self) -> dict[str, int]:
        """Path → number of pages."""
        return {p: d.page_count for p, d in self.docs.items()}


def extract_corpus(root: Path, settings: Settings, cache_dir: Path | None = None, only: str | None = None) -> Corpus:
    """Scan and extract the corpus (worker processes; `only` = "html" or "pdf" restricts the formats)."""
    files, _skipped = scan_corpus(root)
    chosen = [info for info in files.values() if only is None or _format(info.path) == only]
    docs: dict[str, Document] = {}
    failures: dict[str, Failure] = {}
    for result in extract_many(root, chosen, settings, cache_dir):
        if isinstance(result, Failure):
            failures[result.path] = result
        else:
            docs[result.path] = result
    return Corpus(root, files, docs, failures)


def _format(path: str) -> str:
    return "pdf" if path.lower().endswith(".pdf") else "html"


def facet_values(doc: Document) -> dict[str, Any]:
    """The facet values of an enriched document, as the engine's doc record holds them."""
    return {
        "year": doc.year,
        "year_facet": year_facet_value(doc.year),
        "themes": list(doc.themes),
        "types": type_values(doc.format, doc.doc_type),
    }


def _filter_values(filters: Mapping[str, Any], key: str) -> list[str]:
    value = filters.get(key)
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _year_bound(filters: Mapping[str, Any], key: str) -> int | None:
    values = _filter_values(filters, key)
    return int(values[-1]) if values else None


# ---------------------------------------------------------------------------------------------------------
# Systems


class System:
    """A searchable index of the corpus."""

    name = ""

    def search(self, query: Query) -> list[Hit]:
        """The top 10 results of a query, with its filters."""
        raise NotImplementedError

    def close(self) -> None:
        """Release the index."""


class EngineSystem(System):
    """The engine: `build_index` into `index_root`, searched with `run_search`."""

    name = "engine"

    def __init__(self, corpus: Corpus, index_root: Path) -> None:
        cache = ExtractionCache(index_root / CACHE)
        for doc in corpus.docs.values():  # build_index then reads these very extractions from its cache
            cache.put(doc)
        # One extraction process: documents are then numbered in the order of the scan, and two documents of
        # equal score (ranked by document number) come in the same order at every run; with two, their order
        # follows which extraction finished first, and two runs of the same code could differ by such swaps.
        self.settings = Settings.load(corpus=corpus.root, index=index_root, workers=1)
        self.report = build_index(self.settings)
        self.handle = IndexHandle(index_root)

    def search(self, query: Query) -> list[Hit]:
        params = SearchParams.from_args({**query.search_args(), "per_page": str(K)}, self.settings)
        result = run_search(params, self.handle)
        return [Hit(r["path"], tuple(p["page"] for p in r.get("pages") or ())) for r in result["results"]]

    def close(self) -> None:
        self.handle.close()


_USER_TOKEN = re.compile(r'"([^"]*)"|«\s*([^»]*?)\s*»|(\S+)')


def user_clauses(text: str) -> list[tuple[str, str]]:
    """What a plain search box sees in a query: ("phrase", text), ("prefix", stem) and ("word", text)."""
    clauses: list[tuple[str, str]] = []
    for quoted, guillemets, bare in _USER_TOKEN.findall(text or ""):
        phrase = quoted or guillemets
        if phrase.strip():
            clauses.append(("phrase", phrase.strip()))
        elif bare:
            word = bare.strip('"«»()[]{},;:!?.')
            if len(word) > 1 and word.endswith("*") and word.rstrip("*"):
                clauses.append(("prefix", word.rstrip("*")))
            elif word.strip("*"):
                clauses.append(("word", word.strip("*")))
    return clauses


def fts5_expression(text: str, operator: str = "AND") -> str:
    """An FTS5 MATCH expression: words (split as unicode61 splits them) joined with `operator`."""
    items: list[str] = []
    for kind, value in user_clauses(text):
        if kind == "phrase":
            items.append('"' + value.replace('"', '""') + '"')
            continue
        tokens = re.findall(r"\w+", value)
        for i, token in enumerate(tokens):
            prefix = kind == "prefix" and i == len(tokens) - 1
            items.append(f'"{token}"' + (" *" if prefix else ""))
    return f" {operator} ".join(items)


class Fts5System(System):
    """SQLite FTS5 with diacritics removed and bm25 weighting the title; a page table for best pages."""

    name = "fts5"

    def __init__(self, docs: Mapping[str, Document]) -> None:
        db = sqlite3.connect(":memory:")
        tokenize = "unicode61 remove_diacritics 2"
        db.executescript(
            f"""
            CREATE TABLE docs(id INTEGER PRIMARY KEY, path TEXT, format TEXT, year INTEGER, year_facet TEXT);
            CREATE TABLE doc_themes(id INTEGER, theme TEXT);
            CREATE TABLE doc_types(id INTEGER, type TEXT);
            CREATE VIRTUAL TABLE doc_fts USING fts5(title, body, tokenize='{tokenize}');
            CREATE VIRTUAL TABLE page_fts USING fts5(body, path UNINDEXED, page UNINDEXED, tokenize='{tokenize}');
            """
        )
        for i, path in enumerate(sorted(docs), start=1):
            doc = docs[path]
            facets = facet_values(doc)
            db.execute(
                "INSERT INTO docs VALUES (?, ?, ?, ?, ?)", (i, path, doc.format, facets["year"], facets["year_facet"])
            )
            db.executemany("INSERT INTO doc_themes VALUES (?, ?)", [(i, t) for t in facets["themes"]])
            db.executemany("INSERT INTO doc_types VALUES (?, ?)", [(i, t) for t in facets["types"]])
            db.execute("INSERT INTO doc_fts(rowid, title, body) VALUES (?, ?, ?)", (i, doc.title, doc.text))
            if doc.format == "pdf":
                db.executemany(
                    "INSERT INTO page_fts(body, path, page) VALUES (?, ?, ?)",
                    [(text, path, n) for n, text in enumerate(doc.pages, start=1)],
                )
        db.commit()
        self.db = db

    @staticmethod
    def _where(filters: Mapping[str, Any]) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        args: list[Any] = []
        years = _filter_values(filters, "year")
        if years:
            clauses.append(f"docs.year_facet IN ({', '.join('?' * len(years))})")
            args += years
        low, high = _year_bound(filters, "year_from"), _year_bound(filters, "year_to")
        if low or high:
            clauses.append("docs.year BETWEEN ? AND ?")
            args += [low or 0, high or 9999]
        for key, table, column in (("theme", "doc_themes", "theme"), ("type", "doc_types", "type")):
            values = _filter_values(filters, key)
            if values:
                marks = ", ".join("?" * len(values))
                clauses.append(f"docs.id IN (SELECT id FROM {table} WHERE {column} IN ({marks}))")
                args += values
        return "".join(f" AND {c}" for c in clauses), args

    def _docs(self, expression: str, filters: Mapping[str, Any]) -> list[tuple[str, str]]:
        where, args = self._where(filters)
        sql = (
            "SELECT docs.path, docs.format FROM doc_fts JOIN docs ON docs.id = doc_fts.rowid "
            f"WHERE doc_fts MATCH ?{where} ORDER BY bm25(doc_fts, {TITLE_WEIGHT}, 1.0) LIMIT {K}"
        )
        try:
            return self.db.execute(sql, [expression, *args]).fetchall()
        except sqlite3.OperationalError as exc:  # a query FTS5 cannot parse finds nothing, like a search box
            logger.warning("FTS5 refused %r: %s", expression, exc)
            return []

    def search(self, query: Query) -> list[Hit]:
        expression = fts5_expression(query.q, "AND")
        if not expression:
            return []
        rows = self._docs(expression, query.filters)
        any_terms = fts5_expression(query.q, "OR")
        if not rows and any_terms != expression:  # AND found nothing: any of the words, like the engine
            rows = self._docs(any_terms, query.filters)
        hits = []
        for path, doc_format in rows:
            pages: tuple[int, ...] = ()
            if doc_format == "pdf":
                sql = "SELECT page FROM page_fts WHERE page_fts MATCH ? AND path = ? ORDER BY bm25(page_fts) LIMIT ?"
                with contextlib.suppress(sqlite3.OperationalError):
                    pages = tuple(int(r[0]) for r in self.db.execute(sql, (any_terms, path, BEST_PAGES)))
            hits.append(Hit(path, pages))
        return hits

    def close(self) -> None:
        self.db.close()


class WhooshSystem(System):
    """Whoosh with its defaults: StandardAnalyzer, BM25F, MultifieldParser (title boosted) over title and body."""

    name = "whoosh"

    def __init__(self, docs: Mapping[str, Document]) -> None:
        storage = RamStorage()
        doc_schema = Schema(
            path=ID(stored=True, unique=True),
            format=ID(stored=True),
            title=TEXT(analyzer=StandardAnalyzer()),
            body=TEXT(analyzer=StandardAnalyzer()),
            year=NUMERIC(int),
            year_facet=ID,
            themes=KEYWORD,
            types=KEYWORD,
        )
        page_schema = Schema(
            path=ID(stored=True), page=NUMERIC(int, stored=True), body=TEXT(analyzer=StandardAnalyzer())
        )
        # A RamStorage writer keeps its temporary files in /tmp/<indexname>.tmp: names of this process only, or
        # two benchmark runs at once delete each other's files.
        self.docs_ix = storage.create_index(doc_schema, indexname=f"docs-{os.getpid()}")
        self.pages_ix = storage.create_index(page_schema, indexname=f"pages-{os.getpid()}")
        docs_writer, pages_writer = self.docs_ix.writer(), self.pages_ix.writer()
        for path in sorted(docs):
            doc = docs[path]
            facets = facet_values(doc)
            record: dict[str, Any] = {
                "path": path,
                "format": doc.format,
                "title": doc.title,
                "body": doc.text,
                "year_facet": facets["year_facet"],
                "themes": " ".join(facets["themes"]),
                "types": " ".join(facets["types"]),
            }
            if facets["year"]:
                record["year"] = facets["year"]
            docs_writer.add_document(**record)
            if doc.format == "pdf":
                for n, text in enumerate(doc.pages, start=1):
                    pages_writer.add_document(path=path, page=n, body=text)
        docs_writer.commit()
        pages_writer.commit()
        self.docs_searcher = self.docs_ix.searcher()
        self.pages_searcher = self.pages_ix.searcher()
        fields = ["title", "body"]
        boosts = {"title": TITLE_WEIGHT}
        self.and_parser = MultifieldParser(fields, doc_schema, fieldboosts=boosts)
        self.or_parser = MultifieldParser(fields, doc_schema, fieldboosts=boosts, group=OrGroup)
        self.page_parser = QueryParser("body", page_schema, group=OrGroup)

    @staticmethod
    def _filter(filters: Mapping[str, Any]) -> wq.Query | None:
        parts: list[wq.Query] = []
        for key, fieldname in (("year", "year_facet"), ("theme", "themes"), ("type", "types")):
            values = _filter_values(filters, key)
            if values:
                parts.append(wq.Or([wq.Term(fieldname, v) for v in values]))
        low, high = _year_bound(filters, "year_from"), _year_bound(filters, "year_to")
        if low or high:
            parts.append(wq.NumericRange("year", low, high))
        return wq.And(parts) if parts else None

    def search(self, query: Query) -> list[Hit]:
        filt = self._filter(query.filters)
        found = self.docs_searcher.search(self.and_parser.parse(query.q), limit=K, filter=filt)
        if found.is_empty():
            found = self.docs_searcher.search(self.or_parser.parse(query.q), limit=K, filter=filt)
        page_query = self.page_parser.parse(query.q)
        hits = []
        for hit in found:
            pages: tuple[int, ...] = ()
            if hit["format"] == "pdf":
                best = self.pages_searcher.search(page_query, limit=BEST_PAGES, filter=wq.Term("path", hit["path"]))
                pages = tuple(int(p["page"]) for p in best)
            hits.append(Hit(hit["path"], pages))
        return hits

    def close(self) -> None:
        self.docs_searcher.close()
        self.pages_searcher.close()


# ---------------------------------------------------------------------------------------------------------
# Running and reporting


def run_queries(system: System, queries: Sequence[Query]) -> dict[str, list[Hit]]:
    """Query id → the system's top 10."""
    return {q.id: system.search(q) for q in queries}


def _scores(
    queries: Sequence[Query], runs: Mapping[str, Mapping[str, Sequence[Hit]]]
) -> dict[str, dict[str, dict[str, float | None]]]:
    """system → query id → the query's metrics (each query scored once)."""
    return {system: {q.id: score(q, hits[q.id]) for q in queries} for system, hits in runs.items()}


def summarise(queries: Sequence[Query], runs: Mapping[str, Mapping[str, Sequence[Hit]]]) -> dict[str, Any]:
    """half (tune, test, all) → system → kind (and "overall") → aggregated metrics."""
    scores = _scores(queries, runs)
    out: dict[str, Any] = {}
    for half in (*HALVES, "all"):
        chosen = [q for q in queries if half in ("all", q.half)]
        out[half] = {}
        for system in runs:
            per_kind: dict[str, Any] = {}
            for kind in KINDS:
                per_kind[kind] = aggregate([scores[system][q.id] for q in chosen if q.kind == kind])
            per_kind["overall"] = aggregate([scores[system][q.id] for q in chosen])
            out[half][system] = per_kind
    return out


def paired_comparison(ours: Sequence[float], theirs: Sequence[float], rounds: int = 20000) -> dict[str, Any]:
    """Ours minus theirs, query by query: mean difference, wins / ties / losses, and the two-sided p-value of a
    paired sign-flip permutation test (every sign assignment when there are at most `rounds` of them, else
    `rounds` random ones with a fixed seed). A small p says the difference is unlikely to be chance."""
    diffs = [a - b for a, b in zip(ours, theirs, strict=True)]
    n = len(diffs)
    out: dict[str, Any] = {
        "n": n,
        "mean_diff": sum(diffs) / n if n else 0.0,
        "wins": sum(1 for d in diffs if d > 1e-12),
        "ties": sum(1 for d in diffs if abs(d) <= 1e-12),
        "losses": sum(1 for d in diffs if d < -1e-12),
    }
    observed = abs(sum(diffs))
    if observed <= 1e-12:
        out["p"] = 1.0
        return out
    if 2**n <= rounds:
        signs: Iterable[Sequence[int]] = ([1 if mask >> i & 1 else -1 for i in range(n)] for mask in range(2**n))
        total = 2**n
    else:
        rng = random.Random(0)
        signs = ([rng.choice((1, -1)) for _ in range(n)] for _ in range(rounds))
        total = rounds
    extreme = sum(1 for sign in signs if abs(sum(d * s for d, s in zip(diffs, sign, strict=True))) >= observed - 1e-12)
    # Sampled: the observed signs count as one draw, so p is never 0 (at least 1 / (rounds + 1)).
    out["p"] = extreme / total if total == 2**n else (extreme + 1) / (total + 1)
    return out


def compare_to_baselines(
    queries: Sequence[Query], runs: Mapping[str, Mapping[str, Sequence[Hit]]], metric: str = "ndcg"
) -> dict[str, Any]:
    """half → baseline → kind (and "overall") → `paired_comparison` of the engine's `metric` with the baseline's."""
    scores = _scores(queries, runs)
    out: dict[str, Any] = {}
    for half in (*HALVES, "all"):
        chosen = [q for q in queries if half in ("all", q.half)]
        out[half] = {}
        for system in runs:
            if system == "engine":
                continue
            per_kind: dict[str, Any] = {}
            for kind in (*KINDS, "overall"):
                members = [q for q in chosen if kind in ("overall", q.kind)]
                per_kind[kind] = paired_comparison(
                    [scores["engine"][q.id][metric] or 0.0 for q in members],
                    [scores[system][q.id][metric] or 0.0 for q in members],
                )
            out[half][system] = per_kind
    return out


def format_comparison(comparison: Mapping[str, Any]) -> str:
    """One table per half: per kind, the engine's nDCG@10 minus each baseline's, wins/ties/losses and p."""
    lines: list[str] = []
    for half in (*HALVES, "all"):
        baselines = list(comparison[half])
        lines.append(f"\nEngine minus baseline, nDCG@10, half « {half} » (queries won/tied/lost, sign-flip test p)")
        lines.append(f"{'kind':<13}" + "".join(f"| {name:<28}" for name in baselines))
        for kind in (*KINDS, "overall"):
            row = f"{kind:<13}"
            for name in baselines:
                c = comparison[half][name][kind]
                cell = f"{c['mean_diff']:+.3f} {c['wins']:>2}/{c['ties']:>2}/{c['losses']:>2} p={c['p']:.2g}"
                row += f"| {cell:<28}"
            lines.append(row)
    return "\n".join(lines)


def _fmt(value: float | None) -> str:
    return "   —  " if value is None else f"{value:6.3f}"


def format_tables(summary: Mapping[str, Any], systems: Sequence[str]) -> str:
    """One table per half: rows are kinds, columns each metric for each system."""
    short = {"engine": "engine", "fts5": "fts5", "whoosh": "whoosh"}
    lines: list[str] = []
    for half in (*HALVES, "all"):
        table = summary[half]
        n_all = table[systems[0]]["overall"]["n"]
        lines.append(f"\nHalf « {half} » ({n_all} queries)")
        head1 = f"{'':<13}{'':>4} "
        head2 = f"{'kind':<13}{'n':>4} "
        for metric in METRICS:
            width = 7 * len(systems)
            head1 += f"| {METRIC_LABELS[metric]:<{width}}"
            head2 += "| " + "".join(f"{short.get(s, s)[:6]:>7}" for s in systems)
        lines += [head1 + "| pages", head2 + "|    n"]
        for kind in (*KINDS, "overall"):
            row = f"{kind:<13}{table[systems[0]][kind]['n']:>4} "
            for metric in METRICS:
                row += "| " + "".join(f" {_fmt(table[s][kind][metric])}" for s in systems)
            row += f"| {table[systems[0]][kind]['n_page']:>4}"
            lines.append(row)
    return "\n".join(lines)


def query_report(query: Query, hits: Sequence[Hit]) -> dict[str, Any]:
    """What a system returned for a query and how it scores."""
    grades = query.grades
    ranked = [h.path for h in hits]
    judged = []
    for j in query.judgements:
        rank = ranked.index(j.path) + 1 if j.path in ranked else None
        returned = list(hits[rank - 1].pages) if rank else []
        judged.append({"path": j.path, "grade": j.grade, "rank": rank, "pages": list(j.pages), "returned": returned})
    return {
        "metrics": score(query, hits),
        "results": [{"path": h.path, "pages": list(h.pages), "grade": grades.get(h.path, 0)} for h in hits],
        "judged": judged,
    }


def format_worst(queries: Sequence[Query], reports: Mapping[str, Mapping[str, Any]], count: int) -> str:
    """The engine's worst queries (by nDCG, then MRR), with what it missed and what it ranked instead."""
    engine = reports["engine"]

    def key(q: Query) -> tuple[float, float, float]:
        m = engine[q.id]["metrics"]
        page = m["page"] if m["page"] is not None else 1.0
        return (m["ndcg"], m["mrr"], page)

    lines = [f"\nThe engine's {count} worst queries (nDCG@10, then MRR@10, then page@10)"]
    for q in sorted(queries, key=key)[:count]:
        m = engine[q.id]["metrics"]
        others = "  ".join(
            f"{s} nDCG {reports[s][q.id]['metrics']['ndcg']:.2f}"
            for s in reports
            if s != "engine" and q.id in reports[s]
        )
        filters = f"  filters {json.dumps(dict(q.filters), ensure_ascii=False)}" if q.filters else ""
        page = "" if m["page"] is None else f" page {m['page']:.2f}"
        lines.append(
            f"- {q.id} [{q.half}] « {q.q} »{filters}\n"
            f"    engine nDCG {m['ndcg']:.2f} MRR {m['mrr']:.2f} R@10 {m['recall']:.2f}{page}   ({others})"
        )
        for j in engine[q.id]["judged"]:
            where = f"rank {j['rank']}" if j["rank"] else "not in top 10"
            pages = f", pages judged {j['pages']} returned {j['returned']}" if j["pages"] else ""
            lines.append(f"      judged g{j['grade']} {j['path']}: {where}{pages}")
        top = ", ".join(f"{r['path'].rsplit('/', 1)[-1]}[g{r['grade']}]" for r in engine[q.id]["results"][:4])
        lines.append(f"      top 4: {top or '(nothing)'}")
    return "\n".join(lines)


@contextlib.contextmanager
def _temp_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="crpv-relevance-") as tmp:
        yield Path(tmp)


def run_benchmark(args: argparse.Namespace) -> dict[str, Any]:
    """Extract once, build the three systems, run every query, print the tables; return the JSON report."""
    corpus_root = Path(args.corpus)
    queries = load_queries(Path(args.queries))
    settings = Settings.load(corpus=corpus_root)
    timings: dict[str, float] = {}
    with _temp_dir() as tmp:
        t0 = time.perf_counter()
        corpus = extract_corpus(corpus_root, settings, cache_dir=tmp / "engine" / CACHE)
        problems = check_queries(queries, corpus_root, corpus.page_counts)
        if problems:
            raise SystemExit("Query file problems:\n  " + "\n  ".join(problems))
        t1 = time.perf_counter()
        docs = corpus.enriched()
        t2 = time.perf_counter()
        systems: list[System] = [EngineSystem(corpus, tmp / "engine")]
        t3 = time.perf_counter()
        systems.append(Fts5System(docs))
        t4 = time.perf_counter()
        systems.append(WhooshSystem(docs))
        t5 = time.perf_counter()
        timings.update(
            {
                "extract": t1 - t0,
                "enrich": t2 - t1,
                "build_engine": t3 - t2,
                "build_fts5": t4 - t3,
                "build_whoosh": t5 - t4,
            }
        )
        runs: dict[str, dict[str, list[Hit]]] = {}
        for system in systems:
            t = time.perf_counter()
            runs[system.name] = run_queries(system, queries)
            timings[f"queries_{system.name}"] = time.perf_counter() - t
            system.close()
    summary = summarise(queries, runs)
    names = [s.name for s in systems]
    print(f"Relevance benchmark: {len(queries)} queries, {len(docs)} documents, corpus {corpus_root}")
    print(format_tables(summary, names))
    comparison = compare_to_baselines(queries, runs)
    print(format_comparison(comparison))
    reports = {name: {q.id: query_report(q, runs[name][q.id]) for q in queries} for name in names}
    print(format_worst(queries, reports, args.worst))
    timings["total"] = sum(timings.values())
    print("\nTimings (s): " + ", ".join(f"{k} {v:.2f}" for k, v in timings.items()))
    return {
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "corpus": str(corpus_root),
        "queries_file": str(args.queries),
        "documents": len(docs),
        "failures": sorted(corpus.failures),
        "systems": names,
        "k": K,
        "summary": summary,
        "comparison_ndcg": comparison,
        "queries": [{**_query_json(q), "systems": {name: reports[name][q.id] for name in names}} for q in queries],
        "timings": {k: round(v, 3) for k, v in timings.items()},
    }


def _query_json(q: Query) -> dict[str, Any]:
    return {"id": q.id, "kind": q.kind, "half": q.half, "q": q.q, "filters": dict(q.filters)}


# ---------------------------------------------------------------------------------------------------------
# Theme tagging quality (item 4)


def explicit_themes(doc: Document, catalogue: Mapping[str, Any]) -> tuple[list[str], str]:
    """The themes a document declares: its catalogue row, else the WordPress categories that name a theme."""
    entry = catalogue.get(doc.path)
    if entry is not None and entry.themes:
        return list(entry.themes), "catalogue"
    return themes_from_labels(doc.metadata.get("categories") or []), "categories"


def theme_scores(pairs: Sequence[tuple[Sequence[str], Sequence[str]]]) -> dict[str, Any]:
    """Precision, recall and F1 per theme and overall (micro and macro) of (explicit, predicted) pairs."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for expected, predicted in pairs:
        exp, pred = set(expected), set(predicted)
        tp.update(exp & pred)
        fp.update(pred - exp)
        fn.update(exp - pred)

    def prf(t: int, f_p: int, f_n: int) -> dict[str, Any]:
        p = t / (t + f_p) if t + f_p else None
        r = t / (t + f_n) if t + f_n else None
        f1 = 2 * p * r / (p + r) if p and r else (0.0 if p is not None and r is not None else None)
        return {"tp": t, "fp": f_p, "fn": f_n, "support": t + f_n, "precision": p, "recall": r, "f1": f1}

    per_theme = {t.slug: prf(tp[t.slug], fp[t.slug], fn[t.slug]) for t in themes()}
    micro = prf(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    evaluable = [v for v in per_theme.values() if v["support"]]
    macro = {
        metric: sum(v[metric] or 0.0 for v in evaluable) / len(evaluable) if evaluable else None
        for metric in ("precision", "recall", "f1")
    }
    return {"per_theme": per_theme, "micro": micro, "macro": macro, "documents": len(pairs)}


def format_theme_table(title: str, scores: Mapping[str, Any]) -> str:
    """A table of the scores of `theme_scores`."""
    lines = [f"\n{title} ({scores['documents']} documents)"]
    lines.append(f"{'theme':<26}{'support':>8}{'TP':>5}{'FP':>5}{'FN':>5}{'precision':>11}{'recall':>8}{'F1':>7}")
    for slug, v in scores["per_theme"].items():
        if not (v["support"] or v["fp"]):
            continue
        lines.append(
            f"{slug:<26}{v['support']:>8}{v['tp']:>5}{v['fp']:>5}{v['fn']:>5}"
            f"{_fmt(v['precision']):>11}{_fmt(v['recall']):>8}{_fmt(v['f1']):>7}"
        )
    mi, ma = scores["micro"], scores["macro"]
    lines.append(
        f"{'micro':<26}{mi['support']:>8}{mi['tp']:>5}{mi['fp']:>5}{mi['fn']:>5}"
        f"{_fmt(mi['precision']):>11}{_fmt(mi['recall']):>8}{_fmt(mi['f1']):>7}"
    )
    lines.append(
        f"{'macro (themes with support)':<41}{_fmt(ma['precision']):>11}{_fmt(ma['recall']):>8}{_fmt(ma['f1']):>7}"
    )
    return "\n".join(lines)


def run_themes(args: argparse.Namespace) -> dict[str, Any]:
    """Compare `themes_from_text` with the explicit themes; print the tables; return the JSON report."""
    corpus_root = Path(args.corpus)
    corpus = extract_corpus(corpus_root, Settings.load(corpus=corpus_root))
    catalogue = load_catalogue(corpus_root)
    docs = copy.deepcopy(corpus.docs)
    resolve_links(docs.values(), corpus.files.keys())
    label_map: dict[str, list[str]] = {}
    rows: list[dict[str, Any]] = []
    explicit_by_path: dict[str, list[str]] = {}
    for path in sorted(docs):
        doc = docs[path]
        if doc.format != "html":
            continue
        for label in doc.metadata.get("categories") or []:
            label_map.setdefault(label, themes_from_labels([label]))
        expected, source = explicit_themes(doc, catalogue)
        if not expected:
            continue
        explicit_by_path[path] = expected
        predicted = themes_from_text(doc.title, doc.text)
        rows.append({"path": path, "source": source, "explicit": expected, "from_text": predicted})
    html_scores = theme_scores([(r["explicit"], r["from_text"]) for r in rows])
    # PDFs: the explicit themes of the posts that publish them (what enrichment lets them inherit).
    pdf_rows: list[dict[str, Any]] = []
    publishers = Parents()
    for post in docs.values():
        publishers.add_post(post)
    for child in publishers.children():
        parents = [p.path for p in publishers.parents_of(child)]
        doc = docs.get(child)
        inherited = sorted({t for p in parents for t in explicit_by_path.get(p, [])})
        if doc is None or doc.format != "pdf" or not inherited:
            continue
        pdf_rows.append(
            {
                "path": child,
                "explicit": inherited,
                "from_text": themes_from_text(doc.title, doc.text),
                "parents": parents,
            }
        )
    pdf_scores = theme_scores([(r["explicit"], r["from_text"]) for r in pdf_rows])
    without = [p for p, d in docs.items() if d.format == "html" and p not in explicit_by_path]
    print("Theme tagging: themes_from_text(title, text) against the explicit themes")
    print("\nCategory labels and the themes they name (themes_from_labels):")
    for label, slugs in sorted(label_map.items()):
        print(f"  {label:<62} → {', '.join(slugs) or '—'}")
    print(format_theme_table("HTML posts with categories that name a theme", html_scores))
    print(format_theme_table("PDFs against the category themes of the posts that publish them", pdf_scores))
    print(f"\nHTML posts with no theme category ({len(without)}), themed from the text only: " + ", ".join(without))
    print("\nDisagreements (HTML): path — explicit → from text")
    for r in rows:
        if set(r["explicit"]) != set(r["from_text"]):
            print(f"  {r['path']} — {', '.join(r['explicit'])} → {', '.join(r['from_text']) or '—'}")
    return {
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "corpus": str(corpus_root),
        "category_labels": label_map,
        "html": {"scores": html_scores, "documents": rows},
        "pdf": {"scores": pdf_scores, "documents": pdf_rows},
        "html_without_theme_category": without,
    }


# ---------------------------------------------------------------------------------------------------------
# Extraction ablation (item 5)


def _identity(text: str, *_args: Any, **_kwargs: Any) -> Any:
    return text


class _NoNfc:
    """Stands in for `unicodedata` in the normalise module: every form but NFC (left undone) as usual."""

    @staticmethod
    def normalize(form: str, text: str) -> str:
        return text if form == "NFC" else unicodedata.normalize(form, text)

    def __getattr__(self, name: str) -> Any:
        return getattr(unicodedata, name)


def _keep_boilerplate(soup: Any) -> list[Any]:
    """The whole <body> as content (scripts and styles dropped): what plain BeautifulSoup get_text sees."""
    for tag in soup.find_all(["script", "style", "noscript", "template"]):
        tag.decompose()
    body = soup.find("body")
    return [body if body is not None else soup]


def _pypdf_text_instead(pdfium_text: str, reader: Any, index: int, rel_path: str) -> tuple[str, str]:
    """Stands in for `least_glued` in the PDF extractor: the text of every page by pypdf (OCR unchanged)."""
    from indexer.extract.pdf_text import pypdf_text

    if reader is None:
        return pdfium_text, "pdfium"
    return pypdf_text(reader, index, rel_path), "pypdf"


@dataclass(frozen=True)
class Variant:
    """One extraction ablation: what is patched and which format is re-extracted."""

    name: str
    description: str
    fmt: str  # "pdf" or "html"
    patches: tuple[tuple[str, str, Callable[[], Any]], ...]  # (module, attribute, factory of the replacement)


def ablation_variants() -> list[Variant]:
    """Each normalisation turned off in turn, all PDF ones together, and the HTML boilerplate kept."""
    norm, pdf, html = "indexer.extract.normalise", "indexer.extract.pdf", "indexer.extract.html"
    ligatures = (norm, "expand_ligatures", lambda: _identity)
    spacing = (norm, "join_spacing_accents", lambda: _identity)
    nfc = (norm, "unicodedata", _NoNfc)
    hyphen = (pdf, "dehyphenate", lambda: _identity)
    running = (pdf, "strip_running_lines", lambda: _identity)
    return [
        Variant("no-ligatures", "ligatures ﬁ ﬂ ﬀ ﬃ ﬄ kept as such", "pdf", (ligatures,)),
        Variant("no-spacing-accents", "spacing accents (« ´e ») not joined", "pdf", (spacing,)),
        Variant("no-nfc", "combining accents not composed (no NFC)", "pdf", (nfc,)),
        Variant("no-dehyphenation", "words hyphenated at line ends left cut", "pdf", (hyphen,)),
        Variant("no-running-lines", "running headers, footers and page numbers kept", "pdf", (running,)),
        Variant("pdf-raw", "all PDF normalisations above off", "pdf", (ligatures, spacing, nfc, hyphen, running)),
        Variant(
            "pypdf-text",
            "page text by pypdf instead of PDFium",
            "pdf",
            ((pdf, "least_glued", lambda: _pypdf_text_instead),),
        ),
        Variant(
            "html-boilerplate",
            "HTML menus, sidebar, footer, comments kept (whole <body>)",
            "html",
            ((html, "remove_chrome", lambda: _keep_boilerplate),),
        ),
    ]


@contextlib.contextmanager
def patched(patches: Iterable[tuple[str, str, Callable[[], Any]]]) -> Iterator[None]:
    """Replace module attributes for the duration of the block (this process and the workers it forks)."""
    saved = []
    try:
        for module_name, attribute, factory in patches:
            module = sys.modules[module_name]
            saved.append((module, attribute, getattr(module, attribute)))
            setattr(module, attribute, factory())
        yield
    finally:
        for module, attribute, value in reversed(saved):
            setattr(module, attribute, value)


def _text_change(before: Mapping[str, Document], after: Mapping[str, Document]) -> dict[str, int]:
    """Pages whose text differs, and words (as \\w+ runs) removed or added."""
    pages = changed = words = 0
    for path, doc in before.items():
        other = after.get(path)
        if other is None:
            continue
        for a, b in zip(doc.pages, other.pages, strict=False):
            pages += 1
            if a != b:
                changed += 1
                ca, cb = Counter(re.findall(r"\w+", a)), Counter(re.findall(r"\w+", b))
                words += sum(((ca - cb) + (cb - ca)).values())
    return {"pages": pages, "pages_changed": changed, "words_changed": words}


def run_ablation(args: argparse.Namespace) -> dict[str, Any]:
    """Rebuild the engine's index for each variant; print the change of each metric; return the JSON report."""
    corpus_root = Path(args.corpus)
    queries = load_queries(Path(args.queries))
    settings = Settings.load(corpus=corpus_root)
    base_corpus = extract_corpus(corpus_root, settings)
    variants: dict[str, dict[str, Any]] = {}

    def evaluate(corpus: Corpus) -> tuple[dict[str, Any], dict[str, list[Hit]]]:
        with _temp_dir() as tmp:
            engine = EngineSystem(corpus, tmp / "engine")
            try:
                hits = run_queries(engine, queries)
            finally:
                engine.close()
        return summarise(queries, {"engine": hits})["all"]["engine"], hits

    base, base_hits = evaluate(base_corpus)
    results: dict[str, Any] = {"baseline": {"summary": base}}
    for variant in ablation_variants():
        t = time.perf_counter()
        with patched(variant.patches):
            partial = extract_corpus(corpus_root, settings, only=variant.fmt)
        docs = {**base_corpus.docs, **partial.docs}
        corpus = Corpus(corpus_root, base_corpus.files, docs, base_corpus.failures)
        summary, hits = evaluate(corpus)
        changed = [q.id for q in queries if [h.path for h in hits[q.id]] != [h.path for h in base_hits[q.id]]]
        variants[variant.name] = {
            "description": variant.description,
            "format": variant.fmt,
            "text": _text_change(
                {p: d for p, d in base_corpus.docs.items() if _format(p) == variant.fmt}, partial.docs
            ),
            "summary": summary,
            "queries_changed": changed,
            "seconds": round(time.perf_counter() - t, 2),
        }
    results["variants"] = variants
    print(format_ablation(base, variants))
    return {"generated": datetime.now(UTC).isoformat(timespec="seconds"), "corpus": str(corpus_root), **results}


def format_ablation(base: Mapping[str, Any], variants: Mapping[str, Mapping[str, Any]]) -> str:
    """Overall metrics of each variant and their change from the baseline, then nDCG@10 per kind."""
    lines = ["Extraction ablation: the engine's index rebuilt with one normalisation off (all queries)"]
    head = f"{'variant':<20}{'pages chg':>10}{'words chg':>10}"
    head += "".join(f"{METRIC_LABELS[m]:>18}" for m in METRICS) + f"{'queries chg':>13}"
    lines.append(head)
    overall = base["overall"]
    row = f"{'baseline':<20}{'':>10}{'':>10}" + "".join(f"{_fmt(overall[m]):>18}" for m in METRICS)
    lines.append(row)
    for name, v in variants.items():
        o = v["summary"]["overall"]
        cells = ""
        for m in METRICS:
            if o[m] is None or overall[m] is None:
                cells += f"{'—':>18}"
            else:
                cells += f"{o[m]:>10.3f} ({o[m] - overall[m]:+.3f})"
        text = v["text"]
        changed = f"{text['pages_changed']}/{text['pages']}"
        lines.append(f"{name:<20}{changed:>10}{text['words_changed']:>10}{cells}{len(v['queries_changed']):>13}")
    lines.append("\nnDCG@10 change per kind")
    lines.append(f"{'variant':<20}" + "".join(f"{k[:11]:>12}" for k in KINDS))
    lines.append(f"{'baseline':<20}" + "".join(f"{base[k]['ndcg']:>12.3f}" for k in KINDS))
    for name, v in variants.items():
        s = v["summary"]
        lines.append(f"{name:<20}" + "".join(f"{s[k]['ndcg'] - base[k]['ndcg']:>+12.3f}" for k in KINDS))
    lines.append("\npage@10 change per kind (kinds with judged pages)")
    kinds = [k for k in KINDS if base[k]["page"] is not None]
    lines.append(f"{'variant':<20}" + "".join(f"{k[:11]:>12}" for k in kinds))
    lines.append(f"{'baseline':<20}" + "".join(f"{base[k]['page']:>12.3f}" for k in kinds))
    for name, v in variants.items():
        s = v["summary"]
        lines.append(f"{name:<20}" + "".join(f"{s[k]['page'] - base[k]['page']:>+12.3f}" for k in kinds))
    for name, v in variants.items():
        lines.append(f"  {name}: {v['description']}; queries whose top 10 changed: {', '.join(v['queries_changed'])}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------------
# Command line


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="corpus")
    parser.add_argument("--queries", default=str(QUERIES_FILE))
    parser.add_argument(
        "--json", default=None, help="report file (default bench/out/relevance[_themes|_ablation].json)"
    )
    parser.add_argument("--worst", type=int, default=15, help="how many of the engine's worst queries to list")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--themes", action="store_true", help="theme tagging quality instead of the relevance run")
    mode.add_argument("--ablation", action="store_true", help="extraction ablation instead of the relevance run")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.ERROR, format="%(levelname)s %(message)s")
    if args.themes:
        report, default = run_themes(args), "bench/out/relevance_themes.json"
    elif args.ablation:
        report, default = run_ablation(args), "bench/out/relevance_ablation.json"
    else:
        report, default = run_benchmark(args), "bench/out/relevance.json"
    out = Path(args.json or default)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1, default=_json_default) + "\n", encoding="utf-8")
    print(f"\nReport written to {out}")
    return 0


def _json_default(value: Any) -> Any:
    if isinstance(value, frozenset | set | tuple):
        return sorted(value) if not isinstance(value, tuple) else list(value)
    if hasattr(value, "__dataclass_fields__"):
        return asdict(value)
    return str(value)


if __name__ == "__main__":
    sys.exit(main())
