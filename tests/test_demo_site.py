"""The README's demonstration: the sample corpus served as a WordPress site, synced, then a new post published."""

from __future__ import annotations

import shutil
from pathlib import Path

from sync_sites import demo_site, mirrored, sync, sync_settings

from indexer.update import update_index

ROOT = Path(__file__).resolve().parents[1]


def test_new_post_of_the_demo_site_reaches_the_search(tmp_path):
    from search_app import create_app

    sample = tmp_path / "sample"  # the posts of 2021 and their PDFs, to keep the test short
    shutil.copytree(ROOT / "corpus" / "site" / "2021", sample / "site" / "2021")
    for year in ("2016", "2021"):
        shutil.copytree(ROOT / "corpus" / "dossiers" / year, sample / "dossiers" / year)
    site = demo_site.from_corpus(sample, demo_site.HELD_BACK)
    site.start()
    try:
        settings = sync_settings(tmp_path)
        [first] = sync(settings, site.base + "/")
        assert first.errors == [] and len(mirrored(settings, ".html")) == len(site.items)
        update_index(settings)
        assert site.publish_held_back() is not None
        [second] = sync(settings, site.base + "/")
    finally:
        site.stop()
    assert (second.added, second.changed, second.removed) == (2, 0, 0)  # the post and its PDF
    assert update_index(settings).summary()["added"] == 2
    client = create_app({"SETTINGS": settings, "TESTING": True}).test_client()
    found = client.get("/api/search?q=émancipation+au+féminin+synthèse").get_json()
    top = found["results"][0]
    assert top["path"].endswith("emancipation-au-feminin-synthese.pdf")
    assert top["published_in"]["path"].endswith("emancipation-au-feminin-2021/index.html")
    assert top["year"] == 2021
    live = f"{site.base}/wp-content/uploads/2021/06/emancipation-au-feminin-synthese.pdf#page={top['page']}"
    assert top["source_url"] == live  # the live address, at the right page


def test_demo_article_pages_are_served_whatever_the_zone_of_their_date(tmp_path):
    """A post dated with its zone (« …T10:00:00+02:00 » in the corpus) is served with a GMT Last-Modified."""
    import httpx

    page = ROOT / "corpus" / "site" / "2019" / "mediation-sante-2019.html"
    (tmp_path / "site").mkdir()
    shutil.copy(page, tmp_path / "site" / page.name)
    site = demo_site.from_corpus(tmp_path)
    [item] = site.items.values()
    assert item.modified.utcoffset()  # the post's date keeps its zone
    site.start()
    try:
        answer = httpx.get(site.link(item), timeout=10)
    finally:
        site.stop()
    assert answer.status_code == 200 and answer.headers["last-modified"].endswith(" GMT")
