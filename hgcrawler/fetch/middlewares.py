"""Downloader middlewares for a crawler that meets every fault a site can have.

``BackoffRetryMiddleware``
    Scrapy's :class:`~scrapy.downloadermiddlewares.retry.RetryMiddleware`, plus
    a wait before each retry: the server's ``Retry-After`` (429/503, seconds or
    an HTTP date; capped by ``HGCRAWLER_RETRY_AFTER_MAX``), else exponential
    backoff ``HGCRAWLER_RETRY_BACKOFF × 2^(n-1)`` capped by
    ``HGCRAWLER_RETRY_BACKOFF_MAX``. The wait is a reactor timer, never a
    ``time.sleep``; it holds the request's download slot, which is what a
    server that asked us to slow down wants.
``RedirectLoopGuard``
    Sees 3xx responses before ``RedirectMiddleware`` and stops a redirect to a
    URL already passed through (A → B → A) with :class:`RedirectLoop`, which
    the spider's errback records as ``redirect_loop``. Without it the loop ends
    silently in the duplicate filter.
"""

from __future__ import annotations

import email.utils
import logging
import time
from typing import TYPE_CHECKING, Any, Self

from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request, Response
from scrapy.settings import BaseSettings
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.response import response_status_message
from twisted.internet.task import deferLater

from hgcrawler.config import RetryConfig, crawl_config
from hgcrawler.read.urls import canonical_url

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

__all__ = ["BackoffRetryMiddleware", "RedirectLoop", "RedirectLoopGuard", "retry_after_seconds"]

logger = logging.getLogger(__name__)

RETRY_AFTER_STATUSES = (429, 503)


def retry_after_seconds(value: str | bytes | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta seconds or HTTP date).

    >>> retry_after_seconds(b"2")
    2.0
    >>> retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0)
    10.0
    >>> retry_after_seconds("soon") is None
    True
    """
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


class BackoffRetryMiddleware(RetryMiddleware):
    """Retry with ``Retry-After`` honoured and exponential backoff (see the module doc).

    Scrapy's ``RetryMiddleware`` reads the ``RETRY_*`` settings; the retry request
    itself comes from Scrapy's public :func:`~scrapy.downloadermiddlewares.retry.get_retry_request`.
    """

    def __init__(self, settings: BaseSettings, retry: RetryConfig) -> None:
        super().__init__(settings)
        self.backoff = retry.backoff
        self.backoff_max = retry.backoff_max
        self.retry_after_max = retry.retry_after_max

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = cls(crawler.settings, crawl_config(crawler).retry)
        middleware.crawler = crawler
        return middleware

    def retry_request(self, request: Request, reason: str | Exception) -> Request | None:
        """The next attempt at ``request``, or None once ``RETRY_TIMES`` is reached."""
        assert self.crawler.spider is not None
        return get_retry_request(
            request,
            spider=self.crawler.spider,
            reason=reason,
            max_retry_times=request.meta.get("max_retry_times", self.max_retry_times),
            priority_adjust=request.meta.get("priority_adjust", self.priority_adjust),
        )

    def delay_for(self, retry: Request, response: Response | None = None) -> float:
        """Seconds to wait before sending ``retry`` (its ``retry_times`` counts from 1)."""
        if response is not None and response.status in RETRY_AFTER_STATUSES:
            asked = retry_after_seconds(response.headers.get(b"Retry-After"))
            if asked is not None:
                return min(asked, self.retry_after_max)
        attempt = int(retry.meta.get("retry_times", 1))
        return min(self.backoff * 2 ** (attempt - 1), self.backoff_max)

    async def _wait(self, seconds: float) -> None:
        if seconds <= 0:
            return
        stats = self.crawler.stats
        if stats is not None:
            stats.inc_value("hgcrawler/retry/waits")
            stats.inc_value("hgcrawler/retry/wait_ms", round(seconds * 1000))
        from twisted.internet import reactor  # the one Scrapy installed, not a default

        await maybe_deferred_to_future(deferLater(reactor, seconds, lambda: None))

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retry = self.retry_request(request, response_status_message(response.status))
        if retry is None:
            return response
        stats = self.crawler.stats
        asked = response.status in RETRY_AFTER_STATUSES and b"Retry-After" in response.headers
        if asked and stats is not None:
            stats.inc_value("hgcrawler/retry/retry_after")
        await self._wait(self.delay_for(retry, response))
        return retry

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception
    ) -> Request | Response | None:
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get(
            "dont_retry", False
        ):
            return None
        retry = self.retry_request(request, exception)
        if retry is None:
            return None
        await self._wait(self.delay_for(retry))
        return retry


class RedirectLoop(IgnoreRequest):
    """A redirect leads back to a URL the request already passed through."""


class RedirectLoopGuard:
    """Stop A → B → A redirect loops before ``RedirectMiddleware`` follows them."""

    @classmethod
    def from_crawler(cls, crawler: Any) -> Self:
        if not crawler.settings.getbool("REDIRECT_ENABLED", True):
            raise NotConfigured("REDIRECT_ENABLED is off")
        return cls()

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get(b"Location")
        if not 300 <= response.status < 400 or not location:
            return response
        target = canonical_url(response.urljoin(location.decode("latin-1")))
        passed = [*request.meta.get("redirect_urls", []), request.url]
        if target in {canonical_url(url) for url in passed}:
            chain = " -> ".join([*passed, target])
            raise RedirectLoop(f"redirect loop: {chain}")
        return response
