"""Search parameters: parsed from a query string, validated (French errors), and written back as links."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexer.config import Settings
from indexer.vocab import NO_YEAR

SORTS = ("relevance", "date_desc", "date_asc")
SORT_LABELS = {"relevance": "Pertinence", "date_desc": "Plus récents", "date_asc": "Plus anciens"}
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


class ParamError(ValueError):
    """A parameter out of range: the API answers 400 with this message (French)."""


# The facets a query string may filter on, each with the French word for its values in error messages. A new
# facet adds its name here, its class in `search_app/facets.py` (`docs/architecture.md`).
FILTERS = {"year": "année", "theme": "thème", "type": "type", "source": "centre de ressources"}
MAX_FILTERS = 60


@dataclass
class SearchParams:
    """Validated search parameters."""

    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)  # facet name → selected values
    year_from: int | None = None
    year_to: int | None = None
    sort: str = ""
    page: int = 1
    per_page: int = 10
    default_per_page: int = 10  # the configured size of a results page (`CRPV_PER_PAGE`): links omit it
    corpus: Path | None = None  # the configured corpus folder, whose `vocabulaire.tsv` widens queries

    @property
    def years(self) -> list[str]:
        return self.filters.get("year", [])

    @property
    def themes(self) -> list[str]:
        return self.filters.get("theme", [])

    @property
    def types(self) -> list[str]:
        return self.filters.get("type", [])

    @classmethod
    def from_args(cls, args: Mapping[str, Any], settings: Settings) -> SearchParams:
        """From a query-string mapping (a Werkzeug MultiDict or a plain dict of lists or strings)."""

        def getlist(key: str) -> list[str]:
            if hasattr(args, "getlist"):
                return [v for v in args.getlist(key)]
            value = args.get(key)
            if value is None:
                return []
            return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]

        def getone(key: str) -> str | None:
            values = getlist(key)
            return values[-1].strip() if values else None

        q = (getone("q") or "").replace("\x00", " ")
        if len(q) > settings.max_query_chars:
            raise ParamError(f"Requête trop longue ({len(q)} caractères, limite {settings.max_query_chars}).")
        filters = {name: _filter_values(name, getlist(name)) for name in FILTERS}
        if sum(len(values) for values in filters.values()) > MAX_FILTERS:
            raise ParamError("Trop de filtres.")
        year_from = _int_param(getone("year_from"), "year_from", 1900, 2100)
        year_to = _int_param(getone("year_to"), "year_to", 1900, 2100)
        if year_from and year_to and year_from > year_to:
            raise ParamError("L’année de début est postérieure à l’année de fin.")
        sort = getone("sort") or ""
        if sort and sort not in SORTS:
            raise ParamError("Tri inconnu (attendu : relevance, date_desc ou date_asc).")
        page = _int_param(getone("page"), "page", 1, settings.max_page) or 1
        per_page = _int_param(getone("per_page"), "per_page", 1, settings.max_per_page) or settings.per_page
        return cls(
            q.strip(), filters, year_from, year_to, sort, page, per_page, settings.per_page, Path(settings.corpus)
        )

    def selected(self) -> dict[str, list[str]]:
        """The selected values of each facet, by facet name."""
        return {name: self.filters.get(name, []) for name in FILTERS}

    def has_filters(self) -> bool:
        """Whether any facet value or year range is selected."""
        return any(self.filters.values()) or bool(self.year_from or self.year_to)

    def query_items(self) -> list[tuple[str, str]]:
        """The parameters as query-string items (for toggle and pagination links)."""
        items: list[tuple[str, str]] = []
        if self.q:
            items.append(("q", self.q))
        items += [("year", y) for y in self.years]
        if self.year_from:
            items.append(("year_from", str(self.year_from)))
        if self.year_to:
            items.append(("year_to", str(self.year_to)))
        items += [(name, v) for name, values in self.selected().items() if name != "year" for v in values]
        if self.sort:
            items.append(("sort", self.sort))
        if self.per_page != self.default_per_page:
            items.append(("per_page", str(self.per_page)))
        return items


def _filter_values(name: str, raw: list[str]) -> list[str]:
    """The distinct values of one facet filter, checked: a year (or undated), else a slug."""
    values = _unique(v.strip() for v in raw if v.strip())
    for v in values:
        if name == "year":
            if v != NO_YEAR and not (v.isdigit() and len(v) == 4):
                raise ParamError(f"Année invalide : « {v[:20]} » (attendu : AAAA ou {NO_YEAR}).")
        elif not _SLUG.match(v):
            raise ParamError(f"Valeur de {FILTERS[name]} invalide : « {v[:40]} ».")
    return values


def _unique(values: Any) -> list[str]:
    out: list[str] = []
    for v in values:
        if v not in out:
            out.append(v)
    return out


def _int_param(raw: str | None, name: str, low: int, high: int) -> int | None:
    if raw is None or raw == "":
        return None
    if not re.fullmatch(r"\d{1,9}", raw):
        raise ParamError(f"Paramètre « {name} » invalide : un nombre entier est attendu.")
    value = int(raw)
    if not low <= value <= high:
        raise ParamError(f"Paramètre « {name} » hors limites ({low} à {high}).")
    return value
