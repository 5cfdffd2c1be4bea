"""The PDF pages shown: a quoted phrase is found in a page's text as the exact field would find it."""

from __future__ import annotations

import numpy as np
import pytest
from positions_read import records_read

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


class _NoStoredFields:
    """A searcher whose stored fields must not be read."""

    def stored_fields(self, record: int) -> dict:
        raise AssertionError(f"stored fields of record {record} read")


def test_page_records_tell_owner_and_role_from_the_index(sample_settings):
    """Each page record's document, and whether it is a reference page or listed last as its text tells
    (`page_role`): the roles read from the index, never from the stored text."""
    from indexer.page_roles import ROLE_CONTACTS, ROLE_REFERENCE, page_role
    from search_app.index_handle import IndexHandle

    handle = IndexHandle(sample_settings.index)
    try:
        searcher = handle.searcher()
        records = handle.page_records(searcher)
        owners = records.owners(records.ids[::-1]).tolist()[::-1]
        roles = []
        for page, owner in zip(records.ids.tolist(), owners, strict=True):
            fields = searcher.stored_fields(page)
            assert fields["path"] == searcher.stored_fields(owner)["path"]
            role = page_role(fields.get("text") or "")
            roles.append(role)
            assert records.is_reference(_NoStoredFields(), page) == (role == ROLE_REFERENCE)
            assert records.listed_last(_NoStoredFields(), page) == (role is not None)
        assert {ROLE_REFERENCE, ROLE_CONTACTS} <= set(roles)
        assert len(np.unique(owners)) > 1
    finally:
        handle.close()


def test_a_request_reads_the_text_of_the_pages_it_shows_only(sample_settings):
    """Choosing the PDF pages shown among a document's candidates (reference and « Contacts utiles » pages
    last) reads no candidate's text: only the pages shown (or, for a result without a matching page, the
    pages it opens with) are read."""
    from search_app.index_handle import IndexHandle
    from search_app.params import SearchParams
    from search_app.search import run_search

    handle = IndexHandle(sample_settings.index)
    try:
        searcher = handle.searcher()
        reads: list[dict] = []
        stored_fields = searcher.stored_fields

        def counting(record: int) -> dict:
            fields = stored_fields(record)
            if fields.get("kind") == "page":
                reads.append(fields)
            return fields

        searcher.stored_fields = counting
        read_any = 0
        for q in ["ANRU", "conseils citoyens", "clauses sociales insertion", "QPV", "santé mentale"]:
            reads.clear()
            results = run_search(SearchParams.from_args({"q": q}, sample_settings), handle)["results"]
            shown = {(r["path"], p["page"]) for r in results for p in r["pages"]}
            opening = {r["path"] for r in results if not r["pages"]}
            read = [(f["path"], f["page"]) for f in reads]
            assert all(page in shown or page[0] in opening for page in read), q
            read_any += len(read)
        assert read_any
    finally:
        handle.close()


def _all_bonuses_best(ranker, docs: list[int], count: int) -> dict[int, list[int]]:
    """Every page's proximity bonus read, then each document's `count` best pages (the plain computation)."""
    import numpy as np

    from search_app.postings import with_bonus
    from search_app.query import PAGE_FIELD, proximity_words
    from search_app.tuning import TUNING

    scope, parents = ranker.page_records.pages_of(np.array(sorted(docs), dtype=np.int64))
    scored = ranker.evaluator.at(ranker.query, scope)
    words = proximity_words(ranker.parsed)
    if words and len(scored):
        near = ranker.evaluator.near_at(PAGE_FIELD, words, TUNING.proximity_slop, scored.ids)
        scored = with_bonus(scored, near, TUNING.proximity_boost)
    owners = parents[np.searchsorted(scope, scored.ids)].tolist()
    best: dict[int, list[int]] = {d: [] for d in docs}
    for i in np.lexsort((scored.ids, -scored.scores)).tolist():
        if len(best[owners[i]]) < count:
            best[owners[i]].append(int(scored.ids[i]))
    return best


def _holding_every_word(ranker, docs: list[int]) -> int:
    """How many page records of `docs` hold every word of the proximity bonus."""
    from search_app.postings import intersection
    from search_app.query import PAGE_FIELD, proximity_words

    words = proximity_words(ranker.parsed)
    scope = ranker.page_records.pages_of(np.array(sorted(docs), dtype=np.int64))[0]
    return len(intersection([ranker.evaluator.term_at(PAGE_FIELD, w, scope)[0] for w in words])) if words else 0


def test_best_pages_read_positions_only_where_the_bonus_may_count(sample_settings):
    """Each document's best pages are those of every bonus read, though positions are read for fewer pages."""
    import json
    from pathlib import Path

    from search_app.evaluate import Evaluator
    from search_app.index_handle import IndexHandle
    from search_app.query import build_query, parse
    from search_app.rank import PageRecordRanker

    root = Path(__file__).resolve().parents[1]
    queries = [q["q"] for q in json.loads((root / "bench/relevance/queries.json").read_text("utf-8"))["queries"]]
    handle = IndexHandle(sample_settings.index)
    try:
        searcher = handle.searcher()
        evaluator = Evaluator(searcher, handle.term_cache(searcher), handle.universe(searcher))
        pruned = 0
        for text in [*queries, "conseil citoyen", "politique ville habitants"]:
            parsed = parse(text)
            found = evaluator.documents(build_query(parsed, searcher.reader(), "any", proximity=False))
            docs = found.ids[np.argsort(-found.scores, kind="stable")[:10]].tolist()
            for count in (1, 3, 12):
                ranker = PageRecordRanker(evaluator, parsed, handle.page_records(searcher))
                with records_read(evaluator) as read:
                    got = ranker.best_pages(docs, count)
                expected = _all_bonuses_best(ranker, docs, count)
                assert got == expected, (text, count)
                pruned += sum(read) < _holding_every_word(ranker, docs)
        assert pruned > 20
    finally:
        handle.close()


def _top_per_owner(scores: np.ndarray, owners: np.ndarray, count: int) -> dict[int, list[int]]:
    best: dict[int, list[int]] = {}
    for i in np.lexsort((np.arange(len(scores)), -scores)).tolist():
        found = best.setdefault(int(owners[i]), [])
        if len(found) < count:
            found.append(i)
    return best


@pytest.mark.parametrize("seed", range(40))
def test_bonuses_read_are_the_fewest_that_keep_each_owners_best(seed):
    from search_app.rank import bonus_where_it_counts

    rng = np.random.default_rng(seed)
    size = int(rng.integers(1, 300))
    owners = rng.integers(0, 6, size)
    lower = rng.choice([1.0, 2.0, 3.0, 5.0], size) if seed % 2 else rng.random(size) * 10
    may = rng.random(size) < 0.7  # every word on the page: a bonus it may get
    potential = np.where(may, rng.choice([1.0, 2.0, 4.0], size), 0.0)
    has = may & (rng.random(size) < 0.5)  # the words stand together
    bonus = np.where(has, potential, 0.0)
    asked: list[int] = []

    def bonus_of(batch: np.ndarray) -> np.ndarray:
        assert not set(batch.tolist()) & set(asked)  # never asked twice
        asked.extend(batch.tolist())
        return bonus[batch]

    count = int(rng.integers(1, 5))
    got = bonus_where_it_counts(lower, lower + potential, owners, count, bonus_of)
    assert _top_per_owner(got, owners, count) == _top_per_owner(lower + bonus, owners, count)
    if size > 100:
        assert len(asked) < may.sum()
