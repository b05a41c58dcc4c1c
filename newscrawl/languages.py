"""What a site's language says about its writing: the script family and the direction.

The one place that turns a language tag (as the site registry holds it, e.g. ``fa``,
``sr-Latn``, ``zh-Hans``) into what the cleaning rules (:mod:`newscrawl.processors`) and
the item's ``direction`` need. The likely script of a tag without a script subtag comes from
CLDR's likely-subtags data (the ``langcodes`` library), so ``uz`` is Latin and ``tg`` Cyrillic
without a table of our own; an explicit subtag wins (``uz-Cyrl``).
"""

from __future__ import annotations

from functools import lru_cache

import langcodes

# ISO 15924 script codes grouped into the families the cleaning rules tell apart.
SCRIPT_FAMILIES = {
    "Latn": "latin",
    "Cyrl": "cyrillic",
    "Grek": "greek",
    "Arab": "arabic",
    "Hebr": "hebrew",
    "Hans": "han",
    "Hant": "han",
    "Hani": "han",
    "Jpan": "han",
    "Kore": "hangul",
    "Hang": "hangul",
    "Tibt": "tibetan",
    "Mymr": "myanmar",
    "Khmr": "khmer",
    "Thai": "thai",
    "Laoo": "lao",
    "Geor": "georgian",
    "Armn": "armenian",
    "Ethi": "ethiopic",
    "Beng": "indic",
    "Deva": "indic",
    "Guru": "indic",
    "Gujr": "indic",
    "Orya": "indic",
    "Taml": "indic",
    "Telu": "indic",
    "Knda": "indic",
    "Mlym": "indic",
    "Sinh": "indic",
}
# The family of a tag whose script is unknown: its cleaning rules take nothing away that
# could be part of a word.
UNKNOWN_FAMILY = "other"
# Scripts written right to left (ISO 15924).
RTL_SCRIPTS = frozenset({"Arab", "Hebr", "Syrc", "Thaa", "Nkoo", "Adlm", "Rohg", "Mand", "Samr"})


@lru_cache(maxsize=256)
def script_code(language: str | None) -> str | None:
    """The ISO 15924 code of the script a language is written in: the tag's own script
    subtag, else the likely one; ``None`` for a tag that cannot be read.

    >>> script_code("fa"), script_code("sr-Latn"), script_code("zh-Hant"), script_code("tg")
    ('Arab', 'Latn', 'Hant', 'Cyrl')
    >>> script_code("not a tag") is None
    True
    """
    try:
        return langcodes.Language.get((language or "").strip()).maximize().script
    except (ValueError, langcodes.LanguageTagError):
        return None


def script_of(language: str | None) -> str:
    """The script family of a language (a key of the cleaning rules): ``latin``,
    ``cyrillic``, ``arabic``, ``han``, ``hangul``, ``tibetan``, ``myanmar``, ``khmer``,
    ``thai``, ``lao``, ``georgian``, ``armenian``, ``ethiopic``, ``indic``, ``hebrew``,
    ``greek``, else ``other``.

    >>> [script_of(t) for t in ("en-US", "ru", "ur", "zh-Hans", "bo", "my", "km", "ka", "hy", "am")]
    ['latin', 'cyrillic', 'arabic', 'han', 'tibetan', 'myanmar', 'khmer', 'georgian', 'armenian', 'ethiopic']
    >>> script_of(None), script_of("xx-Zzzz")
    ('other', 'other')
    """
    return SCRIPT_FAMILIES.get(script_code(language) or "", UNKNOWN_FAMILY)


def direction_of(language: str | None) -> str:
    """``rtl`` for a language written right to left, else ``ltr``.

    >>> direction_of("fa"), direction_of("ps"), direction_of("ckb"), direction_of("ru"), direction_of(None)
    ('rtl', 'rtl', 'rtl', 'ltr', 'ltr')
    """
    return "rtl" if script_code(language) in RTL_SCRIPTS else "ltr"
