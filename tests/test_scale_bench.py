"""The scale benchmark's corpus generator: a small generated corpus that the indexer builds with the expected counts.

The generator learns from a few files of the sample corpus here (not all of it), so that the test stays fast.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.scale.generate import MANIFEST, generate, make_plan  # noqa: E402
from bench.scale.sample import build_model  # noqa: E402
from indexer.build import build_index  # noqa: E402
from indexer.config import Settings  # noqa: E402

SAMPLE_FILES = (
    "site/2016/mobilites-residentielles-2016.html",
    "dossiers/2016/mobilites-residentielles-qpv.pdf",
    "site/2015/groupe-travail-conseils-citoyens-2015.html",
    "dossiers/2015/groupe-travail-conseils-citoyens-compte-rendu-20-octobre-2015.pdf",
    "site/non-date/lutte-discriminations-contrats-de-ville.html",
    "dossiers/non-date/lutte-contre-les-discriminations-contrats-de-ville.pdf",
    "site/2021/veille-insee-rural-2021.html",
)


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    sample = tmp_path_factory.mktemp("sample")
    for rel in SAMPLE_FILES:
        target = sample / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / "corpus" / rel, target)
    return build_model(sample)


def test_generated_corpus_builds_with_expected_counts(model, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "corpus"
    manifest = generate(30, corpus, seed=7, defect_rate=0.25, workers=1, model=model)
    expected = manifest["expected"]
    assert manifest["complete"] and manifest["html"] + manifest["pdf"] == 30
    assert manifest["pdf"] >= 5 and expected["failures"] >= 1  # PDFs in the sample's share, some broken on purpose
    assert (corpus / MANIFEST).is_file()
    html = sorted(corpus.glob("site/**/*.html"))
    pdfs = sorted(corpus.glob("dossiers/**/*.pdf"))
    assert (len(html), len(pdfs)) == (manifest["html"], manifest["pdf"])

    report = build_index(Settings.load(corpus=corpus, index=tmp_path / "index", workers=1))
    assert len(report.added) == expected["documents"]
    assert sum(p.endswith(".pdf") for p in report.added) == expected["pdf"]
    assert sorted(f["path"] for f in report.failed) == manifest["truncated_pdfs"]

    # A generated post is its template's WordPress page with new content, linking to its own PDFs.
    page = html[0].read_text(encoding="utf-8", errors="replace")
    assert 'rel="category tag"' in page and "entry-content" in page
    linked = [p for p in model.posts if p.pdf_links]
    assert linked and any("../../dossiers/" in p.read_text(encoding="utf-8", errors="replace") for p in html)


def test_plan_is_deterministic_and_text_is_new(model) -> None:  # type: ignore[no-untyped-def]
    first, second = make_plan(model, 40, 3, 0.3), make_plan(model, 40, 3, 0.3)
    assert first.posts == second.posts and first.pdfs == second.pdfs
    assert make_plan(model, 40, 4, 0.3).posts != first.posts
    from bench.scale.render_html import render_post

    page = render_post(model, first.posts[0]).decode("utf-8", errors="replace")
    assert page == render_post(model, first.posts[0]).decode("utf-8", errors="replace")
    sample_text = (ROOT / "corpus" / model.posts[first.posts[0].template].path).read_text(errors="replace")
    start = page.index('<div class="entry-content">')
    paragraphs = [p for p in page[start:].split("<p>")[1:6] if len(p) > 80]
    assert paragraphs and not any(p.split("</p>")[0] in sample_text for p in paragraphs)


def test_long_profile_plans_documents_of_real_length(model) -> None:  # type: ignore[no-untyped-def]
    from bench.scale.generate import LONG_PDF_PAGES, LONG_POST_WORDS
    from bench.scale.render_html import render_post

    plan = make_plan(model, 400, 11, 0.015, profile="long")
    long_posts = [p for p in plan.posts if p.words]
    assert 20 <= len(long_posts) <= 80 and plan.pdfs  # about 12 % of the posts; 1.5 % of the documents
    assert all(LONG_POST_WORDS[0] <= p.words <= LONG_POST_WORDS[1] for p in long_posts)
    assert all(LONG_PDF_PAGES[0] <= p.pages <= LONG_PDF_PAGES[1] for p in plan.pdfs)
    # The usual profile's plan is not changed by the long one's draws.
    assert make_plan(model, 40, 3, 0.3).posts == make_plan(model, 40, 3, 0.3, profile="usual").posts
    assert "profile" not in make_plan(model, 40, 3, 0.3).params()

    post = min(long_posts, key=lambda p: p.words)
    page = render_post(model, post).decode("utf-8", errors="replace")
    words = len(page.split())
    assert post.words * 0.8 <= words <= post.words * 1.6
    parts = page.count('<div class="sommaire-dossier">')  # the page's navigation, before every part
    assert parts >= 3 and page.count('<li><a href="#partie-1">') == parts


def test_index_size_counts_each_field_and_the_word_pairs(tmp_path: Path, mini_settings) -> None:  # type: ignore[no-untyped-def]
    from bench.scale.index_size import markdown, measure

    size = measure(mini_settings.index)
    rows = {(r["field"], r["kind"]): r for r in size["inverted"]}
    assert rows[("exact", "pair")]["terms"] == size["pair_terms"] > 0
    assert rows[("body", "word")]["postings"] >= rows[("body", "word")]["terms"] > 0
    assert all(r["mb"] >= 0 and r["postings"] >= r["terms"] for r in size["inverted"])
    assert {r["field"] for r in size["stored"]} >= {"uid", "path", "text"}
    assert "| exact | pair |" in markdown(size)
