"""Counting the records whose word positions `Evaluator.runs_at` (and `near_at`, through it) reads, for the tests
of the proximity bounds."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def records_read(evaluator: Any) -> Iterator[list[int]]:
    """While the block runs, each call of `evaluator.runs_at` appends how many records it was asked to read."""
    read: list[int] = []
    runs_at = evaluator.runs_at

    def counting(fieldname: str, words: list[str], slop: int, docs: Any) -> Any:
        read.append(len(docs))
        return runs_at(fieldname, words, slop, docs)

    evaluator.runs_at = counting
    try:
        yield read
    finally:
        evaluator.runs_at = runs_at
