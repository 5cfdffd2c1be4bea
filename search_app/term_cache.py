"""The term cache: what the evaluator keeps of an index generation between requests, each part bounded.

Per (field, term): its postings as numpy arrays (record numbers and BM25F scores), its scorer's constants; per
segment and term: its block index (where each block of postings starts) and the blocks already decoded at given
records. One `TermCache` per index generation (`IndexHandle.term_cache`), shared by the server's threads.
"""

from __future__ import annotations

import threading
from typing import Any

import cachetools
import numpy as np

from search_app.postings import Postings
from search_app.whoosh_postings import DecodedBlock

# Postings kept in the cache (16 bytes each: a document number and a score): at least this many, and
# CACHE_POSTINGS_PER_RECORD per record of the index, so that a large index keeps its common terms (at 100,000
# documents and their pages: about 14 million postings, 220 MB at most).
CACHE_POSTINGS = 8_000_000
CACHE_POSTINGS_PER_RECORD = 64
MAX_BLOCK_INDEXES = 20_000  # terms whose block index is kept
MAX_SCORERS = 20_000  # terms whose scorer constants are kept
_MISSING = object()
# Posting blocks kept decoded (document numbers, weights, positions), in bytes as `decoded_size` counts them:
# decompressing and unpickling a block is most of what reading positions at given records costs, and the
# blocks of common words are read by most queries.
DECODED_BLOCK_BYTES = 32 * 2**20
POSTING_OVERHEAD = 96  # bytes of one posting in a decoded block besides its value: an int, a weight, a bytes object


def cache_size_for(records: int) -> int:
    """The term cache's bound for an index of `records` records (documents and pages)."""
    return max(CACHE_POSTINGS, CACHE_POSTINGS_PER_RECORD * records)


def decoded_size(block: DecodedBlock) -> int:
    """About how many bytes a decoded block holds (its values, and POSTING_OVERHEAD per posting)."""
    ids, _weights, values = block
    return POSTING_OVERHEAD * len(ids) + sum(map(len, filter(None, values)))


class TermCache:
    """(field, term) → Postings for one index generation, bounded in total postings (least recently used
    first out); thread-safe. A term with more postings than the whole bound is not kept."""

    def __init__(
        self,
        max_postings: int = CACHE_POSTINGS,
        max_decoded_bytes: int = DECODED_BLOCK_BYTES,
        max_terms: int = MAX_SCORERS,
    ) -> None:
        self.max_postings = max_postings
        self._lock = threading.Lock()
        self._items: cachetools.LRUCache = cachetools.LRUCache(maxsize=max_postings, getsizeof=len)
        self.lengths: dict[tuple[int, str], np.ndarray] = {}  # (segment offset, field) → record lengths
        # (segment offset, field, term) → block index (see `block_index`): a few numbers per block
        self._blocks: cachetools.LRUCache = cachetools.LRUCache(maxsize=MAX_BLOCK_INDEXES)
        self._scoring: cachetools.LRUCache = cachetools.LRUCache(maxsize=max_terms)  # (field, term) → constants
        # (segment offset, field, term, block number) → the decoded block, bounded in bytes (`decoded_size`)
        self._decoded: cachetools.LRUCache = cachetools.LRUCache(maxsize=max_decoded_bytes, getsizeof=decoded_size)

    def get(self, key: tuple[str, str]) -> Postings | None:
        with self._lock:
            return self._items.get(key)

    def put(self, key: tuple[str, str], value: Postings) -> None:
        if len(value) > self.max_postings:
            return
        with self._lock:
            if key not in self._items:
                self._items[key] = value

    def block_index(self, key: tuple[int, str, bytes], compute: Any) -> tuple[list[int], list[int]]:
        """The block index of one term in one segment (`compute()` on a miss)."""
        with self._lock:
            found = self._blocks.get(key)
        if found is None:
            found = compute()
            with self._lock:
                self._blocks[key] = found
        return found

    def scoring(self, key: tuple[str, bytes], compute: Any) -> Any:
        """What `compute()` gives for one term (its scorer's constants), kept (bounded, least recently used out)."""
        with self._lock:
            found = self._scoring.get(key, _MISSING)
        if found is _MISSING:
            found = compute()
            with self._lock:
                self._scoring[key] = found
        return found

    def known_block_index(self, key: tuple[int, str, bytes]) -> tuple[list[int], list[int]] | None:
        """The block index of one term in one segment if it is kept (then the term is in the segment)."""
        with self._lock:
            return self._blocks.get(key)

    def decoded_block(self, key: tuple[int, str, bytes, int], read: Any) -> DecodedBlock:
        """One decoded posting block (`read()` on a miss; a block larger than the whole bound is not kept)."""
        with self._lock:
            found = self._decoded.get(key)
        if found is None:
            found = read()
            if decoded_size(found) <= self._decoded.maxsize:
                with self._lock:
                    self._decoded[key] = found
        return found

    def decoded_bytes(self) -> int:
        """The bytes the decoded blocks kept hold (as `decoded_size` counts them)."""
        with self._lock:
            return int(self._decoded.currsize)
