"""The Whoosh schema, and the text fields' values analysed ahead of writing (in the extraction workers).

What the records hold (kinds, uids, encodings) is `indexer.records`'s; docs/architecture.md describes both.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from whoosh.analysis import RegexTokenizer
from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema

from indexer.analysis import exact_analyzer, french_analyzer, spelling_analyzer
from indexer.field_postings import exact_postings, french_postings, spelling_postings
from indexer.page_roles import page_role
from indexer.records import text_values

if TYPE_CHECKING:
    from indexer.document import Document

# Schema version: bump when a change needs a full rebuild; `update` refuses an older index.
SCHEMA_VERSION = 9


# A posting as Whoosh's fields produce it: term bytes, frequency, weight, encoded value (positions…).
Posting = tuple[bytes, int, float, bytes | None]


class Analysed:
    """A text field's value already analysed, in an extraction worker: the postings `field.index()` gives.

    Analysis (tokenising, folding, stemming, word pairs) is most of the work of writing an index; done in the
    worker processes, it runs on every core and alongside extraction, and the single writer only files
    postings.
    """

    __slots__ = ("items",)

    def __init__(self, items: list[Posting]) -> None:
        self.items = items

    def __repr__(self) -> str:
        return f"Analysed({len(self.items)} termes)"


class AnalysedText(TEXT):
    """A TEXT field that also takes its value as `Analysed` postings (identical to what it would compute)."""

    def index(self, value: Any, **kwargs: Any) -> Iterable[Posting]:
        if isinstance(value, Analysed):
            return iter(value.items)
        return super().index(value, **kwargs)


@dataclass
class PreAnalysis:
    """The postings of a document's text fields (`fields`) and of each page's `page_body` (`pages`), and each
    page's role (`roles`, `indexer.page_roles.page_role`).

    `title` is the title they were computed with: enrichment may replace it (catalogue), and the fields that
    contain it (`exact`, `spell`) are then analysed again by the writer.
    """

    title: str
    fields: dict[str, Analysed]
    pages: list[Analysed]
    roles: list[str | None]

    def values_for(self, doc: Document) -> dict[str, Any]:
        """The text fields of `doc`: these postings when still valid, else the strings to analyse."""
        if len(doc.pages) != len(self.pages):  # not the text analysed: never expected, but never wrong
            return text_values(doc)
        if doc.title == self.title:
            return dict(self.fields)
        return {**text_values(doc), "body": self.fields["body"]}


@lru_cache(maxsize=1)
def _analysis_schema() -> Schema:
    return build_schema()


def pre_analyse(doc: Document) -> PreAnalysis:
    """Analyse `doc`'s text fields with the index schema's own fields (in an extraction worker)."""
    schema = _analysis_schema()
    fields = {name: Analysed(analyse_field(schema, name, value)) for name, value in text_values(doc).items()}
    page_field = schema["page_body"]
    body_field = schema["body"]
    # A page that is the whole text (a web page) has the body's postings: analysed once, sent once.
    same_analysis = page_field.analyzer is body_field.analyzer and page_field.format == body_field.format
    whole = doc.text if same_analysis and len(doc.pages) == 1 else None  # `text` joins the pages: once
    pages = [
        fields["body"] if text == whole else Analysed(analyse_field(schema, "page_body", text)) for text in doc.pages
    ]
    return PreAnalysis(doc.title, fields, pages, [page_role(text) for text in doc.pages])


def analyse_field(schema: Schema, name: str, value: str) -> list[Posting]:
    """`schema[name].index(value)`; for `exact`, `body`, `page_body` and `spell`, the same postings computed
    without Whoosh's token stream (`indexer.field_postings`)."""
    if name == "exact":
        return exact_postings(value, schema[name].format.field_boost)
    if name in ("body", "page_body"):
        return french_postings(value, schema[name].format)
    if name == "spell":
        return spelling_postings(value, schema[name].format.field_boost)
    return list(schema[name].index(value))


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
        body=AnalysedText(analyzer=fr, phrase=True),
        # The text of one page (page records): its own field, so that document-level queries never walk
        # the postings of pages, nor page-level queries those of whole documents.
        page_body=AnalysedText(analyzer=fr, phrase=True),
        meta=TEXT(analyzer=fr, phrase=True),
        # Title and text as written (folded, nothing stopped or stemmed), for quoted phrases.
        exact=AnalysedText(analyzer=exact_analyzer(), phrase=False),
        spell=AnalysedText(analyzer=spelling_analyzer(), phrase=False, spelling=True),
        # Page text, stored for snippets (page records only).
        text=STORED(),
        # What a page is besides prose (page records only, `indexer.page_roles`): « reference » (a table of
        # contents, a glossary, a list of names), « contacts » (a « Contacts utiles » page); none when it discusses.
        role=ID(),
        # Facets and sorting (doc records only).
        year=NUMERIC(int, stored=True, sortable=True, signed=False),
        year_facet=ID(stored=True),
        date=ID(stored=True, sortable=True),
        themes=TEXT(analyzer=_lines(), stored=True, phrase=False),
        type=TEXT(analyzer=_lines(), stored=True, phrase=False),
        links=TEXT(analyzer=_lines(), stored=True, phrase=False),
        source=ID(stored=True),  # the followed site a file was harvested from (none: dropped by hand)
        # Bookkeeping, stored only.
        content_hash=ID(stored=True),
        size=STORED(),
        mtime=STORED(),
        page_count=STORED(),
        published_in=STORED(),
        sources=STORED(),
        source_label=STORED(),
        source_url=STORED(),  # the live address (harvested URL, or a saved page's canonical link)
        metadata=STORED(),
        empty_reason=STORED(),
        reason=STORED(),
        extractor=STORED(),
        # Which library gave the text (« pdfium », « pypdf », « html »), pages read by OCR, pages left unread.
        text_extractor=STORED(),
        ocr_pages=STORED(),
        unread_pages=STORED(),
        unread_reason=STORED(),
    )
