#!/usr/bin/env python3
"""Render the sample corpus from its sources: WordPress posts (HTML) and PDF dossiers.

    python tools/make_corpus.py [--src tools/corpus_src] [--out corpus] [--check] [--only ID]

Every `posts/<slug>.txt` of the sources becomes `corpus/site/<year>/<slug>.html` (`site/non-date/` when the
post has no date); every `dossiers/<id>.txt` becomes the PDF named by its `file:` key; a scanned agreement
is drawn by `corpus_render.scan_convention`. Two defective examples are also written to
`corpus/dossiers/exemples-defectueux/`. The source format is described in
`tools/corpus_src/FORMAT.md`.

`--check` parses and validates only (errors with file and line) and prints a summary (posts, dossiers,
pages per dossier rendered in memory, years and categories covered). Output is deterministic: the same
sources give the same bytes, and files whose bytes did not change are not rewritten (their mtime stays).

Exit status: 0 when done, 1 when sources have errors (nothing is written unless --keep-going), 2 on bad usage.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus_render import defects, scan_convention
from corpus_render.html_post import SiteContext, render_post, uses_upload_url
from corpus_render.pdf_dossier import count_words, render_dossier
from corpus_render.sources import Corpus, Problem, category_path, load_corpus, load_theme_labels
from corpus_render.textfx import Hyphenator

log = logging.getLogger("make_corpus")

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SRC = ROOT / "tools" / "corpus_src"
DEFAULT_OUT = ROOT / "corpus"
THEMES_TSV = ROOT / "indexer" / "data" / "themes.tsv"
DEFECTS_ID = "exemples-defectueux"
SCANS_ID = "scans"  # the scanned agreement of `corpus_render.scan_convention`


@dataclass
class Report:
    """What a run did: files written, unchanged, and the page count of each dossier."""

    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    pages: dict[str, int] = field(default_factory=dict)
    words: dict[str, int] = field(default_factory=dict)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="make_corpus.py",
        description="Render the sample corpus (WordPress posts as HTML, dossiers as PDF) from its sources.",
    )
    parser.add_argument("--src", type=Path, default=DEFAULT_SRC, help="sources folder (posts/, dossiers/)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="corpus folder to write into")
    parser.add_argument("--check", action="store_true", help="only parse and validate, then print a summary")
    parser.add_argument(
        "--only",
        metavar="ID",
        action="append",
        help=f"render only this post slug or dossier id ('{DEFECTS_ID}' for the defective examples, "
        f"'{SCANS_ID}' for the scanned agreement); repeatable",
    )
    parser.add_argument("--keep-going", action="store_true", help="render the valid sources even if some have errors")
    parser.add_argument(
        "--prune", action="store_true", help="delete .html under site/ and .pdf under dossiers/ not rendered now"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every file")
    return parser.parse_args(argv)


def display(path: Path) -> str:
    """A path relative to the current folder when possible (for messages)."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def print_problems(problems: list[Problem], quiet: bool) -> None:
    for problem in sorted(problems, key=lambda p: (str(p.path), p.line, p.severity)):
        if quiet and problem.severity != "error":
            continue
        where = f"{display(problem.path)}:{problem.line}" if problem.line else display(problem.path)
        print(f"{where}: {problem.severity}: {problem.message}", file=sys.stderr)


def write_if_changed(out: Path, relative: str, data: bytes, report: Report) -> None:
    """Write `data` to out/relative unless the file already holds exactly these bytes."""
    target = out / relative
    if target.is_file() and target.read_bytes() == data:
        report.unchanged.append(relative)
        log.debug("unchanged %s", relative)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(target.name + ".tmp")
    temporary.write_bytes(data)
    temporary.replace(target)
    report.written.append(relative)
    log.info("wrote %s (%d bytes)", relative, len(data))


def render_all(corpus: Corpus, out: Path, only: set[str] | None, themes: dict[str, str]) -> Report:
    """Render the selected posts and dossiers (all when `only` is None) and the defective examples."""
    report = Report()
    site = SiteContext(corpus.posts, corpus.dossiers, themes)
    hyphenator = Hyphenator()
    for ident, dossier in sorted(corpus.dossiers.items()):
        if only is not None and ident not in only:
            continue
        rendered = render_dossier(dossier, hyphenator)
        report.pages[dossier.file] = rendered.pages
        report.words[dossier.file] = count_words(dossier)
        write_if_changed(out, dossier.file, rendered.data, report)
    for post in corpus.posts:
        if only is not None and post.slug not in only:
            continue
        write_if_changed(out, post.output_path, render_post(post, site), report)
    if only is None or DEFECTS_ID in only:
        write_if_changed(out, defects.TRUNCATED_NAME, defects.truncated_pdf(), report)
        write_if_changed(out, defects.SCANNED_NAME, defects.scanned_pdf(), report)
    if only is None or SCANS_ID in only:
        write_if_changed(out, scan_convention.CONVENTION_NAME, scan_convention.convention_pdf(), report)
    return report


def expected_outputs(corpus: Corpus) -> set[str]:
    """Every corpus-relative path a full render produces."""
    paths = {post.output_path for post in corpus.posts}
    paths |= {dossier.file for dossier in corpus.dossiers.values()}
    return paths | {defects.TRUNCATED_NAME, defects.SCANNED_NAME, scan_convention.CONVENTION_NAME}


def stale_files(corpus: Corpus, out: Path) -> list[Path]:
    """Rendered-looking files of `out` (site/**.html, dossiers/**.pdf) that no source produces any more."""
    expected = expected_outputs(corpus)
    found = [*out.glob("site/**/*.html"), *out.glob("dossiers/**/*.pdf")]
    return sorted(p for p in found if p.relative_to(out).as_posix() not in expected)


def summary(corpus: Corpus, themes: dict[str, str]) -> str:
    """The --check summary: counts, pages per dossier (rendered in memory), years and categories."""
    hyphenator = Hyphenator()
    lines = []
    posts = corpus.posts
    years = Counter(str(p.date.year) if p.date else "non-date" for p in posts)
    lines.append(f"Posts: {len(posts)}  (" + ", ".join(f"{y}: {n}" for y, n in sorted(years.items())) + ")")
    no_meta = sum(1 for p in posts if not p.date_in_meta or not p.date)
    encodings = Counter(p.encoding for p in posts)
    lying = sum(1 for p in posts if p.declared_charset.lower() != p.encoding)
    upload = sum(1 for p in posts if uses_upload_url(p) and p.dossier_links)
    with_comments = sum(1 for p in posts if p.comments)
    lines.append(
        f"  without machine-readable date: {no_meta}; encodings: "
        + ", ".join(f"{e} {n}" for e, n in sorted(encodings.items()))
        + f"; declared charset differs: {lying}; with comments: {with_comments}; "
        f"linking PDFs by upload URL: {upload}"
    )
    lines.append(f"Dossiers: {len(corpus.dossiers)}")
    total = 0
    for ident, dossier in sorted(corpus.dossiers.items(), key=lambda item: item[1].file):
        rendered = render_dossier(dossier, hyphenator)
        words = count_words(dossier)
        total += rendered.pages
        effects = []
        if dossier.ligatures:
            effects.append("ligatures")
        if dossier.accents != "normal":
            effects.append(f"accents {dossier.accents}")
        if not dossier.metadata:
            effects.append("no metadata")
        linked_by = sum(1 for p in posts if ident in p.dossier_links)
        lines.append(
            f"  {dossier.file}: {rendered.pages} pages, {words} words, {len(rendered.chapters)} chapters, "
            f"linked by {linked_by} post(s)" + (f" [{', '.join(effects)}]" if effects else "")
        )
    lines.append(f"Total PDF pages: {total} (+ 2 defective examples: truncated, scanned 3 pages)")
    dossier_years = Counter(str(d.year) if d.year else "non-date" for d in corpus.dossiers.values())
    all_years = sorted(set(years) | set(dossier_years))
    lines.append(
        "Years covered: "
        + ", ".join(f"{y} ({years.get(y, 0)} posts, {dossier_years.get(y, 0)} dossiers)" for y in all_years)
    )
    categories = Counter(label for p in posts for label in p.categories)
    lines.append(f"Categories covered: {len(categories)}")
    for label, count in sorted(categories.items(), key=lambda item: (-item[1], item[0])):
        lines.append(f"  {label} ({count}) -> /category/{category_path(label, themes)}/")
    tags = Counter(tag for p in posts for tag in p.tags)
    lines.append(f"Tags: {len(tags)} distinct")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    level = logging.WARNING if args.quiet else logging.DEBUG if args.verbose else logging.INFO
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    for name in ("make_corpus", "corpus_render"):  # not fontTools' subsetting chatter
        logging.getLogger(name).setLevel(level)
    src: Path = args.src
    if not src.is_dir():
        print(f"error: sources folder not found: {src}", file=sys.stderr)
        return 2
    themes = load_theme_labels(THEMES_TSV)
    corpus = load_corpus(src, THEMES_TSV)
    only = set(args.only) if args.only else None
    if only is not None:
        known = {p.stem for p in (src / "posts").glob("*.txt")} | {p.stem for p in (src / "dossiers").glob("*.txt")}
        known |= {p.slug for p in corpus.posts} | {DEFECTS_ID, SCANS_ID}
        unknown = sorted(only - known)
        if unknown:
            print(f"error: --only: no post or dossier named {', '.join(unknown)}", file=sys.stderr)
            return 2
    print_problems(corpus.problems, args.quiet)
    errors = corpus.errors
    if only is not None:
        # Only the selected sources must be valid (the others may be being written).
        selected = {p for p in corpus.files_with_errors() if p.stem in only}
        errors = [e for e in errors if e.path in selected]
    if args.check:
        print(summary(corpus, themes))
        if corpus.errors:
            print(f"{len(corpus.errors)} error(s) in {len(corpus.files_with_errors())} file(s)", file=sys.stderr)
        return 1 if corpus.errors else 0
    if errors and not args.keep_going:
        print(
            f"{len(errors)} error(s) in {len(corpus.files_with_errors())} source file(s): nothing written "
            "(fix them, or use --keep-going to render the valid sources)",
            file=sys.stderr,
        )
        return 1
    out: Path = args.out
    report = render_all(corpus, out, only, themes)
    if only is None:
        stale = stale_files(corpus, out)
        for path in stale:
            if args.prune:
                path.unlink()
                log.info("removed stale %s", display(path))
            else:
                log.warning("stale file (no source renders it; --prune deletes it): %s", display(path))
    total_pages = sum(report.pages.values())
    log.info(
        "%d file(s) written, %d unchanged; %d dossier(s), %d PDF pages",
        len(report.written),
        len(report.unchanged),
        len(report.pages),
        total_pages,
    )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
