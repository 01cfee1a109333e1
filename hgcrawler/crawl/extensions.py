"""Scrapy extensions of hgcrawler.

- ``CrawlProgress``: one progress line on stderr every few seconds while a crawl
  runs. Enabled by ``hgcrawler crawl`` (``HGCRAWLER_PROGRESS_INTERVAL`` seconds,
  0 turns it off). Scrapy's own LogStats keeps writing to the log file.
  "article pages" are the article pages parsed so far (``hgcrawler/pages/article``);
  "stored" the articles the archive has written (new + revisited, after validation
  and de-duplication, in acknowledged batches), the figure the final summary calls
  "articles". Stored lags behind while a batch is on its way, and is lower at the
  end when pages were rejected or reached twice (a moved article).
- ``StatsFile``: the crawl's final Scrapy stats as a JSON file
  (``HGCRAWLER_STATS_FILE``), for scripts such as the benchmark that would
  otherwise parse the log.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from hgcrawler.config import crawl_config
from hgcrawler.read.text import iso_time

logger = logging.getLogger(__name__)


class CrawlProgress:
    def __init__(self, stats: Any, interval: float, stream: TextIO = sys.stderr) -> None:
        self.stats = stats
        self.interval = interval
        self.stream = stream
        self.started = time.monotonic()
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> CrawlProgress:
        interval = crawl_config(crawler).progress_interval
        if interval <= 0:
            raise NotConfigured  # off by default: no "Disabled" line in every crawl's log
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


def _json_value(value: Any) -> Any:
    """``json.dumps`` fallback: dates and datetimes as ISO 8601 (UTC ``…Z``), sets as
    sorted lists, anything else as its ``str``."""
    if isinstance(value, dt.date):
        return iso_time(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    return str(value)


class StatsFile:
    """Writes the crawler's final stats to ``HGCRAWLER_STATS_FILE`` as one JSON object.

    The file is written when the spider closes, after Scrapy's core stats
    (``finish_time``, ``finish_reason``, ``elapsed_time_seconds``) are set: the
    extension's order in ``EXTENSIONS`` (1000) puts its handler after those of
    Scrapy's built-in extensions (order 0). It is written to a temporary file
    renamed into place, so a reader never sees half of it. Not configured (off)
    when the setting is empty.
    """

    def __init__(self, stats: Any, path: Path) -> None:
        self.stats = stats
        self.path = path

    @classmethod
    def from_crawler(cls, crawler: Any) -> StatsFile:
        path = crawl_config(crawler).stats_file
        if not path:
            raise NotConfigured  # off by default: no "Disabled" line in every crawl's log
        extension = cls(crawler.stats, Path(path).expanduser())
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider: Any, reason: str) -> None:
        stats = dict(self.stats.get_stats())
        stats.setdefault("finish_reason", reason)
        text = json.dumps(stats, indent=1, sort_keys=True, ensure_ascii=False, default=_json_value)
        partial = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial.write_text(text + "\n", encoding="utf-8")
            os.replace(partial, self.path)
        except OSError as exc:
            logger.error("cannot write the stats file %s: %s", self.path, exc)
            with contextlib.suppress(OSError):  # nothing to clean up when it was never made
                partial.unlink()
            return
        logger.info("stats written to %s", self.path)
