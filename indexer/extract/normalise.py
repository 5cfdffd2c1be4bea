"""Small pure functions that clean extracted text: Unicode, spaces, hyphenation, running headers.

They serve mostly the PDF extractor, whose text layer carries the typesetter's artefacts (ligature
characters, accents written as separate spacing marks, words hyphenated at line ends, running headers and
page numbers repeated on every page); the HTML extractor uses the Unicode and space helpers.

Choices:
- `normalise_unicode` keeps no-break spaces (U+00A0, U+202F) as they are; `normalise_spaces`, applied to
  the text that is indexed, turns every horizontal space (NBSP and narrow NBSP included) into a plain space.
- « œ » and « æ » are French letters, not typographic ligatures: they are kept (the analyser folds them).
- `dehyphenate` decides with the document's own vocabulary, not with a list of French prefixes.

`describe_content` and `looks_binary` (what a file's bytes look like, for error reasons) live in `content`
and `looks_glued` (a page whose words lost their spaces) in `glued`; both are re-exported here.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter

from indexer.extract.content import describe_content, looks_binary
from indexer.extract.glued import looks_glued

__all__ = [
    "SPACING_MARKS",
    "dehyphenate",
    "describe_content",
    "expand_ligatures",
    "is_page_number",
    "join_spacing_accents",
    "looks_binary",
    "looks_glued",
    "normalise_spaces",
    "normalise_unicode",
    "remove_invisible",
    "strip_running_lines",
    "unwrap_lines",
]

# --- Unicode -------------------------------------------------------------------------------------------

LIGATURES = {
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",  # long s + t
    "\ufb06": "st",
}
_LIGATURE_TABLE = str.maketrans(LIGATURES)

# Line and paragraph separators, form feed and vertical tab end a line.
_LINE_BREAKS = re.compile(r"\r\n?|[\f\v\u2028\u2029\x85]")
# A soft hyphen at a line end joins the two parts of the word (it is a discretionary hyphen).
_SOFT_HYPHEN_AT_EOL = re.compile(r"\u00ad[ \t]*\n[ \t]*")
# Soft hyphen, zero-width space/joiners, word joiner, invisible operators, BOM, Mongolian vowel separator.
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200d\u2060-\u2064\ufeff\u180e]")
# C0 controls except tab and newline, DEL and C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

# Spacing accents as some PDF producers (TeX above all) write them, mapped to combining marks.
_ACUTE, _GRAVE, _CIRCUMFLEX = "\u0301", "\u0300", "\u0302"
_DIAERESIS, _CEDILLA, _TILDE = "\u0308", "\u0327", "\u0303"
SPACING_MARKS = {
    "\u00b4": _ACUTE,  # ´
    "\u02ca": _ACUTE,  # ˊ
    "`": _GRAVE,
    "\u02cb": _GRAVE,  # ˋ
    "\u02c6": _CIRCUMFLEX,  # ˆ
    "\u00a8": _DIAERESIS,  # ¨
    "\u00b8": _CEDILLA,  # ¸
    "\u02dc": _TILDE,  # ˜
}
# The letters each mark may join in French (plus ñ), "ı" being the dotless i of « ˆı » and « ¨ı ».
_BASES = {
    _ACUTE: "eE",
    _GRAVE: "aeuAEU",
    _CIRCUMFLEX: "aeiouAEIOU\u0131",
    _DIAERESIS: "eiuyEIUY\u0131",
    _CEDILLA: "cC",
    _TILDE: "nN",
}
# Marks that may also follow their letter (« e´ »); a backquote only ever precedes it (« `a »).
_MARKS_AFTER_ALLOWED = {_ACUTE, _CIRCUMFLEX, _DIAERESIS, _CEDILLA, _TILDE}
_MARK_RE = re.compile("[" + re.escape("".join(SPACING_MARKS)) + "]")
# « l´association », « d`une »: an acute or grave typed for an apostrophe after an elided word.
_ELISION_NEXT = "aeiouyhàâäéèêëîïôöûüAEIOUYHÀÂÉÈÊÎÔÛ"
_ELISION_BEFORE = re.compile(r"(?<!\w)(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu|quoiqu)$", re.IGNORECASE)


def remove_invisible(text: str) -> str:
    """Unify line breaks to ``\\n``; remove soft hyphens, zero-width characters and control characters.

    A soft hyphen at a line end rejoins the word (« politi\\u00ad\\nque » → « politique »). Tabs and
    newlines are kept.
    """
    text = _LINE_BREAKS.sub("\n", text)
    text = _SOFT_HYPHEN_AT_EOL.sub("", text)
    text = _INVISIBLE.sub("", text)
    return _CONTROL.sub("", text)


def expand_ligatures(text: str) -> str:
    """Replace the typographic ligature characters ﬀ ﬁ ﬂ ﬃ ﬄ ﬅ ﬆ with their letters."""
    return text.translate(_LIGATURE_TABLE)


def join_spacing_accents(text: str) -> str:
    """Join accents written as separate spacing characters to their letter: « ´e » or « e´ » → « é ».

    Handles ´ (acute), ` (grave, only before its letter), ˆ, ¨, ¸ and ˜, each only with the letters it takes
    in French (« ˆı » → « î », « ¨ı » → « ï », « ¸c » → « ç »). When a mark sits between two letters it could
    both join (« cre´e´e »), the side where the same mark is most often seen unambiguously in the same text
    wins (default: before).
    An acute or grave right after an elided word (« l´association ») is an apostrophe unless the text has
    other split accents. The result is not yet composed: `normalise_unicode` applies NFC afterwards.
    """
    if not _MARK_RE.search(text):
        return text
    decisions, votes = _accent_decisions(text)
    if not decisions:
        return text
    has_split_accents = sum(votes.values()) > 0
    out: list[str] = []
    pos = 0
    for i, kind in decisions:
        if i < pos:  # the mark's letter was already consumed by the previous mark
            continue
        mark = SPACING_MARKS[text[i]]
        if kind == "elision":
            kind = "before" if has_split_accents and text[i + 1] in _BASES[mark] else "apostrophe"
        elif kind == "ambiguous":
            kind = "after" if votes[mark, "after"] > votes[mark, "before"] else "before"
        if kind == "apostrophe":
            out.append(text[pos:i])
            out.append("\u2019")
            pos = i + 1
        elif kind == "before":
            out.append(text[pos:i])
            out.append(_base(text[i + 1]) + mark)
            pos = i + 2
        elif i - 1 >= pos:  # after: its letter is not consumed yet
            out.append(text[pos : i - 1])
            out.append(_base(text[i - 1]) + mark)
            pos = i + 1
    out.append(text[pos:])
    return "".join(out)


def _accent_decisions(text: str) -> tuple[list[tuple[int, str]], Counter[tuple[str, str]]]:
    """Each spacing mark's side (« before », « after », « ambiguous », « elision ») and the sides seen
    unambiguously for each mark (the votes that decide the ambiguous ones)."""
    decisions: list[tuple[int, str]] = []
    votes: Counter[tuple[str, str]] = Counter()
    for match in _MARK_RE.finditer(text):
        i = match.start()
        mark = SPACING_MARKS[match.group()]
        bases = _BASES[mark]
        prev_char = text[i - 1] if i > 0 else ""
        next_char = text[i + 1] if i + 1 < len(text) else ""
        can_before = next_char != "" and next_char in bases
        can_after = mark in _MARKS_AFTER_ALLOWED and prev_char != "" and prev_char in bases
        elided = (
            mark in (_ACUTE, _GRAVE)
            and not can_after
            and next_char in _ELISION_NEXT
            and _ELISION_BEFORE.search(text, max(0, i - 8), i) is not None
        )
        if elided:
            decisions.append((i, "elision"))
        elif can_before and can_after:
            decisions.append((i, "ambiguous"))
        elif can_before or can_after:
            side = "before" if can_before else "after"
            decisions.append((i, side))
            votes[mark, side] += 1
    return decisions, votes


def _base(letter: str) -> str:
    return "i" if letter == "\u0131" else letter


def normalise_unicode(text: str) -> str:
    """Clean a text layer: invisible and control characters, ligatures, split accents, then NFC.

    - line breaks unified to ``\\n``; soft hyphens removed (a soft hyphen at a line end rejoins the word);
      zero-width characters and control characters (except tab and newline) removed;
    - ligatures ﬀ ﬁ ﬂ ﬃ ﬄ ﬅ ﬆ expanded;
    - spacing accents joined to their letter (see `join_spacing_accents`), combining marks composed (NFC);
    - no-break spaces (U+00A0, U+202F) kept as they are (`normalise_spaces` turns them into spaces).
    """
    text = remove_invisible(text)
    text = expand_ligatures(text)
    text = join_spacing_accents(text)
    return unicodedata.normalize("NFC", text)


_HORIZONTAL_SPACE = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def normalise_spaces(text: str) -> str:
    """Turn every horizontal space (tab, NBSP, narrow NBSP, thin space…) into one plain space.

    Lines are stripped; more than one blank line in a row becomes one; the result is stripped.
    """
    text = _HORIZONTAL_SPACE.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()


# --- Hyphenation and line wrapping ---------------------------------------------------------------------

_WORD = r"[^\W\d_]+"
# A word cut by a hyphen at a line end: « politi-\nque ». The left part is a whole run of letters.
_HYPHEN_BREAK = re.compile(rf"(?<![^\W\d_])({_WORD})[-\u2010][ \t]*\n[ \t]*({_WORD})")
_COMPOUND = re.compile(rf"{_WORD}(?:[-\u2010]{_WORD})+")


# Prefixes that French writes with a hyphen (« mi-parcours », « demi-journée », « sous-préfecture »).
_HYPHEN_PREFIXES = frozenset(
    ["mi", "demi", "semi", "sous", "non", "quasi", "vice", "ex", "anti", "post", "pré", "extra", "ultra", "après"]
)


@functools.lru_cache(maxsize=2)
def _document_vocabulary(context: str) -> tuple[frozenset[str], frozenset[str]]:
    """The hyphenated forms and the words of a document (computed once, though asked for every page); the
    halves of the words cut at line ends are left out of the words."""
    words = frozenset(w.casefold() for w in re.findall(_WORD, _HYPHEN_BREAK.sub(" ", context)))
    return frozenset(_hyphenated_forms(context)), words


def _hyphenated_forms(context: str) -> set[str]:
    """Every run of two or more consecutive parts of the hyphenated words written on one line."""
    forms: set[str] = set()
    for match in _COMPOUND.finditer(context):
        parts = re.split(r"[-\u2010]", match.group().casefold())
        for start in range(len(parts) - 1):
            for end in range(start + 2, len(parts) + 1):
                forms.add("-".join(parts[start:end]))
    return forms


def dehyphenate(text: str, context: str | None = None) -> str:
    """Rejoin the words cut by a hyphen at a line end.

    « politi-\\nque » → « politique » when the part after the line break starts with a lowercase letter,
    unless the hyphenated form (« socio-économique ») is written elsewhere in `context` (the whole
    document; `text` itself by default), in which case the hyphen is kept and the line break removed.
    Before an uppercase letter (« Languedoc-\\nRoussillon ») the hyphen is a real one: kept, break removed.
    """
    if "\n" not in text:
        return text
    forms, words = _document_vocabulary(text if context is None else context)

    def join(match: re.Match[str]) -> str:
        left, right = match.group(1), match.group(2)
        if not right[0].islower() or f"{left}-{right}".casefold() in forms:
            return f"{left}-{right}"
        joined = (left + right).casefold()
        if joined in words:
            return left + right  # the document writes the word whole elsewhere
        lowered = left.casefold()
        if lowered in _HYPHEN_PREFIXES or (
            len(left) >= 2 and len(right) >= 2 and lowered in words and right.casefold() in words
        ):
            # « mi-parcours », « sous-groupes », « formations-actions », « eux-mêmes »: a compound whose
            # parts are words of their own, not a word cut by hyphenation.
            return f"{left}-{right}"
        return left + right

    return _HYPHEN_BREAK.sub(join, text)


def unwrap_lines(text: str) -> str:
    """Join the lines of a paragraph: a line followed by a line that starts with a lowercase letter.

    Blank lines, headings and list items (which start with an uppercase letter, a digit or a bullet)
    keep their line breaks, so the text keeps its structure where the PDF shows it.
    """
    lines = text.split("\n")
    out: list[str] = []
    for line in lines:
        stripped = line.strip()
        if out and out[-1].strip() and stripped and stripped[0].islower():
            out[-1] = out[-1].rstrip() + " " + stripped
        else:
            out.append(line)
    return "\n".join(out)


# --- Running headers, footers and page numbers ---------------------------------------------------------

_EDGE_LINES = 3
_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")
_PUNCTUATION = re.compile(r"[^\w\s]")
# « 12 », « - 12 - », « – 12 – », « Page 12 », « page 12 sur 40 », « 12 / 40 », « p. 12 », « [12] », « (12) ».
_PAGE_NUMBER = re.compile(
    r"^[\s\-–—\[(|]*(?:(?P<word>pages?|p\.?)\s*)?(?P<number>\d{1,5})"
    r"(?:\s*(?:/|sur|of|de)\s*(?P<total>\d{1,5}))?[\s\-–—\])|]*$",
    re.IGNORECASE,
)


def is_page_number(line: str, page_count: int | None = None) -> bool:
    """Whether a line is only a page number: « 12 », « - 12 - », « Page 12 », « 12 / 40 », « p. 12 ».

    A number without « page », « p. » or a total (« 2016 », « - 2016 - ») counts only when it could be a
    page number of a document of `page_count` pages (at most twice the count, or the count plus 20; below
    1000 when the count is unknown), so that a year on a line of its own is kept.
    """
    match = _PAGE_NUMBER.match(line.strip())
    if not match:
        return False
    if match.group("word") or match.group("total"):
        return True
    number = int(match.group("number"))
    if page_count is None:
        return 0 < number < 1000
    return 0 < number <= max(2 * page_count, page_count + 20)


def _running_key(line: str) -> str:
    # Punctuation is left out: OCR adds or drops a colon or a dot at a line's end from one page to the next.
    return _SPACES.sub(" ", _DIGITS.sub("#", _PUNCTUATION.sub("", line))).strip().casefold()


def _edge_indexes(lines: list[str]) -> list[int]:
    """Indexes of the first and last `_EDGE_LINES` non-blank lines."""
    filled = [i for i, line in enumerate(lines) if line.strip()]
    if len(filled) <= 2 * _EDGE_LINES:
        return filled
    return filled[:_EDGE_LINES] + filled[-_EDGE_LINES:]


def strip_running_lines(pages: list[str]) -> list[str]:
    """Remove running headers and footers and page numbers; return the pages in the same order.

    - With 3 pages or more, a line among the first 3 or last 3 non-blank lines of a page is removed when the
      same line (digits replaced by a placeholder, punctuation left out, spaces folded, case ignored) is among
      the first or last lines of at least half of the pages; a line of punctuation alone never runs. The first
      page (the cover) keeps its own text.
    - A line that is only a page number (see `is_page_number`) among the first or last lines of a page is
      removed, on every page.
    """
    page_lines = [page.split("\n") for page in pages]
    edges = [_edge_indexes(lines) for lines in page_lines]
    running: set[str] = set()
    if len(pages) >= 3:
        counts: Counter[str] = Counter()
        for lines, indexes in zip(page_lines, edges, strict=True):
            counts.update({_running_key(lines[i]) for i in indexes})
        running = {key for key, count in counts.items() if key and count * 2 >= len(pages)}
    result: list[str] = []
    for number, (lines, indexes) in enumerate(zip(page_lines, edges, strict=True)):
        drop = set()
        for i in indexes:
            if is_page_number(lines[i], len(pages)) or (number > 0 and _running_key(lines[i]) in running):
                drop.add(i)
        if drop:
            result.append("\n".join(line for i, line in enumerate(lines) if i not in drop))
        else:
            result.append(pages[number])
    return result
