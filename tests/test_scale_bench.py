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
