"""Page records: which document each belongs to, and which are reference or « Contacts utiles » pages.

A document is indexed as one document record and one page record per PDF page (a web page has one page
record, or one per section when long); see `docs/architecture.md` for the record format. A page's role was
decided from its text when the index was written (`indexer.page_roles`, the `role` field): a request reads the
roles' postings once per index generation, never the pages' text.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from indexer.page_roles import ROLE_CONTACTS, ROLE_REFERENCE, is_contacts_page, is_reference_page
from indexer.records import KIND_PAGE
from search_app.whoosh_postings import term_docs

logger = logging.getLogger(__name__)


@dataclass
class PageRecords:
    """The page records of the index (sorted), the document record each belongs to, and their roles.

    A document's records are written together, its doc record then its pages, and Whoosh keeps that order
    within a segment and when it merges segments: a page belongs to the nearest doc record before it.
    """

    ids: np.ndarray
    parents: np.ndarray
    reference: frozenset[int] = frozenset()  # tables of contents, glossaries, lists of names
    contacts: frozenset[int] = frozenset()  # « Contacts utiles » pages (not reference pages)

    def is_reference(self, searcher: Any, page: int) -> bool:
        """Whether the page record `page` is a table of contents, a glossary or a list of names: never a
        document's best page. (`searcher` is read only for an index written before roles were, `_Unindexed`.)"""
        return page in self.reference

    def listed_last(self, searcher: Any, page: int) -> bool:
        """Whether the page record `page` is shown after those that discuss the query: a reference page or a
        « Contacts utiles » page."""
        return page in self.reference or page in self.contacts

    def owners(self, pages: np.ndarray) -> np.ndarray:
        """The document record of each of `pages` (page records of this index)."""
        return self.parents[np.searchsorted(self.ids, pages)]

    @classmethod
    def of(cls, searcher: Any, docs: np.ndarray) -> PageRecords:
        """The page records of the index whose document records are `docs` (sorted), with their roles."""
        ids, parents = _with_owners(np.fromiter(term_docs(searcher, "kind", KIND_PAGE), dtype=np.int64), docs)
        if "role" not in searcher.schema:
            logger.warning("Index écrit avant le rôle des pages : « python -m indexer update » le reconstruit.")
            return _Unindexed(ids, parents)
        reference, contacts = (term_docs(searcher, "role", role) for role in (ROLE_REFERENCE, ROLE_CONTACTS))
        return cls(ids, parents, reference, contacts)

    def pages_of(self, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The pages of `docs` (sorted) and, for each, its document."""
        keep = np.isin(self.parents, docs)
        return self.ids[keep], self.parents[keep]


@dataclass
class _Unindexed(PageRecords):
    """The page records of an index written before page roles were indexed (schema 8, until `update` rebuilds
    it): each page's role worked out from its stored text the first time it is asked, then remembered."""

    known: dict[int, tuple[bool, bool]] = field(default_factory=dict, repr=False)  # page → (reference, contacts)

    def _roles(self, searcher: Any, page: int) -> tuple[bool, bool]:
        found = self.known.get(page)
        if found is None:
            text = searcher.stored_fields(page).get("text") or ""
            found = self.known[page] = (is_reference_page(text), is_contacts_page(text))
        return found

    def is_reference(self, searcher: Any, page: int) -> bool:
        return self._roles(searcher, page)[0]

    def listed_last(self, searcher: Any, page: int) -> bool:
        return any(self._roles(searcher, page))


def _with_owners(pages: np.ndarray, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The page records `pages` that follow a document record of `docs` (sorted), sorted, and that record."""
    pages.sort()
    if not len(docs):
        return pages[:0], pages[:0]
    where = np.searchsorted(docs, pages) - 1
    keep = where >= 0
    return pages[keep], docs[where[keep]]
