"""Hostile XML in feeds and sitemaps: no entity is ever resolved (no local file read, no
request made, no external DTD loaded) and entity bombs cost neither memory nor time."""

from __future__ import annotations

import resource
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from newscrawl.extract import discovery
from newscrawl.extract.discovery import Link, SourceError

SECRET = "SECRET-7f3a9c"
ARTICLE = "https://www.voachinese.com/a/story/7900001.html"


def feed(doctype: str, link: str = ARTICLE) -> bytes:
    return f"""<?xml version="1.0" encoding="utf-8"?>
{doctype}
<rss version="2.0"><channel><title>t</title>
<item><title>&xxe;</title><link>{link}</link><pubDate>Tue, 18 Feb 2025 07:27:23 +0000</pubDate></item>
<item><title>two</title><link>{ARTICLE.replace("7900001", "7900002")}</link></item>
</channel></rss>""".encode()


def sitemap(doctype: str, link: str = ARTICLE) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
{doctype}
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>{link}</loc><lastmod>2025-02-18</lastmod></url>
<url><loc>{ARTICLE.replace("7900001", "7900002")}</loc></url>
</urlset>""".encode()


def feed_urls(body: bytes) -> list[str]:
    return [link.url for link in discovery.feed_links(body)]


def sitemap_urls(body: bytes) -> list[str]:
    return [link.url for link in discovery.sitemap_links(body)[1]]


READERS = [pytest.param(feed, feed_urls, id="feed"), pytest.param(sitemap, sitemap_urls, id="sitemap")]


@pytest.fixture
def secret_files(tmp_path: Path) -> dict[str, str]:
    """file: URLs of a secret text and of DTDs that define ``&xxe;`` as that secret."""
    secret, dtd, parameter_dtd = tmp_path / "secret.txt", tmp_path / "entity.dtd", tmp_path / "parameter.dtd"
    secret.write_text(SECRET, encoding="utf-8")
    dtd.write_text(f'<!ENTITY xxe "{SECRET}">', encoding="utf-8")
    parameter_dtd.write_text(f'<!ENTITY xxe "{SECRET}">', encoding="utf-8")
    return {"secret": secret.as_uri(), "dtd": dtd.as_uri(), "parameter_dtd": parameter_dtd.as_uri()}


@pytest.fixture
def listener() -> Iterator[tuple[str, Callable[[], bool]]]:
    """A loopback URL and a function telling whether anything connected to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)

    def connected() -> bool:
        try:
            server.accept()[0].close()
        except BlockingIOError:
            return False
        return True

    yield f"http://127.0.0.1:{server.getsockname()[1]}", connected
    server.close()


@pytest.mark.parametrize(("document", "read"), READERS)
@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE x [<!ENTITY xxe SYSTEM "{secret}">]>',
        '<!DOCTYPE x SYSTEM "{dtd}">',
        '<!DOCTYPE x PUBLIC "-//X//DTD X//EN" "{dtd}">',
        '<!DOCTYPE x [<!ENTITY % remote SYSTEM "{parameter_dtd}"> %remote;]>',
    ],
    ids=["entity", "system-dtd", "public-dtd", "parameter-entity"],
)
def test_no_local_file_is_read_for_entities_or_dtds(document, read, doctype, secret_files):
    urls = read(document(doctype.format(**secret_files), link=ARTICLE.replace("story", "&xxe;")))
    assert SECRET not in "".join(urls)
    assert ARTICLE.replace("7900001", "7900002") in urls  # the rest of the source still reads


@pytest.mark.parametrize(("document", "read"), READERS)
@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE x [<!ENTITY xxe SYSTEM "{url}/entity">]>',
        '<!DOCTYPE x SYSTEM "{url}/external.dtd">',
        '<!DOCTYPE x [<!ENTITY % remote SYSTEM "{url}/evil.dtd"> %remote;]>',
    ],
    ids=["entity", "system-dtd", "parameter-entity"],
)
def test_nothing_is_fetched_for_entities_or_dtds(document, read, doctype, listener):
    url, connected = listener
    try:
        read(document(doctype.format(url=url), link=ARTICLE.replace("story", "&xxe;")))
    except SourceError:
        pass  # refusing the document is fine too; fetching is not
    time.sleep(0.05)  # a connection attempt, had there been one, is queued by now
    assert not connected()


def billion_laughs(levels: int = 10) -> tuple[str, str]:
    """10 levels of 10 references: a billion "lol"s (3 GB) if the entities were expanded."""
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, levels)
    ]
    return "<!DOCTYPE x [" + "".join(entities) + f"]>", f"&lol{levels - 1};"


def quadratic_blowup() -> tuple[str, str]:
    """One 100 kB entity referenced 20,000 times: 2 GB if expanded."""
    return f'<!DOCTYPE x [<!ENTITY big "{"A" * 100_000}">]>', "&big;" * 20_000


@pytest.mark.parametrize(("document", "read"), READERS)
@pytest.mark.parametrize("bomb", [billion_laughs, quadratic_blowup])
def test_entity_bombs_cost_nothing(document, read, bomb):
    doctype, reference = bomb()
    body = document(doctype, link=ARTICLE + reference)
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB on Linux
    started = time.monotonic()
    try:
        urls = read(body)
    except SourceError:
        urls = []
    assert time.monotonic() - started < 2.0
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before < 64 * 1024
    assert sum(map(len, urls)) < len(body)  # nothing was expanded into the links


def test_entities_stay_unresolved_in_what_is_read():
    body = feed('<!DOCTYPE x [<!ENTITY xxe "injected">]>', link=ARTICLE + "?x=&xxe;")
    links = discovery.feed_links(body)
    assert "injected" not in "".join(link.url for link in links)
    assert links[-1] == Link(ARTICLE.replace("7900001", "7900002"), None)
