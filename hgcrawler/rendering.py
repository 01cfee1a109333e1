"""JavaScript rendering through scrapy-playwright and Debian's Chromium, on demand only.

The spider fetches every page with Scrapy's plain HTTP client. Only an article
page whose static HTML lacks what it should hold (a "Số lần xem" label with no
number, or no text at all) is fetched again in headless Chromium. This module
holds the settings (:class:`RenderConfig`), the Scrapy settings that wire
scrapy-playwright in, and the browser's memory accounting.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from hgcrawler.config import RenderConfig

logger = logging.getLogger(__name__)

PLAYWRIGHT_HANDLER = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Resources a rendered page does not need to fill its counter.
BLOCKED_RESOURCE_TYPES = frozenset(("image", "media", "font", "stylesheet"))

# True once the page shows a number after "Số lần xem" (NFC- and case-insensitive).
COUNTER_FILLED_JS = r"""() => {
  const text = (document.body ? document.body.innerText : "").normalize("NFC");
  return /s[ốo]\s+l[ầa]n\s+xem\s*:?\s*\[?\s*\d/i.test(text);
}"""


def playwright_settings(config: RenderConfig) -> dict[str, Any]:
    """Scrapy settings that route ``meta["playwright"]`` requests through Chromium.

    Requests without that meta key still go through Scrapy's own HTTP client.
    """
    return {
        "DOWNLOAD_HANDLERS": {"http": PLAYWRIGHT_HANDLER, "https": PLAYWRIGHT_HANDLER},
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {
            "executable_path": config.chromium_path,
            "headless": True,
            "args": chromium_args(),
        },
        "PLAYWRIGHT_MAX_CONTEXTS": 1,
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": config.max_pages,
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": config.navigation_timeout_ms,
        "PLAYWRIGHT_ABORT_REQUEST": "hgcrawler.rendering.should_abort_request",
    }


def chromium_args(euid: int | None = None) -> list[str]:
    """Chromium's flags. Its sandbox stays on, except as root, where Chromium refuses
    to start with it (run crawls as an ordinary user to keep page scripts sandboxed)."""
    euid = os.geteuid() if euid is None else euid
    return [*CHROMIUM_ARGS, "--no-sandbox"] if euid == 0 else list(CHROMIUM_ARGS)


def should_abort_request(request: Any) -> bool:
    """Playwright route filter: skip images, fonts, media and stylesheets."""
    return str(getattr(request, "resource_type", "")) in BLOCKED_RESOURCE_TYPES


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(p) for p in handle.read().split()]
    except OSError:
        return []


def _pss_bytes(pid: int) -> int:
    """Proportional set size: shared pages split between the processes sharing them."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return 0


def _command(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().split(b"\0")[0].decode("utf-8", "replace")
    except OSError:
        return ""


def browser_rss_bytes(root_pid: int | None = None) -> int:
    """Memory (PSS) of every Chromium process descended from ``root_pid`` (this process)."""
    total = 0
    stack = _children(root_pid or os.getpid())
    while stack:
        pid = stack.pop()
        stack.extend(_children(pid))
        if "chrom" in Path(_command(pid)).name:
            total += _pss_bytes(pid)
    return total
