"""A dossier source rendered as an A4 PDF with fpdf2 and the DejaVu fonts.

Layout: a cover page (organisation band, kind, title, cover lines, date), a « Sommaire » page filled at the
end with the chapters' page numbers (`insert_toc_placeholder`), chapters starting on a new page and listed
in the PDF outline, running header and footer on every page but the cover. Body text is set by our own
line breaker: justified, hyphenated with pyphen's French patterns (the hyphen is drawn, so the text layer
reads « politi-» newline « que »), with orphan and widow control. Each word is drawn at its own position,
with its trailing space, so that extractors see ordinary spaces.

`render_dossier(dossier)` returns the PDF bytes and the page count; same source, same bytes.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace
from fpdf.output import OutputProducer

from .inline import Run, parse_inline, plain_text
from .sources import Block, Dossier
from .textfx import Hyphenator, Segment, TextEffects

__all__ = ["RenderedPdf", "count_words", "font_dir", "render_dossier", "strip_info"]

log = logging.getLogger(__name__)

# --- Page geometry (mm) and type -----------------------------------------------------------------------
PAGE_W, PAGE_H = 210.0, 297.0
LEFT, RIGHT = 25.0, 25.0
WIDTH = PAGE_W - LEFT - RIGHT
TOP, BOTTOM = 30.0, 271.0
HEADER_BASELINE, HEADER_RULE = 15.5, 18.5
FOOTER_RULE, FOOTER_BASELINE = 279.0, 285.5
PT = 25.4 / 72  # one point in mm
BODY_SIZE = 11.0
# Line spacing 1.45 as a word processor counts it: 1.45 times the font's single line (DejaVu: 1.164 em),
# which gives FORMAT.md's « about 330 words a page » once headings and paragraph gaps are counted.
SINGLE_LINE = 1.164
BODY_LEADING = 1.45 * SINGLE_LINE
PARAGRAPH_GAP = 3.0
SHRINK = 0.2  # share of a space that justification may take away
TEXT_COLOUR = (35, 35, 35)
GREY = (95, 95, 95)
CREATOR = "Microsoft® Word 2013"
PRODUCER = "Microsoft® Word 2013"
ORG_NAME = "Villes et Territoires Languedoc-Roussillon"
ORG_LINE = "Centre de ressources politique de la ville"
FONT_FILES = {
    ("serif", ""): "DejaVuSerif.ttf",
    ("serif", "B"): "DejaVuSerif-Bold.ttf",
    ("serif", "I"): "DejaVuSerif-Italic.ttf",
    ("serif", "BI"): "DejaVuSerif-BoldItalic.ttf",
    ("sans", ""): "DejaVuSans.ttf",
    ("sans", "B"): "DejaVuSans-Bold.ttf",
    ("sans", "I"): "DejaVuSans-Oblique.ttf",
    ("sans", "BI"): "DejaVuSans-BoldOblique.ttf",
}


@dataclass(frozen=True)
class Palette:
    """Colours of one dossier: `dark` (band, headings), `accent` (rules, kind), `tint` (boxes)."""

    dark: tuple[int, int, int]
    accent: tuple[int, int, int]
    tint: tuple[int, int, int]


PALETTES = (
    Palette((0, 84, 119), (222, 120, 31), (229, 239, 245)),
    Palette((92, 45, 108), (0, 140, 126), (239, 233, 242)),
    Palette((32, 96, 60), (196, 64, 48), (232, 242, 234)),
    Palette((40, 55, 140), (226, 160, 0), (233, 235, 246)),
)


def font_dir() -> Path:
    """Folder of the DejaVu TTF files (`CORPUS_FONT_DIR` overrides the Debian default)."""
    return Path(os.environ.get("CORPUS_FONT_DIR", "/usr/share/fonts/truetype/dejavu"))


@dataclass
class RenderedPdf:
    """The bytes of a rendered dossier and what the checks need to know about it."""

    data: bytes
    pages: int
    chapters: list[tuple[str, int]] = field(default_factory=list)  # (title, first page)


# --- Words and lines --------------------------------------------------------------------------------------


@dataclass
class Piece:
    """A part of a word in one style (`style` is "", "B", "I" or "BI"), with an optional URL."""

    text: str
    style: str = ""
    href: str | None = None


@dataclass
class Word:
    """A word as laid out: its pieces, the key deciding its effects, a drawn hyphen at a line end."""

    pieces: list[Piece]
    key: str
    hyphen: bool = False
    width: float = 0.0


@dataclass
class Line:
    """A laid-out line: its words, the natural width (single spaces) and whether it ends a paragraph."""

    words: list[Word]
    natural: float
    last: bool = False


@dataclass(frozen=True)
class Font:
    """A font family, base style and size (pt) for a flow of text."""

    family: str = "serif"
    size: float = BODY_SIZE
    style: str = ""

    @property
    def size_mm(self) -> float:
        """The font size in mm."""
        return self.size * PT


_SPACE = re.compile(r"[ \t\n]+")
# Glued to the previous word by a no-break space: high punctuation, closing guillemet, %, €, and the
# thousands groups of a number (« 80 000 »).
_GLUE_BEFORE = re.compile(r"^[:;!?»%€]+[.,;:)]?$|^»[.,;:!?)]*$")
_THOUSANDS = re.compile(r"^\d{3}(?:[.,;:)%]|\s?€)?$")


def _words_of(runs: list[Run], base_style: str) -> list[Word]:
    """Split styled runs into words; French high punctuation is glued with a no-break space."""
    words: list[list[Piece]] = []
    current: list[Piece] = []
    for run in runs:
        style = "".join(sorted(set(base_style + ("B" if run.bold else "") + ("I" if run.italic else ""))))
        parts = _SPACE.split(run.text)
        for index, part in enumerate(parts):
            if index > 0 and current:
                words.append(current)
                current = []
            if part:
                current.append(Piece(part, style, run.href))
    if current:
        words.append(current)
    glued: list[list[Piece]] = []
    pending_open: list[Piece] | None = None
    for pieces in words:
        text = "".join(p.text for p in pieces)
        previous = "".join(p.text for p in glued[-1]) if glued else ""
        number_group = _THOUSANDS.match(text) and re.search(r"(?:^|\D)\d{1,3}(?:\u00a0\d{3})*$", previous)
        if glued and (_GLUE_BEFORE.match(text) or number_group or previous in ("n°", "N°")):
            last = glued[-1][-1]
            glued[-1][-1] = Piece(last.text + "\u00a0" + pieces[0].text, last.style, last.href)
            glued[-1].extend(pieces[1:])
            continue
        if text == "«":
            pending_open = pieces
            continue
        if pending_open is not None:
            first = pieces[0]
            pieces = [Piece("«\u00a0" + first.text, first.style, first.href), *pieces[1:]]
            pending_open = None
        glued.append(pieces)
    if pending_open is not None:
        glued.append(pending_open)
    return [Word(pieces, "".join(p.text for p in pieces)) for pieces in glued]


class DossierPDF(FPDF):
    """fpdf2 document whose header and footer are drawn by the typesetter (none on the cover)."""

    def __init__(self) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.furniture: Callable[[str], None] | None = None

    def header(self) -> None:
        """Running header on every page but the cover."""
        if self.furniture is not None and self.page_no() > 1:
            self.furniture("header")

    def footer(self) -> None:
        """Running footer (with the page number) on every page but the cover."""
        if self.furniture is not None and self.page_no() > 1:
            self.furniture("footer")


class _NoInfoProducer(OutputProducer):
    """An fpdf2 output producer that writes no Info dictionary (no Title, no dates)."""

    def _add_info(self):  # type: ignore[no-untyped-def]
        return None


class Typesetter:
    """Lays out and draws the blocks of one dossier."""

    def __init__(self, dossier: Dossier, hyphenator: Hyphenator | None = None) -> None:
        self.dossier = dossier
        self.fx = TextEffects(dossier.ligatures, dossier.accents)
        self.hyphenator = hyphenator or Hyphenator()
        self.palette = PALETTES[zlib.crc32(dossier.id.encode("utf-8")) % len(PALETTES)]
        self.pdf = DossierPDF()
        self.pdf.furniture = self._furniture
        self.pdf.set_margins(LEFT, TOP, RIGHT)
        self.pdf.set_auto_page_break(True, margin=PAGE_H - BOTTOM)
        self.pdf.set_lang("fr-FR")
        self.pdf.set_display_mode("fullpage", "continuous")
        self._fonts: set[tuple[str, str]] = set()
        self.y = TOP
        self.fresh = True
        self._widths: dict[tuple[str, str, float, str], float] = {}
        self.chapters: list[tuple[str, int]] = []

    # -- measuring and drawing text ------------------------------------------------------------------------

    def _set_font(self, family: str, style: str, size: float) -> None:
        """Select a font, registering its TTF file on first use (unused faces are not embedded)."""
        if (family, style) not in self._fonts:
            path = font_dir() / FONT_FILES[(family, style)]
            if not path.is_file():
                raise FileNotFoundError(f"DejaVu font missing: {path} (set CORPUS_FONT_DIR)")
            self.pdf.add_font(family, style, str(path))
            self._fonts.add((family, style))
        self.pdf.set_font(family, style, size)

    def width(self, text: str, family: str, style: str, size: float) -> float:
        """Width in mm of an already shaped string."""
        key = (family, style, size, text)
        value = self._widths.get(key)
        if value is None:
            self._set_font(family, style, size)
            value = self._widths[key] = self.pdf.get_string_width(text)
        return value

    def piece_width(self, text: str, key: str, family: str, style: str, size: float) -> float:
        """Width of a piece of logical text once shaped (accent overlays do not advance)."""
        return sum(self.width(seg.text, family, style, size) for seg in self.fx.shape(text, key) if not seg.overlay)

    def word_width(self, word: Word, font: Font, hyphen: bool = False) -> float:
        """Width of a word once shaped, with its drawn hyphen if asked."""
        total = sum(self.piece_width(p.text, word.key, font.family, p.style, font.size) for p in word.pieces)
        if hyphen:
            style = word.pieces[-1].style
            total += self.width("-", font.family, style, font.size)
        return total

    def draw_text(
        self, x: float, y: float, text: str, font: Font, style: str | None = None, key: str | None = None
    ) -> float:
        """Draw logical `text` at baseline `y` with the dossier's effects; returns the advance."""
        style = font.style if style is None else style
        return self._draw_piece(x, y, text, "", font, style, key)

    def draw_word(self, word: Word, x: float, y: float, font: Font, trailing_space: bool) -> None:
        """Draw a laid-out word; the trailing space is part of the drawn string (extractors see it)."""
        for index, piece in enumerate(word.pieces):
            last = index == len(word.pieces) - 1
            text = piece.text
            suffix = ("-" if word.hyphen and last else "") + (" " if trailing_space and last else "")
            advance = self._draw_piece(x, y, text, suffix, font, piece.style, word.key)
            if piece.href and piece.href.startswith(("http://", "https://", "mailto:")):
                self.pdf.link(x, y - font.size_mm * 0.8, advance, font.size_mm, piece.href)
            x += advance

    def _draw_piece(self, x: float, y: float, text: str, suffix: str, font: Font, style: str, key: str | None) -> float:
        """Draw a piece of logical text plus a literal suffix (hyphen, space); returns the advance."""
        self._set_font(font.family, style, font.size)
        segments = self.fx.shape(text, key)
        if suffix:
            if segments and not segments[-1].overlay:
                segments[-1] = Segment(segments[-1].text + suffix)
            else:
                segments.append(Segment(suffix))
        start = x
        for index, seg in enumerate(segments):
            if seg.overlay:
                following = segments[index + 1].text[:1] if index + 1 < len(segments) else ""
                target = self.width(following, font.family, style, font.size)
                mark = self.width(seg.text, font.family, style, font.size)
                self.pdf.text(x + (target - mark) / 2, y, seg.text)
                continue
            self.pdf.text(x, y, seg.text)
            x += self.width(seg.text.rstrip(" "), font.family, style, font.size)
        return x - start

    # -- line breaking --------------------------------------------------------------------------------------

    def lay_out(self, markup: str, font: Font, width: float, hyphenate: bool = True) -> list[Line]:
        """Break inline markup into lines of at most `width` mm (greedy, with hyphenation)."""
        words = _words_of(parse_inline(markup), font.style)
        space = self.width(" ", font.family, font.style, font.size)
        lines: list[Line] = []
        current: list[Word] = []
        used = 0.0
        queue = list(words)
        while queue:
            word = queue.pop(0)
            word.width = self.word_width(word, font)
            needed = used + (space if current else 0.0) + word.width
            shrink = len(current) * space * SHRINK  # the spaces may get a little narrower
            if needed - shrink <= width + 1e-6:
                current.append(word)
                used = needed
                continue
            room = width - used - (space if current else 0.0) + shrink
            split = self._split(word, font, room, width, hyphenate)
            if split is not None:
                head, tail = split
                current.append(head)
                lines.append(Line(current, used + (space if current[:-1] else 0.0) + head.width))
                current, used = [], 0.0
                queue.insert(0, tail)
                continue
            if current:
                lines.append(Line(current, used))
                current, used = [], 0.0
                queue.insert(0, word)
                continue
            # A single word wider than the line (an URL): cut it where it must be.
            head, tail = self._force_split(word, font, width)
            lines.append(Line([head], head.width))
            if tail is not None:
                queue.insert(0, tail)
        if current:
            lines.append(Line(current, used))
        if lines:
            lines[-1].last = True
        for line in lines:
            if line.natural - (len(line.words) - 1) * space * SHRINK > width + 0.5:
                text = " ".join("".join(p.text for p in w.pieces) for w in line.words)
                log.warning("%s: overfull line (%.1f > %.1f mm): %s", self.dossier.source, line.natural, width, text)
        return lines

    def _split(self, word: Word, font: Font, room: float, width: float, hyphenate: bool) -> tuple[Word, Word] | None:
        """The longest hyphenated head of `word` that fits in `room`, and the rest."""
        if not hyphenate or len(word.pieces) != 1 or room < 5.0:
            return None
        piece = word.pieces[0]
        for index, add_hyphen in reversed(self.hyphenator.points(piece.text)):
            head = Word([Piece(piece.text[:index], piece.style, piece.href)], word.key, hyphen=add_hyphen)
            head.width = self.word_width(head, font, hyphen=add_hyphen)
            if head.width <= room + 1e-6:
                tail = Word([Piece(piece.text[index:], piece.style, piece.href)], word.key)
                return head, tail
        return None

    def _force_split(self, word: Word, font: Font, width: float) -> tuple[Word, Word | None]:
        text = "".join(p.text for p in word.pieces)
        style, href = word.pieces[0].style, word.pieces[0].href
        cut = len(text)
        while cut > 1 and self.piece_width(text[:cut], word.key, font.family, style, font.size) > width:
            cut -= 1
        for sep in "/.-_?&":
            at = text.rfind(sep, 1, cut)
            if at > cut // 2:
                cut = at + 1
                break
        head = Word([Piece(text[:cut], style, href)], word.key)
        head.width = self.word_width(head, font)
        tail = Word([Piece(text[cut:], style, href)], word.key) if cut < len(text) else None
        return head, tail

    # -- vertical flow -------------------------------------------------------------------------------------

    def new_page(self) -> None:
        """Start a new page; the running header is drawn by fpdf2's `header()`."""
        self.pdf.add_page()
        self.y = TOP
        self.fresh = True

    def ensure(self, height: float) -> None:
        """Start a new page unless `height` mm still fit on this one."""
        if self.y + height > BOTTOM + 1e-6 and not self.fresh:
            self.new_page()

    @staticmethod
    def _baseline(top: float, line_h: float, font: Font) -> float:
        return top + (line_h - font.size_mm) / 2 + font.size_mm * 0.8

    def draw_line(self, line: Line, x: float, top: float, width: float, font: Font, line_h: float, align: str) -> None:
        """Draw one line whose box starts at `top`; `align` is J (justified) or L."""
        baseline = self._baseline(top, line_h, font)
        space = self.width(" ", font.family, font.style, font.size)
        gaps = len(line.words) - 1
        extra = 0.0
        if gaps > 0 and ((align == "J" and not line.last) or line.natural > width):
            extra = (width - line.natural) / gaps  # negative when the spaces shrink
        if align == "C":
            x += max(0.0, (width - line.natural) / 2)
        for index, word in enumerate(line.words):
            last = index == gaps
            self.draw_word(word, x, baseline, font, trailing_space=not last)
            x += word.width + space + extra

    def flow(
        self,
        lines: list[Line],
        x: float,
        width: float,
        font: Font,
        line_h: float,
        align: str = "J",
        colour: tuple[int, int, int] = TEXT_COLOUR,
        on_first: Callable[[float], None] | None = None,
    ) -> None:
        """Draw lines from the cursor down, breaking pages with orphan and widow control."""
        index = 0
        total = len(lines)
        while index < total:
            available = int((BOTTOM - self.y + 1e-6) // line_h)
            remaining = total - index
            take = min(available, remaining)
            if take < remaining:
                if take < 2 and not self.fresh:
                    self.new_page()
                    continue
                if remaining - take == 1 and take > 2:
                    take -= 1  # no widow: two lines at least go to the next page
                take = max(take, 1)
            self.pdf.set_text_color(*colour)
            for offset in range(take):
                if index + offset == 0 and on_first is not None:
                    on_first(self._baseline(self.y, line_h, font))
                self.draw_line(lines[index + offset], x, self.y, width, font, line_h, align)
                self.y += line_h
            self.fresh = False
            index += take
            if index < total:
                self.new_page()

    # -- blocks ---------------------------------------------------------------------------------------------

    def paragraph(self, markup: str) -> None:
        """A justified, hyphenated body paragraph."""
        font = Font("serif", BODY_SIZE)
        line_h = BODY_SIZE * BODY_LEADING * PT
        self.flow(self.lay_out(markup, font, WIDTH), LEFT, WIDTH, font, line_h)
        self.y += PARAGRAPH_GAP

    def heading(self, markup: str, level: int) -> None:
        """A section (level 2) or subsection (level 3) heading, kept with the next lines."""
        size = 13.5 if level == 2 else 11.5
        font = Font("sans", size, "B")
        line_h = size * 1.3 * PT
        lines = self.lay_out(markup, font, WIDTH, hyphenate=False)
        before = 5.0 if level == 2 else 3.5
        body_h = BODY_SIZE * BODY_LEADING * PT
        if not self.fresh:
            self.y += before
        self.ensure(len(lines) * line_h + 2.0 + 3 * body_h)
        if level == 2:
            self.pdf.y = self.y
            self.pdf.start_section(plain_text(markup), level=1, strict=False)
        colour = self.palette.dark if level == 2 else (60, 60, 60)
        self.flow(lines, LEFT, WIDTH, font, line_h, align="L", colour=colour)
        self.y += 2.0

    def chapter(self, markup: str) -> None:
        """A chapter: new page, outline entry, big heading and a rule."""
        if not self.fresh:
            self.new_page()
        title = plain_text(markup)
        self.pdf.y = self.y
        self.pdf.start_section(title, level=0, strict=False)
        self.chapters.append((title, self.pdf.page_no()))
        font = Font("sans", 20, "B")
        line_h = 20 * 1.22 * PT
        self.y += 4.0
        self.flow(
            self.lay_out(markup, font, WIDTH, hyphenate=False),
            LEFT,
            WIDTH,
            font,
            line_h,
            "L",
            self.palette.dark,
        )
        self.pdf.set_fill_color(*self.palette.accent)
        self.pdf.rect(LEFT, self.y + 2.5, 32, 1.1, style="F")
        self.y += 11.0

    def bullet_list(self, items: list[str], numbered: bool, start: int) -> None:
        """Bulleted or numbered items with a hanging indent."""
        font = Font("serif", BODY_SIZE)
        line_h = BODY_SIZE * BODY_LEADING * PT
        indent = 7.0 if not numbered else 8.5
        for number, item in enumerate(items, start=start):
            lines = self.lay_out(item, font, WIDTH - indent)
            label = f"{number}." if numbered else "•"

            def mark(baseline: float, label: str = label) -> None:
                self.pdf.set_text_color(*self.palette.dark)
                label_font = Font("serif", BODY_SIZE, "B" if numbered else "")
                w = self.width(label, label_font.family, label_font.style, label_font.size)
                self.draw_text(LEFT + indent - 2.2 - w, baseline, label, label_font)
                self.pdf.set_text_color(*TEXT_COLOUR)

            self.flow(lines, LEFT + indent, WIDTH - indent, font, line_h, on_first=mark)
            self.y += 1.0
        self.y += PARAGRAPH_GAP - 1.0

    def encadre(self, paragraphs: list[str]) -> None:
        """Boxed text on a tinted background with a coloured bar; it may continue on the next page."""
        font = Font("sans", 10)
        line_h = 10 * 1.3 * SINGLE_LINE * PT
        pad, bar = 4.0, 1.6
        inner_x = LEFT + bar + pad
        inner_w = WIDTH - bar - 2 * pad
        rows: list[Line | float] = []
        for index, markup in enumerate(paragraphs):
            if index:
                rows.append(2.0)
            rows.extend(self.lay_out(markup, font, inner_w))
        self.y += 1.5
        while rows:
            room = BOTTOM - self.y - 2 * pad
            take, height = 0, 0.0
            for row in rows:
                h = row if isinstance(row, float) else line_h
                if height + h > room + 1e-6:
                    break
                take += 1
                height += h
            lines_taken = sum(1 for r in rows[:take] if not isinstance(r, float))
            if lines_taken < min(2, len(rows)) and not self.fresh:
                self.new_page()
                continue
            take = max(take, 1)
            chunk, rows = rows[:take], rows[take:]
            while chunk and isinstance(chunk[-1], float):
                chunk.pop()
            height = sum(r if isinstance(r, float) else line_h for r in chunk)
            self.pdf.set_fill_color(*self.palette.tint)
            self.pdf.rect(LEFT, self.y, WIDTH, height + 2 * pad, style="F")
            self.pdf.set_fill_color(*self.palette.accent)
            self.pdf.rect(LEFT, self.y, bar, height + 2 * pad, style="F")
            y = self.y + pad
            self.pdf.set_text_color(*TEXT_COLOUR)
            for row in chunk:
                if isinstance(row, float):
                    y += row
                    continue
                self.draw_line(row, inner_x, y, inner_w, font, line_h, "J")
                y += line_h
            self.y = y + pad
            self.fresh = False
            while rows and isinstance(rows[0], float):
                rows.pop(0)
            if rows:
                self.new_page()
        self.y += PARAGRAPH_GAP + 1.5

    def table(self, rows: list[list[str]]) -> None:
        """A table with a header row (fpdf2 `table()`), cells wrapping, header repeated on page breaks."""
        cells = [[self.fx.plain(plain_text(cell)) for cell in row] for row in rows]
        columns = len(cells[0])
        weights = []
        for col in range(columns):
            longest = max(len(row[col]) for row in cells)
            weights.append(min(max(longest, 8), 45))
        self.ensure(30.0)
        self.pdf.set_y(self.y + 1.0)
        self.pdf.set_x(LEFT)
        self._set_font("sans", "B", 9)  # the header row's face must be registered too
        self._set_font("sans", "", 9)
        self.pdf.set_text_color(*TEXT_COLOUR)
        self.pdf.set_draw_color(180, 180, 180)
        self.pdf.set_fill_color(255, 255, 255)
        self.pdf.set_line_width(0.2)
        headings = FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=self.palette.dark)
        with self.pdf.table(
            width=WIDTH,
            col_widths=tuple(weights),
            text_align="LEFT",
            line_height=9 * 1.35 * PT,
            padding=(1.4, 2.0),
            headings_style=headings,
            cell_fill_color=self.palette.tint,
            cell_fill_mode="ROWS",
            borders_layout="HORIZONTAL_LINES",
            first_row_as_headings=True,
        ) as table:
            for row in cells:
                table_row = table.row()
                for cell in row:
                    table_row.cell(cell)
        self.y = self.pdf.y + PARAGRAPH_GAP + 2.0
        self.fresh = False

    # -- page furniture --------------------------------------------------------------------------------------

    def _furniture(self, where: str) -> None:
        pdf = self.pdf
        font = Font("sans", 8)
        pdf.set_draw_color(*self.palette.dark)
        pdf.set_line_width(0.25)
        if where == "header":
            pdf.set_text_color(*GREY)
            text = self.dossier.running_header
            if text:
                self._draw_fitted(text, LEFT, HEADER_BASELINE, font, WIDTH)
            pdf.line(LEFT, HEADER_RULE, PAGE_W - RIGHT, HEADER_RULE)
        else:
            pdf.line(LEFT, FOOTER_RULE, PAGE_W - RIGHT, FOOTER_RULE)
            pdf.set_text_color(*GREY)
            footer = self.dossier.running_footer
            text = f"{footer} — {pdf.page_no()}" if footer else str(pdf.page_no())
            lines = self.lay_out(text, font, WIDTH, hyphenate=False)
            if lines:
                line = lines[0]
                self.draw_line(line, LEFT, FOOTER_BASELINE - 2.5, WIDTH, font, 3.5, "C")
        pdf.set_text_color(*TEXT_COLOUR)

    def _draw_fitted(self, text: str, x: float, baseline: float, font: Font, width: float) -> None:
        lines = self.lay_out(text, font, width, hyphenate=False)
        if lines:
            line = lines[0]
            line.last = True
            self.draw_line(line, x, baseline - font.size_mm * 0.8, width, font, font.size_mm, "L")

    # -- cover and « Sommaire » -----------------------------------------------------------------------------

    def cover(self) -> None:
        """Page 1: organisation band, kind, big title, cover lines, date (no running header or footer)."""
        d, pdf, pal = self.dossier, self.pdf, self.palette
        pdf.add_page()
        pdf.set_fill_color(*pal.dark)
        pdf.rect(0, 0, PAGE_W, 92, style="F")
        pdf.set_draw_color(*pal.accent)
        for radius, width in ((20.0, 1.6), (30.0, 0.8), (40.0, 0.4)):
            pdf.set_line_width(width)
            pdf.ellipse(192 - radius, 50 - radius, 2 * radius, 2 * radius, style="D")
        pdf.set_text_color(255, 255, 255)
        self.draw_text(22, 30, ORG_NAME, Font("sans", 15, "B"))
        pdf.set_text_color(225, 232, 238)
        self.draw_text(22, 37.5, ORG_LINE, Font("sans", 10))
        y = 112.0
        if d.subtitle:
            pdf.set_fill_color(*pal.accent)
            pdf.rect(22, y - 5.2, 1.6, 6.8, style="F")
            pdf.set_text_color(*pal.accent)
            self.draw_text(27, y, d.subtitle, Font("sans", 13, "B"))
            y += 12
        title_font = Font("sans", 27, "B")
        pdf.set_text_color(*pal.dark)
        line_h = 27 * 1.18 * PT
        for line in self.lay_out(d.title, title_font, 166, hyphenate=False):
            line.last = True
            self.draw_line(line, 22, y, 166, title_font, line_h, "L")
            y += line_h
        pdf.set_fill_color(*pal.accent)
        pdf.rect(22, y + 4, 40, 1.3, style="F")
        y += 14
        lines_font = Font("sans", 12.5)
        pdf.set_text_color(70, 70, 70)
        for cover_line in d.cover_lines:
            for line in self.lay_out(cover_line, lines_font, 166, hyphenate=False):
                line.last = True
                self.draw_line(line, 22, y, 166, lines_font, 7.0, "L")
                y += 7.0
            y += 1.0
        if d.cover_date:
            pdf.set_text_color(*pal.dark)
            self.draw_text(22, max(y + 12, 246), d.cover_date, Font("sans", 14, "B"))
        pdf.set_fill_color(*pal.tint)
        pdf.rect(0, 270, PAGE_W, 27, style="F")
        pdf.set_text_color(*pal.dark)
        self.draw_text(22, 282, "Villes et Territoires LR · www.villesetterritoireslr.fr", Font("sans", 8.5))
        pdf.set_text_color(*TEXT_COLOUR)

    def _toc_entries(self) -> list[tuple[int, str]]:
        entries = []
        for block in self.dossier.blocks:
            if block.kind == "h1":
                entries.append((0, plain_text(block.text)))
            elif block.kind == "h2" and entries:
                entries.append((1, plain_text(block.text)))
        return entries

    def _toc_plan(self, entries: list[tuple[int, str]]) -> list[list[tuple[int, int, list[Line], float]]]:
        """Entries per page: (entry index, level, lines, top y); used to count and to draw the pages."""
        pages: list[list[tuple[int, int, list[Line], float]]] = [[]]
        y = TOP + 24.0
        for index, (level, title) in enumerate(entries):
            font = _toc_font(level)
            line_h = _toc_line_h(level)
            indent = 0.0 if level == 0 else 8.0
            lines = self.lay_out(title, font, WIDTH - indent - 16.0, hyphenate=False)
            before = 3.2 if level == 0 and index else 0.6
            height = before + len(lines) * line_h
            if y + height > BOTTOM:
                pages.append([])
                y = TOP + 4.0
                before = 0.0
            pages[-1].append((index, level, lines, y + before))
            y += before + len(lines) * line_h
        return pages

    def _render_toc(self, pdf: FPDF, outline: list) -> None:  # type: ignore[type-arg]
        """Draw the « Sommaire » (called by fpdf2 at output time, when page numbers are known)."""
        entries = self._toc_entries()
        numbers = [section.page_number for section in outline if section.level <= 1]
        plan = self._toc_plan(entries)
        pdf.set_text_color(*self.palette.dark)
        self.draw_text(LEFT, TOP + 8, "Sommaire", Font("sans", 24, "B"))
        pdf.set_fill_color(*self.palette.accent)
        pdf.rect(LEFT, TOP + 12, 32, 1.1, style="F")
        for page_index, page in enumerate(plan):
            if page_index:
                pdf.add_page()
            for index, level, lines, top in page:
                font = _toc_font(level)
                line_h = _toc_line_h(level)
                indent = 0.0 if level == 0 else 8.0
                pdf.set_text_color(*(self.palette.dark if level == 0 else TEXT_COLOUR))
                y = top
                for line in lines:
                    line.last = True
                    self.draw_line(line, LEFT + indent, y, WIDTH - indent - 16.0, font, line_h, "L")
                    y += line_h
                number = str(numbers[index]) if index < len(numbers) else "?"
                baseline = self._baseline(y - line_h, line_h, font)
                num_w = self.width(number, font.family, font.style, font.size)
                end_x = LEFT + indent + lines[-1].natural + 2.0
                dots_font = Font(font.family, font.size, "")
                dot_w = self.width(" .", dots_font.family, "", font.size)
                count = int((PAGE_W - RIGHT - num_w - 2.0 - end_x) // dot_w)
                if count > 0:
                    pdf.set_text_color(150, 150, 150)
                    self.draw_text(PAGE_W - RIGHT - num_w - 2.0 - count * dot_w, baseline, " ." * count, dots_font)
                pdf.set_text_color(*(self.palette.dark if level == 0 else TEXT_COLOUR))
                self.draw_text(PAGE_W - RIGHT - num_w, baseline, number, font)
        pdf.set_text_color(*TEXT_COLOUR)

    # -- the whole document ---------------------------------------------------------------------------------

    def render(self) -> RenderedPdf:
        """Cover, « Sommaire » placeholder, body blocks, metadata; the PDF bytes."""
        d = self.dossier
        self.cover()
        self.new_page()
        for family, style in (("sans", "B"), ("serif", "")):
            self._set_font(family, style, BODY_SIZE)  # faces of the « Sommaire », drawn at output time
        if self._toc_entries():  # no chapter, no « Sommaire »
            toc_pages = len(self._toc_plan(self._toc_entries()))
            self.pdf.insert_toc_placeholder(self._render_toc, pages=toc_pages)
        self.y, self.fresh = TOP, True
        for block in d.blocks:
            self.block(block)
        _set_metadata(self.pdf, d)
        producer = OutputProducer if d.metadata else _NoInfoProducer
        data = bytes(self.pdf.output(output_producer_class=producer))
        if not d.metadata:
            data = strip_info(data)
        return RenderedPdf(data, self.pdf.pages_count, list(self.chapters))

    def block(self, block: Block) -> None:
        """Render one body block."""
        kind = block.kind
        if kind == "h1":
            self.chapter(block.text)
        elif kind in ("h2", "h3"):
            self.heading(block.text, int(kind[1]))
        elif kind == "para":
            self.paragraph(block.text)
        elif kind in ("ul", "ol"):
            self.bullet_list(block.items, kind == "ol", block.start)
        elif kind == "quote":
            self.encadre(block.items)
        elif kind == "table":
            self.table(block.rows)
        elif kind == "pagebreak":
            if not self.fresh:
                self.new_page()
        else:
            log.warning("%s: block %s not rendered in a PDF", self.dossier.source, kind)


def _toc_font(level: int) -> Font:
    return Font("sans", 11.5, "B") if level == 0 else Font("serif", 10.5)


def _toc_line_h(level: int) -> float:
    return 11.5 * 1.45 * PT if level == 0 else 10.5 * 1.4 * PT


def _paris_time(day: dt.date, hour: int = 10) -> dt.datetime:
    """A local time in France (+01:00 in winter, +02:00 in summer, EU rule since 1996)."""
    offset = 2 if _summer_time(day) else 1
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.timezone(dt.timedelta(hours=offset)))


def _last_sunday(year: int, month: int) -> dt.date:
    day = dt.date(year, month, 31)
    return day - dt.timedelta(days=(day.weekday() + 1) % 7)


def _summer_time(day: dt.date) -> bool:
    return _last_sunday(day.year, 3) <= day < _last_sunday(day.year, 10)


def _set_metadata(pdf: FPDF, dossier: Dossier) -> None:
    """Info dictionary from the meta_* keys (`metadata: yes`); fixed dates either way."""
    if not dossier.metadata:
        pdf.set_creation_date(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
        return
    pdf.set_title(dossier.meta_title)
    if dossier.meta_subject:
        pdf.set_subject(dossier.meta_subject)
    if dossier.meta_keywords:
        pdf.set_keywords(dossier.meta_keywords)
    pdf.set_author(dossier.meta_author)
    pdf.set_creator(CREATOR)
    pdf.set_producer(PRODUCER)
    created = dossier.meta_creation_date or _fallback_creation_date(dossier)
    pdf.set_creation_date(_paris_time(created))


def _fallback_creation_date(dossier: Dossier) -> dt.date:
    year = dossier.year or 2016
    return dt.date(year, 12, 15)


_INFO_DATE = re.compile(rb"/(?:CreationDate|ModDate) \(D:[0-9Z+\-']*\)")
_INFO_REF = re.compile(rb"/Info \d+ 0 R")


def strip_info(data: bytes) -> bytes:
    """Blank any Info date and the trailer's /Info reference, keeping every byte offset valid."""

    def blank(match: re.Match[bytes]) -> bytes:
        return b" " * len(match.group(0))

    return _INFO_REF.sub(blank, _INFO_DATE.sub(blank, data))


def render_dossier(dossier: Dossier, hyphenator: Hyphenator | None = None) -> RenderedPdf:
    """Render a dossier to PDF bytes (deterministic)."""
    return Typesetter(dossier, hyphenator).render()


def count_words(dossier: Dossier) -> int:
    """Number of words of a dossier's body (to compare with its page count)."""
    total = 0
    for block in dossier.blocks:
        texts = [block.text, *block.items, *(c for row in block.rows for c in row)]
        total += sum(len(plain_text(t).split()) for t in texts if t)
    return total
