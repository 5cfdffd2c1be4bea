"""Writing the index: full build (into a fresh index swapped in atomically) and incremental update.

Layout of the index folder::

    index/
      current -> gen-20261129T174501-1234   symbolic link, replaced atomically by a build
      gen-…/                                 the Whoosh index of one build (updates commit into it)
      cache/                                 extracted text by content hash (survives rebuilds)
      last_run.json                          what the last run did
      .lock                                  flock()ed by the running build or update

The kernel releases a `flock` when its process dies, so a lock left by a killed process is never stale.
Whoosh commits are atomic (a new table of contents is renamed into place), and a build only becomes visible
by the final rename of `current`: a process killed at any moment leaves the previous index whole.
"""

from __future__ import annotations

import contextlib
import fcntl
import heapq
import json
import logging
import marshal
import os
import secrets
import shutil
import signal
import sys
import time
import types
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.writing import PostingPool

from indexer import extract
from indexer.batch import ExtractionCache, Failure, FileInfo, extract_many, scan_corpus
from indexer.catalogue import load_catalogue
from indexer.config import Settings
from indexer.document import Document
from indexer.enrich import (
    CatalogueEntry,
    LinkResolver,
    ParentInfo,
    enrich,
    parent_info,
    parents_by_child,
    resolve_links,
    type_values,
    year_facet_value,
)
from indexer.errors import IndexLockedError, IndexMissingError
from indexer.schema import (
    KIND_DOC,
    KIND_FAILURE,
    KIND_META,
    KIND_PAGE,
    SCHEMA_VERSION,
    build_schema,
    iter_page_values,
    text_values,
)
from indexer.wording import count

logger = logging.getLogger(__name__)


def _writer(ix: Any, **options: Any) -> Any:
    """A Whoosh writer. Posting blocks are stored uncompressed: about 15 % less CPU per build or update, for
    a somewhat larger index. Its posting pool groups postings by term (see `_GroupedPostingPool`).

    Segments are left as separate files, not assembled into one compound file: Whoosh opens a compound
    file through mmap but then copies each of its parts into a BytesIO, so every searcher held a private
    copy of the postings in memory (at 10,000 documents, 8 server threads used 7.8 GB); separate files are
    read through the page cache, shared by all searchers.
    """
    from whoosh.codec.whoosh3 import W3Codec

    options.setdefault("compound", False)
    writer = ix.writer(codec=W3Codec(compression=0), **options)
    pool = getattr(writer, "pool", None)
    if pool is not None and type(pool) is PostingPool and not pool.current and not pool.runs:
        grouped = _GroupedPostingPool(pool.tempstore, pool.segment)
        grouped.limit = pool.limit
        writer.pool = grouped
        if not any(f.vector or f.separate_spelling() for f in writer.schema._fields.values()):
            writer.add_document = types.MethodType(_add_document_grouped, writer)
    if hasattr(writer, "_flush_segment") and hasattr(writer, "fieldwriter"):
        writer._flush_segment = types.MethodType(_flush_segment_with_lengths, writer)
    return writer


def _add_document_grouped(self: Any, **fields: Any) -> None:
    """Whoosh's `SegmentWriter.add_document`, each field's postings handed to the pool at once (a call and a
    tuple per posting saved). Installed only for schemas without term vectors or separate spelling fields,
    which this version leaves out."""
    self._check_state()
    perdocwriter = self.perdocwriter
    schema = self.schema
    docnum = self.docnum
    add_field = self.pool.add_field
    docboost = self._doc_boost(fields)
    fieldnames = sorted(name for name in fields if not name.startswith("_"))
    self._check_fields(schema, fieldnames)
    perdocwriter.start_doc(docnum)
    try:
        for fieldname in fieldnames:
            value = fields.get(fieldname)
            if value is None:
                continue
            field_type = schema[fieldname]
            length = 0
            if field_type.indexed:
                boost = self._field_boost(fields, fieldname, docboost)
                length = add_field(fieldname, docnum, field_type.index(value), boost)
                if not field_type.scorable:
                    length = 0
            stored_value = fields.get(f"_stored_{fieldname}", value)
            perdocwriter.add_field(fieldname, field_type, stored_value if field_type.stored else None, length)
            column = field_type.column_type
            if column and stored_value is not None:
                perdocwriter.add_column_value(fieldname, column, field_type.to_column_value(stored_value))
    except Exception:
        perdocwriter.cancel_doc()
        raise
    perdocwriter.finish_doc()
    self._added = True
    self.docnum += 1


def _abandon(writer: Any) -> None:
    """Cancel a failed writer; if cancelling fails too (a full disk fails the closing of its files), still
    release its lock and remove its temporary files, or the next run would find the index locked."""
    try:
        writer.cancel()
    except Exception:
        logger.debug("Annulation incomplète de l’écriture", exc_info=True)
        finish = getattr(writer, "_finish", None)  # Whoosh: temporary files removed, lock released
        if finish is not None and not getattr(writer, "is_closed", True):
            with contextlib.suppress(Exception):
                finish()
        _close_files(writer)


def _close_files(writer: Any) -> None:
    """Close the segment files a failed writer could not close itself (their closing flushes, and fails on a
    full disk): a long-running `--watch` must not keep a descriptor per failed update."""
    fieldwriter = getattr(writer, "fieldwriter", None)
    perdocwriter = getattr(writer, "perdocwriter", None)
    files = [
        getattr(fieldwriter, "_postfile", None),
        getattr(getattr(fieldwriter, "_tindex", None), "dbfile", None),
        getattr(perdocwriter, "_vpostfile", None),
        getattr(getattr(perdocwriter, "_cols", None), "_temp", None),
    ]
    for struct in files:
        raw = getattr(struct, "file", None)
        if raw is not None and not getattr(raw, "closed", True):
            with contextlib.suppress(Exception):
                raw.close()  # an unwritable buffer is dropped, the descriptor is closed all the same


def _flush_segment_with_lengths(self: Any) -> None:
    """Whoosh's `SegmentWriter._flush_segment`, with the documents' field lengths read once per field.

    Writing the postings asks for the length of the field of every posting's document (for the blocks'
    length bounds); Whoosh reads it from the column file each time, a seek and a read per posting: a
    quarter of the commit on a 1,000-document build.
    """
    self.perdocwriter.close()
    pdr = self.per_document_reader() if self.codec.length_stats else None
    lengths = _FieldLengths(pdr) if pdr else None
    _compact_term_table(self.fieldwriter)
    if isinstance(self.pool, _GroupedPostingPool):
        _add_grouped_postings(self.fieldwriter, self.schema, lengths, self.pool)
    else:
        self.fieldwriter.add_postings(self.schema, lengths, self.pool.iter_postings())
    self.fieldwriter.close()
    if pdr:
        pdr.close()


def _compact_term_table(fieldwriter: Any) -> None:
    """Make the term table of `fieldwriter` keep its hash entries in arrays (see `_CompactHashWriter`)."""
    from whoosh.filedb.filetables import OrderedHashWriter

    tindex = getattr(fieldwriter, "_tindex", None)
    if type(tindex) is OrderedHashWriter and not any(tindex.buckets):
        tindex.__class__ = _CompactHashWriter
        tindex.buckets = [(array("I"), array("q")) for _ in range(256)]


def _compact_hash_writer_class() -> type:
    from whoosh.filedb.filetables import OrderedHashWriter, _lengths, _pointer

    class CompactHashWriter(OrderedHashWriter):
        """Whoosh's term table writer, its entries kept as two arrays per bucket instead of a tuple each.

        The table keeps a (hash, position) entry for every term until the segment is closed: a tuple and two
        integer objects, about 120 bytes per term. A 100,000-document index has millions of terms (the
        `exact` field has one per distinct word pair), and the final commit of a build grew by hundreds of
        megabytes; arrays take 12 bytes per term. The file is the same, byte for byte (tests/test_writer.py).
        """

        def add(self, key: bytes, value: bytes) -> None:
            if key <= self.lastkey:
                raise ValueError(f"Keys must increase: {self.lastkey!r}..{key!r}")
            dbfile = self.dbfile
            pos = dbfile.tell()
            self.index.append(pos)
            dbfile.write(_lengths.pack(len(key), len(value)))
            dbfile.write(key)
            dbfile.write(value)
            h = self.hashfn(key)
            hashes, positions = self.buckets[h & 255]
            hashes.append(h)
            positions.append(pos)
            self.lastkey = key

        def _write_hashes(self) -> None:
            dbfile = self.dbfile
            for hashes, positions in self.buckets:
                pos = dbfile.tell()
                numslots = 2 * len(hashes)
                self.directory.append((pos, numslots))
                table_hashes = array("I", bytes(4 * numslots))
                table_positions = array("q", bytes(8 * numslots))
                for hashval, position in zip(hashes, positions, strict=True):
                    slot = (hashval >> 8) % numslots
                    while table_hashes[slot] or table_positions[slot]:  # (0, 0) is an empty slot
                        slot = (slot + 1) % numslots
                    table_hashes[slot] = hashval
                    table_positions[slot] = position
                pack = _pointer.pack
                dbfile.write(b"".join(pack(h, p) for h, p in zip(table_hashes, table_positions, strict=True)))

    return CompactHashWriter


_CompactHashWriter = _compact_hash_writer_class()


class _FieldLengths:
    """The `doc_field_length` of a per-document reader, each field's lengths loaded once."""

    def __init__(self, reader: Any) -> None:
        self.reader = reader
        self.count = reader.doc_count_all()
        self.fields: dict[str, list[int]] = {}

    def of(self, fieldname: str) -> list[int]:
        """The length of `fieldname` in every document of the segment."""
        values = self.fields.get(fieldname)
        if values is None:
            length = self.reader.doc_field_length
            values = [length(d, fieldname, 0) for d in range(self.count)]
            self.fields[fieldname] = values
        return values

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        values = self.of(fieldname)
        return values[docnum] if docnum < self.count else default


class _GroupedPostingPool(PostingPool):
    """Whoosh's posting pool, with postings grouped by term instead of sorted one by one.

    Whoosh's pool keeps one tuple per posting, sorts them all by (field, term, document) at every run it
    saves, and merges the runs a posting at a time: on a 1,000-document build, that was a third of the
    writer's time. Documents are numbered in the order they are added, so the postings of a term arrive
    already in document order: keeping a list per term, only the terms need sorting, and runs are merged a
    term at a time (a term's postings from an earlier run come first). A term whose postings do arrive out
    of order (Whoosh adds no such postings today) is sorted, in its run and again when runs are merged.
    """

    # Estimated bytes of memory per term and per posting (CPython objects: a posting is three list slots, a
    # float and a short bytes value), against the pool's limit.
    TERM_BYTES = 250
    POSTING_BYTES = 100
    # Postings per marshalled batch of a run file: a merge keeps one batch of every run in memory.
    BATCH = 4_096

    def __init__(self, tempstore: Any, segment: Any, limitmb: int = 128) -> None:
        super().__init__(tempstore, segment, limitmb=limitmb)
        # By field, each term's postings as one flat list, document, weight, value, document, weight…: a
        # tuple per posting would cost 70 more bytes each, and as many objects to rebuild when a run is read.
        self.terms: dict[str, dict[bytes, list[Any]]] = {}
        self.unordered: set[tuple[str, bytes]] = set()

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        fieldname, tbytes, docnum, weight, vbytes = item
        self.add_field(fieldname, docnum, [(tbytes, 0, weight, vbytes)])

    def add_field(self, fieldname: str, docnum: int, items: Iterable[Any], boost: float = 1.0) -> int:
        """Add one field of one document (`field.index()` postings); return the field's length in words."""
        terms = self.terms.get(fieldname)
        if terms is None:
            terms = self.terms[fieldname] = {}
            self.fieldnames.add(fieldname)
        length = 0
        new_terms = 0
        added = 0
        for tbytes, freq, weight, vbytes in items:
            length += freq
            added += 1
            if boost != 1.0:
                weight *= boost
            postings = terms.get(tbytes)
            if postings is None:
                terms[tbytes] = [docnum, weight, vbytes]
                new_terms += 1
            else:
                if postings[-3] > docnum:
                    self.unordered.add((fieldname, tbytes))
                postings += (docnum, weight, vbytes)
        self.currentsize += added * self.POSTING_BYTES + new_terms * self.TERM_BYTES
        if self.currentsize > self.limit:
            self.save()
        return length

    def _sorted_terms(self) -> Iterator[tuple[str, bytes, list[Any]]]:
        fields, self.terms = self.terms, {}
        unordered, self.unordered = self.unordered, set()
        for fieldname in sorted(fields):
            terms = fields.pop(fieldname)
            for tbytes in sorted(terms):
                postings = terms.pop(tbytes)
                if unordered and (fieldname, tbytes) in unordered:
                    postings = _sort_flat(postings)
                yield fieldname, tbytes, postings

    def save(self) -> None:
        if self.terms:
            path, f = self._new_run()
            self._write_run(f, self._sorted_terms())
            self._add_run(path)
        self.currentsize = 0

    def _write_run(self, f: Any, items: Iterable[tuple[str, bytes, list[Any]]]) -> None:
        try:
            batch: list[tuple[str, bytes, list[Any]]] = []
            size = 0
            for item in items:
                batch.append(item)
                size += len(item[2]) // 3
                if size >= self.BATCH:
                    marshal.dump(batch, f)
                    batch, size = [], 0
            if batch:
                marshal.dump(batch, f)
        finally:
            f.close()

    def _read_run(self, path: str) -> Iterator[tuple[str, bytes, list[Any]]]:
        f = self._open_run(path)
        try:
            while True:
                try:
                    batch = marshal.load(f)
                except EOFError:
                    return
                yield from batch
        finally:
            f.close()
            self._remove_run(path)

    def iter_terms(self, maxfiles: int = 128) -> Iterator[tuple[str, bytes, list[Any]]]:
        """(field, term, postings) in order, each term once with all its postings in document order."""
        if not self.runs:
            yield from self._sorted_terms()
            return
        self.save()
        while len(self.runs) > maxfiles:  # merge the oldest runs first, so that runs stay in document order
            oldest, self.runs = self.runs[:maxfiles], self.runs[maxfiles:]
            path, f = self._new_run()
            self._write_run(f, self._merge(oldest))
            self.runs.insert(0, path)
        runs, self.runs = self.runs, []
        yield from self._merge(runs)

    def _merge(self, paths: list[str]) -> Iterator[tuple[str, bytes, list[Any]]]:
        # Items compare as (field, term, postings): for one term, the run whose first document comes first.
        merged = heapq.merge(*(self._read_run(p) for p in paths))
        last: tuple[str, bytes, list[Any]] | None = None
        for item in merged:
            if last is not None and item[0] == last[0] and item[1] == last[1]:
                postings = last[2]
                in_order = postings[-3] < item[2][0]
                postings.extend(item[2])
                if not in_order:
                    last = (last[0], last[1], _sort_flat(postings))
                continue
            if last is not None:
                yield last
            last = item
        if last is not None:
            yield last

    def iter_postings(self) -> Iterator[tuple[str, bytes, int, float, bytes | None]]:
        """Whoosh's interface: one (field, term, document, weight, value) tuple per posting, in order."""
        for fieldname, tbytes, postings in self.iter_terms():
            for docnum, weight, vbytes in _triples(postings):
                yield fieldname, tbytes, docnum, weight, vbytes

    def items(self, maxfiles: int = 128) -> Iterator[tuple[str, bytes, int, float, bytes | None]]:
        return self.iter_postings()


def _triples(postings: list[Any]) -> Iterator[tuple[int, float, bytes | None]]:
    """The (document, weight, value) postings of a flat posting list."""
    flat = iter(postings)
    return zip(flat, flat, flat, strict=True)


def _sort_flat(postings: list[Any]) -> list[Any]:
    """A flat posting list (document, weight, value, …) sorted by document."""
    return [x for triple in sorted(_triples(postings), key=lambda p: p[0]) for x in triple]


def _add_grouped_postings(fieldwriter: Any, schema: Any, lengths: _FieldLengths | None, pool: Any) -> None:
    """Whoosh's `FieldWriter.add_postings`, a term at a time from a `_GroupedPostingPool`."""
    from whoosh.codec.whoosh3 import W3FieldWriter

    lastfn = None
    field_lengths: list[int] = []
    add = fieldwriter.add
    by_block = type(fieldwriter) is W3FieldWriter  # `_fill_blocks` knows its postings writer
    for fieldname, tbytes, postings in pool.iter_terms():
        if fieldname != lastfn:
            if lastfn is not None:
                fieldwriter.finish_field()
            fieldwriter.start_field(fieldname, schema[fieldname])
            lastfn = fieldname
            field_lengths = lengths.of(fieldname) if lengths else []
        fieldwriter.start_term(tbytes)
        if by_block:
            _fill_blocks(fieldwriter._postwriter, postings, field_lengths)
        else:
            count = len(field_lengths)
            for docnum, weight, vbytes in _triples(postings):
                add(docnum, weight, vbytes or b"", field_lengths[docnum] if docnum < count else 0)
        fieldwriter.finish_term()
    if lastfn is not None:
        fieldwriter.finish_field()


def _fill_blocks(postwriter: Any, postings: list[Any], field_lengths: list[int]) -> None:
    """Fill Whoosh's W3 postings writer with one term's postings (a flat list), a block at a time.

    What `add_posting` does one posting at a time (a call, four type checks, the block's statistics updated
    per posting), done per block with list slices: the writer's CPU for 400 cached documents went from 10.5
    to 9.0 s. The blocks and their statistics are the same bytes (tests/test_writer.py compares them with
    Whoosh's own).
    """
    limit = postwriter._blocklimit
    total = len(postings) // 3
    count = len(field_lengths)
    for start in range(0, total, limit):
        end = min(start + limit, total)
        if start:  # the previous block is full: written as add_posting would write it (not the last one)
            postwriter._write_block()
        ids = postings[start * 3 : end * 3 : 3]
        weights = postings[start * 3 + 1 : end * 3 : 3]
        postwriter._ids = array("I", ids)
        postwriter._weights = array("f", weights)
        postwriter._values = [v for v in postings[start * 3 + 2 : end * 3 : 3] if v]
        postwriter._maxweight = max(0, max(weights))
        found = [field_lengths[d] for d in ids if d < count and field_lengths[d]]
        postwriter._minlength = min(found) if found else None
        postwriter._maxlength = max(found) if found else 0


CURRENT = "current"
LAST_RUN = "last_run.json"
LOCK = ".lock"
CACHE = "cache"
META_KEYS = ("subject", "keywords", "categories", "description", "author", "encoding", "canonical")


FAULT_ENV = "CRPV_FAULT_AT"


def _checkpoint(name: str) -> None:
    """Fault injection for the crash tests: SIGKILL this process at the named point when asked to."""
    if os.environ.get(FAULT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


@dataclass
class RunReport:
    """What a build or update did."""

    mode: str
    started: str = ""
    duration_s: float = 0.0
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    relinked: list[str] = field(default_factory=list)
    unchanged: int = 0
    timings: dict[str, float] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """Counts and the first paths of each list (what `last_run.json` keeps)."""
        out: dict[str, Any] = {
            "mode": self.mode,
            "when": self.started,
            "duration_s": round(self.duration_s, 3),
        }
        for name in ("added", "updated", "removed", "relinked"):
            values = getattr(self, name)
            out[name] = len(values)
            out[f"{name}_paths"] = values[:100]
        out["failed"] = len(self.failed)
        out["failed_paths"] = self.failed[:100]
        out["skipped"] = len(self.skipped)  # files of the corpus folder not indexed on purpose, with reasons
        out["skipped_paths"] = self.skipped[:1000]
        out["unchanged"] = self.unchanged
        out["timings"] = {k: round(v, 3) for k, v in self.timings.items()}
        return out


# ---------------------------------------------------------------------------------------------------------
# Locking and layout


@contextlib.contextmanager
def index_lock(index_root: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold the index lock for a build or update; wait up to `wait` seconds for it, else refuse."""
    index_root.mkdir(parents=True, exist_ok=True)
    fd = os.open(index_root / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexLockedError(
                        "Une autre construction ou mise à jour de l’index est en cours ; réessayez plus tard "
                        "(ou utilisez --wait)."
                    ) from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def current_dir(index_root: Path) -> Path:
    """The folder of the live Whoosh index (the target of `current`)."""
    return index_root / CURRENT


def open_index(index_root: Path) -> whoosh_index.Index:
    """Open the live index, with a clear error when there is none."""
    path = current_dir(index_root)
    if not path.exists() or not whoosh_index.exists_in(str(path)):
        raise IndexMissingError(f"Aucun index dans {index_root} : lancez d’abord « python -m indexer build ».")
    try:
        return whoosh_index.open_dir(str(path))
    except Exception as exc:
        raise IndexMissingError(f"Index illisible dans {index_root} ({type(exc).__name__} : {exc}).") from exc


def _swap_current(index_root: Path, new_gen: Path) -> None:
    tmp = index_root / f".{CURRENT}.{os.getpid()}.tmp"
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    os.symlink(new_gen.name, tmp)
    os.replace(tmp, index_root / CURRENT)
    _fsync_dir(index_root)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _remove_stale_generations(index_root: Path) -> None:
    """Remove generation folders other than the live one (left by a finished or killed build)."""
    live = os.readlink(index_root / CURRENT) if (index_root / CURRENT).is_symlink() else None
    for child in index_root.iterdir():
        if child.name.startswith("gen-") and child.name != live:
            shutil.rmtree(child, ignore_errors=True)


def _write_last_run(index_root: Path, report: RunReport) -> None:
    tmp = index_root / f".{LAST_RUN}.tmp"
    tmp.write_text(json.dumps(report.summary(), ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, index_root / LAST_RUN)


def read_last_run(index_root: Path) -> dict[str, Any] | None:
    """What the last build or update did, or None."""
    try:
        return json.loads((index_root / LAST_RUN).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


# ---------------------------------------------------------------------------------------------------------
# Records


def link_keys(doc: Document) -> list[str]:
    """What a post's links may point to: resolved paths, raw relative targets, and « name:<file> » keys.

    Stored with the post so that `update` finds the posts that publish a PDF added later.
    """
    keys: list[str] = []
    for link in doc.links:
        for key in (link.target, _name_key(link.href)):
            if key and key not in keys:
                keys.append(key)
    for target in doc.publishes:
        if target not in keys:
            keys.append(target)
    return keys


def _name_key(href: str) -> str | None:
    from posixpath import basename
    from urllib.parse import unquote, urlsplit

    name = basename(unquote(urlsplit(href).path)).lower()
    return f"name:{name}" if name.endswith(".pdf") else None


def doc_records(doc: Document) -> Iterator[dict[str, Any]]:
    """The Whoosh records of one enriched document: its doc record, then one record per page.

    The text fields are the postings computed by the extraction worker when the document carries them
    (`Document.analysed`), otherwise the strings, analysed here.
    """
    meta_text = []
    for key in ("subject", "description"):
        if doc.metadata.get(key):
            meta_text.append(str(doc.metadata[key]))
    for key in ("keywords", "categories"):
        meta_text.extend(str(v) for v in doc.metadata.get(key) or [])
    record: dict[str, Any] = {
        "uid": doc.path,
        "kind": KIND_DOC,
        "path": doc.path,
        "format": doc.format,
        "title": doc.title,
        "headings": "\n".join(doc.headings),
        **(doc.analysed.values_for(doc) if doc.analysed is not None else text_values(doc)),
        "meta": "\n".join(meta_text),
        "year_facet": year_facet_value(doc.year),
        "date": doc.date or "",
        "themes": "\n".join(doc.themes),
        "type": "\n".join(type_values(doc.format, doc.doc_type)),
        "links": "\n".join(link_keys(doc)),
        "content_hash": doc.content_hash,
        "size": doc.size,
        "mtime": doc.mtime,
        "page_count": doc.page_count,
        "published_in": list(doc.published_in),
        "sources": dict(doc.sources),
        "metadata": {k: doc.metadata[k] for k in META_KEYS if doc.metadata.get(k)},
        "empty_reason": doc.empty_reason,
        "extractor": extract.EXTRACTOR_VERSION,
    }
    if doc.year:
        record["year"] = doc.year
    yield record
    for number, value in iter_page_values(doc):
        yield {
            "uid": f"{doc.path}#{number}",
            "kind": KIND_PAGE,
            "path": doc.path,
            "page": number,
            "format": doc.format,
            "page_body": value,
            "text": doc.pages[number - 1],
        }


CATALOGUE_UID = "meta:catalogue"


def catalogue_record(catalogue: dict[str, CatalogueEntry]) -> dict[str, Any]:
    """The record that keeps the catalogue the index was enriched with (to see its changes on update)."""
    return {
        "uid": CATALOGUE_UID,
        "kind": KIND_META,
        "metadata": {path: asdict(entry) for path, entry in sorted(catalogue.items())},
    }


def failure_record(failure: Failure) -> dict[str, Any]:
    """The record of a file that could not be indexed."""
    return {
        "uid": f"failure:{failure.path}",
        "kind": KIND_FAILURE,
        "path": failure.path,
        "reason": failure.reason,
        "content_hash": failure.content_hash,
        "size": failure.size,
        "mtime": failure.mtime,
        "extractor": extract.EXTRACTOR_VERSION,
    }


# ---------------------------------------------------------------------------------------------------------
# Progress


def _progress(total: int, label: str) -> Callable[[Any], None]:
    """A tqdm bar on a terminal, plain log lines otherwise."""
    if total and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=total, desc=label, unit="fichier", leave=False)
        return lambda _result: bar.update(1)
    state = {"n": 0, "next": time.monotonic() + 5}

    def log_line(_result: Any) -> None:
        state["n"] += 1
        if state["n"] == total or time.monotonic() >= state["next"]:
            logger.info("%s : %d / %d fichiers", label, state["n"], total)
            state["next"] = time.monotonic() + 5

    return log_line


# ---------------------------------------------------------------------------------------------------------
# Build


def _extract(
    settings: Settings, files: Iterable[FileInfo], label: str
) -> tuple[dict[str, Document], dict[str, Failure]]:
    files = list(files)
    docs: dict[str, Document] = {}
    failures: dict[str, Failure] = {}
    on_done = _progress(len(files), label)
    cache_dir = settings.index / CACHE
    for result in extract_many(settings.corpus, files, settings, cache_dir, on_done=on_done):
        if isinstance(result, Failure):
            logger.warning("Échec : %s — %s", result.path, result.reason)
            failures[result.path] = result
        else:
            docs[result.path] = result
    return docs, failures


def _enrich_all(docs: dict[str, Document], corpus_paths: Iterable[str], catalogue: dict) -> None:
    """Enrich every document: posts first, then the files they publish with their parents' facets."""
    resolve_links(docs.values(), corpus_paths)
    parents = parents_by_child(docs.values())
    infos: dict[str, ParentInfo] = {}
    for doc in docs.values():
        if doc.format == "html":
            enrich(doc, (), catalogue)
            infos[doc.path] = parent_info(doc)
    for doc in docs.values():
        if doc.format != "html":
            enrich(doc, [infos[p] for p in parents.get(doc.path, []) if p in infos], catalogue)


def build_index(settings: Settings, wait: float = 0.0) -> RunReport:
    """Full rebuild of the index from the corpus, into a fresh folder swapped in atomically.

    Writing overlaps extraction, and no more than a few extracted documents are held in memory: web pages are
    extracted first and written as they come (they depend on nothing); the PDFs they publish come next, when
    every possible parent is known, and are enriched and written as they come too.
    """
    report = RunReport(mode="build", started=_now())
    t0 = time.perf_counter()
    index_root = settings.index
    with index_lock(index_root, wait):
        files, skipped = scan_corpus(settings.corpus)
        report.skipped = [asdict(s) for s in skipped]
        catalogue = load_catalogue(settings.corpus)
        t1 = time.perf_counter()
        _remove_stale_generations(index_root) if (index_root / CURRENT).exists() else None
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        gen = index_root / f"gen-{stamp}-{os.getpid()}-{secrets.token_hex(3)}"
        gen.mkdir(parents=True)
        try:
            ix = whoosh_index.create_in(str(gen), build_schema())
            writer = _writer(ix, limitmb=256)
            try:
                state, failures, timings = _extract_and_write(settings, files, catalogue, writer)
                writer.add_document(**catalogue_record(catalogue))
                writer.add_document(**manifest_record(state))
                (gen / "schema_version").write_text(str(SCHEMA_VERSION))
                t_commit = time.perf_counter()
                writer.commit()
                _checkpoint("build:committed")
            except BaseException:
                _abandon(writer)
                raise
            ix.close()
        except BaseException:
            shutil.rmtree(gen, ignore_errors=True)
            raise
        t4 = time.perf_counter()
        _swap_current(index_root, gen)
        _checkpoint("build:swapped")
        _remove_stale_generations(index_root)
        report.added = sorted(p for p, e in state.items() if e.kind == KIND_DOC)
        report.failed = [{"path": f.path, "reason": f.reason} for f in failures.values()]
        report.timings = {
            "scan": t1 - t0,
            "extract": timings["extract"],
            "enrich": timings["enrich"],
            "write": timings["write"] + (t4 - t_commit),
        }
        report.duration_s = time.perf_counter() - t0
        _write_last_run(index_root, report)
    logger.info(
        "Index construit : %s, %s en %.1f s",
        count(len(report.added), "document", "documents"),
        count(len(failures), "échec", "échecs"),
        report.duration_s,
    )
    return report


def _extract_and_write(
    settings: Settings, files: dict[str, FileInfo], catalogue: dict, writer: Any
) -> tuple[dict[str, _Indexed], dict[str, Failure], dict[str, float]]:
    """Extract every file (web pages first), enrich and write each document as soon as it can be."""
    resolver = LinkResolver(files.keys())
    pages_first = sorted(files.values(), key=lambda f: (f.path.lower().endswith(".pdf"), f.path))
    web_pages_left = sum(1 for f in pages_first if not f.path.lower().endswith(".pdf"))
    state: dict[str, _Indexed] = {}
    failures: dict[str, Failure] = {}
    parents: dict[str, list[ParentInfo]] = {}  # child path -> the posts that publish it
    waiting: list[Document] = []  # files other than web pages that came before the last web page
    timings = {"extract": 0.0, "enrich": 0.0, "write": 0.0}
    written = 0

    def write(doc: Document) -> None:
        nonlocal written
        t = time.perf_counter()
        for record in doc_records(doc):
            writer.add_document(**record)
        doc.analysed = None  # filed: free it now
        state[doc.path] = _doc_entry(doc)
        written += 1
        if written == len(files) // 2:
            _checkpoint("build:writing")
        timings["write"] += time.perf_counter() - t

    def enrich_child(doc: Document) -> None:
        t = time.perf_counter()
        enrich(doc, parents.get(doc.path, ()), catalogue)
        timings["enrich"] += time.perf_counter() - t

    started = time.perf_counter()
    on_done = _progress(len(pages_first), "Extraction")
    results = extract_many(settings.corpus, pages_first, settings, settings.index / CACHE, on_done, analyse=True)
    for result in results:
        if isinstance(result, Failure):
            logger.warning("Échec : %s — %s", result.path, result.reason)
            failures[result.path] = result
            if not result.path.lower().endswith(".pdf"):
                web_pages_left -= 1
        elif result.format == "html":
            t = time.perf_counter()
            resolver.resolve([result])
            enrich(result, (), catalogue)
            info = parent_info(result)
            for child in result.publishes:
                parents.setdefault(child, []).append(info)
            timings["enrich"] += time.perf_counter() - t
            write(result)
            web_pages_left -= 1
        else:
            waiting.append(result)
        if web_pages_left <= 0:  # every parent is known: the other files can go as they come
            for doc in waiting:
                enrich_child(doc)
                write(doc)
            waiting.clear()
    for doc in waiting:
        enrich_child(doc)
        write(doc)
    _checkpoint("build:extracted")
    for path in sorted(failures):
        writer.add_document(**failure_record(failures[path]))
        state[path] = _failure_entry(failures[path])
    timings["extract"] = time.perf_counter() - started - timings["write"] - timings["enrich"]
    return state, failures, timings


# ---------------------------------------------------------------------------------------------------------
# Update

# Merge policy of incremental updates. Each commit writes a new segment, and searching costs more with every
# segment; merging costs time at commit. Small segments (at most SMALL_SEGMENT records) accumulate until there are
# MAX_SMALL_SEGMENTS of them, then are merged together; larger ones are kept, and when more than
# MAX_LARGE_SEGMENTS of them exist, the two smallest are merged. A segment with over a quarter of its records
# deleted is rewritten. The work per update stays bounded whatever the size of the index, and a search never
# sees more than MAX_SMALL_SEGMENTS + MAX_LARGE_SEGMENTS + 1 segments.
SMALL_SEGMENT = 3000
MAX_SMALL_SEGMENTS = 4
MAX_LARGE_SEGMENTS = 3


def merge_policy(writer: Any, segments: list[Any]) -> list[Any]:
    """Whoosh merge policy (see above): merges some segments into the new one, returns those kept as they are."""
    from whoosh.reading import SegmentReader

    def total(seg: Any) -> int:
        return seg.doc_count_all()

    merge = [s for s in segments if s.deleted_count() > total(s) / 4]
    small = [s for s in segments if total(s) <= SMALL_SEGMENT and s not in merge]
    if len(small) >= MAX_SMALL_SEGMENTS:
        merge += small
    large = sorted((s for s in segments if total(s) > SMALL_SEGMENT and s not in merge), key=total)
    while len(large) > MAX_LARGE_SEGMENTS:
        merge += large[:2]
        large = large[2:]
    if not merge:
        return segments
    for seg in merge:
        reader = SegmentReader(writer.storage, writer.schema, seg)
        writer.add_reader(reader)
        reader.close()
    return [s for s in segments if s not in merge]


@dataclass
class _Indexed:
    """What the index knows of one file: enough to tell whether it changed and what it links to."""

    kind: str
    content_hash: str
    size: int
    mtime: float
    extractor: str
    format: str
    links: list[str]

    def entry(self) -> list[Any]:
        """The manifest form (a list, compact when pickled)."""
        return [self.kind, self.content_hash, self.size, self.mtime, self.extractor, self.format, self.links]


MANIFEST_UID = "meta:manifest"


def manifest_record(state: dict[str, _Indexed]) -> dict[str, Any]:
    """One record that lists every indexed or failed file (read by `update` instead of every document)."""
    return {"uid": MANIFEST_UID, "kind": KIND_META, "metadata": {p: e.entry() for p, e in state.items()}}


def _doc_entry(doc: Document) -> _Indexed:
    return _Indexed(
        KIND_DOC, doc.content_hash, doc.size, doc.mtime, extract.EXTRACTOR_VERSION, doc.format, link_keys(doc)
    )


def _failure_entry(failure: Failure) -> _Indexed:
    return _Indexed(KIND_FAILURE, failure.content_hash, failure.size, failure.mtime, extract.EXTRACTOR_VERSION, "", [])


def _indexed_state(searcher: Any) -> dict[str, _Indexed]:
    """The manifest of the index; rebuilt from the documents' stored fields when it is missing."""
    manifest = searcher.document(uid=MANIFEST_UID)
    if manifest is not None:
        return {path: _Indexed(*entry) for path, entry in (manifest.get("metadata") or {}).items()}
    state: dict[str, _Indexed] = {}
    for kind in (KIND_DOC, KIND_FAILURE):
        for fields in searcher.documents(kind=kind):
            state[fields["path"]] = _Indexed(
                kind,
                fields.get("content_hash") or "",
                fields.get("size") or 0,
                fields.get("mtime") or 0.0,
                fields.get("extractor") or "",
                fields.get("format") or "",
                [k for k in (fields.get("links") or "").split("\n") if k],
            )
    return state


def update_index(settings: Settings, wait: float = 0.0) -> RunReport:
    """Re-extract only new and changed files, remove deleted ones, keep post ↔ PDF relations right.

    Builds from scratch when there is no index yet (or when its schema is older).
    """
    index_root = settings.index
    live = current_dir(index_root)
    if not live.exists() or not whoosh_index.exists_in(str(live)) or _schema_version(live) != SCHEMA_VERSION:
        logger.info("Pas d’index à jour : construction complète.")
        return build_index(settings, wait)
    report = RunReport(mode="update", started=_now())
    t0 = time.perf_counter()
    with index_lock(index_root, wait):
        _remove_stale_generations(index_root)  # left by a build that was killed before its swap
        ix = open_index(index_root)
        try:
            report = _update_locked(settings, ix, report)
        finally:
            ix.close()
        report.duration_s = time.perf_counter() - t0
        _write_last_run(index_root, report)  # even when nothing changed: `status` names the last run
    return report


def _schema_version(gen: Path) -> int:
    try:
        return int((gen / "schema_version").read_text().strip())
    except (OSError, ValueError):
        return 0


def _update_locked(settings: Settings, ix: Any, report: RunReport) -> RunReport:
    t0 = time.perf_counter()
    files, skipped = scan_corpus(settings.corpus)
    report.skipped = [asdict(s) for s in skipped]
    with ix.searcher() as searcher:
        indexed = _indexed_state(searcher)
    removed = sorted(p for p in indexed if p not in files)
    candidates = [
        info
        for path, info in files.items()
        if path not in indexed
        or indexed[path].size != info.size
        or indexed[path].mtime != info.mtime
        or indexed[path].extractor != extract.EXTRACTOR_VERSION
    ]
    t1 = time.perf_counter()
    docs, failures = _extract(settings, candidates, "Mise à jour")
    t2 = time.perf_counter()
    # Same content, new mtime: rewritten (to store the new mtime) but not reported as changed.
    touched = {
        path
        for path, doc in docs.items()
        if path in indexed
        and indexed[path].kind == KIND_DOC
        and indexed[path].content_hash == doc.content_hash
        and indexed[path].extractor == extract.EXTRACTOR_VERSION
    }
    changed_posts: set[str] = {p for p, d in docs.items() if d.format == "html" and p not in touched} | {
        p for p in removed if indexed[p].format == "html"
    }
    # PDFs whose parents may have changed: linked by a changed, new or removed post (old or new links),
    # and new PDFs (an unchanged post may already link to them).
    catalogue = load_catalogue(settings.corpus)
    resolver = LinkResolver(files.keys())
    resolver.resolve(docs.values())
    cache = ExtractionCache(settings.index / CACHE)
    relinked: dict[str, Document] = {}

    def reload(path: str) -> Document | None:
        """A document that did not change, from the extraction cache (or extracted again)."""
        cached = cache.get(indexed[path].content_hash)
        if cached is None:
            more, more_failures = _extract(settings, [files[path]], "Relations")
            failures.update(more_failures)
            cached = more.get(path)
        if cached is not None:
            cached.path, cached.size, cached.mtime = path, files[path].size, files[path].mtime
        return cached

    # Documents whose catalogue entry changed are enriched again (posts now, files they publish below).
    with ix.searcher() as searcher:
        old_catalogue = (searcher.document(uid=CATALOGUE_UID) or {}).get("metadata") or {}
    new_catalogue = {path: asdict(entry) for path, entry in catalogue.items()}
    recatalogued = {
        p
        for p in set(old_catalogue) | set(new_catalogue)
        if old_catalogue.get(p) != new_catalogue.get(p)
        and p in indexed
        and indexed[p].kind == KIND_DOC
        and p not in docs
        and p not in removed
    }
    for path in sorted(recatalogued):
        if indexed[path].format == "html" and (doc := reload(path)) is not None:
            resolver.resolve([doc])
            relinked[path] = doc
            changed_posts.add(path)
    affected_keys: set[str] = set()
    for path in changed_posts:
        if path in indexed:
            affected_keys.update(indexed[path].links)
        if path in docs:
            affected_keys.update(link_keys(docs[path]))
    affected_children = {
        p
        for p, old in indexed.items()
        if old.kind == KIND_DOC
        and old.format != "html"
        and p not in removed
        and p not in docs
        and (p in affected_keys or _name_key(p) in affected_keys or p in recatalogued)
    }
    # Re-enrich: changed posts first, then changed and affected PDFs with all their current parents.
    fresh_posts = {p: d for p, d in {**docs, **relinked}.items() if d.format == "html"}
    for doc in fresh_posts.values():
        enrich(doc, (), catalogue)
    for path in sorted(affected_children):
        if (doc := reload(path)) is not None:
            relinked[path] = doc
    with ix.searcher() as searcher:
        for doc in list(docs.values()) + list(relinked.values()):
            if doc.format == "html":
                continue
            enrich(doc, _parents_of(doc.path, searcher, fresh_posts, removed, catalogue), catalogue)
    t3 = time.perf_counter()
    report.added = sorted(p for p in docs if p not in indexed)
    # A catalogue correction modifies the document it names (the documentalist expects to see it counted).
    report.updated = sorted({p for p in docs if p in indexed and p not in touched} | recatalogued)
    report.removed = removed
    report.relinked = sorted(set(relinked) - recatalogued)
    report.failed = [{"path": f.path, "reason": f.reason} for f in failures.values()]
    report.unchanged = len(files) - len(docs) - len(failures) + len(touched) - len(recatalogued)
    catalogue_changed = old_catalogue != new_catalogue
    if not (removed or docs or relinked or failures or catalogue_changed):
        report.timings = {"scan": t1 - t0, "extract": t2 - t1, "enrich": t3 - t2, "write": 0.0}
        return report
    _checkpoint("update:extracted")
    writer = _writer(ix, timeout=30.0)
    try:
        for path in removed:
            writer.delete_by_term("path", path)
        changed = {**docs, **relinked}
        for number, (path, doc) in enumerate(changed.items()):
            writer.delete_by_term("path", path)
            for record in doc_records(doc):
                writer.add_document(**record)
            if number == len(changed) // 2:
                _checkpoint("update:writing")
        for path, failure in failures.items():
            writer.delete_by_term("path", path)
            writer.add_document(**failure_record(failure))
        if catalogue_changed:
            writer.delete_by_term("uid", CATALOGUE_UID)
            writer.add_document(**catalogue_record(catalogue))
        state = {p: e for p, e in indexed.items() if p not in removed}
        state.update({p: _doc_entry(d) for p, d in {**docs, **relinked}.items()})
        state.update({p: _failure_entry(f) for p, f in failures.items()})
        writer.delete_by_term("uid", MANIFEST_UID)
        writer.add_document(**manifest_record(state))
        _checkpoint("update:before-commit")
        writer.commit(mergetype=merge_policy)
        _checkpoint("update:committed")
    except BaseException:
        _abandon(writer)
        raise
    t4 = time.perf_counter()
    report.timings = {"scan": t1 - t0, "extract": t2 - t1, "enrich": t3 - t2, "write": t4 - t3}
    return report


def _parents_of(
    child: str, searcher: Any, fresh: dict[str, Document], removed: list[str], catalogue: dict
) -> list[ParentInfo]:
    """The posts that publish `child`: freshly extracted ones, and unchanged ones from the index."""
    parents: dict[str, ParentInfo] = {}
    for doc in fresh.values():
        if doc.format == "html" and child in doc.publishes:
            parents[doc.path] = parent_info(doc)
    keys = [child]
    name_key = _name_key(child)
    if name_key:
        keys.append(name_key)
    for key in keys:
        for fields in searcher.documents(links=key):
            path = fields["path"]
            if fields.get("kind") != KIND_DOC or path in parents or path in fresh or path in removed:
                continue
            themes = tuple(t for t in (fields.get("themes") or "").split("\n") if t)
            parents[path] = ParentInfo(path, fields.get("title") or "", fields.get("year"), fields.get("date"), themes)
    return list(parents.values())


def _now() -> str:
    return datetime.now(UTC).astimezone().isoformat(timespec="seconds")
