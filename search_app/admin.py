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

The update runs in a background thread of the server (`UpdateRunner`), which calls
`indexer.update.update_index` in a child process (``python -m search_app.admin``): extraction arms a
``SIGALRM`` time limit per file, which Python allows only in a process's main thread, and a child also keeps
a hostile PDF's memory out of the server. (A plain subprocess rather than multiprocessing: its "spawn" start
method re-runs the parent's main script, which may be the script that started the server.) The page follows
Post/Redirect/Get; the app's searchers see the update at their next request.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import fields
from datetime import datetime
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

from indexer.config import ENV_PREFIX, Settings
from indexer.errors import IndexerError, IndexLockedError
from indexer.vocab import NO_YEAR, NO_YEAR_LABEL
from search_app import querylog

logger = logging.getLogger(__name__)

bp = Blueprint("admin", __name__)

REALM = "Administration de l'index CRPV"
SECRET_FILE = "secret_key"
SECRET_ENV = "CRPV_SECRET_KEY"
CSRF_KEY = "admin_csrf"
EXTENSION = "crpv_admin"
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
ALREADY_RUNNING = "Une mise à jour est déjà en cours"


# ---------------------------------------------------------------------------------------------------------
# Setup (when the blueprint is registered)


@bp.record_once
def _setup(state: Any) -> None:
    app: Flask = state.app
    settings: Settings = app.config["SETTINGS"]
    app.extensions[EXTENSION] = UpdateRunner(settings)
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
# The background update


def run_update(settings: Settings) -> dict[str, Any]:
    """Run `update_index` in a child process (``python -m search_app.admin``) → the run's summary.

    The child gets the settings as ``CRPV_*`` variables (`Settings.load` reads them back) and answers one JSON
    line on stdout; its log goes to the server's stderr. Raises `IndexLockedError` when the index is locked,
    `IndexerError` when the run could not complete.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    for f in fields(settings):
        if f.name != "admin_token":
            env[ENV_PREFIX + f.name.upper()] = str(getattr(settings, f.name))
    package_root = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p)
    child = subprocess.run(
        [sys.executable, "-m", "search_app.admin"], env=env, stdout=subprocess.PIPE, text=True, check=False
    )
    try:
        answer = json.loads(child.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        answer = {}
    if "summary" in answer:
        return answer["summary"]
    if "locked" in answer:
        raise IndexLockedError(answer["locked"])
    if "error" in answer:
        raise IndexerError(answer["error"])
    raise IndexerError(
        f"Le processus de mise à jour s’est arrêté brutalement (code {child.returncode}) ; "
        "l’index précédent reste en place."
    )


def _child_main() -> int:
    """The child of `run_update`: one update with the settings of the environment, one JSON line out."""
    from indexer.update import update_index

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s", stream=sys.stderr)
    try:
        answer: dict[str, Any] = {"summary": update_index(Settings.load()).summary()}
    except IndexLockedError as exc:
        answer = {"locked": str(exc)}
    except IndexerError as exc:
        answer = {"error": str(exc)}
    except OSError as exc:
        answer = {"error": f"Erreur système : {exc.strerror or exc} ({getattr(exc, 'filename', '') or ''})"}
    except KeyboardInterrupt:
        answer = {"error": "Mise à jour interrompue : l’index précédent reste en place."}
    print(json.dumps(answer, ensure_ascii=False), flush=True)
    return 0 if "summary" in answer else 1


class UpdateRunner:
    """One update at a time, in a background thread; its state is read by the page.

    `state()` is a dict: ``state`` (``idle``, ``running``, ``done``, ``locked``, ``failed``), ``started`` and
    ``finished`` (aware datetimes), ``summary`` (the run's summary) or ``error`` (French message).
    """

    def __init__(self, settings: Settings, run: Callable[[Settings], dict[str, Any]] = run_update) -> None:
        self.settings = settings
        self._run = run
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._state: dict[str, Any] = {"state": "idle"}

    def start(self) -> bool:
        """Start an update; False when one started here is still running."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return False
            self._state = {"state": "running", "started": _now()}
            self._thread = threading.Thread(target=self._work, name="crpv-admin-update", daemon=True)
            self._thread.start()
        return True

    def _work(self) -> None:
        result: dict[str, Any]
        try:
            result = {"state": "done", "summary": self._run(self.settings)}
        except IndexLockedError:
            result = {
                "state": "locked",
                "error": f"{ALREADY_RUNNING} (lancée par une autre commande) : celle-ci n’a rien fait. "
                "Relancez-la dans un moment si des fichiers ont changé depuis.",
            }
        except IndexerError as exc:
            result = {"state": "failed", "error": str(exc)}
        except Exception as exc:  # the page must report any failure, never lose it in a thread
            logger.exception("Échec de la mise à jour lancée depuis /admin")
            result = {"state": "failed", "error": f"Erreur inattendue ({type(exc).__name__} : {exc})"}
        logger.info("Mise à jour depuis /admin : %s", result["state"])
        with self._lock:
            self._state = {**self._state, **result, "finished": _now()}

    def join(self, timeout: float | None = None) -> None:
        """Wait for the current update's thread to end (for tests and clean shutdowns)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def state(self) -> dict[str, Any]:
        """A copy of the current state."""
        with self._lock:
            return dict(self._state)


def _now() -> datetime:
    return datetime.now().astimezone()


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
    """This session's CSRF token (created on first use)."""
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
    return render_template(
        "admin.html",
        title="Administration de l’index",
        messages=get_flashed_messages(with_categories=True),
        csrf_token=csrf_token(),
        runner=_runner_view(runner.state()),
        status=_status_view(status) if status else None,
        index_error=index_error,
        last_run=_run_view((status or {}).get("last_run")) if status else None,
        queries=[{**q, "last": french_datetime(q["last"].astimezone())} for q in queries],
        days=querylog.DAYS,
        corpus=str(settings.corpus),
        index=str(settings.index),
    )


@bp.post("/admin/mise-a-jour")
def start_update():  # type: ignore[no-untyped-def]
    """Start an update in the background, then back to the page (Post/Redirect/Get)."""
    if not _csrf_ok():
        message = "Jeton de sécurité absent ou invalide : rechargez la page d’administration puis recommencez."
        return render_template("error.html", title="Requête refusée", message=message), 403
    runner: UpdateRunner = current_app.extensions[EXTENSION]
    if runner.start():
        flash("Mise à jour lancée : rechargez la page pour en voir le résultat.", "info")
    else:
        flash(f"{ALREADY_RUNNING} : attendez qu’elle se termine.", "warning")
    return redirect(url_for("admin.admin"), code=303)


# ---------------------------------------------------------------------------------------------------------
# What the template shows (plain values: the template only renders them)


def french_datetime(value: datetime | str | None) -> str:
    """« 29 novembre 2026 à 17 h 48 » (an ISO string or a datetime)."""
    if value is None or value == "":
        return "date inconnue"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    return f"{value.day}\u00a0{MONTHS[value.month - 1]} {value.year} à {value.hour}\u00a0h\u00a0{value.minute:02d}"


def count(n: int, singular: str, plural: str) -> str:
    """« 0 ajouté », « 1 ajouté », « 2 ajoutés » (French: plural from 2), with a thin space every 3 digits."""
    return f"{n:,}".replace(",", "\u202f") + "\u00a0" + (plural if n >= 2 else singular)


def _seconds(value: float) -> str:
    return f"{value:.1f}".replace(".", ",") + "\u00a0s"


def _run_view(run: dict[str, Any] | None) -> dict[str, Any] | None:
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


def _runner_view(state: dict[str, Any]) -> dict[str, Any]:
    view: dict[str, Any] = {"state": state["state"], "running": state["state"] == "running"}
    if "started" in state:
        view["started"] = french_datetime(state["started"])
    if "finished" in state:
        view["finished"] = french_datetime(state["finished"])
    if state.get("summary"):
        summary = state["summary"]
        view["run"] = _run_view(summary)
        view["changed"] = any(summary.get(k) for k in ("added", "updated", "removed", "failed", "relinked"))
    view["error"] = state.get("error")
    return view


def _status_view(status: dict[str, Any]) -> dict[str, Any]:
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
    }


if __name__ == "__main__":
    sys.exit(_child_main())
