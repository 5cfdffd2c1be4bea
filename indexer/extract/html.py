"""HTML extraction: a saved page (typically a WordPress post) → one-page `Document`.

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

import codecs
import logging
import posixpath
import re
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Iterator
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4 import element as bs4_element

from indexer.document import Document, Link
from indexer.errors import CorruptFileError
from indexer.extract.normalise import (
    describe_content,
    expand_ligatures,
    looks_binary,
    normalise_spaces,
    remove_invisible,
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

# --- Decoding ------------------------------------------------------------------------------------------

_LATIN1_FALLBACK = "crpv-latin1-fallback"


def _latin1_fallback(error: UnicodeError) -> tuple[str, int]:
    """Decode the bytes a single-byte codec leaves undefined (0x81, 0x8D… in windows-1252) as latin-1."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return error.object[error.start : error.end].decode("latin-1"), error.end


codecs.register_error(_LATIN1_FALLBACK, _latin1_fallback)

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE, whose BOM is its prefix
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_DECLARED_CHARSET = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([a-z0-9_.:-]+)|<\?xml[^>]*?encoding\s*=\s*["']([a-z0-9_.:-]+)""",
    re.IGNORECASE,
)
# Labels browsers read as windows-1252, and the names we record for common codecs.
_READ_AS_WINDOWS_1252 = {"iso8859-1", "ascii", "cp1252"}
_LABELS = {"cp1252": "windows-1252", "utf-8": "utf-8"}


def _declared_charset(data: bytes) -> str | None:
    """The Python codec name of the charset a page declares in its first 16 KB, if any and known."""
    match = _DECLARED_CHARSET.search(data[:16384])
    if not match:
        return None
    label = (match.group(1) or match.group(2)).decode("ascii", errors="ignore")
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_html(data: bytes) -> tuple[str, str]:
    """Decode a page's bytes as a browser would; return the text and the charset used.

    A byte order mark wins; else bytes that decode as strict UTF-8 are UTF-8, whatever the page declares;
    so are UTF-8 pages with binary junk in a few lines (the junk is dropped); else the declared charset,
    ISO-8859-1, latin-1 and ASCII being read as windows-1252; else (no declaration, a false UTF-8
    declaration) windows-1252. Bytes that windows-1252 leaves undefined are read as latin-1.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(name, errors="replace"), name
    if data[:2] == b"<\x00":
        return data.decode("utf-16-le", errors="replace"), "utf-16-le"
    if data[:2] == b"\x00<":
        return data.decode("utf-16-be", errors="replace"), "utf-16-be"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if _utf8_apart_from_junk(data):
        return data.decode("utf-8", errors="replace").replace("\ufffd", ""), "utf-8"
    declared = _declared_charset(data)
    if declared and declared not in _READ_AS_WINDOWS_1252 and not declared.startswith("utf"):
        try:
            return data.decode(declared), _LABELS.get(declared, declared.replace("iso8859", "iso-8859"))
        except (UnicodeDecodeError, LookupError):
            logger.debug("declared charset %s does not decode the page, reading windows-1252", declared)
    return data.decode("cp1252", errors=_LATIN1_FALLBACK), "windows-1252"


def _utf8_apart_from_junk(data: bytes) -> bool:
    """Whether a page that is not strict UTF-8 is UTF-8 text damaged by binary junk in some lines.

    Lines with non-ASCII bytes are counted: valid UTF-8, binary junk (ignored), or other text. A page in
    windows-1252 has no valid UTF-8 line (« é » alone is not a UTF-8 sequence); a UTF-8 page with a
    corrupted block has many valid lines and only a few invalid text lines.
    """
    valid = invalid = 0  # non-ASCII bytes in valid UTF-8 lines, and in undecodable lines that look like text
    for line in data.split(b"\n"):
        if line.isascii():
            continue
        non_ascii = sum(1 for byte in line if byte > 0x7F)
        try:
            line.decode("utf-8")
            valid += non_ascii
        except UnicodeDecodeError:
            # Junk: control bytes, or a density of non-ASCII bytes that no French text in a legacy charset has.
            if not looks_binary(line) and non_ascii <= 0.3 * len(line):
                invalid += non_ascii
    return valid > 0 and valid >= 3 * invalid


# --- Tree helpers --------------------------------------------------------------------------------------

_BLOCK_TAGS = frozenset(
    {
        *("address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details"),
        *("dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form"),
        *("h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "legend", "li", "main"),
        *("menu", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th"),
        *("thead", "tr", "ul"),
    }
)
_BREAKING_TAGS = _BLOCK_TAGS | {"br"}
_HEADING_TAGS = frozenset({"h2", "h3", "h4"})
# Always removed, wherever they are (unless they hold the main content): tags, then classes, ids, roles.
_JUNK_TAGS = frozenset(
    {
        *("script", "style", "noscript", "template", "iframe", "svg", "form", "nav", "aside", "object"),
        *("embed", "canvas", "button", "select", "textarea", "input", "label", "dialog", "math", "video"),
        *("audio", "map"),
    }
)
_JUNK_CLASSES = frozenset(
    {
        *("comments-area", "comment-respond", "comment-list", "sharedaddy", "sd-sharing", "sd-block"),
        *("share", "social", "social-share", "social-links", "addtoany_share_save_container", "a2a_kit"),
        *("skip-link", "screen-reader-text", "sr-only", "visually-hidden", "breadcrumb", "breadcrumbs"),
        *("yoast-breadcrumb", "post-navigation", "posts-navigation", "navigation", "nav-links"),
        *("pagination", "related-posts", "jp-relatedposts", "yarpp-related", "crp_related", "widget"),
        *("widget-area", "sidebar"),
    }
)
_JUNK_IDS = frozenset({"wpadminbar", "comments", "respond", "breadcrumbs", "jp-relatedposts", "secondary", "sidebar"})
_JUNK_ROLES = frozenset({"navigation", "complementary", "search"})
# In a class or id: cookie banners (#cookie-notice, .cookie-law-info…), but not in WordPress term classes
# (« tag-cookies » on a post tagged « cookies »).
_JUNK_FRAGMENTS = ("cookie", "gdpr")
_TERM_CLASS_PREFIXES = ("tag-", "category-", "post-", "type-", "format-", "status-")
_BREADCRUMB_LABELS = frozenset({"breadcrumb", "breadcrumbs", "fil d’ariane", "fil d'ariane"})
# Site chrome even inside the chosen container (header and footer elements outside an article also are).
_CHROME_CLASSES = frozenset({"site-header", "site-footer", "entry-footer"})
_CHROME_IDS = frozenset({"masthead", "colophon", "site-header", "site-footer"})
_CHROME_ROLES = frozenset({"banner", "contentinfo"})
# Where the main content is, best first; for the last three, only the first one found is taken.
_CONTENT_KINDS = ("article .entry-content", ".entry-content", "article", "main", "[role=main]", "#content")
_SINGLE_CONTAINER_KINDS = frozenset({"main", "[role=main]", "#content"})
_CONTENT_TAGS = frozenset({"article", "main"})
_SKIPPED_STRING_TYPES = (
    bs4_element.Comment,
    bs4_element.CData,
    bs4_element.ProcessingInstruction,
    bs4_element.Declaration,
    bs4_element.Doctype,
    bs4_element.Stylesheet,
    bs4_element.Script,
    bs4_element.TemplateString,
)


def _is_text(node: object) -> bool:
    return isinstance(node, NavigableString) and not isinstance(node, _SKIPPED_STRING_TYPES)


def _clean(text: str) -> str:
    """Invisible and control characters removed, ligatures expanded, NFC, spaces folded to one line."""
    text = unicodedata.normalize("NFC", expand_ligatures(remove_invisible(text)))
    return " ".join(text.split())


def _inline_text(tag: Tag) -> str:
    """The text of a tag on one line (iterative: `descendants` does not recurse)."""
    parts = []
    for node in tag.descendants:
        if _is_text(node):
            parts.append(str(node))
        elif isinstance(node, Tag) and node.name in _BREAKING_TAGS:
            parts.append(" ")
    return _clean("".join(parts))


def _ancestors(tag: Tag) -> Iterable[Tag]:
    parent = tag.parent
    while parent is not None:
        yield parent
        parent = parent.parent


def _attr(tag: Tag | None, name: str) -> str:
    if tag is None:
        return ""
    value = tag.get(name)
    if isinstance(value, list):
        value = " ".join(value)
    return _clean(value or "")


def _meta(soup: BeautifulSoup, *keys: str) -> str:
    """The content of the first `<meta name|property=key>` found, keys in order, case-insensitive."""
    wanted = [key.casefold() for key in keys]
    found: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        key = _attr(tag, "name") or _attr(tag, "property") or _attr(tag, "itemprop")
        key = key.casefold()
        if key in wanted and key not in found:
            content = _attr(tag, "content")
            if content:
                found[key] = content
    for key in wanted:
        if key in found:
            return found[key]
    return ""


def _rel_tokens(tag: Tag) -> list[str]:
    rel = tag.get("rel") or []
    if isinstance(rel, str):
        rel = rel.split()
    return [token.casefold() for token in rel]


def _dedupe(values: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    result = []
    for value in values:
        key = value.casefold()
        if value and key not in seen:
            seen.add(key)
            result.append(value)
    return result


# --- Metadata and title --------------------------------------------------------------------------------


def _metadata(soup: BeautifulSoup, encoding: str) -> dict[str, object]:
    """What the whole document declares (read before any element is removed)."""
    metadata: dict[str, object] = {"encoding": encoding}
    date = _date(soup)
    if date:
        metadata["date"] = date
    categories: list[str] = []
    tags: list[str] = []
    for link in soup.find_all("a"):
        rel = _rel_tokens(link)
        if "category" in rel:
            categories.append(_inline_text(link))
        elif "tag" in rel:
            tags.append(_inline_text(link))
    if categories := _dedupe(categories):
        metadata["categories"] = categories
    keywords = [_clean(word) for word in _meta(soup, "keywords").split(",")]
    if keywords := _dedupe(keywords + tags):
        metadata["keywords"] = keywords
    if description := _meta(soup, "description", "og:description", "dc.description"):
        metadata["description"] = description
    canonical = ""
    for link in soup.find_all("link"):
        if "canonical" in _rel_tokens(link):
            canonical = _attr(link, "href")
            break
    if canonical := canonical or _meta(soup, "og:url"):
        metadata["canonical"] = canonical
    html = soup.find("html")
    if lang := _attr(html, "lang") or _attr(html, "xml:lang") or _meta(soup, "og:locale", "dc.language"):
        metadata["lang"] = lang
    if author := _author(soup):
        metadata["author"] = author
    return metadata


def _date(soup: BeautifulSoup) -> str:
    for time_tag in soup.find_all("time", attrs={"datetime": True}):
        if {"entry-date", "published"} <= set(_classes(time_tag)) and _attr(time_tag, "datetime"):
            return _attr(time_tag, "datetime")
    article = soup.find("article")
    if article is not None:
        for time_tag in article.find_all("time", attrs={"datetime": True}):
            if _attr(time_tag, "datetime") and not any(
                parent.get("id") in ("comments", "respond")
                or not {"comment", "comments-area", "comment-list"}.isdisjoint(_classes(parent))
                for parent in _ancestors(time_tag)
            ):
                return _attr(time_tag, "datetime")
    return _meta(soup, "article:published_time", "date", "dc.date", "dc.date.issued", "dcterms.date", "dcterms.issued")


def _author(soup: BeautifulSoup) -> str:
    if author := _meta(soup, "author", "article:author", "dc.creator"):
        return author
    for link in soup.find_all("a", rel="author"):  # bs4 matches one value of a multi-valued attribute
        if text := _inline_text(link):
            return text
    for tag in soup.find_all(class_=["author", "post-author"]):
        if "post-author" in _classes(tag) or any(
            not {"entry-meta", "byline"}.isdisjoint(_classes(parent)) for parent in _ancestors(tag)
        ):
            return _inline_text(tag)
    return ""


_TITLE_SEPARATORS = (" | ", " – ", " — ", " - ", " · ", " :: ", " » ")


def _site_name(soup: BeautifulSoup) -> str:
    if name := _meta(soup, "og:site_name", "application-name"):
        return name
    site_title = soup.find(class_="site-title") or soup.find(id="site-title")
    return _inline_text(site_title) if isinstance(site_title, Tag) else ""


def strip_site_suffix(title: str, site_name: str = "") -> str:
    """« Titre – Nom du site » → « Titre ».

    With a known site name, that suffix is removed after any separator (« | », « – », « — », « - », « · »);
    without one, only the part after the last « | », « – » or « — » is, so that « Cadre de vie -
    Renouvellement urbain » stays whole.
    """
    if site_name:
        folded = site_name.casefold()
        for separator in _TITLE_SEPARATORS:
            if title.casefold().endswith(separator.casefold() + folded):
                stripped = title[: -len(separator + site_name)].strip()
                return stripped or title
    cut = max(title.rfind(separator) for separator in (" | ", " – ", " — "))
    if cut > 0:
        return title[:cut].strip()
    return title


def title_from_filename(rel_path: str) -> str:
    """« dossiers/2016/achats-socialement_responsables.pdf » → « Achats socialement responsables »."""
    stem = posixpath.splitext(posixpath.basename(rel_path))[0]
    words = " ".join(re.split(r"[-_.\s+]+", unquote(stem))).strip()
    words = unicodedata.normalize("NFC", words)
    return words[:1].upper() + words[1:] if words else rel_path


def _title(soup: BeautifulSoup) -> str:
    """The page's own title (entry title, og:title, <title>, first <h1>), or "" when it has none."""
    entry_title = soup.find("h1", class_="entry-title")
    if isinstance(entry_title, Tag) and (text := _inline_text(entry_title)):
        return text
    if og_title := _meta(soup, "og:title"):
        return strip_site_suffix(og_title, _site_name(soup))
    title_tag = soup.find("title")
    if title_tag is not None and (text := _inline_text(title_tag)):
        return strip_site_suffix(text, _site_name(soup))
    h1 = soup.find("h1")
    if h1 is not None and (text := _inline_text(h1)):
        return text
    return ""


# --- Main content --------------------------------------------------------------------------------------


def _tags_with_flag(root: Tag, predicate: Callable[[Tag], bool]) -> Iterator[tuple[Tag, bool]]:
    """Every tag under `root` (itself included) with whether an ancestor of it (from `root` down)
    satisfies `predicate`. Iterative, in document order."""
    stack: list[tuple[Tag, bool]] = [(root, False)]
    while stack:
        tag, flag = stack.pop()
        yield tag, flag
        child_flag = flag or predicate(tag)
        stack.extend((child, child_flag) for child in reversed(tag.contents) if isinstance(child, Tag))


def _classes(tag: Tag) -> list[str]:
    value = tag.get("class") or []
    return value.split() if isinstance(value, str) else list(value)


def _is_junk(tag: Tag) -> bool:
    if tag.name in _JUNK_TAGS:
        return True
    if tag.name in ("html", "body"):
        return False
    classes = _classes(tag)
    ident = str(tag.get("id") or "")
    if ident in _JUNK_IDS or not _JUNK_CLASSES.isdisjoint(classes):
        return True
    if tag.name not in _CONTENT_TAGS and "entry-content" not in classes:
        names = [ident, *(name for name in classes if not name.startswith(_TERM_CLASS_PREFIXES))]
        if any(fragment in name.casefold() for name in names for fragment in _JUNK_FRAGMENTS):
            return True
    if tag.get("role") in _JUNK_ROLES or str(tag.get("aria-label") or "").casefold() in _BREADCRUMB_LABELS:
        return True
    return tag.has_attr("hidden") or tag.get("aria-hidden") == "true"


def _is_chrome(tag: Tag) -> bool:
    return (
        tag.get("role") in _CHROME_ROLES
        or str(tag.get("id") or "") in _CHROME_IDS
        or not _CHROME_CLASSES.isdisjoint(_classes(tag))
    )


def _is_content_tag(tag: Tag) -> bool:
    return tag.name in _CONTENT_TAGS or tag.get("role") == "main"


def _content_kinds(tag: Tag, in_article: bool) -> list[str]:
    kinds = []
    if "entry-content" in _classes(tag):
        kinds += ["article .entry-content", ".entry-content"] if in_article else [".entry-content"]
    if tag.name == "article":
        kinds.append("article")
    if tag.name == "main":
        kinds.append("main")
    if tag.get("role") == "main":
        kinds.append("[role=main]")
    if tag.get("id") == "content":
        kinds.append("#content")
    return kinds


def _remove_chrome(soup: BeautifulSoup) -> list[Tag]:
    """Pick the main content, remove site chrome and junk; return the content element(s).

    The content is the article's `.entry-content`, else `<article>` (several of them on a listing page),
    `<main>`, `[role=main]`, `#content`, else `<body>`. Candidates inside chrome (an `<article>` in a
    related-posts widget) are skipped unless all are; junk that holds the content is kept (some sites
    wrap a whole page in a `<form>`). Inside the content, header and footer elements are removed only when
    they are the site's, not the article's.
    """
    junk: list[Tag] = []
    in_junk: set[int] = set()  # junk tags and everything inside them
    candidates: dict[str, list[Tag]] = {kind: [] for kind in _CONTENT_KINDS}
    # One walk; the flag pair is (inside an article, inside junk), packed in the flag of the inner walk.
    stack: list[tuple[Tag, bool, bool]] = [(soup, False, False)]
    while stack:
        tag, in_article, inside_junk = stack.pop()
        is_junk = tag is not soup and _is_junk(tag)
        if is_junk:
            junk.append(tag)
        if is_junk or inside_junk:
            in_junk.add(id(tag))
        for kind in _content_kinds(tag, in_article):
            candidates[kind].append(tag)
        child_flags = (in_article or tag.name == "article", inside_junk or is_junk)
        stack.extend((child, *child_flags) for child in reversed(tag.contents) if isinstance(child, Tag))

    containers = _choose_containers(soup, candidates, in_junk)
    protected: set[int] = set()
    for container in containers:
        protected.add(id(container))
        protected.update(id(parent) for parent in _ancestors(container))
    for tag in junk:
        if id(tag) not in protected and not tag.decomposed:
            tag.decompose()
    for container in containers:
        _remove_header_footer_chrome(container)
    return containers


def _choose_containers(soup: BeautifulSoup, candidates: dict[str, list[Tag]], in_junk: set[int]) -> list[Tag]:
    for skip_chrome in (True, False):
        for kind in _CONTENT_KINDS:
            found = [tag for tag in candidates[kind] if not (skip_chrome and id(tag) in in_junk)]
            if found:
                return found[:1] if kind in _SINGLE_CONTAINER_KINDS else _outermost(soup, found)
    body = soup.find("body")
    return [body] if isinstance(body, Tag) else [soup]


def _outermost(root: Tag, found: list[Tag]) -> list[Tag]:
    """The tags of `found` that are not inside another tag of `found`, in document order."""
    ids = {id(tag) for tag in found}
    flagged = _tags_with_flag(root, lambda t: id(t) in ids)
    return [tag for tag, inside in flagged if id(tag) in ids and not inside]


def _remove_header_footer_chrome(container: Tag) -> None:
    """Remove the site's header/footer elements inside a content element; keep the article's own."""
    container_is_content = _is_content_tag(container) or "entry-content" in _classes(container)
    doomed = []
    for tag, in_content in _tags_with_flag(container, _is_content_tag):
        if tag is container:
            continue
        site_header = tag.name in ("header", "footer") and not (container_is_content or in_content)
        if site_header or _is_chrome(tag):
            doomed.append(tag)
    for tag in doomed:
        if not tag.decomposed:
            tag.decompose()


class _TextWalker:
    """Iterative depth-first walk that turns a container into blocks, headings and links."""

    def __init__(self) -> None:
        self.blocks: list[str] = []
        self.headings: list[str] = []
        self.anchors: list[Tag] = []
        self._buffer: list[str] = []

    def _flush(self) -> None:
        if not self._buffer:
            return
        lines = [_clean(line) for line in "".join(self._buffer).split("\n")]
        block = "\n".join(line for line in lines if line)
        if block:
            self.blocks.append(block)
        self._buffer = []

    def walk(self, root: Tag) -> None:
        # Stack items: a node to enter, or ("exit", tag) to close a block element.
        stack: list[object] = [root]
        pre_depth = 0
        while stack:
            node = stack.pop()
            if isinstance(node, tuple):
                tag = node[1]
                if tag.name == "pre":
                    pre_depth -= 1
                if tag.name in _BLOCK_TAGS:
                    self._flush()
                continue
            if isinstance(node, Tag):
                name = node.name
                if name == "br":
                    self._buffer.append("\n")
                    continue
                if name in _HEADING_TAGS:
                    text = _inline_text(node)
                    if text:
                        self.headings.append(text)
                if name == "a" and node.get("href") is not None:
                    self.anchors.append(node)
                if name in _BLOCK_TAGS:
                    self._flush()
                    stack.append(("exit", node))
                if name == "pre":
                    pre_depth += 1
                stack.extend(reversed(node.contents))
            elif _is_text(node):
                text = str(node)
                if pre_depth == 0:
                    text = text.replace("\n", " ")
                self._buffer.append(text)
        self._flush()


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
    """Extract one HTML page: title, text of the main content (one page), headings, metadata, links.

    `rel_path` is the corpus-relative path of the page; it becomes `Document.path` and is the base for
    resolving relative links. Raises `CorruptFileError` when the bytes are not a web page (a PDF, an image,
    binary data). Size, mtime and hash are filled by `extract_file`.
    """
    kind = describe_content(data)
    if kind not in ("page HTML", "texte", "vide"):
        raise CorruptFileError(rel_path, f"ce fichier n’est pas une page HTML (contenu : {kind})")
    if looks_binary(data[:4096]) and not data.startswith(tuple(bom for bom, _ in _BOMS)):
        raise CorruptFileError(rel_path, "ce fichier n’est pas une page HTML (contenu : données binaires)")
    text, encoding = decode_html(data)
    with warnings.catch_warnings():
        # bs4 warns about markup that looks like a file name or like XML; neither matters here.
        warnings.simplefilter("ignore")
        soup = BeautifulSoup(text, "html.parser")

    metadata = _metadata(soup, encoding)
    own_title = normalise_spaces(_title(soup))

    walker = _TextWalker()
    for container in _remove_chrome(soup):
        walker.walk(container)

    blocks = walker.blocks
    if blocks and own_title and _same_text(blocks[0], own_title):
        blocks = blocks[1:]  # the <h1> at the top of the content
    page_text = normalise_spaces("\n\n".join(blocks))
    links = []
    for anchor in walker.anchors:
        href = str(anchor.get("href") or "").strip()
        if not href:
            continue
        text = normalise_spaces(_inline_text(anchor))
        links.append(Link(href=href, text=text, target=resolve_link_target(href, rel_path)))
    headings = [normalise_spaces(heading) for heading in walker.headings]
    logger.debug("%s: %d blocks, %d links, encoding %s", rel_path, len(blocks), len(links), encoding)
    return Document(
        path=rel_path,
        format="html",
        title=own_title or title_from_filename(rel_path),
        pages=[page_text],
        headings=headings,
        metadata=metadata,
        links=links,
        empty_reason=None if page_text else EMPTY_PAGE_REASON,
    )


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()
