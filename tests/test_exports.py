import fcntl
import io
import json

from scrapy.utils.test import get_crawler

from newscrawl.exports import AtomicFileFeedStorage, OrjsonLinesItemExporter, recover_partial_feeds


def test_a_crashed_partial_feed_keeps_its_complete_lines(tmp_path):
    (tmp_path / "voa-1.jsonl.partial").write_bytes(b'{"a": 1}\n{"a": 2}\n{"a": ')
    assert recover_partial_feeds(tmp_path) == [tmp_path / "voa-1.jsonl"]
    assert (tmp_path / "voa-1.jsonl").read_bytes() == b'{"a": 1}\n{"a": 2}\n'
    assert not list(tmp_path.glob("*.partial"))


def test_a_partial_feed_without_a_complete_line_becomes_empty(tmp_path):
    (tmp_path / "voa-2.jsonl.partial").write_bytes(b'{"a": ' * 30_000)
    recover_partial_feeds(tmp_path)
    assert (tmp_path / "voa-2.jsonl").read_bytes() == b""


def test_the_partial_feed_of_a_running_crawl_is_left_alone(tmp_path):
    partial = tmp_path / "voa-3.jsonl.partial"
    with partial.open("wb") as running:
        fcntl.flock(running, fcntl.LOCK_EX | fcntl.LOCK_NB)
        running.write(b'{"a": 1}\n{"a"')
        running.flush()
        assert recover_partial_feeds(tmp_path) == []
    assert partial.exists()


def test_each_line_reaches_the_partial_feed_as_it_is_written(tmp_path):
    feed = tmp_path / "feeds" / "voa-4.jsonl"
    storage = AtomicFileFeedStorage(feed.as_uri())
    file = storage.open(get_crawler().spider)
    file.write(b'{"a": 1}\n')
    assert (tmp_path / "feeds" / "voa-4.jsonl.partial").read_bytes() == b'{"a": 1}\n'  # as a kill -9 leaves it
    storage.store(file)
    assert feed.read_bytes() == b'{"a": 1}\n' and not list(feed.parent.glob("*.partial"))


def test_feed_lines_are_orjson_utf_8_with_the_same_content():
    item = {"title": "美国之音 “新闻”\u2028", "n": 1, "tags": ["经济"], "none": None}
    lines = []
    for options in ({"encoding": "utf-8"}, {"encoding": "utf-8", "ensure_ascii": True}):  # then Scrapy's encoder
        out = io.BytesIO()
        OrjsonLinesItemExporter(out, **options).export_item(item)
        lines.append(out.getvalue())
    assert lines[0] == '{"title":"美国之音 “新闻”\u2028","n":1,"tags":["经济"],"none":null}\n'.encode()
    assert lines[1].isascii() and json.loads(lines[0]) == json.loads(lines[1]) == item
