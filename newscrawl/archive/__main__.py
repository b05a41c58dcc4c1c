"""python -m newscrawl.archive FEED.jsonl OUTDIR [--image-proxy PREFIX] [--image-width N]

Renders every article of a JSON Lines feed (a run's feed or a store export) into OUTDIR in
the mirror document format, one file per article, and writes OUTDIR/index.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from newscrawl.archive.writer import ArchiveWriter


def read_items(feed: Path) -> Iterator[dict]:
    with feed.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    raise SystemExit(f"{feed}:{number}: not a JSON line ({exc})") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m newscrawl.archive", description=__doc__.splitlines()[2])
    parser.add_argument("feed", type=Path, help="JSON Lines feed of article items")
    parser.add_argument("outdir", type=Path, help="archive directory (created if missing)")
    parser.add_argument("--image-proxy", default="", help="prefix for image URLs, e.g. https://images.weserv.nl?url=")
    parser.add_argument("--image-width", type=int, default=None, help="width of the image rendition to link")
    args = parser.parse_args(argv)
    writer = ArchiveWriter(args.outdir, image_proxy=args.image_proxy, image_width=args.image_width)
    count = writer.write_all(read_items(args.feed))
    print(f"archived {count} articles in {args.outdir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
