"""The benchmark's ceiling: the ``voa`` spider's discovery, with article pages fetched and dropped.

    scrapy runspider bench/fetch_only.py -a base_url=http://127.0.0.1:8000 [-a images=true]

It follows the same feeds, sitemaps and listings through the same code (it is the ``voa``
spider) and fetches every article page they list, but reads nothing in an article page: no
extraction, no related links, no items, no pipelines, no store. What it fetches per minute is
what Scrapy and the replica can do on this machine before newscrawl does any work.

With ``-a images=true`` it also fetches each article's images the way the images pipeline
does (the same renditions, straight through the engine's downloader) and drops them: the
ceiling of a crawl that fetches images. Finding them parses the page, as extraction does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response

from newscrawl.extract.pangea import PangeaArticle
from newscrawl.spiders.voa import VoaSpider, parse_flag, read_page
from newscrawl.urls import image_rendition_url


class FetchOnlySpider(VoaSpider):
    name = "fetch_only"
    custom_settings = {"ITEM_PIPELINES": {}, "NEWSCRAWL_INCREMENTAL": False}

    def __init__(self, images: str = "", **kwargs):
        super().__init__(**kwargs)
        self.fetch_images = parse_flag("images", images)
        self.image_downloads: set[asyncio.Task] = set()

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs) -> FetchOnlySpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.spider_idle, signal=signals.spider_idle)
        spider.image_width = crawler.settings.getint("NEWSCRAWL_IMAGE_WIDTH")
        return spider

    def parse_article(self, response: Response, page: PangeaArticle | None = None) -> Iterator[None]:
        self.crawler.stats.inc_value("newscrawl/articles/fetched")
        if self.fetch_images:
            for image in (page or read_page(response)).images():
                download = asyncio.ensure_future(self.fetch_image(image["url"]))
                self.image_downloads.add(download)
                download.add_done_callback(self.image_downloads.discard)
        return iter(())

    async def fetch_image(self, url: str) -> None:
        request = Request(image_rendition_url(url, self.image_width), meta={"give_up_log_level": "WARNING"})
        try:
            await self.crawler.engine.download_async(request)
        except Exception:  # noqa: BLE001 - counted, as the images pipeline records a lost image
            self.crawler.stats.inc_value("newscrawl/images/failed")
        else:
            self.crawler.stats.inc_value("newscrawl/images/fetched")

    def spider_idle(self) -> None:
        if self.image_downloads:  # engine downloads outside the scheduler: the engine cannot see them
            raise DontCloseSpider
