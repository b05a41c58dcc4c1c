"""Writing articles into a Markdown archive directory, one file per article, plus an index."""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from newscrawl.archive.document import DocumentError, link_text, parse_document, render_document
from newscrawl.errors import NewscrawlError

INDEX_NAME = "index.md"
_SAFE_ID = re.compile(r"[0-9]{1,20}")
_SAFE_SITE = re.compile(r"[a-z0-9_-]{1,40}")


class ArchiveError(NewscrawlError):
    """An article cannot be archived (the message says why)."""


def document_name(item: dict) -> str:
    """The archive file of an article, relative to the archive: ``<site>/<article id>.txt``.

    Stable for the life of the article (titles and dates change; the id does not) and safe
    whatever the item holds, since only validated ids and site keys reach the file system.

    >>> document_name({"site": "voachinese", "article_id": "7978772"})
    'voachinese/7978772.txt'
    >>> document_name({"site": "voachinese", "article_id": "../../etc/passwd"})
    Traceback (most recent call last):
    ...
    newscrawl.archive.writer.ArchiveError: unsafe article id '../../etc/passwd'
    """
    article_id, site = str(item.get("article_id", "")), str(item.get("site", ""))
    if not _SAFE_ID.fullmatch(article_id):
        raise ArchiveError(f"unsafe article id {article_id!r}")
    if not _SAFE_SITE.fullmatch(site):
        raise ArchiveError(f"unsafe site key {site!r}")
    return f"{site}/{article_id}.txt"


@dataclass
class ArchiveWriter:
    """Renders items into ``root`` in the mirror document format, atomically per file."""

    root: Path
    image_proxy: str = ""
    image_width: int | None = None

    def write(self, item: dict) -> Path:
        path = self.root / document_name(item)
        text = render_document(item, image_proxy=self.image_proxy, image_width=self.image_width)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(text, encoding="utf-8", newline="\n")
        os.replace(temporary, path)  # a crash never leaves a half-written document
        return path

    def write_all(self, items: Iterable[dict]) -> int:
        count = 0
        for item in items:
            self.write(item)
            count += 1
        self.write_index()
        return count

    def write_index(self) -> Path:
        """``index.md``: every archived article by publication day, newest first."""
        days: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
        for path in sorted(self.root.glob("*/*.txt")):
            try:
                doc = parse_document(path.read_text(encoding="utf-8"))
            except (DocumentError, OSError, UnicodeDecodeError):
                continue
            relative = path.relative_to(self.root).as_posix()
            days[doc.published_at.date().isoformat()].append((doc.published_at.isoformat(), doc.title, relative))
        lines = ["# Archive", ""]
        for day in sorted(days, reverse=True):
            lines += [f"## {day}", ""]
            lines += [f"- [{link_text(title)}]({relative})" for _, title, relative in sorted(days[day], reverse=True)]
            lines.append("")
        index = self.root / INDEX_NAME
        self.root.mkdir(parents=True, exist_ok=True)
        index.write_text("\n".join(lines), encoding="utf-8")
        return index

