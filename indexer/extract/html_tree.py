"""Reading a parsed HTML tree: what is text, inline text, attributes, meta tags, and the tags that make
blocks, junk or site chrome.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Collection, Iterable

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4 import element as bs4_element

from indexer.extract.normalise import (
    expand_ligatures,
    remove_invisible,
)

logger = logging.getLogger(__name__)


BLOCK_TAGS = frozenset(
    {
        *("address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details"),
        *("dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form"),
        *("h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "legend", "li", "main"),
        *("menu", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th"),
        *("thead", "tr", "ul"),
    }
)
BREAKING_TAGS = BLOCK_TAGS | {"br"}
HEADING_TAGS = frozenset({"h2", "h3", "h4"})
# Always removed, wherever they are (unless they hold the main content): tags, then classes, ids, roles.
JUNK_TAGS = frozenset(
    {
        *("script", "style", "noscript", "template", "iframe", "svg", "form", "nav", "aside", "object"),
        *("embed", "canvas", "button", "select", "textarea", "input", "label", "dialog", "math", "video"),
        *("audio", "map"),
    }
)
JUNK_CLASSES = frozenset(
    {
        *("comments-area", "comment-respond", "comment-list", "sharedaddy", "sd-sharing", "sd-block"),
        *("share", "social", "social-share", "social-links", "addtoany_share_save_container", "a2a_kit"),
        *("skip-link", "screen-reader-text", "sr-only", "visually-hidden", "breadcrumb", "breadcrumbs"),
        *("yoast-breadcrumb", "post-navigation", "posts-navigation", "navigation", "nav-links"),
        *("pagination", "related-posts", "jp-relatedposts", "yarpp-related", "crp_related", "widget"),
        *("widget-area", "sidebar"),
    }
)
JUNK_IDS = frozenset({"wpadminbar", "comments", "respond", "breadcrumbs", "jp-relatedposts", "secondary", "sidebar"})
JUNK_ROLES = frozenset({"navigation", "complementary", "search"})
# In a class or id: cookie banners (#cookie-notice, .cookie-law-info…), but not in WordPress term classes
# (« tag-cookies » on a post tagged « cookies »).
JUNK_FRAGMENTS = ("cookie", "gdpr")
TERM_CLASS_PREFIXES = ("tag-", "category-", "post-", "type-", "format-", "status-")
BREADCRUMB_LABELS = frozenset({"breadcrumb", "breadcrumbs", "fil d’ariane", "fil d'ariane"})
# Site chrome even inside the chosen container (header and footer elements outside an article also are).
CHROME_CLASSES = frozenset({"site-header", "site-footer", "entry-footer"})
CHROME_IDS = frozenset({"masthead", "colophon", "site-header", "site-footer"})
CHROME_ROLES = frozenset({"banner", "contentinfo"})
# Where the main content is, best first; for the last three, only the first one found is taken.
CONTENT_KINDS = ("article .entry-content", ".entry-content", "article", "main", "[role=main]", "#content")
SINGLE_CONTAINER_KINDS = frozenset({"main", "[role=main]", "#content"})
CONTENT_TAGS = frozenset({"article", "main"})
SKIPPED_STRING_TYPES = (
    bs4_element.Comment,
    bs4_element.CData,
    bs4_element.ProcessingInstruction,
    bs4_element.Declaration,
    bs4_element.Doctype,
    bs4_element.Stylesheet,
    bs4_element.Script,
    bs4_element.TemplateString,
)


def is_text(node: object) -> bool:
    return isinstance(node, NavigableString) and not isinstance(node, SKIPPED_STRING_TYPES)


def clean(text: str) -> str:
    """Invisible and control characters removed, ligatures expanded, NFC, spaces folded to one line."""
    text = unicodedata.normalize("NFC", expand_ligatures(remove_invisible(text)))
    return " ".join(text.split())


def inline_text(tag: Tag) -> str:
    """The text of a tag on one line (iterative: `descendants` does not recurse)."""
    parts = []
    for node in tag.descendants:
        if is_text(node):
            parts.append(str(node))
        elif isinstance(node, Tag) and node.name in BREAKING_TAGS:
            parts.append(" ")
    return clean("".join(parts))


def ancestors(tag: Tag) -> Iterable[Tag]:
    parent = tag.parent
    while parent is not None:
        yield parent
        parent = parent.parent


def attr(tag: Tag | None, name: str) -> str:
    if tag is None:
        return ""
    value = tag.get(name)
    if isinstance(value, list):
        value = " ".join(value)
    return clean(value or "")


class PageTags:
    """The tags of a parsed page, listed in one walk, by name in document order; and its `<meta>` values.

    What `find_all` and `find` answered, each by a walk of the whole tree through Beautiful Soup's filters
    (a dozen walks per page, most of the cost of reading a page's metadata). Valid while the tree is not
    changed: the metadata and the title are read before any element is removed.
    """

    def __init__(self, soup: BeautifulSoup) -> None:
        self.all = [node for node in soup.descendants if isinstance(node, Tag)]
        self.by_name: dict[str, list[Tag]] = {}
        for tag in self.all:
            self.by_name.setdefault(tag.name, []).append(tag)
        self._meta: dict[str, str] | None = None

    def named(self, name: str) -> list[Tag]:
        """The tags named `name`, in document order (`find_all(name)`)."""
        return self.by_name.get(name, [])

    def first(self, name: str) -> Tag | None:
        """The first tag named `name` (`find(name)`)."""
        tags = self.by_name.get(name)
        return tags[0] if tags else None

    def meta(self, *keys: str) -> str:
        """The content of the first `<meta name|property=key>` found, keys in order, case-insensitive."""
        if self._meta is None:
            self._meta = {}
            for tag in self.named("meta"):
                key = attr(tag, "name") or attr(tag, "property") or attr(tag, "itemprop")
                key = key.casefold()
                if key not in self._meta:
                    content = attr(tag, "content")
                    if content:
                        self._meta[key] = content
        for key in keys:
            if (value := self._meta.get(key.casefold())) is not None:
                return value
        return ""


def attr_matches(tag: Tag, name: str, wanted: Collection[str]) -> bool:
    """Whether attribute `name` of `tag` has one of the `wanted` values, as Beautiful Soup's `find_all` tells: one
    value of a multi-valued attribute (`class`, `rel`) matches, or all of them joined by spaces."""
    value = tag.get(name)
    values = value if isinstance(value, list) else [value]
    if any(v in wanted for v in values):
        return True
    return len(values) != 1 and " ".join(values) in wanted


def rel_tokens(tag: Tag) -> list[str]:
    rel = tag.get("rel") or []
    if isinstance(rel, str):
        rel = rel.split()
    return [token.casefold() for token in rel]


def dedupe(values: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    result = []
    for value in values:
        key = value.casefold()
        if value and key not in seen:
            seen.add(key)
            result.append(value)
    return result


def class_names(tag: Tag) -> list[str]:
    value = tag.get("class") or []
    return value.split() if isinstance(value, str) else list(value)
