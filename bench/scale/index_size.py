"""What each field and each kind of term costs in a built index: the table « field → MB, terms, postings ».

For every segment, the terms dictionary is walked once (`W3TermsReader.items`): a term costs its bytes plus its
term info (which holds the postings of rare terms inline), and its postings block in the `.pst` file. Terms
are grouped by field and by kind: in the `exact` field a term holding a space is a word pair (the pairs that
answer quoted phrases), the others are words; numeric fields hold the trie terms of their values. Stored fields
are measured as pickled per document (what the stored-fields file holds before compression), per field. The
sizes of the index files by extension are reported alongside, so that the per-field figures can be checked
against what is on disk.
"""

from __future__ import annotations

import pickle
from collections import defaultdict
from pathlib import Path
from typing import Any

MB = 1e6


def term_kind(fieldname: str, term: bytes, numeric: bool) -> str:
    """« pair », « word » or « numeric »."""
    if numeric:
        return "numeric"
    if fieldname == "exact" and b" " in term:
        return "pair"
    return "word"


def _files_by_extension(root: Path) -> dict[str, float]:
    sizes: dict[str, int] = defaultdict(int)
    for path in root.rglob("*"):
        if path.is_file() and "cache" not in path.relative_to(root).parts:
            sizes[path.suffix or path.name] += path.stat().st_size
    return {ext: round(size / MB, 2) for ext, size in sorted(sizes.items(), key=lambda kv: -kv[1])}


def _walk_terms(reader: Any) -> dict[tuple[str, str], list[int]]:
    """(field, kind) → [terms, postings, term bytes, postings bytes], over every segment."""
    from whoosh.codec.whoosh3 import W3TermInfo
    from whoosh.fields import NUMERIC

    rows: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    schema = reader.schema
    for leaf, _offset in reader.leaf_readers():
        # The segment's terms table, read raw: its bytes are what the terms file holds for each term.
        terms = leaf._terms
        for keybytes, valbytes in terms._tindex.items():
            fieldname, tbytes = terms._keydecoder(keybytes)
            info = W3TermInfo.from_bytes(valbytes)
            numeric = isinstance(schema[fieldname], NUMERIC) if fieldname in schema else False
            row = rows[(fieldname, term_kind(fieldname, tbytes, numeric))]
            row[0] += 1
            row[1] += info.doc_frequency()
            row[2] += len(keybytes) + len(valbytes)
            if info._inlined is None:
                length = info._length  # whoosh 2.7 leaves it as a 1-tuple
                row[3] += length[0] if isinstance(length, tuple) else length
    return rows


def _stored(reader: Any) -> dict[str, list[int]]:
    """field → [documents holding it, pickled bytes]."""
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for fields in reader.all_stored_fields():
        for name, value in fields.items():
            out[name][0] += 1
            out[name][1] += len(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    return out


def measure(index_root: Path) -> dict[str, Any]:
    """The size table of the index at `index_root` (see the module docstring)."""
    from indexer.store import open_index

    ix = open_index(index_root)
    try:
        with ix.reader() as reader:
            rows = _walk_terms(reader)
            stored = _stored(reader)
            docs = reader.doc_count()
    finally:
        ix.close()
    table = []
    for (fieldname, kind), (n_terms, postings, term_bytes, post_bytes) in sorted(
        rows.items(), key=lambda kv: -(kv[1][2] + kv[1][3])
    ):
        table.append(
            {
                "field": fieldname,
                "kind": kind,
                "terms": n_terms,
                "postings": postings,
                "terms_mb": round(term_bytes / MB, 2),
                "postings_mb": round(post_bytes / MB, 2),
                "mb": round((term_bytes + post_bytes) / MB, 2),
            }
        )
    stored_rows = [
        {"field": name, "documents": n, "mb": round(size / MB, 2)}
        for name, (n, size) in sorted(stored.items(), key=lambda kv: -kv[1][1])
    ]
    total_terms = sum(r["terms"] for r in table)
    pair_terms = sum(r["terms"] for r in table if r["kind"] == "pair")
    return {
        "records": docs,
        "inverted": table,
        "stored": stored_rows,
        "files_mb": _files_by_extension(index_root),
        "terms_total": total_terms,
        "pair_terms": pair_terms,
        "pair_share_of_terms": round(pair_terms / total_terms, 3) if total_terms else None,
    }


def markdown(size: dict[str, Any]) -> str:
    """The two tables (inverted fields by kind of term; stored fields) in Markdown."""
    lines = ["| field | kind of term | MB (terms + postings) | terms | postings |", "|---|---|---|---|---|"]
    for r in size.get("inverted", []):
        lines.append(
            f"| {r['field']} | {r['kind']} | {r['mb']:.2f} ({r['terms_mb']:.2f} + {r['postings_mb']:.2f}) "
            f"| {r['terms']:,} | {r['postings']:,} |".replace(",", " ")
        )
    lines += ["", "| stored field | records holding it | MB (pickled) |", "|---|---|---|"]
    for r in size.get("stored", []):
        lines.append(f"| {r['field']} | {r['documents']:,} | {r['mb']:.2f} |".replace(",", " "))
    files = ", ".join(f"{ext} {mb:.1f}" for ext, mb in (size.get("files_mb") or {}).items())
    lines += ["", f"Files on disk by extension (MB): {files}"]
    return "\n".join(lines)
