"""Loading an article item: what the registry says about a site wins over what a page declares."""

from datetime import datetime, timezone

from newscrawl.extract.pangea import PangeaArticle
from newscrawl.loaders import load_article
from newscrawl.replica import ReplicaSite
from newscrawl.replica.server import Replica
from newscrawl.sites import get_site

FETCHED_AT = datetime(2025, 3, 21, tzinfo=timezone.utc)


def test_a_pashto_page_declaring_urdu_is_stored_as_pashto():
    replica = ReplicaSite(size=10, seed=1, site="voadeewaradio")
    entry = replica.entry(replica.article_ids()[0])
    html = Replica(replica).serve(entry.path).body.decode()
    assert 'lang="ps"' in html and '"inLanguage":"ps"' in html
    mislabelled = html.replace('lang="ps"', 'lang="ur"').replace('"inLanguage":"ps"', '"inLanguage":"ur"')
    page = PangeaArticle(mislabelled, replica.site.url(entry.path))
    assert page.language() == "ur"
    item = load_article(page, get_site("voadeewaradio"), FETCHED_AT)
    assert item["language"] == "ps" and item["site"] == "voadeewaradio"
