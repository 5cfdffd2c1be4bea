"""PDF extraction with pypdf: a dossier → `Document` with one text per page.

The text of each page goes through `normalise`: Unicode clean-up (ligatures, split accents, soft hyphens),
running headers, footers and page numbers removed, words hyphenated at line ends rejoined, lines of a
paragraph joined. A PDF whose pages hold almost no letters has no text layer (a scan): it is kept, with
`empty_reason` « sans texte (OCR nécessaire) ».

Title, best first: /Title when meaningful (not « untitled » nor a file name such as « Microsoft Word -
dossier.doc »), else the biggest text of page 1 (the cover's title, found from font sizes), else the longest
of the first lines of page 1 that is neither the organisation's name nor a date, else the file name.
"""

from __future__ import annotations

import io
import logging
import math
import re
import unicodedata
import warnings
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError

from indexer.config import Settings
from indexer.document import Document
from indexer.errors import CorruptFileError, EncryptedPdfError, FileTooLargeError
from indexer.extract.html import title_from_filename
from indexer.extract.normalise import (
    dehyphenate,
    describe_content,
    normalise_spaces,
    normalise_unicode,
    strip_running_lines,
    unwrap_lines,
)

__all__ = [
    "ENCRYPTED_REASON",
    "NO_TEXT_REASON",
    "extract_pdf",
    "is_meaningful_title",
    "parse_pdf_date",
    "split_keywords",
]

logger = logging.getLogger(__name__)

NO_TEXT_REASON = "sans texte (OCR nécessaire)"
ENCRYPTED_REASON = "PDF protégé par un mot de passe"
# Below this many letters per page on average, a PDF has no usable text layer.
MIN_LETTERS_PER_PAGE = 20
_MAX_HEADINGS = 500
# Never turned into a « damaged PDF » or an empty page: a caller's time limit and memory exhaustion.
_FATAL = (TimeoutError, MemoryError)
_MAX_TITLE_CHARS = 200


def _short(error: BaseException) -> str:
    """A one-line technical cause for a French reason: « PdfReadError : EOF marker not found »."""
    message = " ".join(str(error).split())
    if len(message) > 160:
        message = message[:157] + "…"
    name = type(error).__name__
    return f"{name} : {message}" if message else name


# What pypdf's messages (in English) mean for a documentalist, matched in lower case; most specific first.
_CAUSES = (
    ("eof marker not found", "marque de fin de fichier absente : fichier tronqué"),
    ("stream has ended unexpectedly", "le fichier s’arrête au milieu de son contenu"),
    ("unexpected end of stream", "le fichier s’arrête au milieu de son contenu"),
    ("startxref", "table des objets introuvable"),
    ("xref", "table des objets illisible"),
    ("trailer", "fin de fichier illisible"),
    ("header", "en-tête PDF invalide"),
    ("cyclic", "pages qui se désignent en boucle"),
    ("maximum", "structure démesurée (limite de sécurité atteinte)"),
    ("cryptography", "bibliothèque de chiffrement absente"),
    ("aes", "bibliothèque de chiffrement absente"),
)


def french_cause(error: BaseException) -> str:
    """The cause of a pypdf error in French (« marque de fin de fichier absente : fichier tronqué »), its type
    in parentheses; a message without a translation gives « structure illisible » (the English text goes to the
    debug log only)."""
    message = str(error).lower()
    cause = next((french for english, french in _CAUSES if english in message), "structure illisible")
    logger.debug("pypdf : %s", _short(error))
    return f"{cause}, {type(error).__name__}"


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", "\u202f")


# --- Metadata ------------------------------------------------------------------------------------------

_PDF_DATE = re.compile(r"^\s*(?:D\s*:)?\s*(\d{4})(?:-?(\d{2}))?(?:-?(\d{2}))?")
# The « year 2000 » bug of some old producers: « D:19116… » for 2016 (« 19 » followed by year - 1900).
_Y2K_PDF_DATE = re.compile(r"^\s*(?:D\s*:)?\s*19(1\d\d)(\d{2})?(\d{2})?")


def parse_pdf_date(value: object) -> str | None:
    """An ISO date from a PDF date: « D:20161121093000+01'00' » → « 2016-11-21 ».

    Also reads a datetime, the ISO form some producers write (« D:2016-11-21 ») and the « D:19116… » of
    the year 2000 bug. Partial dates give « 2016-11 » or « 2016 »; an impossible month gives the year
    only; a year before 1990 (PDF appeared in 1993) or after 2100 gives None.
    """
    if isinstance(value, datetime | date):
        return value.strftime("%Y-%m-%d") if 1990 <= value.year <= 2100 else None
    if value is None:
        return None
    text = str(value)
    match = _PDF_DATE.match(text)
    if not match:
        return None
    year, month, day = match.groups()
    if not 1990 <= int(year) <= 2100:
        y2k = _Y2K_PDF_DATE.match(text)
        if not y2k:
            return None
        year, month, day = str(1900 + int(y2k.group(1))), y2k.group(2), y2k.group(3)
    if month is None or not 1 <= int(month) <= 12:
        return year
    if day is None:
        return f"{year}-{month}"
    try:
        return date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return f"{year}-{month}"


def split_keywords(value: str) -> list[str]:
    """« clauses sociales, marchés publics; insertion » → the three keywords, deduplicated, in order."""
    seen: set[str] = set()
    result = []
    for word in re.split(r"[,;]", value):
        word = " ".join(word.split())
        if word and word.casefold() not in seen:
            seen.add(word.casefold())
            result.append(word)
    return result


def _info_text(info: Any, key: str) -> str:
    """A text entry of the document information dictionary, cleaned, or ""."""
    try:
        value = info.get(key)
        if value is not None and hasattr(value, "get_object"):
            value = value.get_object()
    except _FATAL:
        raise
    except Exception as error:  # a broken indirect reference
        logger.debug("cannot read %s: %s", key, error)
        return ""
    if value is None or isinstance(value, bytes):
        return ""
    return normalise_spaces(normalise_unicode(str(value))).replace("\n", " ")


def _read_metadata(reader: PdfReader, rel_path: str) -> dict[str, Any]:
    metadata: dict[str, Any] = {}
    try:
        info = reader.metadata
    except _FATAL:
        raise
    except Exception as error:
        logger.warning("%s: unreadable document information (%s)", rel_path, error)
        return metadata
    if info is None:
        return metadata
    for key, name in (("/Title", "title"), ("/Subject", "subject"), ("/Author", "author")):
        if value := _info_text(info, key):
            metadata[name] = value
    if keywords := split_keywords(_info_text(info, "/Keywords")):
        metadata["keywords"] = keywords
    created: object = None
    try:
        created = info.creation_date
    except _FATAL:
        raise
    except Exception:  # pypdf's strict date parser: fall back on our own
        created = None
    if created is None:
        created = info.get("/CreationDate")
    if creation_date := parse_pdf_date(created):
        metadata["creation_date"] = creation_date
    return metadata


def _outline_titles(reader: PdfReader, rel_path: str) -> list[str]:
    """The titles of the bookmarks, depth first, without recursion."""
    try:
        outline = reader.outline
    except _FATAL:
        raise
    except Exception as error:
        logger.warning("%s: unreadable outline (%s)", rel_path, error)
        return []
    titles: list[str] = []
    stack: list[Any] = list(reversed(outline))
    while stack and len(titles) < _MAX_HEADINGS:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
            continue
        title = getattr(item, "title", None)
        if title:
            text = normalise_spaces(normalise_unicode(str(title))).replace("\n", " ")
            if text:
                titles.append(text)
    return titles


# --- Title ---------------------------------------------------------------------------------------------

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


_MONTHS = "janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre"
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
    if letters < 4 or len(line) > _MAX_TITLE_CHARS:
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


# --- Text ----------------------------------------------------------------------------------------------


def _page_texts(reader: PdfReader, rel_path: str) -> Iterator[str]:
    for number, page in enumerate(reader.pages, start=1):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                text = page.extract_text() or ""
        except _FATAL:
            raise
        except Exception as error:
            logger.warning("%s : page %d illisible, indexée vide (%s)", rel_path, number, french_cause(error))
            text = ""
        yield text


_PAGE_SEPARATOR = "\ue000"


def _clean_pages(raw_pages: list[str]) -> list[str]:
    # Normalised as one text so that the evidence for split accents (which side, accent or apostrophe) is
    # gathered over the whole document, not a sparse cover page.
    joined = normalise_unicode(_PAGE_SEPARATOR.join(p.replace(_PAGE_SEPARATOR, " ") for p in raw_pages))
    pages = joined.split(_PAGE_SEPARATOR)
    if len(pages) != len(raw_pages):  # the separator did not survive: fall back to page by page
        pages = [normalise_unicode(page) for page in raw_pages]
    pages = strip_running_lines(pages)
    document = "\n".join(pages)
    return [normalise_spaces(unwrap_lines(dehyphenate(page, document))) for page in pages]


# --- Entry point ---------------------------------------------------------------------------------------


def _open(data: bytes, rel_path: str) -> PdfReader:
    """Open and decrypt (empty user password); raise typed errors for what cannot be read."""
    if not data:
        raise CorruptFileError(rel_path, "fichier vide")
    if b"%PDF" not in data[:1024]:
        raise CorruptFileError(rel_path, f"ce fichier n’est pas un PDF (contenu : {describe_content(data)})")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                try:
                    decrypted = reader.decrypt("")
                except DependencyError as error:
                    raise EncryptedPdfError(
                        rel_path, f"PDF chiffré, déchiffrement impossible ici ({french_cause(error)})"
                    ) from error
                if not decrypted:
                    raise EncryptedPdfError(rel_path, ENCRYPTED_REASON)
            page_count = len(reader.pages)
    except (EncryptedPdfError, CorruptFileError, *_FATAL):
        raise
    except FileNotDecryptedError as error:
        raise EncryptedPdfError(rel_path, ENCRYPTED_REASON) from error
    except Exception as error:  # pypdf raises many kinds on damaged files
        raise CorruptFileError(rel_path, f"PDF endommagé ou tronqué ({french_cause(error)})") from error
    if page_count == 0:
        raise CorruptFileError(rel_path, "PDF endommagé ou tronqué (aucune page lisible)")
    return reader


def extract_pdf(data: bytes, rel_path: str, settings: Settings) -> Document:
    """Extract one PDF: title, normalised text of each page, outline headings and metadata.

    Raises `CorruptFileError` (empty, not a PDF, damaged or truncated), `EncryptedPdfError` (a user
    password other than the empty one) and `FileTooLargeError` (more than `settings.max_pdf_pages`
    pages). A page whose text cannot be extracted is kept empty (and logged). Size, mtime and hash are
    filled by `extract_file`.
    """
    reader = _open(data, rel_path)
    page_count = len(reader.pages)
    if page_count > settings.max_pdf_pages:
        raise FileTooLargeError(
            rel_path,
            f"PDF trop long ({_thousands(page_count)} pages, limite {_thousands(settings.max_pdf_pages)})",
        )
    metadata = _read_metadata(reader, rel_path)
    raw_pages = list(_page_texts(reader, rel_path))
    letters = sum(char.isalpha() for page in raw_pages for char in page)
    empty_reason = None
    if letters < MIN_LETTERS_PER_PAGE * page_count:
        empty_reason = NO_TEXT_REASON
        pages = [normalise_spaces(normalise_unicode(page)) for page in raw_pages]
    else:
        pages = _clean_pages(raw_pages)
    title = _choose_title(reader, metadata, pages, rel_path, has_text=empty_reason is None)
    logger.debug("%s: %d pages, %d letters, title %r", rel_path, page_count, letters, title)
    return Document(
        path=rel_path,
        format="pdf",
        title=title,
        pages=pages,
        headings=_outline_titles(reader, rel_path),
        metadata=metadata,
        empty_reason=empty_reason,
    )


def _choose_title(
    reader: PdfReader, metadata: dict[str, Any], pages: list[str], rel_path: str, *, has_text: bool
) -> str:
    declared = metadata.get("title", "")
    if declared and is_meaningful_title(declared, rel_path):
        return declared[:_MAX_TITLE_CHARS]
    if has_text:
        author = metadata.get("author", "")
        try:
            if title := _cover_title_from_sizes(reader, author):
                return _as_written_on_page(title, pages[0])
        except _FATAL:
            raise
        except Exception as error:  # font size analysis is best effort
            logger.debug("%s: no font sizes on page 1 (%s)", rel_path, _short(error))
        if title := _title_from_lines(pages[0], author):
            return title
    return title_from_filename(rel_path)
