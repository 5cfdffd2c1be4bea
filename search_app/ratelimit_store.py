"""A storage for the per-client rate limit shared by every worker process: one SQLite file (``sqlite:///path``).

Flask-Limiter counts requests in a `limits` storage. Its in-memory storage is per process: with several
gunicorn workers, a client whose requests land on N workers would get N times its limit. This storage keeps
the counters (fixed windows: a count and its expiry per key) in one SQLite file that every worker opens, with
each increment in an immediate transaction, so that the limit means what it says however requests are spread.
It registers the ``sqlite`` scheme with `limits` when this module is imported.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from typing import Any, ClassVar

from limits.storage import Storage

logger = logging.getLogger(__name__)

SCHEME = "sqlite"
_SETUP_SECONDS = 10.0
_SCHEMA = "CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, value INTEGER NOT NULL, expiry REAL NOT NULL)"


def open_counters(path: str) -> sqlite3.Connection:
    """A connection to the counters' file, created in WAL mode if need be.

    Switching a file to WAL takes a lock that SQLite does not wait for: workers opening a new file together
    would fail with « database is locked ». The server prepares the file before it forks its workers
    (`prepare`), and an opening that still meets the lock tries again for a few seconds.
    """
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    deadline = time.monotonic() + _SETUP_SECONDS
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(_SCHEMA)
            break
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                conn.close()
                raise
            time.sleep(0.02)
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def prepare(path: str) -> None:
    """Create the counters' file in WAL mode, once, before several processes open it."""
    open_counters(path).close()


class SqliteStorage(Storage):
    """Fixed-window counters in a SQLite file, safe across threads and processes."""

    STORAGE_SCHEME: ClassVar[list[str]] = [SCHEME]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options: Any) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path = uri.split("://", 1)[1]
        if not self.path:
            raise ValueError(f"Adresse de stockage sans fichier : « {uri} » (attendu : sqlite:///chemin)")
        self._local = threading.local()
        self._connection()

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection (a forked worker opens its own: a connection must not cross a fork)."""
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            local.conn, local.pid = open_counters(self.path), os.getpid()
        return local.conn

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("DELETE FROM counters WHERE expiry <= ?", (now,))
            conn.execute(
                "INSERT INTO counters (key, value, expiry) VALUES (?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = value + excluded.value",
                (key, amount, now + expiry),
            )
            (value,) = conn.execute("SELECT value FROM counters WHERE key = ?", (key,)).fetchone()
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return int(value)

    def get(self, key: str) -> int:
        row = (
            self._connection()
            .execute("SELECT value FROM counters WHERE key = ? AND expiry > ?", (key, time.time()))
            .fetchone()
        )
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        now = time.time()
        sql = "SELECT expiry FROM counters WHERE key = ? AND expiry > ?"
        row = self._connection().execute(sql, (key, now)).fetchone()
        return float(row[0]) if row else now

    def check(self) -> bool:
        try:
            self._connection().execute("SELECT 1").fetchone()
        except sqlite3.Error:
            logger.exception("Stockage des limites de requêtes illisible : %s", self.path)
            return False
        return True

    def reset(self) -> int | None:
        return self._connection().execute("DELETE FROM counters").rowcount

    def clear(self, key: str) -> None:
        self._connection().execute("DELETE FROM counters WHERE key = ?", (key,))
