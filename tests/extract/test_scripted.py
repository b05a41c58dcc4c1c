"""Signs that a script builds a page (newscrawl.extract.scripted), read from HTML alone, and
the script-driven "load more" endpoint of a listing (newscrawl.extract.discovery)."""

from __future__ import annotations

import pytest
from parsel import Selector

from newscrawl.extract import discovery
from newscrawl.extract.pangea import PangeaArticle
from newscrawl.extract.scripted import (
    JSON_LD_WITHOUT_BODY, NOSCRIPT, SCRIPTED_CONTAINER, script_builds_article, script_builds_listing,
)
from newscrawl.replica import ReplicaSite
from newscrawl.replica.server import Replica

URL = "https://www.voachinese.com/a/live-20250218/7978772.html"
LISTING = "https://www.voachinese.com/z/1769"
TITLE = '<h1 class="pg-title">标题</h1>'
LD = '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "标题"}</script>'


def page(body: str, head: str = "", url: str = URL) -> PangeaArticle:
    return PangeaArticle(f"<html><head>{head}</head><body>{body}</body></html>", url)


@pytest.mark.parametrize("body, head, sign", [
    (TITLE + '<noscript>请开启JavaScript以阅读本页。</noscript><div id="article-content"></div>', "", NOSCRIPT),
    (TITLE + '<div id="article-content"><div class="wsw"><script>render(DATA)</script></div></div>', "", SCRIPTED_CONTAINER),
    (TITLE + '<div id="article-content"><script type="module">import "./a.js"</script></div>', "", SCRIPTED_CONTAINER),
    ('<div id="article-content"><div class="wsw"></div></div>', LD, JSON_LD_WITHOUT_BODY),
    (TITLE + '<div class="article-content-wrap"><div class="article__text"><script>render(DATA)</script></div></div>',
     "", SCRIPTED_CONTAINER),
], ids=["noscript", "inline-script", "module-script", "json-ld", "older-template"])
def test_signs_that_a_script_builds_the_article(body, head, sign):
    assert script_builds_article(page(body, head)) == sign


@pytest.mark.parametrize("body", [
    TITLE + '<div id="article-content"><div class="wsw"></div></div>',  # empty and nothing fills it
    TITLE + '<noscript><img src="/pixel.gif"></noscript><div id="article-content"></div>',  # a tracking pixel
    TITLE + '<div id="article-content"><script type="application/ld+json">{}</script></div>',  # data, not code
    TITLE + '<div id="article-content"><script src="/player.js"></script></div>',  # fetched, never by the browser here
    '<div class="challenge"><script>setTimeout(submit, 4000)</script></div>',  # a bot challenge
], ids=["empty", "pixel", "json", "external", "challenge"])
def test_no_sign_no_browser(body):
    assert script_builds_article(page(body)) is None


def test_signs_that_a_script_builds_a_listing():
    assert script_builds_listing(page('<div id="content"><script>load()</script></div>', url=LISTING)) == SCRIPTED_CONTAINER
    assert script_builds_listing(page('<noscript>请开启JavaScript</noscript>', url=LISTING)) == NOSCRIPT
    assert script_builds_listing(page('<div id="content"><ul></ul></div>', url=LISTING)) is None


def test_the_replica_script_built_pages_show_a_sign_and_plain_ones_none():
    site = ReplicaSite(size=12, seed=7, scripted="some")
    replica = Replica(site, slow_seconds=0)
    signs = {}
    for ident in site.article_ids():
        truth = site.truth(ident)
        reply = replica.respond(site.entry(ident).path)
        while reply.status == 503:
            reply = replica.respond(site.entry(ident).path)
        article = PangeaArticle(reply.body, truth["url"])
        signs[ident] = script_builds_article(article) if not article.body() else "has body"
    scripted = dict(zip(site.scripted_ids(), (NOSCRIPT, SCRIPTED_CONTAINER)))
    assert {i: s for i, s in signs.items() if s != "has body" and site.truth(i)["kind"] not in ("video", "audio", "gallery")} == scripted


def test_a_script_driven_load_more_is_read_through_its_endpoint():
    html = ('<div id="content"><a href="/a/x-20250218/7978772.html">x</a>'
            '<p><button data-more-url="/z/1769/more?p=1">加载更多</button></p></div>')
    assert discovery.listing(Selector(text=html), LISTING).next_page == "https://www.voachinese.com/z/1769/more?p=1"
    link = '<a href="/z/1769?p=1">more</a><button data-more-url="/z/1769/more?p=1">'
    assert discovery.listing(Selector(text=link), LISTING).next_page == "https://www.voachinese.com/z/1769?p=1"
