"""The command line: build, update, status (text and JSON), exit codes, and the README that documents it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import scan_fixtures as sx

from indexer.cli import _print_status, main
from indexer.cli_parser import french_error
from indexer.store import index_lock
from indexer.web.sources import SOURCES_NAME

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "indexer", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def test_build_update_status_round_trip(mini_copy, capsys):
    args = ["--corpus", str(mini_copy.corpus), "--index", str(mini_copy.index)]
    assert main(["build", *args]) == 0
    assert "Construction terminée" in capsys.readouterr().out
    assert main(["update", *args]) == 0
    assert "0 ajouté(s), 0 modifié(s), 0 supprimé(s)" in capsys.readouterr().out
    assert main(["status", "--json", "--index", str(mini_copy.index)]) == 0
    status = json.loads(capsys.readouterr().out)
    for key in ("documents", "by_format", "by_type", "by_year", "by_theme", "failures", "empty", "last_run"):
        assert key in status, key
    assert status["documents"] == 6 and status["by_format"] == {"html": 5, "pdf": 1}
    assert status["failures"][0]["path"] == "dossiers/exemples-defectueux/tronque.pdf"
    assert main(["status", "--index", str(mini_copy.index)]) == 0
    text = capsys.readouterr().out
    assert "Documents : 6 (5 pages web, 1 PDF" in text and "tronque.pdf — PDF endommagé" in text
    # The last run is the no-op update, dated in French as on /admin.
    assert re.search(r"Dernière exécution : mise à jour, le \d+\xa0\w+ 20\d\d à \d+\xa0h\xa0\d\d — 0 ajouté", text)


def test_status_text_gives_the_ocr_pages_and_no_control_file_as_ignored(tmp_path, capsys):
    sx.require_tesseract()
    corpus = tmp_path / "corpus"
    (corpus / "dossiers").mkdir(parents=True)
    (corpus / "dossiers" / "mixte.pdf").write_bytes(sx.mixed_pdf())  # page 2 is a scan
    (corpus / "dossiers" / "scan.pdf").write_bytes(sx.english_scan_pdf())
    for name in ("catalogue.csv", "vocabulaire.tsv", SOURCES_NAME):  # the corpus's own control files
        (corpus / name).write_text("", encoding="utf-8")
    (corpus / "notes.toml").write_text("", encoding="utf-8")
    index = tmp_path / "index"
    out = run_cli("build", "--corpus", str(corpus), "--index", str(index)).stdout
    assert re.search(r"Construction terminée en \d+,\d\d s", out)  # a French decimal comma
    assert main(["status", "--index", str(index)]) == 0
    text = capsys.readouterr().out
    assert (
        "Lus par OCR : 2\xa0documents, 2\xa0pages\n  dossiers/mixte.pdf — page 2\n  dossiers/scan.pdf — page 1\n"
        in text
    )
    assert "Fichiers ignorés (1) :\n  notes.toml — " in text  # neither sources.toml nor the tables


def test_status_text_lists_the_pages_left_unread_within_bounds(capsys):
    status = {
        "index": "index", "documents": 30, "pages": 40, "by_format": {"html": 0, "pdf": 30},
        "by_year": {}, "by_theme": {}, "by_type_label": {}, "failures": [], "empty": [],
        "ocr": {
            "documents": 0, "pages": 0, "list": [], "unread_pages": 50,
            "unread": [
                {"path": f"dossiers/scan-{n:02d}.pdf", "pages": [1, 2], "reason": "OCR indisponible : Tesseract"}
                for n in range(25)
            ],
        },
    }  # fmt: skip
    _print_status(status)
    text = capsys.readouterr().out
    assert "Lus par OCR : aucun\nPages scannées non lues : 50\xa0pages\n" in text
    assert "  dossiers/scan-00.pdf — pages 1 à 2 : OCR indisponible : Tesseract\n" in text
    assert "scan-19.pdf" in text and "scan-20.pdf" not in text
    assert "  … et 5 autre(s) (liste complète avec --json)" in text


def test_environment_gives_the_defaults(mini_copy, capsys, monkeypatch):
    monkeypatch.setenv("CRPV_INDEX", str(mini_copy.index))
    assert main(["status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["documents"] == 6


def test_missing_corpus_exits_1_with_one_line(tmp_path):
    result = run_cli("build", "--corpus", str(tmp_path / "absent"), "--index", str(tmp_path / "index"))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("Erreur : Dossier du corpus introuvable")
    assert "Traceback" not in result.stderr


def test_missing_index_status_exits_1(tmp_path):
    result = run_cli("status", "--index", str(tmp_path / "none"))
    assert result.returncode == 1 and "Aucun index" in result.stderr and "Traceback" not in result.stderr


def test_locked_index_is_refused_with_a_clear_message(mini_copy):
    with index_lock(mini_copy.index):
        result = run_cli("update", "--corpus", str(mini_copy.corpus), "--index", str(mini_copy.index))
    assert result.returncode == 1
    assert "en cours" in result.stderr and "Traceback" not in result.stderr
    assert "Another" not in result.stderr  # French only


def test_argument_errors_are_in_french():
    result = run_cli("update", "--bogus")
    assert result.returncode == 2
    assert "utilisation : python -m indexer" in result.stderr
    assert "erreur : arguments non reconnus : --bogus" in result.stderr
    result = run_cli("compile")
    expected = "choix « compile » inconnu (possibles : « build », « update », « sync », « status », « catalogue »)"
    assert expected in result.stderr
    # Python 3.13 writes the choices bare: French quotes all the same.
    bare = french_error("argument COMMANDE: invalid choice: 'x' (choose from build, update)")
    assert bare == "argument COMMANDE : choix « x » inconnu (possibles : « build », « update »)"
    result = run_cli("update", "--interval", "vite")
    assert "argument --interval : nombre de secondes attendu : « vite »" in result.stderr
    assert not re.search(r"\b(usage|error|required|invalid|arguments:)\b", result.stderr + run_cli("--help").stdout)


def test_failed_files_do_not_fail_the_run(mini_copy):
    result = run_cli("build", "--corpus", str(mini_copy.corpus), "--index", str(mini_copy.index))
    assert result.returncode == 0
    assert "1 en échec" in result.stdout
    assert "EOF marker" not in result.stderr  # pypdf's English warnings stay out of a French run (-v shows them)


@pytest.mark.parametrize("module", ["indexer", "search_app"])
def test_every_command_and_option_is_in_the_readme(module):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    if module == "indexer":
        help_text = run_cli("--help").stdout
        commands = re.findall(r"^\s{4}(build|update|sync|status|catalogue)\s", help_text, re.MULTILINE)
        assert set(commands) == {"build", "update", "sync", "status", "catalogue"}
        for command in commands:
            assert f"python -m indexer {command}" in readme
            options = set(re.findall(r"(--[a-z][a-z-]+)", run_cli(command, "--help").stdout)) - {"--help"}
            line = next(line for line in readme.splitlines() if f"python -m indexer {command}" in line)
            for option in options:
                assert option in line, (command, option)
    else:
        out = subprocess.run(
            [sys.executable, "-m", "search_app", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60
        ).stdout
        line = next(line for line in readme.splitlines() if "python -m search_app" in line)
        for option in set(re.findall(r"(--[a-z][a-z-]+)", out)) - {"--help"}:
            assert option in line, option


def test_readme_quick_start_is_the_ci_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Démarrage rapide", 1)[1].split("##", 1)[0]
    commands = re.findall(r"^(bash scripts/\S+)", quick, re.MULTILINE)
    assert commands == ["bash scripts/run.sh", "bash scripts/test.sh"]
    assert "bash scripts/test.sh" in (ROOT / ".ci" / "run").read_text()
