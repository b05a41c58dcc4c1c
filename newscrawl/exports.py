"""Crash-safe local feed files, and JSON Lines written by orjson.

Scrapy's file storage writes straight into the feed file, so a killed crawl leaves a feed with
a truncated last line. :class:`AtomicFileFeedStorage` writes into ``<feed>.partial`` (locked
while its crawl runs) and moves it into place only when the crawl closes the feed. A later run
finds the partial files whose crawl died (their lock is free), keeps their complete lines and
moves them into place: no feed ever holds a truncated line. Lines are written unbuffered.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
from pathlib import Path
from typing import IO, Any

import orjson
from scrapy import Spider
from scrapy.exporters import JsonLinesItemExporter
from scrapy.extensions.feedexport import FileFeedStorage

logger = logging.getLogger(__name__)

PARTIAL_SUFFIX = ".partial"


class AtomicFileFeedStorage(FileFeedStorage):
    def open(self, spider: Spider) -> IO[bytes]:
        final = Path(self.path)
        final.parent.mkdir(parents=True, exist_ok=True)
        recover_partial_feeds(final.parent)
        # Unbuffered: each item's line reaches the file as it is exported, moments after the
        # store saved the item, so a killed crawl's feed lacks at most the item in between.
        partial = final.with_name(final.name + PARTIAL_SUFFIX).open("wb", buffering=0)
        fcntl.flock(partial, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return partial

    def store(self, file: IO[bytes]) -> None:
        file.flush()
        os.fsync(file.fileno())
        partial = Path(file.name)
        if self.write_mode == "wb":
            os.replace(partial, self.path)
        else:  # -o appends to what the feed already holds
            with Path(self.path).open("ab") as final, partial.open("rb") as source:
                shutil.copyfileobj(source, final)
            partial.unlink()
        file.close()


class OrjsonLinesItemExporter(JsonLinesItemExporter):
    """Scrapy's JSON Lines, each line made by orjson: UTF-8, nothing escaped that need not be,
    no spaces between tokens. A feed asking for another encoding, or ``ensure_ascii``, gets
    Scrapy's encoder."""

    def export_item(self, item: Any) -> None:
        if self.encoding not in ("utf-8", "utf8") or self._kwargs.get("ensure_ascii"):
            super().export_item(item)
            return
        itemdict = dict(self.get_serialized_fields(item))
        self.file.write(orjson.dumps(itemdict, default=self.encoder.default, option=orjson.OPT_APPEND_NEWLINE))


def recover_partial_feeds(directory: Path) -> list[Path]:
    """Moves into place the partial feeds of crashed crawls in ``directory``, cut after their
    last complete line. Partial feeds of running crawls (still locked) are left alone."""
    recovered = []
    for partial in sorted(directory.glob("*" + PARTIAL_SUFFIX)):
        with partial.open("r+b") as file:
            try:
                fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # its crawl is still running
            dropped = _cut_after_last_line(file)
        final = partial.with_name(partial.name.removesuffix(PARTIAL_SUFFIX))
        os.replace(partial, final)
        recovered.append(final)
        logger.warning(
            "Recovered feed %(feed)s of a crawl that did not finish (dropped %(bytes)d bytes of a truncated line)",
            {"feed": final, "bytes": dropped},
        )
    return recovered


def _cut_after_last_line(file: Any) -> int:
    """Truncates an open binary file after its last newline; returns the bytes removed."""
    size = file.seek(0, os.SEEK_END)
    keep = size
    while keep > 0:
        step = min(keep, 64 * 1024)
        file.seek(keep - step)
        chunk = file.read(step)
        newline = chunk.rfind(b"\n")
        if newline >= 0:
            keep = keep - step + newline + 1
            break
        keep -= step
    file.truncate(keep)
    return size - keep
