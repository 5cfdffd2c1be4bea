"""Check that a change to the request path leaves every result unchanged: record the result dicts of a set of
queries on an index, then compare them with those recorded before the change, key by key.

    python bench/same_results.py record --index INDEX --corpus CORPUS --out before.json
    python bench/same_results.py compare before.json after.json
    python bench/same_results.py relevance before.json after.json   # two bench/relevance.py reports

The queries are those of the request benchmark (`bench/request_latency.py`), each also as its second results
page, and those of the relevance benchmark (`bench/relevance/queries.json`) with their filters. Everything of a
result dict is compared (order, snippets, PDF pages, facets) except `took_ms`; of a relevance report, everything
but `generated` and `timings`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from request_latency import QUERIES  # noqa: E402

from indexer.config import Settings  # noqa: E402
from search_app.index_handle import IndexHandle  # noqa: E402
from search_app.params import SearchParams  # noqa: E402
from search_app.search import run_search  # noqa: E402

UNSTABLE = ("took_ms",)
UNSTABLE_REPORT = ("generated", "timings")


def query_set() -> list[dict[str, Any]]:
    """The query strings checked (as `SearchParams.from_args` takes them)."""
    out: list[dict[str, Any]] = []
    for params_list in QUERIES.values():
        for params in params_list:
            out.append(dict(params))
            if "page" not in params:
                out.append({**params, "page": "2"})
    judged = json.loads((ROOT / "bench" / "relevance" / "queries.json").read_text(encoding="utf-8"))
    for query in judged["queries"]:
        out.append({"q": query["q"], **query.get("filters", {})})
    return out


def record(index: Path, corpus: Path) -> list[dict[str, Any]]:
    """Each query's parameters and result dict (without its timing)."""
    settings = Settings.load(index=index, corpus=corpus)
    handle = IndexHandle(index)
    out = []
    try:
        for params in query_set():
            result = run_search(SearchParams.from_args(params, settings), handle)
            for key in UNSTABLE:
                result.pop(key, None)
            out.append({"params": params, "result": json.loads(json.dumps(result, ensure_ascii=False))})
    finally:
        handle.close()
    return out


def differences(before: Any, after: Any, where: str = "") -> list[str]:
    """Where two JSON values differ (paths), empty when they are equal."""
    if isinstance(before, dict) and isinstance(after, dict):
        out = []
        for key in sorted(set(before) | set(after)):
            if key not in before or key not in after:
                out.append(f"{where}/{key}: only in {'after' if key not in before else 'before'}")
            else:
                out += differences(before[key], after[key], f"{where}/{key}")
        return out
    if isinstance(before, list) and isinstance(after, list):
        if len(before) != len(after):
            return [f"{where}: {len(before)} items before, {len(after)} after"]
        pairs = enumerate(zip(before, after, strict=True))
        return [d for i, (b, a) in pairs for d in differences(b, a, f"{where}[{i}]")]
    return [] if before == after else [f"{where}: {before!r:.80} before, {after!r:.80} after"]


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    rec = commands.add_parser("record", help="record the result dicts of the query set")
    rec.add_argument("--index", type=Path, required=True)
    rec.add_argument("--corpus", type=Path, required=True)
    rec.add_argument("--out", type=Path, required=True)
    for name in ("compare", "relevance"):
        cmp_ = commands.add_parser(name)
        cmp_.add_argument("before", type=Path)
        cmp_.add_argument("after", type=Path)
    args = parser.parse_args()
    if args.command == "record":
        recorded = record(args.index, args.corpus)
        args.out.write_text(json.dumps(recorded, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"{len(recorded)} result dicts in {args.out}")
        return 0
    before, after = _load(args.before), _load(args.after)
    if args.command == "relevance":
        for report in (before, after):
            for key in UNSTABLE_REPORT:
                report.pop(key, None)
    found = differences(before, after)
    for line in found[:50]:
        print(line)
    print("identical" if not found else f"{len(found)} differences")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
