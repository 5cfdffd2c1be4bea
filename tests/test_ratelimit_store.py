"""The rate-limit counters shared by the server's worker processes (`search_app.ratelimit_store`): processes
that open a new file at the same moment all get it, and their increments add up."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

import pytest

from search_app.ratelimit_store import SqliteStorage, prepare

PROCESSES = 4


def open_and_count(uri: str, start: Any, errors: Any) -> None:
    """In a child: wait for the others, open the storage, count one request; report an error's text."""
    start.wait()
    try:
        SqliteStorage(uri).incr("client", 3600)
    except Exception as error:  # the test reports it
        errors.put(repr(error))


def open_together(path: Path) -> list[str]:
    """The errors of processes that open the storage at the same moment and count one request each."""
    context = multiprocessing.get_context("fork")
    start, errors = context.Barrier(PROCESSES), context.SimpleQueue()
    children = [context.Process(target=open_and_count, args=(f"sqlite:///{path}", start, errors))
                for _ in range(PROCESSES)]  # fmt: skip
    for child in children:
        child.start()
    for child in children:
        child.join(60)
    assert [child.exitcode for child in children] == [0] * PROCESSES
    found = []
    while not errors.empty():
        found.append(errors.get())
    return found


@pytest.mark.parametrize("prepared", [False, True], ids=["new file", "prepared file"])
def test_processes_opening_the_counters_together_all_count(tmp_path: Path, prepared: bool) -> None:
    # Without a retry, about one round in four met « database is locked » on the switch to WAL.
    for round_ in range(12):
        path = tmp_path / f"limites-{round_}.sqlite"
        if prepared:
            prepare(str(path))
        assert open_together(path) == []
        assert SqliteStorage(f"sqlite:///{path}").get("client") == PROCESSES


def test_a_storage_address_without_a_file_is_refused_in_french() -> None:
    with pytest.raises(ValueError, match="Adresse de stockage sans fichier"):
        SqliteStorage("sqlite://")
