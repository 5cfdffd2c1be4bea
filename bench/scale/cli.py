"""Command line of the scale benchmarks (`python bench/scale.py …`)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/scale.py", description="Scale benchmarks of the search engine.")
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="generate a corpus of N documents shaped like the sample")
    gen.add_argument("--n", type=int, required=True)
    gen.add_argument("--out", type=Path, required=True)
    gen.add_argument("--seed", type=int, default=None, help="default: 20161122")
    gen.add_argument("--pdf-share", type=float, default=None, help="share of PDFs (default: sample's, 10 %% above 20k)")
    gen.add_argument("--workers", type=int, default=2)
    profile_help = (
        "usual: the sample's lengths; long: documents of real length (web pages of 5,000-30,000 words, "
        "PDFs of 100-700 pages)"
    )
    gen.add_argument("--profile", choices=("usual", "long"), default="usual", help=profile_help)
    run = sub.add_parser("run", help="run the benchmark at one or more sizes")
    run.add_argument("--n", type=int, action="append", required=True, help="corpus size (repeatable)")
    run.add_argument("--work", type=Path, default=Path("/tmp"), help="where corpora and indexes live (reused)")
    run.add_argument("--profile", choices=("usual", "long"), default="usual", help=profile_help)
    run.add_argument("--json", type=Path, default=Path("bench/out/scale.json"))
    run.add_argument("--seed", type=int, default=None, help="default: 20161122")
    run.add_argument("--code", type=Path, default=None, help="engine code to run (default: a frozen copy of the tree)")
    run.add_argument("--rounds", type=int, default=10, help="repetitions of each query (sequential)")
    run.add_argument("--clients", type=int, default=8)
    run.add_argument("--concurrent-requests", type=int, default=400, help="bound on the concurrent phase")
    run.add_argument("--time-budget", type=float, default=120.0, help="seconds at most per request phase")
    run.add_argument("--skip", action="append", default=[], help="skip a step: baseline, cold, warm, requests, "
                     "concurrent, fts (repeatable)")  # fmt: skip
    run.add_argument("--fresh", action="store_true", help="redo every step (the corpus is still reused)")
    run.add_argument("--redo", action="append", default=[], help="redo one step (repeatable)")
    run.add_argument("--keep-index", action="store_true", help="keep an index built by other code (when the "
                     "indexer changed on the query side only; recorded in the report)")  # fmt: skip
    run.add_argument("--quiet-cores", type=float, default=0.4, help="start a step when other processes use less")
    run.add_argument("--quiet-wait", type=float, default=300.0, help="wait at most this long for it (0: never)")
    prof = sub.add_parser("profile", help="py-spy / pyinstrument on a cold build and on the request path")
    prof.add_argument("--n", type=int, required=True, help="corpus size (its corpus and index must exist)")
    prof.add_argument("--work", type=Path, default=Path("/tmp"))
    prof.add_argument("--profile", choices=("usual", "long"), default="usual", help=profile_help)
    prof.add_argument("--out", type=Path, default=None, help="default: bench/out/scale-profile-<N>")
    prof.add_argument("--rate", type=int, default=100, help="py-spy samples per second")
    prof.add_argument("--rounds", type=int, default=5, help="repetitions of the query set")
    prof.add_argument("--skip", action="append", default=[], help="build, server or inprocess (repeatable)")
    prof.add_argument("--code", type=Path, default=None, help="engine code to run (default: a frozen copy of the tree)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr)
    if args.command in ("run", "profile"):
        # Freeze the engine code for the whole run (see bench/scale/codebase.py), before importing it.
        from bench.scale import codebase

        args.work.mkdir(parents=True, exist_ok=True)
        code = args.code.resolve() if args.code else codebase.snapshot(args.work.resolve())
        codebase.activate(code)
        logging.getLogger(__name__).info("engine code: %s", code)
    from bench.scale.generate import DEFAULT_SEED, generate

    if getattr(args, "seed", None) is None and hasattr(args, "seed"):
        args.seed = DEFAULT_SEED
    if args.command == "generate":
        manifest = generate(
            args.n, args.out, seed=args.seed, pdf_share=args.pdf_share, workers=args.workers, profile=args.profile
        )
        print(json.dumps({k: v for k, v in manifest.items() if k != "truncated_pdfs"}, ensure_ascii=False, indent=2))
        return 0
    if args.command == "profile":
        from bench.scale.profile import run_profile

        return run_profile(args)
    from bench.scale.runner import run_all

    return run_all(args)
