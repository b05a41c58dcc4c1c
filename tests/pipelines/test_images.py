"""ArticleImagesPipeline: its pure parts, then two real crawls against a local image server."""

from __future__ import annotations

import hashlib
import json
import struct
import subprocess
import sys
import threading
import zlib
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from newscrawl.errors import ConfigurationError
from newscrawl.pipelines.images import ArticleImagesPipeline, ImageRefused, check_image
from tests.crawling import REPO, read_jsonl

PIPELINE = "newscrawl.pipelines.images.ArticleImagesPipeline"
SPIDER = Path(__file__).with_name("prepared_spider.py")
MAX_BYTES = 200_000


def uuid_of(n: int) -> str:
    return f"{n:08x}-8b2e-405b-ba8e-402cddabef3c"


COVER, PNG, MISSING, HTML, BOMB, HUGE_BOMB, OVERSIZED, STREAMED, BMP = (uuid_of(n) for n in range(1, 10))


def encoded(image: Image.Image, fmt: str) -> bytes:
    buf = BytesIO()
    image.save(buf, fmt)
    return buf.getvalue()


def photo(size: tuple[int, int]) -> Image.Image:
    """A real picture, not a flat colour: a gradient, so JPEG has something to encode."""
    gradient = Image.linear_gradient("L").resize(size)
    return Image.merge("RGB", (gradient, gradient.rotate(90), Image.new("L", size, 90)))


def png_claiming(width: int, height: int) -> bytes:
    """A 1x1 PNG whose header claims ``width`` x ``height``: a decompression bomb's header."""
    data = bytearray(encoded(Image.new("1", (1, 1)), "PNG"))
    data[16:24] = struct.pack(">II", width, height)  # IHDR data starts after signature, length, type
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


JPEG_BODY = encoded(photo((1080, 608)), "JPEG")
UNDECLARED_LENGTH = {f"/{STREAMED}_r1_s_w1080.jpg"}  # sent without Content-Length
ROUTES: dict[str, tuple[int, str, bytes]] = {
    f"/{COVER}_r1_s_w1080.jpg": (200, "image/jpeg", JPEG_BODY),
    f"/{PNG}_r1_s_w1080.jpg": (200, "image/png", encoded(photo((400, 300)).convert("RGBA"), "PNG")),
    f"/{HTML}_r1_s_w1080.jpg": (200, "text/html; charset=utf-8", b"<!doctype html><p>Not found</p>"),
    f"/{BOMB}_r1_s_w1080.jpg": (200, "image/png", png_claiming(10_000, 5_000)),
    f"/{HUGE_BOMB}_r1_s_w1080.jpg": (200, "image/png", png_claiming(20_000, 10_000)),
    f"/{OVERSIZED}_r1_s_w1080.jpg": (200, "image/jpeg", b"\xff\xd8\xff" + bytes(MAX_BYTES * 2)),
    f"/{STREAMED}_r1_s_w1080.jpg": (200, "image/jpeg", b"\xff\xd8\xff" + bytes(MAX_BYTES * 2)),
    f"/{BMP}_r1_s_w1080.jpg": (200, "image/bmp", encoded(photo((40, 30)), "BMP")),
}


# --- pure parts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "content_type", "body", "reason"),
    [
        (200, "image/jpeg", JPEG_BODY, None),
        (404, "text/html", b"<p>gone</p>", "http 404"),
        (200, "image/jpeg", b"", "empty body"),
        (200, "text/html; charset=utf-8", b"<!doctype html>", "not an image: text/html"),
        (200, "", b"\x00" * 64, "not an image: no content type"),
        (200, "image/bmp", ROUTES[f"/{BMP}_r1_s_w1080.jpg"][2], "unsupported format: BMP"),
        (200, "image/png", png_claiming(10_000, 5_000), "decompression bomb: 50000000 pixels > 40000000"),
        (200, "image/png", png_claiming(20_000, 10_000), "decompression bomb: over 178956970 pixels > 40000000"),
    ],
)
def test_check_image(status: int, content_type: str, body: bytes, reason: str | None) -> None:
    headers = {"Content-Type": content_type}
    response = Response("http://127.0.0.1/x.jpg", status=status, headers=headers, body=body)
    if reason is None:
        check_image(response, 40_000_000, MAX_BYTES)
    else:
        with pytest.raises(ImageRefused, match=f"^{reason}$"):
            check_image(response, 40_000_000, MAX_BYTES)


def test_check_image_refuses_a_download_stopped_for_its_declared_length() -> None:
    headers = {"Content-Type": "image/jpeg", "Content-Length": "400003"}
    response = Response("http://127.0.0.1/x.jpg", headers=headers, body=b"", flags=["download_stopped"])
    with pytest.raises(ImageRefused, match=f"^too large: 400003 bytes > {MAX_BYTES}$"):
        check_image(response, 40_000_000, MAX_BYTES)


def pipeline(tmp_path: Path, **settings) -> ArticleImagesPipeline:
    crawler = get_crawler(settings_dict={"NEWSCRAWL_DATA_DIR": str(tmp_path), **settings})
    return ArticleImagesPipeline.from_crawler(crawler)


def test_requests_ask_for_the_rendition_and_files_are_named_after_the_uuid(tmp_path: Path) -> None:
    images = pipeline(tmp_path, NEWSCRAWL_IMAGE_WIDTH=900, NEWSCRAWL_IMAGE_MAX_BYTES=1234)
    item = {"images": [{"url": f"https://gdb.voanews.com/{COVER}.jpg"}, {"url": "https://x.org/../b.gif"}]}
    first, odd = images.get_media_requests(item, None)
    assert first.url == f"https://gdb.voanews.com/{COVER}_r1_s_w900.jpg"
    assert first.meta["download_maxsize"] == 1234
    assert images.file_path(first) == f"full/{COVER}.jpg"
    assert images.thumb_path(first, "small") == f"thumbs/small/{COVER}.jpg"
    assert odd.url == "https://x.org/../b.gif"
    assert images.file_path(odd) == f"full/{hashlib.sha1(odd.url.encode()).hexdigest()}.jpg"


def test_store_defaults_to_the_data_dir_and_settings_override_it(tmp_path: Path) -> None:
    assert Path(pipeline(tmp_path).store.basedir) == tmp_path / "images"
    assert pipeline(tmp_path).thumbs == {}  # thumbnails only when asked
    assert pipeline(tmp_path, IMAGES_THUMBS='{"small": [320, 320]}').thumbs == {"small": (320, 320)}
    elsewhere = str(tmp_path / "elsewhere")
    assert pipeline(tmp_path, IMAGES_STORE=elsewhere).store.basedir == elsewhere


def test_negative_width_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="NEWSCRAWL_IMAGE_WIDTH must be at least 0, got -1"):
        pipeline(tmp_path, NEWSCRAWL_IMAGE_WIDTH=-1)


# --- real crawls -----------------------------------------------------------------------------


class ImageServer(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), ImageHandler)
        self.hits: Counter[str] = Counter()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class ImageHandler(BaseHTTPRequestHandler):
    server: ImageServer

    def do_GET(self) -> None:
        self.server.hits[self.path] += 1
        status, content_type, body = ROUTES.get(self.path, (404, "text/plain", b"not found"))
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if self.path not in UNDECLARED_LENGTH:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client refused a large body
            pass

    def log_message(self, format: str, *args) -> None:
        pass


@pytest.fixture(scope="module")
def server():
    image_server = ImageServer()
    thread = threading.Thread(target=image_server.serve_forever, daemon=True)
    thread.start()
    yield image_server
    image_server.shutdown()
    image_server.server_close()


def articles(origin: str) -> list[dict]:
    def image(uuid: str, is_cover: bool = False) -> dict:
        return {"url": f"{origin}/{uuid}.jpg", "caption": f"caption {uuid[:8]}", "is_cover": is_cover}

    return [
        {"article_id": "1", "title": "one", "images": [image(COVER, True), image(PNG), image(MISSING)]},
        {"article_id": "2", "title": "two", "images": [image(COVER, True), image(HTML), image(BOMB)]},
        {"article_id": "3", "title": "three", "images": [image(u) for u in (HUGE_BOMB, OVERSIZED, STREAMED, BMP)]},
        {"article_id": "4", "title": "four", "images": []},
    ]


@dataclass
class Run:
    items: dict[str, dict]  # by article id
    stats: dict
    hits: Counter[str]  # the server's requests by path, counted since the first run began


def crawl(workdir: Path, items_file: Path, data: Path, server: ImageServer) -> Run:
    """One ``scrapy runspider`` with the project's settings and the images pipeline."""
    workdir.mkdir()
    feed, stats = workdir / "items.jsonl", workdir / "stats.json"
    settings = {
        "ITEM_PIPELINES": json.dumps({PIPELINE: 300}),
        "NEWSCRAWL_DATA_DIR": str(data),
        "NEWSCRAWL_STATS_FILE": str(stats),
        "NEWSCRAWL_IMAGE_MAX_BYTES": str(MAX_BYTES),
        "NEWSCRAWL_PROGRESS_INTERVAL": "0",
        "AUTOTHROTTLE_ENABLED": "False",
        "IMAGES_THUMBS": json.dumps({"small": [320, 320]}),
    }
    command = [sys.executable, "-m", "scrapy", "runspider", str(SPIDER), "-a", f"items={items_file}"]
    command += ["-O", f"{feed}:jsonlines"]
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    items = {item["article_id"]: item for item in read_jsonl(feed)}
    return Run(items, json.loads(stats.read_text()), Counter(server.hits))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("images")


@pytest.fixture(scope="module")
def runs(server: ImageServer, store: Path) -> tuple[Run, Run]:
    """The same articles crawled twice into one data dir."""
    items_file = store / "articles.jsonl"
    items_file.write_text("".join(json.dumps(a) + "\n" for a in articles(server.origin)))
    return tuple(crawl(store / name, items_file, store / "data", server) for name in ("first", "second"))


def stored(store: Path, path: str) -> Image.Image:
    with Image.open(store / "data" / "images" / path) as image:
        image.load()
        return image


def test_images_are_stored_at_the_rendition_width_with_thumbnails(runs: tuple[Run, Run], store: Path) -> None:
    first, _ = runs
    cover, png = first.items["1"]["images"][:2]
    assert cover == {
        "url": f"{cover['url'].rsplit('/', 1)[0]}/{COVER}.jpg",
        "caption": f"caption {COVER[:8]}",
        "is_cover": True,
        "path": f"full/{COVER}.jpg",
        "checksum": hashlib.md5((store / "data/images/full" / f"{COVER}.jpg").read_bytes()).hexdigest(),
        "width": 1080,
        "height": 608,
        "thumbs": {"small": f"thumbs/small/{COVER}.jpg"},
    }
    assert stored(store, cover["path"]).size == (1080, 608)
    assert stored(store, cover["thumbs"]["small"]).size == (320, 180)
    # Stored as served: a PNG stays a PNG (its thumbnail is a JPEG, transparency on white).
    assert (png["path"], png["width"], png["height"]) == (f"full/{PNG}.jpg", 400, 300)
    assert stored(store, png["path"]).format == "PNG"
    assert stored(store, png["thumbs"]["small"]).size == (320, 240)


def test_stored_images_are_the_bytes_served(runs: tuple[Run, Run], store: Path) -> None:
    first, _ = runs
    for entry in first.items["1"]["images"][:2]:
        served = ROUTES[urlsplit(entry["url"].replace(".jpg", "_r1_s_w1080.jpg")).path][2]
        assert entry["checksum"] == hashlib.md5(served).hexdigest()  # noqa: S324 - Scrapy's checksum
        assert (store / "data/images" / entry["path"]).read_bytes() == served


def test_an_image_shown_by_two_articles_is_fetched_once(runs: tuple[Run, Run]) -> None:
    first, _ = runs
    assert first.hits[f"/{COVER}_r1_s_w1080.jpg"] == 1
    assert first.hits[f"/{COVER}.jpg"] == 0  # the rendition, never the original
    assert first.items["2"]["images"][0] == first.items["1"]["images"][0]
    assert first.stats["newscrawl/images/downloaded"] == 2


def test_refused_images_say_why_and_the_articles_are_kept(runs: tuple[Run, Run], store: Path) -> None:
    first, _ = runs
    entries = [image for item in first.items.values() for image in item["images"]]
    assert {image["url"].rsplit("/", 1)[1]: image.get("error") for image in entries} == {
        f"{COVER}.jpg": None,
        f"{PNG}.jpg": None,
        f"{MISSING}.jpg": "http 404",
        f"{HTML}.jpg": "not an image: text/html",
        f"{BOMB}.jpg": "decompression bomb: 50000000 pixels > 40000000",
        f"{HUGE_BOMB}.jpg": "decompression bomb: over 178956970 pixels > 40000000",
        f"{OVERSIZED}.jpg": f"too large: {MAX_BYTES * 2 + 3} bytes > {MAX_BYTES}",
        f"{STREAMED}.jpg": f"too large: over {MAX_BYTES} bytes",
        f"{BMP}.jpg": "unsupported format: BMP",
    }
    assert sorted(first.items) == ["1", "2", "3", "4"]
    assert first.items["4"]["images"] == []
    assert "path" not in first.items["1"]["images"][2]
    prefix = "newscrawl/images/failed/"
    failed = {key.removeprefix(prefix): n for key, n in first.stats.items() if key.startswith(prefix)}
    assert failed == {"http": 1, "not_image": 1, "bomb": 2, "too_large": 2, "format": 1}
    stored_files = sorted(p.name for p in (store / "data" / "images" / "full").iterdir())
    assert stored_files == [f"{COVER}.jpg", f"{PNG}.jpg"]


def test_a_later_run_keeps_stored_images_and_retries_refused_ones(runs: tuple[Run, Run]) -> None:
    first, second = runs
    assert second.hits[f"/{COVER}_r1_s_w1080.jpg"] == 1
    assert second.hits[f"/{PNG}_r1_s_w1080.jpg"] == 1
    assert second.hits[f"/{MISSING}_r1_s_w1080.jpg"] == 2
    assert second.stats["newscrawl/images/uptodate"] == 2
    assert "newscrawl/images/downloaded" not in second.stats
    assert second.items["1"]["images"] == first.items["1"]["images"]
