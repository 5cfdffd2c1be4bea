"""A web page's metadata and title: dates, categories and tags, keywords, description, author, site name."""

from __future__ import annotations

import logging
import posixpath
import re
import unicodedata
from urllib.parse import unquote

from bs4 import Tag

from indexer.extract.html_tree import (
    PageTags,
    ancestors,
    attr,
    attr_matches,
    class_names,
    clean,
    dedupe,
    inline_text,
    rel_tokens,
)

logger = logging.getLogger(__name__)


def page_metadata(tags: PageTags, encoding: str) -> dict[str, object]:
    """What the whole document declares (read before any element is removed)."""
    metadata: dict[str, object] = {"encoding": encoding}
    date = _date(tags)
    if date:
        metadata["date"] = date
    categories: list[str] = []
    post_tags: list[str] = []  # the post's tags (rel="tag" links)
    for link in tags.named("a"):
        rel = rel_tokens(link)
        if "category" in rel:
            categories.append(inline_text(link))
        elif "tag" in rel:
            post_tags.append(inline_text(link))
    if categories := dedupe(categories):
        metadata["categories"] = categories
    keywords = [clean(word) for word in tags.meta("keywords").split(",")]
    if keywords := dedupe(keywords + post_tags):
        metadata["keywords"] = keywords
    if description := tags.meta("description", "og:description", "dc.description"):
        metadata["description"] = description
    canonical = ""
    for link in tags.named("link"):
        if "canonical" in rel_tokens(link):
            canonical = attr(link, "href")
            break
    if canonical := canonical or tags.meta("og:url"):
        metadata["canonical"] = canonical
    html = tags.first("html")
    if lang := attr(html, "lang") or attr(html, "xml:lang") or tags.meta("og:locale", "dc.language"):
        metadata["lang"] = lang
    if author := _author(tags):
        metadata["author"] = author
    return metadata


def _date(tags: PageTags) -> str:
    times = [tag for tag in tags.named("time") if tag.get("datetime") is not None]
    for time_tag in times:
        if {"entry-date", "published"} <= set(class_names(time_tag)) and attr(time_tag, "datetime"):
            return attr(time_tag, "datetime")
    article = tags.first("article")
    if article is not None:
        for time_tag in times:
            if not any(parent is article for parent in ancestors(time_tag)):
                continue  # not inside the first article
            if attr(time_tag, "datetime") and not any(
                parent.get("id") in ("comments", "respond")
                or not {"comment", "comments-area", "comment-list"}.isdisjoint(class_names(parent))
                for parent in ancestors(time_tag)
            ):
                return attr(time_tag, "datetime")
    return tags.meta("article:published_time", "date", "dc.date", "dc.date.issued", "dcterms.date", "dcterms.issued")


def _author(tags: PageTags) -> str:
    if author := tags.meta("author", "article:author", "dc.creator"):
        return author
    for link in tags.named("a"):
        if attr_matches(link, "rel", ("author",)) and (text := inline_text(link)):
            return text
    for tag in tags.all:
        if not attr_matches(tag, "class", ("author", "post-author")):
            continue
        if "post-author" in class_names(tag) or any(
            not {"entry-meta", "byline"}.isdisjoint(class_names(parent)) for parent in ancestors(tag)
        ):
            return inline_text(tag)
    return ""


_TITLE_SEPARATORS = (" | ", " – ", " — ", " - ", " · ", " :: ", " » ")


def _site_name(tags: PageTags) -> str:
    if name := tags.meta("og:site_name", "application-name"):
        return name
    site_title = next((tag for tag in tags.all if attr_matches(tag, "class", ("site-title",))), None) or next(
        (tag for tag in tags.all if attr_matches(tag, "id", ("site-title",))), None
    )
    return inline_text(site_title) if isinstance(site_title, Tag) else ""


def strip_site_suffix(title: str, site_name: str = "") -> str:
    """« Titre – Nom du site » → « Titre ».

    With a known site name, that suffix is removed after any separator (« | », « – », « — », « - », « · »);
    without one, only the part after the last « | », « – » or « — » is, so that « Cadre de vie -
    Renouvellement urbain » stays whole.
    """
    if site_name:
        folded = site_name.casefold()
        for separator in _TITLE_SEPARATORS:
            if title.casefold().endswith(separator.casefold() + folded):
                stripped = title[: -len(separator + site_name)].strip()
                return stripped or title
    cut = max(title.rfind(separator) for separator in (" | ", " – ", " — "))
    if cut > 0:
        return title[:cut].strip()
    return title


def title_from_filename(rel_path: str) -> str:
    """« dossiers/2016/achats-socialement_responsables.pdf » → « Achats socialement responsables »."""
    stem = posixpath.splitext(posixpath.basename(rel_path))[0]
    words = " ".join(re.split(r"[-_.\s+]+", unquote(stem))).strip()
    words = unicodedata.normalize("NFC", words)
    return words[:1].upper() + words[1:] if words else rel_path


def page_title(tags: PageTags) -> str:
    """The page's own title (entry title, og:title, <title>, first <h1>), or "" when it has none."""
    entry_title = next((h1 for h1 in tags.named("h1") if attr_matches(h1, "class", ("entry-title",))), None)
    if isinstance(entry_title, Tag) and (text := inline_text(entry_title)):
        return text
    if og_title := tags.meta("og:title"):
        return strip_site_suffix(og_title, _site_name(tags))
    title_tag = tags.first("title")
    if title_tag is not None and (text := inline_text(title_tag)):
        return strip_site_suffix(text, _site_name(tags))
    h1 = tags.first("h1")
    if h1 is not None and (text := inline_text(h1)):
        return text
    return ""
