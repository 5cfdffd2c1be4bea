"""What the documentalist's page shows, as plain French strings (the template only renders them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from indexer.catalogue import CatalogueError, CatalogueIssue, read_catalogue
from indexer.vocab import NO_YEAR, NO_YEAR_LABEL
from indexer.web.sources import SOURCES_NAME
from indexer.web.state import load_reports
from indexer.wording import count, french_datetime, page_list


def _seconds(value: float) -> str:
    return f"{value:.1f}".replace(".", ",") + "\u00a0s"


def run_view(run: dict[str, Any] | None) -> dict[str, Any] | None:
    if not run:
        return None
    failed = run.get("failed_paths") or []
    build = run.get("mode") == "build"
    counts = [
        count(run.get("added", 0), "document indexé", "documents indexés")
        if build
        else count(run.get("added", 0), "ajouté", "ajoutés"),
        count(run.get("updated", 0), "modifié", "modifiés"),
        count(run.get("removed", 0), "supprimé", "supprimés"),
        count(run.get("failed", 0), "en échec", "en échec"),
    ]
    if run.get("unchanged"):
        counts.append(count(run["unchanged"], "inchangé", "inchangés"))
    lists = [
        (label, run.get(key) or [])
        for label, key in (
            *(() if build else (("Ajoutés", "added_paths"),)),  # a build adds every file: no list to read
            ("Modifiés", "updated_paths"),
            ("Supprimés", "removed_paths"),
            ("Relations mises à jour", "relinked_paths"),
        )
    ]
    return {
        "mode": "Construction complète" if build else "Mise à jour",
        "when": french_datetime(run.get("when")),
        "duration": _seconds(run.get("duration_s") or 0.0),
        "counts": ", ".join(counts),
        "lists": [(label, paths) for label, paths in lists if paths],
        "failed": failed,
    }


def catalogue_view(corpus: Path) -> tuple[list[CatalogueIssue], str | None]:
    """The rows of the corpus's catalogue that are ignored or applied in part (the same list as
    `python -m indexer catalogue --check`), or why the catalogue cannot be read."""
    try:
        return read_catalogue(corpus).issues, None
    except (CatalogueError, OSError) as exc:
        return [], str(exc)


def runner_view(state: dict[str, Any]) -> dict[str, Any]:
    view: dict[str, Any] = {"state": state["state"], "running": state["state"] == "running"}
    if "started" in state:
        view["started"] = french_datetime(state["started"])
    if "finished" in state:
        view["finished"] = french_datetime(state["finished"])
    if state.get("summary"):
        summary = state["summary"]
        view["run"] = run_view(summary)
        view["changed"] = any(summary.get(k) for k in ("added", "updated", "removed", "failed", "relinked"))
    view["error"] = state.get("error")
    return view


def status_view(status: dict[str, Any]) -> dict[str, Any]:
    by_year = [(NO_YEAR_LABEL if y == NO_YEAR else y, n) for y, n in status["by_year"].items()]
    return {
        "documents": count(status["documents"], "document", "documents"),
        "html": count(status["by_format"]["html"], "page web", "pages web"),
        "pdf": count(status["by_format"]["pdf"], "PDF", "PDF"),
        "pages": count(status.get("pages", 0), "page", "pages"),
        "tables": [
            ("Par année", "Année", by_year),
            ("Par thème", "Thème", list(status["by_theme"].items())),
            ("Par type", "Type", list(status.get("by_type_label", status["by_type"]).items())),
        ],
        "failures": status["failures"],
        "empty": status["empty"],
        "ocr": _ocr_view(status.get("ocr") or {}),
    }


def _ocr_view(ocr: dict[str, Any]) -> dict[str, Any]:
    """The documents read by OCR and the pages left unread, with their pages said in French."""
    return {
        "summary": f"{count(ocr.get('documents', 0), 'document', 'documents')}, "
        f"{count(ocr.get('pages', 0), 'page', 'pages')}",
        "documents": [{"path": d["path"], "pages": page_list(d["pages"])} for d in ocr.get("list", [])],
        "unread": [
            {"path": d["path"], "pages": page_list(d["pages"]), "reason": d["reason"]} for d in ocr.get("unread", [])
        ],
    }


def sync_view(corpus: Path, state: dict[str, Any]) -> dict[str, Any]:
    """The followed sites: each one's last sync (from the corpus's sync folder), and the sync started here."""
    sources = []
    for report in load_reports(corpus):
        errors = report.get("errors") or []
        counts = [
            count(report.get("added", 0), "ajouté", "ajoutés"),
            count(report.get("changed", 0), "modifié", "modifiés"),
            count(report.get("removed", 0), "supprimé", "supprimés"),
            count(len(errors), "erreur", "erreurs"),
        ]
        sources.append(
            {
                "label": report.get("label") or report.get("source"),
                "url": report.get("url"),
                "when": french_datetime(report.get("when")),
                "counts": ", ".join(counts),
                "fatal": report.get("fatal"),
                "errors": errors[:10],
                "more_errors": max(0, len(errors) - 10),
            }
        )
    view = runner_view({k: v for k, v in state.items() if k != "summary"})
    return {"sources": sources, "has_file": (corpus / SOURCES_NAME).is_file(), "runner": view}
