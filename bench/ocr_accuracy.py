"""Benchmark: word accuracy of the OCR on the sample corpus's scans, against the text they were drawn from.

    python bench/ocr_accuracy.py [--corpus corpus] [--json bench/out/ocr_accuracy.json]

The two scans of the sample corpus are drawn by the corpus tool from known lines (`corpus_render.defects.
SCAN_PAGES`, `corpus_render.scan_convention.CONVENTION_PAGES` and its table). Each is extracted by the
product (`extract_pdf`: PDFium renders, Tesseract reads, the text is normalised) and its words are aligned
with the source words of the same page (`difflib`, in order). Word accuracy = source words found at their
place / source words. Two readings: « exact » (case, accents and punctuation marks as drawn, apostrophes
unified) and « as indexed » (case-folded and accents removed, as the analyser compares words). Page
footers are not counted in the source (normalisation may drop them as running lines).
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
import time
import unicodedata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from corpus_render import defects, scan_convention  # noqa: E402

from indexer.config import Settings  # noqa: E402
from indexer.extract.pdf import extract_pdf  # noqa: E402

_WORD = re.compile(r"\w+(?:[’']\w+)*|[«»;:?!€%]")


def _source_pages(pages: tuple[tuple[str, ...], ...], table: tuple[tuple[str, ...], ...] = ()) -> list[str]:
    texts = []
    for lines in pages:
        kept = []
        for line in lines:
            if line == "@table":
                kept.extend(" ".join(row) for row in table)
            elif line:
                kept.append(re.sub(r"^(?:#+|-) ", "", line))
        texts.append("\n".join(kept))
    return texts


def _words(text: str, folded: bool) -> list[str]:
    text = text.replace("’", "'").replace("–", "-")
    if folded:
        text = "".join(c for c in unicodedata.normalize("NFD", text.casefold()) if not unicodedata.combining(c))
    return _WORD.findall(text.replace("'", "’"))


def _accuracy(source: str, read: str, folded: bool) -> tuple[int, int]:
    wanted, got = _words(source, folded), _words(read, folded)
    matcher = difflib.SequenceMatcher(a=wanted, b=got, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()), len(wanted)


def measure(corpus: Path, settings: Settings) -> dict[str, Any]:
    """Word accuracy per scan and page, and overall, with the OCR time."""
    scans = {
        defects.SCANNED_NAME: _source_pages(defects.SCAN_PAGES),
        scan_convention.CONVENTION_NAME: _source_pages(
            scan_convention.CONVENTION_PAGES, scan_convention.CONVENTION_TABLE
        ),
    }
    report: dict[str, Any] = {"files": {}}
    totals = {"exact": [0, 0], "as_indexed": [0, 0]}
    for name, sources in scans.items():
        started = time.perf_counter()
        document = extract_pdf((corpus / name).read_bytes(), name, settings)
        seconds = time.perf_counter() - started
        pages = []
        for source, read in zip(sources, document.pages, strict=True):
            page = {}
            for label, folded in (("exact", False), ("as_indexed", True)):
                found, total = _accuracy(source, read, folded)
                totals[label][0] += found
                totals[label][1] += total
                page[label] = round(100 * found / total, 1)
            pages.append(page)
        report["files"][name] = {"seconds": round(seconds, 2), "ocr_pages": document.ocr_pages, "pages": pages}
    for label, (found, total) in totals.items():
        report[f"word_accuracy_{label}_percent"] = round(100 * found / total, 1)
        report["source_words"] = total
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(ROOT / "corpus"))
    parser.add_argument("--json", default="bench/out/ocr_accuracy.json")
    args = parser.parse_args()
    report = measure(Path(args.corpus), Settings.load())
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    for name, figures in report["files"].items():
        shown = ", ".join(f"p{n} {p['exact']} % / {p['as_indexed']} %" for n, p in enumerate(figures["pages"], 1))
        print(f"{name}: {figures['seconds']} s; exact / as indexed: {shown}")
    print(
        f"Word accuracy over {report['source_words']} source words: exact {report['word_accuracy_exact_percent']} %, "
        f"as indexed {report['word_accuracy_as_indexed_percent']} %"
    )
    print(f"Report: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
