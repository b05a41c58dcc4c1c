"""The replica's HTML pages other than articles: home, section listings, author and programme
pages, the feed directory and the not-found page."""

from __future__ import annotations

from html import escape

from newscrawl.replica.languages import for_language
from newscrawl.replica.markup import SITE_NAME, attr, author_path, entry_path, media_block, page
from newscrawl.replica.model import Entry
from newscrawl.replica.text import AUTHORS
from newscrawl.sites import Site

PAGE_SIZE = 20
TRACKING = "?utm_source=nthlink&utm_medium=proxy&utm_campaign=persagg&utm_content=image"
PROGRAMMES = {"5338": "使用条款与隐私", "7800": "焦点对话"}


def _teasers(site: Site, entries: list[Entry], *, tracked_every: int = 0) -> str:
    printed_day = for_language(site.language).printed_day
    items = []
    for i, entry in enumerate(entries):
        href = entry.path + (TRACKING if tracked_every and i % tracked_every == 1 else "")
        items.append(media_block(entry, href, size=3, date=printed_day(entry.published)))
    return '<div class="media-block-wrap">\n<div class="row">\n<ul>\n' + "\n".join(items) + "\n</ul>\n</div>\n</div>"


def home(site: Site, sections: dict[str, str], latest: list[Entry], old_slugged: list[Entry]) -> str:
    """The front page: sections, feeds, sitemap, the latest articles (some through tracking
    links), a few AMP copies, old-slug links, an author page and a programme page."""
    amp = "\n".join(f'<li><a href="{site.url(e.amp_path)}">{escape(e.title)}</a></li>' for e in latest[:3])
    older = "\n".join(f'<li><a href="{entry_path(e)}">{escape(e.title)}</a></li>' for e in old_slugged)
    name, slug = AUTHORS[0]
    programme, title = next(iter(PROGRAMMES.items()))
    body = f"""<div class="container">
<h1 class="section-head">{SITE_NAME}</h1>
{_teasers(site, latest, tracked_every=3)}
<div class="media-block-wrap"><h2 class="section-head">AMP</h2><ul>
{amp}
</ul></div>
<div class="media-block-wrap"><h2 class="section-head">回顾</h2><ul>
{older}
</ul></div>
<ul class="links">
<li><a href="{author_path(name)}">{escape(name)}</a></li>
<li><a href="/p/{programme}.html">{escape(title)}</a></li>
<li><a href="/rssfeeds">RSS</a></li>
<li><a href="{site.url('/sitemap.xml')}">网站地图</a></li>
</ul>
</div>"""
    head = "\n".join(
        f'<link rel="alternate" type="application/rss+xml" href="{feed}" />' for feed in site.feeds[1:]
    )
    return page(site, SITE_NAME, body, head=head, body_class="pg-index", sections=sections,
                breaking=latest[0] if latest else None)


def listing(site: Site, sections: dict[str, str], section_id: str, entries: list[Entry], number: int,
            more: bool) -> str:
    """One page of a section listing, newest first, with the "load more" link while more exist."""
    load_more = (
        f'<p class="buttons btn--load-more"><a class="btn link-showMore btn__text" data-ajax="true" '
        f'href="{section_id}?p={number + 1}" title="加载更多">加载更多</a></p>'
        if more else ""
    )
    body = f"""<div class="container">
<h1 class="section-head pg-title">{escape(sections[section_id])}</h1>
{_teasers(site, entries)}
{load_more}
</div>"""
    title = f"{sections[section_id]} - {SITE_NAME}"
    return page(site, title, body, sections=sections, head=_canonical(site, section_id, number))


def _canonical(site: Site, path: str, number: int) -> str:
    return f'<link href="{site.url(path)}{f"?p={number}" if number else ""}" rel="canonical" />'


def author(site: Site, sections: dict[str, str], name: str, entries: list[Entry]) -> str:
    body = f'<div class="container">\n<h1 class="pg-title">{escape(name)}</h1>\n{_teasers(site, entries)}\n</div>'
    return page(site, f"{name} - {SITE_NAME}", body, sections=sections, body_class="pg-author")


def programme(site: Site, sections: dict[str, str], title: str, entries: list[Entry]) -> str:
    body = f'<div class="container">\n<h1 class="pg-title">{escape(title)}</h1>\n{_teasers(site, entries)}\n</div>'
    return page(site, f"{title} - {SITE_NAME}", body, sections=sections, body_class="pg-programme")


def feed_directory(site: Site, sections: dict[str, str], feeds: dict[str, str]) -> str:
    items = "\n".join(
        f'<li class="subscribe__item"><a href="{attr(site.url(path))}">{escape(title)}</a></li>'
        for path, title in feeds.items()
    )
    body = f'<div class="container">\n<h1 class="pg-title">RSS</h1>\n<ul class="subscribe">\n{items}\n</ul>\n</div>'
    return page(site, f"RSS - {SITE_NAME}", body, sections=sections, body_class="pg-rss")


def not_found(site: Site, sections: dict[str, str]) -> str:
    body = '<div class="container">\n<h1 class="pg-title">404</h1>\n<p>您要找的页面不存在。</p>\n</div>'
    return page(site, f"404 - {SITE_NAME}", body, sections=sections, body_class="pg-error")
