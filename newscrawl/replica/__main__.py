"""``python -m newscrawl.replica --size 200 --seed 1 [--seed-doc PATH ...] [--port 0] [--revise ID,...]``

Prints ``serving http://127.0.0.1:PORT`` once ready, then serves until SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import signal
import threading

from newscrawl.replica import ReplicaSite, serve


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m newscrawl.replica", description=__doc__.splitlines()[2])
    parser.add_argument("--size", type=int, default=200, help="generated articles (default 200, at least 10)")
    parser.add_argument("--seed", type=int, default=1, help="the same seed gives the same site (default 1)")
    parser.add_argument("--seed-doc", action="append", default=[], metavar="PATH", help="an archived document to serve too")
    parser.add_argument("--site", default="voachinese", help="site key from newscrawl.sites (default voachinese)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    parser.add_argument("--revise", default="", metavar="ID,...", help="articles served in a second revision")
    args = parser.parse_args(argv)
    revised = frozenset(ident.strip() for ident in args.revise.split(",") if ident.strip())
    site = ReplicaSite(size=args.size, seed=args.seed, seed_documents=args.seed_doc, site=args.site, revised=revised)
    server = serve(site, args.host, args.port)
    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    print(f"serving {server.base_url}", flush=True)
    stopped.wait()
    server.stop()


if __name__ == "__main__":
    main()
