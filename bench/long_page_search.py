"""Benchmark: in-process time of `run_search` for queries answered by a long web page (the sample's abécédaire).

Builds the index of the corpus into a temporary folder, then times `search_app.search.run_search` for each query
over `--rounds` repetitions after one warm-up, and prints the median and the best section shown.

    python bench/long_page_search.py [--corpus corpus] [--rounds 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from indexer import Settings, build_index  # noqa: E402
from search_app.index_handle import IndexHandle  # noqa: E402
from search_app.params import SearchParams  # noqa: E402
from search_app.search import run_search  # noqa: E402

QUERIES = ["abécédaire politique de la ville", "adultes-relais", "budget participatif", "cité éducative", "ANRU"]
LONG_PAGE = "site/2021/abecedaire-politique-de-la-ville-2021.html"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.load(index=Path(tmp) / "index", corpus=args.corpus)
        build_index(settings)
        handle = IndexHandle(Path(tmp) / "index")
        for q in QUERIES:
            params = SearchParams.from_args({"q": q}, settings)
            result = run_search(params, handle)
            rank = next((i for i, r in enumerate(result["results"], 1) if r["path"] == LONG_PAGE), None)
            times = []
            for _ in range(args.rounds):
                start = time.perf_counter()
                run_search(params, handle)
                times.append(time.perf_counter() - start)
            print(f"{q!r:40} median {statistics.median(times) * 1000:7.1f} ms  abécédaire at rank {rank}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
