"""NearDuplicatePipeline: the index on a store alone, then the pipeline on real SQLite and
PostgreSQL stores across runs, then a real crawl with the validation and store pipelines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from random import Random

import pytest
from itemadapter import ItemAdapter
from scrapy.utils.test import get_crawler

from newscrawl.errors import ConfigurationError
from newscrawl.pipelines.near_duplicates import (
    KNOWN_LAYOUTS,
    LSH_WEIGHTS,
    NUM_PERM,
    THRESHOLD,
    NearDuplicateIndex,
    NearDuplicatePipeline,
    Verdict,
    band_keys,
    band_layout,
    from_bytes,
    signature,
    to_bytes,
)
from newscrawl.replica import text
from newscrawl.store import ArticleStore, open_store
from tests.crawling import REPO, read_jsonl
from tests.samples import sample_item

SPIDER = Path(__file__).with_name("prepared_spider.py")
NOW = datetime.now(timezone.utc)


def story(seed: int, paragraphs: int = 8) -> str:
    """A Chinese body of about a thousand characters, the same for the same seed."""
    rng = Random(seed)
    return "\n\n".join(text.paragraph(rng, (3, 4)) for _ in range(paragraphs))


def one_sentence_changed(body: str) -> str:
    paragraphs = body.split("\n\n")
    paragraphs[2] = text.sentence(Random("edit")) + paragraphs[2].split("。", 1)[1]
    return "\n\n".join(paragraphs)


def days_ago(days: float) -> str:
    return (NOW - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def article(article_id: str, body_text: str, published_at: str, **fields) -> dict:
    return sample_item(article_id, body_text=body_text, published_at=published_at, **fields)


ORIGINAL = story(1)
COPY = one_sentence_changed(ORIGINAL)
UNRELATED = story(2)


def test_one_changed_sentence_keeps_bodies_near_identical_and_other_stories_are_not():
    assert COPY != ORIGINAL and len(ORIGINAL) > 800
    assert signature(ORIGINAL).jaccard(signature(COPY)) >= THRESHOLD
    assert signature(ORIGINAL).jaccard(signature(UNRELATED)) < 0.3


def test_signatures_survive_bytes():
    minhash = signature(ORIGINAL)
    assert from_bytes(to_bytes(minhash)) == minhash
    assert len(to_bytes(minhash)) < 600


# --- The index ------------------------------------------------------------------------------


@pytest.fixture
def index(tmp_path: Path) -> Iterator[NearDuplicateIndex]:
    store = open_store(None, tmp_path)
    yield NearDuplicateIndex(store, THRESHOLD)
    store.close()


def stored_ids(store: ArticleStore) -> list[str]:
    return [stored.article_id for stored in store.signatures()]


def keys(body: str) -> list[int]:
    return band_keys(signature(body), 16, 8)


def test_index_names_the_earliest_earlier_article(index):
    assert index.place("10", "2025-01-01T00:00:00Z", signature(ORIGINAL)) == Verdict(None)
    assert index.place("30", "2025-01-03T00:00:00Z", signature(UNRELATED)) == Verdict(None)
    assert index.place("20", "2025-01-02T00:00:00Z", signature(COPY)) == Verdict("10")
    assert index.place("40", "2025-01-04T00:00:00Z", signature(ORIGINAL)) == Verdict("10")


def test_index_corrects_later_copies_met_first(index):
    assert index.place("30", "2025-01-03T00:00:00Z", signature(COPY)) == Verdict(None)
    assert index.place("20", "2025-01-02T00:00:00Z", signature(ORIGINAL)) == Verdict(None, {"30": "20"})
    # An even earlier one: both later ones now repeat it.
    assert index.place("10", "2025-01-01T00:00:00Z", signature(COPY)) == Verdict(None, {"20": "10", "30": "10"})
    assert index.place("40", "2025-01-04T00:00:00Z", signature(COPY)) == Verdict("10")
    assert index.corrections == {"20": "10", "30": "10"}


def test_index_same_time_smaller_id_first_and_never_itself(index):
    assert index.place("7900100", "2025-01-01T00:00:00Z", signature(ORIGINAL)) == Verdict(None)
    assert index.place("7900100", "2025-01-01T00:00:00Z", signature(COPY)) == Verdict(None)  # a new version
    assert stored_ids(index.store) == ["7900100"]
    assert index.store.signatures_of(["7900100"])["7900100"].signature == to_bytes(signature(COPY))
    assert index.place("990", "2025-01-01T00:00:00Z", signature(COPY)) == Verdict(None, {"7900100": "990"})


def test_index_keeps_an_original_older_than_the_window(index):
    # "20" was stored by an earlier run as repeating "5", whose signature is not stored.
    index.store.save_signature("20", "2025-01-02T00:00:00Z", to_bytes(signature(COPY)), keys(COPY))
    index.store.save(sample_item("20", published_at="2025-01-02T00:00:00Z", duplicate_of="5"))
    assert index.place("10", "2025-01-01T00:00:00Z", signature(ORIGINAL)) == Verdict(None)
    assert index.corrections == {}


def test_index_says_duplicate_of_of_unsaved_articles_until_forgotten(index):
    assert index.place("10", "2025-01-01T00:00:00Z", signature(ORIGINAL)) == Verdict(None)
    assert index.place("40", "2025-01-04T00:00:00Z", signature(COPY)) == Verdict("10")
    # "40" is not saved yet, but already names "10": nothing to correct.
    assert index.place("20", "2025-01-02T00:00:00Z", signature(COPY)) == Verdict("10")
    index.forget("40")  # its item was saved... as the store says, naming nothing
    assert index.place("30", "2025-01-03T00:00:00Z", signature(COPY)) == Verdict("10", {"40": "10"})


def test_signatures_stored_without_band_keys_get_them_counted_by_publication_alone(index):
    store = index.store
    store.save_signature("1", "2025-01-01T00:00:00Z", to_bytes(signature(ORIGINAL)))  # an older store's
    store.save_signature("2", "2025-01-02T00:00:00Z", to_bytes(signature(UNRELATED)), keys(UNRELATED))
    assert [s.article_id for s in store.unbanded_signatures()] == ["1"]
    assert (index.band_unbanded(), index.band_unbanded()) == (1, 0)
    assert store.sharing_bands(keys(COPY)) == {"1"}
    now = datetime.now(timezone.utc)
    assert store.sharing_bands(keys(COPY) + keys(UNRELATED), since=now, indexed_since=now - timedelta(hours=1)) == {
        "2"
    }
    assert index.place("3", "2025-01-03T00:00:00Z", signature(COPY)) == Verdict("1")


def test_a_new_threshold_makes_the_stored_band_keys_again_for_its_layout(index):
    assert index.band_unbanded() == 0
    index.place("1", "2025-01-01T00:00:00Z", signature(ORIGINAL))
    index.place("2", "2025-01-02T00:00:00Z", signature(UNRELATED))
    looser = NearDuplicateIndex(index.store, 0.5)  # 26 bands of 3 rows, not 16 of 8
    assert not index.store.sharing_bands(band_keys(signature(COPY), looser.bands, looser.rows))
    assert (looser.band_unbanded(), looser.band_unbanded()) == (2, 0)
    assert looser.place("3", "2025-01-03T00:00:00Z", signature(COPY)) == Verdict("1")
    assert NearDuplicateIndex(index.store, 0.85).band_unbanded() == 3


def test_signatures_of_an_older_kind_are_made_again_from_the_stored_bodies(index):
    store = index.store
    store.save(sample_item("1", published_at="2025-01-01T00:00:00Z", body_text=ORIGINAL))
    # What newscrawl stored before rensa: a datasketch LeanMinHash (seed, count, 128 uint32).
    store.save_signature("1", "2025-01-01T00:00:00Z", bytes(524), [7])
    store.save_signature("9", "2025-01-01T00:00:00Z", bytes(524), [7])  # no article: dropped
    assert (index.resign_outdated(), index.resign_outdated()) == (1, 0)
    assert [(s.article_id, from_bytes(s.signature)) for s in store.signatures()] == [("1", signature(ORIGINAL))]
    assert index.place("3", "2025-01-03T00:00:00Z", signature(COPY)) == Verdict("1")


def test_band_keys_are_shared_by_near_identical_bodies_only():
    assert len(set(keys(ORIGINAL))) == 16
    assert set(keys(ORIGINAL)) & set(keys(COPY))
    assert not set(keys(ORIGINAL)) & set(keys(UNRELATED))
    assert keys(ORIGINAL) != band_keys(signature(ORIGINAL), 8, 16)


# --- The pipeline on real stores ------------------------------------------------------------


@dataclass
class Runs:
    """Crawls, one after the other, sharing one store."""

    settings: dict

    def start(self, **settings) -> NearDuplicatePipeline:
        return NearDuplicatePipeline.from_crawler(get_crawler(settings_dict={**self.settings, **settings}))


def passes(pipeline: NearDuplicatePipeline, item: dict) -> dict:
    """What this pipeline, then the store pipeline, do with an item in a crawl."""
    adapter = ItemAdapter(dict(item))
    pipeline.mark(adapter, pipeline.examine(item["article_id"], item["published_at"], item["body_text"]))
    pipeline.store.save(adapter.item)
    return adapter.item


def finish(pipeline: NearDuplicatePipeline) -> list[str]:
    corrected = pipeline.correct()
    pipeline.store.close()
    return corrected


def stats(pipeline: NearDuplicatePipeline) -> dict:
    return {key: value for key, value in pipeline.crawler.stats.get_stats().items() if "near_duplicates" in key}


@pytest.fixture(params=["sqlite", "postgresql"])
def runs(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Runs:
    monkeypatch.delenv("NEWSCRAWL_DATABASE_URL", raising=False)
    url = request.getfixturevalue("postgres_database") if request.param == "postgresql" else ""
    return Runs({"NEWSCRAWL_DATA_DIR": str(tmp_path), "NEWSCRAWL_DATABASE_URL": url})


def test_a_republished_story_is_marked_the_others_are_not(runs):
    pipeline = runs.start()
    original = passes(pipeline, article("7900001", ORIGINAL, days_ago(3)))
    unrelated = passes(pipeline, article("7900002", UNRELATED, days_ago(2)))
    copy = passes(pipeline, article("7900003", COPY, days_ago(1), title="Republished"))
    new_version = passes(pipeline, article("7900001", COPY, days_ago(3), title="Edited"))
    short = passes(pipeline, article("7900004", "一段很短的视频说明。", days_ago(1)))
    assert [item.get("duplicate_of", "unset") for item in (original, unrelated, copy, new_version, short)] == [
        None, None, "7900001", None, "unset"
    ]
    assert stats(pipeline) == {"newscrawl/near_duplicates": 1, "newscrawl/near_duplicates/skipped_short": 1}
    assert finish(pipeline) == []
    with runs.start().store as store:
        assert {item["article_id"]: item.get("duplicate_of", "unset") for item in store.iter_items()} == {
            "7900001": None, "7900002": None, "7900003": "7900001", "7900004": "unset"
        }
        assert [s.article_id for s in store.signatures()] == ["7900001", "7900002", "7900003"]


def test_the_next_run_finds_the_stored_signatures(runs):
    first = runs.start()
    passes(first, article("7900001", ORIGINAL, days_ago(3)))
    finish(first)
    second = runs.start()
    assert second.store.sharing_bands(keys(COPY)) == {"7900001"}
    assert passes(second, article("7900002", COPY, days_ago(1)))["duplicate_of"] == "7900001"
    # An unchanged article seen again: compared, not its own duplicate, signature not rewritten.
    assert passes(second, article("7900001", ORIGINAL, days_ago(3)))["duplicate_of"] is None
    finish(second)


def test_signatures_older_than_the_window_are_not_compared(runs):
    first = runs.start()
    passes(first, article("7900001", ORIGINAL, days_ago(40)))
    passes(first, article("7900002", UNRELATED, days_ago(20)))
    finish(first)
    recent = runs.start(NEWSCRAWL_NEAR_DUPLICATE_DAYS=30)
    both = keys(ORIGINAL) + keys(UNRELATED)
    assert recent.store.sharing_bands(both, recent.window_start(datetime.now(timezone.utc))) == {"7900002"}
    assert passes(recent, article("7900003", COPY, days_ago(1)))["duplicate_of"] is None
    finish(recent)
    everything = runs.start(NEWSCRAWL_NEAR_DUPLICATE_DAYS=0)
    assert everything.window_start(datetime.now(timezone.utc)) is None
    assert everything.store.sharing_bands(both) == {"7900001", "7900002", "7900003"}
    assert passes(everything, article("7900004", COPY, days_ago(1)))["duplicate_of"] == "7900001"
    finish(everything)


def test_articles_met_in_the_crawl_are_compared_however_old(runs):
    first = runs.start(NEWSCRAWL_NEAR_DUPLICATE_DAYS=30)
    passes(first, article("7900001", ORIGINAL, days_ago(400)))
    assert passes(first, article("7900002", COPY, days_ago(300)))["duplicate_of"] == "7900001"
    assert finish(first) == []
    later = runs.start(NEWSCRAWL_NEAR_DUPLICATE_DAYS=30)
    assert passes(later, article("7900003", COPY, days_ago(1)))["duplicate_of"] is None
    # Met again, unchanged: compared again, and the copy met first is corrected.
    assert passes(later, article("7900002", COPY, days_ago(300)))["duplicate_of"] is None
    assert finish(later) == ["7900003"]
    with runs.start().store as store:
        assert {item["article_id"]: item["duplicate_of"] for item in store.iter_items()} == {
            "7900001": None, "7900002": "7900001", "7900003": "7900002"  # 7900002 unchanged: kept
        }


def test_copies_met_before_their_original_are_corrected_when_the_spider_closes(runs):
    earlier = runs.start()
    passes(earlier, article("7900003", COPY, days_ago(1)))  # stored by an earlier run
    finish(earlier)
    pipeline = runs.start()
    assert passes(pipeline, article("7900002", ORIGINAL, days_ago(2)))["duplicate_of"] is None
    assert passes(pipeline, article("7900001", COPY, days_ago(3)))["duplicate_of"] is None
    assert finish(pipeline) == ["7900002", "7900003"]
    assert stats(pipeline) == {}
    with runs.start().store as store:
        assert {item["article_id"]: item["duplicate_of"] for item in store.iter_items()} == {
            "7900001": None, "7900002": "7900001", "7900003": "7900001"
        }


@pytest.mark.parametrize(("setting", "value", "message"), [
    ("NEWSCRAWL_NEAR_DUPLICATE_THRESHOLD", "1.5", r"THRESHOLD must be in \(0, 1\], got 1.5"),
    ("NEWSCRAWL_NEAR_DUPLICATE_THRESHOLD", "0", r"THRESHOLD must be in \(0, 1\], got 0.0"),
    ("NEWSCRAWL_NEAR_DUPLICATE_DAYS", "-1", r"DAYS must be 0 or more, got -1"),
])
def test_bad_settings_are_refused(tmp_path, setting, value, message):
    crawler = get_crawler(settings_dict={"NEWSCRAWL_DATA_DIR": str(tmp_path), setting: value})
    with pytest.raises(ConfigurationError, match=message):
        NearDuplicatePipeline.from_crawler(crawler)


# --- A real crawl -----------------------------------------------------------------------------


def crawl(workdir: Path, items: list[dict], data: Path) -> tuple[dict[str, dict], dict]:
    """``scrapy runspider`` of prepared items through validation, this pipeline and the store."""
    workdir.mkdir()
    items_file, feed, stats_file = workdir / "articles.jsonl", workdir / "items.jsonl", workdir / "stats.json"
    items_file.write_text("".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items), encoding="utf-8")
    pipelines = {
        "newscrawl.pipelines.validate.ValidationPipeline": 100,
        "newscrawl.pipelines.near_duplicates.NearDuplicatePipeline": 350,
        "newscrawl.pipelines.store.StorePipeline": 400,
    }
    settings = {"ITEM_PIPELINES": json.dumps(pipelines), "NEWSCRAWL_DATA_DIR": str(data),
                "NEWSCRAWL_STATS_FILE": str(stats_file), "NEWSCRAWL_PROGRESS_INTERVAL": "0",
                "NEWSCRAWL_STORE_COMMIT_EVERY": "1000"}
    command = [sys.executable, "-m", "scrapy", "runspider", str(SPIDER), "-a", f"items={items_file}",
               "-O", f"{feed}:jsonlines"]
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NEWSCRAWL_DATABASE_URL": ""})
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Error processing" not in done.stderr and "Traceback" not in done.stderr, done.stderr[-3000:]
    return {item["article_id"]: item for item in read_jsonl(feed)}, json.loads(stats_file.read_text())


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list]]:
    root = tmp_path_factory.mktemp("near_duplicates")
    first = [article("7900003", COPY, days_ago(1)), article("7900002", UNRELATED, days_ago(2)),
             article("7900001", ORIGINAL, days_ago(3))]
    second = [article("7900004", one_sentence_changed(UNRELATED), days_ago(0.5), title="Again")]
    yield root / "data", [crawl(root / "first", first, root / "data"), crawl(root / "second", second, root / "data")]


def test_a_crawl_marks_the_copy_whatever_came_first(crawled):
    data, ((items, crawl_stats), _) = crawled
    # The copy is yielded first, but items go through the pipelines concurrently: it is marked
    # in the feed if the original was placed before it, else corrected in the store at the end.
    assert {ident: item["duplicate_of"] for ident, item in items.items() if ident != "7900003"} == {
        "7900001": None, "7900002": None
    }
    marked, corrected = (crawl_stats.get(f"newscrawl/near_duplicates{event}", 0) for event in ("", "/corrected"))
    assert (marked, corrected) == ((0, 1) if items["7900003"]["duplicate_of"] is None else (1, 0))
    with open_store(None, data) as store:
        assert {item["article_id"]: item["duplicate_of"] for item in store.iter_items()} == {
            "7900001": None, "7900002": None, "7900003": "7900001", "7900004": "7900002"
        }


def test_the_next_crawl_finds_the_stored_signatures(crawled):
    _, (_, (items, crawl_stats)) = crawled
    assert items["7900004"]["duplicate_of"] == "7900002"
    assert crawl_stats["newscrawl/near_duplicates"] == 1


@pytest.mark.parametrize("threshold", [*KNOWN_LAYOUTS, 0.7])
def test_the_band_layout_is_datasketchs(threshold):
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM, weights=LSH_WEIGHTS)
    assert band_layout(threshold) == (lsh.b, lsh.r)
