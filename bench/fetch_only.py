"""The benchmark's ceiling: the ``voa`` spider's discovery, with article pages fetched and dropped.

    scrapy runspider bench/fetch_only.py -a base_url=http://127.0.0.1:8000

It follows the same feeds, sitemaps and listings through the same code (it is the ``voa``
spider) and fetches every article page they list, but reads nothing in an article page: no
extraction, no related links, no items, no pipelines, no store. What it fetches per minute is
what Scrapy and the replica can do on this machine before newscrawl does any work.
"""

from __future__ import annotations

from collections.abc import Iterator

from scrapy.http import Response

from newscrawl.extract.pangea import PangeaArticle
from newscrawl.spiders.voa import VoaSpider


class FetchOnlySpider(VoaSpider):
    name = "fetch_only"
    custom_settings = {"ITEM_PIPELINES": {}, "NEWSCRAWL_INCREMENTAL": False}

    def parse_article(self, response: Response, page: PangeaArticle | None = None) -> Iterator[None]:
        self.crawler.stats.inc_value("newscrawl/articles/fetched")
        return iter(())
