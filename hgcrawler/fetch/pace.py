"""One pace per host for every request a crawl causes: Scrapy's and the browser's.

Scrapy's downloader spaces the requests it sends to a host by ``DOWNLOAD_DELAY``
and bounds them by ``CONCURRENT_REQUESTS_PER_DOMAIN`` (the site profile's
politeness), but a page rendered in Chromium is one Scrapy request for many
HTTP requests — the page, its scripts, the counter request its script sends —
that the downloader never sees; and once the browser has the page, the next
Scrapy request (often that page's counter endpoint) followed at once: the portal
saw requests 40–70 ms apart under a profile of 0.5 s.

:class:`HostPacing` (an extension) keeps one :class:`HostPace` per host, which
both sides go through at the moment a request is really sent:

- Scrapy's requests in the download handler (:class:`PacedHTTPDownloadHandler`,
  and :class:`hgcrawler.fetch.browser.PacedPlaywrightDownloadHandler` when rendering is
  on), after the downloader's own delay: at least the least delay the profile
  allows (``DOWNLOAD_DELAY`` less its jitter) after any request to the host;
- the browser's requests in scrapy-playwright's route hook (its
  ``abort_request``), before each goes out: a full ``DOWNLOAD_DELAY`` after any
  request to the host.

Each holds one of the host's ``CONCURRENT_REQUESTS_PER_DOMAIN`` places until its
answer has arrived.  A rendered page's Scrapy request itself sends nothing (its
browser does): it goes through the downloader in a slot of its own
(:func:`browser_slot`), so that it never holds the host's place its own page's
requests wait for.  The delay is the host's download slot's current one when
AutoThrottle has raised it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response

__all__ = ["HostPace", "HostPacing", "PacedHTTPDownloadHandler", "browser_slot", "host_of"]

logger = logging.getLogger(__name__)


def host_of(url: str) -> str:
    """The host a request goes to ("" for ``data:`` and the like).

    >>> host_of("http://127.0.0.1:8000/a.html"), host_of("data:text/plain,x")
    ('127.0.0.1', '')
    """
    return (urlsplit(url).hostname or "").lower()


def browser_slot(url: str) -> str:
    """The download slot of a page to render: not its host's (see the module doc)."""
    return f"{host_of(url)} (browser)"


class HostPace:
    """One host: at most ``concurrency`` requests in flight, each started at least the
    spacing asked for after the previous one, in the order they asked."""

    def __init__(self, concurrency: int) -> None:
        self._places = asyncio.Semaphore(max(1, concurrency))
        self._order = asyncio.Lock()
        self.last_start = float("-inf")  # time.monotonic() of the last request sent

    async def turn(self, spacing: float) -> None:
        """Wait for a place and for ``spacing`` seconds since the last request; then this
        request is the last one. Give the place back with :meth:`done`."""
        await self._places.acquire()
        try:
            async with self._order:
                wait = self.last_start + spacing - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                self.last_start = time.monotonic()
        except BaseException:
            self._places.release()
            raise

    def done(self) -> None:
        self._places.release()


class HostPacing:
    """The crawl's paces, one per host (an extension: handlers find it on the crawler)."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.delay = max(0.0, settings.getfloat("DOWNLOAD_DELAY"))
        self.jitter = min(1.0, max(0.0, settings.getfloat("DOWNLOAD_DELAY_JITTER", 0.5)))
        self.concurrency = settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 8)
        self.paces: dict[str, HostPace] = {}
        self._holding: set[asyncio.Future[None]] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HostPacing:
        return cls(crawler)

    def pace(self, host: str) -> HostPace:
        found = self.paces.get(host)
        if found is None:
            found = self.paces[host] = HostPace(self.concurrency)
        return found

    def delay_for(self, host: str) -> float:
        """The host's delay: the setting's, or its download slot's when AutoThrottle
        has raised it."""
        engine: Any = self.crawler.engine
        slot = engine.downloader.slots.get(host) if engine is not None else None
        return max(self.delay, float(getattr(slot, "delay", 0.0) or 0.0))

    def crawler_spacing(self, host: str) -> float:
        """After any request, one of Scrapy's: the least its own jittered delay gives."""
        return self.delay_for(host) * (1.0 - self.jitter)

    def browser_spacing(self, host: str) -> float:
        """After any request, one of the browser's: the whole delay."""
        return self.delay_for(host)

    async def browser_request(self, url: str, finished: Any, timeout: float) -> None:
        """The browser is about to send a request to ``url``: wait for its host's turn.
        ``finished`` is a coroutine (or None) that ends when its answer has arrived; the
        host's place is held until then, at most ``timeout`` seconds."""
        host = host_of(url)
        if not host:
            if finished is not None:
                finished.close()
            return
        pace = self.pace(host)
        await pace.turn(self.browser_spacing(host))
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("hgcrawler/pace/browser_requests")
        task = asyncio.ensure_future(self._hold(pace, finished, timeout))
        self._holding.add(task)
        task.add_done_callback(self._holding.discard)

    @staticmethod
    async def _hold(pace: HostPace, finished: Any, timeout: float) -> None:
        try:
            if finished is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(finished, timeout)
        finally:
            pace.done()


class PacedHTTPDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP handler, each request sent on its host's turn (:class:`HostPacing`)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.pacing = crawler.get_extension(HostPacing)

    async def download_request(self, request: Request) -> Response:
        return await paced_download(self.pacing, request, super().download_request)


async def paced_download(pacing: HostPacing | None, request: Request, download: Any) -> Response:
    """``download(request)`` on its host's turn (unpaced without the extension)."""
    host = host_of(request.url)
    if pacing is None or not host:
        response: Response = await download(request)
        return response
    pace = pacing.pace(host)
    await pace.turn(pacing.crawler_spacing(host))
    try:
        response = await download(request)
        return response
    finally:
        pace.done()
