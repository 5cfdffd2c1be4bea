"""The search front end: a Flask app rendering one result dict as an HTML page and as JSON.

`create_app(test_config=None)` follows Flask's application-factory pattern: settings come from
`indexer.config.Settings` (defaults, then ``CRPV_*`` environment variables), then `test_config`.
"""

from __future__ import annotations

import logging
import os
import pickle
import struct
import zlib
from pathlib import Path
from typing import Any

import whoosh
from flask import Flask, jsonify, render_template, request
from whoosh import index as whoosh_index

from indexer.config import Settings
from search_app.index_handle import IndexHandle, damaged_reason

logger = logging.getLogger(__name__)

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app. `test_config` may set ``SETTINGS`` (a `Settings`) or ``INDEX``/``CORPUS`` paths."""
    app = Flask(__name__)
    app.config.from_mapping(JSON_AS_ASCII=False, MAX_CONTENT_LENGTH=64 * 1024)
    app.config.from_prefixed_env(prefix="CRPV_FLASK")
    if test_config:
        app.config.update(test_config)
    settings: Settings = app.config.get("SETTINGS") or Settings.load(
        index=app.config.get("INDEX"), corpus=app.config.get("CORPUS")
    )
    app.config["SETTINGS"] = settings
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["crpv_index"] = IndexHandle(Path(settings.index))

    from search_app import admin, api, feeds, views

    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(feeds.bp)

    @app.after_request
    def security_headers(response):  # type: ignore[no-untyped-def]
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    _limit_requests(app, settings)
    _handle_errors(app)
    return app


# Errors an index damaged on disk raises in the middle of a search (truncated or overwritten files); Whoosh
# also raises plain `Exception`s (« Block tag error »), recognised by where they come from.
_INDEX_READ_ERRORS = (OSError, EOFError, struct.error, zlib.error, pickle.UnpicklingError, whoosh_index.IndexError)
_WHOOSH_DIR = os.path.dirname(whoosh.__file__) + os.sep


def _raised_reading_the_index(error: BaseException) -> bool:
    if isinstance(error, _INDEX_READ_ERRORS):
        return True
    frame = error.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    return frame is not None and frame.tb_frame.f_code.co_filename.startswith(_WHOOSH_DIR)


RATE_LIMIT_OFF = ("", "0", "off", "non", "none", "aucune")


def _error(status: int, title: str, message: str):  # type: ignore[no-untyped-def]
    """The same error as JSON ({"error": …}) under /api/ and as a French HTML page elsewhere."""
    if request.path.startswith("/api/"):
        return jsonify({"error": message}), status
    return render_template("error.html", title=title, message=message), status


def _limit_requests(app: Flask, settings: Settings) -> None:
    """Refuse over-long URLs (414), and limit each client's searches (Flask-Limiter, 429).

    The rate limit is shared by ``/`` and ``/api/search``, counted per client address in memory by
    default (``CRPV_RATE_LIMIT_STORAGE`` for a shared store: ``sqlite:///file`` or Redis; several server
    processes share a SQLite file, see `search_app.serving`); it is off when ``CRPV_RATE_LIMIT=off`` and,
    unless ``RATELIMIT_ENABLED`` says otherwise, in tests (``TESTING``).
    """

    @app.before_request
    def refuse_long_urls():  # type: ignore[no-untyped-def]
        size = len(request.query_string) + len(request.path.encode("utf-8", "surrogateescape"))
        if size > settings.max_url_bytes:
            return _error(
                414,
                "Adresse trop longue",
                f"Adresse trop longue ({size} octets, limite {settings.max_url_bytes}) : raccourcissez la requête.",
            )
        return None

    rate = settings.rate_limit.strip()
    app.config.setdefault("RATELIMIT_ENABLED", not app.testing and rate.lower() not in RATE_LIMIT_OFF)
    app.config.setdefault("RATELIMIT_STORAGE_URI", settings.rate_limit_storage)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address

    if settings.rate_limit_storage.startswith("sqlite:"):
        from search_app import ratelimit_store  # noqa: F401  (registers the storage shared by server processes)

    limiter = Limiter(get_remote_address, app=app, default_limits=[])
    app.extensions["crpv_limiter"] = limiter
    if rate.lower() in RATE_LIMIT_OFF:
        return
    shared = limiter.shared_limit(rate, scope="recherche")
    for endpoint in ("views.index", "api.api_search", "feeds.feed"):
        app.view_functions[endpoint] = shared(app.view_functions[endpoint])

    @app.errorhandler(429)
    def too_many_requests(error):  # type: ignore[no-untyped-def]
        return _error(
            429,
            "Trop de requêtes",
            f"Trop de recherches depuis votre adresse (limite : {rate}) : réessayez dans un instant.",
        )


def _handle_errors(app: Flask) -> None:
    """Never a traceback to the client: a French message, and 503 when the index cannot be read."""

    @app.errorhandler(500)
    def internal_error(error):  # type: ignore[no-untyped-def]
        original = getattr(error, "original_exception", None)
        if original is not None and _raised_reading_the_index(original):
            return _error(503, "Recherche indisponible", f"Recherche indisponible : {damaged_reason(original)}")
        return _error(500, "Erreur interne", "Erreur interne du serveur : l’incident est enregistré dans le journal.")
