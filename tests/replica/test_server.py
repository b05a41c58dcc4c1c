"""The replica served over HTTP on 127.0.0.1: sources cover every article, failure cases behave."""

from __future__ import annotations

import gzip
import io
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter

import pytest
from lxml import etree
from PIL import Image

from newscrawl.replica import ReplicaSite, serve
from newscrawl.urls import article_id
from tests.crawling import REPO, SEED_DOCUMENT

SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the Location is on the real host: never follow it off loopback


_opener = urllib.request.build_opener(_NoRedirect)


@pytest.fixture(scope="module")
def served():
    site = ReplicaSite(size=45, seed=3, seed_documents=(SEED_DOCUMENT,))
    with serve(site) as server:
        yield site, server.base_url


def fetch(base_url: str, path: str) -> tuple[int, dict, bytes]:
    try:
        with _opener.open(base_url + path, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def get(base_url: str, path: str) -> bytes:
    status, _, body = fetch(base_url, path)
    assert status == 200, path
    return body


def linked_ids(*pages: bytes) -> Counter:
    """Article ids of every article URL in the given documents (one count per document)."""
    found: Counter = Counter()
    for page in pages:
        urls = re.findall(rb'(?:href="|<loc>|<link>)([^"<]+)', page)
        found.update({article_id(url.decode()) for url in urls} - {None})
    return found


def test_sitemaps_list_every_article_exactly_once(served):
    site, base_url = served
    index = etree.fromstring(get(base_url, "/sitemap.xml"))
    children = [loc.text for loc in index.findall("s:sitemap/s:loc", SITEMAP_NS)]
    gz = [url for url in children if url.endswith(".xml.gz")]
    assert all(url.startswith("https://www.voachinese.com/") for url in children)
    urls, lastmods = [], {}
    for url in gz:
        document = etree.fromstring(gzip.decompress(get(base_url, url.removeprefix("https://www.voachinese.com"))))
        for entry in document.findall("s:url", SITEMAP_NS):
            urls.append(entry.findtext("s:loc", namespaces=SITEMAP_NS))
            lastmods[article_id(urls[-1])] = entry.findtext("s:lastmod", namespaces=SITEMAP_NS)
    ids = [article_id(url) for url in urls]
    failures = site.failure_ids()
    assert sorted(ids) == sorted([*site.article_ids(), failures["not_found"], failures["gone"]])
    seed = site.truth("7978772")
    assert lastmods["7978772"] == seed["updated_at"] and urls[ids.index("7978772")] == seed["url"]
    assert len(children) == len(gz) + 1  # and the news sitemap
    news = get(base_url, "/sitemap_news.xml")
    assert b"<news:publication_date>" in news


def test_sitemap_children_hold_at_most_a_thousand_urls():
    site = ReplicaSite(size=2500, seed=1)
    with serve(site) as server:
        index = get(server.base_url, "/sitemap.xml")
        assert index.count(b".xml.gz</loc>") == 3
        third = gzip.decompress(get(server.base_url, "/sitemap_3.xml.gz"))
        assert third.count(b"<url>") == 2502 - 2000
        assert fetch(server.base_url, "/sitemap_4.xml.gz")[0] == 404


def test_feeds_list_the_newest_articles_with_rfc822_dates(served):
    site, base_url = served
    whole = get(base_url, "/api/")
    items = etree.fromstring(whole).findall("channel/item")
    assert len(items) == 48  # 45 + the seed + two failure cases: fewer than 50
    first = items[0]
    assert first.findtext("guid") == first.findtext("link") == site.truth(site.article_ids()[0])["url"]
    assert re.fullmatch(r"\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d \+0000", first.findtext("pubDate"))
    assert first.find("enclosure").get("type") == "image/jpeg"
    section_feeds = [get(base_url, path) for path in ("/api/zkm-qem-ivq", "/api/z-pqpe-vmiqp")]
    categories = {etree.fromstring(feed).findtext("channel/item/category") for feed in section_feeds}
    assert len(categories) == 2
    assert fetch(base_url, "/api/unknown")[0] == 404


def test_section_listings_page_through_every_article_once(served):
    site, base_url = served
    pages = []
    for section in site.site.sections:
        path = section
        while path:
            page = get(base_url, path)
            pages.append(page)
            more = re.search(rb'href="(/z/\d+\?p=\d+)"', page)
            path = more[1].decode() if more else None
            teasers = page.count(b'<div class="media-block ">')
            assert teasers == 20 or not more
            assert re.search(rb'<span class="date">\d{4}\xe5\xb9\xb4', page)
    listed = linked_ids(*pages)
    failures = site.failure_ids()
    assert set(listed) == {*site.article_ids(), failures["not_found"], failures["gone"]}
    assert set(listed.values()) == {1}
    assert fetch(base_url, "/z/1739?p=99")[0] == 404


def test_home_links_sections_feeds_amp_copies_and_tracked_articles(served):
    site, base_url = served
    home = get(base_url, "/").decode()
    for section in site.site.sections:
        assert f'href="{section}"' in home
    assert 'rel="alternate" type="application/rss+xml"' in home
    assert home.count("https://www.voachinese.com/amp/") == 3
    assert "?utm_source=nthlink&amp;utm_medium=proxy&amp;utm_campaign=persagg&amp;utm_content=image" in home
    for path in re.findall(r'href="(/author/[^"]+|/p/\d+\.html|/rssfeeds)"', home):
        assert fetch(base_url, path)[0] == 200
    robots = get(base_url, "/robots.txt").decode()
    assert "Sitemap: https://www.voachinese.com/sitemap.xml" in robots and "Disallow: /s?" in robots


def test_short_links_redirect_to_the_canonical_url(served):
    site, base_url = served
    ident = site.article_ids()[1]
    status, headers, _ = fetch(base_url, f"/a/{ident}.html")
    assert status == 301 and headers["Location"] == site.truth(ident)["url"]


def test_amp_copies_and_old_slugs_serve_the_article(served):
    site, base_url = served
    ident = next(i for i in site.article_ids() if "old_slug" in site.variants(i))
    entry = site.entry(ident)
    canonical = f'<link href="{site.truth(ident)["url"]}" rel="canonical" />'.encode()
    assert canonical in get(base_url, f"/a/{entry.old_slug}/{ident}.html")
    amp = get(base_url, entry.amp_path)
    assert f'<link rel="canonical" href="{site.truth(ident)["url"]}" />'.encode() in amp
    assert fetch(base_url, f"/a/some-other-slug/{ident}.html")[0] == 404
    assert fetch(base_url, "/a/nothing/123.html")[0] == 404


def test_unavailable_answers_503_twice_then_200(served):
    site, base_url = served
    path = site.entry(site.failure_ids()["unavailable"]).path
    first, second, third = (fetch(base_url, path) for _ in range(3))
    assert [first[0], second[0], third[0]] == [503, 503, 200]
    assert first[1]["Retry-After"] == "1"


def test_not_found_gone_and_slow(served):
    site, base_url = served
    failures = site.failure_ids()
    assert fetch(base_url, site.entry(failures["not_found"]).path)[0] == 404
    assert fetch(base_url, site.entry(failures["gone"]).path)[0] == 410
    started = time.perf_counter()
    assert fetch(base_url, site.entry(failures["slow"]).path)[0] == 200
    assert time.perf_counter() - started >= 1.9


def test_images_are_jpegs_of_the_rendition_size_and_one_is_missing(served):
    site, base_url = served
    cover = site.truth(site.article_ids()[0])["images"][0]["url"]
    path = cover.removeprefix("https://gdb.voanews.com")
    with Image.open(io.BytesIO(get(base_url, path.replace(".jpg", "_w250_r1_s.jpg")))) as image:
        assert image.format == "JPEG" and image.width == 250
    with Image.open(io.BytesIO(get(base_url, path.replace(".jpg", "_w1080_h608.jpg")))) as image:
        assert image.size == (1080, 608)
    missing = site.missing_image_urls()[0].removeprefix("https://gdb.voanews.com")
    assert fetch(base_url, missing)[0] == 404
    assert fetch(base_url, "/nowhere.html")[0] == 404


def test_keep_alive_serves_many_requests_on_one_connection(served):
    import http.client

    site, base_url = served
    host, port = base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    started = time.perf_counter()
    for ident in site.article_ids()[10:40]:
        connection.request("GET", site.entry(ident).path, headers={"Host": "www.voachinese.com"})
        response = connection.getresponse()
        assert response.status == 200 and len(response.read()) == int(response.headers["Content-Length"])
    connection.close()
    assert time.perf_counter() - started < 2


def test_command_line_prints_where_it_serves_and_stops_on_sigterm():
    process = subprocess.Popen(
        [sys.executable, "-m", "newscrawl.replica", "--size", "10", "--port", "0", "--revise", "7900003"],
        cwd=REPO, stdout=subprocess.PIPE, text=True,
    )
    try:
        line = process.stdout.readline()
        assert re.fullmatch(r"serving http://127\.0\.0\.1:\d+\n", line)
        assert get(line.split()[1], "/robots.txt").startswith(b"User-agent")
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
