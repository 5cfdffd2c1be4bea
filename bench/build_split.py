"""Benchmark: where the time of a full build of a corpus goes.

Splits a full build into HTML extraction, PDF extraction (single process, no cache, so PDFium, pypdf,
Tesseract and BeautifulSoup really run), enrichment, and analysis plus writing (the Whoosh writer, which
runs the French analyser), then times the real `build_index` (worker processes, cold and warm cache).
Reports peak memory, the documents by extractor (« pdfium », « pypdf », « html »), the pages OCR'd, and
the OCR time (the PDF extraction with OCR off and on, see `pdf_extractors.py`) with its share of the CPU
time of the single-process build.

It also splits the engine's own analysis and writing, as a build does them (CPU seconds, one process): each
text field analysed as the extraction workers do (`schema.pre_analyse`), then the postings added and committed by
the engine's writer (`whoosh_writer.open_writer`); `commit` is the part no other process can share.

    python bench/build_split.py [--corpus corpus] [--json bench/out/build_split.json]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pdf_extractors import cpu_seconds, ocr_cost
from whoosh import index as whoosh_index

from indexer.build import build_index, enrich_all
from indexer.catalogue import load_catalogue
from indexer.config import Settings
from indexer.corpus import Failure, scan_corpus
from indexer.extraction import extract_one
from indexer.records import doc_records, failure_record, text_values
from indexer.schema import analyse_field, build_schema, pre_analyse
from indexer.whoosh_writer import open_writer


def engine_split(docs: dict) -> dict[str, dict[str, float]]:
    """CPU seconds of the analysis of each text field, and of the engine writer's add and commit."""
    schema = build_schema()
    by_field: dict[str, float] = {}
    for doc in docs.values():
        for name, value in text_values(doc).items():
            started = time.process_time()
            analyse_field(schema, name, value)
            by_field[name] = by_field.get(name, 0.0) + time.process_time() - started
        started = time.process_time()
        for text in doc.pages:
            list(schema["page_body"].index(text))
        by_field["page_body"] = by_field.get("page_body", 0.0) + time.process_time() - started
    started = time.process_time()
    for doc in docs.values():
        doc.analysed = pre_analyse(doc)
    analysis = time.process_time() - started
    with tempfile.TemporaryDirectory() as tmp:
        ix = whoosh_index.create_in(tmp, schema)
        writer = open_writer(ix, limitmb=256)
        started = time.process_time()
        for path in sorted(docs):
            for record in doc_records(docs[path]):
                writer.add_document(**record)
        added = time.process_time()
        writer.commit()
        committed = time.process_time()
        ix.close()
    return {
        "analysis_by_field": {name: round(value, 3) for name, value in by_field.items()},
        "engine": {
            "analysis": round(analysis, 3),
            "add": round(added - started, 3),
            "commit": round(committed - added, 3),
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="corpus")
    parser.add_argument("--json", default="bench/out/build_split.json")
    args = parser.parse_args()
    corpus = Path(args.corpus)
    settings = Settings.load(corpus=corpus, workers=1)
    files, _ = scan_corpus(corpus)
    html = [f for f in files.values() if not f.path.lower().endswith(".pdf")]
    pdf = [f for f in files.values() if f.path.lower().endswith(".pdf")]

    def run(batch):
        t = time.perf_counter()
        out = [extract_one(corpus, f, settings, None) for f in batch]
        return out, time.perf_counter() - t

    cpu_started = cpu_seconds()
    html_docs, t_html = run(html)
    pdf_docs, t_pdf = run(pdf)
    docs = {d.path: d for d in html_docs + pdf_docs if not isinstance(d, Failure)}
    failures = [d for d in html_docs + pdf_docs if isinstance(d, Failure)]
    t = time.perf_counter()
    enrich_all(docs, files.keys(), load_catalogue(corpus))
    t_enrich = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        ix = whoosh_index.create_in(tmp, build_schema())
        writer = ix.writer(limitmb=256)
        for path in sorted(docs):
            for record in doc_records(docs[path]):
                writer.add_document(**record)
        for failure in failures:
            writer.add_document(**failure_record(failure))
        writer.commit()
        ix.close()
        t_write = time.perf_counter() - t
    build_cpu = cpu_seconds() - cpu_started
    split = engine_split(docs)
    with tempfile.TemporaryDirectory() as tmp:
        real = Settings.load(corpus=corpus, index=Path(tmp))
        t = time.perf_counter()
        build_index(real)
        t_cold = time.perf_counter() - t
        t = time.perf_counter()
        build_index(real)
        t_warm = time.perf_counter() - t
    pages = sum(d.page_count for d in docs.values() if d.format == "pdf")
    extractors: dict[str, int] = {}
    for doc in docs.values():
        extractors[doc.extractor] = extractors.get(doc.extractor, 0) + 1
    ocr = ocr_cost(corpus, settings)
    chars = sum(len(d.text) for d in docs.values())
    peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    report = {
        "corpus": str(corpus),
        "html_files": len(html),
        "pdf_files": len(pdf),
        "pdf_pages": pages,
        "text_mb": round(chars / 1e6, 2),
        "failures": len(failures),
        "seconds": {
            "html_extraction": round(t_html, 3),
            "pdf_extraction": round(t_pdf, 3),
            "enrichment": round(t_enrich, 3),
            "analysis_and_writing": round(t_write, 3),
            "build_index_cold": round(t_cold, 3),
            "build_index_warm_cache": round(t_warm, 3),
        },
        "cpu_seconds_engine": split,
        "documents_by_extractor": extractors,
        "ocr_pages": sum(len(d.ocr_pages) for d in docs.values()),
        "ocr_seconds": ocr["ocr_seconds"],
        "single_process_build_cpu_seconds": round(build_cpu, 3),
        "ocr_share_of_build_percent": round(100 * ocr["ocr_seconds"] / build_cpu, 1),
        "workers": Settings.load().workers,
        "peak_rss_mb": {"main": round(peak_self, 1), "largest_worker": round(peak_children, 1)},
    }
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"Corpus {corpus}: {len(html)} HTML, {len(pdf)} PDF ({pages} pages), {report['text_mb']} MB of text")
    for name, value in report["seconds"].items():
        print(f"  {name:<24} {value:8.3f} s")
    engine = split["engine"]
    print(
        f"  engine, CPU: analysis {engine['analysis']} s {split['analysis_by_field']}, add {engine['add']} s, "
        f"commit {engine['commit']} s"
    )
    print(f"  peak RSS: main {peak_self:.0f} MB, largest worker {peak_children:.0f} MB")
    print(f"  documents by extractor: {extractors}")
    print(
        f"  OCR: {report['ocr_pages']} pages, {ocr['ocr_seconds']} s "
        f"({ocr['ocr_seconds_per_page']} s/page), {report['ocr_share_of_build_percent']} % of the CPU time of the "
        f"build in one process ({report['single_process_build_cpu_seconds']} s)"
    )
    print(f"Report: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
