"""Finding the corpus files, and extracting many of them in worker processes with a cache by content hash.

Each worker reads a file, hashes it, and returns the cached extraction when that content was already
extracted by the same extractor version; otherwise it extracts under a time limit and fills the cache.
A failure is returned as a value (`Failure`), never raised: one bad file never stops a batch.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import signal
import stat
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from indexer import extract
from indexer.config import Settings
from indexer.document import Document
from indexer.errors import CorpusNotFoundError, ExtractionError, ExtractionTimeoutError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FileInfo:
    """A corpus file as seen by a scan: its corpus-relative path, size and modification time."""

    path: str
    size: int
    mtime: float


@dataclass(frozen=True)
class Failure:
    """A file that could not be indexed, with a reason a documentalist understands (French)."""

    path: str
    reason: str
    content_hash: str = ""
    size: int = 0
    mtime: float = 0.0


@dataclass(frozen=True)
class Skipped:
    """A file of the corpus folder that is not indexed on purpose (unsupported format, link outside…)."""

    path: str
    reason: str


def scan_corpus(corpus: Path) -> tuple[dict[str, FileInfo], list[Skipped]]:
    """Every indexable file under `corpus`, recursively, by corpus-relative POSIX path.

    Extensions are matched case-insensitively. Hidden files and folders are ignored; symbolic links
    are followed only when they stay inside the corpus.
    """
    if not corpus.is_dir():
        raise CorpusNotFoundError(f"Dossier du corpus introuvable : {corpus}")
    root = corpus.resolve()
    found: dict[str, FileInfo] = {}
    skipped: list[Skipped] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            full = Path(dirpath, name)
            rel = full.relative_to(root).as_posix()
            suffix = Path(name).suffix.lower()
            if suffix not in extract.SUPPORTED_SUFFIXES:
                if name != "catalogue.csv":
                    skipped.append(Skipped(rel, "format non pris en charge"))
                continue
            try:
                if full.is_symlink():
                    target = full.resolve()
                    if not target.is_relative_to(root):
                        skipped.append(Skipped(rel, "lien symbolique vers l’extérieur du corpus"))
                        continue
                st = full.stat()
            except OSError as exc:
                skipped.append(Skipped(rel, f"fichier illisible ({exc.strerror or exc})"))
                continue
            if not stat.S_ISREG(st.st_mode):
                continue
            found[rel] = FileInfo(rel, st.st_size, st.st_mtime)
    return found, skipped


class ExtractionCache:
    """Extracted documents on disk, keyed by content hash and extractor version (gzip JSON files)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _file(self, content_hash: str) -> Path:
        return self.folder / content_hash[:2] / f"{content_hash}-{extract.EXTRACTOR_VERSION}.json.gz"

    def get(self, content_hash: str) -> Document | None:
        """The cached extraction of that content, or None."""
        try:
            with gzip.open(self._file(content_hash), "rt", encoding="utf-8") as fh:
                return Document.from_dict(json.load(fh))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError, EOFError) as exc:
            logger.warning("Cache d’extraction illisible pour %s : %s", content_hash, exc)
            return None

    def put(self, doc: Document) -> None:
        """Store an extraction (atomically: a reader never sees half a file)."""
        target = self._file(doc.content_hash)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            with gzip.open(tmp, "wt", encoding="utf-8", compresslevel=3) as fh:
                json.dump(doc.to_dict(), fh, ensure_ascii=False)
            os.replace(tmp, target)
        except OSError as exc:  # a full disk must not fail the file: the cache is only a cache
            logger.warning("Impossible d’écrire le cache d’extraction : %s", exc)


def _alarm(signum: int, frame: Any) -> None:
    raise TimeoutError


def _worker_init() -> None:
    """In each extraction worker: die with the parent (Linux), so that a killed run leaves no orphan.

    Sibling workers hold each other's pipe ends, so an orphaned worker would otherwise wait forever.
    """
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
        if os.getppid() == 1:  # the parent died before the call above took effect
            os._exit(1)
    except (OSError, AttributeError):  # not Linux: the worker only outlives a parent killed with SIGKILL
        pass


def extract_one(corpus: Path, info: FileInfo, settings: Settings, cache_dir: Path | None) -> Document | Failure:
    """Extract one file (in a worker process): from the cache when possible, under a time limit."""
    full = corpus / info.path
    try:
        data = full.read_bytes()
    except OSError as exc:
        return Failure(info.path, f"fichier illisible ({exc.strerror or exc})", size=info.size, mtime=info.mtime)
    content_hash = hashlib.sha256(data).hexdigest()
    cache = ExtractionCache(cache_dir) if cache_dir else None
    if cache:
        cached = cache.get(content_hash)
        if cached is not None:
            cached.path, cached.size, cached.mtime = info.path, info.size, info.mtime
            return cached
    use_alarm = (
        settings.extraction_timeout > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()  # signals are for the main thread only
    )
    if use_alarm:
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, settings.extraction_timeout)
    try:
        doc = extract.extract_data(data, info.path, settings)
    except TimeoutError:
        err = ExtractionTimeoutError(info.path, f"extraction trop longue (plus de {settings.extraction_timeout:g} s)")
        return Failure(info.path, err.reason, content_hash, info.size, info.mtime)
    except ExtractionError as exc:
        return Failure(info.path, exc.reason, content_hash, info.size, info.mtime)
    except MemoryError:
        return Failure(info.path, "mémoire insuffisante pour lire ce fichier", content_hash, info.size, info.mtime)
    except RecursionError:
        return Failure(info.path, "structure trop profonde pour être lue", content_hash, info.size, info.mtime)
    except Exception as exc:  # an extractor bug must not stop the batch: report it with its cause
        logger.exception("Erreur inattendue sur %s", info.path)
        return Failure(
            info.path,
            f"erreur inattendue à l’extraction ({type(exc).__name__})",
            content_hash,
            info.size,
            info.mtime,
        )
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    doc.path, doc.size, doc.mtime, doc.content_hash = info.path, info.size, info.mtime, content_hash
    if cache:
        cache.put(doc)
    return doc


def extract_many(
    corpus: Path,
    files: Iterable[FileInfo],
    settings: Settings,
    cache_dir: Path | None,
    on_done: Callable[[Document | Failure], None] | None = None,
) -> Iterator[Document | Failure]:
    """Extract `files` with `settings.workers` processes (in this process when 1); yields as they finish."""
    files = list(files)
    if settings.workers <= 1 or len(files) < 4:
        for info in files:
            result = extract_one(corpus, info, settings, cache_dir)
            if on_done:
                on_done(result)
            yield result
        return
    with ProcessPoolExecutor(max_workers=settings.workers, initializer=_worker_init) as pool:
        pending: dict[Future[Document | Failure], FileInfo] = {}
        queue = iter(files)
        window = settings.workers * 4

        def refill() -> None:
            for info in queue:
                pending[pool.submit(extract_one, corpus, info, settings, cache_dir)] = info
                if len(pending) >= window:
                    break

        refill()
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                info = pending.pop(future)
                try:
                    result = future.result()
                except Exception as exc:  # a worker that died (e.g. killed by the OOM killer)
                    logger.error("Le processus d’extraction de %s s’est arrêté : %s", info.path, exc)
                    result = Failure(info.path, "l’extraction a interrompu son processus", "", info.size, info.mtime)
                if on_done:
                    on_done(result)
                yield result
            refill()
