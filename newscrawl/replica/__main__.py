"""``python -m newscrawl.replica --size 200 --seed 1 [--seed-doc PATH ...] [--port 0] [--revise ID,...]``

Faults on purpose: ``--faults KIND,KIND|all --fault-rate 0.05 --fault-seed 1 [--fault-delay S]
[--fault-oversize-bytes N] [--fault-bomb-bytes N] [--big-sitemap]``; the injected ones are listed
at ``/__replica__/faults.json``. Prints ``serving http://127.0.0.1:PORT`` once ready, then serves until SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import signal
import threading

from newscrawl.errors import ConfigurationError
from newscrawl.replica import FaultPlan, ReplicaSite, serve
from newscrawl.replica.faults import kinds_table


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m newscrawl.replica", description=__doc__.splitlines()[0].strip("`"),
        epilog="fault kinds:\n" + kinds_table(), formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--size", type=int, default=200, help="generated articles (default 200, at least 10)")
    parser.add_argument("--seed", type=int, default=1, help="the same seed gives the same site (default 1)")
    parser.add_argument("--seed-doc", action="append", default=[], metavar="PATH", help="an archived document to serve too")
    parser.add_argument("--site", default="voachinese", help="a site of newscrawl.sites, by key or host (default voachinese)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    parser.add_argument("--revise", default="", metavar="ID,...", help="articles served in a second revision")
    parser.add_argument("--faults", default="", metavar="KIND,...|all", help="fault kinds to inject (default none)")
    parser.add_argument("--fault-rate", type=float, default=0.05, help="share of responses made faulty (default 0.05)")
    parser.add_argument("--fault-seed", type=int, default=1, help="the same seed gives the same faults (default 1)")
    parser.add_argument("--fault-delay", type=float, default=FaultPlan.delay, help="seconds a timeout holds, an endless image streams")
    parser.add_argument("--fault-oversize-bytes", type=int, default=FaultPlan.oversize_bytes)
    parser.add_argument("--fault-bomb-bytes", type=int, default=FaultPlan.bomb_bytes, help="what a gzip bomb inflates to")
    parser.add_argument("--big-sitemap", action="store_true", help="sitemap children of up to 50,000 URLs")
    args = parser.parse_args(argv)
    revised = frozenset(ident.strip() for ident in args.revise.split(",") if ident.strip())
    try:
        site = ReplicaSite(size=args.size, seed=args.seed, seed_documents=args.seed_doc, site=args.site, revised=revised)
    except ConfigurationError as exc:
        parser.error(str(exc))
    plan = FaultPlan.parse(
        args.faults, rate=args.fault_rate, seed=args.fault_seed, delay=args.fault_delay,
        oversize_bytes=args.fault_oversize_bytes, bomb_bytes=args.fault_bomb_bytes, big_sitemap=args.big_sitemap,
    )
    server = serve(site, args.host, args.port, faults=plan)
    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    print(f"serving {server.base_url}", flush=True)
    stopped.wait()
    server.stop()


if __name__ == "__main__":
    main()
