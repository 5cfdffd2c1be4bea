"""Load test: 30 concurrent clients for 60 s against the waitress server, while `python -m indexer update` runs.

Works on copies (the corpus and its index are copied to a temporary folder; the index is built there first
if `--index` has none). Starts `python -m search_app` on a free loopback port with the rate limit off (all
clients share one address), waits for /healthz, then runs `--clients` closed-loop clients, each on its own
keep-alive connection, for `--duration` seconds or `--max-requests` requests in all, whichever comes first.
Meanwhile it changes the corpus copy (a new page with a unique word, a modified page, touched files) and
runs `python -m indexer update` on it, again and again; after each update it checks that the new page is
found. Any answer other than 200, any connection error or timeout counts as an error.

    python bench/load_test.py [--corpus corpus] [--index index] [--clients 30] [--duration 60]
                              [--max-requests 100000] [--json bench/out/load_test.json]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parents[1]

# What the public does: word searches, phrases, filters, prefixes, browsing, the HTML page, document pages.
REQUESTS: list[tuple[str, str]] = [
    ("mot", "/api/search?q=clauses+sociales"),
    ("mot", "/api/search?q=sante+mentale"),
    ("mot", "/api/search?q=conseil+citoyen+Bedarieux"),
    ("mot", "/api/search?q=l%27economie+sociale+et+solidaire"),
    ("mot", "/api/search?q=QPV"),
    ("mot", "/api/search?q=mobilites+residentielles"),
    ("mot", "/api/search?q=renouvellement+urbain+habitants"),
    ("expression", "/api/search?" + urlencode({"q": '"politique de la ville"'})),
    ("expression", "/api/search?" + urlencode({"q": '"conseil local de santé mentale"'})),
    ("prefixe", "/api/search?q=cohes*"),
    ("prefixe", "/api/search?q=educ*+quartier"),
    ("filtre", "/api/search?q=habitants&year=2016"),
    ("filtre", "/api/search?q=emploi&theme=emploi-insertion&type=pdf"),
    ("filtre", "/api/search?q=sante&year_from=2014&year_to=2019&sort=date_desc"),
    ("parcours", "/api/search"),
    ("parcours", "/api/search?theme=participation&page=2"),
    ("page", "/?q=clauses+sociales"),
    ("page", "/?q=sante+mentale&type=pdf"),
    ("page", "/"),
    ("faute", "/api/search?q=psychiatrei"),
]

NEW_PAGE = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{title}</title></head><body><main>
<article><h1 class="entry-title">{title}</h1><div class="entry-content"><p>Compte rendu de la rencontre sur le mot
{word} : les habitants des quartiers prioritaires et les élus ont échangé sur la cohésion sociale.</p></div>
<footer class="entry-footer"><time class="entry-date published" datetime="2023-05-0{day}T10:00:00+02:00">mai
2023</time></footer></article></main></body></html>"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def wait_healthy(port: int, proc: subprocess.Popen, timeout: float = 30.0) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"le serveur s’est arrêté (code {proc.returncode})")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"le serveur n’a pas répondu à /healthz en {timeout:g} s")


class Stats:
    """Latencies and errors, shared by the client threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = {}
        self.statuses: Counter[int] = Counter()
        self.errors: Counter[str] = Counter()
        self.count = 0

    def add(self, kind: str, ms: float | None, status: int | None, error: str | None) -> None:
        with self.lock:
            self.count += 1
            if status is not None:
                self.statuses[status] += 1
            if error:
                self.errors[error] += 1
            elif ms is not None:
                self.latencies.setdefault(kind, []).append(ms)


def client(port: int, stats: Stats, stop: threading.Event, budget: list[int], seed: int) -> None:
    rng = random.Random(seed)
    conn: http.client.HTTPConnection | None = None
    while not stop.is_set():
        with stats.lock:
            if budget[0] <= 0:
                return
            budget[0] -= 1
        kind, url = rng.choice(REQUESTS)
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        started = time.perf_counter()
        try:
            conn.request("GET", url)
            response = conn.getresponse()
            response.read()
            ms = (time.perf_counter() - started) * 1000
            error = None if response.status == 200 else f"HTTP {response.status} {url}"
            stats.add(kind, ms, response.status, error)
            if response.will_close:
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException) as exc:
            stats.add(kind, None, None, f"{type(exc).__name__} {url}")
            conn.close()
            conn = None
    if conn is not None:
        conn.close()


def search_total(port: int, q: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/api/search?q=" + quote(q))
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return json.loads(body)["total"] if response.status == 200 else -1


def updater(corpus: Path, index: Path, port: int, stop: threading.Event, env: dict, runs: list[dict]) -> None:
    """Change the corpus and run `python -m indexer update`, again and again until `stop`."""
    pages = sorted((corpus / "site").rglob("*.html"))
    number = 0
    while not stop.wait(2.0):
        number += 1
        word = f"zorglubien{number}"
        folder = corpus / "site" / "charge"
        folder.mkdir(exist_ok=True)
        (folder / f"nouveau-{number}.html").write_text(
            NEW_PAGE.format(title=f"Rencontre {number}", word=word, day=number % 9 + 1), encoding="utf-8"
        )
        changed = pages[number % len(pages)]
        changed.write_text(changed.read_text(encoding="utf-8", errors="replace") + f"\n<!-- {number} -->\n")
        for touched in pages[number : number + 5]:
            os.utime(touched)
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "indexer", "update", "--corpus", str(corpus), "--index", str(index), "--wait", "60"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        duration = time.monotonic() - started
        visible = search_total(port, word) if result.returncode == 0 else -1
        runs.append(
            {
                "run": number,
                "returncode": result.returncode,
                "duration_s": round(duration, 2),
                "new_page_found": visible >= 1,
                "summary": result.stdout.strip().splitlines()[:1],
                "stderr_tail": result.stderr.strip().splitlines()[-2:] if result.returncode else [],
            }
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="corpus")
    parser.add_argument("--index", default="index")
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--max-requests", type=int, default=100_000)
    parser.add_argument("--threads", type=int, default=8, help="fils de waitress")
    parser.add_argument("--json", default="bench/out/load_test.json")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="crpv-charge-"))
    corpus = work / "corpus"
    index = work / "index"
    shutil.copytree(args.corpus, corpus, symlinks=True)
    env = dict(os.environ, PYTHONPATH=str(ROOT), CRPV_RATE_LIMIT="off")
    if (Path(args.index) / "current").exists():
        shutil.copytree(args.index, index, symlinks=True)
    else:
        subprocess.run(
            [sys.executable, "-m", "indexer", "build", "--corpus", str(corpus), "--index", str(index)],
            cwd=ROOT,
            env=env,
            check=True,
        )
    port = free_port()
    server_log = (work / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "search_app", "--host", "127.0.0.1", "--port", str(port), "--index", str(index),
         "--corpus", str(corpus), "--threads", str(args.threads)],
        cwd=ROOT, env=env, stdout=server_log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    stats = Stats()
    updates: list[dict] = []
    try:
        startup = wait_healthy(port, server)
        stop = threading.Event()
        budget = [args.max_requests]
        threads = [
            threading.Thread(target=client, args=(port, stats, stop, budget, seed), daemon=True)
            for seed in range(args.clients)
        ]
        update_thread = threading.Thread(target=updater, args=(corpus, index, port, stop, env, updates), daemon=True)
        started = time.monotonic()
        for thread in threads:
            thread.start()
        update_thread.start()
        while time.monotonic() - started < args.duration and any(t.is_alive() for t in threads):
            time.sleep(0.2)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        wall = time.monotonic() - started  # the clients' time (the last update may still be running)
        update_thread.join(timeout=300)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        server_log.close()

    everything = [ms for values in stats.latencies.values() for ms in values]
    report = {
        "clients": args.clients,
        "duration_s": round(wall, 1),
        "server_threads": args.threads,
        "server_startup_s": round(startup, 2),
        "requests": stats.count,
        "errors": sum(stats.errors.values()),
        "error_kinds": dict(stats.errors.most_common(10)),
        "statuses": {str(k): v for k, v in sorted(stats.statuses.items())},
        "throughput_rps": round(stats.count / wall, 1),
        "median_ms": round(statistics.median(everything), 1) if everything else None,
        "p95_ms": round(percentile(everything, 95), 1),
        "p99_ms": round(percentile(everything, 99), 1),
        "max_ms": round(max(everything), 1) if everything else None,
        "by_kind": {
            kind: {"n": len(v), "median_ms": round(statistics.median(v), 1), "p95_ms": round(percentile(v, 95), 1)}
            for kind, v in sorted(stats.latencies.items())
        },
        "updates": {
            "runs": len(updates),
            "failed": sum(1 for u in updates if u["returncode"] != 0),
            "new_page_not_found": sum(1 for u in updates if u["returncode"] == 0 and not u["new_page_found"]),
            "median_duration_s": round(statistics.median([u["duration_s"] for u in updates]), 2) if updates else None,
            "details": updates,
        },
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
    }
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    shutil.rmtree(work, ignore_errors=True)
    print(
        f"{report['clients']} clients, {report['duration_s']} s : {report['requests']} requêtes, "
        f"{report['errors']} erreurs, {report['throughput_rps']} req/s, médiane {report['median_ms']} ms, "
        f"p95 {report['p95_ms']} ms, p99 {report['p99_ms']} ms"
    )
    u = report["updates"]
    print(
        f"Mises à jour pendant la charge : {u['runs']} (échecs : {u['failed']}, page nouvelle introuvable : "
        f"{u['new_page_not_found']}), durée médiane {u['median_duration_s']} s"
    )
    for kind, row in report["by_kind"].items():
        print(f"  {kind:<11} {row['n']:>6}  médiane {row['median_ms']:>8} ms  p95 {row['p95_ms']:>8} ms")
    if report["errors"]:
        print("Erreurs :", report["error_kinds"])
    print(f"Rapport : {out}")
    return 0 if report["errors"] == 0 and u["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
