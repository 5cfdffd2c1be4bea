"""Faults: a disk that fills up during a build or an update, an index damaged or missing under the server.

The full disk is simulated by making Whoosh's file writes raise `OSError(ENOSPC)` after a number of writes
(at the very start, or in the middle of writing the segments): the live index must stay whole and
searchable with its old content, the command line must exit 1 with one line in French, and the next run
must succeed. A damaged index (truncated or overwritten segment, missing table of contents) or a missing
one must not stop the server from starting: it says why, and `/healthz` answers 503 with the reason.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import pytest
from conftest import wp_page
from whoosh.filedb import structfile

from indexer.build import build_index
from indexer.cli import main as indexer_main
from indexer.config import Settings
from search_app import create_app
from search_app.index_handle import IndexHandle
from search_app.params import SearchParams
from search_app.search import run_search

# Whoosh leaves a file open on its error paths (a failed write of its table of contents, a segment that
# cannot be read); CPython closes it when the object is collected. Not ours to fix: not an error here.
pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning")


def paths_for(settings: Settings, q: str) -> list[str]:
    handle = IndexHandle(settings.index)
    try:
        result = run_search(SearchParams.from_args({"q": q}, settings), handle)
    finally:
        handle.close()
    return sorted(hit["path"] for hit in result["results"])


class DiskFull:
    """Whoosh's writes fail with ENOSPC after `allowed` writes (counted from the patch)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, allowed: int) -> None:
        self.allowed = allowed
        self.writes = 0
        real = structfile.StructFile.write

        def write(file, *args, **kwargs):  # type: ignore[no-untyped-def]
            self.writes += 1
            if self.writes > self.allowed:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return real(file, *args, **kwargs)

        monkeypatch.setattr(structfile.StructFile, "write", write)


def writes_needed(settings: Settings, mode: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> int:
    """How many writes the same run makes on a scratch copy (to fail it in the middle)."""
    scratch = tmp_path / "scratch"
    shutil.copytree(settings.index, scratch / "index", symlinks=True)
    counter = DiskFull(monkeypatch, allowed=10**9)
    args = [mode, "--corpus", str(settings.corpus), "--index", str(scratch / "index")]
    assert indexer_main(args) == 0
    monkeypatch.undo()
    return counter.writes


@pytest.mark.parametrize("mode", ["build", "update"])
@pytest.mark.parametrize("when", ["start", "middle"])
def test_a_full_disk_leaves_the_live_index_untouched(
    mini_copy: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, mode: str, when: str
) -> None:
    (mini_copy.corpus / "site" / "2016" / "nouveau.html").write_text(
        wp_page("Le cyprès", "<p>Un cyprès planté dans le quartier.</p>", date="2016-05-01"), encoding="utf-8"
    )
    live = os.readlink(mini_copy.index / "current")
    before = sorted(p.name for p in (mini_copy.index / "current").iterdir())
    allowed = 0 if when == "start" else writes_needed(mini_copy, mode, monkeypatch, tmp_path) // 2
    capsys.readouterr()
    disk = DiskFull(monkeypatch, allowed)
    args = [mode, "--corpus", str(mini_copy.corpus), "--index", str(mini_copy.index)]
    assert indexer_main(args) == 1
    assert disk.writes > allowed  # the disk did fill up during the run
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith(("Erreur", "Traceback"))]
    assert len(lines) == 1 and lines[0].startswith("Erreur : disque plein"), err
    assert "Traceback" not in err
    # The live index is the same generation, still searchable with its old content.
    assert os.readlink(mini_copy.index / "current") == live
    assert sorted(p.name for p in (mini_copy.index / "current").glob("*.toc")) == [
        n for n in before if n.endswith(".toc")
    ]
    assert [p.name for p in mini_copy.index.iterdir() if p.name.startswith("gen-")] == [live]
    assert paths_for(mini_copy, "cyprès") == []
    assert paths_for(mini_copy, "clauses sociales")
    # Space is back: the next run succeeds.
    monkeypatch.undo()
    assert indexer_main(args) == 0
    assert paths_for(mini_copy, "cyprès") == ["site/2016/nouveau.html"]


def test_a_full_disk_for_the_extraction_cache_is_only_a_warning(
    mini_copy: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import indexer.extraction as extraction

    def no_space(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    shutil.rmtree(mini_copy.index / "cache")
    monkeypatch.setattr(extraction.gzip, "open", no_space)  # the workers are forked: they inherit the patch
    report = build_index(mini_copy)
    assert len(report.added) == 6


# --- A damaged or missing index under the server -------------------------------------------------------


def serve_without_listening(monkeypatch: pytest.MonkeyPatch, argv: list[str]):  # type: ignore[no-untyped-def]
    """Run `python -m search_app` up to the point where it would serve; return the app it built."""
    import waitress

    from search_app.__main__ import main

    served = {}
    monkeypatch.setattr(waitress, "serve", lambda app, **options: served.update(app=app, options=options))
    assert main([*argv, "--workers", "1"]) == 0
    assert served["options"]["max_request_body_size"] <= 1024 * 1024
    return served["app"]


def segment(settings: Settings) -> Path:
    """The segment's term index (opened with the searcher); segments are not compound files."""
    return next((settings.index / "current").glob("*.trm"))


def data_files(settings: Settings) -> list[Path]:
    """The files a search reads: term index and postings."""
    current = settings.index / "current"
    return [next(current.glob("*.trm")), next(current.glob("*.pst"))]


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        ("missing", "Aucun index"),
        ("no-toc", "Aucun index"),
        ("truncated", "index endommagé ou incomplet"),
        ("emptied", "index endommagé ou incomplet"),
        ("no-segment", "index endommagé ou incomplet"),
    ],
)
def test_the_server_starts_says_why_and_answers_503(
    mini_copy: Settings, monkeypatch: pytest.MonkeyPatch, capsys, damage: str, expected: str
) -> None:
    index = mini_copy.index
    if damage == "missing":
        shutil.rmtree(index)
    elif damage == "no-toc":
        for toc in (index / "current").glob("*.toc"):
            toc.unlink()
    elif damage == "truncated":
        os.truncate(segment(mini_copy), segment(mini_copy).stat().st_size // 2)
    elif damage == "emptied":
        os.truncate(segment(mini_copy), 0)
    else:
        segment(mini_copy).unlink()
    capsys.readouterr()
    app = serve_without_listening(monkeypatch, ["--index", str(index), "--corpus", str(mini_copy.corpus)])
    err = capsys.readouterr().err
    assert f"Attention : {expected}" in err and "Le serveur démarre quand même" in err
    assert "Traceback" not in err
    web = app.test_client()
    health = web.get("/healthz")
    assert health.status_code == 503 and expected in health.get_json()["reason"]
    api = web.get("/api/search?q=clauses")
    assert api.status_code == 503 and api.get_json()["error"].startswith("Recherche indisponible")
    for url in ("/?q=clauses", "/document/site/2016/clauses-sociales.html"):
        page = web.get(url)
        assert page.status_code == 503 and "Traceback" not in page.get_data(as_text=True)
    # A rebuild repairs it, without restarting the server.
    build_index(mini_copy)
    assert web.get("/healthz").status_code == 200
    assert web.get("/api/search?q=clauses").get_json()["total"] >= 1


def test_damage_found_in_the_middle_of_a_search_is_a_503_never_a_500(mini_copy: Settings) -> None:
    statuses = []
    for target in data_files(mini_copy):  # zeroed ranges of the term index, then of the postings
        original = target.read_bytes()
        for start, end in [(0.05, 0.3), (0.2, 0.5), (0.3, 0.6), (0.5, 0.8), (0.6, 0.95), (0.1, 0.9)]:
            damaged = bytearray(original)
            damaged[int(len(damaged) * start) : int(len(damaged) * end)] = bytes(
                int(len(damaged) * end) - int(len(damaged) * start)
            )
            target.write_bytes(bytes(damaged))
            web = create_app({"SETTINGS": mini_copy}).test_client()  # not TESTING: as in production
            for url in (
                "/healthz",
                "/api/search?q=clauses",
                "/api/search?q=sante",
                "/?q=sante+mentale",
                "/api/search",
                "/document/site/2016/clauses-sociales.html",
            ):
                response = web.get(url)
                body = response.get_data(as_text=True)
                assert response.status_code in (200, 404, 503), (target.name, start, end, url, body[:300])
                assert "Traceback" not in body
                if response.status_code == 503 and url.startswith("/api/"):
                    assert "index endommagé ou incomplet" in response.get_json()["error"]
                statuses.append(response.status_code)
        target.write_bytes(original)
    assert 503 in statuses


def test_the_indexer_commands_on_a_damaged_index_give_one_line(mini_copy: Settings, capsys) -> None:
    os.truncate(segment(mini_copy), segment(mini_copy).stat().st_size // 3)
    for command in (["status"], ["update", "--corpus", str(mini_copy.corpus)]):
        capsys.readouterr()
        assert indexer_main([*command, "--index", str(mini_copy.index)]) == 1
        err = capsys.readouterr().err
        assert "Traceback" not in err and "python -m indexer build" in err, err
    assert indexer_main(["build", "--corpus", str(mini_copy.corpus), "--index", str(mini_copy.index)]) == 0


def test_a_bad_setting_in_the_environment_gives_one_line(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from search_app.__main__ import main as serve_main

    monkeypatch.setenv("CRPV_MAX_PDF_PAGES", "3k")
    assert indexer_main(["status"]) == 1
    assert serve_main([]) == 2
    err = capsys.readouterr().err
    assert err.count("Erreur : Valeur invalide pour CRPV_MAX_PDF_PAGES : « 3k » (attendu : un nombre entier).") == 2
    assert "Traceback" not in err
