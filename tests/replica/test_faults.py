"""Each fault kind of the replica, observed over real HTTP on 127.0.0.1 (no crawl)."""

from __future__ import annotations

import contextlib
import gzip
import html
import http.client
import io
import json
import re
import socket
import subprocess
import sys
import time
import zlib

import pytest
from lxml import etree
from PIL import Image

from newscrawl.errors import ConfigurationError
from newscrawl.replica import FaultPlan, ReplicaServer, ReplicaSite, serve
from newscrawl.replica.faults import BOMB_SIDE, CONTROL_PATH, KINDS, FaultInjector, reencode
from newscrawl.replica.server import Replica
from tests.crawling import REPO

ORIGIN = "https://www.voachinese.com"
MiB = 2**20


@pytest.fixture(scope="module")
def site():
    return ReplicaSite(size=12, seed=5)


def faulty(site: ReplicaSite, *kinds: str, **options) -> ReplicaServer:
    """A server where every fitting response is faulty with one of ``kinds`` (use it in ``with``)."""
    options = {"rate": 1.0, "delay": 0.5, "oversize_bytes": 2 * MiB, "bomb_bytes": 8 * MiB, **options}
    return serve(site, faults=FaultPlan(frozenset(kinds), **options))


def fetch(server, path: str, timeout: float = 5) -> tuple[int, dict[str, str], bytes]:
    host, port = server.httpd.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Host": "www.voachinese.com"})
        response = connection.getresponse()
        return response.status, dict(response.headers), response.read()
    finally:
        connection.close()


def raw(server, path: str, timeout: float = 5) -> tuple[bytes, BaseException | None]:
    """Everything the server sends for one request until it closes, and how it closed."""
    received, ending = b"", None
    with socket.create_connection(server.httpd.server_address[:2], timeout=timeout) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: www.voachinese.com\r\n\r\n".encode())
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except OSError as exc:
            ending = exc
    return received, ending


def split(response: bytes) -> tuple[dict[str, str], bytes]:
    head, _, body = response.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")[1:]
    return {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines)}, body


def article_ids(site: ReplicaSite) -> list[str]:
    """Articles that answer 200 at once (not the built-in unavailable and slow ones)."""
    failures = set(site.failure_ids().values())
    return [ident for ident in site.article_ids() if ident not in failures]


def article_path(site: ReplicaSite, index: int = 0) -> str:
    return site.entry(article_ids(site)[index]).path


# --- The plan, the choice, the ledger -------------------------------------------------------------


def test_plans_are_checked():
    with pytest.raises(ConfigurationError, match="unknown fault kinds"):
        FaultPlan({"meteor"})
    with pytest.raises(ConfigurationError, match="between 0 and 1"):
        FaultPlan({"reset"}, rate=1.5)
    assert not FaultPlan().enabled and FaultPlan(big_sitemap=True).enabled


def test_choice_follows_the_seed_at_the_chosen_rate():
    targets = [f"/a/slug/{7_900_000 + n}.html" for n in range(4000)]
    plan = FaultPlan.parse("all", rate=0.05, seed=1)
    first, again = (FaultInjector(plan, ORIGIN) for _ in range(2))
    chosen = {t: first.choose(t, "article") for t in targets}
    assert chosen == {t: again.choose(t, "article") for t in targets}
    faulty_ones = [kind for kind in chosen.values() if kind]
    assert 150 < len(faulty_ones) < 250  # 5% of 4000 = 200
    assert {k.name for k in faulty_ones} == {k.name for k in KINDS.values() if "article" in k.routes}
    other = FaultInjector(FaultPlan.parse("all", rate=0.05, seed=2), ORIGIN)
    assert chosen != {t: other.choose(t, "article") for t in targets}
    assert all(first.choose(t, "robots") is None or first.choose(t, "robots").recoverable for t in targets)


def test_faults_are_off_by_default_and_the_control_path_then_404(site):
    with serve(site) as server:
        assert server.replica.faults is None and server.fault_ledger() == {}
        assert fetch(server, CONTROL_PATH)[0] == 404
        assert fetch(server, article_path(site))[0] == 200


def test_the_ledger_is_served_at_the_control_path(site):
    with faulty(site, "http_429") as server:
        path = article_path(site)
        fetch(server, path)
        status, headers, body = fetch(server, CONTROL_PATH)
        assert status == 200 and headers["Content-Type"] == "application/json"
        report = json.loads(body)
        assert report["injected"] == {"http_429": [[path, "attempt 1: Retry-After: 1"]]}
        assert report["requests"] == {path: 1}
        assert server.fault_ledger() == {"http_429": [(path, "attempt 1: Retry-After: 1")]}


def test_errors_and_missing_pages_are_never_made_faulty(site):
    with faulty(site, "bot_challenge") as server:
        status, _, body = fetch(server, "/a/nothing/123.html")
        assert status == 404 and b"challenge" not in body
        assert server.fault_ledger() == {}


# --- Recoverable: the first k requests fail, then the page comes ------------------------------------


@pytest.mark.parametrize("kind", ["http_5xx", "http_429"])
def test_status_bursts_recover_after_k_requests(site, kind):
    with faulty(site, kind) as server:
        path = article_path(site, 1)
        k = server.replica.faults.failures_before_recovery(path)
        statuses = [fetch(server, path)[:2] for _ in range(k + 2)]
        assert all(status in (500, 502, 503, 429) for status, _ in statuses[:k])
        assert [status for status, _ in statuses[k:]] == [200, 200]
        if kind == "http_429":
            assert statuses[0][1]["Retry-After"] == "1"
        assert len(server.fault_ledger()[kind]) == k


def test_reset_sends_half_the_body_then_a_tcp_reset(site):
    with faulty(site, "reset") as server:
        received, ending = raw(server, article_path(site))
        headers, body = split(received)
        assert len(body) < int(headers["content-length"])
        assert ending is None or isinstance(ending, ConnectionResetError)
        assert "reset after" in server.fault_ledger()["reset"][0][1]


def test_timeout_holds_then_closes_without_an_answer_then_recovers(site):
    with faulty(site, "timeout", delay=0.6) as server:
        faults = server.replica.faults
        path = next(site.entry(i).path for i in site.article_ids() if faults.failures_before_recovery(site.entry(i).path) == 2)
        with pytest.raises(TimeoutError):
            fetch(server, path, timeout=0.2)
        started = time.perf_counter()
        received, _ = raw(server, path)
        assert received == b"" and time.perf_counter() - started >= 0.5
        assert fetch(server, path)[0] == 200


def test_truncated_declares_more_than_it_sends(site):
    with faulty(site, "truncated") as server:
        received, _ = raw(server, article_path(site))
        headers, body = split(received)
        assert int(headers["content-length"]) == len(body) + 1000
        with pytest.raises(http.client.IncompleteRead):
            fetch(server, article_path(site, 3))


def test_stopping_the_server_ends_the_holds(site):
    server = serve(site, faults=FaultPlan({"timeout"}, rate=1.0, delay=60))
    connection = socket.create_connection(server.httpd.server_address[:2], timeout=5)
    connection.sendall(f"GET {article_path(site)} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    time.sleep(0.2)
    started = time.perf_counter()
    server.stop()
    assert connection.recv(100) == b""
    assert time.perf_counter() - started < 2
    connection.close()


# --- Content that lies about itself ----------------------------------------------------------------


def test_content_type_is_wrong_or_missing(site):
    with faulty(site, "content_type") as server:
        seen = set()
        for i in range(6):
            status, headers, body = fetch(server, article_path(site, i))
            assert status == 200 and b"</html>" in body
            seen.add(headers.get("Content-Type"))
        assert seen <= {None, "application/octet-stream", "text/plain"} and len(seen) >= 2


@pytest.mark.parametrize(("kind", "header"), [("charset_meta", "text/html"), ("charset_mismatch", "text/html; charset=utf-8")])
def test_pages_in_gbk_or_big5_say_the_same(site, kind, header):
    encodings = set()
    with faulty(site, kind) as server:
        for i in range(6):
            ident = article_ids(site)[i]
            _, headers, body = fetch(server, site.entry(ident).path)
            assert headers["Content-Type"] == header
            encoding = re.search(rb'<meta charset="(\w+)" />', body)[1].decode()
            encodings.add(encoding)
            with pytest.raises(UnicodeDecodeError):
                body.decode("utf-8")
            text = body.decode(encoding)
            assert html.escape(site.truth(ident)["title"], quote=False) in html.unescape(text).replace("&", "&amp;")
            ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', text, re.S)
            if ld:
                assert json.loads(ld[1])["headline"] == site.truth(ident)["title"]
    assert encodings == {"gbk", "big5"}


def test_reencode_keeps_characters_the_encoding_lacks():
    page = '<title>會議 \u00a0x</title><script type="application/ld+json">{"h": "会议\u200b"}</script>'
    body = reencode(page, "big5")
    assert json.loads(re.search(rb"<script[^>]*>(.*)</script>", body)[1].decode("big5")) == {"h": "会议\u200b"}
    assert html.unescape(body.decode("big5").split("<script")[0]) == page.split("<script")[0]


def test_invalid_utf8_bytes_outside_the_article(site):
    with faulty(site, "invalid_utf8") as server:
        _, _, body = fetch(server, article_path(site))
    clean = serve(site)
    try:
        _, _, expected = fetch(clean, article_path(site))
    finally:
        clean.stop()
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert body.count(b"\xff\xfe\xc3\x28") == 2
    assert re.sub(rb"<!-- [^-]+ -->\n|<p class=\"replica-noise\">[^<]+</p>\n", b"", body) == expected


def test_duplicate_slugs_in_a_feed_serve_the_same_article(site):
    with faulty(site, "duplicate_slug") as server:
        _, _, feed = fetch(server, "/api/")
        links = [link.decode() for link in re.findall(rb"<link>([^<]+)</link>", feed)]
        duplicates = [link for link in links if "-dup/" in link]
        assert len(duplicates) == 3
        for link in duplicates:
            assert link.replace("-dup/", "/") in links
            status, _, page = fetch(server, link.removeprefix(ORIGIN))
            assert status == 200 and f'href="{link.replace("-dup/", "/")}" rel="canonical"'.encode() in page
        assert fetch(server, "/a/other-slug-dup/" + article_ids(site)[0] + ".html")[0] == 404


# --- Redirects -------------------------------------------------------------------------------------


def test_redirect_loop_goes_back_and_forth(site):
    with faulty(site, "redirect_loop") as server:
        path = article_path(site)
        status, headers, _ = fetch(server, path)
        assert status == 302 and headers["Location"] == f"{ORIGIN}{path}?_loop=1"
        status, headers, _ = fetch(server, f"{path}?_loop=1")
        assert status == 302 and headers["Location"] == ORIGIN + path
        status, headers, _ = fetch(server, path + "?utm_source=x")
        assert headers["Location"] == f"{ORIGIN}{path}?utm_source=x&_loop=1"
        assert fetch(server, path + "?utm_source=x&_loop=1")[1]["Location"] == f"{ORIGIN}{path}?utm_source=x"


@pytest.mark.parametrize(("kind", "origin"), [("redirect_offsite", "http://example.org"), ("redirect_private", "http://10.0.0.1")])
def test_redirects_off_the_site(site, kind, origin):
    with faulty(site, kind) as server:
        path = article_path(site)
        status, headers, _ = fetch(server, path)
        assert status == 302 and headers["Location"] == origin + path
        assert server.fault_ledger()[kind] == [(path, f"attempt 1: 302 to {origin}{path}")]


# --- XML sources -----------------------------------------------------------------------------------

_STRICT = etree.XMLParser(resolve_entities=False, no_network=True)


def test_malformed_feeds_and_sitemaps_do_not_parse(site):
    with faulty(site, "malformed_xml") as server:
        documents = [fetch(server, path)[2] for path in ("/api/", "/api/zkm-qem-ivq", "/sitemap.xml")]
        documents.append(gzip.decompress(fetch(server, "/sitemap_1.xml.gz")[2]))
        for document in documents:
            with pytest.raises(etree.XMLSyntaxError):
                etree.fromstring(document, _STRICT)
        details = {detail.split(": ", 1)[1] for _, detail in server.fault_ledger()["malformed_xml"]}
        assert details == {"cut at 60%", "mismatched tag and stray <<&>"}


def test_xml_entities_are_declared_and_referenced(site):
    with faulty(site, "xml_entities") as server:
        feeds = {path: fetch(server, path)[2] for path in ("/api/", "/api/zkm-qem-ivq", "/api/z-pqpe-vmiqp")}
        child = gzip.decompress(fetch(server, "/sitemap_1.xml.gz")[2])
    documents = [*feeds.values(), child]
    assert any(b'<!ENTITY e SYSTEM "file:///etc/passwd">' in d and b"&e;" in d for d in documents)
    assert any(b'<!ENTITY e9 "&e8;&e8;' in d and b"&e9;" in d for d in documents)
    assert b"<!DOCTYPE urlset [" in child
    for document in documents:
        try:
            root = etree.fromstring(document, _STRICT)
        except etree.XMLSyntaxError as exc:  # libxml2 refuses the billion laughs by itself
            assert "amplification" in str(exc)
        else:
            assert b"root:" not in etree.tostring(root) and len(etree.tostring(root)) < 2 * len(document)


def test_an_empty_feed_is_still_a_valid_feed(site):
    with faulty(site, "empty_feed") as server:
        root = etree.fromstring(fetch(server, "/api/")[2], _STRICT)
        assert root.findtext("channel/title") and root.findall("channel/item") == []


# --- Too big ---------------------------------------------------------------------------------------


def test_oversized_pages_with_and_without_a_declared_length(site):
    with faulty(site, "oversized") as server:
        lengths = set()
        for i in range(4):
            received, _ = raw(server, article_path(site, i))
            headers, body = split(received)
            assert len(body) == 2 * MiB and body.rstrip().endswith(b"</html>")
            lengths.add(headers.get("content-length"))
        assert lengths == {None, str(2 * MiB)}


def test_gzip_bombs_inflate_far_beyond_their_size(site):
    with faulty(site, "gzip_bomb") as server:
        _, headers, page = fetch(server, article_path(site))
        _, child_headers, child = fetch(server, "/sitemap_1.xml.gz")
    assert headers["Content-Encoding"] == "gzip" and "Content-Encoding" not in child_headers
    assert page == child and len(page) < 50_000
    inflated = zlib.decompressobj(31).decompress(page)
    assert len(inflated) == 8 * MiB and not inflated.strip(b"\0")


# --- Images ----------------------------------------------------------------------------------------


def cover_path(site: ReplicaSite) -> str:
    return site.truth(article_ids(site)[0])["images"][0]["url"].removeprefix("https://gdb.voanews.com")


def test_image_bomb_is_a_valid_png_of_400_million_pixels(site):
    with faulty(site, "image_bomb") as server:
        _, headers, body = fetch(server, cover_path(site))
    assert headers["Content-Type"] == "image/png" and len(body) < 100_000
    with pytest.raises(Image.DecompressionBombError):
        Image.open(io.BytesIO(body))
    assert BOMB_SIDE**2 == 400_000_000


def test_image_that_is_html(site):
    with faulty(site, "image_html") as server:
        status, headers, body = fetch(server, cover_path(site))
    assert status == 200 and headers["Content-Type"].startswith("text/html") and body.startswith(b"<!DOCTYPE html>")


def test_endless_image_trickles_until_the_servers_limit(site):
    with faulty(site, "image_endless", delay=1.0) as server:
        started = time.perf_counter()
        received, _ = raw(server, cover_path(site))
        elapsed = time.perf_counter() - started
    headers, body = split(received)
    assert "content-length" not in headers and headers["content-type"] == "image/jpeg"
    assert body.startswith(b"\xff\xd8") and 64 < len(body) < 200
    assert 0.9 < elapsed < 2


# --- Failures that look like success ---------------------------------------------------------------


@pytest.mark.parametrize(("kind", "marker"), [("bot_challenge", b'id="challenge-form"'), ("js_shell", b"JavaScript is disabled")])
def test_lookalike_pages_answer_200(site, kind, marker):
    with faulty(site, kind) as server:
        for path in (article_path(site), site.site.sections[0]):
            status, _, body = fetch(server, path)
            assert status == 200 and marker in body and b"article-content" not in body


def test_empty_article_keeps_everything_but_the_content(site):
    ident = article_ids(site)[0]
    with faulty(site, "empty_article") as server:
        _, _, page = fetch(server, site.entry(ident).path)
        _, _, amp = fetch(server, site.entry(ident).amp_path)
    assert b'<div class="wsw">\n\n</div>' in page and b"wsw__p" not in page and b"<p>" not in page.split(b'class="wsw"')[1][:20]
    assert html.escape(site.truth(ident)["title"]).encode() in page and b"application/ld+json" in page
    assert b'<div class="wsw">\n\n</div>\n</article>' in amp


# --- Big sitemap -----------------------------------------------------------------------------------


def test_big_sitemap_lists_fifty_thousand_urls_in_one_child():
    big = ReplicaSite(size=50_000, seed=1)
    replica = Replica(big, faults=FaultPlan(big_sitemap=True))
    index = replica.respond("/sitemap.xml").body
    assert index.count(b".xml.gz</loc>") == 2  # 50,002 ids with the 404 and 410 cases
    child = gzip.decompress(replica.respond("/sitemap_1.xml.gz").body)
    assert child.count(b"<url>") == 50_000
    assert replica.respond("/sitemap_2.xml.gz").body and replica.respond(big.entry(big.article_ids()[-1]).path).status == 200


def test_command_line_serves_faults_and_their_ledger():
    process = subprocess.Popen(
        [sys.executable, "-m", "newscrawl.replica", "--size", "10", "--faults", "all", "--fault-rate", "1",
         "--fault-seed", "3", "--fault-delay", "0.2"],
        cwd=REPO, stdout=subprocess.PIPE, text=True,
    )
    try:
        base_url = process.stdout.readline().split()[1]
        host, port = base_url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        connection.request("GET", "/api/")
        with contextlib.suppress(OSError, http.client.HTTPException):  # whatever fault /api/ drew
            connection.getresponse().read()
        connection.close()
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        connection.request("GET", CONTROL_PATH)
        report = json.loads(connection.getresponse().read())
        assert [target for entries in report["injected"].values() for target, _ in entries] == ["/api/"]
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0
