"""The browser in a crawl: scrapy-playwright's provider, started late, and its
download handler, whose every request — Scrapy's and the browser's — keeps its
host's pace (:mod:`hgcrawler.fetch.pace`).

Loaded through the settings :func:`hgcrawler.fetch.rendering.playwright_settings` gives
(``DOWNLOAD_HANDLERS``, ``PLAYWRIGHT_BROWSER_PROVIDER``), so a crawl that never
renders does not even import Playwright.
"""

from __future__ import annotations

import inspect
import logging
from typing import TYPE_CHECKING, Any

from playwright.async_api import Browser
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler
from scrapy_playwright.provider import PlaywrightBrowserProvider

from hgcrawler.config import crawl_config
from hgcrawler.fetch.pace import HostPacing, paced_download

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response

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


class PacedPlaywrightDownloadHandler(ScrapyPlaywrightDownloadHandler):
    """scrapy-playwright's handler, paced per host (:mod:`hgcrawler.fetch.pace`): a plain
    request on its host's turn, and each request of a rendered page — the page, its
    scripts, its counter request — on its host's turn too, through the route hook
    scrapy-playwright calls before any request of the page goes out (its
    ``abort_request``; ours, :func:`hgcrawler.fetch.rendering.should_abort_request`, is
    asked first)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.pacing = crawler.get_extension(HostPacing)
        render = crawl_config(crawler).render
        # an answer holds its host's place at most as long as a page may take
        self.hold_timeout = (render.navigation_timeout_ms + render.wait_ms) / 1000 + 5
        self.blocked: Any = self.abort_request  # type: ignore[has-type]
        self.abort_request = self.abort_or_pace

    async def download_request(self, request: Request) -> Response:
        if request.meta.get("playwright"):
            return await super().download_request(request)
        return await paced_download(self.pacing, request, super().download_request)

    async def abort_or_pace(self, browser_request: Any) -> bool:
        """True: not sent (a blocked resource); else sent when its host's turn comes."""
        if self.blocked is not None:
            blocked = self.blocked(browser_request)
            if inspect.isawaitable(blocked):
                blocked = await blocked
            if blocked:
                return True
        if self.pacing is not None:
            await self.pacing.browser_request(
                str(browser_request.url), _answered(browser_request), self.hold_timeout
            )
        return False


async def _answered(browser_request: Any) -> None:
    """Until the browser has the answer to ``browser_request`` (or it failed)."""
    response = await browser_request.response()
    if response is not None:
        await response.finished()
