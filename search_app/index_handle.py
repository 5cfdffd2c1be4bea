"""The index handle: the app's open index, its searchers kept open and renewed on change, never opened per
request, and what is computed once per index generation.

Each server thread keeps its own searcher (Whoosh readers are not meant to be shared between threads) and
reopens it when the index changes: a build swaps the `current` link (the index is reopened), an update
commits a new generation (a new searcher is opened on it). Per-generation data shared by all threads (the documents
of each facet value, the date orders, the page records' parents, the term cache) is computed once per generation,
each by a named method.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from whoosh.query import Term

from indexer.errors import IndexMissingError
from indexer.records import KIND_DOC, StoredDoc
from indexer.store import CURRENT, open_index
from search_app.facets import FACETS, FacetMasks
from search_app.page_records import PageRecords
from search_app.term_cache import TermCache, cache_size_for
from search_app.tuning import ranking_model

logger = logging.getLogger(__name__)


class IndexHandle:
    """Access to the live index for one app: `searcher()` gives this thread's up-to-date searcher."""

    def __init__(self, index_root: Path) -> None:
        self.index_root = Path(index_root)
        self._lock = threading.Lock()
        self._local = threading.local()
        self._ix: Any = None
        self._target: str | None = None
        self._shared: dict[tuple[str, int], dict[str, Any]] = {}
        self._failed: tuple[tuple[Any, ...], str] | None = None
        self._open: list[Any] = []  # every thread's searcher, closed with the handle (their files with them)

    def _live_target(self) -> str | None:
        try:
            return os.readlink(self.index_root / CURRENT)
        except OSError:
            return None

    def _index(self) -> tuple[Any, str | None]:
        target = self._live_target()
        with self._lock:
            if self._ix is None or target != self._target:
                old = self._ix
                self._ix = open_index(self.index_root)
                self._target = target
                self._shared.clear()
                if old is not None:
                    old.close()
            return self._ix, self._target

    def searcher(self) -> Any:
        """This thread's searcher, reopened or refreshed if the index changed since its last use."""
        ix, target = self._index()
        local = self._local
        searcher = getattr(local, "searcher", None)
        if searcher is None or local.target != target or searcher.is_closed:
            if searcher is not None:
                self._forget(searcher)
            local.searcher = self._remember(ix.searcher(weighting=ranking_model()))
            local.target = target
        elif not local.searcher.up_to_date():
            # Not `searcher.refresh()`: it reuses the readers of unchanged segment names, and those keep their
            # old deletion sets, so documents deleted by an update would still be found (see the smoke test).
            self._forget(local.searcher)
            local.searcher = self._remember(ix.searcher(weighting=ranking_model()))
        return local.searcher

    def _remember(self, searcher: Any) -> Any:
        with self._lock:
            self._open.append(searcher)
        return searcher

    def _forget(self, searcher: Any) -> None:
        with self._lock:
            if searcher in self._open:
                self._open.remove(searcher)
        searcher.close()

    def healthy(self) -> tuple[bool, str]:
        """Whether the index is open and searchable, with a French reason when not.

        Besides opening it, reads one document record once per index generation, so that a truncated
        or missing segment file is found here (a 503 with the reason) rather than in the middle of a search.
        """
        failed = self._failed
        if failed is not None and failed[0] == self._fingerprint():
            return False, failed[1]  # same damaged files as last time: do not reopen them on every request
        try:
            searcher = self.searcher()
            searcher.doc_count()
            self._shared_value(searcher, "checked", _read_one_record)
            self._failed = None
            return True, "ok"
        except IndexMissingError as exc:
            return False, str(exc)
        except Exception as exc:  # a corrupt index must give a clear 503, not a traceback
            reason = damaged_reason(exc)
            logger.error("Index inutilisable : %s", reason)
            logger.debug("Index inutilisable", exc_info=True)
            self._failed = (self._fingerprint(), reason)
            return False, reason

    def _fingerprint(self) -> tuple[Any, ...]:
        """What the live index's files are (names, sizes, dates): a rebuild or a repair changes it."""
        live = self.index_root / CURRENT
        try:
            entries = sorted((e.name, e.stat().st_size, e.stat().st_mtime_ns) for e in os.scandir(live))
        except OSError:
            entries = []
        return (self._live_target(), *entries)

    def last_modified(self) -> float:
        """When the live index was last written (its last commit: a build or an update), as a POSIX time."""
        ix, _target = self._index()
        return float(ix.last_modified())

    # -----------------------------------------------------------------------------------------------------
    # Computed once per index generation, shared by all threads.

    def facet_postings(self, searcher: Any) -> dict[str, dict[str, frozenset[int]]]:
        """For each facet field, value → the document records that have it (see `facet_postings`)."""
        return self._shared_value(searcher, "facet_postings", facet_postings)

    def documents(self, searcher: Any) -> frozenset[int]:
        """The document records (not page records)."""
        return self.facet_postings(searcher)["_docs"]["all"]

    def universe(self, searcher: Any) -> np.ndarray:
        """The document records, as a sorted array."""
        return self._shared_value(searcher, "universe", lambda s: np.array(sorted(self.documents(s)), dtype=np.int64))

    def facet_masks(self, searcher: Any) -> FacetMasks:
        """The facet postings as masks over record numbers."""
        return self._shared_value(
            searcher, "facet_masks", lambda s: FacetMasks(self.facet_postings(s), s.doc_count_all())
        )

    def source_labels(self, searcher: Any) -> dict[str, str]:
        """Source name → its French label, for the sources the index holds (one stored record read each)."""
        return self._shared_value(searcher, "source_labels", lambda s: source_labels(s, self.facet_postings(s)))

    def term_cache(self, searcher: Any) -> TermCache:
        """The evaluator's cache of term postings."""
        return self._shared_value(searcher, "term_cache", lambda s: TermCache(cache_size_for(s.doc_count_all())))

    def page_records(self, searcher: Any) -> PageRecords:
        """The page records and the document record each belongs to."""
        return self._shared_value(searcher, "page_records", lambda s: PageRecords.of(s, self.universe(s)))

    def date_orders(self, searcher: Any) -> dict[str, list[int]]:
        """The document records newest first (`date_desc`) and oldest first (`date_asc`), undated last."""
        return self._shared_value(searcher, "date_orders", lambda s: date_orders(s, self.documents(s)))

    def _shared_value(self, searcher: Any, name: str, compute: Callable[[Any], Any]) -> Any:
        """A value computed once per index generation, shared by all threads."""
        key = (self._target or "", searcher.reader().generation())
        with self._lock:
            bucket = self._shared.get(key)
            if bucket is None:
                self._shared = {key: {}}
                bucket = self._shared[key]
            if name in bucket:
                return bucket[name]
        value = compute(searcher)
        with self._lock:
            self._shared.setdefault(key, {})[name] = value
        return value

    def close(self) -> None:
        """Close every thread's searcher (their files) and the index; call it when no search is running."""
        self._local.searcher = None
        with self._lock:
            searchers, self._open = self._open, []
            for searcher in searchers:
                with contextlib.suppress(Exception):
                    searcher.close()
            if self._ix is not None:
                self._ix.close()
                self._ix = None

    def __del__(self) -> None:  # an app dropped without `close()` (tests): its files closed, not leaked
        with contextlib.suppress(Exception):
            self.close()


def facet_postings(searcher: Any) -> dict[str, dict[str, frozenset[int]]]:
    """For each facet field, value → the doc-record numbers that have it."""
    doc_kind = set(searcher.docs_for_query(Term("kind", KIND_DOC)))
    reader = searcher.reader()
    out: dict[str, dict[str, frozenset[int]]] = {}
    for fieldname in (facet.field for facet in FACETS):
        values: dict[str, frozenset[int]] = {}
        for raw in reader.lexicon(fieldname):
            value = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            docs = frozenset(d for d in searcher.docs_for_query(Term(fieldname, value)) if d in doc_kind)
            if docs:
                values[value] = docs
        out[fieldname] = values
    out["_docs"] = {"all": frozenset(doc_kind)}
    return out


def source_labels(searcher: Any, postings: dict[str, dict[str, frozenset[int]]]) -> dict[str, str]:
    """The label of each source, read from one of its documents."""
    labels = {}
    for name, docs in postings.get("source", {}).items():
        labels[name] = StoredDoc(searcher.stored_fields(min(docs))).source_label or name
    return labels


def date_orders(searcher: Any, universe: frozenset[int]) -> dict[str, list[int]]:
    """The document records newest first and oldest first, undated ones last in both (once per generation)."""
    reader = searcher.reader()
    if reader.has_column("date"):
        column = reader.column_reader("date")
        keyed = [(_text(column[docnum]), docnum) for docnum in universe]
    else:
        keyed = [(reader.stored_fields(docnum).get("date") or "", docnum) for docnum in universe]
    dated = sorted((k, d) for k, d in keyed if k)
    undated = sorted(d for k, d in keyed if not k)
    return {
        "date_asc": [d for _k, d in dated] + undated,
        "date_desc": [d for _k, d in reversed(dated)] + undated,
    }


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return value or ""


REBUILD_HINT = "reconstruisez-le avec « python -m indexer build »"


def damaged_reason(error: BaseException) -> str:
    """« index endommagé ou incomplet (EOFError : Ran out of input) : reconstruisez-le avec … »."""
    detail = " ".join(str(error).split())
    if len(detail) > 160:
        detail = detail[:157] + "…"
    name = type(error).__name__
    if name == "error":  # zlib.error, struct.error
        name = f"{type(error).__module__}.error"
    cause = f"{name} : {detail}" if detail else name
    return f"index endommagé ou incomplet ({cause}) : {REBUILD_HINT}"


def _read_one_record(searcher: Any) -> bool:
    for docnum in searcher.docs_for_query(Term("kind", KIND_DOC)):
        searcher.stored_fields(docnum)
        break
    return True


def check_index(index_root: Path) -> tuple[bool, str]:
    """Open the index at `index_root` as the server will, and say whether it is usable (French reason)."""
    handle = IndexHandle(Path(index_root))
    try:
        return handle.healthy()
    finally:
        handle.close()
