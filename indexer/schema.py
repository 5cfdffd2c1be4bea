"""The Whoosh schema.

One index holds three kinds of records, told apart by ``kind``:

- ``doc``: one per document (HTML page or PDF). Ranking (BM25F over title, headings, body, meta),
  facets and counts use these only, so counts count documents.
- ``page``: one per page of a document (an HTML page has one). They carry the page text, stored for
  snippets, and are searched only to find the best pages of the documents shown.
- ``failure``: one per file that could not be indexed, with its reason: failures are committed in the
  same transaction as the documents, so `status` and the next `update` always agree with the index.
- ``meta``: bookkeeping, such as the catalogue the documents were enriched with (so that `update` sees
  which catalogue entries changed).

Every document, page and failure record has ``path`` (the corpus-relative path of its file): deleting a file is one
``delete_by_term("path", …)``.
"""

from __future__ import annotations

from whoosh.analysis import RegexTokenizer
from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema

from indexer.analysis import exact_analyzer, french_analyzer, spelling_analyzer

KIND_DOC = "doc"
KIND_PAGE = "page"
KIND_FAILURE = "failure"
KIND_META = "meta"

# Schema version: bump when a change needs a full rebuild; `update` refuses an older index.
SCHEMA_VERSION = 5


def _lines():  # type: ignore[no-untyped-def]
    """Multi-valued keyword fields hold one value per line (paths may contain spaces and commas)."""
    return RegexTokenizer(r"[^\n]+")


def build_schema() -> Schema:
    """The schema of the index (see the module docstring)."""
    fr = french_analyzer()
    return Schema(
        uid=ID(unique=True, stored=True),
        kind=ID(stored=True),
        path=ID(stored=True),
        page=NUMERIC(int, stored=True),
        format=ID(stored=True),
        # Searchable text.
        title=TEXT(analyzer=fr, stored=True, phrase=True),
        headings=TEXT(analyzer=fr, stored=True, phrase=True),
        body=TEXT(analyzer=fr, phrase=True),
        # The text of one page (page records): its own field, so that document-level queries never walk
        # the postings of pages, nor page-level queries those of whole documents.
        page_body=TEXT(analyzer=fr, phrase=True),
        meta=TEXT(analyzer=fr, phrase=True),
        # Title and text as written (folded, nothing stopped or stemmed), for quoted phrases.
        exact=TEXT(analyzer=exact_analyzer(), phrase=False),
        spell=TEXT(analyzer=spelling_analyzer(), phrase=False, spelling=True),
        # Page text, stored for snippets (page records only).
        text=STORED(),
        # Facets and sorting (doc records only).
        year=NUMERIC(int, stored=True, sortable=True, signed=False),
        year_facet=ID(stored=True),
        date=ID(stored=True, sortable=True),
        themes=TEXT(analyzer=_lines(), stored=True, phrase=False),
        type=TEXT(analyzer=_lines(), stored=True, phrase=False),
        links=TEXT(analyzer=_lines(), stored=True, phrase=False),
        # Bookkeeping, stored only.
        content_hash=ID(stored=True),
        size=STORED(),
        mtime=STORED(),
        page_count=STORED(),
        published_in=STORED(),
        sources=STORED(),
        metadata=STORED(),
        empty_reason=STORED(),
        reason=STORED(),
        extractor=STORED(),
    )
