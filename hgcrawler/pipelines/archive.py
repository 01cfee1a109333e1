"""``MongoArchivePipeline``: the only component that writes the archive.

It turns article items and the spider's ``page_seen`` / ``article_gone`` /
``page_rejected`` signals (and dropped or failed items) into records, appends
each to the spill journal, and writes them to the store in batches from one
worker thread, so the reactor never waits for the database.  One store (one
database client) per crawl.

When the crawl starts it also loads the :class:`~hgcrawler.storage.CrawlPlan`
— what the archive already knows, and which articles are due for a revisit —
which the spider gets with ``await get_plan(self.crawler)``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import re
import weakref
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from itemadapter import ItemAdapter
from scrapy import signals as scrapy_signals
from scrapy.exceptions import CloseSpider

from hgcrawler import signals
from hgcrawler.config import HgcrawlerConfig
from hgcrawler.storage import (
    ArchiveStore,
    BatchResult,
    CrawlPlan,
    DatabaseError,
    MongoArchiveStore,
    RevisitPolicy,
    SpillJournal,
    StoreError,
    mask_uri,
    resolve_mongo_uri,
)
from hgcrawler.storage.journal import CRAWL_END, Segment
from hgcrawler.storage.writer import urls_of

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from twisted.python.failure import Failure

__all__ = ["MongoArchivePipeline", "get_plan"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

_PIPELINES: weakref.WeakKeyDictionary[Crawler, MongoArchivePipeline] = weakref.WeakKeyDictionary()
_REASON = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
_MAX_PENDING_BATCHES = 4
#: Reasons for which a page that looked like an article was rejected.
ARTICLE_PAGE_REJECTS = frozenset(
    {"missing_title", "missing_body", "bad_date", "bad_views", "truncated", "not_parsable"}
)


async def get_plan(crawler: Crawler) -> CrawlPlan:
    """The crawl plan loaded by this crawler's archive pipeline.

    Waits until the pipeline has opened.  Without the archive pipeline there
    is no archive: the plan is empty.  Raises
    :class:`~hgcrawler.storage.StoreError` when the archive could not be opened.
    """
    pipeline = _PIPELINES.get(crawler)
    if pipeline is None:
        mode = HgcrawlerConfig.from_settings(crawler.settings).mode
        logger.warning("MongoArchivePipeline is not enabled: crawling with an empty plan")
        return CrawlPlan(mode=mode)
    return await pipeline.wait_for_plan()


def _reason_code(message: str, default: str) -> tuple[str, str]:
    """``"missing_title: no <h1>"`` → ``("missing_title", "no <h1>")``."""
    head, _, tail = message.partition(":")
    code = head.strip().lower()
    if _REASON.match(code):
        return code, tail.strip()
    return default, message.strip()


def _utc_now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class MongoArchivePipeline:
    """Write articles and page outcomes to the archive (see ``docs/DESIGN.md``)."""

    #: The store implementation; tests and other back ends may replace it.
    store_class: ClassVar[Callable[..., ArchiveStore]] = MongoArchiveStore

    def __init__(
        self,
        crawler: Crawler,
        config: HgcrawlerConfig,
        policy: RevisitPolicy,
        *,
        crawl_id: str | None = None,
        flush_interval: float = 2.0,
    ) -> None:
        self.crawler = crawler
        self.config = config
        self.policy = policy
        self.requested_crawl_id = crawl_id
        self.flush_interval = flush_interval
        self.stats = crawler.stats
        self.store: ArchiveStore | None = None
        self.journal: SpillJournal | None = None
        self.crawl_id: str | None = None
        self.plan: CrawlPlan | None = None
        self.summary: dict[str, Any] | None = None
        self.totals = BatchResult()
        self.replayed = BatchResult()
        self._plan_ready = asyncio.Event()
        self._open_error: Exception | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._batch: list[dict[str, Any]] = []
        self._pending: set[asyncio.Future[BatchResult | None]] = set()
        self._flush_task: asyncio.Task[None] | None = None
        self._closed = False
        self._spilled_records = 0
        self._spill_error: str | None = None
        self._article_records = 0
        self._missing_fields: Counter[str] = Counter()
        self._article_page_rejects: Counter[str] = Counter()
        self._journal_error: str | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> MongoArchivePipeline:
        settings = crawler.settings
        pipeline = cls(
            crawler,
            HgcrawlerConfig.from_settings(settings),
            RevisitPolicy.from_settings(settings),
            crawl_id=settings.get("HGCRAWLER_CRAWL_ID") or None,
            flush_interval=settings.getfloat("HGCRAWLER_FLUSH_INTERVAL", 2.0),
        )
        connect = crawler.signals.connect
        connect(pipeline.page_seen, signal=signals.page_seen)
        connect(pipeline.article_gone, signal=signals.article_gone)
        connect(pipeline.page_rejected, signal=signals.page_rejected)
        connect(pipeline.item_dropped, signal=scrapy_signals.item_dropped)
        connect(pipeline.item_error, signal=scrapy_signals.item_error)
        _PIPELINES[crawler] = pipeline
        return pipeline

    # --- the worker thread --------------------------------------------------------

    def _in_worker(self, function: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        assert self._executor is not None
        return asyncio.wrap_future(self._executor.submit(function, *args))

    # --- opening ---------------------------------------------------------------------

    async def open_spider(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hgcrawler-archive")
        try:
            await self._in_worker(self._open_store)
        except (DatabaseError, StoreError) as exc:
            self._open_error = exc
            self._plan_ready.set()
            logger.error("cannot open the archive: %s", exc)
            self.stats.set_value("hgcrawler/crawl_status", "failed")
            raise CloseSpider("archive_unavailable") from exc
        except Exception as exc:
            self._open_error = exc
            self._plan_ready.set()
            raise
        assert self.journal is not None
        for record in self._batch:  # records that arrived before the journal was open
            self.journal.append(record)
        self.stats.set_value("hgcrawler/crawl_id", self.crawl_id)
        self._plan_ready.set()
        if self.flush_interval > 0:
            self._flush_task = asyncio.get_running_loop().create_task(self._flush_periodically())

    def _open_store(self) -> None:
        """In the worker: connect, replay the journal, record the crawl, load the plan."""
        config = self.config
        uri, embedded = resolve_mongo_uri(config.mongo_uri, config.data_dir, start=True)
        where = "the embedded database" if embedded else mask_uri(uri)
        logger.info("archive: database %r on %s", config.mongo_database, where)
        store = self.store_class(uri, config.mongo_database, write_retries=config.write_retries)
        self.store = store
        store.ensure_indexes()
        store.finish_pending_joins()
        journal = SpillJournal(config.data_dir / "journal" / config.mongo_database)
        pending = journal.pending_count()
        if pending:
            logger.info("replaying %d journalled records from %s", pending, journal.path)
            self.replayed = journal.replay(store)
        store.mark_interrupted(exclude=[self.requested_crawl_id or ""])
        crawl_id = store.begin_crawl(
            config.mode, config.start_url, crawl_id=self.requested_crawl_id
        )
        journal.crawl_id = crawl_id
        plan = store.load_plan(config.mode, dt.datetime.now(dt.UTC), self.policy)
        plan.crawl_id = crawl_id
        self.journal, self.crawl_id, self.plan = journal, crawl_id, plan
        logger.info(
            "crawl %s (%s): %d known articles, %d due for a revisit, %d known pages",
            crawl_id,
            config.mode,
            len(plan.known_articles),
            len(plan.due),
            len(plan.known_pages),
        )

    async def wait_for_plan(self) -> CrawlPlan:
        await self._plan_ready.wait()
        if self._open_error is not None:
            raise StoreError(f"the archive could not be opened: {self._open_error}")
        assert self.plan is not None
        return self.plan

    # --- records in ------------------------------------------------------------------

    async def process_item(self, item: Any) -> Any:
        self.add_record(self.article_record(item))
        if len(self._pending) >= _MAX_PENDING_BATCHES:  # the database is slower than the crawl
            await asyncio.wait(self._pending, return_when=asyncio.FIRST_COMPLETED)
        return item

    def article_record(self, item: Any) -> dict[str, Any]:
        """The archive record of an article item (items themselves are left unchanged)."""
        record: dict[str, Any] = {"type": "article", **ItemAdapter(item).asdict()}
        url = str(record.get("url") or "")
        keys = self.config.article_keys
        record["key"] = keys.key(url)
        record["redirect_keys"] = [
            found for found in map(keys.site_id, urls_of(record)[1:]) if found is not None
        ]
        record.setdefault("fetched_at", _utc_now_iso())
        if record.get("views") is None:
            record["views_missing_reason"] = record.get("render_reason") or "not_extracted"
        self._article_records += 1
        missing = set(record.get("problems") or [])
        if record.get("views") is None:
            missing.add("views")
        self._missing_fields.update(missing)
        return record

    def page_seen(self, record: dict[str, Any]) -> None:
        self.add_record({**record, "type": "page"})

    def article_gone(self, record: dict[str, Any]) -> None:
        self.add_record({**record, "type": "gone"})

    def page_rejected(self, record: dict[str, Any]) -> None:
        self.add_record({**record, "type": "reject"})

    def item_dropped(self, item: Any, exception: BaseException, response: Any = None) -> None:
        reason, detail = _reason_code(str(exception), "dropped")
        self.add_record(self._item_reject(item, reason, detail, response))

    def item_error(self, item: Any, failure: Failure, response: Any = None) -> None:
        detail = f"{type(failure.value).__name__}: {failure.value}"
        self.add_record(self._item_reject(item, "item_error", detail, response))

    @staticmethod
    def _item_reject(item: Any, reason: str, detail: str, response: Any) -> dict[str, Any]:
        adapter = ItemAdapter(item)
        url = adapter.get("url") or getattr(response, "url", None) or ""
        status = adapter.get("status") or getattr(response, "status", None)
        excerpt = adapter.get("body") or adapter.get("title")
        return {
            "type": "reject",
            "url": url,
            "reason": reason,
            "detail": detail,
            "status": status,
            "fetched_at": adapter.get("fetched_at") or _utc_now_iso(),
            "excerpt": str(excerpt)[:2048] if excerpt else None,
        }

    def add_record(self, record: dict[str, Any]) -> None:
        """Journal ``record`` and queue it for the next batch."""
        if self._closed:
            logger.warning("archive record after the crawl was closed, not stored: %r", record)
            return
        if record.get("type") == "reject":
            reason = str(record.get("reason") or "unknown")
            self.stats.inc_value(f"hgcrawler/rejected/{reason}")
            if reason in ARTICLE_PAGE_REJECTS:
                self._article_page_rejects[reason] += 1
        if self.journal is not None and self._journal_error is None:
            try:
                self.journal.append(record)
            except OSError as exc:
                self._journal_failed(exc)
        self._batch.append(record)
        if len(self._batch) >= self.config.write_batch_size and self.journal is not None:
            self.flush()

    # --- records out -----------------------------------------------------------------

    def flush(self) -> asyncio.Future[BatchResult | None] | None:
        """Send the current batch to the worker thread; returns its future."""
        if not self._batch or self.journal is None or self._executor is None:
            return None
        records, self._batch = self._batch, []
        segment = None
        if self._journal_error is None:
            try:
                segment = self.journal.seal(sync=False)
            except OSError as exc:
                self._journal_failed(exc)
        future = self._in_worker(self._write, records, segment)
        self._pending.add(future)
        future.add_done_callback(self._written)
        return future

    def _write(self, records: list[dict[str, Any]], segment: Segment | None) -> BatchResult | None:
        """In the worker: make the segment durable, write, then forget the segment."""
        assert self.store is not None and self.crawl_id is not None
        if segment is not None:
            try:
                segment.sync()
            except OSError as exc:
                self._journal_failed(exc)
        if self._spill_error is None:
            try:
                result = self.store.write_batch(self.crawl_id, records)
            except StoreError as exc:
                self._spill_error = str(exc)
                logger.error(
                    "archive writes failed, keeping records in the journal %s: %s",
                    self.journal.path if self.journal else "?",
                    exc,
                )
            else:
                if segment is not None:
                    SpillJournal.acknowledge(segment)
                return result
        self._spilled_records += len(records)
        return None

    def _journal_failed(self, error: OSError) -> None:
        """The journal cannot be written (disk full, read-only): go on without it, loudly."""
        if self._journal_error is None:
            where = self.journal.path if self.journal else "?"
            self._journal_error = f"cannot write the spill journal {where}: {error}"
            logger.error(
                "%s; records now go to the database only and are lost if it fails",
                self._journal_error,
            )

    def _written(self, future: asyncio.Future[BatchResult | None]) -> None:
        self._pending.discard(future)
        if future.cancelled():
            return
        error = future.exception()
        if error is not None:
            logger.error("archive batch failed: %r", error)
            self._spill_error = self._spill_error or repr(error)
            return
        result = future.result()
        if result is None:
            self.stats.set_value("hgcrawler/db/spilled", self._spilled_records)
            return
        self.totals += result
        self.stats.inc_value("hgcrawler/db/batches")
        for name in ("new", "changed", "removed", "revisited", "moved"):
            value = getattr(result, name)
            if value:
                self.stats.inc_value(f"hgcrawler/articles/{name}", value)

    async def _flush_periodically(self) -> None:
        while True:
            await asyncio.sleep(self.flush_interval)
            self.flush()

    async def drain(self) -> None:
        """Flush and wait until every batch so far has been written (or spilled)."""
        self.flush()
        while self._pending:
            await asyncio.wait(set(self._pending))

    # --- closing ---------------------------------------------------------------------

    async def close_spider(self) -> None:
        if self._flush_task is not None:
            self._flush_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flush_task
        if self.store is None or self.crawl_id is None or self._executor is None:
            self._closed = True
            if self._executor is not None:
                self._executor.shutdown(wait=False)
            return
        await self.drain()
        self._closed = True
        status, problems = self._outcome()
        counts = self._counts()
        try:
            self.summary = await self._in_worker(
                self.store.finish_crawl, self.crawl_id, status, counts, problems
            )
        except StoreError as exc:
            logger.error("cannot record the end of crawl %s: %s", self.crawl_id, exc)
            self.summary = {
                "_id": self.crawl_id,
                "status": "failed",
                "counts": counts,
                "problems": [*problems, f"the crawl record could not be updated: {exc}"],
            }
            self._journal_crawl_end(self.summary)
        finally:
            with contextlib.suppress(Exception):
                await self._in_worker(self.store.close)
            self._executor.shutdown(wait=True)
        self.stats.set_value("hgcrawler/crawl_status", self.summary.get("status", status))
        self.stats.set_value("hgcrawler/crawl_summary", self.summary)
        logger.info("crawl %s %s: %s", self.crawl_id, status, counts)
        for problem in problems:
            logger.warning("crawl %s: %s", self.crawl_id, problem)

    def _journal_crawl_end(self, summary: dict[str, Any]) -> None:
        """Keep the crawl's final status in the journal: replaying it updates the record."""
        if self.journal is None or self._journal_error is not None:
            return
        try:
            self.journal.append({**summary, "type": CRAWL_END})
            self.journal.seal(sync=True)
        except OSError as exc:
            self._journal_failed(exc)

    def _counts(self) -> dict[str, int]:
        stats = self.stats
        totals = self.totals
        return {
            "pages": int(stats.get_value("response_received_count", 0) or 0),
            "articles": totals.articles,
            "new": totals.new,
            "revisited": totals.revisited,
            "changed": totals.changed,
            "removed": totals.removed,
            "moved": totals.moved,
            "rejected": totals.rejected,
            "errors": int(stats.get_value("log_count/ERROR", 0) or 0),
            "rendered": int(stats.get_value("hgcrawler/rendered", 0) or 0),
            "spilled": self._spilled_records,
            "retried": int(stats.get_value("retry/count", 0) or 0),
            "traps": int(stats.get_value("hgcrawler/traps", 0) or 0),
            "collisions": totals.collisions,
        }

    def _outcome(self) -> tuple[str, list[str]]:
        problems: list[str] = []
        if self._spilled_records or self._spill_error:
            path = self.journal.path if self.journal else "the journal"
            problems.append(
                f"{self._spilled_records} records spilled to {path}; run `hgcrawler db replay`"
            )
            if self._spill_error:
                problems.append(f"database error: {self._spill_error}")
            if self._journal_error:
                problems.append(self._journal_error)
            return "failed", problems
        if self._journal_error:
            problems.append(self._journal_error)
        if self.totals.collisions:
            problems.append(
                f"{self.totals.collisions} page(s) had the key of a different article and were "
                "kept apart (rejects with reason key_collision); check HGCRAWLER_ARTICLE_ID_PATTERN"
                " / HGCRAWLER_SLUG_IDS"
            )
        threshold = self.config.degraded_threshold
        status = "failed" if self._journal_error else "finished"
        degraded = self.degraded_fields()
        if degraded:
            pages = self.article_pages()
            details = ", ".join(f"{name} ({count}/{pages})" for name, count in degraded.items())
            problems.append(
                f"degraded: more than {threshold:.0%} of the {pages} article pages lack "
                f"{details}; has the portal's layout changed?"
            )
            if status == "finished":
                status = "degraded"
        total = self._article_records
        if total:
            lacking = sorted(
                name
                for name, count in self._missing_fields.items()
                if count / total > threshold and name not in ("views", "updated_on", "body")
            )
            if lacking:
                details = ", ".join(
                    f"{name} ({self._missing_fields[name]}/{total})" for name in lacking
                )
                problems.append(
                    f"more than {threshold:.0%} of the {total} articles stored lack: {details}"
                )
        return status, problems

    def article_pages(self) -> int:
        """Pages that were (or looked like) articles: stored, or rejected as broken articles."""
        return self._article_records + sum(self._article_page_rejects.values())

    def degraded_fields(self) -> dict[str, int]:
        """Monitored fields missing on more than ``HGCRAWLER_DEGRADED_THRESHOLD`` of the
        article pages, with how many lacked each (stored and rejected pages)."""
        pages = self.article_pages()
        if not pages:
            return {}
        missing = {
            "views": self._missing_fields["views"],
            "date": self._missing_fields["updated_on"] + self._article_page_rejects["bad_date"],
            "body": self._missing_fields["body"] + self._article_page_rejects["missing_body"],
        }
        threshold = self.config.degraded_threshold
        return {name: count for name, count in missing.items() if count / pages > threshold}
