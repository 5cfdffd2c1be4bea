"""End-to-end tests in a real browser: Debian's Chromium driven by Playwright, against waitress on loopback.

The mini corpus's index is served by the production WSGI server in a thread of the test process. An axe-core
scan of the results page must find no serious or critical accessibility violation.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def live_url(mini_app):
    from waitress import create_server

    server = create_server(mini_app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), "Chromium manque : lancez « bash scripts/setup.sh test » (paquet Debian chromium)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="fr-FR", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def status_text(page) -> str:
    return page.locator("[role=status]").inner_text()


def test_type_a_query_and_see_highlighted_results(page, live_url):
    page.goto(live_url + "/")
    page.get_by_label("Rechercher dans les publications").fill("clauses sociales")
    page.keyboard.press("Enter")
    page.wait_for_url("**/?q=clauses+sociales")
    assert "3 documents" in status_text(page)
    assert page.locator(".hit-title a").first.inner_text() == "Les clauses sociales dans les marchés publics"
    assert page.locator(".snippet mark").count() >= 2


def test_tick_a_facet_then_remove_it(page, live_url):
    page.goto(live_url + "/?q=clauses")
    page.get_by_role("checkbox", name="Dossier PDF").click()
    page.wait_for_url("**type=pdf**")
    assert "1 document" in status_text(page)
    assert page.get_by_role("checkbox", name="Dossier PDF").is_checked()
    page.locator(".chips .chip").first.click()
    page.wait_for_url(lambda url: "type=pdf" not in url)
    assert "3 documents" in status_text(page)


def test_a_facet_is_a_checkbox_the_space_key_ticks(page, live_url):
    page.goto(live_url + "/?q=clauses")
    box = page.get_by_role("checkbox", name="Dossier PDF")
    box.focus()
    page.keyboard.press("Space")
    page.wait_for_url("**type=pdf**")
    assert "1 document" in status_text(page)
    box = page.get_by_role("checkbox", name="Dossier PDF")
    assert box.is_checked()
    box.focus()
    page.keyboard.press("Space")  # and unticks
    page.wait_for_url(lambda url: "type=pdf" not in url)
    assert "3 documents" in status_text(page)


def test_facets_work_without_javascript(browser, live_url):
    context = browser.new_context(locale="fr-FR", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(live_url + "/?q=clauses")
        page.get_by_role("checkbox", name="Dossier PDF").check()
        page.get_by_role("button", name="Appliquer les filtres").click()
        page.wait_for_url("**type=pdf**")
        assert "1 document" in status_text(page) and "q=clauses" in page.url
    finally:
        context.close()


def test_back_to_the_search_from_a_document_keeps_the_query_and_filters(page, live_url):
    page.goto(live_url + "/?q=clauses&type=html&per_page=2&page=2")
    titles = page.locator(".hit-title a").all_inner_texts()
    page.locator(".more a").first.click()
    page.wait_for_url("**/document/**")
    page.get_by_role("link", name="Retour à la recherche").click()
    page.wait_for_url("**/?**")
    assert "q=clauses" in page.url and "type=html" in page.url and "page=2" in page.url
    assert page.locator(".hit-title a").all_inner_texts() == titles


def test_change_page(page, live_url):
    page.goto(live_url + "/?per_page=2")
    assert "page 1 sur 3" in status_text(page)
    first_titles = page.locator(".hit-title a").all_inner_texts()
    page.get_by_role("link", name="Suivante ›").click()
    page.wait_for_url("**page=2**")
    assert "page 2 sur 3" in status_text(page)
    assert page.locator(".pagination [aria-current=page]").inner_text() == "2"
    assert not set(first_titles) & set(page.locator(".hit-title a").all_inner_texts())


def test_follow_a_pdf_page_link(page, live_url):
    page.goto(live_url + '/?q="commande+publique"')
    link = page.locator(".pages a", has_text="p. 4")
    assert link.get_attribute("href") == "/corpus/dossiers/2016/achats.pdf#page=4"
    with page.expect_response(lambda r: "/corpus/dossiers/2016/achats.pdf" in r.url) as response_info:
        try:
            with page.expect_download(timeout=5000):
                link.click()
        except Exception:  # a browser with a PDF viewer opens it instead of downloading it
            pass
    response = response_info.value
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"


def test_results_page_has_no_serious_accessibility_violation(page, live_url):
    from axe_playwright_python.sync_playwright import Axe

    page.goto(live_url + "/?q=clauses&year=2016")
    results = Axe().run(page)
    violations = [
        f"{v['id']} ({v['impact']}): {v['help']}"
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]
    assert violations == []


def test_phone_layout_does_not_scroll_sideways(browser, live_url):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="fr-FR")
    page = context.new_page()
    page.goto(live_url + "/?q=clauses+sociales")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    assert page.locator("#q").is_visible()
    context.close()


def test_keyboard_skip_link_and_visible_focus(page, live_url):
    page.goto(live_url + "/?q=clauses")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Aller au contenu"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
