"""« Suivre cette recherche »: an Atom 1.0 feed (RFC 4287) of the newest documents that match a search.

The feed is built from the same result dicts as the page and the JSON API; each entry links to the document's live
address when it is known (a harvested page or PDF), else to the local copy. Entries are dated by the document's
publication date (a year alone counts as 1 January), the feed by its newest entry.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import unescape
from xml.etree import ElementTree

logger = logging.getLogger(__name__)

ATOM = "http://www.w3.org/2005/Atom"
CONTENT_TYPE = "application/atom+xml; charset=utf-8"
_TAGS = re.compile(r"<[^>]+>")
_EPOCH = "1970-01-01T00:00:00Z"

ElementTree.register_namespace("", ATOM)


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


def categories(themes: Iterable[str], labels: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """(slug, label) pairs of a document's themes."""
    return tuple((slug, labels.get(slug, slug)) for slug in themes)
