"""Extracting many files in watched worker processes, their results handed over as they finish.

Worker processes are watched one by one (`_WorkerPool`): each has its own pipe, so the batch always knows
which file a worker holds. A worker that dies (killed by the OS, a crash in C code, `os._exit`) costs only
the file it was reading, reported with the reason; a worker that neither finishes nor obeys its SIGALRM
time limit is killed after the grace period. Either way a fresh worker takes over the rest of the queue.
Each worker runs under an address-space cap (RLIMIT_AS), so a file that needs too much memory fails alone
with a `MemoryError` (or at worst kills its own worker) instead of bringing the machine down.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as wait_for
from pathlib import Path
from typing import Any

from indexer.config import Settings
from indexer.corpus import Failure, FileInfo
from indexer.document import Document
from indexer.extraction import MEMORY_REASON, Analyse, extract_one, timeout_reason
from indexer.worker_process import death_reason, die_with_parent, limit_memory

logger = logging.getLogger(__name__)


def extract_many(
    corpus: Path,
    files: Iterable[FileInfo],
    settings: Settings,
    cache_dir: Path | None,
    on_done: Callable[[Document | Failure], None] | None = None,
    analyse: Analyse | None = None,
) -> Iterator[Document | Failure]:
    """Extract `files` in `settings.workers` watched processes (0: in this process); yields as they finish.

    Every file gives exactly one result, a `Document` or a `Failure`, whatever happens to the workers. With
    `analyse`, the workers also compute it for each document (see `extract_one`).
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
    pool = _WorkerPool(min(settings.workers, len(files)), _Job(corpus, settings, cache_dir, analyse))
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
    and the workers would sit idle while it writes. The thread keeps
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


@dataclass(frozen=True)
class _Job:
    """What every worker of a batch needs: where the files are, the limits, the cache, whether to analyse."""

    corpus: Path
    settings: Settings
    cache_dir: Path | None
    analyse: Analyse | None = None


def _worker_main(conn: Connection, inherited: list[Connection], parent: int, job: _Job) -> None:
    """A worker's loop: receive a `FileInfo`, send back its `Document` or `Failure`; stop on None or EOF."""
    die_with_parent(parent)
    for other in inherited:  # the parent's ends of this and older workers' pipes, copied by fork
        other.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops the workers
    limit_memory(job.settings.max_worker_memory_mb)
    while True:
        try:
            info = conn.recv()
        except (EOFError, OSError):
            return
        if info is None:
            return
        result = extract_one(job.corpus, info, job.settings, job.cache_dir, job.analyse)
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


class _WorkerPool:
    """`size` worker processes, each fed one file at a time through its own pipe, and watched.

    A dead worker is reported for its file only and replaced; a worker past its time limit plus the grace
    period (a loop in C code that SIGALRM cannot interrupt) is killed and replaced.
    """

    def __init__(self, size: int, job: _Job) -> None:
        self.context = multiprocessing.get_context("fork")  # workers share the parent's loaded modules
        self.job = job
        self.settings = settings = job.settings
        self.slots: list[_Worker | None] = [None] * max(1, size)
        self.stopping = threading.Event()  # set when the batch is abandoned: `run` hands out no more files
        timeout = settings.extraction_timeout
        self.deadline = timeout + max(0.0, settings.extraction_grace) if timeout > 0 else None

    def _spawn(self) -> _Worker:
        parent_end, child_end = self.context.Pipe(duplex=True)
        inherited = [w.conn for w in self.slots if w is not None] + [parent_end]
        process = self.context.Process(
            target=_worker_main,
            args=(child_end, inherited, os.getpid(), self.job),
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
        with another file; the parent, busy writing the index, takes a while, and the worker would sit idle.
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
        reason = death_reason(exitcode)
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
