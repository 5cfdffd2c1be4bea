"""The same search on SQLite FTS5, to compare with the Whoosh engine on the same corpus and the same queries.

Same input: the documents as the Whoosh index stores them (title, headings, metadata, facets, the text of
every page), read from a built index. Same analysis: the text is run through the project's French analyser
(`indexer.analysis.french_analyzer`, index mode) in two worker processes and stored as its terms, so that
FTS5's plain tokenizer sees exactly Whoosh's terms: per field, the first term of each position (the phrase
stream) in the field's own column, and the other forms of the same positions (stem(fold(w)), compound parts)
in an ``alt`` column. Same query semantics: the user syntax is parsed by `search_app.query.parse`, a word
matches any of its forms in any column, a phrase matches consecutive primary terms of one column, acronyms
expand both ways. Same facets: year, theme and type counted in SQL with the same disjunctive rule (each facet
with the other facets' filters, not its own), counting documents. Same result dict (hits with best pages and
snippets made by `search_app.snippets.make_snippet`, facets with their labels and toggle links), serialised
to JSON. Only the « did you mean » correction is left out (the lookup of unknown words is done).
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

FTS_VERSION = "2"
WEIGHTS = (
    3.0,
    1.6,
    1.0,
    1.4,
    1.0,
    0.0,
)  # title, headings, body, meta (search_app.tuning.Tuning.field_boosts), alt, exact
PHRASE_COLUMNS_DOCS = "{title headings body meta}"
PHRASE_COLUMNS_PAGES = "{body}"
TOKENIZE = "unicode61 remove_diacritics 0 tokenchars '_'"

SCHEMA = f"""
CREATE TABLE info(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE docs(id INTEGER PRIMARY KEY, path TEXT UNIQUE, title TEXT, format TEXT, year INTEGER, date TEXT,
                  themes TEXT, types TEXT, published_in TEXT, page_count INTEGER, first_page INTEGER,
                  last_page INTEGER);
CREATE TABLE facets(doc_id INTEGER, facet TEXT, value TEXT);
CREATE TABLE pages(id INTEGER PRIMARY KEY, doc_id INTEGER, page INTEGER, text TEXT);
CREATE VIRTUAL TABLE docs_fts USING fts5(title, headings, body, meta, alt, exact, tokenize="{TOKENIZE}", content='');
CREATE VIRTUAL TABLE pages_fts USING fts5(body, alt, exact, tokenize="{TOKENIZE}", content='');
CREATE VIRTUAL TABLE docs_vocab USING fts5vocab(docs_fts, 'row');
"""
INDEXES = """
CREATE INDEX facets_value ON facets(facet, value, doc_id);
CREATE INDEX facets_doc ON facets(doc_id, facet, value);
CREATE INDEX docs_date ON docs(date);
"""


# ---------------------------------------------------------------------------------------------------------
# Building


_ANALYZERS: dict[str, Any] = {}


def has_exact() -> bool:
    """Whether the engine has the « exact » field for quoted phrases (words as typed, nothing stemmed)."""
    import indexer.analysis

    return hasattr(indexer.analysis, "exact_analyzer") and hasattr(indexer.analysis, "exact_words")


def _streams(text: str, chain: str = "french") -> tuple[str, str]:
    """The analysed terms of a text: (first term of each position, the other terms)."""
    analyzer = _ANALYZERS.get(chain)
    if analyzer is None:
        import indexer.analysis

        analyzer = _ANALYZERS[chain] = getattr(indexer.analysis, f"{chain}_analyzer")()
    primary: list[str] = []
    alt: list[str] = []
    last = None
    for token in analyzer(text, positions=True, mode="index"):
        if token.pos != last:
            primary.append(token.text)
            last = token.pos
        else:
            alt.append(token.text)
    return " ".join(primary), " ".join(alt)


def _meta_text(metadata: dict[str, Any]) -> str:
    parts = [str(metadata[k]) for k in ("subject", "description") if metadata.get(k)]
    for key in ("keywords", "categories"):
        parts.extend(str(v) for v in metadata.get(key) or [])
    return "\n".join(parts)


def _analyse(item: tuple[dict[str, Any], list[tuple[int, str]]]) -> tuple[dict[str, Any], dict[str, str], list]:
    """Analyse one document and its pages (in a worker)."""
    fields, pages = item
    columns: dict[str, str] = {}
    alts: list[str] = []
    for name, text in (
        ("title", fields.get("title") or ""),
        ("headings", fields.get("headings") or ""),
        ("meta", _meta_text(fields.get("metadata") or {})),
    ):
        columns[name], alt = _streams(text)
        alts.append(alt)
    exact = has_exact()
    body_primary: list[str] = []
    exact_parts = [_streams(fields.get("title") or "", "exact")[0]] if exact else []
    out_pages = []
    for number, text in pages:
        primary, alt = _streams(text)
        page_exact = _streams(text, "exact")[0] if exact else ""
        body_primary.append(primary)
        exact_parts.append(page_exact)
        alts.append(alt)
        out_pages.append((number, text, primary, alt, page_exact))
    columns["body"] = " ".join(body_primary)
    columns["alt"] = " ".join(a for a in alts if a)
    columns["exact"] = " ".join(exact_parts)
    return fields, columns, out_pages


def _documents(reader: Any) -> Iterator[tuple[dict[str, Any], list[tuple[int, str]]]]:
    """Each doc record with the texts of its pages, from the stored fields in document-number order (a build
    writes a document's record, then its pages; pages found before their record wait for it)."""
    current: dict[str, Any] | None = None
    pages: list[tuple[int, str]] = []
    stray: dict[str, list[tuple[int, str]]] = {}
    for fields in reader.all_stored_fields():
        kind = fields.get("kind")
        if kind == "doc":
            if current is not None:
                yield current, sorted(pages)
            current, pages = fields, list(stray.pop(fields["path"], []))
        elif kind == "page":
            if current is not None and fields.get("path") == current["path"]:
                pages.append((fields.get("page") or 0, fields.get("text") or ""))
            else:
                page = (fields.get("page") or 0, fields.get("text") or "")
                stray.setdefault(fields.get("path") or "", []).append(page)
    if current is not None:
        yield current, sorted(pages)
    if stray:
        logger.warning("FTS5 : %d pages hors de l’ordre des documents, ignorées", sum(map(len, stray.values())))


def build(index_root: Path, db_path: Path, workers: int = 2) -> dict[str, Any]:
    """Build the FTS5 database from a built Whoosh index (replacing `db_path`); returns its statistics."""
    from indexer.store import open_index, read_last_run

    started = time.perf_counter()
    tmp = db_path.with_suffix(".building")
    tmp.unlink(missing_ok=True)
    conn = sqlite3.connect(tmp)
    conn.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-200000;")
    conn.executescript(SCHEMA)
    ix = open_index(index_root)
    reader = ix.reader()
    n_docs = n_pages = chars = 0
    ctx = multiprocessing.get_context("fork")
    pool = ctx.Pool(workers) if workers > 1 else None
    try:
        results = pool.imap(_analyse, _documents(reader), chunksize=8) if pool else map(_analyse, _documents(reader))
        for fields, columns, pages in results:
            n_docs += 1
            cur = conn.execute(
                "INSERT INTO docs(path, title, format, year, date, themes, types, published_in, page_count)"
                " VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    fields["path"],
                    fields.get("title") or "",
                    fields.get("format") or "",
                    fields.get("year"),
                    fields.get("date") or "",
                    fields.get("themes") or "",
                    fields.get("type") or "",
                    json.dumps(fields.get("published_in") or []),
                    fields.get("page_count") or len(pages),
                ),
            )
            doc_id = cur.lastrowid
            conn.execute(
                "INSERT INTO docs_fts(rowid, title, headings, body, meta, alt, exact) VALUES (?,?,?,?,?,?,?)",
                (
                    doc_id,
                    *(columns[c] for c in ("title", "headings", "body", "meta", "alt", "exact")),
                ),
            )
            facet_rows = [(doc_id, "year", fields.get("year_facet") or "sans-date")]
            for facet, key in (("theme", "themes"), ("type", "type")):
                facet_rows += [(doc_id, facet, v) for v in (fields.get(key) or "").split("\n") if v]
            conn.executemany("INSERT INTO facets VALUES (?,?,?)", facet_rows)
            first = last = None
            for number, text, primary, alt, page_exact in pages:
                n_pages += 1
                chars += len(text)
                pcur = conn.execute("INSERT INTO pages(doc_id, page, text) VALUES (?,?,?)", (doc_id, number, text))
                page_id = pcur.lastrowid
                conn.execute(
                    "INSERT INTO pages_fts(rowid, body, alt, exact) VALUES (?,?,?,?)",
                    (page_id, primary, alt, page_exact),
                )
                first = page_id if first is None else first
                last = page_id
            conn.execute("UPDATE docs SET first_page=?, last_page=? WHERE id=?", (first, last, doc_id))
            if n_docs % 5000 == 0:
                logger.info("FTS5 : %d documents", n_docs)
    finally:
        if pool:
            pool.close()
            pool.join()
        ix.close()
    analysed = time.perf_counter() - started
    conn.executescript(INDEXES)
    conn.execute("INSERT INTO docs_fts(docs_fts) VALUES ('optimize')")
    conn.execute("INSERT INTO pages_fts(pages_fts) VALUES ('optimize')")
    last_run = read_last_run(index_root) or {}
    conn.executemany(
        "INSERT INTO info VALUES (?,?)",
        [("version", FTS_VERSION), ("index_build", str(last_run.get("when"))), ("documents", str(n_docs))],
    )
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()
    os.replace(tmp, db_path)
    return {
        "documents": n_docs,
        "pages": n_pages,
        "text_mb": round(chars / 1e6, 2),
        "build_s": round(time.perf_counter() - started, 2),
        "analysis_and_insert_s": round(analysed, 2),
        "db_mb": round(db_path.stat().st_size / 1e6, 1),
    }


def is_current(index_root: Path, db_path: Path) -> bool:
    """Whether `db_path` was built from the current build of the index."""
    from indexer.store import read_last_run

    if not db_path.exists():
        return False
    try:
        conn = sqlite3.connect(db_path)
        info = dict(conn.execute("SELECT key, value FROM info").fetchall())
        conn.close()
    except sqlite3.Error:
        return False
    last_run = read_last_run(index_root) or {}
    return info.get("version") == FTS_VERSION and info.get("index_build") == str(last_run.get("when"))


# ---------------------------------------------------------------------------------------------------------
# Querying


NEVER = "\u2400never"  # a term no text produces (a phrase of no words matches nothing, as in Whoosh)


def _minmatch_from() -> int:
    from search_app.tuning import TUNING

    return TUNING.minmatch_from


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


class QueryBuilder:
    """FTS5 MATCH expressions for a parsed query (mirrors `search_app.query.build_query`)."""

    def __init__(self, phrase_columns: str) -> None:
        self.phrase_columns = phrase_columns
        self.terms: set[str] = set()

    def _forms(self, forms: list[str]) -> str:
        self.terms.update(forms)
        return "(" + " OR ".join(_quote(f) for f in forms) + ")"

    def _phrase(self, terms: list[str]) -> str:
        if len(terms) == 1:
            return self._forms(terms)
        self.terms.update(terms)
        return f"({self.phrase_columns} : {_quote(' '.join(terms))})"

    def clause(self, clause: Any) -> str:
        from indexer.analysis import acronym_expansions, expansion_acronyms
        from indexer.words import fold
        from search_app.query import _word_terms, analyse_text

        if clause.kind == "prefix":
            return _quote(fold(clause.text.lower())) + " *"
        terms = analyse_text(clause.text)
        if clause.kind == "phrase" and has_exact():
            # The words as typed, in order, in the exact column (stop words kept, nothing stemmed).
            from indexer.words import exact_words

            words = exact_words(clause.text)
            self.terms.update(terms)
            expr = f"({{exact}} : {_quote(' '.join(words))})" if words else _quote(NEVER)
            acronym = expansion_acronyms().get(tuple(terms))
            if acronym:
                expr = f"({expr} OR {self._forms([acronym])})"
            return expr
        if clause.kind == "phrase" or len(terms) != 1:
            expr = self._phrase(terms)
            acronym = expansion_acronyms().get(tuple(terms)) if clause.kind == "phrase" else None
            if acronym:
                expr = f"({expr} OR {self._forms([acronym])})"
            return expr
        expr = self._forms(_word_terms(clause.text))
        expansion = acronym_expansions().get(clause.text.lower())
        if expansion:
            expr = f"({expr} OR {self._phrase(list(expansion))})"
        return expr

    def groups(self, parsed: Any) -> list[str]:
        from indexer.analysis import expansion_acronyms
        from search_app.query import analyse_text

        groups = parsed.groups
        singles = [len(g) == 1 and g[0].kind == "word" and len(analyse_text(g[0].text)) == 1 for g in groups]
        terms = [analyse_text(g[0].text)[0] if ok else None for g, ok in zip(groups, singles, strict=True)]
        expansions = expansion_acronyms()
        longest = max((len(k) for k in expansions), default=0)
        out: list[str] = []
        i = 0
        while i < len(groups):
            matched = 0
            for n in range(min(longest, len(groups) - i), 1, -1):
                window = terms[i : i + n]
                if all(window) and tuple(window) in expansions:
                    words = " AND ".join(self.clause(g[0]) for g in groups[i : i + n])
                    out.append(f"(({words}) OR {self._forms([expansions[tuple(window)]])})")
                    matched = n
                    break
            if matched:
                i += matched
                continue
            subs = [self.clause(c) for c in groups[i]]
            out.append(subs[0] if len(subs) == 1 else "(" + " OR ".join(subs) + ")")
            i += 1
        return out

    def build(self, parsed: Any, mode: str = "all") -> tuple[str | None, str | None]:
        """(positive expression or None for « every document », excluded expression or None)."""
        groups = self.groups(parsed)
        positive = None
        minmatch_from = _minmatch_from()
        if len(groups) == 1:
            positive = groups[0]
        elif groups and mode == "all" and minmatch_from and len(groups) >= minmatch_from:
            # Whoosh's Or(minmatch=n-1): all the groups but one, any one.
            subsets = [" AND ".join(g for j, g in enumerate(groups) if j != i) for i in range(len(groups))]
            positive = "(" + " OR ".join(f"({sub})" for sub in subsets) + ")"
        elif groups:
            joiner = " AND " if mode == "all" else " OR "
            positive = "(" + joiner.join(groups) + ")"
        excluded = [self.clause(c) for c in parsed.excluded]
        return positive, ("(" + " OR ".join(excluded) + ")" if excluded else None)


class FtsSearch:
    """The search of `search_app.search.run_search`, on the FTS5 database (one connection per thread)."""

    def __init__(self, db_path: Path) -> None:
        self.conn = sqlite3.connect(db_path, check_same_thread=False)
        self.conn.execute("PRAGMA cache_size=-200000")
        self.conn.execute("PRAGMA temp_store=MEMORY")

    def close(self) -> None:
        self.conn.close()

    def _matched(self, parsed: Any, mode: str) -> tuple[bool, set[str]]:
        """Fill the temp table `m(id, score)` with the matching documents; returns (any positive, terms)."""
        builder = QueryBuilder(PHRASE_COLUMNS_DOCS)
        positive, excluded = builder.build(parsed, mode)
        conn = self.conn
        conn.execute("DROP TABLE IF EXISTS temp.m")
        weights = ", ".join(str(w) for w in WEIGHTS)
        if positive:
            match = positive if not excluded else f"{positive} NOT {excluded}"
            conn.execute(
                f"CREATE TEMP TABLE m AS SELECT rowid AS id, bm25(docs_fts, {weights}) AS score FROM docs_fts"
                " WHERE docs_fts MATCH ?",
                (match,),
            )
        else:
            conn.execute(
                "CREATE TEMP TABLE m AS SELECT id, 0.0 AS score FROM docs"
                " WHERE id NOT IN (SELECT rowid FROM docs_fts WHERE docs_fts MATCH ?)",
                (excluded,),
            )
        return bool(positive), builder.terms

    @staticmethod
    def _filters(params: Any, skip: str | None) -> tuple[str, list[Any]]:
        parts: list[str] = []
        args: list[Any] = []
        for facet, values in params.selected().items():
            if facet == skip or not values:
                continue
            marks = ",".join("?" * len(values))
            parts.append(f"d.id IN (SELECT doc_id FROM facets WHERE facet=? AND value IN ({marks}))")
            args += [facet, *values]
        if params.year_from or params.year_to:
            parts.append("d.year BETWEEN ? AND ?")
            args += [params.year_from or 0, params.year_to or 9999]
        return (" AND ".join(parts) or "1"), args

    def _facets(self, params: Any, source: str, items: list[tuple[str, str]]) -> dict[str, list[dict]]:
        from search_app.facets import FACETS

        selected = params.selected()
        out: dict[str, list[dict]] = {}
        for facet_def in FACETS:
            facet = facet_def.name
            where, args = self._filters(params, facet)
            rows = self.conn.execute(
                f"SELECT f.value, COUNT(*) FROM {source} JOIN facets f ON f.doc_id = d.id AND f.facet = ?"
                f" WHERE {where} GROUP BY f.value",
                [facet, *args],
            ).fetchall()
            out[facet] = facet_def.entries(dict(rows), selected[facet], items)
        return out

    def bare(self, params: Any) -> list[int]:
        """The bare query: the ids of the first page of results ranked by bm25 (filters applied), and nothing
        else: no total, no facets, no snippets. What a user of SQLite FTS5 pays at the least for the query."""
        from search_app.query import parse

        parsed = parse(params.q)
        where, args = self._filters(params, None)
        if parsed.is_empty and not parsed.excluded:
            sql = f"SELECT d.id FROM docs d WHERE {where} ORDER BY d.date DESC LIMIT ?"
            return [row[0] for row in self.conn.execute(sql, [*args, params.per_page])]
        positive, excluded = QueryBuilder(PHRASE_COLUMNS_DOCS).build(parsed, "all")
        if not positive:
            return []
        match = positive if not excluded else f"{positive} NOT {excluded}"
        weights = ", ".join(str(w) for w in WEIGHTS)
        sql = (
            f"SELECT docs_fts.rowid FROM docs_fts JOIN docs d ON d.id = docs_fts.rowid WHERE docs_fts MATCH ?"
            f" AND {where} ORDER BY bm25(docs_fts, {weights}) LIMIT ?"
        )
        return [row[0] for row in self.conn.execute(sql, [match, *args, params.per_page])]

    def search(self, params: Any) -> dict[str, Any]:
        """The result dict for validated `SearchParams` (same keys as the Whoosh engine's)."""
        from search_app.query import parse

        started = time.perf_counter()
        parsed = parse(params.q)
        searching = not parsed.is_empty or bool(parsed.excluded)
        sort = params.sort or ("relevance" if searching else "date_desc")
        items = params.query_items()
        terms: set[str] = set()
        match = "browse"
        if searching:
            _positive, terms = self._matched(parsed, "all")
            source = "temp.m JOIN docs d ON d.id = m.id"
            match = "all"
        else:
            source = "docs d"
        where, args = self._filters(params, None)
        total = self.conn.execute(f"SELECT COUNT(*) FROM {source} WHERE {where}", args).fetchone()[0]
        if searching and not total and len(parsed.groups) > 1:
            _positive, terms = self._matched(parsed, "any")
            total = self.conn.execute(f"SELECT COUNT(*) FROM {source} WHERE {where}", args).fetchone()[0]
            match = "any" if total else "all"
            if not total:
                self._matched(parsed, "all")
        facets = self._facets(params, source, items)
        offset = (params.page - 1) * params.per_page
        order = {"relevance": "m.score", "date_desc": "d.date DESC", "date_asc": "d.date ASC"}[sort]
        if not searching and sort == "relevance":
            order = "d.date DESC"
        rows = self.conn.execute(
            f"SELECT d.id, d.path, d.title, d.format, d.year, d.date, d.themes, d.types, d.published_in,"
            f" d.page_count, d.first_page, d.last_page FROM {source} WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",
            [*args, params.per_page, offset],
        ).fetchall()
        results = self._render(rows, parsed if searching else None, frozenset(terms))
        if searching:
            self._known_words(parsed)
        took = (time.perf_counter() - started) * 1000
        return {
            "query": params.q,
            "suggestion": None,
            "total": total,
            "page": params.page,
            "per_page": params.per_page,
            "took_ms": round(took, 2),
            "results": results,
            "facets": facets,
            "match": match,
            "sort": sort,
        }

    def _known_words(self, parsed: Any) -> bool:
        from indexer.analysis import analyse

        known = True
        for clause in [c for g in parsed.groups for c in g if c.kind == "word"]:
            for term in analyse(clause.text, mode="query"):
                row = self.conn.execute("SELECT doc FROM docs_vocab WHERE term = ?", (term,)).fetchone()
                known = known and bool(row)
        return known

    def _render(self, rows: list[tuple], parsed: Any, terms: frozenset[str]) -> list[dict[str, Any]]:
        from indexer.page_roles import is_reference_page
        from search_app.present import corpus_url, document_url
        from search_app.snippets import make_snippet
        from search_app.tuning import TUNING

        page_match = None
        if parsed is not None and not parsed.is_empty:
            builder = QueryBuilder(PHRASE_COLUMNS_PAGES)
            groups = builder.groups(parsed)
            page_match = groups[0] if len(groups) == 1 else "(" + " OR ".join(groups) + ")"
        out = []
        for _doc_id, path, title, fmt, year, date, themes, types, published_in, page_count, first, last in rows:
            pages: list[tuple[int, str]] = []
            if page_match and first is not None:
                found = self.conn.execute(
                    "SELECT p.page, p.text FROM pages_fts JOIN pages p ON p.id = pages_fts.rowid"
                    " WHERE pages_fts MATCH ? AND pages_fts.rowid BETWEEN ? AND ? ORDER BY rank LIMIT ?",
                    (page_match, first, last, TUNING.pdf_pages_shown * 2),
                ).fetchall()
                # Tables of contents and glossaries last (a stable sort keeps the rank order otherwise).
                pages = sorted(found, key=lambda page: is_reference_page(page[1]))[: TUNING.pdf_pages_shown]
            page_list = [{"page": n, "snippet": make_snippet(t, terms), "url": corpus_url(path, n)} for n, t in pages]
            if page_list:
                snippet = page_list[0]["snippet"]
            else:
                row = self.conn.execute("SELECT text FROM pages WHERE id = ?", (first,)).fetchone()
                snippet = make_snippet(row[0] if row else "", terms)
            is_pdf = fmt == "pdf"
            best = pages[0][0] if (is_pdf and pages) else None
            type_values = [t for t in (types or "").split("\n") if t]
            published = None
            for parent in json.loads(published_in or "[]"):
                prow = self.conn.execute("SELECT title FROM docs WHERE path = ?", (parent,)).fetchone()
                if prow:
                    published = {"path": parent, "title": prow[0] or parent, "url": document_url(parent)}
                    break
            out.append(
                {
                    "path": path,
                    "url": corpus_url(path, best),
                    "title": title or path,
                    "year": year,
                    "themes": [t for t in (themes or "").split("\n") if t],
                    "type": type_values[-1] if type_values else fmt,
                    "snippet": snippet,
                    "page": best,
                    "pages": page_list if is_pdf else [],
                    "published_in": published,
                    "format": fmt,
                    "date": date or None,
                    "page_count": page_count,
                    "document_url": document_url(path),
                }
            )
        return out
