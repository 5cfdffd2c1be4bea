"""Shared fixtures: a small controlled corpus and its index, the sample corpus's index, the Flask app."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from indexer.build import build_index
from indexer.config import Settings

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_CORPUS = ROOT / "corpus"


def wp_page(
    title: str,
    body: str,
    date: str | None = None,
    categories: tuple[str, ...] = (),
    charset: str = "utf-8",
) -> str:
    """A WordPress-like post page: chrome around an article whose content is `body` (HTML)."""
    time_tag = f'<time class="entry-date published" datetime="{date}T10:00:00+01:00">{date}</time>' if date else ""
    cats = " ".join(f'<a href="https://exemple.org/category/c/" rel="category tag">{c}</a>' for c in categories)
    return f"""<!doctype html><html lang="fr-FR"><head><meta charset="{charset}">
<title>{title} – Villes et Territoires LR</title><script>var tracker = "menu";</script></head>
<body class="single single-post"><div id="wpadminbar"><a class="screen-reader-text" href="#wp-toolbar">Aller à la
barre d’outils</a></div><header id="masthead"><nav><a href="/">Accueil</a><a href="/actus/">Actus</a></nav></header>
<main id="main"><article class="post type-post"><header class="entry-header"><h1 class="entry-title">{title}</h1>
</header><div class="entry-content">{body}<div class="sharedaddy">Partager : Facebook, Twitter</div></div>
<footer class="entry-footer">{time_tag}<span class="cat-links">{cats}</span></footer></article>
<div id="comments">Un commentaire sur la barre latérale</div></main>
<aside id="secondary" class="widget-area">Articles récents : menu latéral</aside>
<footer id="colophon">Mentions légales</footer><div id="cookie-notice">Ce site utilise des cookies</div>
</body></html>"""


def write_mini_corpus(root: Path) -> Path:
    """A small corpus whose content the tests know exactly."""
    import pdf_fixtures

    site = root / "site"
    (site / "2016").mkdir(parents=True)
    (site / "2019").mkdir()
    (site / "2014").mkdir()
    (site / "2015").mkdir()
    (site / "non-date").mkdir()
    (root / "dossiers" / "2016").mkdir(parents=True)
    (root / "dossiers" / "exemples-defectueux").mkdir(parents=True)
    (site / "2016" / "clauses-sociales.html").write_text(
        wp_page(
            "Les clauses sociales dans les marchés publics",
            "<p>Journée régionale du 31 mai 2016 à Montpellier sur les achats socialement responsables.</p>"
            "<p>Les clauses sociales ouvrent la commande publique aux habitants des quartiers.</p>"
            '<p><a href="../../dossiers/2016/achats.pdf">Accéder au dossier thématique</a></p>',
            date="2016-06-10",
            categories=("Nos actions", "Emploi et insertion"),
        ),
        encoding="utf-8",
    )
    (site / "2019" / "sante-mentale.html").write_text(
        wp_page(
            "Santé mentale : le conseil local en action",
            "<p>Le conseil local de santé mentale réunit élus, psychiatrie et bailleurs.</p>"
            "<p>Les cohésions du territoire passent par la santé des habitants.</p>",
            date="2019-02-15",
            categories=("Santé",),
        ),
        encoding="utf-8",
    )
    (site / "2014" / "geographie.html").write_text(
        wp_page(
            "La nouvelle géographie prioritaire",
            "<p>Chaque quartier prioritaire de la politique de la ville remplace les anciennes zones.</p>"
            "<p>Le contrat de ville fixe le cadre de la participation des habitants.</p>",
            date="2014-03-10",
            categories=("Pilotage, contrat de ville et évaluation",),
        ),
        encoding="utf-8",
    )
    (site / "2015" / "qpv-chiffres.html").write_text(
        wp_page(
            "Les QPV en chiffres",
            "<p>La région compte 105 QPV ; chaque QPV a son conseil citoyen.</p><p>Conseil citoyen de Bédarieux.</p>",
            date="2015-09-08",
            categories=("Participation des habitants",),
        ),
        encoding="utf-8",
    )
    (site / "non-date" / "hostile.html").write_text(
        wp_page(
            "<script>alert('titre')</script> & « guillemets »",
            "<p>Un texte avec &lt;img src=x onerror=alert(1)&gt; et des clauses sociales piégées.</p>",
            categories=("Participation des habitants",),
        ),
        encoding="utf-8",
    )
    (root / "dossiers" / "2016" / "achats.pdf").write_bytes(pdf_fixtures.dossier_pdf())
    (root / "dossiers" / "exemples-defectueux" / "tronque.pdf").write_bytes(pdf_fixtures.truncated_pdf())
    return root


@pytest.fixture(scope="session", autouse=True)
def private_temp_folder(tmp_path_factory: pytest.TempPathFactory):
    """Temporary files of this run in a folder of its own: Whoosh's in-memory indexes spill to a fixed
    `<tmp>/MAIN.tmp` folder, which a second test run on the same machine would remove under this one."""
    previous = tempfile.tempdir
    tempfile.tempdir = str(tmp_path_factory.mktemp("temp"))
    yield
    tempfile.tempdir = previous


@pytest.fixture(scope="session")
def mini_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings of a built index over the mini corpus (read-only: copy it to change it)."""
    base = tmp_path_factory.mktemp("mini")
    corpus = write_mini_corpus(base / "corpus")
    settings = Settings(corpus=corpus, index=base / "index", workers=1)
    build_index(settings)
    return settings


@pytest.fixture
def mini_copy(tmp_path: Path, mini_settings: Settings) -> Settings:
    """A private copy of the mini corpus and its index, for tests that change them."""
    corpus = tmp_path / "corpus"
    shutil.copytree(mini_settings.corpus, corpus)
    settings = Settings(corpus=corpus, index=tmp_path / "index", workers=1)
    build_index(settings)
    return settings


@pytest.fixture(scope="session")
def sample_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings of an index built from the sample corpus shipped in `corpus/` (read-only)."""
    index = tmp_path_factory.mktemp("sample") / "index"
    settings = Settings(corpus=SAMPLE_CORPUS, index=index, workers=2)
    build_index(settings)
    return settings


@pytest.fixture(scope="session")
def app(sample_settings: Settings):
    """The Flask app over the sample corpus's index."""
    from search_app import create_app

    return create_app({"SETTINGS": sample_settings, "TESTING": True})


@pytest.fixture
def client(app):
    """Flask's test client."""
    return app.test_client()


@pytest.fixture(scope="session")
def mini_app(mini_settings: Settings):
    """The Flask app over the mini corpus's index."""
    from search_app import create_app

    return create_app({"SETTINGS": mini_settings, "TESTING": True})
