"""A generated dossier as an A4 PDF (fpdf2, DejaVu fonts): cover, « Sommaire », chapters, running header and
footer on every page but the cover, justified text hyphenated at line ends (pyphen), one word drawn at a time
(as word processors' PDFs do, so that pypdf works as hard as on the sample's dossiers).

Layout first (pages of drawing operations, so the « Sommaire » knows each chapter's page), then drawing.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from functools import lru_cache

from bench.scale.render_html import heading, sentences
from bench.scale.sample import SampleModel

# The standard PDF fonts (Times, Helvetica) in WinAnsi encoding (windows-1252: « ’ œ – … € » included), as
# older office suites write them: embedding and subsetting a TrueType font for every file made fpdf2 spend
# three quarters of its time in fontTools, which would have put 100,000 documents far beyond a quarter of an hour.
FONTS = {"body": ("times", "", 11.0), "head": ("helvetica", "B", 13.0), "sans": ("helvetica", "", 10.0)}
_CP1252_FIXES = str.maketrans({"\u2010": "-", "\u2011": "-", "\u202f": " ", "\u00a0": " ", "\u2009": " "})
ORG = "Villes et Territoires Languedoc-Roussillon"
ORG_SHORT = "Villes et Territoires LR"
MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre",
    "décembre",
)  # fmt: skip
PAGE_W, LEFT, RIGHT, TOP, BOTTOM = 210.0, 25.0, 25.0, 30.0, 271.0
WIDTH = PAGE_W - LEFT - RIGHT
LEADING = 7.4


@dataclass
class PdfPlan:
    """What the plan decides for one dossier (its text is drawn when rendering, from `seed`)."""

    index: int
    path: str
    title: str
    kind_label: str
    subject: bool
    keywords: str
    year: int | None
    month: int
    themes: tuple[str, ...]
    pages: int
    place: str
    seed: str
    truncated: bool = False


def cp1252(text: str) -> str:
    """Text the WinAnsi fonts can draw (anything else becomes « ? », as a lossy converter would)."""
    return text.translate(_CP1252_FIXES).encode("cp1252", "replace").decode("cp1252")


@lru_cache(maxsize=8)
def _probe(family: str, style: str):  # type: ignore[no-untyped-def]
    """An FPDF object with one font at 100 pt (widths are measured on it) and its per-character cache."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_font(family, style, 100)
    return pdf, {}


class Measure:
    """String widths in mm for one font and size (character widths cached per process)."""

    def __init__(self, family: str, style: str, size: float) -> None:
        self.pdf, self.cache = _probe(family, style)
        self.scale = size / 100

    def __call__(self, text: str) -> float:
        total = 0.0
        cache = self.cache
        for ch in text:
            w = cache.get(ch)
            if w is None:
                w = cache[ch] = self.pdf.get_string_width(ch)
            total += w
        return total * self.scale


@lru_cache(maxsize=1)
def _hyphenator():  # type: ignore[no-untyped-def]
    import pyphen

    return pyphen.Pyphen(lang="fr_FR")


Op = tuple[str, float, float, object]  # (font key, x, y, text), or ("line", x, y, (words, extra space))


class Layout:
    """Pages of drawing operations, filled line by line, stopping at `max_pages`."""

    def __init__(self, max_pages: int) -> None:
        self.pages: list[list[Op]] = []
        self.y = TOP
        self.max_pages = max_pages
        self.full = False
        self.measures = {key: Measure(*FONTS[key]) for key in ("body", "head")}

    def new_page(self) -> bool:
        if len(self.pages) >= self.max_pages:
            self.full = True
            return False
        self.pages.append([])
        self.y = TOP
        return True

    def _room(self, height: float) -> bool:
        if self.y + height <= BOTTOM:
            return True
        return self.new_page()

    def heading(self, text: str) -> None:
        measure = self.measures["head"]
        for line in _wrap(cp1252(text).split(), measure, WIDTH):
            if not self._room(7.0):
                return
            self.pages[-1].append(("head", LEFT, self.y, " ".join(w for w, _ in line[0])))
            self.y += 7.0
        self.y += 2.5

    def paragraph(self, text: str) -> None:
        measure = self.measures["body"]
        space = measure(" ")
        lines = _wrap(cp1252(text).split(), measure, WIDTH, hyphenate=True)
        for i, (words, natural) in enumerate(lines):
            if not self._room(LEADING):
                return
            last = i == len(lines) - 1
            gap = space if last or len(words) == 1 else space + (WIDTH - natural) / (len(words) - 1)
            self.pages[-1].append(("line", LEFT, self.y, (tuple(words), gap - space)))  # type: ignore[arg-type]
            self.y += LEADING
        self.y += 4.0


def _wrap(words: list[str], measure: Measure, width: float, hyphenate: bool = False):  # type: ignore[no-untyped-def]
    """Greedy line breaking; a long word that does not fit is hyphenated when pyphen allows it."""
    space = measure(" ")
    lines: list[tuple[list[tuple[str, float]], float]] = []
    line: list[tuple[str, float]] = []
    used = 0.0
    pending = list(reversed(words))
    while pending:
        word = pending.pop()
        w = measure(word)
        needed = w if not line else used + space + w
        if needed <= width or not line:
            line.append((word, w))
            used = needed
            continue
        if hyphenate and len(word) >= 7 and word.isalpha():
            room = width - used - space
            for pos in reversed(_hyphenator().positions(word)):
                head = word[:pos] + "-"
                hw = measure(head)
                if hw <= room and pos >= 3 and len(word) - pos >= 3:
                    line.append((head, hw))
                    used += space + hw
                    word = word[pos:]
                    break
            pending.append(word)
        else:
            pending.append(word)
        lines.append((line, used))
        line, used = [], 0.0
    if line:
        lines.append((line, used))
    return lines


def draw_line(pdf, x: float, y: float, words: tuple[tuple[str, float], ...], extra: float) -> None:  # type: ignore[no-untyped-def]
    """One justified line as a single TJ array: each word with its trailing space, the justification as
    spacing adjustments (as word processors write it). Falls back to one `text()` per word."""
    try:
        if not pdf.current_font_is_set_on_page:
            pdf._out(pdf._set_font_for_page(pdf.current_font, pdf.font_size_pt))
        font = pdf.current_font
        adjust = f"{-extra * pdf.k / pdf.font_size_pt * 1000:.1f}"
        parts = []
        for i, (word, _width) in enumerate(words):
            if i:
                parts.append(adjust)
            parts.append(font.encode_text(pdf.normalize_text(word + " "))[:-3])
        pdf._out(f"BT {x * pdf.k:.2f} {(pdf.h - y) * pdf.k:.2f} Td [{' '.join(parts)}] TJ ET")
    except AttributeError:  # another fpdf2 version: draw word by word
        for word, width in words:
            pdf.text(x, y, word + " ")
            x += width + extra + pdf.get_string_width(" ")


def render_pdf(model: SampleModel, plan: PdfPlan) -> tuple[bytes, int]:
    """The PDF bytes and page count of a dossier (truncated bytes for a planned defective file)."""
    from fpdf import FPDF

    rng = random.Random(plan.seed)
    layout = Layout(plan.pages)
    # Cover (page 1) and « Sommaire » (page 2) are drawn separately; the layout holds the body pages.
    layout.max_pages = plan.pages - 2
    chapters: list[tuple[str, int]] = []
    while not layout.full:
        if not layout.new_page():
            break
        title = heading(model, rng, plan.themes, plan.year)
        chapters.append((title, len(layout.pages) + 2))
        layout.heading(title)
        for _ in range(rng.randint(5, 14)):
            if rng.random() < 0.15:
                layout.heading(heading(model, rng, plan.themes, plan.year))
            layout.paragraph(sentences(model, rng, plan.themes, plan.year, rng.randint(2, 6)))
            if layout.full:
                break

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_auto_page_break(False)
    pdf.set_title(cp1252(plan.title))
    pdf.set_author(ORG)
    pdf.set_creator("Microsoft® Word 2013")
    pdf.set_producer("Microsoft® Word 2013")
    if plan.subject:
        pdf.set_subject(plan.kind_label)
    if plan.keywords:
        pdf.set_keywords(cp1252(plan.keywords))
    if plan.year:
        made = dt.datetime(plan.year, plan.month, 1, 10, 0, tzinfo=dt.UTC) + dt.timedelta(days=rng.randint(20, 120))
    else:
        made = dt.datetime(2022, 1, 1, tzinfo=dt.UTC)
    pdf.set_creation_date(made)
    date_label = f"{MONTHS[plan.month - 1]} {plan.year}" if plan.year else ""
    total = len(layout.pages) + 2

    # Cover.
    pdf.add_page()
    pdf.set_font("helvetica", "B", 12)
    pdf.text(LEFT, 30, ORG)
    pdf.set_font("helvetica", "", 10)
    pdf.text(LEFT, 36, "Centre de ressources politique de la ville")
    pdf.set_font("helvetica", "", 13)
    pdf.text(LEFT, 80, cp1252(plan.kind_label))
    pdf.set_font("helvetica", "B", 20)
    y = 95.0
    big = Measure("helvetica", "B", 20)
    for words, _ in _wrap(cp1252(plan.title).split(), big, WIDTH):
        pdf.text(LEFT, y, " ".join(w for w, _ in words))
        y += 9.5
    pdf.set_font("helvetica", "", 12)
    if plan.year:
        day = rng.randint(1, 28)
        weekday = ("lundi", "mardi", "mercredi", "jeudi", "vendredi")[rng.randrange(5)]
        pdf.text(LEFT, y + 8, f"Journée régionale du {weekday} {day} {MONTHS[plan.month - 1]} {plan.year}")
    pdf.text(LEFT, y + 15, cp1252(plan.place))
    if date_label:
        pdf.text(LEFT, 240, date_label[0].upper() + date_label[1:])
    pdf.set_font("helvetica", "", 9)
    pdf.text(LEFT, 285, f"{ORG_SHORT} · www.villesetterritoireslr.fr")

    short = cp1252(plan.title) if len(plan.title) <= 60 else cp1252(plan.title)[:60].rsplit(" ", 1)[0] + "…"
    footer_kind = cp1252(plan.kind_label) + (f" · {date_label}" if date_label else "")

    def furniture(number: int) -> None:
        pdf.set_font("helvetica", "", 8)
        pdf.text(LEFT, 15.5, f"{ORG_SHORT} · {short}")
        pdf.line(LEFT, 18.5, PAGE_W - RIGHT, 18.5)
        pdf.line(LEFT, 279.0, PAGE_W - RIGHT, 279.0)
        pdf.text(LEFT, 285.5, f"{footer_kind} — {number}")

    # « Sommaire ».
    pdf.add_page()
    furniture(2)
    pdf.set_font("helvetica", "B", 16)
    pdf.text(LEFT, TOP + 5, "Sommaire")
    pdf.set_font("times", "", 10.5)
    toc = Measure("times", "", 10.5)
    y = TOP + 18
    for title, page in chapters[:30]:
        title = cp1252(title)
        label = title if len(title) <= 70 else title[:70].rsplit(" ", 1)[0] + "…"
        number = str(page)
        dots = max(3, int((WIDTH - toc(label) - toc(number) - 4) / max(0.1, toc(" ."))))
        pdf.text(LEFT, y, f"{label} {' .' * dots} {number}")
        y += 7

    # Body pages.
    fonts = FONTS
    for number, ops in enumerate(layout.pages, start=3):
        pdf.add_page()
        furniture(number)
        current = None
        for key, x, y, text in ops:
            font_key = "body" if key == "line" else key
            if font_key != current:
                family, style, size = fonts[font_key]
                pdf.set_font(family, style, size)
                current = font_key
            if key == "line":
                draw_line(pdf, x, y, *text)  # type: ignore[misc]
            else:
                pdf.text(x, y, text)  # type: ignore[arg-type]
    data = bytes(pdf.output())
    if not plan.year:
        # An undated dossier declares no creation date (as the sample's): rename the key, same length.
        data = data.replace(b"/CreationDate", b"/XCreatedDate", 1)
    if plan.truncated:
        data = data[: int(len(data) * 0.6)]
    return data, total
