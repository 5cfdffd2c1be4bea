"""The French analyser: each pair of spellings finds the other, and the chain behaves at index and query time."""

import pickle

import pytest
from whoosh.fields import TEXT, Schema
from whoosh.filedb.filestore import RamStorage
from whoosh.query import Phrase, Term

from indexer.analysis import acronym_expansions, analyse, derived_terms, expansion_acronyms, french_analyzer
from indexer.words import fold

PAIRS = [
    ("cohésion", "cohesion"),
    ("l’économie", "economie"),
    ("l'économie", "économie"),
    ("quartiers prioritaires", "quartier prioritaire"),
    ("mobilités résidentielles", "mobilite residentielle"),
    ("socio-économique", "socioéconomique"),
    ("QPV", "qpv"),
    ("État", "etat"),
    ("cœur de ville", "coeur de ville"),
    ("aujourd’hui", "aujourd'hui"),
    ("jusqu’à la fin", "jusqu'a la fin"),
    ("4e rencontres", "quatrième rencontre"),
    ("4ème édition", "4eme edition"),
    ("la 18e", "la dix-huitième"),
]


def test_summer_is_not_a_stop_word():
    assert analyse("quartiers d’ete") == analyse("quartiers d'été") == [analyse("quartiers")[0], "ete"]
    assert analyse("il est") == []


def test_ordinals_are_one_term_however_written():
    assert analyse("4e 4ème 4eme 4è quatrième Quatrièmes") == ["4e"] * 6
    assert analyse("1er 1re 1ère") == ["1e"] * 3
    assert analyse("4 rencontres") == ["4", analyse("rencontres")[0]]  # a cardinal stays a number


def _index_with(text: str):
    schema = Schema(body=TEXT(analyzer=french_analyzer(), phrase=True))
    ix = RamStorage().create_index(schema)
    with ix.writer() as w:
        w.add_document(body=text)
    return ix


@pytest.mark.parametrize(("indexed", "typed"), PAIRS + [(b, a) for a, b in PAIRS if a != "mobilités résidentielles"])
def test_each_spelling_finds_the_other(indexed, typed):
    ix = _index_with(indexed)
    terms = analyse(typed, mode="query")
    assert terms, typed
    with ix.searcher() as s:
        for term in terms:
            assert s.doc_frequency("body", term) == 1, (indexed, typed, term)


def test_unaccented_query_finds_accented_plural():
    ix = _index_with("Les mobilités résidentielles des ménages")
    with ix.searcher() as s:
        for term in analyse("mobilite residentielle"):
            assert s.doc_frequency("body", term) == 1


def test_elisions_both_apostrophes_and_long_forms():
    for text in ("l’emploi", "l'emploi", "d’emploi", "qu’emploi", "jusqu’emploi", "lorsqu'emploi"):
        assert analyse(text) == analyse("emploi"), text


def test_stop_words_removed_even_without_accents():
    assert analyse("la politique de la ville") == analyse("politique ville")
    assert analyse("être") == [] and analyse("etre") == []


def test_numbers_years_and_acronyms_are_kept():
    assert analyse("2016") == ["2016"]
    assert analyse("ANRU PTCE CLSM") == ["anru", "ptce", "clsm"]
    # Acronyms of the vocabulary are not stemmed (PLIE must not become « pli »).
    assert analyse("PLIE") == ["plie"]


def test_compound_parts_and_whole_at_index_time_one_token_at_query_time():
    texts = [t.text for t in french_analyzer()("socio-économique", positions=True, mode="index")]
    assert set(texts) == {"socioeconom", "socio", "econom"}
    assert analyse("socio-économique", mode="query") == ["socioeconom"]


def test_phrase_query_across_stop_words_and_compound_positions():
    ix = _index_with("Le développement socio-économique des quartiers prioritaires de la politique de la ville")
    with ix.searcher() as s:
        for words in ("quartiers prioritaires", "politique de la ville", "socio économique des quartiers"):
            q = Phrase("body", analyse(words))
            assert len(s.search(q)) == 1, words


def test_fold_and_accented_index_forms():
    assert fold("Économie cœur Ça") == "Economie coeur Ca"
    ix = _index_with("Une réflexion sur l’État")
    with ix.searcher() as s:
        assert len(s.search(Term("body", analyse("reflexion")[0]))) == 1


def test_analyzer_pickles_for_the_schema():
    analyzer = pickle.loads(pickle.dumps(french_analyzer()))
    assert [t.text for t in analyzer("Les économies", mode="query")] == analyse("économies")


def test_acronym_table_both_ways():
    assert acronym_expansions()["qpv"] == tuple(analyse("quartier prioritaire de la politique de la ville"))
    assert expansion_acronyms()[tuple(analyse("conseil local de santé mentale"))] == "clsm"


def test_derivations_join_a_verb_to_the_nouns_the_stemmer_keeps_apart():
    derived = derived_terms()
    (verb,) = analyse("prévenir")
    (noun,) = analyse("prévention")
    assert verb != noun and derived[verb] == (noun,)
    assert set(derived[analyse("créer")[0]]) == {analyse("création")[0], analyse("créateur")[0]}
    # One way only: « formation » must not find « forme » (the stem of « former »).
    assert analyse("formation")[0] not in derived
    for verb, nouns in derived.items():
        assert nouns and verb not in nouns, verb


def test_fused_filter_agrees_with_the_chain_of_stages():
    from pathlib import Path

    from indexer.analysis import french_chain

    texts = [
        "Le développement socio-économique de l’État et d'Occitanie, jusqu’à aujourd’hui.",
        "l’ d’ a b c Le conseil vis-à-vis du vis-à-vis ; 2016-2020 ; PLIE, QPV et CLSM.",
        "Les mobilités résidentielles : cœur de ville, co-construction, Saint-Gilles-du-Gard.",
    ]
    for page in sorted(Path("corpus/site").rglob("*.html"))[:8]:
        texts.append(page.read_text(encoding="utf-8", errors="replace"))
    fused, chain = french_analyzer(), french_chain()
    for text in texts:
        for mode in ("index", "query"):
            got = [(t.text, t.pos) for t in fused(text, positions=True, mode=mode)]
            expected = [(t.text, t.pos) for t in chain(text, positions=True, mode=mode)]
            assert got == expected, text[:60]


def test_exact_words_agree_with_the_exact_chain():
    from pathlib import Path

    from indexer.analysis import exact_chain_words
    from indexer.words import exact_words

    texts = [
        "L’économie sociale et solidaire d'aujourd'hui, socio-économique ‐ QPV 2016 l'l' ' x-y-z",
        "jusqu’à l’État — « Habiter avec » ; Œuvre, cœur, ÆTHER, co-construction.",
    ]
    for page in sorted(Path("corpus/site").rglob("*.html"))[:12]:
        texts.append(page.read_text(encoding="utf-8", errors="replace"))
    for text in texts:
        assert exact_words(text) == exact_chain_words(text), text[:60]


def test_the_exact_field_indexes_words_and_pairs_and_the_expansions_are_marked():
    from indexer.analysis import exact_analyzer, exact_terms, french_analyzer

    terms = [t.text for t in exact_analyzer()("Politique de la ville socio-économique", mode="index")]
    assert terms[:5] == ["politique", "de", "politique de", "la", "de la"]
    assert "ville socioeconomique" in terms and "ville socio" in terms and "socio economique" in terms
    assert exact_terms(["politique", "de", "la", "ville"]) == ["politique de", "de la", "la ville"]
    text = "Les quartiers prioritaires de la politique de la ville (QPV) et le quartier prioritaire de la ville"
    marked = [(t.text, t.pos) for t in french_analyzer()(text, positions=True, mode="index") if t.text[0] == "="]
    assert marked == [("=qpv", 1)]  # the second is not the whole expansion


def test_folding_caches_words_but_not_whole_texts() -> None:
    """A build folds the opening of every document: caching those held every document's text in memory."""
    from indexer.words import _fold_cached, fold

    text = "Économie sociale et solidaire dans les quartiers prioritaires, « cœur » de la démarche. " * 5
    before = _fold_cached.cache_info().currsize
    assert fold(text) == fold(text) and fold(text).startswith("Economie sociale") and "coeur" in fold(text)
    assert _fold_cached.cache_info().currsize == before
    assert fold("Économie") == "Economie" and _fold_cached.cache_info().currsize <= before + 1
