"""A site that is down is not a site without WordPress: what discovering the API does when the site fails, what a
change of listing method may remove, and the French reasons of transport failures; all against servers on
loopback (never a mocked client)."""

from __future__ import annotations

import socket
import struct
import threading

import httpx
import pytest
from sync_sites import demo_site, mirrored, served_small_site, stored_docs, sync, sync_settings

from indexer.update import update_index
from indexer.web.state import SourceState
from indexer.web.transport_errors import transport_reason


@pytest.fixture
def site():
    with served_small_site() as site:
        yield site


def _state(settings, site) -> SourceState:
    return SourceState.load(settings.corpus, "127-0-0-1-" + site.base.rsplit(":", 1)[1])


def test_server_error_on_the_home_page_stops_the_source_and_removes_nothing(tmp_path, site):
    settings = sync_settings(tmp_path, sync_retries=2)
    sync(settings, site.base + "/")
    update_index(settings)
    pages, pdfs, docs = mirrored(settings, ".html"), mirrored(settings, ".pdf"), set(stored_docs(settings))
    assert len(pages) == 4 and len(pdfs) == 2
    site.fault("/", *[("status", 500)] * 3)  # a passing failure, longer than the retries
    site.log.clear()
    [report] = sync(settings, site.base + "/")
    assert report.fatal == (
        f"{site.base}/ : erreur du serveur (500) sur la page d’accueil, même après plusieurs essais ; "
        "rien n’est retiré de la copie"
    )
    assert report.removed == 0 and report.kind == ""
    assert (mirrored(settings, ".html"), mirrored(settings, ".pdf")) == (pages, pdfs)
    assert site.requests_to("/wp-sitemap.xml") == [] and site.requests_to("/wp-json/") == []
    assert update_index(settings).summary()["removed"] == 0 and set(stored_docs(settings)) == docs
    # The failure has passed: the API again, nothing lost.
    [report] = sync(settings, site.base + "/")
    assert report.fatal is None and report.kind == "wordpress" and report.removed == 0
    assert mirrored(settings, ".html") == pages


def test_a_site_gone_quiet_on_the_home_page_is_not_read_another_way(tmp_path, site):
    sync(sync_settings(tmp_path), site.base + "/")
    site.fault("/", ("stall", 30), ("stall", 30))
    settings = sync_settings(tmp_path, sync_timeout=0.2, sync_retries=1)
    [report] = sync(settings, site.base + "/")
    assert report.fatal and "ne répond pas" in report.fatal and report.removed == 0
    assert site.requests_to("/wp-sitemap.xml") == []
    assert len(mirrored(settings, ".html")) == 4


def test_server_error_on_the_api_index_stops_the_source(tmp_path, site):
    settings = sync_settings(tmp_path, sync_retries=2)
    sync(settings, site.base + "/")
    # No API link to read (the home page is missing), and the API's own address fails.
    site.fault("/", ("status", 404))
    site.fault("/wp-json/", *[("status", 503)] * 3)
    [report] = sync(settings, site.base + "/")
    assert report.fatal == (
        f"{site.base}/wp-json/ : erreur du serveur (503) en demandant l’API WordPress, même après plusieurs "
        "essais ; rien n’est retiré de la copie"
    )
    assert report.removed == 0 and len(mirrored(settings, ".html")) == 4
    assert site.requests_to("/wp-sitemap.xml") == []


def test_api_found_at_its_usual_address_without_the_home_page_link(tmp_path, site):
    site.fault("/", ("status", 404))
    [report] = sync(sync_settings(tmp_path), site.base + "/")
    assert report.fatal is None and report.kind == "wordpress"
    assert report.added == 6 and site.requests_to("/wp-sitemap.xml") == []
    assert "page introuvable (404)" in report.notes[0]


def test_site_without_wordpress_asks_the_api_index_once(tmp_path):
    site = demo_site.SitemapSite()
    site.put("/", b"<html><body>Accueil</body></html>")
    site.put("/article-1.html", b"<html><head><title>Un article</title></head><body>Texte.</body></html>")
    site.start()
    try:
        [report] = sync(sync_settings(tmp_path), site.base + "/")
    finally:
        site.stop()
    assert report.fatal is None and report.kind == "sitemap" and report.added == 2
    assert [path for path, _ in site.requests_to("/wp-json/")] == ["/wp-json/"]


def test_a_sitemap_in_error_is_named_in_the_failure(tmp_path):
    site = demo_site.SitemapSite()
    site.put("/", b"<html><body>Accueil</body></html>")
    site.fault("/sitemap.xml", *[("status", 500)] * 3)
    site.start()
    try:
        [report] = sync(sync_settings(tmp_path, sync_retries=2), site.base + "/")
    finally:
        site.stop()
    assert report.fatal == (
        f"{site.base}/ : ni API WordPress ni sitemap lisible (robots.txt, /sitemap.xml) ; {site.base}/sitemap.xml : "
        "erreur du serveur (500), même après plusieurs essais"
    )


def test_a_sitemap_that_fails_removes_nothing(tmp_path):
    """Two sitemaps; one fails for a sync: its pages are not taken for removed from the site."""
    site = demo_site.SitemapSite()
    site.put("/article-1.html", b"<html><head><title>Premier</title></head><body>Un.</body></html>")
    other = b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>{base}/article-2.html</loc></url></urlset>'
    site.resources["/article-2.html"] = demo_site.Resource(b"<html><body>Deux.</body></html>", "text/html")
    site.start()
    site.resources["/autre.xml"] = demo_site.Resource(other.replace(b"{base}", site.base.encode()), "application/xml")
    site.robots = f"User-agent: *\nSitemap: {site.base}/sitemap.xml\nSitemap: {site.base}/autre.xml\n"
    try:
        settings = sync_settings(tmp_path, sync_retries=2)
        [first] = sync(settings, site.base + "/")
        site.fault("/autre.xml", *[("status", 500)] * 3)
        [second] = sync(settings, site.base + "/")
        site.resources.pop("/autre.xml")  # now a clear answer: the sitemap and its page are gone
        [third] = sync(settings, site.base + "/")
    finally:
        site.stop()
    assert first.added == 2 and second.removed == 0 and len(second.errors) == 1
    assert second.notes[-1:] == [
        f"un sitemap illisible, rien n’est retiré cette fois — {site.base}/autre.xml : erreur du serveur (500), "
        "même après plusieurs essais"
    ]
    assert third.removed == 1 and len(mirrored(settings, ".html")) == 1


def _partial_sitemap(site: demo_site.WordPressSite, *slugs: str) -> None:
    """robots.txt now announces a sitemap that lists only these posts (as a sitemap plugin may)."""
    urls = "".join(f"<url><loc>{site.base}/{slug}/</loc></url>" for slug in slugs)
    body = f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    site.resources["/partiel.xml"] = demo_site.Resource(body.encode(), "application/xml")
    site.robots = f"User-agent: *\nSitemap: {site.base}/partiel.xml\n"


def test_reading_by_sitemaps_after_the_api_removes_nothing(tmp_path, site):
    """The API closes (401) for one sync: the sitemaps do not remove what the API gave, and the API takes it back."""
    settings = sync_settings(tmp_path)
    sync(settings, site.base + "/")
    update_index(settings)
    docs = set(stored_docs(settings))
    pages, pdfs = mirrored(settings, ".html"), mirrored(settings, ".pdf")
    assert len(docs) == 6
    santé = next(i for i in site.items.values() if i.slug.startswith("conseils-locaux"))
    _partial_sitemap(site, santé.slug, "rencontres-des-conseils-citoyens")
    site.fault("/wp-json/wp/v2/categories", ("status", 401))
    [report] = sync(settings, site.base + "/")
    assert report.fatal is None and report.kind == "sitemap" and report.errors == []
    # Both listed pages replace their post's copy at the same place; the two others stay; no PDF goes, not even
    # the one attached to its post that the served page does not link.
    assert (report.added, report.changed, report.removed) == (0, 2, 0)
    assert (mirrored(settings, ".html"), mirrored(settings, ".pdf")) == (pages, pdfs)
    assert any("2 document(s) lu(s) auparavant par l’API WordPress" in note for note in report.notes)
    assert sorted(k.split(":")[0] for k in _state(settings, site).items) == ["http", "http", "page", "post"]
    assert update_index(settings).summary()["removed"] == 0 and set(stored_docs(settings)) == docs
    # The API is back: it takes its posts back, the sitemaps' items go, and nothing is lost on the way.
    [report] = sync(settings, site.base + "/")
    assert report.kind == "wordpress" and (report.added, report.changed, report.removed) == (0, 2, 0)
    assert not any("auparavant" in note for note in report.notes)
    assert sorted(k.split(":")[0] for k in _state(settings, site).items) == ["page", "post", "post", "post"]
    assert (mirrored(settings, ".html"), mirrored(settings, ".pdf")) == (pages, pdfs)
    assert update_index(settings).summary()["removed"] == 0 and set(stored_docs(settings)) == docs


def test_a_post_deleted_while_read_by_sitemaps_goes_when_the_api_is_back(tmp_path, site):
    settings = sync_settings(tmp_path)
    sync(settings, site.base + "/")
    rencontres = next(i for i in site.items.values() if i.slug.startswith("rencontres"))
    _partial_sitemap(site)  # an empty sitemap: nothing confirms, nothing goes
    site.delete_post(rencontres.id)
    site.fault("/wp-json/wp/v2/categories", ("status", 401))
    [report] = sync(settings, site.base + "/")
    assert report.removed == 0 and len(mirrored(settings, ".html")) == 4
    [report] = sync(settings, site.base + "/")
    assert report.kind == "wordpress" and report.removed == 1
    assert not any("rencontres" in p for p in mirrored(settings, ".html"))


# -- transport failures, in French ------------------------------------------------------------------------------


class _RudeServer:
    """A TCP server on loopback that reads the request and hangs up without answering (or resets)."""

    def __init__(self, reset: bool = False) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.base = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.reset = reset
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.recv(65536)
            if self.reset:  # RST instead of FIN
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()

    def close(self) -> None:
        self.sock.close()


@pytest.mark.parametrize("reset", [False, True], ids=["hang-up", "reset"])
def test_server_that_hangs_up_is_said_in_french(tmp_path, reset):
    server = _RudeServer(reset)
    try:
        [report] = sync(sync_settings(tmp_path), server.base + "/")
    finally:
        server.close()
    assert report.fatal == f"{server.base}/ : site injoignable : connexion coupée par le serveur"


def test_refused_connection_is_said_in_french_without_blaming_robots_txt(tmp_path):
    site = demo_site.BaseSite()
    site.start()
    site.stop()
    [report] = sync(sync_settings(tmp_path), site.base + "/")
    assert report.fatal == f"{site.base}/ : site injoignable : connexion refusée"


def _raised(cause: OSError) -> httpx.TransportError:
    """The chain httpx raises for an OS error (httpx error ← httpcore error ← OSError)."""
    import httpcore

    try:
        try:
            try:
                raise cause
            except OSError as error:
                raise httpcore.ConnectError(str(error)) from error
        except httpcore.ConnectError as error:
            raise httpx.ConnectError(str(error)) from error
    except httpx.ConnectError as error:
        return error


def test_transport_reasons_name_the_cause():
    unknown = _raised(socket.gaierror(socket.EAI_NONAME, "Name or service not known"))
    assert transport_reason(unknown) == "nom d’hôte inconnu"
    assert transport_reason(_raised(ConnectionRefusedError(111, "Connection refused"))) == "connexion refusée"
    assert transport_reason(_raised(OSError(113, "No route to host"))) == "hôte inaccessible"
    assert transport_reason(httpx.RemoteProtocolError("Server disconnected without sending a response.")) == (
        "connexion coupée par le serveur"
    )
    assert transport_reason(httpx.ConnectError("something new")) == "connexion impossible"
