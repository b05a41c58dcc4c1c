"""Marks an article that repeats an earlier article's body under a new id: ``duplicate_of``.

VOA re-publishes stories under new article ids (a new slug, often a new title, the body the
same or nearly). Both are kept, since each id is an article users must be able to find; the
later one names the earlier in ``duplicate_of`` (None when it repeats nothing).

Near-identical means: the Jaccard similarity of the two bodies' sets of character 5-grams,
estimated with MinHash (datasketch, 128 permutations), is at least
``NEWSCRAWL_NEAR_DUPLICATE_THRESHOLD``. Its default, 0.8, means about 90% of the 5-grams in
common: one sentence replaced in a body of 500 characters gives 0.84 to 0.93, in one of 2,000
0.97 to 0.99, while different stories stay far below (at most 0.21 on the replica, whose
generated text repeats itself more than news does).

Character n-grams, not words, because Chinese is written without spaces; five characters,
because shorter runs (one or two words) are common to every story on a topic, while longer
ones let a single changed character hide more of the text. Bodies are compared after NFKC,
case folding and dropping whitespace, punctuation and symbols, so reformatting makes no
difference. Bodies shorter than :data:`MIN_LENGTH` such characters (video and audio pages: a
caption's worth) are not compared: two alike mean nothing.

Candidates come from a MinHash LSH index in memory: at the start of a crawl, the signatures
stored for articles published in the last ``NEWSCRAWL_NEAR_DUPLICATE_DAYS`` days (0: all),
then every article that passes. Each signature is kept in the store (``article_signatures``),
so later runs, and other workers sharing PostgreSQL, find it.

``duplicate_of`` names the earliest-published (then smallest id) near-identical article
published before this one: never the article itself (a new version of it), never a later
one. A crawl may meet an original after a copy it already passed (a first crawl goes newest
first): the copy is then corrected in the store when the spider closes, and keeps the old
value in that run's feed.

Stats: ``newscrawl/near_duplicates`` (articles marked), ``newscrawl/near_duplicates/corrected``
(stored copies marked afterwards), ``newscrawl/near_duplicates/skipped_short``.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from datasketch import LeanMinHash, MinHash, MinHashLSH
from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread

from newscrawl.errors import ConfigurationError
from newscrawl.items import ArticleItem
from newscrawl.store import ArticleStore, crawler_store

logger = logging.getLogger(__name__)

SHINGLE_SIZE = 5
NUM_PERM = 128
MIN_LENGTH = 50  # characters of normalized body text
THRESHOLD = 0.8  # NEWSCRAWL_NEAR_DUPLICATE_THRESHOLD
DAYS = 30  # NEWSCRAWL_NEAR_DUPLICATE_DAYS
# LSH weights (false positive, false negative): its candidates are checked anyway, so missing
# one costs more than a false one. At the default threshold LSH then returns 95% of the pairs
# right at 0.8, 99.4% of those at 0.85, 6% of those at 0.5.
LSH_WEIGHTS = (0.05, 0.95)
STATS_PREFIX = "newscrawl/near_duplicates"
BYTE_ORDER = "<"  # of stored signatures, whatever the machine
_NOT_COMPARED = re.compile(r"[\W_]+")


def normalize(text: str) -> str:
    """The text that is compared: NFKC, case-folded, only letters and digits (CJK included).

    >>> normalize("美国之音 VOA：“新闻”！\\n\\nＮｅｗｓ 2025")
    '美国之音voa新闻news2025'
    """
    return _NOT_COMPARED.sub("", unicodedata.normalize("NFKC", text).casefold())


def shingles(text: str, size: int = SHINGLE_SIZE) -> set[str]:
    """Every run of ``size`` characters of the text.

    >>> sorted(shingles("美国之音新闻网"))
    ['之音新闻网', '国之音新闻', '美国之音新']
    """
    return {text[start : start + size] for start in range(len(text) - size + 1)}


def signature(body_text: str) -> LeanMinHash | None:
    """The MinHash of the body's shingles; None if its normalized text is under MIN_LENGTH.

    >>> signature("只有一段视频说明。") is None
    True
    >>> body = "美国国务院星期二表示，真正的和谈只会在各方参与的情况下进行。" * 3
    >>> signature(body).jaccard(signature(body.replace("。", "！"))) == 1.0
    True
    """
    text = normalize(body_text)
    if len(text) < MIN_LENGTH:
        return None
    # CRC-32: stable across processes (signatures are stored) and fast; datasketch mixes the
    # input hash before permuting it, so a weak hash is enough.
    minhash = MinHash(num_perm=NUM_PERM, hashfunc=zlib.crc32)
    minhash.update_batch([shingle.encode() for shingle in shingles(text)])
    return LeanMinHash(minhash)


def to_bytes(minhash: LeanMinHash) -> bytes:
    buffer = bytearray(minhash.bytesize(BYTE_ORDER))
    minhash.serialize(buffer, BYTE_ORDER)
    return bytes(buffer)


def from_bytes(data: bytes) -> LeanMinHash:
    return LeanMinHash.deserialize(data, BYTE_ORDER)


def rank(article_id: str, published_at: str) -> tuple[str, int, str]:
    """Earlier first: by publication time, then by id as a number (ids are digits).

    >>> sorted([rank("100", "2025-01-02T00:00:00Z"), rank("99", "2025-01-02T00:00:00Z")])[0][2]
    '99'
    """
    return published_at, len(article_id), article_id


@dataclass
class Indexed:
    published_at: str
    minhash: LeanMinHash
    duplicate_of: str | None


@dataclass(frozen=True)
class Verdict:
    """What placing an article in the index found: the article it repeats, if any, and the
    later articles already indexed that repeat it (or its original) and said otherwise."""

    duplicate_of: str | None
    corrected: dict[str, str] = field(default_factory=dict)


class NearDuplicateIndex:
    """Signatures by article id, and the LSH index that finds the near-identical ones.

    Not thread-safe: one caller at a time.
    """

    def __init__(self, threshold: float):
        self.threshold = threshold
        self._lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM, weights=LSH_WEIGHTS)
        self._articles: dict[str, Indexed] = {}

    def __len__(self) -> int:
        return len(self._articles)

    def __contains__(self, article_id: str) -> bool:
        return article_id in self._articles

    def holds(self, article_id: str, minhash: LeanMinHash) -> bool:
        """Whether the article is indexed with this very signature."""
        indexed = self._articles.get(article_id)
        return indexed is not None and indexed.minhash == minhash

    def insert(self, article_id: str, published_at: str, minhash: LeanMinHash, duplicate_of: str | None) -> None:
        """Indexes the article, replacing what was indexed under its id."""
        if article_id in self._articles:
            self._lsh.remove(article_id)
        self._lsh.insert(article_id, minhash)
        self._articles[article_id] = Indexed(published_at, minhash, duplicate_of)

    def matches(self, article_id: str, minhash: LeanMinHash) -> list[str]:
        """The other indexed articles whose signatures agree at least ``threshold``, earliest
        first (LSH candidates, then checked: LSH also returns some less similar ones)."""
        found = [
            other for other in self._lsh.query(minhash)
            if other != article_id and minhash.jaccard(self._articles[other].minhash) >= self.threshold
        ]
        return sorted(found, key=self._rank)

    def place(self, article_id: str, published_at: str, minhash: LeanMinHash) -> Verdict:
        """Indexes the article and says what it repeats and which later articles repeat it."""
        own = rank(article_id, published_at)
        matches = self.matches(article_id, minhash)
        earlier = [other for other in matches if self._rank(other) < own]
        original = earlier[0] if earlier else None
        root = original or article_id
        root_rank = self._rank(original) if original else own
        corrected = {
            later: root for later in matches
            if self._rank(later) > own and self._points_after(later, root_rank)
        }
        for later in corrected:
            self._articles[later].duplicate_of = root
        self.insert(article_id, published_at, minhash, original)
        return Verdict(original, corrected)

    def _rank(self, article_id: str) -> tuple[str, int, str]:
        return rank(article_id, self._articles[article_id].published_at)

    def _points_after(self, article_id: str, original_rank: tuple[str, int, str]) -> bool:
        """Whether the article names no original, or one later than ``original_rank`` (an
        original outside the index is older than the window, so earlier)."""
        current = self._articles[article_id].duplicate_of
        if current is None:
            return True
        return current in self._articles and self._rank(current) > original_rank


class NearDuplicatePipeline:
    """Sets ``duplicate_of`` on each article with a long enough body; drops nothing.

    Settings: ``NEWSCRAWL_NEAR_DUPLICATE_THRESHOLD`` (Jaccard similarity, in (0, 1], default
    0.8) and ``NEWSCRAWL_NEAR_DUPLICATE_DAYS`` (the window loaded at the start, default 30, 0 =
    every stored signature). Runs before the store pipeline, so the stored item carries
    ``duplicate_of``.
    """

    def __init__(self, crawler: Crawler, store: ArticleStore, threshold: float, days: int):
        self.crawler = crawler
        self.store = store
        self.days = days
        self.index = NearDuplicateIndex(threshold)
        self.corrections: dict[str, str] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NearDuplicatePipeline:
        settings = crawler.settings
        threshold = settings.getfloat("NEWSCRAWL_NEAR_DUPLICATE_THRESHOLD", THRESHOLD)
        if not 0 < threshold <= 1:
            raise ConfigurationError(f"NEWSCRAWL_NEAR_DUPLICATE_THRESHOLD must be in (0, 1], got {threshold}")
        days = settings.getint("NEWSCRAWL_NEAR_DUPLICATE_DAYS", DAYS)
        if days < 0:
            raise ConfigurationError(f"NEWSCRAWL_NEAR_DUPLICATE_DAYS must be 0 or more, got {days}")
        return cls(crawler, crawler_store(crawler), threshold, days)

    def window_start(self, now: datetime) -> datetime | None:
        """The earliest publication time whose stored signatures are loaded (None: all)."""
        return now - timedelta(days=self.days) if self.days else None

    async def open_spider(self) -> None:
        since = self.window_start(datetime.now(timezone.utc))
        loaded = await maybe_deferred_to_future(deferToThread(self.load, since))
        logger.info("Near-duplicate index: %(count)d article signatures published since %(since)s",
                    {"count": loaded, "since": since.strftime("%Y-%m-%d") if since else "ever"})

    def load(self, since: datetime | None) -> int:
        """Indexes the stored signatures of articles published since ``since``; how many."""
        for stored in self.store.signatures(since):
            self.index.insert(stored.article_id, stored.published_at, from_bytes(stored.signature),
                              stored.duplicate_of)
        return len(self.index)

    async def process_item(self, item: ArticleItem) -> ArticleItem:
        adapter = ItemAdapter(item)
        # In Scrapy's thread pool: hashing a long body takes a millisecond or two, and the
        # signature is saved to the store.
        verdict = await maybe_deferred_to_future(
            deferToThread(self.examine, adapter["article_id"], adapter["published_at"], adapter["body_text"])
        )
        self.mark(adapter, verdict)
        return item

    def mark(self, adapter: ItemAdapter, verdict: Verdict | None) -> None:
        """Sets the item's ``duplicate_of`` (unless its body was too short to compare), counts
        and logs it."""
        if verdict is None:
            self.crawler.stats.inc_value(f"{STATS_PREFIX}/skipped_short")
            return
        adapter["duplicate_of"] = verdict.duplicate_of
        if verdict.duplicate_of:
            self.crawler.stats.inc_value(STATS_PREFIX)
            logger.info("Near-duplicate: article %(id)s (%(url)s) repeats article %(original)s",
                        {"id": adapter["article_id"], "url": adapter["url"], "original": verdict.duplicate_of})

    def examine(self, article_id: str, published_at: str, body_text: str) -> Verdict | None:
        """Places the article's signature in the index and the store; None for a short body."""
        minhash = signature(body_text)
        if minhash is None:
            return None
        with self._lock:
            known = self.index.holds(article_id, minhash)
            verdict = self.index.place(article_id, published_at, minhash)
            self.corrections.update(verdict.corrected)
        if not known:
            self.store.save_signature(article_id, published_at, to_bytes(minhash))
        return verdict

    async def close_spider(self) -> None:
        # Now: every item of the run has been saved, copies included.
        corrected = await maybe_deferred_to_future(deferToThread(self.correct))
        for article_id in corrected:
            self.crawler.stats.inc_value(f"{STATS_PREFIX}/corrected")
            logger.info("Near-duplicate: stored article %(id)s repeats article %(original)s, met later",
                        {"id": article_id, "original": self.corrections[article_id]})

    def correct(self) -> list[str]:
        """Sets the stored ``duplicate_of`` of the copies met before their original; which."""
        return [
            article_id for article_id, original in sorted(self.corrections.items())
            if self.store.set_duplicate_of(article_id, original)
        ]
