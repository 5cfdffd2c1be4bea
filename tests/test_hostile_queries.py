"""Hostile queries: property-based tests (hypothesis) of `run_search` and of the HTTP endpoints.

Arbitrary Unicode (control characters included), fragments of query syntax (unbalanced quotes and
parentheses, lone operators, field prefixes, ranges, `*` and `a*`), very long input: never a 500, a French
message when a query is refused, and costly expansions (prefixes, fuzzy corrections) capped. No test here
measures time: the caps are asserted directly (how many terms a prefix expands to, how many words are corrected).
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import search_app.suggest as suggest_module
from search_app import query as query_module
from search_app.index_handle import IndexHandle
from search_app.params import ParamError, SearchParams
from search_app.query import MAX_CLAUSES, MAX_PREFIX_CLAUSES, MAX_PREFIX_TERMS, build_query, parse
from search_app.search import run_search
from search_app.suggest import MAX_FUZZY_CHARS, MAX_FUZZY_WORDS
from search_app.tuning import TUNING

# Any character but lone surrogates (which no HTTP client can send): control characters, RTL marks, emoji…
ANY_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=600)
FRAGMENTS = [
    '"', "«", "»", "(", ")", "[", "]", "{", "}", "-", "--", "*", "**", "a*", "é*", "co*", "cl*", "qu*", "OU", "OR",
    "ET", "AND", "NOT", "SAUF", "|", "&", "+", "~", "~2", "^3", "title:", "path:", "year:2016", "[2010 TO 2020]",
    "{a TO b}", "\\", "'", "’", "l'", "d’", "QPV", "CLSM", "santé", "clauses*", "sociales", "\x00", "\t", "\u200b",
    "\ufeff", "\u202e", "%", "%00", "<script>", "&amp;", "?", "#", "/", "..", "🙂", "ﬁ", "e\u0301",
]  # fmt: skip
SYNTAX = st.lists(st.sampled_from(FRAGMENTS), max_size=40).flatmap(
    lambda parts: st.sampled_from(["", " "]).map(lambda sep: sep.join(parts))
)
QUERY = st.one_of(ANY_TEXT, SYNTAX, st.text(alphabet='aco* "()-', max_size=500))
PARAM = st.one_of(st.none(), st.text(max_size=20), st.sampled_from(["2016", "sans-date", "sante", "pdf", "0", "-1"]))
HYPOTHESIS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def handle(mini_settings):
    handle = IndexHandle(mini_settings.index)
    yield handle
    handle.close()


@pytest.fixture(scope="module")
def web(mini_app):
    return mini_app.test_client()


def check_result(result: dict, per_page: int) -> None:
    assert isinstance(result["total"], int) and result["total"] >= 0
    assert len(result["results"]) <= per_page
    for hit in result["results"]:
        assert hit["url"].startswith("/corpus/")


@HYPOTHESIS
@given(q=QUERY)
def test_run_search_takes_any_text(mini_settings, handle, q: str) -> None:
    try:
        params = SearchParams.from_args({"q": q}, mini_settings)
    except ParamError as error:
        assert len(q.strip()) > mini_settings.max_query_chars and "Requête trop longue" in str(error)
        return
    check_result(run_search(params, handle), params.per_page)


@HYPOTHESIS
@given(
    q=QUERY,
    year=PARAM,
    theme=PARAM,
    type_=PARAM,
    sort=st.one_of(st.none(), st.sampled_from(["relevance", "date_desc", "date_asc", "x"])),
    page=PARAM,
    per_page=PARAM,
)
def test_run_search_takes_any_parameters(mini_settings, handle, q, year, theme, type_, sort, page, per_page) -> None:
    args = {"q": q, "year": year, "theme": theme, "type": type_, "sort": sort, "page": page, "per_page": per_page}
    try:
        params = SearchParams.from_args({k: v for k, v in args.items() if v is not None}, mini_settings)
    except ParamError as error:
        message = str(error)
        assert any(word in message for word in ("invalide", "inconnu", "trop", "Trop", "hors limites", "postérieure"))
        return
    check_result(run_search(params, handle), params.per_page)


@HYPOTHESIS
@given(q=QUERY, extra=st.dictionaries(st.sampled_from(["year", "theme", "type", "page", "sort"]), st.text(max_size=30)))
def test_api_never_answers_500(web, q: str, extra: dict) -> None:
    response = web.get("/api/search", query_string={"q": q, **extra})
    assert response.status_code in (200, 400), response.status_code
    data = response.get_json()
    if response.status_code == 400:
        assert data["error"]  # a French message
    else:
        assert data["total"] >= 0


@settings(max_examples=60, deadline=None)
@given(q=QUERY)
def test_search_page_never_answers_500(web, q: str) -> None:
    response = web.get("/", query_string={"q": q})
    assert response.status_code in (200, 400, 414)
    assert response.mimetype == "text/html"


@HYPOTHESIS
@given(path=st.one_of(ANY_TEXT.filter(lambda s: s.strip("/")), st.lists(st.sampled_from(FRAGMENTS)).map("/".join)))
def test_document_and_corpus_urls_never_answer_500(web, path: str) -> None:
    quoted = quote(path.lstrip("/"), safe="/")
    if not quoted.strip("/"):
        return
    for prefix in ("/document/", "/corpus/"):
        response = web.get(prefix + quoted)
        assert response.status_code in (200, 308, 404, 414), (prefix, path, response.status_code)
        response.close()


@pytest.mark.parametrize(
    "raw", ["%FF%FE", "%C0%AE%C0%AE", "q=%00%01%02", "%E2%80%AE", "q=%ZZ", "q=" + "%F0" * 50, "&&&&==&=", "q"]
)
def test_malformed_query_strings(web, raw: str) -> None:
    assert web.get("/api/search?q=" + raw).status_code == 200
    assert web.get("/api/search?" + raw).status_code == 200


def test_a_long_query_is_refused_with_a_french_message(web, mini_settings) -> None:
    response = web.get("/api/search", query_string={"q": "é" * 501})
    assert response.status_code == 400
    assert response.get_json() == {"error": "Requête trop longue (501 caractères, limite 500)."}
    page = web.get("/", query_string={"q": "x" * 501})
    assert page.status_code == 400 and "Requête trop longue" in page.get_data(as_text=True)


def test_a_huge_url_is_refused_before_any_search(web, mini_settings) -> None:
    response = web.get("/api/search?q=a&" + "theme=sante&" * 400)
    assert response.status_code == 414
    assert response.get_json()["error"].startswith("Adresse trop longue")
    page = web.get("/?" + "x" * (mini_settings.max_url_bytes + 1))
    assert page.status_code == 414 and "Adresse trop longue" in page.get_data(as_text=True)


def test_many_words_are_cut_at_the_clause_cap() -> None:
    parsed = parse(" ".join(f"mot{n}" for n in range(200)))
    assert len(parsed.positive) == MAX_CLAUSES


def test_star_alone_and_one_letter_prefixes_expand_to_nothing(handle, mini_settings) -> None:
    for q in ("*", "a*", "**", "* * *", "-*", "e*"):
        assert parse(q).positive == [], q
        browse = run_search(SearchParams.from_args({"q": q}, mini_settings), handle)
        assert browse["match"] == "browse"  # the whole collection, newest first: no expansion at all


def count_terms(q) -> dict[str, int]:
    counts: dict[str, int] = {}
    for fieldname, _text in q.iter_all_terms():
        counts[fieldname] = counts.get(fieldname, 0) + 1
    return counts


def test_a_prefix_expands_to_at_most_the_cap(app, monkeypatch) -> None:
    handle = app.extensions["crpv_index"]
    reader = handle.searcher().reader()
    vocabulary = [t for t in reader.expand_prefix("body", "co")]
    assert len(vocabulary) > 10  # the sample corpus has many words in « co… »
    monkeypatch.setattr(query_module, "MAX_PREFIX_TERMS", 10)
    counts = count_terms(build_query(parse("co*"), reader))
    assert counts["body"] == 10 and set(counts) == set(TUNING.field_boosts)


def test_prefix_clauses_beyond_the_cap_are_plain_words(app) -> None:
    parsed = parse(" ".join(["co*", "pa*", "mo*", "so*", "ha*", "ca*", "ré*"]))
    kinds = [c.kind for c in parsed.positive]
    assert kinds.count("prefix") == MAX_PREFIX_CLAUSES and kinds.count("word") == 7 - MAX_PREFIX_CLAUSES
    reader = app.extensions["crpv_index"].searcher().reader()
    total = sum(count_terms(build_query(parsed, reader)).values())
    assert total <= MAX_PREFIX_CLAUSES * MAX_PREFIX_TERMS * len(TUNING.field_boosts) + 50 * len(parsed.positive)


def test_fuzzy_corrections_are_capped(handle, mini_settings, monkeypatch) -> None:
    calls: list[str] = []
    real = suggest_module._correct_word
    monkeypatch.setattr(suggest_module, "_correct_word", lambda s, word: calls.append(word) or real(s, word))
    unknown = " ".join(f"inconnu{chr(97 + n)}zz" for n in range(20))
    run_search(SearchParams.from_args({"q": unknown}, mini_settings), handle)
    assert len(calls) == MAX_FUZZY_WORDS
    calls.clear()
    run_search(SearchParams.from_args({"q": "x" * (MAX_FUZZY_CHARS + 1)}, mini_settings), handle)
    assert calls == []
    run_search(SearchParams.from_args({"q": "psychiatrei"}, mini_settings), handle)
    assert calls == ["psychiatrei"]  # an ordinary typo is still corrected


def test_every_operator_alone(web) -> None:
    for q in ['"', "«", "(", ")", "-", "OU", "OR", "NOT", "SAUF", "|", "&", "title:", "[2010 TO 2020]", "a~2", "b^3"]:
        response = web.get("/api/search", query_string={"q": q})
        assert response.status_code == 200, q
