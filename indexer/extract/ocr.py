"""OCR of PDF pages without a text layer: PDFium renders the page, Tesseract reads it.

A scanned page holds a full-page image and no text (or a few stray characters). It is rendered in
greyscale at the scan's own resolution (at least 150 dpi, at most `Settings.ocr_dpi`, lower when the
image would exceed `Settings.ocr_max_pixels`) and given to the `tesseract` command as a PGM image on its
standard input, with the languages of `Settings.ocr_languages` (French first, English second). Each page
has a time limit (`Settings.ocr_page_timeout`); a file has a cap on OCR'd pages (`Settings.ocr_max_pages`)
and never spends more than most of its extraction time limit on OCR. A page that cannot be read keeps its empty
text and is reported with a French reason (« OCR indisponible », « OCR interrompu : … »).

Tesseract runs one thread per process (``OMP_THREAD_LIMIT=1``): the extraction workers already keep
both cores busy, and Tesseract's own threads only add contention there.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from indexer.config import Settings

__all__ = [
    "OCR_DISABLED",
    "OCR_NOT_RUN",
    "OCR_UNAVAILABLE",
    "OCR_UNAVAILABLE_PREFIX",
    "OcrOutcome",
    "PageReader",
    "needs_ocr",
    "ocr_available",
    "render_page",
]

logger = logging.getLogger(__name__)

OCR_UNAVAILABLE_PREFIX = "OCR indisponible"
OCR_UNAVAILABLE = f"{OCR_UNAVAILABLE_PREFIX} : Tesseract n’est pas installé"
OCR_DISABLED = "OCR désactivé par CRPV_OCR_COMMAND=off"
# Reasons of pages left unread because OCR did not run at all: such an extraction is not cached.
OCR_NOT_RUN = (OCR_UNAVAILABLE_PREFIX, OCR_DISABLED)
# Below this many letters, a page that holds a large image has no usable text layer.
MIN_PAGE_LETTERS = 20
# Never below: Tesseract reads small type badly under about 150 dpi.
MIN_DPI = 150
# Share of the page an image must cover for the page to count as a scan.
_MIN_IMAGE_COVER = 0.3
# Share of the file's extraction time limit that OCR may use; the rest stays for the other pages.
_TIME_SHARE = 0.75


@dataclass
class OcrOutcome:
    """What OCR did in one file: pages read (1-based), pages left unread and why."""

    pages: list[int] = field(default_factory=list)
    unread: list[int] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def leave_unread(self, number: int, reason: str) -> None:
        """Record page `number` as unread, keeping each distinct reason once."""
        self.unread.append(number)
        if reason not in self.reasons:
            self.reasons.append(reason)


def ocr_disabled(settings: Settings) -> bool:
    """Whether OCR is turned off by the settings (``CRPV_OCR_COMMAND=off``)."""
    return settings.ocr_command.strip().lower() in ("", "off")


def ocr_available(settings: Settings) -> str | None:
    """The Tesseract executable to run, or None when OCR is off or Tesseract is not installed."""
    if ocr_disabled(settings):
        return None
    return shutil.which(settings.ocr_command)


def _largest_image(page: pdfium.PdfPage) -> tuple[float, float]:
    """The share of the page the largest image covers, and that image's resolution in dots per inch."""
    width, height = page.get_size()
    area = max(width * height, 1.0)
    best, dpi = 0.0, 0.0
    for image in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=3):
        left, bottom, right, top = image.get_bounds()
        cover = abs(right - left) * abs(top - bottom) / area
        if cover > best:
            pixels_wide = image.get_px_size()[0]
            best, dpi = cover, pixels_wide / max(abs(right - left) / 72, 1e-6)
    return best, dpi


def needs_ocr(page: pdfium.PdfPage, text: str) -> bool:
    """Whether a page has no usable text layer: almost no letters, and a large image to read instead."""
    if sum(char.isalpha() for char in text) >= MIN_PAGE_LETTERS:
        return False
    return _largest_image(page)[0] >= _MIN_IMAGE_COVER


def ocr_resolution(page: pdfium.PdfPage, settings: Settings) -> int:
    """The scan's own resolution, within [`MIN_DPI`, `settings.ocr_dpi`].

    Rendering a scan above its own resolution adds no detail, and Tesseract's page layout analysis then
    takes ruled tables for pictures and drops their text.
    """
    native = _largest_image(page)[1]
    return int(min(settings.ocr_dpi, max(MIN_DPI, native or settings.ocr_dpi)))


def render_page(page: pdfium.PdfPage, dpi: int, max_pixels: int) -> bytes:
    """The page rendered in greyscale as a binary PGM image, at `dpi` or less to stay under `max_pixels`."""
    width, height = page.get_size()  # in points (1/72 inch)
    scale = dpi / 72
    while math.ceil(width * scale) * math.ceil(height * scale) > max_pixels and scale > 0.01:
        scale *= min(0.99, (max_pixels / (width * height * scale * scale)) ** 0.5)
    bitmap = page.render(scale=scale, grayscale=True)
    try:
        array = bitmap.to_numpy()
        rows, columns = array.shape[0], array.shape[1]
        header = f"P5\n{columns} {rows}\n255\n".encode("ascii")
        return header + array.reshape(rows, -1)[:, :columns].tobytes()
    finally:
        bitmap.close()


class PageReader:
    """Reads the scanned pages of one file with Tesseract, within the per-page and per-file limits."""

    def __init__(self, settings: Settings, started: float) -> None:
        self.settings = settings
        self.executable = ocr_available(settings)
        self.outcome = OcrOutcome()
        budget = settings.extraction_timeout * _TIME_SHARE if settings.extraction_timeout > 0 else 0.0
        self.deadline = started + budget if budget else None

    def read(self, page: pdfium.PdfPage, number: int) -> str:
        """The OCR text of page `number` (1-based), or "" when it is left unread (recorded in `outcome`)."""
        reason = self._refusal()
        if reason:
            self.outcome.leave_unread(number, reason)
            return ""
        started = time.monotonic()
        try:
            text = self._tesseract(self._render(page))
        except OcrPageError as error:
            logger.warning("page %d: %s", number, error.reason)
            self.outcome.leave_unread(number, error.reason)
            return ""
        finally:
            self.outcome.seconds += time.monotonic() - started
        self.outcome.pages.append(number)
        return text

    def _refusal(self) -> str | None:
        if self.executable is None:
            return OCR_DISABLED if ocr_disabled(self.settings) else OCR_UNAVAILABLE
        if len(self.outcome.pages) >= self.settings.ocr_max_pages:
            cap = self.settings.ocr_max_pages
            return f"OCR limité à {cap} page{'s' if cap > 1 else ''} par fichier"
        if self.deadline is not None and time.monotonic() > self.deadline:
            return "OCR interrompu : limite de temps du fichier atteinte"
        return None

    def _render(self, page: pdfium.PdfPage) -> bytes:
        try:
            return render_page(page, ocr_resolution(page, self.settings), self.settings.ocr_max_pixels)
        except pdfium.PdfiumError as error:
            raise OcrPageError(f"OCR impossible : la page ne se rend pas en image ({error})") from error

    def _tesseract(self, image: bytes) -> str:
        assert self.executable is not None
        command = [self.executable, "stdin", "stdout", "-l", self.settings.ocr_languages, "--psm", "3"]
        environment = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        try:
            result = subprocess.run(
                command,
                input=image,
                capture_output=True,
                timeout=self.settings.ocr_page_timeout or None,
                env=environment,
                check=False,
            )
        except subprocess.TimeoutExpired as error:
            limit = f"{self.settings.ocr_page_timeout:g}".replace(".", ",")
            raise OcrPageError(f"OCR interrompu : plus de {limit} s pour la page") from error
        except OSError as error:
            raise OcrPageError(f"OCR impossible ({error.strerror or error})") from error
        if result.returncode != 0:
            raise OcrPageError(_failure_reason(result.stderr.decode("utf-8", "replace"), self.settings))
        return result.stdout.decode("utf-8", "replace")


class OcrPageError(Exception):
    """A page Tesseract could not read; `reason` in French."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _failure_reason(stderr: str, settings: Settings) -> str:
    if "Failed loading language" in stderr or "Could not initialize tesseract" in stderr:
        return f"{OCR_UNAVAILABLE_PREFIX} : langues « {settings.ocr_languages} » de Tesseract non installées"
    detail = " ".join(stderr.split())[:120]
    return f"OCR en échec ({detail})" if detail else "OCR en échec"
