"""HTML extraction: a saved page (typically a WordPress post) → `Document` of one page, or of sections when long.

Steps: decode the bytes (`decode_html`), parse with BeautifulSoup's built-in "html.parser", read the
metadata from the whole document, pick the main content, drop the site chrome, then walk the content
iteratively (no recursion, so a 10,000-level nesting is fine) to get the text, the h2–h4 headings and the
links.

Text layout: one block per paragraph, heading, list item or table cell, blocks separated by a blank line;
a `<br>` is a single line break inside its block; inline elements are joined without adding spaces
(« <b>Hé</b>rault » → « Hérault »); whitespace is collapsed and no-break spaces (U+00A0, U+202F) become plain
spaces in the indexed text, the title, the headings and the link texts.
"""

from __future__ import annotations

import logging
import posixpath
import warnings
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup

from indexer.document import Document, Link
from indexer.errors import CorruptFileError
from indexer.extract.html_content import TextWalker, remove_chrome, unrepeated_blocks
from indexer.extract.html_decode import BOMS, decode_html
from indexer.extract.html_meta import page_metadata, page_title, strip_site_suffix, title_from_filename
from indexer.extract.html_sections import page_sections
from indexer.extract.html_tree import PageTags, inline_text
from indexer.extract.normalise import (
    describe_content,
    looks_binary,
    normalise_spaces,
)

__all__ = [
    "EMPTY_PAGE_REASON",
    "decode_html",
    "extract_html",
    "resolve_link_target",
    "strip_site_suffix",
    "title_from_filename",
]

logger = logging.getLogger(__name__)

EMPTY_PAGE_REASON = "page sans contenu textuel"


def resolve_link_target(href: str, rel_path: str) -> str | None:
    """The corpus-relative path a link of the page `rel_path` points to, or None.

    Only a relative href that stays inside the corpus root resolves: query and fragment dropped,
    percent-decoded (UTF-8, else latin-1), joined to the page's folder and normalised (POSIX, no « ./ »).
    Absolute URLs (http, mailto…), root-relative (« /wp-content/… ») and same-page links (« #top »)
    give None. Whether the file exists is not checked here (enrichment does).
    """
    href = href.strip().replace("\\", "/")
    if not href:
        return None
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or href.startswith(("/", "#", "?")):
        return None
    try:
        path = unquote(parts.path, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        path = unquote(parts.path, encoding="latin-1")
    if not path:
        return None
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(rel_path), path))
    if joined in (".", "") or joined == ".." or joined.startswith(("../", "/")):
        return None
    return joined


# --- Entry point ---------------------------------------------------------------------------------------


def extract_html(data: bytes, rel_path: str) -> Document:
    """Extract one HTML page: title, text of the main content (one page, or its sections when long: see
    `html_sections`), headings, metadata, links.

    `rel_path` is the corpus-relative path of the page; it becomes `Document.path` and is the base for
    resolving relative links. Raises `CorruptFileError` when the bytes are not a web page (a PDF, an image,
    binary data). Size, mtime and hash are filled by `extract_file`.
    """
    kind = describe_content(data)
    if kind not in ("page HTML", "texte", "vide"):
        raise CorruptFileError(rel_path, f"ce fichier n’est pas une page HTML (contenu : {kind})")
    if looks_binary(data[:4096]) and not data.startswith(tuple(bom for bom, _ in BOMS)):
        raise CorruptFileError(rel_path, "ce fichier n’est pas une page HTML (contenu : données binaires)")
    text, encoding = decode_html(data)
    with warnings.catch_warnings():
        # bs4 warns about markup that looks like a file name or like XML; neither matters here.
        warnings.simplefilter("ignore")
        soup = BeautifulSoup(text, "html.parser")

    tags = PageTags(soup)  # read before any element is removed
    metadata = page_metadata(tags, encoding)
    own_title = normalise_spaces(page_title(tags))

    walker = TextWalker()
    for container in remove_chrome(soup):
        walker.walk(container)

    kept = unrepeated_blocks(walker.blocks, walker.linked)
    if kept and own_title and _same_text(walker.blocks[kept[0]], own_title):
        kept = kept[1:]  # the <h1> at the top of the content
    blocks = [walker.blocks[index] for index in kept]
    starts = {place for place, index in enumerate(kept) if index in walker.section_starts}
    pages = page_sections(blocks, starts)
    links = []
    for anchor in walker.anchors:
        href = str(anchor.get("href") or "").strip()
        if not href:
            continue
        text = normalise_spaces(inline_text(anchor))
        links.append(Link(href=href, text=text, target=resolve_link_target(href, rel_path)))
    headings = [normalise_spaces(heading) for heading in walker.headings]
    logger.debug("%s: %d blocks, %d links, encoding %s", rel_path, len(blocks), len(links), encoding)
    return Document(
        path=rel_path,
        format="html",
        title=own_title or title_from_filename(rel_path),
        pages=pages,
        headings=headings,
        metadata=metadata,
        links=links,
        empty_reason=None if pages[0] else EMPTY_PAGE_REASON,
    )


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()
