"""A generated post as a WordPress page: a sample post's own file with its title, content, date and categories
replaced (menus, sidebar, comments and footer stay as the template has them, encoding included)."""

from __future__ import annotations

import html
import json
import random
import re
from dataclasses import dataclass

from bench.scale.sample import _PUBLISHED, SampleModel
from bench.scale.textgen import render

SITE = "https://www.villesetterritoireslr.fr"
_CATEGORY_LINK = r'<a href="[^"]+" rel="category tag">[^<]+</a>'
_CATEGORY_RUN = re.compile(_CATEGORY_LINK + r"(?:, " + _CATEGORY_LINK + r")*")


@dataclass
class PostPlan:
    """What the plan decides for one post (the text itself is drawn when rendering, from `seed`)."""

    index: int
    template: int
    path: str
    slug: str
    title: str
    year: int | None
    published: str | None  # ISO datetime, or None for an undated post
    published_label: str | None
    categories: list[tuple[str, str]]
    themes: tuple[str, ...]
    links: list[tuple[str, str]]  # (href, link text) of the PDFs it publishes or cites
    seed: str
    words: int | None = None  # a long web page of this many words (long profile), else the template's length


def pick_sentence(model: SampleModel, rng: random.Random, themes: tuple[str, ...], dated: bool) -> int:
    """A sentence template: mostly from documents of the same themes; an undated document avoids dates."""
    for _ in range(6):
        pool = None
        if themes and rng.random() < 0.75:
            pool = model.sentences_by_theme.get(rng.choice(themes))
        index = rng.choice(pool) if pool else rng.randrange(len(model.sentences))
        if dated or not model.sentences[index].dated:
            return index
    return rng.choice(model.undated_sentences)


def sentences(model: SampleModel, rng: random.Random, themes: tuple[str, ...], year: int | None, n: int) -> str:
    """`n` new sentences joined by spaces."""
    vocab = model.vocab_for(themes)
    out = []
    for _ in range(n):
        template = model.sentences[pick_sentence(model, rng, themes, year is not None)]
        out.append(render(template, rng, vocab, model.propers, year))
    return " ".join(out)


def heading(model: SampleModel, rng: random.Random, themes: tuple[str, ...], year: int | None) -> str:
    """A new heading drawn from the sample's headings of the same themes."""
    pool = model.headings_by_theme.get(rng.choice(themes)) if themes else None
    template = model.headings[rng.choice(pool)] if pool else rng.choice(model.headings)
    text = render(template, rng, model.vocab_for(themes), model.propers, year, replace_p=0.3, shuffle_p=0.2)
    if year is None and template.dated:
        text = re.sub(r"\b(?:19|20)\d\d\b", "", text).strip(" ,:–-") or "Repères"
    return text


def content_html(model: SampleModel, plan: PostPlan, rng: random.Random, target_chars: int) -> str:
    """The article's content: paragraphs, section headings, lists, and the links to its PDFs."""
    esc = html.escape
    if plan.year and not plan.published:
        # The sample's posts without a date in their metadata give it in their first line.
        months = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
                  "novembre", "décembre")  # fmt: skip
        place = rng.choice(("Montpellier", "Nîmes", "Béziers", "Perpignan", "Alès", "Narbonne", "Sète"))
        lead = f"Journée d’échanges du {rng.randint(2, 28)} {rng.choice(months)} {plan.year} à {place}"
    else:
        lead = sentences(model, rng, plan.themes, plan.year, 1)
    parts = [f"<p>{esc(lead)}</p>"]
    size = len(parts[0])
    last_heading = False
    while size < target_chars:
        r = rng.random()
        if r < 0.18 and not last_heading:
            block = f"<h2>{esc(heading(model, rng, plan.themes, plan.year))}</h2>"
            last_heading = True
        elif r < 0.3:
            items = [sentences(model, rng, plan.themes, plan.year, 1) for _ in range(rng.randint(3, 5))]
            block = "<ul>\n" + "\n".join(f"<li>{esc(i)}</li>" for i in items) + "\n</ul>"
            last_heading = False
        else:
            block = f"<p>{esc(sentences(model, rng, plan.themes, plan.year, rng.randint(1, 4)))}</p>"
            last_heading = False
        parts.append(block)
        size += len(block) - 9
    for href, text in plan.links:
        parts.append(f'<p><a href="{esc(href)}">{esc(text)}</a></p>')
    return "\n" + "\n".join(parts) + "\n"


WORDS_PER_PART = 1_500
CHARS_PER_WORD = 6.4  # French running text, spaces and punctuation included


def long_content_html(model: SampleModel, plan: PostPlan, rng: random.Random) -> str:
    """A long web page: parts of about 1,500 words, each preceded by the page's own navigation (the list of
    its parts), as long WordPress pages and online dossiers repeat theirs."""
    assert plan.words
    esc = html.escape
    n_parts = max(2, round(plan.words / WORDS_PER_PART))
    titles = [heading(model, rng, plan.themes, plan.year) for _ in range(n_parts)]
    nav = (
        '<div class="sommaire-dossier"><p>Dans ce dossier :</p><ul>'
        + "".join(f'<li><a href="#partie-{k + 1}">{esc(title)}</a></li>' for k, title in enumerate(titles))
        + "</ul></div>"
    )
    part_chars = int(plan.words * CHARS_PER_WORD / n_parts)
    parts = []
    for k, title in enumerate(titles):
        body = PostPlan(**{**plan.__dict__, "links": [], "words": None})
        text = content_html(model, body, rng, part_chars)
        parts.append(f'{nav}\n<h2 id="partie-{k + 1}">{esc(title)}</h2>{text}')
    links = "".join(f'<p><a href="{esc(href)}">{esc(text)}</a></p>\n' for href, text in plan.links)
    return "\n" + "\n".join(parts) + links


def _french_label(iso: str) -> str:
    months = (
        "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
        "novembre", "décembre",
    )  # fmt: skip
    year, month, day = int(iso[:4]), int(iso[5:7]), int(iso[8:10])
    return f"{'1er' if day == 1 else day} {months[month - 1]} {year}"


def render_post(model: SampleModel, plan: PostPlan) -> bytes:
    """The bytes of the post page, in the template's own encoding."""
    tmpl = model.posts[plan.template]
    rng = random.Random(plan.seed)
    target = int(tmpl.text_chars * rng.uniform(0.7, 1.3))
    start, end = tmpl.content_span
    head, tail = tmpl.raw[:start], tmpl.raw[end:]
    new_content = long_content_html(model, plan, rng) if plan.words else content_html(model, plan, rng, target)
    old_title = html.unescape(tmpl.title_html)
    new_title_html = html.escape(plan.title, quote=True)
    old_json, new_json = json.dumps(old_title)[1:-1], json.dumps(plan.title)[1:-1]
    description = re.sub(r"<[^>]+>", "", new_content.split("\n")[1])[:150]
    description = html.escape(html.unescape(description), quote=True)

    def fix(part: str) -> str:
        part = part.replace(tmpl.title_html, new_title_html).replace(old_json, new_json)
        if tmpl.slug:
            part = part.replace(f"/{tmpl.slug}/", f"/{plan.slug}/")
        if tmpl.description:
            part = part.replace(f'content="{tmpl.description}"', f'content="{description}"')
        if tmpl.published and plan.published:
            part = part.replace(tmpl.published, plan.published)
            label = plan.published_label or _french_label(plan.published)
            part = _PUBLISHED.sub(
                lambda m: f'<time class="entry-date published" datetime="{m.group(1)}">{label}</time>', part
            )
        if tmpl.categories:
            links = ", ".join(f'<a href="{h}" rel="category tag">{lbl}</a>' for h, lbl in plan.categories)
            part = _CATEGORY_RUN.sub(lambda _m: links, part, count=1)
        return part

    page = fix(head) + new_content + fix(tail)
    return page.encode(tmpl.charset, errors="xmlcharrefreplace")
