"""newscrawl's spiders: discovery and crawl policy only; page understanding is in newscrawl.extract."""
