"""Benchmark: the PDF libraries alone on a corpus (PDFium against pypdf), and what OCR costs.

    python bench/pdf_extractors.py [--corpus corpus] [--json bench/out/pdf_extractors.json]

For every PDF of the corpus: the raw text of every page by PDFium (`get_text_range`) and by pypdf
(`extract_text`), timed separately, one process, no normalisation; then the product's PDF extraction
(`extract_pdf`) with OCR off and on, whose difference is the OCR time. Reports seconds per library, per
page, the share of words of 25 letters or more each library gives (glued words), the pages OCR'd and the
OCR seconds per page. Times are CPU seconds (this process and, for Tesseract, its children): on a machine
shared with other work, wall-clock times vary several-fold from run to run, CPU times much less. Also used
by `build_split.py`.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import resource
import sys
import time
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pypdfium2 as pdfium
from pypdf import PdfReader

from indexer.config import Settings
from indexer.errors import ExtractionError
from indexer.extract.pdf import extract_pdf

_LETTERS = re.compile(r"[^\W\d_]+")


def _pdfium_pages(data: bytes) -> list[str]:
    document = pdfium.PdfDocument(data)
    try:
        return [document[i].get_textpage().get_text_range() for i in range(len(document))]
    finally:
        document.close()


def _pypdf_pages(data: bytes) -> list[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            reader.decrypt("")
        return [page.extract_text() or "" for page in reader.pages]


def _long_share(pages: list[str]) -> float:
    tokens = [token for page in pages for token in _LETTERS.findall(page)]
    return round(100 * sum(len(t) >= 25 for t in tokens) / max(len(tokens), 1), 3)


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (Tesseract)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _timed(function: Any, data: bytes) -> tuple[list[str], float]:
    started = cpu_seconds()
    try:
        pages = function(data)
    except Exception:  # a damaged example of the corpus: no text from this library
        pages = []
    return pages, cpu_seconds() - started


def library_times(corpus: Path) -> dict[str, Any]:
    """Raw text of every PDF page by each library: seconds, pages, share of long (glued) words."""
    result: dict[str, Any] = {}
    files = sorted(corpus.rglob("*.pdf"))
    for name, function in (("pdfium", _pdfium_pages), ("pypdf", _pypdf_pages)):
        seconds, all_pages = 0.0, []
        for path in files:
            pages, spent = _timed(function, path.read_bytes())
            seconds += spent
            all_pages.extend(pages)
        result[name] = {
            "seconds": round(seconds, 3),
            "pages": len(all_pages),
            "ms_per_page": round(1000 * seconds / max(len(all_pages), 1), 2),
            "long_words_percent": _long_share(all_pages),
        }
    return result


def ocr_cost(corpus: Path, settings: Settings) -> dict[str, Any]:
    """The product's PDF extraction with OCR off, then on: OCR seconds, pages, seconds per page."""
    files = sorted(corpus.rglob("*.pdf"))
    totals = {}
    pages_ocr = 0
    extractors: dict[str, int] = {}
    for label, current in (("ocr_off", replace(settings, ocr_command="off")), ("ocr_on", settings)):
        started = cpu_seconds()
        for path in files:
            try:
                document = extract_pdf(path.read_bytes(), str(path.relative_to(corpus)), current)
            except ExtractionError:
                continue
            if label == "ocr_on":
                pages_ocr += len(document.ocr_pages)
                extractors[document.extractor] = extractors.get(document.extractor, 0) + 1
        totals[label] = cpu_seconds() - started
    ocr_seconds = max(totals["ocr_on"] - totals["ocr_off"], 0.0)
    return {
        "pdf_extraction_ocr_off": round(totals["ocr_off"], 3),
        "pdf_extraction_ocr_on": round(totals["ocr_on"], 3),
        "ocr_seconds": round(ocr_seconds, 3),
        "ocr_pages": pages_ocr,
        "ocr_seconds_per_page": round(ocr_seconds / pages_ocr, 3) if pages_ocr else None,
        "documents_by_extractor": extractors,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="corpus")
    parser.add_argument("--json", default="bench/out/pdf_extractors.json")
    args = parser.parse_args()
    corpus = Path(args.corpus)
    report = {"libraries": library_times(corpus), "ocr": ocr_cost(corpus, Settings.load(corpus=corpus))}
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    for name, figures in report["libraries"].items():
        print(
            f"{name:<7} {figures['seconds']:7.3f} s for {figures['pages']} pages "
            f"({figures['ms_per_page']} ms/page), words of 25+ letters: {figures['long_words_percent']} %"
        )
    ocr = report["ocr"]
    print(
        f"extract_pdf: {ocr['pdf_extraction_ocr_off']} s without OCR, {ocr['pdf_extraction_ocr_on']} s with OCR "
        f"({ocr['ocr_pages']} pages OCR'd, {ocr['ocr_seconds_per_page']} s/page); "
        f"documents by extractor: {ocr['documents_by_extractor']}"
    )
    print(f"Report: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
