"""The index's on-disk format: compressed blocks and inlined short posting lists read back as Whoosh's own
writer would have written them, and an index written in the older format (uncompressed, nothing inlined)
updated in place."""

from __future__ import annotations

import random

import pytest
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec

import indexer.whoosh_writer as whoosh_writer
from indexer.build import build_index
from indexer.schema import build_schema
from indexer.store import open_index
from indexer.update import update_index


def _postings(ix):
    """Every (field, term) → its postings (document, weight, value) and statistics, through Whoosh's reader."""
    out = {}
    with ix.reader() as reader:
        for fieldname, text in reader.all_terms():
            info = reader.term_info(fieldname, text)
            matcher = reader.postings(fieldname, text)
            postings = []
            while matcher.is_active():
                postings.append((matcher.id(), matcher.weight(), matcher.value()))
                matcher.next()
            stats = (info.doc_frequency(), info.weight(), info.max_weight(), info.min_length(), info.max_length())
            out[(fieldname, text)] = (postings, stats)
    return out


def test_compressed_and_inlined_postings_read_back_as_whooshs_own(tmp_path) -> None:
    """Terms of 1 to 300 postings (inline limit, block edges at 128 and 256) in positional and frequency fields."""
    rng = random.Random(7)
    words = [f"mot{i}" for i in range(300)]
    texts = [" ".join(words[: rng.randint(1, 300)] + rng.sample(words, 20)) for _ in range(300)]
    read = {}
    for variant in ("whoosh", "engine"):
        (tmp_path / variant).mkdir()
        ix = whoosh_index.create_in(str(tmp_path / variant), build_schema())
        writer = ix.writer(codec=W3Codec(compression=0)) if variant == "whoosh" else whoosh_writer.open_writer(ix)
        for n, text in enumerate(texts):
            writer.add_document(uid=f"d{n}", kind="doc", body=text, exact=text, spell=text)
        writer.commit()
        read[variant] = _postings(ix)
        ix.close()
    assert read["engine"] == read["whoosh"]
    sizes = {v: sum(p.stat().st_size for p in (tmp_path / v).iterdir()) for v in read}
    assert sizes["engine"] < sizes["whoosh"] / 2


@pytest.mark.parametrize("compression, inline", [(0, 1)])
def test_an_index_in_the_older_format_is_updated_in_place(mini_copy, monkeypatch, compression, inline) -> None:
    """Segments of the older format (uncompressed blocks, nothing inlined) and new ones are read together, and
    merged into the newer format when the merge policy merges them."""
    monkeypatch.setattr(whoosh_writer, "COMPRESSION", compression)
    monkeypatch.setattr(whoosh_writer, "INLINE_LIMIT", inline)
    build_index(mini_copy)
    old = _postings(open_index(mini_copy.index))
    monkeypatch.undo()
    page = mini_copy.corpus / "site" / "2014" / "geographie.html"
    page.write_text(page.read_text(encoding="utf-8").replace("remplace", "succède aux"), encoding="utf-8")
    report = update_index(mini_copy)
    assert report.updated == ["site/2014/geographie.html"]
    ix = open_index(mini_copy.index)
    with ix.searcher() as searcher:
        assert [h["path"] for h in searcher.documents(kind="doc", path="site/2014/geographie.html")]
        assert len(searcher.reader().leaf_readers()) >= 1
    new = _postings(ix)
    ix.close()
    unchanged = [key for key in old if key[0] == "title" and key in new]
    assert unchanged and all(len(new[key][0]) == len(old[key][0]) for key in unchanged)
    build_index(mini_copy)  # a rebuild in the newer format reads as the updated index
    rebuilt = _postings(open_index(mini_copy.index))
    assert {k: [(p[1], p[2]) for p in v[0]] for k, v in rebuilt.items() if k[0] == "title"} == {
        k: [(p[1], p[2]) for p in v[0]] for k, v in new.items() if k[0] == "title"
    }


def test_an_inlined_term_info_is_whooshs_with_its_postings_pickled_anew() -> None:
    """`InlinedTermInfo.to_bytes` packs what Whoosh packs, then the postings with the current protocol."""
    import pickle

    from whoosh.codec.whoosh3 import W3TermInfo

    info = W3TermInfo(weight=3.5, df=2, minlength=4, maxlength=900, maxweight=2.5, minid=3, maxid=17)
    info.set_inlined([3, 17], [1.0, 2.5], [b"\x01\x02", b"xyz"])
    whoosh_bytes = info.to_bytes()
    info.__class__ = whoosh_writer._InliningFieldWriter.inlined_term_info
    ours = info.to_bytes()
    size = W3TermInfo._struct.size
    assert ours[:size] == whoosh_bytes[:size]
    assert (
        pickle.loads(ours[size:]) == pickle.loads(whoosh_bytes[size:]) == ((3, 17), (1.0, 2.5), (b"\x01\x02", b"xyz"))
    )
    back = W3TermInfo.from_bytes(ours)
    assert (back.weight(), back.doc_frequency(), back.max_weight(), back.min_id(), back.max_id()) == (
        3.5,
        2,
        2.5,
        3,
        17,
    )
    theirs = W3TermInfo.from_bytes(whoosh_bytes)  # lengths are quantised to a byte
    assert (back.min_length(), back.max_length()) == (theirs.min_length(), theirs.max_length())
