"""The scale benchmark: for each N, generate (or reuse) the corpus, then measure, each step saved as it ends.

Steps (each resumable: its result is kept in ``<work>/scale-<N>-results.json`` and not redone, unless
``--fresh``; a generated corpus and a built index are reused):

1. ``baseline``: what the extractors the indexer uses cost alone: PDFium's text of every PDF page
   (``get_text_range``, as the indexer) and ``get_text()`` of every HTML file (``html.parser``, as the
   indexer), in 2 processes.
2. ``cold``: ``python -m indexer build`` from nothing (no index, no extraction cache), in a subprocess:
   wall time, the split of its ``last_run.json`` (scan, extraction, enrichment, analysis + writing), peak
   memory of the process tree (summed RSS sampled every 0.1 s), CPU used (in cores), the machine's other load.
3. ``warm``: the same build again, with the extraction cache filled by the cold build (run after step 6).
4. ``requests``: ``python -m search_app`` (gunicorn workers on Linux) on a free loopback port: first request
   (facet postings are computed once per index generation), then median and p95 of full requests (query, facets,
   passages, JSON) for word, phrase, filtered and browse queries (those of ``bench/request_latency.py``), sequentially.
5. ``concurrent``: 8 clients on loopback, bounded in number of requests and in time: throughput, latency;
   ``single``: the same with one client, for the ratio of the two throughputs.
6. ``inprocess``: the same queries through ``run_search`` + ``json.dumps`` in this process (no HTTP).
7. ``fts``: the same corpus in SQLite FTS5 (`bench.scale.fts`), the same queries in-process, facet counts and
   totals checked against Whoosh's, and the ratios Whoosh / FTS5; then FTS5's bare query (the first page of
   ids, nothing else) on the same queries.
8. ``size``: what each field and kind of term costs in the index (`bench.scale.index_size`).

``--profile long`` runs on documents of real length (see `bench.scale.generate`); its files are named
``scale-<N>-long…`` and its results are reported apart from the usual profile's.
"""

from __future__ import annotations

import contextlib
import fcntl
import http.client
import json
import logging
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from multiprocessing import get_context
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench.scale import codebase, index_size
from bench.scale.generate import generate
from bench.scale.procmon import Phase, TreeSampler, machine_busy_seconds

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
LOCK = Path("/tmp/crpv-scale-bench.lock")
KINDS = ("word", "phrase", "filtered", "browse")
# A build or server whose anonymous memory passes this is killed (the machine has 24 GB and no swap).
MEMORY_CAP = int(float(os.environ.get("CRPV_SCALE_MEMORY_CAP_GB", "14")) * 2**30)


def label(n: int) -> str:
    """« 1k », « 10k », « 100k », or the number."""
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def corpus_name(n: int, profile: str = "usual") -> str:
    """The name of a run and of its files: the size, and the profile unless it is the usual one (« 1500-long »)."""
    return label(n) if profile == "usual" else f"{label(n)}-{profile}"


def queries() -> dict[str, list[dict[str, Any]]]:
    """The queries of `bench/request_latency.py` (the same four kinds).

    That script puts the working tree first on `sys.path` when imported: the path is restored, or the engine
    modules imported later would come from the tree instead of the frozen copy being measured.
    """
    saved = list(sys.path)
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from request_latency import QUERIES  # type: ignore[import-not-found]
    finally:
        sys.path[:] = saved
    return QUERIES


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (as `bench/request_latency.py`)."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def stats(values: list[float]) -> dict[str, float]:
    """n, median, p95, max (milliseconds)."""
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "median_ms": round(statistics.median(values), 2),
        "p95_ms": round(percentile(values, 95), 2),
        "max_ms": round(max(values), 2),
    }


@contextlib.contextmanager
def bench_lock() -> Iterator[None]:
    """One benchmark at a time on this machine (two would measure each other)."""
    fd = os.open(LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            logger.info("Another scale benchmark holds %s: waiting", LOCK)
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    model = ""
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = 0
    with contextlib.suppress(OSError), open("/proc/meminfo") as fh:
        mem = int(fh.readline().split()[1]) // 1024
    versions = {}
    for dist in (
        "whoosh-reloaded",
        "pypdf",
        "pypdfium2",
        "beautifulsoup4",
        "waitress",
        "gunicorn",
        "flask",
        "pystemmer",
        "fpdf2",
    ):
        with contextlib.suppress(Exception):
            from importlib.metadata import version

            versions[dist] = version(dist)
    import sqlite3

    versions["sqlite"] = sqlite3.sqlite_version
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_mb": mem,
        "python": platform.python_version(),
        "kernel": platform.release(),
        "versions": versions,
    }


def wait_quiet(threshold: float, max_wait: float, window: float = 5.0) -> dict[str, float]:
    """Wait (at most `max_wait` s) until the other processes use less than `threshold` cores over `window` s.

    The machine has two cores and other work may run on it: a step started under load measures that load.
    """
    started = time.monotonic()
    other = 0.0
    while True:
        busy = machine_busy_seconds()
        time.sleep(window)
        other = (machine_busy_seconds() - busy) / window
        if other < threshold or time.monotonic() - started >= max_wait:
            break
    return {"waited_s": round(time.monotonic() - started - window, 1), "other_cores_at_start": round(other, 2)}


# ---------------------------------------------------------------------------------------------------------
# Step 1: extraction-only baseline


def _baseline_one(path: str) -> tuple[str, int, int, float, bool]:
    """PDFium or BeautifulSoup alone on one file: (kind, pages, chars, CPU seconds, failed)."""
    started = time.process_time()
    data = Path(path).read_bytes()
    if path.lower().endswith(".pdf"):
        import pypdfium2 as pdfium

        pages = chars = 0
        try:
            document = pdfium.PdfDocument(data)
            for index in range(len(document)):
                chars += len(document[index].get_textpage().get_text_range())
                pages += 1
            document.close()
        except Exception:  # a broken file counts as done, as the indexer reports it
            return "pdf", pages, chars, time.process_time() - started, True
        return "pdf", pages, chars, time.process_time() - started, False
    from bs4 import BeautifulSoup

    text = BeautifulSoup(data, "html.parser").get_text()
    return "html", 1, len(text), time.process_time() - started, False


def _quiet_worker() -> None:
    logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    import warnings

    warnings.simplefilter("ignore")


def corpus_files(corpus: Path) -> list[str]:
    """The files the indexer reads (.html, .htm, .pdf), as paths."""
    out = []
    for dirpath, _dirs, names in os.walk(corpus):
        for name in names:
            if not name.startswith(".") and name.lower().endswith((".html", ".htm", ".pdf")):
                out.append(os.path.join(dirpath, name))
    return sorted(out)


def baseline(corpus: Path, workers: int = 2) -> dict[str, Any]:
    """Step 1 (see the module docstring)."""
    files = corpus_files(corpus)
    totals = {"html": [0, 0, 0.0], "pdf": [0, 0, 0.0]}  # files, pages, cpu
    chars = {"html": 0, "pdf": 0}
    failed = 0
    with Phase("baseline") as phase, get_context("fork").Pool(workers, initializer=_quiet_worker) as pool:
        for kind, pages, n_chars, cpu, bad in pool.imap_unordered(_baseline_one, files, chunksize=4):
            totals[kind][0] += 1
            totals[kind][1] += pages
            totals[kind][2] += cpu
            chars[kind] += n_chars
            failed += int(bad)
    return {
        **phase.report(),
        "workers": workers,
        "html_files": totals["html"][0],
        "pdf_files": totals["pdf"][0],
        "pdf_pages": totals["pdf"][1],
        "failed_files": failed,
        "cpu_s_html": round(totals["html"][2], 2),
        "cpu_s_pdf": round(totals["pdf"][2], 2),
        "text_mb_raw": round((chars["html"] + chars["pdf"]) / 1e6, 2),
    }


# ---------------------------------------------------------------------------------------------------------
# Steps 2 and 3: builds


def _env() -> dict[str, str]:
    """The subprocesses' environment. The server's per-client rate limit (Flask-Limiter, 120/minute by
    default) is off: every benchmark request comes from 127.0.0.1 and would be refused with 429."""
    env = codebase.env()
    env["CRPV_RATE_LIMIT"] = "off"
    return env


def build(corpus: Path, index: Path, log: Path, name: str) -> dict[str, Any]:
    """`python -m indexer build` in a subprocess, measured (see the module docstring)."""
    cmd = [sys.executable, "-m", "indexer", "build", "--corpus", str(corpus), "--index", str(index)]
    with log.open("a") as out, Phase(name) as phase:
        out.write(f"\n=== {name} {time.strftime('%Y-%m-%d %H:%M:%S')}: {' '.join(cmd)}\n")
        out.flush()
        proc = subprocess.Popen(cmd, cwd=codebase.active(), env=_env(), stdout=out, stderr=out)
        sampler = TreeSampler(proc.pid, kill_above=MEMORY_CAP)
        sampler.start()
        code = proc.wait()
        peak = sampler.stop()
    if sampler.killed:
        raise RuntimeError(f"indexer build killed above {MEMORY_CAP / 2**30:.0f} GB of memory; see {log}")
    if code != 0:
        raise RuntimeError(f"indexer build failed ({code}); see {log}")

    last = json.loads((index / "last_run.json").read_text(encoding="utf-8"))
    status = subprocess.run(
        [sys.executable, "-m", "indexer", "status", "--index", str(index), "--json"],
        cwd=codebase.active(), env=_env(), capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    status_data = json.loads(status)
    return {
        **phase.report(),
        "peak_rss_tree_mb": round(peak / 2**20, 1),
        "peak_processes": sampler.peak_processes,
        "peak_rss_main_process_mb": round(sampler.peak_root / 2**20, 1),
        "peak_anon_tree_mb": round(sampler.peak_anon / 2**20, 1),
        "timings": last.get("timings", {}),
        "duration_s": last.get("duration_s"),
        "documents": status_data.get("documents"),
        "by_format": status_data.get("by_format"),
        "by_year": status_data.get("by_year"),
        "by_theme": status_data.get("by_theme"),
        "by_type": status_data.get("by_type"),
        "failures": len(status_data.get("failures") or []),
        "index_mb": round(_du(index, exclude="cache") / 1e6, 1),
        "cache_mb": round(_du(index / "cache") / 1e6, 1),
    }


def _du(path: Path, exclude: str | None = None) -> int:
    total = 0
    for dirpath, dirs, names in os.walk(path):
        if exclude and exclude in dirs and Path(dirpath) == path:
            dirs.remove(exclude)
        for name in names:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(dirpath, name)).st_size
    return total


def text_stats(index: Path) -> dict[str, Any]:
    """Size of the text the engine indexed (the stored text of every page), from the built index."""
    from indexer.store import open_index

    ix = open_index(index)
    chars = pages = 0
    try:
        with ix.reader() as reader:
            for fields in reader.all_stored_fields():
                if fields.get("kind") == "page":
                    pages += 1
                    chars += len(fields.get("text") or "")
    finally:
        ix.close()
    return {"pages": pages, "text_mb": round(chars / 1e6, 2)}


# ---------------------------------------------------------------------------------------------------------
# Steps 4 and 5: requests through the server (python -m search_app)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port: int, params: dict[str, Any], timeout: float = 120) -> tuple[float, dict[str, Any]]:
    """One full request: (milliseconds, parsed JSON)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    started = time.perf_counter()
    conn.request("GET", "/api/search?" + urlencode(params, doseq=True))
    response = conn.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"HTTP {response.status} for {params}: {body[:200]!r}")
    return elapsed, json.loads(body)


@contextlib.contextmanager
def server(
    index: Path, corpus: Path, log: Path, threads: int | None = None
) -> Iterator[tuple[int, subprocess.Popen, float]]:
    """`python -m search_app` on a free loopback port; yields (port, process, seconds until /healthz)."""
    port = free_port()
    cmd = [sys.executable, "-m", "search_app", "--host", "127.0.0.1", "--port", str(port),
           "--index", str(index), "--corpus", str(corpus)]  # fmt: skip
    if threads:
        cmd += ["--threads", str(threads)]
    out = log.open("a")
    proc = subprocess.Popen(cmd, cwd=codebase.active(), env=_env(), stdout=out, stderr=out)
    started = time.perf_counter()
    try:
        deadline = time.monotonic() + 600
        ready = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    ready = time.perf_counter() - started
                    break
            except OSError:
                pass
            time.sleep(0.2)
        if ready is None:
            raise RuntimeError(f"search_app did not answer /healthz; see {log}")
        yield port, proc, ready
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        out.close()


def signature(result: dict[str, Any]) -> dict[str, Any]:
    """What two engines must agree on: the total and every facet count."""
    return {
        "total": result.get("total"),
        "facets": {k: {e["value"]: e["count"] for e in v} for k, v in (result.get("facets") or {}).items()},
    }


def timed_rounds(
    call: Callable[[dict[str, Any]], tuple[float, dict[str, Any]]],
    rounds: int,
    budget: float,
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Each kind's queries `rounds` times (at least once each, at most `budget` seconds per kind)."""
    out: dict[str, Any] = {}
    seen: dict[str, dict[str, Any]] = {}
    all_times: list[float] = []
    for kind, params_list in queries().items():
        times: list[float] = []
        per_query: dict[str, list[float]] = {}
        deadline = time.monotonic() + budget
        for r in range(rounds):
            if r and time.monotonic() > deadline:
                break
            for params in params_list:
                ms, result = call(params)
                times.append(ms)
                key = json.dumps(params, sort_keys=True, ensure_ascii=False)
                per_query.setdefault(key, []).append(ms)
                seen[key] = signature(result)
        all_times += times
        out[kind] = {
            **stats(times),
            "rounds": len(times) // max(1, len(params_list)),
            "per_query_median_ms": {k: round(statistics.median(v), 1) for k, v in per_query.items()},
        }
    out["all"] = stats(all_times)
    return out, seen


class MemoryCapError(RuntimeError):
    """The server was killed for passing the memory cap."""


def requests_step(
    index: Path, corpus: Path, log: Path, rounds: int, budget: float, threads: int | None = None
) -> dict[str, Any]:
    """Step 4 (see the module docstring)."""
    with server(index, corpus, log, threads) as (port, proc, ready):
        sampler = TreeSampler(proc.pid, interval=0.2, kill_above=MEMORY_CAP)
        sampler.start()
        try:
            first_ms, _ = get(port, {"q": "habitants"})
            first_browse_ms, _ = get(port, {})
            for params_list in queries().values():  # warm-up
                for params in params_list:
                    get(port, params)
            with Phase("requests", extra_pids=[proc.pid]) as phase:
                sequential, seen = timed_rounds(lambda p: get(port, p), rounds, budget / len(KINDS))
        except Exception as exc:
            if sampler.killed:
                raise MemoryCapError(f"server killed above {MEMORY_CAP / 2**30:.0f} GB") from exc
            raise
        peak = sampler.stop()
    return {
        "server_threads": threads or "default (python -m search_app: one worker per core, 4 threads each)",
        **phase.report(),
        "healthz_after_s": round(ready, 2),
        "first_request_ms": round(first_ms, 1),
        "first_browse_ms": round(first_browse_ms, 1),
        "sequential": sequential,
        "server_peak_rss_mb": round(peak / 2**20, 1),
        "server_peak_anon_mb": round(sampler.peak_anon / 2**20, 1),
        "signatures": seen,
    }


def concurrent_step(
    index: Path, corpus: Path, log: Path, clients: int, requests: int, budget: float, threads: int | None = None
) -> dict:
    """Step 5: `clients` threads share a bounded list of requests, stopping at the time budget."""
    flat = [p for ps in queries().values() for p in ps]
    work = [flat[i % len(flat)] for i in range(requests)]
    with server(index, corpus, log, threads) as (port, proc, _ready):
        for params in flat:  # warm-up (facet postings, caches)
            get(port, params)
        lock = threading.Lock()
        queue = iter(work)
        times: list[float] = []
        errors: list[str] = []
        deadline = time.monotonic() + budget

        def client() -> None:
            while time.monotonic() < deadline:
                with lock:
                    params = next(queue, None)
                if params is None:
                    return
                try:
                    ms, _ = get(port, params)
                except Exception as exc:  # counted and reported
                    with lock:
                        errors.append(str(exc)[:200])
                    continue
                with lock:
                    times.append(ms)

        sampler = TreeSampler(proc.pid, interval=0.2, kill_above=MEMORY_CAP)
        sampler.start()
        with Phase("concurrent", extra_pids=[proc.pid]) as phase:
            workers = [threading.Thread(target=client) for _ in range(clients)]
            for t in workers:
                t.start()
            for t in workers:
                t.join()
        peak = sampler.stop()
    if sampler.killed:
        raise MemoryCapError(f"server killed above {MEMORY_CAP / 2**30:.0f} GB ({len(errors)} failed requests)")
    return {
        **phase.report(),
        "server_threads": threads or "default (python -m search_app: one worker per core, 4 threads each)",
        "clients": clients,
        "planned_requests": requests,
        "completed": len(times),
        "errors": len(errors),
        "error_samples": errors[:3],
        "throughput_rps": round(len(times) / max(phase.wall, 1e-9), 2),
        **stats(times),
        "server_peak_rss_mb": round(peak / 2**20, 1),
        "server_peak_anon_mb": round(sampler.peak_anon / 2**20, 1),
        "server_killed_for_memory": sampler.killed,
    }


# ---------------------------------------------------------------------------------------------------------
# Steps 6 and 7: in-process Whoosh and FTS5


def inprocess_step(index: Path, corpus: Path, rounds: int, budget: float) -> dict[str, Any]:
    """Step 6: `run_search` + `json.dumps` in this process, one searcher kept open (as the server does)."""
    from indexer.config import Settings
    from search_app.index_handle import IndexHandle
    from search_app.params import SearchParams
    from search_app.search import run_search

    codebase.check()
    settings = Settings.load(index=index, corpus=corpus)
    handle = IndexHandle(index)

    def call(params: dict[str, Any]) -> tuple[float, dict[str, Any]]:
        started = time.perf_counter()
        result = run_search(SearchParams.from_args(params, settings), handle)
        json.dumps(result, ensure_ascii=False)
        return (time.perf_counter() - started) * 1000, result

    try:
        for params_list in queries().values():
            for params in params_list:
                call(params)
        with Phase("inprocess") as phase:
            sequential, seen = timed_rounds(call, rounds, budget / len(KINDS))
    finally:
        handle.close()
    return {**phase.report(), "sequential": sequential, "signatures": seen}


def fts_step(index: Path, corpus: Path, db: Path, rounds: int, budget: float, whoosh: dict[str, Any]) -> dict:
    """Step 7 (see the module docstring); `whoosh` holds the Whoosh signatures to compare with."""
    import search_app.facets
    import search_app.query
    import search_app.snippets  # noqa: F401  (imported here so that the check below covers them)
    from bench.scale import fts
    from indexer.config import Settings
    from search_app.params import SearchParams

    codebase.check()
    built = None
    if not fts.is_current(index, db):
        with Phase("fts-build") as phase:
            built = fts.build(index, db)
        built.update(phase.report())
    settings = Settings.load(index=index, corpus=corpus)
    engine = fts.FtsSearch(db)

    def call(params: dict[str, Any]) -> tuple[float, dict[str, Any]]:
        started = time.perf_counter()
        result = engine.search(SearchParams.from_args(params, settings))
        json.dumps(result, ensure_ascii=False)
        return (time.perf_counter() - started) * 1000, result

    try:
        for params_list in queries().values():
            for params in params_list:
                call(params)
        with Phase("fts") as phase:
            sequential, seen = timed_rounds(call, rounds, budget / len(KINDS))

        def bare(params: dict[str, Any]) -> tuple[float, dict[str, Any]]:
            started = time.perf_counter()
            engine.bare(SearchParams.from_args(params, settings))
            return (time.perf_counter() - started) * 1000, {}

        bare_sequential, _ = timed_rounds(bare, rounds, budget / len(KINDS))
    finally:
        engine.close()
    agree = [k for k, sig in seen.items() if whoosh.get(k) == sig]
    differ = {k: {"fts": sig, "whoosh": whoosh.get(k)} for k, sig in seen.items() if whoosh.get(k) != sig}
    return {
        **phase.report(),
        "build": built,
        "db_mb": round(db.stat().st_size / 1e6, 1),
        "sequential": sequential,
        "bare_sequential": bare_sequential,
        "same_total_and_facets": f"{len(agree)}/{len(seen)}",
        "differences": differ,
    }


# ---------------------------------------------------------------------------------------------------------
# One size, all sizes


def run_one(n: int, args: Any) -> dict[str, Any]:
    """All steps for one corpus size, resumable (see the module docstring)."""
    work: Path = args.work
    profile = getattr(args, "profile", "usual")
    name = corpus_name(n, profile)
    corpus, index = work / f"scale-{name}", work / f"scale-{name}-index"
    db, state_path = work / f"scale-{name}-fts.sqlite", work / f"scale-{name}-results.json"
    log = work / f"scale-{name}.log"
    state: dict[str, Any] = {}
    if state_path.exists() and not args.fresh:
        state = json.loads(state_path.read_text(encoding="utf-8"))
    skip = set(args.skip)
    for key in getattr(args, "redo", None) or []:
        state.pop(key, None)

    def save() -> None:
        tmp = state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, ensure_ascii=False, indent=2), encoding="utf-8")
        os.replace(tmp, state_path)

    def step(key: str, fn: Callable[[], Any], redo: bool = False) -> None:
        if key in skip or (key in state and "error" not in state[key] and not redo):
            return
        quiet = wait_quiet(args.quiet_cores, args.quiet_wait) if args.quiet_wait > 0 else {}
        logger.info("[%s] %s… (%s)", name, key, quiet)
        try:
            state[key] = fn()
        except Exception as exc:  # one failed step (a crash, a memory cap) must not lose the others
            logger.exception("[%s] %s failed", name, key)
            state[key] = {"error": f"{type(exc).__name__}: {exc}"[:500]}
        state[key]["measured_at"] = time.strftime("%Y-%m-%d %H:%M:%S")
        state[key]["quiet"] = quiet
        save()
        logger.info("[%s] %s done", name, key)

    manifest = generate(n, corpus, seed=args.seed, profile=profile)
    state["corpus"] = {
        "path": str(corpus),
        "documents": n,
        "html": manifest["html"],
        "pdf": manifest["pdf"],
        "expected": manifest["expected"],
        "bytes_mb": round((manifest["bytes"]["html"] + manifest["bytes"]["pdf"]) / 1e6, 1),
        "pdf_share": manifest["params"]["pdf_share"],
        "generation_s": manifest.get("generation_seconds"),
        "profile": profile,
        "long_posts": manifest.get("long_posts"),
        "long_post_words": manifest.get("long_post_words"),
    }
    code = codebase.active_hash()
    index_code = codebase.index_hash()
    if state.get("code") not in (None, code):
        built_by = state.get("index_code") or codebase.index_hash(state.get("code"), Path(args.work))
        keep = getattr(args, "keep_index", False) and "cold" in state
        if keep:
            state["index_kept"] = f"built by code {state.get('code')} (indexer {built_by}), kept with --keep-index"
        if built_by == index_code or keep:  # only the search side changed: the index and its figures stand
            logger.info("[%s] engine code %s (index code unchanged): searches measured again", name, code)
            for key in ("requests", "concurrent", "single", "inprocess", "fts"):
                state.pop(key, None)
        else:
            logger.info("[%s] engine code %s, index built by %s: rebuilt", name, code, state.get("code"))
            for key in ("cold", "warm", "requests", "concurrent", "single", "inprocess", "fts", "text", "size"):
                state.pop(key, None)
    state["code"] = code
    state["index_code"] = index_code
    save()
    step("baseline", lambda: baseline(corpus))
    index_ready = (index / "current").exists()
    if "cold" not in skip and ("cold" not in state or not index_ready):
        shutil.rmtree(index, ignore_errors=True)
        step("cold", lambda: build(corpus, index, log, "cold"), redo=True)
        state.pop("warm", None)
        for key in ("requests", "concurrent", "single", "inprocess", "fts", "text", "size"):
            state.pop(key, None)
        save()
    # Requests before the warm rebuild: at 100,000 documents they are the figures most awaited.
    step("text", lambda: text_stats(index))
    step("size", lambda: index_size.measure(index))
    step("requests", lambda: requests_step(index, corpus, log, args.rounds, args.time_budget))
    step(
        "concurrent",
        lambda: concurrent_step(index, corpus, log, args.clients, args.concurrent_requests, args.time_budget),
    )
    step(
        "single",
        lambda: concurrent_step(index, corpus, log, 1, max(40, args.concurrent_requests // 4), args.time_budget),
    )
    for key, fn in (
        ("requests", lambda: requests_step(index, corpus, log, args.rounds, args.time_budget, threads=2)),
        (
            "concurrent",
            lambda: concurrent_step(
                index, corpus, log, args.clients, args.concurrent_requests, args.time_budget, threads=2
            ),
        ),
    ):
        # Each server thread keeps its own searcher; if 8 of them do not fit in memory, measure with 2.
        if "MemoryCapError" in str((state.get(key) or {}).get("error", "")):
            first_error = state[key]["error"]
            step(key, fn, redo=True)
            state[key]["with_8_threads"] = first_error
            save()
    step("inprocess", lambda: inprocess_step(index, corpus, args.rounds, args.time_budget))
    step("warm", lambda: build(corpus, index, log, "warm"))
    whoosh = (state.get("inprocess") or {}).get("signatures") or (state.get("requests") or {}).get("signatures", {})
    step("fts", lambda: fts_step(index, corpus, db, args.rounds, args.time_budget, whoosh))
    return state


def run_all(args: Any) -> int:
    """`python bench/scale.py run`: each N in turn, then the table and the JSON report."""
    from bench.scale.report import derive, print_tables

    args.work.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {}
    if args.json.exists():
        with contextlib.suppress(ValueError):
            report = json.loads(args.json.read_text(encoding="utf-8"))
    report["machine"] = machine()
    report.setdefault("runs", {})
    for n in args.n:
        with bench_lock():
            state = run_one(n, args)
        report["runs"][corpus_name(n, getattr(args, "profile", "usual"))] = derive(state)
        args.json.parent.mkdir(parents=True, exist_ok=True)
        tmp = args.json.with_suffix(".tmp")
        tmp.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
        os.replace(tmp, args.json)
    print_tables(report)
    print(f"Report: {args.json}")
    return 0
