"""Reindexing while people search: live pick-up by the app, crashes (SIGKILL) at any point, concurrent runs."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import wp_page

from indexer.build import build_index
from indexer.config import Settings
from indexer.progress import FAULT_ENV
from indexer.status import index_status
from indexer.store import index_lock
from indexer.update import update_index
from search_app.index_handle import IndexHandle
from search_app.params import SearchParams
from search_app.search import run_search

ROOT = Path(__file__).resolve().parents[1]


def search_paths(handle: IndexHandle, settings: Settings, q: str) -> list[str]:
    result = run_search(SearchParams.from_args({"q": q}, settings), handle)
    return [r["path"] for r in result["results"]]


def add_post(corpus: Path, name: str, word: str) -> None:
    folder = corpus / "site" / "2022"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(
        wp_page(f"Nouvelle publication {word}", f"<p>Le mot {word} apparaît ici.</p>", "2022-01-10"), encoding="utf-8"
    )


def test_the_app_sees_each_update_and_build_without_restart(mini_copy):
    handle = IndexHandle(mini_copy.index)
    assert search_paths(handle, mini_copy, "zygomatique") == []
    add_post(mini_copy.corpus, "a.html", "zygomatique")
    update_index(mini_copy)
    assert search_paths(handle, mini_copy, "zygomatique") == ["site/2022/a.html"]
    (mini_copy.corpus / "site" / "2022" / "a.html").unlink()
    update_index(mini_copy)
    assert search_paths(handle, mini_copy, "zygomatique") == []  # deletions are seen too
    add_post(mini_copy.corpus, "b.html", "zygomatique")
    build_index(mini_copy)  # a full rebuild swaps the index folder
    assert search_paths(handle, mini_copy, "zygomatique") == ["site/2022/b.html"]
    handle.close()


def _run(settings: Settings, command: str, fault: str | None = None, wait: float | None = None):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if fault:
        env[FAULT_ENV] = fault
    args = [sys.executable, "-m", "indexer", command, "--corpus", str(settings.corpus), "--index", str(settings.index)]
    if wait is not None:
        args += ["--wait", str(wait)]
    return subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _snapshot(settings: Settings) -> tuple[int, list[str]]:
    status = index_status(settings.index)
    return status["documents"], sorted(f["path"] for f in status["failures"])


def _change_corpus(corpus: Path) -> None:
    for i in range(8):
        add_post(corpus, f"n{i}.html", f"mot{i}x")
    (corpus / "site" / "2019" / "sante-mentale.html").unlink()
    geo = corpus / "site" / "2014" / "geographie.html"
    geo.write_text(geo.read_text(encoding="utf-8").replace("remplace", "prolonge"), encoding="utf-8")


@pytest.mark.parametrize("fault", ["update:extracted", "update:writing", "update:before-commit", "update:committed"])
def test_sigkill_during_update_keeps_an_index_and_the_next_update_completes(mini_copy, fault):
    before = _snapshot(mini_copy)
    _change_corpus(mini_copy.corpus)
    proc = _run(mini_copy, "update", fault)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    handle = IndexHandle(mini_copy.index)
    assert handle.healthy()[0]
    docs, failures = _snapshot(mini_copy)
    if fault == "update:committed":
        assert docs == before[0] + 8 - 1  # the commit happened: the new state is whole
    else:
        assert (docs, failures) == before  # nothing of the interrupted run is visible
    assert search_paths(handle, mini_copy, "clauses sociales")
    report = update_index(mini_copy)
    assert report.failed == [] or all("tronque" in f["path"] for f in report.failed)
    assert _snapshot(mini_copy)[0] == before[0] + 8 - 1
    assert search_paths(handle, mini_copy, "mot3x") == ["site/2022/n3.html"]
    assert search_paths(handle, mini_copy, "psychiatrie") == []
    handle.close()


@pytest.mark.parametrize("fault", ["build:extracted", "build:writing", "build:committed", "build:swapped"])
def test_sigkill_during_build_keeps_the_previous_index(mini_copy, fault):
    before = _snapshot(mini_copy)
    live = os.readlink(mini_copy.index / "current")
    _change_corpus(mini_copy.corpus)
    proc = _run(mini_copy, "build", fault)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    if fault == "build:swapped":
        assert _snapshot(mini_copy)[0] == before[0] + 7  # swapped: the new index is whole
    else:
        assert os.readlink(mini_copy.index / "current") == live
        assert _snapshot(mini_copy) == before
    report = update_index(mini_copy)  # completes the work; stale generation folders are removed
    assert _snapshot(mini_copy)[0] == before[0] + 7
    assert len([p for p in mini_copy.index.iterdir() if p.name.startswith("gen-")]) == 1
    assert report.mode == "update"


def test_sigkill_at_random_moments(mini_copy):
    """Kill real runs at random times (seeded), including inside Whoosh's commit and the extraction."""
    rng = random.Random(20261129)
    _change_corpus(mini_copy.corpus)
    expected = _snapshot(mini_copy)[0] + 7
    for _ in range(4):
        proc = _run(mini_copy, rng.choice(["update", "build"]))
        time.sleep(rng.uniform(0.3, 1.2))  # the delay is the randomised kill point, not a wait for a result
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        handle = IndexHandle(mini_copy.index)
        assert handle.healthy()[0]
        handle.close()
        # The index is either the old state or a newer one, never a broken one.
        assert index_status(mini_copy.index)["documents"] in range(5, expected + 1)
    update_index(mini_copy)
    assert _snapshot(mini_copy)[0] == expected
    assert _orphans(mini_copy) == []  # extraction workers die with their killed parent
    fresh = mini_copy.index.parent / "fresh"
    shutil.copytree(mini_copy.corpus, fresh / "corpus")
    build_index(Settings(corpus=fresh / "corpus", index=fresh / "index", workers=1))
    assert index_status(fresh / "index")["by_year"] == index_status(mini_copy.index)["by_year"]


def _orphans(settings: Settings) -> list[int]:
    """Processes still running on this test's index, after a short grace for the kernel to reap them."""
    deadline = time.monotonic() + 5
    while True:
        found = []
        for proc in Path("/proc").iterdir():
            if proc.name.isdigit():
                try:
                    cmdline = (proc / "cmdline").read_bytes().decode(errors="replace")
                    zombie = (proc / "stat").read_text().split()[2] == "Z"
                except (OSError, IndexError):
                    continue
                if str(settings.index) in cmdline and not zombie:
                    found.append(int(proc.name))
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_a_second_run_waits_for_the_lock_with_wait(mini_copy):
    add_post(mini_copy.corpus, "w.html", "attente")
    with index_lock(mini_copy.index):
        refused = _run(mini_copy, "update")
        refused.communicate(timeout=60)
        assert refused.returncode == 1
        waiting = _run(mini_copy, "update", wait=60)
        with pytest.raises(subprocess.TimeoutExpired):
            waiting.wait(timeout=1.0)  # still waiting while the lock is held
    out, _ = waiting.communicate(timeout=60)
    assert waiting.returncode == 0 and "1 ajouté(s)" in out


def test_two_concurrent_updates_never_corrupt(mini_copy):
    _change_corpus(mini_copy.corpus)
    procs = [_run(mini_copy, "update", wait=60) for _ in range(2)]
    for proc in procs:
        proc.communicate(timeout=120)
    assert [p.returncode for p in procs] == [0, 0]
    assert _snapshot(mini_copy)[0] == 6 + 8 - 1


def test_each_index_generation_has_its_own_term_cache(mini_copy):
    """The postings, decoded blocks and scorer constants kept for one generation are never read for the next."""
    handle = IndexHandle(mini_copy.index)
    before = handle.searcher()
    cache = handle.term_cache(before)
    assert handle.term_cache(handle.searcher()) is cache
    search_paths(handle, mini_copy, "conseil citoyen")
    add_post(mini_copy.corpus, "a.html", "zygomatique")
    update_index(mini_copy)
    after = handle.searcher()
    assert after.reader().generation() != before.reader().generation()
    fresh = handle.term_cache(after)
    assert fresh is not cache and fresh.decoded_bytes() == 0 and not len(fresh._items) and not len(fresh._scoring)
    assert search_paths(handle, mini_copy, "zygomatique") == ["site/2022/a.html"]
    handle.close()
