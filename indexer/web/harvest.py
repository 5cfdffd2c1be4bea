"""One source's harvest in progress: its fetcher, state and report, and the steps WordPress and sitemaps share —
downloading a file into the mirror (conditionally, within the size limits), writing a page, removing what left
the site.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from indexer.web.fetch import Fetcher, FetchError, Response, host_key
from indexer.web.mirror import mirror_path, remove_file, write_atomic
from indexer.web.sources import Source
from indexer.web.state import SourceState

logger = logging.getLogger(__name__)

GONE = (404, 410)  # the answers that mean a page or a file left the site
_BY = {"wordpress": "l’API WordPress", "sitemap": "les sitemaps"}


def listed_by(key: str) -> str:
    """How an item was listed, from its key: « wordpress » (`post:12`, `page:3`) or « sitemap » (its URL)."""
    return "wordpress" if key.partition(":")[0] in ("post", "page") else "sitemap"


@dataclass
class SyncReport:
    """What a sync did to one source's mirror (counts of files), and what went wrong, in French."""

    source: str
    label: str
    url: str
    kind: str = ""
    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)
    fatal: str | None = None  # the source could not be read at all
    notes: list[str] = field(default_factory=list)
    requests: int = 0
    bytes: int = 0
    not_modified: int = 0
    duration_s: float = 0.0
    when: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def error(self, url: str, reason: str) -> None:
        """Record one URL that failed (the sync goes on)."""
        logger.warning("%s : %s", url, reason)
        self.errors.append({"url": url, "reason": reason})

    def as_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict (`--json`, `last.json`)."""
        return asdict(self)


@dataclass(frozen=True)
class Limits:
    """The indexer's size limits, applied while downloading (bytes)."""

    html: int
    pdf: int


@dataclass
class Harvest:
    """Everything one source's harvest works with."""

    corpus: Path
    source: Source
    fetcher: Fetcher
    state: SourceState
    report: SyncReport
    limits: Limits
    started: float = field(default_factory=time.monotonic)
    done: dict[str, str | None] = field(default_factory=dict)  # files already fetched in this run → path
    # The download threads change the state, the report and the mirror: one at a time (saving the state walks it).
    lock: threading.Lock = field(default_factory=threading.Lock)
    _others: dict[str, dict[str, set[str]]] = field(default_factory=dict)  # see `_held_by_others`

    def allowed(self, url: str) -> bool:
        """Whether `url` is on a host the source allows (other links are not followed)."""
        return host_key(url) in self.source.allowed_hosts

    def fetch_files(self, urls: Iterable[str], modified: dict[str, str] | None = None) -> dict[str, str]:
        """Download files (PDFs) into the mirror, two at a time; URL → mirror path of those now on disk."""
        wanted = [u for u in dict.fromkeys(urls) if self.allowed(u)]
        with ThreadPoolExecutor(max_workers=self.fetcher.policy.per_host) as pool:
            paths = list(pool.map(lambda u: self.fetch_file(u, (modified or {}).get(u)), wanted))
        return {url: path for url, path in zip(wanted, paths, strict=True) if path}

    def fetch_file(self, url: str, modified: str | None = None) -> str | None:
        """Download one PDF into the mirror unless the copy is current; its path, or None when it failed.

        A file linked from several posts is fetched once per run."""
        if url not in self.done:
            self.done[url] = self._fetch_file(url, modified)
        return self.done[url]

    def _fetch_file(self, url: str, modified: str | None) -> str | None:
        entry = self.state.files.get(url, {})
        path = entry.get("path") or mirror_path(self.source.name, url, "pdf")
        on_disk = (self.corpus / path).is_file()
        if on_disk and entry and modified is not None and entry.get("modified") == modified:
            return path  # the site says it has not changed: no request
        try:
            answer = self.revalidate(url, entry if on_disk else {}, self.limits.pdf)
        except FetchError as error:
            if error.status in GONE:
                with self.lock:
                    self._drop_file(url)
            self.report.error(url, error.reason)
            return path if on_disk and error.status not in GONE else None
        if answer.status == 304:
            with self.lock:
                self.report.unchanged += 1
            return path
        if not answer.body.lstrip()[:5].startswith(b"%PDF"):
            self.report.error(url, "le fichier servi n’est pas un PDF (page d’erreur ou de connexion ?) : ignoré")
            return path if on_disk else None
        with self.lock:
            self.store(path, answer.body, existed=on_disk)
            self.state.files[url] = {
                "url": url,
                "path": path,
                "etag": answer.etag,
                "last_modified": answer.last_modified,
                "modified": modified,
            }
            self.state.save(force=False)
        return path

    def revalidate(self, url: str, validators: dict[str, Any], max_bytes: int) -> Response:
        """GET `url`, conditional on the ETag and Last-Modified of the copy on disk (none: a plain GET)."""
        return self.fetcher.get(
            url, etag=validators.get("etag"), last_modified=validators.get("last_modified"), max_bytes=max_bytes
        )

    def store(self, path: str, data: bytes, existed: bool) -> None:
        """Write a file of the mirror atomically and count it as added or changed (unchanged bytes: neither)."""
        target = self.corpus / path
        if existed and target.is_file() and target.read_bytes() == data:
            self.report.unchanged += 1
            return
        write_atomic(target, data)
        if existed:
            self.report.changed += 1
        else:
            self.report.added += 1

    def others(self, method: str) -> list[str]:
        """The keys of the items another listing method gave (the site was read another way before)."""
        return [key for key in self.state.items if listed_by(key) != method]

    def take_over(self, key: str, urls: Iterable[str], method: str) -> None:
        """Item `key`, just written by `method`, now holds these addresses: the items another method gave go.

        Only a copy just written replaces another: otherwise the method that listed an item is the only one that
        may remove it (a site read one way, then another while its API is away, loses nothing). The new item
        keeps the PDFs the old one linked (an attached PDF the served page does not link) until it is rewritten.
        """
        item = self.state.items[key]
        held = self._held_by_others(method)
        for other in {k for url in urls for k in held.get(url, ())}:
            entry = self.state.items.pop(other, None)  # None: removed meanwhile (the keys of two methods differ)
            if entry is None:
                continue
            item["links"] = list(dict.fromkeys([*item["links"], *entry.get("links", [])]))
            if entry["path"] != item["path"] and remove_file(self.corpus, entry["path"]):
                self.report.removed += 1

    def _held_by_others(self, method: str) -> dict[str, set[str]]:
        """Address → keys of the items another method gave, found once per run (a first sync writes thousands)."""
        if method not in self._others:
            held: dict[str, set[str]] = {}
            for key in self.others(method):
                for address in {key, self.state.items[key].get("url")}:
                    held.setdefault(address, set()).add(key)
            self._others[method] = held
        return self._others[method]

    def note_kept(self, method: str) -> None:
        """Say how many items another listing method gave are kept as they are."""
        kept = self.others(method)
        if kept:
            them = _BY["sitemap" if method == "wordpress" else "wordpress"]
            self.report.notes.append(
                f"{len(kept)} document(s) lu(s) auparavant par {them}, non relu(s) cette fois par {_BY[method]} : "
                f"gardé(s) tel(s) quel(s), seule une lecture par {them} peut les retirer"
            )

    def drop_item(self, key: str) -> None:
        """Remove an item (post, page) that left the site, and its mirrored file."""
        entry = self.state.items.pop(key, None)
        if entry and remove_file(self.corpus, entry["path"]):
            self.report.removed += 1

    def _drop_file(self, url: str) -> None:
        entry = self.state.files.pop(url, None)
        if entry and remove_file(self.corpus, entry["path"]):
            self.report.removed += 1

    def prune_files(self) -> None:
        """Remove the downloaded files that no remaining item links to."""
        referenced = self.state.referenced_files()
        for url in [u for u in self.state.files if u not in referenced]:
            self._drop_file(url)

    def finish(self) -> None:
        """Save the state and fill the report's request figures."""
        self.state.save()
        stats = self.fetcher.stats
        self.report.requests, self.report.bytes, self.report.not_modified = (
            stats.requests,
            stats.bytes,
            stats.not_modified,
        )
        self.report.duration_s = round(time.monotonic() - self.started, 3)
