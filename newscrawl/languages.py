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
from langcodes.data_dicts import LIKELY_SUBTAGS

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
UNKNOWN_SCRIPT = "Zyyy"  # ISO 15924 "undetermined"
# Scripts written right to left (ISO 15924).
RTL_SCRIPTS = frozenset({"Arab", "Hebr", "Syrc", "Thaa", "Nkoo", "Adlm", "Rohg", "Mand", "Samr"})
# Where a Pangea site writes its language in another script than CLDR's likely one.
PANGEA_SCRIPTS = {"crh": "Latn"}  # Crimean Tatar: Latin on krymr.com


@lru_cache(maxsize=256)
def script_of(language: str | None) -> str:
    """The ISO 15924 code of the script a language is written in: the tag's own script
    subtag, else the one its Pangea site uses, else the likely one; ``Zyyy`` for a tag that
    cannot be read.

    >>> script_of("fa"), script_of("sr-Latn"), script_of("zh-Hant"), script_of("tg"), script_of("crh")
    ('Arab', 'Latn', 'Hant', 'Cyrl', 'Latn')
    >>> script_of("not a tag"), script_of("xx"), script_of(None)
    ('Zyyy', 'Zyyy', 'Zyyy')
    """
    try:
        tag = langcodes.Language.get((language or "").strip())
    except (ValueError, langcodes.LanguageTagError):
        return UNKNOWN_SCRIPT
    if tag.script or tag.language in PANGEA_SCRIPTS:
        return tag.script or PANGEA_SCRIPTS[tag.language]
    # Without likely subtags of its own, a language would get English's (CLDR's default).
    return tag.maximize().script if tag.language in LIKELY_SUBTAGS else UNKNOWN_SCRIPT


def script_family(language: str | None) -> str:
    """The script family of a language (a key of the cleaning rules): ``latin``,
    ``cyrillic``, ``arabic``, ``han``, ``hangul``, ``tibetan``, ``myanmar``, ``khmer``,
    ``thai``, ``lao``, ``georgian``, ``armenian``, ``ethiopic``, ``indic``, ``hebrew``,
    ``greek``, else ``other``.

    >>> [script_family(t) for t in ("en-US", "ru", "ur", "zh-Hans", "bo", "my", "km", "ka", "hy", "am")]
    ['latin', 'cyrillic', 'arabic', 'han', 'tibetan', 'myanmar', 'khmer', 'georgian', 'armenian', 'ethiopic']
    >>> script_family(None), script_family("xx-Zzzz")
    ('other', 'other')
    """
    return SCRIPT_FAMILIES.get(script_of(language), UNKNOWN_FAMILY)


def direction_of(language: str | None) -> str:
    """``rtl`` for a language written right to left, else ``ltr``.

    >>> direction_of("fa"), direction_of("ps"), direction_of("ckb"), direction_of("ru"), direction_of(None)
    ('rtl', 'rtl', 'rtl', 'ltr', 'ltr')
    """
    return "rtl" if script_of(language) in RTL_SCRIPTS else "ltr"
