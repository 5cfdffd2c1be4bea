"""What the last sync of a source saw, kept in the corpus's dot-folder (`corpus/.sync/<source>/`), which the
indexer ignores.

`state.json` holds each harvested item (a post, a page, a sitemap URL) and each downloaded file (a PDF) with its
URL, its mirror path and its validators (ETag, Last-Modified, WordPress `modified_gmt`, sitemap `lastmod`), plus
the answers of API listings kept for conditional requests. It is saved through a temporary file and a rename,
often during a run, so that a sync killed at any moment resumes where it stopped. `last.json` is the report of the
last run, read by `/admin`. `origins` gives the indexer each mirrored file's source and live address.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexer.document import Document
from indexer.web.mirror import write_atomic

logger = logging.getLogger(__name__)

STATE_DIR = ".sync"
STATE_VERSION = 1
_SAVE_EVERY = 2.0  # seconds between two saves during a run (each save rewrites the whole file)


@dataclass
class SourceState:
    """The harvest state of one source; `items` and `files` map a key (item id or URL) to a dict of fields."""

    name: str
    label: str = ""
    kind: str = ""  # « wordpress » or « sitemap »
    api: str = ""  # the REST API root of a WordPress site
    since: str = ""  # the newest `modified_gmt` of the last complete WordPress sync
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    lists: dict[str, dict[str, Any]] = field(default_factory=dict)  # listing URL → validators and entries
    folder: Path = Path()
    _saved_at: float = 0.0

    @classmethod
    def load(cls, corpus: Path, name: str) -> SourceState:
        """The saved state of `name`, or an empty one (a state written by another version starts afresh)."""
        folder = corpus / STATE_DIR / name
        path = folder / "state.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(name=name, folder=folder)
        except (OSError, ValueError) as error:
            logger.warning("État de synchronisation illisible (%s) : la source %s repart de zéro", error, name)
            return cls(name=name, folder=folder)
        if data.get("version") != STATE_VERSION:
            return cls(name=name, folder=folder)
        keys = ("label", "kind", "api", "since", "items", "files", "lists")
        return cls(name=name, folder=folder, **{k: data[k] for k in keys if k in data})

    def save(self, force: bool = True) -> None:
        """Write the state atomically (when not forced, at most every two seconds)."""
        now = time.monotonic()
        if not force and now - self._saved_at < _SAVE_EVERY:
            return
        data = {
            "version": STATE_VERSION,
            "name": self.name,
            **{k: getattr(self, k) for k in ("label", "kind", "api", "since", "items", "files", "lists")},
        }
        write_atomic(self.folder / "state.json", json.dumps(data, ensure_ascii=False).encode("utf-8"))
        self._saved_at = now

    def referenced_files(self) -> set[str]:
        """The URLs of the files that the items still link to."""
        return {url for item in self.items.values() for url in item.get("links", [])}


def save_report(corpus: Path, name: str, report: dict[str, Any]) -> None:
    """Keep the report of a source's last sync (`last.json`) for `/admin`."""
    text = json.dumps(report, ensure_ascii=False, indent=1)
    write_atomic(corpus / STATE_DIR / name / "last.json", text.encode("utf-8"))


def load_reports(corpus: Path) -> list[dict[str, Any]]:
    """The last sync report of every source, by name."""
    reports = []
    for path in sorted((corpus / STATE_DIR).glob("*/last.json")):
        try:
            reports.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            logger.warning("Rapport de synchronisation illisible : %s", path)
    return reports


@dataclass(frozen=True)
class Origin:
    """Where a mirrored file comes from: its source's name and label, and its live address."""

    source: str
    label: str
    url: str


def origins(corpus: Path) -> dict[str, Origin]:
    """Mirrored path → `Origin`, from every source's state (an empty dict when nothing was ever synced)."""
    found: dict[str, Origin] = {}
    for state in _states(corpus):
        label = state.label or state.name
        for entry in (*state.items.values(), *state.files.values()):
            if entry.get("path") and entry.get("url"):
                found[entry["path"]] = Origin(state.name, label, entry["url"])
    return found


class OriginIndex:
    """Each indexed file's source and live address, read once per run from the sources' states.

    A harvested file has its source and the URL it was fetched from; a page saved by hand has no source and, as
    its live address, its `rel="canonical"` link when it declares one; a PDF saved by hand has neither.
    """

    def __init__(self, corpus: Path) -> None:
        self.known = origins(corpus)

    def stamp(self, doc: Document) -> None:
        """Fill `doc.source`, `doc.source_label` and `doc.source_url` (before its records are written)."""
        doc.source, doc.source_label, doc.source_url = self.of(doc.path, doc.metadata.get("canonical"))

    def of(self, path: str, canonical: str | None = None) -> tuple[str | None, str | None, str | None]:
        """(source name, source label, live address) of a corpus file."""
        origin = self.known.get(path)
        if origin is not None:
            return origin.source, origin.label, origin.url
        live = canonical if canonical and canonical.startswith(("http://", "https://")) else None
        return None, None, live


def _states(corpus: Path) -> Iterator[SourceState]:
    folder = corpus / STATE_DIR
    if folder.is_dir():
        for child in sorted(folder.iterdir()):
            if (child / "state.json").is_file():
                yield SourceState.load(corpus, child.name)
