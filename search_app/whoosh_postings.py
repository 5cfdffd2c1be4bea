"""The one module that reads Whoosh's posting lists through its codec's private attributes.

Whoosh's matchers give one posting per method call; reading a block at a time (`W3LeafMatcher._data`,
`_read_ids`, `_goto`) and a field's length column directly is what makes vectorised evaluation fast. A Whoosh
upgrade that changes these internals breaks this module alone (the evaluator's tests compare with Whoosh).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from itertools import accumulate
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.util.numeric import byte_to_length

_EMPTY_IDS = np.empty(0, dtype=np.int64)
_EMPTY_SCORES = np.empty(0, dtype=np.float64)
_BYTE_TO_LENGTH = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)
_BYTE_TO_LENGTH[0] = 1.0  # Whoosh's scorer asks for the length with a default of 1


def field_lengths(leaf_reader: Any, fieldname: str) -> np.ndarray:
    """Every record's length of one field in one segment, as Whoosh's scorer sees it (quantised)."""
    count = leaf_reader.doc_count_all()
    out = np.ones(count, dtype=np.float64)
    perdoc = getattr(leaf_reader, "_perdoc", None)
    column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN) if perdoc is not None else None
    if column is None:
        return out
    raw = column._dbfile.get(column._basepos, column._count * column._fixedlen) if column._count else b""
    stored = np.frombuffer(raw, dtype=np.uint8)[:count]
    out[: len(stored)] = _BYTE_TO_LENGTH[stored]
    return out


def leaf_arrays(matcher: Any) -> tuple[np.ndarray, np.ndarray]:
    """Document numbers and weights (term frequencies) of a fresh leaf matcher, block by block."""
    inner = matcher
    while not isinstance(inner, W3LeafMatcher) and hasattr(inner, "child"):
        inner = inner.child  # a deletion filter: deleted records are dropped by the caller's document set
    if not isinstance(inner, W3LeafMatcher):
        ids, weights = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
        return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float64)
    id_blocks: list[np.ndarray] = []
    weight_blocks: list[np.ndarray] = []
    while inner.is_active():
        if inner._data is None:
            inner._read_data()
        raw_ids = inner._data[0]
        if inner._byteids:
            block_ids = np.asarray(raw_ids, dtype=np.int64)
        else:
            block_ids = np.cumsum(np.asarray(raw_ids, dtype=np.int64))
        id_blocks.append(block_ids)
        raw_weights = inner._data[1]
        if raw_weights is None:
            weight_blocks.append(np.ones(len(block_ids)))
        elif isinstance(raw_weights, float | int):
            weight_blocks.append(np.full(len(block_ids), float(raw_weights)))
        else:
            weight_blocks.append(np.asarray(raw_weights, dtype=np.float64))
        inner._next_block()
    if not id_blocks:
        return _EMPTY_IDS, _EMPTY_SCORES
    return np.concatenate(id_blocks), np.concatenate(weight_blocks)


def block_index(matcher: W3LeafMatcher) -> tuple[list[int], list[int]]:
    """The last document number and the file position of every block of a fresh leaf matcher (Whoosh keeps
    no skip list: reaching a block means reading every block header before it)."""
    maxids: list[int] = []
    starts: list[int] = []
    position = matcher._baseoffset
    while matcher.is_active():
        maxids.append(matcher._maxid)
        starts.append(position)
        position = matcher._nextoffset
        matcher._next_block()
    return maxids, starts


# One block of postings as read: document numbers (in the segment), weights, and values (positions; None
# each when the field keeps none), as Whoosh's matcher holds them.
DecodedBlock = tuple[list[int], Any, Any]


def leaf_matcher(matcher: Any) -> Any:
    """The codec's own leaf matcher under a deletion filter, when there is one (the records asked for by the
    evaluator are live ones)."""
    while not isinstance(matcher, W3LeafMatcher) and hasattr(matcher, "child"):
        matcher = matcher.child
    return matcher


def read_block(matcher: W3LeafMatcher, position: int) -> DecodedBlock:
    """The block that starts at file `position` (see `block_index`), decoded."""
    matcher._goto(position)
    ids = _block_ids(matcher)
    matcher._read_weights()
    matcher._read_values()
    return ids, matcher._weights, matcher._values


# The postings found at given records: their document numbers, weights and values (None each unless asked).
Found = tuple[list[int], list[float], list[Any]]


def postings_at(
    matcher: Any, docs: list[int], values: bool, blocks: tuple[list[int], list[int]] | None, block_at: Any = None
) -> Found:
    """The postings of `docs` (sorted, in the matcher's numbering) that the term has.

    With the term's block index, only the blocks that may hold one of `docs` are read (`block_at(b)` gives
    the decoded block number b: `read_block` by default), found by bisection on their last document numbers;
    inside a block the documents are found by bisection too. Without it, the matcher skips to each.
    """
    found: list[int] = []
    weights: list[float] = []
    found_values: list[Any] = []
    if blocks is None:
        for d in docs:
            if not matcher.is_active():
                break
            if matcher.id() < d:
                matcher.skip_to(d)
                if not matcher.is_active():
                    break
            if matcher.id() == d:
                found.append(d)
                weights.append(matcher.weight())
                found_values.append(matcher.value() if values else None)
        return found, weights, found_values
    maxids, starts = blocks
    if block_at is None:
        block_at = lambda b: read_block(matcher, starts[b])  # noqa: E731
    i, count = 0, len(docs)
    while i < count:
        b = bisect_left(maxids, docs[i])
        if b >= len(maxids):
            break
        block, block_weights, block_values = block_at(b)
        maxid = maxids[b]
        while i < count and docs[i] <= maxid:
            j = bisect_left(block, docs[i])
            if j < len(block) and block[j] == docs[i]:
                found.append(docs[i])
                weights.append(block_weights[j])
                found_values.append(block_values[j] if values else None)
            i += 1
    return found, weights, found_values


def _block_ids(matcher: W3LeafMatcher) -> Any:
    """The document numbers of the matcher's current block: `_read_ids` without its delta decoding one Python
    generator step per posting (`itertools.accumulate` gives the same numbers)."""
    if matcher._data is None:
        matcher._read_data()
    raw = matcher._data[0]
    ids = raw if matcher._byteids else list(accumulate(raw))
    matcher._ids = ids
    return ids


def _leaf_ids(matcher: Any) -> Iterable[int]:
    """The document numbers of a fresh leaf matcher, read a block at a time when the codec allows it."""
    inner = matcher
    while hasattr(inner, "child") and not isinstance(inner, W3LeafMatcher):
        inner = inner.child
    if isinstance(inner, W3LeafMatcher) and inner is not matcher:
        return matcher.all_ids()  # a deletion filter wraps it: let it filter
    if isinstance(inner, W3LeafMatcher):
        out: list[int] = []
        while inner.is_active():
            if inner._ids is None:
                inner._read_ids()
            out.extend(inner._ids)
            inner._next_block()
        return out
    return matcher.all_ids()


def term_docs(searcher: Any, fieldname: str, text: str | bytes) -> frozenset[int]:
    """Global numbers of the documents (any kind, deletions excluded) that contain one term."""
    out: set[int] = set()
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        if (fieldname, text) not in reader:
            continue
        ids = _leaf_ids(reader.postings(fieldname, text))
        if offset:
            out.update(i + offset for i in ids)
        else:
            out.update(ids)
    return frozenset(out)
