"""`update --watch`: the debounce logic with a fake clock (no sleep), and one real watch over the mini corpus."""

from __future__ import annotations

import pytest
from conftest import wp_page

from indexer.cli import _parser
from indexer.corpus import scan_corpus
from indexer.errors import CorpusNotFoundError, IndexLockedError
from indexer.update import update_index
from indexer.watch import Watcher, corpus_snapshot, run_watch


class FakeCorpus:
    """A corpus snapshot the test edits, and an update that records when it ran."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[int, float]] = {"a.html": (10, 1.0)}
        self.updates: list[dict[str, tuple[int, float]]] = []
        self.fail_with: Exception | None = None

    def scan(self) -> dict[str, tuple[int, float]]:
        if isinstance(self.fail_with, CorpusNotFoundError):
            raise self.fail_with
        return dict(self.files)

    def update(self) -> dict:
        if isinstance(self.fail_with, IndexLockedError):
            raise self.fail_with
        self.updates.append(dict(self.files))
        return {"mode": "update", "added": 1, "updated": 0, "removed": 0, "failed": 0, "duration_s": 0.1}


def events(watcher: Watcher, times: list[float]) -> list[str]:
    return [watcher.step(t).event for t in times]


def test_first_scan_updates_once_the_corpus_is_calm():
    corpus = FakeCorpus()
    watcher = Watcher(corpus.scan, corpus.update, debounce=5)
    assert events(watcher, [0, 2, 4]) == ["changed", "idle", "idle"]
    assert corpus.updates == []
    assert watcher.step(6).event == "updated"
    assert events(watcher, [8, 10, 100]) == ["idle", "idle", "idle"]
    assert len(corpus.updates) == 1


def test_changes_in_a_row_give_one_update_after_the_last():
    corpus = FakeCorpus()
    watcher = Watcher(corpus.scan, corpus.update, debounce=5)
    events(watcher, [0, 6])
    corpus.files["big.pdf"] = (1000, 7.0)  # a PDF being copied: it grows across scans
    assert watcher.step(8).event == "changed"
    corpus.files["big.pdf"] = (5000, 9.0)
    assert watcher.step(10).event == "changed"
    assert events(watcher, [12, 14]) == ["idle", "idle"]
    assert watcher.step(16).event == "updated"  # 5 s after the last change
    assert corpus.updates[-1]["big.pdf"] == (5000, 9.0)
    assert len(corpus.updates) == 2


def test_deletion_is_a_change_and_a_change_undone_is_not():
    corpus = FakeCorpus()
    watcher = Watcher(corpus.scan, corpus.update, debounce=5)
    events(watcher, [0, 6])
    corpus.files["b.html"] = (3, 1.0)
    assert watcher.step(8).event == "changed"
    del corpus.files["b.html"]  # back to what is indexed before the debounce ended
    assert events(watcher, [10, 20, 30]) == ["idle", "idle", "idle"]
    del corpus.files["a.html"]
    assert events(watcher, [32, 38]) == ["changed", "updated"]
    assert corpus.updates[-1] == {}


def test_a_locked_index_is_retried_at_the_next_change():
    corpus = FakeCorpus()
    watcher = Watcher(corpus.scan, corpus.update, debounce=5, retry=30)
    corpus.fail_with = IndexLockedError("Une autre construction ou mise à jour de l’index est en cours")
    assert events(watcher, [0, 6]) == ["changed", "failed"]
    assert events(watcher, [8, 10, 20]) == ["idle", "idle", "idle"]  # no retry loop every 2 s
    corpus.fail_with = None
    corpus.files["c.html"] = (4, 2.0)
    assert events(watcher, [22, 24, 27]) == ["changed", "idle", "updated"]
    assert corpus.updates[-1]["c.html"] == (4, 2.0)


def test_a_locked_index_is_retried_later_without_a_change():
    corpus = FakeCorpus()
    watcher = Watcher(corpus.scan, corpus.update, debounce=5, retry=30)
    corpus.fail_with = IndexLockedError("verrouillé")
    events(watcher, [0, 6])
    corpus.fail_with = None
    assert events(watcher, [20, 35, 36, 40]) == ["idle", "idle", "updated", "idle"]  # failed at 6, retry 30 s


def test_an_unreadable_corpus_is_reported_once():
    corpus = FakeCorpus()
    watcher = Watcher(corpus.scan, corpus.update, debounce=5)
    events(watcher, [0, 6])
    corpus.fail_with = CorpusNotFoundError("Dossier du corpus introuvable : corpus")
    assert events(watcher, [8, 10, 12]) == ["scan_failed", "idle", "idle"]
    corpus.fail_with = None
    assert events(watcher, [14, 30]) == ["idle", "idle"]  # same files as indexed: nothing to do


def test_run_watch_prints_one_line_per_update_and_stops_on_ctrl_c():
    corpus = FakeCorpus()
    watcher = Watcher(corpus.scan, corpus.update, debounce=5)
    now = [0.0]
    lines: list[str] = []

    def sleep(seconds: float) -> None:
        now[0] += seconds
        if now[0] >= 20:
            raise KeyboardInterrupt

    updates = run_watch(watcher, interval=2, clock=lambda: now[0], sleep=sleep, out=lines.append)
    assert updates == 1
    assert len(lines) == 2
    assert "Mise à jour : 1 ajouté(s), 0 modifié(s), 0 supprimé(s), 0 en échec" in lines[0]
    assert lines[1] == "Surveillance arrêtée."


def test_run_watch_reports_a_failed_update():
    corpus = FakeCorpus()
    corpus.fail_with = IndexLockedError("Une autre construction ou mise à jour de l’index est en cours")
    lines: list[str] = []
    now = [0.0]
    run_watch(
        Watcher(corpus.scan, corpus.update, debounce=1, retry=30),
        interval=1,
        clock=lambda: now[0],
        sleep=lambda s: now.__setitem__(0, now[0] + s),
        out=lines.append,
        max_steps=5,
    )
    assert len(lines) == 1 and "Mise à jour impossible : Une autre construction" in lines[0]


def test_watch_over_a_real_corpus(mini_copy):
    watcher = Watcher(lambda: scan_corpus(mini_copy.corpus)[0], lambda: update_index(mini_copy).summary(), debounce=5)
    assert events(watcher, [0, 5]) == ["changed", "updated"]
    (mini_copy.corpus / "site" / "2019" / "veille.html").write_text(
        wp_page("Veille", "<p>Une note de veille sur la mobilité.</p>", date="2019-05-02"), encoding="utf-8"
    )
    assert events(watcher, [7, 9]) == ["changed", "idle"]
    result = watcher.step(12)
    assert result.event == "updated" and "1 ajouté(s)" in result.message


def test_a_catalogue_correction_alone_triggers_an_update(mini_copy):
    watcher = Watcher(lambda: corpus_snapshot(mini_copy.corpus), lambda: update_index(mini_copy).summary(), debounce=5)
    assert events(watcher, [0, 5]) == ["changed", "updated"]
    catalogue = mini_copy.corpus / "catalogue.csv"
    catalogue.write_text("path,title\nsite/2016/clauses-sociales.html,Titre corrigé\n", encoding="utf-8")
    assert events(watcher, [7, 9]) == ["changed", "idle"]
    result = watcher.step(12)
    assert result.event == "updated" and "1 modifié(s)" in result.message
    with catalogue.open("a", encoding="utf-8") as handle:  # a second correction appended
        handle.write("site/2019/sante-mentale.html,Autre titre\n")
    assert events(watcher, [14, 20]) == ["changed", "updated"]
    catalogue.unlink()  # the corrections withdrawn
    assert events(watcher, [22, 28]) == ["changed", "updated"]
    assert events(watcher, [30, 40]) == ["idle", "idle"]


def test_cli_options():
    args = _parser().parse_args(["update", "--watch", "--interval", "0.5", "--debounce", "0"])
    assert (args.watch, args.interval, args.debounce) == (True, 0.5, 0.0)
    plain = _parser().parse_args(["update"])
    assert (plain.watch, plain.interval, plain.debounce) == (False, 2.0, 5.0)
    for bad in (["--interval", "0"], ["--debounce", "-1"], ["--interval", "x"], ["--interval", "nan"]):
        with pytest.raises(SystemExit):
            _parser().parse_args(["update", "--watch", *bad])
