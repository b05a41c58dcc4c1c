"""Soak test: a real ``scrapy crawl voa`` against a replica where a share of responses is faulty.

    python3 scripts/soak.py                       # 20,000 articles, 5% faulty, every kind
    python3 scripts/soak.py --size 500 --kinds http_5xx,gzip_bomb --rate 0.1

Prints one row per fault kind: times injected, targets hit, what the crawl made of them, and
whether that is the right outcome (see newscrawl/replica/faults.py); then every article lost
(neither stored nor listed with a reason in the crawl's log) or stored wrong, with the fault
that hit it; then peak memory and duration. Exits 1 when an article is lost or stored wrong.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from newscrawl.loaders import MEDIA_KINDS  # noqa: E402
from newscrawl.pipelines.images import stored_name  # noqa: E402
from newscrawl.replica import FaultPlan, ReplicaSite, serve  # noqa: E402
from newscrawl.replica.faults import FAILED, KINDS, RECOVERED, REFUSED  # noqa: E402
from newscrawl.urls import article_id  # noqa: E402

_LOST = re.compile(r"Lost (?P<what>article|source) (?P<url>\S+): (?P<reason>\S+) \((?P<detail>.*)\)$", re.M)
# Sources read despite a problem, which the crawl logs as a warning and counts in its stats.
_SOURCE_WARNINGS = (
    (re.compile(r"Damaged \S+ (?P<url>\S+), read as far as it goes"), "source damaged"),
    (re.compile(r"Feed (?P<url>\S+) lists no item"), "source empty_feed"),
    (re.compile(r"Page (?P<url>\S+) links to no article, section or feed"), "source empty_html"),
)
MEDIA_PAGE = "stored as a media page without text"
COMPARED = ("title", "body_text", "published_at", "authors")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--rate", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--kinds", default="all")
    parser.add_argument("--timeout", type=float, default=5.0, help="the crawler's DOWNLOAD_TIMEOUT (s)")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="keep feed, stats and log here (a new or empty directory)")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="soak-"))
    workdir.mkdir(parents=True, exist_ok=True)
    if any(workdir.iterdir()):
        # A store left by an earlier run would make this one incremental: not a soak.
        parser.error(f"--workdir {workdir} is not empty")
    plan = FaultPlan.parse(
        args.kinds, rate=args.rate, seed=args.seed, delay=args.timeout + 3, oversize_bytes=17 * 2**20,
    )
    site = ReplicaSite(size=args.size, seed=args.seed)
    with serve(site, faults=plan) as server:
        started = time.monotonic()
        returncode = crawl(server.base_url, workdir, args.timeout)
        duration = time.monotonic() - started
        report = server.replica.faults.report() if server.replica.faults else {"injected": {}, "requests": {}}
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    (workdir / "faults.json").write_text(json.dumps(report, indent=1, ensure_ascii=False))
    result = Result.read(workdir, site)
    print(f"crawl exit {returncode}, finish reason {result.stats.get('finish_reason')!r}, "
          f"{len(result.items)} items, log_count/ERROR {result.stats.get('log_count/ERROR', 0)}; files in {workdir}")
    print(table(report, result))
    problems = result.problems(report)
    print(f"\narticles lost or stored wrong: {len(problems)}")
    for line in problems:
        print("  " + line)
    print(f"\npeak memory (crawler RSS): {peak_mib:.0f} MiB; duration: {duration:.0f} s")
    return 1 if problems else 0


def crawl(base_url: str, workdir: Path, timeout: float) -> int:
    settings = {
        "NEWSCRAWL_DATA_DIR": workdir / "data",
        "NEWSCRAWL_STATS_FILE": workdir / "stats.json",
        "NEWSCRAWL_RETRY_BACKOFF_BASE": 0.5,
        "DOWNLOAD_TIMEOUT": timeout,
        "NEWSCRAWL_PROGRESS_INTERVAL": 10,
    }
    command = [sys.executable, "-m", "scrapy", "crawl", "voa", "-a", f"base_url={base_url}",
               "-O", f"{workdir / 'items.jsonl'}:jsonlines"]
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    with open(workdir / "crawl.log", "w") as log:
        return subprocess.run(command, cwd=REPO, stderr=log, stdout=log).returncode


def target_of(url: str) -> str:
    """The path and query of a URL: what the replica serves, whatever the host.

    >>> target_of("https://www.voachinese.com/z/1769?p=25")
    '/z/1769?p=25'
    """
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _article_id(target: str) -> str | None:
    return article_id("https://www.voachinese.com" + target)


class Result:
    """What the crawl left: items by article id, its stats, and the reasons it logged."""

    def __init__(self, items: list[dict], stats: dict, log: str, site: ReplicaSite):
        self.items = {item["article_id"]: item for item in items}
        self.duplicates = len(items) - len(self.items)
        self.stats, self.site = stats, site
        self.lost: dict[str, str] = {}
        for match in _LOST.finditer(log):
            self.lost[target_of(match["url"])] = f"{match['what']} {match['reason']}"
        for pattern, reason in _SOURCE_WARNINGS:
            for match in pattern.finditer(log):
                self.lost.setdefault(target_of(match["url"]), reason)
        self.lost_articles = {  # by article id: whichever of its URLs (slug, query) was logged
            ident: reason for target, reason in self.lost.items() if (ident := _article_id(target))
        }
        self.images = {
            stored_name(image["url"]): image for item in items for image in item.get("images", [])
        }

    @classmethod
    def read(cls, workdir: Path, site: ReplicaSite) -> Result:
        feed, stats = workdir / "items.jsonl", workdir / "stats.json"
        items = [json.loads(line) for line in feed.read_text().splitlines()] if feed.exists() else []
        return cls(items, json.loads(stats.read_text()) if stats.exists() else {},
                   (workdir / "crawl.log").read_text(errors="replace"), site)

    def outcome(self, target: str) -> str:
        """What became of one faulty target, in the soak table's words."""
        ident = _article_id(target)
        if ident:
            if ident in self.items:
                if self.is_right(ident):
                    return "stored"
                return MEDIA_PAGE if self.is_textless_media_page(ident) else "stored WRONG"
            lost = self.lost_articles.get(ident)
            return f"failed: {lost}" if lost else "LOST"
        if target in self.lost:
            return f"failed: {self.lost[target]}"
        image = self.images.get(stored_name(target))
        if image is not None:
            error = re.sub(r"\S+://\S+", "<url>", image.get("error", ""))
            return f"image refused: {error}" if error else "image stored"
        return "no failure logged"

    def is_right(self, ident: str) -> bool:
        truth, item = self.site.truth(ident), self.items[ident]
        return all(item.get(field) == truth[field] for field in COMPARED)

    def is_textless_media_page(self, ident: str) -> bool:
        """A video, audio or gallery page whose text was removed: by design such pages are
        items (their media is the content), never dropped as incomplete."""
        item = self.items[ident]
        return item["kind"] in MEDIA_KINDS and not item["body"] and bool(item["media"] or item["images"])

    def problems(self, report: dict) -> list[str]:
        hits = defaultdict(list)  # article id -> faults on its pages (any slug, AMP copy)
        for kind, entries in report["injected"].items():
            for target, detail in entries:
                if ident := _article_id(target):
                    hits[ident].append(f"{kind} at {target} ({detail})")
        lines = []
        for ident in self.site.article_ids():
            cause = "; ".join(dict.fromkeys(hits.get(ident, []))) or "no fault on its pages"
            if ident in self.items and not self.is_right(ident) and not self.is_textless_media_page(ident):
                wrong = [f for f in COMPARED if self.items[ident].get(f) != self.site.truth(ident)[f]]
                lines.append(f"{ident} stored with wrong {', '.join(wrong)}: {cause}")
            elif ident not in self.items and ident not in self.lost_articles:
                lines.append(f"{ident} lost without a reason: {cause}")
        if self.duplicates:
            lines.append(f"{self.duplicates} articles emitted more than once")
        return lines


def right(kind: str, outcome: str) -> bool:
    expected = KINDS[kind].outcome
    if outcome in ("LOST", "stored WRONG"):
        return False
    if expected == RECOVERED:
        return outcome in ("stored", "image stored", "no failure logged")
    if expected in (FAILED, REFUSED):
        return (
            outcome.startswith(("failed", "image refused"))
            or outcome == "no failure logged" and kind == "xml_entities"
            or outcome == MEDIA_PAGE and kind == "empty_article"
        )
    return False


def table(report: dict, result: Result) -> str:
    rows = [("fault kind", "injected", "targets", "right outcome", "outcomes seen", "ok")]
    for kind in KINDS:
        entries = report["injected"].get(kind, [])
        targets = list(dict.fromkeys(target for target, _ in entries))
        outcomes = Counter(result.outcome(target) for target in targets)
        ok = all(right(kind, outcome) for outcome in outcomes)
        seen = ", ".join(f"{outcome} x{count}" for outcome, count in outcomes.most_common()) or "-"
        rows.append((kind, str(len(entries)), str(len(targets)), KINDS[kind].outcome, seen, "yes" if ok else "NO"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 2)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + f"  {row[-2]}  [{row[-1]}]" for row in rows
    )


if __name__ == "__main__":
    sys.exit(main())
