"""Fast tests of the sample-corpus renderer (`tools/make_corpus.py`) on tiny sources written in tmp_path."""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

TOOLS = Path(__file__).resolve().parents[1] / "tools"
sys.path.insert(0, str(TOOLS))

import make_corpus  # noqa: E402
from corpus_render import defects  # noqa: E402
from corpus_render.html_post import SiteContext, render_post  # noqa: E402
from corpus_render.pdf_dossier import render_dossier  # noqa: E402
from corpus_render.sources import Dossier, Problem, load_corpus, parse_dossier  # noqa: E402

DOSSIER = """\
file: dossiers/2016/petit-dossier.pdf
title: Les conseils citoyens en Languedoc-Roussillon
subtitle: État des lieux
cover_date: Septembre 2016
cover_lines: Document de capitalisation ; Montpellier
running_header: Villes et Territoires LR · Les conseils citoyens
running_footer: État des lieux · septembre 2016
metadata: {metadata}
meta_title: Les conseils citoyens – état des lieux
meta_subject: État des lieux
meta_keywords: conseils citoyens, participation
meta_author: Villes et Territoires Languedoc-Roussillon
meta_creation_date: 2016-10-03
ligatures: {ligatures}
accents: {accents}
---
# Composition et installation

{para}

- premier point de la liste, relativement développé pour occuper plusieurs lignes du document ;
- second point.

> Un encadré : « les habitants tirés au sort répondent peu aux invitations ».

## Le fonctionnement

{para}

| Département | Conseils installés |
| Hérault | 18 |
| Gard | 12 |

# Perspectives

{para}
"""
PARAGRAPH = (
    "Les conseils citoyens, institués par la loi de programmation pour la ville et la cohésion urbaine, "
    "réunissent des habitants tirés au sort et des représentants d’associations et d’acteurs locaux. "
    "Leur installation a mobilisé les équipes des contrats de ville, qui ont dû définir des modalités "
    "d’accompagnement, de formation et de fonctionnement, en recherchant une réelle indépendance vis-à-vis "
    "des institutions. Les difficultés rencontrées concernent principalement la mobilisation durable des "
    "habitants, la reconnaissance de leur légitimité et l’articulation avec les instances participatives "
    "préexistantes, notamment les comités de quartier et les conseils de développement."
)
POST = """\
title: Les conseils citoyens : état des lieux régional
slug: {slug}
date: {date}
date_in_meta: {date_in_meta}
categories: Nos actions; Participation des habitants
tags: conseils citoyens; participation
encoding: {encoding}
declared_charset: {declared}
comments: Claire M. | 2016-10-12 | Merci pour ce travail
---
Journée régionale d’échanges du 12 octobre 2016 : l’état des lieux des **conseils citoyens**.

## Pour aller plus loin

- [Lire l’état des lieux](pdf:petit-dossier)
- [Le site du CGET](https://www.cget.gouv.fr/)
"""


def write_sources(root: Path, posts: dict[str, str], dossiers: dict[str, str]) -> Path:
    """Write a tiny source tree (posts/, dossiers/) and return it."""
    for folder, files in (("posts", posts), ("dossiers", dossiers)):
        (root / folder).mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (root / folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return root


def dossier_source(metadata: str = "yes", ligatures: str = "no", accents: str = "normal") -> str:
    return DOSSIER.format(metadata=metadata, ligatures=ligatures, accents=accents, para=PARAGRAPH)


def post_source(slug: str = "conseils-citoyens-2016", **overrides: str) -> str:
    values = {"date": "2016-10-14", "date_in_meta": "yes", "encoding": "utf-8", "declared": "utf-8"}
    values.update(overrides)
    return POST.format(slug=slug, **values)


@pytest.fixture
def corpus_src(tmp_path: Path) -> Path:
    return write_sources(
        tmp_path / "src", {"conseils-citoyens-2016": post_source()}, {"petit-dossier": dossier_source()}
    )


def parse_dossier_text(folder: Path, name: str, text: str) -> Dossier:
    """Parse a dossier source given as text."""
    path = folder / f"{name}.txt"
    path.write_text(text, encoding="utf-8")
    problems: list[Problem] = []
    dossier = parse_dossier(path, problems)
    assert dossier is not None, [str(p) for p in problems]
    return dossier


def pdf_texts(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def test_parse_errors_report_file_and_line(tmp_path: Path) -> None:
    bad_post = post_source().replace("date: 2016-10-14", "date: 2016-13-40").replace("tags:", "tagz: x\ntags:")
    bad_post += "\n[Le dossier](pdf:dossier-inconnu)\n"
    bad_dossier = dossier_source().replace("metadata: yes", "metadata yes").replace("| 12 |", "| 12 | 3 |")
    src = write_sources(tmp_path, {"conseils-citoyens-2016": bad_post}, {"petit-dossier": bad_dossier})
    corpus = load_corpus(src)
    messages = [f"{p.path.name}:{p.line}: {p.message}" for p in corpus.errors]
    assert any(m.startswith("conseils-citoyens-2016.txt:3: bad date") for m in messages), messages
    assert any(m.startswith("conseils-citoyens-2016.txt:6: unknown header key 'tagz'") for m in messages)
    assert any("unknown dossier id 'dossier-inconnu'" in m for m in messages)
    assert any(m.startswith("petit-dossier.txt:8: malformed header line") for m in messages)
    table_line = bad_dossier.splitlines().index("| Gard | 12 | 3 |") + 1
    assert any(m.startswith(f"petit-dossier.txt:{table_line}: table row has 3 cells") for m in messages)
    assert corpus.posts == [] and corpus.dossiers == {}
    assert make_corpus.main(["--src", str(src), "--out", str(tmp_path / "out"), "-q"]) == 1
    assert not (tmp_path / "out").exists()


def test_post_renders_title_date_categories_and_links(corpus_src: Path) -> None:
    corpus = load_corpus(corpus_src)
    assert not corpus.errors
    post = corpus.posts[0]
    page = BeautifulSoup(render_post(post, SiteContext(corpus.posts, corpus.dossiers)), "html.parser")
    assert page.title.string == "Les conseils citoyens : état des lieux régional – Villes et Territoires LR"
    assert page.find("h1", class_="entry-title").get_text() == "Les conseils citoyens : état des lieux régional"
    time = page.select_one("span.posted-on time.entry-date.published")
    assert time["datetime"] == "2016-10-14T10:00:00+02:00"  # summer time
    assert time.get_text() == "14 octobre 2016"
    assert page.find("meta", property="article:published_time")["content"] == "2016-10-14T10:00:00+02:00"
    categories = [a.get_text() for a in page.select('a[rel="category tag"]')]
    assert categories == ["Nos actions", "Participation des habitants"]
    assert page.find("meta", attrs={"name": "keywords"})["content"] == "conseils citoyens, participation"
    links = [a["href"] for a in page.select("div.entry-content a[href]") if ".pdf" in a["href"]]
    assert links in (
        ["../../dossiers/2016/petit-dossier.pdf"],
        ["https://www.villesetterritoireslr.fr/wp-content/uploads/2016/10/petit-dossier.pdf"],
    )
    for selector in ("#wpadminbar", "#masthead nav", "#comments", "aside#secondary", "#colophon", "#cookie-notice"):
        assert page.select_one(selector) is not None, selector
    assert "Aller au contenu" in page.get_text()


def test_post_without_date_in_meta_and_in_latin1(tmp_path: Path) -> None:
    source = post_source(date="2016-01-20", date_in_meta="no", encoding="iso-8859-1", declared="utf-8")
    src = write_sources(tmp_path, {"conseils-citoyens-2016": source}, {"petit-dossier": dossier_source()})
    corpus = load_corpus(src)
    data = render_post(corpus.posts[0], SiteContext(corpus.posts, corpus.dossiers))
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # the declared charset lies
    assert b'<meta charset="UTF-8">' in data
    assert b"d&#8217;&#233;changes" not in data and b"d&#8217;\xe9changes" in data  # ’ missing in Latin-1
    page = BeautifulSoup(data.decode("iso-8859-1"), "html.parser")
    assert "Journée régionale d’échanges" in page.find("div", class_="entry-content").get_text()
    assert page.select_one("time.entry-date") is None
    assert page.find("meta", property="article:published_time") is None
    ld = json.loads(page.find("script", type="application/ld+json").string)
    assert set(ld) == {"@context", "@type", "headline", "url"}
    assert page.select_one("#comments time").get("datetime") is None


def test_dossier_pdf_text_layer_outline_and_metadata(tmp_path: Path) -> None:
    dossier = parse_dossier_text(tmp_path, "petit-dossier", dossier_source(ligatures="yes"))
    rendered = render_dossier(dossier)
    reader = PdfReader(io.BytesIO(rendered.data))
    texts = [page.extract_text() for page in reader.pages]
    assert len(texts) == rendered.pages >= 4
    assert "Les conseils citoyens" in texts[0] and "Septembre 2016" in texts[0]  # cover
    assert "Villes et Territoires LR · Les conseils citoyens" not in texts[0]  # no running header on the cover
    assert "Sommaire" in texts[1]
    for number, text in enumerate(texts[1:], start=2):
        assert "Villes et Territoires LR · Les conseils citoyens" in text
        assert f"État des lieux · septembre 2016 — {number}" in text
    body = "\n".join(texts[2:])
    assert "\ufb01" in body  # ligatures: « déﬁnir »
    split_words = re.findall(r"(\w+)-\n(\w+)", body)
    assert any((a + b).replace("\ufb01", "fi") in PARAGRAPH for a, b in split_words), split_words
    outline = [item["/Title"] for item in reader.outline if not isinstance(item, list)]
    assert outline == ["Composition et installation", "Perspectives"]
    assert reader.metadata["/Title"] == "Les conseils citoyens – état des lieux"
    assert reader.metadata["/CreationDate"].startswith("D:20161003")


def test_dossier_accents_and_no_metadata(tmp_path: Path) -> None:
    combining = parse_dossier_text(tmp_path, "a", dossier_source(accents="combining"))
    text = "\n".join(pdf_texts(render_dossier(combining).data))
    assert "e\u0301" in text and "é" not in text
    spacing = parse_dossier_text(tmp_path, "b", dossier_source(metadata="no", accents="spacing"))
    data = render_dossier(spacing).data
    assert "\u00b4e" in "\n".join(pdf_texts(data))
    metadata = PdfReader(io.BytesIO(data)).metadata
    assert metadata is None or ("/Title" not in metadata and "/CreationDate" not in metadata)


def test_render_is_deterministic_and_does_not_rewrite(corpus_src: Path, tmp_path: Path) -> None:
    out = tmp_path / "corpus"
    assert make_corpus.main(["--src", str(corpus_src), "--out", str(out), "-q"]) == 0
    files = sorted(p for p in out.rglob("*") if p.is_file())
    names = [p.relative_to(out).as_posix() for p in files]
    assert names == [
        "dossiers/2016/petit-dossier.pdf",
        "dossiers/2017/convention-partenariat-conseil-citoyen-lunel-scan.pdf",
        "dossiers/exemples-defectueux/exemple-pdf-scanne-sans-texte.pdf",
        "dossiers/exemples-defectueux/exemple-pdf-tronque-defectueux.pdf",
        "site/2016/conseils-citoyens-2016.html",
    ]
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files}
    assert make_corpus.main(["--src", str(corpus_src), "--out", str(out), "-q"]) == 0
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files} == before
    other = tmp_path / "again"
    assert make_corpus.main(["--src", str(corpus_src), "--out", str(other), "-q", "--only", "petit-dossier"]) == 0
    assert (other / names[0]).read_bytes() == before[files[0]][0]


def test_defective_examples() -> None:
    with pytest.raises(Exception):  # noqa: B017 - any pypdf error: the file is unreadable
        reader = PdfReader(io.BytesIO(defects.truncated_pdf()))
        _ = [page.extract_text() for page in reader.pages]
    scanned = PdfReader(io.BytesIO(defects.scanned_pdf()))
    assert len(scanned.pages) == 3
    assert all(not page.extract_text().strip() for page in scanned.pages)
    assert scanned.metadata["/Title"] == "Compte rendu scanné (exemple)"
