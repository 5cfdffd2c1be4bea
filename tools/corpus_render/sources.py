"""Parsing and validation of the corpus sources (`tools/corpus_src/FORMAT.md` is the reference).

`load_corpus(src)` reads every `posts/*.txt` and `dossiers/*.txt` and returns a `Corpus` with the parsed
posts and dossiers and the list of problems found, each with its file and line. Errors make a source
unusable (missing required key, bad date, unknown dossier id, malformed line…); warnings are reported but
the source is still rendered (unknown category, unclosed emphasis marker…).
"""

from __future__ import annotations

import codecs
import datetime as dt
import difflib
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .inline import parse_inline

__all__ = [
    "Block",
    "Comment",
    "Corpus",
    "Dossier",
    "Post",
    "Problem",
    "category_path",
    "load_corpus",
    "parse_body",
    "parse_dossier",
    "parse_post",
    "slugify",
]

log = logging.getLogger(__name__)

POST_KEYS = (
    "title",
    "slug",
    "date",
    "date_in_meta",
    "categories",
    "tags",
    "encoding",
    "declared_charset",
    "author",
    "comments",
)
DOSSIER_KEYS = (
    "file",
    "title",
    "subtitle",
    "cover_date",
    "cover_lines",
    "running_header",
    "running_footer",
    "metadata",
    "meta_title",
    "meta_subject",
    "meta_keywords",
    "meta_author",
    "meta_creation_date",
    "ligatures",
    "accents",
)
ENCODINGS = {"utf-8": "utf-8", "windows-1252": "cp1252", "iso-8859-1": "latin-1"}
ACCENT_MODES = ("normal", "combining", "spacing")
DEFAULT_AUTHOR = "Villes et Territoires LR"

# The site's own categories (label -> path under /category/), from reference/site-survey.md.
SITE_CATEGORIES = {
    "Nos actions": "nos-actions",
    "Actions réalisées 2015-2016": "nos-actions/actions-realisees-2015-2016",
    "Actions réalisées 2017-2018": "nos-actions/autres-animations",
    "Cadre de vie - Renouvellement urbain": "nos-actions/cadre-de-vie-renouvellement-urbain",
    "Webinaires": "nos-actions/webinaires",
    "Thématiques": "thematiques-2",
    "Développement économique": "thematiques-2/developpement-economique-thematiques-2",
    "Languedoc Roussillon": "thematiques-2/languedoc-roussillon-thematiques-2",
    "Actus": "actus",
    "A2 - Languedoc Roussillon": "actus/languedoc-roussillon",
    "Accueil": "accueil",
    "A la Une": "accueil/alaune",
}
MONTHS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_FILE = re.compile(r"^dossiers/(\d{4}|non-date)/[a-z0-9][a-z0-9._-]*\.pdf$")
_HEADER_LINE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*:(.*)$")
_HEADING = re.compile(r"^(#{1,6})\s+(.+)$")
_BULLET = re.compile(r"^-\s+(.*)$")
_NUMBERED = re.compile(r"^(\d{1,3})\.\s+(.*)$")
_QUOTE = re.compile(r"^>\s?(.*)$")
_VIDEO = re.compile(r"^\[\[\s*vid[eé]o\s*:\s*(.+?)\s*\]\]$", re.IGNORECASE)
_PAGEBREAK = re.compile(r"^\[\s*pagebreak\s*\]$", re.IGNORECASE)
_TABLE_SEPARATOR = re.compile(r"^:?-{2,}:?$")
_LINK_TARGET = re.compile(r"\[[^\]\n]+\]\(([^)\s]+)\)")
_COVER_DATE = re.compile(r"^(?:(?:\d{1,2}(?:er)?\s+)?[A-Za-zéûÉÛ]+\s+)?\d{4}$")


@dataclass(frozen=True)
class Problem:
    """A problem of a source file at a line (0 when it concerns the whole file)."""

    path: Path
    line: int
    message: str
    severity: str = "error"  # or "warning"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else f"{self.path}"
        return f"{where}: {self.severity}: {self.message}"


@dataclass
class Block:
    """A block of a body: `kind` is para, h1, h2, h3, ul, ol, quote, table, video or pagebreak.

    `text` holds the inline markup of a paragraph, heading or video title; `items` the items of a list
    or the paragraphs of a quotation; `rows` the cells of a table (first row: header); `start` the first
    number of an ordered list; `line` the source line where the block starts.
    """

    kind: str
    line: int
    text: str = ""
    items: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    start: int = 1


@dataclass(frozen=True)
class Comment:
    """A reader comment of a post."""

    name: str
    date: dt.date
    text: str


@dataclass
class Post:
    """A WordPress post source."""

    source: Path
    slug: str
    title: str
    date: dt.date | None
    date_in_meta: bool
    categories: list[str]
    tags: list[str]
    encoding: str
    declared_charset: str
    author: str
    comments: list[Comment]
    blocks: list[Block]
    header_lines: dict[str, int] = field(default_factory=dict)

    @property
    def output_path(self) -> str:
        """Path of the HTML file relative to the corpus root."""
        folder = str(self.date.year) if self.date else "non-date"
        return f"site/{folder}/{self.slug}.html"

    @property
    def dossier_links(self) -> list[str]:
        """Ids of the dossiers this post links to (`pdf:<id>` targets), in order, without repeats."""
        ids: list[str] = []
        for text in _block_texts(self.blocks):
            for target in _LINK_TARGET.findall(text):
                if target.startswith("pdf:") and target[4:] not in ids:
                    ids.append(target[4:])
        return ids


@dataclass
class Dossier:
    """A PDF dossier source."""

    source: Path
    id: str
    file: str
    title: str
    subtitle: str
    cover_date: str
    cover_lines: list[str]
    running_header: str
    running_footer: str
    metadata: bool
    meta_title: str
    meta_subject: str
    meta_keywords: str
    meta_author: str
    meta_creation_date: dt.date | None
    ligatures: bool
    accents: str
    blocks: list[Block]

    @property
    def year(self) -> int | None:
        """The year folder of the output file, or None for `non-date`."""
        folder = self.file.split("/")[1] if self.file.count("/") >= 2 else ""
        return int(folder) if folder.isdigit() else None


@dataclass
class Corpus:
    """All parsed sources and the problems found in them."""

    src: Path
    posts: list[Post] = field(default_factory=list)
    dossiers: dict[str, Dossier] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        """The problems of severity error."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """The problems of severity warning."""
        return [p for p in self.problems if p.severity == "warning"]

    def files_with_errors(self) -> set[Path]:
        """The source files that have at least one error."""
        return {p.path for p in self.errors}


class _Reporter:
    """Collects problems for one source file."""

    def __init__(self, path: Path, problems: list[Problem]) -> None:
        self.path = path
        self.problems = problems
        self.failed = False

    def error(self, line: int, message: str) -> None:
        self.failed = True
        self.problems.append(Problem(self.path, line, message, "error"))

    def warning(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message, "warning"))


# --- Reading a source file


def _read_lines(path: Path, report: _Reporter) -> list[str] | None:
    """The lines of a UTF-8 source file, or None (with an error) when it cannot be read."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        report.error(0, f"cannot read the file: {exc.strerror or exc}")
        return None
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        report.error(line, f"the source is not valid UTF-8 (byte 0x{data[exc.start]:02x}); save it as UTF-8")
        return None
    return text.splitlines()


def _split_header(
    lines: list[str], allowed: tuple[str, ...], report: _Reporter
) -> tuple[dict[str, tuple[int, str]], list[tuple[int, str]]] | None:
    """Split a source into its header (key -> (line, value)) and its body lines (line number, text)."""
    header: dict[str, tuple[int, str]] = {}
    for index, raw in enumerate(lines):
        number = index + 1
        line = raw.strip()
        if line == "---":
            body = [(i + 1, lines[i]) for i in range(index + 1, len(lines))]
            return header, body
        if not line:
            continue
        match = _HEADER_LINE.match(line)
        if not match:
            report.error(number, f"malformed header line (expected 'key: value' or '---'): {line[:60]!r}")
            continue
        key, value = match.group(1).lower(), match.group(2).strip()
        if key not in allowed:
            hint = difflib.get_close_matches(key, allowed, n=1)
            suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
            report.error(number, f"unknown header key '{key}'{suggestion}")
            continue
        if key in header:
            report.error(number, f"header key '{key}' repeated (first on line {header[key][0]})")
            continue
        header[key] = (number, value)
    report.error(len(lines) or 1, "no '---' line ends the header (the body must follow a line '---')")
    return None


def _value(header: dict[str, tuple[int, str]], key: str, default: str = "") -> str:
    return header[key][1] if key in header else default


def _line(header: dict[str, tuple[int, str]], key: str) -> int:
    return header[key][0] if key in header else 1


def _parse_date(text: str, line: int, what: str, report: _Reporter) -> dt.date | None:
    """A `YYYY-MM-DD` date, or None with an error."""
    if not _DATE.match(text):
        report.error(line, f"bad {what} {text!r}: expected YYYY-MM-DD")
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        report.error(line, f"bad {what} {text!r}: {exc}")
        return None


def _parse_yes_no(header: dict[str, tuple[int, str]], key: str, default: bool, report: _Reporter) -> bool:
    raw = _value(header, key).lower()
    if not raw:
        return default
    if raw in ("yes", "oui", "true"):
        return True
    if raw in ("no", "non", "false"):
        return False
    report.error(_line(header, key), f"'{key}' must be 'yes' or 'no', not {raw!r}")
    return default


def _split_list(text: str) -> list[str]:
    """Split a `;`-separated header value, dropping empty items."""
    return [item.strip() for item in text.split(";") if item.strip()]


# --- Body


def parse_body(lines: list[tuple[int, str]], dialect: str, report: _Reporter) -> list[Block]:
    """Parse body lines into blocks; `dialect` is "post" or "dossier" (which constructs are allowed)."""
    blocks: list[Block] = []
    open_block: Block | None = None  # a block that takes continuation lines (para, ul, ol, quote)
    table: Block | None = None  # the table being read (consecutive '|' lines)
    for number, raw in lines:
        line = raw.strip()
        if not line.startswith("|"):
            table = None
        if not line:
            open_block = None
            continue
        if line.startswith("|"):
            open_block = None
            if not line.endswith("|") or len(line) < 2:
                report.error(number, "table row must start and end with '|'")
                continue
            cells = [cell.strip() for cell in line[1:-1].split("|")]
            if all(_TABLE_SEPARATOR.match(cell) for cell in cells):
                continue  # a Markdown separator row |---|---|
            if table is None:
                table = Block("table", number, rows=[cells])
                blocks.append(table)
            elif len(cells) != len(table.rows[0]):
                report.error(
                    number,
                    f"table row has {len(cells)} cells, the header row (line {table.line}) has {len(table.rows[0])}",
                )
            else:
                table.rows.append(cells)
            continue
        if _PAGEBREAK.match(line):
            open_block = None
            if dialect == "post":
                report.warning(number, "[pagebreak] has no meaning in a post: ignored")
            else:
                blocks.append(Block("pagebreak", number))
            continue
        video = _VIDEO.match(line)
        if video:
            open_block = None
            if dialect == "dossier":
                report.warning(number, "a video cannot play in a PDF: rendered as a paragraph with its title")
                blocks.append(Block("para", number, text=f"*Vidéo : {video.group(1)}*"))
            else:
                blocks.append(Block("video", number, text=video.group(1)))
            continue
        heading = _HEADING.match(line)
        if heading:
            open_block = None
            level = len(heading.group(1))
            if dialect == "post" and level == 1:
                report.warning(number, "'#' is the post title's level in a post: rendered as '##'")
                level = 2
            if level > 3:
                report.warning(number, f"heading level {level} is not in the format: rendered as '###'")
                level = 3
            blocks.append(Block(f"h{level}", number, text=heading.group(2).strip()))
            continue
        bullet = _BULLET.match(line)
        numbered = _NUMBERED.match(line)
        quote = _QUOTE.match(line)
        if bullet or numbered:
            kind = "ul" if bullet else "ol"
            text = (bullet or numbered).group(1 if bullet else 2).strip()  # type: ignore[union-attr]
            if open_block is not None and open_block.kind == kind:
                open_block.items.append(text)
            else:
                open_block = Block(kind, number, items=[text])
                if numbered:
                    open_block.start = int(numbered.group(1))
                blocks.append(open_block)
            continue
        if quote:
            text = quote.group(1).strip()
            if open_block is not None and open_block.kind == "quote":
                if text:
                    open_block.items.append(text)
            else:
                open_block = Block("quote", number, items=[text] if text else [])
                blocks.append(open_block)
            continue
        # A plain line: continues the open paragraph, list item or quotation, or starts a paragraph.
        if open_block is None:
            open_block = Block("para", number, text=line)
            blocks.append(open_block)
        elif open_block.kind == "para":
            open_block.text += " " + line
        elif open_block.items:
            open_block.items[-1] += " " + line
        else:
            open_block.items.append(line)
    return [b for b in blocks if b.kind != "quote" or b.items]


def _block_texts(blocks: list[Block]) -> list[str]:
    """Every piece of inline markup of the blocks."""
    texts: list[str] = []
    for block in blocks:
        if block.text:
            texts.append(block.text)
        texts.extend(block.items)
        for row in block.rows:
            texts.extend(row)
    return texts


def _check_inline(blocks: list[Block], dialect: str, report: _Reporter) -> None:
    """Report unclosed emphasis markers and bad link targets."""
    for block in blocks:
        pieces = ([block.text] if block.text else []) + block.items + [c for row in block.rows for c in row]
        for piece in pieces:
            problems: list[str] = []
            parse_inline(piece, problems)
            for message in problems:
                report.warning(block.line, f"{message} in {piece[:50]!r}")
            for target in _LINK_TARGET.findall(piece):
                if target.startswith(("http://", "https://", "mailto:")):
                    continue
                if target.startswith("pdf:"):
                    if dialect == "dossier":
                        report.warning(block.line, f"link to {target} inside a dossier: only its text is kept")
                    continue
                report.error(block.line, f"link target {target!r} is neither pdf:<dossier-id> nor an URL")


def _check_dossier_links(blocks: list[Block], dossier_ids: set[str], report: _Reporter) -> None:
    """Report links to dossier ids that have no source file."""
    for block in blocks:
        for piece in ([block.text] if block.text else []) + block.items + [c for r in block.rows for c in r]:
            for target in _LINK_TARGET.findall(piece):
                ident = target[4:]
                if target.startswith("pdf:") and ident not in dossier_ids:
                    hint = difflib.get_close_matches(ident, sorted(dossier_ids), n=1)
                    suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
                    report.error(
                        block.line, f"link to unknown dossier id {ident!r}: no dossiers/{ident}.txt{suggestion}"
                    )


# --- Posts and dossiers


def parse_post(path: Path, problems: list[Problem], dossier_ids: set[str] | None = None) -> Post | None:
    """Parse one post source; problems are appended to `problems`; None when it has errors.

    `dossier_ids` (the ids of all dossier sources) enables the check of `pdf:<id>` links.
    """
    report = _Reporter(path, problems)
    lines = _read_lines(path, report)
    if lines is None:
        return None
    split = _split_header(lines, POST_KEYS, report)
    if split is None:
        return None
    header, body = split
    for key in ("title", "slug"):
        if not _value(header, key):
            report.error(_line(header, key) if key in header else 1, f"required key '{key}' is missing or empty")
    slug = _value(header, "slug")
    if slug and not _SLUG.match(slug):
        report.error(_line(header, "slug"), f"slug {slug!r} must be lowercase ASCII words joined by hyphens")
    elif slug and slug != path.stem:
        report.warning(_line(header, "slug"), f"slug {slug!r} differs from the file name {path.name!r}")
    date = None
    if _value(header, "date"):
        date = _parse_date(_value(header, "date"), _line(header, "date"), "date", report)
    date_in_meta = _parse_yes_no(header, "date_in_meta", True, report)
    if date_in_meta and "date_in_meta" in header and not _value(header, "date"):
        report.warning(_line(header, "date_in_meta"), "date_in_meta is yes but the post has no date")
    encoding = _value(header, "encoding", "utf-8").lower()
    if encoding not in ENCODINGS:
        report.error(_line(header, "encoding"), f"encoding {encoding!r} must be one of: {', '.join(ENCODINGS)}")
    declared = _value(header, "declared_charset", encoding)
    try:
        codecs.lookup(declared)
    except LookupError:
        report.warning(_line(header, "declared_charset"), f"declared_charset {declared!r} is no known charset")
    comments: list[Comment] = []
    raw_comments = _value(header, "comments")
    if raw_comments:
        line = _line(header, "comments")
        for index, item in enumerate(raw_comments.split(";;"), start=1):
            parts = [part.strip() for part in item.split("|", 2)]
            if len(parts) != 3 or not all(parts):
                report.error(line, f"comment {index} must be 'name | YYYY-MM-DD | text', not {item.strip()[:50]!r}")
                continue
            when = _parse_date(parts[1], line, f"date of comment {index}", report)
            if when is None:
                continue
            if date and when < date:
                report.warning(line, f"comment {index} ({when}) is older than the post ({date})")
            comments.append(Comment(parts[0], when, parts[2]))
    blocks = parse_body(body, "post", report)
    if not blocks:
        report.warning(len(lines), "the post has an empty body")
    _check_inline(blocks, "post", report)
    if dossier_ids is not None:
        _check_dossier_links(blocks, dossier_ids, report)
    if report.failed:
        return None
    return Post(
        source=path,
        slug=slug,
        title=_value(header, "title"),
        date=date,
        date_in_meta=date_in_meta,
        categories=_split_list(_value(header, "categories")),
        tags=_split_list(_value(header, "tags")),
        encoding=encoding,
        declared_charset=declared,
        author=_value(header, "author", DEFAULT_AUTHOR) or DEFAULT_AUTHOR,
        comments=comments,
        blocks=blocks,
        header_lines={key: number for key, (number, _) in header.items()},
    )


def parse_dossier(path: Path, problems: list[Problem]) -> Dossier | None:
    """Parse one dossier source; problems are appended to `problems`; None when it has errors."""
    report = _Reporter(path, problems)
    lines = _read_lines(path, report)
    if lines is None:
        return None
    split = _split_header(lines, DOSSIER_KEYS, report)
    if split is None:
        return None
    header, body = split
    for key in ("file", "title"):
        if not _value(header, key):
            report.error(_line(header, key) if key in header else 1, f"required key '{key}' is missing or empty")
    file = _value(header, "file")
    if file and not _FILE.match(file):
        report.error(
            _line(header, "file"),
            f"file {file!r} must be dossiers/<year or non-date>/<name>.pdf in lowercase ASCII",
        )
    if file.startswith("dossiers/exemples-defectueux/"):
        report.error(_line(header, "file"), "dossiers/exemples-defectueux/ is reserved for the defective examples")
    metadata = _parse_yes_no(header, "metadata", True, report)
    creation = None
    if _value(header, "meta_creation_date"):
        creation = _parse_date(
            _value(header, "meta_creation_date"),
            _line(header, "meta_creation_date"),
            "meta_creation_date",
            report,
        )
    elif metadata:
        report.warning(_line(header, "metadata"), "metadata is yes but meta_creation_date is missing")
    if not metadata:
        given = [key for key in header if key.startswith("meta_")]
        if given:
            report.warning(_line(header, given[0]), f"metadata is no: {', '.join(given)} ignored")
    accents = _value(header, "accents", "normal").lower() or "normal"
    if accents not in ACCENT_MODES:
        report.error(_line(header, "accents"), f"accents must be one of {', '.join(ACCENT_MODES)}, not {accents!r}")
    cover_date = _value(header, "cover_date")
    if cover_date and not _COVER_DATE.match(cover_date):
        report.warning(_line(header, "cover_date"), f"cover_date {cover_date!r} is not like « Novembre 2016 »")
    year_folder = file.split("/")[1] if file.count("/") >= 2 else ""
    years_on_cover = re.findall(r"\b(?:19|20)\d\d\b", cover_date)
    if year_folder.isdigit() and years_on_cover and year_folder not in years_on_cover:
        report.warning(_line(header, "file"), f"file is under {year_folder}/ but the cover date says {cover_date!r}")
    blocks = parse_body(body, "dossier", report)
    if not any(block.kind == "h1" for block in blocks):
        report.warning(len(lines), "the dossier has no chapter ('# Chapter'): its « Sommaire » will be empty")
    _check_inline(blocks, "dossier", report)
    if report.failed:
        return None
    title = _value(header, "title")
    subtitle = _value(header, "subtitle")
    default_footer = " · ".join(part for part in (subtitle, cover_date.lower()) if part)
    return Dossier(
        source=path,
        id=path.stem,
        file=file,
        title=title,
        subtitle=subtitle,
        cover_date=cover_date,
        cover_lines=_split_list(_value(header, "cover_lines")),
        running_header=_value(header, "running_header", f"Villes et Territoires LR · {title}"),
        running_footer=_value(header, "running_footer", default_footer),
        metadata=metadata,
        meta_title=_value(header, "meta_title") or title,
        meta_subject=_value(header, "meta_subject") or subtitle,
        meta_keywords=_value(header, "meta_keywords"),
        meta_author=_value(header, "meta_author") or "Villes et Territoires Languedoc-Roussillon",
        meta_creation_date=creation,
        ligatures=_parse_yes_no(header, "ligatures", False, report),
        accents=accents,
        blocks=blocks,
    )


# --- Categories


def slugify(text: str) -> str:
    """A WordPress-like slug: ASCII lowercase words joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-") or "sans-titre"


def _fold(label: str) -> str:
    return slugify(label)


def load_theme_labels(themes_tsv: Path | None) -> dict[str, str]:
    """Theme label -> slug from `indexer/data/themes.tsv` (empty when the file is missing)."""
    if themes_tsv is None or not themes_tsv.is_file():
        return {}
    labels: dict[str, str] = {}
    for line in themes_tsv.read_text(encoding="utf-8").splitlines()[1:]:
        parts = line.split("\t")
        if len(parts) >= 2 and parts[0] and parts[1]:
            labels[parts[1].strip()] = parts[0].strip()
    return labels


def category_path(label: str, themes: dict[str, str] | None = None) -> str:
    """The path of a category under /category/ on the site (site categories, then theme labels)."""
    folded = _fold(label)
    for known, path in SITE_CATEGORIES.items():
        if _fold(known) == folded:
            return path
    for known, slug in (themes or {}).items():
        if _fold(known) == folded:
            return f"thematiques-2/{slug}"
    return folded


def is_known_category(label: str, themes: dict[str, str]) -> bool:
    """Whether a category is one of the site's or a theme label."""
    folded = _fold(label)
    return any(_fold(known) == folded for known in list(SITE_CATEGORIES) + list(themes))


# --- The whole corpus


def load_corpus(src: Path, themes_tsv: Path | None = None) -> Corpus:
    """Parse all sources under `src` (posts/ and dossiers/) and cross-check them."""
    corpus = Corpus(src=src)
    themes = load_theme_labels(themes_tsv)
    all_ids = {path.stem for path in (src / "dossiers").glob("*.txt")}
    for path in sorted((src / "dossiers").glob("*.txt")):
        dossier = parse_dossier(path, corpus.problems)
        if dossier is not None:
            corpus.dossiers[dossier.id] = dossier
    for path in sorted((src / "posts").glob("*.txt")):
        post = parse_post(path, corpus.problems, all_ids)
        if post is not None:
            corpus.posts.append(post)
    _cross_check(corpus, themes)
    log.debug("parsed %d posts and %d dossiers", len(corpus.posts), len(corpus.dossiers))
    return corpus


def _cross_check(corpus: Corpus, themes: dict[str, str]) -> None:
    """Checks that need all sources: unique slugs and files, dossier links, categories."""
    problems = corpus.problems
    known_ids = set(corpus.dossiers)
    all_ids = {p.stem for p in (corpus.src / "dossiers").glob("*.txt")}
    by_file: dict[str, Dossier] = {}
    for dossier in corpus.dossiers.values():
        other = by_file.get(dossier.file)
        if other is not None:
            problems.append(
                Problem(dossier.source, 0, f"file {dossier.file} is also the output of {other.source.name}")
            )
        by_file[dossier.file] = dossier
    by_name: dict[str, Dossier] = {}
    for dossier in sorted(corpus.dossiers.values(), key=lambda d: d.file):
        name = dossier.file.rsplit("/", 1)[-1]
        other = by_name.get(name)
        if other is not None and other.file != dossier.file:
            problems.append(
                Problem(
                    dossier.source,
                    0,
                    f"file name {name} is also used by {other.file}: a post linking by upload URL "
                    "(resolved by file name) would be ambiguous",
                    "warning",
                )
            )
        by_name[name] = dossier
    seen: dict[str, Post] = {}
    kept: list[Post] = []
    linked: set[str] = set()
    for post in corpus.posts:
        ok = True
        if post.slug in seen:
            problems.append(
                Problem(post.source, 0, f"slug {post.slug!r} is also used by {seen[post.slug].source.name}")
            )
            ok = False
        seen[post.slug] = post
        for block in post.blocks:
            pieces = ([block.text] if block.text else []) + block.items + [c for row in block.rows for c in row]
            for piece in pieces:
                for target in _LINK_TARGET.findall(piece):
                    if not target.startswith("pdf:"):
                        continue
                    ident = target[4:]
                    linked.add(ident)
                    if ident in known_ids or ident not in all_ids:
                        continue  # unknown ids are reported by parse_post
                    problems.append(
                        Problem(post.source, block.line, f"link to dossier {ident!r}, whose source has errors")
                    )
                    ok = False
        for label in post.categories:
            if themes and not is_known_category(label, themes):
                problems.append(
                    Problem(
                        post.source,
                        post.header_lines.get("categories", 1),
                        f"category {label!r} is neither a site category nor a theme label of themes.tsv",
                        "warning",
                    )
                )
        if ok:
            kept.append(post)
    corpus.posts = sorted(kept, key=lambda p: p.slug)
    for ident, dossier in sorted(corpus.dossiers.items()):
        if ident not in linked:
            problems.append(Problem(dossier.source, 0, "no post links to this dossier", "warning"))
