"""The log of searches that found nothing, for the documentalist's page (`/admin`).

Each zero-result search appends one JSON line to ``<index>/queries-zero.jsonl``: the normalised query and the
time, nothing else (no address, no browser: privacy). The file is bounded by the standard library's
`RotatingFileHandler`: past `MAX_BYTES` it is renamed to ``queries-zero.jsonl.1`` (replacing the previous one) and
a new file starts, so at most twice `MAX_BYTES` are kept. Both files are readable by their owner only.
`top_zero_queries` aggregates both files over the last days.

Only searches with words, no filter, on their first page are logged: an empty result caused by a year or theme
filter says nothing about what the corpus lacks.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import os
import re
import threading
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

FILE_NAME = "queries-zero.jsonl"
MAX_BYTES = 1_000_000
MAX_QUERY_CHARS = 200
DAYS = 30
TOP = 20

_write_lock = threading.Lock()
_SPACES = re.compile(r"\s+")


def log_path(index_root: Path) -> Path:
    """Where the zero-result queries of the index at `index_root` are logged."""
    return Path(index_root) / FILE_NAME


def normalise_query(query: str) -> str:
    """The form in which a query is logged and counted: NFC, lower case, one kind of apostrophe, single spaces."""
    text = unicodedata.normalize("NFC", query).replace("’", "'").replace("ʼ", "'")
    text = "".join(ch for ch in text if not unicodedata.category(ch).startswith("C") or ch in "\t\n")
    return _SPACES.sub(" ", text).strip().lower()[:MAX_QUERY_CHARS]


def record(path: Path, query: str, when: datetime | None = None, max_bytes: int = MAX_BYTES) -> None:
    """Append one zero-result query to the log at `path`, rotating the file past `max_bytes`.

    Never raises: a full disk or a read-only index folder must not break a search (a warning is logged).
    """
    text = normalise_query(query)
    if not text:
        return
    moment = (when or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
    line = json.dumps({"q": text, "t": moment}, ensure_ascii=False)
    try:
        with _write_lock:
            _create_private(str(path))
            handler = _RotatingLog(path, max_bytes)
            try:
                handler.emit(logging.makeLogRecord({"msg": line}))
            finally:
                handler.close()
    except OSError as exc:
        logger.warning("Impossible d’enregistrer la recherche sans résultat dans %s : %s", path, exc)


class _RotatingLog(logging.handlers.RotatingFileHandler):
    """The log file with one backup; its errors reach the caller instead of being printed."""

    def __init__(self, path: Path, max_bytes: int) -> None:
        super().__init__(path, maxBytes=max_bytes, backupCount=1, encoding="utf-8", delay=True)
        self.rotator = _rotate

    def handleError(self, record: logging.LogRecord) -> None:
        raise  # called inside the handler's `except`: the error goes to `record`, which logs it


def _create_private(name: str) -> None:
    """Create the log file, if absent, readable by its owner only (the handler then appends to it)."""
    os.close(os.open(name, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600))


def _rotate(source: str, dest: str) -> None:
    os.replace(source, dest)
    _create_private(source)


def _backup(path: Path) -> Path:
    return path.with_name(path.name + ".1")


def _entries(path: Path) -> Iterator[dict[str, Any]]:
    for file in (_backup(path), path):
        try:
            with open(file, encoding="utf-8", errors="replace") as fh:
                for raw in fh:
                    try:
                        entry = json.loads(raw)
                        entry["when"] = datetime.fromisoformat(entry["t"])
                    except (ValueError, KeyError, TypeError):
                        continue  # a line cut by a crash or edited by hand
                    if isinstance(entry.get("q"), str) and entry["when"].tzinfo is not None:
                        yield entry
        except FileNotFoundError:
            continue
        except OSError as exc:
            logger.warning("Journal des recherches illisible (%s) : %s", file, exc)


def top_zero_queries(
    path: Path, days: int = DAYS, limit: int = TOP, now: datetime | None = None
) -> list[dict[str, Any]]:
    """The most frequent zero-result queries of the last `days` days: ``[{"query", "count", "last"}]``.

    Sorted by count, then most recent first, then alphabetically; `last` is a timezone-aware datetime.
    """
    since = (now or datetime.now(UTC)) - timedelta(days=days)
    counts: dict[str, dict[str, Any]] = {}
    for entry in _entries(path):
        if entry["when"] < since:
            continue
        item = counts.setdefault(entry["q"], {"query": entry["q"], "count": 0, "last": entry["when"]})
        item["count"] += 1
        item["last"] = max(item["last"], entry["when"])
    ranked = sorted(counts.values(), key=lambda i: i["query"])
    ranked.sort(key=lambda i: (i["count"], i["last"]), reverse=True)
    return ranked[:limit]


def note(params: Any, result: dict[str, Any]) -> None:
    """Log the search of the current request if it found nothing (called by the page and the API)."""
    if not params.q or result.get("total") or params.page != 1:
        return
    if params.has_filters():
        return
    from flask import current_app

    record(log_path(current_app.config["SETTINGS"].index), params.q)
