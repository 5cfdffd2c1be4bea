"""A second scanned example: a signed partnership agreement, three pages, a budget table, a stamp.

Drawn by the rasteriser of `defects` (its bitmap font, paper tone, photocopy edge and specks) with a
stronger skew (about 0.7 degree), ruled table cells, a round stamp and a handwritten-looking signature.
No text layer: the indexer must read it by OCR. `CONVENTION_PAGES` is also the source text against which
the benchmark measures OCR word accuracy (`bench/ocr_accuracy.py`).
"""

from __future__ import annotations

import datetime as dt
import io
import math

from fpdf import FPDF

from .defects import ScanPage

__all__ = ["CONVENTION_NAME", "CONVENTION_PAGES", "CONVENTION_TABLE", "convention_pdf"]

CONVENTION_NAME = "dossiers/2017/convention-partenariat-conseil-citoyen-lunel-scan.pdf"
TITLE = "Convention de partenariat avec le conseil citoyen de Lunel"
_SKEW = 0.012
_WIDTH, _HEIGHT = 992, 1403  # A4 at 120 dpi

CONVENTION_PAGES: tuple[tuple[str, ...], ...] = (
    (
        "# CONVENTION DE PARTENARIAT",
        "entre la commune de Lunel et l’association Lunel Ensemble,",
        "structure porteuse du conseil citoyen du quartier Centre historique",
        "",
        "## Article 1 – Objet",
        "La présente convention fixe les conditions dans lesquelles l’association",
        "accueille le conseil citoyen et lui apporte un appui logistique : mise à",
        "disposition d’une salle de réunion, reprographie, affranchissement.",
        "",
        "## Article 2 – Engagements de la commune",
        "La commune verse une subvention de fonctionnement et associe le conseil",
        "citoyen aux comités techniques et au comité de pilotage du contrat de ville.",
        "Elle transmet les documents de travail quinze jours avant chaque séance.",
    ),
    (
        "## Article 3 – Financement",
        "Le plan de financement prévisionnel pour l’année 2017 est le suivant :",
        "",
        "@table",
        "",
        "Les crédits de l’État relèvent du programme 147 « politique de la ville ».",
        "Toute modification du plan de financement fait l’objet d’un avenant.",
        "",
        "## Article 4 – Autonomie du conseil citoyen",
        "L’association s’interdit toute intervention dans les avis rendus par le",
        "conseil citoyen, qui arrête librement son ordre du jour et ses positions.",
    ),
    (
        "## Article 5 – Durée et évaluation",
        "La convention est conclue pour une durée d’un an, renouvelable par",
        "reconduction expresse. Un bilan annuel est présenté en comité de pilotage.",
        "",
        "Fait à Lunel, le 14 mars 2017, en deux exemplaires originaux.",
        "",
        "Pour la commune, le maire          Pour l’association, la présidente",
    ),
)

CONVENTION_TABLE: tuple[tuple[str, str, str], ...] = (
    ("Poste de dépense", "Financeur", "Montant"),
    ("Salle et fluides", "Commune de Lunel", "2 400 €"),
    ("Formation des membres", "État (CGET)", "1 800 €"),
    ("Reprographie", "Conseil départemental", "600 €"),
    ("Total", "", "4 800 €"),
)


def _rule(page: ScanPage, start: tuple[int, int], end: tuple[int, int], darkness: int = 70) -> None:
    """A one-pixel line, skewed like the text."""
    (x0, y0), (x1, y1) = start, end
    steps = max(abs(x1 - x0), abs(y1 - y0), 1)
    for step in range(steps + 1):
        x = x0 + (x1 - x0) * step // steps
        y = y0 + (y1 - y0) * step // steps + int(x * page.skew)
        if 0 <= x < page.width and 0 <= y < page.height:
            page.rows[y][x] = darkness


def _table(page: ScanPage, top: int) -> int:
    columns = (120, 430, 720, 870)
    row_height = 50
    for number, cells in enumerate(CONVENTION_TABLE):
        y = top + number * row_height
        _rule(page, (columns[0], y), (columns[-1], y))
        for left, cell in zip(columns, cells, strict=False):
            page.text(left + 14, y + 34, cell, darkness=45 if number == 0 else 58)
    bottom = top + len(CONVENTION_TABLE) * row_height
    _rule(page, (columns[0], bottom), (columns[-1], bottom))
    for x in columns:
        _rule(page, (x, top), (x, bottom))
    return bottom + 20


def _stamp(page: ScanPage, centre: tuple[int, int], radius: int) -> None:
    """A round rubber stamp: two circles, grey-blue ink, and a word across."""
    cx, cy = centre
    for r in (radius, radius - 8):
        for degree in range(0, 720):
            angle = math.radians(degree / 2)
            x, y = int(cx + r * math.cos(angle)), int(cy + r * math.sin(angle))
            for dx in (0, 1):
                if 0 <= x + dx < page.width and 0 <= y < page.height:
                    page.rows[y][x + dx] = 110
    page.text(cx - page.measure("MAIRIE") // 2, cy + 8, "MAIRIE", darkness=110)


def _signature(page: ScanPage, left: int, baseline: int) -> None:
    """A looping pen stroke."""
    for step in range(900):
        t = step / 900
        x = int(left + 220 * t + 18 * math.sin(t * 31))
        y = int(baseline - 25 * math.sin(t * 9) * (1 - t) - 12 * math.cos(t * 31))
        for dy in (0, 1):
            if 0 <= x < page.width and 0 <= y + dy < page.height:
                page.rows[y + dy][x] = 50


def _render_page(number: int, lines: tuple[str, ...]) -> bytes:
    page = ScanPage(_WIDTH, _HEIGHT, seed=40 + number)
    page.skew = _SKEW
    y = 170
    for line in lines:
        if line == "@table":
            y = _table(page, y)
        elif line.startswith("# "):
            page.text((_WIDTH - page.measure(line[2:])) // 2, y, line[2:], darkness=40)
            y += 56
        elif line.startswith("## "):
            page.text(120, y + 8, line[3:], darkness=35)
            y += 44
        elif line:
            page.text(120, y, line)
            y += 33
        else:
            y += 18
    if number == len(CONVENTION_PAGES):
        _signature(page, 150, y + 90)
        _signature(page, 560, y + 100)
        _stamp(page, (300, y + 120), 70)
    footer = f"Convention conseil citoyen Lunel – 2017 – {number}/{len(CONVENTION_PAGES)}"
    page.text((_WIDTH - page.measure(footer)) // 2, _HEIGHT - 90, footer, darkness=80)
    page.specks(180)
    return page.png()


def convention_pdf() -> bytes:
    """Three A4 pages made only of images (no text layer), deterministic."""
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_title(TITLE)
    pdf.set_creator("RICOH MP C3004 scanner")
    pdf.set_producer("RICOH MP C3004")
    pdf.set_creation_date(dt.datetime(2017, 3, 20, 9, 12, tzinfo=dt.timezone(dt.timedelta(hours=1))))
    for number, lines in enumerate(CONVENTION_PAGES, start=1):
        pdf.add_page()
        pdf.image(io.BytesIO(_render_page(number, lines)), x=0, y=0, w=210, h=297)
    return bytes(pdf.output())
