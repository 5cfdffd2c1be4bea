"""Snippets: the words marked are those the tokeniser and the analyser would match, wherever they stand."""

from __future__ import annotations

import html
import random
import re

from indexer.words import WORD_PATTERN, exact_word, word_analysis
from search_app.snippets import (
    CONTEXT_BEFORE,
    MAX_FRAGMENTS,
    SNIPPET_CHARS,
    Marker,
    find_matches,
    make_snippet,
    opening,
    word_terms,
)

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


def _reference_snippet(text: str, terms: frozenset[str]) -> str:
    """The passages chosen one match at a time: every window scored by its distinct terms, then its matches."""
    text = " ".join(text.split())
    matches = _reference(text, terms)
    if not matches:
        return opening(text)
    candidates = []
    for i, (anchor, _, _) in enumerate(matches):
        start = max(0, anchor - CONTEXT_BEFORE)
        if start > 0:
            space = text.find(" ", start)
            start = space + 1 if 0 <= space < anchor else start
        end = min(len(text), start + SNIPPET_CHARS)
        if end < len(text):
            space = text.rfind(" ", start, end)
            end = space if space > anchor else end
        inside = [m for m in matches[i : i + SNIPPET_CHARS] if m[1] <= end]
        distinct = frozenset().union(*(m[2] for m in inside))
        candidates.append((len(distinct), len(inside), -anchor, start, end))
    chosen: list[tuple[int, int]] = []
    for *_, start, end in sorted(candidates, reverse=True):
        if all(end <= s or start >= e for s, e in chosen) and len(chosen) < MAX_FRAGMENTS:
            chosen.append((start, end))
    parts = []
    for start, end in sorted(chosen):
        marked, cursor = [], start
        for m_start, m_end, _ in matches:
            if start <= m_start and m_end <= end:
                marked += [html.escape(text[cursor:m_start], quote=False), "<mark>", text[m_start:m_end], "</mark>"]
                cursor = m_end
        marked.append(html.escape(text[cursor:end], quote=False))
        parts.append(("… " if start > 0 else "") + "".join(marked) + (" …" if end < len(text) else ""))
    return " ".join(parts).replace("… …", "…")


def test_passages_are_those_scored_one_match_at_a_time():
    rng = random.Random(7)
    vocabulary = [
        "habitants",
        "économie",
        "sociale",
        "quartier",
        "de",
        "la",
        "politique",
        "ville",
        "l'économie",
        "conseil",
        "citoyen",
        "et",
        "solidaire",
        "habitant",
        "emploi",
        "santé",
        "mentale",
    ]
    terms = _terms("habitants", "économie", "sociale", "citoyen")
    checked = 0
    for size in (5, 40, 120, 400, 1500):
        for _ in range(6):
            text = " ".join(rng.choice(vocabulary) + rng.choice(["", "", ",", " :", "."]) for _ in range(size))
            assert make_snippet(text, terms) == _reference_snippet(text, terms), text
            checked += "<mark>" in _reference_snippet(text, terms)
    assert make_snippet(_TEXT, terms) == _reference_snippet(_TEXT, terms)
    assert checked > 20


def test_one_marker_for_many_texts_marks_each_as_alone():
    phrase = ("vill", "territoir")
    terms = _terms("habitants", "économie")
    texts = [_TEXT, "Des villes et des territoires ; des habitants.", "territoires seuls", "villes, habitants", ""]
    marker = Marker(terms, (phrase,))
    for text in texts + texts[::-1]:
        assert marker.find(text) == find_matches(text, terms, (phrase,))
        assert marker.snippet(text) == make_snippet(text, terms, (phrase,))
    both = texts[1]
    assert {both[s:e] for s, e, _ in marker.find(both)} == {"villes", "territoires", "habitants"}


def test_words_are_located_where_the_tokeniser_cuts_them_whatever_stands_around():
    """Texts made of pieces of words, joiners, digits and punctuation: the words located are exactly the
    tokens the analyser matches, however they are glued to what stands before and after them."""
    rng = random.Random(11)
    pieces = ["économie", "Économie", "habitants", "habitant", "l", "d", "x", "3", "_", "é", "'", "’", "-", "‐", "--"]
    glue = ["", "", " ", ", ", "'", "’", "-", "‐", "_", "3", "…", "\u00a0"]
    terms = _terms("économie", "habitants")
    located = 0
    for _ in range(400):
        text = "".join(rng.choice(pieces) + rng.choice(glue) for _ in range(rng.randint(1, 12)))
        assert find_matches(text, terms) == _reference(text, terms), text
        located += bool(_reference(text, terms))
    assert located > 100


def _reference_exact(text: str, terms: frozenset[str], exact: tuple[tuple[str, ...], ...]) -> list:
    """The tokens that give a term, and those inside a run of tokens whose exact words are a quoted phrase."""
    tokens = list(re.finditer(WORD_PATTERN, text))
    forms = [exact_word(m.group(0)) for m in tokens]
    marked: dict[int, frozenset[str]] = {}
    for i, m in enumerate(tokens):
        if word_terms(m.group(0)) & terms:
            marked[i] = word_terms(m.group(0)) & terms
    for phrase in exact:
        for k in range(len(tokens) - len(phrase) + 1):
            if tuple(forms[k : k + len(phrase)]) == phrase:
                for i in range(k, k + len(phrase)):
                    marked[i] = marked.get(i, frozenset()) | frozenset(phrase)
    return [(tokens[i].start(), tokens[i].end(), marked[i]) for i in sorted(marked)]


def test_quoted_phrases_are_marked_where_their_exact_words_follow_one_another():
    exact = (("conseil", "citoyen"), ("habiter", "avec"))
    text = "Un Conseil citoyen, des conseils citoyens ; le conseil-citoyen, un conseil de citoyens ; habiter avec."
    spans = [text[s:e] for s, e, _ in find_matches(text, frozenset(), (), exact)]
    assert spans == ["Conseil", "citoyen", "habiter", "avec"]
    rng = random.Random(13)
    pieces = ["conseil", "Conseil", "conseils", "citoyen", "CITOYEN", "citoyens", "de", "habiter", "avec", "l'avec"]
    glue = [" ", " ", ", ", " ; ", "-", "'", "’", "_", "\u00a0", " (", ") "]
    terms = _terms("habitants", "citoyens")
    located = 0
    marker = Marker(terms, (), exact)
    for _ in range(400):
        text = "".join(rng.choice(pieces) + rng.choice(glue) for _ in range(rng.randint(1, 14)))
        expected = _reference_exact(text, terms, exact)
        assert find_matches(text, terms, (), exact) == expected, text
        assert marker.find(text) == expected, text
        located += any(len(m[2]) > 1 for m in expected)
    assert located > 30  # runs of a quoted phrase were found, not only single terms
