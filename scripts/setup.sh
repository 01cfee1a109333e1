#!/usr/bin/env bash
# Install hgcrawler and what it needs on a Debian machine (run as root or with sudo).
#   bash scripts/setup.sh          # the crawler (pip install -e .) and Debian's Chromium
#   bash scripts/setup.sh --test   # the same plus the test and lint tools
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

# Debian's Chromium renders JavaScript-filled pages (scrapy-playwright drives it;
# Playwright's own browser download is not used). The crawler uses the headless
# shell (the same Chromium without its user interface: ~100 MB less per crawl);
# the full browser is the fallback, and opens the HTML report in the tests.
missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
[ -x /usr/bin/chromium-headless-shell ] || missing="$missing chromium-headless-shell"
if [ -n "$missing" ]; then
    echo "setup: installing Debian's$missing" >&2
    $SUDO apt-get update -qq
    # shellcheck disable=SC2086 # one word per package
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi

PYTHON="${PYTHON:-python3}"
extras=""
if [ "${1:-}" = "--test" ]; then extras="[test]"; fi
echo "setup: pip install -e .${extras}" >&2
"$PYTHON" -m pip install -q --disable-pip-version-check -e ".${extras}"
# pyenv installs console scripts behind shims that need a rehash
if command -v pyenv >/dev/null 2>&1; then pyenv rehash || true; fi
echo "setup: done ($("$PYTHON" -m scrapy version 2>/dev/null || echo 'scrapy ?'))" >&2
