"""Several ``voa`` crawls in one Scrapy process, one per site, each with its own feed, stats and
data dir: what ``scrapy crawl voa -a site=KEY -a base_url=URL`` does, without paying Scrapy's
start-up once per site.

    python -m tests.crawl_sites PLAN.json

PLAN.json lists ``{"site": KEY, "base_url": URL, "workdir": DIR, "arguments": {...}, "settings":
{...}}`` (the last two optional); each
crawl writes ``DIR/items.jsonl`` and ``DIR/stats.json`` as :func:`tests.crawling.run_crawl` does.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.utils.project import get_project_settings

from newscrawl.spiders.voa import VoaSpider


def crawl_settings(workdir: Path, extra: dict):
    settings = get_project_settings()
    settings.setdict({
        **extra,
        "NEWSCRAWL_DATA_DIR": str(workdir / "data"),
        "NEWSCRAWL_STATS_FILE": str(workdir / "stats.json"),
        "FEEDS": {str(workdir / "items.jsonl"): {"format": "jsonlines", "overwrite": True}},
    }, priority="cmdline")
    return settings


def main(plan_file: str) -> None:
    plan = json.loads(Path(plan_file).read_text(encoding="utf-8"))
    process = CrawlerProcess(get_project_settings())
    for i, crawl in enumerate(plan):
        workdir = Path(crawl["workdir"])
        workdir.mkdir(parents=True, exist_ok=True)
        crawler = Crawler(VoaSpider, crawl_settings(workdir, crawl.get("settings", {})), init_reactor=i == 0)
        process.crawl(crawler, site=crawl["site"], base_url=crawl["base_url"], **crawl.get("arguments", {}))
    process.start()


if __name__ == "__main__":
    main(sys.argv[1])
