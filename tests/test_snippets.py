"""Snippets: the words marked are those the tokeniser and the analyser would match, wherever they stand."""

from __future__ import annotations

import html
import re

from indexer.words import WORD_PATTERN, word_analysis
from search_app.snippets import find_matches, make_snippet, opening, word_terms

_TEXT = (
    "L'économie sociale et solidaire, aujourd'hui : l’économie-sociale, économies; ECONOMIE_2 "
    "pré-économie d'économie--économie ‐économie économie‐ 3économie économie3 l'l'économie "
    "Habitants, habitant… HABITANTS\thabitants\n« habitante » sur-habitants l'habitant"
)


def _reference(text: str, terms: frozenset[str]) -> list[tuple[int, int, frozenset[str]]]:
    """Every token analysed one by one, as the tokeniser gives them."""
    out = []
    for m in re.finditer(WORD_PATTERN, text):
        matched = word_terms(m.group(0)) & terms
        if matched:
            out.append((m.start(), m.end(), matched))
    return out


def _terms(*words: str) -> frozenset[str]:
    return frozenset(t for w in words for position in word_analysis(w) for t in position)


def test_matches_are_whole_tokens_found_by_the_analyser():
    for terms in (_terms("économie"), _terms("habitants"), _terms("économie", "habitant"), _terms("aujourd'hui")):
        assert terms
        assert find_matches(_TEXT, terms) == _reference(_TEXT, terms)
    assert find_matches(_TEXT, _terms("économie"))  # the comparison above is not between two empty lists


def test_a_word_inside_a_longer_token_is_not_marked():
    terms = _terms("économie")
    spans = {_TEXT[s:e] for s, e, _ in find_matches(_TEXT, terms)}
    assert "ECONOMIE_2" not in spans and "3économie" not in spans
    assert not any(s == _TEXT.index("économie-sociale") for s, _, _ in find_matches(_TEXT, terms))


def test_phrases_are_marked_only_where_written_whole():
    phrase = ("vill", "territoir")  # as `word_analysis` gives « villes » and « territoires »
    assert _terms("villes", "territoires") == frozenset(phrase)
    text = "Des villes et des territoires ; Villes puis plus loin territoires, et des villes."
    marked = {text[s:e] for s, e, _ in find_matches(text, frozenset(), (phrase,))}
    assert marked == {"villes", "territoires"}
    assert find_matches("aucune ville ici", frozenset(), (phrase,)) == []


def test_white_space_is_collapsed_as_the_pattern_would():
    text = "  un\u00a0deux\t\ttrois\n\u2003quatre\x1cfin  <b>"
    assert opening(text) == html.escape(re.sub(r"\s+", " ", text).strip(), quote=False)
    assert make_snippet(text, frozenset()) == opening(text)
