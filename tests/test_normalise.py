"""Tests of indexer.extract.normalise: Unicode clean-up, hyphenation, running lines, content sniffing."""

from __future__ import annotations

import pytest

from indexer.extract.normalise import (
    dehyphenate,
    describe_content,
    is_page_number,
    join_spacing_accents,
    looks_binary,
    normalise_spaces,
    normalise_unicode,
    strip_running_lines,
    unwrap_lines,
)

# --- normalise_unicode ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("eﬃcacité", "efficacité"),
        ("ﬁnancement", "financement"),
        ("ﬂux", "flux"),
        ("eﬀet", "effet"),
        ("souﬄe", "souffle"),
        ("ﬅyle ﬆop", "style stop"),
    ],
)
def test_ligatures_become_letters(raw: str, expected: str) -> None:
    assert normalise_unicode(raw) == expected


def test_oe_is_a_letter_not_a_ligature() -> None:
    assert normalise_unicode("mise en œuvre") == "mise en œuvre"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("pr´efecture", "préfecture"),  # acute before its letter (TeX order)
        ("de´veloppement", "développement"),  # acute after its letter
        ("`a Montpellier", "à Montpellier"),
        ("pr`es", "près"),
        ("ˆetre", "être"),
        ("na¨ıve", "naïve"),  # dotless i
        ("na¨ive", "naïve"),
        ("ˆıle", "île"),
        ("fran¸cais", "français"),
        ("No¨el", "Noël"),
        ("E´tat", "État"),
    ],
)
def test_spacing_accents_join_their_letter(raw: str, expected: str) -> None:
    assert normalise_unicode(raw) == expected


def test_ambiguous_spacing_accent_follows_the_documents_habit() -> None:
    # « e´e » could be « ée » or « éé »: « pre´fecture » shows this text writes the mark after its letter.
    assert normalise_unicode("cre´e´e par la pre´fecture") == "créée par la préfecture"


def test_grave_after_a_letter_is_not_an_accent() -> None:
    # A backquote joins only the vowel after it: « e` » and code quotes stay as they are.
    assert join_spacing_accents("voir `ls` et e`") == "voir `ls` et e`"


def test_acute_typed_for_an_apostrophe_becomes_one() -> None:
    assert normalise_unicode("l´association et d´un projet") == "l’association et d’un projet"
    assert normalise_unicode("qu´elle soit l`entreprise") == "qu’elle soit l’entreprise"


def test_acute_after_elided_word_is_an_accent_when_the_text_has_split_accents() -> None:
    assert normalise_unicode("d´eveloppement e´conomique") == "développement économique"


def test_combining_marks_are_composed() -> None:
    assert normalise_unicode("e\u0301te\u0301") == "été"
    assert normalise_unicode("c\u0327a") == "ça"


def test_soft_hyphens_and_invisible_characters_are_removed() -> None:
    assert normalise_unicode("poli\u00adtique") == "politique"
    assert normalise_unicode("politi\u00ad\nque") == "politique"
    assert normalise_unicode("quar\u200btier\u200d\ufeff") == "quartier"


def test_control_characters_are_removed_but_tab_and_newline_kept() -> None:
    assert normalise_unicode("a\x00b\x07c\td\ne\x7f\x92") == "abc\td\ne"
    assert normalise_unicode("ligne\r\nsuite\rfin\fpage") == "ligne\nsuite\nfin\npage"


def test_no_break_spaces_are_kept() -> None:
    assert normalise_unicode("«\u00a0quartiers\u00a0» :\u202f2016") == "«\u00a0quartiers\u00a0» :\u202f2016"


def test_normalise_spaces_folds_every_space_into_one_plain_space() -> None:
    raw = "  «\u00a0quartiers\u00a0»\u202f:\t\tQPV  \n\n\n\n  suite  "
    assert normalise_spaces(raw) == "« quartiers » : QPV\n\nsuite"


# --- dehyphenate and unwrap_lines ----------------------------------------------------------------------


def test_word_cut_at_line_end_is_rejoined() -> None:
    assert dehyphenate("la politi-\nque de la ville") == "la politique de la ville"
    assert dehyphenate("une dé- \n  marche") == "une démarche"


def test_hyphen_kept_when_the_hyphenated_form_appears_in_the_document() -> None:
    text = "le développement socio-\néconomique et le tissu socio-économique"
    assert dehyphenate(text) == "le développement socio-économique et le tissu socio-économique"


def test_context_is_the_whole_document() -> None:
    page = "un projet socio-\néducatif"
    assert dehyphenate(page) == "un projet socioéducatif"
    assert dehyphenate(page, context="page 1 : socio-éducatif\n" + page) == "un projet socio-éducatif"


def test_hyphen_before_an_uppercase_letter_is_a_real_hyphen() -> None:
    assert dehyphenate("le Languedoc-\nRoussillon") == "le Languedoc-Roussillon"


def test_dash_of_a_list_or_numbers_are_not_words_cut() -> None:
    assert dehyphenate("actions 2015-\n2016") == "actions 2015-\n2016"
    assert dehyphenate("deux points -\nsuite") == "deux points -\nsuite"


def test_unwrap_lines_joins_lines_of_a_paragraph_only() -> None:
    text = "Les clauses sociales favorisent\nl’insertion des habitants.\nAutre paragraphe\n\n- un item\nsuite"
    assert unwrap_lines(text) == (
        "Les clauses sociales favorisent l’insertion des habitants.\nAutre paragraphe\n\n- un item suite"
    )


# --- strip_running_lines -------------------------------------------------------------------------------


def _page(number: int, body: str) -> str:
    return f"Villes et Territoires LR – Dossier n° {number}\n{body}\nPage {number} / 4"


def test_running_header_and_footer_removed_with_varying_digits() -> None:
    pages = [
        "Villes et Territoires LR – Dossier n° 1\nLes achats socialement responsables\nNovembre 2016",
        _page(2, "Les clauses sociales."),
        _page(3, "Les acteurs de l’insertion."),
        _page(4, "Zoom sur l’Occitanie."),
    ]
    result = strip_running_lines(pages)
    assert result[1:] == ["Les clauses sociales.", "Les acteurs de l’insertion.", "Zoom sur l’Occitanie."]
    # The cover keeps its own text, even the line that runs on the other pages.
    assert result[0] == pages[0]


def test_a_running_footer_read_by_ocr_runs_whatever_its_stray_punctuation() -> None:
    # The scanned Lunel agreement: OCR read a stain as a colon at the end of page 2's footer.
    body = ["Article 1 – Objet\nLa présente convention", "Article 3 – Financement\nLe plan", "Article 5 – Durée\nFait"]
    footers = ["Convention conseil citoyen Lunel - 2017 - 1/3", "Convention conseil citoyen Lunel - 2017 - 2/3 :",
               "Convention conseil citoyen Lunel - 2017 - 3/3."]  # fmt: skip
    result = strip_running_lines([f"{text}\n{footer}" for text, footer in zip(body, footers, strict=True)])
    assert result[1:] == body[1:]


def test_a_line_of_punctuation_alone_is_never_a_running_line() -> None:
    pages = ["A\n* * *\nUn.", "B\n* * *\nDeux.", "C\n* * *\nTrois.", "D\n* * *\nQuatre."]
    assert strip_running_lines(pages) == pages


PAGE_NUMBER_LINES = ["12", "- 12 -", "– 12 –", "Page 12", "12 / 40", "p. 12", "page 12 sur 40"]


@pytest.mark.parametrize("number_line", PAGE_NUMBER_LINES)
def test_page_number_lines_removed_at_top_or_bottom(number_line: str) -> None:
    pages = [f"Titre\nTexte du corps.\n{number_line}", f"{number_line}\nAutre texte."]
    assert strip_running_lines(pages) == ["Titre\nTexte du corps.", "Autre texte."]


def test_year_alone_on_a_line_is_not_a_page_number() -> None:
    pages = ["Les achats socialement responsables\nNovembre\n2016", "Texte.\n2"]
    assert strip_running_lines(pages) == ["Les achats socialement responsables\nNovembre\n2016", "Texte."]


def test_repeated_line_in_the_middle_of_pages_is_kept() -> None:
    pages = [f"a{n}\nb{n}\nc{n}\nLigne répétée\nd{n}\ne{n}\nf{n}" for n in "xyz"]
    assert strip_running_lines(pages) == pages


def test_line_on_less_than_half_of_the_pages_is_kept() -> None:
    pages = ["Couverture", "En-tête rare\nA", "B", "C", "D"]
    assert strip_running_lines(pages) == pages


def test_fewer_than_three_pages_keep_their_repeated_lines() -> None:
    pages = ["Villes et Territoires LR\nA\n1", "Villes et Territoires LR\nB\n2"]
    assert strip_running_lines(pages) == ["Villes et Territoires LR\nA", "Villes et Territoires LR\nB"]


def test_is_page_number() -> None:
    assert is_page_number("Page 3 / 4")
    assert is_page_number(" 7 ", page_count=10)
    assert not is_page_number("2016", page_count=4)
    assert not is_page_number("Chapitre 2")
    assert not is_page_number("12 000 habitants")


# --- describe_content ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "vide"),
        (b"%PDF-1.7\n", "PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "image PNG"),
        (b"PK\x03\x04rest", "archive ZIP ou document Office"),
        (b"  <!DOCTYPE html><html>", "page HTML"),
        ("\ufeff<html lang='fr'>".encode(), "page HTML"),
        ("<html>".encode("utf-16"), "page HTML"),
        (b"Une note de la documentaliste.", "texte"),
        (bytes(range(32)) * 10, "données binaires"),
    ],
)
def test_describe_content(data: bytes, expected: str) -> None:
    assert describe_content(data) == expected


def test_looks_binary_tolerates_a_few_stray_control_bytes() -> None:
    assert not looks_binary(b"<p>texte</p>\x00" + b"x" * 100)
    assert looks_binary(b"\x00\x01\x02\x03abc")


def test_compounds_cut_at_a_line_end_keep_their_hyphen():
    context = "Le parcours des habitants, les formations et les actions, les groupes ; eux aussi, les mêmes."
    for cut, expected in [
        ("l’évaluation à mi-\nparcours", "l’évaluation à mi-parcours"),
        ("des formations-\nactions", "des formations-actions"),
        ("des sous-\ngroupes", "des sous-groupes"),
        ("eux-\nmêmes", "eux-mêmes"),
        ("la politi-\nque", "la politique"),
    ]:
        assert dehyphenate(cut, context + " " + cut) == expected, cut
