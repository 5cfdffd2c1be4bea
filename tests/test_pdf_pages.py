"""The PDF pages shown: a quoted phrase is found in a page's text as the exact field would find it."""

from __future__ import annotations

import pytest

from indexer.words import exact_words
from search_app.pages import _missing_phrases, _written_plainly

_PAGES = [
    "La Politique de la Ville, en 2015.",
    "POLITIQUE DE LA VILLE",
    "la politique-de la ville",  # a compound: « politiquede »
    "la politique de la villeneuve",
    "géopolitique de la ville",
    "politique d'la ville",
    "politique\n\nde   la — ville",
    "politique de la ville’s",
    "politique de la ville-centre",
    "politique de la ville_2",
    "l'économie sociale et solidaire",
    "L’ÉCONOMIE SOCIALE",
    "économie sociale",
    "économies sociales",
    "Le cœur de ville",
    "le coeur de ville",
    "tirage au sort ; tirage  au sort",
    "tirage au-sort",
]
_PHRASES = ["politique de la ville", "économie sociale", "cœur de ville", "tirage au sort"]


def _reference(text: str, phrases: list[list[str]]) -> int:
    joined = " " + " ".join(exact_words(text)) + " "
    return sum(1 for phrase in phrases if " " + " ".join(phrase) + " " not in joined)


@pytest.mark.parametrize("text", _PAGES)
def test_missing_phrases_agree_with_the_exact_words(text):
    phrases = [exact_words(p) for p in _PHRASES]
    for chosen in ([p] for p in phrases):
        assert _missing_phrases(text, chosen) == _reference(text, chosen), (text, chosen)
    assert _missing_phrases(text, phrases) == _reference(text, phrases)


def test_a_phrase_written_plainly_is_found_by_its_pattern():
    pattern = _written_plainly(tuple(exact_words("politique de la ville")))
    assert pattern.search("La Politique de la Ville, en 2015.")
    assert pattern.search("POLITIQUE DE LA VILLE")
    assert not pattern.search("géopolitique de la ville")
    assert not pattern.search("politique de la ville-centre")
    assert not pattern.search("politique-de la ville")
    # An elided word is left to the exact words, which find it.
    assert not _written_plainly(tuple(exact_words("économie sociale"))).search("l'économie sociale")
    assert _missing_phrases("l'économie sociale", [exact_words("économie sociale")]) == 0
