#!/usr/bin/env bash
# Every check: ruff, mypy and the pytest suite (real SecantusDB, real replica
# portal on loopback, real headless Chromium). See docs/development.md.
#   bash scripts/test.sh            set up, then everything, the suite on parallel workers (CI)
#   bash scripts/test.sh --quick    no set-up; ruff, mypy and the quick tier (under a minute)
#   bash scripts/test.sh --no-setup everything but the set-up (a machine whose install
#                                   must stay as it is, e.g. shared by several checkouts)
# Further arguments go to pytest, e.g. `bash scripts/test.sh -k warc`;
# `--save-durations` rewrites tests/durations.json (the order a fresh clone runs in).
# HGCRAWLER_TEST_WORKERS sets the number of pytest-xdist workers (default 4).
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
setup=1
if [ "${1:-}" = "--quick" ]; then
    quick=1
    setup=0
    shift
elif [ "${1:-}" = "--no-setup" ]; then
    setup=0
    shift
fi
[ "$setup" = 0 ] || bash scripts/setup.sh --test
PYTHON="${PYTHON:-python3}"
"$PYTHON" -m ruff check .
"$PYTHON" -m ruff format --check .
# mypy runs beside the tests (it needs a core for ~10 s, the tests mostly wait);
# its verdict is printed, and counted, when the tests are done.
types="$(mktemp)"
trap 'rm -f "$types"' EXIT
"$PYTHON" -m mypy >"$types" 2>&1 &
mypy_pid=$!
status=0
if [ "$quick" = 1 ]; then
    # tests/conftest.py marks `quick` the tests that need no database server,
    # browser, process of their own or module-built crawl
    "$PYTHON" -m pytest -q -m quick "$@" || status=$?
else
    # loadgroup: a module's built fixture (a crawl, a server) and the shared archive
    # are built once, on one worker (tests/conftest.py sets the groups); the order
    # is tests/conftest.py's, longest first
    "$PYTHON" -m pytest -q -n "${HGCRAWLER_TEST_WORKERS:-4}" --dist loadgroup \
        --no-loadscope-reorder "$@" || status=$?
fi
mypy_status=0
wait "$mypy_pid" || mypy_status=$?
cat "$types"
if [ "$mypy_status" -ne 0 ]; then echo "test.sh: mypy failed" >&2; fi
if [ "$status" -ne 0 ]; then echo "test.sh: pytest failed (exit $status)" >&2; fi
[ "$status" -eq 0 ] && [ "$mypy_status" -eq 0 ]
