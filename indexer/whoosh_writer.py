"""Whoosh's index writer, made faster and safer for this index: the one module (with `indexer.whoosh_pool` and
`indexer.whoosh_blocks`) that touches Whoosh's write internals.

- `open_writer`: compressed posting blocks, short posting lists kept in the term table, separate segment
  files, postings grouped by term, field lengths read once per field, a compact term table;
- `abandon`: a failed writer cancelled without leaving its lock or open files behind;
- `merge_policy`: how incremental updates merge segments.

The files written are those Whoosh would write (tests/test_writer.py compares them byte for byte).
"""

from __future__ import annotations

import contextlib
import logging
import pickle
import types
from array import array
from typing import Any

from whoosh.system import pack_ushort
from whoosh.util.numeric import length_to_byte
from whoosh.writing import PostingPool

from indexer.whoosh_blocks import fill_blocks, inlined_term_info
from indexer.whoosh_pool import GroupedPostingPool, triples

logger = logging.getLogger(__name__)


# zlib level of posting blocks: positions are pickled lists of small deltas, which level 1 already shrinks
# by half for little CPU (higher levels gain a few per cent for several times the time).
COMPRESSION = 1
# Posting lists shorter than this are kept in the term table instead of a block of their own: a block costs
# about 60 bytes of headers, more than its postings, and most terms (word pairs, rare words, numbers) have
# one or two postings.
INLINE_LIMIT = 8


def open_writer(ix: Any, **options: Any) -> Any:
    """A Whoosh writer: compressed posting blocks, short posting lists inlined in the term table (see
    `COMPRESSION` and `INLINE_LIMIT`). Its posting pool groups postings by term (see `GroupedPostingPool`).

    Segments are left as separate files, not assembled into one compound file: Whoosh opens a compound
    file through mmap but then copies each of its parts into a BytesIO, so every searcher would hold a
    private copy of the postings in memory; separate files are
    read through the page cache, shared by all searchers.
    """
    from whoosh.codec.whoosh3 import W3Codec

    options.setdefault("compound", False)
    writer = ix.writer(codec=W3Codec(compression=COMPRESSION, inlinelimit=INLINE_LIMIT), **options)
    _inline_short_lists(writer)
    pool = getattr(writer, "pool", None)
    if pool is not None and type(pool) is PostingPool and not pool.current and not pool.runs:
        grouped = GroupedPostingPool(pool.tempstore, pool.segment)
        grouped.limit = pool.limit
        writer.pool = grouped
        if not any(f.vector or f.separate_spelling() for f in writer.schema._fields.values()):
            writer.add_document = types.MethodType(_add_document_grouped, writer)
    if hasattr(writer, "_flush_segment") and hasattr(writer, "fieldwriter"):
        writer._flush_segment = types.MethodType(_flush_segment_with_lengths, writer)
    return writer


def _inline_short_lists(writer: Any) -> None:
    """Make the writer's field writer inline short posting lists (see `_InliningFieldWriter`)."""
    from whoosh.codec.whoosh3 import W3FieldWriter

    fieldwriter = getattr(writer, "fieldwriter", None)
    if type(fieldwriter) is W3FieldWriter:
        fieldwriter.__class__ = _InliningFieldWriter


def _inlining_field_writer_class() -> type:

    from whoosh.codec.whoosh3 import W3FieldWriter, W3PostingsWriter, W3TermInfo

    class InlinedTermInfo(W3TermInfo):
        """A term info whose inlined postings are pickled with the current protocol: Whoosh's protocol 2
        writes each bytes value as a call to `_codecs.encode` (60 bytes for a 4-byte frequency). Whoosh's
        reader unpickles any protocol."""

        def to_bytes(self) -> bytes:
            # The fields of `W3TermInfo.to_bytes`, packed here rather than cut from its output: it pickles
            # the postings too, and that was most of its time.
            minlength = 0 if self._minlength is None else length_to_byte(self._minlength)
            minid = 0xFFFFFFFF if self._minid is None else self._minid
            maxid = 0xFFFFFFFF if self._maxid is None else self._maxid
            head = self._struct.pack(
                True, self._weight, self._df, minlength, length_to_byte(self._maxlength), self._maxweight, minid, maxid
            )
            return head + pickle.dumps(self._inlined, pickle.HIGHEST_PROTOCOL)

    class InliningPostingsWriter(W3PostingsWriter):
        """Whoosh's postings writer, its inlining of short posting lists made to work: Whoosh 2.7 calls a
        method its term info does not have (`set_inline` for `set_inlined`), so that only an inline limit of
        1 (nothing inlined) could be used. Whoosh's reader reads inlined lists as any other."""

        def finish_postings(self) -> Any:
            if self.written() or len(self) >= self._inlinelimit:
                return super().finish_postings()
            terminfo = self._terminfo
            terminfo.add_block(self)
            # A format without values (an ID field) has none: Whoosh's reader would then give "" for each
            # posting, which its own merge refuses (it wants bytes or None).
            values = self._values or (None,) * len(self._ids)
            # Weights all 1.0 (most short lists) are left out: Whoosh's list matcher then gives 1.0.
            weights = None if all(w == 1.0 for w in self._weights) else tuple(self._weights)
            terminfo._inlined = (tuple(self._ids), weights, tuple(values))
            terminfo.__class__ = InlinedTermInfo
            self._terminfo = None
            return terminfo

    class InliningFieldWriter(W3FieldWriter):
        """Whoosh's field writer with `InliningPostingsWriter` (the codec, pickled into the index, stays
        Whoosh's own)."""

        def start_field(self, fieldname: str, fieldobj: Any) -> None:
            super().start_field(fieldname, fieldobj)
            if type(self._postwriter) is W3PostingsWriter:
                self._postwriter.__class__ = InliningPostingsWriter

    InliningFieldWriter.inlined_term_info = InlinedTermInfo  # type: ignore[attr-defined]
    InliningFieldWriter.postings_writer = InliningPostingsWriter  # type: ignore[attr-defined]
    return InliningFieldWriter


_InliningFieldWriter = _inlining_field_writer_class()
_InliningPostingsWriter = _InliningFieldWriter.postings_writer  # type: ignore[attr-defined]


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


def abandon(writer: Any) -> None:
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
    length bounds); Whoosh reads it from the column file each time, a seek and a read per posting.
    """
    self.perdocwriter.close()
    pdr = self.per_document_reader() if self.codec.length_stats else None
    lengths = _FieldLengths(pdr) if pdr else None
    _compact_term_table(self.fieldwriter)
    if isinstance(self.pool, GroupedPostingPool):
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


def _add_grouped_postings(fieldwriter: Any, schema: Any, lengths: _FieldLengths | None, pool: Any) -> None:
    """Whoosh's `FieldWriter.add_postings`, a term at a time from a `GroupedPostingPool`."""
    from whoosh.codec.whoosh3 import W3FieldWriter

    lastfn = None
    field_lengths: list[int] = []
    add = fieldwriter.add
    by_block = isinstance(fieldwriter, W3FieldWriter)  # `fill_blocks` knows its postings writer
    inline_below = 0  # postings (flat list items) under which a term is inlined by `inlined_term_info`
    key_prefix = b""
    add_term_info = getattr(getattr(fieldwriter, "_tindex", None), "add", None)
    for fieldname, tbytes, postings in pool.iter_terms():
        if fieldname != lastfn:
            if lastfn is not None:
                fieldwriter.finish_field()
            fieldwriter.start_field(fieldname, schema[fieldname])
            lastfn = fieldname
            field_lengths = lengths.of(fieldname) if lengths else []
            postwriter = getattr(fieldwriter, "_postwriter", None)
            inline_below = 3 * postwriter._inlinelimit if type(postwriter) is _InliningPostingsWriter else 0
            key_prefix = pack_ushort(fieldwriter._fieldid) if inline_below else b""
        if len(postings) < inline_below:  # what start_term, fill_blocks and finish_term would file
            add_term_info(key_prefix + tbytes, inlined_term_info(postings, field_lengths))
            continue
        fieldwriter.start_term(tbytes)
        if by_block:
            fill_blocks(fieldwriter._postwriter, postings, field_lengths)
        else:
            count = len(field_lengths)
            for docnum, weight, vbytes in triples(postings):
                add(docnum, weight, vbytes or b"", field_lengths[docnum] if docnum < count else 0)
        fieldwriter.finish_term()
    if lastfn is not None:
        fieldwriter.finish_field()


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
