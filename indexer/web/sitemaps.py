"""Any site with sitemaps (SPIP, Drupal, a static site, a WordPress site whose API is closed).

The sitemaps are those robots.txt lists (`Sitemap:` lines), else `/sitemap.xml`; indexes are followed (three
levels at most), gzipped files read within the size limit. Sitemaps are untrusted input: they are parsed with
defusedxml (no entities, no external references). Each page is stored as served, and the PDFs it links to on the
allowed hosts are downloaded. A page whose `lastmod` has not changed since the last sync is not requested again;
one that left the sitemaps, or answers 404/410, is removed with the PDFs nothing else links to, unless one of
the sitemaps could not be read (a server error, a time-out, not a sitemap: an incomplete listing removes
nothing; a sitemap that answers 404 or 410 is gone, its pages with it). Items the
WordPress API gave (a site whose API is away) are never removed here: a page read at the same address replaces
one, the others stay until the API lists them again or not (`Harvest.take_over`).
"""

from __future__ import annotations

import logging
import zlib
from urllib.parse import urljoin, urlsplit

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException
from tqdm import tqdm

from indexer.extract.html import decode_html
from indexer.web.fetch import FetchError
from indexer.web.harvest import GONE, Harvest, listed_by
from indexer.web.mirror import mirror_path, pdf_links

logger = logging.getLogger(__name__)

_MAX_DEPTH = 3
_MAX_SITEMAP_BYTES = 50 << 20  # the sitemaps protocol's own limit


class NoSitemap(Exception):
    """The site lists no sitemap, and has none at `/sitemap.xml`."""


def sitemap_urls(h: Harvest) -> tuple[dict[str, str], str]:
    """Page URL → `lastmod` ("" when absent) from the site's sitemaps, in order, and why the listing is
    incomplete ("" when every sitemap was read, or answered that it is gone)."""
    roots = h.fetcher.sitemaps(h.source.url) or [urljoin(h.source.url, "/sitemap.xml")]
    pages: dict[str, str] = {}
    seen: set[str] = set()
    queue = [(url, 0) for url in roots]
    read_any, failed, incomplete = False, "", ""
    while queue:
        url, depth = queue.pop(0)
        if url in seen or depth > _MAX_DEPTH or not h.allowed(url):
            continue
        seen.add(url)
        try:
            answer = h.fetcher.get(url, max_bytes=_MAX_SITEMAP_BYTES)
            kind, entries = parse_sitemap(answer.body)
        except (FetchError, ValueError) as error:
            reason = getattr(error, "reason", str(error))
            h.report.error(url, reason)
            failed = failed or f" ; {url} : {reason}"
            if getattr(error, "status", None) not in GONE:  # a sitemap gone (404, 410) is a clear answer
                incomplete = incomplete or f"{url} : {reason}"
            continue
        read_any = True
        if kind == "index":
            queue += [(loc, depth + 1) for loc, _ in entries]
        else:
            pages.update((loc, lastmod) for loc, lastmod in entries if loc not in pages)
    if not read_any:
        raise NoSitemap(f"ni API WordPress ni sitemap lisible (robots.txt, /sitemap.xml){failed}")
    return pages, incomplete


def parse_sitemap(data: bytes) -> tuple[str, list[tuple[str, str]]]:
    """(« index » or « urlset », [(loc, lastmod)]) from a sitemap's bytes, gzipped or not.

    Raises `ValueError` with a French reason for anything that is not a sitemap.
    """
    if data[:2] == b"\x1f\x8b":
        try:
            data = _gunzip(data)
        except (OSError, EOFError, zlib.error):
            raise ValueError("sitemap compressé illisible") from None
    try:
        root = ElementTree.fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise ValueError("sitemap refusé : il déclare des entités XML (interdites)") from None
    except ElementTree.ParseError as error:
        raise ValueError(f"sitemap illisible (XML incorrect : {error})") from None
    tag = root.tag.rsplit("}", 1)[-1]
    if tag not in ("sitemapindex", "urlset"):
        raise ValueError(f"ce fichier n’est pas un sitemap (élément racine « {tag} »)")
    entries = []
    for child in root:
        values = {node.tag.rsplit("}", 1)[-1]: (node.text or "").strip() for node in child}
        if values.get("loc"):
            entries.append((values["loc"], values.get("lastmod", "")))
    return ("index" if tag == "sitemapindex" else "urlset"), entries


def _gunzip(data: bytes) -> bytes:
    """Decompress, never past the sitemap size limit (a small file can inflate to gigabytes)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = inflater.decompress(data, _MAX_SITEMAP_BYTES + 1)
    if len(out) > _MAX_SITEMAP_BYTES:
        raise OSError("too large")
    return out


def harvest_sitemaps(h: Harvest) -> None:
    """Bring the mirror of a sitemap source up to date."""
    pages, incomplete = sitemap_urls(h)
    listed = {u: m for u, m in pages.items() if h.allowed(u) and h.source.wants(u)}
    if len(listed) > h.source.max_documents:
        h.report.notes.append(f"limite de {h.source.max_documents} documents atteinte : le reste est ignoré")
        listed = dict(list(listed.items())[: h.source.max_documents])
    if incomplete:  # the pages of the sitemap that failed would be taken for removed from the site
        h.report.notes.append(f"un sitemap illisible, rien n’est retiré cette fois — {incomplete}")
    else:
        for key in [k for k in h.state.items if listed_by(k) == "sitemap" and k not in listed]:
            h.drop_item(key)
    for url, lastmod in tqdm(listed.items(), desc=h.source.name, unit=" page", disable=None, leave=False):
        if urlsplit(url).path.lower().endswith(".pdf"):
            _harvest_pdf(h, url, lastmod)
        else:
            _harvest_page(h, url, lastmod)
    h.prune_files()
    h.note_kept("sitemap")


def _harvest_pdf(h: Harvest, url: str, lastmod: str) -> None:
    """A PDF listed in the sitemap itself: an item that links to its own file."""
    if h.fetch_file(url, lastmod or None):
        h.state.items[url] = {"url": url, "path": h.state.files[url]["path"], "modified": lastmod, "links": [url]}
    else:
        h.state.items.pop(url, None)


def _harvest_page(h: Harvest, url: str, lastmod: str) -> None:
    entry = h.state.items.get(url)
    on_disk = bool(entry) and (h.corpus / entry["path"]).is_file()
    if on_disk and lastmod and entry.get("modified") == lastmod:
        h.report.unchanged += 1
        return
    try:
        answer = h.revalidate(url, entry if on_disk else {}, h.limits.html)
    except FetchError as error:
        if error.status in GONE and entry:
            h.drop_item(url)
        h.report.error(url, error.reason)
        return
    if answer.status == 304:
        h.report.unchanged += 1
        entry["modified"] = lastmod
        return
    path = entry["path"] if entry else mirror_path(h.source.name, answer.url, "html")
    text, _ = decode_html(answer.body)
    links = [u for u in pdf_links(text, answer.url) if h.allowed(u)]
    h.fetch_files(links)
    h.store(path, answer.body, existed=on_disk or (h.corpus / path).is_file())
    h.state.items[url] = {
        "url": answer.url,
        "path": path,
        "modified": lastmod,
        "etag": answer.etag,
        "last_modified": answer.last_modified,
        "links": links,
    }
    h.take_over(url, (url, answer.url), "sitemap")
    h.state.save(force=False)
