"""The documentalist's catalogue: the dialects spreadsheets write, and every row that is not applied, reported."""

from __future__ import annotations

import json
import logging
import unicodedata

from conftest import wp_page
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
    with caplog.at_level(logging.INFO):
        update_index(mini_copy)
    log = caplog.text
    assert "ligne 2 (site/2016/clauses-sociales.html) : appliquée en partie — thème inconnu « Astronomie »" in log
    # The run's log suggests the nearest path too, as `catalogue --check` does.
    assert "ligne 3 (site/2016/absent.html) : ignorée — fichier introuvable dans le corpus (vouliez-vous dire «" in log
    # Corrected and applied in full: said, but not « en partie ».
    assert "ligne 4 (site/2019/sante-mentale.html) : appliquée — chemin à donner depuis" in log
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


def check(mini_copy, capsys, *options: str) -> str:
    assert main(["catalogue", "--check", *options, "--corpus", str(mini_copy.corpus)]) == 0
    return capsys.readouterr().out


def test_an_unknown_column_is_named_and_header_variants_are_read(mini_copy, capsys, caplog):
    (mini_copy.corpus / "catalogue.csv").write_text(
        f"path,title,year,themes,type de document,Public visé\n{POST},,2015,Santé,guide,élus\n",
        encoding="utf-8",
    )
    out = check(mini_copy, capsys)
    assert "Toutes les lignes sont appliquées." not in out
    assert (
        "ligne 1 (en-tête) : colonne ignorée — « Public visé » : nom de colonne non reconnu ; ses cellules ne sont "
        "appliquées à aucune ligne (colonnes comprises : path ou chemin, title ou titre, year ou année, themes ou "
        "thèmes, type)"
    ) in out
    assert "type de document" not in out  # read as `type`
    with caplog.at_level(logging.WARNING):
        update_index(mini_copy)
    assert "« Public visé » : nom de colonne non reconnu" in caplog.text
    assert docs_by_path(mini_copy)[POST]["type"].split("\n") == ["html", "guide"]


def test_a_french_header_with_a_note_in_brackets_is_read(mini_copy, capsys):
    (mini_copy.corpus / "catalogue.csv").write_text(
        'Chemin du fichier;Titre;Année de publication;"Thèmes (séparés par ;)";Type de document;;\n'
        f'{POST};Titre corrigé;2015;"Santé;Emploi et insertion";Guide;;\n',
        encoding="utf-8",
    )
    assert "Toutes les lignes sont appliquées." in check(mini_copy, capsys)
    update_index(mini_copy)
    post = docs_by_path(mini_copy)[POST]
    assert (post["title"], post["year"], post["themes"]) == ("Titre corrigé", 2015, "sante\nemploi-insertion")
    assert post["type"].split("\n") == ["html", "guide"]


def test_a_repeated_or_unnamed_column_that_holds_something_is_named(mini_copy, capsys):
    (mini_copy.corpus / "catalogue.csv").write_text(
        f"chemin;année;date;\n{POST};2015;2014;à revoir\n", encoding="utf-8"
    )
    out = check(mini_copy, capsys)
    assert "colonne ignorée — « date » : même contenu que la colonne « année », déjà lue" in out
    assert "colonne ignorée — colonne 4, sans nom ; ses cellules" in out


def test_a_file_named_in_decomposed_unicode_takes_its_row(mini_copy, capsys):
    name = unicodedata.normalize("NFD", "site/2019/Synthèse été Nîmes.html")  # copied from a Mac
    (mini_copy.corpus / name).write_text(wp_page("Synthèse", "<p>Une synthèse de l’été.</p>"), encoding="utf-8")
    typed = unicodedata.normalize("NFC", name)
    assert typed != name
    (mini_copy.corpus / "catalogue.csv").write_text(
        f"path,title\n{typed},Synthèse de l’été à Nîmes\n", encoding="utf-8"
    )
    assert "Toutes les lignes sont appliquées." in check(mini_copy, capsys)
    update_index(mini_copy)
    assert docs_by_path(mini_copy)[name]["title"] == "Synthèse de l’été à Nîmes"  # the path as named on disk


def test_a_format_is_not_a_type_a_row_may_set(mini_copy, capsys):
    (mini_copy.corpus / "catalogue.csv").write_text(
        f"path,title,year,themes,type\n{POST},Titre corrigé,,,pdf\nsite/2019/sante-mentale.html,,,,Page web\n",
        encoding="utf-8",
    )
    out = check(mini_copy, capsys)
    assert (
        f"ligne 2 ({POST}) : appliquée en partie — « pdf » est un format, pas un type de document : le format vient "
        "du fichier lui-même (types connus : actes, capitalisation,"
    ) in out
    assert "ligne 3 (site/2019/sante-mentale.html) : appliquée en partie — « Page web » est un format" in out
    update_index(mini_copy)
    post = docs_by_path(mini_copy)[POST]
    assert post["title"] == "Titre corrigé" and "pdf" not in post["type"].split("\n")


def test_catalogue_check_json_gives_each_effect(mini_copy, capsys):
    (mini_copy.corpus / "catalogue.csv").write_text(
        f"path,title,notes\ncorpus/{POST},Titre,x\nsite/absent.html,Titre,\n", encoding="utf-8"
    )
    report = json.loads(check(mini_copy, capsys, "--json"))
    effects = [(i["line"], i["effect"], i["ignored"]) for i in report["issues"]]
    assert effects == [(1, "colonne ignorée", False), (2, "appliquée", False), (3, "ignorée", True)]
