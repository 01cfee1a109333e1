#!/usr/bin/env bash
# Set up and run every check: ruff, mypy and the pytest suite (real SecantusDB,
# real replica portal on loopback, real headless Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
PYTHON="${PYTHON:-python3}"
"$PYTHON" -m ruff check .
"$PYTHON" -m ruff format --check .
"$PYTHON" -m mypy
"$PYTHON" -m pytest -q "$@"
