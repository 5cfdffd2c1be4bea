"""Finding the corpus files, and extracting many of them in worker processes with a cache by content hash.

Each worker reads a file, hashes it, and returns the cached extraction when that content was already
extracted by the same extractor version; otherwise it extracts under a time limit and fills the cache.
A failure is returned as a value (`Failure`), never raised: one bad file never stops a batch.

Worker processes are watched one by one (`_WorkerPool`): each has its own pipe, so the batch always knows
which file a worker holds. A worker that dies (killed by the OS, a crash in C code, `os._exit`) costs only
the file it was reading, reported with the reason; a worker that neither finishes nor obeys its SIGALRM
time limit is killed after the grace period. Either way a fresh worker takes over the rest of the queue.
Each worker runs under an address-space cap (RLIMIT_AS), so a file that needs too much memory fails alone
with a `MemoryError` (or at worst kills its own worker) instead of bringing the machine down.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import logging
import multiprocessing
import os
import queue
import signal
import stat
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as wait_for
from pathlib import Path
from typing import Any

from indexer import extract, schema
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


OUTSIDE_LINK_REASON = "lien symbolique vers l’extérieur du corpus"
BAD_NAME_REASON = "nom de fichier illisible (octets non UTF-8) : renommez le fichier"
SAVED_PAGE_REASON = "ressources d’une page web enregistrée complète (« {page} ») : dossier non indexé"
# A browser's « Page web complète » save writes `page.html` and its styles, scripts, images and embedded
# players in `page_files/` (`page_fichiers/` in some French browsers): parts of the page, not documents.
SAVED_PAGE_SUFFIXES = ("_files", "_fichiers")


def _saved_page_of(folder: str, filenames: set[str]) -> str | None:
    """The saved page (`x.html`) whose resources folder `folder` is (`x_files`), if any, by name."""
    for suffix in SAVED_PAGE_SUFFIXES:
        if folder.lower().endswith(suffix):
            stem = folder[: -len(suffix)]
            return next(
                (n for n in sorted(filenames) if n.rsplit(".", 1)[0] == stem and extract.format_of(n) == "html"), None
            )
    return None


def scan_corpus(corpus: Path) -> tuple[dict[str, FileInfo], list[Skipped]]:
    """Every indexable file under `corpus`, recursively, by corpus-relative POSIX path; and what was skipped.

    Extensions are matched case-insensitively. Hidden files and folders are ignored silently. Reported as
    skipped, with a French reason: unsupported formats (except `catalogue.csv`), symbolic links leading
    outside the corpus (files and folders), links to folders inside it (not followed: a loop or a second
    copy of the same files), names that are not valid UTF-8, special files (pipes, devices) and files
    that cannot be examined. A file's path is its name exactly as on disk (no Unicode normalisation).
    """
    if not corpus.is_dir():
        raise CorpusNotFoundError(f"Dossier du corpus introuvable : {corpus}")
    root = corpus.resolve()
    found: dict[str, FileInfo] = {}
    skipped: list[Skipped] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        kept = []
        names = set(filenames)
        for name in sorted(dirnames):
            if name.startswith("."):
                continue
            full = Path(dirpath, name)
            page = _saved_page_of(name, names)
            if page is not None:
                skipped.append(
                    Skipped(_printable(full.relative_to(root).as_posix()), SAVED_PAGE_REASON.format(page=page))
                )
                continue
            if full.is_symlink():
                rel = _printable(full.relative_to(root).as_posix())
                inside = Path(os.path.realpath(full)).is_relative_to(root)
                reason = "lien symbolique vers un dossier : non suivi" if inside else OUTSIDE_LINK_REASON
                skipped.append(Skipped(rel, reason))
                continue
            kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            full = Path(dirpath, name)
            rel = full.relative_to(root).as_posix()
            if not _is_utf8(rel):
                skipped.append(Skipped(_printable(rel), BAD_NAME_REASON))
                continue
            if extract.format_of(rel) is None:
                if rel != "catalogue.csv":
                    skipped.append(Skipped(rel, extract.unsupported_reason(rel)))
                continue
            try:
                if full.is_symlink() and not Path(os.path.realpath(full)).is_relative_to(root):
                    skipped.append(Skipped(rel, OUTSIDE_LINK_REASON))
                    continue
                st = full.stat()
            except OSError as exc:
                reason = "lien symbolique cassé" if full.is_symlink() else f"fichier illisible ({exc.strerror or exc})"
                skipped.append(Skipped(rel, reason))
                continue
            if not stat.S_ISREG(st.st_mode):
                skipped.append(Skipped(rel, "pas un fichier ordinaire (tube, périphérique…)"))
                continue
            found[rel] = FileInfo(rel, st.st_size, st.st_mtime)
    return found, skipped


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes, kept by os.fsdecode as lone surrogates
        return False
    return True


def _printable(name: str) -> str:
    """A name as text that can be stored and shown (undecodable bytes as U+FFFD)."""
    return os.fsencode(name).decode("utf-8", errors="replace")


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


def _worker_init(parent: int | None = None) -> None:
    """In each extraction worker: die with the parent (Linux), so that a killed run leaves no orphan.

    Sibling workers hold each other's pipe ends, so an orphaned worker would otherwise wait forever.
    `parent` is the pid of the process that started the worker (the parent may itself be pid 1 in a container).
    """
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != (parent or os.getppid()):  # the parent died before the call above took effect
            os._exit(1)
    except (OSError, AttributeError):  # not Linux: the worker only outlives a parent killed with SIGKILL
        pass


def _read_file(root: Path, info: FileInfo, settings: Settings) -> bytes | Failure:
    """The bytes of a corpus file, read safely: inside the corpus, a regular file, at most its size limit.

    Checked again at read time (the scan may be minutes old): a file replaced by a link leading outside,
    by a named pipe (which would block a plain read forever) or grown past its limit is refused.
    """

    def failure(reason: str) -> Failure:
        return Failure(info.path, reason, size=info.size, mtime=info.mtime)

    real = Path(os.path.realpath(root / info.path))
    if not real.is_relative_to(root):
        return failure(OUTSIDE_LINK_REASON)
    limit = extract.size_limit(info.path, settings) or int(settings.max_file_mb * 1024 * 1024)
    try:
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        with open(fd, "rb", closefd=True) as handle:
            st = os.fstat(handle.fileno())
            if not stat.S_ISREG(st.st_mode):
                return failure("pas un fichier ordinaire (tube, périphérique…)")
            if st.st_size > limit:
                return failure(extract.too_large_reason(st.st_size, info.path, settings))
            data = handle.read(limit + 1)
    except FileNotFoundError:
        return failure("fichier introuvable (supprimé pendant l’indexation ?)")
    except OSError as exc:
        return failure(f"fichier illisible ({exc.strerror or exc})")
    if len(data) > limit:  # it grew since the fstat
        return failure(extract.too_large_reason(len(data), info.path, settings))
    return data


def extract_one(
    corpus: Path, info: FileInfo, settings: Settings, cache_dir: Path | None, analyse: bool = False
) -> Document | Failure:
    """Extract one file (in a worker process): from the cache when possible, under a time limit.

    With `analyse`, the document also carries its text already analysed for the index (`pre_analyse`).
    """
    doc = _extract_one(corpus, info, settings, cache_dir)
    if analyse and isinstance(doc, Document):
        _pre_analyse(doc)
    return doc


def _pre_analyse(doc: Document) -> None:
    """Attach the analysed text to `doc`; on any error leave it to the writer, which analyses it itself."""
    try:
        doc.analysed = schema.pre_analyse(doc)
    except Exception as exc:  # MemoryError under the worker's cap included: the writer will try again
        logger.warning("Analyse anticipée impossible pour %s (%s) : faite à l’écriture", doc.path, exc)
        doc.analysed = None


def _extract_one(corpus: Path, info: FileInfo, settings: Settings, cache_dir: Path | None) -> Document | Failure:
    data = _read_file(corpus.resolve(), info, settings)
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
    if cache:
        cache.put(doc)
    return doc


MEMORY_REASON = "mémoire insuffisante pour lire ce fichier"


def timeout_reason(settings: Settings) -> str:
    """« extraction trop longue (plus de 120 s) »."""
    seconds = f"{settings.extraction_timeout:g}".replace(".", ",")
    return f"extraction trop longue (plus de {seconds} s)"


def extract_many(
    corpus: Path,
    files: Iterable[FileInfo],
    settings: Settings,
    cache_dir: Path | None,
    on_done: Callable[[Document | Failure], None] | None = None,
    analyse: bool = False,
) -> Iterator[Document | Failure]:
    """Extract `files` in `settings.workers` watched processes (0: in this process); yields as they finish.

    Every file gives exactly one result, a `Document` or a `Failure`, whatever happens to the workers. With
    `analyse`, the workers also analyse each document's text for the index (see `extract_one`).
    """
    files = list(files)
    if not files:
        return
    if settings.workers <= 0:
        for info in files:
            result = extract_one(corpus, info, settings, cache_dir, analyse)
            if on_done:
                on_done(result)
            yield result
        return
    pool = _WorkerPool(min(settings.workers, len(files)), corpus, settings, cache_dir, analyse)
    feed = _Feed(pool, files, depth=2 * len(pool.slots))
    try:
        for result in feed:
            if on_done:
                on_done(result)
            yield result
    finally:
        feed.stop()
        pool.close()


class _Raised:
    """An exception of the feeding thread, handed to the consumer to raise."""

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


class _Feed:
    """The pool driven by a thread of its own, its results handed over through a short queue.

    The consumer of `extract_many` (the index writer) takes a while with each document; driven from the
    consumer's own loop, the pool handed a worker its next file only once the previous document was written,
    and the workers sat idle half the time (a 100,000-document build: 45 % of a core each). The thread keeps
    them busy; the queue bounds how many extracted documents wait in memory.
    """

    _END = object()

    def __init__(self, pool: _WorkerPool, files: list[FileInfo], depth: int) -> None:
        self.pool = pool
        self.results: queue.Queue[Any] = queue.Queue(maxsize=max(1, depth))
        self.stopping = pool.stopping
        self.thread = threading.Thread(target=self._produce, args=(files,), name="crpv-extraction", daemon=True)
        self.thread.start()

    def _put(self, item: Any) -> bool:
        while not self.stopping.is_set():
            try:
                self.results.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self, files: list[FileInfo]) -> None:
        try:
            for result in self.pool.run(files):
                if not self._put(result):
                    return
        except BaseException as exc:  # handed over: the consumer raises it
            self._put(_Raised(exc))
            return
        self._put(self._END)

    def __iter__(self) -> Iterator[Document | Failure]:
        while True:
            item = self.results.get()
            if item is self._END:
                return
            if isinstance(item, _Raised):
                raise item.exc
            yield item

    def stop(self) -> None:
        """Stop feeding (the batch is done or abandoned) and wait for the thread."""
        self.stopping.set()
        while self.thread.is_alive():  # abandoned: the thread may be waiting on a worker no longer needed
            for worker in list(self.pool.slots):
                if worker is not None and worker.task is not None and worker.process.is_alive():
                    worker.process.kill()
            self.thread.join(timeout=0.5)


# ---------------------------------------------------------------------------------------------------------
# Watched worker processes


@dataclass
class _Worker:
    process: Any  # multiprocessing.Process (fork context)
    conn: Connection
    task: FileInfo | None = None  # the file being extracted
    started: float = 0.0
    queued: FileInfo | None = None  # the next one, already sent: the worker starts it as soon as it answers


def _worker_main(
    conn: Connection,
    inherited: list[Connection],
    parent: int,
    corpus: Path,
    settings: Settings,
    cache_dir: Path | None,
    analyse: bool = False,
) -> None:
    """A worker's loop: receive a `FileInfo`, send back its `Document` or `Failure`; stop on None or EOF."""
    _worker_init(parent)
    for other in inherited:  # the parent's ends of this and older workers' pipes, copied by fork
        other.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops the workers
    _limit_memory(settings.max_worker_memory_mb)
    while True:
        try:
            info = conn.recv()
        except (EOFError, OSError):
            return
        if info is None:
            return
        result = extract_one(corpus, info, settings, cache_dir, analyse)
        _send(conn, info, result)


def _send(conn: Connection, info: FileInfo, result: Document | Failure) -> None:
    """Send a result; under the memory cap, a huge document goes without its analysis, or fails alone."""
    try:
        conn.send(result)
        return
    except MemoryError:
        pass
    if isinstance(result, Document) and result.analysed is not None:
        result.analysed = None  # the writer analyses it itself
        try:
            conn.send(result)
            return
        except MemoryError:
            pass
    conn.send(Failure(info.path, MEMORY_REASON, getattr(result, "content_hash", ""), info.size, info.mtime))


def _limit_memory(megabytes: int) -> None:
    """Cap this process's address space (RLIMIT_AS) at `megabytes`, but never below what it already uses."""
    if megabytes <= 0:
        return
    try:
        import resource
    except ImportError:  # not POSIX
        return
    wanted = megabytes * 1024 * 1024
    current = _address_space()
    if current + 256 * 1024 * 1024 > wanted:
        logger.warning(
            "Plafond mémoire des processus d’extraction (%d Mo) trop bas : %d Mo déjà utilisés, plafond porté à %d Mo",
            megabytes,
            current // (1024 * 1024),
            (current + 256 * 1024 * 1024) // (1024 * 1024),
        )
        wanted = current + 256 * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
    except (ValueError, OSError) as exc:
        logger.warning("Impossible de plafonner la mémoire du processus d’extraction : %s", exc)


def _address_space() -> int:
    """This process's current address-space size in bytes (VmSize), 0 when unknown."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _death_reason(exitcode: int | None) -> str:
    if exitcode == -signal.SIGKILL:
        return "le processus d’extraction a été tué par le système (mémoire épuisée ?)"
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = str(-exitcode)
        return f"le processus d’extraction s’est arrêté brutalement (signal {name})"
    return f"le processus d’extraction s’est arrêté brutalement (code {exitcode})"


class _WorkerPool:
    """`size` worker processes, each fed one file at a time through its own pipe, and watched.

    A dead worker is reported for its file only and replaced; a worker past its time limit plus the grace
    period (a loop in C code that SIGALRM cannot interrupt) is killed and replaced.
    """

    def __init__(
        self, size: int, corpus: Path, settings: Settings, cache_dir: Path | None, analyse: bool = False
    ) -> None:
        self.context = multiprocessing.get_context("fork")  # workers share the parent's loaded modules
        self.analyse = analyse
        self.corpus = corpus
        self.settings = settings
        self.cache_dir = cache_dir
        self.slots: list[_Worker | None] = [None] * max(1, size)
        self.stopping = threading.Event()  # set when the batch is abandoned: `run` hands out no more files
        timeout = settings.extraction_timeout
        self.deadline = timeout + max(0.0, settings.extraction_grace) if timeout > 0 else None

    def _spawn(self) -> _Worker:
        parent_end, child_end = self.context.Pipe(duplex=True)
        inherited = [w.conn for w in self.slots if w is not None] + [parent_end]
        process = self.context.Process(
            target=_worker_main,
            args=(child_end, inherited, os.getpid(), self.corpus, self.settings, self.cache_dir, self.analyse),
            name="crpv-extraction",
            daemon=True,
        )
        process.start()
        child_end.close()
        return _Worker(process, parent_end)

    def _discard(self, slot: int, kill: bool = False) -> None:
        worker = self.slots[slot]
        self.slots[slot] = None
        if worker is None:
            return
        if kill and worker.process.is_alive():
            worker.process.kill()
        worker.process.join(timeout=5)
        worker.conn.close()

    def _assign(self, pending: deque[FileInfo]) -> None:
        """Give every worker a file to extract, and the next one too.

        Without the second file, a worker that has sent its result waits for the parent to read it and answer
        with another file; the parent, busy writing the index, takes a while: at 100,000 documents each worker
        sat idle about a third of the time.
        """
        for slot, worker in enumerate(self.slots):
            if not pending:
                return
            if worker is not None and worker.task is not None:
                continue
            if worker is None or not worker.process.is_alive():
                self._discard(slot)
                worker = self.slots[slot] = self._spawn()
            info = pending.popleft()
            try:
                worker.conn.send(info)
            except OSError:  # died while idle: try again with a fresh worker
                pending.appendleft(info)
                self._discard(slot, kill=True)
                continue
            worker.task, worker.started = info, time.monotonic()
        for worker in self.slots:
            if not pending:
                return
            if worker is None or worker.task is None or worker.queued is not None:
                continue
            info = pending.popleft()
            try:
                worker.conn.send(info)
            except OSError:  # dying: its current file tells how (see `_collect`)
                pending.appendleft(info)
                continue
            worker.queued = info

    def _collect(self, slot: int, pending: deque[FileInfo]) -> Document | Failure:
        """The result of the worker in `slot`, or a `Failure` for its file if it died (the file it had been
        sent next goes back to `pending`)."""
        worker = self.slots[slot]
        assert worker is not None and worker.task is not None
        info = worker.task
        try:
            if worker.conn.poll():
                result = worker.conn.recv()
                worker.task, worker.queued = worker.queued, None
                worker.started = time.monotonic()
                return result
        except Exception as exc:  # EOF or a message cut short: the worker died while answering
            logger.debug("réponse illisible du processus d’extraction : %s", exc)
        worker.process.join(timeout=5)
        exitcode = worker.process.exitcode
        self._requeue(worker, pending)
        self._discard(slot, kill=True)
        reason = _death_reason(exitcode)
        logger.error("Extraction de %s : %s", info.path, reason)
        return Failure(info.path, reason, "", info.size, info.mtime)

    @staticmethod
    def _requeue(worker: _Worker, pending: deque[FileInfo]) -> None:
        if worker.queued is not None:
            pending.appendleft(worker.queued)
            worker.queued = None

    def run(self, files: Iterable[FileInfo]) -> Iterator[Document | Failure]:
        """Yield one result per file, in the order they finish."""
        pending = deque(files)
        while not self.stopping.is_set():
            self._assign(pending)
            busy = [(slot, w) for slot, w in enumerate(self.slots) if w is not None and w.task is not None]
            if not busy:
                if pending:
                    continue
                return
            wait_s = None
            if self.deadline is not None:
                now = time.monotonic()
                wait_s = max(0.0, min(w.started + self.deadline - now for _, w in busy))
            ready = set(wait_for([w.conn for _, w in busy] + [w.process.sentinel for _, w in busy], wait_s))
            now = time.monotonic()
            for slot, worker in busy:
                if worker.conn in ready or worker.process.sentinel in ready:
                    yield self._collect(slot, pending)
                elif self.deadline is not None and now - worker.started >= self.deadline:
                    info = worker.task
                    assert info is not None
                    self._requeue(worker, pending)
                    self._discard(slot, kill=True)
                    reason = timeout_reason(self.settings) + " : processus arrêté"
                    logger.error("Extraction de %s : %s", info.path, reason)
                    yield Failure(info.path, reason, "", info.size, info.mtime)

    def close(self) -> None:
        """Stop every worker: idle ones are asked to exit, busy ones (an abandoned batch) are killed."""
        for worker in self.slots:
            if worker is not None and worker.task is None:
                with contextlib.suppress(OSError):
                    worker.conn.send(None)
        for slot, worker in enumerate(self.slots):
            if worker is None:
                continue
            if worker.task is None:
                worker.process.join(timeout=2)
            self._discard(slot, kill=True)
