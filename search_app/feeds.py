"""« Suivre cette recherche »: ``/feed.atom``, an Atom 1.0 feed (RFC 4287) of the newest documents that match a
search; it takes the query string of ``/`` (its sort and page are replaced: newest first, first page).

A feed follows what is new for a query: it holds only the documents that have every word of it (the first tier
of a search), never those that have only some (the partial tier a results page adds when the first is short),
newest first by publication date, undated documents last. Its title names the query and the filters
(`search_app.feed_title`).

The feed is built from the same result dicts as the page and the JSON API; each entry links to the document's live
address when it is known (a harvested page or PDF), else to the local copy. Entries are dated by the document's
publication date (a year alone counts as 1 January), an undated document by its file's modification time; the feed
by its newest entry, an empty feed by the index's last update.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from html import unescape
from typing import Any
from urllib.parse import urlencode, urljoin
from xml.etree import ElementTree

from flask import Blueprint, Response, current_app, request, url_for

from indexer.records import StoredDoc
from search_app.feed_title import feed_title
from search_app.index_handle import IndexHandle
from search_app.params import ParamError, SearchParams
from search_app.search import run_search

logger = logging.getLogger(__name__)

ATOM = "http://www.w3.org/2005/Atom"
CONTENT_TYPE = "application/atom+xml; charset=utf-8"
_TAGS = re.compile(r"<[^>]+>")

FEED_SIZE = 20  # entries at most (README « Suivre cette recherche »): a feed reader keeps what it has already seen
AUTHOR = "Centre de ressources politique de la ville"

ElementTree.register_namespace("", ATOM)

bp = Blueprint("feeds", __name__)


@bp.get("/feed.atom")
def feed():  # type: ignore[no-untyped-def]
    """The newest documents matching the query string, as Atom; 400 (plain text) for a bad parameter."""
    handle = current_app.extensions["crpv_index"]
    try:
        params = SearchParams.from_args(request.args, current_app.config["SETTINGS"])
    except ParamError as exc:
        return Response(f"{exc}\n", 400, mimetype="text/plain")
    ok, reason = handle.healthy()
    if not ok:
        return Response(f"Recherche indisponible : {reason}\n", 503, mimetype="text/plain")
    result = run_search(replace(params, sort="date_desc", page=1, per_page=FEED_SIZE), handle)
    # The partial tier comes after the documents with every word, so these are the newest of the first tier.
    hits = [hit for hit in result["results"] if not hit["partial"]]
    query = urlencode([(k, v) for k, v in params.query_items() if k not in ("sort", "page", "per_page")])
    suffix = f"?{query}" if query else ""
    index_updated = rfc3339_time(handle.last_modified())
    document = Feed(
        title=feed_title(params, handle.source_labels(handle.searcher())),
        self_url=urljoin(request.host_url, url_for("feeds.feed") + suffix),
        page_url=urljoin(request.host_url, url_for("views.index") + suffix),
        author=AUTHOR,
        entries=[feed_entry(hit, request.host_url, _undated_time(handle, hit, index_updated)) for hit in hits],
        updated=index_updated,
    )
    return Response(render_feed(document), mimetype=CONTENT_TYPE)


def _undated_time(handle: IndexHandle, hit: dict[str, Any], index_updated: str) -> str:
    """The `updated` of an entry whose document has no publication date: its file's modification time.

    Atom requires every entry to have an `updated` date. The publication date is unknown, and any date made up
    for it (1970, the day of the request) would be false; the time the file last changed in the corpus (saved
    by hand, or harvested) is true, and is when the document last changed as far as the index knows. A record
    without it (none should be) falls back on the index's last update, which it cannot be newer than.
    """
    if rfc3339(hit["date"]):
        return ""
    doc = handle.searcher().document(uid=hit["path"])
    mtime = StoredDoc(doc).mtime if doc else 0.0
    return rfc3339_time(mtime) if mtime else index_updated


def feed_entry(hit: dict[str, Any], host_url: str, undated: str = "") -> FeedEntry:
    """One result dict as an entry: its live address when known, else the local copy; `undated` is the
    `updated` of a document without a publication date."""
    published = rfc3339(hit["date"])
    return FeedEntry(
        key=hit["path"],
        title=hit["title"],
        link=hit["source_url"] or urljoin(host_url, hit["url"]),
        updated=published or undated,
        published=published,
        summary=summary_text(hit["snippet"]),
        categories=tuple(zip(hit["themes"], hit["theme_labels"], strict=True)),
    )


@dataclass(frozen=True)
class FeedEntry:
    """One document of the feed."""

    key: str  # stable identity (the corpus path)
    title: str
    link: str
    updated: str  # RFC 3339
    published: str = ""  # RFC 3339; empty when the document has no publication date
    summary: str = ""
    categories: tuple[tuple[str, str], ...] = ()  # (term, label)


@dataclass(frozen=True)
class Feed:
    """The feed's own data: its title, its address, the page it follows."""

    title: str
    self_url: str
    page_url: str
    author: str
    entries: list[FeedEntry] = field(default_factory=list)
    updated: str = ""  # RFC 3339: when the feed last changed, if it has no entries (the index's last update)


def rfc3339(date: str | None) -> str:
    """« 2016 », « 2016-06 », « 2016-06-28 » or an ISO datetime → an RFC 3339 date-time (UTC); "" if none."""
    match = re.match(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?(?:[T ](\d{2}:\d{2}(?::\d{2})?))?", date or "")
    if not match:
        return ""
    year, month, day, clock = match.groups()
    clock = clock or "00:00:00"
    clock = clock if clock.count(":") == 2 else clock + ":00"
    return f"{year}-{month or '01'}-{day or '01'}T{clock}Z"


def rfc3339_time(timestamp: float) -> str:
    """A POSIX time → an RFC 3339 date-time (UTC)."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def summary_text(snippet_html: str) -> str:
    """A snippet's text without its `<mark>` tags and entities (the feed's summary is plain text)."""
    return " ".join(unescape(_TAGS.sub("", snippet_html or "")).split())


def entry_id(key: str) -> str:
    """A stable, opaque entry id (a tag-like URN from the document's path)."""
    return "urn:sha1:" + hashlib.sha1(key.encode("utf-8")).hexdigest()


def render_feed(feed: Feed) -> bytes:
    """The Atom XML of a feed."""
    root = ElementTree.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "fr"})
    _text(root, "title", feed.title)
    _text(root, "id", feed.self_url)
    _text(root, "updated", max((e.updated for e in feed.entries), default=feed.updated))
    ElementTree.SubElement(root, f"{{{ATOM}}}link", {"rel": "self", "href": feed.self_url})
    ElementTree.SubElement(root, f"{{{ATOM}}}link", {"rel": "alternate", "type": "text/html", "href": feed.page_url})
    author = ElementTree.SubElement(root, f"{{{ATOM}}}author")
    _text(author, "name", feed.author)
    _text(root, "generator", "crpv-recherche")
    for entry in feed.entries:
        _entry(root, entry)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def _entry(root: ElementTree.Element, entry: FeedEntry) -> None:
    node = ElementTree.SubElement(root, f"{{{ATOM}}}entry")
    _text(node, "id", entry_id(entry.key))
    _text(node, "title", entry.title)
    _text(node, "updated", entry.updated)
    if entry.published:
        _text(node, "published", entry.published)
    ElementTree.SubElement(node, f"{{{ATOM}}}link", {"rel": "alternate", "href": entry.link})
    if entry.summary:
        _text(node, "summary", entry.summary)
    for term, label in entry.categories:
        ElementTree.SubElement(node, f"{{{ATOM}}}category", {"term": term, "label": label})


def _text(parent: ElementTree.Element, name: str, value: str) -> None:
    ElementTree.SubElement(parent, f"{{{ATOM}}}{name}").text = value
