"""Fixtures shared by every test directory."""

import os

from hypothesis import settings

pytest_plugins = ["tests.servers"]

# Fuzz tests (tests/fuzz) run derandomized by default, so the suite is the same on every run
# and in CI; HYPOTHESIS_PROFILE=explore searches anew each run, with many more examples.
settings.register_profile("ci", max_examples=300, derandomize=True, deadline=None, database=None, print_blob=True)
settings.register_profile("explore", max_examples=3000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
