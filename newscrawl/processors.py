"""Small pure functions that clean field values: text, tags, dates, URLs, sources.

Used by the page extractor (``newscrawl.extract.pangea``) and as item-loader processors
(``newscrawl.loaders``). Each one takes a value and returns the cleaned value; none of them
raises on bad input: what cannot be understood becomes ``None`` (or an empty list), which
item loaders drop.

Cleaning depends on the script the text is written in (``language`` arguments: the site's
language tag, see :mod:`newscrawl.languages`); :data:`SCRIPT_RULES` says what differs. In
every script, published characters are kept exactly: nothing here applies Unicode NFKC, which
would turn ``，`` into ``,``, Tibetan ``༌`` into ``་`` or drop Arabic presentation forms;
tatweel (U+0640), Tibetan tsheg and shad, Ethiopic wordspace ``፡`` and full stop ``።``, Armenian
``՝ ՞ ։`` and Myanmar ``၊ ။`` pass through untouched.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from functools import lru_cache
from html import unescape
from typing import Any, TypeVar
from urllib.parse import urljoin

import dateparser
import nh3
import regex
from dateparser.calendars.jalali import JalaliCalendar

from newscrawl.languages import UNKNOWN_FAMILY, direction_of, script_family

from newscrawl.sites import IMAGE_HOSTS

T = TypeVar("T")


@dataclass(frozen=True)
class ScriptRules:
    """What cleaning does to the text of one script family (the values of :data:`SCRIPT_RULES`).

    Everywhere: C0 controls, U+2060 and U+FEFF go, and so do bidi controls that are markup
    noise (:func:`strip_bidi_noise`). The rest depends on the script:
    """

    # ZWNJ/ZWJ (U+200C/U+200D) spell words (Persian می‌خواهم, Indic conjuncts, Burmese and Khmer
    # stacking): kept. Elsewhere they are noise, except between two letters of such a script
    # (a quoted Persian word) and a ZWJ inside an emoji sequence.
    joiners_spell_words: bool = False
    # ZWSP (U+200B) marks word boundaries in scripts written without spaces: kept. Elsewhere noise.
    zwsp_marks_words: bool = False
    # A line break of the page's source between two wide (Han, kana) characters is no space,
    # as browsers render it (CSS Text 3, segment breaks); elsewhere it is one.
    joins_wrapped_lines: bool = False
    # What else ends a dateline besides dashes: a tatweel typed as one ("کابل ـ").
    dateline_dashes: str = ""


DEFAULT_RULES = ScriptRules()  # latin, cyrillic, greek, georgian, armenian, hangul, hebrew, ethiopic
# Per script family (newscrawl.languages.script_family); families not listed use DEFAULT_RULES.
SCRIPT_RULES: dict[str, ScriptRules] = {
    "arabic": ScriptRules(joiners_spell_words=True, dateline_dashes="\u0640"),
    "indic": ScriptRules(joiners_spell_words=True),
    "myanmar": ScriptRules(joiners_spell_words=True, zwsp_marks_words=True),
    "khmer": ScriptRules(joiners_spell_words=True, zwsp_marks_words=True),
    "thai": ScriptRules(zwsp_marks_words=True),
    "lao": ScriptRules(zwsp_marks_words=True),
    "tibetan": ScriptRules(zwsp_marks_words=True),
    "han": ScriptRules(joins_wrapped_lines=True),
    # A language we cannot place: take away nothing that might be part of a word.
    "other": ScriptRules(joiners_spell_words=True, zwsp_marks_words=True),
}

# C0 control characters other than tab and line breaks, word joiner, BOM.
_ALWAYS_INVISIBLE = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2060\ufeff"
# Letters of scripts in which ZWNJ/ZWJ are part of the spelling.
_JOINING = (
    r"\p{Arabic}\p{Syriac}\p{Nko}\p{Mongolian}\p{Myanmar}\p{Khmer}\p{Sinhala}\p{Devanagari}\p{Bengali}"
    r"\p{Gurmukhi}\p{Gujarati}\p{Oriya}\p{Tamil}\p{Telugu}\p{Kannada}\p{Malayalam}"
)
_EMOJI = r"\p{Extended_Pictographic}"
_STRAY_JOINER = regex.compile(
    rf"(?!(?<=[{_JOINING}])[\u200c\u200d](?=[{_JOINING}]))"
    rf"(?!(?<=[{_EMOJI}\p{{Emoji_Modifier}}\ufe0f])\u200d(?=[{_EMOJI}]))[\u200c\u200d]"
)
_WIDE = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Bopomofo}\u3000-\u303f\uff01-\uff60"
_WRAPPED_WIDE_LINE = regex.compile(rf"(?<=[{_WIDE}])[ \t\r]*\n[ \t\r\n]*(?=[{_WIDE}])")
# Bidi controls: marks (LRM, RLM, ALM), embeddings and overrides (LRE RLE PDF LRO RLO),
# isolates (LRI RLI FSI PDI).
_BIDI_CONTROL = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
_BIDI_OPENERS = {"\u202a": "\u202c", "\u202b": "\u202c", "\u202d": "\u202c", "\u202e": "\u202c",
                 "\u2066": "\u2069", "\u2067": "\u2069", "\u2068": "\u2069"}
_RTL_LETTER = regex.compile(r"(?V1)[[\p{Bidi_Class=R}\p{Bidi_Class=AL}]--[\u200f\u061c]]")
# The mark that agrees with a paragraph's base direction, redundant at its edges.
_AGREEING_MARKS = {"ltr": "\u200e", "rtl": "\u200f\u061c"}
# Runs of spaces to collapse; U+3000 is not one: inside a line it is published text. Single
# plain spaces are left alone, which keeps the common case fast.
_SPACE_RUN = re.compile(r"[ \t\n\r\f\v\xa0]{2,}|[\t\n\r\f\v\xa0]")
_LINE_SPACE_RUN = re.compile(r"[ \t\r\f\v\xa0]{2,}|[\t\r\f\v\xa0]")
_INDENT = " \t\xa0\u3000"
_BLANK_LINES = re.compile(r"\n{3,}")
# List commas of every script (they are list commas wherever they appear): ASCII, CJK full
# width and ideographic, Arabic, Ethiopic, Myanmar.
_TAG_SEPARATORS = re.compile(r"[,，、،፣၊]")
_DASHES = "\u2013\u2014\u2015\u2212\uff0d\\-"
_IMAGE_RENDITION = re.compile(
    r"^(?:https?:)?//(?P<host>" + "|".join(map(re.escape, IMAGE_HOSTS)) + r")/(?P<uuid>[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12})"
    r"(?:_[a-z]+\d*)*(?P<ext>\.[A-Za-z0-9]+)(?:[?#].*)?$"
)
_CLEANER = nh3.Cleaner(
    tags={"em", "strong", "a", "br"}, attributes={"a": {"href"}}, link_rel=None, strip_comments=True
)
_BR_SPACING = re.compile(r" ?<br> ?\u3000*")
_TAG = re.compile(r"<[^>]*>")


@lru_cache(maxsize=256)
def rules_for(language: str | None) -> ScriptRules:
    """The cleaning rules for a language's script.

    >>> rules_for("fa").joiners_spell_words, rules_for("en").joiners_spell_words
    (True, False)
    """
    return SCRIPT_RULES.get(script_family(language), DEFAULT_RULES)


@lru_cache(maxsize=256)
def _invisible(language: str | None) -> re.Pattern:
    rules = rules_for(language)
    zwsp = "" if rules.zwsp_marks_words else "\u200b"
    return re.compile(f"[{_ALWAYS_INVISIBLE}{zwsp}]+")


def strip_zero_width(text: str, language: str | None = None) -> str:
    """Remove the invisible characters that are noise in the language's script: control
    characters (other than tab and line breaks), U+2060, U+FEFF, and, where the script does
    not spell with them, ZWSP, ZWNJ and ZWJ (see :class:`ScriptRules`).

    >>> strip_zero_width("美\u200b国\ufeff\x01", "zh-Hans")
    '美国'
    >>> strip_zero_width("می\u200cخواهم", "fa") == "می\u200cخواهم"  # ZWNJ spells Persian
    True
    >>> strip_zero_width("Ка\u200dрта می\u200cخواهم", "ru") == "Карта می\u200cخواهم"
    True
    >>> strip_zero_width("ខ្ញុំ\u200bស្រលាញ់", "km") == "ខ្ញុំ\u200bស្រលាញ់"  # ZWSP marks a Khmer word
    True
    """
    text = _invisible(language).sub("", text)
    if not rules_for(language).joiners_spell_words and ("\u200c" in text or "\u200d" in text):
        text = _STRAY_JOINER.sub("", text)
    return text


def strip_bidi_noise(text: str, language: str | None = None) -> str:
    """Remove the bidi controls that are markup noise, nothing else (text stays in logical
    order; the base direction is the item's ``direction``, from ``language``):

    - in text without a right-to-left letter, every one (they can only scramble the display);
    - at a line's start or end, a mark agreeing with the base direction (RLM or ALM in
      right-to-left text, LRM in left-to-right text): it repeats the base direction (for a
      language whose direction is unknown, none does);
    - an embedding, override or isolate that is not closed in its line, and a closer without
      an opener.

    Marks inside a line and balanced embeddings of mixed text are kept: they decide how
    neutral characters beside Latin words and numbers show. ``<br>`` counts as a line break.

    >>> strip_bidi_noise("\u200fسلام (AP)\u200f", "fa") == "سلام (AP)"
    True
    >>> strip_bidi_noise("\u202bسلام \u200eVOA\u200e.", "fa") == "سلام \u200eVOA\u200e."
    True
    >>> strip_bidi_noise("\u202aHello\u202c \u200eworld\u200f", "en")
    'Hello world'
    """
    if not _BIDI_CONTROL.search(text):
        return text
    if not _RTL_LETTER.search(text):
        return _BIDI_CONTROL.sub("", text)
    # A language we cannot place has no known base direction: no mark agrees with it.
    agreeing = _AGREEING_MARKS[direction_of(language)] if script_family(language) != UNKNOWN_FAMILY else ""
    return "\n".join(
        "<br>".join(_bidi_line(part, agreeing) for part in line.split("<br>")) for line in text.split("\n")
    )


def _bidi_line(line: str, agreeing: str) -> str:
    open_at: list[int] = []
    noise = set()
    for match in _BIDI_CONTROL.finditer(line):
        char, at = match[0], match.start()
        if char in _BIDI_OPENERS:
            open_at.append(at)
        elif char in ("\u202c", "\u2069"):
            opener = next((o for o in reversed(open_at) if _BIDI_OPENERS[line[o]] == char), None)
            if opener is None:
                noise.add(at)
            else:
                open_at = open_at[: open_at.index(opener)]
    noise.update(open_at)
    line = "".join(c for i, c in enumerate(line) if i not in noise) if noise else line
    core = line.strip(" ")
    return line.strip(agreeing + " ") if core and (core[0] in agreeing or core[-1] in agreeing) else line


def strip_invisible(text: str, language: str | None = None) -> str:
    """:func:`strip_zero_width` and :func:`strip_bidi_noise`: every invisible character that
    is noise in the language's script.

    >>> strip_invisible("\u200fمی\u200cخواهم\u200b", "fa") == "می\u200cخواهم"
    True
    """
    return strip_bidi_noise(strip_zero_width(text, language), language)


def strip_fullwidth_indent(text: str) -> str:
    """Remove the indent (full-width U+3000 and other spaces) at the start of every line;
    a U+3000 inside a line is kept.

    >>> strip_fullwidth_indent("\u3000\u3000第一段\\n\u3000第二段\u3000完")
    '第一段\\n第二段\u3000完'
    """
    return "\n".join(line.lstrip(_INDENT) for line in text.split("\n"))


def _join_wrapped_lines(text: str, language: str | None) -> str:
    if "\n" in text and rules_for(language).joins_wrapped_lines:
        return _WRAPPED_WIDE_LINE.sub("", text)
    return text


def clean_text(text: str | None, language: str | None = None) -> str:
    """One line of text: invisible noise (:func:`strip_invisible`) and the leading indent
    removed, NBSP and line breaks turned into spaces (none between two Han characters in a
    Chinese text), runs of spaces collapsed, stripped. Punctuation untouched.

    >>> clean_text("\u3000 美国\xa0 国务院：\\n 和谈 \u200b", "zh-Hans")
    '美国 国务院：和谈'
    >>> clean_text("美国\\n国务院", "zh-Hans"), clean_text("Госдеп\\nСША", "ru")
    ('美国国务院', 'Госдеп США')
    >>> clean_text(None)
    ''
    """
    if not text:
        return ""
    text = _join_wrapped_lines(strip_invisible(text, language), language)
    return _SPACE_RUN.sub(" ", text).strip(_INDENT)


def clean_lines(text: str, language: str | None = None) -> str:
    """Like :func:`clean_text` but keeps line breaks (``\\n``): each line is cleaned, at most one
    blank line is kept between lines, and the result is stripped.

    >>> clean_lines("\u3000第一行 \\n\\n\\n\\n 第二行\xa0 ")
    '第一行\\n\\n第二行'
    """
    text = _LINE_SPACE_RUN.sub(" ", strip_invisible(text, language))
    if "\n" in text:
        text = _BLANK_LINES.sub("\n\n", "\n".join(line.strip(_INDENT) for line in text.split("\n")))
    return text.strip(_INDENT + "\n")


def clean_html(fragment: str, language: str | None = None) -> str:
    """An inline HTML fragment reduced to ``em``, ``strong``, ``a[href]`` and ``br``, with the
    cleaning of :func:`clean_text` (``<br>`` plays the line break).

    >>> clean_html('\u3000<span>美国</span>\xa0<strong>国务院</strong><br/> '
    ...            '<a href="/a/1.html" onclick="x()">和谈</a><script>x()</script>', "zh-Hans")
    '美国 <strong>国务院</strong><br><a href="/a/1.html">和谈</a>'
    """
    fragment = _join_wrapped_lines(strip_zero_width(fragment, language), language)
    cleaned = _SPACE_RUN.sub(" ", _CLEANER.clean(fragment).replace("&nbsp;", " "))
    if "<br>" in cleaned:
        cleaned = _BR_SPACING.sub("<br>", cleaned)
    cleaned = strip_bidi_noise(cleaned, language)
    while cleaned.startswith(("<br>", " ", "\u3000")):
        cleaned = cleaned.removeprefix("<br>").lstrip(_INDENT)
    while cleaned.endswith(("<br>", " ")):
        cleaned = cleaned.removesuffix("<br>").rstrip(_INDENT)
    return cleaned


def html_to_text(fragment: str, language: str | None = None) -> str:
    """The plain text of a fragment made by :func:`clean_html`: ``<br>`` becomes a line break,
    tags go, entities are decoded.

    >>> html_to_text('美国 <strong>国务院</strong><br><a href="/a/1.html">和谈 &amp; 会谈</a>')
    '美国 国务院\\n和谈 & 会谈'
    """
    return clean_lines(unescape(_TAG.sub("", fragment.replace("<br>", "\n"))), language)


@lru_cache(maxsize=256)
def _dateline_end(language: str | None) -> re.Pattern:
    return re.compile(f"[\\s{_DASHES}{rules_for(language).dateline_dashes}]+$")


def clean_dateline(text: str | None, language: str | None = None) -> str:
    """A dateline without the dash that joins it to the text (any dash; in Arabic script
    also a tatweel typed as one).

    >>> clean_dateline("AUBURN, Wash. —\xa0")
    'AUBURN, Wash.'
    >>> clean_dateline("华盛顿 - ", "zh-Hans")
    '华盛顿'
    >>> clean_dateline("کابل ـ", "fa-AF") == "کابل"
    True
    """
    return _dateline_end(language).sub("", clean_text(text, language))


# A dateline at the start of an article's first paragraph, for pages that do not mark it
# (span.dateline), per language (primary subtag): the place in ``place``, then a dash. Known
# from the services' house style: VOA English "WASHINGTON —", VOA Chinese "华盛顿 —"; Russian
# and Ukrainian follow the English form (unverified). Other languages: unknown, not looked for.
_CAPS_PLACE = r"(?P<place>[{upper}][{upper}'’.\- ]{{1,38}}[{upper}.](?:,\s+[\w.\- ]{{1,20}}?)?)"
DATELINES: dict[str, re.Pattern] = {
    "en": re.compile(_CAPS_PLACE.format(upper="A-Z") + r"\s*(?:\([A-Za-z]+\)\s*)?[\u2013\u2014]\s"),
    "zh": regex.compile(r"(?P<place>\p{Han}{2,8})\s*[\u2013\u2014]+\s*(?=\S)"),
    "ru": re.compile(_CAPS_PLACE.format(upper="А-ЯЁ") + r"\s*[\u2013\u2014]\s"),
    "uk": re.compile(_CAPS_PLACE.format(upper="А-ЯЄІЇҐ") + r"\s*[\u2013\u2014]\s"),
}
DATELINES["yue"] = DATELINES["zh"]


def dateline_in_text(text: str | None, language: str | None) -> str | None:
    """The dateline that opens a paragraph in the language's house style (:data:`DATELINES`),
    else None (also for a language whose dateline form is unknown).

    >>> dateline_in_text("WASHINGTON — The talks resumed.", "en"), dateline_in_text("NATO members met.", "en")
    ('WASHINGTON', None)
    >>> dateline_in_text("华盛顿 — 会谈恢复。", "zh-Hans"), dateline_in_text("ВАШИНГТОН — Переговоры.", "ka")
    ('华盛顿', None)
    """
    pattern = DATELINES.get((language or "").split("-")[0].lower())
    match = pattern.match(text or "") if pattern else None
    return match["place"].strip() if match else None


def split_tags(value: str | None, language: str | None = None) -> list[str]:
    """Keywords split on the list commas of every script (``,``, ``，``, ``、``, Arabic ``،``,
    Ethiopic ``፣``, Myanmar ``၊``), trimmed, empty ones dropped.

    >>> split_tags(" USA,United States, ,美国，中国、 台湾 ")
    ['USA', 'United States', '美国', '中国', '台湾']
    >>> split_tags("ایران، آمریکا", "fa") == ["ایران", "آمریکا"]
    True
    """
    tags = (clean_text(t, language) for t in _TAG_SEPARATORS.split(value or ""))
    return [tag for tag in tags if tag]


def unique(values: Iterable[T], key: Callable[[T], Hashable] | None = None) -> list[T]:
    """Values without repeats (by ``key`` if given), first occurrence kept, order kept.

    >>> unique(["USA", "美国", "USA"])
    ['USA', '美国']
    >>> unique([{"url": "a", "n": 1}, {"url": "a", "n": 2}], key=lambda d: d["url"])
    [{'url': 'a', 'n': 1}]
    """
    seen: set[Hashable] = set()
    kept = []
    for value in values:
        mark = key(value) if key else value
        if mark not in seen:
            seen.add(mark)
            kept.append(value)
    return kept


def to_utc_iso(value: Any) -> str | None:
    """An ISO 8601 UTC timestamp ending in ``Z`` from a datetime, an ISO 8601 string (``T`` or
    space, with ``Z`` or an offset), a JSON-LD date or an RFC 822 date; ``None`` if unreadable.
    A value without a time zone is taken as UTC.

    >>> to_utc_iso("2024-04-28 07:00:00Z")
    '2024-04-28T07:00:00Z'
    >>> to_utc_iso("2024-04-28T03:00:00-04:00")
    '2024-04-28T07:00:00Z'
    >>> to_utc_iso("Tue, 18 Feb 2025 07:27:23 GMT")
    '2025-02-18T07:27:23Z'
    >>> to_utc_iso(datetime(2025, 2, 18, 15, 27, 23, tzinfo=timezone.utc))
    '2025-02-18T15:27:23Z'
    >>> to_utc_iso("soon") is None
    True
    >>> to_utc_iso("9999-12-31T23:59:59-23:59") is None  # past the year 9999 in UTC
    True
    """
    moment = value if isinstance(value, datetime) else _parse_timestamp(value)
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    try:
        moment = moment.astimezone(timezone.utc)
    except OverflowError:  # at the edge of datetime's range, e.g. 9999-12-31T23:59:59-23:59
        return None
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")  # strftime drops the zeros of year 1


def _parse_timestamp(value: Any) -> datetime | None:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        return None
    for parse in (datetime.fromisoformat, parsedate_to_datetime):
        try:
            return parse(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            continue
    return None


_ENGLISH_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                   "October", "November", "December")
# Month names (stems, any ending) of languages whose printed dates dateparser cannot read; a
# date in one of them is read as the same date with English month names.
_MONTH_STEMS = {
    "tg": ("январ", "феврал", "март", "апрел", "май", "июн", "июл", "август", "сентябр", "октябр", "ноябр", "декабр"),
    "tt": ("гыйнвар", "феврал", "март", "апрел", "май", "июн", "июл", "август", "сентябр", "октябр", "ноябр", "декабр"),
    "ba": ("ғинуар", "феврал", "март", "апрел", "май", "июн", "июл", "август", "сентябр", "октябр", "ноябр", "декабр"),
    "tk": ("ýanwar", "fewral", "mart", "aprel", "maý", "iýun", "iýul", "awgust", "sentýabr", "oktýabr", "noýabr", "dekabr"),
    # Tibetan numbered months: ཟླ་༥ ("month 5"), the day after ཚེས་ ("date"); house style, unverified
    "bo": tuple(f"ཟླ་{n}" for n in range(1, 13)),
}
_MONTH_NAMES = {
    language: regex.compile(r"(?i)(?<!\w)(" + "|".join(map(regex.escape, sorted(stems, key=len, reverse=True))) + r")\w*")
    for language, stems in _MONTH_STEMS.items()
}
# Languages whose sites print Solar Hijri dates (Iran, Afghanistan), and the year range that
# tells such a date from a Gregorian one.
SOLAR_HIJRI_LANGUAGES = frozenset({"fa", "ps", "prs"})
_SOLAR_HIJRI_YEAR = re.compile(r"(?<!\d)1[34]\d\d(?!\d)")
# The Afghan names of the Solar Hijri months (Dari, then Pashto) as the Iranian ones that
# dateparser's Jalali calendar reads.
_IRANIAN_MONTHS = ("فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند")
_AFGHAN_MONTHS = dict(
    zip(("حمل", "ثور", "جوزا", "سرطان", "اسد", "سنبله", "میزان", "عقرب", "قوس", "جدی", "دلو", "حوت"), _IRANIAN_MONTHS)
) | dict(
    zip(("وری", "غویی", "غبرگولی", "چنګاښ", "زمری", "وږی", "تله", "لړم", "لیندۍ", "مرغومی", "سلواغه", "کب"), _IRANIAN_MONTHS)
)
_AFGHAN_MONTH = regex.compile(r"(?<!\w)(" + "|".join(_AFGHAN_MONTHS) + r")(?!\w)")
# Other languages whose month names a site's dates may use (besides English, tried everywhere).
_ALSO_READ = {"yue": ("zh",)}
_READ_AS = {"prs": "fa"}  # Dari: dateparser knows its words as Persian
_ORDINAL_SUFFIX = re.compile(r"(?<=\d)-[^\W\d]+")  # Turkmen "30-njy"
_THAI_BUDDHIST_YEAR = re.compile(r"(?<!\d)2[4-6]\d\d(?!\d)")  # Buddhist Era = Gregorian + 543
_NATIVE_COMMAS = str.maketrans({"،": ",", "၊": ",", "٫": ":", "ي": "ی", "ك": "ک"})
_DATEPARSER_SETTINGS = {"TIMEZONE": "UTC", "RETURN_AS_TIMEZONE_AWARE": True}


def ascii_digits(text: str) -> str:
    """Every decimal digit (Persian and Arabic-Indic, Bengali, Devanagari, Burmese, Khmer,
    Tibetan, Thai, full width, ...) as its ASCII digit.

    >>> ascii_digits("۱۴۰۳/۰۳/۱۰ ৩০ ၂၀၂၄ ២០២៤ ༢༠༢༤ ๓๐ ２０")
    '1403/03/10 30 2024 2024 2024 30 20'
    """
    if text.isascii():
        return text
    return "".join(str(int(c)) if c.isdecimal() else c for c in text)


def parse_visible_date(text: str | None, language: str | None = None) -> str | None:
    """A date as printed on the page in the site's language, as ISO UTC with ``Z``: month
    names of any language dateparser reads (and of :data:`_MONTH_STEMS`), native digits, the
    Solar Hijri calendar of Persian, Dari and Pashto sites (Iranian and Afghan month names,
    years 1300-1499), the Buddhist Era years of Thai. Printed dates carry no time zone; they
    are taken as UTC (the site's local time is unknown here), so this is only the last resort
    after JSON-LD, ``<time datetime>`` and the feed.

    >>> parse_visible_date("2025年2月18日 15:27", "zh-Hans")
    '2025-02-18T15:27:00Z'
    >>> parse_visible_date("April 28, 2024 3:00 AM", "en")
    '2024-04-28T03:00:00Z'
    >>> parse_visible_date("جمعه ۱۰ خرداد ۱۴۰۳ ساعت ۱۴:۰۵", "fa")
    '2024-05-30T14:05:00Z'
    >>> parse_visible_date("۱۰ جوزا ۱۴۰۳", "fa-AF"), parse_visible_date("៣០ ឧសភា ២០២៤", "km")
    ('2024-05-30T00:00:00Z', '2024-05-30T00:00:00Z')
    >>> parse_visible_date("", "en") is None
    True
    """
    text = ascii_digits(clean_text(text, language)).translate(_NATIVE_COMMAS)
    if not text:
        return None
    primary = language.split("-")[0].lower() if language else None
    if primary in SOLAR_HIJRI_LANGUAGES and _SOLAR_HIJRI_YEAR.search(text):
        return _parse_solar_hijri(text)
    if primary == "th":
        text = _THAI_BUDDHIST_YEAR.sub(lambda year: str(int(year[0]) - 543), text)
    if primary in _MONTH_NAMES:
        text = _MONTH_NAMES[primary].sub(lambda m: _ENGLISH_MONTHS[_month_index(primary, m[1])], text)
        text, primary = _ORDINAL_SUFFIX.sub("", text.replace("ཚེས་", " ")), "en"
    languages = [_READ_AS.get(primary, primary), *_ALSO_READ.get(primary, ()), "en"] if primary else None
    try:
        moment = dateparser.parse(text, languages=unique(languages) if languages else None, settings=_DATEPARSER_SETTINGS)
    except (ValueError, OverflowError):  # a language dateparser does not know, or a wild date
        moment = dateparser.parse(text, settings=_DATEPARSER_SETTINGS)
    return to_utc_iso(moment)


def _month_index(language: str, name: str) -> int:
    stems = _MONTH_STEMS[language]
    return next(i for i, stem in enumerate(stems) if name.lower() == stem.lower())


def _parse_solar_hijri(text: str) -> str | None:
    """A Solar Hijri date with Iranian or Afghan month names or in numbers; only a full date."""
    text = _AFGHAN_MONTH.sub(lambda month: _AFGHAN_MONTHS[month[1]], text)
    try:
        found = JalaliCalendar(text).get_date()
    except (ValueError, OverflowError, TypeError):
        return None
    return to_utc_iso(found.date_obj) if found and "day" in (found.parts or ()) else None


def absolute_url(base: str, link: str) -> str:
    """``link`` resolved against ``base``; "" if there is no link or it cannot be resolved.

    >>> absolute_url("https://www.voachinese.com/z/1739", " /a/1.html ")
    'https://www.voachinese.com/a/1.html'
    >>> absolute_url("https://www.voachinese.com/z/1739", "http://[broken/a/1.html")  # a bad IPv6 host
    ''
    """
    link = link.strip()
    try:
        return urljoin(base, link) if link else ""
    except ValueError:
        return ""


def is_pangea_image(url: str) -> bool:
    """Whether ``url`` is an image on the Pangea image host (an article's own picture, not a
    logo or a third-party embed).

    >>> is_pangea_image("https://gdb.voanews.com/01000000-0aff-0242-d5d7-08dc658aabd0_w250_r1_s.jpg")
    True
    >>> is_pangea_image("https://www.voachinese.com/Content/responsive/VOA/img/top_logo_news.png")
    False
    """
    return _IMAGE_RENDITION.match(url.strip()) is not None


def original_image_url(url: str) -> str:
    """The original of a Pangea image rendition: the bare ``<uuid>.<ext>`` on the image host,
    over https. Other URLs are returned unchanged.

    >>> original_image_url("https://gdb.voanews.com/01000000-0aff-0242-d5d7-08dc658aabd0_w250_r1_s.jpg")
    'https://gdb.voanews.com/01000000-0aff-0242-d5d7-08dc658aabd0.jpg'
    >>> original_image_url("//gdb.voanews.com/a8893f07-8b2e-405b-ba8e-402cddabef3c_r1_s_w900.jpg")
    'https://gdb.voanews.com/a8893f07-8b2e-405b-ba8e-402cddabef3c.jpg'
    >>> original_image_url("https://example.org/logo.png")
    'https://example.org/logo.png'
    """
    match = _IMAGE_RENDITION.match(url.strip())
    return f"https://{match['host']}/{match['uuid']}{match['ext']}" if match else url


# Attribution lines ("sources lines") per language (primary subtag): each pattern matches the
# whole line and names the agencies in ``names``. Forms marked "house style" follow the
# service's published conventions as far as we know them but are unverified against live
# pages. Every other language's sources line is unknown: its items carry no sources (README).
_AGENCY_LIST = r"(?P<names>[^.。:：]{2,120}?)"
SOURCES_LINES: dict[str, tuple[re.Pattern, ...]] = {
    "zh": (
        re.compile(
            r"[(（]\s*本文(?:依据|依據|根据|根據|参考|參考|综合|綜合|编译自|編譯自|引用|采用|採用)了?\s*"
            r"(?P<names>.+?)(?:的|之)?(?:报道|報道|报导|報導|消息|資料|资料)\s*[)）]"
        ),
        re.compile(r"^[(（]?\s*(?:来源|來源|消息来源|消息來源)\s*[:：]\s*" + _AGENCY_LIST + r"\s*[)）]?$"),
    ),
    "en": (
        re.compile(
            r"^\(?\s*(?:some )?information (?:for|in) this (?:report|story|article) "
            r"(?:came |was provided )?from (?P<names>.+?)\.?\s*\)?$",
            re.I,
        ),
        re.compile(r"^\(?\s*sources?\s*:\s*" + _AGENCY_LIST + r"\.?\s*\)?$", re.I),
    ),
    # house style (VOA Russian, VOA Ukrainian, RFE/RL's Russian and Ukrainian services)
    "ru": (re.compile(r"^\(?\s*(?:по материалам|источник:)\s*" + _AGENCY_LIST + r"\.?\s*\)?$", re.I),),
    "uk": (re.compile(r"^\(?\s*(?:за матеріалами|джерело:)\s*" + _AGENCY_LIST + r"\.?\s*\)?$", re.I),),
    # house style (VOA Spanish, VOA Portuguese)
    "es": (re.compile(r"^\(?\s*con informaci[oó]n de\s+" + _AGENCY_LIST + r"\.?\s*\)?$", re.I),),
    "pt": (re.compile(r"^\(?\s*com informaç(?:ão|ões) d[aoe]s?\s+" + _AGENCY_LIST + r"\.?\s*\)?$", re.I),),
    # house style (Persian services): "منبع:" / "منابع:" ("source(s):")
    "fa": (re.compile(r"^\(?\s*(?:منبع|منابع)\s*[:：]\s*" + _AGENCY_LIST + r"\s*\)?$"),),
}
SOURCES_LINES["yue"] = SOURCES_LINES["zh"]  # Cantonese pages use the Traditional Chinese forms
_SOURCE_SEPARATORS = re.compile(r"\s*(?:[、，,،和及]|\b(?:and|и|і|та|y|e)\b|\sو\s)\s*")


def _sources_patterns(language: str | None) -> Iterable[re.Pattern]:
    if not language:
        return (p for patterns in SOURCES_LINES.values() for p in patterns)
    return SOURCES_LINES.get(language.split("-")[0].lower(), ())


def parse_sources(text: str | None, language: str | None = None) -> list[str]:
    """The agencies named by an attribution line in the language (any known one when
    ``language`` is None), in order; ``[]`` if the text is not one (see :data:`SOURCES_LINES`).

    >>> parse_sources("(本文依据了美联社、法新社、路透社的报道)")
    ['美联社', '法新社', '路透社']
    >>> parse_sources("（本文參考了美聯社和路透社報道）", "zh-Hant")
    ['美聯社', '路透社']
    >>> parse_sources("来源：美联社", "zh-Hans")
    ['美联社']
    >>> parse_sources("Some information for this report came from The Associated Press and Reuters.", "en")
    ['The Associated Press', 'Reuters']
    >>> parse_sources("По материалам AP и Reuters", "ru")
    ['AP', 'Reuters']
    >>> parse_sources("美联社报道说")
    []
    """
    text = clean_text(text, language)
    for pattern in _sources_patterns(language):
        match = pattern.search(text)
        if match:
            names = map(clean_text, _SOURCE_SEPARATORS.split(match["names"]))
            return unique(name for name in names if name)
    return []


def content_hash(title: str, body_text: str) -> str:
    """sha256 (hex) of the title and the body text, each with every run of whitespace collapsed
    to one space and stripped, joined by a line break. Changes in spacing or markup do not
    change it; any change of words or punctuation does.

    >>> content_hash("标题", "第一段\\n\\n第二段") == content_hash(" 标题 ", "第一段 第二段")
    True
    """
    normalized = f"{_normalize_space(title)}\n{_normalize_space(body_text)}"
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()


def _normalize_space(text: str) -> str:
    return " ".join(text.split())
