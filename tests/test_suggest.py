"""« Vouliez-vous dire » through the JSON API and the page, over the sample corpus: the suggestion is the query as
typed, with only its misspelt words replaced."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from bs4 import BeautifulSoup


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [
        # OU kept: « psychiatrie santé mentale » would ask for both, not either.
        ("psychiatrie OU santé mentalle", "psychiatrie OU santé mentale"),
        # Stop words kept: the user's words, corrected, not the words the engine keeps.
        ("politque de la ville", "politique de la ville"),
        # Quotes, exclusions, prefixes, punctuation, spacing and case as typed.
        ('"conseil local" -clauses  Psychiatrue, polit*', '"conseil local" -clauses  Psychiatrie, polit*'),
        ("santé mentalle SAUF urbanisme", "santé mentale SAUF urbanisme"),
    ],
)
def test_a_suggestion_is_the_query_typed_with_its_misspelt_words_corrected(client, typed, suggested):
    data = client.get("/api/search?" + urlencode({"q": typed})).get_json()
    assert data["suggestion"] == suggested
    assert data["suggestion_query"] == "?" + urlencode({"q": suggested})


def test_the_page_links_to_the_suggestion_as_typed(client):
    page = client.get("/?" + urlencode({"q": "psychiatrie OU santé mentalle"})).get_data(as_text=True)
    link = BeautifulSoup(page, "html.parser").select_one(".suggestion a")
    assert link.get_text() == "psychiatrie OU santé mentale"
    assert link["href"].endswith("?" + urlencode({"q": "psychiatrie OU santé mentale"}))


def test_a_suggestion_is_still_made_only_when_it_finds_more(client):
    # « mentale » is known: nothing to correct; « zzzzqqq » has no close word in the corpus.
    for q in ("santé mentale", "zzzzqqq de la ville"):
        assert client.get("/api/search?" + urlencode({"q": q})).get_json()["suggestion"] is None, q
