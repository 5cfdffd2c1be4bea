"""The vocabulary of urban policy over time: its tables read (bad lines told in French with their numbers),
the links followed, and a search widened to the linked terms below the typed one, as the page and the API say."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import wp_page

from indexer.build import build_index
from indexer.config import Settings
from indexer.vocab import default_vocabulary, parse_vocabulary, policy_vocabulary
from search_app.index_handle import IndexHandle
from search_app.params import SearchParams
from search_app.query import parse
from search_app.search import run_search
from search_app.widening import find_widenings, vocabulary_graph

OWN_TABLE = (
    "terme\trelation\tterme lié\tnote\n"
    "Valdegour\tvoisin de\tPissevin\tdeux quartiers de Nîmes\n"
    "GUP\tremplace\tGUSP\n"
    "ZUS seule\n"
)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Posts that say « ZUS », « QPV », « Valdegour », « Pissevin », and a table of the corpus's own."""
    base = tmp_path_factory.mktemp("widening")
    site = base / "corpus" / "site"
    site.mkdir(parents=True)
    posts = {
        "zus.html": ("Emploi en ZUS", "<p>Le taux de chômage en ZUS reste le double de la moyenne.</p>"),
        "qpv.html": ("Emploi en QPV", "<p>Le taux de chômage en QPV reste le double de la moyenne.</p>"),
        "valdegour.html": ("Rénovation à Valdegour", "<p>Les halls de Valdegour sont repeints.</p>"),
        "pissevin.html": ("Rénovation à Pissevin", "<p>Les halls de Pissevin sont repeints.</p>"),
        "autre.html": ("Santé mentale", "<p>Le conseil local de santé mentale se réunit.</p>"),
    }
    for name, (title, body) in posts.items():
        (site / name).write_text(wp_page(title, body, date="2016-05-02"), encoding="utf-8")
    (base / "corpus" / "vocabulaire.tsv").write_text(OWN_TABLE, encoding="utf-8")
    settings = Settings(corpus=base / "corpus", index=base / "index", workers=1)
    build_index(settings)
    return settings


@pytest.fixture(scope="module")
def search(corpus: Settings):
    handle = IndexHandle(corpus.index)

    def run(q: str) -> dict:
        return run_search(SearchParams.from_args({"q": q}, corpus), handle)

    yield run
    handle.close()


def names(result: dict) -> list[str]:
    return [r["path"].rsplit("/", 1)[-1] for r in result["results"]]


def test_an_old_term_finds_the_new_one_below_the_typed_one(search):
    result = search("ZUS")
    assert names(result) == ["zus.html", "qpv.html"]
    assert result["expanded"] == [{"from": "ZUS", "to": ["QPV"]}]
    # The new term finds the old ones it replaced, typed form first as well.
    assert names(search("QPV"))[:2] == ["qpv.html", "zus.html"]
    # With another word: the document that has the typed term first, the widened one after.
    assert names(search("chômage ZUS")) == ["zus.html", "qpv.html"]


def test_a_quoted_term_is_not_widened(search):
    result = search('"ZUS"')
    assert names(result) == ["zus.html"] and result["expanded"] == []


def test_the_corpus_table_adds_links_and_its_bad_lines_are_told(corpus, search, caplog):
    caplog.set_level(logging.WARNING)
    vocabulary = policy_vocabulary(Path(corpus.corpus))
    assert [p.split(" : ")[0] for p in vocabulary.problems] == [
        "corpus/vocabulaire.tsv, ligne 3",
        "corpus/vocabulaire.tsv, ligne 4",
    ]
    assert "relation « remplace » inconnue" in vocabulary.problems[0]
    assert "1 colonne au lieu de 3 ou 4" in vocabulary.problems[1]
    # The good line of the same file is used: a neighbour, below the typed term.
    result = search("Pissevin")
    assert names(result) == ["pissevin.html", "valdegour.html"]
    assert result["expanded"] == [{"from": "Pissevin", "to": ["Valdegour"]}]


def test_the_page_and_the_api_say_what_was_widened(corpus):
    from search_app import create_app

    client = create_app({"SETTINGS": corpus, "TESTING": True}).test_client()
    soup = BeautifulSoup(client.get("/?q=zones+urbaines+sensibles").data, "html.parser")
    notice = soup.select_one(".widened").get_text(" ", strip=True)
    assert notice.startswith("Recherche élargie à « QPV » (pour « zones urbaines sensibles »)"), notice
    assert client.get("/api/search?q=ZUS").get_json()["expanded"] == [{"from": "ZUS", "to": ["QPV"]}]
    assert not BeautifulSoup(client.get("/?q=ch%C3%B4mage").data, "html.parser").select(".widened")


def test_a_table_line_by_line():
    text = (
        "terme\trelation\tterme lié\n# commentaire\nCUCS\t→\tcontrat de ville\n\tremplacé par\tQPV\nA\tvoisin de\ta\n"
    )
    vocabulary = parse_vocabulary(text, "essai.tsv")
    assert [(link.term, link.relation, link.other) for link in vocabulary.links] == [
        ("CUCS", "succession", "contrat de ville")
    ]
    assert vocabulary.problems == (
        "essai.tsv, ligne 4 : il manque le terme.",
        "essai.tsv, ligne 5 : « A » est lié à lui-même.",
    )


def test_successions_are_followed_both_ways_and_siblings_stay_apart():
    graph = vocabulary_graph(default_vocabulary())
    assert not graph.problems

    def widened(q: str) -> list[tuple[str, list[str]]]:
        parsed = parse(q)
        return [(w.typed, [t.text for t in w.targets]) for w in find_widenings(parsed.groups, default_vocabulary(), q)]

    assert widened("Acsé") == [("Acsé", ["ANCT", "CGET"])]  # from one successor to the next
    assert widened("ZUS") == [("ZUS", ["QPV"])]  # not ZRU or ZFU, its siblings
    assert widened("contrats de ville") == [("contrats de ville", ["CUCS", "Engagements quartiers 2030"])]
    assert widened("adultes-relais")[0][1] == ["médiateurs sociaux", "médiation sociale"]
    assert widened("PRE") == [("PRE", ["cités éducatives"])]
    assert widened("chômage") == []
