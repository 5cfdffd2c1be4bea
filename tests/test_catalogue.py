"""The documentalist's catalogue: the dialects spreadsheets write, and every row that is not applied, reported."""

from __future__ import annotations

import logging

from test_writer import docs_by_path

from indexer.cli import main
from indexer.update import update_index

POST = "site/2016/clauses-sociales.html"


def test_a_semicolon_catalogue_from_french_excel_is_applied(mini_copy):
    (mini_copy.corpus / "catalogue.csv").write_text(
        f'path;title;year;themes;type\n{POST};Titre corrigé;2015;"Santé;Emploi et insertion";guide\n',
        encoding="utf-8",
    )
    update_index(mini_copy)
    post = docs_by_path(mini_copy)[POST]
    assert (post["title"], post["year"], post["themes"]) == ("Titre corrigé", 2015, "sante\nemploi-insertion")


def test_a_windows_1252_catalogue_is_read(mini_copy, capsys):
    (mini_copy.corpus / "catalogue.csv").write_bytes(
        f"path;title;year;themes;type\r\n{POST};Éducation à la santé;2015;Santé;\r\n".encode("cp1252")
    )
    args = ["--corpus", str(mini_copy.corpus), "--index", str(mini_copy.index)]
    assert main(["update", "-v", *args]) == 0  # -v is accepted after the command too
    assert docs_by_path(mini_copy)[POST]["title"] == "Éducation à la santé"


def test_an_undecodable_catalogue_stops_the_run_with_a_french_line_naming_it(mini_copy, capsys):
    (mini_copy.corpus / "catalogue.csv").write_bytes(b"path,title\r\nsite/a.html,Sant\x81\r\n")
    assert main(["update", "--corpus", str(mini_copy.corpus), "--index", str(mini_copy.index)]) == 1
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "catalogue.csv illisible" in err and "ligne 2" in err
    assert "inattendue" not in err and "reconstruisez" not in err


def test_every_row_not_applied_is_reported_with_its_line_and_reason(mini_copy, caplog):
    (mini_copy.corpus / "catalogue.csv").write_text(
        "path,title,year,themes,type\n"
        f"{POST},,2015,Santé mentale;Astronomie,\n"  # line 2: one theme unknown
        "site/2016/absent.html,Titre,2016,,\n"  # line 3: no such file
        "corpus/site/2019/sante-mentale.html,Titre venu du catalogue,,,\n"  # line 4: path from the parent folder
        f"{POST},,deux mille,,\n",  # line 5: same file again, bad year
        encoding="utf-8",
    )
    with caplog.at_level(logging.WARNING):
        update_index(mini_copy)
    log = caplog.text
    assert "ligne 2 (site/2016/clauses-sociales.html) : appliquée en partie — thème inconnu « Astronomie »" in log
    assert "ligne 3 (site/2016/absent.html) : ignorée — fichier introuvable dans le corpus" in log
    assert "ligne 4 (site/2019/sante-mentale.html) : appliquée en partie — chemin à donner depuis" in log
    assert "ligne 5 (site/2016/clauses-sociales.html) : appliquée en partie — même fichier qu’à la ligne 2" in log
    assert "année illisible « deux mille »" in log
    assert docs_by_path(mini_copy)["site/2019/sante-mentale.html"]["title"] == "Titre venu du catalogue"


def test_catalogue_check_lists_the_rows_with_the_nearest_themes(mini_copy, capsys):
    (mini_copy.corpus / "catalogue.csv").write_text(
        f'path;themes\n{POST};"Santé;Particpation des habitant"\nsite/2016/clauses-social.html;Santé\n',
        encoding="utf-8",
    )
    assert main(["catalogue", "--check", "--corpus", str(mini_copy.corpus)]) == 0
    out = capsys.readouterr().out
    assert "séparateur « ; » (point-virgule), encodage UTF-8" in out
    assert "ligne 2 (site/2016/clauses-sociales.html) : appliquée en partie — thème inconnu « Particpation" in out
    assert "« Participation des habitants »" in out  # the nearest known theme
    assert "vouliez-vous dire « site/2016/clauses-sociales.html » ?" in out
