"""Counting the records whose word positions `Evaluator.near_at` reads, for the tests of the proximity bounds."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def records_read(evaluator: Any) -> Iterator[list[int]]:
    """While the block runs, each call of `evaluator.near_at` appends how many records it was asked to read."""
    read: list[int] = []
    near_at = evaluator.near_at

    def counting(fieldname: str, words: list[str], slop: int, docs: Any) -> Any:
        read.append(len(docs))
        return near_at(fieldname, words, slop, docs)

    evaluator.near_at = counting
    try:
        yield read
    finally:
        evaluator.near_at = near_at
