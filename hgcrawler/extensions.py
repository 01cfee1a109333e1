"""``CrawlProgress``: one progress line on stderr every few seconds while a crawl runs.

Enabled by ``hgcrawler crawl`` (``HGCRAWLER_PROGRESS_INTERVAL`` seconds, 0 turns
it off). Scrapy's own LogStats keeps writing to the log file.

"article pages" are the article pages parsed so far (``hgcrawler/pages/article``);
"stored" the articles the archive has written (new + revisited, after validation
and de-duplication, in acknowledged batches), the figure the final summary calls
"articles". Stored lags behind while a batch is on its way, and is lower at the
end when pages were rejected or reached twice (a moved article).
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task


class CrawlProgress:
    def __init__(self, stats: Any, interval: float, stream: TextIO = sys.stderr) -> None:
        self.stats = stats
        self.interval = interval
        self.stream = stream
        self.started = time.monotonic()
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> CrawlProgress:
        interval = crawler.settings.getfloat("HGCRAWLER_PROGRESS_INTERVAL", 0)
        if interval <= 0:
            raise NotConfigured("HGCRAWLER_PROGRESS_INTERVAL is 0")
        extension = cls(crawler.stats, interval)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def line(self) -> str:
        value = self.stats.get_value
        pages = value("response_received_count", 0)
        elapsed = max(time.monotonic() - self.started, 1e-6)
        queued = value("scheduler/enqueued", 0) - value("scheduler/dequeued", 0)
        rejected = sum(
            v for k, v in self.stats.get_stats().items() if k.startswith("hgcrawler/rejected/")
        )
        stored = value("hgcrawler/articles/new", 0) + value("hgcrawler/articles/revisited", 0)
        return (
            f"[hgcrawler] {elapsed:6.0f}s  {pages} pages ({pages / elapsed:.1f}/s), "
            f"{value('hgcrawler/pages/article', 0)} article pages, {stored} stored "
            f"({value('hgcrawler/articles/new', 0)} new, "
            f"{value('hgcrawler/articles/changed', 0)} changed), "
            f"{rejected} rejected, {queued} queued"
        )

    def report(self) -> None:
        print(self.line(), file=self.stream, flush=True)

    def spider_opened(self, spider: Any) -> None:
        self.started = time.monotonic()
        self.loop = task.LoopingCall(self.report)
        self.loop.start(self.interval, now=False)

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
