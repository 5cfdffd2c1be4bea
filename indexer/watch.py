"""``python -m indexer update --watch``: update the index when corpus files appear, change or disappear.

Polling, no extra dependency: every `interval` seconds the corpus is scanned (paths, sizes, modification
times), with the documentalist's `catalogue.csv`, which an update applies like a changed file. (The corpus's
`vocabulaire.tsv` is read by the search app at query time and `sources.toml` by `sync`: neither changes the
index, so neither is watched.) A change is not acted on at once: the update waits until the corpus has not
changed for `debounce` seconds, so that a folder being copied (or a large PDF being written) is indexed once,
whole. The first scan counts as a change, so the watch starts by bringing the index up to date.

An update that cannot run (index locked by another build or update, corpus missing) is retried at the next
change of the corpus, or after `retry` seconds without one. Ctrl-C (or SIGTERM) stops the watch cleanly; a build
or update interrupted that way leaves the previous index in place.

The decision logic (`Watcher.step`) takes the time as an argument and the scan and update as functions,
so that tests drive it with a fake clock and no sleep.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from indexer.config import Settings
from indexer.errors import IndexerError

logger = logging.getLogger(__name__)

Snapshot = Mapping[str, Any]


@dataclass
class StepResult:
    """What one step did: ``idle``, ``changed`` (a change seen, waiting for calm), ``updated``, ``failed`` (the
    update could not run) or ``scan_failed`` (the corpus could not be read; reported once until it changes)."""

    event: str
    message: str = ""


class Watcher:
    """The debounce state machine; `step(now)` scans once and updates when the corpus has settled."""

    def __init__(
        self,
        scan: Callable[[], Snapshot],
        update: Callable[[], dict[str, Any]],
        debounce: float = 5.0,
        retry: float = 30.0,
    ) -> None:
        self.scan = scan
        self.update = update
        self.debounce = debounce
        self.retry = retry
        self.seen: Snapshot | None = None  # the last scan
        self.indexed: Snapshot | None = None  # the scan the last successful update started from
        self.changed_at: float | None = None  # when `seen` last changed (None: nothing pending)
        self.failed_at: float | None = None  # when the last update failed (None: it did not)
        self.scan_error: str | None = None

    def step(self, now: float) -> StepResult:
        """Scan, note a change, and update once the corpus has been stable for `debounce` seconds."""
        try:
            snapshot = dict(self.scan())
        except (IndexerError, OSError) as exc:
            message = str(exc)
            first = message != self.scan_error
            self.scan_error = message
            return StepResult("scan_failed", message) if first else StepResult("idle")
        self.scan_error = None
        if snapshot != self.seen:
            self.seen = snapshot
            self.changed_at = now
            self.failed_at = None  # a change retries at once (after the debounce)
            if snapshot == self.indexed:
                self.changed_at = None  # changed back to what is indexed (e.g. a file touched and restored)
                return StepResult("idle")
            return StepResult("changed")
        if self.changed_at is None:
            return StepResult("idle")
        if now - self.changed_at < self.debounce:
            return StepResult("idle")
        if self.failed_at is not None and now - self.failed_at < self.retry:
            return StepResult("idle")
        started_from = self.seen
        try:
            summary = self.update()
        except (IndexerError, OSError) as exc:
            self.failed_at = now
            return StepResult("failed", str(exc))
        except Exception as exc:  # a bug on one file set must not end a long-running watch
            logger.exception("Échec inattendu de la mise à jour")
            self.failed_at = now
            return StepResult("failed", f"erreur inattendue ({type(exc).__name__} : {exc})")
        self.indexed = started_from
        self.changed_at = None
        self.failed_at = None
        return StepResult("updated", describe(summary))


def describe(summary: dict[str, Any]) -> str:
    """One line for a finished update, with the time; failed files follow on their own lines."""
    verb = "Construction" if summary.get("mode") == "build" else "Mise à jour"
    line = (
        f"{datetime.now():%H:%M:%S} {verb} : {summary.get('added', 0)} ajouté(s), "
        f"{summary.get('updated', 0)} modifié(s), {summary.get('removed', 0)} supprimé(s), "
        f"{summary.get('failed', 0)} en échec ({_decimal(summary.get('duration_s', 0.0), '.1f')} s)."
    )
    for failure in summary.get("failed_paths") or []:
        line += f"\n  échec : {failure['path']} — {failure['reason']}"
    return line


def _decimal(value: float, spec: str = "g") -> str:
    """A number with a French decimal comma."""
    return format(value, spec).replace(".", ",")


def run_watch(
    watcher: Watcher,
    interval: float = 2.0,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    out: Callable[[str], None] = print,
    max_steps: int | None = None,
) -> int:
    """Step the watcher every `interval` seconds until Ctrl-C (or `max_steps`); returns the number of updates."""
    updates = steps = 0
    try:
        while max_steps is None or steps < max_steps:
            result = watcher.step(clock())
            steps += 1
            if result.event == "updated":
                updates += 1
                out(result.message)
            elif result.event == "failed":
                out(f"{datetime.now():%H:%M:%S} Mise à jour impossible : {result.message} — nouvel essai à la "
                    f"prochaine modification du corpus, ou dans {_decimal(watcher.retry)} s.")  # fmt: skip
            elif result.event == "scan_failed":
                out(f"{datetime.now():%H:%M:%S} Corpus illisible : {result.message}")
            sleep(interval)
    except KeyboardInterrupt:
        out("Surveillance arrêtée.")
    return updates


def corpus_snapshot(corpus: Path) -> dict[str, Any]:
    """What the watch compares between scans: every indexable file, and the catalogue (size, modification)."""
    from indexer.catalogue import CATALOGUE_NAME
    from indexer.corpus import scan_corpus

    snapshot: dict[str, Any] = dict(scan_corpus(corpus)[0])
    try:
        st = (corpus / CATALOGUE_NAME).stat()
    except FileNotFoundError:
        return snapshot
    snapshot[CATALOGUE_NAME] = (st.st_size, st.st_mtime_ns)
    return snapshot


def watch(settings: Settings, interval: float = 2.0, debounce: float = 5.0, wait: float = 0.0) -> int:
    """Watch `settings.corpus` and update `settings.index` after changes (the CLI's ``update --watch``)."""
    from indexer.update import update_index

    def scan() -> Snapshot:
        return corpus_snapshot(settings.corpus)

    def update() -> dict[str, Any]:
        return update_index(settings, wait=wait).summary()

    print(
        f"Surveillance de {settings.corpus} (toutes les {_decimal(interval)} s, mise à jour après "
        f"{_decimal(debounce)} s sans changement). Ctrl-C pour arrêter.",
        flush=True,
    )
    previous = signal.signal(signal.SIGTERM, _interrupt)  # a service manager's stop is a Ctrl-C too
    try:
        return run_watch(Watcher(scan, update, debounce=debounce), interval, out=lambda line: print(line, flush=True))
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt
