"""How `python -m search_app` serves: gunicorn with several worker processes on Linux, waitress elsewhere.

Python runs one request at a time per process, so one process serves one core's worth of searches however many
threads it has. On Linux the app is served by gunicorn with one worker process per core by default (``--workers``),
each with a few threads (``--threads``). Every worker builds its own app after the fork (no preloading), so it
has its own searchers and caches over the same index, which the workers only read; each request checks the
index's ``current`` link, so an update is seen by every worker at its next request. The per-client rate limit
is counted in one SQLite file that all workers share (`search_app.ratelimit_store`) unless a shared storage
is configured (``CRPV_RATE_LIMIT_STORAGE``). With one worker, or where gunicorn cannot run (it needs
``fork``), waitress serves in one process as before.
"""

from __future__ import annotations

import gc
import importlib.util
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from indexer.config import Settings

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024  # only small admin forms are ever posted
MAX_HEADER_BYTES = 64 * 1024
# The access log's line: gunicorn's usual fields and the worker's process id (which worker answered).
ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(L)ss worker=%(p)s'


@dataclass(frozen=True)
class ServeOptions:
    """Where and how to serve."""

    host: str
    port: int
    workers: int
    threads: int
    access_log: str | None = None


def default_workers() -> int:
    """One worker per core."""
    return max(1, os.cpu_count() or 1)


def gunicorn_available() -> bool:
    """Whether gunicorn can serve here (it is installed, and the system has `fork`)."""
    return hasattr(os, "fork") and importlib.util.find_spec("gunicorn") is not None


def shared_rate_limit(settings: Settings, workers: int) -> tuple[Settings, str | None]:
    """Settings whose rate-limit storage all workers share, and the temporary folder to remove at exit.

    The in-memory default is per process; with several workers it becomes a SQLite file in a private folder.
    A storage set by the administrator (Redis…) is kept as it is.
    """
    if workers <= 1 or settings.rate_limit_storage != "memory://":
        return settings, None
    from search_app.ratelimit_store import prepare

    folder = tempfile.mkdtemp(prefix="crpv-limites-")
    path = os.path.join(folder, "limites.sqlite")
    prepare(path)  # before the fork: workers opening a new file together would meet its WAL switch's lock
    return replace(settings, rate_limit_storage=f"sqlite:///{path}"), folder


def app_with_frozen_heap(make_app: Callable[[Settings], Any], settings: Settings) -> Any:
    """The app, built in the serving process; then everything allocated so far (modules, the app) is put out
    of the cyclic garbage collector's reach (`gc.freeze`): it lives as long as the process, and a full
    collection that walked it cost a request about 65 ms on the long-documents index (4 to 7 ms without it)."""
    app = make_app(settings)
    gc.collect()  # garbage is not frozen
    gc.freeze()
    return app


def serve(make_app: Callable[[Settings], Any], settings: Settings, options: ServeOptions) -> None:
    """Serve until interrupted (see the module docstring)."""
    if options.workers > 1 and gunicorn_available():
        settings, folder = shared_rate_limit(settings, options.workers)
        try:
            _serve_gunicorn(lambda: app_with_frozen_heap(make_app, settings), options, settings)
        finally:
            if folder:
                shutil.rmtree(folder, ignore_errors=True)
        return
    if options.workers > 1:
        logger.warning("gunicorn indisponible sur ce système : un seul processus (waitress) sert les requêtes")
    from waitress import serve as waitress_serve

    waitress_serve(
        app_with_frozen_heap(make_app, settings),
        host=options.host,
        port=options.port,
        threads=options.threads,
        ident="crpv-recherche",
        max_request_header_size=MAX_HEADER_BYTES,  # the app refuses URLs over CRPV_MAX_URL_BYTES anyway
        max_request_body_size=MAX_BODY_BYTES,
    )


def gunicorn_config(options: ServeOptions, settings: Settings) -> dict[str, Any]:
    """gunicorn's settings for these options."""
    host = f"[{options.host}]" if ":" in options.host else options.host
    config: dict[str, Any] = {
        "bind": f"{host}:{options.port}",
        "workers": options.workers,
        "worker_class": "gthread",
        "threads": options.threads,
        "preload_app": False,  # each worker opens its own index files and caches
        "proc_name": "crpv-recherche",
        # Long URLs must reach the app, which answers 414 in French above CRPV_MAX_URL_BYTES; gunicorn's
        # own limit stops at 8,190 bytes, 0 lifts it (the header limit below still bounds the request).
        "limit_request_line": settings.max_url_bytes + 1024 if settings.max_url_bytes + 1024 <= 8190 else 0,
        "limit_request_field_size": MAX_HEADER_BYTES,
        "timeout": 120,
        "graceful_timeout": 20,
        "errorlog": "-",
        "loglevel": "warning",
    }
    if options.access_log:
        config["accesslog"] = options.access_log
        config["access_log_format"] = ACCESS_LOG_FORMAT
    return config


def _serve_gunicorn(load: Callable[[], Any], options: ServeOptions, settings: Settings) -> None:
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in gunicorn_config(options, settings).items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return load()

    # gunicorn reads sys.argv for its own options: it must see none of ours.
    saved, sys.argv = sys.argv, sys.argv[:1]
    try:
        Server().run()
    finally:
        sys.argv = saved
