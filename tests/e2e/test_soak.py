"""End-to-end: the soak script, small, with every fault kind mixed in (the README quotes its
20,000-article run)."""

import subprocess
import sys

from newscrawl.replica.faults import KINDS
from tests.crawling import CRAWL_TIMEOUT, REPO


def test_a_small_soak_loses_nothing_and_judges_every_fault_kind_right(tmp_path):
    command = [sys.executable, "scripts/soak.py", "--size", "150", "--rate", "0.1", "--timeout", "3",
               "--workdir", str(tmp_path / "soak")]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=CRAWL_TIMEOUT)
    assert done.returncode == 0, done.stdout + done.stderr
    rows = [line for line in done.stdout.splitlines() if line.endswith("]")][1:]
    assert len(rows) == len(KINDS) and all(row.endswith("[yes]") for row in rows), done.stdout
    assert "articles lost or stored wrong: 0" in done.stdout
    assert "finish reason 'finished'" in done.stdout and "log_count/ERROR 0;" in done.stdout
