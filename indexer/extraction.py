"""Extracting one corpus file safely: read, hashed, taken from the extraction cache or extracted under a time
limit, and optionally analysed for the index. A failure is returned as a value (`Failure`), never raised.

Extracted documents are cached on disk by content hash and extractor version, so that a rebuild or an update
re-extracts only files whose content changed.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from indexer import extract
from indexer.config import Settings
from indexer.corpus import Failure, FileInfo, read_file
from indexer.document import Document
from indexer.errors import ExtractionError, ExtractionTimeoutError

logger = logging.getLogger(__name__)


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


# What a build asks the workers to compute from each extracted document (`indexer.schema.pre_analyse`): the
# result travels with the document as `Document.analysed`. Passed in, so that extraction knows nothing of the index.
Analyse = Callable[[Document], Any]


def extract_one(
    corpus: Path, info: FileInfo, settings: Settings, cache_dir: Path | None, analyse: Analyse | None = None
) -> Document | Failure:
    """Extract one file (in a worker process): from the cache when possible, under a time limit.

    With `analyse`, the document also carries what it returns (`Document.analysed`).
    """
    doc = _extract_one(corpus, info, settings, cache_dir)
    if analyse is not None and isinstance(doc, Document):
        _pre_analyse(doc, analyse)
    return doc


def _pre_analyse(doc: Document, analyse: Analyse) -> None:
    """Attach the analysed text to `doc`; on any error leave it to the writer, which analyses it itself."""
    try:
        doc.analysed = analyse(doc)
    except Exception as exc:  # MemoryError under the worker's cap included: the writer will try again
        logger.warning("Analyse anticipée impossible pour %s (%s) : faite à l’écriture", doc.path, exc)
        doc.analysed = None


def _extract_one(corpus: Path, info: FileInfo, settings: Settings, cache_dir: Path | None) -> Document | Failure:
    data = read_file(corpus.resolve(), info, settings)
    if isinstance(data, Failure):
        return data
    content_hash = hashlib.sha256(data).hexdigest()
    cache = ExtractionCache(cache_dir) if cache_dir else None
    if cache:
        cached = cache.get(content_hash)
        if cached is not None:
            cached.path, cached.size, cached.mtime = info.path, info.size, info.mtime
            extract.cap_text(cached, settings)
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
        err = ExtractionTimeoutError(info.path, timeout_reason(settings))
        return Failure(info.path, err.reason, content_hash, info.size, info.mtime)
    except ExtractionError as exc:
        return Failure(info.path, exc.reason, content_hash, info.size, info.mtime)
    except MemoryError:
        return Failure(info.path, MEMORY_REASON, content_hash, info.size, info.mtime)
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
    if cache and extract.cacheable(doc):  # not when OCR did not run: the next build that can runs it
        cache.put(doc)
    return doc


MEMORY_REASON = "mémoire insuffisante pour lire ce fichier"


def timeout_reason(settings: Settings) -> str:
    """« extraction trop longue (plus de 120 s) »."""
    seconds = f"{settings.extraction_timeout:g}".replace(".", ",")
    return f"extraction trop longue (plus de {seconds} s)"
