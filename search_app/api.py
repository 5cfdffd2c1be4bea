"""JSON API: ``/api/search`` (the result dict of `run_search`) and ``/healthz``."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify, request

from search_app import querylog
from search_app.params import ParamError, SearchParams
from search_app.search import run_search

logger = logging.getLogger(__name__)

bp = Blueprint("api", __name__)


@bp.get("/api/search")
def api_search():  # type: ignore[no-untyped-def]
    """Search; 400 with {"error": …} for parameters out of range, 503 when the index is unavailable."""
    handle = current_app.extensions["crpv_index"]
    try:
        params = SearchParams.from_args(request.args, current_app.config["SETTINGS"])
    except ParamError as exc:
        return jsonify({"error": str(exc)}), 400
    ok, reason = handle.healthy()
    if not ok:
        return jsonify({"error": f"Recherche indisponible : {reason}"}), 503
    result = run_search(params, handle)
    querylog.note(params, result)
    return jsonify(result)


@bp.get("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    """200 when the index is open and searchable, 503 with the reason otherwise."""
    handle = current_app.extensions["crpv_index"]
    ok, reason = handle.healthy()
    if not ok:
        return jsonify({"status": "indisponible", "reason": reason}), 503
    return jsonify({"status": "ok", "documents": handle.searcher().doc_count()})
