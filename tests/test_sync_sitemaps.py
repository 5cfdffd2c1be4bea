"""Sync of a site without WordPress (SPIP-style addresses, sitemap only), sources files, two sources in one index,
and a sync killed mid-run then resumed; all against servers on loopback."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from xml.etree import ElementTree

import pdf_fixtures
import pytest
from bs4 import BeautifulSoup
from sync_sites import demo_site, mirrored, small_site, stored_docs, sync, sync_settings

from indexer.extract import extract_file
from indexer.update import update_index
from indexer.web.sitemaps import parse_sitemap
from indexer.web.sources import Source, SourcesError, load_sources
from indexer.web.state import origins
from indexer.web.sync import SyncOptions, sync_sources
from search_app import create_app

ROOT = Path(__file__).resolve().parents[1]
RAPPORT = pdf_fixtures.pages_pdf("Rapport d’activité", [["Rapport d’activité 2020"], ["Les fiches d’expérience."]])


def spip_site() -> demo_site.SitemapSite:
    site = demo_site.SitemapSite()
    site.robots = "User-agent: *\nDisallow: /ecrire/\nSitemap: {base}/spip.php?page=sitemap.xml\n"
    site.put(
        "/spip.php?article12",
        '<html><head><meta charset="utf-8"><title>Les fiches d’expérience</title></head><body><main>'
        "<h1>Les fiches d’expérience</h1><p>Profession Banlieue publie son rapport d’activité.</p>"
        '<p><a href="IMG/pdf/rapport-2020.pdf">Télécharger le rapport</a></p></main></body></html>'.encode(),
        lastmod="2021-03-01",
    )
    site.put(
        "/spip.php?article13",
        (
            "<html><head><meta charset='windows-1252'><title>Réunion à Sevran</title></head><body><main>"
            "<p>Réunion des médiatrices à Sevran, « café des parents » à l’école élémentaire.</p></main></body></html>"
        ).encode("cp1252"),
        content_type="text/html; charset=windows-1252",
        lastmod="2021-04-02",
    )
    site.put("/IMG/pdf/rapport-2020.pdf", RAPPORT, "application/pdf")
    return site


@pytest.fixture
def spip():
    site = spip_site()
    site.start()
    site.robots = site.robots.format(base=site.base)
    yield site
    site.stop()


def test_sitemap_site_harvest(tmp_path, spip):
    settings = sync_settings(tmp_path)
    [report] = sync(settings, spip.base + "/")
    assert report.fatal is None and report.errors == [] and report.kind == "sitemap"
    host = "127.0.0.1_" + spip.base.rsplit(":", 1)[1]
    pages = [p.split(host + "/", 1)[1] for p in mirrored(settings, ".html")]
    assert pages == ["spip.php?article12.html", "spip.php?article13.html"]
    assert [p.split(host + "/", 1)[1] for p in mirrored(settings, ".pdf")] == ["IMG/pdf/rapport-2020.pdf"]
    # Stored as served: the windows-1252 page keeps its bytes, and the extractor reads its accents.
    page = next(p for p in mirrored(settings, ".html") if "article13" in p)
    assert (settings.corpus / page).read_bytes().decode("cp1252").count("é") >= 3
    document = extract_file(settings.corpus, page, settings)
    assert "Réunion des médiatrices à Sevran, « café des parents »" in document.text
    assert origins(settings.corpus)[page].url == spip.base + "/spip.php?article13"
    # The PDF's relative link leads to the mirrored file: the PDF is published by the article.
    update_index(settings)
    pdf = stored_docs(settings)["rapport-2020.pdf"]
    assert pdf.published_in[0].endswith("spip.php?article12.html")
    assert pdf.source_url == spip.base + "/IMG/pdf/rapport-2020.pdf"


def test_unchanged_lastmod_is_not_requested_and_removed_pages_go(tmp_path, spip):
    settings = sync_settings(tmp_path)
    sync(settings, spip.base + "/")
    spip.log.clear()
    [report] = sync(settings, spip.base + "/")
    assert spip.requests_to("/spip.php?article") == [] and spip.requests_to("/IMG/") == []
    assert (report.added, report.changed, report.removed) == (0, 0, 0)
    del spip.lastmod["/spip.php?article12"]  # left the site's sitemap
    [report] = sync(settings, spip.base + "/")
    assert report.removed == 2  # the article and its PDF, which nothing else links
    assert mirrored(settings, ".pdf") == []


def test_page_gone_404_is_removed(tmp_path, spip):
    settings = sync_settings(tmp_path)
    sync(settings, spip.base + "/")
    del spip.resources["/spip.php?article13"]
    spip.lastmod["/spip.php?article13"] = "2021-05-01"
    [report] = sync(settings, spip.base + "/")
    assert report.removed == 1 and "404" in report.errors[0]["reason"]
    assert not any("article13" in p for p in mirrored(settings, ".html"))


def test_sitemap_at_the_usual_address_when_robots_lists_none(tmp_path, spip):
    spip.robots = "User-agent: *\nDisallow: /ecrire/\n"
    [report] = sync(sync_settings(tmp_path), spip.base + "/")
    assert report.fatal is None and report.added == 3
    assert spip.requests_to("/sitemap.xml")


def test_site_without_wordpress_nor_sitemap(tmp_path):
    site = demo_site.BaseSite()
    site.resources["/"] = demo_site.Resource(b"<html><body>Accueil</body></html>", "text/html")
    site.start()
    try:
        [report] = sync(sync_settings(tmp_path), site.base + "/")
    finally:
        site.stop()
    assert report.fatal and "ni API WordPress ni sitemap" in report.fatal


def test_hostile_sitemaps_are_refused():
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><urlset><url><loc>&a;</loc></url></urlset>'
    with pytest.raises(ValueError, match="entités"):
        parse_sitemap(bomb)
    with pytest.raises(ValueError, match="pas un sitemap"):
        parse_sitemap(b"<html><body>Accueil</body></html>")
    import gzip

    kind, entries = parse_sitemap(
        gzip.compress(b"<sitemapindex><sitemap><loc>https://s.fr/a.xml</loc></sitemap></sitemapindex>")
    )
    assert (kind, entries) == ("index", [("https://s.fr/a.xml", "")])


def test_two_sources_in_one_index(tmp_path, spip):
    wordpress = small_site()
    wordpress.start()
    try:
        settings = sync_settings(tmp_path)
        sources = tmp_path / "sources.toml"
        sources.write_text(
            f'contact = "doc@centre.fr"\n\n[[source]]\nname = "vt"\nlabel = "Villes et Territoires"\n'
            f'url = "{wordpress.base}/"\n\n[[source]]\nname = "pb"\nlabel = "Profession Banlieue"\n'
            f'url = "{spip.base}/"\nexclude = ["*article13*"]\n',
            encoding="utf-8",
        )
        loaded = load_sources(sources)
        options = SyncOptions.from_settings(settings, loaded.contact)
        reports = sync_sources(settings.corpus, loaded.sources, options)
    finally:
        wordpress.stop()
    assert [r.fatal for r in reports] == [None, None]
    assert "+doc@centre.fr" in wordpress.log[0][1]["User-Agent"]
    known = origins(settings.corpus)
    assert {o.source for o in known.values()} == {"vt", "pb"}
    assert {o.label for o in known.values()} == {"Villes et Territoires", "Profession Banlieue"}
    assert not any("article13" in p for p in known)  # excluded by its pattern
    assert update_index(settings).summary()["added"] == 8
    client = create_app({"SETTINGS": settings, "TESTING": True}).test_client()
    # The « Centre de ressources » facet: both sources, labelled, counting documents; it filters like the others.
    facet = client.get("/api/search").get_json()["facets"]["source"]
    assert {(e["value"], e["label"], e["count"]) for e in facet} == {
        ("vt", "Villes et Territoires", 6),
        ("pb", "Profession Banlieue", 2),
    }
    only = client.get("/api/search?source=pb").get_json()
    assert only["total"] == 2 and {r["source"] for r in only["results"]} == {"pb"}
    # A PDF page opens at its live address, at the page; the title links there, the local copy one click away.
    found = client.get("/api/search?q=fiches+d%E2%80%99exp%C3%A9rience&type=pdf").get_json()
    [pdf] = found["results"]
    assert pdf["source_url"] == f"{spip.base}/IMG/pdf/rapport-2020.pdf#page={pdf['page']}" and pdf["page"] == 2
    soup = BeautifulSoup(
        client.get("/?q=fiches+d%E2%80%99exp%C3%A9rience&type=pdf").get_data(as_text=True), "html.parser"
    )
    assert soup.select_one(".hit-title a")["href"] == pdf["source_url"]
    assert soup.select_one(".hit .local-copy")["href"] == pdf["url"]
    assert soup.select_one("#facet-source").get_text() == "Centre de ressources"


def test_feed_of_a_search_is_valid_atom(tmp_path, spip):
    settings = sync_settings(tmp_path)
    sync(settings, spip.base + "/")
    update_index(settings)
    client = create_app({"SETTINGS": settings, "TESTING": True}).test_client()
    page = BeautifulSoup(client.get("/?q=rapport").get_data(as_text=True), "html.parser")
    announced = page.find("link", rel="alternate", type="application/atom+xml")
    assert announced["href"] == "/feed.atom?q=rapport"
    assert page.find("a", href="/feed.atom?q=rapport").get_text() == "Suivre cette recherche (flux Atom)"
    response = client.get(announced["href"])
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    atom = "{http://www.w3.org/2005/Atom}"
    root = ElementTree.fromstring(response.data)
    assert root.tag == atom + "feed"
    for name in ("id", "title", "updated", "author"):
        assert root.find(atom + name) is not None, name
    assert root.find(atom + "title").text == "Veille : « rapport »"
    entries = root.findall(atom + "entry")
    assert len(entries) == 2  # the article and its PDF, newest first
    for entry in entries:
        for name in ("id", "title", "updated", "link"):
            assert entry.find(atom + name) is not None, name
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", entry.find(atom + "updated").text)
        assert entry.find(atom + "link").get("href").startswith(spip.base + "/")
    assert len({e.find(atom + "id").text for e in entries}) == 2
    assert client.get("/feed.atom?year=abc").status_code == 400


def test_sources_file_mistakes_name_the_line(tmp_path):
    path = tmp_path / "sources.toml"
    path.write_text('[[source]]\nname = "vt"\nlabel = "VT"\nurl = "https://a.fr/"\n\n[[source]]\nname = "VT!"\n')
    with pytest.raises(SourcesError, match=r"ligne 6 \(source n° 2\) : « label » manque"):
        load_sources(path)
    path.write_text('[[source]]\nname = "vt"\nlabel = "VT"\nurl = "ftp://a.fr/"\n')
    with pytest.raises(SourcesError, match=r"ligne 1.*http"):
        load_sources(path)
    path.write_text('[[source]]\nname = "vt"\nlabel = "VT\nurl = "https://a.fr/"\n')
    with pytest.raises(SourcesError, match="ligne 3"):
        load_sources(path)
    path.write_text('[[source]]\nname = "vt"\nlabel = "VT"\nurl = "https://a.fr/"\nmax_documents = "beaucoup"\n')
    with pytest.raises(SourcesError, match="max_documents"):
        load_sources(path)
    with pytest.raises(SourcesError, match="introuvable"):
        load_sources(tmp_path / "absent.toml")


def test_source_patterns():
    source = Source("s", "S", "https://s.fr/", include=("/category/*",), exclude=("*/prive/*",))
    assert source.wants("https://s.fr/category/actus/")
    assert not source.wants("https://s.fr/page/2/")
    assert not source.wants("https://s.fr/category/prive/x/")


def test_sync_killed_then_resumed(tmp_path):
    """SIGKILL while a PDF downloads: no half file for the indexer, and the next sync completes."""
    site = small_site()
    for n in range(6):
        url = site.add_pdf(f"annexe-{n}.pdf", RAPPORT, "2020/01")
        site.add_post(f"Annexe {n}", f'<p>Annexe.</p><p><a href="{url}">PDF</a></p>')
    site.fault("/wp-content/uploads/2020/01/annexe-3.pdf", ("stall", 60))
    site.start()
    settings = sync_settings(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [
        sys.executable,
        "-m",
        "indexer",
        "sync",
        site.base + "/",
        "--corpus",
        str(settings.corpus),
        "--no-update",
    ]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert site.wait_for("/wp-content/uploads/2020/01/annexe-3.pdf", timeout=60)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        before = mirrored(settings, ".pdf")
        served = {resource.body for resource in site.resources.values()}
        assert before and all((settings.corpus / p).read_bytes() in served for p in before)
        site.release.set()
        [report] = sync(settings, site.base + "/")
    finally:
        site.stop()
    assert report.errors == [] and report.fatal is None
    assert len(mirrored(settings, ".html")) == 10 and len(mirrored(settings, ".pdf")) == 8
    assert [p for p in mirrored(settings, ".tmp")] == []
    assert update_index(settings).summary()["failed"] == 0


def test_cli_sync_prints_one_line_per_source_and_updates(tmp_path, spip, capsys):
    from indexer.cli import main

    corpus, index = tmp_path / "corpus", tmp_path / "index"
    assert main(["sync", spip.base + "/", "--corpus", str(corpus), "--index", str(index)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("127.0.0.1 (sitemaps) : 3 ajouté(s), 0 modifié(s), 0 supprimé(s)")
    assert out[1] == "  remarque : page d’accueil : page introuvable (404)"  # the notes under their source
    assert out[2].startswith("Construction terminée")
    assert main(["sync", spip.base + "/", "--corpus", str(corpus), "--index", str(index), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["sources"][0]["unchanged"] == 2 and report["index"]["mode"] == "update"


def test_cli_sync_errors_are_one_line(tmp_path, capsys):
    from indexer.cli import main

    (tmp_path / "sources.toml").write_text('[[source]]\nname = "vt"\nlabel = "VT"\n', encoding="utf-8")
    assert main(["sync", "--corpus", str(tmp_path), "--no-update"]) == 1
    err = capsys.readouterr().err.strip()
    assert err == "Erreur : sources.toml, ligne 1 (source n° 1) : « url » manque ou n’est pas un texte"
    site = demo_site.BaseSite()
    site.start()
    site.stop()
    assert main(["sync", site.base + "/", "--corpus", str(tmp_path), "--no-update"]) == 1
    assert "injoignable" in capsys.readouterr().out


def test_admin_shows_each_source_and_synchronises(tmp_path, spip):
    from search_app import admin

    settings = replace(sync_settings(tmp_path), admin_token="jeton-de-test-0123456789-abcdefghij")
    auth = ("documentaliste", settings.admin_token)
    settings.corpus.mkdir(parents=True)
    update_index(settings)  # an empty index
    app = create_app({"SETTINGS": settings, "TESTING": True})
    web = app.test_client()
    page = BeautifulSoup(web.get("/admin", auth=auth).get_data(as_text=True), "html.parser")
    assert "sources.toml" in page.select_one("#sites").get_text() and page.find("button", string="Synchroniser") is None
    (settings.corpus / "sources.toml").write_text(
        f'[[source]]\nname = "pb"\nlabel = "Profession Banlieue"\nurl = "{spip.base}/"\n', encoding="utf-8"
    )
    page = BeautifulSoup(web.get("/admin", auth=auth).get_data(as_text=True), "html.parser")
    token = page.find("input", attrs={"name": "csrf_token"})["value"]
    assert web.post("/admin/synchronisation", auth=auth).status_code == 403  # no CSRF token
    response = web.post("/admin/synchronisation", auth=auth, data={"csrf_token": token})
    assert response.status_code == 303
    runner = app.extensions[admin.SYNC_EXTENSION]
    runner.join(timeout=120)
    assert runner.state()["state"] == "done", runner.state()
    sites = BeautifulSoup(web.get("/admin", auth=auth).get_data(as_text=True), "html.parser").select_one("#sites")
    text = sites.get_text(" ", strip=True)
    assert "Profession Banlieue" in text and "3\u00a0ajoutés" in text and "0\u00a0erreur" in text
    assert web.get("/api/search?q=m%C3%A9diatrices+Sevran").get_json()["total"] == 1
