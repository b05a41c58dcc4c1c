"""Plots a benchmark result: ``python bench/plot.py RESULTS.json`` writes, beside it,
``<name>-throughput.png`` (articles per minute against N) and ``<name>-memory.png`` (peak RSS
against N), one line per crawl, and ``<name>-stages.png`` (CPU ms per article of each stage). Runs in bench/.venv/peers, which has matplotlib."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - after the backend is chosen

LABELS = {"fetch_only": "fetch-only (ceiling)", "full_no_images": "full, no images",
          "fetch_images": "fetch-only, images too", "full": "full, with images"}
PLOTS = {  # file suffix -> (field, y label, title)
    "throughput": ("articles_per_min", "articles per minute", "throughput"),
    "memory": ("peak_rss_mib", "peak RSS of the crawl process (MiB)", "peak memory"),
}


def plot(results: dict, field: str, ylabel: str, title: str, path: Path) -> None:
    figure, axes = plt.subplots(figsize=(7, 4.5), dpi=100)
    for crawl, label in LABELS.items():
        rows = sorted((c["n"], c[field]) for c in results["crawls"] if c["crawl"] == crawl)
        axes.plot([n for n, _ in rows], [v for _, v in rows], marker="o", label=label)
    axes.set_xscale("log")
    sizes = sorted({c["n"] for c in results["crawls"]})
    axes.set_xticks(sizes, [f"{n:,}" for n in sizes])
    axes.minorticks_off()
    axes.set_ylim(bottom=0)
    axes.set_xlabel("articles on the replica (N)")
    axes.set_ylabel(ylabel)
    axes.set_title(f"newscrawl benchmark {results['date']}: {title}")
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def plot_stages(results: dict, path: Path) -> None:
    stages = results["stages"]["cpu_ms_per_article"]
    figure, axes = plt.subplots(figsize=(7, 4), dpi=100)
    names = list(stages)[::-1]
    axes.barh([name.replace("_", " ") for name in names], [stages[name] for name in names])
    axes.set_xlabel("CPU ms per article")
    axes.set_title(f"newscrawl benchmark {results['date']}: stages, N={results['stages']['n']:,}")
    axes.grid(alpha=0.3, axis="x")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def main() -> None:
    source = Path(sys.argv[1])
    results = json.loads(source.read_text(encoding="utf-8"))
    for suffix, (field, ylabel, title) in PLOTS.items():
        plot(results, field, ylabel, title, source.with_name(f"{source.stem}-{suffix}.png"))
    if results.get("stages"):
        plot_stages(results, source.with_name(f"{source.stem}-stages.png"))


if __name__ == "__main__":
    main()
