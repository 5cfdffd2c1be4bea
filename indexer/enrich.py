"""Enrichment: year, themes, document type and the post ↔ PDF relations, with the source that decided each.

Precedence (DESIGN.md): the documentalist's catalogue, then the file's own metadata, then the page that
publishes the file (for a PDF), then the text itself. For a PDF's year, a date printed on its cover and the
date of its post both come before /CreationDate, which is usually the day the file was generated.
"""

from __future__ import annotations

import csv
import logging
import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache
from importlib import resources
from urllib.parse import unquote, urlsplit

from indexer.analysis import analyse, fold
from indexer.document import Document

logger = logging.getLogger(__name__)

# Sources, as recorded in Document.sources (the search app shows them in French).
SOURCE_CATALOGUE = "catalogue"
SOURCE_METADATA = "metadata"
SOURCE_COVER = "cover"
SOURCE_PARENT = "parent"
SOURCE_CREATION_DATE = "creation_date"
SOURCE_TEXT = "text"
SOURCE_FORMAT = "format"
SOURCE_NONE = "none"

SOURCE_LABELS = {
    SOURCE_CATALOGUE: "catalogue du centre de ressources",
    SOURCE_METADATA: "métadonnées du fichier",
    SOURCE_COVER: "date imprimée en couverture",
    SOURCE_PARENT: "page qui publie le document",
    SOURCE_CREATION_DATE: "date de création du fichier PDF",
    SOURCE_TEXT: "texte du document",
    SOURCE_FORMAT: "format du fichier",
    SOURCE_NONE: "aucune source",
}

NO_YEAR = "sans-date"
NO_YEAR_LABEL = "Non datée"
FORMAT_TYPES = {"html": ("html", "Page web"), "pdf": ("pdf", "Dossier PDF")}

MONTHS = {
    "janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
    "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "decembre": 12,
}  # fmt: skip
_MONTH_RE = "|".join(MONTHS)
_FULL_DATE = re.compile(rf"\b(1er|[0-3]?\d)\s+({_MONTH_RE})\s+((?:19|20)\d\d)\b")
_MONTH_YEAR = re.compile(rf"\b({_MONTH_RE})\s+((?:19|20)\d\d)\b")
_NUMERIC_DATE = re.compile(r"\b([0-3]?\d)/([01]?\d)/((?:19|20)\d\d)\b")
_ISO_DATE = re.compile(r"^((?:19|20)\d\d)(?:-(\d\d)(?:-(\d\d))?)?")
_LONE_YEAR_LINE = re.compile(r"^\s*((?:19|20)\d\d)\s*$", re.MULTILINE)

# How much of a page's text opens it (where posts give their date and format).
OPENING_CHARS = 600


@dataclass(frozen=True)
class Theme:
    """A theme of the controlled vocabulary.

    `keywords` reveal the theme in labels and in running text; `label_keywords` (marked « ~ » in the file) are
    too common in this field's writing to reveal it in running text, and only map categories, tags and PDF
    keywords.
    """

    slug: str
    label: str
    keywords: tuple[str, ...]
    label_keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class DocType:
    """A document type and the phrases that reveal it."""

    slug: str
    label: str
    patterns: tuple[str, ...]


@dataclass
class CatalogueEntry:
    """A documentalist's override for one file (empty fields override nothing)."""

    title: str | None = None
    year: int | None = None
    no_year: bool = False
    themes: list[str] = field(default_factory=list)
    doc_type: str | None = None


@dataclass(frozen=True)
class ParentInfo:
    """What a PDF needs to know about a post that links to it."""

    path: str
    title: str
    year: int | None
    date: str | None
    themes: tuple[str, ...]


def _read_tsv(name: str) -> list[list[str]]:
    text = resources.files("indexer").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return [row for row in csv.reader(text.splitlines()[1:], delimiter="\t") if row and row[0].strip()]


@cache
def themes() -> tuple[Theme, ...]:
    """The controlled theme vocabulary (`indexer/data/themes.tsv`)."""
    out = []
    for row in _read_tsv("themes.tsv"):
        words = [k.strip() for k in row[2].split(",") if k.strip()]
        out.append(
            Theme(
                row[0].strip(),
                row[1].strip(),
                tuple(k for k in words if not k.startswith("~")),
                tuple(k[1:].strip() for k in words if k.startswith("~")),
            )
        )
    return tuple(out)


@cache
def theme_labels() -> dict[str, str]:
    """Theme slug → French label."""
    return {t.slug: t.label for t in themes()}


@cache
def doc_types() -> tuple[DocType, ...]:
    """The document types (`indexer/data/types.tsv`), most specific first."""
    return tuple(
        DocType(r[0].strip(), r[1].strip(), tuple(p.strip() for p in r[2].split(",") if p.strip()))
        for r in _read_tsv("types.tsv")
    )


@cache
def type_labels() -> dict[str, str]:
    """Type slug → French label, including the two format-level types."""
    labels = {slug: label for slug, label in FORMAT_TYPES.values()}
    labels.update({t.slug: t.label for t in doc_types()})
    return labels


# ---------------------------------------------------------------------------------------------------------
# Dates


def _valid_year(year: int) -> bool:
    return 1990 <= year <= date.today().year + 1


def find_french_date(text: str) -> tuple[int, str] | None:
    """The first French date in `text`: (year, ISO date as precise as written) or None.

    Recognises « mardi 28 juin 2016 », « 1er juillet 2021 », « novembre 2016 », « 20/10/2015 ».
    """
    folded = fold(text).lower()
    best: tuple[int, int, str] | None = None  # (position, year, iso)
    for m in _FULL_DATE.finditer(folded):
        day = 1 if m.group(1) == "1er" else int(m.group(1))
        year, month = int(m.group(3)), MONTHS[m.group(2)]
        if _valid_year(year) and 1 <= day <= 31:
            best = (m.start(), year, f"{year:04d}-{month:02d}-{day:02d}")
            break
    for m in _MONTH_YEAR.finditer(folded):
        year = int(m.group(2))
        if _valid_year(year):
            if best is None or m.start() < best[0]:
                best = (m.start(), year, f"{year:04d}-{MONTHS[m.group(1)]:02d}")
            break
    for m in _NUMERIC_DATE.finditer(folded):
        day, month, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if _valid_year(year) and 1 <= month <= 12 and 1 <= day <= 31:
            if best is None or m.start() < best[0]:
                best = (m.start(), year, f"{year:04d}-{month:02d}-{day:02d}")
            break
    return (best[1], best[2]) if best else None


def parse_iso_date(value: str | None) -> tuple[int, str] | None:
    """(year, ISO date) from an ISO date or datetime string, or None."""
    if not value:
        return None
    m = _ISO_DATE.match(value.strip())
    if not m or not _valid_year(int(m.group(1))):
        return None
    return int(m.group(1)), "-".join(g for g in m.groups() if g)


def cover_date(doc: Document) -> tuple[int, str] | None:
    """A date printed on a PDF's cover (its first page): a French date, or a year alone on a line."""
    if not doc.pages:
        return None
    first = doc.pages[0]
    # A date alone on its line is the publication date (« Janvier 2019 »), whatever else the cover mentions
    # (« À la suite des Rencontres du 9 octobre 2018 »).
    for line in first.splitlines():
        found = find_french_date(line)
        if found and len(line.strip()) <= 40 and len(re.sub(r"[\W\d_]", "", line)) <= 20:
            return found
    found = find_french_date(first)
    if found:
        return found
    m = _LONE_YEAR_LINE.search(first)
    if m and _valid_year(int(m.group(1))):
        return int(m.group(1)), m.group(1)
    return None


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
# Relations


def resolve_links(docs: Iterable[Document], corpus_paths: Iterable[str]) -> None:
    """Point each HTML link at the corpus file it names, and fill `publishes` (posts) in place.

    A relative link resolves against the page's folder (extraction already did that); an absolute URL
    whose last segment is the name of exactly one PDF of the corpus (a WordPress upload URL) resolves to
    that PDF. A link to a file that does not exist keeps its raw target: a later update may add the file.
    """
    LinkResolver(corpus_paths).resolve(docs)


class LinkResolver:
    """`resolve_links` with the corpus's paths indexed once: a build resolves each page as it comes, and
    indexing the paths for every page made the build quadratic (10,000 documents: 2 minutes of it)."""

    def __init__(self, corpus_paths: Iterable[str]) -> None:
        self.paths = set(corpus_paths)
        self.by_name: dict[str, list[str]] = {}
        for p in self.paths:
            self.by_name.setdefault(posixpath.basename(p).lower(), []).append(p)

    def resolve(self, docs: Iterable[Document]) -> None:
        """Resolve the links of `docs` in place (see `resolve_links`)."""
        for doc in docs:
            if doc.format != "html":
                continue
            publishes: list[str] = []
            for link in doc.links:
                target = link.target if link.target in self.paths else None
                if target is None:
                    name = posixpath.basename(unquote(urlsplit(link.href).path)).lower()
                    candidates = self.by_name.get(name, []) if name.endswith(".pdf") else []
                    if len(candidates) == 1:
                        target = candidates[0]
                if target:
                    link.target = target
                if target and target != doc.path and target not in publishes:
                    publishes.append(target)
            doc.publishes = publishes


def parents_by_child(docs: Iterable[Document]) -> dict[str, list[str]]:
    """Child path → paths of the HTML pages that publish it (sorted)."""
    out: dict[str, list[str]] = {}
    for doc in docs:
        for child in doc.publishes:
            out.setdefault(child, []).append(doc.path)
    return {k: sorted(v) for k, v in out.items()}


def parent_info(doc: Document) -> ParentInfo:
    """The summary of an enriched post that its PDFs inherit from."""
    return ParentInfo(doc.path, doc.title, doc.year, doc.date, tuple(doc.themes))


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


def _enrich_type(doc: Document, entry: CatalogueEntry | None) -> None:
    if entry and entry.doc_type:
        doc.doc_type = entry.doc_type
        return _set(doc, "type", SOURCE_CATALOGUE)
    meta_text = " ; ".join([str(doc.metadata.get("subject") or ""), *list(doc.metadata.get("categories") or [])])
    found = type_from_text(meta_text) if meta_text.strip(" ;") else None
    if found:
        doc.doc_type = found
        return _set(doc, "type", SOURCE_METADATA)
    if doc.format == "pdf":
        telling = doc.title + "\n" + (doc.pages[0][:800] if doc.pages else "")
    else:
        telling = doc.title + "\n" + doc.text[:OPENING_CHARS] + "\n" + doc.text[-400:]
    found = type_from_text(telling)
    if found:
        doc.doc_type = found
        return _set(doc, "type", SOURCE_TEXT)
    doc.doc_type = FORMAT_TYPES[doc.format][0]
    return _set(doc, "type", SOURCE_FORMAT)


def type_values(doc_format: str, doc_type: str | None) -> list[str]:
    """The values of the `type` facet for a document: its format-level type, then its finer type."""
    values = [FORMAT_TYPES[doc_format][0]]
    if doc_type and doc_type not in values:
        values.append(doc_type)
    return values


def year_facet_value(year: int | None) -> str:
    """The `year` facet value of a document: the year, or « sans-date »."""
    return str(year) if year else NO_YEAR
