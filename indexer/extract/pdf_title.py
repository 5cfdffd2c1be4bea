"""The title of a PDF, best first.

/Title when meaningful (not « untitled » nor a file name such as « Microsoft Word - dossier.doc »), else
the biggest text of page 1 (the cover's title, found from font sizes by pypdf), else the longest of the
first lines of page 1 that is neither the organisation's name nor a date, else the file name. A title
found on the page is written as the normalised page text writes it (PDFium's word spaces, joined accents).
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
import warnings
from typing import Any

from pypdf import PdfReader

from indexer.extract.html import title_from_filename
from indexer.extract.normalise import dehyphenate, normalise_spaces, normalise_unicode, unwrap_lines
from indexer.extract.pdf_meta import FATAL, short
from indexer.vocab import MONTH_NAMES
from indexer.words import fold

__all__ = ["MAX_TITLE_CHARS", "choose_title", "is_meaningful_title"]

logger = logging.getLogger(__name__)

MAX_TITLE_CHARS = 200

_FILE_NAME_TITLE = re.compile(
    r"(?:^(?:microsoft\s+\w+|libreoffice|openoffice)\s*-\s*)|"
    r"\.(?:docx?|odt|rtf|pdf|pptx?|odp|xlsx?|ods|indd|qxp|ai|txt|html?|tmp)\s*$",
    re.IGNORECASE,
)
_PLACEHOLDER_TITLE = re.compile(
    r"^(?:untitled|sans\s+titre|titre|title|document|doc|présentation(?:\s+powerpoint)?|powerpoint "
    r"presentation|diapositive|slide|page|new\s+document|nouveau\s+document|pdf)[\s\d_-]*$",
    re.IGNORECASE,
)


def is_meaningful_title(title: str, rel_path: str = "") -> bool:
    """Whether a /Title is a real title: not empty, « untitled », a file name, or a word-less code."""
    title = title.strip()
    if len(title) < 3 or sum(char.isalpha() for char in title) < 3:
        return False
    if _PLACEHOLDER_TITLE.match(title) or _FILE_NAME_TITLE.search(title):
        return False
    if ("_" in title or "\\" in title or "/" in title) and " " not in title:
        return False  # « DOSSIER_ASR_v3 », « C:\\dossiers\\asr »
    stem = rel_path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return title.casefold() != stem.casefold()


# Each month as written and as typed without accents (« fevrier »).
_MONTHS = "|".join(sorted({form for name in MONTH_NAMES for form in (name, fold(name))}))
_DATE_LINE = re.compile(
    rf"^(?:(?:le|du|en)\s+)?(?:(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)\s+)?"
    rf"(?:\d{{1,2}}(?:er)?\s+)?(?:(?:{_MONTHS})\s+)?\d{{4}}$|^\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}$",
    re.IGNORECASE,
)
# Lines that name an organisation rather than a publication (on a cover, above or below the title).
_ORGANISATION_LINE = re.compile(
    r"centre de ressources|villes et territoires|république française|liberté\W+égalité|préfet|"
    r"ministère|direction régionale|association\b|www\.|https?://|@",
    re.IGNORECASE,
)


def _acceptable_title_line(line: str, author: str) -> bool:
    line = line.strip()
    letters = sum(char.isalpha() for char in line)
    if letters < 4 or len(line) > MAX_TITLE_CHARS:
        return False
    if _DATE_LINE.match(line) or _ORGANISATION_LINE.search(line):
        return False
    return not (author and line.casefold() == author.casefold())


def _cover_title_from_sizes(reader: PdfReader, author: str) -> str:
    """The text set in the biggest type on page 1, when it is clearly bigger than the body text."""
    runs: list[tuple[float, list[str]]] = []  # consecutive fragments of one type size

    def visit(text: str, cm: list[float], tm: list[float], font_dict: Any, font_size: float) -> None:
        if not text:
            return
        scale = math.sqrt(abs(tm[0] * tm[3] - tm[1] * tm[2])) * math.sqrt(abs(cm[0] * cm[3] - cm[1] * cm[2]))
        size = round(float(font_size) * (scale or 1.0), 1)
        if not text.strip():
            if runs:
                runs[-1][1].append(text)
            return
        if runs and math.isclose(runs[-1][0], size, rel_tol=0.05):
            runs[-1][1].append(text)
        else:
            runs.append((size, [text]))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reader.pages[0].extract_text(visitor_text=visit)
    if not runs:
        return ""
    letters_by_size: dict[float, int] = {}
    for size, parts in runs:
        letters_by_size[size] = letters_by_size.get(size, 0) + sum(c.isalpha() for c in "".join(parts))
    body_size = max(letters_by_size, key=lambda size: letters_by_size[size])
    largest = max(letters_by_size)
    if body_size == largest and len(letters_by_size) > 1:
        # A cover whose big title holds most of its letters: compare with the other type sizes instead.
        others = {size: n for size, n in letters_by_size.items() if size != largest}
        body_size = max(others, key=lambda size: others[size])
    for size in sorted(letters_by_size, reverse=True):
        if size < 1.25 * body_size:
            break
        texts = [_clean_title("".join(parts)) for run_size, parts in runs if run_size == size]
        texts = [text for text in texts if _acceptable_title_line(text, author)]
        if texts:
            return max(texts, key=len)
    return ""


def _clean_title(text: str) -> str:
    text = unwrap_lines(dehyphenate(normalise_unicode(text)))
    return " ".join(normalise_spaces(text).split())


def _skeleton(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(c for c in decomposed if c.isalnum())


def _as_written_on_page(title: str, first_page: str) -> str:
    """The title as the normalised page text writes it (one or two lines), e.g. with split accents joined
    using the whole document's evidence; the title itself when no line matches."""
    wanted = _skeleton(title)
    lines = [line.strip() for line in first_page.split("\n") if line.strip()]
    for size in (1, 2, 3):
        for i in range(len(lines) - size + 1):
            candidate = " ".join(lines[i : i + size])
            if _skeleton(candidate) == wanted:
                return " ".join(candidate.split())
    return title


def _title_from_lines(first_page: str, author: str) -> str:
    lines = [line.strip() for line in first_page.split("\n") if line.strip()][:8]
    candidates = [line for line in lines if _acceptable_title_line(line, author)]
    # Prose is not a title: prefer lines that do not end a sentence.
    titles = [line for line in candidates if not line.endswith(".")] or candidates
    return " ".join(max(titles, key=len).split()) if titles else ""


def choose_title(reader: PdfReader | None, metadata: dict[str, Any], pages: list[str], rel_path: str) -> str:
    """The document's title (see the module docstring); `reader` is None when pypdf cannot open the file."""
    declared = metadata.get("title", "")
    if declared and is_meaningful_title(declared, rel_path):
        return declared[:MAX_TITLE_CHARS]
    if pages and pages[0].strip():
        author = metadata.get("author", "")
        try:
            if reader is not None and (title := _cover_title_from_sizes(reader, author)):
                return _as_written_on_page(title, pages[0])
        except FATAL:
            raise
        except Exception as error:  # font size analysis is best effort
            logger.debug("%s: no font sizes on page 1 (%s)", rel_path, short(error))
        if title := _title_from_lines(pages[0], author):
            return title
    return title_from_filename(rel_path)
