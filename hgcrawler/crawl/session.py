"""``CrawlSession``: one crawl's life in the archive, owned by one Scrapy extension.

It opens the archive (one store, one database client, used from one worker
thread so the reactor never waits), replays the spill journal of an earlier
crawl, records the crawl as running, loads the crawl plan, and — when the spider
closes, after the archive pipeline has written everything — judges how the
crawl went (:mod:`hgcrawler.crawl.outcome`) and records it.  It also turns Ctrl-C and
SIGTERM into an *interrupted* crawl that stops within ``HGCRAWLER_STOP_TIMEOUT``.

The spider gets the plan with ``await crawler.get_extension(CrawlSession).plan()``;
the archive pipeline writes through :meth:`CrawlSession.in_worker` with the
store and journal the session opened.  Neither knows how the archive is opened.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import signal
import sys
from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

from scrapy import signals as scrapy_signals

from hgcrawler.config import HgcrawlerConfig, crawl_config
from hgcrawler.crawl import outcome
from hgcrawler.crawl.lock import LockBusy, SingleInstanceLock
from hgcrawler.crawl.stopping import drop_queued_requests
from hgcrawler.plan import CrawlPlan
from hgcrawler.read.pagetemplate import PageTemplate
from hgcrawler.read.plausibility import RepeatedValues
from hgcrawler.read.reasons import ARTICLE_PAGE_REASONS
from hgcrawler.storage import (
    ArchiveStore,
    BatchResult,
    DatabaseError,
    SpillJournal,
    StoreError,
    open_store,
)
from hgcrawler.storage.journal import CRAWL_END

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

__all__ = ["ArchiveUnavailable", "CrawlSession", "CrawlTally"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: Example URLs kept per field or reason, for the summary.
EXAMPLES = 3


class ArchiveUnavailable(RuntimeError):
    """The crawl session could not open the archive; the message says why."""


class ArchiveWriter(Protocol):
    """What the session reads of the archive pipeline when the crawl ends."""

    totals: BatchResult
    spilled_records: int
    spill_error: str | None
    journal_error: str | None


@dataclass
class CrawlTally:
    """What the spider and the pipeline saw, for judging the crawl at its end."""

    article_pages: int = 0  # pages stored as articles or rejected as broken ones
    article_records: int = 0  # article items that reached the archive
    missing: Counter[str] = field(default_factory=Counter)  # field -> article pages without it
    examples: dict[str, list[str]] = field(default_factory=dict)  # field/reason -> URLs
    rejects: Counter[str] = field(default_factory=Counter)  # reason -> pages
    known_visited: int = 0  # known article pages fetched with 200
    home_failure: str | None = None  # why the start page could not be fetched
    doubtful: Counter[str] = field(default_factory=Counter)  # field -> pages doubting it
    repeats: RepeatedValues = field(default_factory=RepeatedValues)  # one value on most?
    #: field -> pages read before the page template was learned that read otherwise with it
    template_differs: Counter[str] = field(default_factory=Counter)

    def example(self, name: str, url: str) -> None:
        urls = self.examples.setdefault(name, [])
        if len(urls) < EXAMPLES and url not in urls:
            urls.append(url)


class CrawlSession:
    """The crawl's archive session (see the module doc)."""

    #: How the store is opened; tests may replace it.
    store_opener: ClassVar[Callable[..., ArchiveStore]] = staticmethod(open_store)

    def __init__(self, crawler: Crawler, config: HgcrawlerConfig) -> None:
        self.crawler = crawler
        self.config = config
        self.stats = crawler.stats
        self.tally = CrawlTally()
        self.store: ArchiveStore | None = None
        self.journal: SpillJournal | None = None
        self.crawl_id: str | None = None
        self.plan_loaded: CrawlPlan | None = None
        #: the site's counter templates (hgcrawler.fetch.counters), loaded with the plan
        self.templates_loaded: list[dict[str, Any]] = []
        self._templates_source: Callable[[], list[dict[str, Any]]] | None = None
        #: the site's page template (hgcrawler.read.pagetemplate), loaded with the plan
        self.page_template_loaded: PageTemplate | None = None
        self._page_template_source: Callable[[], PageTemplate | None] | None = None
        self.history: list[dict[str, Any]] = []
        self.summary: dict[str, Any] | None = None
        #: the archive pipeline, once it has attached itself (see :meth:`attach`)
        self.writer: ArchiveWriter | None = None
        self.interrupted_by: str | None = None
        self.open_error: Exception | None = None
        self._ready = asyncio.Event()
        self._executor: ThreadPoolExecutor | None = None
        self._lock = SingleInstanceLock(config.archive.lock_path)
        self._finished = False
        self._previous_handlers: dict[int, Any] = {}
        self._stop_timer: asyncio.TimerHandle | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlSession:
        config = crawl_config(crawler)
        config.check_politeness()
        session = cls(crawler, config)
        crawler.signals.connect(session.spider_opened, signal=scrapy_signals.spider_opened)
        crawler.signals.connect(session.spider_closed, signal=scrapy_signals.spider_closed)
        return session

    def attach(self, writer: ArchiveWriter) -> None:
        """The archive pipeline announces itself: its totals go into the crawl record."""
        self.writer = writer

    def attach_templates(self, source: Callable[[], list[dict[str, Any]]]) -> None:
        """The spider's counter templates: saved in the archive when the crawl ends."""
        self._templates_source = source

    def attach_page_template(self, source: Callable[[], PageTemplate | None]) -> None:
        """The spider's learned page template: saved with the site when the crawl ends."""
        self._page_template_source = source

    @property
    def site(self) -> str:
        """The site profile this crawl archives (its templates are the site's)."""
        return self.config.site.name

    # --- the worker thread ----------------------------------------------------------

    def in_worker(self, function: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        """Run ``function(*args)`` in the session's one worker thread."""
        if self._executor is None:
            raise RuntimeError("the crawl session is not open")
        return asyncio.wrap_future(self._executor.submit(function, *args))

    # --- opening --------------------------------------------------------------------

    async def spider_opened(self) -> None:
        self._install_signal_handlers()
        try:
            self._lock.acquire()
        except (LockBusy, OSError) as exc:
            self._failed_to_open(exc, "locked")
            return
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hgcrawler-archive")
        try:
            await self.in_worker(self._open)
        except (DatabaseError, StoreError, OSError) as exc:
            self._failed_to_open(exc, "archive_unavailable")
            return
        self.stats.set_value("hgcrawler/crawl_id", self.crawl_id)
        self._ready.set()

    def _failed_to_open(self, error: Exception, reason: str) -> None:
        self.open_error = error
        logger.error("cannot start the crawl: %s", error)
        self.stats.set_value("hgcrawler/crawl_status", "failed")
        self.stats.set_value("hgcrawler/open_error", str(error))
        self.stats.set_value("hgcrawler/open_error_kind", reason)
        self._ready.set()

    def _open(self) -> None:
        """In the worker: open the store, replay the journal, record the crawl, load the plan."""
        config = self.config
        store = self.store_opener(config.archive, config.site.name)
        self.store = store
        store.ensure_indexes()
        store.finish_pending_joins()
        journal = SpillJournal(config.archive.journal_dir)
        pending = journal.pending_count()
        if pending:
            logger.info("replaying %d journalled records from %s", pending, journal.path)
            journal.replay(store)
        store.mark_interrupted(exclude=[config.archive.crawl_id or ""])
        crawl_id = store.begin_crawl(
            config.mode,
            config.start_url,
            crawl_id=config.archive.crawl_id,
            hosts=config.allowed_hosts,
        )
        journal.crawl_id = crawl_id
        plan = store.load_plan(config.mode, dt.datetime.now(dt.UTC), config.revisit)
        plan.crawl_id = crawl_id
        self.history = store.recent_crawls(exclude=crawl_id)
        load_templates = getattr(store, "load_templates", None)  # stores without: no memory
        if load_templates is not None:
            self.templates_loaded = load_templates(self.site)
        load_page_template = getattr(store, "load_page_template", None)
        if load_page_template is not None:
            doc = load_page_template(self.site)
            try:
                self.page_template_loaded = PageTemplate.from_doc(doc) if doc else None
            except (ValueError, TypeError) as exc:  # a damaged document: learn anew
                logger.warning("ignoring the stored page template of %s: %s", self.site, exc)
        self.journal, self.crawl_id, self.plan_loaded = journal, crawl_id, plan
        logger.info(
            "crawl %s (%s): %d known articles, %d due for a revisit, %d known pages",
            crawl_id,
            config.mode,
            len(plan.known_articles),
            len(plan.due),
            len(plan.known_pages),
        )

    async def plan(self) -> CrawlPlan:
        """The crawl plan, once the archive is open; :class:`StoreError` if it could not be."""
        await self._ready.wait()
        if self.open_error is not None or self.plan_loaded is None:
            raise ArchiveUnavailable(f"the archive could not be opened: {self.open_error}")
        return self.plan_loaded

    async def counter_templates(self) -> list[dict[str, Any]]:
        """The site's counter templates as the archive holds them (after :meth:`plan`)."""
        await self._ready.wait()
        return self.templates_loaded

    async def page_template(self) -> PageTemplate | None:
        """The site's page template as the last crawl learned it (after :meth:`plan`)."""
        await self._ready.wait()
        return self.page_template_loaded

    async def _save_templates(self) -> None:
        await self._save_page_template()
        save_templates = getattr(self.store, "save_templates", None)
        if self._templates_source is None or save_templates is None:
            return
        try:
            docs = self._templates_source()
            if docs:
                await self.in_worker(save_templates, self.site, docs)
        except StoreError as exc:
            logger.error("cannot save the counter templates: %s", exc)

    async def _save_page_template(self) -> None:
        save = getattr(self.store, "save_page_template", None)
        if self._page_template_source is None or save is None:
            return
        template = self._page_template_source()
        if template is None:
            return
        try:
            await self.in_worker(save, self.site, template.to_doc())
        except StoreError as exc:
            logger.error("cannot save the page template: %s", exc)

    # --- what the spider and the pipeline saw (the tally judged at the end) -----------

    def count_known_visit(self) -> None:
        """A known article's page was fetched (and answered as a page, not gone)."""
        self.tally.known_visited += 1

    def home_failed(self, why: str) -> None:
        """The start page could not be fetched: ``why``, in words."""
        self.tally.home_failure = why

    def note_template_difference(self, name: str, url: str) -> None:
        """``url``, read before the page template was learned, reads its ``name`` otherwise
        with it."""
        self.tally.template_differs[name] += 1
        self.tally.example(f"template:{name}", url)

    def count_article(self, record: Mapping[str, Any]) -> None:
        """An article record reached the archive: which of its fields are missing or
        doubted, and whether its values repeat on most pages."""
        tally = self.tally
        tally.article_pages += 1
        tally.article_records += 1
        url = str(record.get("url") or "")
        present = {
            "views": record.get("views") is not None,
            "updated_on": bool(record.get("updated_on")),
            "author": bool(record.get("author")),
            "images": bool(record.get("images")),
            "body": bool(record.get("body")),
        }
        for name, found in present.items():
            if not found:
                tally.missing[name] += 1
                tally.example(name, url)
        for name in record.get("doubtful") or ():
            tally.doubtful[name] += 1
            tally.example(f"doubtful:{name}", url)
        tally.repeats.add(record, url)

    def count_reject(self, reason: str, url: str) -> None:
        """A page was rejected for ``reason``; an article page's reasons count it as one."""
        tally = self.tally
        tally.rejects[reason] += 1
        tally.example(reason, url)
        if reason in ARTICLE_PAGE_REASONS:
            tally.article_pages += 1

    def note_gone(self, article_id: Any, url: str) -> None:
        """A known article is gone: an example URL of a mass removal
        (:func:`hgcrawler.crawl.outcome.mass_removal`), unless an earlier mass removal had marked
        it removed already (it is checked again)."""
        plan = self.plan_loaded
        if plan is None or str(article_id) not in plan.recheck:
            self.tally.example("gone", url)

    @property
    def is_open(self) -> bool:
        return self.store is not None and self.crawl_id is not None and self.open_error is None

    # --- Ctrl-C and SIGTERM -----------------------------------------------------------

    def _install_signal_handlers(self) -> None:
        """Ours first, then Scrapy's graceful shutdown (which it installed at start-up)."""
        for signum in (signal.SIGINT, signal.SIGTERM):
            try:
                self._previous_handlers[signum] = signal.getsignal(signum)
                signal.signal(signum, self._on_signal)
            except ValueError:  # not the main thread (a test's reactor): Scrapy's stay
                return

    def _on_signal(self, signum: int, frame: Any) -> None:
        from twisted.internet import reactor

        name = signal.Signals(signum).name
        first = self.interrupted_by is None
        if first:
            self.interrupted_by = name
        reactor.callFromThread(self._stopping, name, first)
        previous = self._previous_handlers.get(signum)
        if callable(previous):
            previous(signum, frame)

    def _stopping(self, name: str, first: bool) -> None:
        timeout = self.config.outcome.stop_timeout
        if first:
            print(
                f"hgcrawler: {name} received: stopping the crawl (at most {timeout:g} s); "
                "send it again to stop at once",
                file=sys.stderr,
                flush=True,
            )
            loop = asyncio.get_running_loop()
            self._stop_timer = loop.call_later(timeout, self._force_stop, "still running")
            self._drop_queued()
        else:
            self._force_stop("a second signal")

    def _drop_queued(self) -> None:
        """Requests waiting out a politeness delay are not sent once a stop is asked
        (:mod:`hgcrawler.crawl.stopping`); again until the crawl closes, for those that
        responses already on their way still add."""
        if self._finished:
            return
        drop_queued_requests(self.crawler)
        asyncio.get_running_loop().call_later(0.2, self._drop_queued)

    def _force_stop(self, why: str) -> None:
        """Record the crawl as interrupted, then stop the reactor (records stay journalled)."""
        if self._finished:
            return
        print(f"hgcrawler: forcing the stop ({why})", file=sys.stderr, flush=True)
        logger.warning("forcing the stop of crawl %s (%s)", self.crawl_id, why)
        task = asyncio.ensure_future(self._finish_forced())
        task.add_done_callback(lambda _: self._stop_reactor())

    async def _finish_forced(self) -> None:
        try:
            await asyncio.wait_for(self._record_end(forced=True), timeout=2.0)
        except Exception as exc:  # the next crawl marks it interrupted (its pid is gone)
            logger.error("could not record the interrupted crawl: %s", exc)

    @staticmethod
    def _stop_reactor() -> None:
        from twisted.internet import reactor

        running: Any = reactor
        if running.running:
            running.stop()

    # --- closing ----------------------------------------------------------------------

    async def spider_closed(self, reason: str) -> None:
        if self._stop_timer is not None:
            self._stop_timer.cancel()
        try:
            if not self._finished:
                await self._record_end(reason=reason)
        finally:
            self._release()

    async def _record_end(self, *, reason: str = "shutdown", forced: bool = False) -> None:
        """Judge the crawl and record its end (in the database, else in the journal)."""
        if self._finished:
            return
        self._finished = True
        counts = self.counts()
        verdict = outcome.judge(self.outcome_inputs(reason, forced=forced))
        self.stats.set_value("hgcrawler/crawl_status", verdict.status)
        if not self.is_open:
            self.summary = {
                "_id": self.crawl_id,
                "mode": self.config.mode,
                "status": verdict.status,
                "counts": counts,
                "problems": verdict.problems,
            }
            self.stats.set_value("hgcrawler/crawl_summary", self.summary)
            return
        assert self.store is not None and self.crawl_id is not None
        await self._save_templates()
        try:
            self.summary = await self.in_worker(
                self.store.finish_crawl,
                self.crawl_id,
                verdict.status,
                counts,
                verdict.problems,
                verdict.extra,
            )
        except StoreError as exc:
            logger.error("cannot record the end of crawl %s: %s", self.crawl_id, exc)
            self.summary = {
                "_id": self.crawl_id,
                "mode": self.config.mode,
                "status": "failed",
                "counts": counts,
                "problems": [*verdict.problems, f"the crawl record could not be updated: {exc}"],
            }
            self._journal_crawl_end(self.summary)
        self.stats.set_value("hgcrawler/crawl_status", self.summary.get("status", verdict.status))
        self.stats.set_value("hgcrawler/crawl_summary", self.summary)
        logger.info("crawl %s %s: %s", self.crawl_id, verdict.status, counts)
        for problem in verdict.problems:
            logger.warning("crawl %s: %s", self.crawl_id, problem)

    def _journal_crawl_end(self, summary: dict[str, Any]) -> None:
        """Keep the crawl's final status in the journal: replaying it updates the record."""
        if self.journal is None:
            return
        try:
            self.journal.append({**summary, "type": CRAWL_END})
            self.journal.seal(sync=True)
        except OSError as exc:
            logger.error("cannot journal the end of the crawl: %s", exc)

    def _release(self) -> None:
        if self._executor is not None:
            store = self.store
            if store is not None:
                self._executor.submit(store.close)
            self._executor.shutdown(wait=True)
            self._executor = None
        self._lock.release()
        for signum, handler in self._previous_handlers.items():
            with contextlib.suppress(ValueError, TypeError):
                signal.signal(signum, handler)

    # --- what the crawl did -----------------------------------------------------------

    def counts(self) -> dict[str, int]:
        stats = self.stats

        def stat(name: str) -> int:
            return int(stats.get_value(name, 0) or 0)

        pipeline = self.writer
        totals = pipeline.totals if pipeline is not None else None
        counts = {
            "pages": stat("response_received_count"),
            "articles": totals.articles if totals else 0,
            "new": totals.new if totals else 0,
            "revisited": totals.revisited if totals else 0,
            "changed": totals.changed if totals else 0,
            "removed": totals.removed if totals else 0,
            "moved": totals.moved if totals else 0,
            "rejected": totals.rejected if totals else 0,
            "collisions": totals.collisions if totals else 0,
            "views_down": totals.views_down if totals else 0,
            "layout_changed": (totals.layout_changed if totals else 0)
            + self.tally.rejects.get("layout_changed", 0),
            "errors": stat("log_count/ERROR"),
            "rendered": stat("hgcrawler/rendered"),
            "spilled": pipeline.spilled_records if pipeline is not None else 0,
            "retried": stat("retry/count"),
            "traps": stat("hgcrawler/traps"),
        }
        return counts

    def outcome_inputs(self, reason: str, *, forced: bool = False) -> outcome.Inputs:
        pipeline = self.writer
        plan = self.plan_loaded
        robots = {
            key: value
            for key, value in self.stats.get_stats().items()
            if key.startswith("robotstxt/")
        }
        return outcome.Inputs(
            mode=self.config.mode,
            start_url=self.config.start_url,
            close_reason=reason,
            interrupted_by=self.interrupted_by,
            forced=forced,
            open_error=str(self.open_error) if self.open_error is not None else None,
            pages=int(self.stats.get_value("response_received_count", 0) or 0),
            download_errors={
                key.rsplit("/", 1)[-1]: int(value)
                for key, value in self.stats.get_stats().items()
                if key.startswith("downloader/exception_type_count/")
            },
            robots=robots,
            home_failure=self.tally.home_failure,
            known_articles=len({v for v in plan.known_articles.values()}) if plan else 0,
            due=len(plan.due) if plan else 0,
            known_visited=self.tally.known_visited,
            article_pages=self.tally.article_pages,
            article_records=self.tally.article_records,
            stored=pipeline.totals.articles if pipeline is not None else 0,
            missing=dict(self.tally.missing),
            doubtful=dict(self.tally.doubtful),
            repeated=self.tally.repeats.repeated(),
            template_differs=dict(self.tally.template_differs),
            examples={k: list(v) for k, v in self.tally.examples.items()},
            rejects=dict(self.tally.rejects),
            layout_regressions=pipeline.totals.layout_changed if pipeline is not None else 0,
            collisions=pipeline.totals.collisions if pipeline is not None else 0,
            views_down=pipeline.totals.views_down if pipeline is not None else 0,
            spilled=pipeline.spilled_records if pipeline is not None else 0,
            spill_error=pipeline.spill_error if pipeline is not None else None,
            journal_error=pipeline.journal_error if pipeline is not None else None,
            history=self.history,
            thresholds=self.config.outcome,
            **self._removal_inputs(),
        )

    def _removal_inputs(self) -> dict[str, int]:
        """What a mass removal is judged on (:func:`hgcrawler.crawl.outcome.mass_removal`)."""
        totals = self.writer.totals if self.writer is not None else None
        return {
            "live_articles": self.plan_loaded.live if self.plan_loaded is not None else 0,
            "gone": totals.gone if totals is not None else 0,
            "removed": totals.removed if totals is not None else 0,
        }
