"""The replica's script-built pages: only a browser reads them, and the truth knows their text."""

from __future__ import annotations

import re

import pytest

from newscrawl.errors import ConfigurationError
from newscrawl.extract import discovery
from newscrawl.extract.pangea import PangeaArticle
from newscrawl.replica import ReplicaSite
from newscrawl.replica.pages import SCRIPTED_PAGE_SIZE
from newscrawl.replica.server import Replica
from newscrawl.urls import article_id
from parsel import Selector
from tests.replica.oracle import read


@pytest.fixture(scope="module")
def site() -> ReplicaSite:
    return ReplicaSite(size=30, seed=7, scripted="some")


@pytest.fixture(scope="module")
def replica(site) -> Replica:
    return Replica(site, slow_seconds=0)


def test_a_live_blog_and_an_article_are_built_by_a_script(site):
    assert [site.truth(ident)["kind"] for ident in site.scripted_ids()] == ["live", "article"]
    assert ReplicaSite(size=10, scripted="none").scripted_ids() == []
    assert len(ReplicaSite(size=10, scripted="all").scripted_ids()) == 10
    with pytest.raises(ConfigurationError, match="scripted"):
        ReplicaSite(size=10, scripted="most")


def test_their_html_has_no_body_text_and_no_copy_elsewhere(site, replica):
    for ident in site.scripted_ids():
        truth = site.truth(ident)
        html = replica.respond(site.entry(ident).path).body.decode()
        assert PangeaArticle(html, truth["url"]).body() == []
        first_block = truth["body"][0]["text"]
        assert first_block in html  # in the script's data only, where no HTML parser looks
        assert "amphtml" not in html and replica.respond(site.entry(ident).amp_path).status == 404


def test_the_truth_is_what_the_script_writes(site, replica):
    for ident in site.scripted_ids():
        page = replica.respond(site.entry(ident).path).body.decode()
        expected = {key: value for key, value in site.truth(ident).items() if key not in ("article_id", "site")}
        assert read(page) == expected


def test_the_scripted_listing_loads_every_article_of_its_section_by_fragments(site, replica):
    section = site.scripted_section
    url, listed = site.site.url(section), []
    while url:
        reply = replica.respond(url.removeprefix(site.site.origin))
        assert reply.status == 200, url
        found = discovery.listing(Selector(text=reply.body.decode()), url)
        listed += [article_id(link.url) for link in found.articles]
        url = found.next_page
        assert url is None or re.search(r"/z/\d+/more\?p=\d+$", url)
    assert listed == site.by_section[section]
    assert len(listed) > 2 * SCRIPTED_PAGE_SIZE  # three pages or more
