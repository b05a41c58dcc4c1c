"""Running real ``scrapy crawl`` processes in tests, and reading what they wrote."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SEED_DOCUMENT = REPO / "tests" / "fixtures" / "seed" / "000_643a62e685c401ee.txt"
CRAWL_TIMEOUT = 600
# The item fields the replica's truth states, compared field by field in end-to-end tests.
COMPARED_FIELDS = (
    "url", "article_id", "site", "language", "direction", "kind", "title", "summary", "authors", "section", "tags",
    "published_at", "updated_at", "dateline", "body", "body_text", "sources", "images", "media",
)


@dataclass
class Crawl:
    returncode: int
    items: list[dict]
    stats: dict
    log: str

    def stat(self, key: str) -> int:
        return self.stats.get(key, 0)

    def item(self, article_id: str) -> dict:
        matches = [i for i in self.items if i["article_id"] == article_id]
        assert len(matches) == 1, f"{len(matches)} items for article {article_id}"
        return matches[0]


def run_crawl(workdir: Path, *arguments: str, base_url: str | None = None, settings: dict | None = None) -> Crawl:
    """``scrapy crawl voa`` in a subprocess, with its feed, stats and data dir under ``workdir``."""
    command = crawl_command(workdir, *arguments, base_url=base_url, settings=settings)
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=CRAWL_TIMEOUT)
    return crawl_result(workdir, done.returncode, done.stderr)


def crawl_command(workdir: Path, *arguments: str, base_url: str | None = None, settings: dict | None = None) -> list[str]:
    """The ``scrapy crawl voa`` command of :func:`run_crawl`, to run it some other way."""
    workdir.mkdir(parents=True, exist_ok=True)
    feed, stats = workdir / "items.jsonl", workdir / "stats.json"
    options = {
        "NEWSCRAWL_DATA_DIR": str(workdir / "data"),
        "NEWSCRAWL_STATS_FILE": str(stats),
        "NEWSCRAWL_PROGRESS_INTERVAL": "1",
        **(settings or {}),
    }
    command = [sys.executable, "-m", "scrapy", "crawl", "voa", "-O", f"{feed}:jsonlines"]
    if base_url:
        command += ["-a", f"base_url={base_url}"]
    for name, value in options.items():
        command += ["-s", f"{name}={value}"]
    return command + list(arguments)


def run_site_crawls(workdir: Path, base_urls: dict[str, str], arguments: dict | None = None,
                    settings: dict | None = None) -> dict[str, Crawl]:
    """One ``voa`` crawl per site (key -> replay origin), all in one Scrapy process
    (:mod:`tests.crawl_sites`); each site's feed, stats and data dir under ``workdir/<key>``."""
    workdir.mkdir(parents=True, exist_ok=True)
    plan = [
        {"site": key, "base_url": url, "workdir": str(workdir / key), "arguments": arguments or {},
         "settings": {"NEWSCRAWL_PROGRESS_INTERVAL": 1, **(settings or {})}}
        for key, url in base_urls.items()
    ]
    (workdir / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    command = [sys.executable, "-m", "tests.crawl_sites", str(workdir / "plan.json")]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=CRAWL_TIMEOUT)
    return {key: crawl_result(workdir / key, done.returncode, done.stderr) for key in base_urls}


def crawl_result(workdir: Path, returncode: int, log: str) -> Crawl:
    """What the crawl of :func:`crawl_command` in ``workdir`` wrote."""
    stats = workdir / "stats.json"
    return Crawl(
        returncode=returncode,
        items=read_jsonl(workdir / "items.jsonl"),
        stats=json.loads(stats.read_text()) if stats.exists() else {},
        log=log,
    )


def read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def extracted(item: dict, field: str):
    """A field as the page gave it, without what the images pipeline adds to each image."""
    if field == "images":
        return [{key: image[key] for key in ("url", "caption", "is_cover")} for image in item["images"]]
    return item[field]
