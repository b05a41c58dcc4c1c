"""Writes the store's latest items as JSON Lines, oldest first, one article per line::

    python -m newscrawl.store.export articles.jsonl
    python -m newscrawl.store.export - --since 2025-01-01 | gzip > 2025.jsonl.gz
    python -m newscrawl.store.export out.jsonl --database-url postgresql://crawler@db/news

The store is read as the crawl left it: SQLite in ``--data-dir`` (``NEWSCRAWL_DATA_DIR``,
else ``./data``) unless ``--database-url`` (``NEWSCRAWL_DATABASE_URL``) names PostgreSQL.
Items are streamed, so the store may be larger than memory.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import TextIO

from newscrawl.errors import ConfigurationError, NewscrawlError
from newscrawl.store import SQLITE_FILE, open_store


def write_jsonl(items: Iterable[dict], out: TextIO) -> int:
    """Writes one compact JSON object per line (UTF-8 as is, not ``\\u`` escapes); returns
    how many.

    >>> import io
    >>> out = io.StringIO()
    >>> write_jsonl([{"title": "美国之音"}, {"title": "VOA"}], out), out.getvalue()
    (2, '{"title": "美国之音"}\\n{"title": "VOA"}\\n')
    """
    count = 0
    for count, item in enumerate(items, start=1):
        out.write(json.dumps(item, ensure_ascii=False) + "\n")
    return count


def parse_day(value: str) -> datetime:
    """Midnight UTC of a ``YYYY-MM-DD`` day.

    >>> parse_day("2025-02-18")
    datetime.datetime(2025, 2, 18, 0, 0, tzinfo=datetime.timezone.utc)
    """
    try:
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {value!r}") from None


def _output(name: str) -> TextIO:
    # Standard output too is written as UTF-8, whatever the locale says.
    return open(sys.stdout.fileno() if name == "-" else name, "w", encoding="utf-8", closefd=name != "-")


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(prog="python -m newscrawl.store.export", description=__doc__.split("\n")[0])
    cli.add_argument("out", help="the JSON Lines file to write, or - for standard output")
    cli.add_argument("--since", type=parse_day, help="only articles published on or after this day (UTC)")
    cli.add_argument("--database-url", default=os.environ.get("NEWSCRAWL_DATABASE_URL", ""),
                     help="postgresql:// URL of the store (default: NEWSCRAWL_DATABASE_URL, else SQLite)")
    cli.add_argument("--data-dir", type=Path, default=Path(os.environ.get("NEWSCRAWL_DATA_DIR") or "data"),
                     help="data directory holding the SQLite store (default: NEWSCRAWL_DATA_DIR, else ./data)")
    return cli


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if not args.database_url and not (args.data_dir / SQLITE_FILE).exists():
            raise ConfigurationError(f"no store at {args.data_dir / SQLITE_FILE}: check --data-dir or --database-url")
        with open_store(args.database_url, args.data_dir) as store, _output(args.out) as out:
            count = write_jsonl(store.iter_items(since=args.since), out)
    except NewscrawlError as exc:
        print(f"export: {exc}", file=sys.stderr)
        return 1
    print(f"export: {count} articles written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
