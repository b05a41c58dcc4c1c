"""An offline replica of a Pangea site (voachinese.com by default) for tests and benchmarks.

    site = ReplicaSite(size=50, seed=1, seed_documents=(path,))
    with serve(site) as server:   # server.base_url: http://127.0.0.1:<port>, a background thread
        site.truth(site.article_ids()[0])   # what a perfect crawl outputs for that article

``python -m newscrawl.replica --size 200`` serves one from the command line.
``serve(site, faults=FaultPlan(kinds, rate, seed))`` makes some responses faulty on purpose
(see :mod:`newscrawl.replica.faults`).
"""

from newscrawl.replica.faults import FaultPlan
from newscrawl.replica.server import ReplicaServer, serve
from newscrawl.replica.site import ReplicaSite

__all__ = ["FaultPlan", "ReplicaServer", "ReplicaSite", "serve"]
