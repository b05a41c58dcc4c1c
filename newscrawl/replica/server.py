"""Serving a :class:`ReplicaSite` over HTTP on loopback: routes, failure cases, the server.

Every request is answered the same whatever its Host header, so the crawler can map the real
origins (``www.voachinese.com``, ``gdb.voanews.com``) onto one local server.
"""

from __future__ import annotations

import itertools
import math
import re
import sys
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from newscrawl.replica import feeds, images, markup, pages
from newscrawl.replica.faults import BIG_SITEMAP_SIZE, FaultInjector, FaultPlan
from newscrawl.replica.reply import Reply
from newscrawl.replica.site import ReplicaSite
from newscrawl.replica.text import AUTHORS, ORGANIZATION
FEED_SIZE = 50
UNAVAILABLE_TIMES = 2  # the "unavailable" article answers 503 this many times, then 200
SLOW_SECONDS = 2.0
_ARTICLE = re.compile(r"^/(?P<form>a|amp)/(?:(?P<slug>[^/]+)/)?(?P<id>\d+)\.html$")
_SECTION = re.compile(r"^/z/\d+$")
_SITEMAP_CHILD = re.compile(r"^/sitemap_(?P<n>\d+)\.xml\.gz$")
_PROGRAMME = re.compile(r"^/p/(?P<id>\d+)\.html$")


class Replica:
    """The site as an HTTP application, with the per-server state of its failure cases and,
    when a :class:`FaultPlan` enables any, of its injected faults."""

    def __init__(self, site: ReplicaSite, slow_seconds: float = SLOW_SECONDS, faults: FaultPlan | None = None):
        self.site = site
        self.slow_seconds = slow_seconds
        self.faults = FaultInjector(faults, site.site.origin) if faults and faults.enabled else None
        self.sitemap_size = BIG_SITEMAP_SIZE if faults and faults.big_sitemap else feeds.SITEMAP_SIZE
        self.failures = site.failure_ids()
        self._unavailable = itertools.count()
        self._lock = threading.Lock()
        self._missing = {url.rsplit("/", 1)[1].removesuffix(".jpg") for url in site.missing_image_urls()}
        self.render_article = lru_cache(maxsize=1024)(self._render_article)
        self.sitemap = lru_cache(maxsize=64)(self._sitemap)

    def respond(self, target: str) -> Reply:
        if self.faults is None:
            return self.serve(target)
        return self.faults.respond(target, self.route_of, self.serve)

    def serve(self, target: str) -> Reply:
        parts = urlsplit(target)
        path, query = parts.path, parse_qs(parts.query)
        routes = (
            (_ARTICLE, self.article_route),
            (_SECTION, lambda m: self.listing(m[0], query)),
            (_SITEMAP_CHILD, lambda m: self.sitemap(int(m["n"]))),
            (_PROGRAMME, lambda m: self.programme(m["id"])),
        )
        for pattern, handler in routes:
            match = pattern.match(path)
            if match:
                return handler(match)
        return self.fixed(path)

    def fixed(self, path: str) -> Reply:
        site, replica = self.site.site, self.site
        if path == "/":
            latest = replica.entries(replica.timeline[:30])
            old = [e for e in replica.entries(replica.timeline[:60]) if e.old_slug][:5]
            return self.html(pages.home(site, replica.sections, latest, old))
        if path in site.feeds:
            return self.feed(path)
        if path == "/robots.txt":
            return Reply(200, feeds.robots(site), "text/plain; charset=utf-8")
        if path == "/rssfeeds":
            return self.html(pages.feed_directory(site, replica.sections, self.feed_titles()))
        if path == "/sitemap.xml":
            children = math.ceil(len(replica.timeline) / self.sitemap_size)
            return Reply(200, feeds.sitemap_index(site, children), "application/xml")
        if path == feeds.NEWS_SITEMAP:
            return Reply(200, feeds.news_sitemap(site, replica.entries(replica.timeline[:FEED_SIZE])), "application/xml")
        if path.startswith("/author/"):
            return self.author(path)
        return self.image(path)

    def route_of(self, path: str) -> str | None:
        """What a path serves, as fault kinds name it: article, listing, feed, sitemap, image, robots."""
        site = self.site.site
        if _ARTICLE.match(path):
            return "article"
        if _SECTION.match(path) or _PROGRAMME.match(path) or path in ("/", "/rssfeeds") or path.startswith("/author/"):
            return "listing"
        if path in site.feeds:
            return "feed"
        if _SITEMAP_CHILD.match(path) or path in ("/sitemap.xml", feeds.NEWS_SITEMAP):
            return "sitemap"
        if path == "/robots.txt":
            return "robots"
        return "image" if images.parse_image_path(path) else None

    # --- Articles ----------------------------------------------------------------------------

    def article_route(self, match: re.Match) -> Reply:
        ident, slug, form = match["id"], match["slug"], match["form"]
        entry = self.site.entry(ident)
        if entry is None or (slug is not None and slug not in (entry.slug, entry.old_slug)):
            return self.not_found()
        if entry.status != 200:
            return self.not_found(entry.status)
        if slug is None:
            if form == "amp":
                return self.not_found()
            return Reply(301, b"", headers={"Location": self.site.site.url(entry.path)})
        if ident == self.failures["unavailable"] and self._take_unavailable():
            return Reply(503, b"Service Unavailable", "text/plain", {"Retry-After": "1"})
        if ident == self.failures["slow"]:
            time.sleep(self.slow_seconds)
        return Reply(200, self.render_article(ident, form == "amp"))

    def _take_unavailable(self) -> bool:
        with self._lock:
            return next(self._unavailable) < UNAVAILABLE_TIMES

    def _render_article(self, ident: str, amp: bool) -> bytes:
        replica = self.site
        article = replica.article(ident)
        if amp:
            return markup.amp_page(article, replica.site).encode()
        html = markup.article_page(
            article, replica.site, sections=replica.sections, related=replica.related(ident),
            breaking=replica.generator.entry(0),
        )
        return html.encode()

    # --- Listings and sources ------------------------------------------------------------------

    def listing(self, section_id: str, query: dict[str, list[str]]) -> Reply:
        ids = self.site.by_section.get(section_id)
        raw = query.get("p", ["0"])[0]
        number = int(raw) if raw.isdigit() else 0
        if ids is None:
            return self.not_found()
        chunk = ids[number * pages.PAGE_SIZE:(number + 1) * pages.PAGE_SIZE]
        if number and not chunk:
            return self.not_found()
        more = len(ids) > (number + 1) * pages.PAGE_SIZE
        html = pages.listing(self.site.site, self.site.sections, section_id, self.site.entries(chunk), number, more)
        return self.html(html)

    def feed_titles(self) -> dict[str, str]:
        site = self.site.site
        names = ["首页", *(self.site.sections[s] for s in site.sections)]
        return {path: f"{markup.SITE_NAME} - {names[i]}" for i, path in enumerate(site.feeds)}

    def feed(self, path: str) -> Reply:
        """The first feed covers the whole site; the others one section each, in registry order."""
        site, replica = self.site.site, self.site
        index = site.feeds.index(path)
        ids = replica.timeline if index == 0 else replica.by_section[site.sections[(index - 1) % len(site.sections)]]
        entries = replica.entries(ids[:FEED_SIZE])
        items = [(entry, replica.sections[entry.section_id]) for entry in entries]
        body = feeds.rss(site, self.feed_titles()[path], items, entries[0].published)
        return Reply(200, body, "application/rss+xml; charset=utf-8")

    def _sitemap(self, number: int) -> Reply:
        ids = self.site.timeline[(number - 1) * self.sitemap_size:number * self.sitemap_size]
        if number < 1 or not ids:
            return self.not_found()
        return Reply(200, feeds.sitemap(self.site.site, self.site.entries(ids)), "application/x-gzip")

    def author(self, path: str) -> Reply:
        names = {markup.author_path(name): name for name, _ in (*AUTHORS, ORGANIZATION)}
        if path not in names:
            return self.not_found()
        entries = self.site.entries(self.site.timeline[:10])
        return self.html(pages.author(self.site.site, self.site.sections, names[path], entries))

    def programme(self, ident: str) -> Reply:
        if ident not in pages.PROGRAMMES:
            return self.not_found()
        entries = self.site.entries(self.site.timeline[:10])
        return self.html(pages.programme(self.site.site, self.site.sections, pages.PROGRAMMES[ident], entries))

    def image(self, path: str) -> Reply:
        wanted = images.parse_image_path(path)
        if wanted is None or wanted[0] in self._missing:
            return self.not_found()
        return Reply(200, images.jpeg(*wanted), "image/jpeg", {"Cache-Control": "max-age=86400"})

    def html(self, text: str) -> Reply:
        return Reply(200, text.encode())

    def not_found(self, status: int = 404) -> Reply:
        return Reply(status, pages.not_found(self.site.site, self.site.sections).encode())


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive; every reply carries Content-Length
    disable_nagle_algorithm = True  # headers and body go out in two writes: don't wait for an ACK
    server: _Server

    def do_GET(self) -> None:
        self._send(self.server.replica.respond(self.path), with_body=True)

    def do_HEAD(self) -> None:
        self._send(self.server.replica.respond(self.path), with_body=False)

    def _send(self, reply: Reply, with_body: bool) -> None:
        if reply.deliver is not None:
            self.close_connection = True
            try:
                reply.deliver(reply, self.connection)
            except OSError:  # the client gave up first, as the fault intends
                pass
            return
        self.send_response(reply.status)
        if reply.content_type:
            self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if with_body:
            self.wfile.write(reply.body)

    def log_message(self, format: str, *args) -> None:  # noqa: A002  # quiet: benchmarks make many requests
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    replica: Replica

    def handle_error(self, request, client_address) -> None:
        if isinstance(sys.exc_info()[1], ConnectionResetError):
            return  # a crawler closing its idle keep-alive connections at the end: nothing wrong
        super().handle_error(request, client_address)


@dataclass
class ReplicaServer:
    replica: Replica
    httpd: _Server
    thread: threading.Thread

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def fault_ledger(self) -> dict[str, list[tuple[str, str]]]:
        """Every fault injected so far: kind -> [(target, detail), ...]; {} without faults."""
        return self.replica.faults.ledger() if self.replica.faults else {}

    def __enter__(self) -> ReplicaServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self.replica.faults:
            self.replica.faults.stop()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


def serve(site: ReplicaSite, host: str = "127.0.0.1", port: int = 0, faults: FaultPlan | None = None) -> ReplicaServer:
    """Serve ``site`` from a background thread; ``.base_url`` says where, ``.stop()`` (or the
    end of a ``with`` block) ends it.
    ``faults`` (else ``site.faults``) makes some responses faulty on purpose."""
    httpd = _Server((host, port), _Handler)
    httpd.replica = Replica(site, faults=faults or site.faults)
    thread = threading.Thread(target=httpd.serve_forever, name="replica-server", daemon=True)
    thread.start()
    return ReplicaServer(httpd.replica, httpd, thread)
