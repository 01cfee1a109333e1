#!/usr/bin/env bash
# Install hgcrawler and what it needs on a Debian machine (run as root or with sudo).
#   bash scripts/setup.sh          # the crawler (pip install -e .) and Debian's Chromium
#   bash scripts/setup.sh --test   # the same plus the test and lint tools
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

# Debian's Chromium renders JavaScript-filled pages (scrapy-playwright drives it;
# Playwright's own browser download is not used).
if [ ! -x /usr/bin/chromium ]; then
    echo "setup: installing Debian's chromium" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

PYTHON="${PYTHON:-python3}"
extras=""
if [ "${1:-}" = "--test" ]; then extras="[test]"; fi
echo "setup: pip install -e .${extras}" >&2
"$PYTHON" -m pip install -q --disable-pip-version-check -e ".${extras}"
# pyenv installs console scripts behind shims that need a rehash
if command -v pyenv >/dev/null 2>&1; then pyenv rehash || true; fi
echo "setup: done ($("$PYTHON" -m scrapy version 2>/dev/null || echo 'scrapy ?'))" >&2
