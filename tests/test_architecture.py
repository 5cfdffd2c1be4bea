"""The request path is one-way (docs/architecture.md): no stage imports a later one, and nothing after ranking
reaches the evaluator."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SEARCH_APP = Path(__file__).resolve().parents[1] / "search_app"
STAGES = ["params", "query", "evaluate", "facets", "rank", "pages", "present", "suggest"]
AFTER_RANKING = {"pages", "present", "suggest"}


def _imports(module: str) -> set[str]:
    """The `search_app` modules that `module` imports."""
    tree = ast.parse((SEARCH_APP / f"{module}.py").read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("search_app"):
            if node.module == "search_app":
                found.update(alias.name for alias in node.names)
            else:
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("search_app."))
    return found


@pytest.mark.parametrize("stage", STAGES)
def test_a_stage_imports_no_later_stage(stage: str) -> None:
    later = set(STAGES[STAGES.index(stage) + 1 :])
    assert not _imports(stage) & later
    assert "search" not in _imports(stage) and "index_handle" not in _imports(stage)


@pytest.mark.parametrize("stage", sorted(AFTER_RANKING))
def test_nothing_after_ranking_evaluates_a_query(stage: str) -> None:
    assert not _imports(stage) & {"evaluate", "rank", "whoosh_postings"}


def test_the_check_sees_imports() -> None:
    assert {"evaluate", "page_records", "postings", "query", "tuning"} <= _imports("rank")
