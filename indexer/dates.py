"""Dates as French publications write them: « 28 juin 2016 », « novembre 2016 », « 20/10/2015 », ISO dates in
metadata, a date printed on a PDF's cover, the date an agreement or a deliberation was signed.
"""

from __future__ import annotations

import re
from datetime import date

from indexer.document import Document
from indexer.vocab import MONTH_NAMES
from indexer.words import fold

MONTHS = {fold(name): number for number, name in enumerate(MONTH_NAMES, start=1)}
_MONTH_RE = "|".join(MONTHS)
_FULL_DATE = re.compile(rf"\b(1er|[0-3]?\d)\s+({_MONTH_RE})\s+((?:19|20)\d\d)\b")
_MONTH_YEAR = re.compile(rf"\b({_MONTH_RE})\s+((?:19|20)\d\d)\b")
_NUMERIC_DATE = re.compile(r"\b([0-3]?\d)/([01]?\d)/((?:19|20)\d\d)\b")
_ISO_DATE = re.compile(r"^((?:19|20)\d\d)(?:-(\d\d)(?:-(\d\d))?)?")
_LONE_YEAR_LINE = re.compile(r"^\s*((?:19|20)\d\d)\s*$", re.MULTILINE)
# « Fait à Lunel, le 14 mars 2017 », « Fait le 3 mai 2019 à Nîmes », « Signé à Sète le 02/05/2018 »,
# « Délibéré le … » (on accent-folded, lower-cased text): what follows is the date the text was signed.
_SIGNED = re.compile(r"\b(?:fait|signe|delibere)\s+(?:a\s+[^,.;\n]{1,60}?,?\s+)?le\s+(?=\S)")
# The signature closes an act: it is looked for in its last pages only.
SIGNATURE_PAGES = 2


def valid_year(year: int) -> bool:
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
        if valid_year(year) and 1 <= day <= 31:
            best = (m.start(), year, f"{year:04d}-{month:02d}-{day:02d}")
            break
    for m in _MONTH_YEAR.finditer(folded):
        year = int(m.group(2))
        if valid_year(year):
            if best is None or m.start() < best[0]:
                best = (m.start(), year, f"{year:04d}-{MONTHS[m.group(1)]:02d}")
            break
    for m in _NUMERIC_DATE.finditer(folded):
        day, month, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if valid_year(year) and 1 <= month <= 12 and 1 <= day <= 31:
            if best is None or m.start() < best[0]:
                best = (m.start(), year, f"{year:04d}-{month:02d}-{day:02d}")
            break
    return (best[1], best[2]) if best else None


def parse_iso_date(value: str | None) -> tuple[int, str] | None:
    """(year, ISO date) from an ISO date or datetime string, or None."""
    if not value:
        return None
    m = _ISO_DATE.match(value.strip())
    if not m or not valid_year(int(m.group(1))):
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
    if m and valid_year(int(m.group(1))):
        return int(m.group(1)), m.group(1)
    return None


def signature_date(doc: Document) -> tuple[int, str] | None:
    """The date an act was signed (« Fait à Lunel, le 14 mars 2017 ») in a document's last pages."""
    for page in reversed(doc.pages[-SIGNATURE_PAGES:]):
        folded = fold(page).lower()
        for m in _SIGNED.finditer(folded):
            found = find_french_date(folded[m.end() : m.end() + 30])
            if found:
                return found
    return None
