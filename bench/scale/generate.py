"""A corpus of N documents shaped like the sample: the plan (deterministic from the seed), then its rendering in
worker processes, resumable (files are written atomically and existing ones are kept), with a manifest.

Proportions follow the sample: the posts imitate the sample's posts one for one (year, categories and so
themes, length, whether and how they link to PDFs), each PDF is published by a post whose sample model
publishes one, in the same year, and imitates a sample dossier of the same themes (kind, page count clipped
to 4–40, keywords). The PDF share is the sample's (28 %) up to 20,000 documents and 10 % above, because a
dossier costs about 50 times as much to generate as a post (and as much to extract): that keeps 100,000
documents within about a quarter of an hour on two cores. `--pdf-share` overrides it. A small share of PDFs
(0.3 %, as broken uploads happen) is truncated on purpose: the indexer reports them as failures.

The `long` profile (`--profile long`) gives documents of real length, shaped like the collection of real French
documentation the speed issue was measured on (1,451 documents, 22 PDFs holding 3,344 pages, 25 MB of text):
12 % of the posts are long web pages of 5,000 to 30,000 words (log-uniform) whose section navigation is
repeated before every part, as long WordPress pages repeat theirs, the other posts keep the sample's lengths,
and 1.5 % of the documents are PDFs of 100 to 700 pages (log-uniform). Making every post long would put
1,500 documents above 100 MB of text, beyond a benchmark run of a quarter of an hour on two cores.
"""

from __future__ import annotations

import html
import json
import logging
import math
import multiprocessing
import os
import random
import re
import time
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.scale.render_html import SITE, PostPlan, render_post
from bench.scale.render_pdf import PdfPlan, render_pdf
from bench.scale.sample import SampleModel, load_model
from bench.scale.textgen import render

logger = logging.getLogger(__name__)

GENERATOR_VERSION = "1"
MANIFEST = ".scale-manifest.json"  # hidden: the indexer ignores it
DEFAULT_SEED = 20161122
LARGE_N = 20_000
LARGE_PDF_SHARE = 0.10
DEFECT_RATE = 0.003
PROFILES = ("usual", "long")
LONG_POST_SHARE = 0.12
LONG_POST_WORDS = (5_000, 30_000)
LONG_PDF_SHARE = 0.015
LONG_PDF_PAGES = (100, 700)
PLACES = (
    "Nîmes", "Montpellier", "Béziers", "Perpignan", "Alès", "Narbonne", "Sète", "Lodève", "Carcassonne", "Lunel",
    "Bédarieux", "Agde", "Mende", "Bagnols-sur-Cèze", "Beaucaire", "Vauvert", "Limoux", "Prades",
)  # fmt: skip


def slugify(text: str, limit: int = 60) -> str:
    """« Mobilités résidentielles : bilan » → « mobilites-residentielles-bilan »."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "document"


def default_pdf_share(n: int, model: SampleModel, profile: str = "usual") -> float:
    """The sample's share of PDFs, or 10 % above 20,000 documents, or the long profile's (module docstring)."""
    if profile == "long":
        return LONG_PDF_SHARE
    return float(model.stats["pdf_share"]) if n <= LARGE_N else LARGE_PDF_SHARE  # type: ignore[arg-type]


@dataclass
class Plan:
    """Every document of the corpus, decided before any is rendered."""

    n: int
    seed: int
    pdf_share: float
    defect_rate: float
    posts: list[PostPlan] = field(default_factory=list)
    pdfs: list[PdfPlan] = field(default_factory=list)
    profile: str = "usual"

    def params(self) -> dict[str, Any]:
        """What identifies the corpus (a manifest with other values is another corpus)."""
        return corpus_params(self.n, self.seed, self.pdf_share, self.defect_rate, self.profile)


def corpus_params(n: int, seed: int, pdf_share: float, defect_rate: float, profile: str = "usual") -> dict[str, Any]:
    """The parameters that identify a generated corpus (kept in its manifest; the usual profile is not named,
    so that corpora generated before profiles existed are still recognised)."""
    params: dict[str, Any] = {
        "generator_version": GENERATOR_VERSION,
        "n": n,
        "seed": seed,
        "pdf_share": pdf_share,
        "defect_rate": defect_rate,
    }
    if profile != "usual":
        params["profile"] = profile
    return params


def log_uniform(rng: random.Random, bounds: tuple[int, int]) -> int:
    """An integer between the bounds, log-uniformly (as many 5–10k word pages as 15–30k ones… in ratio)."""
    low, high = bounds
    return round(math.exp(rng.uniform(math.log(low), math.log(high))))


def make_plan(
    model: SampleModel, n: int, seed: int, pdf_share: float, defect_rate: float = DEFECT_RATE, profile: str = "usual"
) -> Plan:
    """The plan of a corpus of `n` documents (see the module docstring); the same arguments give the same plan."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r} (one of {', '.join(PROFILES)})")
    rng = random.Random(f"{seed}:plan")
    # The long profile draws its lengths from a generator of its own, so that the usual plan stays the same.
    lengths = random.Random(f"{seed}:lengths")
    n_pdf = min(round(n * pdf_share), n - 1)
    n_post = n - n_pdf
    plan = Plan(n, seed, pdf_share, defect_rate, profile=profile)
    by_theme: dict[str, list[int]] = {}
    for i, tmpl in enumerate(model.posts):
        for t in tmpl.themes:
            by_theme.setdefault(t, []).append(i)
    from indexer.enrich import themes_from_labels

    for i in range(n_post):
        t = rng.randrange(len(model.posts))
        tmpl = model.posts[t]
        year = tmpl.year
        published = None
        if tmpl.published and year:
            published = f"{year:04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}{tmpl.published[10:]}"
        categories = list(tmpl.categories)
        if model.categories and rng.random() < 0.25:
            extra = rng.choice(model.categories)
            if extra not in categories:
                categories.append(extra)
        extra_themes = themes_from_labels([html.unescape(c[1]) for c in categories])
        themes = tuple(dict.fromkeys((*tmpl.themes, *extra_themes)))
        source = tmpl
        if themes and rng.random() < 0.4:
            source = model.posts[rng.choice(by_theme.get(rng.choice(themes)) or [t])]
        title = render(source.title_tmpl, rng, model.vocab_for(themes), model.propers, year, 0.35, 0.3)  # type: ignore[arg-type]
        slug = f"{slugify(title)}-{i:06d}"
        plan.posts.append(
            PostPlan(
                index=i,
                template=t,
                path=f"site/{year or 'non-date'}/{slug}.html",
                slug=slug,
                title=title,
                year=year,
                published=published,
                published_label=None,
                categories=categories,
                themes=themes,
                links=[],
                seed=f"{seed}:post:{i}",
                words=log_uniform(lengths, LONG_POST_WORDS)
                if profile == "long" and lengths.random() < LONG_POST_SHARE
                else None,
            )
        )
    eligible = [i for i, p in enumerate(plan.posts) if model.posts[p.template].pdf_links]
    rng.shuffle(eligible)
    if not eligible:
        eligible = list(range(n_post))
    parents = (eligible * math.ceil(n_pdf / len(eligible)))[:n_pdf] if n_pdf else []
    for j, parent_index in enumerate(parents):
        parent = plan.posts[parent_index]
        tmpl = model.posts[parent.template]
        similar = [p for p in model.pdfs if set(p.themes) & set(parent.themes)] or model.pdfs
        model_pdf = rng.choice(similar)
        month = int(parent.published[5:7]) if parent.published else rng.randint(1, 12)
        pages = max(4, min(40, round(model_pdf.pages * rng.uniform(0.8, 1.25))))
        if plan.profile == "long":
            pages = log_uniform(lengths, LONG_PDF_PAGES)
        if rng.random() < 0.5:
            vocab = model.vocab_for(parent.themes)
            title = render(model_pdf.title_tmpl, rng, vocab, model.propers, parent.year, 0.35, 0.3)  # type: ignore[arg-type]
        else:
            title = f"{parent.title} – {model_pdf.kind_label.lower()}"
        name = f"{slugify(title)}-{j:06d}.pdf"
        path = f"dossiers/{parent.year or 'non-date'}/{name}"
        plan.pdfs.append(
            PdfPlan(
                index=j,
                path=path,
                title=title,
                kind_label=model_pdf.kind_label,
                subject=model_pdf.subject,
                keywords=model_pdf.keywords,
                year=parent.year,
                month=month,
                themes=parent.themes,
                pages=pages,
                place=rng.choice(PLACES),
                seed=f"{seed}:pdf:{j}",
                truncated=rng.random() < defect_rate,
            )
        )
        if tmpl.uploads_style:
            href = f"{SITE}/wp-content/uploads/{parent.year or 2016}/{month:02d}/{name}"
        else:
            href = f"../../{path}"
        parent.links.append((href, rng.choice(model.link_texts)))
    if plan.pdfs:
        # Some posts also cite an earlier dossier (a PDF published by two posts, as in the sample).
        for post in plan.posts:
            if rng.random() < 0.06:
                pdf = rng.choice(plan.pdfs)
                if not any(h.endswith(pdf.path.rsplit("/", 1)[-1]) for h, _ in post.links):
                    post.links.append((f"../../{pdf.path}", f"Relire : {pdf.title}"))
    return plan


# ---------------------------------------------------------------------------------------------------------
# Rendering

_MODEL: SampleModel | None = None
_OUT: Path | None = None


def _init(model: SampleModel, out: Path) -> None:
    global _MODEL, _OUT
    _MODEL, _OUT = model, out


def _write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)


def _render_task(task: tuple[str, Any]) -> tuple[str, str, int, int, bool]:
    """Render one document (in a worker); an existing file is kept (resume). → (kind, path, bytes, pages, new)."""
    kind, item = task
    assert _MODEL is not None and _OUT is not None
    target = _OUT / item.path
    if target.exists():
        return kind, item.path, target.stat().st_size, (item.pages if kind == "pdf" else 1), False
    if kind == "pdf":
        data, pages = render_pdf(_MODEL, item)
    else:
        data, pages = render_post(_MODEL, item), 1
    _write(target, data)
    return kind, item.path, len(data), pages, True


def read_manifest(out: Path) -> dict[str, Any] | None:
    """The manifest of a generated corpus, or None."""
    try:
        return json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def generate(
    n: int,
    out: Path,
    seed: int = DEFAULT_SEED,
    pdf_share: float | None = None,
    defect_rate: float = DEFECT_RATE,
    workers: int = 2,
    model: SampleModel | None = None,
    profile: str = "usual",
) -> dict[str, Any]:
    """Generate (or complete, or reuse) the corpus of `n` documents in `out`; returns its manifest."""
    started = time.perf_counter()
    model = model or load_model()
    share = default_pdf_share(n, model, profile) if pdf_share is None else pdf_share
    existing = read_manifest(out)
    params = corpus_params(n, seed, share, defect_rate, profile)
    if existing and existing.get("params") == params and existing.get("complete"):
        logger.info("Corpus déjà généré dans %s : réutilisé", out)
        return existing
    plan = make_plan(model, n, seed, share, defect_rate, profile)
    if existing and existing.get("params") != plan.params():
        raise SystemExit(f"{out} holds another generated corpus ({existing.get('params')}); remove it first")
    if not existing and out.exists() and any(out.iterdir()):
        raise SystemExit(f"{out} is not empty and has no manifest of this generator; choose another folder")
    out.mkdir(parents=True, exist_ok=True)
    (out / MANIFEST).write_text(json.dumps({"params": plan.params(), "complete": False}), encoding="utf-8")
    # Dossiers first (the slow ones, longest first), then posts: short tasks at the end keep both workers busy.
    pdfs = sorted(plan.pdfs, key=lambda p: -p.pages)
    tasks: list[tuple[str, Any]] = [("pdf", p) for p in pdfs] + [("post", p) for p in plan.posts]
    totals = {"html_bytes": 0, "pdf_bytes": 0, "pdf_pages": 0, "new_files": 0}
    done = 0
    next_log = time.monotonic() + 10
    results: list[tuple[str, str, int, int, bool]] = []
    if workers <= 1:
        _init(model, out)
        iterator: Any = map(_render_task, tasks)
        pool = None
    else:
        ctx = multiprocessing.get_context("fork")
        pool = ctx.Pool(workers, initializer=_init, initargs=(model, out))
        iterator = pool.imap_unordered(_render_task, tasks, chunksize=1 if profile == "long" else 8)
    try:
        for result in iterator:
            results.append(result)
            done += 1
            if time.monotonic() >= next_log:
                logger.info("génération : %d / %d fichiers", done, len(tasks))
                next_log = time.monotonic() + 10
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    truncated = sorted(p.path for p in plan.pdfs if p.truncated)
    for kind, _path, size, pages, new in results:
        totals["html_bytes" if kind == "post" else "pdf_bytes"] += size
        if kind == "pdf":
            totals["pdf_pages"] += pages
        totals["new_files"] += int(new)
    totals["pdf_pages"] -= sum(p.pages for p in plan.pdfs if p.truncated)
    years: dict[str, int] = {}
    for p in plan.posts:
        key = str(p.year or "sans-date")
        years[key] = years.get(key, 0) + 1
    manifest = {
        "params": plan.params(),
        "complete": True,
        "html": len(plan.posts),
        "pdf": len(plan.pdfs),
        "truncated_pdfs": truncated,
        "expected": {
            "documents": n - len(truncated),
            "html": len(plan.posts),
            "pdf": len(plan.pdfs) - len(truncated),
            "failures": len(truncated),
            "pdf_pages": totals["pdf_pages"],
        },
        "bytes": {"html": totals["html_bytes"], "pdf": totals["pdf_bytes"]},
        "post_years": dict(sorted(years.items())),
        "long_posts": sum(1 for p in plan.posts if p.words),
        "long_post_words": sum(p.words or 0 for p in plan.posts),
        "generation_seconds": round(time.perf_counter() - started, 1),
        "files_written_this_run": totals["new_files"],
        "sample": {k: v for k, v in model.stats.items() if k != "pdf_pages"},
    }
    tmp = out / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, out / MANIFEST)
    return manifest


def plan_summary(plan: Plan) -> dict[str, Any]:
    """A short description of a plan (for logs and tests)."""
    return {"posts": len(plan.posts), "pdfs": len(plan.pdfs), "first": asdict(plan.posts[0]) if plan.posts else None}
