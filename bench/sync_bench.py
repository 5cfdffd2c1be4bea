"""Cost of following a site: `sync` against the demonstration WordPress site on loopback.

    python bench/sync_bench.py [--posts 1000] [--out bench/out/sync.json]

For the sample corpus served as a WordPress site, and for a site of N generated posts (one PDF every ten), three
runs: the first harvest, a re-sync with nothing changed, a re-sync after one new post with a 40-page PDF. Each
gives the wall time, the requests sent and the bytes received (as the harvester counts them), and for the last
run the time of the index update that follows. Loopback has no network latency: on a real site each request also
costs a round trip, which is why the request counts matter more than the times.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from fpdf import FPDF

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

import demo_site  # noqa: E402

from indexer.config import Settings  # noqa: E402
from indexer.update import update_index  # noqa: E402
from indexer.web.sources import source_from_url  # noqa: E402
from indexer.web.sync import SyncOptions, sync_sources  # noqa: E402


def dossier(pages: int) -> bytes:
    """A dossier of `pages` pages (core font, so no font file is needed)."""
    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    pdf.set_title("Dossier de capitalisation : les plateformes mobilité")
    for page in range(1, pages + 1):
        pdf.add_page()
        pdf.multi_cell(0, 7, f"Page {page}. Les plateformes mobilité accompagnent les habitants des quartiers. " * 12)
    return bytes(pdf.output())


def run(site: demo_site.WordPressSite, settings: Settings) -> dict[str, float]:
    """One sync of the site into the settings' corpus; its figures."""
    options = SyncOptions.from_settings(settings)
    start = time.perf_counter()
    [report] = sync_sources(settings.corpus, [source_from_url(site.base + "/")], options)
    seconds = time.perf_counter() - start
    if report.fatal or report.errors:
        raise SystemExit(f"sync en échec : {report.fatal or report.errors[:3]}")
    return {
        "seconds": round(seconds, 3),
        "requests": report.requests,
        "bytes": report.bytes,
        "not_modified": report.not_modified,
        "added": report.added,
        "changed": report.changed,
    }


def scenario(site: demo_site.WordPressSite, workdir: Path) -> dict[str, dict[str, float]]:
    """First harvest, nothing changed, one new post with a 40-page PDF (then the index update)."""
    settings = Settings(corpus=workdir / "corpus", index=workdir / "index")
    site.start()
    try:
        figures = {"first": run(site, settings)}
        update_index(settings)
        figures["unchanged"] = run(site, settings)
        url = site.add_pdf("plateformes-mobilite.pdf", dossier(40), "2026/12")
        site.add_post(
            "Les plateformes mobilité : dossier de capitalisation",
            f'<p>Le dossier de capitalisation des plateformes mobilité.</p><p><a href="{url}">Lire le dossier</a></p>',
        )
        figures["new_post"] = run(site, settings)
        start = time.perf_counter()
        summary = update_index(settings).summary()
        figures["new_post"]["update_seconds"] = round(time.perf_counter() - start, 3)
        figures["new_post"]["indexed"] = summary["added"]
    finally:
        site.stop()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000, help="articles du site généré (défaut : 1000)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "out" / "sync.json"))
    args = parser.parse_args(argv)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["sample"] = scenario(demo_site.from_corpus(ROOT / "corpus"), Path(tmp) / "sample")
        pdf = dossier(2)
        results[f"generated_{args.posts}"] = scenario(demo_site.generated(args.posts, pdf), Path(tmp) / "generated")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    for site, figures in results.items():
        for name, values in figures.items():
            print(f"{site:16} {name:10} " + "  ".join(f"{k}={v}" for k, v in values.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
