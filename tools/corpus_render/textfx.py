"""Text-layer effects of the PDF dossiers: typographic ligatures, decomposed or spacing accents, hyphenation.

`TextEffects.shape(text, key)` turns a piece of logical text (NFC) into the segments actually drawn:
plain segments advance the pen; accent segments (`accents: spacing`) are drawn over the next letter and
do not advance, so the page looks right while the text layer reads « ´e » as old TeX PDFs do. The width
of a piece is always measured on the same shaped string that is drawn.

`Hyphenator` gives the places where a word may be broken at a line end, using pyphen's French patterns.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from dataclasses import dataclass

import pyphen

__all__ = ["Hyphenator", "Segment", "TextEffects", "apply_ligatures"]

_LIGATURES = (("ffi", "\ufb03"), ("ffl", "\ufb04"), ("ff", "\ufb00"), ("fi", "\ufb01"), ("fl", "\ufb02"))
# Combining mark -> the spacing character an old TeX PDF extracts before its letter.
_SPACING = {
    "\u0301": "\u00b4",  # ´ acute
    "\u0300": "`",  # grave
    "\u0302": "\u02c6",  # ˆ circumflex
    "\u0308": "\u00a8",  # ¨ diaeresis
    "\u0327": "\u00b8",  # ¸ cedilla
}
_EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$")
# Share of words (per thousand) written with spacing accents when `accents: spacing`.
SPACING_SHARE = 700


@dataclass(frozen=True)
class Segment:
    """A drawn piece of text; `overlay` segments are accents drawn over the next letter (no advance)."""

    text: str
    overlay: bool = False


def apply_ligatures(text: str) -> str:
    """Replace ffi, ffl, ff, fi, fl by their Unicode ligature characters (inside words only)."""
    for letters, ligature in _LIGATURES:
        text = text.replace(letters, ligature)
    return text


class TextEffects:
    """The effects of one dossier: `ligatures` (bool) and `accents` (normal, combining or spacing)."""

    def __init__(self, ligatures: bool = False, accents: str = "normal") -> None:
        self.ligatures = ligatures
        self.accents = accents

    def plain(self, text: str) -> str:
        """The text as drawn where overlays cannot be used (tables, bookmarks excluded): ligatures, NFD."""
        text = unicodedata.normalize("NFC", text)
        if self.accents == "combining":
            text = unicodedata.normalize("NFD", text)
        if self.ligatures:
            text = apply_ligatures(text)
        return text

    def shape(self, text: str, key: str | None = None) -> list[Segment]:
        """The segments drawn for `text`; `key` (the whole word) decides the spacing-accent choice."""
        if self.accents != "spacing":
            return [Segment(self.plain(text))] if text else []
        text = unicodedata.normalize("NFC", text)
        word = key if key is not None else text
        if not _uses_spacing(word):
            return [Segment(apply_ligatures(text) if self.ligatures else text)] if text else []
        return _spacing_segments(text, self.ligatures)


def _uses_spacing(word: str) -> bool:
    """Whether a word is among the share written with spacing accents (stable per word)."""
    core = _EDGE_PUNCTUATION.sub("", word).lower() or word
    return zlib.crc32(core.encode("utf-8")) % 1000 < SPACING_SHARE


def _spacing_segments(text: str, ligatures: bool) -> list[Segment]:
    """Split `text` so that each lowercase accented letter becomes an accent overlay + its base letter."""
    segments: list[Segment] = []
    buf: list[str] = []

    def flush() -> None:
        if buf:
            chunk = "".join(buf)
            segments.append(Segment(apply_ligatures(chunk) if ligatures else chunk))
            buf.clear()

    for char in text:
        decomposed = unicodedata.normalize("NFD", char)
        if len(decomposed) == 2 and decomposed[1] in _SPACING and char.islower():
            base = decomposed[0]
            if base == "i":
                base = "\u0131"  # TeX draws î and ï on a dotless i
            flush()
            segments.append(Segment(_SPACING[decomposed[1]], overlay=True))
            buf.append(base)
        else:
            buf.append(char)
    flush()
    return segments


_WORD_CORE = re.compile(r"^([^\w]*)(.*?)([^\w]*)$", re.UNICODE)
_APOSTROPHES = "'’"


class Hyphenator:
    """Break points of French words (pyphen's fr_FR patterns), at least 3 letters on each side."""

    def __init__(self, min_length: int = 6) -> None:
        self._dic = pyphen.Pyphen(lang="fr_FR", left=3, right=3)
        self.min_length = min_length
        self._cache: dict[str, tuple[tuple[int, bool], ...]] = {}

    def points(self, word: str) -> list[tuple[int, bool]]:
        """`(index, add_hyphen)` pairs, best last: break before `word[index]`, drawing a hyphen if asked.

        Explicit hyphens of compound words are break points without an added hyphen. Words with digits,
        acronyms, URLs and e-mail addresses are never broken.
        """
        cached = self._cache.get(word)
        if cached is None:
            cached = self._cache[word] = self._points(word)
        return list(cached)

    def _points(self, word: str) -> tuple[tuple[int, bool], ...]:
        match = _WORD_CORE.match(word)
        if not match:
            return ()
        lead, core, _trail = match.groups()
        if not core or any(ch.isdigit() for ch in core) or any(ch in core for ch in "/@.:_\\"):
            return ()
        found: list[tuple[int, bool]] = []
        offset = len(lead)
        position = 0
        # Components: split at explicit hyphens; an elided prefix (l’, d’, qu’) is not broken.
        for index, component in enumerate(core.split("-")):
            if index:
                found.append((offset + position, False))  # after the explicit hyphen
            start = 0
            for mark in _APOSTROPHES:
                cut = component.rfind(mark)
                if cut >= 0:
                    start = max(start, cut + 1)
            letters = component[start:]
            if (
                len(letters) >= self.min_length
                and letters.isalpha()
                and letters[0].islower()  # neither proper nouns nor acronyms
                and not any(ch.isupper() for ch in letters[1:])
            ):
                for cut in self._dic.positions(letters):
                    found.append((offset + position + start + cut, True))
            position += len(component) + 1
        # Never break right after the last explicit hyphen if little would be left, or at the very ends.
        return tuple(sorted(p for p in found if 0 < p[0] < len(word) - len(_trail)))
