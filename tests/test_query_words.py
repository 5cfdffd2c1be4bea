"""Prefixes of short words and words of digits and letters, through the JSON API over the sample corpus's index:
a prefix is applied even when it is a stop word; digits and letters typed together are found written apart."""

from __future__ import annotations

from typing import Any

import pytest

from indexer.words import digits_and_letters


@pytest.fixture(scope="module")
def api(app):  # type: ignore[no-untyped-def]
    web = app.test_client()

    def get(q: str) -> dict[str, Any]:
        response = web.get("/api/search", query_string={"q": q})
        assert response.status_code == 200
        return response.get_json()

    return get


def test_digits_and_letters_typed_together_find_them_written_apart(api):
    # « 3EVA » found nothing: the text writes « 3.EVA ».
    result = api("3EVA")
    assert result["total"] == api("3.EVA")["total"] > 0
    assert "3.EVA" in result["results"][0]["title"] and result["results"][0]["missing"] == []
    # Not an ordinal: « 4ème » stays the one term « 4e ».
    assert digits_and_letters("3eva") == ("3", "eva") and digits_and_letters("4eme") is None
    assert digits_and_letters("4g") is None and digits_and_letters("eva3") is None


@pytest.mark.parametrize("prefix", ["ma*", "sa*", "ce*", "de*"])
def test_a_prefix_of_a_stop_word_is_applied(api, prefix):
    # « ma* » once listed every document by date while saying they were found for it.
    everything = api("")["total"]
    result = api(prefix)
    assert result["match"] == "all" and result["sort"] == "relevance"
    assert 0 < result["total"] < everything
