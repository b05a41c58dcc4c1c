"""Pangea markup for replica pages: the page frame, article pages and their AMP copies.

Classes and structure follow a real Pangea page (``h1.pg-title``, ``.category a``,
``time[pubdate]``, ``.links__item-link``, ``.cover-media figure``, ``#article-content .wsw``,
``div.wsw__embed``, ``.c-mmp``, ``.media-block-wrap``); the noise a variant asks for (see
``generator.py``) is added here, never to the model.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from html import escape
from urllib.parse import quote

from newscrawl.replica import text
from newscrawl.replica.model import Article, Block, Embed, Entry, Figure, Image, Inline, Piece
from newscrawl.sites import Site

SITE_NAME = "美国之音中文网"
LOGO = "/Content/responsive/VOA/zh-CN/img/top_logo_news.png"  # og:image of pages without an image
OFFSETS = {"offset_plus8": timedelta(hours=8), "offset_minus5": timedelta(hours=-5)}
_LATIN_SPACE = re.compile(r"(?<=[A-Za-z]) (?=[A-Za-z])")
_ATTRIBUTION_START = "(本文依据了"


def attr(value: str) -> str:
    return escape(value, quote=True)


def author_path(name: str) -> str:
    slugs = dict((*text.AUTHORS, text.ORGANIZATION))
    slug = slugs.get(name, "voa")
    return f"/author/{slug}/{slug[:2]}{len(slug)}q"


# --- The frame every HTML page shares ----------------------------------------------------------


def page(site: Site, title: str, body: str, *, head: str = "", body_class: str = "pg-section",
         sections: dict[str, str], breaking: Entry | None = None, tail: str = "") -> str:
    """A whole HTML page: head, header navigation, breaking-news banner, content, footer."""
    return f"""<!DOCTYPE html>
<html lang="{site.language}" dir="{site.direction}" class="no-js">
<head>
<meta charset="utf-8" />
<title>{escape(title)} </title>
<meta name="viewport" content="width=device-width, initial-scale=1.0" />
<meta http-equiv="X-UA-Compatible" content="IE=edge" />
{head}
<link rel="alternate" type="application/rss+xml" title="{SITE_NAME} - 首页" href="{site.feeds[0] if site.feeds else '/api/'}" />
<link rel="icon" type="image/svg+xml" href="/Content/responsive/VOA/img/webApp/favicon.svg" />
<script type="text/javascript">document.documentElement.className = "js"; var appBaseUrl = "/";</script>
</head>
<body class=" nav-no-loaded cc_theme {body_class} print-lay-article js-category-to-nav nojs-images ">
<div dir="{site.direction}">
<div id="page">
{_header(sections)}
{_breaking(breaking)}
<div id="content">
{body}
</div>
{_footer(sections)}
</div>
</div>
{tail}</body>
</html>
"""


def _header(sections: dict[str, str]) -> str:
    items = "\n".join(
        f'<li class="main-nav__item"><a class="main-nav__item-name main-nav__item-name--link" '
        f'href="{path}" title="{attr(name)}">{escape(name)}</a></li>'
        for path, name in sections.items()
    )
    return f"""<div class="hdr-20 hdr-20--big">
<div class="hdr-20__inner">
<div class="hdr-20__max pos-rel">
<nav class="main-nav menu-pnl__item menu-pnl__item--first">
<ul class="main-nav__list accordeon">
<li class="main-nav__item"><a class="main-nav__item-name main-nav__item-name--link" href="/" title="首页">首页</a></li>
{items}
</ul>
</nav>
<form action="/s" class="srch-top__form" id="form-topSearch" method="get" role="search"><label for="txtHeaderSearch" class="sr-only">搜索</label>
<input type="text" id="txtHeaderSearch" name="k" placeholder="搜索..." value="" class="srch-top__input" /></form>
<a href="/" class="main-logo-link"><img src="/Content/responsive/VOA/zh-CN/img/logo.svg" class="main-logo main-logo--big" alt="site logo"></a>
</div>
</div>
</div>"""


def _breaking(entry: Entry | None) -> str:
    items = (
        f'<li class="c-hlights__item"><a href="{entry.path}" title="{attr(entry.title)}">{escape(entry.title)}</a></li>'
        if entry else ""
    )
    return f"""<div class="c-hlights c-hlights--breaking" data-hlight-display="mobile,desktop">
<div class="c-hlights__wrap container p-0">
<span class="c-hlights__label"><span class="">突发新闻</span></span>
<ul class="c-hlights__items switcher-target">
{items}
</ul>
</div>
</div>"""


def _footer(sections: dict[str, str]) -> str:
    links = "\n".join(
        f'<li class="subitem"><a class="handler" href="{path}" title="{attr(name)}">{escape(name)}</a></li>'
        for path, name in sections.items()
    )
    return f"""<footer role="contentinfo">
<div id="foot" class="foot">
<div class="container">
<ul class="subitems">
{links}
<li class="subitem"><a class="handler" href="/rssfeeds" title="RSS">RSS</a></li>
<li class="subitem"><a class="handler" href="/p/5338.html" title="使用条款与隐私">使用条款与隐私</a></li>
</ul>
<p class="copyright">{SITE_NAME} 版权所有</p>
</div>
</div>
</footer>"""


# --- Article pages -------------------------------------------------------------------------------


def article_page(article: Article, site: Site, *, sections: dict[str, str], related: list[Entry],
                 breaking: Entry | None) -> str:
    entry = article.entry
    broken = "broken_markup" in article.variants
    body = f"""<div class="container">
<div class="hdr-container">
<div class="row">
<div class="col-category col-xs-12 col-md-2 pull-left"> <div class="category js-category">
<a class="" href="{entry.section_id}">{escape(article.section)}</a> </div>
</div><div class="col-title col-xs-12 col-md-10 pull-right"> <h1 class="title pg-title" >
{escape(entry.title)}
</h1>
</div><div class="col-publishing-details col-xs-12 col-sm-12 col-md-2 pull-left"> <div class="publishing-details ">
{_published(article)}
{_bylines(article)}
</div>
</div><div class="col-multimedia col-xs-12 col-md-10 pull-right"> <div class="cover-media">
{_cover(article)}
</div>
</div>{_share(site.url(entry.path), entry.title)}
</div>
</div>
</div>
<div class="body-container">
<div class="row">
<div class="col-xs-12 col-sm-12 col-md-10 col-lg-10 pull-right">
<div class="row">
<div class="col-xs-12 col-sm-12 col-md-8 col-lg-8 pull-left bottom-offset content-offset">
{_container(article)}
{_scripted_body(article) if "scripted" in article.variants else _body(article)}
</div>
</div>
</div>
<div class="col-xs-12 col-sm-12 col-md-4 col-lg-4 pull-left design-top-offset">{_related(related)}</div>
</div>
</div>
</div>
</div>"""
    return page(site, entry.title, body, head=_article_head(article, site), sections=sections,
                body_class=f"pg-{entry.kind}", breaking=breaking, tail="</div>\n" if broken else "")


# The body's container: the current template's, else an older template's (its variant).
_CONTAINERS = {
    "legacy_wysiwyg": '<div class="articleContent">\n<div class="wysiwyg">',
    "legacy_article_text": '<div class="article-content-wrap">\n<div class="article__text">',
}
CURRENT_CONTAINER = '<div id="article-content" class="content-floated-wrap fb-quotable">\n<div class="wsw">'


def _container(article: Article) -> str:
    return next((_CONTAINERS[v] for v in sorted(article.variants & _CONTAINERS.keys())), CURRENT_CONTAINER)


def _article_head(article: Article, site: Site) -> str:
    entry = article.entry
    url = site.url(entry.path)
    summary = entry.summary
    image = entry.cover.url if article.has_cover else site.url(LOGO)
    metas = [
        f'<meta name="description" content="{attr(summary)}" />' if summary else "",
        f'<meta name="keywords" content="{attr(article.keywords)}" />',
        f'<meta name="news_keywords" content="{attr(article.keywords)}" />',
        f'<link href="{url}" rel="canonical" />',
        f'<meta content="{attr(entry.title)}" property="og:title" />',
        f'<meta content="{attr(summary)}" property="og:description" />' if summary else "",
        f'<meta content="{"video.other" if entry.kind == "video" else "article"}" property="og:type" />',
        f'<meta content="{url}" property="og:url" />',
        f'<meta content="{SITE_NAME}" property="og:site_name" />',
        f'<meta content="{image}" property="og:image" />',
        f'<meta content="{attr(", ".join(article.authors))}" name="Author" />' if article.authors else "",
        f'<meta content="{image}" name="twitter:image" />',
        "" if "scripted" in article.variants else f'<link rel="amphtml" href="{site.url(entry.amp_path)}" />',
        _json_ld(article, site) if "jsonld" in article.variants else "",
    ]
    return "\n".join(m for m in metas if m)


def pangea_time(moment: datetime) -> str:
    """JSON-LD's date form: ``2025-02-18 07:27:23Z``."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")


def _json_ld(article: Article, site: Site) -> str:
    entry = article.entry
    url = site.url(entry.path)
    data: dict = {
        "articleSection": article.section,
        "headline": entry.title,
        "inLanguage": site.language,
        "keywords": article.keywords,
    }
    authors = [
        {"@type": article.author_type, "url": site.url(author_path(name)), "description": "", "name": name}
        for name in article.authors
    ]
    if authors:
        data["author"] = authors if len(authors) > 1 else authors[0]
    data |= {
        "datePublished": pangea_time(entry.published),
        "dateModified": pangea_time(entry.updated or entry.published),
        "publisher": {"@type": "NewsMediaOrganization", "url": site.origin, "name": SITE_NAME},
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": url,
        "url": url,
    }
    if entry.summary:
        data["description"] = entry.summary
    image = entry.cover.rendition("w1080_h608") if article.has_cover else site.url(LOGO)
    data["image"] = {"width": 1080, "height": 608, "@type": "ImageObject", "url": image}
    data["name"] = entry.title
    as_json = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    return f'<script type="application/ld+json">{as_json}</script>'


def _published(article: Article) -> str:
    offset = next((OFFSETS[v] for v in OFFSETS if v in article.variants), OFFSETS["offset_plus8"])
    local = article.entry.published.astimezone(timezone(offset))
    shown = f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
    return f"""<div class="published">
<span class="date" >
<time pubdate="pubdate" datetime="{local.isoformat()}">
{shown}
</time>
</span>
</div>"""


def _bylines(article: Article) -> str:
    if not article.authors:
        return ""
    items = "\n".join(
        f'<li class="links__item">\n<a class="links__item-link" href="{author_path(name)}" title="{attr(name)}">'
        f"{escape(name)}</a>\n</li>"
        for name in article.authors
    )
    return f'<div class="links">\n<ul class="links__list links__list--column">\n{items}\n</ul>\n</div>'


def _cover(article: Article) -> str:
    entry = article.entry
    if article.media:
        media = article.media[0]
        return player(media.url, media.type, entry.title, entry.cover, entry.article_id, detail=True)
    if not article.has_cover:
        return ""
    caption = escape(entry.cover.caption)
    return f"""<figure class="media-image js-media-expand">
<div class="img-wrap">
<div class="thumb thumb16_9">
<img src="{entry.cover.rendition('w1080_h608')}" alt="{attr(entry.cover.caption)}" />
</div>
<span class="ico ico-fullscreen ico--media-expand ico--rounded"></span>
</div>
<figcaption>
<span class="caption" data-cms-inline-wrap="caption" data-cms-inline-text="">{caption}</span>
</figcaption>
</figure>"""


def player(url: str, kind: str, title: str, poster: Image, article_id: str, *, detail: bool = False) -> str:
    """A Pangea media player (``div.c-mmp``): a poster, the media element, a pop-out link."""
    element = (
        f'<video src="{url}" data-fallbacksrc="{url}" data-type="video/mp4" data-info="720p" '
        f'title="{attr(title)}" playsinline="playsinline" preload="none"></video>'
        if kind == "video"
        else f'<audio src="{url}" data-type="audio/mp3" data-info="128kbps" title="{attr(title)}" preload="none"></audio>'
    )
    return f"""<div class="c-mmp c-mmp--enabled c-mmp--loading c-mmp--{kind} {'c-mmp--detail' if detail else 'c-mmp--regular'} js-media-expand" data-player_id="" data-hide-title="False" data-hlsjs-src="/Scripts/responsive/hls.b">
<div class="c-spinner"><img src="/Content/responsive/img/player-spinner.png" alt="please wait" title="please wait" /></div>
<div class="c-mmp__poster js-poster c-mmp__poster--{kind}"><img src="{poster.rendition('w250_r1')}" alt="{attr(title)}" title="{attr(title)}" class="c-mmp__poster-image-h" /></div>
<a class="c-mmp__fallback-link" href="{url}"><span class="c-mmp__fallback-link-icon"><span class="ico ico-play"></span></span></a>
<div class="c-mmp__player">{element}</div>
<div class="c-mmp__overlay c-mmp__overlay--title js-c-mmp__title-overlay"><span class="c-mmp__overlay-actions js-overlay-actions"><a class="c-mmp__overlay-link c-mmp__overlay-link--popout js-popout" href="/pp/{article_id}/ppt0.html" target="_blank" title="pop-out player"><span class="ico ico-pop-out"></span><span class="c-mmp__overlay-link-text">pop-out player</span></a></span></div>
<div class="c-mmp__cpt-wrap"><span class="c-mmp__cpt">{escape(title)}</span></div>
</div>"""


def _share(url: str, title: str) -> str:
    encoded = quote(url, safe="")
    return f"""<div class="col-xs-12 col-md-2 pull-left article-share pos-rel"> <div class="share--box">
<aside class="share flex-column js-share--apply-sticky js-share--expandable js-share--horizontal">
<span class="label label--share">分享</span>
<ul class="share__list">
<li class="share__item"><a href="https://facebook.com/sharer.php?u={encoded}" title="分享到脸书" target="_blank" class="btn btn--rounded btn-facebook js-social-btn"><span class="ico ico--rounded ico-facebook ico--l"></span></a></li>
<li class="share__item"><a href="https://twitter.com/share?url={encoded}&amp;text={quote(title)}" title="分享到推特" target="_blank" class="btn btn--rounded btn-twitter js-social-btn"><span class="ico ico--rounded ico-twitter ico--l"></span></a></li>
<li class="share__item"><a href="mailto:?body={encoded}&amp;subject={attr(title)}" title="电邮给朋友" class="btn btn--rounded btn-email "><span class="ico ico--rounded ico-email ico--l"></span></a></li>
</ul>
</aside>
</div>
</div>"""


def _related(entries: list[Entry]) -> str:
    items = "\n".join(media_block(entry, entry_path(entry), size=4, date=None) for entry in entries)
    return f"""<div class="media-block-wrap">
<h2 class="section-head">相关内容</h2>
<div class="row">
<ul>
{items}
</ul>
</div>
</div>"""


def entry_path(entry: Entry) -> str:
    """The path pages link an article by: its old slug when it has one (so the crawl meets it)."""
    return f"/a/{entry.old_slug}/{entry.article_id}.html" if entry.old_slug else entry.path


def media_block(entry: Entry, href: str, *, size: int, date: str | None) -> str:
    """One teaser, as listings and related blocks show it: thumbnail, date, title."""
    thumb = entry.cover
    shown = f'<span class="date">{date}</span>\n' if date else ""
    return f"""<li class="col-xs-12 col-sm-6 col-md-12 col-lg-12 mb-grid">
<div class="media-block ">
<a href="{attr(href)}" class="img-wrap img-wrap--t-spac img-wrap--size-{size} img-wrap--float" title="{attr(entry.title)}">
<div class="thumb thumb16_9">
<noscript class="nojs-img">
<img src="{thumb.rendition('w100_r1')}" alt="{attr(thumb.caption)}" />
</noscript>
<img data-src="{thumb.rendition('w250_r1_s')}" src="" alt="{attr(thumb.caption)}" class=""/>
</div>
</a>
<div class="media-block__content media-block__content--h">
{shown}<a href="{attr(href)}">
<h4 class="media-block__title media-block__title--size-{size}" title="{attr(entry.title)}">
{escape(entry.title)}
</h4>
</a>
</div>
</div>
</li>"""


# --- The body -------------------------------------------------------------------------------------


class _Noise:
    """How a variant disturbs the body's text in the page (never in the truth)."""

    def __init__(self, variants: frozenset[str]):
        self.entities = "entities" in variants
        self.zero_width = "zero_width" in variants
        self.indent = "indent" in variants
        self.broken = "broken_markup" in variants
        self.loose = "br_paragraphs" in variants

    def text(self, value: str, position: int) -> str:
        escaped = escape(value, quote=self.entities)
        if self.entities:
            escaped = _LATIN_SPACE.sub("&nbsp;", escaped)
        if self.zero_width and position % 2:
            escaped = escaped.replace("，", "，\u200b", 1)
        return escaped

    def opening(self, block: Block, position: int) -> str:
        prefix = "\u3000\u3000" if self.indent and block.type == "p" else ""
        return ("\ufeff" if self.zero_width and position == 0 else "") + prefix


def _body(article: Article) -> str:
    spacer = "\n<p>&nbsp;</p>\n" if "spacers" in article.variants else "\n"
    return spacer.join(_body_parts(article))


def _scripted_body(article: Article) -> str:
    """The ``scripted`` variant: an inline script writes the body's parts (the live blog's
    entries) after itself; only a browser sees them. The live blog also has a noscript notice."""
    spacer = "\n<p>&nbsp;</p>\n" if "spacers" in article.variants else "\n"
    data = ", ".join(json.dumps(value, ensure_ascii=False).replace("</", "<\\/") for value in (_body_parts(article), spacer))
    notice = "<noscript><p>请开启浏览器的JavaScript以阅读本页。</p></noscript>\n" if article.entry.kind == "live" else ""
    return (f"{notice}<script>(function (parts, spacer) {{ document.currentScript.insertAdjacentHTML("
            f'"afterend", parts.join(spacer)); }})({data});</script>')


def _body_parts(article: Article) -> list[str]:
    noise = _Noise(article.variants)
    parts = [f'<span class="dateline">{escape(article.dateline)} —&nbsp;</span>'] if article.dateline else []
    paragraphs = 0
    for group in _grouped(article.body):
        if isinstance(group, list):
            parts.append(_list(group, noise))
        elif isinstance(group, Block):
            parts.append(_block(group, noise, paragraphs))
            paragraphs += group.type == "p"
        else:
            parts.append(embed(group, article.entry.article_id))
    return parts


def _grouped(pieces: tuple[Piece, ...]) -> list[Piece | list[Block]]:
    """Pieces in page order, consecutive ``li`` blocks gathered into one list."""
    groups: list[Piece | list[Block]] = []
    for piece in pieces:
        if isinstance(piece, Block) and piece.type == "li":
            if groups and isinstance(groups[-1], list) and groups[-1][0].ordered == piece.ordered:
                groups[-1].append(piece)
                continue
            groups.append([piece])
        else:
            groups.append(piece)
    return groups


def _inner(block: Block, noise: _Noise, position: int) -> str:
    html = noise.opening(block, position)
    for inline in block.inlines:
        html += _inline(inline, noise, position)
    return html


def _inline(inline: Inline, noise: _Noise, position: int) -> str:
    if inline.tag is None:
        return noise.text(inline.text, position)
    if inline.tag == "br":
        return "<br />"
    if inline.tag == "a":
        return f'<a href="{attr(inline.href or "")}" target="_blank">{escape(inline.text)}</a>'
    return f"<{inline.tag}>{escape(inline.text)}</{inline.tag}>"


def _block(block: Block, noise: _Noise, position: int) -> str:
    inner = _inner(block, noise, position)
    if block.type == "p" and noise.loose:
        return f"{inner}\n<br />\n<br />"
    if block.type == "p":
        stray = "</span>" if noise.broken and position == 0 else ""
        closing = "" if noise.broken and position == 1 else "</p>"
        return f"<p>{inner}{stray}{closing}"
    if block.type in ("h2", "h3"):
        return f'<{block.type} class="wsw__{block.type}">{inner}</{block.type}>'
    return f"<{block.type}>{inner}</{block.type}>"


def _list(items: list[Block], noise: _Noise) -> str:
    tag = "ol" if items[0].ordered else "ul"
    lines = "\n".join(f"<li>{_inner(item, noise, 0)}</li>" for item in items)
    return f"<{tag}>\n{lines}\n</{tag}>"


def embed(piece: Figure | Embed, article_id: str) -> str:
    if isinstance(piece, Figure):
        inner = figure(piece.image, "w650_r1_s" if piece.image.caption else "w250_r0_s")
    elif piece.kind == "player":
        inner = player(piece.url, "video", piece.title, piece.image or Image(""), article_id)
    elif piece.kind == "promo":
        inner = _promo(piece)
    else:
        inner = _WIDGET
    return f'<div class="wsw__embed">\n{inner}\n</div>'


def figure(image: Image, rendition: str) -> str:
    caption = (
        f'<figcaption>\n<span class="caption">{escape(image.caption)}</span>\n</figcaption>\n' if image.caption else ""
    )
    return f"""<figure class="media-image js-media-expand">
<div class="img-wrap">
<div class="thumb">
<img alt="{attr(image.caption)}" src="{image.rendition(rendition)}" />
</div>
<span class="ico ico-fullscreen ico--media-expand ico--rounded"></span>
</div>
{caption}</figure>"""


def _promo(piece: Embed) -> str:
    thumb = piece.image.rendition("w100_r1") if piece.image else ""
    return f"""<div class="media-block also-read">
<a href="{attr(piece.url)}" title="{attr(piece.title)}" class="img-wrap img-wrap--xs img-wrap--float">
<div class="thumb thumb16_9"><img src="{thumb}" alt="{attr(piece.title)}" /></div>
</a>
<div class="media-block__content media-block__content--h">
<span class="also-read__text--label">另见：</span>
<a href="{attr(piece.url)}"><h4 class="media-block__title media-block__title--size-4" title="{attr(piece.title)}">{escape(piece.title)}</h4></a>
</div>
</div>"""


_WIDGET = """<div class="wsw__embed-widget infgraphicsAttach" data-widget="infographics">
<script type="text/javascript">window.infgx = window.infgx || [];</script>
<noscript>请启用JavaScript以查看互动图表。</noscript>
<div class="c-widget__title">互动图表：各地数据一览</div>
</div>"""


# --- AMP copies -----------------------------------------------------------------------------------


def amp_page(article: Article, site: Site) -> str:
    entry = article.entry
    cover = (
        f'<figure class="media-image"><div class="thumb"><amp-img src="{entry.cover.rendition("w1080_h608")}" '
        f'width="1080" height="608" layout="responsive" alt="{attr(entry.cover.caption)}"></amp-img></div>'
        f'<figcaption><span class="caption">{escape(entry.cover.caption)}</span></figcaption></figure>'
        if article.has_cover else ""
    )
    return f"""<!doctype html>
<html amp lang="{site.language}">
<head>
<meta charset="utf-8" />
<title>{escape(entry.title)}</title>
<link rel="canonical" href="{site.url(entry.path)}" />
<meta name="viewport" content="width=device-width,minimum-scale=1,initial-scale=1" />
<script async src="https://cdn.ampproject.org/v0.js"></script>
<style amp-boilerplate>body{{visibility:hidden}}</style>
</head>
<body class="pg-{entry.kind} amp">
<header class="amp-header"><a href="{site.origin}/">{SITE_NAME}</a></header>
<article>
<div class="category"><a href="{entry.section_id}">{escape(article.section)}</a></div>
<h1 class="title pg-title">{escape(entry.title)}</h1>
<time datetime="{entry.published.isoformat()}">{pangea_time(entry.published)}</time>
{cover}
<div class="wsw">
{_body(replace(article, variants=frozenset()))}
</div>
</article>
</body>
</html>
"""
