"""Deterministic articles for the replica: everything follows from (seed, article number).

Article number ``k`` counts from the newest (k = 0) to the oldest (k = size - 1); its id is
``BASE_ID + size - 1 - k`` and its publication time ``END - k * step - jitter(k)``, so ids and
times both fall with ``k`` and nothing has to be stored to find an article by id.

Variants. ``PROFILES[k % 10]`` names the markup variants of article ``k`` (so any site of 10
articles or more shows every one of ``VARIANTS``); the text itself comes from a
:class:`random.Random` seeded with (seed, k). What each variant means in the page, and what the
truth says about it (see ``markup.py`` for the exact HTML):

kinds
    ``article``; ``video`` and ``audio`` (a ``div.c-mmp`` player in ``.cover-media`` with a
    ``<video src=…mp4>`` / ``<audio src=…mp3>``, one or two paragraphs; truth ``media`` is
    ``[{"url": src, "type": "video"|"audio"}]``; the player's poster, also ``og:image``, is the
    cover image, caption ""); ``gallery`` (one paragraph,
    then several captioned figures in ``div.wsw__embed``, all of them article images); ``live``
    (timestamped updates, each an ``h3.wsw__h3`` such as "更新 2月18日 15:27 …" and paragraphs).
    The kind is in ``<body class="pg-<kind>">`` and ``og:type``. Players embedded in the body of
    an ``article`` are not its ``media``.
metadata
    ``jsonld`` / ``no_jsonld``: JSON-LD NewsArticle or none. ``updated_at`` is JSON-LD
    ``dateModified`` (equal to ``datePublished`` unless ``updated`` or revised) and None without
    JSON-LD. ``author_person`` / ``author_list`` / ``author_organization`` / ``no_author``:
    JSON-LD author shape, bylines in ``.links__item-link`` in the same order.
    ``offset_plus8`` / ``offset_minus5``: ``<time pubdate datetime>`` in that local offset, the
    visible text in the same local time. ``messy_keywords``: keywords with stray spaces, a
    repeat and a trailing comma (truth tags: split on ",", trimmed, de-duplicated). Keywords
    always start with the section name. ``no_summary``: no description metas (summary "").
    ``dateless_slug``: slug without ``-yyyymmdd``. ``old_slug``: ``/a/<old-slug>/<id>.html``
    serves the same page and the previous article's related block links it.
body (``#article-content .wsw``)
    ``dateline``: ``<span class="dateline">华盛顿 —&nbsp;</span>`` before the first paragraph;
    truth "华盛顿", not a block. ``h2``/``h3``: ``h2.wsw__h2``/``h3.wsw__h3`` blocks. ``list``: ``ul``
    or ``ol`` whose ``li`` are blocks. ``blockquote``: one block. ``inline_markup``: ``strong``,
    ``em``, ``a href target``; truth html keeps em/strong/a with href only. ``br``: ``<br />``
    between two sentences; truth has one space there. ``entities``: ``&quot;``, ``&amp;`` and
    ``&nbsp;`` between Latin words (truth: ``"``, ``&`` and a space; truth html escapes only
    ``&<>``). ``spacers``: ``<p>&nbsp;</p>`` between blocks (no block). ``zero_width``: U+200B /
    U+FEFF inside paragraphs; ``indent``: U+3000 U+3000 opening paragraphs (both absent from
    truth). ``broken_markup``: one unclosed ``<p>``, a stray ``</span>`` inside a paragraph and a
    stray ``</div>`` after the page. ``attribution``: a last block ``<em>(本文依据了…的报道)</em>``;
    truth ``sources`` lists its agencies. ``cover`` / ``no_cover``: ``.cover-media figure``;
    without one, ``og:image`` and the JSON-LD image are the site's logo, not an article image.
    ``inline_figure``, ``uncaptioned_figure`` (caption ""), ``missing_image`` (that figure's
    image answers 404 but the truth still lists it). ``media_embed``, ``promo_embed``,
    ``widget_embed``: ``div.wsw__embed`` that are neither text nor images.
scripted (in no profile)
    ``ReplicaSite(scripted="some")``: the live blog k = 6 and the article k = 7 are built by an
    inline script in ``.wsw`` from data in the script (the live blog with a ``<noscript>``
    notice; no JSON-LD body and no AMP copy), and the second section listing shows
    ``SCRIPTED_PAGE_SIZE`` teasers whose further pages a "load more" button's script fetches
    as HTML fragments (``/z/<id>/more?p=N``). ``scripted="all"``: every article is built so.
    The truth is the same as without the script.
older templates
    ``br_paragraphs``: paragraphs as loose text in the container, each followed by a blank line
    made of ``<br />`` pairs, no ``<p>`` (pages from before the current templates); truth: one
    ``p`` block per paragraph. ``legacy_wysiwyg``: no ``#article-content``, the body in
    ``div.articleContent > div.wysiwyg``; ``legacy_article_text``: the body in
    ``div.article__text``.
republished (in no profile)
    ``ReplicaSite(republished=[id, ...])`` also serves each of those articles again under a
    new id (after the 404/410 ids) and slug, two days later, titled "…（重发）", its body
    followed by "编者按：本文首发于…。" (see :func:`republish`);
    ``ReplicaSite.republished_ids()`` maps each copy to its original.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from html import unescape
from random import Random

from newscrawl.archive.document import ArchivedDocument
from newscrawl.errors import ConfigurationError
from newscrawl.replica import prose, text
from newscrawl.replica.languages import Chinese, Language, for_language
from newscrawl.replica.model import Article, Block, Embed, Entry, Figure, Image, Inline, Media, Piece
from newscrawl.sites import Site
from newscrawl.urls import article_id, host_of

BASE_ID = 7_900_000
END = datetime(2025, 3, 20, tzinfo=timezone.utc)
MIN_SIZE = 10
UNAVAILABLE_K, SLOW_K, MISSING_IMAGE_K = 5, 6, 3
PHANTOMS = {"not_found": (404, 3), "gone": (410, 4)}  # status, and the article they follow
REPUBLISH_DELAY = timedelta(days=2)
SCRIPTED_K = (6, 7)  # with scripted="some": a live blog and an ordinary article
SCRIPTED = ("none", "some", "all")

PROFILES: tuple[frozenset[str], ...] = tuple(
    frozenset(names.split())
    for names in (
        "article jsonld author_person offset_plus8 dateline cover inline_figure h2 inline_markup spacers"
        " attribution messy_keywords entities",
        "article no_jsonld author_person offset_minus5 cover list blockquote promo_embed zero_width indent"
        " old_slug br legacy_article_text",
        "video jsonld author_list offset_plus8 dateless_slug",
        "article jsonld author_organization offset_minus5 cover inline_figure uncaptioned_figure"
        " missing_image media_embed h3 broken_markup updated spacers attribution",
        "audio no_jsonld author_person offset_plus8 no_summary",
        "gallery jsonld author_person offset_minus5 cover",
        "live jsonld author_person offset_plus8 cover dateline",
        "article jsonld no_author offset_minus5 no_cover widget_embed spacers attribution indent br_paragraphs",
        "article jsonld author_list offset_plus8 cover dateline inline_markup list zero_width old_slug h2"
        " messy_keywords legacy_wysiwyg",
        "article no_jsonld author_person offset_minus5 cover entities blockquote br inline_figure"
        " broken_markup attribution no_summary",
    )
)
VARIANTS: tuple[str, ...] = tuple(sorted(frozenset().union(*PROFILES)))
KINDS = ("article", "video", "audio", "gallery", "live")
PROSE = ("templates", "news")
_INLINE = re.compile(r'<(em|strong)>(.*?)</\1>|<a href="([^"]*)">(.*?)</a>')


@dataclass(frozen=True)
class Generator:
    site: Site
    seed: int
    size: int
    revised: frozenset[str] = frozenset()
    scripted: str = "none"  # one of SCRIPTED: which articles an inline script builds
    prose: str = "templates"  # or "news": see newscrawl.replica.prose
    clusters: int = 0  # > 0: news prose, near-identical in blocks of this many articles

    def __post_init__(self) -> None:
        if self.size < MIN_SIZE:
            raise ConfigurationError(f"a replica needs at least {MIN_SIZE} articles, got size={self.size}")
        if self.scripted not in SCRIPTED:
            raise ConfigurationError(f"scripted must be one of {', '.join(SCRIPTED)}, got {self.scripted!r}")
        if self.prose not in PROSE or self.clusters < 0:
            raise ConfigurationError(f"prose must be one of {', '.join(PROSE)} and clusters >= 0")

    # --- Numbers and times: pure arithmetic, no text -------------------------------------------

    @property
    def step(self) -> int:
        """Seconds between two articles: a month over the whole site, at least 20 minutes."""
        return max(1200, 30 * 86400 // self.size)

    def id_of(self, k: int) -> str:
        return str(BASE_ID + self.size - 1 - k)

    def number(self, ident: str) -> int | None:
        """The article number of a generated id, else None."""
        k = BASE_ID + self.size - 1 - int(ident) if ident.isdigit() else -1
        return k if 0 <= k < self.size else None

    def published(self, k: int) -> datetime:
        jitter = (k * 2_654_435_761 + self.seed * 40_503) % (self.step // 2)
        return END - timedelta(seconds=k * self.step + jitter)

    def phantom_id(self, name: str) -> str:
        return str(BASE_ID + self.size + list(PHANTOMS).index(name))

    def republished_id(self, index: int) -> str:
        """The id of the ``index``-th republished copy (see :func:`republish`)."""
        return str(BASE_ID + self.size + len(PHANTOMS) + index)

    def section_id(self, k: int) -> str:
        sections = self.site.sections
        return sections[(k + self.seed) % len(sections)]

    def variants(self, k: int) -> frozenset[str]:
        profile = PROFILES[k % len(PROFILES)]
        if k != MISSING_IMAGE_K:
            profile -= {"missing_image"}
        if self.id_of(k) in self.revised:
            profile = profile - {"no_jsonld"} | {"jsonld", "revised"}
        if self.scripted == "all" or (self.scripted == "some" and k in SCRIPTED_K):
            profile |= {"scripted"}
        return profile

    # --- Entries and articles ------------------------------------------------------------------

    @property
    def language(self) -> Language:
        return for_language(self.site.language)

    @lru_cache(maxsize=8192)
    def entry(self, k: int) -> Entry:
        variants = self.variants(k)
        published = self.published(k)
        return _entry(Random(f"{self.seed}/{k}/entry"), self.language, self.site.image_host, self.id_of(k),
                      published, variants, self.section_id(k))

    @lru_cache(maxsize=4)
    def phantom(self, name: str) -> Entry:
        status, after = PHANTOMS[name]
        published = self.published(after) - timedelta(seconds=self.step // 3)
        entry = _entry(Random(f"{self.seed}/{name}/entry"), self.language, self.site.image_host,
                       self.phantom_id(name), published, PROFILES[0], self.section_id(after))
        return replace(entry, status=status)

    def article(self, k: int) -> Article:
        entry = self.entry(k)
        article = _article(Random(f"{self.seed}/{k}/body"), self.language, self.site.origin, entry,
                           self.variants(k), self.section_name(entry), self.neighbours(k))
        if self.clusters or self.prose == "news":
            return prose.with_prose(article, self.news_paragraphs(k), prose_only=bool(self.clusters))
        return article

    def news_paragraphs(self, k: int) -> list[list[str]]:
        if not self.clusters:
            return prose.bulk(Random(f"{self.seed}/{k}/prose"))
        return prose.retold(self.cluster_paragraphs(k // self.clusters), Random(f"{self.seed}/{k}/retold"))

    @lru_cache(maxsize=16)
    def cluster_paragraphs(self, cluster: int) -> tuple[tuple[str, ...], ...]:
        return tuple(map(tuple, prose.bulk(Random(f"{self.seed}/cluster/{cluster}"))))

    def neighbours(self, k: int, count: int = 4) -> list[Entry]:
        """Older articles that a page links to (promos and related blocks)."""
        return [self.entry((k + i) % self.size) for i in range(1, count + 1)]

    @property
    def sections(self) -> dict[str, str]:
        """Section listing path -> section name."""
        names = self.language.section_names
        return {path: names[i % len(names)] for i, path in enumerate(self.site.sections)}

    def section_name(self, entry: Entry) -> str:
        return self.sections[entry.section_id]

    def seed_article(self, document: ArchivedDocument) -> Article:
        return _seed_article(document, self.site, self.seed)

    @property
    def missing_image(self) -> Image:
        """The image that answers 404: the last figure of the ``missing_image`` article."""
        return [p.image for p in self.article(MISSING_IMAGE_K).body if isinstance(p, Figure)][-1]


def _uuid(rng: Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128)))


def _entry(rng: Random, lang: Language, image_host: str, ident: str, published: datetime,
           variants: frozenset[str], section_id: str) -> Entry:
    title, words = lang.headline(rng)
    kinds = variants & set(KINDS)
    return Entry(
        article_id=ident,
        kind=min(kinds, default="article"),
        section_id=section_id,
        title=title,
        summary="" if "no_summary" in variants else lang.sentence(rng),
        slug=words if "dateless_slug" in variants else f"{words}-{published:%Y%m%d}",
        published=published,
        updated=_updated(published, variants),
        cover=Image(_uuid(rng), "" if kinds & {"video", "audio"} else lang.caption(rng, lang.printed_day(published)),
                    image_host),
        old_slug="-".join(words.split("-")[1:]) + "-old" if "old_slug" in variants else None,
    )


def _updated(published: datetime, variants: frozenset[str]) -> datetime | None:
    if "revised" in variants:
        return published + timedelta(hours=26)
    if "no_jsonld" in variants:
        return None
    return published + timedelta(hours=2, minutes=15) if "updated" in variants else published


def _article(rng: Random, lang: Language, origin: str, entry: Entry, variants: frozenset[str], section: str,
             neighbours: list[Entry]) -> Article:
    authors, author_type = _authors(rng, lang, variants)
    make_body = {"article": _story, "video": _clip, "audio": _clip, "gallery": _gallery, "live": _live}
    body, media = make_body[entry.kind](rng, lang, origin, entry, variants, neighbours)
    if "revised" in variants:
        body = _revise(body, lang, Random(f"{entry.article_id}/revision"))
    return Article(
        entry=entry,
        section=section,
        authors=authors,
        author_type=author_type,
        keywords=_keywords(rng, lang, section, variants),
        dateline=rng.choice(lang.places)[0] if "dateline" in variants else None,
        body=tuple(body),
        has_cover="cover" in variants or bool(media),  # a player's poster is the cover of its page
        media=tuple(media),
        variants=variants,
    )


def _authors(rng: Random, lang: Language, variants: frozenset[str]) -> tuple[tuple[str, ...], str]:
    if "author_organization" in variants:
        return (lang.organization[0],), "Organization"
    count = 2 if "author_list" in variants else 0 if "no_author" in variants else 1
    return tuple(name for name, _ in rng.sample(lang.authors, count)), "Person"


def _keywords(rng: Random, lang: Language, section: str, variants: frozenset[str]) -> str:
    words = [section, *rng.sample(lang.tags, 3)]
    if "messy_keywords" in variants:
        return f" {words[0]},{words[1]} , {words[2]},{words[1]}, {words[3]} ,"
    return ", ".join(words)


def _plain(rng: Random, lang: Language, sentences: tuple[int, int] = (2, 4)) -> Block:
    return Block("p", (Inline(lang.paragraph(rng, sentences)),))


def _heading(rng: Random, lang: Language, level: str) -> Block:
    return Block(level, (Inline(lang.headline(rng)[0].split(" ")[0]),))


def _story(rng: Random, lang: Language, origin: str, entry: Entry, variants: frozenset[str], neighbours: list[Entry]):
    """The body of an ``article``: paragraphs, then each variant's pieces in fixed places."""
    pieces: list[Piece] = [_plain(rng, lang) for _ in range(rng.randint(4, 6))]
    place, person = rng.choice(lang.places)[0], rng.choice(lang.people)
    quote, firm = rng.choice(lang.quotes), rng.choice(lang.firms)
    if "inline_markup" in variants:
        target = neighbours[0]
        pieces[0] = Block("p", lang.briefing(rng, place, person, target.title, origin + target.path, quote))
    if "br" in variants:
        pieces[1] = Block("p", (Inline(lang.sentence(rng)), Inline("\n", "br"), Inline(lang.sentence(rng))))
    if "entities" in variants:
        pieces[2] = Block("p", (Inline(lang.statement(rng, firm, quote)),))
    if "blockquote" in variants:
        pieces.insert(4, Block("blockquote", (Inline(lang.quoted(quote)),)))
    if "list" in variants:
        ordered = rng.random() < 0.5
        pieces[3:3] = [Block("li", (Inline(lang.list_item(_heading(rng, lang, "li").text)),), ordered) for _ in range(3)]
    if "h3" in variants:
        pieces.insert(3, _heading(rng, lang, "h3"))
    if "h2" in variants:
        pieces.insert(2, _heading(rng, lang, "h2"))
    if "widget_embed" in variants:
        pieces.insert(2, Embed("widget"))
    if "inline_figure" in variants:
        pieces.insert(2, Figure(Image(_uuid(rng), lang.caption(rng, lang.printed_day(entry.published)), entry.cover.host)))
    if "promo_embed" in variants:
        pieces.insert(3, Embed("promo", neighbours[1].path, neighbours[1].title, neighbours[1].cover))
    if "media_embed" in variants:
        poster = Image(_uuid(rng), "", entry.cover.host)
        pieces.insert(1, Embed("player", _video_url(poster.uuid, entry.published), lang.headline(rng)[0], poster))
    if "uncaptioned_figure" in variants:
        pieces.insert(len(pieces) - 1, Figure(Image(_uuid(rng), "", entry.cover.host)))
    if "attribution" in variants:
        chosen = set(rng.sample(lang.agencies, rng.randint(1, 3)))
        line = lang.attribution([a for a in lang.agencies if a in chosen])
        if line:
            pieces.append(Block("p", (Inline(line, "em"),)))
    return pieces, []


def _clip(rng: Random, lang: Language, origin: str, entry: Entry, variants: frozenset[str], neighbours: list[Entry]):
    """A video or audio page: one or two short paragraphs under the player."""
    pieces = [_plain(rng, lang, (1, 2)) for _ in range(rng.randint(1, 2))]
    media_uuid = _uuid(rng)
    if entry.kind == "video":
        return pieces, [Media(_video_url(media_uuid, entry.published), "video")]
    return pieces, [Media(_audio_url(media_uuid, entry.published), "audio")]


def _gallery(rng: Random, lang: Language, origin: str, entry: Entry, variants: frozenset[str], neighbours: list[Entry]):
    day = lang.printed_day(entry.published)
    figures = [Figure(Image(_uuid(rng), lang.caption(rng, day), entry.cover.host)) for _ in range(rng.randint(4, 6))]
    return [_plain(rng, lang, (1, 2)), *figures], []


def _live(rng: Random, lang: Language, origin: str, entry: Entry, variants: frozenset[str], neighbours: list[Entry]):
    """A live blog: updates newest first, each a timestamped h3 and one or two paragraphs."""
    pieces: list[Piece] = []
    for minutes in (90, 45, 0):
        stamp = lang.live_stamp(entry.published + timedelta(minutes=minutes))
        pieces.append(Block("h3", (Inline(f"{stamp} {_heading(rng, lang, 'h3').text}"),)))
        pieces += [_plain(rng, lang, (1, 3)) for _ in range(rng.randint(1, 2))]
    return pieces, []


def _revise(body: list[Piece], lang: Language, rng: Random) -> list[Piece]:
    """The second revision: one more paragraph."""
    return _appended(body, Block("p", (Inline(lang.revision(lang.paragraph(rng, (1, 2)))),)))


def _appended(body: Sequence[Piece], extra: Block) -> list[Piece]:
    """The body with one more block at its end, before the attribution line when there is one."""
    last = body[-1]
    at = len(body) - 1 if isinstance(last, Block) and last.inlines[0].text.startswith("(本文依据了") else len(body)
    return [*body[:at], extra, *body[at:]]


def republish(original: Article, ident: str, lang: Language = Chinese()) -> Article:
    """The ``republished`` variant: ``original`` published again under id ``ident`` two days
    later, with a new slug and title, its body followed by an editor's note."""
    entry = original.entry
    published = entry.published + REPUBLISH_DELAY
    copy = replace(
        entry,
        article_id=ident,
        title=lang.republished_title(entry.title),
        slug=f"{entry.slug.removesuffix(f'-{entry.published:%Y%m%d}')}-again-{published:%Y%m%d}",
        published=published,
        updated=published if entry.updated else None,
        old_slug=None,
    )
    note = Block("p", (Inline(lang.editor_note(lang.printed_day(entry.published))),))
    return replace(original, entry=copy, body=tuple(_appended(original.body, note)),
                   variants=original.variants - {"old_slug"} | {"republished"})


def _video_url(media_uuid: str, published: datetime) -> str:
    return f"https://voa-video-ns.akamaized.net/pangeavideo/{published:%Y/%m}/{media_uuid[:2]}/{media_uuid}_720p.mp4"


def _audio_url(media_uuid: str, published: datetime) -> str:
    return f"https://voa-audio-ns.akamaized.net/vch/{published:%Y/%m/%d}/{media_uuid}_hq.mp3"


# --- Seed documents: a real archived article served in the site's markup -------------------------

SEED_VARIANTS = frozenset("article seed_document jsonld author_person offset_plus8 cover spacers h2 attribution".split())
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _seed_article(document: ArchivedDocument, site: Site, seed: int) -> Article:
    ident = article_id(document.url)
    if ident is None or host_of(document.url) != site.host:
        raise ConfigurationError(f"seed document {document.url} is not an article of {site.origin}")
    rng = Random(f"{seed}/{ident}/seed")
    cover_uuid = _UUID.search(document.cover_url or "")
    section_id = site.sections[2 % len(site.sections)]
    section = Chinese.section_names[2 % len(Chinese.section_names)]
    entry = Entry(
        article_id=ident,
        kind="article",
        section_id=section_id,
        title=document.title,
        summary="",
        slug=document.url.rsplit("/", 2)[1],
        published=document.published_at,
        updated=document.published_at,
        cover=Image(cover_uuid[0] if cover_uuid else _uuid(rng), document.cover_caption or ""),
    )
    blocks = [_seed_block(fragment, document.url) for fragment in document.blocks]
    return Article(
        entry=entry,
        section=section,
        authors=(rng.choice(text.AUTHORS)[0],),
        author_type="Person",
        keywords=", ".join([section, *rng.sample(text.TAGS, 2)]),
        dateline=None,
        body=tuple(blocks),
        has_cover=cover_uuid is not None,
        variants=SEED_VARIANTS,
    )


def _seed_block(fragment: str, url: str) -> Block:
    """A seed block as a Block; sub-headings (short, no final punctuation) become h2."""
    inlines: list[Inline] = []
    position = 0
    for match in _INLINE.finditer(fragment):
        if match.start() > position:
            inlines.append(Inline(unescape(fragment[position:match.start()])))
        tag = match[1] or "a"
        inlines.append(Inline(unescape(match[2] if match[1] else match[4]), tag, match[3] and unescape(match[3])))
        position = match.end()
    if position < len(fragment):
        inlines.append(Inline(unescape(fragment[position:])))
    block = Block("p", tuple(inlines))
    if block.truth()["html"] != fragment:
        raise ConfigurationError(f"seed document {url}: unsupported markup in block {fragment[:80]!r}")
    return Block("h2", block.inlines) if text.is_subheading(block.text) else block
