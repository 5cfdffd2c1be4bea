"""Tests of the HTML extractor (indexer.extract.html) and of `extract_file` on HTML pages."""

from __future__ import annotations

import hashlib
import os
import unicodedata
from pathlib import Path

import pytest

from indexer.config import Settings
from indexer.document import Link
from indexer.errors import CorruptFileError, ExtractionError, FileTooLargeError, UnsupportedFormatError
from indexer.extract import EXTRACTOR_VERSION, SUPPORTED_SUFFIXES, extract_file, format_of
from indexer.extract.html import decode_html, extract_html, resolve_link_target, strip_site_suffix

DATA = Path(__file__).parent / "data" / "extract"
WORDPRESS = "wordpress-utf8.html"
# Markers planted in the site chrome of the WordPress fixture: none may reach the indexed text.
CHROME_MARKERS = [
    "ADMINBARSECRET",
    "SKIPSECRET",
    "MASTHEADSECRET",
    "MENUSECRET",
    "BREADCRUMBSECRET",
    "COMMENTSECRET",
    "IFRAMESECRET",
    "SHARESECRET",
    "RELATEDSECRET",
    "POSTNAVSECRET",
    "COMMENTSSECRET",
    "SIDEBARSECRET",
    "FOOTERSECRET",
    "COOKIESECRET",
    "NOSCRIPTSECRET",
    "JSONLDSECRET",
    "scriptsecret",
    "stylesecret",
    "Merci pour cette synthèse",  # a reader's comment
    "Publié dans",  # the post's footer (categories), kept as metadata only
]


def _fixture(name: str, rel_path: str = "site/2016/page.html"):
    return extract_html((DATA / name).read_bytes(), rel_path)


def _page(body: str, head: str = "", rel_path: str = "site/page.html"):
    html = f"<!DOCTYPE html><html lang='fr'><head><meta charset='utf-8'>{head}</head><body>{body}</body>"
    return extract_html(html.encode("utf-8"), rel_path)


# --- The WordPress page --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wordpress():
    return _fixture(WORDPRESS, "site/2016/conseils-locaux-sante-mentale.html")


def test_wordpress_title_is_the_entry_title(wordpress) -> None:
    assert wordpress.format == "html"
    assert wordpress.path == "site/2016/conseils-locaux-sante-mentale.html"
    assert wordpress.title == "Les conseils locaux de santé mentale : quels enjeux, quels partenariats ?"


def test_wordpress_text_is_the_post_content_only(wordpress) -> None:
    assert len(wordpress.pages) == 1
    text = wordpress.text
    assert "coordonnateurs des conseils locaux de santé mentale (CLSM)" in text
    for marker in CHROME_MARKERS:
        assert marker not in text, marker


def test_wordpress_text_does_not_repeat_the_title(wordpress) -> None:
    assert not wordpress.text.startswith("Les conseils locaux")
    assert wordpress.text.startswith("Le 21 novembre 2016, Villes et Territoires LR a réuni")


def test_wordpress_text_keeps_blocks_and_joins_inline_elements(wordpress) -> None:
    blocks = wordpress.text.split("\n\n")
    assert "Contexte" in blocks
    # Two <div>: never « Premier blocsecond bloc ».
    assert "Premier bloc" in blocks and "second bloc" in blocks
    assert "Comment mobiliser les partenaires ?" in blocks  # each <li> its own block
    assert "Les communes de l’Hérault et de l’Aude." in blocks  # <strong>Hé</strong>rault stays one word
    # A <br> is a line break inside its paragraph.
    assert "et les usagers.\nIls sont un outil de la politique de la ville" in blocks[2]


def test_wordpress_no_break_spaces_become_plain_spaces(wordpress) -> None:
    assert "\u00a0" not in wordpress.text and "\u00a0" not in wordpress.title
    assert "Quelle place pour les habitants ?" in wordpress.text


def test_wordpress_headings_are_the_content_h2_to_h4(wordpress) -> None:
    assert wordpress.headings == ["Contexte", "Les questions posées", "Documents"]


def test_wordpress_metadata_from_the_whole_document(wordpress) -> None:
    assert wordpress.metadata == {
        "encoding": "utf-8",
        # The published <time>, not the « updated » one nor article:published_time (UTC).
        "date": "2016-11-21T09:12:44+01:00",
        # rel="category tag" links, deduplicated, in order; rel="tag" links go to keywords.
        "categories": ["Nos actions", "Actions réalisées 2015-2016", "Santé"],
        "keywords": ["CLSM", "santé mentale", "Montpellier", "psychiatrie"],
        "description": ("Journée régionale consacrée aux conseils locaux de santé mentale (CLSM) à Montpellier."),
        "canonical": "https://www.villesetterritoireslr.fr/conseils-locaux-sante-mentale-journee-2016/",
        "lang": "fr-FR",
        "author": "Villes et Territoires LR",
    }
    assert wordpress.empty_reason is None


def test_wordpress_links_are_those_of_the_content(wordpress) -> None:
    assert wordpress.links == [
        Link(href="../../dossiers/2016/x.pdf", text="Accéder au document", target="dossiers/2016/x.pdf"),
        Link(
            href="https://www.villesetterritoireslr.fr/wp-content/uploads/2016/11/programme.pdf",
            text="voir le programme",
            target=None,
        ),
    ]


# --- Charsets ------------------------------------------------------------------------------------------


def test_windows_1252_page_declaring_utf8_reads_right() -> None:
    raw = (DATA / "wordpress-cp1252-declares-utf8.html").read_bytes()
    assert b'<meta charset="utf-8">' in raw and "’".encode("cp1252") in raw
    document = extract_html(raw, "site/2016/achats-socialement-responsables.html")
    assert document.metadata["encoding"] == "windows-1252"
    assert document.title == "Les achats socialement responsables"
    text = document.text
    assert "journée régionale d’échanges" in text
    assert "« socialement responsables »" in text
    assert "mis en œuvre" in text and "5 € par heure… selon l’étude" in text
    assert "\ufffd" not in text and "Ã" not in text
    assert document.metadata["categories"] == ["Nos actions", "Développement économique"]
    assert document.metadata["date"] == "2016-11-30"
    assert document.links[0].target == "dossiers/2016/achats-socialement-responsables.pdf"


def test_iso_8859_1_page_is_read_as_windows_1252() -> None:
    document = _fixture("iso-8859-1.html", "site/2014/mobilite.html")
    assert document.metadata["encoding"] == "windows-1252"
    assert document.title == "Mobilité résidentielle dans les quartiers prioritaires"
    assert "Résultats présentés à Nîmes, Béziers et Perpignan." in document.text
    assert "L’étude a été menée en 2014." in document.text  # byte 0x92 is ’ as in browsers
    assert document.metadata["date"] == "2014-06-12"  # <meta name="date">
    assert not document.text.startswith("Mobilité")  # the <h1> equals the title: not repeated


def test_utf8_page_declaring_iso_8859_1_reads_as_utf8() -> None:
    html = '<html><head><meta charset="iso-8859-1"></head><body><p>Hérault « été »</p></body></html>'
    document = extract_html(html.encode("utf-8"), "p.html")
    assert document.metadata["encoding"] == "utf-8"
    assert document.text == "Hérault « été »"


def test_decode_html_charset_rules() -> None:
    assert decode_html("\ufeff<p>é</p>".encode()) == ("<p>é</p>", "utf-8")
    assert decode_html("<p>é</p>".encode("utf-16")) == ("<p>é</p>", "utf-16-le")
    latin9 = '<meta charset="iso-8859-15"><p>€</p>'.encode("iso-8859-15")
    assert decode_html(latin9) == ('<meta charset="iso-8859-15"><p>€</p>', "iso-8859-15")
    # No declaration and not UTF-8: windows-1252; its undefined bytes are read as latin-1.
    assert decode_html(b"<p>caf\xe9 \x81</p>") == ("<p>café \x81</p>", "windows-1252")


def test_undefined_windows_1252_bytes_do_not_reach_the_text() -> None:
    document = extract_html(b"<html><body><p>caf\xe9\x81 \x9cuvre</p></body></html>", "p.html")
    assert document.text == "café œuvre"


# --- Titles --------------------------------------------------------------------------------------------


def test_title_from_og_title_without_site_suffix() -> None:
    head = (
        '<meta property="og:title" content="Webinaire régional - Villes et Territoires LR">'
        '<meta property="og:site_name" content="Villes et Territoires LR"><title>Autre</title>'
    )
    assert _page("<article><p>Texte</p></article>", head).title == "Webinaire régional"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Actus | Villes et Territoires LR", "Actus"),
        ("Cadre de vie - Rénovation – Villes et Territoires LR", "Cadre de vie - Rénovation"),
        ("Cadre de vie - Rénovation", "Cadre de vie - Rénovation"),
    ],
)
def test_title_tag_without_site_suffix(title: str, expected: str) -> None:
    assert _page("<p>Texte</p>", f"<title>{title}</title>").title == expected


def test_strip_site_suffix_with_a_known_site_name() -> None:
    assert strip_site_suffix("Accueil - Mon centre", "Mon centre") == "Accueil"
    assert strip_site_suffix("Mon centre", "Mon centre") == "Mon centre"


def test_title_from_first_h1_then_file_name() -> None:
    assert _page("<h1>Le <em>titre</em></h1><p>Texte</p>").title == "Le titre"
    document = _page("<p>Texte</p>", rel_path="site/2016/journee-sante_mentale.html")
    assert document.title == "Journee sante mentale"


# --- Main content and chrome ---------------------------------------------------------------------------


def test_documentation_tree_page_without_wordpress_classes() -> None:
    document = _fixture("docs-tree.html", "docs/guide/publication.html")
    assert document.title == "Ajouter une publication"
    text = document.text
    assert text.startswith("Déposez la page et ses PDF dans le dossier du corpus")
    for marker in ("TOCSECRET", "HEADERSECRET", "FOOTERSECRET", "Installation"):
        assert marker not in text
    assert "python -m indexer update\npython -m indexer status" in text  # <pre> keeps its lines
    assert document.headings == ["Où placer les fichiers", "Vérifier le résultat"]
    assert [(link.href, link.target) for link in document.links] == [
        ("../annexes/sch%C3%A9ma%20g%C3%A9n%C3%A9ral.pdf", "docs/annexes/schéma général.pdf"),
        ("./configuration.html#limites", "docs/guide/configuration.html"),
        ("../../../ailleurs.html", None),
        ("https://example.org/aide", None),
        ("/racine/page.html", None),
    ]
    assert document.links[0].text == "le schéma général"


def test_article_header_kept_site_header_removed() -> None:
    body = (
        "<header class='site-header'>Logo du site</header>"
        "<main><header><p>En-tête de l’article</p></header><p>Corps</p>"
        "<footer role='contentinfo'>Pied du site</footer></main>"
    )
    assert _page(body).text == "En-tête de l’article\n\nCorps"


def test_listing_page_keeps_every_post() -> None:
    body = (
        "<main><article><div class='entry-content'><p>Premier article.</p></div></article>"
        "<article><div class='entry-content'><p>Second article.</p></div></article></main>"
        "<aside><article><div class='entry-content'><p>Widget.</p></div></article></aside>"
    )
    assert _page(body).text == "Premier article.\n\nSecond article."


def test_article_in_a_widget_is_not_the_content() -> None:
    body = (
        "<div id='content'><p>Le vrai contenu.</p>"
        "<section class='widget'><article><p>Article récent.</p></article></section></div>"
    )
    assert _page(body).text == "Le vrai contenu."


def test_page_wrapped_in_a_form_keeps_its_content() -> None:
    body = "<form id='aspnetForm'><nav>Menu</nav><div id='content'><p>Texte de la page.</p></div></form>"
    assert _page(body).text == "Texte de la page."


def test_post_tagged_cookies_is_not_a_cookie_banner() -> None:
    body = "<article class='post tag-cookies'><div class='entry-content'><p>Les cookies.</p></div></article>"
    assert _page(body).text == "Les cookies."


def test_page_without_text_gets_an_empty_reason() -> None:
    document = _page("<nav><a href='/'>Accueil</a></nav><main><img src='x.png'></main>")
    assert document.pages == [""]
    assert document.empty_reason == "page sans contenu textuel"


# --- Links ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("href", "target"),
    [
        ("x.pdf", "site/2016/x.pdf"),
        ("./x.pdf?download=1#page=3", "site/2016/x.pdf"),
        ("../../dossiers/2016/R%C3%A9sum%C3%A9.pdf", "dossiers/2016/Résumé.pdf"),
        ("../../dossiers/%E9t%E9.pdf", "dossiers/été.pdf"),  # latin-1 percent-encoding
        ("..\\..\\dossiers\\x.pdf", "dossiers/x.pdf"),
        ("../../../hors-corpus.pdf", None),
        ("https://www.villesetterritoireslr.fr/wp-content/uploads/x.pdf", None),
        ("//cdn.example.org/x.pdf", None),
        ("/wp-content/uploads/x.pdf", None),
        ("mailto:contact@example.org", None),
        ("#haut", None),
        ("?page=2", None),
    ],
)
def test_resolve_link_target(href: str, target: str | None) -> None:
    assert resolve_link_target(href, "site/2016/post.html") == target


def test_menu_links_are_not_content_links() -> None:
    body = "<nav><a href='a.html'>Menu</a></nav><article><a href='b.pdf'>Lire</a> <a>sans href</a></article>"
    document = _page(body)
    assert [link.href for link in document.links] == ["b.pdf"]


# --- Robustness ----------------------------------------------------------------------------------------


def test_ten_thousand_nested_elements() -> None:
    depth = 10_000
    html = "<html><body><main>" + "<div><span>" * depth + "profond" + "</span></div>" * depth + "</main>"
    document = extract_html(html.encode(), "profond.html")
    assert document.text == "profond"  # not taken for the title « Profond » made from the file name


def test_ten_thousand_unclosed_elements() -> None:
    html = "<html><body><article>" + "<p>a<b>b<i>c" * 10_000
    document = extract_html(html.encode(), "ouvert.html")
    assert document.text.count("abc") == 10_000


def test_broken_html() -> None:
    html = b"<html><body><p>un<p>deux</div></span><div>trois<li>quatre</p>cinq</i></body>"
    assert extract_html(html, "casse.html").text == "un\n\ndeux\n\ntrois\n\nquatre\n\ncinq"


def test_binary_junk_in_a_page_is_dropped() -> None:
    html = b"<html><body><p>caf\xc3\xa9\x00\x01 au\x1b lait\x7f</p></body></html>"
    assert extract_html(html, "junk.html").text == "café au lait"


def test_xhtml_and_markup_looking_like_a_file_name_do_not_warn() -> None:
    # filterwarnings = error: a bs4 warning would fail this test.
    xhtml = b'<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml"><body><p>ok</p></body></html>'
    assert extract_html(xhtml, "x.html").text == "ok"
    assert extract_html(b"index.html", "y.html").text == "index.html"


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image PNG"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "PDF"),
        (bytes(range(256)) * 8, "données binaires"),
    ],
)
def test_binary_file_named_html_is_corrupt(data: bytes, kind: str) -> None:
    with pytest.raises(CorruptFileError) as caught:
        extract_html(data, "site/image.html")
    assert caught.value.reason == f"ce fichier n’est pas une page HTML (contenu : {kind})"
    assert caught.value.path == "site/image.html"


# --- extract_file --------------------------------------------------------------------------------------


def _write(root: Path, rel_path: str, data: bytes) -> Path:
    path = root / rel_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_extract_file_fills_the_shared_fields(tmp_path: Path) -> None:
    data = (DATA / WORDPRESS).read_bytes()
    path = _write(tmp_path, "site/2016/Conseils.HTM", data)
    document = extract_file(tmp_path, "site/2016/Conseils.HTM", Settings())
    assert document.format == "html"
    assert document.path == "site/2016/Conseils.HTM"
    assert document.size == len(data)
    assert document.mtime == path.stat().st_mtime
    assert document.content_hash == hashlib.sha256(data).hexdigest()
    assert document.links[0].target == "dossiers/2016/x.pdf"


def test_extract_file_keeps_the_path_exactly_as_given(tmp_path: Path) -> None:
    nfd = unicodedata.normalize("NFD", "site/été.html")
    _write(tmp_path, nfd, b"<p>Texte</p>")
    document = extract_file(tmp_path, nfd, Settings())
    assert document.path == nfd
    assert document.path != unicodedata.normalize("NFC", nfd)


def test_extract_file_rejects_other_formats(tmp_path: Path) -> None:
    _write(tmp_path, "dossiers/compte-rendu.docx", b"PK\x03\x04")
    with pytest.raises(UnsupportedFormatError) as caught:
        extract_file(tmp_path, "dossiers/compte-rendu.docx", Settings())
    assert caught.value.reason == "format non pris en charge (« .docx »)"
    with pytest.raises(UnsupportedFormatError) as caught:
        extract_file(tmp_path, "LISEZMOI", Settings())
    assert caught.value.reason == "format non pris en charge (fichier sans extension)"


def test_extract_file_html_size_limit_checked_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "site" / "enorme.html"
    path.parent.mkdir()
    with path.open("wb") as handle:  # a sparse file: no 41 MB written to disk
        handle.truncate(41 * 1024 * 1024)
    with pytest.raises(FileTooLargeError) as caught:
        extract_file(tmp_path, "site/enorme.html", Settings(max_html_mb=40))
    assert caught.value.reason == "fichier trop volumineux (41 Mo, limite 40 Mo)"


def test_extract_file_empty_and_missing_files(tmp_path: Path) -> None:
    _write(tmp_path, "site/vide.html", b"")
    with pytest.raises(CorruptFileError) as caught:
        extract_file(tmp_path, "site/vide.html", Settings())
    assert caught.value.reason == "fichier vide"
    with pytest.raises(ExtractionError) as missing:
        extract_file(tmp_path, "site/absent.html", Settings())
    assert missing.value.reason == "fichier introuvable"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_extract_file_unreadable_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "site/prive.html", b"<p>x</p>")
    path.chmod(0)
    with pytest.raises(ExtractionError) as caught:
        extract_file(tmp_path, "site/prive.html", Settings())
    assert caught.value.reason == "lecture impossible (Permission denied)"


def test_extract_file_turns_an_unexpected_failure_into_an_extraction_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path, "site/bug.html", b"<p>x</p>")

    def broken(data: bytes, rel_path: str) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("indexer.extract.extract_html", broken)
    with pytest.raises(ExtractionError) as caught:
        extract_file(tmp_path, "site/bug.html", Settings())
    assert caught.value.reason == "erreur inattendue pendant l’extraction (RuntimeError : boom)"


def test_supported_suffixes_and_format_of() -> None:
    assert set(SUPPORTED_SUFFIXES) == {".html", ".htm", ".pdf"}
    assert format_of("a/B.PDF") == "pdf" and format_of("x.Htm") == "html" and format_of("x.txt") is None
    assert isinstance(EXTRACTOR_VERSION, str) and EXTRACTOR_VERSION


def test_navigation_repeated_through_a_long_page_is_kept_once() -> None:
    nav = '<p>Aller à la lettre : <a href="#a">A</a> · <a href="#b">B</a> — <a href="/">Retour au sommaire</a></p>'
    prose = "<p>Chaque entrée renvoie aux documents du centre de ressources.</p>"
    letters = "".join(
        f"{nav}<h2>{letter}</h2><p>Entrée {letter} : une définition.</p>{prose}<table><tr><td>Oui</td></tr></table>"
        for letter in "ABC"
    )
    html = f"<html><body><article><h1>Abécédaire</h1>{letters}{nav}</article></body></html>"
    text = extract_html(html.encode("utf-8"), "abc.html").text
    assert text.count("Aller à la lettre") == 1 and text.index("Aller à la lettre") < text.index("Entrée A")
    assert text.count("Oui") == 3  # a short block (a table cell) repeats by nature: kept
    assert text.count("Chaque entrée renvoie") == 3  # prose without a link: kept
    assert all(f"Entrée {letter}" in text for letter in "ABC")


# --- Long pages cut into sections ----------------------------------------------------------------------


def _prose(word: str, words: int) -> str:
    """A paragraph of `words` words, `word` among common ones."""
    return " ".join(word if i % 10 == 0 else "quartier" for i in range(words))


def test_long_page_is_cut_into_sections_at_its_headings() -> None:
    entries = ["Adultes-relais", "Budget participatif", "Cité éducative", "Diagnostic en marchant", "Emploi"]
    body = "<article><h1>Abécédaire</h1>" + "".join(
        f"<h2>{entry}</h2><p>{_prose(f'mot{n}', 200)}</p><p>{_prose(f'mot{n}', 200)}</p>"
        for n, entry in enumerate(entries)
    )
    document = _page(body + "</article>", "<title>Abécédaire</title>")
    assert [page.split("\n\n", 1)[0] for page in document.pages] == entries
    assert all(f"mot{n}" in page and f"mot{n + 1}" not in page for n, page in enumerate(document.pages))
    assert document.text == "\n\n".join(document.pages)  # the body is the whole text, as before
    assert document.page_count == 5 and document.headings == entries


def test_small_sections_are_merged_and_huge_ones_cut_between_paragraphs() -> None:
    small = "".join(f"<h3>Entrée {n}</h3><p>{_prose('petit', 100)}</p>" for n in range(6))
    huge = "<h2>Chronologie</h2>" + "".join(f"<p>{_prose('date', 250)}</p>" for _ in range(14))
    document = _page(f"<article>{small}{huge}</article>")
    sizes = [len(page.split()) for page in document.pages]
    assert document.pages[0].startswith("Entrée 0") and "Entrée 2" in document.pages[0]  # 3 × 102 words
    assert document.pages[1].startswith("Entrée 3") and "Entrée 5" in document.pages[1]
    assert all(300 <= size <= 1500 for size in sizes), sizes
    assert len(document.pages) >= 4 and sum(sizes) == len(document.text.split())


def test_short_page_stays_one_page_record_despite_headings() -> None:
    body = "<article>" + "".join(f"<h2>Partie {n}</h2><p>{_prose('mot', 200)}</p>" for n in range(5)) + "</article>"
    document = _page(body)
    assert len(document.pages) == 1 and document.pages[0].startswith("Partie 0")


def test_page_tags_answer_what_beautiful_soups_find_all_answers() -> None:
    """`PageTags` (one walk) against `find_all` and `find` (a walk each): tags by name, attribute values
    matched one value of a multi-valued attribute at a time or joined, and `<meta>` values, on the fixtures and
    on a page of awkward attributes."""
    from bs4 import BeautifulSoup

    from indexer.extract.html_tree import PageTags, attr_matches

    awkward = (
        '<html lang="fr"><head><meta name="Author" content=""><meta property="author" content="Ana">'
        '<meta name="description" content="  Une   description "><title>T</title></head><body>'
        '<a rel="author external" href="x">A</a><a rel="nofollow">B</a><a rel="">C</a><a>D</a>'
        '<span class="post author">E</span><span class="author">F</span><span class="authors x">G</span>'
        '<span class="">H</span><div id="site-title">I</div><h1 class="entry-title big">J</h1>'
        '<time datetime>K</time><time datetime="2020-01-02">L</time><time>M</time></body></html>'
    )
    pages = [path.read_text(encoding="utf-8", errors="replace") for path in sorted(DATA.glob("*.html"))]
    for text in [awkward, *pages]:
        soup = BeautifulSoup(text, "html.parser")
        tags = PageTags(soup)
        assert tags.all == soup.find_all(True)
        for name in ("a", "meta", "link", "time", "h1", "html", "title", "article", "nothing"):
            assert tags.named(name) == soup.find_all(name)
            assert tags.first(name) is soup.find(name)
        for attribute, values in [
            ("rel", ["author"]),
            ("class", ["author", "post-author"]),
            ("class", ["post author"]),
            ("id", ["site-title"]),
        ]:
            found = [tag for tag in tags.all if attr_matches(tag, attribute, values)]
            assert found == soup.find_all(attrs={attribute: values})
        assert [t for t in tags.named("time") if t.get("datetime") is not None] == soup.find_all(
            "time", attrs={"datetime": True}
        )
        for keys in [("author",), ("description", "og:description"), ("keywords",), ("og:title",)]:
            wanted = [key.casefold() for key in keys]
            expected = ""
            for key in wanted:
                contents = [
                    tag.get("content", "").strip()
                    for tag in soup.find_all("meta")
                    if (tag.get("name") or tag.get("property") or tag.get("itemprop") or "").strip().casefold() == key
                ]
                if found := [c for c in contents if c]:
                    expected = " ".join(found[0].split())
                    break
            assert tags.meta(*keys) == expected
    assert PageTags(BeautifulSoup(awkward, "html.parser")).meta("author") == "Ana"
