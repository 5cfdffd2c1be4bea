"""Facet counts against what clicking them lists, on the sample corpus through the app: a value's count is the
number of documents its link lists, and the counts of a page describe the documents that page lists."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

# Queries with more than 10 documents that hold every word (no partial tier, whatever the filters), and
# queries with fewer (the partial tier follows, whatever the filters).
QUERIES = ["conseils citoyens", "renouvellement urbain", "conseils citoyens clauses", "santé mentale clauses"]


def _api(client, items: list[tuple[str, str]]) -> dict:
    response = client.get("/api/search", query_string=items)
    assert response.status_code == 200
    return response.get_json()


def test_clicking_a_theme_lists_as_many_documents_as_it_announced(client):
    # The user's case: « Santé » announced 3 and clicking it listed 5 (the partial tier added under the filter),
    # with other counts grown and a theme that was not there.
    before = _api(client, [("q", "conseils citoyens")])
    counts = {e["value"]: e["count"] for e in before["facets"]["theme"]}
    assert before["match"] == "all" and counts["sante"] == 3
    after = _api(client, [("q", "conseils citoyens"), ("theme", "sante")])
    assert after["total"] == 3 and after["match"] == "all"
    assert not any(r["partial"] for r in after["results"])
    assert {e["value"]: e["count"] for e in after["facets"]["theme"]} == counts
    page = client.get("/", query_string=[("q", "conseils citoyens"), ("theme", "sante")]).get_data(as_text=True)
    assert "3 documents pour « conseils citoyens »" in " ".join(page.split())


@pytest.mark.parametrize("q", QUERIES)
@pytest.mark.parametrize("start", [[], [("theme", "participation")]])
def test_every_facet_value_lists_what_its_count_announces(client, q, start):
    page = _api(client, [("q", q), *start, ("per_page", "1")])
    checked = 0
    for name, entries in page["facets"].items():
        for entry in entries:
            if entry["selected"] or any(k == name for k, _ in start):
                continue  # a second value of a facet already filtered adds to it: its count is its own
            clicked = _api(client, [*parse_qsl(entry["toggle_query"].lstrip("?")), ("per_page", "1")])
            assert clicked["total"] == entry["count"], (q, start, name, entry["value"])
            checked += 1
    assert checked >= 10


@pytest.mark.parametrize("q", [*QUERIES[:2], "santé mentale clauses", "psychiatrie clauses"])
def test_the_counts_of_a_page_describe_the_documents_it_lists(client, q):
    # A facet's counts leave out its own filter (values of one facet add up): checked on the other facets.
    for filters in ([], [("theme", "sante")], [("year", "2019")]):
        page = _api(client, [("q", q), *filters, ("per_page", "50")])
        listed = page["results"]
        assert len(listed) == page["total"] > 0  # one results page holds them all
        filtered = {k for k, _ in filters}
        if "theme" not in filtered:
            themes = {e["value"]: e["count"] for e in page["facets"]["theme"]}
            assert themes == _tally(t for r in listed for t in r["themes"]), (q, filters)
        if "year" not in filtered:
            years = {e["value"]: e["count"] for e in page["facets"]["year"]}
            assert years == _tally(str(r["year"]) if r["year"] else "sans-date" for r in listed), (q, filters)


def _tally(values) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return out
