"""Full build: scan → extract (in workers) → enrich → records → write, into a fresh generation swapped in
atomically (see `indexer.store`).

Writing overlaps extraction, and no more than a few extracted documents are held in memory: web pages are
extracted first and written as they come (they depend on nothing); the PDFs they publish come next, when
every possible parent is known, and are enriched and written as they come too.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from whoosh import index as whoosh_index

from indexer.catalogue import load_catalogue
from indexer.config import Settings
from indexer.corpus import Failure, FileInfo, scan_corpus
from indexer.document import Document
from indexer.enrich import CatalogueEntry, enrich
from indexer.progress import checkpoint, progress
from indexer.records import KIND_DOC, IndexedFile, catalogue_record, doc_records, failure_record, manifest_record
from indexer.relations import LinkResolver, Parents, resolve_links
from indexer.schema import SCHEMA_VERSION, build_schema, pre_analyse
from indexer.store import (
    CACHE,
    CURRENT,
    RunReport,
    index_lock,
    new_generation,
    now_iso,
    remove_stale_generations,
    swap_current,
    write_last_run,
)
from indexer.web.state import OriginIndex
from indexer.whoosh_writer import abandon, open_writer
from indexer.wording import count
from indexer.workers import extract_many

logger = logging.getLogger(__name__)


def extract_files(
    settings: Settings, files: Iterable[FileInfo], label: str
) -> tuple[dict[str, Document], dict[str, Failure]]:
    """Extract `files` (through the extraction cache), documents and failures by path."""
    files = list(files)
    docs: dict[str, Document] = {}
    failures: dict[str, Failure] = {}
    on_done = progress(len(files), label)
    for result in extract_many(settings.corpus, files, settings, settings.index / CACHE, on_done=on_done):
        if isinstance(result, Failure):
            logger.warning("Échec : %s — %s", result.path, result.reason)
            failures[result.path] = result
        else:
            docs[result.path] = result
    return docs, failures


def enrich_all(docs: dict[str, Document], corpus_paths: Iterable[str], catalogue: Mapping[str, CatalogueEntry]) -> None:
    """Enrich every document: posts first, then the files they publish with their parents' facets."""
    resolve_links(docs.values(), corpus_paths)
    parents = Parents()
    for doc in docs.values():
        if doc.format == "html":
            enrich(doc, (), catalogue)
            parents.add_post(doc)
    for doc in docs.values():
        if doc.format != "html":
            enrich(doc, parents.parents_of(doc.path), catalogue)


def build_index(settings: Settings, wait: float = 0.0) -> RunReport:
    """Full rebuild of the index from the corpus, into a fresh folder swapped in atomically."""
    report = RunReport(mode="build", started=now_iso())
    t0 = time.perf_counter()
    index_root = settings.index
    with index_lock(index_root, wait):
        files, skipped = scan_corpus(settings.corpus)
        report.skipped = [asdict(s) for s in skipped]
        catalogue = load_catalogue(settings.corpus, files.keys())
        t1 = time.perf_counter()
        if (index_root / CURRENT).exists():
            remove_stale_generations(index_root)
        gen = new_generation(index_root, SCHEMA_VERSION)
        try:
            run = _write_generation(gen, _BuildRun(settings, files, catalogue, OriginIndex(settings.corpus)))
        except BaseException:
            shutil.rmtree(gen, ignore_errors=True)
            raise
        swap_current(index_root, gen)
        checkpoint("build:swapped")
        remove_stale_generations(index_root)
        report.added = sorted(p for p, e in run.state.items() if e.kind == KIND_DOC)
        report.failed = [{"path": f.path, "reason": f.reason} for f in run.failures.values()]
        report.timings = {"scan": t1 - t0, **run.timings}
        report.duration_s = time.perf_counter() - t0
        write_last_run(index_root, report)
    logger.info(
        "Index construit : %s, %s en %.1f s",
        count(len(report.added), "document", "documents"),
        count(len(run.failures), "échec", "échecs"),
        report.duration_s,
    )
    return report


@dataclass
class _BuildRun:
    """One build's inputs, and what it wrote (filled as it goes)."""

    settings: Settings
    files: dict[str, FileInfo]
    catalogue: Mapping[str, CatalogueEntry]
    origins: OriginIndex
    state: dict[str, IndexedFile] = field(default_factory=dict)
    failures: dict[str, Failure] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=lambda: {"extract": 0.0, "enrich": 0.0, "write": 0.0})


def _write_generation(gen: Any, run: _BuildRun) -> _BuildRun:
    """Write every record of the build into the new generation `gen`, and commit."""
    ix = whoosh_index.create_in(str(gen), build_schema())
    writer = open_writer(ix, limitmb=256)
    try:
        _extract_and_write(run, writer)
        writer.add_document(**catalogue_record(run.catalogue))
        writer.add_document(**manifest_record(run.state))
        t_commit = time.perf_counter()
        writer.commit()
        run.timings["write"] += time.perf_counter() - t_commit
        checkpoint("build:committed")
    except BaseException:
        abandon(writer)
        raise
    ix.close()
    return run


class _Filing:
    """Writes enriched documents as they come, and holds back the files that may still gain a parent."""

    def __init__(self, run: _BuildRun, writer: Any) -> None:
        self.run = run
        self.writer = writer
        self.resolver = LinkResolver(run.files.keys())
        self.parents = Parents()
        self.waiting: list[Document] = []  # files other than web pages that came before the last web page
        self.written = 0

    def write(self, doc: Document) -> None:
        t = time.perf_counter()
        self.run.origins.stamp(doc)
        for record in doc_records(doc):
            self.writer.add_document(**record)
        doc.analysed = None  # filed: free it now
        self.run.state[doc.path] = IndexedFile.of_document(doc)
        self.written += 1
        if self.written == len(self.run.files) // 2:
            checkpoint("build:writing")
        self.run.timings["write"] += time.perf_counter() - t

    def post(self, doc: Document) -> None:
        """A web page: enriched alone, remembered as the parent of what it publishes, written."""
        t = time.perf_counter()
        self.resolver.resolve([doc])
        enrich(doc, (), self.run.catalogue)
        self.parents.add_post(doc)
        self.run.timings["enrich"] += time.perf_counter() - t
        self.write(doc)

    def release(self) -> None:
        """Every parent is known: enrich and write the files held back."""
        for doc in self.waiting:
            t = time.perf_counter()
            enrich(doc, self.parents.parents_of(doc.path), self.run.catalogue)
            self.run.timings["enrich"] += time.perf_counter() - t
            self.write(doc)
        self.waiting.clear()


def _is_pdf(path: str) -> bool:
    return path.lower().endswith(".pdf")


def _extract_and_write(run: _BuildRun, writer: Any) -> None:
    """Extract every file (web pages first), enrich and write each document as soon as it can be."""
    filing = _Filing(run, writer)
    pages_first = sorted(run.files.values(), key=lambda f: (_is_pdf(f.path), f.path))
    web_pages_left = sum(1 for f in pages_first if not _is_pdf(f.path))
    started = time.perf_counter()
    on_done = progress(len(pages_first), "Extraction")
    cache_dir = run.settings.index / CACHE
    for result in extract_many(run.settings.corpus, pages_first, run.settings, cache_dir, on_done, analyse=pre_analyse):
        if isinstance(result, Failure):
            logger.warning("Échec : %s — %s", result.path, result.reason)
            run.failures[result.path] = result
            if not _is_pdf(result.path):
                web_pages_left -= 1
        elif result.format == "html":
            filing.post(result)
            web_pages_left -= 1
        else:
            filing.waiting.append(result)
        if web_pages_left <= 0:  # every parent is known: the other files can go as they come
            filing.release()
    filing.release()
    checkpoint("build:extracted")
    for path in sorted(run.failures):
        writer.add_document(**failure_record(run.failures[path]))
        run.state[path] = IndexedFile.of_failure(run.failures[path])
    run.timings["extract"] = time.perf_counter() - started - run.timings["write"] - run.timings["enrich"]
