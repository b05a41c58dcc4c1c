"""Benchmark of rendering (``NEWSCRAWL_RENDER``): what ``auto`` costs where nothing needs the
browser, and what rendering costs where everything does.

    python3 bench/rendering.py [--plain-size 4000] [--repeat 8] [--count-size 500] [--scripted-size 2000]

1. Plain pages: a replica without script-built pages crawled with ``-a render=never`` and
   ``-a render=auto`` in turn (``--repeat`` times each, interleaved, so that load from elsewhere
   hits both alike); articles/min and CPU ms/article, medians, and the CPU ratio of each pair
   of crawls with its 95% confidence interval. The issue's target: auto costs at most 3%.
2. Two measures that the machine's noise (CPU time of one mode spreads by 10-15% between
   crawls here) cannot move. What auto adds to a plain request, timed alone in this process:
   RenderMiddleware in the downloader middleware chain, the download handler's dispatch, and
   the spider's look at the site registry; as a share of never's CPU per article. And the
   Python function calls of whole crawls of ``--count-size`` articles in each mode (twice),
   counted by cProfile: a count, the same from run to run within a few hundredths of a percent.
3. Script-built pages: a replica where every article is built by a script
   (``--scripted all``), crawled with the defaults: every article is fetched, found to need the
   browser and rendered. Pages rendered per minute, and the memory of Chromium's processes
   (the crawl process's descendants but Playwright's driver), sampled every
   ``SAMPLE_SECONDS``: the peak of their summed RSS and of their summed PSS (RSS counts pages
   the processes share once per process), overall and per quarter of the crawl, to show
   whether it grows.

Images are off in both (the images pipeline would dominate and is no part of rendering);
download settings are bench/crawls.py's. Results go to ``bench/results/<date>-rendering.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import pstats
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from tempfile import TemporaryDirectory

from scrapy.utils.project import get_project_settings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.crawls import DOWNLOAD_SETTINGS, IMAGES_PIPELINE, REPO, pipelines_without, wait_measured  # noqa: E402

SAMPLE_SECONDS = 0.5
RESULTS = REPO / "bench" / "results"
ARTICLE = "https://www.voachinese.com/a/talks-20250218/7978772.html"
TIMED_REQUESTS = 20_000  # per timing of auto's own work; the best of TIMINGS counts
TIMINGS = 5
# Two-sided 95% quantiles of Student's t by degrees of freedom, for the paired crawls' interval.
T_95 = {1: 12.71, 2: 4.30, 3: 3.18, 4: 2.78, 5: 2.57, 6: 2.45, 7: 2.36, 8: 2.31, 9: 2.26, 10: 2.23, 15: 2.13, 20: 2.09}


@dataclass
class Run:
    mode: str
    items: int
    rendered: int
    requests: int
    elapsed_s: float
    cpu_s: float
    browser_launches: int
    memory: list[tuple[float, float, float]] = field(default_factory=list)  # (seconds, RSS MiB, PSS MiB)

    @property
    def per_min(self) -> float:
        return 60 * self.items / self.elapsed_s

    @property
    def renders_per_min(self) -> float:
        return 60 * self.rendered / self.elapsed_s

    @property
    def cpu_ms_per_item(self) -> float:
        return 1000 * self.cpu_s / self.items


def descendants(pid: int) -> list[int]:
    found, pending = [], [pid]
    while pending:
        parent = pending.pop()
        try:  # a process may end while it is read
            children = [int(c) for task in Path(f"/proc/{parent}/task").iterdir()
                        for c in (task / "children").read_text().split()]
        except OSError:
            continue
        found += children
        pending += children
    return found


def memory_kib(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in KiB; (0, 0) once it is gone."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    except OSError:
        return 0, 0
    values = {line.split(":")[0]: int(line.split()[1]) for line in rollup[1:] if line.split()[1:2] and line.split()[1].isdigit()}
    return values.get("Rss", 0), values.get("Pss", 0)


def is_browser(pid: int) -> bool:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
    except OSError:
        return False
    return b"chrom" in command


def sample_browser_memory(pid: int, samples: list, stop: threading.Event) -> None:
    started = time.perf_counter()
    while not stop.wait(SAMPLE_SECONDS):
        browsers = [child for child in descendants(pid) if is_browser(child)]
        rss, pss = map(sum, zip(*(memory_kib(child) for child in browsers))) if browsers else (0, 0)
        samples.append((time.perf_counter() - started, rss / 1024, pss / 1024))


def replica(size: int, scripted: str) -> tuple[subprocess.Popen, str]:
    command = [sys.executable, "-m", "newscrawl.replica", "--size", str(size), "--scripted", scripted]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    if not line.startswith("serving "):
        raise RuntimeError(f"the replica did not start: {line!r}")
    return process, line.split()[1]


def crawl(base_url: str, mode: str, workdir: Path, profile: Path | None = None) -> Run:
    """One crawl in ``mode``; under cProfile, writing its stats to ``profile``, when given."""
    workdir.mkdir(parents=True)
    settings = {
        **DOWNLOAD_SETTINGS,
        **dict(pipelines_without(IMAGES_PIPELINE)),
        "NEWSCRAWL_DATA_DIR": str(workdir / "data"),
        "NEWSCRAWL_STATS_FILE": str(workdir / "stats.json"),
        "LOG_FILE": str(workdir / "crawl.log"),
    }
    profiler = ["-m", "cProfile", "-o", str(profile)] if profile else []
    command = [sys.executable, *profiler, "-m", "scrapy", "crawl", "voa", "-a", f"base_url={base_url}", "-a", f"render={mode}"]
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    samples: list = []
    stop = threading.Event()
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL)
    sampler = threading.Thread(target=sample_browser_memory, args=(process.pid, samples, stop))
    sampler.start()
    usage = wait_measured(process, started)
    stop.set()
    sampler.join()
    stats = json.loads((workdir / "stats.json").read_text())
    if usage.returncode or stats.get("finish_reason") != "finished":
        raise RuntimeError(f"the {mode} crawl failed (exit {usage.returncode}); see {workdir / 'crawl.log'}")
    return Run(
        mode=mode,
        items=stats.get("item_scraped_count", 0),
        rendered=stats.get("newscrawl/render/rendered", 0),
        requests=stats.get("downloader/request_count", 0),
        elapsed_s=stats["elapsed_time_seconds"],
        cpu_s=usage.cpu_s,
        browser_launches=stats.get("playwright/browser_count", 0),
        memory=samples,
    )


def plain_pages(size: int, repeat: int, workdir: Path) -> dict[str, list[Run]]:
    runs: dict[str, list[Run]] = {"never": [], "auto": []}
    for attempt in range(repeat):
        for mode in ("never", "auto") if attempt % 2 == 0 else ("auto", "never"):  # neither always first
            process, base_url = replica(size, "none")
            try:
                runs[mode].append(crawl(base_url, mode, workdir / f"plain-{mode}-{attempt}"))
            finally:
                process.terminate()
                process.wait()
            print(f"plain {mode} #{attempt + 1}: {runs[mode][-1].per_min:,.0f} articles/min, "
                  f"{runs[mode][-1].cpu_ms_per_item:.2f} CPU ms/article", flush=True)
    return runs


def calls_per_article(size: int, workdir: Path) -> dict[str, list[float]]:
    """Python function calls per article of two whole crawls in each mode, counted by cProfile."""
    counted: dict[str, list[float]] = {"never": [], "auto": []}
    for attempt in range(2):
        for mode in counted:
            process, base_url = replica(size, "none")
            profile = workdir / f"calls-{mode}-{attempt}.prof"
            try:
                run = crawl(base_url, mode, workdir / f"calls-{mode}-{attempt}", profile)
            finally:
                process.terminate()
                process.wait()
            counted[mode].append(pstats.Stats(str(profile)).total_calls / run.items)
    return counted


def scripted_pages(size: int, workdir: Path) -> Run:
    process, base_url = replica(size, "all")
    try:
        return crawl(base_url, "auto", workdir / "scripted")
    finally:
        process.terminate()
        process.wait()


def quarters(memory: list[tuple[float, float, float]]) -> list[tuple[float, float]]:
    """Peak (RSS, PSS) in each quarter of the samples."""
    size = max(1, len(memory) // 4)
    chunks = [memory[i:i + size] for i in range(0, len(memory), size)][:4]
    return [(max(s[1] for s in chunk), max(s[2] for s in chunk)) for chunk in chunks if chunk]


def paired_cpu_ratio(plain: dict[str, list[Run]]) -> tuple[float, float, float]:
    """Auto's CPU per article against never's, crawl pair by crawl pair: mean ratio and its 95%
    confidence interval (Student's t over the pairs)."""
    ratios = [a.cpu_ms_per_item / n.cpu_ms_per_item for n, a in zip(plain["never"], plain["auto"])]
    mean = statistics.fmean(ratios)
    if len(ratios) < 2:
        return mean, math.nan, math.nan
    t = T_95[max(k for k in T_95 if k <= len(ratios) - 1)]
    half = t * statistics.stdev(ratios) / math.sqrt(len(ratios))
    return mean, mean - half, mean + half


def auto_work_per_request() -> dict[str, float]:
    """Microseconds of CPU that auto adds to a plain request, each part timed alone (best of
    TIMINGS runs of TIMED_REQUESTS requests): RenderMiddleware in a downloader middleware
    chain (the chain with it against the chain without), RenderingDownloadHandler's dispatch
    (with Scrapy's own handler's work replaced by nothing), and the spider's registry check."""
    from scrapy.utils.reactor import install_reactor

    install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
    # Only now: these import Twisted's reactor, which would otherwise be its default one.
    from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
    from scrapy.core.downloader.middleware import DownloaderMiddlewareManager
    from scrapy.http import HtmlResponse, Request
    from scrapy.utils.test import get_crawler

    from newscrawl.rendering import RenderingDownloadHandler
    from newscrawl.spiders.voa import VoaSpider

    own = {name: value for name, value in get_project_settings().items() if name.startswith("NEWSCRAWL_")}
    response = HtmlResponse(ARTICLE, body=b"<html></html>")

    def crawler(middlewares: dict, mode: str = "auto"):
        made = get_crawler(settings_dict={**own, "NEWSCRAWL_RENDER": mode, "DOWNLOADER_MIDDLEWARES_BASE": {},
                                          "DOWNLOADER_MIDDLEWARES": middlewares})
        made.stats.open_spider()
        return made

    async def nothing(*_) -> HtmlResponse:
        return response

    async def timed(call) -> float:
        best = math.inf
        for _ in range(TIMINGS):
            requests = [Request(ARTICLE, meta={"playwright": False}) for _ in range(TIMED_REQUESTS)]
            started = time.thread_time()
            for request in requests:
                await call(request)
            best = min(best, time.thread_time() - started)
        return 1e6 * best / TIMED_REQUESTS

    async def measure() -> dict[str, float]:
        chains = {}
        for label, middlewares in (("without", {}), ("with", {"newscrawl.rendering.RenderMiddleware": 920})):
            manager = DownloaderMiddlewareManager.from_crawler(crawler(middlewares))
            chains[label] = await timed(lambda request, m=manager: m.download_async(nothing, request))
        handler = RenderingDownloadHandler(crawler({}))
        HTTP11DownloadHandler.download_request = nothing  # Scrapy's own work, the same in never: left out
        direct = await timed(lambda request: nothing(handler, request))
        dispatched = await timed(handler.download_request)
        spiders = {mode: VoaSpider.from_crawler(crawler({}, mode)) for mode in ("never", "auto")}
        registry = {mode: await timed(lambda request, s=spider: nothing(s.registry_render(request.url)))
                    for mode, spider in spiders.items()}
        return {
            "middleware": chains["with"] - chains["without"],
            "handler": dispatched - direct,
            "registry": registry["auto"] - registry["never"],
        }

    return asyncio.run(measure())


def report(plain: dict[str, list[Run]], own_work: dict[str, float], calls: dict[str, list[float]], scripted: Run,
           command: str) -> str:
    never = plain["never"]
    rate = {mode: statistics.median(r.per_min for r in runs) for mode, runs in plain.items()}
    cpu = {mode: statistics.median(r.cpu_ms_per_item for r in runs) for mode, runs in plain.items()}
    lines = [
        f"# Rendering benchmark, {date.today().isoformat()}",
        "",
        f"`{command}` on {os.cpu_count()} cores, load average at the end {os.getloadavg()[0]:.1f}"
        " (Chromium's own, after the script-built pages). Images off; download settings of bench/crawls.py.",
        "",
        f"## Plain pages: auto against never ({never[0].items:,} articles per crawl, {len(never)} crawls each, interleaved)",
        "",
        "| mode | articles/min (each crawl) | median | CPU ms/article (each crawl) | median | browser launches |",
        "|---|---|---:|---|---:|---:|",
    ]
    for mode, runs in plain.items():
        rates = ", ".join(f"{r.per_min:,.0f}" for r in runs)
        cpus = ", ".join(f"{r.cpu_ms_per_item:.2f}" for r in runs)
        launches = max(r.browser_launches for r in runs)
        lines.append(f"| {mode} | {rates} | {rate[mode]:,.0f} | {cpus} | {cpu[mode]:.2f} | {launches} |")
    mean, low, high = paired_cpu_ratio(plain)
    per_request = sum(own_work.values())
    requests_per_article = statistics.median(r.requests / r.items for r in never)
    lines += [
        "",
        f"auto against never: articles/min {100 * (rate['auto'] / rate['never'] - 1):+.1f}%, "
        f"CPU per article {100 * (cpu['auto'] / cpu['never'] - 1):+.1f}% (medians; target: auto costs at most 3%).",
        f"Crawl by crawl, auto's CPU per article over never's: {100 * (mean - 1):+.1f}% on average, "
        f"95% confidence interval {100 * (low - 1):+.1f}% to {100 * (high - 1):+.1f}%.",
        "",
        "What auto adds to each plain request, timed alone (CPU µs, best of "
        f"{TIMINGS} x {TIMED_REQUESTS:,} requests): "
        + ", ".join(f"{part} {us:.2f}" for part, us in own_work.items())
        + f"; {per_request:.2f} µs in all. At {requests_per_article:.2f} requests per article, that is "
        f"**{100 * per_request * requests_per_article / (1000 * cpu['never']):.2f}%** of never's {cpu['never']:.2f} CPU ms per article.",
        "",
        "Python function calls per article of whole crawls (cProfile, start-up included): "
        + "; ".join(f"{mode} " + ", ".join(f"{c:,.0f}" for c in counts) for mode, counts in calls.items())
        + f": auto makes **{100 * (statistics.fmean(calls['auto']) / statistics.fmean(calls['never']) - 1):+.2f}%** calls.",
        "",
        f"## Script-built pages: every article rendered ({scripted.rendered:,} renders)",
        "",
        f"- {scripted.items:,} articles stored, {scripted.rendered:,} pages rendered in {scripted.elapsed_s:.0f} s: "
        f"**{scripted.renders_per_min:,.0f} renders/min**; CPU {scripted.cpu_ms_per_item:.0f} ms/article (crawl process and waited children)",
        f"- browser launches: {scripted.browser_launches}",
    ]
    if scripted.memory:
        lines += [
            f"- Chromium's processes, peak of summed RSS: **{max(s[1] for s in scripted.memory):,.0f} MiB**, "
            f"of summed PSS: **{max(s[2] for s in scripted.memory):,.0f} MiB** ({len(scripted.memory)} samples every {SAMPLE_SECONDS} s)",
            "- peak per quarter of the crawl (RSS / PSS MiB): "
            + ", ".join(f"{rss:,.0f} / {pss:,.0f}" for rss, pss in quarters(scripted.memory)),
        ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plain-size", type=int, default=4000, help="articles of the plain replica (default 4000)")
    parser.add_argument("--repeat", type=int, default=8, help="crawls per mode of the plain replica (default 8)")
    parser.add_argument("--count-size", type=int, default=500, help="articles of the crawls whose calls are counted (default 500)")
    parser.add_argument("--scripted-size", type=int, default=2000, help="articles of the script-built replica (default 2000)")
    parser.add_argument("--out", type=Path, default=RESULTS / f"{date.today().isoformat()}-rendering.md")
    args = parser.parse_args(argv)
    command = "python3 bench/rendering.py " + " ".join(argv if argv is not None else sys.argv[1:])
    with TemporaryDirectory(prefix="bench-rendering-") as tmp:
        plain = plain_pages(args.plain_size, args.repeat, Path(tmp))
        calls = calls_per_article(args.count_size, Path(tmp))
        scripted = scripted_pages(args.scripted_size, Path(tmp))
    text = report(plain, auto_work_per_request(), calls, scripted, command.strip())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
