"""A web page's metadata and title: dates, categories and tags, keywords, description, author, site name."""

from __future__ import annotations

import logging
import posixpath
import re
import unicodedata
from urllib.parse import unquote

from bs4 import BeautifulSoup, Tag

from indexer.extract.html_tree import ancestors, attr, class_names, clean, dedupe, inline_text, meta, rel_tokens

logger = logging.getLogger(__name__)


def page_metadata(soup: BeautifulSoup, encoding: str) -> dict[str, object]:
    """What the whole document declares (read before any element is removed)."""
    metadata: dict[str, object] = {"encoding": encoding}
    date = _date(soup)
    if date:
        metadata["date"] = date
    categories: list[str] = []
    tags: list[str] = []
    for link in soup.find_all("a"):
        rel = rel_tokens(link)
        if "category" in rel:
            categories.append(inline_text(link))
        elif "tag" in rel:
            tags.append(inline_text(link))
    if categories := dedupe(categories):
        metadata["categories"] = categories
    keywords = [clean(word) for word in meta(soup, "keywords").split(",")]
    if keywords := dedupe(keywords + tags):
        metadata["keywords"] = keywords
    if description := meta(soup, "description", "og:description", "dc.description"):
        metadata["description"] = description
    canonical = ""
    for link in soup.find_all("link"):
        if "canonical" in rel_tokens(link):
            canonical = attr(link, "href")
            break
    if canonical := canonical or meta(soup, "og:url"):
        metadata["canonical"] = canonical
    html = soup.find("html")
    if lang := attr(html, "lang") or attr(html, "xml:lang") or meta(soup, "og:locale", "dc.language"):
        metadata["lang"] = lang
    if author := _author(soup):
        metadata["author"] = author
    return metadata


def _date(soup: BeautifulSoup) -> str:
    for time_tag in soup.find_all("time", attrs={"datetime": True}):
        if {"entry-date", "published"} <= set(class_names(time_tag)) and attr(time_tag, "datetime"):
            return attr(time_tag, "datetime")
    article = soup.find("article")
    if article is not None:
        for time_tag in article.find_all("time", attrs={"datetime": True}):
            if attr(time_tag, "datetime") and not any(
                parent.get("id") in ("comments", "respond")
                or not {"comment", "comments-area", "comment-list"}.isdisjoint(class_names(parent))
                for parent in ancestors(time_tag)
            ):
                return attr(time_tag, "datetime")
    return meta(soup, "article:published_time", "date", "dc.date", "dc.date.issued", "dcterms.date", "dcterms.issued")


def _author(soup: BeautifulSoup) -> str:
    if author := meta(soup, "author", "article:author", "dc.creator"):
        return author
    for link in soup.find_all("a", rel="author"):  # bs4 matches one value of a multi-valued attribute
        if text := inline_text(link):
            return text
    for tag in soup.find_all(class_=["author", "post-author"]):
        if "post-author" in class_names(tag) or any(
            not {"entry-meta", "byline"}.isdisjoint(class_names(parent)) for parent in ancestors(tag)
        ):
            return inline_text(tag)
    return ""


_TITLE_SEPARATORS = (" | ", " – ", " — ", " - ", " · ", " :: ", " » ")


def _site_name(soup: BeautifulSoup) -> str:
    if name := meta(soup, "og:site_name", "application-name"):
        return name
    site_title = soup.find(class_="site-title") or soup.find(id="site-title")
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


def page_title(soup: BeautifulSoup) -> str:
    """The page's own title (entry title, og:title, <title>, first <h1>), or "" when it has none."""
    entry_title = soup.find("h1", class_="entry-title")
    if isinstance(entry_title, Tag) and (text := inline_text(entry_title)):
        return text
    if og_title := meta(soup, "og:title"):
        return strip_site_suffix(og_title, _site_name(soup))
    title_tag = soup.find("title")
    if title_tag is not None and (text := inline_text(title_tag)):
        return strip_site_suffix(text, _site_name(soup))
    h1 = soup.find("h1")
    if h1 is not None and (text := inline_text(h1)):
        return text
    return ""
