"""The controlled vocabularies, read once from `indexer/data/`: themes, document types, acronyms, derivations,
the vocabulary of urban policy over time (with the corpus's own additions), and the French labels shown for
facet values, sources and months.

Only raw tables live here; what depends on the analyser (the analysed terms of an acronym's expansion, of a
theme's keywords) is computed where it is used, from these tables.
"""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

logger = logging.getLogger(__name__)

NO_YEAR = "sans-date"
NO_YEAR_LABEL = "Non datée"
# Format-level types: every document has one, a finer type may follow (see `records.type_values`).
FORMAT_TYPES = {"html": ("html", "Page web"), "pdf": ("pdf", "Dossier PDF")}

# Month names as written in French; month n is MONTH_NAMES[n - 1].
MONTH_NAMES = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip

# Sources of a facet's value, as recorded in `Document.sources`, and their French labels.
SOURCE_CATALOGUE = "catalogue"
SOURCE_METADATA = "metadata"
SOURCE_COVER = "cover"
SOURCE_PARENT = "parent"
SOURCE_SIGNATURE = "signature"
SOURCE_CREATION_DATE = "creation_date"
SOURCE_TEXT = "text"
SOURCE_FORMAT = "format"
SOURCE_NONE = "none"

SOURCE_LABELS = {
    SOURCE_CATALOGUE: "catalogue du centre de ressources",
    SOURCE_METADATA: "métadonnées du fichier",
    SOURCE_COVER: "date imprimée en couverture",
    SOURCE_PARENT: "page qui publie le document",
    SOURCE_SIGNATURE: "date de signature de l’acte",
    SOURCE_CREATION_DATE: "date de création du fichier PDF",
    SOURCE_TEXT: "texte du document",
    SOURCE_FORMAT: "format du fichier",
    SOURCE_NONE: "aucune source",
}


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


@dataclass(frozen=True)
class Acronym:
    """An acronym and its expansion, as written in the vocabulary file."""

    acronym: str
    expansion: str


def read_table(name: str) -> list[list[str]]:
    """The rows of `indexer/data/<name>` (tab-separated, one header line), blank rows left out."""
    text = resources.files("indexer").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return [row for row in csv.reader(text.splitlines()[1:], delimiter="\t") if row and row[0].strip()]


def _split(cell: str) -> list[str]:
    return [item.strip() for item in cell.split(",") if item.strip()]


@cache
def themes() -> tuple[Theme, ...]:
    """The controlled theme vocabulary (`indexer/data/themes.tsv`)."""
    out = []
    for row in read_table("themes.tsv"):
        words = _split(row[2])
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
    return tuple(DocType(r[0].strip(), r[1].strip(), tuple(_split(r[2]))) for r in read_table("types.tsv"))


@cache
def type_labels() -> dict[str, str]:
    """Type slug → French label, including the two format-level types."""
    labels = {slug: label for slug, label in FORMAT_TYPES.values()}
    labels.update({t.slug: t.label for t in doc_types()})
    return labels


@cache
def acronyms() -> tuple[Acronym, ...]:
    """The acronym vocabulary (`indexer/data/acronyms.tsv`)."""
    return tuple(Acronym(r[0].strip(), r[1].strip()) for r in read_table("acronyms.tsv") if len(r) >= 2)


@cache
def acronym_keys() -> frozenset[str]:
    """Lowercase acronyms (never stemmed)."""
    return frozenset(a.acronym.lower() for a in acronyms())


@cache
def derivations() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(verb, nouns of its family) as written in `indexer/data/derivations.tsv`, lowercase."""
    return tuple(
        (r[0].strip().lower(), tuple(n.lower() for n in _split(r[1])))
        for r in read_table("derivations.tsv")
        if len(r) >= 2
    )


# ---------------------------------------------------------------------------------------------------------
# The vocabulary of urban policy over time (`indexer/data/vocabulaire.tsv`, then the corpus's own
# `vocabulaire.tsv`): one relation between two terms per line. What a search does with it: `search_app.widening`.

VOCABULARY_NAME = "vocabulaire.tsv"
SUCCESSION = "succession"  # the second term replaced the first
EQUIVALENCE = "equivalence"  # two names of one thing
NEIGHBOUR = "neighbour"  # two close schemes
# How a line may write each relation (compared without accents or case).
RELATION_WORDS = {
    "remplace par": SUCCESSION,
    "→": SUCCESSION,
    "->": SUCCESSION,
    "equivaut a": EQUIVALENCE,
    "↔": EQUIVALENCE,
    "<->": EQUIVALENCE,
    "voisin de": NEIGHBOUR,
    "~": NEIGHBOUR,
}
_RELATIONS_HELP = "« remplacé par » (ou →), « équivaut à » (ou ↔), « voisin de » (ou ~)"


@dataclass(frozen=True)
class TermLink:
    """One line of a vocabulary table: `term` `relation` `other`, and where it was read (for messages)."""

    term: str
    relation: str
    other: str
    where: str


@dataclass(frozen=True)
class PolicyVocabulary:
    """The relations of the vocabulary tables, and what was wrong in them (French, with line numbers)."""

    links: tuple[TermLink, ...] = ()
    problems: tuple[str, ...] = ()


def parse_vocabulary(text: str, name: str) -> PolicyVocabulary:
    """The relations of a vocabulary table's text; a bad line is skipped and told in `problems`."""
    links: list[TermLink] = []
    problems: list[str] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = [cell.strip() for cell in line.split("\t")]
        where = f"{name}, ligne {lineno}"
        if lineno == 1 and _folded(cells[0]) == "terme":
            continue  # the header
        if len(cells) < 3 or len(cells) > 4:
            problems.append(
                f"{where} : {len(cells)} colonne{'s' if len(cells) > 1 else ''} au lieu de 3 ou 4 "
                "(terme, relation, terme lié, note), séparées par des tabulations."
            )
            continue
        term, relation, other = cells[:3]
        kind = RELATION_WORDS.get(_folded(relation))
        if not term or not other:
            problems.append(f"{where} : il manque {'le terme' if not term else 'le terme lié'}.")
        elif kind is None:
            problems.append(f"{where} : relation « {relation} » inconnue ; relations possibles : {_RELATIONS_HELP}.")
        elif _folded(term) == _folded(other):
            problems.append(f"{where} : « {term} » est lié à lui-même.")
        else:
            links.append(TermLink(term, kind, other, where))
    return PolicyVocabulary(tuple(links), tuple(problems))


def _folded(text: str) -> str:
    from indexer.words import fold  # (words reads the acronyms of this module)

    return " ".join(fold(text).lower().split())


@cache
def default_vocabulary() -> PolicyVocabulary:
    """The vocabulary shipped with the engine (`indexer/data/vocabulaire.tsv`)."""
    text = resources.files("indexer").joinpath(f"data/{VOCABULARY_NAME}").read_text(encoding="utf-8")
    return parse_vocabulary(text, VOCABULARY_NAME)


def policy_vocabulary(corpus: Path | None) -> PolicyVocabulary:
    """The default vocabulary, then the lines of the corpus's own `vocabulaire.tsv` if there is one (read
    again when it changes; its problems are logged once per change, in French)."""
    path = corpus / VOCABULARY_NAME if corpus is not None else None
    try:
        st = path.stat() if path is not None else None
    except OSError:
        st = None
    if path is None or st is None:
        return default_vocabulary()
    return _with_corpus_file(str(path), st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=8)
def _with_corpus_file(path: str, _mtime_ns: int, _size: int) -> PolicyVocabulary:
    base = default_vocabulary()
    name = f"{Path(path).parent.name}/{VOCABULARY_NAME}"
    try:
        own = parse_vocabulary(Path(path).read_text(encoding="utf-8-sig"), name)
    except (OSError, UnicodeDecodeError) as exc:
        reason = "encodage autre que UTF-8" if isinstance(exc, UnicodeDecodeError) else (exc.strerror or str(exc))
        own = PolicyVocabulary(problems=(f"{name} illisible ({reason}) : seul le vocabulaire par défaut sert.",))
    for problem in own.problems:
        logger.warning("%s", problem)
    return PolicyVocabulary(base.links + own.links, base.problems + own.problems)
