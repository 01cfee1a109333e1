"""``ArchivePipeline``: the only component that writes the archive.

It turns article items and the spider's ``page_seen`` / ``article_gone`` /
``page_rejected`` signals (and dropped or failed items) into typed records
(:mod:`hgcrawler.storage.kinds`, their values converted there, once), appends
each to the spill journal, and writes them to the store in batches through the
crawl session's worker thread, so the reactor never waits for the database.
Opening the archive, the crawl record and the plan belong to
:class:`hgcrawler.crawl.session.CrawlSession`; this pipeline only writes.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy import signals as scrapy_signals

from hgcrawler import signals
from hgcrawler.crawl.session import CrawlSession
from hgcrawler.pipelines.validation import RejectItem
from hgcrawler.read.reasons import Reason
from hgcrawler.storage import BatchResult, SpillJournal, StoreError
from hgcrawler.storage.journal import Segment
from hgcrawler.storage.kinds import (
    ArchiveRecord,
    ArticleRecord,
    GoneRecord,
    PageRecord,
    RejectRecord,
    urls_of,
)

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from twisted.python.failure import Failure

__all__ = ["ArchivePipeline"]

logger = logging.getLogger(__name__)

_MAX_PENDING_BATCHES = 4


def _utc_now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class ArchivePipeline:
    """Write articles and page outcomes to the archive (see ``docs/DESIGN.md``)."""

    def __init__(self, crawler: Crawler, session: CrawlSession) -> None:
        self.crawler = crawler
        self.session = session
        self.config = session.config
        self.stats = crawler.stats
        self.totals = BatchResult()
        self.spilled_records = 0
        self.spill_error: str | None = None
        self.journal_error: str | None = None
        self._batch: list[ArchiveRecord] = []
        self._pending: set[asyncio.Future[BatchResult | None]] = set()
        self._flush_task: asyncio.Task[None] | None = None
        self._closed = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        session = crawler.get_extension(CrawlSession)
        if session is None:
            raise RuntimeError(
                "ArchivePipeline needs the CrawlSession extension "
                "(EXTENSIONS['hgcrawler.crawl.session.CrawlSession'])"
            )
        pipeline = cls(crawler, session)
        session.attach(pipeline)
        connect = crawler.signals.connect
        connect(pipeline.page_seen, signal=signals.page_seen)
        connect(pipeline.article_gone, signal=signals.article_gone)
        connect(pipeline.page_rejected, signal=signals.page_rejected)
        connect(pipeline.item_dropped, signal=scrapy_signals.item_dropped)
        connect(pipeline.item_error, signal=scrapy_signals.item_error)
        return pipeline

    @property
    def journal(self) -> SpillJournal | None:
        return self.session.journal

    async def open_spider(self) -> None:
        interval = self.config.archive.flush_interval
        if interval > 0:
            self._flush_task = asyncio.get_running_loop().create_task(
                self._flush_periodically(interval)
            )

    # --- records in ------------------------------------------------------------------

    async def process_item(self, item: Any) -> Any:
        self.add_record(self.article_record(item))
        if len(self._pending) >= _MAX_PENDING_BATCHES:  # the database is slower than the crawl
            await asyncio.wait(self._pending, return_when=asyncio.FIRST_COMPLETED)
        return item

    def article_record(self, item: Any) -> ArticleRecord:
        """The archive record of an article item (items themselves are left unchanged)."""
        record: dict[str, Any] = {"site": self.config.site.name, **ItemAdapter(item).asdict()}
        url = str(record.get("url") or "")
        keys = self.config.article_keys
        record["key"] = keys.key(url)
        record["redirect_keys"] = [
            found for found in map(keys.site_id, urls_of(record)[1:]) if found is not None
        ]
        record.setdefault("fetched_at", _utc_now_iso())
        if record.get("views") is None:
            record["views_missing_reason"] = record.get("render_reason") or "not_extracted"
        self.session.count_article(record)
        return ArticleRecord.from_dict(record)

    def page_seen(self, record: dict[str, Any]) -> None:
        self.add_record(PageRecord.from_dict(self._of_site(record)))

    def article_gone(self, record: dict[str, Any]) -> None:
        self.session.note_gone(record.get("article_id"), str(record.get("url") or ""))
        self.add_record(GoneRecord.from_dict(self._of_site(record)))

    def page_rejected(self, record: dict[str, Any]) -> None:
        self.add_record(RejectRecord.from_dict(self._of_site(record)))

    def _of_site(self, record: dict[str, Any]) -> dict[str, Any]:
        """A signal's record, of the site profile crawled unless it says otherwise."""
        return {"site": self.config.site.name, **record}

    def item_dropped(self, item: Any, exception: BaseException, response: Any = None) -> None:
        if isinstance(exception, RejectItem):
            reason, detail = str(exception.reason), exception.detail
        else:
            reason, detail = "dropped", str(exception)
        self.add_record(self._item_reject(item, reason, detail, response))

    def item_error(self, item: Any, failure: Failure, response: Any = None) -> None:
        detail = f"{type(failure.value).__name__}: {failure.value}"
        self.add_record(self._item_reject(item, Reason.ITEM_ERROR, detail, response))

    def _item_reject(self, item: Any, reason: str, detail: str, response: Any) -> RejectRecord:
        adapter = ItemAdapter(item)
        url = adapter.get("url") or getattr(response, "url", None) or ""
        status = adapter.get("status") or getattr(response, "status", None)
        excerpt = adapter.get("body") or adapter.get("title")
        return RejectRecord.from_dict(
            {
                "url": url,
                "reason": str(reason),
                "detail": detail,
                "status": status,
                "fetched_at": adapter.get("fetched_at") or _utc_now_iso(),
                "excerpt": str(excerpt)[:2048] if excerpt else None,
                "site": self.config.site.name,
            }
        )

    def add_record(self, record: ArchiveRecord) -> None:
        """Journal ``record`` and queue it for the next batch."""
        if self._closed:
            logger.warning("archive record after the crawl was closed, not stored: %r", record)
            return
        if isinstance(record, RejectRecord):
            reason = record.reason
            self.stats.inc_value(f"hgcrawler/rejected/{reason}")
            self.session.count_reject(reason, record.url)
        journal = self.journal
        if journal is not None and self.journal_error is None:
            try:
                journal.append(record)
            except OSError as exc:
                self._journal_failed(exc)
        self._batch.append(record)
        if len(self._batch) >= self.config.archive.write_batch_size:
            self.flush()

    # --- records out -----------------------------------------------------------------

    def flush(self) -> asyncio.Future[BatchResult | None] | None:
        """Send the current batch to the worker thread; returns its future."""
        if not self._batch or not self.session.is_open:
            return None
        records, self._batch = self._batch, []
        segment = None
        journal = self.journal
        if journal is not None and self.journal_error is None:
            try:
                segment = journal.seal(sync=False)
            except OSError as exc:
                self._journal_failed(exc)
        future = self.session.in_worker(self._write, records, segment)
        self._pending.add(future)
        future.add_done_callback(self._written)
        return future

    def _write(self, records: list[ArchiveRecord], segment: Segment | None) -> BatchResult | None:
        """In the worker: make the segment durable, write, then forget the segment."""
        store, crawl_id = self.session.store, self.session.crawl_id
        assert store is not None and crawl_id is not None
        if segment is not None:
            try:
                segment.sync()
            except OSError as exc:
                self._journal_failed(exc)
        if self.spill_error is None:
            try:
                result = store.write_batch(crawl_id, records)
            except StoreError as exc:
                self.spill_error = str(exc)
                logger.error(
                    "archive writes failed, keeping records in the journal %s: %s",
                    self.journal.path if self.journal else "?",
                    exc,
                )
            else:
                if segment is not None:
                    SpillJournal.acknowledge(segment)
                return result
        self.spilled_records += len(records)
        return None

    def _journal_failed(self, error: OSError) -> None:
        """The journal cannot be written (disk full, read-only): go on without it, loudly."""
        if self.journal_error is None:
            where = self.journal.path if self.journal else "?"
            self.journal_error = f"cannot write the spill journal {where}: {error}"
            logger.error(
                "%s; records now go to the database only and are lost if it fails",
                self.journal_error,
            )

    def _written(self, future: asyncio.Future[BatchResult | None]) -> None:
        self._pending.discard(future)
        if future.cancelled():
            return
        error = future.exception()
        if error is not None:
            logger.error("archive batch failed: %r", error)
            self.spill_error = self.spill_error or repr(error)
            return
        result = future.result()
        if result is None:
            self.stats.set_value("hgcrawler/db/spilled", self.spilled_records)
            return
        self.totals += result
        self.stats.inc_value("hgcrawler/db/batches")
        for name in ("new", "changed", "removed", "revisited", "moved", "collisions"):
            value = getattr(result, name)
            if value:
                self.stats.inc_value(f"hgcrawler/articles/{name}", value)
        if result.articles:
            self.stats.inc_value("hgcrawler/articles/stored", result.articles)

    async def _flush_periodically(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            self.flush()

    async def drain(self) -> None:
        """Flush and wait until every batch so far has been written (or spilled)."""
        self.flush()
        while self._pending:
            await asyncio.wait(set(self._pending))

    async def close_spider(self) -> None:
        if self._flush_task is not None:
            self._flush_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flush_task
        if self.session.is_open:
            await self.drain()
        self._closed = True
