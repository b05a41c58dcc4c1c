"""The replica writes every site in its own language and script: generated words in the
script's letters and punctuation, the page's lang and dir from the registry."""

import unicodedata
from datetime import datetime, timezone
from random import Random

import pytest

from newscrawl.replica import ReplicaSite
from newscrawl.replica.languages import Chinese, for_language
from newscrawl.replica.server import Replica
from newscrawl.sites import SITES

# Unicode's name for each script family's letters, and a site written in it.
FAMILIES = {
    "LATIN": "voatiengviet", "CYRILLIC": "svoboda", "ARABIC": "radiofarda", "CJK": "voachinese",
    "TIBETAN": "voatibetan", "MYANMAR": "voaburmese", "KHMER": "voakhmer", "GEORGIAN": "radiotavisupleba",
    "ARMENIAN": "azatutyun", "ETHIOPIC": "voaamharic", "HANGUL": "voakorea", "THAI": "voathai", "LAO": "voalao",
    "BENGALI": "voabangla", "GREEK": "voagreek",
}
STOPS = {"voatibetan": "།", "voaburmese": "။", "voakhmer": "។", "azatutyun": "։", "voaamharic": "።", "voachinese": "。"}


def letters(text: str) -> list[str]:
    return [c for c in text if unicodedata.category(c)[0] in "LM"]


def share_in_script(text: str, family: str) -> float:
    found = letters(text)
    return sum(unicodedata.name(c, "").startswith(family) for c in found) / max(len(found), 1)


@pytest.fixture(scope="module")
def replicas():
    return {key: ReplicaSite(size=10, seed=4, site=key) for key in FAMILIES.values()}


@pytest.mark.parametrize(("family", "key"), FAMILIES.items())
def test_every_script_family_is_written_in_its_own_letters(replicas, family, key):
    truths = list(replicas[key].truths())
    titles = " ".join(truth["title"] for truth in truths)
    bodies = " ".join(truth["body_text"] for truth in truths)
    assert share_in_script(titles, family) == 1.0
    assert share_in_script(bodies, family) > 0.85  # the rest: Latin names, e.g. "Hart & Sons", "(George Evans)"
    if key in STOPS:
        assert STOPS[key] in bodies


@pytest.mark.parametrize("key", ["radiofarda", "svoboda", "voachinese"])
def test_pages_declare_the_sites_language_and_direction(replicas, key):
    site = SITES[key]
    replica = ReplicaSite(size=10, seed=4, site=key)
    html = Replica(replica).serve(replica.entry(replica.article_ids()[0]).path).body.decode()
    assert f'<html lang="{site.language}" dir="{site.direction}"' in html


def test_the_same_seed_gives_the_same_text_and_another_seed_other_text():
    persian = for_language("fa")
    assert persian.paragraph(Random(1)) == for_language("fa").paragraph(Random(1))
    assert persian.paragraph(Random(1)) != persian.paragraph(Random(2))


def test_slugs_stay_latin_whatever_the_script(replicas):
    for replica in replicas.values():
        for ident in replica.article_ids():
            assert replica.entry(ident).slug.isascii()


def test_chinese_sites_keep_the_hand_made_vocabulary_and_their_printed_dates():
    assert isinstance(for_language("zh-Hant"), Chinese)
    assert for_language("zh-Hans").printed_day(datetime(2025, 2, 18, 20, tzinfo=timezone.utc)) == "2025年2月19日"
    assert for_language("ru").printed_day(datetime(2025, 2, 18, 20, tzinfo=timezone.utc)) == "2025-02-18"


def test_rferl_images_live_on_rferls_image_host(replicas):
    images = [image["url"] for truth in replicas["svoboda"].truths() for image in truth["images"]]
    assert images and all(url.startswith("https://gdb.rferl.org/") for url in images)
