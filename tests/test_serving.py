"""`python -m search_app` with two worker processes (gunicorn), on loopback: an update is seen by every worker,
and the per-client rate limit counts the requests of all workers together."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import ROOT, wp_page

from indexer.config import Settings
from indexer.update import update_index
from search_app.serving import gunicorn_available

pytestmark = pytest.mark.skipif(not gunicorn_available(), reason="gunicorn needs fork (Linux)")

WORKERS = 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port: int, path: str) -> tuple[int, dict]:
    """One request on a new connection (so that any worker may accept it)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path, headers={"Connection": "close"})
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        conn.close()


@contextlib.contextmanager
def serving(settings: Settings, log: Path, rate_limit: str) -> Iterator[int]:
    """The server with two workers on a free port, its access log in `log`; yields the port."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CRPV_RATE_LIMIT": rate_limit}
    env.pop("CRPV_RATE_LIMIT_STORAGE", None)
    args = [sys.executable, "-m", "search_app", "--host", "127.0.0.1", "--port", str(port), "--index",
            str(settings.index), "--corpus", str(settings.corpus), "--workers", str(WORKERS), "--threads", "2",
            "--journal-acces", str(log)]  # fmt: skip
    output = log.with_name("serveur.log")
    with output.open("w") as out:
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, output.read_text()
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            assert time.monotonic() < deadline, "the server never listened"
            time.sleep(0.05)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def answered_by(log: Path, after: int = 0) -> list[str]:
    """The worker process ids of the access log's lines, from line `after` on."""
    lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    return [m.group(1) for line in lines[after:] if (m := re.search(r"worker=<?(\d+)", line))]


def ask_every_worker(port: int, log: Path, path: str, after: int = 0, rounds: int = 100) -> list[tuple[int, dict]]:
    """Requests in bursts of four concurrent clients until both workers have answered (at most `rounds`)."""
    responses: list[tuple[int, dict]] = []
    with ThreadPoolExecutor(4) as pool:
        for _ in range(rounds):
            responses += list(pool.map(lambda _: get(port, path), range(4)))
            if len(set(answered_by(log, after))) >= WORKERS:
                return responses
    pytest.fail(f"after {4 * rounds} requests, only workers {set(answered_by(log, after))} answered")


def test_every_worker_sees_an_update(mini_copy: Settings, tmp_path: Path) -> None:
    log = tmp_path / "acces.log"
    with serving(mini_copy, log, rate_limit="off") as port:
        before = ask_every_worker(port, log, "/api/search?q=zygomatique")
        assert {(status, body["total"]) for status, body in before} == {(200, 0)}
        page = mini_copy.corpus / "site" / "2022" / "zygomatique.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(wp_page("Un mot rare", "<p>Le mot zygomatique n’est que là.</p>", date="2022-05-02"))
        update_index(mini_copy)
        mark = len(log.read_text(encoding="utf-8").splitlines())
        after = ask_every_worker(port, log, "/api/search?q=zygomatique", after=mark)
        assert {(status, body["total"]) for status, body in after} == {(200, 1)}
        assert {r["path"] for _, body in after for r in body["results"]} == {"site/2022/zygomatique.html"}


def test_the_rate_limit_counts_the_requests_of_all_workers(mini_settings: Settings, tmp_path: Path) -> None:
    log = tmp_path / "acces.log"
    limit = 5
    with serving(mini_settings, log, rate_limit=f"{limit}/hour") as port:
        responses = ask_every_worker(port, log, "/api/search?q=habitants")
        while len(responses) < 3 * limit:
            responses.append(get(port, "/api/search?q=habitants"))
    statuses = [status for status, _ in responses]
    assert statuses.count(200) == limit, statuses
    assert set(statuses) == {200, 429}
    assert "Trop de recherches" in next(body["error"] for status, body in responses if status == 429)
