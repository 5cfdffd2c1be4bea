"""The two defective example PDFs placed on purpose in `corpus/dossiers/exemples-defectueux/`.

- `exemple-pdf-tronque-defectueux.pdf`: a real dossier of the renderer cut in half (no cross-reference
  table, no trailer, no catalogue: unreadable);
- `exemple-pdf-scanne-sans-texte.pdf`: three A4 pages that are only greyscale images of typed text,
  slightly skewed with specks, as a photocopier scans them; no text layer, metadata Title « Compte rendu
  scanné (exemple) ».

The scanned pages are drawn by a small pure-Python rasteriser (the bitmap font of `scanfont.py`) and
written as PNG by `png_bytes` (zlib + struct), so no imaging library is needed.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import random
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF

from .pdf_dossier import render_dossier
from .scanfont import DATA as FONT_DATA
from .sources import Block, Dossier

__all__ = ["SCANNED_NAME", "TRUNCATED_NAME", "png_bytes", "scanned_pdf", "truncated_pdf"]

FOLDER = "dossiers/exemples-defectueux"
TRUNCATED_NAME = f"{FOLDER}/exemple-pdf-tronque-defectueux.pdf"
SCANNED_NAME = f"{FOLDER}/exemple-pdf-scanne-sans-texte.pdf"
SCAN_TITLE = "Compte rendu scanné (exemple)"


def png_bytes(width: int, height: int, rows: list[bytearray]) -> bytes:
    """An 8-bit greyscale PNG from rows of pixel values (filter 0 on every row)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes(row) for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


@dataclass(frozen=True)
class Glyph:
    """A glyph of the bitmap font: advance, offset from the pen (baseline), size and ink (0..3) by pixel."""

    advance: int
    dx: int
    dy: int
    width: int
    height: int
    ink: bytes


def _load_font() -> tuple[int, dict[str, Glyph]]:
    data = zlib.decompress(base64.b64decode("".join(FONT_DATA)))
    size, count = struct.unpack_from(">HH", data, 0)
    offset = 4
    glyphs: dict[str, Glyph] = {}
    for _ in range(count):
        code, advance, dx, dy, width, height = struct.unpack_from(">IhhhBB", data, offset)
        offset += 12
        packed_len = (width * height + 3) // 4
        packed = data[offset : offset + packed_len]
        offset += packed_len
        ink = bytearray()
        for byte in packed:
            ink.extend((byte >> 6 & 3, byte >> 4 & 3, byte >> 2 & 3, byte & 3))
        glyphs[chr(code)] = Glyph(advance, dx, dy, width, height, bytes(ink[: width * height]))
    return size, glyphs


class ScanPage:
    """A greyscale page image with paper tone, a photocopy edge shadow, skewed text and specks."""

    def __init__(self, width: int, height: int, seed: int) -> None:
        self.width, self.height = width, height
        self.rng = random.Random(seed)
        self.rows = []
        for y in range(height):
            tone = 244 - (3 if (y // 97) % 2 else 0)
            row = bytearray([tone]) * width
            shadow = 26 + self.rng.randint(0, 3)
            for x in range(shadow):
                row[x] = 120 + x * 4
            self.rows.append(row)
        self.skew = 0.0065  # about 0.37 degree
        self.size, self.glyphs = _load_font()

    def text(self, x: int, y: int, text: str, darkness: int = 58) -> int:
        """Draw `text` with its baseline at (x, y); returns the end x."""
        for char in text:
            glyph = self.glyphs.get(char) or self.glyphs.get(_fallback(char)) or self.glyphs["?"]
            baseline = y + int(x * self.skew)
            self._blit(glyph, x + glyph.dx, baseline + glyph.dy, darkness)
            x += glyph.advance
        return x

    def measure(self, text: str) -> int:
        return sum((self.glyphs.get(c) or self.glyphs.get(_fallback(c)) or self.glyphs["?"]).advance for c in text)

    def _blit(self, glyph: Glyph, left: int, top: int, darkness: int) -> None:
        levels = (0, 0.45, 0.8, 1.0)
        for gy in range(glyph.height):
            y = top + gy
            if not 0 <= y < self.height:
                continue
            row = self.rows[y]
            base = gy * glyph.width
            for gx in range(glyph.width):
                ink = glyph.ink[base + gx]
                if ink:
                    x = left + gx
                    if 0 <= x < self.width:
                        old = row[x]
                        row[x] = int(old - (old - darkness) * levels[ink])

    def specks(self, count: int) -> None:
        for _ in range(count):
            x, y = self.rng.randrange(self.width), self.rng.randrange(self.height)
            for ddx in range(self.rng.randint(1, 3)):
                for ddy in range(self.rng.randint(1, 2)):
                    if x + ddx < self.width and y + ddy < self.height:
                        self.rows[y + ddy][x + ddx] = 90

    def png(self) -> bytes:
        return png_bytes(self.width, self.height, self.rows)


def _fallback(char: str) -> str:
    return {"\u00a0": " ", "\u202f": " ", "ﬁ": "f", "ﬂ": "f"}.get(char, "?")


SCAN_PAGES: tuple[tuple[str, ...], ...] = (
    (
        "# COMPTE RENDU",
        "Groupe de travail « conseils citoyens » du Languedoc-Roussillon",
        "Réunion du 20 octobre 2015 – Montpellier",
        "",
        "Présents : les chargés de mission politique de la ville de l’Aude, du Gard, de l’Hérault",
        "et des Pyrénées-Orientales, deux délégués du préfet, trois membres de conseils citoyens,",
        "l’équipe de Villes et Territoires LR (animation et compte rendu).",
        "",
        "## 1. Tour de table",
        "Chaque territoire présente l’état d’installation de ses conseils citoyens. Dans la plupart",
        "des contrats de ville, les arrêtés de composition ont été pris avant l’été ; le tirage au",
        "sort a été réalisé sur les listes électorales ou sur les fichiers des bailleurs sociaux.",
        "Plusieurs participants soulignent la difficulté de mobiliser les habitants tirés au sort,",
        "dont une part importante ne répond pas aux courriers d’invitation.",
        "",
        "## 2. Le collège des acteurs locaux",
        "Les associations de proximité se sont portées candidates en nombre variable selon les",
        "quartiers. Les commerçants et les professions libérales restent peu représentés. Le",
        "groupe s’interroge sur la place des structures déjà très impliquées dans les instances",
        "existantes (comités de quartier, conseils de maison du projet).",
    ),
    (
        "## 3. Fonctionnement et autonomie",
        "La question du portage des conseils citoyens revient dans tous les échanges : portage",
        "associatif, accompagnement par un centre social ou appui direct de la collectivité. Les",
        "participants rappellent que la loi du 21 février 2014 prévoit leur autonomie à l’égard",
        "des pouvoirs publics, ce qui suppose des moyens de fonctionnement identifiés (local,",
        "budget, formation des membres).",
        "",
        "Les délégués du préfet indiquent que des crédits peuvent être mobilisés pour la",
        "formation des conseillers citoyens. Un module commun pourrait être proposé à l’échelle",
        "régionale, en lien avec les centres sociaux et les écoles de la citoyenneté.",
        "",
        "## 4. Participation aux instances du contrat de ville",
        "Les conseils citoyens sont invités aux comités de pilotage dans la moitié des sites",
        "représentés. Ailleurs, leur participation se limite aux groupes thématiques. Les",
        "membres présents demandent que les documents soient transmis suffisamment tôt pour",
        "être discutés collectivement avant les réunions.",
    ),
    (
        "## 5. Suites proposées",
        "- réaliser un état des lieux régional des conseils citoyens au printemps 2016 ;",
        "- organiser une rencontre départementale dans l’Hérault puis dans le Gard ;",
        "- diffuser une fiche pratique sur le fonctionnement et les moyens des conseils ;",
        "- mettre en place un espace d’échange entre conseillers citoyens des différents sites.",
        "",
        "Prochaine réunion du groupe de travail : janvier 2016, à Nîmes (date à confirmer).",
        "",
        "Compte rendu rédigé par Villes et Territoires LR – diffusion aux participants.",
    ),
)


def scanned_pdf() -> bytes:
    """Three A4 pages made only of images of typed text (no text layer), deterministic."""
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_title(SCAN_TITLE)
    pdf.set_creator("Canon iR-ADV C5535 PDF")
    pdf.set_producer("Adobe PSL 1.3e for Canon")
    pdf.set_creation_date(dt.datetime(2015, 11, 5, 14, 32, tzinfo=dt.timezone(dt.timedelta(hours=1))))
    width, height = 992, 1403  # A4 at 120 dpi
    for number, lines in enumerate(SCAN_PAGES, start=1):
        page = ScanPage(width, height, seed=number)
        y = 170
        for line in lines:
            if line.startswith("# "):
                text = line[2:]
                page.text((width - page.measure(text)) // 2, y, text, darkness=40)
                y += 52
            elif line.startswith("## "):
                page.text(120, y + 8, line[3:], darkness=35)
                y += 44
            elif line.startswith("- "):
                page.text(140, y, "–")
                page.text(168, y, line[2:])
                y += 33
            elif line:
                page.text(120, y, line)
                y += 33
            else:
                y += 18
        footer = f"Villes et Territoires LR – compte rendu du 20/10/2015 – page {number}/3"
        page.text((width - page.measure(footer)) // 2, height - 90, footer, darkness=80)
        page.specks(140)
        pdf.add_page()
        pdf.image(io.BytesIO(page.png()), x=0, y=0, w=210, h=297)
    return bytes(pdf.output())


def _example_dossier() -> Dossier:
    paragraph = (
        "Ce document d’exemple a été produit par le générateur du corpus puis tronqué volontairement : "
        "la seconde moitié du fichier manque, avec la table des références croisées et le catalogue. "
        "Un lecteur de PDF ne peut donc pas l’ouvrir, et l’indexeur doit le signaler comme défectueux "
        "sans interrompre le traitement des autres fichiers."
    )
    blocks = [Block("h1", 1, text="Synthèse des ateliers de l’après-midi")]
    for index in range(6):
        blocks.append(Block("h2", 2, text=f"Atelier {index + 1} : échanges entre les participants"))
        blocks.extend(Block("para", 3, text=paragraph) for _ in range(3))
    return Dossier(
        source=Path("exemple-tronque.txt"),
        id="exemple-tronque",
        file=TRUNCATED_NAME,
        title="Synthèse des ateliers (exemple de PDF tronqué)",
        subtitle="Synthèse",
        cover_date="Juin 2016",
        cover_lines=["Exemple de fichier défectueux"],
        running_header="Villes et Territoires LR · Synthèse des ateliers",
        running_footer="Synthèse · juin 2016",
        metadata=True,
        meta_title="Synthèse des ateliers (exemple)",
        meta_subject="Synthèse",
        meta_keywords="exemple, fichier défectueux",
        meta_author="Villes et Territoires Languedoc-Roussillon",
        meta_creation_date=dt.date(2016, 6, 30),
        ligatures=False,
        accents="normal",
        blocks=blocks,
    )


def truncated_pdf() -> bytes:
    """A real dossier of the renderer cut in half."""
    data = render_dossier(_example_dossier()).data
    return data[: len(data) // 2]
