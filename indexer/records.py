"""The record format of the index: a `Document` into Whoosh records, and stored fields back into `StoredDoc`.

One index holds four kinds of records, told apart by ``kind`` (see docs/architecture.md):

- ``doc``: one per document; ranking, facets and counts use these only, so counts count documents;
- ``page``: one per page of a document (an HTML page has one, or one per section when long), uid
  ``f"{path}#{n}"`` (`page_uid`), with the page's text stored for snippets and its role, if any
  (`indexer.page_roles`: a table of contents, a glossary, a « Contacts utiles » page…);
- ``failure``: one per file that could not be indexed, with its reason, committed in the same transaction as
  the documents so that `status` and the next `update` agree with the index;
- ``meta``: bookkeeping, the catalogue the documents were enriched with and the manifest of indexed files.

Multi-valued fields (themes, type, links) are stored as one value per line (`encode_list`, `decode_list`):
paths may contain spaces and commas. This module is the only one that knows these encodings.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from posixpath import basename
from typing import Any
from urllib.parse import unquote, urlsplit

from indexer.corpus import Failure
from indexer.document import Document
from indexer.extract import EXTRACTOR_VERSION
from indexer.page_roles import page_role
from indexer.vocab import FORMAT_TYPES, NO_YEAR

KIND_DOC = "doc"
KIND_PAGE = "page"
KIND_FAILURE = "failure"
KIND_META = "meta"

MANIFEST_UID = "meta:manifest"
CATALOGUE_UID = "meta:catalogue"

# The « Vouliez-vous dire » vocabulary of a document: its title, headings and opening are enough, and
# analysing whole dossiers once more would cost a large share of the build.
SPELL_CHARS = 30_000

# Metadata keys of a document kept in its record (shown on its page).
META_KEYS = ("subject", "keywords", "categories", "description", "author", "encoding", "canonical")


def page_uid(path: str, number: int) -> str:
    """The uid of page `number` (1-based) of the document at `path`."""
    return f"{path}#{number}"


def failure_uid(path: str) -> str:
    """The uid of the failure record of the file at `path`."""
    return f"failure:{path}"


def encode_list(values: Iterable[str]) -> str:
    """A multi-valued field's stored value: one value per line."""
    return "\n".join(values)


def decode_list(value: str | None) -> list[str]:
    """The values of a multi-valued field, as `encode_list` stored them."""
    return [v for v in (value or "").split("\n") if v]


def text_values(doc: Document) -> dict[str, str]:
    """The document-record fields that hold a document's whole text, as they are indexed."""
    return {
        "body": doc.text,
        "exact": doc.title + "\n" + doc.text,
        "spell": "\n".join([doc.title, *doc.headings, doc.text[:SPELL_CHARS]]),
    }


def iter_page_values(doc: Document) -> Iterator[tuple[int, Any, str | None]]:
    """(page number, `page_body` value, role) for each page of `doc`, pre-analysed when possible."""
    pre = doc.analysed
    if pre is not None and len(pre.pages) == len(doc.pages):
        values: list[Any] = pre.pages
        roles = pre.roles
    else:
        values = doc.pages
        roles = [page_role(text) for text in doc.pages]
    yield from zip(range(1, len(values) + 1), values, roles, strict=True)


def type_values(doc_format: str, doc_type: str | None) -> list[str]:
    """The values of the `type` facet for a document: its format-level type, then its finer type."""
    values = [FORMAT_TYPES[doc_format][0]]
    if doc_type and doc_type not in values:
        values.append(doc_type)
    return values


def year_facet_value(year: int | None) -> str:
    """The `year` facet value of a document: the year, or « sans-date »."""
    return str(year) if year else NO_YEAR


def name_key(href: str) -> str | None:
    """« name:<file> » for a link to a PDF: what finds the post of a PDF whose path the link does not give."""
    name = basename(unquote(urlsplit(href).path)).lower()
    return f"name:{name}" if name.endswith(".pdf") else None


def link_keys(doc: Document) -> list[str]:
    """What a post's links may point to: resolved paths, raw relative targets, and « name:<file> » keys.

    Stored with the post so that `update` finds the posts that publish a PDF added later.
    """
    keys: list[str] = []
    for link in doc.links:
        for key in (link.target, name_key(link.href)):
            if key and key not in keys:
                keys.append(key)
    for target in doc.publishes:
        if target not in keys:
            keys.append(target)
    return keys


def doc_records(doc: Document) -> Iterator[dict[str, Any]]:
    """The Whoosh records of one enriched document: its doc record, then one record per page.

    The text fields are the postings computed by the extraction worker when the document carries them
    (`Document.analysed`), otherwise the strings, analysed by the writer.
    """
    meta_text = [str(doc.metadata[key]) for key in ("subject", "description") if doc.metadata.get(key)]
    for key in ("keywords", "categories"):
        meta_text.extend(str(v) for v in doc.metadata.get(key) or [])
    record: dict[str, Any] = {
        "uid": doc.path,
        "kind": KIND_DOC,
        "path": doc.path,
        "format": doc.format,
        "title": doc.title,
        "headings": "\n".join(doc.headings),
        **(doc.analysed.values_for(doc) if doc.analysed is not None else text_values(doc)),
        "meta": "\n".join(meta_text),
        "year_facet": year_facet_value(doc.year),
        "date": doc.date or "",
        "themes": encode_list(doc.themes),
        "type": encode_list(type_values(doc.format, doc.doc_type)),
        "links": encode_list(link_keys(doc)),
        "content_hash": doc.content_hash,
        "size": doc.size,
        "mtime": doc.mtime,
        "page_count": doc.page_count,
        "published_in": list(doc.published_in),
        "sources": dict(doc.sources),
        "metadata": {k: doc.metadata[k] for k in META_KEYS if doc.metadata.get(k)},
        "empty_reason": doc.empty_reason,
        "extractor": EXTRACTOR_VERSION,
        "text_extractor": doc.extractor,
        "ocr_pages": list(doc.ocr_pages),
        "unread_pages": list(doc.unread_pages),
        "unread_reason": doc.unread_reason,
    }
    if doc.year:
        record["year"] = doc.year
    if doc.source:
        record.update(source=doc.source, source_label=doc.source_label or doc.source)
    if doc.source_url:
        record["source_url"] = doc.source_url
    yield record
    for number, value, role in iter_page_values(doc):
        page = {
            "uid": page_uid(doc.path, number),
            "kind": KIND_PAGE,
            "path": doc.path,
            "page": number,
            "format": doc.format,
            "page_body": value,
            "text": doc.pages[number - 1],
        }
        if role is not None:
            page["role"] = role
        yield page


def failure_record(failure: Failure) -> dict[str, Any]:
    """The record of a file that could not be indexed."""
    return {
        "uid": failure_uid(failure.path),
        "kind": KIND_FAILURE,
        "path": failure.path,
        "reason": failure.reason,
        "content_hash": failure.content_hash,
        "size": failure.size,
        "mtime": failure.mtime,
        "extractor": EXTRACTOR_VERSION,
    }


def catalogue_record(catalogue: Mapping[str, Any]) -> dict[str, Any]:
    """The record that keeps the catalogue the index was enriched with (to see its changes on update)."""
    return {"uid": CATALOGUE_UID, "kind": KIND_META, "metadata": catalogue_state(catalogue)}


def catalogue_state(catalogue: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The catalogue as its record stores it: path → the entry's fields."""
    return {path: asdict(entry) for path, entry in sorted(catalogue.items())}


def stored_catalogue(searcher: Any) -> dict[str, dict[str, Any]]:
    """The catalogue the index was enriched with, as `catalogue_state` gave it."""
    return (searcher.document(uid=CATALOGUE_UID) or {}).get("metadata") or {}


# ---------------------------------------------------------------------------------------------------------
# The manifest: what the index knows of every file, read by `update` instead of every record.


@dataclass
class IndexedFile:
    """What the index knows of one file: enough to tell whether it changed and what it links to."""

    kind: str
    content_hash: str
    size: int
    mtime: float
    extractor: str
    format: str
    links: list[str]

    def entry(self) -> list[Any]:
        """The manifest form (a list, compact when pickled)."""
        return [self.kind, self.content_hash, self.size, self.mtime, self.extractor, self.format, self.links]

    @classmethod
    def of_document(cls, doc: Document) -> IndexedFile:
        """The manifest entry of a document as it is written."""
        return cls(KIND_DOC, doc.content_hash, doc.size, doc.mtime, EXTRACTOR_VERSION, doc.format, link_keys(doc))

    @classmethod
    def of_failure(cls, failure: Failure) -> IndexedFile:
        """The manifest entry of a file that could not be indexed."""
        return cls(KIND_FAILURE, failure.content_hash, failure.size, failure.mtime, EXTRACTOR_VERSION, "", [])


def manifest_record(state: Mapping[str, IndexedFile]) -> dict[str, Any]:
    """One record that lists every indexed or failed file."""
    return {"uid": MANIFEST_UID, "kind": KIND_META, "metadata": {p: e.entry() for p, e in state.items()}}


def read_manifest(searcher: Any) -> dict[str, IndexedFile]:
    """The manifest of the index; rebuilt from the documents' stored fields when it is missing."""
    manifest = searcher.document(uid=MANIFEST_UID)
    if manifest is not None:
        return {path: IndexedFile(*entry) for path, entry in (manifest.get("metadata") or {}).items()}
    state: dict[str, IndexedFile] = {}
    for kind in (KIND_DOC, KIND_FAILURE):
        for fields in searcher.documents(kind=kind):
            stored = StoredDoc(fields)
            state[stored.path] = IndexedFile(
                kind, stored.content_hash, stored.size, stored.mtime, stored.extractor, stored.format, stored.links
            )
    return state


# ---------------------------------------------------------------------------------------------------------
# Reading records back


class StoredDoc:
    """The stored fields of a doc (or failure) record, decoded: what search, views, status and update read.

    `fields` is the raw mapping Whoosh returned (templates may read it as it is).
    """

    __slots__ = ("fields",)

    def __init__(self, fields: Mapping[str, Any]) -> None:
        self.fields = fields

    @property
    def path(self) -> str:
        return self.fields["path"]

    @property
    def kind(self) -> str:
        return self.fields.get("kind") or ""

    @property
    def format(self) -> str:
        return self.fields.get("format") or ""

    @property
    def title(self) -> str:
        """The title as stored ("" when the document has none)."""
        return self.fields.get("title") or ""

    @property
    def year(self) -> int | None:
        year = self.fields.get("year")
        return int(year) if year else None

    @property
    def year_facet(self) -> str:
        return self.fields.get("year_facet") or NO_YEAR

    @property
    def date(self) -> str | None:
        return self.fields.get("date") or None

    @property
    def themes(self) -> list[str]:
        return decode_list(self.fields.get("themes"))

    @property
    def types(self) -> list[str]:
        """The `type` facet values: the format-level type, then the finer type when known."""
        return decode_list(self.fields.get("type"))

    @property
    def doc_type(self) -> str:
        """The finest type known (the format when nothing finer is)."""
        types = self.types
        return types[-1] if types else self.format

    @property
    def links(self) -> list[str]:
        return decode_list(self.fields.get("links"))

    @property
    def published_in(self) -> list[str]:
        return list(self.fields.get("published_in") or [])

    @property
    def page_count(self) -> int:
        return self.fields.get("page_count") or 0

    @property
    def sources(self) -> dict[str, str]:
        return dict(self.fields.get("sources") or {})

    @property
    def source(self) -> str | None:
        """The name of the followed site the file comes from (None: dropped by hand)."""
        return self.fields.get("source") or None

    @property
    def source_label(self) -> str | None:
        return self.fields.get("source_label") or self.source

    @property
    def source_url(self) -> str | None:
        """The document's live address, when known."""
        return self.fields.get("source_url") or None

    @property
    def empty_reason(self) -> str | None:
        return self.fields.get("empty_reason") or None

    @property
    def text_extractor(self) -> str:
        """The library that gave the text: « pdfium », « pypdf », « pdfium+pypdf » or « html »."""
        return self.fields.get("text_extractor") or ""

    @property
    def ocr_pages(self) -> list[int]:
        """Pages (from 1) whose text was read by OCR."""
        return list(self.fields.get("ocr_pages") or [])

    @property
    def unread_pages(self) -> list[int]:
        """Pages without text that OCR could not read, and why (`unread_reason`)."""
        return list(self.fields.get("unread_pages") or [])

    @property
    def unread_reason(self) -> str | None:
        return self.fields.get("unread_reason") or None

    @property
    def reason(self) -> str:
        return self.fields.get("reason") or ""

    @property
    def content_hash(self) -> str:
        return self.fields.get("content_hash") or ""

    @property
    def size(self) -> int:
        return self.fields.get("size") or 0

    @property
    def mtime(self) -> float:
        return self.fields.get("mtime") or 0.0

    @property
    def extractor(self) -> str:
        return self.fields.get("extractor") or ""
