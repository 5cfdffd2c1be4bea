"""One term's postings as the bytes Whoosh's W3 codec writes: an entry of the term table for a short list
(inlined), or the postings writer's blocks for a longer one, filled a block at a time.

Used by `indexer.whoosh_writer` at the final commit, where the cost per term and per posting is most of the
writing; the bytes are Whoosh's own (tests/test_writer.py compares them).
"""

from __future__ import annotations

import pickle
from array import array
from typing import Any

from whoosh.codec.whoosh3 import W3TermInfo
from whoosh.util.numeric import length_to_byte

_TERM_INFO = W3TermInfo._struct  # flags, weight, frequency, min and max length bytes, max weight, first and last id


def inlined_term_info(postings: list[Any], field_lengths: list[int]) -> bytes:
    """The term table entry of a term whose postings (a flat list, fewer than the inline limit) are inlined:
    the bytes `fill_blocks` then `InliningPostingsWriter.finish_postings` and `InlinedTermInfo.to_bytes`
    give, without their objects (most terms are inlined, and these were most of the final commit's time per
    term)."""
    ids = postings[0::3]
    raw_weights = postings[1::3]
    weights = array("f", raw_weights)  # stored as 32-bit floats, and summed as such
    values = tuple(v for v in postings[2::3] if v) or (None,) * len(ids)
    count = len(field_lengths)
    found = [field_lengths[d] for d in ids if d < count and field_lengths[d]]
    head = _TERM_INFO.pack(
        True,
        sum(weights),
        len(ids),
        length_to_byte(min(found)) if found else 0,
        length_to_byte(max(found)) if found else 0,
        max(0, max(raw_weights)),
        ids[0],
        ids[-1],
    )
    inlined = (tuple(ids), None if all(w == 1.0 for w in weights) else tuple(weights), values)
    return head + pickle.dumps(inlined, pickle.HIGHEST_PROTOCOL)


def fill_blocks(postwriter: Any, postings: list[Any], field_lengths: list[int]) -> None:
    """Fill Whoosh's W3 postings writer with one term's postings (a flat list), a block at a time.

    What `add_posting` does one posting at a time (a call, four type checks, the block's statistics updated per
    posting), done per block with list slices, for less CPU per posting. The blocks and their statistics are the
    same bytes (tests/test_writer.py compares them with Whoosh's own).
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
