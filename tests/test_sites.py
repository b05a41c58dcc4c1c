"""The registry of Pangea sites: every site the issue names, found by key or by any host, each
with a language whose script and direction are known."""

import subprocess
import sys
from collections import Counter

import pytest

from newscrawl.errors import ConfigurationError
from newscrawl.sites import DISCOVERY_ROOTS, SITES, get_site
from tests.crawling import REPO

# The hosts issue 13 lists, with the language each site writes.
LISTED = {
    "www.voachinese.com": "zh-Hans", "www.voacantonese.com": "zh-Hant", "www.voanews.com": "en-US",
    "golosameriki.com": "ru", "holosameryky.com": "uk", "ir.voanews.com": "fa", "urduvoa.com": "ur",
    "voadeewaradio.com": "ps", "voakorea.com": "ko", "voatibetan.com": "bo", "burmese.voanews.com": "my",
    "voakhmer.com": "km", "voatiengviet.com": "vi", "voaindonesia.com": "id", "amharic.voanews.com": "am",
    "voaafrique.com": "fr", "voaportugues.com": "pt", "voaespanol.com": "es", "voahausa.com": "ha",
    "voaswahili.com": "sw", "voasomali.com": "so", "learningenglish.voanews.com": "en-US", "rferl.org": "en",
    "svoboda.org": "ru", "radiosvoboda.org": "uk", "svaboda.org": "be", "radiofarda.com": "fa",
    "azadiradio.com": "prs", "mashaalradio.com": "ps", "azattyq.org": "kk", "azattyk.org": "ky", "ozodi.org": "tg",
    "ozodlik.org": "uz", "azathabar.com": "tk", "azatutyun.am": "hy", "radiotavisupleba.ge": "ka",
    "azadliq.org": "az", "europalibera.org": "ro", "slobodnaevropa.org": "sr-Latn", "evropaelire.org": "sq",
    "idelreal.org": "ru", "currenttime.tv": "ru", "krymr.com": "ru", "gandhara.rferl.org": "en",
    "martinoticias.com": "es",
}
RIGHT_TO_LEFT = {"fa", "prs", "ps", "ur", "ckb"}


@pytest.mark.parametrize(("host", "language"), LISTED.items())
def test_every_listed_site_is_found_by_its_host_with_its_language(host, language):
    site = get_site(host)
    assert site.language == language
    assert get_site(site.key) is site and get_site(f"https://{host}/") is site


def test_a_site_is_found_by_key_or_any_host_written_any_way():
    svoboda = get_site("svoboda")
    assert all(get_site(name) is svoboda for name in ("svoboda.org", "www.svoboda.org", " WWW.Svoboda.org "))


def test_an_unknown_site_gets_the_list_of_known_ones():
    with pytest.raises(ConfigurationError, match="unknown site 'example.org'; known sites: .*svoboda.*voachinese"):
        get_site("example.org")


def test_no_host_belongs_to_two_sites():
    counts = Counter(host for site in SITES.values() for host in site.page_hosts)
    assert [host for host, count in counts.items() if count > 1] == []


@pytest.mark.parametrize("site", SITES.values(), ids=lambda site: site.key)
def test_every_entry_has_a_known_script_and_direction_and_says_what_is_unverified(site):
    assert site.script != "Zyyy", f"no script known for {site.language}"
    assert site.direction == ("rtl" if site.language.split("-")[0] in RIGHT_TO_LEFT else "ltr")
    assert site.origin.startswith("https://") and site.host in site.hosts
    assert site.verified or site.note, "an unverified entry says what is uncertain"


def test_an_entry_without_sources_starts_where_the_site_tells_its_own():
    svoboda, chinese = get_site("svoboda"), get_site("voachinese")
    assert svoboda.start_urls() == [svoboda.url(path) for path in DISCOVERY_ROOTS]
    assert chinese.url("/sitemap.xml") in chinese.start_urls()
    assert chinese.start_urls(discovery_only=True) == [chinese.url(path) for path in DISCOVERY_ROOTS]


def test_the_registry_prints_one_line_per_site():
    done = subprocess.run([sys.executable, "-m", "newscrawl.sites"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    header, *lines = done.stdout.splitlines()
    assert header.split()[:5] == ["key", "hosts", "language", "script", "direction"]
    assert [line.split()[0] for line in lines] == list(SITES)
    assert any(line.split()[0] == "radiofarda" and " rtl " in f"{line} " for line in lines)
    assert any("unverified:" in line for line in lines)
