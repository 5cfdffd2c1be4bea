"""The title of a feed (`/feed.atom`): the query and the filters it follows, named in French with their labels,
e.g. « Veille : « santé mentale » — thème Santé, 2019–2021 »."""

from __future__ import annotations

from collections.abc import Mapping

from search_app.facets import FACETS, facet_label
from search_app.params import SearchParams

NO_QUERY = "Nouvelles publications"
NO_YEAR_WORDS = "sans date"
# How a title names the values of a facet: one value, several values (years need no word).
_NAMES = {
    "source": ("centre de ressources", "centres de ressources"),
    "theme": ("thème", "thèmes"),
    "type": ("type", "types"),
}
_ORDER = ("source", "theme", "type")


def feed_title(params: SearchParams, source_labels: Mapping[str, str]) -> str:
    """« Veille : « q » », or « Nouvelles publications » without a query, then each filter, after « — »."""
    title = f"Veille : « {params.q} »" if params.q else NO_QUERY
    filters = [*_facet_parts(params, source_labels), *_year_parts(params)]
    return f"{title} — {', '.join(filters)}" if filters else title


def _facet_parts(params: SearchParams, source_labels: Mapping[str, str]) -> list[str]:
    """« thème Santé », « thèmes Santé ou Emploi et insertion »: values of one kind are OR'ed, kinds AND'ed
    (« type Dossier PDF et Synthèse »: the PDF syntheses), as the search reads them (`search_app.facets`)."""
    by_name = {facet.name: facet for facet in FACETS}
    parts = []
    for name in _ORDER:
        values = params.filters.get(name, [])
        if not values:
            continue
        facet = by_name[name]
        kinds: dict[int, list[str]] = {}
        for value in values:
            label = source_labels.get(value, value) if name == "source" else facet_label(name, value)
            kinds.setdefault(facet.group_of(value), []).append(label)
        one, several = _NAMES[name]
        words = " et ".join(" ou ".join(labels) for _kind, labels in sorted(kinds.items()))
        parts.append(f"{one if len(values) == 1 else several} {words}")
    return parts


def _year_parts(params: SearchParams) -> list[str]:
    """« 2019 ou 2021 », « sans date »; the range « 2019–2021 », « depuis 2019 », « jusqu’en 2021 »."""
    parts = []
    if params.years:
        parts.append(" ou ".join(y if y.isdigit() else NO_YEAR_WORDS for y in params.years))
    start, end = params.year_from, params.year_to
    if start and end:
        parts.append(str(start) if start == end else f"{start}–{end}")
    elif start:
        parts.append(f"depuis {start}")
    elif end:
        parts.append(f"jusqu’en {end}")
    return parts
