"""A sitemap child of 50,000 URLs (the protocol's limit) is read whole, streamed."""

import tracemalloc

from scrapy.utils.gz import gunzip

from newscrawl.extract.discovery import SITEMAP, sitemap_links
from newscrawl.replica import FaultPlan, ReplicaSite
from newscrawl.replica.server import Replica


def test_a_sitemap_of_50000_urls_gives_every_article_link():
    replica = Replica(ReplicaSite(size=50_000, seed=1), faults=FaultPlan(big_sitemap=True))
    body = gunzip(replica.respond("/sitemap_1.xml.gz").body)
    tracemalloc.start()
    kind, links = sitemap_links(body)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert kind == SITEMAP
    assert len(links) == 50_000 and len({link.url for link in links}) == 50_000
    assert all(link.date is not None for link in links)
    assert peak < 64 * 2**20  # the links themselves, not a tree of the whole document
