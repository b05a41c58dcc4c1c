"""Faults the replica injects on purpose, so the crawler's resilience can be tested and soaked.

    plan = FaultPlan(["http_5xx", "gzip_bomb"], rate=0.05, seed=1)   # or FaultPlan.parse("all")
    server = serve(site, faults=plan)
    server.fault_ledger()           # {"http_5xx": [("/a/x/7900003.html", "attempt 1: 502"), ...]}
    # and GET /__replica__/faults.json: {"injected": <the ledger>, "requests": {target: count}}

Which responses are faulty follows from the seed alone: a 200 answer for a request target
(path and query) is faulty when ``hash(seed, target)`` falls under ``rate``, and its kind is
drawn, again from the hash, among the enabled kinds that fit the target's route (article,
listing, feed, sitemap, image, robots). Other statuses (404, 410, the built-in 503s, short-link
301s) are never faulted. A *recoverable* kind fails the first ``k`` requests for its target
(k = 1 or 2, also from the hash) and then answers normally; the crawler's retries (4 by
default) get through. A permanent kind answers the same way every time. Every injected fault
is written to the ledger with the target and what was done.

Kinds, by the crawler outcome that is right for them:

recovered (retried or read through; the article is stored with every field right)
    ``http_5xx``      500, 502 or 503 for the first k requests (recoverable).
    ``http_429``      429 with ``Retry-After: 1`` for the first k requests (recoverable).
    ``reset``         headers and half the body, then a TCP reset (recoverable).
    ``timeout``       no answer for ``delay`` seconds, then the connection closes (recoverable).
    ``truncated``     Content-Length 1000 bytes over the body, then the connection closes
                      (recoverable).
    ``content_type``  no Content-Type, ``application/octet-stream`` or ``text/plain``.
    ``charset_meta``  the page in GBK or Big5 (characters those lack as ``&#...;``, or ``\\uXXXX``
                      inside scripts), declared only in ``<meta charset>``; header ``text/html``.
    ``charset_mismatch`` the same page, but the header still says ``charset=utf-8``: the body is
                      not UTF-8, and only the ``<meta>`` tells the truth. Never store mojibake.
    ``invalid_utf8``  bytes that are not UTF-8 in a head comment and in the page's last
                      paragraph (outside the article: its fields do not change).
    ``duplicate_slug`` a feed lists its first three articles a second time under another slug
                      (``<slug>-dup``), which serves the same page: one item per article.
recorded as failed (the article or source is not stored, and stats and log say why)
    ``redirect_loop`` 302 to ``?_loop=1``, which 302s back: forever.
    ``malformed_xml`` a feed or sitemap cut in the middle, or with mismatched tags. The
                      articles it lists still come from the other sources.
    ``empty_feed``    a valid feed with no items ("the feed suddenly lists nothing").
    ``bot_challenge`` 200, a bot challenge page instead of the article or listing.
    ``js_shell``      200, a "JavaScript is disabled" shell with no content.
    ``empty_article`` 200, the article page with an empty article container.
refused (never fetched, never expanded, never read whole)
    ``redirect_offsite`` 302 to ``http://example.org/<path>``: another host.
    ``redirect_private`` 302 to ``http://10.0.0.1/<path>``: a private address.
    ``oversized``     ``oversize_bytes`` (whitespace after the page), declared or not in
                      Content-Length: more than the crawler's download size limit.
    ``gzip_bomb``     ``Content-Encoding: gzip`` (or a ``.xml.gz`` body) that inflates to
                      ``bomb_bytes`` of zeros.
    ``xml_entities``  a feed or sitemap with a DOCTYPE declaring an external entity
                      (``file:///etc/passwd``) or a billion laughs, referenced once.
    ``image_bomb``    a valid PNG of 20000 x 20000 pixels (400 M), 50 KB on the wire.
    ``image_html``    an image URL answering a 200 HTML page.
    ``image_endless`` an image that streams a byte or so every 0.2 s for ``delay`` seconds.

``big_sitemap`` is no rate fault but an option: sitemap children then list up to 50,000 URLs
(the protocol's limit), so a site of 50,000 articles has one child listing all of them.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import re
import socket
import struct
import threading
import time
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from http import HTTPStatus
from urllib.parse import parse_qsl, urlencode, urlsplit

from newscrawl.errors import ConfigurationError
from newscrawl.replica.reply import HTML, Reply

CONTROL_PATH = "/__replica__/faults.json"
BIG_SITEMAP_SIZE = 50_000
LOOP_PARAM = "_loop"
DUP_SUFFIX = "-dup"
RECOVERED, FAILED, REFUSED = "recovered", "recorded as failed", "refused"

_PAGES = frozenset({"article", "listing"})
_XML = frozenset({"feed", "sitemap"})
_EVERY = _PAGES | _XML | {"image", "robots"}


@dataclass(frozen=True)
class FaultKind:
    name: str
    routes: frozenset[str]
    outcome: str  # what a correct crawler ends with: RECOVERED, FAILED or REFUSED
    recoverable: bool = False


KINDS: dict[str, FaultKind] = {
    kind.name: kind
    for kind in (
        FaultKind("http_5xx", _EVERY, RECOVERED, recoverable=True),
        FaultKind("http_429", _EVERY, RECOVERED, recoverable=True),
        FaultKind("reset", _EVERY, RECOVERED, recoverable=True),
        FaultKind("timeout", _EVERY, RECOVERED, recoverable=True),
        FaultKind("truncated", _EVERY, RECOVERED, recoverable=True),
        FaultKind("content_type", _PAGES | _XML, RECOVERED),
        FaultKind("charset_meta", _PAGES, RECOVERED),
        FaultKind("charset_mismatch", _PAGES, RECOVERED),
        FaultKind("invalid_utf8", _PAGES, RECOVERED),
        FaultKind("duplicate_slug", frozenset({"feed"}), RECOVERED),
        FaultKind("redirect_loop", _PAGES, FAILED),
        FaultKind("malformed_xml", _XML, FAILED),
        FaultKind("empty_feed", frozenset({"feed"}), FAILED),
        FaultKind("bot_challenge", _PAGES, FAILED),
        FaultKind("js_shell", _PAGES, FAILED),
        FaultKind("empty_article", frozenset({"article"}), FAILED),
        FaultKind("redirect_offsite", _PAGES, REFUSED),
        FaultKind("redirect_private", _PAGES, REFUSED),
        FaultKind("oversized", _PAGES | _XML, REFUSED),
        FaultKind("gzip_bomb", _PAGES | _XML, REFUSED),
        FaultKind("xml_entities", _XML, REFUSED),
        FaultKind("image_bomb", frozenset({"image"}), REFUSED),
        FaultKind("image_html", frozenset({"image"}), REFUSED),
        FaultKind("image_endless", frozenset({"image"}), REFUSED),
    )
}


@dataclass(frozen=True)
class FaultPlan:
    """Which faults, how often (share of faultable responses), from which seed, and their sizes.

    ``delay`` must exceed the crawler's DOWNLOAD_TIMEOUT (30 s) for timeouts to be timeouts,
    ``oversize_bytes`` its DOWNLOAD_MAXSIZE (16 MiB).
    """

    kinds: frozenset[str] = frozenset()
    rate: float = 0.05
    seed: int = 1
    delay: float = 40.0
    oversize_bytes: int = 17 * 2**20
    bomb_bytes: int = 2**30
    big_sitemap: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "kinds", frozenset(self.kinds))
        unknown = sorted(self.kinds - KINDS.keys())
        if unknown:
            raise ConfigurationError(f"unknown fault kinds {unknown}; known: {', '.join(KINDS)}")
        if not 0 <= self.rate <= 1:
            raise ConfigurationError(f"fault rate must be between 0 and 1, got {self.rate}")

    @classmethod
    def parse(cls, kinds: str, **options) -> FaultPlan:
        """
        >>> sorted(FaultPlan.parse("timeout, reset").kinds)
        ['reset', 'timeout']
        >>> len(FaultPlan.parse("all").kinds) == len(KINDS)
        True
        """
        names = KINDS.keys() if kinds.strip() == "all" else {k.strip() for k in kinds.split(",") if k.strip()}
        return cls(frozenset(names), **options)

    @property
    def enabled(self) -> bool:
        return bool(self.kinds and self.rate) or self.big_sitemap


def draw(seed: int, target: str, salt: str = "") -> int:
    """A 64-bit number that follows from (seed, target, salt) alone.

    >>> draw(1, "/a/x/1.html") == draw(1, "/a/x/1.html") != draw(2, "/a/x/1.html")
    True
    """
    digest = hashlib.blake2b(f"{seed}|{salt}|{target}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


@dataclass
class Hit:
    """One faulty response in the making: the normal reply and what the fault may draw on."""

    target: str
    route: str
    reply: Reply
    attempt: int
    plan: FaultPlan
    origin: str
    stopping: threading.Event

    def pick(self, choices: int) -> int:
        return draw(self.plan.seed, self.target, "variant") % choices


Injector = Callable[[Hit], tuple[Reply, str]]


class FaultInjector:
    """Applies a :class:`FaultPlan` to the replies of one server and keeps the ledger."""

    def __init__(self, plan: FaultPlan, origin: str):
        self.plan = plan
        self.origin = origin
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._ledger: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self._requests: dict[str, int] = defaultdict(int)
        enabled = [KINDS[name] for name in sorted(plan.kinds)]
        self._by_route = {route: tuple(k for k in enabled if route in k.routes) for route in _EVERY}
        if "gzip_bomb" in plan.kinds:
            gzip_zeros(plan.bomb_bytes)

    def respond(self, target: str, route_of: Callable[[str], str | None], serve: Callable[[str], Reply]) -> Reply:
        """``serve(target)``, faulty when the plan says so; also the control path."""
        parts = urlsplit(target)
        if parts.path == CONTROL_PATH:
            return Reply(200, json.dumps(self.report(), ensure_ascii=False).encode(), "application/json")
        query = parse_qsl(parts.query)
        if (LOOP_PARAM, "1") in query:
            return self._redirect(_with_query(parts.path, [q for q in query if q[0] != LOOP_PARAM]))
        reply = serve(_undup(target))
        route = route_of(parts.path)
        kind = self.choose(target, route) if reply.status == 200 and route else None
        if kind is None:
            return reply
        with self._lock:
            self._requests[target] += 1
            attempt = self._requests[target]
        if kind.recoverable and attempt > self.failures_before_recovery(target):
            return reply
        faulty, detail = INJECTORS[kind.name](
            Hit(target, route, reply, attempt, self.plan, self.origin, self.stopping)  # type: ignore[arg-type]
        )
        self.record(kind.name, target, f"attempt {attempt}: {detail}")
        return faulty

    def choose(self, target: str, route: str) -> FaultKind | None:
        kinds = self._by_route.get(route, ())
        if not kinds or (draw(self.plan.seed, target) >> 11) / 2**53 >= self.plan.rate:
            return None
        return kinds[draw(self.plan.seed, target, "kind") % len(kinds)]

    def failures_before_recovery(self, target: str) -> int:
        return 1 + draw(self.plan.seed, target, "k") % 2

    def record(self, kind: str, target: str, detail: str) -> None:
        with self._lock:
            self._ledger[kind].append((target, detail))

    def ledger(self) -> dict[str, list[tuple[str, str]]]:
        with self._lock:
            return {kind: list(entries) for kind, entries in self._ledger.items()}

    def report(self) -> dict:
        with self._lock:
            requests = dict(self._requests)
        return {"injected": self.ledger(), "requests": requests}

    def stop(self) -> None:
        """Ends the holds and streams in progress."""
        self.stopping.set()

    def _redirect(self, target: str) -> Reply:
        return Reply(302, b"", headers={"Location": self.origin + target})


def _with_query(path: str, query: list[tuple[str, str]]) -> str:
    return f"{path}?{urlencode(query)}" if query else path


def _undup(target: str) -> str:
    """The target a ``duplicate_slug`` link stands for.

    >>> _undup("/a/talks-20250301-dup/7900003.html")
    '/a/talks-20250301/7900003.html'
    """
    return re.sub(rf"^(/a/[^/]+){re.escape(DUP_SUFFIX)}(/\d+\.html)$", r"\1\2", target)


# --- Network: the answer never arrives whole -------------------------------------------------------


def _head(reply: Reply, length: int | None) -> bytes:
    lines = [f"HTTP/1.1 {reply.status} {HTTPStatus(reply.status).phrase}"]
    if reply.content_type:
        lines.append(f"Content-Type: {reply.content_type}")
    if length is not None:
        lines.append(f"Content-Length: {length}")
    lines += [f"{name}: {value}" for name, value in reply.headers.items()]
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _server_error(hit: Hit) -> tuple[Reply, str]:
    status = (500, 502, 503)[draw(hit.plan.seed, hit.target, str(hit.attempt)) % 3]
    return Reply(status, HTTPStatus(status).phrase.encode(), "text/plain; charset=utf-8"), str(status)


def _too_many_requests(hit: Hit) -> tuple[Reply, str]:
    return Reply(429, b"Too Many Requests", "text/plain; charset=utf-8", {"Retry-After": "1"}), "Retry-After: 1"


def _reset(hit: Hit) -> tuple[Reply, str]:
    def deliver(reply: Reply, connection: socket.socket) -> None:
        connection.sendall(_head(reply, len(reply.body)) + reply.body[: len(reply.body) // 2])
        # Linger 0: closing sends RST instead of FIN (the fd closes once the handler lets go).
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        connection.close()

    return replace(hit.reply, deliver=deliver), f"reset after {len(hit.reply.body) // 2} of {len(hit.reply.body)} bytes"


def _timeout(hit: Hit) -> tuple[Reply, str]:
    def deliver(reply: Reply, connection: socket.socket) -> None:
        hit.stopping.wait(hit.plan.delay)

    return replace(hit.reply, deliver=deliver), f"no answer for {hit.plan.delay:g} s"


def _truncated(hit: Hit) -> tuple[Reply, str]:
    declared = len(hit.reply.body) + 1000

    def deliver(reply: Reply, connection: socket.socket) -> None:
        connection.sendall(_head(reply, declared) + reply.body)

    return replace(hit.reply, deliver=deliver), f"{len(hit.reply.body)} of {declared} declared bytes"


# --- Content that lies about itself ---------------------------------------------------------------

_CONTENT_TYPES = (None, "application/octet-stream", "text/plain")
_SCRIPT = re.compile(r"(<script\b.*?</script>)", re.S | re.I)
_META_CHARSET = '<meta charset="utf-8" />'
_JSON_ESCAPE = "newscrawl-replica-json"


def _json_escape(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: characters the target encoding lacks as JSON ``\\uXXXX`` escapes."""
    assert isinstance(error, UnicodeEncodeError)
    units = error.object[error.start:error.end].encode("utf-16-be")
    escaped = "".join(f"\\u{int.from_bytes(units[i:i + 2], 'big'):04x}" for i in range(0, len(units), 2))
    return escaped, error.end


codecs.register_error(_JSON_ESCAPE, _json_escape)


def reencode(html: str, encoding: str) -> bytes:
    """An HTML page in another encoding, without changing what it says: characters the encoding
    lacks become ``&#...;`` references, or ``\\uXXXX`` escapes inside scripts (JSON-LD).

    >>> reencode('<p>美国 \u200b</p><script>{"a": "\u200b"}</script>', "gbk").decode("gbk")
    '<p>美国 &#8203;</p><script>{"a": "\\\\u200b"}</script>'
    """
    parts = _SCRIPT.split(html)
    return b"".join(
        part.encode(encoding, _JSON_ESCAPE if i % 2 else "xmlcharrefreplace") for i, part in enumerate(parts)
    )


def _content_type(hit: Hit) -> tuple[Reply, str]:
    content_type = _CONTENT_TYPES[hit.pick(len(_CONTENT_TYPES))]
    return replace(hit.reply, content_type=content_type), f"Content-Type: {content_type or '(none)'}"


def _recharset(hit: Hit, header: str) -> tuple[Reply, str]:
    encoding = ("gbk", "big5")[hit.pick(2)]
    html = hit.reply.body.decode().replace(_META_CHARSET, f'<meta charset="{encoding}" />', 1)
    return replace(hit.reply, body=reencode(html, encoding), content_type=header), f"{encoding}, header {header!r}"


def _charset_meta(hit: Hit) -> tuple[Reply, str]:
    return _recharset(hit, "text/html")


def _charset_mismatch(hit: Hit) -> tuple[Reply, str]:
    return _recharset(hit, HTML)


_BAD_BYTES = b"\xff\xfe\xc3\x28\xe4\xb8"


def _invalid_utf8(hit: Hit) -> tuple[Reply, str]:
    body = hit.reply.body.replace(b"<head>", b"<head>\n<!-- " + _BAD_BYTES + b" -->", 1)
    at = body.rfind(b"</body>")
    body = body[:at] + b"<p class=\"replica-noise\">" + _BAD_BYTES + b"</p>\n" + body[at:]
    return replace(hit.reply, body=body), f"{len(_BAD_BYTES)} bytes at 2 places"


def _duplicate_slug(hit: Hit) -> tuple[Reply, str]:
    items = re.findall(rb"<item>.*?</item>", hit.reply.body, re.S)[:3]
    copies = [re.sub(rb"(/a/[^/<]+)(/\d+\.html)", rb"\1" + DUP_SUFFIX.encode() + rb"\2", item) for item in items]
    body = hit.reply.body.replace(b"</channel>", b"\n".join(copies) + b"\n</channel>", 1)
    return replace(hit.reply, body=body), f"{len(copies)} items again as <slug>{DUP_SUFFIX}"


# --- Redirects ------------------------------------------------------------------------------------


def _redirect_loop(hit: Hit) -> tuple[Reply, str]:
    parts = urlsplit(hit.target)
    location = hit.origin + _with_query(parts.path, [*parse_qsl(parts.query), (LOOP_PARAM, "1")])
    return Reply(302, b"", headers={"Location": location}), f"302 to {location} and back"


def _redirect_to(origin: str) -> Injector:
    def inject(hit: Hit) -> tuple[Reply, str]:
        location = origin + hit.target
        return Reply(302, b"", headers={"Location": location}), f"302 to {location}"

    return inject


# --- XML sources ----------------------------------------------------------------------------------

_ROOT = re.compile(rb"<(rss|urlset|sitemapindex)\b[^>]*>(\s*<channel>)?")
_XXE = b'<!DOCTYPE %s [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
_LAUGHS = b"<!DOCTYPE %s [<!ENTITY e0 \"lol\">" + b"".join(
    b'<!ENTITY e%d "%s">' % (n, (b"&e%d;" % (n - 1)) * 10) for n in range(1, 10)
) + b"]>"
_PROBES = {b"rss": b"<description>&e%s;</description>", b"urlset": b"<url><loc>&e%s;</loc></url>",
           b"sitemapindex": b"<sitemap><loc>&e%s;</loc></sitemap>"}


def _on_xml(hit: Hit, change: Callable[[bytes], bytes]) -> Reply:
    """The reply with its XML changed, through the gzip of a ``.xml.gz`` sitemap."""
    body = hit.reply.body
    if body[:2] == b"\x1f\x8b":
        return replace(hit.reply, body=_gzip(change(zlib.decompress(body, 31))))
    return replace(hit.reply, body=change(body))


def _gzip(data: bytes) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, 31)
    return packer.compress(data) + packer.flush()


def _malformed_xml(hit: Hit) -> tuple[Reply, str]:
    if hit.pick(2):
        return _on_xml(hit, lambda xml: xml[: len(xml) * 3 // 5]), "cut at 60%"
    broken = lambda xml: re.sub(rb"</(loc|title)>", rb"</\1x><<&>", xml, count=1)  # noqa: E731
    return _on_xml(hit, broken), "mismatched tag and stray <<&>"


def _xml_entities(hit: Hit) -> tuple[Reply, str]:
    laughs = hit.pick(2)

    def declare(xml: bytes) -> bytes:
        root = _ROOT.search(xml)
        if root is None:
            return xml
        doctype = (_LAUGHS if laughs else _XXE) % root[1]
        probe = _PROBES[root[1]] % (b"9" if laughs else b"")
        declaration_end = xml.index(b"?>") + 2 if xml.startswith(b"<?xml") else 0
        return xml[:declaration_end] + b"\n" + doctype + xml[declaration_end:root.end()] + probe + xml[root.end():]

    return _on_xml(hit, declare), "billion laughs" if laughs else "external entity file:///etc/passwd"


def _empty_feed(hit: Hit) -> tuple[Reply, str]:
    body, count = re.subn(rb"<item>.*?</item>\n?", b"", hit.reply.body, flags=re.S)
    return replace(hit.reply, body=body), f"{count} items removed"


# --- Too big ----------------------------------------------------------------------------------------

_PADDING = b" " * 65536


def _oversized(hit: Hit) -> tuple[Reply, str]:
    total, declared = hit.plan.oversize_bytes, not hit.pick(2)

    def deliver(reply: Reply, connection: socket.socket) -> None:
        connection.sendall(_head(reply, total if declared else None) + reply.body)
        left = total - len(reply.body)
        while left > 0 and not hit.stopping.is_set():
            connection.sendall(_PADDING[:left])
            left -= len(_PADDING)

    length = "declared" if declared else "undeclared"
    return replace(hit.reply, deliver=deliver), f"{total} bytes, length {length}"


@lru_cache(maxsize=2)
@lru_cache(maxsize=2)
def gzip_zeros(size: int) -> bytes:
    """A gzip member that inflates to ``size`` zero bytes (1 GiB: about 1 MB, made in ~2 s).

    Made once per size: made per hit, on a loaded machine it took longer than the crawler's
    download timeout, and the bomb was never served."""
    packer, chunk = zlib.compressobj(9, zlib.DEFLATED, 31), bytes(2**20)
    parts = [packer.compress(chunk[: min(len(chunk), size - done)]) for done in range(0, size, len(chunk))]
    return b"".join(parts) + packer.flush()


def _gzip_bomb(hit: Hit) -> tuple[Reply, str]:
    bomb = gzip_zeros(hit.plan.bomb_bytes)
    if hit.reply.body[:2] == b"\x1f\x8b":  # a .xml.gz sitemap: the file itself is the bomb
        reply = replace(hit.reply, body=bomb)
    else:
        reply = replace(hit.reply, body=bomb, headers={**hit.reply.headers, "Content-Encoding": "gzip"})
    return reply, f"{len(bomb)} bytes inflating to {hit.plan.bomb_bytes}"


# --- Images ----------------------------------------------------------------------------------------

BOMB_SIDE = 20_000


@lru_cache(maxsize=1)
def png_bomb() -> bytes:
    """A valid black 1-bit PNG of BOMB_SIDE x BOMB_SIDE pixels, about 50 KB."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", BOMB_SIDE, BOMB_SIDE, 1, 0, 0, 0, 0)
    rows = bytes(1 + BOMB_SIDE // 8) * BOMB_SIDE
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


def _image_bomb(hit: Hit) -> tuple[Reply, str]:
    bomb = png_bomb()
    return replace(hit.reply, body=bomb, content_type="image/png"), f"PNG {BOMB_SIDE}x{BOMB_SIDE}, {len(bomb)} bytes"


_CDN_ERROR = b"""<!DOCTYPE html>
<html><head><meta charset="utf-8" /><title>Error</title></head>
<body><h1>Temporarily unavailable</h1><p>The resource could not be served. Reference #18.4f2a</p></body></html>
"""


def _image_html(hit: Hit) -> tuple[Reply, str]:
    return replace(hit.reply, body=_CDN_ERROR, content_type=HTML), "200 text/html"


ENDLESS_PACE = 0.2


def _image_endless(hit: Hit) -> tuple[Reply, str]:
    def deliver(reply: Reply, connection: socket.socket) -> None:
        connection.sendall(_head(reply, None) + reply.body[:64])
        deadline = time.monotonic() + hit.plan.delay
        while not hit.stopping.wait(ENDLESS_PACE) and time.monotonic() < deadline:
            connection.sendall(b"\x00" * 16)

    return replace(hit.reply, deliver=deliver), f"streams for {hit.plan.delay:g} s"


# --- Failures that look like success ----------------------------------------------------------------

_CHALLENGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8" /><title>One moment, please</title>
<meta name="robots" content="noindex,nofollow" /></head>
<body class="challenge">
<div id="challenge-box"><h1>Checking that you are a person</h1>
<p>This check runs in your browser and takes a few seconds. Ref {ref}</p>
<form id="challenge-form" action="/__challenge/verify" method="POST"><input type="hidden" name="t" value="{ref}" /></form>
</div>
<script>setTimeout(function () {{ document.getElementById("challenge-form").submit(); }}, 4000);</script>
</body></html>
"""
_JS_SHELL = b"""<!DOCTYPE html>
<html><head><meta charset="utf-8" /><title></title></head>
<body><noscript>JavaScript is disabled in your browser. Turn it on to read this page.</noscript>
<div id="app"></div><script src="/static/js/app.3f9c1e.js"></script></body></html>
"""
# The article container's content ends before these (a full page, then an AMP page).
_CONTAINER_ENDS = (b'\n</div>\n</div>\n</div>\n<div class="col-xs-12 col-sm-12 col-md-4', b"\n</div>\n</article>")
# The article container's start: the current template's, or an older one's.
_CONTAINERS = (b'<div class="wsw">\n', b'<div class="wysiwyg">\n', b'<div class="article__text">\n')


def _bot_challenge(hit: Hit) -> tuple[Reply, str]:
    body = _CHALLENGE.format(ref=f"{draw(hit.plan.seed, hit.target):016x}").encode()
    return replace(hit.reply, body=body, content_type=HTML, headers={"Cache-Control": "no-store"}), "200 challenge"


def _js_shell(hit: Hit) -> tuple[Reply, str]:
    return replace(hit.reply, body=_JS_SHELL, content_type=HTML), "200 shell"


def _empty_article(hit: Hit) -> tuple[Reply, str]:
    body = hit.reply.body
    start = min(at + len(opener) for opener in _CONTAINERS if (at := body.find(opener)) >= 0)
    end = min(at for at in (body.find(marker, start) for marker in _CONTAINER_ENDS) if at >= 0)
    return replace(hit.reply, body=body[:start] + body[end:]), f"{end - start} bytes of content removed"


INJECTORS: dict[str, Injector] = {
    "http_5xx": _server_error,
    "http_429": _too_many_requests,
    "reset": _reset,
    "timeout": _timeout,
    "truncated": _truncated,
    "content_type": _content_type,
    "charset_meta": _charset_meta,
    "charset_mismatch": _charset_mismatch,
    "invalid_utf8": _invalid_utf8,
    "duplicate_slug": _duplicate_slug,
    "redirect_loop": _redirect_loop,
    "malformed_xml": _malformed_xml,
    "empty_feed": _empty_feed,
    "bot_challenge": _bot_challenge,
    "js_shell": _js_shell,
    "empty_article": _empty_article,
    "redirect_offsite": _redirect_to("http://example.org"),
    "redirect_private": _redirect_to("http://10.0.0.1"),
    "oversized": _oversized,
    "gzip_bomb": _gzip_bomb,
    "xml_entities": _xml_entities,
    "image_bomb": _image_bomb,
    "image_html": _image_html,
    "image_endless": _image_endless,
}


def kinds_table(names: Iterable[str] = KINDS) -> str:
    """Kind, whether it recovers, and the right crawler outcome, one line each."""
    return "\n".join(
        f"{name:18} {'recoverable' if KINDS[name].recoverable else 'permanent':12} {KINDS[name].outcome}"
        for name in names
    )
