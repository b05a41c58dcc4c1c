"""Fixtures of the end-to-end tests."""

import pytest

from newscrawl.replica import ReplicaSite, serve
from tests.crawling import SEED_DOCUMENT


@pytest.fixture(scope="module")
def replica():
    """A small replica with every article variant and the seed's article, served on loopback."""
    site = ReplicaSite(size=12, seed=7, seed_documents=(SEED_DOCUMENT,))
    with serve(site) as server:
        yield site, server.base_url
