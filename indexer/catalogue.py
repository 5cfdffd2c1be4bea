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
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from indexer.dates import valid_year
from indexer.enrich import CatalogueEntry, themes_from_labels, type_from_text
from indexer.errors import IndexerError
from indexer.vocab import NO_YEAR, theme_labels, type_labels
from indexer.words import fold

logger = logging.getLogger(__name__)

CATALOGUE_NAME = "catalogue.csv"
ENCODING_NAMES = {"utf-8-sig": "UTF-8", "cp1252": "Windows-1252", "utf-16": "UTF-16"}
DELIMITERS = (",", ";", "\t")
DELIMITER_NAMES = {",": "virgule", ";": "point-virgule", "\t": "tabulation"}
# Column names, in English (the documented ones) or in French (a spreadsheet's own headers).
COLUMNS = {
    "path": "path", "chemin": "path", "fichier": "path",
    "title": "title", "titre": "title",
    "year": "year", "annee": "year", "date": "year",
    "themes": "themes", "theme": "themes",
    "type": "type",
}  # fmt: skip


class CatalogueError(IndexerError):
    """The catalogue file cannot be read at all (message in French, naming the file)."""


@dataclass(frozen=True)
class CatalogueIssue:
    """One row of the catalogue that was ignored (`ignored`) or applied only in part."""

    line: int
    path: str
    reason: str
    ignored: bool

    def describe(self) -> str:
        """« ligne 4 (site/x.html) : ignorée — fichier introuvable dans le corpus »."""
        where = f"ligne {self.line}" + (f" ({self.path})" if self.path else "")
        return f"{where} : {'ignorée' if self.ignored else 'appliquée en partie'} — {self.reason}"


@dataclass
class Catalogue:
    """The entries of a catalogue by corpus-relative path, and what could not be applied."""

    file: Path | None = None
    entries: dict[str, CatalogueEntry] = field(default_factory=dict)
    issues: list[CatalogueIssue] = field(default_factory=list)
    encoding: str = ""
    delimiter: str = ","
    rows: int = 0


def load_catalogue(corpus: Path) -> dict[str, CatalogueEntry]:
    """The catalogue's entries by path (empty without a catalogue); each row's problem is logged."""
    catalogue = read_catalogue(corpus)
    for issue in catalogue.issues:
        logger.warning("%s %s", CATALOGUE_NAME, issue.describe())
    return catalogue.entries


def read_catalogue(corpus: Path, corpus_paths: Collection[str] | None = None) -> Catalogue:
    """Read `catalogue.csv` (path, title, year, themes, type) from the corpus root, if present.

    Themes are `;`-separated slugs or labels; a year of « sans-date » forces « Non datée ». `corpus_paths`,
    when given, are the indexable files, used to suggest the nearest path for a file that does not exist.
    Raises `CatalogueError` when the file cannot be decoded at all.
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
    columns = [COLUMNS.get(fold(name).strip().lower()) for name in header]
    if "path" not in columns:
        catalogue.issues.append(
            CatalogueIssue(1, "", "pas de colonne « path » dans l’en-tête : aucune ligne n’est appliquée", True)
        )
        return catalogue
    first_line: dict[str, int] = {}
    for row in reader:
        values = {col: cell.strip() for col, cell in zip(columns, row, strict=False) if col}
        if not any(values.values()):
            continue
        catalogue.rows += 1
        _read_row(catalogue, reader.line_num, values, _RowContext(corpus, corpus_paths, first_line))
    return catalogue


@dataclass(frozen=True)
class _RowContext:
    corpus: Path
    corpus_paths: Collection[str] | None
    first_line: dict[str, int]


def _read_row(catalogue: Catalogue, line: int, values: dict[str, str], ctx: _RowContext) -> None:
    rel, notes = _normalise_path(values.get("path", ""), ctx.corpus)
    if not rel:
        catalogue.issues.append(CatalogueIssue(line, "", "colonne « path » vide", True))
        return
    if not (ctx.corpus / rel).is_file():
        reason = "fichier introuvable dans le corpus" + _nearest_path(rel, ctx.corpus_paths)
        catalogue.issues.append(CatalogueIssue(line, rel, reason, True))
        return
    if rel in ctx.first_line:
        notes.append(f"même fichier qu’à la ligne {ctx.first_line[rel]} : cette ligne-ci remplace la précédente")
    ctx.first_line[rel] = line
    entry = CatalogueEntry(title=values.get("title") or None)
    year = values.get("year", "")
    if fold(year).lower() in (NO_YEAR, "sans date", "non datee"):
        entry.no_year = True
    elif year:
        if year.isdigit() and valid_year(int(year)):
            entry.year = int(year)
        else:
            notes.append(f"année illisible « {year} » (attendu : une année comme 2016, ou « sans-date »)")
    for raw in (t.strip() for t in values.get("themes", "").split(";")):
        slugs = themes_from_labels([raw]) if raw else []
        if raw and not slugs:
            notes.append(f"thème inconnu « {raw} »{_nearest_themes(raw)}")
        entry.themes += [s for s in slugs if s not in entry.themes]
    doc_type = values.get("type", "")
    if doc_type:
        entry.doc_type = doc_type if doc_type in type_labels() else type_from_text(doc_type)
        if entry.doc_type is None:
            known = ", ".join(sorted(type_labels()))
            notes.append(f"type inconnu « {doc_type} » (types connus : {known})")
    catalogue.entries[rel] = entry
    for note in notes:
        catalogue.issues.append(CatalogueIssue(line, rel, note, False))


def _normalise_path(raw: str, corpus: Path) -> tuple[str, list[str]]:
    """The corpus-relative path a documentalist meant, and a note when it had to be corrected."""
    rel = raw.replace("\\", "/").strip().lstrip("/")
    while rel.startswith("./"):
        rel = rel[2:]
    notes = []
    prefix = f"{corpus.resolve().name}/"
    if rel.startswith(prefix) and not (corpus / rel).is_file() and (corpus / rel[len(prefix) :]).is_file():
        rel = rel[len(prefix) :]
        notes.append(f"chemin à donner depuis le dossier du corpus : « {prefix} » retiré")
    return rel, notes


def _nearest_path(rel: str, corpus_paths: Collection[str] | None) -> str:
    if not corpus_paths:
        return ""
    close = difflib.get_close_matches(rel, list(corpus_paths), n=1, cutoff=0.6)
    return f" (vouliez-vous dire « {close[0]} » ?)" if close else ""


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
