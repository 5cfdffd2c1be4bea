"""« Suivre cette recherche »: ``/feed.atom``, an Atom 1.0 feed (RFC 4287) of the newest documents that match a
search; it takes the query string of ``/`` (its sort and page are replaced: newest first, first page).

The feed is built from the same result dicts as the page and the JSON API; each entry links to the document's live
address when it is known (a harvested page or PDF), else to the local copy. Entries are dated by the document's
publication date (a year alone counts as 1 January), the feed by its newest entry.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field, replace
from html import unescape
from typing import Any
from urllib.parse import urlencode, urljoin
from xml.etree import ElementTree

from flask import Blueprint, Response, current_app, request, url_for

from search_app.params import ParamError, SearchParams
from search_app.search import run_search

logger = logging.getLogger(__name__)

ATOM = "http://www.w3.org/2005/Atom"
CONTENT_TYPE = "application/atom+xml; charset=utf-8"
_TAGS = re.compile(r"<[^>]+>")
_EPOCH = "1970-01-01T00:00:00Z"

FEED_SIZE = 20  # entries: a feed reader keeps what it has already seen
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
    query = urlencode([(k, v) for k, v in params.query_items() if k not in ("sort", "page", "per_page")])
    suffix = f"?{query}" if query else ""
    document = Feed(
        title=f"Veille : « {params.q} »" if params.q else "Nouvelles publications",
        self_url=urljoin(request.host_url, url_for("feeds.feed") + suffix),
        page_url=urljoin(request.host_url, url_for("views.index") + suffix),
        author=AUTHOR,
        entries=[feed_entry(hit, request.host_url) for hit in result["results"]],
    )
    return Response(render_feed(document), mimetype=CONTENT_TYPE)


def feed_entry(hit: dict[str, Any], host_url: str) -> FeedEntry:
    """One result dict as an entry: its live address when known, else the local copy."""
    return FeedEntry(
        key=hit["path"],
        title=hit["title"],
        link=hit["source_url"] or urljoin(host_url, hit["url"]),
        updated=rfc3339(hit["date"]),
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


def rfc3339(date: str | None) -> str:
    """« 2016 », « 2016-06 », « 2016-06-28 » or an ISO datetime → an RFC 3339 date-time (UTC)."""
    if not date:
        return _EPOCH
    match = re.match(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?(?:[T ](\d{2}:\d{2}(?::\d{2})?))?", date)
    if not match:
        return _EPOCH
    year, month, day, clock = match.groups()
    clock = clock or "00:00:00"
    clock = clock if clock.count(":") == 2 else clock + ":00"
    return f"{year}-{month or '01'}-{day or '01'}T{clock}Z"


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
    _text(root, "updated", max((e.updated for e in feed.entries), default=_EPOCH))
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
    ElementTree.SubElement(node, f"{{{ATOM}}}link", {"rel": "alternate", "href": entry.link})
    if entry.summary:
        _text(node, "summary", entry.summary)
    for term, label in entry.categories:
        ElementTree.SubElement(node, f"{{{ATOM}}}category", {"term": term, "label": label})


def _text(parent: ElementTree.Element, name: str, value: str) -> None:
    ElementTree.SubElement(parent, f"{{{ATOM}}}{name}").text = value
