"""Valid article items for tests: the ones the extraction tests expect from the saved pages."""

from __future__ import annotations

import json
from pathlib import Path

from newscrawl.processors import content_hash

PAGES = Path(__file__).resolve().parent / "fixtures" / "pages"


def expected_item(page: str) -> dict:
    """The item a crawl makes of ``tests/fixtures/pages/<page>.html`` (e.g. ``"zh_article"``)
    fetched over plain HTTP: the extractor's expected item, and ``rendered`` false."""
    item = json.loads((PAGES / f"{page}.expected.json").read_text(encoding="utf-8"))["output"]["item"]
    return {**item, "rendered": False}


def sample_item(article_id: str = "7600001", **fields) -> dict:
    """The English test article, under another id and with other fields if given;
    ``content_hash`` is recomputed from the title and body text."""
    item = {**expected_item("en_article"), "article_id": article_id, **fields}
    item["content_hash"] = content_hash(item["title"], item["body_text"])
    return item
