#!/usr/bin/env bash
# Installs everything, then runs the whole test suite (tests start the servers they use).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec python3 -m pytest -q "$@"
