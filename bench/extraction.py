"""Times one extractor on saved article pages, page by page, and scores its body text.

    python bench/extraction.py EXTRACTOR PAGES.jsonl [--repeat 3]

``PAGES.jsonl`` holds one ``{"url", "html", "truth"}`` per page (``truth``: the replica's
``body_text``). Prints one JSON object: the extractor's version, median and 95th-percentile
milliseconds per page (each page's best of ``--repeat`` runs, after one untimed warm-up page),
and its text accuracy. Runs in whichever interpreter has the extractor: the project's for
``newscrawl``, a bench venv for the peers (which is why it imports nothing of bench/).

Accuracy is token F1 against the truth: every CJK character is a token, and so is every run
of other letters or digits; punctuation and whitespace are not (so paragraph separators and
full-width punctuation do not count). ``exact`` is the share of pages whose token sequence
equals the truth's.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import re
import socket
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timezone
from importlib.metadata import version
from typing import NoReturn

Extract = Callable[[str, str], str]  # (html, url) -> body text

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+")


def tokens(text: str) -> list[str]:
    """The tokens text is scored on.

    >>> tokens("美国 VOA 2025年, hello-world!")
    ['美', '国', 'VOA', '2025', '年', 'hello', 'world']
    """
    return _TOKEN.findall(text)


def token_f1(found: str, truth: str) -> float:
    """Token F1 of ``found`` against ``truth`` (1.0 when both have no tokens).

    >>> token_f1("美国之音", "美国之音")
    1.0
    >>> round(token_f1("美国", "美国之音"), 3)
    0.667
    >>> token_f1("", "美国")
    0.0
    """
    got, want = Counter(tokens(found)), Counter(tokens(truth))
    common = sum((got & want).values())
    if not common:
        return float(got == want)
    precision, recall = common / sum(got.values()), common / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def newscrawl_extractor() -> Extract:
    from newscrawl.extract.pangea import PangeaArticle
    from newscrawl.loaders import load_article
    from newscrawl.sites import get_site

    site, fetched_at = get_site("voachinese"), datetime.now(timezone.utc)
    return lambda html, url: load_article(PangeaArticle(html, url), site, fetched_at)["body_text"]


def trafilatura_extractor() -> Extract:
    import trafilatura

    return lambda html, url: trafilatura.extract(html, url=url) or ""


def fundus_extractor() -> Extract:
    from fundus.publishers.us.voice_of_america import VOAParser

    parser = VOAParser()()
    return lambda html, url: str(parser.parse(html, error_handling="suppress").get("body") or "")


def newspaper4k_extractor() -> Extract:
    import newspaper

    config = newspaper.Config()
    config.fetch_images = False  # by default it downloads the page's images to size them

    def extract(html: str, url: str) -> str:
        article = newspaper.Article(url, language="zh", config=config)
        article.download(input_html=html)
        article.parse()
        return article.text

    return extract


EXTRACTORS: dict[str, tuple[str, Callable[[], Extract]]] = {  # name -> (distribution, factory)
    "newscrawl": ("", newscrawl_extractor),  # not installed as a distribution: the working tree
    "trafilatura": ("trafilatura", trafilatura_extractor),
    "fundus": ("fundus", fundus_extractor),
    "newspaper4k": ("newspaper4k", newspaper4k_extractor),
}


def forbid_network() -> None:
    """Make every connection or name lookup beyond loopback fail at once: the peers are
    third-party code that may fetch what a page links to, and the benchmark is offline."""

    def is_loopback(host: object) -> bool:
        try:
            return host == "localhost" or ipaddress.ip_address(str(host)).is_loopback
        except ValueError:
            return False

    def refuse(host: object) -> NoReturn:
        raise OSError(f"bench/extraction.py: no network beyond loopback (tried {host})")

    getaddrinfo, connect = socket.getaddrinfo, socket.socket.connect

    def checked_getaddrinfo(host, *args, **kwargs):  # noqa: ANN001, ANN202 - socket's signature
        if host is not None and not is_loopback(host):
            refuse(host)
        return getaddrinfo(host, *args, **kwargs)

    def checked_connect(sock: socket.socket, address) -> None:  # noqa: ANN001
        if sock.family != socket.AF_UNIX and not is_loopback(address[0]):
            refuse(address[0])
        connect(sock, address)

    socket.getaddrinfo, socket.socket.connect = checked_getaddrinfo, checked_connect


def best_ms(extract: Extract, html: str, url: str, repeat: int) -> tuple[float, str]:
    """The fastest of ``repeat`` runs in milliseconds, and the text (an error counts as "")."""
    timings, text = [], ""
    for _ in range(repeat):
        start = time.perf_counter()
        try:
            text = extract(html, url)
        except Exception:  # noqa: BLE001 - a peer failing on a page scores 0 for it
            text = ""
        timings.append((time.perf_counter() - start) * 1000)
    return min(timings), text


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile of ``values``, interpolated.

    >>> percentile([1.0, 2.0, 3.0, 4.0], 0.5)
    2.5
    """
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def measure(name: str, pages: list[dict], repeat: int) -> dict:
    forbid_network()
    distribution, factory = EXTRACTORS[name]
    extract = factory()
    extract(pages[0]["html"], pages[0]["url"])  # warm-up: lazy imports, dictionaries
    timings, scores, exact, empty = [], [], 0, 0
    for page in pages:
        ms, text = best_ms(extract, page["html"], page["url"], repeat)
        timings.append(ms)
        scores.append(token_f1(text, page["truth"]))
        exact += tokens(text) == tokens(page["truth"])
        empty += not text.strip()
    return {
        "extractor": name,
        "version": version(distribution) if distribution else "working tree",
        "pages": len(pages),
        "median_ms": round(statistics.median(timings), 3),
        "p95_ms": round(percentile(timings, 0.95), 3),
        "accuracy_f1": round(statistics.fmean(scores), 4),
        "exact_share": round(exact / len(pages), 4),
        "empty_pages": empty,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("extractor", choices=sorted(EXTRACTORS))
    parser.add_argument("pages")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    with open(args.pages, encoding="utf-8") as lines:
        pages = [json.loads(line) for line in lines]
    json.dump(measure(args.extractor, pages, args.repeat), sys.stdout)


if __name__ == "__main__":
    main()
