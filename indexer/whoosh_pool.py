"""A Whoosh posting pool that groups postings by term: the index writer's memory and sorting, made cheaper.

It subclasses Whoosh's `PostingPool` and uses its run files; with `indexer.whoosh_writer`, the only module
that touches Whoosh's write internals.
"""

from __future__ import annotations

import heapq
import marshal
from collections.abc import Iterable, Iterator
from typing import Any

from whoosh.writing import PostingPool


class GroupedPostingPool(PostingPool):
    """Whoosh's posting pool, with postings grouped by term instead of sorted one by one.

    Whoosh's pool keeps one tuple per posting, sorts them all by (field, term, document) at every run it saves, and
    merges the runs a posting at a time, which makes it a large part of the writer's time. Documents are numbered in
    the order they are added, so the postings of a term arrive already in document order: keeping a list per term,
    only the terms need sorting, and runs are merged a term at a time (a term's postings from an earlier run come
    first). A term whose postings do arrive out of order (Whoosh adds no such postings today) is sorted, in its run
    and again when runs are merged.
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
                    postings = sort_flat(postings)
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
                    last = (last[0], last[1], sort_flat(postings))
                continue
            if last is not None:
                yield last
            last = item
        if last is not None:
            yield last

    def iter_postings(self) -> Iterator[tuple[str, bytes, int, float, bytes | None]]:
        """Whoosh's interface: one (field, term, document, weight, value) tuple per posting, in order."""
        for fieldname, tbytes, postings in self.iter_terms():
            for docnum, weight, vbytes in triples(postings):
                yield fieldname, tbytes, docnum, weight, vbytes

    def items(self, maxfiles: int = 128) -> Iterator[tuple[str, bytes, int, float, bytes | None]]:
        return self.iter_postings()


def triples(postings: list[Any]) -> Iterator[tuple[int, float, bytes | None]]:
    """The (document, weight, value) postings of a flat posting list."""
    flat = iter(postings)
    return zip(flat, flat, flat, strict=True)


def sort_flat(postings: list[Any]) -> list[Any]:
    """A flat posting list (document, weight, value, …) sorted by document."""
    return [x for triple in sorted(triples(postings), key=lambda p: p[0]) for x in triple]
