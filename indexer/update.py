"""Incremental update: only new, changed and deleted files, with the post ↔ PDF relations kept right.

`plan_update` decides, from the scan, the index's manifest, the extracted files and the catalogue, what is
written; it touches neither the disk nor the index, and its tests need neither. `apply` carries the plan out:
it reloads the unchanged documents the plan names (from the extraction cache), enriches, and commits.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from indexer import extract
from indexer.build import build_index, extract_files
from indexer.catalogue import load_catalogue
from indexer.config import Settings
from indexer.corpus import Failure, FileInfo, scan_corpus
from indexer.document import Document
from indexer.enrich import CatalogueEntry, enrich
from indexer.extraction import ExtractionCache
from indexer.progress import checkpoint
from indexer.records import (
    CATALOGUE_UID,
    KIND_DOC,
    MANIFEST_UID,
    IndexedFile,
    StoredDoc,
    catalogue_record,
    catalogue_state,
    doc_records,
    failure_record,
    link_keys,
    manifest_record,
    name_key,
    read_manifest,
    stored_catalogue,
)
from indexer.relations import LinkResolver, ParentInfo, Parents
from indexer.schema import SCHEMA_VERSION
from indexer.store import (
    CACHE,
    RunReport,
    index_lock,
    live_schema_version,
    now_iso,
    open_index,
    remove_stale_generations,
    write_last_run,
)
from indexer.web.state import OriginIndex
from indexer.whoosh_writer import abandon, merge_policy, open_writer

logger = logging.getLogger(__name__)


def files_to_extract(files: Mapping[str, FileInfo], indexed: Mapping[str, IndexedFile]) -> list[FileInfo]:
    """The files that are new, or whose size, modification time or extractor changed since they were indexed."""
    return [
        info
        for path, info in files.items()
        if path not in indexed
        or indexed[path].size != info.size
        or indexed[path].mtime != info.mtime
        or indexed[path].extractor != extract.EXTRACTOR_VERSION
    ]


@dataclass
class UpdateInputs:
    """What an update knows before it writes: the scan, the index's manifest and catalogue, what was extracted
    (links resolved) and the catalogue now."""

    files: dict[str, FileInfo]
    indexed: dict[str, IndexedFile]
    docs: dict[str, Document]
    failures: dict[str, Failure]
    old_catalogue: dict[str, dict[str, Any]]
    catalogue: dict[str, CatalogueEntry]


@dataclass
class UpdatePlan:
    """What an update writes (see `plan_update`)."""

    removed: list[str]
    added: list[str]
    updated: list[str]  # changed files, and the documents a catalogue correction changed (« modifiés »)
    touched: set[str]  # same content, new mtime: rewritten (to store the new mtime), not reported as changed
    recatalogued_posts: list[str]  # unchanged posts whose catalogue entry changed: enriched again
    relinked_files: list[str]  # unchanged files whose parents or catalogue entry may have changed
    catalogue_changed: bool
    reloaded: dict[str, Document] = field(default_factory=dict)  # filled by `apply`

    def is_empty(self, inputs: UpdateInputs) -> bool:
        """Nothing to write."""
        return not (self.removed or inputs.docs or self.reloaded or inputs.failures or self.catalogue_changed)


def plan_update(inputs: UpdateInputs) -> UpdatePlan:
    """Decide what an update writes. Pure: reads `inputs` only.

    Files linked by a changed, new or removed post (by its old or new links) and new files (an unchanged post
    may already link to them) may have new parents, and are enriched again; so are the documents whose
    catalogue entry changed.
    """
    files, indexed, docs = inputs.files, inputs.indexed, inputs.docs
    removed = sorted(p for p in indexed if p not in files)
    touched = {
        path
        for path, doc in docs.items()
        if path in indexed
        and indexed[path].kind == KIND_DOC
        and indexed[path].content_hash == doc.content_hash
        and indexed[path].extractor == extract.EXTRACTOR_VERSION
    }
    new_catalogue = catalogue_state(inputs.catalogue)
    recatalogued = {
        p
        for p in set(inputs.old_catalogue) | set(new_catalogue)
        if inputs.old_catalogue.get(p) != new_catalogue.get(p)
        and p in indexed
        and indexed[p].kind == KIND_DOC
        and p not in docs
        and p not in removed
    }
    recatalogued_posts = sorted(p for p in recatalogued if indexed[p].format == "html")
    changed_posts = {p for p, d in docs.items() if d.format == "html" and p not in touched}
    changed_posts |= {p for p in removed if indexed[p].format == "html"} | set(recatalogued_posts)
    affected_keys: set[str] = set()
    for path in changed_posts:
        if path in indexed:
            affected_keys.update(indexed[path].links)
        if path in docs:
            affected_keys.update(link_keys(docs[path]))
    relinked_files = sorted(
        p
        for p, old in indexed.items()
        if old.kind == KIND_DOC
        and old.format != "html"
        and p not in removed
        and p not in docs
        and (p in affected_keys or name_key(p) in affected_keys or p in recatalogued)
    )
    return UpdatePlan(
        removed=removed,
        added=sorted(p for p in docs if p not in indexed),
        updated=sorted({p for p in docs if p in indexed and p not in touched} | recatalogued),
        touched=touched,
        recatalogued_posts=recatalogued_posts,
        relinked_files=relinked_files,
        catalogue_changed=inputs.old_catalogue != new_catalogue,
    )


def update_index(settings: Settings, wait: float = 0.0) -> RunReport:
    """Re-extract only new and changed files, remove deleted ones, keep post ↔ PDF relations right.

    Builds from scratch when there is no index yet (or when its schema is older).
    """
    index_root = settings.index
    if live_schema_version(index_root) != SCHEMA_VERSION:
        logger.info("Pas d’index à jour : construction complète.")
        return build_index(settings, wait)
    report = RunReport(mode="update", started=now_iso())
    t0 = time.perf_counter()
    with index_lock(index_root, wait):
        remove_stale_generations(index_root)  # left by a build that was killed before its swap
        ix = open_index(index_root)
        try:
            _update_locked(settings, ix, report)
        finally:
            ix.close()
        report.duration_s = time.perf_counter() - t0
        write_last_run(index_root, report)  # even when nothing changed: `status` names the last run
    return report


def _update_locked(settings: Settings, ix: Any, report: RunReport) -> None:
    t0 = time.perf_counter()
    files, skipped = scan_corpus(settings.corpus)
    report.skipped = [asdict(s) for s in skipped]
    with ix.searcher() as searcher:
        indexed = read_manifest(searcher)
        old_catalogue = stored_catalogue(searcher)
    t1 = time.perf_counter()
    docs, failures = extract_files(settings, files_to_extract(files, indexed), "Mise à jour")
    t2 = time.perf_counter()
    resolver = LinkResolver(files.keys())
    resolver.resolve(docs.values())
    inputs = UpdateInputs(files, indexed, docs, failures, old_catalogue, load_catalogue(settings.corpus, files.keys()))
    plan = plan_update(inputs)
    _Enrichment(settings, ix, inputs, resolver).run(plan)
    t3 = time.perf_counter()
    report.added, report.updated, report.removed = plan.added, plan.updated, plan.removed
    recatalogued = set(plan.updated) - set(docs)  # reported as modified, not relinked nor unchanged
    report.relinked = sorted(set(plan.reloaded) - recatalogued)
    report.failed = [{"path": f.path, "reason": f.reason} for f in failures.values()]
    report.unchanged = len(files) - len(docs) - len(failures) + len(plan.touched) - len(recatalogued)
    if plan.is_empty(inputs):
        report.timings = {"scan": t1 - t0, "extract": t2 - t1, "enrich": t3 - t2, "write": 0.0}
        return
    checkpoint("update:extracted")
    apply(plan, inputs, ix)
    report.timings = {"scan": t1 - t0, "extract": t2 - t1, "enrich": t3 - t2, "write": time.perf_counter() - t3}


class _Enrichment:
    """Reloads the unchanged documents a plan names, and enriches every document the update writes."""

    def __init__(self, settings: Settings, ix: Any, inputs: UpdateInputs, resolver: LinkResolver) -> None:
        self.settings = settings
        self.ix = ix
        self.inputs = inputs
        self.resolver = resolver
        self.cache = ExtractionCache(settings.index / CACHE)

    def reload(self, path: str) -> Document | None:
        """A document that did not change, from the extraction cache (or extracted again)."""
        info = self.inputs.files[path]
        cached = self.cache.get(self.inputs.indexed[path].content_hash)
        if cached is None:
            more, more_failures = extract_files(self.settings, [info], "Relations")
            self.inputs.failures.update(more_failures)
            cached = more.get(path)
        if cached is not None:
            cached.path, cached.size, cached.mtime = path, info.size, info.mtime
        return cached

    def run(self, plan: UpdatePlan) -> None:
        """Enrich changed posts first, then changed and affected files with all their current parents."""
        catalogue = self.inputs.catalogue
        for path in plan.recatalogued_posts:
            if (doc := self.reload(path)) is not None:
                self.resolver.resolve([doc])
                plan.reloaded[path] = doc
        changed = {**self.inputs.docs, **plan.reloaded}
        fresh_posts = {p: d for p, d in changed.items() if d.format == "html"}
        parents = Parents()
        for doc in fresh_posts.values():
            enrich(doc, (), catalogue)
            parents.add_post(doc)
        for path in plan.relinked_files:
            if (doc := self.reload(path)) is not None:
                plan.reloaded[path] = doc
        with self.ix.searcher() as searcher:
            for doc in [*self.inputs.docs.values(), *plan.reloaded.values()]:
                if doc.format == "html":
                    continue
                for parent in _stored_parents(searcher, doc.path, skip=set(fresh_posts) | set(plan.removed)):
                    parents.add(doc.path, parent)
                enrich(doc, parents.parents_of(doc.path), catalogue)
        origins = OriginIndex(self.settings.corpus)
        for doc in [*self.inputs.docs.values(), *plan.reloaded.values()]:
            origins.stamp(doc)


def _stored_parents(searcher: Any, child: str, skip: set[str]) -> list[ParentInfo]:
    """The unchanged posts of the index that link to `child` (by path or by file name), `skip` left out."""
    found = []
    for key in (child, name_key(child)):
        if not key:
            continue
        for fields in searcher.documents(links=key):
            stored = StoredDoc(fields)
            if stored.kind == KIND_DOC and stored.path not in skip:
                found.append(ParentInfo(stored.path, stored.title, stored.year, stored.date, tuple(stored.themes)))
    return found


def apply(plan: UpdatePlan, inputs: UpdateInputs, ix: Any) -> None:
    """Write the plan's documents, failures, catalogue and manifest into the live index, in one commit."""
    writer = open_writer(ix, timeout=30.0)
    try:
        for path in plan.removed:
            writer.delete_by_term("path", path)
        changed = {**inputs.docs, **plan.reloaded}
        for number, (path, doc) in enumerate(changed.items()):
            writer.delete_by_term("path", path)
            for record in doc_records(doc):
                writer.add_document(**record)
            if number == len(changed) // 2:
                checkpoint("update:writing")
        for path, failure in inputs.failures.items():
            writer.delete_by_term("path", path)
            writer.add_document(**failure_record(failure))
        if plan.catalogue_changed:
            writer.delete_by_term("uid", CATALOGUE_UID)
            writer.add_document(**catalogue_record(inputs.catalogue))
        state = {p: e for p, e in inputs.indexed.items() if p not in plan.removed}
        state.update({p: IndexedFile.of_document(d) for p, d in changed.items()})
        state.update({p: IndexedFile.of_failure(f) for p, f in inputs.failures.items()})
        writer.delete_by_term("uid", MANIFEST_UID)
        writer.add_document(**manifest_record(state))
        checkpoint("update:before-commit")
        writer.commit(mergetype=merge_policy)
        checkpoint("update:committed")
    except BaseException:
        abandon(writer)
        raise
