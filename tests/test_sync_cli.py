"""`python -m indexer sync` as the staff see it: each source's line before the index update (even when the index is
locked), why a source failed, and its notes; against the demonstration WordPress site on loopback."""

from __future__ import annotations

import json

import pytest
from sync_sites import served_small_site

from indexer.store import index_lock
from indexer.web.harvest import SyncReport
from indexer.web.sync import summary_line


@pytest.fixture
def site():
    with served_small_site() as site:
        yield site


def test_cli_sync_with_the_index_locked_prints_the_sources_first(tmp_path, site, capsys):
    from indexer.cli import main

    corpus, index = tmp_path / "corpus", tmp_path / "index"
    args = ["sync", site.base + "/", "--corpus", str(corpus), "--index", str(index)]
    with index_lock(index):
        assert main(args) == 1
        out, err = capsys.readouterr()
        assert out.startswith("127.0.0.1 (API WordPress) : 6 ajouté(s), 0 modifié(s), 0 supprimé(s)")
        assert err.strip().startswith("Erreur : Une autre construction ou mise à jour de l’index est en cours")
        assert main([*args, "--json"]) == 1
        out, err = capsys.readouterr()
        report = json.loads(out)
        assert report["sources"][0]["unchanged"] == 4 and report["index"] is None
        assert report["index_error"].startswith("Une autre construction") and err.startswith("Erreur : ")
    assert main(args) == 0  # the lock released: the copy is indexed
    assert capsys.readouterr().out.splitlines()[1].startswith("Construction terminée")


def test_cli_sync_prints_why_the_source_failed_and_its_notes(tmp_path, site, capsys, monkeypatch):
    from indexer.cli import main

    monkeypatch.setenv("CRPV_SYNC_RETRIES", "3")
    monkeypatch.setenv("CRPV_SYNC_BACKOFF", "0.01")
    corpus = tmp_path / "corpus"
    assert main(["sync", site.base + "/", "--corpus", str(corpus), "--no-update"]) == 0
    site.fault("/", *[("status", 500)] * 4)
    site.fault("/wp-json/wp/v2/categories", ("status", 401))
    assert main(["sync", site.base + "/", "--corpus", str(corpus), "--no-update"]) == 1
    line = capsys.readouterr().out.splitlines()[-1]
    assert line.startswith("127.0.0.1 : échec — ") and "erreur du serveur (500) sur la page d’accueil" in line
    assert main(["sync", site.base + "/", "--corpus", str(corpus), "--no-update"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("127.0.0.1 (sitemaps)")
    assert out[1] == "  remarque : API WordPress fermée : accès refusé (401) ; lecture par les sitemaps"


def test_admin_sync_with_the_index_locked_says_so(tmp_path, site):
    """/admin runs `sync --json`: the sources are synced, and the lock is its error, as before the report came first."""
    from sync_sites import mirrored, sync_settings

    from indexer.errors import IndexerError
    from search_app.update_runner import run_sync

    settings = sync_settings(tmp_path)
    settings.corpus.mkdir(parents=True)
    (settings.corpus / "sources.toml").write_text(
        f'[[source]]\nname = "vt"\nlabel = "VT"\nurl = "{site.base}/"\n', encoding="utf-8"
    )
    with index_lock(settings.index), pytest.raises(IndexerError, match=r"^Une autre construction"):
        run_sync(settings)
    assert len(mirrored(settings, ".html")) == 4  # fetched all the same, indexed by the next update


def test_the_sources_line_writes_numbers_the_french_way():
    report = SyncReport("vt", "Villes et Territoires", "https://vt.example/", kind="wordpress", added=3,
                        requests=12, bytes=3_279_872, duration_s=4.25)  # fmt: skip
    # « 3203 Ko reçus en 4,2 s »: no space between thousands.
    assert summary_line(report).endswith("12 requête(s), 3\u202f203 Ko reçus en 4,2 s")
