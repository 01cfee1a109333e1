"""A graceful stop that does not wait out the politeness delays.

On Ctrl-C or SIGTERM Scrapy stops scheduling and waits for every request it has
handed to the downloader.  Most of those are not on the wire: they wait in the
downloader's per-host queue, one per ``DOWNLOAD_DELAY`` — sixteen requests at a
second's delay kept a stop waiting sixteen seconds, past the forced stop.  The
requests still queued are not sent: they end with :class:`StopRequested` (an
``IgnoreRequest``, so no page is recorded as failed), those on the wire finish
and are written, and the crawl closes as *interrupted* well within
``HGCRAWLER_STOP_TIMEOUT``.  A request left out is fetched by the next crawl.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import IgnoreRequest
from twisted.python.failure import Failure

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

__all__ = ["StopRequested", "drop_queued_requests"]

logger = logging.getLogger(__name__)


class StopRequested(IgnoreRequest):
    """A queued request not sent because the crawl is stopping."""


def drop_queued_requests(crawler: Crawler) -> int:
    """End every request waiting in the downloader's per-host queues (not yet sent);
    returns how many. Requests being downloaded are left to finish."""
    engine: Any = crawler.engine
    if engine is None:
        return 0
    dropped = 0
    for slot in list(engine.downloader.slots.values()):
        while slot.queue:
            request, deferred = slot.queue.popleft()
            dropped += 1
            deferred.errback(
                Failure(StopRequested(f"not sent: the crawl is stopping ({request.url})"))
            )
    if dropped and crawler.stats is not None:
        crawler.stats.inc_value("hgcrawler/stop/requests_not_sent", dropped)
    return dropped
