"""The update the documentalist starts from ``/admin``: one at a time, in a background thread of the server,
which runs `indexer.update.update_index` in a child process (``python -m search_app.update_runner``).

Extraction arms a ``SIGALRM`` time limit per file, which Python allows only in a process's main thread, and a
child also keeps a hostile PDF's memory out of the server. (A plain subprocess rather than multiprocessing: its
"spawn" start method re-runs the parent's main script, which may be the script that started the server.)
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import fields
from datetime import datetime
from pathlib import Path
from typing import Any

from indexer.config import ENV_PREFIX, Settings
from indexer.errors import IndexerError, IndexLockedError

logger = logging.getLogger(__name__)

ALREADY_RUNNING = "Une mise à jour est déjà en cours"


def run_update(settings: Settings) -> dict[str, Any]:
    """Run `update_index` in a child process (``python -m search_app.update_runner``) → the run's summary.

    The child gets the settings as ``CRPV_*`` variables (`Settings.load` reads them back) and answers one JSON
    line on stdout; its log goes to the server's stderr. Raises `IndexLockedError` when the index is locked,
    `IndexerError` when the run could not complete.
    """
    child = subprocess.run(
        [sys.executable, "-m", "search_app.update_runner"],
        env=_child_env(settings),
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    try:
        answer = json.loads(child.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        answer = {}
    if "summary" in answer:
        return answer["summary"]
    if "locked" in answer:
        raise IndexLockedError(answer["locked"])
    if "error" in answer:
        raise IndexerError(answer["error"])
    raise IndexerError(
        f"Le processus de mise à jour s’est arrêté brutalement (code {child.returncode}) ; "
        "l’index précédent reste en place."
    )


def run_sync(settings: Settings) -> dict[str, Any]:
    """Run ``python -m indexer sync --json`` (the sources file, then the index update) in a child process.

    Returns its report (``sources``: one report per source; ``index``: the update's summary). Raises
    `IndexerError` with the command's one-line message when it could not run (no sources file, a mistake in it,
    the index locked).
    """
    child = subprocess.run(
        [sys.executable, "-m", "indexer", "sync", "--json"],
        env=_child_env(settings),
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        report: dict[str, Any] = json.loads(child.stdout)
    except ValueError:
        lines = [line for line in child.stderr.splitlines() if line.startswith("Erreur")]
        raise IndexerError(
            lines[-1].removeprefix("Erreur : ")
            if lines
            else f"La synchronisation s’est arrêtée (code {child.returncode})."
        ) from None
    if report.get("index_error"):  # the sites were synced (their reports are kept), the index not updated
        raise IndexerError(report["index_error"])
    return report


def _child_env(settings: Settings) -> dict[str, str]:
    """The environment of a child: the settings as ``CRPV_*`` variables (`Settings.load` reads them back)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    for f in fields(settings):
        if f.name != "admin_token":
            env[ENV_PREFIX + f.name.upper()] = str(getattr(settings, f.name))
    package_root = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p)
    return env


def _child_main() -> int:
    """The child of `run_update`: one update with the settings of the environment, one JSON line out."""
    from indexer.update import update_index

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s", stream=sys.stderr)
    try:
        answer: dict[str, Any] = {"summary": update_index(Settings.load()).summary()}
    except IndexLockedError as exc:
        answer = {"locked": str(exc)}
    except IndexerError as exc:
        answer = {"error": str(exc)}
    except OSError as exc:
        answer = {"error": f"Erreur système : {exc.strerror or exc} ({getattr(exc, 'filename', '') or ''})"}
    except KeyboardInterrupt:
        answer = {"error": "Mise à jour interrompue : l’index précédent reste en place."}
    print(json.dumps(answer, ensure_ascii=False), flush=True)
    return 0 if "summary" in answer else 1


class UpdateRunner:
    """One update at a time, in a background thread; its state is read by the page.

    `state()` is a dict: ``state`` (``idle``, ``running``, ``done``, ``locked``, ``failed``), ``started`` and
    ``finished`` (aware datetimes), ``summary`` (the run's summary) or ``error`` (French message).
    """

    def __init__(self, settings: Settings, run: Callable[[Settings], dict[str, Any]] = run_update) -> None:
        self.settings = settings
        self._run = run
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._state: dict[str, Any] = {"state": "idle"}

    def start(self) -> bool:
        """Start an update; False when one started here is still running."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return False
            self._state = {"state": "running", "started": _now()}
            self._thread = threading.Thread(target=self._work, name="crpv-admin-update", daemon=True)
            self._thread.start()
        return True

    def _work(self) -> None:
        result: dict[str, Any]
        try:
            result = {"state": "done", "summary": self._run(self.settings)}
        except IndexLockedError:
            result = {
                "state": "locked",
                "error": f"{ALREADY_RUNNING} (lancée par une autre commande) : celle-ci n’a rien fait. "
                "Relancez-la dans un moment si des fichiers ont changé depuis.",
            }
        except IndexerError as exc:
            result = {"state": "failed", "error": str(exc)}
        except Exception as exc:  # the page must report any failure, never lose it in a thread
            logger.exception("Échec de la mise à jour lancée depuis /admin")
            result = {"state": "failed", "error": f"Erreur inattendue ({type(exc).__name__} : {exc})"}
        logger.info("Mise à jour depuis /admin : %s", result["state"])
        with self._lock:
            self._state = {**self._state, **result, "finished": _now()}

    def join(self, timeout: float | None = None) -> None:
        """Wait for the current update's thread to end (for tests and clean shutdowns)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def state(self) -> dict[str, Any]:
        """A copy of the current state."""
        with self._lock:
            return dict(self._state)


def _now() -> datetime:
    return datetime.now().astimezone()


if __name__ == "__main__":
    sys.exit(_child_main())
