"""Benchmark: what each field and each kind of term costs in a built index.

For every field: the bytes of its posting blocks (`.pst`), of its entries in the term table (`.trm`: key,
term info, inlined postings, hash slots), its number of terms and of postings, and for stored fields the
bytes of their pickled values; terms are split by kind where a field holds several (word pairs of the
`exact` field, acronym marks « =… » of the analysed fields). Files are summed by extension, so that the
table adds up to the index on disk.

    python bench/index_size.py --corpus corpus [--json bench/out/index_size.json]
    python bench/index_size.py --index /tmp/scale-3k/index [--fts /tmp/scale-3k/fts.sqlite]
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# A term-table entry beyond its key and value: two lengths (8 bytes) and two hash slots of 12 bytes.
ENTRY_OVERHEAD = 8 + 24


def term_kind(fieldname: str, text: bytes) -> str:
    """The kind of a term, for fields that mix several."""
    if fieldname == "exact":
        return "pair" if b" " in text else "word"
    if text.startswith(b"="):
        return "acronym mark"
    return ""


def _postings_table(reader: Any) -> dict[tuple[str, str], dict[str, int]]:
    from whoosh.codec.whoosh3 import W3TermInfo

    table: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for segreader, _offset in reader.leaf_readers():
        terms = segreader._terms
        tindex = terms._tindex
        for keybytes, valbytes in tindex.items():
            fieldname, text = terms._keydecoder(keybytes)
            info = W3TermInfo.from_bytes(valbytes)
            row = table[(fieldname, term_kind(fieldname, text))]
            row["terms"] += 1
            row["postings"] += info.doc_frequency()
            row["term_table_bytes"] += len(keybytes) + len(valbytes) + ENTRY_OVERHEAD
            if not info.is_inlined():
                length = info.extent()[1]  # Whoosh decodes it as a 1-tuple
                row["posting_bytes"] += length[0] if isinstance(length, tuple) else length
    return table


def _stored_table(reader: Any) -> dict[str, dict[str, int]]:
    table: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for fields in reader.all_stored_fields():
        kind = fields.get("kind") or ""
        for name, value in fields.items():
            row = table[name]
            row["stored_bytes"] += len(pickle.dumps({name: value}, 2)) - 3
            row[f"stored_{kind}"] += 1
    return table


def _files(root: Path) -> dict[str, int]:
    sizes: dict[str, int] = defaultdict(int)
    for dirpath, dirs, names in os.walk(root):
        if "cache" in dirs:
            dirs.remove("cache")
        for name in names:
            sizes[Path(name).suffix or name] += os.lstat(os.path.join(dirpath, name)).st_size
    return dict(sorted(sizes.items()))


def measure(index_root: Path) -> dict[str, Any]:
    """The size table of the index at `index_root` (an index folder as `indexer.store` lays it out)."""
    from indexer.store import open_index

    ix = open_index(index_root)
    try:
        with ix.reader() as reader:
            postings = _postings_table(reader)
            stored = _stored_table(reader)
            doc_count = reader.doc_count()
    finally:
        ix.close()
    rows = []
    for (fieldname, kind), row in sorted(postings.items()):
        rows.append({"field": fieldname, "kind": kind, **row, **(stored.pop(fieldname, {}) if not kind else {})})
    rows += [{"field": name, "kind": "stored only", **row} for name, row in sorted(stored.items())]
    for row in rows:
        row["mb"] = round(
            (row.get("posting_bytes", 0) + row.get("term_table_bytes", 0) + row.get("stored_bytes", 0)) / 1e6, 3
        )
    files = _files(index_root)
    return {"records": doc_count, "fields": rows, "files": files, "index_mb": round(sum(files.values()) / 1e6, 2)}


def markdown(result: dict[str, Any]) -> str:
    """The table as Markdown, largest first."""
    lines = [
        "| field | kind | MB | terms | postings | postings MB | term table MB | stored MB |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in sorted(result["fields"], key=lambda r: -r["mb"]):
        lines.append(
            f"| {row['field']} | {row['kind']} | {row['mb']:.2f} | {row.get('terms', 0):,} | {row.get('postings', 0):,}"
            f" | {row.get('posting_bytes', 0) / 1e6:.2f} | {row.get('term_table_bytes', 0) / 1e6:.2f}"
            f" | {row.get('stored_bytes', 0) / 1e6:.2f} |"
        )
    files = ", ".join(f"{ext} {size / 1e6:.2f}" for ext, size in result["files"].items())
    lines.append(f"\nIndex {result['index_mb']} MB on disk ({files}); {result['records']} records.")
    if result.get("fts_mb"):
        lines.append(f"SQLite FTS5 of the same text: {result['fts_mb']} MB; ratio {result['ratio_to_fts']}.")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, help="an index folder (built there from --corpus when missing)")
    parser.add_argument("--corpus", type=Path, default=Path("corpus"))
    parser.add_argument("--fts", type=Path, help="the SQLite FTS5 database of the same text (bench/scale)")
    parser.add_argument("--json", type=Path, default=Path("bench/out/index_size.json"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        index_root = args.index
        build_s = None
        if index_root is None or not index_root.exists():
            from indexer.build import build_index
            from indexer.config import Settings

            index_root = index_root or Path(tmp) / "index"
            started = time.perf_counter()
            build_index(Settings.load(corpus=args.corpus, index=index_root))
            build_s = round(time.perf_counter() - started, 2)
        result = measure(index_root)
    result["build_s"] = build_s
    if args.fts:
        result["fts_mb"] = round(args.fts.stat().st_size / 1e6, 2)
        result["ratio_to_fts"] = round(result["index_mb"] / result["fts_mb"], 2)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    sys.stdout.write(markdown(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
