"""The shared frontier of a crawl on several machines: scrapy-redis's scheduler and dupe filter
on one Redis server, switched on by ``NEWSCRAWL_REDIS_URL``.

    python -m newscrawl.frontier seed --site voachinese [URL ...]   # the site's sources, or URLs
    scrapy crawl voa -s NEWSCRAWL_REDIS_URL=redis://host:6379/0     # any number of workers
    python -m newscrawl.frontier status --site voachinese           # queue, in flight, seen

This module is what every crawl imports: the switch (:class:`FrontierAddon`). The parts on
Redis are in :mod:`newscrawl.frontier.shared`, which a crawl without Redis never imports (nor
redis-py and scrapy-redis); the command line is :mod:`newscrawl.frontier.__main__`.
"""

from __future__ import annotations

import os

from scrapy.settings import BaseSettings

from newscrawl.errors import ConfigurationError
from newscrawl.store import POSTGRES_SCHEMES

SHARED_SCHEDULER = f"{__name__}.shared.SharedScheduler"


def enabled(settings: BaseSettings) -> bool:
    return bool(settings.get("NEWSCRAWL_REDIS_URL"))


class FrontierAddon:
    """With ``NEWSCRAWL_REDIS_URL`` set, the crawl's scheduler and dupe filter are the shared
    ones on Redis; without it, nothing changes."""

    def update_settings(self, settings: BaseSettings) -> None:
        if not enabled(settings):
            return
        require_shared_store(settings)
        # Project priority, not the add-on's: settings.py names the single-process scheduler.
        # SharedScheduler builds its own dupe filter (DUPEFILTER_CLASS is not read).
        settings.set("SCHEDULER", SHARED_SCHEDULER, priority="project")


def require_shared_store(settings: BaseSettings) -> None:
    """Workers on several machines need one store: a SQLite file is one machine's."""
    url = settings.get("NEWSCRAWL_DATABASE_URL") or os.environ.get("NEWSCRAWL_DATABASE_URL") or ""
    if url.split(":", 1)[0] not in POSTGRES_SCHEMES:
        raise ConfigurationError(
            "NEWSCRAWL_REDIS_URL makes this a distributed crawl, whose workers must share one "
            "PostgreSQL store: set NEWSCRAWL_DATABASE_URL=postgresql://... (a SQLite file is "
            "refused: each machine would keep its own, and articles would be missed or stored twice)"
        )
