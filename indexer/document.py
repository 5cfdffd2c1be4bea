"""The `Document` value that flows from extraction through enrichment to the index writer.

Extraction fills what the file itself says (path, title, text by page, metadata, links, hash); enrichment
then fills the facets (year, themes, type) and records which source decided each of them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar


@dataclass
class Link:
    """An outgoing link of an HTML page.

    `target` is the corpus-relative path of the linked file when it resolves to a file of the corpus
    (for example a PDF dossier), otherwise None; `href` is the link as written.
    """

    href: str
    text: str
    target: str | None = None


@dataclass
class Document:
    """One source file of the corpus, as extracted and then enriched.

    `path` is the identity: the corpus-relative POSIX path exactly as the file is named on disk.
    `pages` holds the text of each page (an HTML page has one, or one per section when it is long).
    `metadata` keeps what the file declares, with these keys when present: ``date`` (ISO date or datetime
    from `<time datetime>` or `article:published_time`), ``categories`` (list of WordPress category labels),
    ``keywords`` (list), ``description``, ``subject``, ``author``, ``creation_date`` (ISO, PDF /CreationDate),
    ``canonical``, ``lang``, ``encoding`` (the charset the text was decoded with), ``links`` (a PDF's
    link annotations: web addresses).
    """

    path: str
    format: str  # "html" or "pdf"
    title: str
    pages: list[str]
    headings: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)
    content_hash: str = ""
    size: int = 0
    mtime: float = 0.0
    # Set by extraction when the file has no usable text (e.g. a scanned PDF): the reason, in French.
    empty_reason: str | None = None
    # Which library gave the text: « pdfium », « pypdf » or « pdfium+pypdf » for a PDF, « html » for a page.
    extractor: str = ""
    ocr_pages: list[int] = field(default_factory=list)  # 1-based pages whose text was read by OCR
    unread_pages: list[int] = field(default_factory=list)  # pages without text that OCR could not read
    unread_reason: str | None = None  # why, in French (« OCR indisponible : … »)
    # Filled by enrichment.
    year: int | None = None
    date: str | None = None  # ISO date (YYYY-MM-DD, or YYYY-MM, or YYYY) used to sort by date
    themes: list[str] = field(default_factory=list)
    doc_type: str | None = None
    sources: dict[str, str] = field(default_factory=dict)  # facet name -> source that decided it
    published_in: list[str] = field(default_factory=list)  # for a PDF: paths of the posts linking to it
    # Set before writing (`indexer.web.state.OriginIndex`): the followed site and the live address.
    source: str | None = None
    source_label: str | None = None
    source_url: str | None = None
    publishes: list[str] = field(default_factory=list)  # for a post: paths of the corpus files it links to
    # Set by an extraction worker for the writer (`indexer.schema.PreAnalysis`), and dropped once written.
    # Not a dataclass field: never cached nor compared, only carried with the document to the writer.
    analysed: ClassVar[Any] = None

    @property
    def text(self) -> str:
        """The whole text, pages joined by blank lines."""
        return "\n\n".join(self.pages)

    @property
    def page_count(self) -> int:
        """Number of pages (for an HTML page, 1 or its number of sections)."""
        return len(self.pages)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict (used by the extraction cache)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        """The inverse of `to_dict`."""
        data = dict(data)
        data["links"] = [Link(**link) for link in data.get("links", [])]
        return cls(**data)
