"""`/feed.atom` over the sample corpus: what a feed holds (the documents with every word of the query, the newest
first), how its entries and itself are dated, and its title."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from urllib.parse import urlencode
from xml.etree import ElementTree

ATOM = "{http://www.w3.org/2005/Atom}"
UNDATED = "site/non-date/echanges-mises-en-reseau.html"  # « Échanges et mises en réseau »


def feed(client, **args) -> ElementTree.Element:
    response = client.get("/feed.atom?" + urlencode(args, doseq=True))
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    return ElementTree.fromstring(response.data)


def entries(root: ElementTree.Element) -> list[dict[str, str | None]]:
    return [
        {name: e.findtext(ATOM + name) for name in ("id", "title", "updated", "published")}
        for e in root.findall(ATOM + "entry")
    ]


def entry_id(path: str) -> str:
    return "urn:sha1:" + hashlib.sha1(path.encode("utf-8")).hexdigest()


def utc(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def search(client, **args) -> dict:
    return client.get("/api/search?" + urlencode({**args, "sort": "date_desc", "per_page": 50})).get_json()


def test_a_feed_holds_only_the_documents_with_every_word(client):
    found = search(client, q="sante mentale")
    assert found["match"] == "partial"  # the results page adds documents without « mentale »…
    with_all = [r["path"] for r in found["results"] if not r["partial"]]
    assert 0 < len(with_all) < 20
    # … the feed does not: the documents with both words, newest first, and nothing after them.
    assert [e["id"] for e in entries(feed(client, q="sante mentale"))] == [entry_id(p) for p in with_all]


def test_a_feed_with_no_document_having_every_word_is_empty(client):
    assert search(client, q="psychiatrie zzzzqqq")["match"] == "any"
    assert entries(feed(client, q="psychiatrie zzzzqqq")) == []


def test_a_feed_holds_the_newest_documents_newest_first(client):
    found = search(client, q="ville")
    assert found["total_all_words"] > 20
    got = entries(feed(client, q="ville"))
    assert len(got) == 20  # the number the README gives
    assert [e["id"] for e in got] == [entry_id(r["path"]) for r in found["results"][:20]]
    dates = [e["updated"] for e in got]
    assert dates == sorted(dates, reverse=True) and all(e["published"] == e["updated"] for e in got)


def test_an_undated_document_is_dated_by_its_file_not_1970(client, sample_settings):
    got = {e["id"]: e for e in entries(feed(client, q="sante mentale"))}
    undated = got[entry_id(UNDATED)]
    assert undated["updated"] == utc((sample_settings.corpus / UNDATED).stat().st_mtime)
    assert undated["published"] is None  # its publication date is unknown
    dated = [e for key, e in got.items() if key != entry_id(UNDATED)]
    assert dated and all(e["updated"] == e["published"] and not e["updated"].startswith("1970") for e in dated)


def test_an_empty_feed_is_dated_by_the_index_last_update(client, sample_settings):
    root = feed(client, q="zzzzqqq")
    assert entries(root) == []
    newest_commit = max(p.stat().st_mtime for p in (sample_settings.index / "current").glob("*.toc"))
    assert root.findtext(ATOM + "updated") == utc(newest_commit)


def test_a_feed_title_names_the_query_and_the_filters(client):
    def title(**args) -> str:
        return feed(client, **args).findtext(ATOM + "title")

    assert title(q="santé mentale") == "Veille : « santé mentale »"
    assert title() == "Nouvelles publications"
    assert title(theme="sante") == "Nouvelles publications — thème Santé"
    assert (
        title(q="santé mentale", theme="sante", year_from="2019", year_to="2021")
        == "Veille : « santé mentale » — thème Santé, 2019–2021"
    )
    assert (
        title(q="clauses", theme=["sante", "emploi-insertion"], type=["pdf", "synthese"], year=["2019", "sans-date"])
        == "Veille : « clauses » — thèmes Santé ou Emploi et insertion, types Dossier PDF et Synthèse, "
        "2019 ou sans date"
    )
    assert title(year_from="2019") == "Nouvelles publications — depuis 2019"
    assert title(year_to="2016") == "Nouvelles publications — jusqu’en 2016"
