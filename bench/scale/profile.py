"""Where the time goes: py-spy on a real cold build (main process and extraction workers) and on the search
server under the benchmark's queries, pyinstrument on the request path in-process; summaries with percentages.

    python bench/scale.py profile --n 10000 [--work /tmp] [--out bench/out/scale-profile-10k]

py-spy samples from outside (``--subprocesses``), so the build runs as usual (two extraction workers, one
writer) at little cost; its raw output (collapsed stacks) is summarised per process role: for each, the
functions by *inclusive* share (time spent in the function and what it calls) and by *self* share.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.scale import codebase
from bench.scale.runner import ROOT, _env, corpus_name, free_port, get, queries

logger = logging.getLogger(__name__)

_LINE = re.compile(r"^(.*) (\d+)$")
_FRAME = re.compile(r"^(?P<func>.+?) \((?P<file>[^()]*?)(?::\d+)?\)$")


def _py_spy() -> str:
    exe = Path(sys.executable).with_name("py-spy")
    if exe.exists():
        return str(exe)
    found = shutil.which("py-spy")
    if not found:
        raise SystemExit("py-spy is not installed: .venv/bin/pip install py-spy")
    return found


def _frame(raw: str) -> str:
    m = _FRAME.match(raw.strip())
    if not m:
        return raw.strip()
    path = m.group("file")
    for marker in ("site-packages/", "/work/main/", "lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{m.group('func')} ({path})"


def summarise(raw_file: Path, top: int = 25) -> dict[str, Any]:
    """Per process role (the root process, its children), the top functions by inclusive and self share."""
    roles: dict[str, dict[str, Counter[str]]] = {}
    totals: Counter[str] = Counter()
    for line in raw_file.read_text(encoding="utf-8", errors="replace").splitlines():
        m = _LINE.match(line)
        if not m:
            continue
        stack, count = m.group(1), int(m.group(2))
        frames = stack.split(";")
        markers = 0
        while markers < len(frames) and frames[markers].startswith("process "):
            markers += 1
        # With --subprocesses, a child's stack starts with its parent's marker, then its own.
        role = {0: "process", 1: "main process"}.get(markers, "child processes")
        frames = frames[markers:]
        if role == "child processes":
            # A forked worker's stack still shows the parent's frames down to the fork: keep the worker's own.
            starts = [i for i, f in enumerate(frames) if f.startswith(("BaseProcess.run ", "_process_worker "))]
            frames = frames[starts[-1] + 1 :] if starts else frames
        names = [_frame(f) for f in frames if f]
        if not names:
            continue
        bucket = roles.setdefault(role, {"inclusive": Counter(), "self": Counter()})
        totals[role] += count
        bucket["self"][names[-1]] += count
        for name in set(names):
            bucket["inclusive"][name] += count
    out: dict[str, Any] = {}
    for role, bucket in roles.items():
        total = totals[role]
        out[role] = {
            "samples": total,
            "inclusive": [(n, round(100 * c / total, 1)) for n, c in bucket["inclusive"].most_common(top)],
            "self": [(n, round(100 * c / total, 1)) for n, c in bucket["self"].most_common(top)],
        }
    return out


def as_text(title: str, summary: dict[str, Any]) -> str:
    """A summary as plain text (percent of the role's samples)."""
    lines = [title, "=" * len(title)]
    for role, data in summary.items():
        lines.append(f"\n{role}: {data['samples']} samples")
        for kind in ("inclusive", "self"):
            lines.append(f"  top by {kind} share:")
            lines += [f"    {pct:5.1f} %  {name}" for name, pct in data[kind]]
    return "\n".join(lines)


def profile_build(corpus: Path, out: Path, rate: int, work: Path) -> dict[str, Any]:
    """py-spy on a cold `python -m indexer build` (fresh index and extraction cache)."""
    index = work / f"{corpus.name}-profile-index"
    shutil.rmtree(index, ignore_errors=True)
    raw = out / "build.pyspy.txt"
    cmd = [_py_spy(), "record", "--subprocesses", "-r", str(rate), "-f", "raw", "-o", str(raw), "--",
           sys.executable, "-m", "indexer", "build", "--corpus", str(corpus), "--index", str(index)]  # fmt: skip
    started = time.perf_counter()
    with (out / "build.log").open("w") as log:
        subprocess.run(cmd, cwd=codebase.active(), env=_env(), stdout=log, stderr=log, check=True)
    wall = time.perf_counter() - started
    last = json.loads((index / "last_run.json").read_text(encoding="utf-8"))
    summary = summarise(raw)
    text = as_text(f"Cold build of {corpus} under py-spy ({wall:.0f} s; timings {last.get('timings')})", summary)
    (out / "build-profile.txt").write_text(text, encoding="utf-8")
    shutil.rmtree(index, ignore_errors=True)
    return {"wall_s": round(wall, 1), "timings": last.get("timings"), "summary": summary}


def profile_server(corpus: Path, index: Path, out: Path, rate: int, rounds: int) -> dict[str, Any]:
    """py-spy on the server (python -m search_app) while the benchmark's queries run `rounds` times, sequentially."""
    port = free_port()
    raw = out / "server.pyspy.txt"
    cmd = [_py_spy(), "record", "-r", str(rate), "-f", "raw", "-o", str(raw), "--",
           sys.executable, "-m", "search_app", "--host", "127.0.0.1", "--port", str(port),
           "--index", str(index), "--corpus", str(corpus)]  # fmt: skip
    log = (out / "server.log").open("w")
    proc = subprocess.Popen(cmd, cwd=codebase.active(), env=_env(), stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                get(port, {})
                break
            except Exception:
                time.sleep(0.5)
        count = 0
        for _ in range(rounds):
            for params_list in queries().values():
                for params in params_list:
                    get(port, params)
                    count += 1
    finally:
        # py-spy forwards nothing: stop the server itself (its child), py-spy then writes its file.
        from bench.scale.procmon import tree

        for pid in tree(proc.pid)[1:]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        proc.wait(timeout=60)
        log.close()
    summary = summarise(raw)
    text = as_text(f"Search server at {index} under py-spy ({count} requests)", summary)
    (out / "server-profile.txt").write_text(text, encoding="utf-8")
    return {"requests": count, "summary": summary}


def profile_inprocess(corpus: Path, index: Path, out: Path, rounds: int) -> str:
    """pyinstrument on `run_search` + JSON for the benchmark's queries (the call tree, as text)."""
    from pyinstrument import Profiler

    from indexer.config import Settings
    from search_app.index_handle import IndexHandle
    from search_app.params import SearchParams
    from search_app.search import run_search

    codebase.check()
    settings = Settings.load(index=index, corpus=corpus)
    handle = IndexHandle(index)
    flat = [p for ps in queries().values() for p in ps]
    for params in flat:  # warm-up: facet postings, caches
        run_search(SearchParams.from_args(params, settings), handle)
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(rounds):
        for params in flat:
            json.dumps(run_search(SearchParams.from_args(params, settings), handle), ensure_ascii=False)
    profiler.stop()
    handle.close()
    text = profiler.output_text(unicode=True, color=False, show_all=False, time="percent_of_total")
    (out / "request-pyinstrument.txt").write_text(text, encoding="utf-8")
    flat = profiler.output_text(unicode=True, color=False, flat=True, flat_time="self", time="percent_of_total")
    (out / "request-pyinstrument-flat-self.txt").write_text(flat, encoding="utf-8")
    full = profiler.output_text(unicode=True, color=False, show_all=True, time="percent_of_total")
    (out / "request-pyinstrument-full.txt").write_text(full, encoding="utf-8")
    return text


def run_profile(args: Any) -> int:
    """`python bench/scale.py profile` (see the module docstring)."""
    from bench.scale.runner import bench_lock

    name = corpus_name(args.n, getattr(args, "profile", "usual"))
    corpus, index = args.work / f"scale-{name}", args.work / f"scale-{name}-index"
    out = args.out or (ROOT / "bench" / "out" / f"scale-profile-{name}")
    out.mkdir(parents=True, exist_ok=True)
    if not (index / "current").exists():
        raise SystemExit(f"no index at {index}: run `python bench/scale.py run --n {args.n}` first")
    state_file = args.work / f"scale-{name}-results.json"
    built_by = json.loads(state_file.read_text(encoding="utf-8")).get("code") if state_file.exists() else None
    if built_by != codebase.active_hash():
        raise SystemExit(f"{index} was built by engine code {built_by}, not {codebase.active_hash()}: run it again")
    result: dict[str, Any] = {"code": codebase.active_hash()}
    with bench_lock():
        if "build" not in args.skip:
            logger.info("profiling a cold build of %s", corpus)
            result["build"] = profile_build(corpus, out, args.rate, args.work)
        if "server" not in args.skip:
            logger.info("profiling the server")
            result["server"] = profile_server(corpus, index, out, args.rate, args.rounds)
        if "inprocess" not in args.skip:
            logger.info("profiling the request path in-process (pyinstrument)")
            profile_inprocess(corpus, index, out, args.rounds)
    (out / "profile.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    for name_ in ("build-profile.txt", "server-profile.txt"):
        if (out / name_).exists():
            print((out / name_).read_text(encoding="utf-8"))
    print(f"Profiles in {out}")
    return 0
