"""The validation pipeline and the item schema it enforces."""

from __future__ import annotations

import logging

import pytest
from jsonschema import Draft202012Validator
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from newscrawl.items import ARTICLE_KINDS, BLOCK_TYPES, ArticleItem
from newscrawl.pipelines.validate import ValidationPipeline, load_schema
from newscrawl.sites import SITES
from tests.samples import expected_item, sample_item

HASH = "0123456789abcdef" * 4


@pytest.fixture
def crawler():
    return get_crawler()


@pytest.fixture
def pipeline(crawler):
    return ValidationPipeline.from_crawler(crawler)


def invalid_stats(crawler) -> dict[str, int]:
    return {k: v for k, v in crawler.stats.get_stats().items() if k.startswith("newscrawl/invalid_items")}


@pytest.mark.parametrize("page", ["en_article", "zh_article", "video", "author_list", "no_jsonld"])
def test_extracted_items_are_valid_and_pass_unchanged(pipeline, crawler, page):
    item = ArticleItem(expected_item(page))
    assert pipeline.process_item(item) is item
    assert dict(item) == expected_item(page)
    assert invalid_stats(crawler) == {}


@pytest.mark.parametrize("fields", [
    {"version": 1, "previous_hash": None, "duplicate_of": None},
    {"version": 3, "previous_hash": HASH, "duplicate_of": "7600002"},
    {"updated_at": None, "section": None, "dateline": None, "summary": "", "tags": [], "images": []},
    {"kind": "gallery", "body": [], "body_text": ""},
    {"images": [{"url": "https://gdb.voanews.com/a.jpg", "caption": "", "is_cover": True, "path": "images/a.jpg",
                 "checksum": "abc123", "width": 800, "height": 450}]},
    {"images": [{"url": "https://gdb.voanews.com/a.jpg", "caption": "", "is_cover": True, "error": "HTTP 404"}]},
    {"url": "http://127.0.0.1:8000/a/x/1.html", "language": "zh-Hant"},
])
def test_valid_variants_pass(pipeline, fields):
    item = sample_item(**fields)
    assert pipeline.process_item(item) is item


def drop(pipeline, item) -> str:
    with pytest.raises(DropItem) as dropped:
        pipeline.process_item(item)
    return str(dropped.value)


INVALID = [
    # (changes, {failing path: words of its message}, fields counted)
    ({"url": "ftp://www.voanews.com/a/1.html"}, {"url": "does not match"}, ["url"]),
    ({"url": "https://"}, {"url": "does not match"}, ["url"]),
    ({"article_id": "76a"}, {"article_id": "does not match"}, ["article_id"]),
    ({"article_id": 7600001}, {"article_id": "is not of type 'string'"}, ["article_id"]),
    ({"site": "bbc"}, {"site": "is not one of"}, ["site"]),
    ({"language": "Chinese (Simplified)"}, {"language": "does not match"}, ["language"]),
    ({"kind": "podcast"}, {"kind": "is not one of"}, ["kind"]),
    ({"title": "  "}, {"title": "does not match"}, ["title"]),
    ({"title": None}, {"title": "is not of type 'string'"}, ["title"]),
    ({"published_at": "2024-05-02T14:30:00+00:00"}, {"published_at": "does not match"}, ["published_at"]),
    ({"published_at": "2024-05-02 14:30:00Z"}, {"published_at": "does not match"}, ["published_at"]),
    ({"updated_at": "2024-05-02"}, {"updated_at": "does not match"}, ["updated_at"]),
    ({"fetched_at": None}, {"fetched_at": "is not of type 'string'"}, ["fetched_at"]),
    ({"tags": ["USA", "USA"]}, {"tags": "non-unique"}, ["tags"]),
    ({"authors": "Jane Doe"}, {"authors": "is not of type 'array'"}, ["authors"]),
    ({"body": [{"type": "p", "text": "", "html": ""}]}, {"body/0/text": "does not match"}, ["body"]),
    ({"body": [{"type": "div", "text": "x", "html": "x"}]}, {"body/0/type": "is not one of"}, ["body"]),
    ({"body": [{"type": "p", "html": "x"}]}, {"body/0/text": "missing"}, ["body"]),
    ({"images": [{"url": "https://gdb.voanews.com/a.jpg", "caption": "", "is_cover": "yes"}]},
     {"images/0/is_cover": "is not of type 'boolean'"}, ["images"]),
    ({"images": [{"url": "https://gdb.voanews.com/a.jpg", "caption": "", "is_cover": True, "width": 0}]},
     {"images/0/width": "less than the minimum"}, ["images"]),
    ({"images": [{"url": "https://gdb.voanews.com/a.jpg", "is_cover": True, "alt": "x"}]},
     {"images/0/caption": "missing", "images/0/alt": "not a field"}, ["images"]),
    ({"media": [{"url": "https://voa-video.voanews.eu/a.mp4", "type": "stream"}]}, {"media/0/type": "is not one of"},
     ["media"]),
    ({"content_hash": "ABC"}, {"content_hash": "does not match"}, ["content_hash"]),
    ({"version": 0}, {"version": "less than the minimum"}, ["version"]),
    ({"previous_hash": "not-a-hash"}, {"previous_hash": "does not match"}, ["previous_hash"]),
    ({"duplicate_of": "x"}, {"duplicate_of": "does not match"}, ["duplicate_of"]),
    ({"title": "", "kind": "blog", "score": 1}, {"title": "does not match", "kind": "is not one of",
                                                 "score": "not a field"}, ["kind", "score", "title"]),
]


@pytest.mark.parametrize(("changes", "expected", "fields"), INVALID)
def test_invalid_items_are_dropped_and_counted(pipeline, crawler, changes, expected, fields):
    message = drop(pipeline, {**sample_item(), **changes})
    assert message.startswith(f"invalid item {changes.get('url', sample_item()['url'])}: ")
    listed = dict(part.split(": ", 1) for part in message.split(": ", 1)[1].split("; "))
    assert sorted(listed) == sorted(expected)
    for path, words in expected.items():
        assert words in listed[path], listed[path]
    assert invalid_stats(crawler) == {"newscrawl/invalid_items": 1, **{f"newscrawl/invalid_items/{f}": 1 for f in fields}}


def test_missing_fields_are_each_named(pipeline, crawler):
    item = {k: v for k, v in sample_item().items() if k not in ("title", "content_hash")}
    assert drop(pipeline, item).endswith(": content_hash: missing; title: missing")
    assert invalid_stats(crawler) == {
        "newscrawl/invalid_items": 1, "newscrawl/invalid_items/content_hash": 1, "newscrawl/invalid_items/title": 1
    }


def test_an_empty_scrapy_item_is_dropped(pipeline, crawler):
    message = drop(pipeline, ArticleItem())
    assert message.startswith("invalid item None: article_id: missing; authors: missing; body: missing;")
    required = set(ArticleItem.fields) - {"version", "previous_hash", "duplicate_of"}
    assert invalid_stats(crawler) == {"newscrawl/invalid_items": 1, **{f"newscrawl/invalid_items/{f}": 1 for f in required}}


def test_stats_add_up_over_items(pipeline, crawler):
    for changes in ({"title": ""}, {"title": "", "kind": "blog"}, {"kind": "blog"}):
        drop(pipeline, sample_item(**changes))
    pipeline.process_item(sample_item())
    assert invalid_stats(crawler) == {
        "newscrawl/invalid_items": 3, "newscrawl/invalid_items/title": 2, "newscrawl/invalid_items/kind": 2
    }


def test_long_values_are_cut_short_in_messages(pipeline):
    message = drop(pipeline, sample_item(summary=["x" * 10_000]))
    assert len(message) < 400 and message.endswith("…")


def test_the_warning_names_url_and_problems(pipeline, caplog):
    with caplog.at_level(logging.WARNING, logger="newscrawl.pipelines.validate"):
        drop(pipeline, sample_item(kind="blog"))
    assert caplog.messages == [f"Invalid item {sample_item()['url']}: kind: 'blog' is not one of "
                               "['article', 'video', 'audio', 'gallery', 'live']"]


# --- The schema itself --------------------------------------------------------------------------


def test_schema_is_valid_draft_2020_12():
    schema = load_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_schema_agrees_with_the_item_and_the_registries():
    schema = load_schema()
    assert set(schema["properties"]) == set(ArticleItem.fields)
    assert set(schema["required"]) == set(ArticleItem.fields) - {"version", "previous_hash", "duplicate_of"}
    assert schema["properties"]["site"]["enum"] == list(SITES)
    assert schema["properties"]["kind"]["enum"] == list(ARTICLE_KINDS)
    assert schema["properties"]["body"]["items"]["properties"]["type"]["enum"] == list(BLOCK_TYPES)
