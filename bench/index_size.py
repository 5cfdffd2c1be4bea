"""Benchmark: what each field and each kind of term costs in an index (the table of `bench/scale/index_size.py`),
for any index or corpus, with the ratio to SQLite FTS5 when its database is given.

    python bench/index_size.py --corpus corpus [--index /tmp/ix] [--json bench/out/index_size.json]
    python bench/index_size.py --index /tmp/scale-3k-index --fts /tmp/scale-3k-fts.sqlite

An index folder that does not exist is built there from ``--corpus`` first (a temporary one without ``--index``).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.scale.index_size import markdown, measure


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, help="an index folder (built there from --corpus when missing)")
    parser.add_argument("--corpus", type=Path, default=Path("corpus"))
    parser.add_argument("--fts", type=Path, help="the SQLite FTS5 database of the same text (bench/scale)")
    parser.add_argument("--json", type=Path, default=Path("bench/out/index_size.json"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        index_root = args.index or Path(tmp) / "index"
        build_s = None
        if not index_root.exists():
            from indexer.build import build_index
            from indexer.config import Settings

            started = time.perf_counter()
            build_index(Settings.load(corpus=args.corpus, index=index_root))
            build_s = round(time.perf_counter() - started, 2)
        result = measure(index_root)
    result["build_s"] = build_s
    result["index_mb"] = round(sum(result["files_mb"].values()), 2)
    lines = [markdown(result), f"\nIndex: {result['index_mb']} MB on disk, {result['records']} records."]
    if args.fts:
        result["fts_mb"] = round(args.fts.stat().st_size / 1e6, 2)
        result["ratio_to_fts"] = round(result["index_mb"] / result["fts_mb"], 2)
        lines.append(f"SQLite FTS5 of the same text: {result['fts_mb']} MB; ratio {result['ratio_to_fts']}.")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
