"""A WordPress site read through its REST API (`wp/v2`): posts and pages, their categories and tags, their PDFs.

Discovery follows the address the site advertises (`rel="https://api.w.org/"` in the home page's Link header or
head), so a site without pretty permalinks (`/?rest_route=/`) works too. Listings are paginated with
`per_page=100` and `X-WP-TotalPages`. A first sync reads every post whole; the next ones list ids and modification
dates only (a cheap answer, conditional), then read the changed posts with `modified_after` (WordPress 5.7+) and
ask by id (`include=`) for whatever that did not give (an older site ignores the parameter; a resumed sync). PDFs
come from the media endpoint (`mime_type=application/pdf`, attached to their post) and from the PDF links in a
post's content.
"""

from __future__ import annotations

import html
import json
import logging
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from bs4 import BeautifulSoup
from tqdm import tqdm

from indexer.web.fetch import FetchError, Response
from indexer.web.harvest import Harvest
from indexer.web.mirror import Post, mirror_path, pdf_links, relative_href, render_post, rewrite_links

logger = logging.getLogger(__name__)

API_REL = "https://api.w.org/"
PER_PAGE = 100
_LIST_MAX_BYTES = 20 << 20
_FULL = "id,type,date_gmt,modified,modified_gmt,link,title,content,categories,tags"
_BRIEF = "id,modified,link"
_ROUTES = (("wp/v2/posts", "post"), ("wp/v2/pages", "page"))
_LINK_HEADER = re.compile(r"<([^>]+)>\s*;[^,]*?rel=\"?" + re.escape(API_REL) + r"\"?")


class ApiClosed(Exception):
    """The REST API refuses anonymous reads (401/403): the site is read through its sitemaps instead."""


def discover(home: Response) -> str | None:
    """The REST API root a home page advertises (Link header first, then the head), or None."""
    match = _LINK_HEADER.search(home.headers.get("link", ""))
    if match:
        return urljoin(home.url, match.group(1))
    if not home.body:
        return None
    soup = BeautifulSoup(home.body[:512_000], "html.parser")
    for link in soup.find_all("link", href=True):
        rel = link.get("rel") or []
        if API_REL in (rel if isinstance(rel, list) else rel.split()):
            return urljoin(home.url, str(link["href"]))
    return None


def api_url(root: str, route: str, params: dict[str, Any]) -> str:
    """The address of `route` under an API root, either `…/wp-json/` or `…/?rest_route=/`."""
    parts = urlsplit(root)
    query = dict(parse_qsl(parts.query))
    if "rest_route" in query:
        query["rest_route"] = query["rest_route"].rstrip("/") + "/" + route
        return urlunsplit(parts._replace(query=urlencode({**query, **params})))
    base = root if root.endswith("/") else root + "/"
    return urljoin(base, route) + "?" + urlencode(params)


def harvest_wordpress(h: Harvest) -> None:
    """Bring the mirror of a WordPress source up to date (`h.state.api` is its API root)."""
    terms = {"categories": _terms(h, "wp/v2/categories"), "tags": _terms(h, "wp/v2/tags")}
    media = _list(h, "wp/v2/media", {"mime_type": "application/pdf", "_fields": "id,source_url,post,title,modified"})
    attached: dict[int, list[dict[str, Any]]] = {}
    for item in media:
        if item.get("post") and item.get("source_url"):
            attached.setdefault(int(item["post"]), []).append(item)
    kept = 0
    newest = h.state.since
    for route, kind in _ROUTES:
        listing, posts = _changed(h, route, kind, attached)
        listing = {k: v for k, v in listing.items() if h.source.wants(v["link"])}
        keys = dict.fromkeys(list(listing)[: max(0, h.source.max_documents - kept)])
        if len(keys) < len(listing):
            h.report.notes.append(f"limite de {h.source.max_documents} documents atteinte : le reste est ignoré")
        kept += len(keys)
        for key in [k for k in h.state.items if k.startswith(kind + ":") and k not in keys]:
            h.drop_item(key)
        todo = [p for p in posts if f"{kind}:{p['id']}" in keys]
        h.report.unchanged += len(keys) - len(todo)
        for post in tqdm(todo, desc=f"{h.source.name} : {kind}s", unit=" doc", disable=None, leave=False):
            _write_post(h, kind, post, terms, attached.get(int(post["id"]), []))
        newest = max([newest, *(v["modified"] for v in listing.values())])
    h.prune_files()
    h.state.since = newest
    h.note_kept("wordpress")


def _changed(
    h: Harvest, route: str, kind: str, attached: dict[int, list[dict[str, Any]]]
) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """Every item of a route (key → id, modified, link) and the items to write, read whole."""
    known = {k: v for k, v in h.state.items.items() if k.startswith(kind + ":")}
    # Listed even on a first sync, so that the next one can ask for it conditionally.
    listing = {f"{kind}:{p['id']}": _brief(p) for p in _list(h, route, {"_fields": _BRIEF})}
    if not known and not h.state.since:  # a first sync: one pass reads everything
        posts = _list(h, route, {"_fields": _FULL}, keep=False)
        return listing, posts
    stale = set()
    for key, item in listing.items():
        entry = known.get(key)
        new_pdfs = {m["source_url"] for m in attached.get(item["id"], [])} - set((entry or {}).get("links", []))
        if (
            not entry
            or entry.get("modified") != item["modified"]
            or new_pdfs
            or not (h.corpus / entry["path"]).is_file()
        ):
            stale.add(item["id"])
    posts: list[dict[str, Any]] = []
    if stale and h.state.since:
        recent = _list(h, route, {"_fields": _FULL, "modified_after": h.state.since}, keep=False)
        posts = [p for p in recent if p["id"] in stale]
    missing = sorted(stale - {p["id"] for p in posts})
    for start in range(0, len(missing), PER_PAGE):
        chunk = ",".join(str(i) for i in missing[start : start + PER_PAGE])
        posts += _list(h, route, {"_fields": _FULL, "include": chunk}, keep=False)
    return listing, posts


def _brief(post: dict[str, Any]) -> dict[str, Any]:
    return {"id": post["id"], "modified": post.get("modified") or post.get("modified_gmt") or "", "link": post["link"]}


def _write_post(
    h: Harvest, kind: str, post: dict[str, Any], terms: dict[str, dict[int, tuple[str, str]]], media: list
) -> None:
    """Download a post's PDFs, then write its clean page with the links pointing at them."""
    link = post["link"]
    content = (post.get("content") or {}).get("rendered", "")
    in_text = [u for u in pdf_links(content, link) if h.allowed(u)]
    joined = [m for m in media if m["source_url"] not in in_text and h.allowed(m["source_url"])]
    modified = {m["source_url"]: m.get("modified", "") for m in media}
    targets = h.fetch_files([*in_text, *(m["source_url"] for m in joined)], modified)
    key = f"{kind}:{post['id']}"
    entry = h.state.items.get(key)
    path = entry["path"] if entry else mirror_path(h.source.name, link, "html")
    page = Post(
        title=_text((post.get("title") or {}).get("rendered", "")) or link,
        url=link,
        published=_iso(post.get("date_gmt")),
        modified=_iso(post.get("modified_gmt")),
        content=rewrite_links(content, link, path, targets),
        categories=[terms["categories"][i] for i in post.get("categories") or [] if i in terms["categories"]],
        tags=[terms["tags"][i] for i in post.get("tags") or [] if i in terms["tags"]],
        attachments=[
            (
                _text((m.get("title") or {}).get("rendered", "")) or "Document",
                relative_href(path, targets[m["source_url"]]),
            )
            for m in joined
            if m["source_url"] in targets
        ],
        site_name=h.source.label,
    )
    h.store(path, render_post(page), existed=(h.corpus / path).is_file())
    h.state.items[key] = {
        "url": link,
        "path": path,
        "modified": post.get("modified") or post.get("modified_gmt") or "",
        "links": [*in_text, *(m["source_url"] for m in joined)],
    }
    h.take_over(key, (link,), "wordpress")
    h.state.save(force=False)


def _terms(h: Harvest, route: str) -> dict[int, tuple[str, str]]:
    return {int(t["id"]): (_text(t["name"]), t.get("link", "")) for t in _list(h, route, {"_fields": "id,name,link"})}


def _list(h: Harvest, route: str, params: dict[str, Any], keep: bool = True) -> list[dict[str, Any]]:
    """All the entries of a paginated listing; small listings (`keep`) are kept for conditional requests."""
    entries: list[dict[str, Any]] = []
    page, total, expected = 1, 1, 0
    while page <= total:
        url = api_url(h.state.api, route, {**params, "per_page": PER_PAGE, "page": page})
        cached = h.state.lists.get(url) if keep else None
        try:
            answer = h.fetcher.get(
                url,
                etag=(cached or {}).get("etag"),
                last_modified=(cached or {}).get("last_modified"),
                max_bytes=_LIST_MAX_BYTES,
            )
        except FetchError as error:
            if error.status in (401, 403):
                raise ApiClosed(error.reason) from None
            if error.status == 400 and page > 1:  # past the last page (a site that changed meanwhile)
                break
            raise
        if answer.status == 304 and cached:
            found, total, count = cached["entries"], cached["total_pages"], cached.get("total", 0)
        else:
            found = _json_list(answer)
            total = _header_int(answer, "x-wp-totalpages") or 1
            count = _header_int(answer, "x-wp-total")
            if keep and (answer.etag or answer.last_modified):
                h.state.lists[url] = {
                    "etag": answer.etag,
                    "last_modified": answer.last_modified,
                    "entries": found,
                    "total_pages": total,
                    "total": count,
                }
        expected = expected or count
        entries += found
        page += 1
    if len(entries) < expected:  # what is missing would be taken for removed from the site
        raise FetchError(url, f"liste incomplète de l’API ({len(entries)} sur {expected}) : rien n’est retiré")
    return entries


def _header_int(answer: Response, name: str) -> int:
    value = answer.headers.get(name, "")
    return int(value) if value.isdigit() else 0


def _json_list(answer: Response) -> list[dict[str, Any]]:
    try:
        data = json.loads(answer.body)
    except ValueError:
        raise FetchError(answer.url, "l’API WordPress n’a pas répondu en JSON") from None
    if not isinstance(data, list) or not all(isinstance(item, dict) and "id" in item for item in data):
        raise FetchError(answer.url, "réponse inattendue de l’API WordPress (liste attendue)")
    return data


def _text(rendered: str) -> str:
    """Rendered WordPress HTML (a title, a term name) → plain text."""
    text = BeautifulSoup(html.unescape(rendered or ""), "html.parser").get_text(" ")
    return " ".join(text.split())


def _iso(value: str | None) -> str:
    """WordPress's `date_gmt` (no zone) → ISO 8601 in UTC."""
    if not value:
        return ""
    return value if value.endswith("Z") or "+" in value[10:] else value + "Z"
