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


def test_page_records_tell_owner_and_listed_last_without_reading_twice(mini_settings):
    import numpy as np

    from search_app.index_handle import IndexHandle
    from search_app.page_records import is_contacts_page, is_reference_page

    handle = IndexHandle(mini_settings.index)
    try:
        searcher = handle.searcher()
        records = handle.page_records(searcher)
        owners = records.owners(records.ids[::-1]).tolist()[::-1]
        reads: list[int] = []

        def text_of(page: int) -> str:
            reads.append(page)
            return searcher.stored_fields(page).get("text") or ""

        for page, owner in zip(records.ids.tolist(), owners, strict=True):
            assert searcher.stored_fields(page)["path"] == searcher.stored_fields(owner)["path"]
            text = searcher.stored_fields(page).get("text") or ""
            expected = is_reference_page(text) or is_contacts_page(text)
            assert records.listed_last(searcher, page, lambda p=page: text_of(p)) == expected
            assert records.listed_last(searcher, page, lambda p=page: text_of(p)) == expected
        assert sorted(reads) == records.ids.tolist()  # each page's text read once
        assert len(np.unique(owners)) > 1
    finally:
        handle.close()
