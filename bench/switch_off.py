"""The experiment behind the benchmark's explanation of the crawl-speed gap: the crawl without
images with item pipelines switched off, against the same fetch-only ceiling.

    python3 bench/switch_off.py [--size 4000]

Crawls a fresh replica of ``--size`` articles (bench/crawls.py's settings) four ways: the
fetch-only ceiling, the ``voa`` spider with no item pipeline (extraction and Scrapy's item
path only), without the images and near-duplicate pipelines, and without images (the
benchmark's ``full_no_images``). Prints one JSON line per crawl: its measures, its articles/min
as a share of the ceiling's (``ratio``), the ceiling's CPU per article as a share of its own
(``cpu_ratio``: equal to ``ratio`` when the crawl is bound by its CPU), and the cores it used.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "newscrawl.settings")

from bench.crawls import IMAGES_PIPELINE, Crawl, crawls, pipelines_without, run_crawl  # noqa: E402 - the project first


def variants() -> list[Crawl]:
    benchmark = {crawl.name: crawl for crawl in crawls()}
    voa = ("crawl", "voa")
    return [
        benchmark["fetch_only"],
        Crawl("no_pipelines", voa, "item_scraped_count", (("ITEM_PIPELINES", "{}"),)),
        Crawl("no_images_no_near_duplicates", voa, "item_scraped_count",
              pipelines_without(IMAGES_PIPELINE, "near_duplicates")),
        benchmark["full_no_images"],
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=4000, help="articles in the replica (default 4000)")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="newscrawl-switch-off-"))
    ceiling = None
    for crawl in variants():
        measured = run_crawl(crawl, args.size, workdir / crawl.name)
        ceiling = ceiling or measured
        print(json.dumps({
            **measured.record(),
            "ratio": round(measured.articles_per_min / ceiling.articles_per_min, 3),
            "cpu_ratio": round(ceiling.cpu_ms_per_article / measured.cpu_ms_per_article, 3),
            "cores": round(measured.cpu_s / measured.elapsed_s, 2),
        }), flush=True)


if __name__ == "__main__":
    main()
