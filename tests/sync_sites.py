"""Helpers of the sync tests: the demonstration sites (tools/demo_site.py) on loopback, and a sync run."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pdf_fixtures

from indexer.config import Settings
from indexer.records import KIND_DOC, StoredDoc
from indexer.store import open_index
from indexer.web.harvest import SyncReport
from indexer.web.sources import Source, source_from_url
from indexer.web.sync import SyncOptions, sync_sources

TOOLS = Path(__file__).resolve().parents[1] / "tools"
sys.path.insert(0, str(TOOLS))

import demo_site  # noqa: E402


def sync_settings(tmp_path: Path, **overrides: object) -> Settings:
    """Settings for a sync test: short time-outs and backoff, extraction in the calling process."""
    values: dict[str, object] = {
        "corpus": tmp_path / "corpus",
        "index": tmp_path / "index",
        "workers": 0,
        "sync_timeout": 0.5,
        "sync_backoff": 0.01,
        "sync_retries": 2,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def sync(settings: Settings, *sources: Source | str) -> list[SyncReport]:
    """Sync sources (or bare URLs) into the settings' corpus."""
    chosen = [source_from_url(s) if isinstance(s, str) else s for s in sources]
    return sync_sources(settings.corpus, chosen, SyncOptions.from_settings(settings))


@cache
def _pdfs() -> tuple[bytes, bytes]:
    """The two PDFs of the small site (written once: fpdf2 takes a while to load its font)."""
    achats = pdf_fixtures.pages_pdf(
        "Achats socialement responsables",
        [["Achats socialement responsables", "Dossier thématique"], ["Les clauses sociales dans les marchés publics."]],
    )
    sante = pdf_fixtures.pages_pdf("Santé mentale", [["Conseil local de santé mentale", "Synthèse de la journée"]])
    return achats, sante


@contextlib.contextmanager
def served_small_site() -> Iterator[demo_site.WordPressSite]:
    """`small_site`, served on loopback while the block runs, its robots.txt announcing its sitemap as
    WordPress 5.5 and later do."""
    site = small_site()
    site.start()
    site.robots = f"User-agent: *\nDisallow: /wp-admin/\nSitemap: {site.base}/wp-sitemap.xml\n"
    try:
        yield site
    finally:
        site.stop()


def small_site() -> demo_site.WordPressSite:
    """Three posts: one links a PDF in its text, one has a PDF attached, one has none; one page."""
    site = demo_site.WordPressSite()
    achats, sante = _pdfs()
    first = site.add_post(
        "Journée régionale sur les achats socialement responsables",
        f'<p>Le 31 mai 2016, journée sur les clauses sociales.</p><p><a href="{demo_site.SITE}'
        '/wp-content/uploads/2016/06/achats.pdf">Accéder au dossier</a></p>',
        datetime(2016, 6, 2, 9, tzinfo=UTC),
        categories=["Économie sociale et solidaire"],
        tags=["clauses sociales"],
    )
    site.add_pdf("achats.pdf", achats, "2016/06")
    second = site.add_post(
        "Conseils locaux de santé mentale : la synthèse",
        "<p>Synthèse de la journée régionale consacrée aux conseils locaux de santé mentale.</p>",
        datetime(2017, 3, 1, 9, tzinfo=UTC),
        categories=["Santé"],
    )
    site.add_pdf("clsm.pdf", sante, "2017/03", parent=second.id, title="Synthèse CLSM")
    site.add_post(
        "Rencontres des conseils citoyens",
        "<p>Les conseils citoyens de l’Hérault se sont réunis à Montpellier.</p>",
        datetime(2018, 10, 5, 9, tzinfo=UTC),
        categories=["Participation des habitants"],
    )
    site.add_post("Qui sommes-nous ?", "<p>Le centre de ressources de la politique de la ville.</p>", type="page")
    assert first.id != second.id
    return site


def stored_docs(settings: Settings) -> dict[str, StoredDoc]:
    """The doc records of the settings' index by file name (a post by its folder's: « slug/index.html »)."""
    ix = open_index(settings.index)
    try:
        with ix.searcher() as searcher:
            docs = [StoredDoc(fields) for fields in searcher.documents(kind=KIND_DOC)]
    finally:
        ix.close()
    return {
        "/".join(doc.path.rsplit("/", 2)[-2:]) if doc.path.endswith("/index.html") else doc.path.rsplit("/", 1)[-1]: doc
        for doc in docs
    }


def mirrored(settings: Settings, suffix: str) -> list[str]:
    """Corpus-relative paths of the mirrored files ending with `suffix` (hidden files included)."""
    root = settings.corpus
    return sorted(p.relative_to(root).as_posix() for p in (root / "web").rglob(f"*{suffix}") if p.is_file())
