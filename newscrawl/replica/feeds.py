"""Machine-readable sources of the replica: RSS 2.0 feeds, sitemaps, robots.txt."""

from __future__ import annotations

import gzip
from datetime import datetime, timezone
from email.utils import format_datetime
from xml.sax.saxutils import escape

from newscrawl.replica.markup import SITE_NAME
from newscrawl.replica.model import Entry, iso_z
from newscrawl.sites import Site

SITEMAP_SIZE = 1000
NEWS_SITEMAP = "/sitemap_news.xml"
_SITEMAP_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def rfc822(moment: datetime) -> str:
    """
    >>> rfc822(datetime(2025, 2, 18, 7, 27, 23, tzinfo=timezone.utc))
    'Tue, 18 Feb 2025 07:27:23 +0000'
    """
    return format_datetime(moment.astimezone(timezone.utc)).replace("-0000", "+0000")


def rss(site: Site, title: str, entries: list[tuple[Entry, str]], built: datetime) -> bytes:
    """An RSS 2.0 feed of (entry, section name) pairs, newest first."""
    items = "\n".join(_rss_item(site, entry, section) for entry, section in entries)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>{escape(title)}</title>
<link>{site.origin}/</link>
<description>{escape(SITE_NAME)}</description>
<language>{site.language.lower()}</language>
<lastBuildDate>{rfc822(built)}</lastBuildDate>
<image><url>{site.origin}/Content/responsive/VOA/zh-CN/img/logo.png</url><title>{escape(title)}</title><link>{site.origin}/</link></image>
{items}
</channel>
</rss>
""".encode()


def _rss_item(site: Site, entry: Entry, section: str) -> str:
    url = site.url(entry.path)
    return f"""<item>
<title>{escape(entry.title)}</title>
<description><![CDATA[ {entry.summary} ]]></description>
<link>{url}</link>
<guid>{url}</guid>
<pubDate>{rfc822(entry.published)}</pubDate>
<category>{escape(section)}</category>
<enclosure url="{entry.cover.rendition('w800_h450')}" length="0" type="image/jpeg" />
</item>"""


def sitemap_index(site: Site, children: int) -> bytes:
    """The index: every gzip child (``/sitemap_<n>.xml.gz``) and the news sitemap.

    No lastmod: a child's would have to be the latest of its thousand entries.
    """
    entries = [f"<sitemap><loc>{site.url(f'/sitemap_{n}.xml.gz')}</loc></sitemap>" for n in range(1, children + 1)]
    entries.append(f"<sitemap><loc>{site.url(NEWS_SITEMAP)}</loc></sitemap>")
    return _xml(f"<sitemapindex {_SITEMAP_NS}>\n" + "\n".join(entries) + "\n</sitemapindex>")


def sitemap(site: Site, entries: list[Entry]) -> bytes:
    """One gzip child sitemap: url and lastmod (updated, else published) of each entry."""
    urls = "\n".join(
        f"<url><loc>{site.url(e.path)}</loc><lastmod>{iso_z(e.lastmod)}</lastmod></url>" for e in entries
    )
    return gzip.compress(_xml(f"<urlset {_SITEMAP_NS}>\n{urls}\n</urlset>"), mtime=0)


def news_sitemap(site: Site, entries: list[Entry]) -> bytes:
    urls = "\n".join(
        f"""<url><loc>{site.url(e.path)}</loc><news:news><news:publication><news:name>{SITE_NAME}</news:name>\
<news:language>{site.language.lower()}</news:language></news:publication><news:publication_date>{iso_z(e.published)}\
</news:publication_date><news:title>{escape(e.title)}</news:title></news:news></url>"""
        for e in entries
    )
    namespaces = f'{_SITEMAP_NS} xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'
    return _xml(f"<urlset {namespaces}>\n{urls}\n</urlset>")


def robots(site: Site) -> bytes:
    return f"""User-agent: *
Disallow: /s?
Disallow: /s/
Disallow: /*.ashx

Sitemap: {site.url('/sitemap.xml')}
""".encode()


def _xml(document: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + document + "\n").encode()
