"""CPU per article of each stage of the full crawl, each stage timed alone on the same articles.

    python3 bench/stages.py --size 1000 [--pages 1000]
    python3 bench/stages.py --near-duplicates --size 16000 --clusters 200

The first form fetches article pages (and their images) from a replica of ``--size`` articles
with news prose, then runs each page through the crawl's stages one after another in this
process, timing each with the CPU clock: extraction (the page's fields), the item loader (the
rest of ``load_article``), validation, near-duplicates (signature, LSH lookup, placement), the
store (saves, committed in groups as the crawl does), the feed line, and the images pipeline's
work on the fetched image bytes (checks, storing the original, thumbnails). The second times
the near-duplicate stage alone over every article of a replica whose bodies come in clusters
of near-identical ones (``--clusters``), straight from the replica's truth: whether its cost
per article stays flat as the store grows. Both print JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "newscrawl.settings")

from scrapy import Spider  # noqa: E402 - the project must be importable first
from scrapy.http import HtmlResponse, Request, Response  # noqa: E402
from scrapy.pipelines.media import MediaPipeline  # noqa: E402
from scrapy.utils.project import get_project_settings  # noqa: E402
from scrapy.utils.reactor import install_reactor  # noqa: E402
from scrapy.utils.test import get_crawler  # noqa: E402

import crawls  # noqa: E402
from newscrawl.exports import OrjsonLinesItemExporter  # noqa: E402
from newscrawl.loaders import load_article  # noqa: E402
from newscrawl.pipelines.images import ArticleImagesPipeline, ImageRefused, check_image  # noqa: E402
from newscrawl.pipelines.near_duplicates import NearDuplicatePipeline  # noqa: E402
from newscrawl.pipelines.validate import ValidationPipeline  # noqa: E402
from newscrawl.replica import ReplicaSite  # noqa: E402
from newscrawl.sites import get_site  # noqa: E402
from newscrawl.spiders.voa import read_page  # noqa: E402
from newscrawl.store import crawler_store  # noqa: E402
from newscrawl.urls import image_rendition_url  # noqa: E402

STAGES = ("extraction", "loader", "validation", "near_duplicates", "store", "feed_export", "images")


def clock() -> float:
    return time.thread_time()


def fetch(url: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def fetch_pages(size: int, count: int) -> list[tuple[str, bytes, dict[str, tuple[int, dict, bytes]]]]:
    """(url, html, {image url: (status, headers, body)}) of ``count`` article pages."""
    site = ReplicaSite(size=size, prose=crawls.PROSE[1])
    origin, width = site.site.origin, get_project_settings().getint("NEWSCRAWL_IMAGE_WIDTH")
    failing = set(site.failure_ids().values())
    pages = []
    with crawls.replica(size) as (base_url, _):
        for ident in [ident for ident in site.article_ids() if ident not in failing][:count]:
            truth = site.truth(ident)
            html = fetch(base_url + truth["url"].removeprefix(origin))[2]
            images = {}
            for image in truth["images"]:
                rendition = image_rendition_url(image["url"], width)
                images[rendition] = fetch(base_url + "/" + rendition.split("/", 3)[3])
            pages.append((truth["url"], html, images))
    return pages


def crawler(workdir: Path):
    settings = {**get_project_settings().copy_to_dict(), "NEWSCRAWL_DATA_DIR": str(workdir), "LOG_ENABLED": False}
    made = get_crawler(Spider, settings)
    made.spider = Spider("bench")
    return made


def run_stages(pages: list, workdir: Path) -> dict:
    made = crawler(workdir)
    site, fetched_at = get_site("voachinese"), datetime.now(timezone.utc)
    validation = ValidationPipeline.from_crawler(made)
    near = NearDuplicatePipeline.from_crawler(made)
    store = crawler_store(made)
    group = made.settings.getint("NEWSCRAWL_STORE_COMMIT_EVERY")
    images = ArticleImagesPipeline.from_crawler(made)
    info = MediaPipeline.SpiderInfo(made.spider)
    spent: dict[str, float] = defaultdict(float)
    feed = (workdir / "feed.jsonl").open("wb", buffering=0)
    exporter = OrjsonLinesItemExporter(feed, encoding="utf-8")
    image_count = 0
    for number, (url, html, fetched_images) in enumerate(pages, 1):
        response = HtmlResponse(url, body=html, encoding="utf-8")
        started = clock()
        page = read_page(response)
        page.is_article()
        page.fields()
        extracted = clock()
        item = load_article(read_page(response), site, fetched_at)
        item["rendered"] = False  # as the spider says of a page fetched over plain HTTP
        loaded = clock()
        spent["extraction"] += extracted - started
        spent["loader"] += (loaded - extracted) - (extracted - started)
        validation.process_item(item)
        validated = clock()
        verdict = near.examine(item["article_id"], item["published_at"], item["body_text"])
        near.mark(item, verdict)
        compared = clock()
        store.save(item)
        if number % group == 0:
            store.commit()
        stored = clock()
        exporter.export_item(item)
        exported = clock()
        for image_url, (status, headers, body) in fetched_images.items():
            image_count += 1
            handle_image(images, Response(image_url, status=status, headers=headers, body=body), info)
        done = clock()
        for stage, (start, end) in {"validation": (loaded, validated), "near_duplicates": (validated, compared),
                                    "store": (compared, stored), "feed_export": (stored, exported),
                                    "images": (exported, done)}.items():
            spent[stage] += end - start
    store.close()
    feed.close()
    return {
        "articles": len(pages),
        "images": image_count,
        "cpu_ms_per_article": {stage: round(1000 * spent[stage] / len(pages), 3) for stage in STAGES},
    }


def handle_image(pipeline: ArticleImagesPipeline, response: Response, info: MediaPipeline.SpiderInfo) -> None:
    """What the pipeline does with a downloaded image: the checks, then storing the original
    and its thumbnails (Scrapy's image_downloaded, which calls our get_images)."""
    try:
        check_image(response, pipeline.max_pixels, pipeline.max_bytes)
    except ImageRefused:
        return
    saving = pipeline.image_downloaded(response, Request(response.url), info)
    try:  # nothing in it waits (the files store writes at once): one step finishes it
        saving.send(None)
    except StopIteration:
        return
    raise RuntimeError("storing an image waited for something")


def near_duplicate_scaling(size: int, clusters: int, workdir: Path) -> dict:
    """CPU ms per article of the near-duplicate stage over every article of the replica, and
    over its first and last thousand."""
    site = ReplicaSite(size=size, clusters=clusters)
    truths = [site.truth(ident) for ident in site.article_ids()]
    near = NearDuplicatePipeline.from_crawler(crawler(workdir))
    store = near.store
    costs, marked = [], 0
    for number, truth in enumerate(truths, 1):
        started = clock()
        verdict = near.examine(truth["article_id"], truth["published_at"], truth["body_text"])
        if number % 100 == 0:
            store.commit()
        costs.append(clock() - started)
        marked += bool(verdict and verdict.duplicate_of)
    store.close()
    marked += len(near.corrections)  # met before their original (ids fall with time)
    first, last = costs[:1000], costs[-1000:]
    return {
        "n": size,
        "clusters": clusters,
        "marked_duplicates": marked,
        "cpu_ms_per_article": round(1000 * sum(costs) / len(costs), 3),
        "first_1000_ms": round(1000 * sum(first) / len(first), 3),
        "last_1000_ms": round(1000 * sum(last) / len(last), 3),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000, help="articles in the replica (default 1000)")
    parser.add_argument("--pages", type=int, default=1000, help="article pages timed (default 1000)")
    parser.add_argument("--near-duplicates", action="store_true", help="time the near-duplicate stage alone")
    parser.add_argument("--clusters", type=int, default=200, help="with --near-duplicates: cluster size (default 200)")
    args = parser.parse_args(argv)
    install_reactor(get_project_settings().get("TWISTED_REACTOR"))  # which the crawler checks; it never runs
    workdir = Path(tempfile.mkdtemp(prefix="newscrawl-stages-"))
    if args.near_duplicates:
        result = near_duplicate_scaling(args.size, args.clusters, workdir)
    else:
        result = {"n": args.size, **run_stages(fetch_pages(args.size, args.pages), workdir)}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
