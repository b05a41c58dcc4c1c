"""The benchmark's verdict: its targets checked on one run's results, and the Markdown table."""

from __future__ import annotations

CEILING, WITHOUT_IMAGES, WITH_IMAGES = "fetch_only", "full_no_images", "full"
IMAGES_CEILING = "fetch_images"  # fetch-only, fetching the images too: the most a crawl with images can do
MIN_RATIO = 0.75  # full crawl without images, of the ceiling's articles per minute, at every N
MIN_RATIO_IMAGES = 0.50  # the full crawl, images included
MAX_NEAR_DUPLICATE_GROWTH = 0.20  # near-duplicate CPU per article, largest N against smallest
MIN_SPEEDUP = 3.0  # our extraction, per page, against the fastest peer
MAX_MEMORY_GROWTH = 1.5  # peak memory at N = 16,000 against N = 1,000
MEMORY_SIZES = (1_000, 16_000)
OURS = "newscrawl"


def targets(crawls: list[dict], extraction: list[dict], scaling: list[dict] = ()) -> list[dict]:
    """Each target with what was measured and whether it is met (None: not measured in this run)."""
    return [
        ratio_target(crawls), ratio_target(crawls, WITH_IMAGES, MIN_RATIO_IMAGES), near_duplicate_target(scaling),
        speed_target(extraction), accuracy_target(extraction), memory_target(crawls),
    ]


def ratio_target(crawls: list[dict], crawl: str = WITHOUT_IMAGES, minimum: float = MIN_RATIO) -> dict:
    ratios = _ratios(crawls, crawl)
    what = "full crawl without images" if crawl == WITHOUT_IMAGES else "full crawl with images"
    measured = _per_size(ratios)
    if crawl == WITH_IMAGES and (bounds := _ratios(crawls, IMAGES_CEILING)):
        measured += f"; fetching the images and nothing more: {_per_size(bounds)}"
    return {
        "target": f"{what} >= {minimum:.0%} of the fetch-only ceiling at every N",
        "measured": measured,
        "met": all(r >= minimum for r in ratios.values()),
    }


def _ratios(crawls: list[dict], crawl: str) -> dict[int, float]:
    return {c["n"]: c["ratio_to_ceiling"] for c in crawls if c["crawl"] == crawl}


def _per_size(ratios: dict[int, float]) -> str:
    return ", ".join(f"N={n}: {r:.0%}" for n, r in ratios.items())


def near_duplicate_target(scaling: list[dict]) -> dict:
    target = (f"near-duplicate CPU ms/article at the largest N within {MAX_NEAR_DUPLICATE_GROWTH:.0%} of the"
              " smallest's, clusters of near-identical bodies")
    if len(scaling) < 2:
        return {"target": target, "measured": "not measured (needs two sizes)", "met": None}
    small, large = scaling[0], scaling[-1]
    growth = large["cpu_ms_per_article"] / small["cpu_ms_per_article"] - 1
    return {
        "target": target,
        "measured": f"N={small['n']}: {small['cpu_ms_per_article']:.2f} ms, N={large['n']}: "
        f"{large['cpu_ms_per_article']:.2f} ms ({growth:+.0%}); clusters of {large['clusters']}",
        "met": abs(growth) <= MAX_NEAR_DUPLICATE_GROWTH,
    }


def speed_target(extraction: list[dict]) -> dict:
    ours, fastest = _ours(extraction), min(_peers(extraction), key=lambda e: e["median_ms"])
    speedup = fastest["median_ms"] / ours["median_ms"]
    return {
        "target": f"our extraction >= {MIN_SPEEDUP:g}x faster per page (median) than the fastest peer",
        "measured": f"{speedup:.1f}x ({fastest['extractor']}: {fastest['median_ms']:.2f} ms, ours: {ours['median_ms']:.2f} ms)",
        "met": speedup >= MIN_SPEEDUP,
    }


def accuracy_target(extraction: list[dict]) -> dict:
    ours, best = _ours(extraction), max(_peers(extraction), key=lambda e: e["accuracy_f1"])
    return {
        "target": "our text accuracy no lower than the best peer's",
        "measured": f"ours {ours['accuracy_f1']:.4f}, best peer {best['extractor']} {best['accuracy_f1']:.4f}",
        "met": ours["accuracy_f1"] >= best["accuracy_f1"],
    }


def memory_target(crawls: list[dict]) -> dict:
    small, large = MEMORY_SIZES
    target = f"peak memory at N={large} <= {MAX_MEMORY_GROWTH:g}x that at N={small} (full crawl without images)"
    peaks = {c["n"]: c["peak_rss_mib"] for c in crawls if c["crawl"] == WITHOUT_IMAGES}
    if small not in peaks or large not in peaks:
        return {"target": target, "measured": "not measured (needs both sizes)", "met": None}
    growth = peaks[large] / peaks[small]
    return {"target": target, "measured": f"{growth:.2f}x ({peaks[small]:.0f} -> {peaks[large]:.0f} MiB)", "met": growth <= MAX_MEMORY_GROWTH}


def _ours(extraction: list[dict]) -> dict:
    return next(e for e in extraction if e["extractor"] == OURS)


def _peers(extraction: list[dict]) -> list[dict]:
    return [e for e in extraction if e["extractor"] != OURS]


def markdown(results: dict) -> str:
    lines = [
        f"# Benchmark {results['date']}",
        "",
        f"{results['machine']}. Download settings for every crawl: "
        + ", ".join(f"`{k}={v}`" for k, v in results["download_settings"].items())
        + "; everything else the project's defaults (robots.txt obeyed, retries).",
        "",
        "| N | crawl | articles | articles/min | of ceiling | CPU ms/article | peak RSS MiB | store MiB | replica CPU s |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for c in results["crawls"]:
        lines.append(
            f"| {c['n']:,} | {c['crawl']} | {c['articles']:,} | {c['articles_per_min']:,.0f} | {c['ratio_to_ceiling']:.0%}"
            f" | {c['cpu_ms_per_article']:.1f} | {c['peak_rss_mib']:.0f} | {c['store_bytes'] / 2**20:.1f} | {c['replica_cpu_s']:.0f} |"
        )
    lines += [
        "",
        f"Extraction alone, {results['extraction_pages']} article pages, each page's best of "
        f"{results['extraction_repeat']} runs; accuracy is body-text token F1 against the replica's truth.",
        "",
        "| extractor | version | median ms/page | p95 ms/page | accuracy (F1) | exact pages | empty pages |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for e in results["extraction"]:
        lines.append(
            f"| {e['extractor']} | {e['version']} | {e['median_ms']:.2f} | {e['p95_ms']:.2f} | {e['accuracy_f1']:.4f}"
            f" | {e['exact_share']:.0%} | {e['empty_pages']} |"
        )
    lines += stage_lines(results)
    lines += ["", "| target | measured | met |", "|---|---|---|"]
    verdict = {True: "yes", False: "**no**", None: "n/a"}
    lines += [f"| {t['target']} | {t['measured']} | {verdict[t['met']]} |" for t in results["targets"]]
    return "\n".join(lines) + "\n"


def stage_lines(results: dict) -> list[str]:
    """The per-stage table and the near-duplicate scaling table, when the run has them."""
    lines = []
    stages = results.get("stages")
    if stages:
        lines += [
            "",
            f"CPU per article of each stage, timed alone (`bench/stages.py`) on {stages['articles']:,} article pages"
            f" of N={stages['n']:,} with their {stages['images']:,} images:",
            "",
            "| stage | CPU ms/article |",
            "|---|---:|",
        ]
        lines += [f"| {stage.replace('_', ' ')} | {ms:.3f} |" for stage, ms in stages["cpu_ms_per_article"].items()]
        lines.append(f"| **all** | {sum(stages['cpu_ms_per_article'].values()):.3f} |")
    scaling = results.get("near_duplicate_scaling")
    if scaling:
        lines += [
            "",
            "Near-duplicates alone over every article, bodies in clusters of near-identical ones:",
            "",
            "| N | cluster size | marked | CPU ms/article | first 1,000 | last 1,000 |",
            "|---:|---:|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {s['n']:,} | {s['clusters']} | {s['marked_duplicates']:,} | {s['cpu_ms_per_article']:.3f}"
            f" | {s['first_1000_ms']:.3f} | {s['last_1000_ms']:.3f} |"
            for s in scaling
        ]
    return lines
