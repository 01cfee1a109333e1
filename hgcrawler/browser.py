"""The browser's lifecycle in a crawl: scrapy-playwright's provider, started late.

Imported by scrapy-playwright only (``PLAYWRIGHT_BROWSER_PROVIDER``, set by
:func:`hgcrawler.rendering.playwright_settings`), so a crawl that never renders
does not even import Playwright.
"""

from __future__ import annotations

import logging

from playwright.async_api import Browser
from scrapy_playwright.provider import PlaywrightBrowserProvider

logger = logging.getLogger(__name__)


class LazyBrowserProvider(PlaywrightBrowserProvider):
    """scrapy-playwright's browser provider, except that the Playwright driver (a
    Node.js process, ~115 MB) starts with the first page to render, not with the
    crawl: a crawl that renders nothing (most pages' counters are in their HTML)
    starts no driver and no browser. scrapy-playwright awaits ``start`` when the
    engine starts and ``launch_browser`` (behind its lock) for the first page."""

    async def start(self) -> None:
        """Nothing yet: the driver starts in :meth:`launch_browser`."""

    async def launch_browser(self) -> Browser:
        if self.playwright is None:
            logger.info("Starting the Playwright driver for the first page to render")
            await super().start()
        return await super().launch_browser()

    async def close(self) -> None:
        if self.playwright_context_manager is not None:
            await super().close()
