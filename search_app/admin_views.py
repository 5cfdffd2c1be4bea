"""What the documentalist's page shows, as plain French strings (the template only renders them)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from indexer.vocab import MONTH_NAMES, NO_YEAR, NO_YEAR_LABEL
from indexer.web.sources import SOURCES_NAME
from indexer.web.state import load_reports
from search_app.text_origin import page_list_label


def french_datetime(value: datetime | str | None) -> str:
    """« 29 novembre 2026 à 17 h 48 » (an ISO string or a datetime)."""
    if value is None or value == "":
        return "date inconnue"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    return f"{value.day}\u00a0{MONTH_NAMES[value.month - 1]} {value.year} à {value.hour}\u00a0h\u00a0{value.minute:02d}"


def count(n: int, singular: str, plural: str) -> str:
    """« 0 ajouté », « 1 ajouté », « 2 ajoutés » (French: plural from 2), with a thin space every 3 digits."""
    return f"{n:,}".replace(",", "\u202f") + "\u00a0" + (plural if n >= 2 else singular)


def _seconds(value: float) -> str:
    return f"{value:.1f}".replace(".", ",") + "\u00a0s"


def run_view(run: dict[str, Any] | None) -> dict[str, Any] | None:
    if not run:
        return None
    failed = run.get("failed_paths") or []
    counts = [
        count(run.get("added", 0), "ajouté", "ajoutés"),
        count(run.get("updated", 0), "modifié", "modifiés"),
        count(run.get("removed", 0), "supprimé", "supprimés"),
        count(run.get("failed", 0), "en échec", "en échec"),
    ]
    if run.get("unchanged"):
        counts.append(count(run["unchanged"], "inchangé", "inchangés"))
    lists = [
        (label, run.get(key) or [])
        for label, key in (
            ("Ajoutés", "added_paths"),
            ("Modifiés", "updated_paths"),
            ("Supprimés", "removed_paths"),
            ("Relations mises à jour", "relinked_paths"),
        )
    ]
    return {
        "mode": "Construction complète" if run.get("mode") == "build" else "Mise à jour",
        "when": french_datetime(run.get("when")),
        "duration": _seconds(run.get("duration_s") or 0.0),
        "counts": ", ".join(counts),
        "lists": [(label, paths) for label, paths in lists if paths],
        "failed": failed,
    }


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
        "documents": [{"path": d["path"], "pages": page_list_label(d["pages"])} for d in ocr.get("list", [])],
        "unread": [
            {"path": d["path"], "pages": page_list_label(d["pages"]), "reason": d["reason"]}
            for d in ocr.get("unread", [])
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
