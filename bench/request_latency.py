"""Benchmark: time of a full search request (query, facets, passages, JSON) through the real WSGI server.

Starts `python -m search_app` (waitress) on a free loopback port over an index (built first if missing),
waits for /healthz, then sends bounded rounds of requests of four kinds (word, phrase, filtered, browse),
sequentially and then with concurrent clients, and reports the median and p95 per kind.

    python bench/request_latency.py [--index index] [--corpus corpus] [--rounds 20] [--clients 8]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUERIES = {
    "word": [
        {"q": "clauses sociales"}, {"q": "sante mentale"}, {"q": "conseil citoyen Bedarieux"},
        {"q": "l'economie sociale et solidaire"}, {"q": "QPV"}, {"q": "mobilites residentielles"},
        {"q": "commerce de proximite"}, {"q": "renouvellement urbain habitants"},
    ],
    "phrase": [
        {"q": '"conseil local de santé mentale"'}, {"q": '"politique de la ville"'},
        {"q": '"marchés réservés"'}, {"q": '"tirage au sort"'},
    ],
    "filtered": [
        {"q": "habitants", "year": "2016"}, {"q": "emploi", "theme": "emploi-insertion"},
        {"q": "conseils citoyens", "type": "pdf", "year_from": "2016", "year_to": "2019"},
        {"q": "santé", "theme": "sante", "year": ["2016", "2019"]},
    ],
    "browse": [{}, {"theme": "participation"}, {"year": "2016", "page": "2"}, {"type": "pdf", "sort": "date_asc"}],
}  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port: int, params: dict) -> float:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    t = time.perf_counter()
    conn.request("GET", "/api/search?" + urlencode(params, doseq=True))
    response = conn.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - t
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"HTTP {response.status} for {params}: {body[:200]!r}")
    json.loads(body)
    return elapsed * 1000


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def start_server(index: Path, corpus: Path, port: int) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT), CRPV_RATE_LIMIT="off")  # one client address: no rate limit
    proc = subprocess.Popen(
        [sys.executable, "-m", "search_app", "--host", "127.0.0.1", "--port", str(port),
         "--index", str(index), "--corpus", str(corpus)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("le serveur n’a pas répondu à /healthz en 30 s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default="index")
    parser.add_argument("--corpus", default="corpus")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--json", default="bench/out/request_latency.json")
    args = parser.parse_args()
    index, corpus = Path(args.index), Path(args.corpus)
    if not (index / "current").exists():
        from indexer import Settings, build_index

        build_index(Settings.load(index=index, corpus=corpus))
    port = free_port()
    proc = start_server(index, corpus, port)
    report: dict = {"rounds": args.rounds, "sequential": {}, "concurrent": {}}
    try:
        for params_list in QUERIES.values():  # warm-up
            for params in params_list:
                get(port, params)
        all_times: list[float] = []
        for kind, params_list in QUERIES.items():
            times = [get(port, p) for _ in range(args.rounds) for p in params_list]
            all_times += times
            report["sequential"][kind] = {
                "n": len(times), "median_ms": round(statistics.median(times), 2),
                "p95_ms": round(percentile(times, 95), 2),
            }  # fmt: skip
        report["sequential"]["all"] = {
            "n": len(all_times), "median_ms": round(statistics.median(all_times), 2),
            "p95_ms": round(percentile(all_times, 95), 2),
        }  # fmt: skip
        work = [p for _ in range(args.rounds) for ps in QUERIES.values() for p in ps]
        lock = threading.Lock()
        times_c: list[float] = []
        errors: list[str] = []

        def client(chunk: list[dict]) -> None:
            for p in chunk:
                try:
                    t = get(port, p)
                except Exception as exc:  # counted, reported
                    with lock:
                        errors.append(str(exc))
                    continue
                with lock:
                    times_c.append(t)

        chunks = [work[i :: args.clients] for i in range(args.clients)]
        threads = [threading.Thread(target=client, args=(c,)) for c in chunks]
        t0 = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        wall = time.perf_counter() - t0
        report["concurrent"] = {
            "clients": args.clients, "requests": len(times_c), "errors": len(errors),
            "throughput_rps": round(len(times_c) / wall, 1), "median_ms": round(statistics.median(times_c), 2),
            "p95_ms": round(percentile(times_c, 95), 2),
        }  # fmt: skip
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"{'kind':<10} {'n':>5} {'median ms':>10} {'p95 ms':>8}")
    for kind, row in report["sequential"].items():
        print(f"{kind:<10} {row['n']:>5} {row['median_ms']:>10.2f} {row['p95_ms']:>8.2f}")
    c = report["concurrent"]
    print(
        f"{c['clients']} concurrent clients: {c['requests']} requests, {c['errors']} errors, "
        f"{c['throughput_rps']} req/s, median {c['median_ms']} ms, p95 {c['p95_ms']} ms"
    )
    print(f"Report: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
