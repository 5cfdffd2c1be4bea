"""The documentalist's page ``/admin``: what the index holds, what failed and why, the searches that found
nothing, and a button that updates the index.

Access: HTTP Basic authentication, any user name, the password being the token of ``CRPV_ADMIN_TOKEN``
(`Settings.admin_token`), compared in constant time. Without a configured token the page answers 403
(« administration désactivée »); with missing or wrong credentials, 401 and a ``WWW-Authenticate: Basic``
challenge. Serve it over HTTPS (behind a reverse proxy) outside a trusted network: Basic sends the token
with every request.

The update button is a POST form carrying a per-session CSRF token (Flask's signed session cookie,
``SameSite=Strict``); a POST without the right token gets 403. The signing key comes from the app config
(``SECRET_KEY``, e.g. ``CRPV_FLASK_SECRET_KEY``), else ``CRPV_SECRET_KEY``, else a key generated once and kept in
``<index>/secret_key`` (permissions 0600).

The update runs in the background (`search_app.update_runner.UpdateRunner`). The page follows Post/Redirect/Get;
the app's searchers see the update at their next request.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    get_flashed_messages,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from indexer.config import Settings
from indexer.errors import IndexerError
from indexer.vocab import policy_vocabulary
from indexer.wording import french_datetime
from search_app import querylog
from search_app.admin_views import catalogue_view, run_view, runner_view, status_view, sync_view
from search_app.update_runner import ALREADY_RUNNING, UpdateRunner, run_sync

logger = logging.getLogger(__name__)

bp = Blueprint("admin", __name__)

REALM = "Administration du moteur CRPV"  # ASCII only: a header value, where ’ cannot be written
SECRET_FILE = "secret_key"
SECRET_ENV = "CRPV_SECRET_KEY"
CSRF_KEY = "admin_csrf"
EXTENSION = "crpv_admin"
SYNC_EXTENSION = "crpv_sync"


# ---------------------------------------------------------------------------------------------------------
# Setup (when the blueprint is registered)


@bp.record_once
def _setup(state: Any) -> None:
    app: Flask = state.app
    settings: Settings = app.config["SETTINGS"]
    app.extensions[EXTENSION] = UpdateRunner(settings)
    app.extensions[SYNC_EXTENSION] = UpdateRunner(settings, run=run_sync)
    if not app.config.get("SESSION_COOKIE_SAMESITE"):
        app.config["SESSION_COOKIE_SAMESITE"] = "Strict"
    if settings.admin_token and not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = os.environ.get(SECRET_ENV) or load_secret_key(Path(settings.index))


def load_secret_key(index_root: Path) -> str:
    """The session signing key kept in ``<index>/secret_key`` (created once, mode 0600).

    When the index folder is not writable, a key for this process only (sessions end with the server).
    """
    path = index_root / SECRET_FILE
    try:
        key = path.read_text(encoding="ascii").strip()
        if len(key) >= 32:
            return key
    except FileNotFoundError:
        pass
    except (OSError, UnicodeDecodeError) as exc:
        logger.warning("Clé de session illisible (%s) : %s", path, exc)
    key = secrets.token_urlsafe(48)
    tmp = index_root / f".{SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    try:
        index_root.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, (key + "\n").encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)  # atomic and never overwrites: of two servers starting together, one key wins
        except FileExistsError:
            existing = path.read_text(encoding="ascii").strip()
            return existing if len(existing) >= 32 else key
        finally:
            tmp.unlink(missing_ok=True)
        return key
    except OSError as exc:
        logger.warning("Impossible d’enregistrer la clé de session dans %s (%s) : clé temporaire.", path, exc)
        return key


# ---------------------------------------------------------------------------------------------------------
# Access control


def _settings() -> Settings:
    return current_app.config["SETTINGS"]


def _same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison (of digests, so that not even the length leaks)."""
    a = hashlib.sha256(given.encode("utf-8", "surrogatepass")).digest()
    b = hashlib.sha256(expected.encode("utf-8", "surrogatepass")).digest()
    return hmac.compare_digest(a, b)


@bp.before_request
def _guard():  # type: ignore[no-untyped-def]
    token = _settings().admin_token
    if not token:
        message = (
            "L’administration est désactivée : définissez la variable d’environnement CRPV_ADMIN_TOKEN "
            "(un secret long) puis redémarrez le serveur."
        )
        return render_template("error.html", title="Administration désactivée", message=message), 403
    auth = request.authorization
    if auth is None or auth.type != "basic" or not _same_secret(auth.password or "", token):
        response = current_app.make_response(
            (
                render_template(
                    "error.html",
                    title="Authentification requise",
                    message="Identifiant au choix ; mot de passe : le jeton d’administration (CRPV_ADMIN_TOKEN).",
                ),
                401,
            )
        )
        response.headers["WWW-Authenticate"] = f'Basic realm="{REALM}", charset="UTF-8"'
        return response
    return None


@bp.after_request
def _private(response):  # type: ignore[no-untyped-def]
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def csrf_token() -> str:
    """The CSRF token of the admin's browser session (created on first use)."""
    token = session.get(CSRF_KEY)
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        session[CSRF_KEY] = token
    return token


def _csrf_ok() -> bool:
    sent = request.form.get("csrf_token", "")
    expected = session.get(CSRF_KEY)
    return bool(sent) and isinstance(expected, str) and _same_secret(sent, expected)


# ---------------------------------------------------------------------------------------------------------
# Routes


@bp.get("/admin")
def admin():  # type: ignore[no-untyped-def]
    """The index state, the last run, failures, PDFs without text, zero-result searches; the update button."""
    from indexer.status import index_status

    settings = _settings()
    runner: UpdateRunner = current_app.extensions[EXTENSION]
    status: dict[str, Any] | None = None
    index_error = None
    try:
        status = index_status(Path(settings.index))
    except IndexerError as exc:
        index_error = str(exc)
    except Exception as exc:  # a damaged index must still leave the update button usable
        logger.exception("État de l’index illisible")
        index_error = f"État de l’index illisible ({type(exc).__name__})."
    queries = querylog.top_zero_queries(querylog.log_path(settings.index))
    catalogue, catalogue_error = catalogue_view(Path(settings.corpus))
    return render_template(
        "admin.html",
        title="Administration de l’index",
        messages=get_flashed_messages(with_categories=True),
        csrf_token=csrf_token(),
        runner=runner_view(runner.state()),
        status=status_view(status) if status else None,
        index_error=index_error,
        last_run=run_view((status or {}).get("last_run")) if status else None,
        queries=[{**q, "last": french_datetime(q["last"].astimezone())} for q in queries],
        days=querylog.DAYS,
        catalogue=catalogue,
        catalogue_error=catalogue_error,
        corpus=str(settings.corpus),
        index=str(settings.index),
        vocabulary_problems=policy_vocabulary(Path(settings.corpus)).problems,
        sync=sync_view(Path(settings.corpus), current_app.extensions[SYNC_EXTENSION].state()),
    )


@bp.post("/admin/mise-a-jour")
def start_update():  # type: ignore[no-untyped-def]
    """Start an update in the background, then back to the page (Post/Redirect/Get)."""
    return _start(EXTENSION, "Mise à jour lancée", f"{ALREADY_RUNNING} : attendez qu’elle se termine.")


@bp.post("/admin/synchronisation")
def start_sync():  # type: ignore[no-untyped-def]
    """Start a sync of the followed sites (then the index update) in the background; back to the page."""
    busy = "Une synchronisation est déjà en cours : attendez qu’elle se termine."
    return _start(SYNC_EXTENSION, "Synchronisation lancée", busy, anchor="sites")


def _start(extension: str, started: str, busy: str, anchor: str | None = None):  # type: ignore[no-untyped-def]
    """Start the runner of `extension` if the form's CSRF token is right, then back to the page."""
    if not _csrf_ok():
        message = "Jeton de sécurité absent ou invalide : rechargez la page d’administration puis recommencez."
        return render_template("error.html", title="Requête refusée", message=message), 403
    runner: UpdateRunner = current_app.extensions[extension]
    if runner.start():
        flash(f"{started} : rechargez la page pour en voir le résultat.", "info")
    else:
        flash(busy, "warning")
    return redirect(url_for("admin.admin", _anchor=anchor), code=303)
