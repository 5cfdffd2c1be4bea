"""What the generator learns from the sample corpus: post templates, dossier profiles, sentences, vocabulary.

Every file of the sample is extracted and enriched by the indexer itself (`indexer.extraction.extract_one`,
`indexer.build.enrich_all`), so years, themes and types are those the engine sees. The model is cached
(pickle) by a fingerprint of the sample files and of this module's version, so that tests and repeated
generations do not extract the sample again.
"""

from __future__ import annotations

import hashlib
import html
import logging
import os
import pickle
import re
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from bench.scale.textgen import Template, Vocabulary, content_words, make_template, proper_nouns, protected_pattern
from bench.scale.textgen import split_sentences as _split

logger = logging.getLogger(__name__)

MODEL_VERSION = "4"
ROOT = Path(__file__).resolve().parents[2]
SAMPLE_CORPUS = ROOT / "corpus"
# Phrases of the benchmark queries: never broken by the generator, so that phrase queries find documents.
BENCH_PHRASES = ("conseil local de santé mentale", "politique de la ville", "marchés réservés", "tirage au sort")

_H1 = re.compile(r'<h1 class="entry-title">(.*?)</h1>', re.S)
_PUBLISHED = re.compile(r'<time class="entry-date published" datetime="([^"]+)">([^<]*)</time>')
_PUBLISHED_META = re.compile(r'<meta property="article:published_time" content="([^"]+)"')
_CATEGORY = re.compile(r'<a href="([^"]+)" rel="category tag">([^<]+)</a>')
_CANONICAL = re.compile(r'<link rel="canonical" href="https?://[^/]+/([^"]+?)/?"')
_DESCRIPTION = re.compile(r'<meta name="description" content="([^"]*)"')
_CONTENT_START = '<div class="entry-content">'
_CONTENT_ENDS = ('<div class="sharedaddy', "</div><!-- .entry-content -->")
_PDF_LINK = re.compile(r'<a href="([^"]+\.pdf)"[^>]*>([^<]+)</a>', re.I)


@dataclass
class PostTemplate:
    """A sample post page, ready to be used as a template."""

    path: str
    raw: str
    charset: str
    title_html: str
    year: int | None
    published: str | None  # the ISO datetime of the post as written in the file
    published_label: str | None  # the French date shown next to it
    themes: tuple[str, ...]
    categories: tuple[tuple[str, str], ...]  # (href, label as written)
    pdf_links: int
    uploads_style: bool  # links to PDFs as absolute wp-content/uploads URLs (else relative paths)
    text_chars: int
    slug: str
    description: str | None
    content_span: tuple[int, int]
    title_tmpl: Template | None = None


@dataclass
class PdfProfile:
    """A sample dossier: what a generated dossier imitates (kind, length, keywords)."""

    path: str
    title: str
    year: int | None
    themes: tuple[str, ...]
    doc_type: str
    kind_label: str
    subject: bool  # whether the file declares its kind in /Subject
    keywords: str
    pages: int
    chars_per_page: int
    title_tmpl: Template | None = None


@dataclass
class SampleModel:
    """Everything the generator draws from (see the module docstring)."""

    posts: list[PostTemplate]
    pdfs: list[PdfProfile]
    sentences: list[Template]
    sentences_by_theme: dict[str, list[int]]
    undated_sentences: list[int]
    headings: list[Template]
    headings_by_theme: dict[str, list[int]]
    titles_html: list[Template]
    titles_pdf: list[Template]
    vocab_by_theme: dict[str, Vocabulary]
    vocab_all: Vocabulary
    propers: list[str]
    link_texts: list[str]
    categories: list[tuple[str, str]]  # every (href, label) occurrence, for drawing extra categories
    stats: dict[str, object] = field(default_factory=dict)

    def vocab_for(self, themes: tuple[str, ...]) -> Vocabulary:
        """The vocabulary of a document's themes (all the sample's when it has none)."""
        if not themes:
            return self.vocab_all
        key = "|".join(sorted(themes))
        cached = self._vocab_cache.get(key) if hasattr(self, "_vocab_cache") else None
        if cached is not None:
            return cached
        words: list[str] = []
        for t in themes:
            words += self.vocab_by_theme.get(t, Vocabulary([], {})).words
        vocab = Vocabulary.of(words) if words else self.vocab_all
        if not hasattr(self, "_vocab_cache"):
            self._vocab_cache: dict[str, Vocabulary] = {}
        self._vocab_cache[key] = vocab
        return vocab


def _extract_all(corpus: Path):  # type: ignore[no-untyped-def]
    from indexer.build import enrich_all
    from indexer.config import Settings
    from indexer.corpus import Failure, scan_corpus
    from indexer.enrich import load_catalogue
    from indexer.extraction import extract_one

    settings = Settings.load(corpus=corpus, workers=1, extraction_timeout=0)
    files, _ = scan_corpus(corpus)
    infos = list(files.values())
    with ProcessPoolExecutor(max_workers=2) as pool:
        n = len(infos)
        results = list(pool.map(extract_one, [corpus] * n, infos, [settings] * n, [None] * n))
    docs = {r.path: r for r in results if not isinstance(r, Failure)}
    enrich_all(docs, files.keys(), load_catalogue(corpus))
    return docs


def _fingerprint(corpus: Path) -> str:
    h = hashlib.sha256(MODEL_VERSION.encode())
    h.update(Path(__file__).read_bytes())
    h.update(Path(__file__).with_name("textgen.py").read_bytes())
    for dirpath, _dirs, names in sorted(os.walk(corpus)):
        for name in sorted(names):
            st = os.stat(os.path.join(dirpath, name))
            h.update(f"{dirpath}/{name}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()[:16]


def load_model(corpus: Path = SAMPLE_CORPUS, cache_dir: Path | None = None) -> SampleModel:
    """The model of the sample corpus, from the cache when the sample has not changed."""
    cache_dir = cache_dir or Path(os.environ.get("CRPV_SCALE_CACHE", "/tmp/crpv-scale-cache"))
    cache_file = cache_dir / f"sample-model-{_fingerprint(corpus)}.pickle"
    try:
        with cache_file.open("rb") as fh:
            return pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
        pass
    model = build_model(corpus)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cache_file.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            pickle.dump(model, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, cache_file)
    except OSError as exc:
        logger.warning("model cache not written: %s", exc)
    return model


def _post_template(corpus: Path, doc) -> PostTemplate | None:  # type: ignore[no-untyped-def]
    from indexer.extract.html import decode_html

    # The file's real encoding (a few sample files declare UTF-8 but are windows-1252: kept as they are).
    raw, charset = decode_html((corpus / doc.path).read_bytes())
    h1 = _H1.search(raw)
    start = raw.find(_CONTENT_START)
    if not h1 or start < 0:
        return None
    start += len(_CONTENT_START)
    ends = [raw.find(e, start) for e in _CONTENT_ENDS]
    ends = [e for e in ends if e > 0]
    if not ends:
        return None
    content = raw[start : min(ends)]
    published = _PUBLISHED.search(raw)
    meta_published = _PUBLISHED_META.search(raw)
    canonical = _CANONICAL.search(raw)
    description = _DESCRIPTION.search(raw)
    links = _PDF_LINK.findall(content)
    return PostTemplate(
        path=doc.path,
        raw=raw,
        charset=charset,
        title_html=h1.group(1),
        year=doc.year,
        published=published.group(1) if published else (meta_published.group(1) if meta_published else None),
        published_label=published.group(2) if published else None,
        themes=tuple(doc.themes),
        categories=tuple(_CATEGORY.findall(raw)),
        pdf_links=len(links),
        uploads_style=any("wp-content/uploads" in href for href, _ in links),
        text_chars=len(doc.text),
        slug=canonical.group(1).rsplit("/", 1)[-1] if canonical else "",
        description=description.group(1) if description and description.group(1) else None,
        content_span=(start, min(ends)),
    )


def build_model(corpus: Path = SAMPLE_CORPUS) -> SampleModel:
    """Extract and enrich the sample, then cut it into templates, vocabularies and distributions."""
    from indexer.vocab import acronyms, themes, type_labels

    docs = _extract_all(corpus)
    expressions = [k for t in themes() for k in (*t.keywords, t.label)]
    expressions += [a.expansion for a in acronyms()] + list(BENCH_PHRASES)
    protected = protected_pattern(expressions)
    posts: list[PostTemplate] = []
    pdfs: list[PdfProfile] = []
    sentences: list[Template] = []
    by_theme: dict[str, list[int]] = defaultdict(list)
    seen: set[str] = set()
    headings: list[Template] = []
    headings_by_theme: dict[str, list[int]] = defaultdict(list)
    titles_html: list[Template] = []
    titles_pdf: list[Template] = []
    words_by_theme: dict[str, list[str]] = defaultdict(list)
    words_all: list[str] = []
    propers: list[str] = []
    link_texts: list[str] = []
    labels = type_labels()
    for path in sorted(docs):
        doc = docs[path]
        if not doc.text.strip():
            continue
        if doc.format == "html":
            tmpl = _post_template(corpus, doc)
            if tmpl:
                tmpl.title_tmpl = make_template(doc.title, protected)
                posts.append(tmpl)
                link_texts += [html.unescape(t) for _h, t in _PDF_LINK.findall(tmpl.raw[slice(*tmpl.content_span)])]
            titles_html.append(make_template(doc.title, protected))
        else:
            kind = doc.doc_type or "synthese"
            pdfs.append(
                PdfProfile(
                    path=doc.path,
                    title=doc.title,
                    year=doc.year,
                    themes=tuple(doc.themes),
                    doc_type=kind,
                    kind_label=str(doc.metadata.get("subject") or labels.get(kind, "Dossier")),
                    subject=bool(doc.metadata.get("subject")),
                    keywords=", ".join(str(k) for k in doc.metadata.get("keywords") or []),
                    pages=doc.page_count,
                    chars_per_page=len(doc.text) // max(1, doc.page_count),
                    title_tmpl=make_template(doc.title, protected),
                )
            )
            titles_pdf.append(make_template(doc.title, protected))
        for heading in doc.headings:
            if 2 <= len(heading.split()) <= 14 and heading not in seen:
                seen.add(heading)
                headings.append(make_template(heading, protected))
                for t in doc.themes:
                    headings_by_theme[t].append(len(headings) - 1)
        for sentence in _split(doc.text):
            if sentence in seen:
                continue
            seen.add(sentence)
            tmpl = make_template(sentence, protected)
            sentences.append(tmpl)
            words = content_words(tmpl)
            words_all += words
            propers += proper_nouns(tmpl)
            for t in doc.themes or ("",):
                by_theme[t].append(len(sentences) - 1)
                words_by_theme[t] += words
    categories = [c for p in posts for c in p.categories]
    model = SampleModel(
        posts=posts,
        pdfs=pdfs,
        sentences=sentences,
        sentences_by_theme=dict(by_theme),
        undated_sentences=[i for i, s in enumerate(sentences) if not s.dated],
        headings=headings,
        headings_by_theme=dict(headings_by_theme),
        titles_html=titles_html,
        titles_pdf=titles_pdf,
        vocab_by_theme={t: Vocabulary.of(w) for t, w in words_by_theme.items()},
        vocab_all=Vocabulary.of(words_all),
        propers=propers,
        link_texts=link_texts or ["Accéder au dossier"],
        categories=categories,
    )
    model.stats = {
        "posts": len(posts),
        "pdfs": len(pdfs),
        "sentences": len(sentences),
        "headings": len(headings),
        "distinct_words": len(set(words_all)),
        "pdf_share": round(len(pdfs) / max(1, len(pdfs) + len(posts)), 3),
        "pdf_pages": sorted(p.pages for p in pdfs),
        "years": dict(Counter(str(p.year or "sans-date") for p in posts)),
        "themes": dict(Counter(t for p in posts for t in p.themes)),
    }
    return model
