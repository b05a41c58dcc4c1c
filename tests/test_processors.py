"""The cleaning functions, as tables of cases (their doctests show the common ones)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from newscrawl import processors


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  美国\u3000国务院  ", "美国\u3000国务院"),  # U+3000 inside a line is published text
        ("\u3000\u3000缩进", "缩进"),
        ("a\u200b\u200c\u200d\u2060\ufeffb", "ab"),
        ("a\xa0\xa0b\n\tc", "a b c"),
        ("，。：“”（）", "，。：“”（）"),  # no NFKC
        ("", ""),
        (None, ""),
    ],
)
def test_clean_text(raw, clean):
    assert processors.clean_text(raw, "zh-Hans") == clean


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("第一行\n\u3000\u3000第二行", "第一行\n第二行"),
        ("a \n b", "a\nb"),
        ("\n\n a \n\n\n\n b \n", "a\n\nb"),
    ],
)
def test_clean_lines(raw, clean):
    assert processors.clean_lines(raw) == clean


@pytest.mark.parametrize(
    ("fragment", "html"),
    [
        ("<b>x</b> <i>y</i>", "x y"),  # the page turns b/i into strong/em before this
        ('<a href="https://x.org/" onclick="e()" target="_blank">x</a>', '<a href="https://x.org/">x</a>'),
        ('<a href="javascript:alert(1)">x</a>', "<a>x</a>"),
        ("<br><br>\u3000\u3000第一行<br />\u3000第二行<br>", "第一行<br>第二行"),
        ("<span>a&nbsp;&amp;&lt;b</span><script>x()</script><style>p{}</style>", "a &amp;&lt;b"),
    ],
)
def test_clean_html(fragment, html):
    assert processors.clean_html(fragment) == html


@pytest.mark.parametrize(
    ("value", "tags"),
    [
        ("USA, United States", ["USA", "United States"]),
        ("国际，人权、外交,, ", ["国际", "人权", "外交"]),
        ("", []),
        (None, []),
    ],
)
def test_split_tags(value, tags):
    assert processors.split_tags(value) == tags


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("2024-04-28 07:00:00Z", "2024-04-28T07:00:00Z"),
        ("2024-04-28T03:00:00-04:00", "2024-04-28T07:00:00Z"),
        ("2025-02-18T15:27:23+08:00", "2025-02-18T07:27:23Z"),
        ("2025-02-18T07:27:23.5Z", "2025-02-18T07:27:23Z"),
        ("2025-02-18", "2025-02-18T00:00:00Z"),
        ("Tue, 18 Feb 2025 07:27:23 +0000", "2025-02-18T07:27:23Z"),
        ("Tue, 18 Feb 2025 15:27:23 +0800", "2025-02-18T07:27:23Z"),
        (datetime(2025, 2, 18, 15, 27, tzinfo=timezone(timedelta(hours=8))), "2025-02-18T07:27:00Z"),
        (datetime(2025, 2, 18, 7, 27), "2025-02-18T07:27:00Z"),  # naive: taken as UTC
        ("", None),
        ("not a date", None),
        (None, None),
        (20250218, None),
        ("0001-02-03T04:05:06Z", "0001-02-03T04:05:06Z"),  # four digits of year, always
        ("9999-12-31T23:59:59-23:59", None),  # past datetime's range once in UTC
        (datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5))), None),
    ],
)
def test_to_utc_iso(value, iso):
    assert processors.to_utc_iso(value) == iso


@pytest.mark.parametrize(
    ("text", "language", "iso"),
    [
        ("2025年2月18日 15:27", "zh-Hans", "2025-02-18T15:27:00Z"),
        ("2025年2月18日", "zh-Hant", "2025-02-18T00:00:00Z"),
        ("April 28, 2024 3:00 AM", "en-US", "2024-04-28T03:00:00Z"),
        ("2025年2月18日 15:27", "xx-Unknown", "2025-02-18T15:27:00Z"),
        ("没有日期", "zh-Hans", None),
    ],
)
def test_parse_visible_date(text, language, iso):
    assert processors.parse_visible_date(text, language) == iso


@pytest.mark.parametrize(
    ("url", "original"),
    [
        ("https://gdb.voanews.com/01000000-0aff-0242-d5d7-08dc658aabd0_w250_r1_s.jpg",
         "https://gdb.voanews.com/01000000-0aff-0242-d5d7-08dc658aabd0.jpg"),
        ("https://gdb.voanews.com/7C01456E-AFA3-4D09-A6AA-A6042A5159FA_w1080_h608.jpg",
         "https://gdb.voanews.com/7C01456E-AFA3-4D09-A6AA-A6042A5159FA.jpg"),
        ("http://gdb.voanews.com/01000000-0aff-0242-ce71-08dc65786e98_cx0_cy10_cw0_w100_r1.png?v=2",
         "https://gdb.voanews.com/01000000-0aff-0242-ce71-08dc65786e98.png"),
        ("https://gdb.voanews.com/a8893f07-8b2e-405b-ba8e-402cddabef3c_r1_s_w900.jpg",
         "https://gdb.voanews.com/a8893f07-8b2e-405b-ba8e-402cddabef3c.jpg"),
        ("https://gdb.voanews.com/a8893f07-8b2e-405b-ba8e-402cddabef3c.jpg",
         "https://gdb.voanews.com/a8893f07-8b2e-405b-ba8e-402cddabef3c.jpg"),
        ("https://www.voachinese.com/Content/logo.png", "https://www.voachinese.com/Content/logo.png"),
    ],
)
def test_original_image_url(url, original):
    assert processors.original_image_url(url) == original


@pytest.mark.parametrize(
    ("text", "sources"),
    [
        ("(本文依据了美联社、法新社、路透社的报道)", ["美联社", "法新社", "路透社"]),
        ("（本文参考了美联社报道）", ["美联社"]),
        ("正文最后一句。(本文依据了美联社，路透社及法新社的报道)", ["美联社", "路透社", "法新社"]),
        ("（本文參考了美聯社和路透社報道）", ["美聯社", "路透社"]),
        ("(Some information in this report came from Reuters, AFP and The Associated Press.)",
         ["Reuters", "AFP", "The Associated Press"]),
        ("美联社报道说，会谈将继续。", []),
        ("", []),
    ],
)
def test_parse_sources(text, sources):
    assert processors.parse_sources(text) == sources


@pytest.mark.parametrize(
    ("raw", "dateline"),
    [("AUBURN, Wash. —\xa0", "AUBURN, Wash."), ("华盛顿 —", "华盛顿"), ("LONDON – ", "LONDON"), ("", "")],
)
def test_clean_dateline(raw, dateline):
    assert processors.clean_dateline(raw) == dateline


def test_unique_keeps_first_occurrence_in_order():
    assert processors.unique(["b", "a", "b", "c", "a"]) == ["b", "a", "c"]


def test_content_hash_ignores_spacing_but_not_words():
    base = processors.content_hash("标题", "第一段\n\n第二段")
    assert processors.content_hash("  标题", "第一段 \n 第二段") == base
    assert processors.content_hash("标题", "第一段\n\n第三段") != base
    assert len(base) == 64


# --- Per script (see processors.SCRIPT_RULES) ------------------------------------------------

ZWNJ, ZWJ, ZWSP, LRM, RLM, ALM = "\u200c", "\u200d", "\u200b", "\u200e", "\u200f", "\u061c"
LRE, RLE, PDF, RLI, PDI = "\u202a", "\u202b", "\u202c", "\u2067", "\u2069"


@pytest.mark.parametrize(
    ("language", "raw", "clean"),
    [
        ("fa", f"می{ZWNJ}خواهم", f"می{ZWNJ}خواهم"),  # ZWNJ spells Persian
        ("ur", f"ذمہ{ZWNJ}دار", f"ذمہ{ZWNJ}دار"),
        ("bn", f"র{ZWJ}্যাব", f"র{ZWJ}্যাব"),  # ZWJ spells a Bengali conjunct
        ("my", f"ရန်ကုန်{ZWSP}မြို့", f"ရန်ကုန်{ZWSP}မြို့"),  # ZWSP marks a Burmese word
        ("km", f"ខ្ញុំ{ZWSP}ស្រលាញ់", f"ខ្ញុំ{ZWSP}ស្រលាញ់"),
        ("zh-Hans", f"美{ZWSP}国{ZWJ}务院", "美国务院"),  # noise in Chinese
        ("ru", f"Ка{ZWJ}рта{ZWNJ} мира", "Карта мира"),
        ("ru", f"цитата: می{ZWNJ}خواهم", f"цитата: می{ZWNJ}خواهم"),  # a quoted Persian word keeps it
        ("en", f"family 👩{ZWJ}👧 photo", f"family 👩{ZWJ}👧 photo"),  # an emoji sequence keeps it
        ("zh-Hans", "美国\n国务院", "美国国务院"),  # a wrapped source line between Han is no space
        ("zh-Hans", "VOA\nnews", "VOA news"),
        ("ru", "Госдеп\nСША", "Госдеп США"),
        ("ko", "정부는\n새로운", "정부는 새로운"),
        ("fa", "تهـــران", "تهـــران"),  # tatweel is published text
        ("bo", "བོད་ཀྱི་གནས་ཚུལ། ཡོད༌།", "བོད་ཀྱི་གནས་ཚུལ། ཡོད༌།"),  # tsheg, shad, non-breaking tsheg
        ("am", "ኢትዮጵያ፡ዜና።", "ኢትዮጵያ፡ዜና።"),  # Ethiopic wordspace and full stop
        ("hy", "Ինչո՞ւ՝ այո։", "Ինչո՞ւ՝ այո։"),  # Armenian question mark, comma, full stop
        ("xx-Zzzz", f"a{ZWSP}b{ZWNJ}c", f"a{ZWSP}b{ZWNJ}c"),  # unknown script: nothing taken
    ],
)
def test_clean_text_per_script(language, raw, clean):
    assert processors.clean_text(raw, language) == clean


@pytest.mark.parametrize(
    ("language", "raw", "clean"),
    [
        ("fa", f"{RLM}سلام (AP){RLM}", "سلام (AP)"),  # marks agreeing with the base direction, at the edges
        ("fa", f"{ALM}سلام", "سلام"),
        ("fa", f"{LRM}VOA گزارش داد", f"{LRM}VOA گزارش داد"),  # disagreeing: it sets the line's direction
        ("fa", f"به گزارش {LRM}VOA{LRM}، نشست", f"به گزارش {LRM}VOA{LRM}، نشست"),  # inside a line: kept
        ("fa", f"سلام {LRE}VOA{PDF} خبر", f"سلام {LRE}VOA{PDF} خبر"),  # balanced embedding: kept
        ("fa", f"سلام {RLI}خبر", "سلام خبر"),  # an isolate never closed
        ("fa", f"سلام{PDF} خبر{PDI}", "سلام خبر"),  # closers without openers
        ("en", f"{LRE}Hello{PDF} {RLM}world{LRM}", "Hello world"),  # no RTL letter: all noise
        ("en", f"The word {RLE}سلام{PDF} means peace", f"The word {RLE}سلام{PDF} means peace"),
        ("en", f"{LRM}The word سلام", "The word سلام"),
    ],
)
def test_bidi_noise_and_nothing_else(language, raw, clean):
    assert processors.clean_text(raw, language) == clean


def test_bidi_controls_at_line_edges_of_html():
    html = processors.clean_html(f"{RLM}سلام<br>{RLM}خبر <strong>{LRM}VOA{LRM}</strong>{RLM}", "fa")
    assert html == f"سلام<br>خبر <strong>{LRM}VOA{LRM}</strong>"


@pytest.mark.parametrize(
    ("language", "value", "tags"),
    [
        ("fa", "ایران، آمریکا ،اروپا", ["ایران", "آمریکا", "اروپا"]),
        ("am", "ኢትዮጵያ፣ ፖለቲካ", ["ኢትዮጵያ", "ፖለቲካ"]),
        ("my", "မြန်မာ၊ နိုင်ငံရေး", ["မြန်မာ", "နိုင်ငံရေး"]),
        ("bo", "བོད།, གནས་ཚུལ", ["བོད།", "གནས་ཚུལ"]),  # the shad is no separator
    ],
)
def test_split_tags_per_script(language, value, tags):
    assert processors.split_tags(value, language) == tags


@pytest.mark.parametrize(
    ("text", "language", "iso"),
    [
        ("جمعه ۱۰ خرداد ۱۴۰۳ ساعت ۱۴:۰۵", "fa", "2024-05-30T14:05:00Z"),  # Solar Hijri, Persian digits
        ("۱۴۰۳/۰۳/۱۰", "fa", "2024-05-30T00:00:00Z"),
        ("1 فروردین 1403", "fa", "2024-03-20T00:00:00Z"),  # Nowruz
        ("۱۰ جوزا ۱۴۰۳", "fa-AF", "2024-05-30T00:00:00Z"),  # Dari month name
        ("۱۰ غویی ۱۴۰۳", "ps", "2024-04-29T00:00:00Z"),  # Pashto month name
        ("۱۰ جوزا", "fa-AF", None),  # no year: not a full date
        ("۳۰ مه ۲۰۲۴، ۱۴:۰۵", "fa", "2024-05-30T14:05:00Z"),  # a Gregorian date on a Persian site
        ("۳۰ مئی ۲۰۲۴", "ur", "2024-05-30T00:00:00Z"),
        ("৩০ মে ২০২৪", "bn", "2024-05-30T00:00:00Z"),
        ("မေ ၃၀၊ ၂၀၂၄", "my", "2024-05-30T00:00:00Z"),
        ("៣០ ឧសភា ២០២៤", "km", "2024-05-30T00:00:00Z"),
        ("༢༠༢༤ ཟླ་༡༢ ཚེས་༣༠", "bo", "2024-12-30T00:00:00Z"),
        ("29 กุมภาพันธ์ 2567", "th", "2024-02-29T00:00:00Z"),  # Buddhist Era year
        ("30 мая 2024, 14:05", "ru", "2024-05-30T14:05:00Z"),
        ("30 травня 2024 року", "uk", "2024-05-30T00:00:00Z"),
        ("30 майи 2024", "tg", "2024-05-30T00:00:00Z"),  # a language dateparser lacks
        ("30 гыйнвар 2024", "tt", "2024-01-30T00:00:00Z"),
        ("30-njy maý 2024", "tk", "2024-05-30T00:00:00Z"),
        ("30 მაისი, 2024", "ka", "2024-05-30T00:00:00Z"),
        ("30 մայիսի 2024", "hy", "2024-05-30T00:00:00Z"),
        ("ሜይ 30, 2024", "am", "2024-05-30T00:00:00Z"),
        ("2024년 5월 30일", "ko", "2024-05-30T00:00:00Z"),
        ("2024年5月30日", "yue", "2024-05-30T00:00:00Z"),
        ("30 tháng 5, 2024", "vi", "2024-05-30T00:00:00Z"),
    ],
)
def test_parse_visible_date_per_language(text, language, iso):
    assert processors.parse_visible_date(text, language) == iso


@pytest.mark.parametrize(
    ("text", "language", "sources"),
    [
        ("来源：美联社、路透社", "zh-Hans", ["美联社", "路透社"]),
        ("Source: Reuters", "en", ["Reuters"]),
        ("За матеріалами Reuters та AP", "uk", ["Reuters", "AP"]),
        ("Con información de AP y Reuters.", "es", ["AP", "Reuters"]),
        ("Com informações da Reuters e AFP", "pt", ["Reuters", "AFP"]),
        ("منبع: رویترز و آسوشیتدپرس", "fa", ["رویترز", "آسوشیتدپرس"]),
        ("По материалам AP и Reuters", "hy", []),  # not a pattern of that language
        ("Some information for this report came from Reuters.", "ka", []),  # unknown for Georgian
    ],
)
def test_parse_sources_per_language(text, language, sources):
    assert processors.parse_sources(text, language) == sources


@pytest.mark.parametrize("language", ["fa", "ur", "bn", "my", "km", "zh-Hans", "ru", "en", "bo", "am", "hy", "ko"])
def test_cleaning_again_without_a_language_keeps_what_was_kept(language):
    """What the archive writer does to items' html: an unknown language takes nothing more away."""
    samples = [f"{RLM}می{ZWNJ}خواهم {LRM}VOA{LRM}", f"{LRM}VOA گزارش<br>{RLM}سلام", f"র{ZWJ}্যাব",
               f"ရန်ကုန်{ZWSP}မြို့", f"美{ZWSP}国\n务院", f"Ка{ZWJ}рта 👩{ZWJ}👧", "བོད་ཀྱི། ፡ ։"]
    for raw in samples:
        once = processors.clean_html(raw, language)
        assert processors.clean_html(once) == once
