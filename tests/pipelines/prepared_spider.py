"""A spider that yields prepared articles, to run item pipelines in a real crawl without pages.

``scrapy runspider tests/pipelines/prepared_spider.py -a items=articles.jsonl``: one
:class:`~newscrawl.items.ArticleItem` per JSON line of the file.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import scrapy

from newscrawl.items import ArticleItem


class PreparedArticlesSpider(scrapy.Spider):
    name = "prepared_articles"

    def __init__(self, items: str, **kwargs):
        super().__init__(**kwargs)
        self.items_path = Path(items)

    async def start(self) -> AsyncIterator[ArticleItem]:
        for line in self.items_path.read_text(encoding="utf-8").splitlines():
            yield ArticleItem(**json.loads(line))
