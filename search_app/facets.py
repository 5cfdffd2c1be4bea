"""Facets: definitions, filters and disjunctive counts, and the query strings that toggle each value.

Several values of one facet are OR'ed, different facets are AND'ed, and each facet's counts apply the
other facets' filters but not its own. One exception, so that a combination means what it says: the type
facet holds two kinds of values, formats (PDF, web page) and genres (synthèse, guide…); values of one kind
are OR'ed, the two kinds AND'ed (« Dossier PDF » + « Synthèse »: the PDF syntheses, not every PDF and every
synthesis), and a value's count applies the other kind's selection. Counts count documents (doc records
only), computed as intersections of document-number sets or masks, without materialising hits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from indexer.vocab import NO_YEAR, NO_YEAR_LABEL, theme_labels, type_labels


class Facet:
    """One facet: its name in URLs and in the result dict, its index field, its French title, and how it
    labels and orders its values. A new facet is a small subclass added to `FACETS` (its values indexed in
    `field`, its selected values given by `SearchParams.selected`)."""

    name = ""
    field = ""
    title = ""

    def label(self, value: str) -> str:
        """The French label of a value."""
        return value

    def group_of(self, value: str) -> int:
        """The kind of a value: values of one kind are OR'ed, kinds AND'ed (one kind for most facets)."""
        return 0

    def order(self, entry: dict[str, Any]) -> tuple[Any, ...]:
        """The sort key of an entry (most documents first, then by label)."""
        return (-entry["count"], entry["label"])

    def entry(self, value: str, count: int, selected: bool, query_items: list[tuple[str, str]]) -> dict[str, Any]:
        """One value's entry: label, count, whether it is selected, and the link that toggles it."""
        return {
            "value": value,
            "label": self.label(value),
            "count": count,
            "selected": selected,
            "toggle_query": toggle_query(query_items, self.name, value),
        }

    def entries(
        self, counts: Mapping[str, int], chosen: Iterable[str], query_items: list[tuple[str, str]]
    ) -> list[dict[str, Any]]:
        """The facet's entries in order: every value with documents, and the selected ones even without."""
        chosen = set(chosen)
        found = [self.entry(v, n, v in chosen, query_items) for v, n in counts.items() if n or v in chosen]
        found += [self.entry(v, 0, True, query_items) for v in chosen - set(counts)]
        return sorted(found, key=self.order)


class YearFacet(Facet):
    """Years, newest first, undated documents last."""

    name, field, title = "year", "year_facet", "Année"

    def label(self, value: str) -> str:
        return NO_YEAR_LABEL if value == NO_YEAR else value

    def order(self, entry: dict[str, Any]) -> tuple[Any, ...]:
        value = entry["value"]
        return (value == NO_YEAR, -int(value) if value.isdigit() else 0)


class ThemeFacet(Facet):
    """Themes of the vocabulary, labelled in French."""

    name, field, title = "theme", "themes", "Thème"

    def label(self, value: str) -> str:
        return theme_labels().get(value, value)


class TypeFacet(Facet):
    """Document types: the formats (PDF, web page) first, then the finer types."""

    name, field, title = "type", "type", "Type de document"
    formats = ("pdf", "html")

    def label(self, value: str) -> str:
        return type_labels().get(value, value)

    def group_of(self, value: str) -> int:
        return 0 if value in self.formats else 1

    def order(self, entry: dict[str, Any]) -> tuple[Any, ...]:
        value = entry["value"]
        rank = self.formats.index(value) if value in self.formats else len(self.formats)
        return (rank, -entry["count"], entry["label"])


class SourceFacet(Facet):
    """The followed sites (« Centre de ressources »); labels come from the index (`label_sources`), and the facet
    is shown only when the index holds more than one source."""

    name, field, title = "source", "source", "Centre de ressources"


def label_sources(facets: dict[str, list[dict]], chips: list[dict[str, str]], labels: Mapping[str, str]) -> None:
    """Give the source facet's entries and filter chips their labels; drop the facet below two sources."""
    if len(labels) < 2:
        facets.pop(SourceFacet.name, None)
    for entry in facets.get(SourceFacet.name, []):
        entry["label"] = labels.get(entry["value"], entry["value"])
    prefix = f"{SourceFacet.title} : "
    for chip in chips:
        if chip["facet"] == SourceFacet.name:
            value = chip["label"].removeprefix(prefix)
            chip["label"] = prefix + labels.get(value, value)


FACETS: tuple[Facet, ...] = (SourceFacet(), YearFacet(), ThemeFacet(), TypeFacet())  # in the page's order
_BY_NAME = {facet.name: facet for facet in FACETS}


def facet_label(facet: str, value: str) -> str:
    """The French label of a value of the facet named `facet`."""
    return _BY_NAME[facet].label(value)


def union(sets: Iterable[frozenset[int]]) -> frozenset[int]:
    """The union of several document sets."""
    out: set[int] = set()
    for s in sets:
        out |= s
    return frozenset(out)


def compute_facets(
    matched: frozenset[int],
    postings: Mapping[str, Mapping[str, frozenset[int]]],
    selected: Mapping[str, list[str]],
    range_docs: frozenset[int] | None,
    query_items: list[tuple[str, str]],
) -> tuple[dict[str, list[dict]], frozenset[int]]:
    """Disjunctive facet counts, and the documents that pass every filter.

    `selected` maps a facet name to its selected values; `range_docs` is the year-range filter (or None);
    `query_items` are the current query-string items, from which each value's toggle query is built.
    """
    by_group = {
        facet.name: _groups(
            facet, selected.get(facet.name) or [], lambda v, f=facet: postings[f.field].get(v, frozenset())
        )
        for facet in FACETS
    }
    base = matched if range_docs is None else matched & range_docs
    final = base
    for groups in by_group.values():
        for docs in groups.values():
            final = final & docs
    facets = _facet_lists(base, by_group, postings, lambda scope, docs: len(scope & docs), selected, query_items)
    return facets, final


def _groups(facet: Facet, values: list[str], docs_of: Callable[[str], Any]) -> dict[int, Any]:
    """The documents the selected values of a facet allow, by kind of value (OR'ed within a kind): sets or
    masks alike. A document passes the facet's filter when it is in every kind's documents."""
    out: dict[int, Any] = {}
    for value in values:
        kind = facet.group_of(value)
        out[kind] = docs_of(value) if kind not in out else out[kind] | docs_of(value)
    return out


def _facet_lists(
    base: Any,
    by_group: Mapping[str, Mapping[int, Any]],
    docs_by_field: Mapping[str, Mapping[str, Any]],
    count: Callable[[Any, Any], int],
    selected: Mapping[str, list[str]],
    query_items: list[tuple[str, str]],
) -> dict[str, list[dict]]:
    """Each facet's entries: counts within `base`, the other facets' filters and the facet's other kinds of
    values (`by_group`, see `_groups`), for document sets (`compute_facets`) or masks (`compute_facets_masked`)
    alike, `count` counting an intersection."""
    facets: dict[str, list[dict]] = {}
    for facet in FACETS:
        scope = base
        for other, groups in by_group.items():
            for docs in groups.values() if other != facet.name else ():
                scope = scope & docs
        scopes: dict[int, Any] = {}
        counts = {}
        for value, docs in docs_by_field[facet.field].items():
            kind = facet.group_of(value)
            if kind not in scopes:
                scopes[kind] = scope
                for other_kind, own in by_group[facet.name].items():
                    if other_kind != kind:
                        scopes[kind] = scopes[kind] & own
            counts[value] = count(scopes[kind], docs)
        facets[facet.name] = facet.entries(counts, selected.get(facet.name) or [], query_items)
    return facets


def toggle_query(items: list[tuple[str, str]], facet: str, value: str) -> str:
    """The query string with `facet=value` added, or removed if present; back to page 1."""
    pair = (facet, value)
    kept = [(k, v) for k, v in items if k != "page"]
    kept = [kv for kv in kept if kv != pair] if pair in kept else [*kept, pair]
    return "?" + "&".join(map(_encoded, kept))  # urlencode(kept): each item encoded alone, joined by « & »


@lru_cache(maxsize=4096)
def _encoded(item: tuple[str, str]) -> str:
    """One query-string item as `urlencode` writes it: a search's items recur in each of its toggle links."""
    return urlencode([item])


def without(items: list[tuple[str, str]], *keys: str) -> str:
    """The query string without the given keys (and back to page 1)."""
    return "?" + urlencode([(k, v) for k, v in items if k not in keys and k != "page"])


class FacetMasks:
    """The facet postings as boolean masks over the index's record numbers (built once per generation): the
    counts of a search over 100,000 documents are then a few vectorised ANDs instead of set intersections."""

    def __init__(self, postings: Mapping[str, Mapping[str, frozenset[int]]], size: int) -> None:
        import numpy as np

        self.size = size
        self.fields: dict[str, dict[str, np.ndarray]] = {}
        for facet in FACETS:
            masks = {}
            for value, docs in postings[facet.field].items():
                mask = np.zeros(size, dtype=bool)
                mask[np.fromiter(docs, dtype=np.int64, count=len(docs))] = True
                masks[value] = mask
            self.fields[facet.field] = masks

    def of(self, docs: Iterable[int] | None) -> object:
        """The mask of a set of record numbers (an array of them or any iterable)."""
        import numpy as np

        mask = np.zeros(self.size, dtype=bool)
        if docs is not None:
            ids = docs if isinstance(docs, np.ndarray) else np.fromiter(docs, dtype=np.int64)
            mask[ids] = True
        return mask


def compute_facets_masked(
    matched: object,
    masks: FacetMasks,
    selected: Mapping[str, list[str]],
    range_docs: frozenset[int] | None,
    query_items: list[tuple[str, str]],
) -> tuple[dict[str, list[dict]], frozenset[int]]:
    """`compute_facets` with masks: `matched` is a sorted array of record numbers. Same result."""
    import numpy as np

    empty = np.zeros(masks.size, dtype=bool)
    by_group = {
        facet.name: _groups(
            facet, selected.get(facet.name) or [], lambda v, f=facet: masks.fields[f.field].get(v, empty)
        )
        for facet in FACETS
    }
    base = masks.of(matched)
    if range_docs is not None:
        base &= masks.of(range_docs)
    final = base.copy()
    for groups in by_group.values():
        for docs in groups.values():
            final &= docs
    count = lambda scope, docs: int(np.count_nonzero(scope & docs))  # noqa: E731
    facets = _facet_lists(base, by_group, masks.fields, count, selected, query_items)
    return facets, frozenset(np.flatnonzero(final).tolist())


def year_range_docs(postings: Mapping, year_from: int | None, year_to: int | None) -> frozenset[int] | None:
    if not year_from and not year_to:
        return None
    low, high = year_from or 0, year_to or 9999
    return union(
        docs for value, docs in postings["year_facet"].items() if value.isdigit() and low <= int(value) <= high
    )


def active_filters(params: Any, items: list[tuple[str, str]]) -> list[dict[str, str]]:
    chips = []
    for facet, values in params.selected().items():
        title = _BY_NAME[facet].title
        for v in values:
            chips.append(
                {
                    "facet": facet,
                    "label": f"{title} : {facet_label(facet, v)}",
                    "remove_query": toggle_query(items, facet, v),
                }
            )
    if params.year_from or params.year_to:
        if params.year_from and params.year_from == params.year_to:
            label = f"Année : {params.year_from}"
        else:
            label = f"Années : {params.year_from or '…'} – {params.year_to or '…'}"
        chips.append({"facet": "year_range", "label": label, "remove_query": without(items, "year_from", "year_to")})
    return chips
