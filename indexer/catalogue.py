"""The documentalist's catalogue (`catalogue.csv` at the corpus root): reading it and checking it.

A catalogue comes from a spreadsheet: French Excel and LibreOffice save it with `;` between columns and often
in Windows-1252, others with `,` (or a tab) in UTF-8. All of these are read. Every row that is ignored, or
applied only in part, is reported with its line number and the reason, so that no correction is lost without
a word: `python -m indexer catalogue --check` lists them, `/admin` shows them, build and update log them.
"""

from __future__ import annotations

import csv
import difflib
import io
import logging
import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from indexer.corpus import scan_corpus
from indexer.dates import valid_year
from indexer.enrich import CatalogueEntry, themes_from_labels, type_from_text
from indexer.errors import IndexerError
from indexer.vocab import FORMAT_TYPES, NO_YEAR, doc_types, theme_labels
from indexer.words import fold

logger = logging.getLogger(__name__)

CATALOGUE_NAME = "catalogue.csv"
ENCODING_NAMES = {"utf-8-sig": "UTF-8", "cp1252": "Windows-1252", "utf-16": "UTF-16"}
DELIMITERS = (",", ";", "\t")
DELIMITER_NAMES = {",": "virgule", ";": "point-virgule", "\t": "tabulation"}
# Column names, in English (the documented ones) or in French (a spreadsheet's own headers), accent-folded.
COLUMNS = {
    "path": "path", "chemin": "path", "fichier": "path",
    "title": "title", "titre": "title",
    "year": "year", "annee": "year", "date": "year",
    "themes": "themes", "theme": "themes",
    "type": "type",
}  # fmt: skip
COLUMNS_HELP = "path ou chemin, title ou titre, year ou année, themes ou thèmes, type"
# What a header may add to a column's name and still mean it: « Thèmes (séparés par ;) », « Type de document ».
_HEADER_NOTE = re.compile(r"\(.*?\)|\[.*?\]")
_HEADER_QUALIFIER = re.compile(r" (?:de la|de l|du|de|des|d|of the|of) (?:document|doc|fichier|publication|parution)$")

# What happened to a row (or a column) that is reported.
IGNORED = "ignorée"
PARTIAL = "appliquée en partie"
APPLIED = "appliquée"  # in full, after a correction worth knowing (a path from the parent folder, a repeated row)
COLUMN_IGNORED = "colonne ignorée"


class CatalogueError(IndexerError):
    """The catalogue file cannot be read at all (message in French, naming the file)."""


@dataclass(frozen=True)
class CatalogueIssue:
    """One row of the catalogue that was ignored, applied only in part, or applied after a correction; or a
    column of the header that is not applied. `effect` is one of `IGNORED`, `PARTIAL`, `APPLIED`,
    `COLUMN_IGNORED`."""

    line: int
    path: str
    reason: str
    effect: str

    @property
    def ignored(self) -> bool:
        """Whether the whole row is ignored."""
        return self.effect == IGNORED

    @property
    def to_fix(self) -> bool:
        """Whether something the documentalist wrote is not applied (everything but `APPLIED`)."""
        return self.effect != APPLIED

    def describe(self) -> str:
        """« ligne 4 (site/x.html) : ignorée — fichier introuvable dans le corpus »."""
        where = f"ligne {self.line}" + (f" ({self.path})" if self.path else "")
        if self.effect == COLUMN_IGNORED:
            where += " (en-tête)"
        return f"{where} : {self.effect} — {self.reason}"


@dataclass
class Catalogue:
    """The entries of a catalogue by corpus-relative path, and what could not be applied."""

    file: Path | None = None
    entries: dict[str, CatalogueEntry] = field(default_factory=dict)
    issues: list[CatalogueIssue] = field(default_factory=list)
    encoding: str = ""
    delimiter: str = ","
    rows: int = 0


def load_catalogue(corpus: Path, corpus_paths: Collection[str] | None = None) -> dict[str, CatalogueEntry]:
    """The catalogue's entries by path (empty without a catalogue); what is not applied is logged as a warning,
    a row applied after a correction as information."""
    catalogue = read_catalogue(corpus, corpus_paths)
    for issue in catalogue.issues:
        level = logging.WARNING if issue.to_fix else logging.INFO
        logger.log(level, "%s %s", CATALOGUE_NAME, issue.describe())
    return catalogue.entries


def read_catalogue(corpus: Path, corpus_paths: Collection[str] | None = None) -> Catalogue:
    """Read `catalogue.csv` (path, title, year, themes, type) from the corpus root, if present.

    Themes are `;`-separated slugs or labels; a year of « sans-date » forces « Non datée ». `corpus_paths` are
    the indexable files (scanned here when not given and needed): a path is looked up among them
    Unicode-normalised (a name copied from a Mac is decomposed), and the nearest one is suggested for a file
    that does not exist. Raises `CatalogueError` when the file cannot be decoded at all.
    """
    path = corpus / CATALOGUE_NAME
    if not path.is_file():
        return Catalogue()
    text, encoding = _decode(path)
    delimiter = _delimiter(text)
    catalogue = Catalogue(file=path, encoding=encoding, delimiter=delimiter)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, None)
    if header is None:
        return catalogue
    columns = _columns(header)
    if "path" not in columns:
        reason = "pas de colonne « path » dans l’en-tête : aucune ligne n’est appliquée"
        catalogue.issues.append(CatalogueIssue(1, "", f"{reason} (colonnes comprises : {COLUMNS_HELP})", IGNORED))
        return catalogue
    ctx = _RowContext(corpus, _PathFinder(corpus, corpus_paths), {})
    used: set[int] = set()  # unrecognised columns that hold something
    for row in reader:
        values = {col: cell.strip() for col, cell in zip(columns, row, strict=False) if col}
        used.update(i for i, col in enumerate(columns[: len(row)]) if not col and row[i].strip())
        if not any(values.values()):
            continue
        catalogue.rows += 1
        _read_row(catalogue, reader.line_num, values, ctx)
    catalogue.issues[:0] = _column_issues(header, columns, used)
    return catalogue


def _column_key(name: str) -> str:
    """A header cell as compared with `COLUMNS`: accent-folded, lowercase, without a note in brackets, a
    qualifier (« de document ») or punctuation."""
    key = _HEADER_NOTE.sub(" ", fold(name).lower())
    key = " ".join(re.sub(r"[^a-z0-9]+", " ", key).split())
    return _HEADER_QUALIFIER.sub("", key)


def _columns(header: list[str]) -> list[str | None]:
    """What each column of the header holds (None: a column not understood, or the same as an earlier one)."""
    columns: list[str | None] = []
    for name in header:
        key = _column_key(name)
        column = COLUMNS.get(key) or COLUMNS.get(key.removesuffix("s"))
        columns.append(column if column not in columns else None)
    return columns


def _column_issues(header: list[str], columns: list[str | None], used: set[int]) -> list[CatalogueIssue]:
    """One issue per column of the header that is not applied: unknown, repeated, or unnamed but filled."""
    issues = []
    for i, column in enumerate(columns):
        name = header[i].strip()
        if column is not None or (not name and i not in used):
            continue
        key = _column_key(name)
        earlier = COLUMNS.get(key) or COLUMNS.get(key.removesuffix("s"))
        if not name:
            what = f"colonne {i + 1}, sans nom"
        elif earlier is not None:
            what = f"« {name} » : même contenu que la colonne « {header[columns.index(earlier)].strip()} », déjà lue"
        else:
            what = f"« {name} » : nom de colonne non reconnu"
        reason = f"{what} ; ses cellules ne sont appliquées à aucune ligne (colonnes comprises : {COLUMNS_HELP})"
        issues.append(CatalogueIssue(1, "", reason, COLUMN_IGNORED))
    return issues


class _PathFinder:
    """The corpus file a catalogue path names: as written, else the same name Unicode-normalised."""

    def __init__(self, corpus: Path, corpus_paths: Collection[str] | None) -> None:
        self.corpus = corpus
        self._paths = corpus_paths

    @cached_property
    def paths(self) -> list[str]:
        """The indexable files of the corpus (scanned once, only when a path is not found as written)."""
        if self._paths is None:
            return list(scan_corpus(self.corpus)[0])
        return list(self._paths)

    @cached_property
    def by_nfc(self) -> dict[str, str]:
        return {unicodedata.normalize("NFC", p): p for p in self.paths}

    def find(self, rel: str) -> str | None:
        """The path of the file as named on disk, or None when there is no such file."""
        if rel and (self.corpus / rel).is_file():
            return rel
        return self.by_nfc.get(unicodedata.normalize("NFC", rel))

    def nearest(self, rel: str) -> str:
        """« (vouliez-vous dire « site/x.html » ?) » for the closest indexable file, if one is close."""
        close = difflib.get_close_matches(rel, list(self.by_nfc), n=1, cutoff=0.6)
        return f" (vouliez-vous dire « {self.by_nfc[close[0]]} » ?)" if close else ""


@dataclass(frozen=True)
class _RowContext:
    corpus: Path
    finder: _PathFinder
    first_line: dict[str, int]


def _read_row(catalogue: Catalogue, line: int, values: dict[str, str], ctx: _RowContext) -> None:
    written = _clean_path(values.get("path", ""))
    if not written:
        catalogue.issues.append(CatalogueIssue(line, "", "colonne « path » vide", IGNORED))
        return
    rel, notes = _locate(written, ctx)
    if rel is None:
        reason = "fichier introuvable dans le corpus" + ctx.finder.nearest(unicodedata.normalize("NFC", written))
        catalogue.issues.append(CatalogueIssue(line, written, reason, IGNORED))
        return
    if rel in ctx.first_line:
        notes.append(f"même fichier qu’à la ligne {ctx.first_line[rel]} : cette ligne-ci remplace la précédente")
    ctx.first_line[rel] = line
    entry = CatalogueEntry(title=values.get("title") or None)
    refused = _read_year(entry, values.get("year", ""))
    refused += _read_themes(entry, values.get("themes", ""))
    refused += _read_type(entry, values.get("type", ""))
    catalogue.entries[rel] = entry
    effect = PARTIAL if refused else APPLIED
    for note in notes + refused:
        catalogue.issues.append(CatalogueIssue(line, rel, note, effect))


def _read_year(entry: CatalogueEntry, year: str) -> list[str]:
    """Set the entry's year from its cell; what was refused, in French."""
    if fold(year).lower() in (NO_YEAR, "sans date", "non datee"):
        entry.no_year = True
    elif year:
        if year.isdigit() and valid_year(int(year)):
            entry.year = int(year)
        else:
            return [f"année illisible « {year} » (attendu : une année comme 2016, ou « sans-date »)"]
    return []


def _read_themes(entry: CatalogueEntry, cell: str) -> list[str]:
    """Set the entry's themes from their `;`-separated labels or slugs; the unknown ones, in French."""
    refused = []
    for raw in (t.strip() for t in cell.split(";")):
        slugs = themes_from_labels([raw]) if raw else []
        if raw and not slugs:
            refused.append(f"thème inconnu « {raw} »{_nearest_themes(raw)}")
        entry.themes += [s for s in slugs if s not in entry.themes]
    return refused


def _read_type(entry: CatalogueEntry, doc_type: str) -> list[str]:
    """Set the entry's document type from its slug, label or wording; a format (`pdf`, « Page web ») is not a
    type a row may set: it comes from the file."""
    if not doc_type:
        return []
    known = ", ".join(sorted(t.slug for t in doc_types()))
    formats = {fold(name).lower() for pair in FORMAT_TYPES.values() for name in pair} | {"htm", "web", "page"}
    if fold(doc_type).lower() in formats:
        return [
            f"« {doc_type} » est un format, pas un type de document : le format vient du fichier lui-même "
            f"(types connus : {known})"
        ]
    entry.doc_type = doc_type if doc_type in {t.slug for t in doc_types()} else type_from_text(doc_type)
    if entry.doc_type is None:
        return [f"type inconnu « {doc_type} » (types connus : {known})"]
    return []


def _clean_path(raw: str) -> str:
    """A path as written, with Windows separators, a leading « / » and « ./ » removed."""
    rel = raw.replace("\\", "/").strip().lstrip("/")
    while rel.startswith("./"):
        rel = rel[2:]
    return rel


def _locate(rel: str, ctx: _RowContext) -> tuple[str | None, list[str]]:
    """The file a row names, as named on disk (None: not in the corpus), and a note when the path had to be
    corrected (given from the corpus's parent folder)."""
    found = ctx.finder.find(rel)
    prefix = f"{ctx.corpus.resolve().name}/"
    if found is None and unicodedata.normalize("NFC", rel).startswith(unicodedata.normalize("NFC", prefix)):
        found = ctx.finder.find(rel[len(prefix) :])
        if found is not None:
            return found, [f"chemin à donner depuis le dossier du corpus : « {prefix} » retiré"]
    return found, []


def _nearest_themes(raw: str) -> str:
    labels = theme_labels()
    by_key = {fold(label).lower(): label for label in labels.values()} | {slug: labels[slug] for slug in labels}
    close = difflib.get_close_matches(fold(raw).lower(), list(by_key), n=3, cutoff=0.4)
    names = list(dict.fromkeys(by_key[c] for c in close))
    if names:
        return " (thèmes proches : " + " ; ".join(f"« {n} »" for n in names) + ")"
    return " (thèmes connus : " + " ; ".join(f"« {n} »" for n in labels.values()) + ")"


def _decode(path: Path) -> tuple[str, str]:
    """The text of the catalogue and its encoding: UTF-8 (with or without BOM), UTF-16 (« Texte Unicode »
    of Excel), else Windows-1252 (what French Excel writes by default)."""
    data = path.read_bytes()
    candidates = ("utf-16",) if data.startswith((b"\xff\xfe", b"\xfe\xff")) else ("utf-8-sig", "cp1252")
    for encoding in candidates:
        try:
            return data.decode(encoding), ENCODING_NAMES[encoding]
        except UnicodeDecodeError as exc:
            error = exc
    line = data[: error.start].count(b"\n") + 1
    raise CatalogueError(
        f"{path} illisible : ni UTF-8 ni Windows-1252 (octet 0x{data[error.start]:02X} à la ligne {line}) ; "
        "enregistrez-le au format « CSV UTF-8 » depuis le tableur."
    )


def _delimiter(text: str) -> str:
    """The column separator: the one of `,` `;` tab found most often in the header line."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","
