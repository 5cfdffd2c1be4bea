"""`python -m search_app`: the port it announces is the port it listens on, and a port it cannot use is one
French line, never a traceback."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest

from search_app.__main__ import main

ROOT = Path(__file__).resolve().parents[1]


def test_a_port_out_of_range_is_refused_in_french(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "search_app", "--port", "99999", "--index", str(tmp_path / "index")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,  # before the fix, the server started (on another port) and this timed out
    )
    assert result.returncode == 2
    assert "argument --port : port 99999 hors limites (de 1 à 65535)" in result.stderr
    assert "Recherche disponible" not in result.stderr


def test_a_port_in_use_is_one_french_line(mini_settings, capsys) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["--port", str(port), "--index", str(mini_settings.index), "--workers", "1"]) == 1
    err = capsys.readouterr().err
    assert f"Erreur : impossible d’écouter sur 127.0.0.1:{port} : le port {port} est déjà utilisé" in err
    assert "Recherche disponible" not in err and "Traceback" not in err


def test_the_announced_address_is_the_one_listened_on(mini_settings, monkeypatch, capsys) -> None:
    from waitress.server import BaseWSGIServer

    answers: list[int] = []
    real_run = BaseWSGIServer.run

    def run_once(server: BaseWSGIServer) -> None:
        """Serve in a thread, fetch /healthz at the announced address, then stop the server."""
        address = capsys.readouterr().err.split("Recherche disponible sur ")[1].split()[0]
        thread = threading.Thread(target=real_run, args=(server,), daemon=True)
        thread.start()
        try:
            with urllib.request.urlopen(address + "healthz", timeout=30) as response:
                answers.append(response.status)
        finally:
            server.task_dispatcher.shutdown()  # its worker threads first: they wake the loop when done
            server.close()  # the serving loop ends when its sockets are closed
            thread.join(timeout=30)

    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    monkeypatch.setattr(BaseWSGIServer, "run", run_once)
    assert main(["--port", str(port), "--index", str(mini_settings.index), "--workers", "1"]) == 0
    assert answers == [200]


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("CRPV_RATE_LIMIT", "beaucoup", "« beaucoup » (attendu : une limite comme « 120/minute »"),
        ("CRPV_TRUSTED_PROXIES", "-1", "« -1 » (attendu : le nombre de mandataires inverses"),
    ],
)
def test_bad_settings_are_refused_at_start_up(monkeypatch, capsys, name: str, value: str, expected: str) -> None:
    monkeypatch.setenv(name, value)
    assert main(["--port", "5000"]) == 2  # before any request (a bad rate limit used to disable it silently)
    err = capsys.readouterr().err
    assert f"Erreur : Valeur invalide pour {name} : {expected}" in err and "Traceback" not in err


def test_what_the_served_app_holds_is_out_of_the_cyclic_collectors_reach(mini_settings) -> None:
    """The modules and the app live as long as the serving process: a full garbage collection must not walk
    them on every request it happens to fall in (`serving.app_with_frozen_heap`)."""
    import gc

    from search_app.serving import app_with_frozen_heap

    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    built = []
    try:
        app = app_with_frozen_heap(lambda s: built.append(s) or "app", mini_settings)
        assert app == "app" and built == [mini_settings]
        assert gc.get_freeze_count() > 10_000  # the modules' functions and classes, at least
    finally:
        gc.unfreeze()
