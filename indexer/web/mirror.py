"""The mirror of a site inside the corpus: `web/<source>/<host>/<path>`, a file name that tells the URL.

A URL's path is percent-decoded and cleaned segment by segment (no « .. », no control characters), its query kept
in the name (SPIP's `spip.php?article12` → `spip.php?article12.html`), an over-long segment shortened with a hash
of its tail. Because the layout follows the site's, relative links of a page saved as served still lead to the
files next to it. Every file is written to a hidden temporary file and renamed, so the indexer never reads half a
file, whenever a sync is killed. A WordPress post is written as a small clean page (`render_post`) that the HTML
extractor and enrichment read: canonical link, dates, categories and tags, PDF links pointing into the mirror.
"""

from __future__ import annotations

import hashlib
import html
import logging
import os
import posixpath
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urljoin, urlsplit

from bs4 import BeautifulSoup

logger = logging.getLogger(__name__)

MIRROR_DIR = "web"
_MAX_SEGMENT_BYTES = 120
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\\]")
HTML_SUFFIXES = (".html", ".htm")


def host_folder(url: str) -> str:
    """« www.site.fr », or « 127.0.0.1_8765 » when the URL names a port."""
    parts = urlsplit(url)
    host = (parts.hostname or "site").lower()
    return f"{host}_{parts.port}" if parts.port else host


def mirror_path(source: str, url: str, kind: str) -> str:
    """The corpus-relative path of `url`'s copy; `kind` is « html » or « pdf » (it decides the extension)."""
    parts = urlsplit(url)
    raw = parts.path or "/"
    segments = [_clean_segment(s) for s in raw.split("/")]
    segments = [s for s in segments if s not in ("", ".", "..")]
    if kind == "html" and (raw.endswith("/") or not segments):
        segments.append("index")
    elif not segments:
        segments.append("document")
    last = segments[-1]
    if parts.query:
        last += "?" + _clean_segment(parts.query)
    suffixes = HTML_SUFFIXES if kind == "html" else (".pdf",)
    if not last.lower().endswith(suffixes):
        last += suffixes[0]
    segments[-1] = last
    segments = [_shorten(s) for s in segments]
    return posixpath.join(MIRROR_DIR, source, host_folder(url), *segments)


def _clean_segment(segment: str) -> str:
    try:
        text = unquote(segment, errors="strict")
    except UnicodeDecodeError:
        text = unquote(segment, encoding="latin-1")
    text = _UNSAFE.sub("_", text.replace("/", "_"))
    return text.lstrip(".") if text not in (".", "..") else text  # no hidden files: the indexer skips them


def _shorten(segment: str) -> str:
    if len(segment.encode("utf-8")) <= _MAX_SEGMENT_BYTES:
        return segment
    _, dot, suffix = segment.rpartition(".")
    suffix = (dot + suffix) if dot and len(suffix) <= 5 else ""
    digest = hashlib.sha1(segment.encode("utf-8")).hexdigest()[:12]
    head = segment.encode("utf-8")[: _MAX_SEGMENT_BYTES - 20].decode("utf-8", errors="ignore")
    return f"{head}-{digest}{suffix}"


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a hidden temporary file in the same folder, then rename it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def remove_file(corpus: Path, rel_path: str) -> bool:
    """Delete a mirrored file and the folders it leaves empty (up to `web/<source>`); whether it existed."""
    path = corpus / rel_path
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    stop = (corpus / MIRROR_DIR).resolve()
    parent = path.parent
    while parent.resolve() != stop and parent.resolve().is_relative_to(stop):
        try:
            parent.rmdir()
        except OSError:
            break
        parent = parent.parent
    return True


def clean_temporaries(folder: Path) -> int:
    """Remove the temporary files a killed sync left in `folder` (hidden « .*.tmp »); how many."""
    removed = 0
    if folder.is_dir():
        for temp in folder.rglob(".*.tmp"):
            temp.unlink(missing_ok=True)
            removed += 1
    return removed


def relative_href(from_page: str, to_file: str) -> str:
    """A percent-encoded relative link from one mirrored file to another (the extractor decodes it)."""
    return quote(posixpath.relpath(to_file, posixpath.dirname(from_page)), safe="/")


def rewrite_links(content: str, base_url: str, page_path: str, targets: Mapping[str, str]) -> str:
    """Point the links of `content` whose absolute URL has a mirrored copy (`targets`: URL → path) at that copy."""
    soup = BeautifulSoup(content, "html.parser")
    for anchor in soup.find_all("a", href=True):
        url = urljoin(base_url, str(anchor["href"]).strip()).split("#", 1)[0]
        if url in targets:
            anchor["href"] = relative_href(page_path, targets[url])
    return str(soup)


def pdf_links(content: str, base_url: str) -> list[str]:
    """The absolute URLs of the PDF links in an HTML fragment or page, in order, without duplicates."""
    soup = BeautifulSoup(content, "html.parser")
    found: list[str] = []
    for anchor in soup.find_all("a", href=True):
        url = urljoin(base_url, str(anchor["href"]).strip()).split("#", 1)[0]
        if urlsplit(url).path.lower().endswith(".pdf") and url not in found:
            found.append(url)
    return found


@dataclass
class Post:
    """A WordPress post or page as it is written to the mirror."""

    title: str
    url: str
    published: str  # ISO 8601 (date_gmt, with its Z)
    modified: str
    content: str  # HTML, PDF links already rewritten to the mirror
    categories: list[tuple[str, str]] = field(default_factory=list)  # (name, live address)
    tags: list[tuple[str, str]] = field(default_factory=list)
    attachments: list[tuple[str, str]] = field(default_factory=list)  # (title, relative href) not in the text
    site_name: str = ""


def render_post(post: Post) -> bytes:
    """The clean page of a post: what `indexer.extract.html` and `indexer.enrich` read, and nothing else."""
    esc = html.escape
    terms = "".join(f'<a href="{esc(u)}" rel="category tag">{esc(n)}</a> ' for n, u in post.categories)
    terms += "".join(f'<a href="{esc(u)}" rel="tag">{esc(n)}</a> ' for n, u in post.tags)
    attached = ""
    if post.attachments:
        items = "".join(f'<li><a href="{esc(h)}">{esc(t)}</a></li>' for t, h in post.attachments)
        attached = f"<h2>Documents joints</h2><ul>{items}</ul>"
    head = [
        '<meta charset="utf-8">',
        f"<title>{esc(post.title)}</title>",
        f'<link rel="canonical" href="{esc(post.url)}">',
        f'<meta property="article:published_time" content="{esc(post.published)}">',
        f'<meta property="article:modified_time" content="{esc(post.modified)}">',
    ]
    if post.site_name:
        head.append(f'<meta property="og:site_name" content="{esc(post.site_name)}">')
    body = (
        f'<article><header><h1 class="entry-title">{esc(post.title)}</h1>'
        f'<time class="entry-date published" datetime="{esc(post.published)}">{esc(post.published[:10])}</time>'
        f'<div class="entry-meta">{terms}</div></header>'
        f'<div class="entry-content">{post.content}{attached}</div></article>'
    )
    page = f'<!DOCTYPE html>\n<html lang="fr"><head>{"".join(head)}</head><body>{body}</body></html>\n'
    return page.encode("utf-8")
