"""What snippets mark, read from a request's page query: single terms wherever they stand, runs of terms (a quoted
phrase, an acronym's written-out form, a widened term of several words) only where the whole run is written."""

from __future__ import annotations

from dataclasses import replace

from indexer.analysis import acronym_expansions
from indexer.vocab import default_vocabulary
from search_app import tuning
from search_app.marks import snippet_marks
from search_app.query import analyse_text, build_page_query, parse
from search_app.snippets import Marks, make_snippet
from search_app.widening import find_widenings


def _marks(q: str) -> Marks:
    parsed = parse(q)
    parsed.widenings = find_widenings(parsed.groups, default_vocabulary(), q)
    return snippet_marks(build_page_query(parsed, None, proximity=False), parsed)


def _marked(q: str, text: str) -> list[str]:
    marks = _marks(q)
    snippet = make_snippet(text, marks.terms, marks.phrases, marks.exact)
    return [part.split("</mark>", 1)[0] for part in snippet.split("<mark>")[1:]]


def test_a_quoted_phrase_is_marked_where_written_as_typed_and_its_words_nowhere_else():
    marks = _marks('"conseil citoyen"')
    assert marks.terms == frozenset() and marks.phrases == () and marks.exact == (("conseil", "citoyen"),)
    text = "Le Conseil citoyen se réunit ; les conseils citoyens, un conseil de quartier, un citoyen."
    assert _marked('"conseil citoyen"', text) == ["Conseil", "citoyen"]
    # Its stop words are part of it, and a word typed besides it is marked alone.
    assert _marked('"Habiter avec"', "Habiter avec la maladie ; habiter seul, avec d’autres.") == ["Habiter", "avec"]
    assert _marked('"conseil citoyen" citoyen', text) == ["Conseil", "citoyen", "citoyens", "citoyen"]
    assert _marked('"conseil citoyen" OU habitants', "Des habitants, un conseil.") == ["habitants"]


def test_a_widened_term_of_several_words_is_marked_only_where_its_words_follow_one_another():
    marks = _marks("QPV")
    assert {"qpv", "zus"} <= marks.terms and not marks.terms & {"zon", "urbain", "territoir", "redynam"}
    assert tuple(analyse_text("zone de redynamisation urbaine")) in marks.phrases
    assert acronym_expansions()["zus"] in marks.phrases  # ZUS: written out as « zones urbaines sensibles »
    text = (
        "Des contrats urbains de cohésion sociale, des zones de redynamisation urbaine, 751 zones urbaines "
        "sensibles (ZUS) et le renouvellement urbain des quartiers prioritaires de la politique de la ville."
    )
    assert _marked("QPV", text) == [
        *["zones", "redynamisation", "urbaine", "zones", "urbaines", "sensibles", "ZUS"],
        *["quartiers", "prioritaires", "politique", "ville"],
    ]


def test_typed_words_are_marked_one_by_one_as_before():
    marks = _marks("zones urbaines sensibles")  # typed, its words are marked wherever they stand
    assert {"zon", "urbain", "sensibl", "zus"} <= marks.terms
    assert _marked("renouvellement urbain", "Le renouvellement des quartiers, un projet urbain.") == [
        "renouvellement",
        "urbain",
    ]


def test_a_quoted_phrase_held_twice_by_the_page_query_is_still_marked_only_whole(monkeypatch):
    # With a bonus for pages that hold every part, the page query holds each part twice.
    monkeypatch.setattr(tuning, "TUNING", replace(tuning.TUNING, page_all_words_boost=2.0))
    assert "AND" in str(build_page_query(parse('"conseil citoyen" habitants'), None, proximity=False))
    marks = _marks('"conseil citoyen" habitants')
    assert marks.phrases == () and marks.exact == (("conseil", "citoyen"),) and "conseil" not in marks.terms
    assert _marks('"Habiter avec" habiter').terms == _marks("habiter").terms  # the typed word, marked alone
