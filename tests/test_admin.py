"""The documentalist's page /admin (Flask's test client over a private copy of the mini corpus) and the log of
searches that found nothing (search_app.querylog)."""

from __future__ import annotations

import json
import os
import stat
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pdf_fixtures
import pytest
from bs4 import BeautifulSoup
from conftest import wp_page

from indexer.build import build_index
from indexer.status import index_status
from indexer.store import index_lock
from indexer.update import update_index
from search_app import admin, create_app, querylog

TOKEN = "jeton-de-test-0123456789-abcdefghij"
AUTH = ("documentaliste", TOKEN)
NEW_WORD = "zygomorphe"


@pytest.fixture
def admin_settings(mini_copy):
    """The mini corpus plus a scanned PDF (no text layer), with an admin token."""
    scan = mini_copy.corpus / "dossiers" / "2016" / "compte-rendu-scanne.pdf"
    scan.write_bytes(pdf_fixtures.image_only_pdf())
    update_index(mini_copy)
    return replace(mini_copy, admin_token=TOKEN)


@pytest.fixture
def admin_app(admin_settings):
    app = create_app({"SETTINGS": admin_settings, "TESTING": True})
    yield app
    app.extensions[admin.EXTENSION].join(timeout=120)


@pytest.fixture
def web(admin_app):
    return admin_app.test_client()


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def csrf_of(web) -> str:
    page = soup_of(web.get("/admin", auth=AUTH))
    return page.find("input", attrs={"name": "csrf_token"})["value"]


# ---------------------------------------------------------------------------------------------------------
# Access


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Basic ZG9jdW1lbnRhbGlzdGU6bWF1dmFpcw=="},  # documentaliste:mauvais
        {"Authorization": f"Bearer {TOKEN}"},
        {"Authorization": "Basic pas-du-base64"},
    ],
)
def test_401_without_or_with_a_wrong_token(web, headers):
    response = web.get("/admin", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic realm=")
    assert "Authentification requise" in response.get_data(as_text=True)
    assert web.post("/admin/mise-a-jour", headers=headers).status_code == 401


def test_wrong_password_with_any_user_name(web):
    assert web.get("/admin", auth=("documentaliste", TOKEN + "x")).status_code == 401
    assert web.get("/admin", auth=("documentaliste", TOKEN[:-1])).status_code == 401
    assert web.get("/admin", auth=("n’importe qui", TOKEN)).status_code == 200


def test_secrets_are_compared_in_constant_time(web, monkeypatch):
    calls = []
    real = admin.hmac.compare_digest
    monkeypatch.setattr(admin.hmac, "compare_digest", lambda a, b: calls.append(1) or real(a, b))
    assert web.get("/admin", auth=AUTH).status_code == 200
    assert calls


def test_disabled_without_a_token(mini_app):
    web = mini_app.test_client()
    for response in (web.get("/admin"), web.get("/admin", auth=AUTH), web.post("/admin/mise-a-jour", auth=AUTH)):
        assert response.status_code == 403
        assert "désactivée" in response.get_data(as_text=True)
        assert "CRPV_ADMIN_TOKEN" in response.get_data(as_text=True)


# ---------------------------------------------------------------------------------------------------------
# The page


def test_page_shows_counts_failures_empty_pdfs_and_last_run(web, admin_settings):
    response = web.get("/admin", auth=AUTH)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = soup_of(response)
    text = page.get_text(" ", strip=True)
    assert page.find("h1").get_text() == "Administration de l’index"
    assert "7\u00a0documents" in text and "5\u00a0pages web" in text and "2\u00a0PDF" in text
    tables = {t.caption.get_text(strip=True): t for t in page.select("table.admin-table") if t.caption}
    years = {row.th.get_text(strip=True): row.td.get_text(strip=True) for row in tables["Par année"].tbody("tr")}
    expected = index_status(admin_settings.index)["by_year"]
    assert years == {("Non datée" if y == "sans-date" else y): str(n) for y, n in expected.items()}
    assert years["2016"] == "2" and years["Non datée"] == "2"  # the scanned PDF: no post, no date on its cover
    for table in page.select("table"):
        assert all(th.get("scope") in ("col", "row") for th in table.find_all("th"))
    failures = page.find(id="echecs").find_parent("section")
    assert "dossiers/exemples-defectueux/tronque.pdf" in failures.get_text()
    assert "PDF endommagé ou tronqué" in failures.get_text()
    empty = page.find(id="sans-texte").find_parent("section")
    assert "dossiers/2016/compte-rendu-scanne.pdf" in empty.get_text()
    assert "sans texte (aucun texte reconnu par l’OCR)" in empty.get_text()
    last = page.find(id="derniere").find_parent("section").get_text(" ", strip=True)
    assert "Mise à jour du" in last and "1\u00a0ajouté" in last
    assert "dossiers/2016/compte-rendu-scanne.pdf" in last


def test_after_a_build_the_last_run_does_not_list_every_file_as_added(web, admin_settings):
    build_index(admin_settings)
    last = soup_of(web.get("/admin", auth=AUTH)).find(id="derniere").find_parent("section")
    assert "Construction complète du" in last.get_text() and "7\u00a0documents indexés" in last.get_text()
    assert "Ajoutés" not in last.get_text() and "site/2016/clauses-sociales.html" not in last.get_text()


def test_the_catalogue_rows_not_applied_are_listed(web, admin_settings):
    (admin_settings.corpus / "catalogue.csv").write_text(
        "path;themes\nsite/2016/clauses-sociales.html;Astronomie\n", encoding="utf-8"
    )
    section = soup_of(web.get("/admin", auth=AUTH)).find(id="catalogue").find_parent("section")
    rows = [[cell.get_text(" ", strip=True) for cell in tr(["th", "td"])] for tr in section.tbody("tr")]
    assert rows == [["2", "site/2016/clauses-sociales.html", "appliquée en partie", rows[0][3]]]
    assert rows[0][3].startswith("thème inconnu « Astronomie » (thèmes")


def test_the_catalogue_section_names_ignored_columns_and_the_nearest_path(web, admin_settings):
    (admin_settings.corpus / "catalogue.csv").write_text(
        "path;title;Public visé\n"
        "site/2016/clauses-social.html;Titre;élus\n"
        "corpus/site/2019/sante-mentale.html;Titre;\n",
        encoding="utf-8",
    )
    section = soup_of(web.get("/admin", auth=AUTH)).find(id="catalogue").find_parent("section")
    rows = [[cell.get_text(" ", strip=True) for cell in tr(["th", "td"])] for tr in section.tbody("tr")]
    assert [row[:3] for row in rows] == [
        ["1", "", "colonne ignorée"],
        ["2", "site/2016/clauses-social.html", "ignorée"],
        ["3", "site/2019/sante-mentale.html", "appliquée"],
    ]
    assert rows[0][3].startswith("« Public visé » : nom de colonne non reconnu ;")
    assert rows[1][3] == "fichier introuvable dans le corpus (vouliez-vous dire « site/2016/clauses-sociales.html » ?)"


def test_page_lists_the_bad_lines_of_the_corpus_vocabulary(web, admin_settings):
    def section() -> str:
        page = soup_of(web.get("/admin", auth=AUTH))
        return page.find(id="vocabulaire").find_parent("section").get_text(" ", strip=True)

    assert "Aucune ligne fautive." in section()
    table = Path(admin_settings.corpus) / "vocabulaire.tsv"
    table.write_text("terme\trelation\tterme lié\nZUS\tremplace\tQPV\n", encoding="utf-8")
    assert "vocabulaire.tsv, ligne 2 : relation « remplace » inconnue" in section()


def test_page_has_no_inline_script_or_style_and_labels_its_parts(web):
    page = soup_of(web.get("/admin", auth=AUTH))
    assert not page.find("script") and not page.find("style") and not page.select("[style]")
    assert not [tag for tag in page.find_all(True) if any(a.startswith("on") for a in tag.attrs)]
    assert page.find("main", id="contenu") and page.find("meta", attrs={"name": "robots"})
    button = page.find("form", attrs={"method": "post"}).find("button")
    assert button.get_text() == "Mettre à jour l’index"
    for section in page.select("main section"):
        assert section.find(id=section["aria-labelledby"]).name == "h2"


def test_zero_result_queries_are_logged_and_listed(web, admin_settings):
    for url in ("/?q=xqzwvy+blorf", "/?q=XQZWVY%20%20blorf", "/api/search?q=xqzwvy+blorf", "/?q=hapax"):
        assert web.get(url).status_code == 200
    web.get("/?q=clauses+sociales")  # found something: not logged
    web.get("/?q=xqzwvy&year=2016")  # a filter emptied it: not logged
    web.get("/")  # browsing: not logged
    lines = querylog.log_path(admin_settings.index).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 4
    assert all(json.loads(line).keys() == {"q", "t"} for line in lines)  # no address, nothing else
    page = soup_of(web.get("/admin", auth=AUTH))
    rows = page.find(id="sans-resultat").find_parent("section").select("tbody tr")
    found = [(row.th.get_text(strip=True), row.td.get_text(strip=True)) for row in rows]
    assert found == [("xqzwvy blorf", "3"), ("hapax", "1")]
    assert rows[0].th.a["href"] == "/?q=xqzwvy+blorf"


def test_session_cookie_is_strict_and_http_only(web):
    response = web.get("/admin", auth=AUTH)
    cookie = response.headers["Set-Cookie"]
    assert "SameSite=Strict" in cookie and "HttpOnly" in cookie


# ---------------------------------------------------------------------------------------------------------
# The update button


def test_post_without_or_with_a_wrong_csrf_token_is_refused(web, admin_app):
    csrf_of(web)  # the session now has a token
    assert web.post("/admin/mise-a-jour", auth=AUTH).status_code == 403
    assert web.post("/admin/mise-a-jour", auth=AUTH, data={"csrf_token": "x" * 43}).status_code == 403
    assert web.post("/admin/mise-a-jour", auth=AUTH, data={"csrf_token": ""}).status_code == 403
    other = admin_app.test_client()  # another session's token is not this one's
    assert other.post("/admin/mise-a-jour", auth=AUTH, data={"csrf_token": csrf_of(web)}).status_code == 403
    assert admin_app.extensions[admin.EXTENSION].state()["state"] == "idle"


def test_button_updates_in_the_background_and_the_new_file_becomes_searchable(web, admin_app, admin_settings):
    assert web.get(f"/api/search?q={NEW_WORD}").get_json()["total"] == 0
    (admin_settings.corpus / "site" / "2016" / "nouvelle.html").write_text(
        wp_page("Une publication nouvelle", f"<p>Le mot {NEW_WORD} n’apparaît qu’ici.</p>", date="2016-12-01"),
        encoding="utf-8",
    )
    response = web.post("/admin/mise-a-jour", auth=AUTH, data={"csrf_token": csrf_of(web)})
    assert response.status_code == 303 and response.headers["Location"] == "/admin"
    runner = admin_app.extensions[admin.EXTENSION]
    runner.join(timeout=120)
    state = runner.state()
    assert state["state"] == "done", state
    assert state["summary"]["added_paths"] == ["site/2016/nouvelle.html"]
    page = soup_of(web.get("/admin", auth=AUTH))
    assert "Mise à jour lancée" in page.find(attrs={"role": "status"}).get_text()
    done = page.select_one(".admin-done").get_text(" ", strip=True)
    assert "terminée le" in done and "1\u00a0ajouté" in done
    hits = web.get(f"/api/search?q={NEW_WORD}").get_json()
    assert hits["total"] == 1 and hits["results"][0]["path"] == "site/2016/nouvelle.html"


def test_update_refused_while_the_index_is_locked(web, admin_app, admin_settings):
    csrf = csrf_of(web)
    runner = admin_app.extensions[admin.EXTENSION]
    with index_lock(admin_settings.index):
        assert web.post("/admin/mise-a-jour", auth=AUTH, data={"csrf_token": csrf}).status_code == 303
        runner.join(timeout=120)
    assert runner.state()["state"] == "locked"
    error = soup_of(web.get("/admin", auth=AUTH)).select_one(".admin-error").get_text()
    assert "Une mise à jour est déjà en cours" in error


def test_a_second_click_while_running_does_not_start_another(web, admin_app, monkeypatch):
    import threading

    release = threading.Event()
    runner = admin_app.extensions[admin.EXTENSION]
    monkeypatch.setattr(runner, "_run", lambda settings: release.wait(10) and {"mode": "update", "added": 0})
    csrf = csrf_of(web)
    web.post("/admin/mise-a-jour", auth=AUTH, data={"csrf_token": csrf})
    web.post("/admin/mise-a-jour", auth=AUTH, data={"csrf_token": csrf})
    page = soup_of(web.get("/admin", auth=AUTH))
    assert "déjà en cours" in page.find(attrs={"role": "status"}).get_text()
    assert page.select_one(".admin-running") and page.find("button").has_attr("disabled")
    release.set()
    runner.join(timeout=10)
    assert runner.state()["state"] == "done"


# ---------------------------------------------------------------------------------------------------------
# The session key


def test_secret_key_is_kept_in_the_index_folder_private(tmp_path):
    key = admin.load_secret_key(tmp_path / "index")
    path = tmp_path / "index" / admin.SECRET_FILE
    assert len(key) >= 32 and path.read_text().strip() == key
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert admin.load_secret_key(tmp_path / "index") == key
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_secret_key_from_the_environment(admin_settings, monkeypatch):
    monkeypatch.setenv(admin.SECRET_ENV, "une-clé-de-session-fournie-par-l-environnement")
    app = create_app({"SETTINGS": admin_settings, "TESTING": True})
    assert app.config["SECRET_KEY"] == "une-clé-de-session-fournie-par-l-environnement"
    assert not (admin_settings.index / admin.SECRET_FILE).exists()


# ---------------------------------------------------------------------------------------------------------
# querylog


def test_normalised_query():
    assert querylog.normalise_query("  L’Économie\tSOCIALE  ") == "l'économie sociale"
    assert querylog.normalise_query("e\u0301cole\x00") == "école"
    assert len(querylog.normalise_query("a" * 1000)) == querylog.MAX_QUERY_CHARS
    assert querylog.normalise_query(" \x07 ") == ""


def test_top_queries_over_the_window(tmp_path):
    path = tmp_path / querylog.FILE_NAME
    now = datetime(2026, 11, 30, 12, tzinfo=UTC)
    for days_ago, q in [(40, "ancienne"), (40, "ancienne"), (2, "deux"), (1, "deux"), (3, "une"), (0, "autre")]:
        querylog.record(path, q, when=now - timedelta(days=days_ago))
    with open(path, "a", encoding="utf-8") as fh:
        fh.write('{"q": "coupée", "t": "2026-\n')
    top = querylog.top_zero_queries(path, now=now)
    assert [(t["query"], t["count"]) for t in top] == [("deux", 2), ("autre", 1), ("une", 1)]
    assert top[0]["last"] == now - timedelta(days=1)
    assert querylog.top_zero_queries(path, now=now, limit=1)[0]["query"] == "deux"
    assert querylog.top_zero_queries(tmp_path / "absent.jsonl") == []


def test_log_is_bounded_by_rotation(tmp_path):
    path = tmp_path / querylog.FILE_NAME
    for n in range(200):
        querylog.record(path, f"requête numéro {n}", max_bytes=2000)
    backup = path.with_name(path.name + ".1")
    assert path.stat().st_size < 2200 and backup.stat().st_size < 2200
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    counted = sum(t["count"] for t in querylog.top_zero_queries(path, limit=1000))
    assert 0 < counted < 200  # the oldest were dropped
    assert any(t["query"] == "requête numéro 199" for t in querylog.top_zero_queries(path, limit=1000))


def test_logging_never_breaks_a_search(tmp_path):
    querylog.record(tmp_path / "absent" / querylog.FILE_NAME, "introuvable")  # no folder: a warning only
