"""The newscrawl benchmark: the crawler against its ceiling and its peers, at growing scale.

    python3 bench/run.py [--sizes 1000,4000,16000] [--pages 300] [--profile N]

For each N it crawls a fresh replica of N articles three ways, one process after another: the
fetch-only ceiling (bench/fetch_only.py), the full ``voa`` spider with every default pipeline
but images, and the full spider. Then it times extraction alone on the same article pages for
newscrawl and its peers (trafilatura, Fundus's VOA parser, newspaper4k), installed only in
bench/.venv from bench/requirements*.txt, which this script creates or refreshes. It writes
bench/results/<date>.json, <date>.md and <date>-throughput.png / <date>-memory.png.

Then ``bench/stages.py`` times each stage of the crawl alone on the smallest N's pages, and
the near-duplicate stage alone at each ``--near-duplicate-sizes`` N with clusters of
``--clusters`` near-identical bodies.

``--profile N`` then crawls N articles once more (full, no images) under py-spy and writes the
functions that took the most time to bench/results/<date>-profile.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "newscrawl.settings")

import scrapy  # noqa: E402 - the project must be importable first

import crawls  # noqa: E402
import report  # noqa: E402
from newscrawl.replica import ReplicaSite  # noqa: E402

DEFAULT_SIZES = (1_000, 4_000, 16_000)
MAX_SIZE = 100_000
VENVS = {"peers": BENCH / "requirements.txt", "fundus": BENCH / "requirements-fundus.txt"}
EXTRACTORS = {"newscrawl": None, "trafilatura": "peers", "fundus": "fundus", "newspaper4k": "peers"}  # -> venv
PROFILE_TOP = 30
_LINE_NUMBER = re.compile(r":\d+\)$")  # py-spy frames read "function (path/file.py:LINE)"


# --- The benchmark's own environment -------------------------------------------------------------


def venv_python(name: str) -> Path:
    """bench/.venv/<name>'s interpreter, created or refreshed when its requirements changed."""
    venv, requirements = BENCH / ".venv" / name, VENVS[name]
    python, stamp = venv / "bin" / "python", venv / "requirements.sha256"
    wanted = hashlib.sha256(requirements.read_bytes()).hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    print(f"installing {requirements.relative_to(REPO)} into {venv.relative_to(REPO)}", flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)  # the bundled pip mis-resolves lxml[html-clean]
    subprocess.run([*pip, "-r", str(requirements)], check=True)
    stamp.write_text(wanted)
    return python


# --- Crawls ------------------------------------------------------------------------------------


def crawl_all(sizes: list[int], workdir: Path) -> list[dict]:
    records = []
    for size in sizes:
        ceiling = None
        for crawl in crawls.crawls():
            measured = crawls.run_crawl(crawl, size, workdir / f"{size}-{crawl.name}")
            ceiling = ceiling or measured.articles_per_min
            record = {**measured.record(), "ratio_to_ceiling": round(measured.articles_per_min / ceiling, 3)}
            records.append(record)
            print(
                f"N={size:>6} {crawl.name:<15} {record['articles']:>6} articles  {record['articles_per_min']:>8.0f}/min"
                f"  {record['ratio_to_ceiling']:>4.0%} of ceiling  {record['cpu_ms_per_article']:5.1f} CPU ms/article"
                f"  {record['peak_rss_mib']:5.0f} MiB",
                flush=True,
            )
    return records


# --- Extraction ----------------------------------------------------------------------------------


def save_pages(size: int, count: int, path: Path) -> int:
    """Fetch ``count`` article pages from a replica of ``size`` articles into ``path`` as JSON
    lines of ``{"url", "html", "truth"}``; returns how many."""
    site = ReplicaSite(size=size, prose=crawls.PROSE[1])
    origin = site.site.origin
    with crawls.replica(size) as (base_url, _), path.open("w", encoding="utf-8") as out:
        failing = set(site.failure_ids().values())  # 503 twice, 2 s late: not pages to time
        truths = [site.truth(ident) for ident in site.article_ids() if ident not in failing][:count]
        for truth in truths:
            with urllib.request.urlopen(base_url + truth["url"].removeprefix(origin)) as response:
                html = response.read().decode("utf-8")
            out.write(json.dumps({"url": truth["url"], "html": html, "truth": truth["body_text"]}, ensure_ascii=False) + "\n")
    return len(truths)


def extract_all(pages: Path, repeat: int) -> list[dict]:
    records = []
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for name, venv in EXTRACTORS.items():
        python = venv_python(venv) if venv else Path(sys.executable)
        command = [str(python), str(BENCH / "extraction.py"), name, str(pages), "--repeat", str(repeat)]
        done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=True)
        record = json.loads(done.stdout)
        records.append(record)
        print(
            f"{name:<12} {record['median_ms']:7.2f} ms median  {record['p95_ms']:7.2f} ms p95"
            f"  F1 {record['accuracy_f1']:.4f}  exact {record['exact_share']:.0%}",
            flush=True,
        )
    return records


# --- Stages ------------------------------------------------------------------------------------


def stages(*arguments: str) -> dict:
    command = [sys.executable, str(BENCH / "stages.py"), *arguments]
    return json.loads(subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=True).stdout)


# --- Profile -----------------------------------------------------------------------------------


def profile(size: int, workdir: Path, out: Path) -> None:
    """Crawl ``size`` articles (full, no images) under py-spy; write the top functions to ``out``."""
    raw = workdir / "profile.txt"
    crawl = next(c for c in crawls.crawls() if c.name == report.WITHOUT_IMAGES)
    spy = (str(venv_python("peers").parent / "py-spy"), "record", "--gil", "--nonblocking", "--format", "raw", "--rate", "200", "-o", str(raw), "--")
    workdir = workdir / f"{size}-profile"
    workdir.mkdir(parents=True)
    with crawls.replica(size) as (base_url, _):
        command = crawls.scrapy_command(crawl, base_url, workdir, prefix=spy)
        subprocess.run(command, cwd=REPO, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out.write_text(profile_summary(raw.read_text(encoding="utf-8"), size), encoding="utf-8")


def profile_summary(collapsed: str, size: int) -> str:
    """The functions with the most own samples, and newscrawl's functions with the most samples
    of their own and their callees', from py-spy's collapsed stacks."""
    own, ours, imports, samples = Counter(), Counter(), 0, 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():  # the rest of a frame name that held a line break
            continue
        frames = [_LINE_NUMBER.sub(")", frame) for frame in stack.split(";")]
        samples += int(count)
        own[frames[-1]] += int(count)
        ours.update({frame: int(count) for frame in set(frames) if "newscrawl/" in frame})
        imports += int(count) if any("_find_and_load" in frame for frame in frames) else 0
    lines = [
        f"# Profile: full crawl without images, N={size}",
        "",
        f"{samples} samples of the thread holding the GIL (py-spy --gil, 200 Hz); {imports / samples:.0%} of them in imports.",
    ]
    for title, counter in (("own time, all code", own), ("total time (own and callees), newscrawl's functions", ours)):
        lines += ["", f"## Top {PROFILE_TOP} by {title}", "", "| share | function (file) |", "|---:|---|"]
        lines += [f"| {count / samples:.1%} | `{frame}` |" for frame, count in counter.most_common(PROFILE_TOP)]
    return "\n".join(lines) + "\n"


# --- Main --------------------------------------------------------------------------------------


def sizes_argument(text: str) -> list[int]:
    sizes = [int(part) for part in text.split(",") if part.strip()]
    if not sizes or any(not 10 <= n <= MAX_SIZE for n in sizes):
        raise argparse.ArgumentTypeError(f"sizes must be between 10 and {MAX_SIZE:,}")
    return sorted(set(sizes))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=sizes_argument, default=list(DEFAULT_SIZES), help="articles per replica, comma-separated (default 1000,4000,16000)")
    parser.add_argument("--pages", type=int, default=300, help="article pages for the extraction timing (default 300)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per page; the fastest counts (default 3)")
    parser.add_argument("--clusters", type=int, default=200, help="near-identical bodies per cluster (default 200)")
    parser.add_argument("--near-duplicate-sizes", type=sizes_argument, default=[1_000, 16_000],
                        help="articles for the near-duplicate scaling, comma-separated (default 1000,16000)")
    parser.add_argument("--profile", type=int, metavar="N", help="also profile a crawl of N articles")
    parser.add_argument("--out", type=Path, default=BENCH / "results", help="results directory (default bench/results)")
    args = parser.parse_args(argv)
    for name in VENVS:
        venv_python(name)
    started, load = time.perf_counter(), os.getloadavg()[0]
    date = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    workdir = Path(tempfile.mkdtemp(prefix="newscrawl-bench-"))
    print(f"working in {workdir}", flush=True)
    pages = save_pages(args.sizes[0], args.pages, workdir / "pages.jsonl")
    extraction = extract_all(workdir / "pages.jsonl", args.repeat)
    small = args.sizes[0]  # the stages first: the crawls take longest
    staged = stages("--size", str(small), "--pages", str(min(small, 1000)))
    scaling = [stages("--near-duplicates", "--size", str(n), "--clusters", str(args.clusters)) for n in args.near_duplicate_sizes]
    print(f"stages at N={small}: {staged['cpu_ms_per_article']}; near-duplicates: {scaling}", flush=True)
    crawled = crawl_all(args.sizes, workdir)
    results = {
        "date": date,
        "machine": f"{os.cpu_count()} cores, Python {platform.python_version()}, Scrapy {scrapy.__version__},"
        f" load average {load:.2f} at start, {os.getloadavg()[0]:.2f} at the end",
        "download_settings": crawls.DOWNLOAD_SETTINGS,
        "sizes": args.sizes,
        "crawls": crawled,
        "extraction_pages": pages,
        "extraction_repeat": args.repeat,
        "extraction": extraction,
        "stages": staged,
        "near_duplicate_scaling": scaling,
        "targets": report.targets(crawled, extraction, scaling),
    }
    results["duration_s"] = round(time.perf_counter() - started)
    args.out.mkdir(parents=True, exist_ok=True)
    json_path = args.out / f"{date}.json"
    json_path.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    (args.out / f"{date}.md").write_text(report.markdown(results), encoding="utf-8")
    subprocess.run([str(venv_python("peers")), str(BENCH / "plot.py"), str(json_path)], check=True)
    if args.profile:
        profile(args.profile, workdir, args.out / f"{date}-profile.md")
    shutil.rmtree(workdir)
    print(report.markdown(results))
    print(f"wrote {args.out}/{date}.* in {results['duration_s']} s", flush=True)


if __name__ == "__main__":
    main()
