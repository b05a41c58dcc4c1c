"""Invented news text in the language and script of any registered site, for the replica.

Chinese sites keep the hand-made vocabulary of :mod:`newscrawl.replica.text`. Every other
language gets words made by a syllable generator of its script (onsets and vowels written as
the script writes them, each with a Latin form for slugs), so nothing is copied from a real
article: the words are pronounceable nonsense in the right letters, joined with the script's own
spaces, commas, full stops and quotation marks.

``for_language(tag)`` gives the :class:`Language` the generator, pages and feeds use. Its
``printed_day`` is the hook for dates as pages print them; generated languages print ISO dates
(``2025-02-18``) until their own formats are added.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cache
from random import Random

from newscrawl.replica import text
from newscrawl.replica.model import Inline
from newscrawl.sites import script_of

Pair = tuple[str, str]  # (as written, Latin slug form)
BEIJING = timezone(timedelta(hours=8))


def _pairs(spec: str) -> tuple[Pair, ...]:
    """ "ка:ka ки:ki" -> (("ка", "ka"), ("ки", "ki")); a bare item is its own Latin form."""
    return tuple((item.partition(":")[0], item.partition(":")[2] or item) for item in spec.split())


@dataclass(frozen=True)
class Script:
    """How a script writes syllables, words and sentences."""

    onsets: tuple[Pair, ...]
    vowels: tuple[Pair, ...]
    word_gap: str = " "  # between the words of a phrase
    syllable_gap: str = ""  # between the syllables of a word (Tibetan tsheg)
    comma: str = ", "  # ends a clause, its gap included
    stop: str = "."  # ends a sentence
    sentence_gap: str = " "
    quotes: tuple[str, str] = ("“", "”")
    cased: bool = False


def _syllabary(first: int, rows: str, vowels: str, per_row: int, step: int) -> tuple[Pair, ...]:
    """Syllables of a script that writes each as one character: consonant row ``r`` (items
    "latin:r") and vowel ``v`` at ``first + (r * per_row + v) * step``."""
    return tuple(
        (chr(first + (int(row) * per_row + order) * step), consonant + vowel)
        for consonant, row in (item.split(":") for item in rows.split())
        for order, vowel in enumerate(vowels.split())
    )


# Ethiopic: rows of 8 code points from U+1200, the first 7 orders; Hangul: 21 vowels a row, 28 finals each.
_ETHIOPIC = _syllabary(0x1200, "h:0 l:1 m:3 r:5 s:6 sh:7 q:8 b:12 t:14 ch:15 n:18 k:21 w:25 z:27 y:29 d:30 g:33 f:41",
                       "e u i a ie y o", 8, 1)
_HANGUL = _syllabary(0xAC00, "g:0 n:2 d:3 r:5 m:6 b:7 s:9 :11 j:12 ch:14 k:15 t:16 p:17 h:18",
                     "a ae ya yae eo e yeo ye o", 21, 28)
_NO_VOWEL: tuple[Pair, ...] = (("", ""),)
_LATIN = "b d f g h k l m n p r s t v z"
_LATIN_VOWELS = "a e i o u"
SCRIPTS: dict[str, Script] = {
    "Cyrl": Script(_pairs("б:b в:v г:g д:d ж:zh з:z к:k л:l м:m н:n п:p р:r с:s т:t х:kh ч:ch ш:sh"),
                   _pairs("а:a е:e и:i о:o у:u ы:y я:ya"), quotes=("«", "»"), cased=True),
    "Arab": Script(_pairs("ب:b ت:t د:d ر:r س:s ش:sh ک:k ل:l م:m ن:n ه:h ف:f ق:q"),
                   _pairs("ا:a و:u ی:i"), comma="، ", quotes=("«", "»")),
    "Tibt": Script(_pairs("ཀ:k ཁ:kh ག:g ང:ng ཅ:c ཆ:ch ཇ:j ཉ:ny ཏ:t ཐ:th ད:d ན:n པ:p ཕ:ph བ:b མ:m ཙ:ts ཚ:tsh ཛ:dz "
                          "ཝ:w ཞ:zh ཟ:z ཡ:y ར:r ལ:l ཤ:sh ས:s ཧ:h"),
                   (("", "a"), *_pairs("ི:i ུ:u ེ:e ོ:o")), word_gap="་", syllable_gap="་", comma="། ", stop="།"),
    "Mymr": Script(_pairs("က:k ခ:kh ဂ:g င:ng စ:s ဆ:hs ည:ny တ:t ထ:ht ဒ:d န:n ပ:p ဖ:ph ဗ:b မ:m ယ:y ရ:r လ:l ဝ:w "
                          "သ:th ဟ:h"),
                   (("", "a"), *_pairs("ာ:a ိ:i ီ:i ု:u ူ:u ေ:e ဲ:ai")), word_gap="", comma="၊ ", stop="။"),
    "Khmr": Script(_pairs("ក:k ខ:kh គ:k ង:ng ច:ch ឆ:chh ជ:ch ញ:nh ដ:d ត:t ថ:th ទ:t ន:n ប:b ព:p ម:m យ:y រ:r ល:l "
                          "វ:v ស:s ហ:h"),
                   (("", "a"), *_pairs("ា:a ិ:e ី:ei ុ:o ូ:ou េ:e ែ:ae ៃ:ai ោ:ao")),
                   word_gap="", comma=" ", stop="។", quotes=("«", "»")),
    "Thai": Script(_pairs("ก:k ข:kh ค:kh ง:ng จ:ch ช:ch ด:d ต:t ท:th น:n บ:b ป:p พ:ph ม:m ย:y ร:r ล:l ว:w ส:s ห:h"),
                   (("", "o"), *_pairs("า:a ิ:i ี:i ุ:u ู:u")), word_gap="", comma=" ", stop=""),
    "Laoo": Script(_pairs("ກ:k ຂ:kh ຄ:kh ງ:ng ຈ:ch ສ:s ຊ:s ຍ:ny ດ:d ຕ:t ຖ:th ທ:th ນ:n ບ:b ປ:p ຜ:ph ພ:ph ມ:m "
                          "ຢ:y ລ:l ວ:v ຫ:h"),
                   (("", "o"), *_pairs("າ:a ິ:i ີ:i ຸ:u ູ:u")), word_gap="", comma=" ", stop=""),
    "Beng": Script(_pairs("ক:k খ:kh গ:g চ:ch জ:j ট:t ড:d ত:t দ:d ন:n প:p ব:b ম:m র:r ল:l স:s হ:h"),
                   (("", "o"), *_pairs("া:a ি:i ী:i ু:u ে:e ো:o")), stop="।"),
    "Geor": Script(_pairs("ბ:b გ:g დ:d ვ:v ზ:z თ:t კ:k ლ:l მ:m ნ:n პ:p რ:r ს:s ტ:t ფ:p ქ:k ღ:gh შ:sh ჩ:ch "
                          "ც:ts ხ:kh ჯ:j ჰ:h"),
                   _pairs("ა:a ე:e ი:i ო:o უ:u"), quotes=("„", "“")),
    "Armn": Script(_pairs("բ:b գ:g դ:d զ:z թ:t ժ:zh լ:l խ:kh ծ:ts կ:k հ:h ձ:dz ղ:gh ճ:ch մ:m յ:y ն:n շ:sh չ:ch "
                          "պ:p ջ:j ռ:r ս:s վ:v տ:t ր:r ց:ts փ:p ք:k ֆ:f"),
                   _pairs("ա:a ե:e ի:i ո:o ու:u է:e ը:y"), stop="։", quotes=("«", "»"), cased=True),
    "Grek": Script(_pairs("β:v γ:g δ:d ζ:z θ:th κ:k λ:l μ:m ν:n ξ:x π:p ρ:r σ:s τ:t φ:f χ:ch"),
                   _pairs("α:a ε:e η:i ι:i ο:o υ:y ω:o ά:a έ:e ί:i ό:o"), quotes=("«", "»"), cased=True),
    "Ethi": Script(_ETHIOPIC, _NO_VOWEL, comma="፣ ", stop="።", quotes=("«", "»")),
    "Kore": Script(_HANGUL, _NO_VOWEL),
    "Latn": Script(_pairs(_LATIN), _pairs(_LATIN_VOWELS), cased=True),
}
# Letters a language adds to its script's common ones: (onsets, vowels).
LETTERS: dict[str, tuple[str, str]] = {
    "uk": ("ґ:g", "і:i ї:yi є:ye"), "be": ("ў:w", "і:i"), "kk": ("қ:q ғ:gh", "ә:a ө:o ұ:u ү:u і:i"),
    "ky": ("", "ө:o ү:u"), "tg": ("қ:q ғ:gh ҳ:h ҷ:j", "ӣ:i ӯ:u"), "tt": ("җ:j һ:h", "ә:a ө:o ү:u"),
    "mk": ("ѓ:gj ќ:kj ј:j љ:lj њ:nj џ:dz", ""), "sr": ("ђ:dj ћ:c ј:j", ""), "ce": ("кӀ:k тӀ:t", ""),
    "fa": ("پ:p چ:ch ژ:zh گ:g", ""), "prs": ("پ:p چ:ch ژ:zh گ:g", ""),
    "ur": ("ٹ:t ڈ:d ڑ:r پ:p چ:ch گ:g", "ے:e"), "ps": ("ټ:t ډ:d ړ:r ښ:x ږ:zh ګ:g ڼ:n", "ې:e ۍ:ay"),
    "ckb": ("ڕ:r ڵ:l پ:p چ:ch گ:g", "ۆ:o ێ:e ە:a"),
    "vi": ("đ nh ng th tr ph", "à á ả ã ạ ă ắ â ấ ầ ê ế ề ô ố ồ ơ ớ ư ứ"),
    "fr": ("ç ch", "é è ê à"), "pt": ("ç lh nh", "ã õ á é"), "es": ("ñ ll ch", "á é í ó ú"),
    "ro": ("ș ț", "ă â î"), "sq": ("ç sh xh", "ë"), "az": ("ç ş ğ", "ə ı ö ü"), "tr": ("ç ş ğ", "ı ö ü"),
    "uz": ("gʻ sh ch", "oʻ"), "tk": ("ç ş ž ň", "ä ö ü ý"), "ku": ("ç ş", "ê î û"), "crh": ("ç ş ğ ñ", "ı ö ü"),
    "ha": ("ɓ ɗ ƙ ts", ""), "bm": ("ɲ ŋ", "ɛ ɔ"), "ht": ("ch", "è ò"), "sw": ("ch ny sh", ""),
    "so": ("dh kh x sh", "aa oo"), "om": ("dh ch ny x", "aa ee"), "bs": ("č ć đ š ž", ""),
}
# Latin letters that Unicode decomposition does not bring back to ASCII.
_FOLD = str.maketrans({"ə": "e", "ı": "i", "đ": "d", "ɗ": "d", "ɓ": "b", "ƙ": "k", "ʻ": "", "ɛ": "e", "ɔ": "o",
                       "ɲ": "ny", "ŋ": "ng", "Ə": "E", "Đ": "D", "Ɗ": "D", "Ɓ": "B", "Ƙ": "K", "Ɛ": "E", "Ɔ": "O",
                       "Ɲ": "Ny", "Ŋ": "Ng"})


def latin_slug(word: str) -> str:
    """
    >>> latin_slug("Đà Nẵng ɗan")
    'da-nang-dan'
    """
    ascii_only = unicodedata.normalize("NFKD", word.translate(_FOLD)).encode("ascii", "ignore").decode()
    return "-".join(ascii_only.lower().split())


class Language:
    """What the replica's generator needs of a language: a vocabulary, and (in each subclass)
    the text made of it: ``sentence``, ``paragraph``, ``headline``, ``caption``, ``person``,
    ``briefing`` (inline markup), ``statement``, ``quoted``, ``list_item``, ``attribution`` (the
    sources line, None where its pattern is unknown), ``live_stamp``, ``revision``,
    ``republished_title`` and ``editor_note``. Methods that choose take the ``Random`` that
    fixes the choice."""

    places: tuple[Pair, ...]
    actors: tuple[Pair, ...]
    actions: tuple[Pair, ...]
    topics: tuple[Pair, ...]
    people: tuple[Pair, ...]  # (name as written, Latin name)
    authors: tuple[Pair, ...]
    organization: Pair
    tags: tuple[str, ...]
    agencies: tuple[str, ...]
    days: tuple[str, ...]
    quotes: tuple[str, ...]
    firms: tuple[str, ...] = text.FIRMS
    section_names: tuple[str, ...]
    zone = timezone.utc  # where the site's printed times are local

    def printed_day(self, moment: datetime) -> str:
        """A day as the site's pages print it (captions, listings)."""
        return moment.astimezone(self.zone).date().isoformat()


class Chinese(Language):
    """The hand-made vocabulary of :mod:`newscrawl.replica.text`, as the Chinese sites print it."""

    places, actors, actions, topics = text.PLACES, text.ACTORS, text.ACTIONS, text.TOPICS
    people, authors, organization = text.PEOPLE, text.AUTHORS, text.ORGANIZATION
    tags, agencies, days, quotes = text.TAGS, text.AGENCIES, text.DAYS, text.QUOTES
    section_names = ("美国", "中国", "国际", "港澳台")
    zone = BEIJING

    sentence = staticmethod(text.sentence)
    paragraph = staticmethod(text.paragraph)
    headline = staticmethod(text.headline)
    caption = staticmethod(text.caption)
    person = staticmethod(text.person)

    def printed_day(self, moment: datetime) -> str:
        """
        >>> Chinese().printed_day(datetime(2025, 2, 18, 20, 0, tzinfo=timezone.utc))
        '2025年2月19日'
        """
        local = moment.astimezone(self.zone)
        return f"{local.year}年{local.month}月{local.day}日"

    def briefing(self, rng: Random, place: str, person: Pair, title: str, href: str, quote: str) -> tuple[Inline, ...]:
        """A paragraph with inline markup: a person in strong, a link, a quote in em."""
        return (
            Inline(f"{place}{rng.choice(self.days)}，"), Inline(person[0], "strong"), Inline("在记者会上谈到"),
            Inline(title, "a", href), Inline("，并强调"), Inline(quote, "em"), Inline("。"),
        )

    def statement(self, rng: Random, firm: str, quote: str) -> str:
        return f'{firm}发表声明说："{quote}"，{self.person(rng)}对此表示欢迎。'

    def quoted(self, quote: str) -> str:
        return f"“{quote}。”"

    def list_item(self, words: str) -> str:
        return words + "；"

    def attribution(self, agencies: list[str]) -> str | None:
        return f"(本文依据了{'、'.join(agencies)}的报道)"

    def live_stamp(self, moment: datetime) -> str:
        local = moment.astimezone(self.zone)
        return f"更新 {local.month}月{local.day}日 {local:%H:%M}"

    def revision(self, paragraph: str) -> str:
        return "更新：" + paragraph

    def republished_title(self, title: str) -> str:
        return f"{title}（重发）"

    def editor_note(self, day: str) -> str:
        return f"编者按：本文首发于{day}。"


@dataclass(frozen=True)
class _Words:
    """A language's invented words: each call gives the next one of its deterministic stream."""

    script: Script
    onsets: tuple[Pair, ...]
    vowels: tuple[Pair, ...]
    rng: Random

    def word(self, syllables: tuple[int, int] = (1, 3), capital: bool = False) -> Pair:
        parts = [(o[0] + v[0], o[1] + v[1]) for o, v in
                 ((self.rng.choice(self.onsets), self.rng.choice(self.vowels))
                  for _ in range(self.rng.randint(*syllables)))]
        written = self.script.syllable_gap.join(p[0] for p in parts)
        if capital and self.script.cased:
            written = written[:1].upper() + written[1:]
        return written, latin_slug("".join(p[1] for p in parts))

    def phrase(self, words: tuple[int, int]) -> Pair:
        chosen = [self.word() for _ in range(self.rng.randint(*words))]
        return self.script.word_gap.join(w[0] for w in chosen), "-".join(w[1] for w in chosen)

    def many(self, count: int, make) -> tuple:
        return tuple(make() for _ in range(count))


# The words the templates of every generated language need, one invented word each.
FIXED_WORDS = ("said", "stressed", "stated", "welcomed", "reported", "seen", "update", "again", "note")


class Generated(Language):
    """A language whose words come from its script's syllables (see :data:`SCRIPTS`)."""

    def __init__(self, tag: str):
        self.tag = tag
        self.script = SCRIPTS.get(script_of(tag), SCRIPTS["Latn"])
        onsets, vowels = LETTERS.get(tag.split("-")[0].lower(), ("", ""))
        words = _Words(self.script, self.script.onsets + _pairs(onsets), self.script.vowels + _pairs(vowels),
                       Random(f"vocabulary/{tag}"))
        name = lambda: words.word((2, 3), capital=True)  # noqa: E731
        self.places = words.many(12, name)
        self.actors, self.actions = words.many(12, lambda: words.phrase((1, 2))), words.many(10, words.word)
        self.topics = words.many(12, lambda: words.phrase((1, 2)))
        full_name = lambda: tuple(self.script.word_gap.join(n) for n in zip(name(), name()))  # noqa: E731
        self.people, self.authors = words.many(8, full_name), words.many(6, full_name)
        self.organization = (f"VOA {name()[0]}", "voa")
        self.tags = tuple(w[0] for w in words.many(12, words.word))
        self.agencies = tuple(w[0] for w in words.many(4, name))
        self.days = tuple(w[0] for w in words.many(7, lambda: words.word((2, 2))))
        self.quotes = tuple(w[0] for w in words.many(5, lambda: words.phrase((3, 5))))
        self.clauses = tuple(w[0] for w in words.many(10, lambda: words.phrase((3, 5))))
        self.section_names = tuple(w[0] for w in words.many(4, lambda: words.word((2, 3), capital=True)))
        self._fixed = {meaning: words.word((2, 2))[0] for meaning in FIXED_WORDS}

    def __repr__(self) -> str:
        return f"Generated({self.tag!r})"

    def _join(self, *words: str) -> str:
        return self.script.word_gap.join(w for w in words if w)

    def _sentence(self, body: str) -> str:
        if self.script.cased:
            body = body[:1].upper() + body[1:]
        return body + self.script.stop

    def _quote(self, words: str) -> str:
        opening, closing = self.script.quotes
        return f"{opening}{words}{closing}"

    def person(self, rng: Random) -> str:
        return rng.choice(self.people)[0]

    def sentence(self, rng: Random) -> str:
        place, actor, action, topic = (rng.choice(words)[0] for words in (self.places, self.actors, self.actions, self.topics))
        comma, said = self.script.comma, self._fixed["said"]
        templates = (
            lambda: self._join(place, rng.choice(self.days)) + comma + self._join(actor, topic, action) + comma + rng.choice(self.clauses),
            lambda: self._join(self.person(rng), said) + comma + self._join(actor, topic, action),
            lambda: self._quote(rng.choice(self.quotes)) + comma + self._join(said, rng.choice(self.people)[0]),
            lambda: self._join(rng.choice(self.agencies), self._fixed["reported"]) + comma
            + self._join(place, actor, topic) + comma + rng.choice(self.clauses),
        )
        return self._sentence(rng.choice(templates)())

    def paragraph(self, rng: Random, sentences: tuple[int, int] = (2, 4)) -> str:
        return self.script.sentence_gap.join(self.sentence(rng) for _ in range(rng.randint(*sentences)))

    def headline(self, rng: Random) -> tuple[str, str]:
        place, actor, action, topic = (rng.choice(words) for words in (self.places, self.actors, self.actions, self.topics))
        title = self._join(place[0], actor[0], topic[0], action[0])
        if rng.random() < 0.5:
            title += self.script.comma.rstrip() + " " + rng.choice(self.clauses)
        return title, "-".join((place[1], actor[1], action[1], topic[1]))

    def caption(self, rng: Random, day: str) -> str:
        place, actor = rng.choice(self.places)[0], rng.choice(self.actors)[0]
        return f"{self._join(place, actor, self._fixed['seen'])} ({day})"

    def briefing(self, rng: Random, place: str, person: Pair, title: str, href: str, quote: str) -> tuple[Inline, ...]:
        gap, comma = self.script.word_gap or " ", self.script.comma
        pieces = (
            Inline(self._join(place, rng.choice(self.days)) + comma), Inline(person[0], "strong"),
            Inline(gap + self._fixed["said"] + gap), Inline(title, "a", href),
            Inline(comma + self._fixed["stressed"] + gap), Inline(quote, "em"), Inline(self.script.stop),
        )
        return tuple(piece for piece in pieces if piece.text)

    def statement(self, rng: Random, firm: str, quote: str) -> str:
        said = self._join(firm, self._fixed["stated"])
        return self._sentence(f'{said}: "{quote}"{self.script.comma}{self._join(self.person(rng), self._fixed["welcomed"])}')

    def quoted(self, quote: str) -> str:
        return self._quote(self._sentence(quote))

    def list_item(self, words: str) -> str:
        return words

    def attribution(self, agencies: list[str]) -> str | None:
        return None  # sources-line patterns are known for Chinese only

    def live_stamp(self, moment: datetime) -> str:
        return f"{self._fixed['update']} {moment.astimezone(self.zone):%Y-%m-%d %H:%M}"

    def revision(self, paragraph: str) -> str:
        return f"{self._fixed['update']}: {paragraph}"

    def republished_title(self, title: str) -> str:
        return f"{title} ({self._fixed['again']})"

    def editor_note(self, day: str) -> str:
        return self._sentence(f"{self._fixed['note']}: {day}")


@cache
def for_language(tag: str) -> Language:
    """The replica's language for a BCP 47 tag: Chinese for zh-*, else a generated one.

    >>> for_language("zh-Hans").printed_day(datetime(2025, 2, 18, tzinfo=timezone.utc))
    '2025年2月18日'
    >>> for_language("ru").sentence(Random(1)) == for_language("ru").sentence(Random(1))
    True
    """
    return Chinese() if tag.split("-")[0].lower() == "zh" else Generated(tag)
