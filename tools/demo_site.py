"""A demonstration WordPress site on loopback, built from the sample corpus, to try `python -m indexer sync` offline.

    python tools/demo_site.py [--corpus corpus] [--port 8765] [--posts N]

It serves what the harvester reads on a real WordPress site: the home page advertising its REST API (Link header
and head), `wp-json/wp/v2/{posts,pages,categories,tags,media}` with `per_page`, `page`, `_fields`, `include`,
`modified_after`, `mime_type` and the `X-WP-Total` / `X-WP-TotalPages` headers, the uploads, `robots.txt` and
`wp-sitemap.xml`. Every answer has an ETag and a Last-Modified and honours conditional requests. The tests drive
the same classes: they change posts, script faults (`Site.script`) and read the request log (`Site.log`).
`SitemapSite` is a site without WordPress (SPIP-style addresses, sitemap only).
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import logging
import re
import sys
import threading
import unicodedata
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bs4 import BeautifulSoup
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from indexer.extract.html import extract_html  # noqa: E402

logger = logging.getLogger(__name__)


@dataclass
class Resource:
    """A file the site serves."""

    body: bytes
    content_type: str
    modified: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))


class BaseSite:
    """What both demonstration sites share: resources by path, scripted faults, a request log, a server."""

    def __init__(self) -> None:
        self.resources: dict[str, Resource] = {}
        self.robots = "User-agent: *\nDisallow: /wp-admin/\n"
        self.script: dict[str, deque[tuple]] = {}  # path (with query) → faults served before the real answer
        self.log: list[tuple[str, dict[str, str]]] = []  # (path with query, request headers)
        self.base = ""
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)  # notified at each request (tests wait on it)
        self.release = threading.Event()  # ends every stall (set when the server stops)
        self.in_flight = self.most_in_flight = 0  # requests being answered, and the most at once
        self._server: Any = None

    # -- serving ---------------------------------------------------------------------------------------------

    def start(self, port: int = 0, quiet: bool = True) -> str:
        """Serve on 127.0.0.1 in a thread; the base URL (« http://127.0.0.1:PORT »). `quiet`: no request log."""
        logging.getLogger("werkzeug").setLevel(logging.WARNING if quiet else logging.INFO)
        self._server = make_server("127.0.0.1", port, self.wsgi, threaded=True)
        self.base = f"http://127.0.0.1:{self._server.server_port}"
        # A short poll: `stop` returns within 50 ms (tests start and stop many sites).
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self.base

    def stop(self) -> None:
        self.release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def fault(self, path: str, *faults: tuple) -> None:
        """Queue faults for a path: ("status", code, headers), ("stall", at most seconds), ("redirect", url)."""
        self.script.setdefault(path, deque()).extend(faults)

    def requests_to(self, prefix: str) -> list[tuple[str, dict[str, str]]]:
        """The requests whose path (with query) starts with `prefix`."""
        with self.lock:
            return [entry for entry in self.log if entry[0].startswith(prefix)]

    def wait_for(self, prefix: str, timeout: float = 30.0) -> bool:
        """Wait until a request for `prefix` arrives; whether it did."""
        with self.arrived:
            return self.arrived.wait_for(lambda: any(p.startswith(prefix) for p, _ in self.log), timeout)

    def wsgi(self, environ: dict, start_response: Any) -> Any:
        request = Request(environ)
        full = request.full_path.rstrip("?")
        with self.lock:
            self.log.append((full, dict(request.headers)))
            self.arrived.notify_all()
            queued = self.script.get(full) or self.script.get(request.path)
            fault = queued.popleft() if queued else None
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            response = self._respond(request, fault)
        finally:
            with self.lock:
                self.in_flight -= 1
        return response(environ, start_response)

    def _respond(self, request: Request, fault: tuple | None) -> Response:
        if fault and fault[0] == "stall":  # a slow server: the answer comes late
            self.release.wait(fault[1])
            fault = None
        if fault and fault[0] == "status":
            response = Response("erreur", fault[1], headers=fault[2] if len(fault) > 2 else {})
        elif fault and fault[0] == "redirect":
            response = Response("", 302, headers={"Location": fault[1]})
        else:
            response = self.answer(request)
        return response

    def answer(self, request: Request) -> Response:
        if request.path == "/robots.txt":
            return Response(self.robots, mimetype="text/plain")
        resource = self.resources.get(request.full_path.rstrip("?")) or self.resources.get(request.path)
        if resource is None:
            return Response("introuvable", 404)
        return conditional(request, resource.body, resource.content_type, resource.modified)


def conditional(request: Request, body: bytes, content_type: str, modified: datetime) -> Response:
    """A 200 with ETag and Last-Modified, or a 304 when the client's validators match."""
    etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
    last_modified = format_datetime(modified.astimezone(UTC), usegmt=True)  # a post's date may carry its zone
    headers = {"ETag": etag, "Last-Modified": last_modified}
    if request.headers.get("If-None-Match") == etag or (
        "If-None-Match" not in request.headers and request.headers.get("If-Modified-Since") == last_modified
    ):
        return Response(status=304, headers=headers)
    return Response(body, 200, headers=headers, content_type=content_type)


@dataclass
class WpItem:
    """A post or a page."""

    id: int
    type: str
    slug: str
    title: str
    content: str
    date: datetime
    modified: datetime
    categories: list[int] = field(default_factory=list)
    tags: list[int] = field(default_factory=list)


class WordPressSite(BaseSite):
    """A WordPress site: posts, pages, terms, PDF media; REST API, pages, uploads, robots.txt, sitemap."""

    def __init__(self, name: str = "Villes et Territoires (démonstration)") -> None:
        super().__init__()
        self.name = name
        self.items: dict[int, WpItem] = {}
        self.terms: dict[str, dict[int, str]] = {"categories": {}, "tags": {}}
        self.media: dict[int, dict[str, Any]] = {}
        self.modified_after = True  # False: an older WordPress that ignores the parameter
        self.held: tuple[WpItem, dict[str, Resource]] | None = None
        self._next = 1

    def _id(self) -> int:
        self._next += 1
        return self._next

    def term(self, kind: str, name: str) -> int:
        for term_id, known in self.terms[kind].items():
            if known == name:
                return term_id
        term_id = self._id()
        self.terms[kind][term_id] = name
        return term_id

    def add_post(self, title: str, content: str, when: datetime | None = None, **extra: Any) -> WpItem:
        """Publish a post (`categories`, `tags`: names; `type`: « post » or « page »; `slug`)."""
        when = when or datetime.now(UTC).replace(microsecond=0)
        slug = extra.get("slug") or _slug(title)[:60] or f"article-{self._next}"
        item = WpItem(self._id(), extra.get("type", "post"), slug, title, content, when, when)
        item.categories = [self.term("categories", n) for n in extra.get("categories", [])]
        item.tags = [self.term("tags", n) for n in extra.get("tags", [])]
        self.items[item.id] = item
        return item

    def edit_post(self, item_id: int, **changes: Any) -> None:
        """Change a post (title, content…); its modification date moves on by at least a second."""
        item = self.items[item_id]
        for key, value in changes.items():
            setattr(item, key, value)
        item.modified = max(datetime.now(UTC).replace(microsecond=0), item.modified.replace(microsecond=0)) + _SECOND

    def delete_post(self, item_id: int) -> None:
        del self.items[item_id]

    def add_pdf(self, name: str, data: bytes, folder: str = "2026/12", parent: int = 0, title: str = "") -> str:
        """Upload a PDF (attached to `parent` when given); its URL, written with the `SITE` placeholder."""
        path = f"/wp-content/uploads/{folder}/{name}"
        self.resources[path] = Resource(data, "application/pdf")
        media_id = self._id()
        self.media[media_id] = {"path": path, "post": parent, "title": title or name, "modified": _now()}
        return SITE + path

    def hold_back(self, item_id: int) -> None:
        """Unpublish a post and the PDFs it links (as if it were still a draft)."""
        item = self.items.pop(item_id)
        files = {
            m["path"]: self.resources.pop(m["path"]) for m in self.media.values() if SITE + m["path"] in item.content
        }
        self.held = (item, files)

    def publish_held_back(self) -> WpItem | None:
        """Publish the post held back, dated now, with its PDFs; None when there is none left."""
        if self.held is None:
            return None
        item, files = self.held
        self.held = None
        item.date = item.modified = datetime.now(UTC).replace(microsecond=0)
        self.items[item.id] = item
        self.resources.update(files)
        for media in self.media.values():
            if media["path"] in files:
                media["modified"] = _now()
        return item

    def html(self, item: WpItem) -> str:
        """A post's content with its links on this server."""
        return item.content.replace(SITE, self.base)

    def link(self, item: WpItem) -> str:
        return f"{self.base}/{item.slug}/"

    # -- answers ---------------------------------------------------------------------------------------------

    def answer(self, request: Request) -> Response:
        path = request.path
        if path == "/":
            return self._home(request)
        if path.startswith("/wp-json/"):
            return self._api(request, path[len("/wp-json/") :].strip("/"))
        if path == "/wp-sitemap.xml":
            return self._sitemap(request)
        if path == "/wp-admin/publier":  # the demonstration's « Publier » button (robots.txt keeps crawlers out)
            item = self.publish_held_back()
            text = f"Article publié : {item.title} — {self.link(item)}" if item else "Rien à publier."
            return Response(text + "\n", mimetype="text/plain")
        for item in self.items.values():
            if path == f"/{item.slug}/":
                return conditional(request, self._page(item).encode(), "text/html; charset=utf-8", item.modified)
        return super().answer(request)

    def _home(self, request: Request) -> Response:
        items = "".join(f'<li><a href="{self.link(i)}">{html.escape(i.title)}</a></li>' for i in self._sorted("post"))
        body = (
            f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>{html.escape(self.name)}</title>'
            f'<link rel="https://api.w.org/" href="{self.base}/wp-json/"></head>'
            f"<body><h1>{html.escape(self.name)}</h1><ul>{items}</ul></body></html>"
        )
        response = conditional(request, body.encode(), "text/html; charset=utf-8", datetime(2026, 1, 1, tzinfo=UTC))
        response.headers["Link"] = f'<{self.base}/wp-json/>; rel="https://api.w.org/"'
        return response

    def _page(self, item: WpItem) -> str:
        return (
            f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>{html.escape(item.title)}</title>'
            f'<link rel="canonical" href="{self.link(item)}"></head><body><article>'
            f'<h1 class="entry-title">{html.escape(item.title)}</h1><div class="entry-content">{self.html(item)}</div>'
            "</article></body></html>"
        )

    def _sitemap(self, request: Request) -> Response:
        urls = "".join(
            f"<url><loc>{self.link(i)}</loc><lastmod>{i.modified.isoformat()}</lastmod></url>"
            for i in self.items.values()
        )
        body = f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
        return conditional(request, body.encode(), "application/xml", datetime(2026, 1, 1, tzinfo=UTC))

    def _sorted(self, kind: str) -> list[WpItem]:
        return sorted((i for i in self.items.values() if i.type == kind), key=lambda i: (i.date, i.id), reverse=True)

    def _api(self, request: Request, route: str) -> Response:
        if route == "":
            return _json(request, {"name": self.name, "namespaces": ["wp/v2"], "routes": {}})
        kinds = {"wp/v2/posts": "post", "wp/v2/pages": "page"}
        args = request.args
        if route in kinds:
            entries = self._sorted(kinds[route])
            if "include" in args:
                wanted = {int(i) for i in args["include"].split(",") if i.isdigit()}
                entries = [e for e in entries if e.id in wanted]
            if "modified_after" in args and self.modified_after:
                since = datetime.fromisoformat(args["modified_after"]).replace(tzinfo=UTC)
                entries = [e for e in entries if e.modified > since]
            records = [self._record(e) for e in entries]
        elif route in ("wp/v2/categories", "wp/v2/tags"):
            kind = route.rsplit("/", 1)[1]
            records = [
                {"id": i, "name": n, "slug": _slug(n), "link": f"{self.base}/{kind[:-1]}/{_slug(n)}/"}
                for i, n in sorted(self.terms[kind].items())
            ]
        elif route == "wp/v2/media":
            records = [
                {
                    "id": i,
                    "source_url": self.base + m["path"],
                    "post": m["post"] if m["post"] in self.items else 0,
                    "title": {"rendered": html.escape(m["title"])},
                    "mime_type": "application/pdf",
                    "modified": m["modified"],
                }
                for i, m in sorted(self.media.items())
                if m["path"] in self.resources
            ]
        else:
            return _json(request, {"code": "rest_no_route", "message": "Aucune route"}, status=404)
        return _paginate(request, records)

    def _record(self, item: WpItem) -> dict[str, Any]:
        return {
            "id": item.id,
            "type": item.type,
            "slug": item.slug,
            "status": "publish",
            "link": self.link(item),
            "date": _local(item.date),
            "date_gmt": _local(item.date),
            "modified": _local(item.modified),
            "modified_gmt": _local(item.modified),
            "title": {"rendered": html.escape(item.title)},
            "content": {"rendered": self.html(item), "protected": False},
            "excerpt": {"rendered": ""},
            "categories": item.categories if item.type == "post" else [],
            "tags": item.tags if item.type == "post" else [],
        }


SITE = "{site}"  # the server's address in stored content, filled in when served (the port is known then)
_SECOND = datetime(2000, 1, 1, 0, 0, 1) - datetime(2000, 1, 1)


def _now() -> str:
    return _local(datetime.now(UTC))


def _local(when: datetime) -> str:
    return when.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def _slug(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name.lower()).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")


def _json(request: Request, data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(data, ensure_ascii=False).encode()
    if status != 200:
        return Response(body, status, content_type="application/json")
    response = conditional(request, body, "application/json; charset=UTF-8", datetime(2026, 1, 1, tzinfo=UTC))
    response.headers.update(headers or {})
    return response


def _paginate(request: Request, records: list[dict[str, Any]]) -> Response:
    """WordPress's pagination: per_page 1–100, page from 1, 400 past the last page; `_fields` trims."""
    try:
        per_page = int(request.args.get("per_page", 10))
        page = int(request.args.get("page", 1))
    except ValueError:
        per_page = page = 0
    if not 1 <= per_page <= 100 or page < 1:
        return _json(request, {"code": "rest_invalid_param", "message": "Paramètre invalide"}, status=400)
    pages = max(1, -(-len(records) // per_page))
    if page > pages:
        return _json(request, {"code": "rest_post_invalid_page_number", "message": "Page invalide"}, status=400)
    chunk = records[(page - 1) * per_page : page * per_page]
    if "_fields" in request.args:
        keep = request.args["_fields"].split(",")
        chunk = [{k: v for k, v in record.items() if k in keep} for record in chunk]
    return _json(request, chunk, headers={"X-WP-Total": str(len(records)), "X-WP-TotalPages": str(pages)})


# -- the sample corpus as a WordPress site -------------------------------------------------------------------


HELD_BACK = "emancipation-au-feminin-2021"  # published by /wp-admin/publier, to see a new post reach the search


def from_corpus(corpus: Path, held_back: str = "") -> WordPressSite:
    """The sample corpus's posts and PDFs as a WordPress site (PDF links point at the uploads).

    The post of slug `held_back` and its PDFs stay unpublished until `WordPressSite.publish_held_back`."""
    site = WordPressSite()
    pdf_urls: dict[str, str] = {}
    for pdf in sorted((corpus / "dossiers").rglob("*.pdf")):
        folder = pdf.parent.name if pdf.parent.name[:2] == "20" else "2014/01"
        folder = f"{folder}/06" if len(folder) == 4 else folder
        pdf_urls[pdf.name] = site.add_pdf(pdf.name, pdf.read_bytes(), folder)
    for page in sorted((corpus / "site").rglob("*.html")):
        document = extract_html(page.read_bytes(), page.relative_to(corpus).as_posix())
        soup = BeautifulSoup(page.read_bytes(), "html.parser")
        content = soup.select_one("article .entry-content") or soup.select_one(".entry-content")
        if content is None:
            continue
        for anchor in content.find_all("a", href=True):
            name = urlsplit(str(anchor["href"])).path.rsplit("/", 1)[-1]
            if name in pdf_urls:
                anchor["href"] = pdf_urls[name]
        when = _date(document.metadata.get("date"))
        slug = urlsplit(str(document.metadata.get("canonical") or "")).path.strip("/").rsplit("/", 1)[-1]
        item = site.add_post(
            document.title,
            content.decode_contents().strip(),
            when,
            slug=slug or page.stem,
            categories=document.metadata.get("categories", []),
            tags=document.metadata.get("keywords", [])[:8],
        )
        for media in site.media.values():
            if media["post"] == 0 and SITE + media["path"] in str(content):
                media["post"] = item.id
        if item.slug == held_back:
            site.hold_back(item.id)
    return site


def _date(value: str | None) -> datetime:
    try:
        when = datetime.fromisoformat(value or "")
    except ValueError:
        return datetime(2014, 1, 1, tzinfo=UTC)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def generated(count: int, pdf: bytes | None = None) -> WordPressSite:
    """A site of `count` generated posts (for the 1,000-post figures), one PDF every ten posts."""
    site = WordPressSite("Centre de démonstration (généré)")
    for n in range(count):
        when = datetime(2015, 1, 1, tzinfo=UTC).replace(year=2015 + n % 10, day=1 + n % 28)
        link = ""
        if pdf is not None and n % 10 == 0:
            link = f'<p><a href="{site.add_pdf(f"dossier-{n}.pdf", pdf, "2020/01")}">Lire le dossier</a></p>'
        site.add_post(
            f"Journée d’échanges n° {n} sur les conseils citoyens",
            f"<p>Compte rendu de la journée {n} : participation des habitants, renouvellement urbain.</p>{link}",
            when,
            categories=["Participation des habitants", f"Actions {2015 + n % 10}"],
        )
    return site


# -- a site without WordPress ----------------------------------------------------------------------------------


class SitemapSite(BaseSite):
    """A SPIP-style site known by its sitemap only (`spip.php?article12`, `IMG/pdf/…`)."""

    def __init__(self) -> None:
        super().__init__()
        self.lastmod: dict[str, str] = {}

    def put(self, path: str, body: bytes, content_type: str = "text/html; charset=utf-8", lastmod: str = "") -> None:
        self.resources[path] = Resource(body, content_type)
        if not path.startswith("/IMG/"):
            self.lastmod[path] = lastmod

    def answer(self, request: Request) -> Response:
        wants_sitemap = request.path == "/sitemap.xml" or (
            request.path == "/spip.php" and request.args.get("page") == "sitemap.xml"
        )
        if wants_sitemap:
            entries = "".join(
                f"<url><loc>{html.escape(self.base + p)}</loc>" + (f"<lastmod>{m}</lastmod>" if m else "") + "</url>"
                for p, m in self.lastmod.items()
            )
            body = (
                f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'
            )
            return Response(body, content_type="application/xml")
        return super().answer(request)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Site WordPress de démonstration (boucle locale) à partir du corpus.")
    parser.add_argument("--corpus", default=str(ROOT / "corpus"), help="corpus d’exemple (défaut : corpus)")
    parser.add_argument("--port", type=int, default=8765, help="port (défaut : 8765)")
    parser.add_argument("--posts", type=int, default=0, help="un site de N articles générés au lieu du corpus")
    args = parser.parse_args(argv)
    site = generated(args.posts) if args.posts else from_corpus(Path(args.corpus), HELD_BACK)
    site.start(args.port, quiet=False)
    print(f"Site de démonstration : {site.base}/ ({len(site.items)} articles, {len(site.media)} PDF)")
    logger.debug("%d articles, %d PDF", len(site.items), len(site.media))
    if site.held:
        print(f"Pour publier un nouvel article avec son PDF : curl {site.base}/wp-admin/publier")
    print("Ctrl-C pour arrêter.")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        site.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
