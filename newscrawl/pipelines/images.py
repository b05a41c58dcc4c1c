"""Downloading the images of each article: Scrapy's images pipeline, at a chosen rendition width.

Each image is stored as the site published it: its bytes, so its checksum, are what the site
served (a PNG stays a PNG, a GIF keeps its frames; the file keeps the name ``<uuid>.jpg``),
where Scrapy's pipeline would decode and re-encode it as JPEG. Only its header is read (size,
format), after the checks that refuse what is not an image or would decode to too many pixels.
Thumbnails are made only when asked (``IMAGES_THUMBS``, none by default), from a JPEG decoded
at 1/2 to 1/8 scale where that is enough (Pillow's draft mode).

Each entry of ``item["images"]`` gains, when its image is stored, ``path`` (relative to the
images store), ``checksum``, ``width``, ``height`` and ``thumbs`` (thumb id -> path); when it
is not, ``error``, a reason such as ``"http 404"`` or ``"not an image: text/html"``. The
article is always kept.

An image is fetched once per crawl however many articles show it (Scrapy's media pipeline
remembers results per request), and not at all while its file in the store is younger than
``IMAGES_EXPIRES`` days. Files are named after the image's uuid, not the rendition, so the
same picture is stored once whatever the rendition width.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
import warnings
from io import BytesIO
from pathlib import Path
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlsplit

from itemadapter import ItemAdapter
from PIL import Image
from scrapy import signals
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest, StopDownload
from scrapy.http import Request, Response
from scrapy.http.request import NO_CALLBACK
from scrapy.pipelines.files import FSFilesStore
from scrapy.pipelines.images import ImagesPipeline
from scrapy.pipelines.media import FileException, _MediaRequestFiltered
from scrapy.utils.defer import maybe_deferred_to_future

from newscrawl.datadir import data_dir
from newscrawl.errors import ConfigurationError, NewscrawlError
from newscrawl.urls import image_rendition_url

if TYPE_CHECKING:
    from os import PathLike

    from scrapy.crawler import Crawler
    from scrapy.pipelines.media import FileInfoOrError, MediaPipeline
    from scrapy.settings import BaseSettings
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "GIF", "WEBP"})
IMAGE_REQUEST = "newscrawl_image"  # request meta key marking the requests of this pipeline
RESULT_FIELDS = ("path", "checksum", "width", "height", "thumbs")
STATS_PREFIX = "newscrawl/images"


class ImageRefused(NewscrawlError, _MediaRequestFiltered):
    """An image the pipeline does not store; ``kind`` names the reason in the stats.

    It derives from Scrapy's (private) filtered-request error because that is the one failure
    Scrapy 2.19's media pipeline logs quietly; any other is logged again as an ERROR with a
    traceback, although the refusal is already logged once and recorded in the item."""

    def __init__(self, kind: str, reason: str):
        super().__init__(reason)
        self.kind = kind


def stored_name(url: str) -> str:
    """The name an image is stored under: the uuid its URL names, else the sha1 of the URL.

    Only a well-formed uuid comes from the URL, so no URL can name a path outside the store.

    >>> stored_name("https://gdb.voanews.com/A8893F07-8B2E-405B-BA8E-402CDDABEF3C.jpg")
    'a8893f07-8b2e-405b-ba8e-402cddabef3c'
    >>> stored_name("https://gdb.voanews.com/a8893f07-8b2e-405b-ba8e-402cddabef3c_w250_r1_s.jpg")
    'a8893f07-8b2e-405b-ba8e-402cddabef3c'
    >>> stored_name("https://example.org/img/../../etc/passwd")
    '2e62e21670af0978861578314aff49406e9b6b23'
    """
    name = urlsplit(url).path.rpartition("/")[2]
    try:
        return str(uuid.UUID(name.split("_", 1)[0].split(".", 1)[0]))
    except ValueError:
        return hashlib.sha1(url.encode()).hexdigest()  # noqa: S324 - a name, not a secret


def check_image(response: Response, max_pixels: int, max_bytes: int) -> None:
    """Raise :class:`ImageRefused` unless ``response`` is an image worth decoding: HTTP 200, a
    whole body, a JPEG, PNG, GIF or WebP, at most ``max_pixels`` pixels. Reads the header only."""
    if "download_stopped" in response.flags:  # by ArticleImagesPipeline.headers_received
        size = (response.headers.get(b"Content-Length") or b"?").decode("latin-1")
        raise ImageRefused("too_large", f"too large: {size} bytes > {max_bytes}")
    if response.status != 200:
        raise ImageRefused("http", f"http {response.status}")
    if not response.body:
        raise ImageRefused("empty", "empty body")
    try:
        with warnings.catch_warnings():
            # Pillow warns above its own limit; the size check below says more.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(BytesIO(response.body))
    except Image.DecompressionBombError as exc:  # above twice Pillow's own limit
        pillow_limit = 2 * (Image.MAX_IMAGE_PIXELS or 0)
        reason = f"decompression bomb: over {pillow_limit} pixels > {max_pixels}"
        raise ImageRefused("bomb", reason) from exc
    except (Image.UnidentifiedImageError, OSError) as exc:
        raise ImageRefused("not_image", f"not an image: {_content_type(response)}") from exc
    with image:
        if image.format not in ACCEPTED_FORMATS:
            raise ImageRefused("format", f"unsupported format: {image.format}")
        pixels = image.width * image.height
        if pixels > max_pixels:
            raise ImageRefused("bomb", f"decompression bomb: {pixels} pixels > {max_pixels}")


def thumbnail(body: bytes, size: tuple[int, int]) -> tuple[Image.Image, BytesIO]:
    """A JPEG of the image within ``size``, transparency on white (as Scrapy's thumbnails)."""
    with Image.open(BytesIO(body)) as image:
        # Before anything is decoded: a JPEG is then decoded at the smallest of 1/2 to 1/8
        # scale that still covers the thumbnail (Pillow's draft mode), 3x faster here.
        scale = min(size[0] / image.width, size[1] / image.height, 1.0)
        image.draft("RGB", (max(round(image.width * scale), 1), max(round(image.height * scale), 1)))
        image.thumbnail(size, Image.Resampling.LANCZOS)
        small = image if image.mode == "RGB" else _on_white(image)
    buffer = BytesIO()
    small.save(buffer, "JPEG")
    return small, buffer


def _on_white(image: Image.Image) -> Image.Image:
    background = Image.new("RGBA", image.size, (255, 255, 255, 255))
    background.alpha_composite(image.convert("RGBA"))
    return background.convert("RGB")


def _content_type(response: Response) -> str:
    value = response.headers.get(b"Content-Type") or b""
    return value.decode("latin-1").split(";", 1)[0].strip() or "no content type"


class ArticleImagesPipeline(ImagesPipeline):
    """Stores the images of each article and records the outcome in its ``images`` entries.

    Settings: ``NEWSCRAWL_IMAGE_WIDTH`` (rendition width in pixels, 0 = the original),
    ``NEWSCRAWL_IMAGE_MAX_BYTES`` (larger downloads are cancelled), ``NEWSCRAWL_IMAGE_MAX_PIXELS``
    (larger images are refused before decoding); Scrapy's ``IMAGES_STORE`` (default
    ``<data dir>/images``), ``IMAGES_THUMBS`` and ``IMAGES_EXPIRES``.
    """

    WIDTH = 1080
    MAX_BYTES = 10 * 1024 * 1024
    MAX_PIXELS = 40_000_000

    def __init__(self, store_uri: str | PathLike[str], *, crawler: Crawler):
        super().__init__(store_uri, crawler=crawler)
        settings = crawler.settings
        self.width = _setting(settings, "NEWSCRAWL_IMAGE_WIDTH", self.WIDTH, minimum=0)
        self.max_bytes = _setting(settings, "NEWSCRAWL_IMAGE_MAX_BYTES", self.MAX_BYTES, minimum=1)
        self.max_pixels = _setting(settings, "NEWSCRAWL_IMAGE_MAX_PIXELS", self.MAX_PIXELS, minimum=1)
        # As a dict also when given as JSON on the command line (-s IMAGES_THUMBS='{...}').
        self.thumbs = {name: tuple(size) for name, size in settings.getdict("IMAGES_THUMBS").items()}
        crawler.signals.connect(self.headers_received, signal=signals.headers_received)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArticleImagesPipeline:
        settings = crawler.settings
        cls._update_stores(settings)
        store_uri = settings.get("IMAGES_STORE") or str(data_dir(settings) / "images")
        return cls(store_uri, crawler=crawler)

    # --- what to fetch and where to keep it ---------------------------------------------------

    def get_media_requests(self, item: Any, info: MediaPipeline.SpiderInfo) -> list[Request]:
        return [
            Request(
                image_rendition_url(entry["url"], self.width),
                callback=NO_CALLBACK,
                meta={
                    IMAGE_REQUEST: True,
                    "download_maxsize": self.max_bytes,
                    # Losing an image is recorded in its item: no error of the crawl.
                    "give_up_log_level": "WARNING",
                },
            )
            for entry in _fetched_entries(item)
        ]

    def file_path(
        self,
        request: Request,
        response: Response | None = None,
        info: MediaPipeline.SpiderInfo | None = None,
        *,
        item: Any = None,
    ) -> str:
        return f"full/{stored_name(request.url)}.jpg"

    def thumb_path(
        self,
        request: Request,
        thumb_id: str,
        response: Response | None = None,
        info: MediaPipeline.SpiderInfo | None = None,
        *,
        item: Any = None,
    ) -> str:
        return f"thumbs/{thumb_id}/{stored_name(request.url)}.jpg"

    def get_images(
        self,
        response: Response,
        request: Request,
        info: MediaPipeline.SpiderInfo,
        *,
        item: Any = None,
    ) -> Iterator[tuple[str, Image.Image, BytesIO]]:
        """The original as fetched, then its thumbnails (Scrapy stores each; the first one's
        checksum is the image's)."""
        body = response.body
        original = Image.open(BytesIO(body))  # reads the header only; check_image passed it
        yield self.file_path(request, response, info, item=item), original, BytesIO(body)
        for thumb_id, size in self.thumbs.items():
            yield (self.thumb_path(request, thumb_id, response, info, item=item), *thumbnail(body, size))

    # --- outcomes of one image ------------------------------------------------------------------

    def headers_received(self, body_length: object, request: Request) -> None:
        """Stop an image that declares too long a body before its body comes: it is refused
        quietly in media_downloaded. ``download_maxsize`` cancels one that declares no length
        (``body_length`` is then not an int)."""
        too_long = isinstance(body_length, int) and body_length > self.max_bytes
        if too_long and request.meta.get(IMAGE_REQUEST):
            raise StopDownload(fail=False)

    async def media_to_download(
        self, request: Request, info: MediaPipeline.SpiderInfo, *, item: Any = None
    ) -> dict[str, Any] | None:
        stored = await maybe_deferred_to_future(super().media_to_download(request, info, item=item))
        if not stored:
            return None
        self._count("uptodate")
        return self._described(request, stored)

    async def media_downloaded(
        self,
        response: Response,
        request: Request,
        info: MediaPipeline.SpiderInfo,
        *,
        item: Any = None,
    ) -> dict[str, Any]:
        # Refusals are returned, not raised: Scrapy logs every raised media error at ERROR
        # level with a traceback, and a missing image is routine, not an error of the crawl.
        try:
            check_image(response, self.max_pixels, self.max_bytes)
            stored = await super().media_downloaded(response, request, info, item=item)
        except ImageRefused as refusal:
            return self._refused(request, refusal)
        except FileException as exc:  # Pillow identified the image but could not decode it
            return self._refused(request, ImageRefused("broken", f"broken image: {exc}"))
        self._count("downloaded")
        return self._described(request, stored)

    def media_failed(
        self, failure: Failure, request: Request, info: MediaPipeline.SpiderInfo
    ) -> NoReturn:
        if failure.check(IgnoreRequest):  # filtered (robots.txt, offsite): Scrapy logs it quietly
            self._count("failed/filtered")
            super().media_failed(failure, request, info)
        if failure.check(DownloadCancelledError):
            maxsize = request.meta["download_maxsize"]
            refusal = ImageRefused("too_large", f"too large: over {maxsize} bytes")
        else:
            refusal = ImageRefused("download", f"download failed: {failure.getErrorMessage()}")
        self._refused(request, refusal)
        raise refusal

    def _refused(self, request: Request, refusal: ImageRefused) -> dict[str, Any]:
        logger.warning("Image not stored: %(url)s: %(reason)s", {"url": request.url, "reason": refusal})
        self._count(f"failed/{refusal.kind}")
        return {"url": request.url, "error": str(refusal)}

    def _count(self, event: str) -> None:
        self.crawler.stats.inc_value(f"{STATS_PREFIX}/{event}")

    def _described(self, request: Request, stored: dict[str, Any]) -> dict[str, Any]:
        thumbs = {thumb_id: self.thumb_path(request, thumb_id) for thumb_id in self.thumbs}
        return {**stored, **self._stored_size(stored["path"]), "thumbs": thumbs}

    def _stored_size(self, path: str) -> dict[str, int]:
        """Width and height of a stored image, from its header; nothing for remote stores."""
        if not isinstance(self.store, FSFilesStore):
            return {}
        try:
            with Image.open(Path(self.store.basedir, path)) as image:
                return {"width": image.width, "height": image.height}
        except OSError:
            return {}

    # --- the article ---------------------------------------------------------------------------

    def item_completed(
        self, results: list[FileInfoOrError], item: Any, info: MediaPipeline.SpiderInfo
    ) -> Any:
        adapter = ItemAdapter(item)
        if adapter.get("images"):
            outcomes = iter(results)  # one per entry with a URL, in order (get_media_requests)
            adapter["images"] = [
                {**entry, **_outcome(*next(outcomes))} if _fetched(entry) else entry
                for entry in adapter["images"]
            ]
        return item


def _fetched(entry: dict[str, Any]) -> bool:
    return bool(entry.get("url"))


def _fetched_entries(item: Any) -> list[dict[str, Any]]:
    return [entry for entry in ItemAdapter(item).get("images") or [] if _fetched(entry)]


def _outcome(ok: bool, result: Any) -> dict[str, Any]:
    if not ok:  # ImageRefused, or Scrapy's note that the request was filtered
        error = result.value
        return {"error": str(error) if isinstance(error, ImageRefused) else f"filtered: {error}"}
    if "error" in result:
        return {"error": result["error"]}
    return {field: result[field] for field in RESULT_FIELDS if field in result}


def _setting(settings: BaseSettings, name: str, default: int, *, minimum: int) -> int:
    value = settings.getint(name, default)
    if value < minimum:
        raise ConfigurationError(f"{name} must be at least {minimum}, got {value}")
    return value
