"""Accents drawn as separate glyphs, put back on their letter from PDFium's character boxes.

Old TeX documents (and some other producers) draw « é » as « e » and a spacing acute « ´ » moved over it,
often after the whole word: the text reads « fevrier ´ 2014 », PDFium adding a space where the pen jumps
back and forth. pypdf gives « fe´vrier », which `normalise.join_spacing_accents` joins; in PDFium's text
the accent is too far from its letter for that. Here the accent's box tells which letter it sits on: the
letter of the same line whose box holds the accent's centre, searched among the nearby characters. The
accent becomes the combining mark after that letter (composed later by NFC), and the spaces PDFium
generated around it go. An accent over no letter is left as it is.
"""

from __future__ import annotations

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from indexer.extract.normalise import SPACING_MARKS

__all__ = ["has_spacing_accents", "place_spacing_accents"]

# How far (in characters) from the accent its letter is looked for: a long word drawn before its accents.
_WINDOW = 40


def has_spacing_accents(text: str) -> bool:
    """Whether a page's text holds a spacing accent at all (the cheap test before reading boxes)."""
    return any(mark in text for mark in SPACING_MARKS)


def _letter_under(textpage: pdfium.PdfTextPage, chars: list[str], index: int) -> int | None:
    """The index of the letter the accent at `index` sits on, nearest first, or None."""
    left, bottom, right, _top = textpage.get_charbox(index)
    centre = (left + right) / 2
    candidates = sorted(
        range(max(0, index - _WINDOW), min(len(chars), index + 4)),
        key=lambda j: abs(j - index),
    )
    for j in candidates:
        if j == index or not chars[j].isalpha():
            continue
        l2, b2, r2, t2 = textpage.get_charbox(j)
        same_line = b2 - (t2 - b2) <= bottom <= t2 + (t2 - b2)
        if same_line and l2 - 0.5 <= centre <= r2 + 0.5:
            return j
    return None


def place_spacing_accents(textpage: pdfium.PdfTextPage) -> str:
    """The page's text with every spacing accent joined to the letter it is drawn on."""
    text = textpage.get_text_range()
    chars = list(text)
    if len(chars) != textpage.count_chars():  # characters outside the BMP: boxes do not map one to one
        return text
    marks: dict[int, list[str]] = {}
    dropped: set[int] = set()
    for index, char in enumerate(chars):
        if char not in SPACING_MARKS:
            continue
        letter = _letter_under(textpage, chars, index)
        if letter is None:
            continue
        marks.setdefault(letter, []).append(SPACING_MARKS[char])
        dropped.add(index)
        for neighbour in (index - 1, index + 1):
            generated = 0 <= neighbour < len(chars) and chars[neighbour] == " "
            if generated and pdfium_c.FPDFText_IsGenerated(textpage.raw, neighbour):
                dropped.add(neighbour)
    for letter in marks:
        if chars[letter] == "\u0131":  # the dotless i that TeX puts under « ˆ » and « ¨ »: î, ï
            chars[letter] = "i"
    return "".join(char + "".join(marks.get(index, ())) for index, char in enumerate(chars) if index not in dropped)
