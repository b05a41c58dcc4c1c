"""The browser's side of rendering (see :mod:`newscrawl.rendering`): scrapy-playwright's
download handler, with a bound on each rendering, and what the browser may fetch.

Nothing imports this module, nor Playwright, until a page first needs the browser:
:class:`newscrawl.rendering.RenderingDownloadHandler` builds :class:`BoundedPlaywrightHandler`
then, so a crawl that renders nothing pays nothing for it.
"""

from __future__ import annotations

import asyncio

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Request as BrowserRequest
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

__all__ = ["BoundedPlaywrightHandler", "PlaywrightError", "RenderTimeout", "abort_request"]


class BoundedPlaywrightHandler(ScrapyPlaywrightDownloadHandler):
    """scrapy-playwright's handler, launching the browser at its first request, with a bound on
    each rendering: twice ``DOWNLOAD_TIMEOUT``. Its navigation timeout bounds a page that
    hangs, but not a request caught in the browser's crash (one that waits for a context or
    page of the dead browser waits for ever)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.render_timeout = 2 * crawler.settings.getfloat("DOWNLOAD_TIMEOUT")
        self.start_lock = asyncio.Lock()

    async def download_request(self, request: Request) -> Response:
        async with self.start_lock:
            if getattr(self, "browser_provider", None) is None:
                await self._launch()
        try:
            return await asyncio.wait_for(super().download_request(request), self.render_timeout)
        except asyncio.TimeoutError:
            raise RenderTimeout(f"rendering took more than {self.render_timeout:g} s") from None


class RenderTimeout(PlaywrightError):
    """A rendering that did not end in time (see :class:`BoundedPlaywrightHandler`)."""


def abort_request(request: BrowserRequest) -> bool:
    """scrapy-playwright's ``PLAYWRIGHT_ABORT_REQUEST``: whether the browser must not make
    ``request``. Only the page's first navigation, in the top frame, is made."""
    try:
        top_frame = request.frame.parent_frame is None and request.frame.url == "about:blank"
    except PlaywrightError:  # a service worker's request has no frame
        return True
    return not (top_frame and request.is_navigation_request() and request.resource_type == "document")
