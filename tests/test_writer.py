"""Building and updating the index: atomic build, incremental update, relations, failures, locking."""

from __future__ import annotations

import os
import shutil

import pdf_fixtures
import pytest
from conftest import wp_page as post_html

from indexer.build import build_index
from indexer.errors import IndexLockedError
from indexer.status import index_status
from indexer.store import index_lock, open_index
from indexer.update import update_index


def docs_by_path(settings):
    ix = open_index(settings.index)
    with ix.searcher() as s:
        out = {f["path"]: f for f in s.documents(kind="doc")}
    ix.close()
    return out


def test_build_reports_counts_failures_and_swaps_atomically(mini_copy):
    status = index_status(mini_copy.index)
    assert status["documents"] == 6
    assert status["by_format"] == {"html": 5, "pdf": 1}
    assert status["failures"] == [
        {
            "path": "dossiers/exemples-defectueux/tronque.pdf",
            "reason": "PDF endommagé ou tronqué (le fichier s’arrête au milieu de son contenu, PdfStreamError)",
        }
    ]
    first = os.readlink(mini_copy.index / "current")
    build_index(mini_copy)
    second = os.readlink(mini_copy.index / "current")
    assert first != second
    generations = sorted(p.name for p in mini_copy.index.iterdir() if p.name.startswith("gen-"))
    assert generations == [second]


def test_the_build_log_agrees_in_number(mini_copy, caplog):
    with caplog.at_level("INFO", logger="indexer.build"):
        build_index(mini_copy)
    assert "Index construit : 6\xa0documents, 1\xa0échec en" in caplog.text  # never « 1 échecs »


def test_warm_rebuild_uses_the_extraction_cache(mini_copy, monkeypatch):
    import indexer.extract as extract

    def boom(*args, **kwargs):
        raise AssertionError("extraction ran although the cache holds this content")

    monkeypatch.setattr(extract, "extract_data", boom)
    report = build_index(mini_copy)
    assert len(report.added) == 6  # the truncated PDF is not cached: it fails again, as it should
    assert report.failed and "inattendue" in report.failed[0]["reason"]


def test_update_of_unchanged_corpus_writes_nothing(mini_copy):
    before = sorted(p.name for p in (mini_copy.index / "current").iterdir())
    report = update_index(mini_copy)
    assert (report.added, report.updated, report.removed, report.failed) == ([], [], [], [])
    assert report.unchanged == 7
    assert sorted(p.name for p in (mini_copy.index / "current").iterdir()) == before


def test_update_adds_modifies_deletes_and_renames(mini_copy):
    corpus = mini_copy.corpus
    (corpus / "site" / "2021").mkdir()
    (corpus / "site" / "2021" / "nouveau.html").write_text(
        post_html("Webinaire sur la médiation numérique", "<p>Les conseillers numériques des QPV.</p>", "2021-03-04"),
        encoding="utf-8",
    )
    geo = corpus / "site" / "2014" / "geographie.html"
    geo.write_text(geo.read_text(encoding="utf-8").replace("remplace", "succède aux"), encoding="utf-8")
    (corpus / "site" / "2019" / "sante-mentale.html").unlink()
    (corpus / "site" / "2015" / "qpv-chiffres.html").rename(corpus / "site" / "2015" / "qpv-en-chiffres.html")
    report = update_index(mini_copy)
    assert report.added == ["site/2015/qpv-en-chiffres.html", "site/2021/nouveau.html"]
    assert report.updated == ["site/2014/geographie.html"]
    assert report.removed == ["site/2015/qpv-chiffres.html", "site/2019/sante-mentale.html"]
    docs = docs_by_path(mini_copy)
    assert docs["site/2021/nouveau.html"]["year"] == 2021
    assert "site/2019/sante-mentale.html" not in docs
    # Pages of removed documents are gone too.
    ix = open_index(mini_copy.index)
    with ix.searcher() as s:
        assert not list(s.documents(path="site/2019/sante-mentale.html"))
    ix.close()


def test_touching_a_file_is_not_a_change(mini_copy):
    path = mini_copy.corpus / "site" / "2014" / "geographie.html"
    os.utime(path, (1_600_000_000, 1_600_000_000))
    report = update_index(mini_copy)
    assert report.updated == [] and report.added == []
    assert update_index(mini_copy).unchanged == 7  # the new mtime was stored


def test_new_post_gives_its_year_and_themes_to_an_existing_pdf(mini_copy):
    corpus = mini_copy.corpus
    (corpus / "dossiers" / "non-date").mkdir()
    (corpus / "dossiers" / "non-date" / "orphelin.pdf").write_bytes(pdf_fixtures.undated_pdf())
    update_index(mini_copy)
    orphan = docs_by_path(mini_copy)["dossiers/non-date/orphelin.pdf"]
    assert orphan["published_in"] == [] and orphan.get("year") is None
    (corpus / "site" / "2020").mkdir()
    (corpus / "site" / "2020" / "publie.html").write_text(
        post_html(
            "Publication du dossier",
            "<p>Le dossier sur la santé.</p>"
            '<p><a href="../../dossiers/non-date/orphelin.pdf">Accéder au dossier</a></p>',
            "2020-05-05",
            categories=("Santé",),
        ),
        encoding="utf-8",
    )
    report = update_index(mini_copy)
    assert report.relinked == ["dossiers/non-date/orphelin.pdf"]
    orphan = docs_by_path(mini_copy)["dossiers/non-date/orphelin.pdf"]
    assert orphan["published_in"] == ["site/2020/publie.html"]
    assert orphan["themes"] == "sante" and orphan["year"] == 2020
    assert orphan["sources"]["year"] == orphan["sources"]["themes"] == "parent"
    # Deleting the post takes the relation away again.
    (corpus / "site" / "2020" / "publie.html").unlink()
    update_index(mini_copy)
    orphan = docs_by_path(mini_copy)["dossiers/non-date/orphelin.pdf"]
    assert orphan["published_in"] == [] and orphan.get("year") is None


def test_pdf_added_after_the_post_that_links_it(mini_copy):
    corpus = mini_copy.corpus
    (corpus / "site" / "2018").mkdir()
    (corpus / "site" / "2018" / "annonce.html").write_text(
        post_html(
            "Annonce",
            '<p><a href="https://www.exemple.org/wp-content/uploads/2018/03/Plus-Tard.pdf">Lire</a></p>',
            "2018-03-01",
        ),
        encoding="utf-8",
    )
    update_index(mini_copy)
    (corpus / "dossiers" / "2018").mkdir()
    shutil.copy(corpus / "dossiers" / "2016" / "achats.pdf", corpus / "dossiers" / "2018" / "plus-tard.pdf")
    update_index(mini_copy)
    assert docs_by_path(mini_copy)["dossiers/2018/plus-tard.pdf"]["published_in"] == ["site/2018/annonce.html"]


def test_a_repaired_file_replaces_its_failure(mini_copy):
    broken = mini_copy.corpus / "dossiers" / "exemples-defectueux" / "tronque.pdf"
    shutil.copy(mini_copy.corpus / "dossiers" / "2016" / "achats.pdf", broken)
    report = update_index(mini_copy)
    assert report.updated == ["dossiers/exemples-defectueux/tronque.pdf"]
    assert index_status(mini_copy.index)["failures"] == []


def test_second_run_is_refused_while_one_holds_the_lock(mini_copy):
    with index_lock(mini_copy.index), pytest.raises(IndexLockedError, match="en cours"):
        update_index(mini_copy)
    assert update_index(mini_copy).unchanged == 7  # the lock was released


def test_catalogue_changes_are_applied_by_update(mini_copy):
    catalogue = mini_copy.corpus / "catalogue.csv"
    catalogue.write_text(
        "path,title,year,themes,type\nsite/2016/clauses-sociales.html,Titre corrigé,2015,Santé,guide\n",
        encoding="utf-8",
    )
    report = update_index(mini_copy)
    assert report.updated == ["site/2016/clauses-sociales.html"]  # counted as modified, not « 0 modifié(s) »
    assert report.relinked == ["dossiers/2016/achats.pdf"]
    docs = docs_by_path(mini_copy)
    post = docs["site/2016/clauses-sociales.html"]
    assert (post["title"], post["year"], post["themes"]) == ("Titre corrigé", 2015, "sante")
    # The PDF it publishes keeps its own metadata but sees its parent's new title.
    assert docs["dossiers/2016/achats.pdf"]["published_in"] == ["site/2016/clauses-sociales.html"]
    catalogue.unlink()
    update_index(mini_copy)
    assert docs_by_path(mini_copy)["site/2016/clauses-sociales.html"]["year"] == 2016
    assert update_index(mini_copy).relinked == []


def test_the_manifest_agrees_with_the_stored_documents(mini_copy):
    from indexer.records import MANIFEST_UID, read_manifest

    (mini_copy.corpus / "site" / "2015" / "qpv-chiffres.html").unlink()
    geo = mini_copy.corpus / "site" / "2014" / "geographie.html"
    geo.write_text(geo.read_text(encoding="utf-8").replace("remplace", "prolonge"), encoding="utf-8")
    update_index(mini_copy)
    ix = open_index(mini_copy.index)
    with ix.searcher() as searcher:
        from_manifest = read_manifest(searcher)
        manifest_fields = searcher.document(uid=MANIFEST_UID)
    ix.close()
    assert manifest_fields is not None
    with ix.searcher() as searcher:
        searcher.document = lambda **kw: None  # as for an index written before the manifest existed
        from_documents = read_manifest(searcher)
    assert from_manifest == from_documents
    assert "site/2015/qpv-chiffres.html" not in from_manifest
    assert from_manifest["dossiers/exemples-defectueux/tronque.pdf"].kind == "failure"


def test_segments_stay_few_after_many_updates(mini_copy):
    from indexer.whoosh_writer import MAX_LARGE_SEGMENTS, MAX_SMALL_SEGMENTS

    counts = []
    for i in range(10):
        (mini_copy.corpus / "site" / f"maj-{i}.html").write_text(
            post_html(f"Mise à jour {i}", f"<p>Le mot mise{i}x.</p>", "2022-02-02"), encoding="utf-8"
        )
        update_index(mini_copy)
        ix = open_index(mini_copy.index)
        counts.append(len(ix._segments()))
        ix.close()
    assert max(counts) <= MAX_SMALL_SEGMENTS + MAX_LARGE_SEGMENTS + 1
    assert min(counts) == 1  # small segments were merged back together
    assert index_status(mini_copy.index)["documents"] == 16


def test_the_grouped_posting_pool_gives_whooshs_order_with_runs_merged(tmp_path) -> None:
    """Postings come out sorted by (field, term, document) as from Whoosh's pool: with many runs, more runs
    than files may stay open (merged into new runs first), and a term whose postings came out of order."""
    import random

    from whoosh.filedb.filestore import FileStorage

    from indexer.whoosh_pool import GroupedPostingPool

    pool = GroupedPostingPool(FileStorage(str(tmp_path)), None)
    pool.limit = 20_000  # bytes (estimated): a run every hundred postings or so
    rng = random.Random(3)
    items = []
    for docnum in range(3000):
        for term in {f"t{rng.randint(0, 300)}".encode() for _ in range(rng.randint(1, 4))}:
            items.append((rng.choice(["body", "exact"]), term, docnum, float(docnum % 7), b"v%d" % docnum))
    late = [("body", b"late", docnum, 1.0, None) for docnum in (2999, 10, 5)]  # out of document order
    for item in items[:1000] + late[:1] + items[1000:] + late[1:]:
        pool.add(item)
    assert len(pool.runs) > 8
    merged = list(pool.iter_terms(maxfiles=4))
    assert [(f, t) for f, t, _ in merged] == sorted({(f, t) for f, t, *_ in items + late})  # each term once
    pool2 = GroupedPostingPool(FileStorage(str(tmp_path)), None)
    for item in items + late:
        pool2.add(item)
    assert not pool2.runs
    expected = sorted(items + late)
    flat = [(f, t, postings[i : i + 3]) for f, t, postings in merged for i in range(0, len(postings), 3)]
    assert [(f, t, *triple) for f, t, triple in flat] == expected
    assert list(pool2.iter_postings()) == expected
    assert list(tmp_path.iterdir()) == []  # every run file removed


def _postings_by_uid(index_root):
    """Every posting of an index as {(field, term, uid): (weight, value)}, and every field length by uid."""
    ix = open_index(index_root)
    postings, lengths = {}, {}
    with ix.searcher() as s:
        r = s.reader()
        uid = {d: f["uid"] for d, f in r.iter_docs()}
        for fieldname in r.indexed_field_names():
            for text in r.lexicon(fieldname):
                m = r.postings(fieldname, text)
                while m.is_active():
                    postings[(fieldname, text, uid[m.id()])] = (m.weight(), m.value())
                    m.next()
        for d, u in uid.items():
            for fieldname in ("title", "body", "page_body", "exact", "spell", "meta"):
                lengths[(u, fieldname)] = r.doc_field_length(d, fieldname)
    ix.close()
    return postings, lengths


def test_text_analysed_by_the_workers_gives_the_index_the_writer_would_write(mini_copy, monkeypatch):
    """Workers analyse the text (`pre_analyse`); when they cannot, the writer does: same postings, same
    lengths, posting for posting."""
    import indexer.schema

    build_index(mini_copy)
    by_workers = _postings_by_uid(mini_copy.index)

    def broken(doc):
        raise MemoryError

    monkeypatch.setattr(indexer.schema, "pre_analyse", broken)  # the workers are forked after this
    build_index(mini_copy)
    by_writer = _postings_by_uid(mini_copy.index)
    assert len(by_workers[0]) > 1000
    assert by_workers == by_writer


def test_pre_analysis_is_used_only_for_the_text_it_was_computed_from() -> None:
    from indexer.document import Document
    from indexer.records import doc_records, text_values
    from indexer.schema import Analysed, _analysis_schema, pre_analyse

    doc = Document(path="d.pdf", format="pdf", title="Le QPV des Arènes", pages=["Page une : l’école.", "Deux"])
    pre = pre_analyse(doc)
    schema = _analysis_schema()
    for name, value in text_values(doc).items():
        assert pre.fields[name].items == list(schema[name].index(value))
    assert [p.items for p in pre.pages] == [list(schema["page_body"].index(t)) for t in doc.pages]
    doc.analysed = pre
    record, *pages = doc_records(doc)
    assert all(isinstance(record[f], Analysed) for f in ("body", "exact", "spell"))
    assert [p["page_body"] for p in pages] == pre.pages and [p["text"] for p in pages] == doc.pages
    doc.title = "Titre du catalogue"  # enrichment replaced it: what contains the title is analysed again
    record, *_ = doc_records(doc)
    assert record["body"] is pre.fields["body"]
    assert record["exact"].startswith("Titre du catalogue\n") and "Titre du catalogue" in record["spell"]


def test_postings_filled_a_block_at_a_time_are_the_bytes_whoosh_writes(tmp_path) -> None:
    """`fill_blocks` against Whoosh's own `add_posting`: terms of 1 to 300 postings (block edges at 128 and
    256), weights equal or not, empty values, documents past the known lengths."""
    import random

    from whoosh.codec.whoosh3 import W3Codec
    from whoosh.filedb.filestore import FileStorage

    from indexer.schema import build_schema
    from indexer.whoosh_blocks import fill_blocks

    schema = build_schema()
    rng = random.Random(5)
    lengths = [rng.choice([1, 7, 300, 4000]) for _ in range(1000)]
    terms = []
    for n in (1, 2, 127, 128, 129, 255, 256, 257, 300):
        docs = sorted(rng.sample(range(1000), n))
        weight = rng.choice([None, 1.0, 2.5])
        flat = []
        for d in docs:
            flat += [
                d,
                weight if weight is not None else rng.choice([1.0, 2.0, 0.5, 3.25]),
                rng.choice([b"", b"\x01\x02", b"xyz"]),
            ]
        terms.append((b"t%03d" % n, flat))
    terms.append((b"zz", [1000, 1.0, b"", 1001, 1.0, b""]))  # documents past the known lengths
    written = {}
    for variant in ("whoosh", "blocks"):
        storage = FileStorage(str(tmp_path / variant)).create()
        codec = W3Codec(compression=0)
        segment = codec.new_segment(storage, "MAIN")
        fieldwriter = codec.field_writer(storage, segment)
        for fieldname in ("body", "exact", "spell"):
            fieldwriter.start_field(fieldname, schema[fieldname])
            for text, flat in terms:
                fieldwriter.start_term(text)
                if variant == "blocks":
                    fill_blocks(fieldwriter._postwriter, flat, lengths)
                else:
                    for i in range(0, len(flat), 3):
                        d, w, v = flat[i : i + 3]
                        fieldwriter.add(d, w, v, lengths[d] if d < len(lengths) else 0)
                fieldwriter.finish_term()
            fieldwriter.finish_field()
        fieldwriter.close()
        written[variant] = {p.suffix: p.read_bytes() for p in (tmp_path / variant).iterdir()}
    assert set(written["whoosh"]) >= {".pst", ".trm"}
    assert written["blocks"] == written["whoosh"]


def test_inlined_terms_filed_without_a_postings_writer_are_the_bytes_it_writes(tmp_path) -> None:
    """`_add_grouped_postings` files a term of fewer postings than the inline limit straight into the term
    table (`inlined_term_info`): the same files as the postings writer's own path, term after term, for terms
    of 1 to 12 postings (inline limit 8), weights equal or not, empty values, documents past the known lengths
    or of length 0, in positional and frequency fields."""
    import random

    from whoosh.codec.whoosh3 import W3Codec
    from whoosh.filedb.filestore import FileStorage

    from indexer.schema import build_schema
    from indexer.whoosh_writer import _add_grouped_postings, _InliningFieldWriter

    schema = build_schema()
    rng = random.Random(11)
    lengths = [rng.choice([0, 1, 7, 300, 4000, 70000]) for _ in range(200)]
    terms = []
    for n in (*range(1, 13), 1, 3, 7):
        docs = sorted(rng.sample(range(205), n))  # some past the 200 known lengths
        weight = rng.choice([None, 1.0, 2.5])
        flat = []
        for d in docs:
            w = weight if weight is not None else rng.choice([1.0, 2.0, 0.5, 3.25, 0.1])
            flat += [d, w, rng.choice([b"", None, b"\x01\x02", b"xyz"])]
        terms.append(flat)
    items = [
        (fieldname, b"t%03d" % i, flat)
        for fieldname in ("body", "exact", "page_body", "spell")
        for i, flat in enumerate(terms)
    ]

    class Pool:
        def iter_terms(self):
            return iter(items)

    class Lengths:
        def of(self, fieldname):
            return lengths

    written = {}
    for variant in ("writer", "direct"):
        storage = FileStorage(str(tmp_path / variant)).create()
        codec = W3Codec(compression=1, inlinelimit=8)
        fieldwriter = codec.field_writer(storage, codec.new_segment(storage, "MAIN"))
        fieldwriter.__class__ = _InliningFieldWriter
        if variant == "direct":
            _add_grouped_postings(fieldwriter, schema, Lengths(), Pool())
        else:
            for fieldname in ("body", "exact", "page_body", "spell"):
                fieldwriter.start_field(fieldname, schema[fieldname])
                for _f, text, flat in (item for item in items if item[0] == fieldname):
                    fieldwriter.start_term(text)
                    for i in range(0, len(flat), 3):
                        d, w, v = flat[i : i + 3]
                        fieldwriter.add(d, w, v or b"", lengths[d] if d < len(lengths) else 0)
                    fieldwriter.finish_term()
                fieldwriter.finish_field()
        fieldwriter.close()
        written[variant] = {p.suffix: p.read_bytes() for p in (tmp_path / variant).iterdir()}
    assert set(written["writer"]) >= {".pst", ".trm"}
    assert written["direct"] == written["writer"]


def test_the_compact_term_table_writes_the_bytes_whoosh_writes(tmp_path) -> None:
    """`_CompactHashWriter` against Whoosh's `OrderedHashWriter`: the same file for 20,000 keys (every bucket
    used, collisions in the tables), and the keys read back through Whoosh's reader."""
    from whoosh.filedb.filestore import FileStorage
    from whoosh.filedb.filetables import OrderedHashReader, OrderedHashWriter

    from indexer.whoosh_writer import _compact_term_table

    storage = FileStorage(str(tmp_path))
    keys = sorted({b"k%07d" % (i * 7919 % 1_000_003) for i in range(20_000)})
    for name, compact in (("whoosh.trm", False), ("compact.trm", True)):
        table = OrderedHashWriter(storage.create_file(name))
        if compact:

            class FakeFieldWriter:
                _tindex = table

            _compact_term_table(FakeFieldWriter)
            assert type(table).__name__ == "CompactHashWriter"
        for i, key in enumerate(keys):
            table.add(key, b"v%d" % i)
        table.extras["fieldmap"] = {"body": 0}
        table.close()
    assert (tmp_path / "compact.trm").read_bytes() == (tmp_path / "whoosh.trm").read_bytes()
    reader = OrderedHashReader.open(storage, "compact.trm")
    assert reader[keys[12345]] == b"v12345"
    assert reader.closest_key(b"k0000000") == keys[0]
    reader.close()


def test_a_web_page_is_analysed_once_for_its_document_and_its_page() -> None:
    """A page whose text is the whole document's (a web page) shares the body's postings, which are exactly
    what the page field would compute."""
    from indexer.document import Document
    from indexer.schema import _analysis_schema, pre_analyse

    text = "Les conseils citoyens de Béziers se réunissent chaque mois au centre social."
    doc = Document(path="site/a.html", format="html", content_hash="h", size=1, mtime=0.0, title="Titre", pages=[text])
    assert doc.text == text
    pre = pre_analyse(doc)
    assert pre.pages[0] is pre.fields["body"]
    assert pre.pages[0].items == list(_analysis_schema()["page_body"].index(text))


def test_a_complete_web_page_save_indexes_the_page_not_its_files_folder(tmp_path):
    from indexer.config import Settings

    folder = tmp_path / "corpus" / "site" / "2020"
    (folder / "cites-emploi_files").mkdir(parents=True)
    (folder / "cites-emploi.html").write_text(
        post_html("Les cités de l’emploi", "<p>Les cités de l’emploi en Occitanie.</p>", date="2020-11-04"),
        encoding="utf-8",
    )
    player = "<html><head><title>YouTube</title></head><body>cités emploi vidéo lecteur</body></html>"
    (folder / "cites-emploi_files" / "embed.html").write_text(player, encoding="utf-8")
    for name in ("style.css", "jquery.js", "logo.png"):
        (folder / "cites-emploi_files" / name).write_bytes(b"x")
    settings = Settings(corpus=tmp_path / "corpus", index=tmp_path / "index", workers=1)
    build_index(settings)
    status = index_status(settings.index)
    assert status["documents"] == 1
    assert status["skipped"] == [
        {
            "path": "site/2020/cites-emploi_files",
            "reason": "ressources d’une page web enregistrée complète (« cites-emploi.html ») : dossier non indexé",
        }
    ]
