"""`python -m indexer sync` against WordPress sites served on loopback by tools/demo_site.py (never a mocked client)."""

from __future__ import annotations

from datetime import UTC, datetime

import pdf_fixtures
import pytest
from sync_sites import demo_site, mirrored, small_site, stored_docs, sync, sync_settings

from indexer.extract import extract_file
from indexer.update import update_index
from indexer.web.fetch import retry_after
from indexer.web.state import SourceState, origins


@pytest.fixture
def site():
    site = small_site()
    site.start()
    yield site
    site.stop()


def _pdf_path(settings, name: str) -> str:
    return next(p for p in mirrored(settings, ".pdf") if p.endswith(name))


def test_first_harvest_writes_posts_pages_and_pdfs(tmp_path, site):
    settings = sync_settings(tmp_path)
    [report] = sync(settings, site.base + "/")
    assert report.fatal is None and report.errors == []
    assert report.kind == "wordpress"
    pages = mirrored(settings, ".html")
    assert len(pages) == 4  # three posts and one page
    assert [p.rsplit("/", 2)[-2] for p in pages if "sommes" in p] == ["qui-sommes-nous"]
    assert len(mirrored(settings, ".pdf")) == 2
    # The clean page: what the extractor reads (title, date, categories, canonical) and the PDF link into the mirror.
    post = next(p for p in pages if "achats" in p)
    document = extract_file(settings.corpus, post, settings)
    assert document.title == "Journée régionale sur les achats socialement responsables"
    assert document.metadata["date"].startswith("2016-06-02")
    assert document.metadata["categories"] == ["Économie sociale et solidaire"]
    assert document.metadata["keywords"] == ["clauses sociales"]
    assert document.metadata["canonical"] == site.base + "/journee-regionale-sur-les-achats-socialement-responsables/"
    assert [link.target for link in document.links] == [_pdf_path(settings, "achats.pdf")]
    # Every file of the mirror knows its source and live address.
    known = origins(settings.corpus)
    assert known[_pdf_path(settings, "clsm.pdf")].url == site.base + "/wp-content/uploads/2017/03/clsm.pdf"
    # Listings are paginated the WordPress way.
    assert all("per_page=100" in p for p, _ in site.requests_to("/wp-json/wp/v2/posts"))


def test_pdfs_inherit_year_and_themes_of_their_post(tmp_path, site):
    settings = sync_settings(tmp_path)
    sync(settings, site.base + "/")
    update_index(settings)
    docs = stored_docs(settings)
    assert docs["achats.pdf"].year == 2016  # the post's date, not the file's
    assert docs["clsm.pdf"].year == 2017  # attached media: linked from « Documents joints »
    assert "sante" in docs["clsm.pdf"].themes
    assert docs["clsm.pdf"].published_in[0].endswith("conseils-locaux-de-sante-mentale-la-synthese/index.html")
    # Each document knows its source and its live address.
    assert {doc.source for doc in docs.values()} == {"127-0-0-1-" + site.base.rsplit(":", 1)[1]}
    assert docs["clsm.pdf"].source_url == site.base + "/wp-content/uploads/2017/03/clsm.pdf"
    post = next(doc for doc in docs.values() if "conseils-locaux" in doc.path)
    assert post.source_url == site.base + "/conseils-locaux-de-sante-mentale-la-synthese/"
    # One source only: no « Centre de ressources » facet.
    from search_app import create_app

    found = create_app({"SETTINGS": settings, "TESTING": True}).test_client().get("/api/search").get_json()
    assert "source" not in found["facets"] and found["total"] == 6


def test_nothing_changed_downloads_no_body(tmp_path, site):
    settings = sync_settings(tmp_path)
    sync(settings, site.base + "/")
    site.log.clear()
    [report] = sync(settings, site.base + "/")
    assert (report.added, report.changed, report.removed) == (0, 0, 0)
    assert site.requests_to("/wp-content/") == []  # no PDF asked again
    full = [p for p, _ in site.log if "content" in p and "_fields" in p]
    assert full == []  # no post read whole
    conditional = [h for p, h in site.log if p.startswith("/wp-json/")]
    assert conditional and all("If-None-Match" in h for h in conditional)
    assert report.not_modified == len(conditional) + 1  # the listings and the home page: 304, no body


def test_modified_post_is_rewritten(tmp_path, site):
    settings = sync_settings(tmp_path)
    sync(settings, site.base + "/")
    post = next(i for i in site.items.values() if i.title.startswith("Rencontres"))
    site.edit_post(post.id, content="<p>Les conseils citoyens du Gard se sont réunis à Saint-Gilles.</p>")
    site.log.clear()
    [report] = sync(settings, site.base + "/")
    assert (report.added, report.changed, report.removed) == (0, 1, 0)
    page = next(p for p in mirrored(settings, ".html") if "rencontres" in p)
    assert "Saint-Gilles" in (settings.corpus / page).read_text(encoding="utf-8")
    assert any("modified_after=" in p for p, _ in site.log)


def test_older_wordpress_without_modified_after(tmp_path, site):
    site.modified_after = False  # before 5.7 the parameter is ignored: every post comes back
    settings = sync_settings(tmp_path)
    sync(settings, site.base + "/")
    post = next(i for i in site.items.values() if i.title.startswith("Rencontres"))
    site.edit_post(post.id, title="Rencontres des conseils citoyens du Gard")
    [report] = sync(settings, site.base + "/")
    assert (report.added, report.changed, report.removed) == (0, 1, 0)
    assert any("du Gard" in (settings.corpus / p).read_text() for p in mirrored(settings, ".html"))


def test_deleted_post_is_removed_with_its_pdf(tmp_path, site):
    settings = sync_settings(tmp_path)
    sync(settings, site.base + "/")
    achats = next(i for i in site.items.values() if "achats" in i.slug)
    site.add_post(
        "Autre article", f'<p><a href="{demo_site.SITE}/wp-content/uploads/2016/06/achats.pdf">Dossier</a></p>'
    )
    sync(settings, site.base + "/")
    site.delete_post(achats.id)
    [report] = sync(settings, site.base + "/")
    assert report.removed == 1  # the post; its PDF stays: another post links it
    assert not any("achats-socialement" in p for p in mirrored(settings, ".html"))
    assert _pdf_path(settings, "achats.pdf")
    other = next(i for i in site.items.values() if i.title == "Autre article")
    site.delete_post(other.id)
    [report] = sync(settings, site.base + "/")
    assert report.removed == 2  # the post and, linked by nothing now, the PDF
    assert not any(p.endswith("achats.pdf") for p in mirrored(settings, ".pdf"))


def test_new_post_with_new_pdf_reaches_the_index(tmp_path, site):
    settings = sync_settings(tmp_path)
    sync(settings, site.base + "/")
    update_index(settings)
    pdf = pdf_fixtures.pages_pdf(
        "Mobilité", [["Plateforme mobilité"], ["Le garage solidaire de Lunel ouvre ses portes."]]
    )
    url = site.add_pdf("mobilite.pdf", pdf, "2026/12")
    site.add_post(
        "Plateforme mobilité : le dossier",
        f'<p>Le dossier de la plateforme mobilité.</p><p><a href="{url}">Lire le dossier</a></p>',
        datetime(2026, 12, 1, tzinfo=UTC),
    )
    [report] = sync(settings, site.base + "/")
    assert (report.added, report.changed, report.removed) == (2, 0, 0)
    summary = update_index(settings).summary()
    assert summary["added"] == 2
    from search_app import create_app

    client = create_app({"SETTINGS": settings, "TESTING": True}).test_client()
    found = client.get("/api/search?q=garage+solidaire+Lunel").get_json()
    assert found["results"][0]["path"].endswith("mobilite.pdf")
    assert found["results"][0]["page"] == 2
    assert found["results"][0]["year"] == 2026


def test_not_modified_pdf_after_post_change(tmp_path, site):
    settings = sync_settings(tmp_path)
    sync(settings, site.base + "/")
    post = next(i for i in site.items.values() if "achats" in i.slug)
    site.edit_post(post.id, content=post.content + "<p>Mise à jour : le programme.</p>")
    site.log.clear()
    [report] = sync(settings, site.base + "/")
    [(_path, headers)] = site.requests_to("/wp-content/uploads/2016/06/achats.pdf")
    assert "If-None-Match" in headers and "If-Modified-Since" in headers
    assert report.changed == 1 and report.not_modified >= 1


def test_retry_after_429_and_500_then_success(tmp_path, site):
    settings = sync_settings(tmp_path)
    site.fault("/wp-content/uploads/2016/06/achats.pdf", ("status", 429, {"Retry-After": "0"}))
    site.fault("/wp-content/uploads/2017/03/clsm.pdf", ("status", 500), ("status", 503))
    [report] = sync(settings, site.base + "/")
    assert report.errors == []
    assert len(site.requests_to("/wp-content/uploads/2016/06/achats.pdf")) == 2
    assert len(site.requests_to("/wp-content/uploads/2017/03/clsm.pdf")) == 3
    assert len(mirrored(settings, ".pdf")) == 2


def test_retry_after_longer_than_allowed_fails_the_file(tmp_path, site):
    settings = sync_settings(tmp_path)
    site.fault("/wp-content/uploads/2016/06/achats.pdf", ("status", 429, {"Retry-After": "3600"}))
    [report] = sync(settings, site.base + "/")
    [error] = report.errors
    assert "attendre 3600 s" in error["reason"]
    assert len(mirrored(settings, ".pdf")) == 1


def test_retry_after_header_values():
    assert retry_after("120") == 120
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0  # in the past: no wait
    assert 50 < retry_after(_http_date(60)) <= 60
    assert retry_after("bientôt") is None


def _http_date(seconds: int) -> str:
    from email.utils import format_datetime

    return format_datetime(datetime.fromtimestamp(datetime.now(UTC).timestamp() + seconds, UTC), usegmt=True)


def test_robots_disallow_is_never_requested(tmp_path, site):
    site.robots = "User-agent: *\nDisallow: /wp-content/uploads/2016/\n"
    settings = sync_settings(tmp_path)
    [report] = sync(settings, site.base + "/")
    assert site.requests_to("/wp-content/uploads/2016/") == []
    [error] = report.errors
    assert "robots.txt" in error["reason"]
    assert len(mirrored(settings, ".pdf")) == 1


def test_redirect_to_another_host_is_not_followed(tmp_path, site):
    other = demo_site.BaseSite()
    other.start()
    try:
        site.fault("/wp-content/uploads/2016/06/achats.pdf", ("redirect", other.base + "/achats.pdf"))
        settings = sync_settings(tmp_path)
        [report] = sync(settings, site.base + "/")
    finally:
        other.stop()
    assert other.log == []
    [error] = report.errors
    assert "autre site" in error["reason"] and "non suivi" in error["reason"]


def test_oversized_file_is_refused_and_reported(tmp_path, site):
    settings = sync_settings(tmp_path, max_file_mb=0.001)  # about 1 KB
    [report] = sync(settings, site.base + "/")
    assert mirrored(settings, ".pdf") == []
    assert len(report.errors) == 2
    assert all("trop volumineux" in e["reason"] for e in report.errors)
    assert mirrored(settings, ".tmp") == []


def test_stalling_server_times_out(tmp_path, site):
    settings = sync_settings(tmp_path, sync_timeout=0.2, sync_retries=1)
    site.fault("/wp-content/uploads/2017/03/clsm.pdf", ("stall", 30), ("stall", 30))
    [report] = sync(settings, site.base + "/")
    [error] = report.errors
    assert "ne répond pas" in error["reason"]
    assert len(site.requests_to("/wp-content/uploads/2017/03/clsm.pdf")) == 2  # one retry
    assert len(mirrored(settings, ".html")) == 4  # the rest of the site is harvested


def test_unreachable_site_is_one_clear_error(tmp_path):
    site = demo_site.BaseSite()
    site.start()
    base = site.base
    site.stop()
    [report] = sync(sync_settings(tmp_path), base + "/")
    assert report.fatal and "injoignable" in report.fatal


def test_state_survives_and_reports_are_kept(tmp_path, site):
    settings = sync_settings(tmp_path)
    sync(settings, site.base + "/")
    state = SourceState.load(settings.corpus, "127-0-0-1-" + site.base.rsplit(":", 1)[1])
    assert state.kind == "wordpress" and len(state.items) == 4 and len(state.files) == 2
    assert (state.folder / "last.json").is_file()


def test_at_most_two_requests_in_flight(tmp_path, site):
    links = ""
    for n in range(5):
        url = site.add_pdf(f"annexe-{n}.pdf", b"%PDF-1.4\n%%EOF\n", "2020/01")
        site.fault(f"/wp-content/uploads/2020/01/annexe-{n}.pdf", ("stall", 0.2))
        links += f'<p><a href="{url}">Annexe {n}</a></p>'
    site.add_post("Annexes", links)
    settings = sync_settings(tmp_path, sync_timeout=5)
    [report] = sync(settings, site.base + "/")
    assert report.errors == []
    assert site.most_in_flight == 2  # the downloads overlap, two at a time, never more


def test_closed_api_falls_back_to_the_sitemap(tmp_path, site):
    site.robots = f"User-agent: *\nDisallow: /wp-admin/\nSitemap: {site.base}/wp-sitemap.xml\n"
    site.fault("/wp-json/wp/v2/categories", ("status", 401))
    settings = sync_settings(tmp_path)
    [report] = sync(settings, site.base + "/")
    assert report.fatal is None and report.kind == "sitemap"
    assert "API WordPress fermée" in report.notes[0]
    assert len(mirrored(settings, ".html")) == 4  # the pages as served
    assert len(mirrored(settings, ".pdf")) == 1  # the PDF the text links (the attached one is not linked)


def test_robots_txt_in_error_means_no_crawl_for_now(tmp_path, site):
    site.fault("/robots.txt", *[("status", 503)] * 3)
    [report] = sync(sync_settings(tmp_path, sync_retries=2), site.base + "/")
    assert report.fatal == (
        f"{site.base}/ : robots.txt illisible : erreur du serveur (503), même après plusieurs essais ; "
        "le site n’est pas parcouru pour l’instant"
    )
    assert {path for path, _ in site.log} == {"/robots.txt"}  # nothing else asked


def test_robots_txt_redirected_on_the_same_site_is_followed(tmp_path, site):
    site.fault("/robots.txt", ("redirect", site.base + "/regles.txt"))
    site.resources["/regles.txt"] = demo_site.Resource(b"User-agent: *\nDisallow: /wp-content/\n", "text/plain")
    [report] = sync(sync_settings(tmp_path), site.base + "/")
    assert site.requests_to("/wp-content/") == [] and len(report.errors) == 2


def test_an_incomplete_listing_removes_nothing(tmp_path):
    site = demo_site.generated(120)
    site.start()
    try:
        settings = sync_settings(tmp_path)
        sync(settings, site.base + "/")
        assert len(mirrored(settings, ".html")) == 120
        # Page 2 of the id listing fails as if the site had shrunk meanwhile: 100 ids seen of 120.
        site.fault("/wp-json/wp/v2/posts?_fields=id%2Cmodified%2Clink&per_page=100&page=2", ("status", 400))
        [report] = sync(settings, site.base + "/")
    finally:
        site.stop()
    assert report.fatal and "liste incomplète" in report.fatal and report.removed == 0
    assert len(mirrored(settings, ".html")) == 120


def test_api_discovery_and_addresses():
    import httpx

    from indexer.web.fetch import Response
    from indexer.web.wordpress import api_url, discover

    head_only = Response(
        "https://site.fr/",
        200,
        httpx.Headers({}),
        b'<html><head><link rel="https://api.w.org/" href="https://site.fr/?rest_route=/"></head></html>',
    )
    assert discover(head_only) == "https://site.fr/?rest_route=/"
    assert discover(Response("https://site.fr/", 200, httpx.Headers({}), b"<html></html>")) is None
    assert (
        api_url("https://site.fr/?rest_route=/", "wp/v2/posts", {"page": 2})
        == "https://site.fr/?rest_route=%2Fwp%2Fv2%2Fposts&page=2"
    )
    assert (
        api_url("https://site.fr/wp-json/", "wp/v2/posts", {"page": 2}) == "https://site.fr/wp-json/wp/v2/posts?page=2"
    )
