"""Benchmark of rendering (``NEWSCRAWL_RENDER``): what ``auto`` costs where nothing needs the
browser, and what rendering costs where everything does.

    python3 bench/rendering.py [--plain-size 4000] [--repeat 3] [--scripted-size 2000]

1. Plain pages: a replica without script-built pages crawled with ``-a render=never`` and
   ``-a render=auto`` in turn (``--repeat`` times each, interleaved, so that load from elsewhere
   hits both alike); articles/min and CPU ms/article, medians. The issue's target: auto costs
   at most 3%.
2. Script-built pages: a replica where every article is built by a script
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
import json
import os
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

from bench.crawls import DOWNLOAD_SETTINGS, IMAGES_PIPELINE, REPO, wait_measured  # noqa: E402

SAMPLE_SECONDS = 0.5
RESULTS = REPO / "bench" / "results"


@dataclass
class Run:
    mode: str
    items: int
    rendered: int
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
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
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


def crawl(base_url: str, mode: str, workdir: Path) -> Run:
    workdir.mkdir(parents=True)
    pipelines = get_project_settings().getdict("ITEM_PIPELINES")
    settings = {
        **DOWNLOAD_SETTINGS,
        "ITEM_PIPELINES": json.dumps({path: order for path, order in pipelines.items() if path != IMAGES_PIPELINE}),
        "NEWSCRAWL_DATA_DIR": str(workdir / "data"),
        "NEWSCRAWL_STATS_FILE": str(workdir / "stats.json"),
        "LOG_FILE": str(workdir / "crawl.log"),
    }
    command = [sys.executable, "-m", "scrapy", "crawl", "voa", "-a", f"base_url={base_url}", "-a", f"render={mode}"]
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
        elapsed_s=stats["elapsed_time_seconds"],
        cpu_s=usage.cpu_s,
        browser_launches=stats.get("playwright/browser_count", 0),
        memory=samples,
    )


def plain_pages(size: int, repeat: int, workdir: Path) -> dict[str, list[Run]]:
    runs: dict[str, list[Run]] = {"never": [], "auto": []}
    for attempt in range(repeat):
        for mode in ("never", "auto"):
            process, base_url = replica(size, "none")
            try:
                runs[mode].append(crawl(base_url, mode, workdir / f"plain-{mode}-{attempt}"))
            finally:
                process.terminate()
                process.wait()
            print(f"plain {mode} #{attempt + 1}: {runs[mode][-1].per_min:,.0f} articles/min", flush=True)
    return runs


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


def report(plain: dict[str, list[Run]], scripted: Run, command: str) -> str:
    never = plain["never"]
    rate = {mode: statistics.median(r.per_min for r in runs) for mode, runs in plain.items()}
    cpu = {mode: statistics.median(r.cpu_ms_per_item for r in runs) for mode, runs in plain.items()}
    lines = [
        f"# Rendering benchmark, {date.today().isoformat()}",
        "",
        f"`{command}` on {os.cpu_count()} cores, load average at the end {os.getloadavg()[0]:.1f}"
        " (other work shared the machine). Images off; download settings of bench/crawls.py.",
        "",
        f"## Plain pages: auto against never ({never[0].items:,} articles per crawl, {len(never)} crawls each, interleaved)",
        "",
        "| mode | articles/min (each crawl) | median | CPU ms/article (median) | browser launches |",
        "|---|---|---:|---:|---:|",
    ]
    for mode, runs in plain.items():
        each = ", ".join(f"{r.per_min:,.0f}" for r in runs)
        lines.append(f"| {mode} | {each} | {rate[mode]:,.0f} | {cpu[mode]:.2f} | {max(r.browser_launches for r in runs)} |")
    lines += [
        "",
        f"auto against never: articles/min {100 * (rate['auto'] / rate['never'] - 1):+.1f}%, "
        f"CPU per article {100 * (cpu['auto'] / cpu['never'] - 1):+.1f}% (target: auto costs at most 3%).",
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
    parser.add_argument("--repeat", type=int, default=3, help="crawls per mode of the plain replica (default 3)")
    parser.add_argument("--scripted-size", type=int, default=2000, help="articles of the script-built replica (default 2000)")
    parser.add_argument("--out", type=Path, default=RESULTS / f"{date.today().isoformat()}-rendering.md")
    args = parser.parse_args(argv)
    command = "python3 bench/rendering.py " + " ".join(argv if argv is not None else sys.argv[1:])
    with TemporaryDirectory(prefix="bench-rendering-") as tmp:
        plain = plain_pages(args.plain_size, args.repeat, Path(tmp))
        scripted = scripted_pages(args.scripted_size, Path(tmp))
    text = report(plain, scripted, command.strip())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
