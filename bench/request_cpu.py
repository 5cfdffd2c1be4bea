"""Benchmark: CPU time of the request path in-process (`run_search` + JSON), per query, on a shared machine.

Wall time is noisy when other processes share the cores; the CPU time of this process (`time.process_time`)
much less so. The queries are those of `bench/request_latency.py`. The first pass over them is reported on its
own (`first`: what each query costs with the caches of the index generation filled by the queries before it
only), then `--rounds` passes (the median and p95 of each query, and of all requests pooled). With `--profile`,
one more set of passes runs under cProfile and its top functions are printed (cumulative and own time, calls).

    python bench/request_cpu.py --index INDEX --corpus CORPUS [--rounds 10] [--profile 40] [--json out.json]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from request_latency import QUERIES, percentile  # noqa: E402

from indexer.config import Settings  # noqa: E402
from search_app.index_handle import IndexHandle  # noqa: E402
from search_app.params import SearchParams  # noqa: E402
from search_app.search import run_search  # noqa: E402


def _flat() -> list[dict[str, Any]]:
    return [p for ps in QUERIES.values() for p in ps]


def _cpu_ms(params: SearchParams, handle: IndexHandle) -> float:
    started = time.process_time()
    json.dumps(run_search(params, handle), ensure_ascii=False)
    return (time.process_time() - started) * 1000


def measure(index: Path, corpus: Path, rounds: int) -> dict[str, Any]:
    """The first pass and `rounds` passes over the queries, in CPU milliseconds."""
    settings = Settings.load(index=index, corpus=corpus)
    handle = IndexHandle(index)
    flat = [(json.dumps(p, ensure_ascii=False), SearchParams.from_args(p, settings)) for p in _flat()]
    try:
        first = {key: round(_cpu_ms(params, handle), 1) for key, params in flat}
        per_query: dict[str, list[float]] = {key: [] for key, _ in flat}
        for _ in range(rounds):
            for key, params in flat:
                per_query[key].append(_cpu_ms(params, handle))
    finally:
        handle.close()
    pooled = [t for times in per_query.values() for t in times]
    return {
        "first": first,
        "first_all": _figures(list(first.values())),
        "per_query": {key: _figures(times) for key, times in per_query.items()},
        "all": _figures(pooled),
    }


def _figures(times: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(times), 1), "p95": round(percentile(times, 95), 1)}


def profile(index: Path, corpus: Path, rounds: int, top: int = 40) -> str:
    """cProfile over `rounds` passes (after one pass to warm the caches): top functions by cumulative time
    and by own time."""
    settings = Settings.load(index=index, corpus=corpus)
    handle = IndexHandle(index)
    flat = [SearchParams.from_args(p, settings) for p in _flat()]
    try:
        for params in flat:
            run_search(params, handle)
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for _ in range(rounds):
            for params in flat:
                json.dumps(run_search(params, handle), ensure_ascii=False)
        profiler.disable()
    finally:
        handle.close()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--profile", type=int, default=0, help="passes under cProfile (0: none)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = measure(args.index, args.corpus, args.rounds)
    width = max(len(k) for k in result["per_query"])
    for key, figures in result["per_query"].items():
        first = result["first"][key]
        print(f"{key:{width}}  first {first:7.1f}  median {figures['median']:7.1f}  p95 {figures['p95']:7.1f}")
    print(f"first pass: median {result['first_all']['median']} ms, p95 {result['first_all']['p95']} ms (CPU)")
    print(f"all requests: median {result['all']['median']} ms, p95 {result['all']['p95']} ms (CPU)")
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.profile:
        print(profile(args.index, args.corpus, args.profile))
    return 0


if __name__ == "__main__":
    sys.exit(main())
