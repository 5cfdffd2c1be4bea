"""Benchmark: incremental update after a new publication, as the index grows, and query latency after many updates.

For the sample corpus copied 1×, 10× and 100× (each copy in its own folder; identical files hit the extraction
cache, so building the larger corpora stays affordable), it builds the index, then times:
- a no-op `update` (nothing changed), in process and as the documentalist runs it (`python -m indexer update`);
- an `update` after adding one post and its 40-page PDF dossier (new content: pypdf really runs);
- the full build of the same corpus with a warm extraction cache (the cheapest a full build can be).
Then, on the 1× corpus, the median and p95 of in-process searches before and after 50 successive updates.

    python bench/update_bench.py [--scales 1 10 100] [--json bench/out/update.json]
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pypdf import PdfReader, PdfWriter  # noqa: E402

from indexer.build import build_index  # noqa: E402
from indexer.config import Settings  # noqa: E402
from indexer.store import current_dir  # noqa: E402
from indexer.update import update_index  # noqa: E402
from search_app.index_handle import IndexHandle  # noqa: E402
from search_app.params import SearchParams  # noqa: E402
from search_app.search import run_search  # noqa: E402

SAMPLE = ROOT / "corpus"
SOURCE_PDF = SAMPLE / "dossiers/2016/achats-socialement-responsables-dossier-thematique.pdf"
QUERIES = ["clauses sociales", "sante mentale", '"politique de la ville"', "conseil citoyen", "QPV", "mobilites"]

POST = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{title} – Villes et Territoires</title>
</head><body><main><article><h1 class="entry-title">{title}</h1><div class="entry-content">
<p>Journée de qualification du jeudi 3 mars 2022 à Montpellier : {title}.</p>
<p><a href="../../dossiers/2022/{pdf}">Accéder au dossier</a></p></div>
<footer class="entry-footer"><time class="entry-date published" datetime="2022-03-10T10:00:00+01:00">10 mars 2022</time>
<a href="/category/sante/" rel="category tag">Santé</a></footer></article></main></body></html>"""


def make_corpus(base: Path, scale: int) -> Path:
    corpus = base / f"corpus-{scale}x"
    if corpus.exists():
        return corpus
    for k in range(scale):
        shutil.copytree(SAMPLE, corpus if scale == 1 else corpus / f"copie-{k:03d}", dirs_exist_ok=True)
    return corpus


def forty_page_pdf(target: Path, tag: str) -> None:
    reader = PdfReader(SOURCE_PDF)
    writer = PdfWriter()
    for page in reader.pages[:40]:
        writer.add_page(page)
    writer.add_metadata({"/Title": f"Dossier de démonstration {tag}", "/Subject": "Dossier thématique"})
    buffer = io.BytesIO()
    writer.write(buffer)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(buffer.getvalue())


def cli_update(settings: Settings) -> float:
    t = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "indexer", "update", "--corpus", str(settings.corpus), "--index", str(settings.index)],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    return time.perf_counter() - t


def timed(fn, *args):
    t = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - t, result


def latency(settings: Settings, rounds: int = 20) -> dict[str, float]:
    handle = IndexHandle(settings.index)
    for q in QUERIES:
        run_search(SearchParams.from_args({"q": q}, settings), handle)
    times = []
    for _ in range(rounds):
        for q in QUERIES:
            t = time.perf_counter()
            run_search(SearchParams.from_args({"q": q}, settings), handle)
            times.append((time.perf_counter() - t) * 1000)
    handle.close()
    times.sort()
    return {"median_ms": round(statistics.median(times), 2), "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2)}


def segments(settings: Settings) -> int:
    return len(list(current_dir(settings.index).glob("*.seg")))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--json", default="bench/out/update.json")
    parser.add_argument("--workdir", default=None, help="keep corpora and indexes here between runs")
    args = parser.parse_args()
    base = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="crpv-update-"))
    base.mkdir(parents=True, exist_ok=True)
    report: dict = {"scales": {}}
    for scale in args.scales:
        corpus = make_corpus(base, scale)
        settings = Settings.load(corpus=corpus, index=base / f"index-{scale}x")
        t_build, build = timed(build_index, settings)
        t_warm, _ = timed(build_index, settings)
        t_noop, _ = timed(update_index, settings)
        t_noop_cli = cli_update(settings)
        tag = f"{scale}x-{int(time.time())}"
        forty_page_pdf(corpus / "dossiers" / "2022" / f"demo-{tag}.pdf", tag)
        post = corpus / "site" / "2022" / f"demo-{tag}.html"
        post.parent.mkdir(parents=True, exist_ok=True)
        post.write_text(POST.format(title=f"Publication de démonstration {tag}", pdf=f"demo-{tag}.pdf"), "utf-8")
        t_add, added = timed(update_index, settings)
        assert len(added.added) == 2, added.added
        (corpus / "dossiers" / "2022" / f"demo-{tag}.pdf").unlink()
        post.unlink()
        update_index(settings)
        forty_page_pdf(corpus / "dossiers" / "2022" / f"demo-{tag}-b.pdf", tag + "-b")
        post.write_text(POST.format(title=f"Publication {tag} b", pdf=f"demo-{tag}-b.pdf"), "utf-8")
        t_add_cli = cli_update(settings)
        documents = len(build.added) + 2
        row = {
            "documents": documents,
            "build_first_s": round(t_build, 2),
            "build_warm_cache_s": round(t_warm, 2),
            "noop_update_s": round(t_noop, 3),
            "noop_update_cli_s": round(t_noop_cli, 3),
            "add_post_and_40_page_pdf_s": round(t_add, 3),
            "add_post_and_40_page_pdf_cli_s": round(t_add_cli, 3),
        }
        report["scales"][f"{scale}x"] = row
        print(f"{scale:>4}x {documents:>6} docs | build warm {t_warm:7.2f} s | no-op {t_noop:6.3f} s "
              f"(CLI {t_noop_cli:5.2f} s) | add post+40p PDF {t_add:6.2f} s (CLI {t_add_cli:5.2f} s)")  # fmt: skip
    # Query latency before and after 50 successive updates (1× corpus).
    corpus = make_corpus(base, 1)
    settings = Settings.load(corpus=corpus, index=base / "index-latency")
    build_index(settings)
    before = latency(settings)
    seg_before = segments(settings)
    folder = corpus / "site" / "2023"
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(50):
        (folder / f"post-{i}.html").write_text(POST.format(title=f"Mise à jour numéro {i}", pdf="absent.pdf"), "utf-8")
        update_index(settings)
    after = latency(settings)
    report["latency_50_updates"] = {
        "before": before, "after": after, "segments_before": seg_before, "segments_after": segments(settings),
    }  # fmt: skip
    print(f"search before 50 updates: {before} ({seg_before} segments); after: {after} ({segments(settings)} segments)")
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"Report: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
