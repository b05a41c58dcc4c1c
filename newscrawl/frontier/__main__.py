"""The shared frontier's command line: queue a site's sources for the workers, or show the state."""

from __future__ import annotations

import argparse
import json
import os
import sys

from newscrawl.frontier.shared import seed, status


def _common_options(defaults: bool) -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--redis-url", help="default: NEWSCRAWL_REDIS_URL",
                        default=os.environ.get("NEWSCRAWL_REDIS_URL") if defaults else argparse.SUPPRESS)
    common.add_argument("--site", default="voachinese" if defaults else argparse.SUPPRESS)
    return common


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m newscrawl.frontier", description=__doc__.splitlines()[0],
                                     parents=[_common_options(defaults=True)])
    commands = parser.add_subparsers(dest="command", required=True)
    # Given after the command too; only the main parser sets defaults, so they do not undo it.
    seeding = commands.add_parser("seed", parents=[_common_options(defaults=False)],
                                  help="queue the site's sources (feeds, sitemaps, sections) or the URLs")
    seeding.add_argument("urls", nargs="*")
    seeding.add_argument("--new-run", action="store_true", help="forget what earlier runs saw first")
    commands.add_parser("status", parents=[_common_options(defaults=False)],
                        help="print the shared frontier's state as JSON")
    args = parser.parse_args(argv)
    if not args.redis_url:
        parser.error("no Redis: give --redis-url or set NEWSCRAWL_REDIS_URL")
    if args.command == "seed":
        count = seed(args.redis_url, args.site, args.urls, args.new_run)
        print(f"queued {count} requests for {args.site}")
    else:
        print(json.dumps(status(args.redis_url, args.site), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
