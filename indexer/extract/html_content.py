"""A web page's main content: the container chosen, the site chrome removed, and the text walked into blocks,
headings and links (iteratively: no recursion, so a 10,000-level nesting is fine).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator

from bs4 import BeautifulSoup, Tag

from indexer.extract.html_tree import (
    BLOCK_TAGS,
    BREADCRUMB_LABELS,
    CHROME_CLASSES,
    CHROME_IDS,
    CHROME_ROLES,
    CONTENT_KINDS,
    CONTENT_TAGS,
    HEADING_TAGS,
    JUNK_CLASSES,
    JUNK_FRAGMENTS,
    JUNK_IDS,
    JUNK_ROLES,
    JUNK_TAGS,
    SINGLE_CONTAINER_KINDS,
    TERM_CLASS_PREFIXES,
    ancestors,
    class_names,
    clean,
    inline_text,
    is_text,
)

logger = logging.getLogger(__name__)

SECTION_TAGS = frozenset({"h2", "h3"})  # the headings a long page is cut at into sections


def _tags_with_flag(root: Tag, predicate: Callable[[Tag], bool]) -> Iterator[tuple[Tag, bool]]:
    """Every tag under `root` (itself included) with whether an ancestor of it (from `root` down)
    satisfies `predicate`. Iterative, in document order."""
    stack: list[tuple[Tag, bool]] = [(root, False)]
    while stack:
        tag, flag = stack.pop()
        yield tag, flag
        child_flag = flag or predicate(tag)
        stack.extend((child, child_flag) for child in reversed(tag.contents) if isinstance(child, Tag))


def _is_junk(tag: Tag) -> bool:
    if tag.name in JUNK_TAGS:
        return True
    if tag.name in ("html", "body"):
        return False
    classes = class_names(tag)
    ident = str(tag.get("id") or "")
    if ident in JUNK_IDS or not JUNK_CLASSES.isdisjoint(classes):
        return True
    if tag.name not in CONTENT_TAGS and "entry-content" not in classes:
        names = [ident, *(name for name in classes if not name.startswith(TERM_CLASS_PREFIXES))]
        if any(fragment in name.casefold() for name in names for fragment in JUNK_FRAGMENTS):
            return True
    if tag.get("role") in JUNK_ROLES or str(tag.get("aria-label") or "").casefold() in BREADCRUMB_LABELS:
        return True
    return tag.has_attr("hidden") or tag.get("aria-hidden") == "true"


def _is_chrome(tag: Tag) -> bool:
    return (
        tag.get("role") in CHROME_ROLES
        or str(tag.get("id") or "") in CHROME_IDS
        or not CHROME_CLASSES.isdisjoint(class_names(tag))
    )


def _is_content_tag(tag: Tag) -> bool:
    return tag.name in CONTENT_TAGS or tag.get("role") == "main"


def _content_kinds(tag: Tag, in_article: bool) -> list[str]:
    kinds = []
    if "entry-content" in class_names(tag):
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


def remove_chrome(soup: BeautifulSoup) -> list[Tag]:
    """Pick the main content, remove site chrome and junk; return the content element(s).

    The content is the article's `.entry-content`, else `<article>` (several of them on a listing page),
    `<main>`, `[role=main]`, `#content`, else `<body>`. Candidates inside chrome (an `<article>` in a
    related-posts widget) are skipped unless all are; junk that holds the content is kept (some sites
    wrap a whole page in a `<form>`). Inside the content, header and footer elements are removed only when
    they are the site's, not the article's.
    """
    junk: list[Tag] = []
    in_junk: set[int] = set()  # junk tags and everything inside them
    candidates: dict[str, list[Tag]] = {kind: [] for kind in CONTENT_KINDS}
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
        protected.update(id(parent) for parent in ancestors(container))
    for tag in junk:
        if id(tag) not in protected and not tag.decomposed:
            tag.decompose()
    for container in containers:
        _remove_header_footer_chrome(container)
    return containers


def _choose_containers(soup: BeautifulSoup, candidates: dict[str, list[Tag]], in_junk: set[int]) -> list[Tag]:
    for skip_chrome in (True, False):
        for kind in CONTENT_KINDS:
            found = [tag for tag in candidates[kind] if not (skip_chrome and id(tag) in in_junk)]
            if found:
                return found[:1] if kind in SINGLE_CONTAINER_KINDS else _outermost(soup, found)
    body = soup.find("body")
    return [body] if isinstance(body, Tag) else [soup]


def _outermost(root: Tag, found: list[Tag]) -> list[Tag]:
    """The tags of `found` that are not inside another tag of `found`, in document order."""
    ids = {id(tag) for tag in found}
    flagged = _tags_with_flag(root, lambda t: id(t) in ids)
    return [tag for tag, inside in flagged if id(tag) in ids and not inside]


def _remove_header_footer_chrome(container: Tag) -> None:
    """Remove the site's header/footer elements inside a content element; keep the article's own."""
    container_is_content = _is_content_tag(container) or "entry-content" in class_names(container)
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


class TextWalker:
    """Iterative depth-first walk that turns a container into blocks, headings and links."""

    def __init__(self) -> None:
        self.blocks: list[str] = []
        self.headings: list[str] = []
        self.anchors: list[Tag] = []
        self.linked: set[str] = set()  # blocks that hold a link (navigation is made of them)
        self.section_starts: set[int] = set()  # indexes in `blocks` of the h2/h3 headings (`html_sections`)
        self._buffer: list[str] = []
        self._buffer_linked = False
        self._buffer_heading = False

    def _flush(self) -> None:
        if not self._buffer:
            return
        lines = [clean(line) for line in "".join(self._buffer).split("\n")]
        block = "\n".join(line for line in lines if line)
        if block:
            self.blocks.append(block)
            if self._buffer_linked:
                self.linked.add(block)
            if self._buffer_heading:
                self.section_starts.add(len(self.blocks) - 1)
        self._buffer = []
        self._buffer_linked = False
        self._buffer_heading = False

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
                if tag.name in BLOCK_TAGS:
                    self._flush()
                continue
            if isinstance(node, Tag):
                name = node.name
                if name == "br":
                    self._buffer.append("\n")
                    continue
                if name in HEADING_TAGS:
                    text = inline_text(node)
                    if text:
                        self.headings.append(text)
                if name == "a" and node.get("href") is not None:
                    self.anchors.append(node)
                    self._buffer_linked = True
                if name in BLOCK_TAGS:
                    self._flush()
                    stack.append(("exit", node))
                if name in SECTION_TAGS:
                    self._buffer_heading = True
                if name == "pre":
                    pre_depth += 1
                stack.extend(reversed(node.contents))
            elif is_text(node):
                text = str(node)
                if pre_depth == 0:
                    text = text.replace("\n", " ")
                self._buffer.append(text)
        self._flush()


# A block with a link, of some length, met this many times in one page is navigation that a long page repeats
# (« Aller à la lettre : A · B · … — Retour au sommaire » before every letter of an A-Z): it is kept once. Prose
# and table cells that repeat are kept.
REPEATED_BLOCK_TIMES = 3
REPEATED_BLOCK_MIN_WORDS = 6


def unrepeated_blocks(blocks: list[str], linked: set[str]) -> list[int]:
    """The indexes of the blocks of a page that are kept: a block of `linked` (a block with a link) of
    `REPEATED_BLOCK_MIN_WORDS` words or more repeated `REPEATED_BLOCK_TIMES` times or more is kept at its first
    place only: repeated navigation would weigh its words dozens of times and lengthen the page for nothing."""
    counts = Counter(blocks)
    seen: set[str] = set()
    out: list[int] = []
    for index, block in enumerate(blocks):
        if block in linked and counts[block] >= REPEATED_BLOCK_TIMES and len(block.split()) >= REPEATED_BLOCK_MIN_WORDS:
            if block in seen:
                continue
            seen.add(block)
        out.append(index)
    return out
