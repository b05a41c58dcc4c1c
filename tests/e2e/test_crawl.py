"""End-to-end: real `scrapy crawl voa` processes against the replica site on 127.0.0.1."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import urllib.request
from urllib.parse import urlsplit

import pytest

from newscrawl.archive.document import parse_document
from newscrawl.settings import NEWSCRAWL_IMAGE_WIDTH
from newscrawl.urls import image_rendition_url
from tests.crawling import COMPARED_FIELDS, REPO, SEED_DOCUMENT, extracted, read_jsonl, run_crawl

SEED_ID = "7978772"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("full")


@pytest.fixture(scope="module")
def full_crawl(replica, workdir):
    """One crawl of the whole replica through the spider's normal sources."""
    site, base_url = replica
    return run_crawl(workdir, base_url=base_url)


def test_full_crawl_finishes_cleanly(full_crawl):
    assert full_crawl.returncode == 0, full_crawl.log[-3000:]
    assert full_crawl.stats["finish_reason"] == "finished"
    assert full_crawl.stat("log_count/ERROR") == 0, full_crawl.log[-3000:]


def test_every_article_is_emitted_once_with_every_field_right(full_crawl, replica):
    site, _ = replica
    truths = {t["article_id"]: t for t in site.truths()}
    ids = [item["article_id"] for item in full_crawl.items]
    assert sorted(ids) == sorted(truths)
    for item in full_crawl.items:
        expected = truths[item["article_id"]]
        for field in COMPARED_FIELDS:
            assert extracted(item, field) == expected[field], (item["article_id"], field)


def test_stored_images_are_the_bytes_the_replica_served(full_crawl, replica, workdir):
    _, base_url = replica
    stored = [image for item in full_crawl.items for image in item["images"] if "path" in image]
    assert len(stored) >= 10
    for image in stored:
        rendition = image_rendition_url(image["url"], NEWSCRAWL_IMAGE_WIDTH)
        with urllib.request.urlopen(base_url + urlsplit(rendition).path) as response:
            served = response.read()
        assert image["checksum"] == hashlib.md5(served).hexdigest(), image  # noqa: S324 - Scrapy's checksum
        assert (workdir / "data" / "images" / image["path"]).read_bytes() == served


def test_items_carry_fetch_time_and_content_hash(full_crawl):
    for item in full_crawl.items:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", item["fetched_at"])
        assert re.fullmatch(r"[0-9a-f]{64}", item["content_hash"])


def test_failures_are_counted_with_their_reason(full_crawl, replica):
    site, _ = replica
    failures = site.failure_ids()
    assert full_crawl.stat("newscrawl/failed/article/http_404") == 1
    assert full_crawl.stat("newscrawl/failed/article/http_410") == 1
    assert full_crawl.stat("retry/count") >= 2  # the 503s with Retry-After, then a 200
    emitted = {item["article_id"] for item in full_crawl.items}
    assert {failures["unavailable"], failures["slow"]} <= emitted
    assert f"/{failures['not_found']}.html: http_404" in full_crawl.log


def test_progress_lines_are_logged(full_crawl):
    assert re.search(r"Progress: \d+ articles \(\d+/min now, \d+/min overall\), \d+ requests queued, \d+ errors", full_crawl.log)


def test_seed_article_is_reproduced(full_crawl):
    seed = parse_document(SEED_DOCUMENT.read_text(encoding="utf-8"))
    item = full_crawl.item(SEED_ID)
    assert item["title"] == seed.title
    assert item["url"] == seed.url
    assert item["published_at"] == "2025-02-18T07:27:23Z"
    assert [block["html"] for block in item["body"]] == seed.blocks
    assert len(item["body"]) == 23
    assert item["images"][0]["caption"] == seed.cover_caption
    assert item["images"][0]["is_cover"] is True
    assert item["images"][0]["url"] == "https://gdb.voanews.com/a8893f07-8b2e-405b-ba8e-402cddabef3c.jpg"
    assert item["sources"] == ["美联社", "法新社", "路透社"]


def test_start_urls_of_every_kind_are_told_from_the_response(replica, tmp_path):
    site, base_url = replica
    first, second, third = site.article_ids()[:3]
    short_link = f"https://www.voachinese.com/a/{first}.html"
    tracked = site.truth(second)["url"] + "?utm_source=nthlink&utm_medium=proxy"
    feed = "https://www.voachinese.com/api/"
    sitemap_child = "https://www.voachinese.com/sitemap_1.xml.gz"
    crawl = run_crawl(tmp_path, "-a", f"start_urls={short_link},{tracked},{feed},{sitemap_child}", base_url=base_url)
    assert crawl.returncode == 0
    ids = [item["article_id"] for item in crawl.items]
    assert len(ids) == len(set(ids))
    assert {first, second, third} <= set(ids)
    assert crawl.item(second)["url"] == site.truth(second)["url"]
    assert crawl.stat("newscrawl/sources/feed") == 1 and crawl.stat("newscrawl/sources/urlset") == 1


def test_date_window_bounds_the_crawl(replica, tmp_path):
    site, base_url = replica
    days = sorted({t["published_at"][:10] for t in site.truths()})
    since = days[len(days) // 2]
    crawl = run_crawl(tmp_path, "-a", f"since={since}", base_url=base_url)
    expected = {t["article_id"] for t in site.truths() if t["published_at"][:10] >= since}
    assert {item["article_id"] for item in crawl.items} == expected
    assert crawl.stat("newscrawl/skipped/out_of_window") > 0


def test_without_a_feed_option_the_run_writes_to_the_data_dir(replica, tmp_path):
    _, base_url = replica
    article = "https://www.voachinese.com/a/" + SEED_ID + ".html"
    done = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "voa", "-a", f"base_url={base_url}", "-a", f"start_urls={article}"],
        cwd=REPO, capture_output=True, text=True, env={**os.environ, "NEWSCRAWL_DATA_DIR": str(tmp_path)},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    feeds = list((tmp_path / "feeds").glob("voa-*.jsonl"))
    assert len(feeds) == 1
    raw = feeds[0].read_bytes()
    assert "美俄会谈在即".encode() in raw  # UTF-8, Chinese unescaped
    assert [item["article_id"] for item in read_jsonl(feeds[0])] == [SEED_ID]


def test_start_urls_off_the_site_are_refused(tmp_path):
    crawl = run_crawl(tmp_path, "-a", "start_urls=http://example.org/a/1.html")
    assert crawl.returncode != 0
    assert "start URLs outside voachinese" in crawl.log


def test_a_crawl_whose_sources_list_nothing_finishes_with_a_reason(replica, tmp_path):
    _, base_url = replica
    crawl = run_crawl(tmp_path, "-a", "start_urls=https://www.voachinese.com/api/no-such-feed", base_url=base_url)
    assert crawl.stats["finish_reason"] == "no_articles_found"
    assert "The crawl found a problem: no_articles_found" in crawl.log


def test_old_template_pages_give_one_block_per_paragraph(full_crawl, replica):
    site, _ = replica
    old = [ident for ident in site.article_ids() if site.variants(ident) & {"br_paragraphs", "legacy_wysiwyg"}]
    assert old
    for ident in old:
        body = full_crawl.item(ident)["body"]
        assert len(body) > 1 and body == site.truth(ident)["body"], ident
