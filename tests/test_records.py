"""The record format: a document's records, and the same values read back through `StoredDoc`."""

from __future__ import annotations

from indexer.document import Document, Link
from indexer.records import (
    KIND_DOC,
    KIND_PAGE,
    StoredDoc,
    decode_list,
    doc_records,
    encode_list,
    link_keys,
    page_uid,
)


def pdf() -> Document:
    doc = Document("dossiers/2016/guide, v2.pdf", "pdf", "Guide", ["Première page.", "Seconde page."])
    doc.year, doc.date, doc.themes, doc.doc_type = 2016, "2016-11", ["sante", "emploi"], "guide"
    doc.published_in = ["site/2016/post.html"]
    return doc


def test_a_document_gives_its_doc_record_then_one_record_per_page() -> None:
    records = list(doc_records(pdf()))
    assert [r["kind"] for r in records] == [KIND_DOC, KIND_PAGE, KIND_PAGE]
    assert [r["uid"] for r in records[1:]] == [page_uid("dossiers/2016/guide, v2.pdf", n) for n in (1, 2)]
    assert records[2]["uid"] == "dossiers/2016/guide, v2.pdf#2"
    assert records[2]["text"] == "Seconde page."


def test_stored_fields_read_back_as_written() -> None:
    stored = StoredDoc(next(doc_records(pdf())))
    assert (stored.path, stored.format, stored.title) == ("dossiers/2016/guide, v2.pdf", "pdf", "Guide")
    assert (stored.year, stored.year_facet, stored.date) == (2016, "2016", "2016-11")
    assert stored.themes == ["sante", "emploi"]
    assert (stored.types, stored.doc_type) == (["pdf", "guide"], "guide")
    assert (stored.page_count, stored.published_in) == (2, ["site/2016/post.html"])


def test_an_undated_document_without_a_finer_type() -> None:
    doc = Document("site/a.html", "html", "", ["Texte."])
    stored = StoredDoc(next(doc_records(doc)))
    assert (stored.year, stored.year_facet, stored.date) == (None, "sans-date", None)
    assert (stored.types, stored.doc_type, stored.themes, stored.title) == (["html"], "html", [], "")


def test_lists_keep_values_with_spaces_and_commas() -> None:
    values = ["dossiers/2016/guide, v2.pdf", "name:mon dossier.pdf"]
    assert decode_list(encode_list(values)) == values
    assert decode_list("") == decode_list(None) == []


def test_a_post_stores_what_its_links_may_name() -> None:
    post = Document("site/2016/post.html", "html", "Post", ["Texte."])
    post.links = [
        Link("../../dossiers/2016/a.pdf", "A", "dossiers/2016/a.pdf"),
        Link("https://example.org/wp-content/uploads/B.pdf", "B"),
    ]
    post.publishes = ["dossiers/2016/a.pdf", "dossiers/2016/b.pdf"]
    keys = ["dossiers/2016/a.pdf", "name:a.pdf", "name:b.pdf", "dossiers/2016/b.pdf"]
    assert link_keys(post) == keys
    assert StoredDoc(next(doc_records(post))).links == keys
