"""Enrichment: year, themes and document type of a document, with the source that decided each.

Precedence (docs/architecture.md): the documentalist's catalogue, then the file's own metadata, then the page
that publishes the file (for a PDF), then the text itself. For a PDF's year, a date printed on its cover and the
date of its post both come before /CreationDate, which is usually the day the file was generated.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache

from indexer.analysis import analyse
from indexer.dates import cover_date, find_french_date, parse_iso_date, signature_date
from indexer.document import Document
from indexer.relations import ParentInfo
from indexer.vocab import (
    FORMAT_TYPES,
    SOURCE_CATALOGUE,
    SOURCE_COVER,
    SOURCE_CREATION_DATE,
    SOURCE_FORMAT,
    SOURCE_METADATA,
    SOURCE_NONE,
    SOURCE_PARENT,
    SOURCE_SIGNATURE,
    SOURCE_TEXT,
    doc_types,
    themes,
)
from indexer.words import fold

logger = logging.getLogger(__name__)


# How much of a page's text opens it (where posts give their date and format).
OPENING_CHARS = 600
TAIL_CHARS = 400
NEWS_TYPE = "veille"  # the type a web page's last lines may give (see `_type_in_text`)


@dataclass
class CatalogueEntry:
    """A documentalist's override for one file (empty fields override nothing)."""

    title: str | None = None
    year: int | None = None
    no_year: bool = False
    themes: list[str] = field(default_factory=list)
    doc_type: str | None = None


# ---------------------------------------------------------------------------------------------------------
# Themes and types


@cache
def _theme_keyword_terms(labels: bool = False) -> tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]:
    """For each theme, the analysed term sequences of its label and keywords (and, to read labels, of its
    label-only keywords)."""
    out = []
    for theme in themes():
        seqs = set()
        for keyword in (*theme.keywords, theme.label, *(theme.label_keywords if labels else ())):
            terms = tuple(analyse(keyword))
            # A phrase whose analysis keeps a single word (« quartiers d’été » → quarti) says nothing of the theme.
            if terms and (len(terms) > 1 or len(keyword.split()) == 1):
                seqs.add(terms)
        out.append((theme.slug, tuple(seqs)))
    return tuple(out)


def themes_from_labels(labels: Iterable[str]) -> list[str]:
    """Map category, tag or keyword labels to theme slugs (exact label, slug or keyword)."""
    found: list[str] = []
    for label in labels:
        slug = _label_theme(label)
        if slug and slug not in found:
            found.append(slug)
    return found


@lru_cache(maxsize=4096)
def _label_theme(label: str) -> str | None:
    """The theme one label names, if any (labels recur from post to post: each is worked out once)."""
    slug = _themes_by_label().get(fold(label).lower().strip())
    if slug is not None:
        return slug
    terms = tuple(analyse(label))
    if not terms:
        return None
    for theme_slug, seqs in _theme_keyword_terms(labels=True):
        if any(_contains(terms, seq) for seq in seqs if len(seq) >= 2 or len(terms) == 1):
            return theme_slug
    return None


@cache
def _themes_by_label() -> dict[str, str]:
    """Folded theme label, and slug → slug."""
    return {fold(t.label).lower(): t.slug for t in themes()} | {t.slug: t.slug for t in themes()}


def _contains(terms: tuple[str, ...], seq: tuple[str, ...]) -> bool:
    n = len(seq)
    return any(terms[i : i + n] == seq for i in range(len(terms) - n + 1))


def _count(terms: list[str], seq: tuple[str, ...]) -> int:
    n = len(seq)
    if n == 1:
        return terms.count(seq[0])
    first = seq[0]
    return sum(1 for i, t in enumerate(terms) if t == first and tuple(terms[i : i + n]) == seq)


def themes_from_text(title: str, text: str, max_themes: int = 3) -> list[str]:
    """Themes whose keywords the text uses most (title occurrences weigh more)."""
    title_terms = analyse(title)
    terms = analyse(text[:200_000])
    scores: dict[str, float] = {}
    for slug, seqs in _theme_keyword_terms():
        score = 0.0
        for seq in seqs:
            score += 4 * _count(title_terms, seq) + _count(terms, seq) * (1.5 if len(seq) >= 2 else 1.0)
        if score:
            scores[slug] = score
    if not scores:
        return []
    best = max(scores.values())
    threshold = max(4.0, 0.35 * best)
    ranked = sorted((s for s in scores.items() if s[1] >= threshold), key=lambda kv: -kv[1])
    return [slug for slug, _ in ranked[:max_themes]]


def type_from_text(text: str) -> str | None:
    """The document type named earliest in `text` (already limited to what is telling), or None.

    Patterns match accent-folded, case-insensitively, as whole words, singular or plural.
    """
    folded = _SPACES.sub(" ", fold(text).lower())
    best: tuple[int, int, str] | None = None
    for rank, slug, pattern in _type_patterns():
        m = pattern.search(folded)
        if m and (best is None or (m.start(), rank) < best[:2]):
            best = (m.start(), rank, slug)
    return best[2] if best else None


_SPACES = re.compile(r"[\s’']+")


@cache
def _type_patterns() -> tuple[tuple[int, str, re.Pattern[str]], ...]:
    """(rank, type, compiled pattern) for every pattern of the document types, compiled once."""
    out = []
    for rank, doc_type in enumerate(doc_types()):
        for pattern in doc_type.patterns:
            p = _SPACES.sub(" ", fold(pattern).lower()).strip()
            if p:
                out.append((rank, doc_type.slug, re.compile(r"(?<![a-z])" + re.escape(p) + r"s?(?![a-z])")))
    return tuple(out)


# ---------------------------------------------------------------------------------------------------------
# Enrichment


def enrich(
    doc: Document,
    parents: Iterable[ParentInfo] = (),
    catalogue: Mapping[str, CatalogueEntry] | None = None,
) -> Document:
    """Fill `year`, `date`, `themes`, `doc_type`, `published_in` and `sources` of `doc` in place.

    `parents` are the posts that link to this document (for a PDF), already enriched.
    """
    parents = sorted(parents, key=lambda p: p.path)
    doc.published_in = [p.path for p in parents]
    entry = (catalogue or {}).get(doc.path)
    if entry and entry.title:
        doc.title = entry.title
    _enrich_year(doc, parents, entry)
    _enrich_themes(doc, parents, entry)
    _enrich_type(doc, entry)
    return doc


def _set(doc: Document, facet: str, source: str) -> None:
    doc.sources[facet] = source


def _enrich_year(doc: Document, parents: list[ParentInfo], entry: CatalogueEntry | None) -> None:
    doc.year, doc.date = None, None
    if entry and (entry.year or entry.no_year):
        doc.year = entry.year
        doc.date = str(entry.year) if entry.year else None
        return _set(doc, "year", SOURCE_CATALOGUE)
    candidates: list[tuple[str, tuple[int, str] | None]] = []
    if doc.format == "pdf":
        dated = sorted((p for p in parents if p.year), key=lambda p: (p.date or str(p.year), p.path))
        parent_date = (dated[0].year, dated[0].date or str(dated[0].year)) if dated else None
        # /CreationDate is the day the file was made: a PDF that no post publishes (its post deleted, or
        # dropped alone) took the year it was exported or added, so it is trusted only beside an undated post.
        creation = parse_iso_date(doc.metadata.get("creation_date")) if parents else None
        candidates = [
            (SOURCE_COVER, cover_date(doc)),
            (SOURCE_PARENT, parent_date),
            (SOURCE_SIGNATURE, signature_date(doc)),
            (SOURCE_CREATION_DATE, creation),
            (SOURCE_TEXT, find_french_date(" ".join(doc.pages[:2])[:4000])),
        ]
    else:
        candidates = [
            (SOURCE_METADATA, parse_iso_date(doc.metadata.get("date"))),
            (SOURCE_TEXT, find_french_date((doc.title + "\n" + doc.text)[:OPENING_CHARS])),
        ]
    for source, found in candidates:
        if found:
            doc.year, doc.date = found
            return _set(doc, "year", source)
    return _set(doc, "year", SOURCE_NONE)


def _enrich_themes(doc: Document, parents: list[ParentInfo], entry: CatalogueEntry | None) -> None:
    if entry and entry.themes:
        doc.themes = list(entry.themes)
        return _set(doc, "themes", SOURCE_CATALOGUE)
    labels = list(doc.metadata.get("categories") or []) + list(doc.metadata.get("keywords") or [])
    found = themes_from_labels(labels)
    if found:
        doc.themes = found
        return _set(doc, "themes", SOURCE_METADATA)
    inherited: list[str] = []
    for parent in parents:
        inherited += [t for t in parent.themes if t not in inherited]
    if inherited:
        doc.themes = inherited
        return _set(doc, "themes", SOURCE_PARENT)
    doc.themes = themes_from_text(doc.title, doc.text)
    return _set(doc, "themes", SOURCE_TEXT if doc.themes else SOURCE_NONE)


def _type_in_text(doc: Document) -> str | None:
    """The type a document's own text gives: its title and opening (a PDF's cover) say what it is.

    A web page's last lines count only for a news item (« Lire la suite sur Localtis »): elsewhere they name
    the documents it points to (« relisez notre synthèse »), not itself.
    """
    if doc.format == "pdf":
        return type_from_text(doc.title + "\n" + (doc.pages[0][:800] if doc.pages else ""))
    found = type_from_text(doc.title + "\n" + doc.text[:OPENING_CHARS])
    if found is None and type_from_text(doc.text[-TAIL_CHARS:]) == NEWS_TYPE:
        return NEWS_TYPE
    return found


def _enrich_type(doc: Document, entry: CatalogueEntry | None) -> None:
    if entry and entry.doc_type:
        doc.doc_type = entry.doc_type
        return _set(doc, "type", SOURCE_CATALOGUE)
    meta_text = " ; ".join([str(doc.metadata.get("subject") or ""), *list(doc.metadata.get("categories") or [])])
    found = type_from_text(meta_text) if meta_text.strip(" ;") else None
    if found:
        doc.doc_type = found
        return _set(doc, "type", SOURCE_METADATA)
    found = _type_in_text(doc)
    if found:
        doc.doc_type = found
        return _set(doc, "type", SOURCE_TEXT)
    doc.doc_type = FORMAT_TYPES[doc.format][0]
    return _set(doc, "type", SOURCE_FORMAT)
