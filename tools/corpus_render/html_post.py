"""A post source rendered as the full HTML page a Twenty Sixteen WordPress theme serves (saved logged in).

The page carries everything a real saved page has around the post: head metadata (canonical, Open Graph,
`article:published_time`, keywords, JSON-LD), stylesheets and scripts, the admin bar, the header with its
menu, the article with its entry footer (date, categories, tags), post navigation, comments and comment
form, a sidebar (search, recent posts, categories, archives, newsletter), the site footer and a cookie
banner. The static parts live in `wp/*.html` (placeholders `@@NAME@@`). The bytes are written in the
source's `encoding`; characters that encoding lacks become numeric character references
(`xmlcharrefreplace`), as WordPress does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import posixpath
import re
import zlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from . import SITE_NAME, SITE_URL
from .inline import Run, parse_inline, plain_text
from .sources import ENCODINGS, MONTHS_FR, Block, Dossier, Post, category_path, slugify

__all__ = ["SiteContext", "dossier_href", "iso_paris", "post_id", "render_post", "uses_upload_url"]

TEMPLATES = Path(__file__).parent / "wp"
_PLACEHOLDER = re.compile(r"@@([A-Z_]+)@@")

MENU: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    ("Accueil", "/", ()),
    (
        "Villes & Territoires",
        "/villes-territoires/",
        (
            ("Histoire & valeurs", "/villes-territoires/histoire-valeurs/"),
            ("L’équipe", "/villes-territoires/equipe/"),
            ("Le conseil d’administration", "/villes-territoires/conseil-administration/"),
            ("Adhérer", "/villes-territoires/adherer/"),
        ),
    ),
    (
        "Nos actions",
        "/category/nos-actions/",
        (
            ("Programme d’actions", "/nos-actions/programme-dactions/"),
            ("Echanges et mises en réseau", "/nos-actions/journees-thematiques/"),
            ("Actions réalisées 2015-2016", "/category/nos-actions/actions-realisees-2015-2016/"),
            ("Actions réalisées 2017-2018", "/category/nos-actions/autres-animations/"),
            ("Cadre de vie - Renouvellement urbain", "/category/nos-actions/cadre-de-vie-renouvellement-urbain/"),
        ),
    ),
    (
        "Thématiques",
        "/category/thematiques-2/",
        (
            ("Développement économique", "/category/thematiques-2/developpement-economique-thematiques-2/"),
            ("Languedoc Roussillon", "/category/thematiques-2/languedoc-roussillon-thematiques-2/"),
        ),
    ),
    (
        "Ressources",
        "/ressources/",
        (
            ("Publications", "/ressources/publications/"),
            ("Vidéos", "/ressources/videos/"),
            ("Liens utiles", "/ressources/liens-utiles/"),
        ),
    ),
    (
        "Actus",
        "/category/actus/",
        (
            ("A la Une", "/category/accueil/alaune/"),
            ("Languedoc Roussillon", "/category/actus/languedoc-roussillon/"),
        ),
    ),
    ("Contact", "/contact/", ()),
)


@cache
def _template(name: str) -> str:
    return (TEMPLATES / f"{name}.html").read_text(encoding="utf-8").rstrip("\n")


def fill(name: str, **values: str) -> str:
    """The template `wp/<name>.html` with its @@NAME@@ placeholders replaced (@@SITE@@: the site URL)."""
    values.setdefault("SITE", SITE_URL)

    def replace(match: re.Match[str]) -> str:
        return values[match.group(1)]

    return _PLACEHOLDER.sub(replace, _template(name))


def charset_label(name: str) -> str:
    """How the charset is usually spelt in a page: UTF-8, ISO-8859-1, windows-1252; others as written."""
    return {"utf-8": "UTF-8", "utf8": "UTF-8", "iso-8859-1": "ISO-8859-1", "latin-1": "ISO-8859-1"}.get(
        name.lower(), "windows-1252" if name.lower() in ("windows-1252", "cp1252") else name
    )


def _e(text: str) -> str:
    """HTML-escape text for element content and attributes."""
    return html.escape(text, quote=True)


def _stable(text: str, modulo: int) -> int:
    return int(hashlib.sha1(text.encode("utf-8")).hexdigest()[:8], 16) % modulo


def post_id(slug: str) -> int:
    """A stable WordPress post id for a slug (collisions are resolved by `SiteContext`)."""
    return 120 + _stable(slug, 4800)


def uses_upload_url(post: Post) -> bool:
    """About a quarter of dated posts link their PDFs by absolute upload URL (chosen by the slug)."""
    return post.date is not None and _stable("upload:" + post.slug, 4) == 0


def dossier_href(post: Post, dossier: Dossier) -> str:
    """The link from a post to a dossier: relative to the page, or an absolute /wp-content/uploads/ URL."""
    if uses_upload_url(post):
        assert post.date is not None
        name = posixpath.basename(dossier.file)
        return f"{SITE_URL}/wp-content/uploads/{post.date.year}/{post.date.month:02d}/{name}"
    return posixpath.relpath(dossier.file, posixpath.dirname(post.output_path))


def french_date(day: dt.date) -> str:
    """« 21 novembre 2016 » (WordPress 'j F Y' in French)."""
    return f"{day.day} {MONTHS_FR[day.month - 1]} {day.year}"


def _last_sunday(year: int, month: int) -> dt.date:
    day = dt.date(year, month, 31)
    return day - dt.timedelta(days=(day.weekday() + 1) % 7)


def iso_paris(day: dt.date, hour: int = 10, minute: int = 0) -> str:
    """ISO 8601 local time in France: +01:00 in winter, +02:00 in summer (EU rule since 1996)."""
    summer = _last_sunday(day.year, 3) <= day < _last_sunday(day.year, 10)
    return f"{day.isoformat()}T{hour:02d}:{minute:02d}:00+0{2 if summer else 1}:00"


@dataclass
class SiteContext:
    """What every page shows about the whole site: ids, recent posts, categories, archives, neighbours."""

    posts: list[Post]
    dossiers: dict[str, Dossier]
    themes: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.ordered = sorted(self.posts, key=lambda p: (p.date or dt.date.min, p.slug))
        self.ids: dict[str, int] = {}
        taken: set[int] = set()
        for post in sorted(self.posts, key=lambda p: p.slug):
            number = post_id(post.slug)
            while number in taken:
                number += 1
            taken.add(number)
            self.ids[post.slug] = number
        dated = [p for p in self.ordered if p.date]
        self.newest = list(reversed(dated))
        self.archives = sorted({(p.date.year, p.date.month) for p in dated if p.date}, reverse=True)
        labels: dict[str, str] = {}
        for post in self.posts:
            for label in post.categories:
                labels.setdefault(category_path(label, self.themes), label)
        self.categories = sorted(labels.items(), key=lambda item: slugify(item[1]))

    def neighbours(self, post: Post) -> tuple[Post | None, Post | None]:
        """The previous and next posts in publication order."""
        index = next(i for i, p in enumerate(self.ordered) if p.slug == post.slug)
        previous = self.ordered[index - 1] if index > 0 else None
        following = self.ordered[index + 1] if index + 1 < len(self.ordered) else None
        return previous, following

    def recent(self, post: Post, count: int = 5) -> list[Post]:
        """The newest posts of the site other than `post`."""
        return [p for p in self.newest if p.slug != post.slug][:count]


# --- Body


def inline_html(markup: str, post: Post, site: SiteContext) -> str:
    """Inline markup to HTML: <strong>, <em> and links (dossier links relative or by upload URL)."""
    out: list[str] = []
    runs = parse_inline(markup)
    index = 0
    while index < len(runs):
        run = runs[index]
        if run.href is None:
            out.append(_styled(run))
            index += 1
            continue
        group: list[Run] = []
        while index < len(runs) and runs[index].href == run.href:
            group.append(runs[index])
            index += 1
        out.append(_link(run.href, "".join(_styled(r) for r in group), post, site))
    return "".join(out)


def _styled(run: Run) -> str:
    text = _e(run.text)
    if run.italic:
        text = f"<em>{text}</em>"
    if run.bold:
        text = f"<strong>{text}</strong>"
    return text


def _link(target: str, inner: str, post: Post, site: SiteContext) -> str:
    if target.startswith("pdf:"):
        dossier = site.dossiers.get(target[4:])
        if dossier is None:
            return inner
        return f'<a href="{_e(dossier_href(post, dossier))}">{inner}</a>'
    if target.startswith("mailto:"):
        return f'<a href="{_e(target)}">{inner}</a>'
    return f'<a href="{_e(target)}" target="_blank" rel="noopener noreferrer">{inner}</a>'


def _video(title: str) -> str:
    digest = hashlib.sha1(title.encode("utf-8")).digest()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    video = "".join(alphabet[b % 64] for b in digest[:11])
    return (
        '<p><span class="embed-youtube" style="text-align:center; display: block;">'
        f'<iframe class="youtube-player" width="840" height="473" src="https://www.youtube.com/embed/{video}'
        "?version=3&#038;rel=1&#038;showsearch=0&#038;showinfo=1&#038;iv_load_policy=1&#038;fs=1&#038;"
        'hl=fr-FR&#038;autohide=2&#038;wmode=transparent" allowfullscreen="true" style="border:0;" '
        f'sandbox="allow-scripts allow-same-origin allow-popups allow-presentation" title="{_e(title)}">'
        "</iframe></span></p>"
    )


def body_html(post: Post, site: SiteContext) -> str:
    """The post body as WordPress stores it after wpautop: p, h2, h3, ul, ol, blockquote, table, iframe."""
    return "\n".join(part for part in (_block_html(b, post, site) for b in post.blocks) if part)


def _block_html(block: Block, post: Post, site: SiteContext) -> str:
    kind = block.kind
    if kind == "para":
        return f"<p>{inline_html(block.text, post, site)}</p>"
    if kind in ("h2", "h3"):
        return f"<{kind}>{inline_html(block.text, post, site)}</{kind}>"
    if kind in ("ul", "ol"):
        start = f' start="{block.start}"' if kind == "ol" and block.start != 1 else ""
        items = "\n".join(f"<li>{inline_html(item, post, site)}</li>" for item in block.items)
        return f"<{kind}{start}>\n{items}\n</{kind}>"
    if kind == "quote":
        paragraphs = "\n".join(f"<p>{inline_html(item, post, site)}</p>" for item in block.items)
        return f"<blockquote>\n{paragraphs}\n</blockquote>"
    if kind == "table":
        head = "".join(f"<th>{inline_html(cell, post, site)}</th>" for cell in block.rows[0])
        rows = "\n".join(
            "<tr>" + "".join(f"<td>{inline_html(cell, post, site)}</td>" for cell in row) + "</tr>"
            for row in block.rows[1:]
        )
        return f"<table>\n<thead>\n<tr>{head}</tr>\n</thead>\n<tbody>\n{rows}\n</tbody>\n</table>"
    if kind == "video":
        return _video(block.text)
    return ""


def excerpt(post: Post, length: int = 155) -> str:
    """The first paragraph's text, cut at a word boundary (meta description)."""
    for block in post.blocks:
        if block.kind == "para":
            text = " ".join(plain_text(block.text).split())
            if len(text) <= length:
                return text
            return text[:length].rsplit(" ", 1)[0] + "…"
    return post.title


# --- Page parts


def _menu(active_paths: set[str]) -> str:
    lines = ['<div class="menu-menu-principal-container"><ul id="menu-menu-principal" class="primary-menu">']
    number = 40
    for label, path, children in MENU:
        number += 1
        classes = ["menu-item", "menu-item-type-custom" if path == "/" else "menu-item-type-taxonomy"]
        child_paths = {child_path for _, child_path in children}
        if path != "/" and active_paths & ({path} | child_paths):
            classes.append("current-post-ancestor current-menu-parent")
        if children:
            classes.append("menu-item-has-children")
        classes.append(f"menu-item-{number}")
        item = f'<li id="menu-item-{number}" class="{" ".join(classes)}"><a href="{SITE_URL}{path}">{_e(label)}</a>'
        if children:
            item += '\n<ul class="sub-menu">'
            for child_label, child_path in children:
                number += 1
                item += (
                    f'\n\t<li id="menu-item-{number}" class="menu-item menu-item-type-taxonomy '
                    f'menu-item-{number}"><a href="{SITE_URL}{child_path}">{_e(child_label)}</a></li>'
                )
            item += "\n</ul>\n"
        lines.append(item + "</li>")
    lines.append("</ul></div>")
    return "\n".join(lines)


def _masthead(post: Post, site: SiteContext) -> str:
    active = {f"/category/{category_path(label, site.themes)}/" for label in post.categories}
    return fill("masthead", MENU=_menu(active))


def _share(post: Post, number: int) -> str:
    url = f"{SITE_URL}/{post.slug}/"
    items = []
    for key, label, title in (
        ("facebook", "Facebook", "Cliquez pour partager sur Facebook"),
        ("twitter", "Twitter", "Cliquez pour partager sur Twitter"),
        ("linkedin", "LinkedIn", "Cliquez pour partager sur LinkedIn"),
        ("email", "E-mail", "Cliquez pour envoyer par e-mail à un ami"),
    ):
        items.append(
            f'<li class="share-{key}"><a rel="nofollow noopener noreferrer" data-shared="sharing-{key}-{number}" '
            f'class="share-{key} sd-button share-icon" href="{url}?share={key}&amp;nb=1" target="_blank" '
            f'title="{title}"><span>{label}</span></a></li>'
        )
    like = f"152043871-{number}-5c2e8d41a7b3c"
    return (
        '<div class="sharedaddy sd-sharing-enabled"><div class="robots-nocontent sd-block sd-social '
        'sd-social-icon-text sd-sharing"><h3 class="sd-title">Partager :</h3><div class="sd-content"><ul>'
        + "".join(items)
        + '<li class="share-end"></li></ul></div></div></div>'
        "<div class='sharedaddy sd-block sd-like jetpack-likes-widget-wrapper jetpack-likes-widget-unloaded' "
        f"id='like-post-wrapper-{like}' data-src='https://widgets.wp.com/likes/#blog_id=152043871&amp;"
        f"post_id={number}&amp;origin=www.villesetterritoireslr.fr&amp;obj_id={like}' "
        f"data-name='like-post-frame-{like}'><h3 class=\"sd-title\">J’aime :</h3>"
        "<div class='likes-widget-placeholder post-likes-widget-placeholder' style='height: 55px;'>"
        "<span class='button'><span>J’aime</span></span> <span class=\"loading\">Chargement…</span></div>"
        "<span class='sd-text-color'></span><a class='sd-link-color'></a></div>"
    )


def _entry_footer(post: Post, site: SiteContext, number: int) -> str:
    avatar = hashlib.md5(post.author.encode("utf-8")).hexdigest()
    parts = [
        f'<span class="byline"><span class="author vcard"><img alt=\'\' src=\'https://secure.gravatar.com/avatar/'
        f"{avatar}?s=49&#038;d=mm&#038;r=g' class='avatar avatar-49 photo' height='49' width='49' />"
        '<span class="screen-reader-text">Auteur </span> '
        f'<a class="url fn n" href="{SITE_URL}/author/{slugify(post.author)}/">{_e(post.author)}</a></span></span>'
    ]
    if post.date and post.date_in_meta:
        parts.append(
            f'<span class="posted-on"><time class="entry-date published" datetime="{iso_paris(post.date)}">'
            f"{french_date(post.date)}</time></span>"
        )
    if post.categories:
        links = ", ".join(
            f'<a href="{SITE_URL}/category/{category_path(label, site.themes)}/" rel="category tag">{_e(label)}</a>'
            for label in post.categories
        )
        parts.append(f'<span class="cat-links"><span class="screen-reader-text">Catégories </span>{links}</span>')
    if post.tags:
        links = ", ".join(f'<a href="{SITE_URL}/tag/{slugify(tag)}/" rel="tag">{_e(tag)}</a>' for tag in post.tags)
        parts.append(f'<span class="tags-links"><span class="screen-reader-text">Étiquettes </span>{links}</span>')
    parts.append(
        f'<span class="edit-link"><a class="post-edit-link" href="{SITE_URL}/wp-admin/post.php?post={number}'
        f'&#038;action=edit">Modifier<span class="screen-reader-text"> « {_e(post.title)} »</span></a></span>'
    )
    return "\t\t" + "\n\t\t".join(parts)


def _navigation(post: Post, site: SiteContext) -> str:
    previous, following = site.neighbours(post)
    links = []
    for other, kind, rel, shown, spoken in (
        (previous, "previous", "prev", "Précédent", "Article précédent :"),
        (following, "next", "next", "Suivant", "Article suivant :"),
    ):
        if other is None:
            continue
        links.append(
            f'<div class="nav-{kind}"><a href="{SITE_URL}/{other.slug}/" rel="{rel}"><span class="meta-nav" '
            f'aria-hidden="true">{shown}</span> <span class="screen-reader-text">{spoken}</span> '
            f'<span class="post-title">{_e(other.title)}</span></a></div>'
        )
    if not links:
        return ""
    return (
        '\n\t<nav class="navigation post-navigation" role="navigation">\n\t\t<h2 class="screen-reader-text">'
        'Navigation de l’article</h2>\n\t\t<div class="nav-links">' + "".join(links) + "</div>\n\t</nav>"
    )


def _comment(post: Post, index: int, number: int) -> str:
    comment = post.comments[index - 1]
    url = f"{SITE_URL}/{post.slug}/"
    comment_id = number * 10 + index
    seed = zlib.crc32(f"{post.slug}:{index}".encode())
    hour, minute = 8 + seed % 11, seed % 60
    shown = f"{french_date(comment.date)} à {hour} h {minute:02d} min"
    # A page without machine-readable date (date_in_meta: no) has none in its comments either.
    when = (
        f'<time datetime="{iso_paris(comment.date, hour, minute)}">{shown}</time>'
        if post.date_in_meta
        else f"<time>{shown}</time>"
    )
    parity = "odd alt" if index % 2 else "even"
    avatar = hashlib.md5(comment.name.encode("utf-8")).hexdigest()
    return (
        f'\t\t<li id="comment-{comment_id}" class="comment {parity} thread-{parity.split()[0]} depth-1">\n'
        f'\t\t\t<article id="div-comment-{comment_id}" class="comment-body">\n'
        '\t\t\t\t<footer class="comment-meta">\n'
        '\t\t\t\t\t<div class="comment-author vcard">\n'
        f"\t\t\t\t\t\t<img alt='' src='https://secure.gravatar.com/avatar/{avatar}?s=42&#038;d=mm&#038;r=g' "
        "class='avatar avatar-42 photo' height='42' width='42' />"
        f'<b class="fn">{_e(comment.name)}</b> <span class="says">dit :</span>\n'
        "\t\t\t\t\t</div><!-- .comment-author -->\n"
        '\t\t\t\t\t<div class="comment-metadata">\n'
        f'\t\t\t\t\t\t<a href="{url}#comment-{comment_id}">{when}</a>\n'
        "\t\t\t\t\t</div><!-- .comment-metadata -->\n"
        "\t\t\t\t</footer><!-- .comment-meta -->\n"
        f'\t\t\t\t<div class="comment-content">\n\t\t\t\t\t<p>{_e(comment.text)}</p>\n\t\t\t\t</div>\n'
        f"\t\t\t\t<div class=\"reply\"><a rel='nofollow' class='comment-reply-link' "
        f"href='{url}?replytocom={comment_id}#respond' aria-label='Répondre à {_e(comment.name)}'>"
        "Répondre</a></div>\n"
        "\t\t\t</article><!-- .comment-body -->\n"
        "\t\t</li><!-- #comment-## -->"
    )


def _comments(post: Post, number: int) -> str:
    parts = ['<div id="comments" class="comments-area">']
    if post.comments:
        count = len(post.comments)
        heading = f"{count} réflexion{'s' if count > 1 else ''} sur « {_e(post.title)} »"
        parts.append(f'\n\t\t<h2 class="comments-title">\n\t\t\t{heading}\n\t\t</h2>\n\n\t\t<ol class="comment-list">')
        parts.extend(_comment(post, index, number) for index in range(1, count + 1))
        parts.append("\t\t</ol><!-- .comment-list -->")
    parts.append(fill("comment_form", SLUG=post.slug, POST_ID=str(number)))
    return "\n".join(parts)


def _sidebar(post: Post, site: SiteContext) -> str:
    recent = "\n".join(
        f'\t\t\t\t\t<li>\n\t\t\t\t\t<a href="{SITE_URL}/{p.slug}/">{_e(p.title)}</a>\n\t\t\t\t\t\t</li>'
        for p in site.recent(post)
    )
    categories = "\n".join(
        f'\t<li class="cat-item cat-item-{2 + _stable(path, 900)}"><a href="{SITE_URL}/category/{path}/" >'
        f"{_e(label)}</a>\n</li>"
        for path, label in site.categories
    )
    archives = "\n".join(
        f"\t<li><a href='{SITE_URL}/{year}/{month:02d}/'>{MONTHS_FR[month - 1]} {year}</a></li>"
        for year, month in site.archives
    )
    return fill("sidebar", RECENT=recent, CATEGORIES=categories, ARCHIVES=archives)


def _head(post: Post, number: int) -> str:
    url = f"{SITE_URL}/{post.slug}/"
    title = _e(post.title)
    description = _e(excerpt(post))
    lines = [
        "<!DOCTYPE html>",
        '<html lang="fr-FR" class="no-js">',
        "<head>",
        f'<meta charset="{_e(charset_label(post.declared_charset))}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<link rel="profile" href="http://gmpg.org/xfn/11">',
        f'<link rel="pingback" href="{SITE_URL}/xmlrpc.php">',
        "<script>(function(html){html.className = html.className.replace(/\\bno-js\\b/,'js')})"
        "(document.documentElement);</script>",
        f"<title>{title} – {SITE_NAME}</title>",
        "",
        "<!-- This site is optimized with the Yoast SEO plugin v8.1 - https://yoast.com/wordpress/plugins/seo/ -->",
        f'<meta name="description" content="{description}"/>',
    ]
    if post.tags:
        lines.append(f'<meta name="keywords" content="{_e(", ".join(post.tags))}"/>')
    lines += [
        f'<link rel="canonical" href="{url}" />',
        '<meta property="og:locale" content="fr_FR" />',
        '<meta property="og:type" content="article" />',
        f'<meta property="og:title" content="{title} – {SITE_NAME}" />',
        f'<meta property="og:description" content="{description}" />',
        f'<meta property="og:url" content="{url}" />',
        f'<meta property="og:site_name" content="{SITE_NAME}" />',
    ]
    lines += [f'<meta property="article:tag" content="{_e(tag)}" />' for tag in post.tags]
    if post.categories:
        lines.append(f'<meta property="article:section" content="{_e(post.categories[0])}" />')
    if post.date and post.date_in_meta:
        lines.append(f'<meta property="article:published_time" content="{iso_paris(post.date)}" />')
    lines += [
        '<meta name="twitter:card" content="summary_large_image" />',
        f'<meta name="twitter:description" content="{description}" />',
        f'<meta name="twitter:title" content="{title} – {SITE_NAME}" />',
        f"<script type='application/ld+json'>{_json_ld(post, url)}</script>",
        "<!-- / Yoast SEO plugin. -->",
        "",
        fill("head_assets"),
        f'<link rel="alternate" type="application/rss+xml" title="{SITE_NAME} &raquo; {title} Flux des '
        f'commentaires" href="{url}feed/" />',
        f"<link rel='shortlink' href='{SITE_URL}/?p={number}' />",
        "</head>",
    ]
    return "\n".join(lines)


def _json_ld(post: Post, url: str) -> str:
    """Schema.org data: headline and url only when the page has no machine-readable date."""
    data: dict[str, object] = {"@context": "https://schema.org", "@type": "Article", "headline": post.title}
    data["url"] = url
    if post.date and post.date_in_meta:
        data["datePublished"] = iso_paris(post.date)
        data["author"] = {"@type": "Organization", "name": post.author}
        data["publisher"] = {"@type": "Organization", "name": SITE_NAME, "url": SITE_URL + "/"}
    # ASCII only (\u escapes): the block survives any page encoding; "</" cannot close the script.
    return json.dumps(data, ensure_ascii=True).replace("</", "<\\/")


def render_post(post: Post, site: SiteContext) -> bytes:
    """The full HTML page of a post, encoded in its `encoding` (missing characters as &#N; references)."""
    number = site.ids[post.slug]
    classes = [f"post-{number}", "post", "type-post", "status-publish", "format-standard", "hentry"]
    classes += [f"category-{category_path(label, site.themes).rsplit('/', 1)[-1]}" for label in post.categories]
    classes += [f"tag-{slugify(tag)}" for tag in post.tags]
    body_classes = (
        f"post-template-default single single-post postid-{number} single-format-standard logged-in admin-bar "
        "no-customize-support group-blog"
    )
    page = fill(
        "page",
        HEAD=_head(post, number),
        BODY_CLASSES=body_classes,
        ADMIN_BAR=fill("admin_bar", POST_ID=str(number)),
        MASTHEAD=_masthead(post, site),
        POST_ID=str(number),
        ARTICLE_CLASSES=" ".join(classes),
        TITLE=_e(post.title),
        CONTENT=body_html(post, site),
        SHARE=_share(post, number),
        ENTRY_FOOTER=_entry_footer(post, site, number),
        NAVIGATION=_navigation(post, site),
        COMMENTS=_comments(post, number),
        SIDEBAR=_sidebar(post, site),
        COLOPHON=fill("colophon"),
        FOOTER_SCRIPTS=fill("footer_scripts", POST_ID=str(number)),
    )
    return (page + "\n").encode(ENCODINGS[post.encoding], errors="xmlcharrefreplace")
