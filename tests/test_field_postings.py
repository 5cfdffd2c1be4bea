"""Postings computed straight from the text (`indexer.field_postings`) against Whoosh's `field.index` through the
field's own analyser: the same list, term for term, in the same order."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from indexer.extract.html import extract_html
from indexer.field_postings import exact_postings, french_postings, spelling_postings
from indexer.schema import build_schema, pre_analyse

DATA = Path(__file__).parent / "data" / "extract"
SAMPLE_SITE = Path(__file__).parents[1] / "corpus" / "site"

AWKWARD = [
    "",
    "   \n ",
    "Socio-économique, d’aujourd’hui : l’État-providence et l'Europe.",
    "a-b-c x--y ‐z‐ab -- l-x de-la-ville anti-Le-Pen",
    "qu’il jusqu’à lorsqu'on presqu’île L’ l' ’",
    "n°3-4 2020-2021 1er-2e 12,5 % 3.14 10h30",
    "İİ İstanbul ÀÉÎ être Être ÊTRE leurs cela cet ab abc_def x2y",
    "ÉCOLE École école ecole œuvre Œuvre ﬁn",
    "politique de la ville politique de la ville quartier prioritaire de la politique de la ville (QPV)",
    "le programme national de renouvellement urbain et le nouveau programme national de renouvellement urbain",
    "Le Quartier-Prioritaire de la Politique de la Ville ; quartier prioritaire de la, politique de la ville",
    "aujourd'hui-même c'est-à-dire peut-être vis-à-vis",
]


def _random_text(rng: random.Random) -> str:
    words = ["de", "la", "ville", "l’école", "socio-économique", "d'Europe", "a-b", "Été", "x", "2020-2021", "le-la"]
    words += ["quartier", "prioritaire", "politique", "quartier-prioritaire", "Politique", "(QPV)"]
    separators = [" ", " ", "\n", ", ", "-", "’", "'", " -- "]
    return "".join(rng.choice(words) + rng.choice(separators) for _ in range(rng.randint(0, 60)))


def _texts() -> list[str]:
    texts = list(AWKWARD)
    rng = random.Random(13)
    texts += [_random_text(rng) for _ in range(300)]
    for path in sorted(DATA.glob("*.html")) + sorted(SAMPLE_SITE.rglob("*.html"))[:40]:
        doc = extract_html(path.read_bytes(), path.name)
        texts.append(doc.title + "\n" + doc.text)
    return texts


@pytest.fixture(scope="module")
def exact_field():  # type: ignore[no-untyped-def]
    return build_schema()["exact"]


def test_exact_postings_are_the_exact_fields_own(exact_field) -> None:  # type: ignore[no-untyped-def]
    texts = _texts()
    assert sum(len(t) for t in texts) > 100_000
    for text in texts:
        assert exact_postings(text) == list(exact_field.index(text)), text[:200]


def test_spelling_postings_are_the_spell_fields_own() -> None:
    field = build_schema()["spell"]
    for text in _texts():
        assert spelling_postings(text) == list(field.index(text)), text[:200]


def test_french_postings_are_the_body_and_page_fields_own() -> None:
    """Positions, stemmed forms, compounds, and the marks of written-out acronyms (« =qpv »)."""
    schema = build_schema()
    texts = _texts()
    marked = 0
    for name in ("body", "page_body"):
        field = schema[name]
        for text in texts:
            postings = french_postings(text, field.format)
            assert postings == list(field.index(text)), text[:200]
            marked += any(term.startswith(b"=") for term, *_ in postings)
    assert marked > 20


def test_pre_analysis_gives_each_fields_postings(exact_field) -> None:  # type: ignore[no-untyped-def]
    from indexer.document import Document
    from indexer.records import text_values

    schema = build_schema()
    doc = Document(path="d.pdf", format="pdf", title="L’État-providence", pages=AWKWARD[2:])
    pre = pre_analyse(doc)
    assert pre.fields["exact"].items == list(exact_field.index(doc.title + "\n" + doc.text))
    for name, value in text_values(doc).items():
        assert pre.fields[name].items == list(schema[name].index(value))
    assert [p.items for p in pre.pages] == [list(schema["page_body"].index(t)) for t in doc.pages]
