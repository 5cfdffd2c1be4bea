"""The search front end: a Flask app rendering one result dict as an HTML page and as JSON.

`create_app(test_config=None)` follows Flask's application-factory pattern: settings come from
`indexer.config.Settings` (defaults, then ``CRPV_*`` environment variables), then `test_config`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask

from indexer.config import Settings
from search_app.engine import IndexHandle

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

    from search_app import admin, api, views

    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(admin.bp)

    @app.after_request
    def security_headers(response):  # type: ignore[no-untyped-def]
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    return app
