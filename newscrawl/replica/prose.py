"""Article text as varied as news, for benchmarks: ``ReplicaSite(prose="news")``.

The template sentences of :mod:`newscrawl.replica.text` repeat themselves across stories far
more than news does, which makes near-duplicate detection look costlier (every story is a
candidate of every other) and cheaper (short bodies) than on a real site. Here each story gets
a vocabulary of its own, invented words of two or three common Chinese characters (whatever
the site's language), plus words of no story in particular, so that two stories share few
5-grams while one story repeats its own words, as news does; bulk articles have 6 to 12
paragraphs.

``clusters=N`` makes articles ``k`` of one block of N (``k // N``) near-identical: one body,
with one clause rewritten per article (Jaccard similarity of their 5-grams about 0.9), the
way a wire story is republished many times.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from random import Random

from newscrawl.replica.model import Article, Block, Inline, Piece

# Common characters, which invented words are drawn from.
CHARACTERS = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而"
    "方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应"
    "开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命"
    "此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求"
    "老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光"
    "门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速"
    "花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需"
    "段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感"
    "劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂"
)
STORY_WORDS = 40  # invented words of one story
SHARED_SHARE = 0.35  # of the words of a sentence, drawn from no story in particular
BULK_PARAGRAPHS = (6, 12)
SENTENCE_ENDS = "。。。。！？"


def word(rng: Random) -> str:
    return "".join(rng.choice(CHARACTERS) for _ in range(rng.choice((2, 2, 2, 3))))


def sentence(rng: Random, words: list[str]) -> str:
    """Two to four clauses of four to eight words, mostly the story's own."""
    clauses = (
        "".join(word(rng) if rng.random() < SHARED_SHARE else rng.choice(words) for _ in range(rng.randint(4, 8)))
        for _ in range(rng.randint(2, 4))
    )
    return "，".join(clauses) + rng.choice(SENTENCE_ENDS)


def story(rng: Random, paragraphs: int) -> list[list[str]]:
    """A story's paragraphs, each a list of two to six sentences."""
    words = [word(rng) for _ in range(STORY_WORDS)]
    return [[sentence(rng, words) for _ in range(rng.randint(2, 6))] for _ in range(paragraphs)]


def bulk(rng: Random) -> list[list[str]]:
    return story(rng, rng.randint(*BULK_PARAGRAPHS))


def retold(paragraphs: Sequence[Sequence[str]], rng: Random) -> list[list[str]]:
    """The story with one clause of one sentence rewritten."""
    changed = [list(sentences) for sentences in paragraphs]
    at = rng.randrange(len(changed))
    which = rng.randrange(len(changed[at]))
    clauses = changed[at][which].split("，")
    clauses[rng.randrange(len(clauses))] = "".join(word(rng) for _ in range(rng.randint(4, 8)))
    changed[at][which] = "，".join(clauses)
    return changed


def with_prose(article: Article, paragraphs: list[list[str]], prose_only: bool = False) -> Article:
    """The article with its plain paragraphs replaced by ``paragraphs`` (more of them after the
    last, for a bulk ``article``; fewer for the other kinds, which keep their count); with
    ``prose_only``, its other text blocks (headings, lists, quotes...) left out."""
    body: list[Piece] = []
    texts = iter("".join(sentences) for sentences in paragraphs)
    plain = [i for i, piece in enumerate(article.body) if _is_plain(piece)]
    for i, piece in enumerate(article.body):
        if i in plain:
            body.append(Block("p", (Inline(next(texts, piece.text)),)))
        elif not (prose_only and isinstance(piece, Block)):
            body.append(piece)
        if plain and i == plain[-1] and article.entry.kind == "article":
            body += [Block("p", (Inline(text),)) for text in texts]
    return replace(article, body=tuple(body))


def _is_plain(piece: Piece) -> bool:
    """A paragraph of text only (what the generator's plain paragraphs are)."""
    return (isinstance(piece, Block) and piece.type == "p" and len(piece.inlines) == 1
            and piece.inlines[0].tag is None and not piece.text.startswith(("(", "更新", "编者按")))
