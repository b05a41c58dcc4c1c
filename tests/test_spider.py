"""The spider's callbacks, checked once here as Scrapy's WARN_ON_GENERATOR_RETURN_VALUE would
check them at every response (off in settings.py for what that costs)."""

from __future__ import annotations

import inspect

import pytest
from scrapy.utils.misc import is_generator_with_return_value

from newscrawl.spiders.voa import VoaSpider

GENERATORS = [name for name, method in inspect.getmembers(VoaSpider, inspect.isgeneratorfunction)]


def test_the_spider_has_generator_callbacks():
    assert {"parse", "parse_article", "parse_listing"} <= set(GENERATORS)


@pytest.mark.parametrize("name", GENERATORS)
def test_no_generator_of_the_spider_returns_a_value(name):
    """A value returned from a generator callback is lost: Scrapy would warn of it."""
    assert not is_generator_with_return_value(getattr(VoaSpider, name))
