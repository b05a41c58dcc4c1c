"""Publishing the Markdown archive as a git repository: one commit per run, pushed when the
repository has the configured remote. Runs the ``git`` command line (what mirror operators
use and configure: credentials, SSH, hooks), with no shell."""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path

logger = logging.getLogger(__name__)

GIT_TIMEOUT = 300
# Used only where the repository and the user configure no identity of their own.
DEFAULT_IDENTITY = ("-c", "user.name=newscrawl", "-c", "user.email=newscrawl@localhost")


class ArchiveGitError(Exception):
    pass


def git(repo: Path, *arguments: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *arguments], capture_output=True, text=True, timeout=GIT_TIMEOUT)
    if done.returncode:
        raise ArchiveGitError(f"git {' '.join(arguments)}: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


def commit_run(archive: Path, message: str, remote: str) -> dict:
    """Commits everything new or changed in ``archive`` (initialising the repository on first
    use) with ``message``, and pushes to ``remote`` when configured. Returns what was done:
    ``{"commit": sha or None, "pushed": remote or None}``."""
    archive.mkdir(parents=True, exist_ok=True)
    if not (archive / ".git").exists():
        git(archive, "init", "--quiet")
    git(archive, "add", "--all")
    if not git(archive, "status", "--porcelain"):
        return {"commit": None, "pushed": None}
    identity = () if _has_identity(archive) else DEFAULT_IDENTITY
    git(archive, *identity, "commit", "--quiet", "--message", message)
    sha = git(archive, "rev-parse", "HEAD").strip()
    pushed = None
    if remote in git(archive, "remote").split():
        git(archive, "push", "--quiet", remote, "HEAD")
        pushed = remote
    logger.info("Archive commit %(sha)s: %(message)s%(pushed)s",
                {"sha": sha[:12], "message": message, "pushed": f", pushed to {remote}" if pushed else ""})
    return {"commit": sha, "pushed": pushed}


def _has_identity(repo: Path) -> bool:
    done = subprocess.run(["git", "-C", str(repo), "config", "user.email"], capture_output=True, text=True)
    return done.returncode == 0 and bool(done.stdout.strip())
