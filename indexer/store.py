"""The index folder: its layout, its lock, the `current` link and its generations, and the last run's report.

Layout::

    index/
      current -> gen-20261129T174501-1234   symbolic link, replaced atomically by a build
      gen-…/                                 the Whoosh index of one build (updates commit into it)
      cache/                                 extracted text by content hash (survives rebuilds)
      last_run.json                          what the last run did
      .lock                                  flock()ed by the running build or update

The kernel releases a `flock` when its process dies, so a lock left by a killed process is never stale.
Whoosh commits are atomic (a new table of contents is renamed into place), and a build only becomes visible
by the final rename of `current`: a process killed at any moment leaves the previous index whole.

This is what the search app imports to open the index; the build path writes through it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index

from indexer.errors import IndexLockedError, IndexMissingError

logger = logging.getLogger(__name__)

CURRENT = "current"
LAST_RUN = "last_run.json"
LOCK = ".lock"
CACHE = "cache"
SCHEMA_VERSION_FILE = "schema_version"
GENERATION_PREFIX = "gen-"


@contextlib.contextmanager
def index_lock(index_root: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold the index lock for a build or update; wait up to `wait` seconds for it, else refuse."""
    index_root.mkdir(parents=True, exist_ok=True)
    fd = os.open(index_root / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexLockedError(
                        "Une autre construction ou mise à jour de l’index est en cours ; réessayez plus tard "
                        "(ou utilisez --wait). / Another build or update is running."
                    ) from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def current_dir(index_root: Path) -> Path:
    """The folder of the live Whoosh index (the target of `current`)."""
    return index_root / CURRENT


def open_index(index_root: Path) -> whoosh_index.Index:
    """Open the live index, with a clear error when there is none."""
    path = current_dir(index_root)
    if not path.exists() or not whoosh_index.exists_in(str(path)):
        raise IndexMissingError(
            f"Aucun index dans {index_root} : lancez d’abord « python -m indexer build ». / No index found."
        )
    try:
        return whoosh_index.open_dir(str(path))
    except Exception as exc:
        raise IndexMissingError(f"Index illisible dans {index_root} ({type(exc).__name__} : {exc}).") from exc


def live_schema_version(index_root: Path) -> int:
    """The schema version of the live index; 0 when there is none or it cannot be read."""
    live = current_dir(index_root)
    if not live.exists() or not whoosh_index.exists_in(str(live)):
        return 0
    try:
        return int((live / SCHEMA_VERSION_FILE).read_text().strip())
    except (OSError, ValueError):
        return 0


def new_generation(index_root: Path, schema_version: int) -> Path:
    """Create an empty generation folder for a build (invisible until `swap_current`)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    gen = index_root / f"{GENERATION_PREFIX}{stamp}-{os.getpid()}-{secrets.token_hex(3)}"
    gen.mkdir(parents=True)
    (gen / SCHEMA_VERSION_FILE).write_text(str(schema_version))
    return gen


def swap_current(index_root: Path, new_gen: Path) -> None:
    """Make `new_gen` the live index, atomically (a rename of the `current` link)."""
    tmp = index_root / f".{CURRENT}.{os.getpid()}.tmp"
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    os.symlink(new_gen.name, tmp)
    os.replace(tmp, index_root / CURRENT)
    _fsync_dir(index_root)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def remove_stale_generations(index_root: Path) -> None:
    """Remove generation folders other than the live one (left by a finished or killed build)."""
    if not index_root.exists():
        return
    live = os.readlink(index_root / CURRENT) if (index_root / CURRENT).is_symlink() else None
    for child in index_root.iterdir():
        if child.name.startswith(GENERATION_PREFIX) and child.name != live:
            shutil.rmtree(child, ignore_errors=True)


def now_iso() -> str:
    """The local time of a run's start, as `last_run.json` records it."""
    return datetime.now(UTC).astimezone().isoformat(timespec="seconds")


@dataclass
class RunReport:
    """What a build or update did."""

    mode: str
    started: str = ""
    duration_s: float = 0.0
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    relinked: list[str] = field(default_factory=list)
    unchanged: int = 0
    timings: dict[str, float] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """Counts and the first paths of each list (what `last_run.json` keeps)."""
        out: dict[str, Any] = {
            "mode": self.mode,
            "when": self.started,
            "duration_s": round(self.duration_s, 3),
        }
        for name in ("added", "updated", "removed", "relinked"):
            values = getattr(self, name)
            out[name] = len(values)
            out[f"{name}_paths"] = values[:100]
        out["failed"] = len(self.failed)
        out["failed_paths"] = self.failed[:100]
        out["skipped"] = len(self.skipped)  # files of the corpus folder not indexed on purpose, with reasons
        out["skipped_paths"] = self.skipped[:1000]
        out["unchanged"] = self.unchanged
        out["timings"] = {k: round(v, 3) for k, v in self.timings.items()}
        return out


def write_last_run(index_root: Path, report: RunReport) -> None:
    """Record what a run did, atomically (the admin page and `status` read it)."""
    tmp = index_root / f".{LAST_RUN}.tmp"
    tmp.write_text(json.dumps(report.summary(), ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, index_root / LAST_RUN)


def read_last_run(index_root: Path) -> dict[str, Any] | None:
    """What the last build or update did, or None."""
    try:
        return json.loads((index_root / LAST_RUN).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
