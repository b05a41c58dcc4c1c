"""Marks an article that repeats an earlier article's body under a new id: ``duplicate_of``.

VOA re-publishes stories under new article ids (a new slug, often a new title, the body the
same or nearly). Both are kept, since each id is an article users must be able to find; the
later one names the earlier in ``duplicate_of`` (None when it repeats nothing).

Near-identical means: the Jaccard similarity of the two bodies' sets of character 5-grams,
estimated with MinHash (rensa's R-MinHash in Rust, 128 permutations, over 64-bit hashes of
the 5-grams computed with numpy), is at least
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

Candidates come from MinHash LSH kept in the store, not in memory: each signature is saved
(``article_signatures``) with its band keys (``article_bands``), the same bands and rows
datasketch's ``MinHashLSH`` picks for the threshold. The candidates are the articles sharing a
band key that were published in the last ``NEWSCRAWL_NEAR_DUPLICATE_DAYS`` days (0: ever) or
met since the crawl started, however old, then checked against their stored signatures.
Memory does not grow with the store; an article is found as soon as its signature is saved,
by this crawl and by other workers sharing PostgreSQL.

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
from hashlib import blake2b
import threading
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import numpy as np
from rensa import RMinHash
from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.utils.defer import maybe_deferred_to_future

from newscrawl.errors import ConfigurationError
from newscrawl.items import ArticleItem
from newscrawl.store import ArticleStore, StoredSignature, crawler_store, crawler_writer
from newscrawl.store.writer import InlineStoreWriter, StoreWriter

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
# datasketch's layout for the default threshold (tests check it), so that a crawl need not import it.
KNOWN_LAYOUTS = {THRESHOLD: (16, 8)}
STATS_PREFIX = "newscrawl/near_duplicates"
BYTE_ORDER = "<"  # of stored signatures, whatever the machine
RENSA_SEED = 5
# What the stored signatures are: a store holding another kind (datasketch's, before) has them
# made again from its articles' bodies at the next start.
SIGNATURE_KIND = f"rensa R-MinHash v{RMinHash.ALGORITHM_VERSION}, {NUM_PERM} permutations, seed {RENSA_SEED}, 5-gram hashes"
SIGNATURE_MAGIC = b"RMH2"
SIGNATURE_BYTES = len(SIGNATURE_MAGIC) + 4 * NUM_PERM
_SHINGLE_BASE = np.uint64(0x100000001B3)
_NOT_COMPARED = re.compile(r"[\W_]+")


def normalize(text: str) -> str:
    """The text that is compared: NFKC, case-folded, only letters and digits (CJK included).

    >>> normalize("美国之音 VOA：“新闻”！\\n\\nＮｅｗｓ 2025")
    '美国之音voa新闻news2025'
    """
    return _NOT_COMPARED.sub("", unicodedata.normalize("NFKC", text).casefold())


def shingle_hashes(text: str, size: int = SHINGLE_SIZE) -> np.ndarray:
    """A 64-bit hash of every run of ``size`` characters of the text (a polynomial in its code
    points), computed for all runs at once; equal runs hash alike.

    >>> hashes = shingle_hashes("美国之音新闻美国之音新")
    >>> len(hashes), bool(hashes[0] == hashes[-1]), len(set(hashes.tolist()))
    (7, True, 6)
    """
    points = np.frombuffer(text.encode("utf-32-le"), dtype="<u4").astype(np.uint64)
    count = max(len(points) - size + 1, 0)
    hashes = points[:count].copy()
    with np.errstate(over="ignore"):  # arithmetic modulo 2**64 on purpose
        for offset in range(1, size):
            hashes = hashes * _SHINGLE_BASE + points[offset : offset + count]
    return hashes


class Signature:
    """A body's MinHash: ``NUM_PERM`` unsigned 32-bit values (rensa's R-MinHash)."""

    __slots__ = ("hashvalues",)

    def __init__(self, hashvalues: np.ndarray):
        self.hashvalues = hashvalues

    def jaccard(self, other: Signature) -> float:
        """The estimated Jaccard similarity of the two bodies' shingle sets."""
        return int(np.count_nonzero(self.hashvalues == other.hashvalues)) / NUM_PERM

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Signature) and bool(np.array_equal(self.hashvalues, other.hashvalues))

    def __hash__(self) -> int:
        return hash(self.hashvalues.tobytes())


def signature(body_text: str) -> Signature | None:
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
    hashes = shingle_hashes(text)
    offsets = np.array([0, len(hashes)], dtype=np.uint64)
    digests = RMinHash.digest_matrix_from_flat_token_hashes(hashes, offsets, NUM_PERM, RENSA_SEED)
    return Signature(np.asarray(digests.to_rows()[0], dtype=np.uint32))


def to_bytes(minhash: Signature) -> bytes:
    return SIGNATURE_MAGIC + minhash.hashvalues.astype(BYTE_ORDER + "u4").tobytes()


def from_bytes(data: bytes) -> Signature:
    """A stored signature; ValueError for one of another kind (see :data:`SIGNATURE_KIND`)."""
    if len(data) != SIGNATURE_BYTES or not data.startswith(SIGNATURE_MAGIC):
        raise ValueError(f"not a signature of {SIGNATURE_KIND}")
    return Signature(np.frombuffer(data, dtype=BYTE_ORDER + "u4", offset=len(SIGNATURE_MAGIC)).astype(np.uint32))


def similarities(minhash: Signature, stored: list[bytes]) -> list[float]:
    """The Jaccard similarity estimate of ``minhash`` and each stored signature, at once (a
    cluster of near-identical articles makes hundreds of candidates).

    >>> body = "美国国务院星期二表示，真正的和谈只会在各方参与的情况下进行。" * 3
    >>> similarities(signature(body), [to_bytes(signature(body)), to_bytes(signature("另一个故事" * 20))])
    [1.0, 0.0]
    """
    if not stored:
        return []
    if any(len(data) != SIGNATURE_BYTES or not data.startswith(SIGNATURE_MAGIC) for data in stored):
        raise ValueError(f"not a signature of {SIGNATURE_KIND}")
    rows = np.frombuffer(b"".join(data[len(SIGNATURE_MAGIC):] for data in stored), dtype=BYTE_ORDER + "u4")
    agreeing = np.count_nonzero(rows.reshape(len(stored), NUM_PERM) == minhash.hashvalues, axis=1)
    return (agreeing / NUM_PERM).tolist()


def rank(article_id: str, published_at: str) -> tuple[str, int, str]:
    """Earlier first: by publication time, then by id as a number (ids are digits).

    >>> sorted([rank("100", "2025-01-02T00:00:00Z"), rank("99", "2025-01-02T00:00:00Z")])[0][2]
    '99'
    """
    return published_at, len(article_id), article_id


def band_layout(threshold: float) -> tuple[int, int]:
    """The LSH bands and rows per band datasketch's MinHashLSH picks for the threshold.

    >>> band_layout(0.8)
    (16, 8)
    """
    if threshold in KNOWN_LAYOUTS:
        return KNOWN_LAYOUTS[threshold]
    from datasketch import MinHashLSH  # with SciPy, 0.7 s to import: only for a threshold not in KNOWN_LAYOUTS

    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM, weights=LSH_WEIGHTS)
    return lsh.b, lsh.r


def band_keys(minhash: Signature, bands: int, rows: int) -> list[int]:
    """One signed 64-bit key per band: a hash of the band's number, size and slice of the
    signature, the same in every process. Two signatures agreeing on a whole band share its key.

    >>> body = "美国国务院星期二表示，真正的和谈只会在各方参与的情况下进行。" * 3
    >>> keys = band_keys(signature(body), 16, 8)
    >>> len(keys), keys == band_keys(signature(body + "。"), 16, 8), all(-2**63 <= k < 2**63 for k in keys)
    (16, True, True)
    """
    values = minhash.hashvalues.astype(BYTE_ORDER + "u4")
    return [
        int.from_bytes(
            blake2b(values[band * rows : (band + 1) * rows].tobytes(), digest_size=8,
                    salt=band.to_bytes(4, "little") + rows.to_bytes(4, "little")).digest(),
            "little", signed=True,
        )
        for band in range(bands)
    ]


@dataclass(frozen=True)
class Verdict:
    """What placing an article in the index found: the article it repeats, if any, and the
    later articles already indexed that repeat it (or its original) and said otherwise."""

    duplicate_of: str | None
    corrected: dict[str, str] = field(default_factory=dict)


class NearDuplicateIndex:
    """LSH over the store's signatures: finds the near-identical articles, saves each new one.

    ``duplicate_of`` of an indexed article is, in this order, what :meth:`place` corrected it
    to in this run, what it said for it while its item is not saved (until :meth:`forget`),
    what the store holds. Not thread-safe: one caller at a time.
    """

    def __init__(self, store: ArticleStore, threshold: float):
        self.store = store
        self.threshold = threshold
        self.bands, self.rows = band_layout(threshold)
        self.corrections: dict[str, str] = {}
        self._unsaved: dict[str, str | None] = {}

    def place(self, article_id: str, published_at: str, minhash: Signature,
              since: datetime | None = None, indexed_since: datetime | None = None) -> Verdict:
        """Indexes the article and says what it repeats (among the articles published since
        ``since`` or indexed since ``indexed_since``) and which later articles repeat it."""
        keys = band_keys(minhash, self.bands, self.rows)
        stored = self.store.signatures_of(self.store.sharing_bands(keys, since, indexed_since) | {article_id})
        own = stored.pop(article_id, None)
        candidates = list(stored.values())
        similar = similarities(minhash, [other.signature for other in candidates])
        matches = sorted((other for other, j in zip(candidates, similar) if j >= self.threshold), key=_rank)
        own_rank = rank(article_id, published_at)
        earlier = [other for other in matches if _rank(other) < own_rank]
        original = earlier[0].article_id if earlier else None
        root_rank = _rank(earlier[0]) if earlier else own_rank
        later = [other for other in matches if _rank(other) > own_rank]
        originals = self.store.signatures_of(self._duplicate_of(other) for other in later if self._duplicate_of(other))
        corrected = {
            other.article_id: original or article_id for other in later
            if self._points_after(other, originals, root_rank)
        }
        self.corrections.update(corrected)
        self._unsaved[article_id] = original
        if own is None or own.published_at != published_at or from_bytes(own.signature) != minhash:
            self.store.save_signature(article_id, published_at, to_bytes(minhash), keys)
        else:
            self.store.touch_bands(article_id)
        return Verdict(original, corrected)

    def band_unbanded(self) -> int:
        """Saves band keys for the stored signatures that have none (saved before there were
        any, or whose keys were for another threshold's layout); how many. They count by
        publication time alone, as not met by this crawl."""
        if self.store.keep_bands_of(f"{NUM_PERM} permutations, {self.bands} bands of {self.rows} rows"):
            logger.info("Near-duplicates: stored band keys were made for another threshold; making them again")
        count = 0
        while unbanded := self.store.unbanded_signatures():
            for stored in unbanded:
                keys = band_keys(from_bytes(stored.signature), self.bands, self.rows)
                self.store.save_signature(stored.article_id, stored.published_at, stored.signature, keys, met=False)
            count += len(unbanded)
        return count

    def resign_outdated(self) -> int:
        """Makes the signatures again from the stored articles' bodies if the store's are of
        another kind (an older newscrawl's); how many."""
        if not self.store.keep_signatures_of(SIGNATURE_KIND):
            return 0
        count = 0
        for item in list(self.store.iter_items()):
            minhash = signature(item.get("body_text") or "")
            if minhash is not None:
                keys = band_keys(minhash, self.bands, self.rows)
                self.store.save_signature(item["article_id"], item["published_at"], to_bytes(minhash), keys, met=False)
                count += 1
        return count

    def forget(self, article_id: str) -> None:
        """The article's item is saved (or never will be): the store says its ``duplicate_of``."""
        self._unsaved.pop(article_id, None)

    def _duplicate_of(self, stored: StoredSignature) -> str | None:
        article_id = stored.article_id
        if article_id in self.corrections:
            return self.corrections[article_id]
        return self._unsaved[article_id] if article_id in self._unsaved else stored.duplicate_of

    def _points_after(self, stored: StoredSignature, originals: dict[str, StoredSignature],
                      original_rank: tuple[str, int, str]) -> bool:
        """Whether the article names no original, or one later than ``original_rank`` (one
        without a stored signature is kept)."""
        current = self._duplicate_of(stored)
        if current is None:
            return True
        return current in originals and _rank(originals[current]) > original_rank


def _rank(stored: StoredSignature) -> tuple[str, int, str]:
    return rank(stored.article_id, stored.published_at)


class NearDuplicatePipeline:
    """Sets ``duplicate_of`` on each article with a long enough body; drops nothing.

    Settings: ``NEWSCRAWL_NEAR_DUPLICATE_THRESHOLD`` (Jaccard similarity, in (0, 1], default
    0.8) and ``NEWSCRAWL_NEAR_DUPLICATE_DAYS`` (how recently published the stored articles
    compared with are, besides those met in this crawl; default 30, 0 = all). Runs before the
    store pipeline, so the stored item carries ``duplicate_of``.
    """

    def __init__(self, crawler: Crawler, store: ArticleStore, threshold: float, days: int, writer: StoreWriter | InlineStoreWriter):
        self.crawler = crawler
        self.store = store
        self.writer = writer
        self.days = days
        self.index = NearDuplicateIndex(store, threshold)
        self.started = datetime.now(timezone.utc)
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
        pipeline = cls(crawler, crawler_store(crawler), threshold, days, crawler_writer(crawler))
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(pipeline.item_done, signal=signal)
        return pipeline

    @property
    def corrections(self) -> dict[str, str]:
        return self.index.corrections

    def window_start(self, now: datetime) -> datetime | None:
        """The earliest publication time of the stored articles compared with (None: all)."""
        return now - timedelta(days=self.days) if self.days else None

    async def open_spider(self) -> None:
        resigned = await maybe_deferred_to_future(self.writer.run(self.index.resign_outdated))
        if resigned:
            logger.info("Near-duplicates: signatures made again for %(count)d stored articles (of an older kind)",
                        {"count": resigned})
        banded = await maybe_deferred_to_future(self.writer.run(self.index.band_unbanded))
        if banded:
            logger.info("Near-duplicates: band keys saved for %(count)d stored signatures that had none",
                        {"count": banded})

    async def process_item(self, item: ArticleItem) -> ArticleItem:
        adapter = ItemAdapter(item)
        # In the store's writer thread: the store is queried and written.
        verdict = await maybe_deferred_to_future(
            self.writer.run(self.examine, adapter["article_id"], adapter["published_at"], adapter["body_text"])
        )
        self.mark(adapter, verdict)
        return item

    def item_done(self, item: ArticleItem) -> None:
        """Past the last pipeline (the store's): what the item says is stored."""
        article_id = ItemAdapter(item).get("article_id")
        if article_id:
            with self._lock:
                self.index.forget(article_id)

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
        """Places the article's signature in the index (and so the store); None for a short body."""
        minhash = signature(body_text)
        if minhash is None:
            return None
        since = self.window_start(datetime.now(timezone.utc))
        # One at a time: an article placed concurrently would not see the other one's bands.
        with self._lock:
            return self.index.place(article_id, published_at, minhash, since, self.started)

    async def close_spider(self) -> None:
        # Now: every item of the run has been saved, copies included.
        corrected = await maybe_deferred_to_future(self.writer.run(self.correct))
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
