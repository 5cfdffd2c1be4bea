"""A smoke test of every Whoosh feature the engine relies on (whoosh-reloaded is no longer maintained).

If a future Whoosh distribution breaks one of these, this file says which.
"""

from __future__ import annotations

from whoosh import sorting
from whoosh.filedb.filestore import FileStorage
from whoosh.query import And, Every, NumericRange, Or, Phrase, Term

from indexer.analysis import analyse
from indexer.schema import build_schema


def _docs():
    return [
        {"uid": "a", "kind": "doc", "path": "a", "title": "Les conseils citoyens",
         "body": "le conseil citoyen de Lodève",
         "themes": "participation\npilotage-evaluation", "type": "html", "year": 2016, "year_facet": "2016",
         "date": "2016-05-01", "spell": "conseils citoyens Lodève"},
        {"uid": "b", "kind": "doc", "path": "b", "title": "Santé mentale", "body": "le conseil local de santé mentale",
         "themes": "sante", "type": "pdf\nsynthese", "year": 2019, "year_facet": "2019", "date": "2019-01-02",
         "spell": "santé mentale conseil local"},
        {"uid": "b#1", "kind": "page", "path": "b", "page": 1, "page_body": "santé mentale", "text": "santé mentale"},
    ]  # fmt: skip


def test_features_we_rely_on(tmp_path):
    ix = FileStorage(str(tmp_path)).create_index(build_schema())
    with ix.writer() as w:
        for doc in _docs():
            w.add_document(**doc)
    searcher = ix.searcher()
    # Multi-valued keyword fields: one posting per value.
    assert set(searcher.docs_for_query(Term("themes", "pilotage-evaluation"))) == {0}
    assert list(searcher.reader().lexicon("type")) == [b"html", b"pdf", b"synthese"]
    # Phrase over the French analyser (stop words removed on both sides).
    phrase = Phrase("body", analyse("conseil local de santé mentale"))
    assert [h["uid"] for h in searcher.search(phrase)] == ["b"]
    # Filters given as a set of document numbers; sorting on a sortable ID field; numeric ranges.
    hits = searcher.search(Every(), filter={0, 1}, sortedby=sorting.FieldFacet("date", reverse=True))
    assert [h["uid"] for h in hits] == ["b", "a"]
    assert [h["uid"] for h in searcher.search(NumericRange("year", 2015, 2017))] == ["a"]
    # Prefix expansion, spelling graph, stored dicts and lists.
    assert b"conseil" in list(searcher.reader().expand_prefix("body", "cons"))
    within = searcher.reader().terms_within("spell", "citoyans", 1)
    assert "citoyens" in [t.decode() if isinstance(t, bytes) else t for t in within]
    # More like this from a given text.
    similar = searcher.more_like(0, "body", text="conseil citoyen conseil santé", top=3, filter=Term("kind", "doc"))
    assert "b" in [h["uid"] for h in similar]
    # An update in place is seen after refresh, and deletions by term remove every record of a path.
    assert searcher.up_to_date()
    with ix.writer() as w:
        w.delete_by_term("path", "b")
    assert not searcher.up_to_date()
    # Trap: `searcher.refresh()` reuses segment readers and misses new deletions; a new searcher sees them.
    searcher.close()
    searcher = ix.searcher()
    assert searcher.doc_count() == 1
    assert list(searcher.docs_for_query(Or([Term("path", "b"), And([Term("kind", "page")])]))) == []
    searcher.close()
    ix.close()
