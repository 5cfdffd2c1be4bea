"""The post ↔ file relations: which corpus file each link of a post names, and which posts publish a file.

A PDF inherits its year and themes from the posts that publish it; `Parents.parents_of` is the one place
that says which those are, in a build (posts enriched as they come) and in an update (fresh posts, and
unchanged ones read back from the index).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from indexer.document import Document


@dataclass(frozen=True)
class ParentInfo:
    """What a PDF needs to know about a post that links to it."""

    path: str
    title: str
    year: int | None
    date: str | None
    themes: tuple[str, ...]

    @classmethod
    def of(cls, post: Document) -> ParentInfo:
        """The summary of an enriched post that its PDFs inherit from."""
        return cls(post.path, post.title, post.year, post.date, tuple(post.themes))


class Parents:
    """The posts that publish each file, as they become known."""

    def __init__(self) -> None:
        self._by_child: dict[str, dict[str, ParentInfo]] = {}

    def add_post(self, post: Document) -> None:
        """Record an enriched post as a parent of every file it publishes."""
        info = ParentInfo.of(post)
        for child in post.publishes:
            self.add(child, info)

    def add(self, child: str, parent: ParentInfo) -> None:
        """Record `parent` as publishing `child` (a parent already known for it is kept)."""
        self._by_child.setdefault(child, {}).setdefault(parent.path, parent)

    def children(self) -> list[str]:
        """The files known to be published by some post, by path."""
        return sorted(self._by_child)

    def parents_of(self, child: str) -> list[ParentInfo]:
        """The posts known to publish `child`, by path."""
        return sorted(self._by_child.get(child, {}).values(), key=lambda p: p.path)


def resolve_links(docs: Iterable[Document], corpus_paths: Iterable[str]) -> None:
    """Point each HTML link at the corpus file it names, and fill `publishes` (posts) in place.

    A relative link resolves against the page's folder (extraction already did that); an absolute URL
    whose last segment is the name of exactly one PDF of the corpus (a WordPress upload URL) resolves to
    that PDF. A link to a file that does not exist keeps its raw target: a later update may add the file.
    """
    LinkResolver(corpus_paths).resolve(docs)


class LinkResolver:
    """`resolve_links` with the corpus's paths indexed once: a build resolves each page as it comes, and
    indexing the paths for every page would make the build quadratic."""

    def __init__(self, corpus_paths: Iterable[str]) -> None:
        self.paths = set(corpus_paths)
        self.by_name: dict[str, list[str]] = {}
        for p in self.paths:
            self.by_name.setdefault(posixpath.basename(p).lower(), []).append(p)

    def resolve(self, docs: Iterable[Document]) -> None:
        """Resolve the links of `docs` in place (see `resolve_links`)."""
        for doc in docs:
            if doc.format != "html":
                continue
            publishes: list[str] = []
            for link in doc.links:
                target = link.target if link.target in self.paths else None
                if target is None:
                    name = posixpath.basename(unquote(urlsplit(link.href).path)).lower()
                    candidates = self.by_name.get(name, []) if name.endswith(".pdf") else []
                    if len(candidates) == 1:
                        target = candidates[0]
                if target:
                    link.target = target
                if target and target != doc.path and target not in publishes:
                    publishes.append(target)
            doc.publishes = publishes
