"""Web security: document text always escaped, /corpus/ confined to the corpus, security headers, rate limit.

The corpus here is written by an attacker: markup in titles, passages, metadata and file names. The pages
must show it as text; `/corpus/` must serve corpus files only (no traversal in any encoding, no symbolic
link leading out, no other format); every response carries the security headers; a client that searches
too fast gets a 429 with a French message. (The /admin page's secrets and CSRF are tested in test_admin.)
"""

from __future__ import annotations

import io
import os
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup
from conftest import wp_page
from fpdf import FPDF

from indexer.build import build_index
from indexer.config import Settings
from search_app import create_app

EVIL_NAME = "site/<img src=x onerror=alert(0)> \"q\" 'a' & « g ».html"
PAYLOADS = {
    "title": "<script>alert(1)</script> Titre piégé",
    "keywords": "<svg onload=alert(2)>",
    "category": "<iframe src=javascript:alert(3)>",
    "passage": "<img src=x onerror=alert(4)>",
    "pdf_title": "<script>alert(5)</script> Dossier piégé",
    "pdf_keywords": "<b onmouseover=alert(6)>gras</b>",
    "pdf_text": "<img src=x onerror=alert(7)>",
}


def escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def evil_pdf() -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_title(PAYLOADS["pdf_title"])
    pdf.set_keywords(PAYLOADS["pdf_keywords"])
    pdf.set_author('"><script>alert(8)</script>')
    pdf.set_font("helvetica", size=11)
    pdf.add_page()
    pdf.multi_cell(0, 6, f"Le tamarin du dossier {PAYLOADS['pdf_text']} et les clauses sociales.")
    return bytes(pdf.output())


@pytest.fixture(scope="module")
def evil(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    base = tmp_path_factory.mktemp("evil")
    corpus = base / "corpus"
    (corpus / "site").mkdir(parents=True)
    (corpus / "dossiers").mkdir()
    page = wp_page(
        escaped(PAYLOADS["title"]),
        f"<p>Un passage {escaped(PAYLOADS['passage'])} sur le tamarin.</p>"
        '<p><a href="../dossiers/piege.pdf">Le dossier</a></p>',
        date="2018-01-01",
        categories=(escaped(PAYLOADS["category"]),),
    ).replace("<title>", f'<meta name="keywords" content="{escaped(PAYLOADS["keywords"])}, tamarin"><title>')
    (corpus / EVIL_NAME).write_text(page, encoding="utf-8")
    (corpus / "dossiers" / "piege.pdf").write_bytes(evil_pdf())
    settings = Settings(corpus=corpus, index=base / "index", workers=1)
    build_index(settings)
    return settings


@pytest.fixture(scope="module")
def evil_web(evil: Settings):
    return create_app({"SETTINGS": evil, "TESTING": True}).test_client()


def assert_inert(html: str) -> BeautifulSoup:
    """No element or attribute that could run a script came from the documents."""
    soup = BeautifulSoup(html, "html.parser")
    assert not soup.find_all(["script", "iframe", "svg", "img", "object", "embed"])
    for tag in soup.find_all(True):
        assert not [name for name in tag.attrs if name.lower().startswith("on")], tag
        for name in ("href", "src", "action"):
            assert not str(tag.get(name, "")).lower().lstrip().startswith("javascript:"), tag
    return soup


def test_results_page_escapes_titles_passages_and_file_names(evil_web) -> None:
    html = evil_web.get("/?q=tamarin").get_data(as_text=True)
    soup = assert_inert(html)
    text = soup.get_text(" ")
    assert PAYLOADS["title"] in text and PAYLOADS["passage"] in text  # shown as text
    assert PAYLOADS["pdf_title"] in text
    hrefs = {a["href"] for a in soup.select(".hit-title a")}
    assert "/corpus/" + quote(EVIL_NAME, safe="/") in hrefs


def test_document_pages_escape_metadata(evil_web) -> None:
    for path in (EVIL_NAME, "dossiers/piege.pdf"):
        response = evil_web.get("/document/" + quote(path, safe="/"))
        assert response.status_code == 200
        soup = assert_inert(response.get_data(as_text=True))
        text = soup.get_text(" ")
        assert path in text  # the file name, as text
    pdf_page = evil_web.get("/document/dossiers/piege.pdf").get_data(as_text=True)
    assert escaped(PAYLOADS["pdf_keywords"]).replace("&quot;", '"') in pdf_page or "&lt;b onmouseover" in pdf_page
    assert PAYLOADS["title"] in BeautifulSoup(pdf_page, "html.parser").get_text(" ")  # « Publié dans »


def test_json_snippets_are_escaped_html_with_only_marks(evil_web) -> None:
    data = evil_web.get("/api/search?q=tamarin").get_json()
    assert data["total"] == 2
    for hit in data["results"]:
        for snippet in [hit["snippet"], *(p["snippet"] for p in hit["pages"])]:
            tags = {tag.name for tag in BeautifulSoup(snippet, "html.parser").find_all(True)}
            assert tags <= {"mark"}, snippet


def test_opensearch_description_escapes_the_host(evil_web) -> None:
    body = evil_web.get("/opensearch.xml", headers={"Host": 'evil"><script>x</script>'}).get_data(as_text=True)
    assert "<script>" not in body


# --- /corpus/ ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def confined(mini_settings: Settings, tmp_path_factory: pytest.TempPathFactory):
    """The mini corpus with traps: links leading out (file and folder), a hidden file, other formats."""
    import shutil

    base = tmp_path_factory.mktemp("confined")
    shutil.copytree(mini_settings.corpus, base / "corpus")
    settings = replace(mini_settings, corpus=base / "corpus")  # the same index: only /corpus/ is tested
    outside = base / "dehors"
    outside.mkdir()
    (outside / "secret.pdf").write_bytes(b"%PDF-1.4 secret")
    site = settings.corpus / "site"
    (site / "lien.pdf").symlink_to(outside / "secret.pdf")
    (site / "dossier-lien").symlink_to(outside)
    (site / "absolu.pdf").symlink_to("/etc/passwd")
    (site / ".cache.pdf").write_bytes(b"%PDF-1.4 hidden")
    (site / "image.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    (site / "notes.txt").write_text("notes")
    return create_app({"SETTINGS": settings, "TESTING": True}).test_client()


TRAVERSALS = [
    "../index/current",
    "site/../../index",
    "..%2f..%2fetc%2fpasswd",
    "..%252f..%252fetc%252fpasswd",
    "%2e%2e/%2e%2e/etc/passwd",
    "%252e%252e/%252e%252e/etc/passwd",
    "%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
    "%e0%80%ae%e0%80%ae/etc/passwd",
    "..%5c..%5cetc%5cpasswd",
    "..\\..\\etc\\passwd",
    "%uff0e%uff0e/etc/passwd",
    "\uff0e\uff0e/\uff0e\uff0e/etc/passwd",
    "site/%00.html",
    "site/clauses.html%00.pdf",
    "site/./../../etc/passwd",
    "site/lien.pdf",
    "site/dossier-lien/secret.pdf",
    "site/absolu.pdf",
    "site/.cache.pdf",
    ".hidden",
    "site/image.svg",
    "site/notes.txt",
    "catalogue.csv",
    "site/" + "a" * 300 + ".pdf",
    "site/" + "b/" * 2000 + "c.pdf",
    "%2fetc%2fpasswd",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_corpus_serves_nothing_outside_the_corpus(confined, path: str) -> None:
    response = confined.get("/corpus/" + path, follow_redirects=True)
    assert response.status_code in (404, 414), path
    assert b"%PDF-1.4 secret" not in response.data and b"root:" not in response.data
    response.close()


def test_corpus_serves_corpus_files_with_a_restrictive_policy(confined) -> None:
    with confined.get("/corpus/dossiers/2016/achats.pdf") as pdf:
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
        assert pdf.headers["X-Content-Type-Options"] == "nosniff"
        assert "frame-ancestors 'self'" in pdf.headers["Content-Security-Policy"]
    with confined.get("/corpus/site/2016/clauses-sociales.html") as page:
        assert page.status_code == 200 and page.mimetype == "text/html"
        policy = page.headers["Content-Security-Policy"]
        assert "sandbox" in policy and "script-src" not in policy and "default-src 'none'" in policy


# --- Headers -------------------------------------------------------------------------------------------


def test_every_response_carries_the_security_headers(mini_app) -> None:
    web = mini_app.test_client()
    for url, status in [
        ("/", 200),
        ("/?q=clauses", 200),
        ("/api/search?q=clauses", 200),
        ("/healthz", 200),
        ("/document/site/2016/clauses-sociales.html", 200),
        ("/document/absent.pdf", 404),
        ("/api/search?page=0", 400),
        ("/?page=0", 400),
        ("/api/nulle-part", 404),
        ("/static/style.css", 200),
        ("/opensearch.xml", 200),
        ("/?" + "x" * 5000, 414),
    ]:
        response = web.get(url)
        assert response.status_code == status, url
        headers = response.headers
        policy = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy, url
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, url
        assert headers["X-Content-Type-Options"] == "nosniff", url
        assert headers["Referrer-Policy"] == "same-origin", url
        assert headers["X-Frame-Options"] == "DENY", url
        response.close()


def test_templates_need_no_inline_script_or_style() -> None:
    templates = Path(__file__).resolve().parents[1] / "search_app" / "templates"
    for template in templates.glob("*.html"):
        soup = BeautifulSoup(template.read_text(encoding="utf-8"), "html.parser")
        assert not soup.find_all(["script", "style"]), template.name
        for tag in soup.find_all(True):
            assert "style" not in tag.attrs, template.name
            assert not [a for a in tag.attrs if a.lower().startswith("on")], template.name


def test_request_bodies_are_limited(mini_app) -> None:
    response = mini_app.test_client().post("/api/search", data=io.BytesIO(b"x" * (65 * 1024)))
    assert response.status_code in (405, 413)


# --- Rate limit ----------------------------------------------------------------------------------------


def limited(settings: Settings, rate: str = "3/minute", **config):  # type: ignore[no-untyped-def]
    app = create_app({"SETTINGS": replace(settings, rate_limit=rate), "TESTING": True, "RATELIMIT_ENABLED": True})
    app.config.update(config)
    return app.test_client()


def test_rate_limit_per_client_with_a_french_429(mini_settings: Settings) -> None:
    web = limited(mini_settings)
    assert [web.get("/api/search?q=clauses").status_code for _ in range(3)] == [200, 200, 200]
    response = web.get("/api/search?q=clauses")
    assert response.status_code == 429
    assert response.get_json()["error"].startswith("Trop de recherches depuis votre adresse (limite : 3/minute)")
    assert int(response.headers["Retry-After"]) > 0
    page = web.get("/?q=clauses")  # the page and the API share the client's budget
    assert page.status_code == 429 and "Trop de recherches" in page.get_data(as_text=True)
    assert web.get("/healthz").status_code == 200  # not limited
    with web.get("/corpus/dossiers/2016/achats.pdf") as pdf:
        assert pdf.status_code == 200
    other = web.get("/api/search?q=clauses", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 200  # another client has its own budget


def test_rate_limit_is_off_in_tests_and_when_configured_off(mini_settings: Settings) -> None:
    default_test_app = create_app({"SETTINGS": replace(mini_settings, rate_limit="1/minute"), "TESTING": True})
    web = default_test_app.test_client()
    assert {web.get("/api/search?q=x").status_code for _ in range(3)} == {200}
    off = limited(mini_settings, rate="off")
    assert {off.get("/api/search?q=x").status_code for _ in range(5)} == {200}


def test_rate_limit_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRPV_RATE_LIMIT", "7/second")
    monkeypatch.setenv("CRPV_MAX_URL_BYTES", "1000")
    settings = Settings.load()
    assert settings.rate_limit == "7/second" and settings.max_url_bytes == 1000
    assert Settings().rate_limit == "120/minute" and Settings().rate_limit_storage == "memory://"
    assert os.environ["CRPV_RATE_LIMIT"] == "7/second"
