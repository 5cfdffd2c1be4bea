"""Fast evaluation of a search: which documents match, and in what order, without scoring every hit.

Whoosh finds matches one document at a time through a tree of matchers (a Python method call per document
per node) and scores every one of them; at 10,000 documents a common word costs hundreds of milliseconds.
A search needs far less than that:

- the **set** of matching documents (for the total and the facet counts) is computed from posting lists as
  sets of document numbers: unions for OR, intersections for AND. The set of each term is read once per
  index generation, block by block, and kept in a bounded cache shared by the server's threads;
- the **order** is computed only for the page shown: Whoosh scores the query for the `limit` best documents
  among those that pass the filters (its block-quality skipping applies), and the proximity bonus (the typed
  words standing together) is computed only for those candidates, from their positions;
- the **date orders** are computed once per generation: browsing and date sorting walk them.

The semantics are those of the Whoosh queries built by `search_app.query` (the relevance benchmark and the
tests compare them); the one approximation is documented in `rank_page`.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from whoosh import query as wq
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import ListMatcher, NullMatcher, WrappingMatcher
from whoosh.query.spans import SpanNear2

logger = logging.getLogger(__name__)

# Largest number of document numbers kept in the term cache (about 30 bytes each in a frozenset).
TERM_CACHE_IDS = 4_000_000


class TermSetCache:
    """Term → frozenset of global document numbers, for one index generation, bounded in total size."""

    def __init__(self, max_ids: int = TERM_CACHE_IDS) -> None:
        self.max_ids = max_ids
        self._lock = threading.Lock()
        self._sets: OrderedDict[tuple[str, str], frozenset[int]] = OrderedDict()
        self._size = 0

    def get(self, key: tuple[str, str], compute: Callable[[], frozenset[int]]) -> frozenset[int]:
        """The cached set of `key`, computed on a miss."""
        with self._lock:
            found = self._sets.get(key)
            if found is not None:
                self._sets.move_to_end(key)
                return found
        value = compute()
        with self._lock:
            if key not in self._sets:
                self._sets[key] = value
                self._size += len(value)
                while self._size > self.max_ids and len(self._sets) > 1:
                    _key, dropped = self._sets.popitem(last=False)
                    self._size -= len(dropped)
        return value


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


class DocSets:
    """Evaluates Whoosh queries to sets of document numbers, with a term cache."""

    def __init__(self, searcher: Any, cache: TermSetCache, universe: frozenset[int]) -> None:
        self.searcher = searcher
        self.cache = cache
        self.universe = universe  # what `Every` matches: the document records

    def term(self, fieldname: str, text: str | bytes) -> frozenset[int]:
        """The documents with one term (cached)."""
        key = (fieldname, text.decode("utf-8") if isinstance(text, bytes) else text)
        return self.cache.get(key, lambda: term_docs(self.searcher, fieldname, text))

    def of(self, q: wq.Query) -> frozenset[int]:
        """The documents `q` matches (a superset of nothing: exactly Whoosh's matches for these query types)."""
        if isinstance(q, wq.Term):
            return self.term(q.fieldname, q.text)
        if isinstance(q, wq.Every):
            return self.universe
        if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
            return frozenset()
        if isinstance(q, wq.Or):
            if q.minmatch and q.minmatch > 1:
                return frozenset(q.docs(self.searcher))
            out: set[int] = set()
            for sub in q.subqueries:
                out |= self.of(sub)
            return frozenset(out)
        if isinstance(q, wq.And):
            return self._intersection(q.subqueries)
        if isinstance(q, wq.AndMaybe):
            return self.of(q.a)
        if isinstance(q, wq.AndNot):
            return self.of(q.a) - self.of(q.b)
        if isinstance(q, wq.Phrase):
            candidates = self._intersection([wq.Term(q.fieldname, w) for w in q.words])
            if not candidates:
                return frozenset()
            only = DocSetQuery(candidates, self.searcher)
            return frozenset(self.searcher.docs_for_query(near_query(q.fieldname, q.words, q.slop, 1.0, only)))
        return frozenset(q.docs(self.searcher))

    def _intersection(self, subs: list[wq.Query]) -> frozenset[int]:
        sets = sorted((self.of(s) for s in subs), key=len)
        if not sets:
            return frozenset()
        out = sets[0]
        for s in sets[1:]:
            if not out:
                break
            out = out & s
        return out


class DocSetQuery(wq.Query):
    """Matches a given set of global document numbers (score 0): intersected with an expensive query, it
    makes Whoosh evaluate that query only at those documents (its matchers skip to them)."""

    def __init__(self, docs: Iterable[int], top_searcher: Any) -> None:
        self.docs_sorted = sorted(docs)
        self._offsets = {id(s): off for s, off in top_searcher.leaf_searchers()}
        self.boost = 1.0

    def __repr__(self) -> str:
        return f"DocSetQuery({len(self.docs_sorted)} documents)"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DocSetQuery) and other.docs_sorted == self.docs_sorted

    def __hash__(self) -> int:
        return hash(tuple(self.docs_sorted))

    def is_leaf(self) -> bool:
        return True

    def estimate_size(self, ixreader: Any) -> int:
        return len(self.docs_sorted)

    def local_ids(self, searcher: Any) -> list[int]:
        """The documents of this set in one leaf searcher, as its own (sorted) numbers."""
        offset = self._offsets.get(id(searcher), 0)
        limit = offset + searcher.doc_count_all()
        return [d - offset for d in self.docs_sorted if offset <= d < limit]

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        ids = self.local_ids(searcher)
        if not ids:
            return NullMatcher()
        return _UnscoredListMatcher(ids)


class _UnscoredListMatcher(ListMatcher):
    """A list of document numbers that adds nothing to the score."""

    def score(self) -> float:
        return 0.0


class _OnlyMatcher(WrappingMatcher):
    """A term matcher limited to a sorted list of document numbers; it skips to each of them (block skips)
    instead of walking the postings in between."""

    def __init__(self, child: Any, ids: list[int], boost: float = 1.0) -> None:
        super().__init__(child, boost)
        self._allowed = ids
        self._j = 0
        self._find()

    def _find(self) -> None:
        child, ids = self.child, self._allowed
        while child.is_active() and self._j < len(ids):
            cid = child.id()
            while self._j < len(ids) and ids[self._j] < cid:
                self._j += 1
            if self._j >= len(ids):
                break
            if ids[self._j] == cid:
                return
            child.skip_to(ids[self._j])
        self._j = len(ids)

    def is_active(self) -> bool:
        return self._j < len(self._allowed) and self.child.is_active()

    def copy(self) -> _OnlyMatcher:
        return _OnlyMatcher(self.child.copy(), self._allowed[self._j :], self.boost)

    def _replacement(self, newchild: Any) -> _OnlyMatcher:
        return _OnlyMatcher(newchild, self._allowed[self._j :], self.boost)

    def replace(self, minquality: float = 0) -> Any:
        return self if self.is_active() else NullMatcher()

    def supports_block_quality(self) -> bool:
        return False

    def next(self) -> None:
        self._j += 1
        if self._j < len(self._allowed):
            self.child.skip_to(self._allowed[self._j])
            self._find()

    def skip_to(self, id: int) -> None:
        while self._j < len(self._allowed) and self._allowed[self._j] < id:
            self._j += 1
        if self._j < len(self._allowed):
            self.child.skip_to(self._allowed[self._j])
            self._find()

    def all_ids(self) -> Iterable[int]:
        while self.is_active():
            yield self.id()
            self.next()


class OnlyTerm(wq.Term):
    """A term query that only looks at the given global document numbers."""

    def __init__(self, fieldname: str, text: str, only: DocSetQuery) -> None:
        super().__init__(fieldname, text)
        self.only = only

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        ids = self.only.local_ids(searcher)
        if not ids:
            return NullMatcher()
        m = super().matcher(searcher, context)
        if not m.is_active():
            return m
        return _OnlyMatcher(m, ids)


def near_query(fieldname: str, words: list[str], slop: int, boost: float, only: DocSetQuery) -> wq.Query:
    """Whoosh's `Phrase(fieldname, words, slop=slop, boost=boost)` evaluated at the documents of `only`
    (same spans, same scores): the words' postings are skipped to those documents, never walked."""
    return _Near([OnlyTerm(fieldname, w, only) for w in words], slop=slop, boost=boost)


class _Near(SpanNear2):
    def __init__(self, qs: list[wq.Query], slop: int, boost: float) -> None:
        super().__init__(qs, slop=slop, ordered=True, mindist=1)
        self.boost = boost

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        m = super().matcher(searcher, context)
        return WrappingMatcher(m, boost=self.boost) if self.boost != 1.0 else m


def restrict_phrases(q: wq.Query, only: DocSetQuery) -> wq.Query:
    """`q` with each phrase evaluated only at the documents of `only` (see `near_query`).

    A Whoosh phrase inside an AND or an AND-MAYBE is asked to skip to each candidate, and it then walks
    every following document with the words until one has them together: the restriction makes it stop
    at the candidates.
    """
    if isinstance(q, wq.Phrase):
        return near_query(q.fieldname, list(q.words), q.slop, q.boost, only)
    if q.is_leaf():
        return q
    return q.apply(lambda sub: restrict_phrases(sub, only))


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


def first_in(order: list[int], allowed: frozenset[int], offset: int, count: int) -> list[int]:
    """`count` documents of `order` that are in `allowed`, skipping the first `offset` of them."""
    out: list[int] = []
    seen = 0
    for docnum in order:
        if docnum in allowed:
            if seen >= offset:
                out.append(docnum)
                if len(out) >= count:
                    break
            seen += 1
    return out
