"""HTML pages: the search page ``/``, document pages, corpus files and the OpenSearch description."""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, current_app, render_template, request, send_file, url_for
from whoosh.query import Term

from indexer.extract import format_of
from indexer.page_roles import is_reference_page
from indexer.records import KIND_DOC, StoredDoc, page_uid
from indexer.vocab import NO_YEAR, SOURCE_LABELS, theme_labels, type_labels
from indexer.wording import french_date
from search_app import querylog
from search_app.facets import FACETS
from search_app.params import SORT_LABELS, ParamError, SearchParams
from search_app.present import corpus_url, document_url
from search_app.search import run_search
from search_app.snippets import opening
from search_app.text_origin import text_origin

logger = logging.getLogger(__name__)

bp = Blueprint("views", __name__)


def _handle() -> Any:
    return current_app.extensions["crpv_index"]


@bp.get("/")
def index():  # type: ignore[no-untyped-def]
    """The search page: same query string as /api/search."""
    settings = current_app.config["SETTINGS"]
    try:
        params = SearchParams.from_args(request.args, settings)
    except ParamError as exc:
        return render_template("error.html", title="Recherche impossible", message=str(exc)), 400
    ok, reason = _handle().healthy()
    if not ok:
        return render_template("error.html", title="Recherche indisponible", message=reason), 503
    result = run_search(params, _handle())
    querylog.note(params, result)
    here = _with_page(result["query_string"], result["page"])  # this very results page: its JSON, the way back
    return render_template(
        "index.html",
        r=result,
        params=params,
        sort_labels=SORT_LABELS,
        pagination=_pagination(result),
        json_url=url_for("api.api_search") + here,
        here=here,
        facet_titles=[(f.name, f.title) for f in FACETS],
        any_facet=any(result["facets"].get(f.name) for f in FACETS),  # else no « Affiner » column at all
        feed_url=url_for("feeds.feed") + ("?" + result["query_string"] if result["query_string"] else ""),
    )


def _with_page(query_string: str, page: int) -> str:
    """« ?q=…&page=2 »: a search's query string with its results page (none for the first), or ""."""
    items = query_string + (("&" if query_string else "") + f"page={page}" if page > 1 else "")
    return "?" + items if items else ""


def _back_to_search() -> str:
    """The search a document page was opened from (its parameters ride along in the document's URL)."""
    try:
        params = SearchParams.from_args(request.args, current_app.config["SETTINGS"])
    except ParamError:
        return url_for("views.index")
    return url_for("views.index") + _with_page(urlencode(params.query_items()), params.page)


def _pagination(result: dict[str, Any]) -> dict[str, Any]:
    """Page links around the current page, and the previous and next pages' links (None at either end), each
    with the query string of the current search."""
    current, last = result["page"], result["page_count"]

    def link(n: int) -> str:
        return "?" + (result["query_string"] + "&" if result["query_string"] else "") + f"page={n}"

    numbers = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
    pages: list[dict[str, Any]] = []
    previous = 0
    for n in numbers:
        if n - previous > 1:
            pages.append({"gap": True})
        pages.append({"number": n, "query": link(n), "current": n == current})
        previous = n
    return {
        "pages": pages,
        "previous": link(current - 1) if current > 1 else None,
        "next": link(current + 1) if current < last else None,
    }


def corpus_file(path: str) -> Path | None:
    """The corpus file named by `path`, or None when it is not a file inside the corpus.

    Only the formats the index holds are served (a stray SVG or HTML-like file of another extension
    could otherwise run scripts on this site's origin).
    """
    root = Path(current_app.config["SETTINGS"].corpus).resolve()
    if "\x00" in path or path.startswith("/") or "\\" in path or format_of(path) is None:
        return None
    candidate = root / path
    try:
        real = Path(os.path.realpath(candidate))
        if not real.is_relative_to(root) or not real.is_file():
            return None
    except (OSError, ValueError):  # a name too long for the file system, for one
        return None
    parts = Path(path).parts
    if any(p in ("..", ".") or p.startswith(".") for p in parts):
        return None
    return real


@bp.get("/corpus/<path:path>")
def corpus(path: str):  # type: ignore[no-untyped-def]
    """Serve one corpus file (and nothing outside the corpus)."""
    real = corpus_file(path)
    if real is None:
        abort(404)
    suffix = real.suffix.lower()
    mimetype = "application/pdf" if suffix == ".pdf" else "text/html" if suffix in (".html", ".htm") else None
    response = send_file(real, mimetype=mimetype, conditional=True, max_age=300)
    if suffix in (".html", ".htm"):
        # A saved page is shown as it was, but none of its scripts may run here.
        response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'; style-src 'unsafe-inline'"
    else:
        response.headers["Content-Security-Policy"] = "frame-ancestors 'self'"
    return response


@bp.get("/document/<path:path>")
def document(path: str):  # type: ignore[no-untyped-def]
    """A document's metadata, the sources of its facets, an extract, its relations, similar documents."""
    handle = _handle()
    ok, reason = handle.healthy()
    if not ok:
        return render_template("error.html", title="Recherche indisponible", message=reason), 503
    searcher = handle.searcher()
    fields = searcher.document(uid=path)
    if not fields or fields.get("kind") != KIND_DOC:
        return render_template("error.html", title="Document introuvable", message=path), 404
    doc = StoredDoc(fields)
    pages = []
    for n, text in enumerate(_page_texts(searcher, path, doc.page_count or 1, limit=6), start=1):
        if text.strip() and not is_reference_page(text) and len(pages) < 3:
            pages.append({"page": n, "extract": opening(text, 700)})
    parents = []
    for parent in doc.published_in:
        pf = searcher.document(uid=parent)
        if pf:
            parents.append({"title": pf.get("title") or parent, "url": document_url(parent)})
    children = []
    for key in doc.links:
        child = searcher.document(uid=key)
        if child and child.get("kind") == KIND_DOC and key != path:
            children.append({"title": child.get("title") or key, "url": document_url(key), "file_url": corpus_url(key)})
    similar = []
    try:
        sample = " ".join(p_text for p_text in _page_texts(searcher, path, doc.page_count or 1))
        docnum = searcher.document_number(uid=path)
        hits = searcher.more_like(
            docnum, "body", text=sample[:30_000], top=6, numterms=15, filter=Term("kind", KIND_DOC)
        )
        similar = [{"title": h.get("title") or h["path"], "url": document_url(h["path"])} for h in hits]
    except Exception:  # similar documents are a bonus: never break the page
        logger.exception("Documents similaires indisponibles pour %s", path)
    return render_template(
        "document.html",
        doc=fields,
        title=doc.title or path,
        year=doc.year if doc.year_facet != NO_YEAR else None,
        themes=[theme_labels().get(t, t) for t in doc.themes],
        types=[type_labels().get(t, t) for t in doc.types],
        sources={k: SOURCE_LABELS.get(v, v) for k, v in doc.sources.items()},
        pages=pages,
        parents=parents,
        children=children,
        similar=similar[:5],
        file_url=corpus_url(path),
        back_url=_back_to_search(),
        article=_article(searcher, path, doc.page_count or 1) if doc.format == "html" else [],
        live_url=doc.source_url,
        date=french_date(doc.date),
        origin=text_origin(doc),
    )


def _article(searcher: Any, path: str, page_count: int) -> list[str]:
    """A web page's extracted text, by paragraph: read here in full (every section of a long page), with its
    title, date and the PDFs it publishes, instead of the saved file with the site's menus (or a logged-in
    admin bar)."""
    texts = _page_texts(searcher, path, page_count, limit=page_count)
    return [p.strip() for p in re.split(r"\n+", "\n\n".join(texts)) if p.strip()]


def _page_texts(searcher: Any, path: str, count: int, limit: int = 40) -> list[str]:
    """The stored text of a document's first pages."""
    texts = []
    for n in range(1, min(count, limit) + 1):
        page = searcher.document(uid=page_uid(path, n))
        if page:
            texts.append(page.get("text") or "")
    return texts


@bp.get("/opensearch.xml")
def opensearch():  # type: ignore[no-untyped-def]
    """The OpenSearch description, so browsers offer the engine as a search provider."""
    root = request.url_root.rstrip("/")
    body = render_template("opensearch.xml", root=root)
    return Response(body, mimetype="application/opensearchdescription+xml")


@bp.app_errorhandler(404)
def not_found(_error):  # type: ignore[no-untyped-def]
    """A French 404 page (JSON under /api/)."""
    if request.path.startswith("/api/"):
        return {"error": "Ressource introuvable."}, 404
    return render_template("error.html", title="Page introuvable", message=request.path), 404


@bp.app_errorhandler(413)
def too_large(_error):  # type: ignore[no-untyped-def]
    """Request bodies are tiny here."""
    return {"error": "Requête trop volumineuse."}, 413
