"""The data directory: one place for everything newscrawl keeps between runs."""

from __future__ import annotations

from pathlib import Path

from scrapy.settings import BaseSettings

FEED_OPTIONS = {"format": "jsonlines", "encoding": "utf-8", "store_empty": False}


def data_dir(settings: BaseSettings) -> Path:
    """The data directory named by ``NEWSCRAWL_DATA_DIR`` (``./data`` by default)."""
    return Path(settings.get("NEWSCRAWL_DATA_DIR") or "data")


def default_feed_uri(settings: BaseSettings) -> str:
    """``<data dir>/feeds/<spider>-<UTC timestamp>.jsonl``, in Scrapy's feed URI syntax."""
    return str(data_dir(settings).resolve() / "feeds" / "%(name)s-%(time)s.jsonl")


class DefaultFeedAddon:
    """Writes each run's items to the data directory when the run names no feed (-o/-O)."""

    def update_settings(self, settings: BaseSettings) -> None:
        if not settings.getdict("FEEDS"):
            settings.set("FEEDS", {default_feed_uri(settings): FEED_OPTIONS}, priority="addon")
