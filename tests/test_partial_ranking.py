"""Documents with only some of the words, on a tiny index: ranked by how much of the query's information they
hold (each word weighted by its rarity), not by how many of its words they hold."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import wp_page

from indexer.build import build_index
from indexer.config import Settings
from search_app.index_handle import IndexHandle
from search_app.params import SearchParams
from search_app.rank import coverage
from search_app.search import run_search

# « Valdegour » is in two posts, « quartier » in six, « habitants » in five: no post has all three.
POSTS = {
    "valdegour-quartier.html": ("Rénovation à Valdegour", "Les halls du quartier de Valdegour sont repeints."),
    "valdegour.html": ("Chantier à Valdegour", "Les halls de Valdegour sont repeints cet été."),
    **{
        f"quartier-{n}.html": (f"Fête numéro {n}", f"Les habitants du quartier préparent la fête numéro {n}.")
        for n in range(1, 6)
    },
}


@pytest.fixture(scope="module")
def search(tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("partial")
    site = base / "corpus" / "site"
    site.mkdir(parents=True)
    for name, (title, body) in POSTS.items():
        (site / name).write_text(wp_page(title, f"<p>{body}</p>", date="2018-03-01"), encoding="utf-8")
    settings = Settings(corpus=base / "corpus", index=base / "index", workers=1)
    build_index(settings)
    handle = IndexHandle(settings.index)

    def run(q: str) -> dict:
        return run_search(SearchParams.from_args({"q": q}, settings), handle)

    yield run
    handle.close()


def test_the_rarest_word_comes_before_more_of_the_common_ones(search):
    result = search("Valdegour quartier habitants")
    assert result["match"] == "any" and result["total"] == 7
    ranked = [(r["path"].rsplit("/", 1)[-1], r["missing"]) for r in result["results"]]
    # By a count of words, the five posts with « quartier » and « habitants » (two words) would come before
    # « valdegour.html » (one word): it holds the one rare word, the most of the query's information.
    assert ranked[:2] == [
        ("valdegour-quartier.html", ["habitants"]),
        ("valdegour.html", ["quartier", "habitants"]),
    ]
    assert all(missing == ["Valdegour"] for _name, missing in ranked[2:])


def test_coverage_weighs_each_part_of_the_query_by_its_rarity():
    # 7 documents: part 0 is in documents 0 and 1, part 1 in 0 and 2 to 6, part 2 in 2 to 6.
    groups = [np.array([0, 1]), np.array([0, 2, 3, 4, 5, 6]), np.array([2, 3, 4, 5, 6])]
    shares = coverage(groups, 7, frozenset(range(7)))
    share = dict(zip(shares.ids.tolist(), shares.scores.tolist(), strict=True))
    assert share[0] > share[1] > share[2]  # the rare part alone weighs more than the two common ones
    assert share[2] == share[6]
