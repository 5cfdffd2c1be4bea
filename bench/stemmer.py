"""Benchmark: Whoosh's pure-Python French Snowball stemmer against PyStemmer (the same algorithm in C).

Tokens are the words of the sample corpus as the analyser sees them before stemming (lowercase, elisions
removed, stop words dropped). Reports the time to stem all of them without any cache, with a per-word cache
(what a reindex effectively pays, since words repeat), and how many stems differ.

    python bench/stemmer.py [--corpus corpus] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from functools import lru_cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import Stemmer
from whoosh.lang import stemmer_for_language

from indexer.analysis import surface_words
from indexer.config import Settings
from indexer.corpus import Failure, scan_corpus
from indexer.extraction import extract_one


def best_of(repeat: int, fn) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="corpus")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", default="bench/out/stemmer.json")
    args = parser.parse_args()
    corpus = Path(args.corpus)
    settings = Settings.load(corpus=corpus, workers=1)
    files, _ = scan_corpus(corpus)
    words: list[str] = []
    for info in files.values():
        doc = extract_one(corpus, info, settings, None)
        if not isinstance(doc, Failure):
            words += [w for w in surface_words(doc.text) if w.isalpha()]
    whoosh_stem = stemmer_for_language("fr")
    c_stem = Stemmer.Stemmer("french").stemWord

    def cached(fn):
        return lru_cache(maxsize=None)(fn)

    results = {
        "tokens": len(words),
        "distinct": len(set(words)),
        "whoosh_python_s": best_of(args.repeat, lambda: [whoosh_stem(w) for w in words]),
        "pystemmer_s": best_of(args.repeat, lambda: [c_stem(w) for w in words]),
        "whoosh_python_cached_s": best_of(args.repeat, lambda: [f(w) for f in [cached(whoosh_stem)] for w in words]),
        "pystemmer_cached_s": best_of(args.repeat, lambda: [f(w) for f in [cached(c_stem)] for w in words]),
    }
    distinct = sorted(set(words))
    differ = [w for w in distinct if whoosh_stem(w) != c_stem(w)]
    results["distinct_words_with_different_stems"] = len(differ)
    results["agreement_percent"] = round(100 * (1 - len(differ) / len(distinct)), 3)
    results["examples_of_differences"] = [(w, whoosh_stem(w), c_stem(w)) for w in differ[:10]]
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"{results['tokens']} tokens ({results['distinct']} distinct words)")
    for key in ("whoosh_python_s", "pystemmer_s", "whoosh_python_cached_s", "pystemmer_cached_s"):
        print(f"  {key:<24} {results[key]:.3f} s")
    speedup = results["whoosh_python_s"] / results["pystemmer_s"]
    print(f"  PyStemmer is {speedup:.1f}x faster uncached; stems agree on {results['agreement_percent']} % of words")
    print(f"Report: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
