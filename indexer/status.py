"""What the index holds: counts by format, type, year, theme and text extractor, pages read by OCR and left
unread, failures, empty and skipped files, last run."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexer.records import KIND_DOC, KIND_FAILURE, StoredDoc
from indexer.store import open_index, read_last_run
from indexer.vocab import theme_labels, type_labels


def index_status(index_root: Path) -> dict[str, Any]:
    """The status object of `python -m indexer status --json` (keys fixed by docs/architecture.md)."""
    ix = open_index(index_root)
    by_format: Counter[str] = Counter()
    by_type: Counter[str] = Counter()
    by_year: Counter[str] = Counter()
    by_theme: Counter[str] = Counter()
    by_extractor: Counter[str] = Counter()
    ocr = _OcrCounts()
    failures: list[dict[str, str]] = []
    empty: list[dict[str, str]] = []
    documents = pages = 0
    labels = theme_labels()
    try:
        with ix.searcher() as searcher:
            for fields in searcher.documents(kind=KIND_DOC):
                doc = StoredDoc(fields)
                documents += 1
                pages += doc.page_count
                by_format[doc.format or "?"] += 1
                by_type.update(value for value in doc.types if value not in ("html", "pdf"))
                by_year[doc.year_facet] += 1
                by_theme.update(labels.get(slug, slug) for slug in doc.themes)
                by_extractor[doc.text_extractor or "?"] += 1
                ocr.add(doc)
                if doc.empty_reason:
                    empty.append({"path": doc.path, "reason": doc.empty_reason})
            for fields in searcher.documents(kind=KIND_FAILURE):
                failures.append({"path": fields["path"], "reason": StoredDoc(fields).reason})
    finally:
        ix.close()
    tlabels = type_labels()
    last_run = read_last_run(index_root)
    return {
        "documents": documents,
        "pages": pages,
        "by_format": {"html": by_format.get("html", 0), "pdf": by_format.get("pdf", 0)},
        "by_type": dict(sorted(by_type.items(), key=lambda kv: (-kv[1], kv[0]))),
        "by_type_label": {tlabels.get(k, k): v for k, v in sorted(by_type.items(), key=lambda kv: (-kv[1], kv[0]))},
        "by_year": dict(sorted(by_year.items(), key=lambda kv: kv[0], reverse=True)),
        "by_theme": dict(sorted(by_theme.items(), key=lambda kv: (-kv[1], kv[0]))),
        "by_extractor": dict(sorted(by_extractor.items(), key=lambda kv: (-kv[1], kv[0]))),
        "ocr": ocr.summary(),
        "failures": sorted(failures, key=lambda f: f["path"]),
        "empty": sorted(empty, key=lambda f: f["path"]),
        "skipped": _skipped(last_run),
        "last_run": last_run,
        "index": str(index_root),
    }


@dataclass
class _OcrCounts:
    """Documents and pages read by OCR, and pages OCR left unread, with their reasons."""

    documents: list[dict[str, Any]] = field(default_factory=list)
    unread: list[dict[str, Any]] = field(default_factory=list)

    def add(self, doc: StoredDoc) -> None:
        if doc.ocr_pages:
            self.documents.append({"path": doc.path, "pages": doc.ocr_pages})
        if doc.unread_pages:
            self.unread.append({"path": doc.path, "pages": doc.unread_pages, "reason": doc.unread_reason or ""})

    def summary(self) -> dict[str, Any]:
        """`documents` and `pages` read by OCR, the list of those documents, and `unread` pages."""
        return {
            "documents": len(self.documents),
            "pages": sum(len(d["pages"]) for d in self.documents),
            "list": sorted(self.documents, key=lambda d: d["path"]),
            "unread_pages": sum(len(d["pages"]) for d in self.unread),
            "unread": sorted(self.unread, key=lambda d: d["path"]),
        }


def _skipped(last_run: dict[str, Any] | None) -> list[dict[str, str]]:
    """Files of the corpus folder the last run did not index on purpose (unsupported format, link
    leading outside…), with their reasons, as the scan of that run found them."""
    if not last_run:
        return []
    items = last_run.get("skipped_paths") or []
    return sorted(
        ({"path": str(i.get("path", "")), "reason": str(i.get("reason", ""))} for i in items if isinstance(i, dict)),
        key=lambda f: f["path"],
    )
