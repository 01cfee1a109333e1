"""The crawl session and the archive pipeline driven the way Scrapy drives them,
against a real SecantusDB."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient
from scrapy import signals as scrapy_signals
from scrapy.extension import ExtensionManager
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from hgcrawler import signals
from hgcrawler.crawl.session import ArchiveUnavailable, CrawlSession
from hgcrawler.items import ArticleItem
from hgcrawler.pipelines.archive import ArchivePipeline
from hgcrawler.pipelines.validation import RejectItem
from hgcrawler.read.reasons import Reason
from hgcrawler.storage import SpillJournal, StoreError
from tests.archive_view import aid, count


def make_item(number: int, **overrides: Any) -> ArticleItem:
    url = f"https://haugiang.dcs.vn/tin/bai-viet-{number}.html"
    fields: dict[str, Any] = {
        "url": url,
        "requested_url": url,
        "redirect_urls": [],
        "status": 200,
        "fetched_at": "2026-11-27T08:00:00+00:00",
        "title": f"Bài {number}",
        "category": "Tin tức",
        "updated_on": dt.date(2026, 11, 26),
        "views": 10 * number,
        "lede": f"Tóm tắt bài {number}",
        "body": f"Nội dung của bài {number}",
        "images": [],
        "author": "PV",
        "problems": [],
        "rendered": False,
        "render_reason": None,
        "warc": None,
    }
    fields.update(overrides)
    return ArticleItem(**fields)


class Crawl:
    """A crawler's session and archive pipeline, opened and closed as Scrapy does."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        session = crawler.get_extension(CrawlSession)
        assert isinstance(session, CrawlSession)
        self.session = session
        self.pipeline = build_from_crawler(ArchivePipeline, crawler)

    async def open(self) -> None:
        await self.session.spider_opened()
        await self.pipeline.open_spider()

    async def close(self, reason: str = "finished") -> None:
        await self.pipeline.close_spider()
        await self.session.spider_closed(reason)

    async def item(self, item: ArticleItem) -> Any:
        return await self.pipeline.process_item(item)


def build(tmp_path: Path, uri: str, database: str, **settings: Any) -> Crawl:
    crawler = get_crawler(
        settings_dict={
            "EXTENSIONS_BASE": {},
            "EXTENSIONS": {"hgcrawler.crawl.session.CrawlSession": 100},
            "HGCRAWLER_START_URL": "http://127.0.0.1:1/",
            "HGCRAWLER_MONGO_URI": uri,
            "HGCRAWLER_MONGO_DATABASE": database,
            "HGCRAWLER_DATA_DIR": str(tmp_path),
            "HGCRAWLER_WRITE_BATCH_SIZE": 3,
            "HGCRAWLER_WRITE_RETRIES": 0,
            "HGCRAWLER_SLUG_IDS": True,  # the test URLs end in the site's ids
            **settings,
        }
    )
    crawler.stats.open_spider()
    crawler.extensions = build_from_crawler(ExtensionManager, crawler)
    return Crawl(crawler)


def db(uri: str, name: str) -> Any:
    return MongoClient(uri, tz_aware=True)[name]


def test_a_crawl_end_to_end(tmp_path: Path, mongo_uri: str, archive_db_name: str) -> None:
    first = build(tmp_path, mongo_uri, archive_db_name)
    crawler, session = first.crawler, first.session
    send = crawler.signals.send_catch_log

    async def crawl() -> None:
        await first.open()
        plan = await session.plan()
        assert plan.due == [] and plan.crawl_id == session.crawl_id
        items = [make_item(n) for n in range(1, 6)]
        for item in items:
            assert await first.item(item) is item
        assert "key" not in items[0]  # items keep their own fields
        send(
            signals.page_seen,
            record={
                "url": "https://haugiang.dcs.vn/",
                "kind": "listing",
                "status": 200,
                "fetched_at": "2026-11-27T08:00:00Z",
            },
        )
        send(
            signals.page_rejected,
            record={
                "url": "https://haugiang.dcs.vn/x.html",
                "reason": "not_parsable",
                "detail": "no body",
                "status": 200,
                "excerpt": "<html>",
                "fetched_at": "2026-11-27T08:00:00Z",
            },
        )
        bad = make_item(99, title="")
        send(
            scrapy_signals.item_dropped,
            item=bad,
            response=None,
            spider=None,
            exception=RejectItem(Reason.MISSING_TITLE, "the page has no <h1>"),
        )
        crawler.stats.set_value("response_received_count", 8)
        await first.close()

    asyncio.run(crawl())

    archive = db(mongo_uri, archive_db_name)
    crawl_id = session.crawl_id
    assert archive.articles.count_documents({"site": "haugiang"}) == 5
    assert count(archive, crawl_id) == 5
    assert archive.pages.count_documents({"kind": "listing"}) == 1
    # the two article pages that did not parse, known as such to the next crawl's plan
    rejected = {doc["url"] for doc in archive.pages.find({"kind": "rejected"})}
    assert rejected == {
        "https://haugiang.dcs.vn/x.html",
        "https://haugiang.dcs.vn/tin/bai-viet-99.html",
    }
    reasons = sorted(doc["reason"] for doc in archive.rejects.find({"crawl_id": crawl_id}))
    assert reasons == ["missing_title", "not_parsable"]
    dropped = archive.rejects.find_one({"reason": "missing_title"})
    assert dropped["detail"] == "the page has no <h1>"
    assert dropped["url"] == "https://haugiang.dcs.vn/tin/bai-viet-99.html"
    record = archive.crawls.find_one({"_id": crawl_id})
    assert record["status"] == "finished", record["problems"]
    assert record["site"] == "haugiang"
    assert {doc["site"] for doc in archive.rejects.find({})} == {"haugiang"}
    # the sum of every article's latest count, from the site's series
    assert (record["views_total"], record["articles_counted"]) == (150, 5)
    assert record["counts"]["new"] == 5 and record["counts"]["pages"] == 8
    assert record["counts"]["rejected"] == 2
    # five stored, one rejected for its missing title, one that looked like an article
    assert record["article_pages"] == 7
    assert record["fill"]["views"] == 1.0 and record["fill"]["images"] == 0.0
    assert session.summary is not None and session.summary["_id"] == crawl_id
    stats = crawler.stats
    assert stats.get_value("hgcrawler/crawl_id") == crawl_id
    assert stats.get_value("hgcrawler/articles/new") == 5
    assert stats.get_value("hgcrawler/rejected/missing_title") == 1
    assert stats.get_value("hgcrawler/db/batches") >= 2
    assert list(SpillJournal(tmp_path / "journal" / archive_db_name).pending()) == []

    # the next crawl sees the archive in its plan
    again = build(tmp_path, mongo_uri, archive_db_name, HGCRAWLER_MODE="full")

    async def second() -> None:
        await again.open()
        plan = await again.session.plan()
        assert len(plan.due) == 5
        assert plan.known_articles["https://haugiang.dcs.vn/tin/bai-viet-3.html"] == aid(3)
        assert plan.known_pages == {
            "https://haugiang.dcs.vn/": "listing",
            "https://haugiang.dcs.vn/x.html": "rejected",
            "https://haugiang.dcs.vn/tin/bai-viet-99.html": "rejected",
        }
        await again.item(make_item(3, body="Nội dung đã sửa"))
        await again.close()

    asyncio.run(second())
    assert archive.revisions.count_documents({"article_id": aid(3)}) == 2
    assert again.session.summary is not None
    assert again.session.summary["counts"]["changed"] == 1
    archive.client.close()


def test_timer_flushes_a_small_batch(tmp_path: Path, mongo_uri: str, archive_db_name: str) -> None:
    crawl_ = build(
        tmp_path,
        mongo_uri,
        archive_db_name,
        HGCRAWLER_WRITE_BATCH_SIZE=100,
        HGCRAWLER_FLUSH_INTERVAL=0.2,
    )
    archive = db(mongo_uri, archive_db_name)

    async def crawl() -> int:
        await crawl_.open()
        await crawl_.item(make_item(1))
        # the 0.2 s timer writes it long before the batch of 100 is full (or close)
        deadline = time.monotonic() + 10
        while (written := archive.articles.count_documents({})) == 0:
            assert time.monotonic() < deadline, "the timer wrote nothing"
            await asyncio.sleep(0.05)
        await crawl_.close()
        return written

    assert asyncio.run(crawl()) == 1
    archive.client.close()


def test_degraded_when_views_are_missing(
    tmp_path: Path, mongo_uri: str, archive_db_name: str
) -> None:
    crawl_ = build(tmp_path, mongo_uri, archive_db_name, HGCRAWLER_DEGRADED_THRESHOLD=0.5)

    async def crawl() -> None:
        await crawl_.open()
        crawl_.crawler.stats.set_value("response_received_count", 5)
        await crawl_.item(make_item(1))
        for n in (2, 3, 4):
            await crawl_.item(
                make_item(n, views=None, problems=["views"], render_reason="counter_is_javascript")
            )
        await crawl_.close()

    asyncio.run(crawl())
    archive = db(mongo_uri, archive_db_name)
    record = archive.crawls.find_one({"_id": crawl_.session.crawl_id})
    assert record["status"] == "degraded"
    assert any("3 of 4 article pages lack the view count" in p for p in record["problems"])
    article = archive.articles.find_one({"_id": aid(2)})
    assert article["views"] is None
    assert article["views_missing_reason"] == "counter_is_javascript"
    archive.client.close()


def test_database_gone_spills_to_the_journal_then_replays(
    tmp_path: Path, mongo_uri: str, archive_db_name: str
) -> None:
    crawl_ = build(tmp_path, mongo_uri, archive_db_name)

    async def crawl() -> None:
        await crawl_.open()
        crawl_.crawler.stats.set_value("response_received_count", 5)
        await crawl_.item(make_item(1))
        store = crawl_.session.store
        assert store is not None

        def broken(crawl_id: str, records: Any) -> Any:
            raise StoreError("writing a batch failed after 1 attempts: connection refused")

        store.write_batch = broken  # type: ignore[method-assign]
        for n in (2, 3, 4):
            assert (await crawl_.item(make_item(n))) is not None
        await crawl_.close()

    asyncio.run(crawl())
    journal = SpillJournal(tmp_path / "journal" / archive_db_name)
    assert len(list(journal.pending())) == 4
    archive = db(mongo_uri, archive_db_name)
    record = archive.crawls.find_one({"_id": crawl_.session.crawl_id})
    assert record["status"] == "failed"
    assert record["problems"][0].startswith("4 records could not be written")
    assert "hgcrawler db replay" in record["problems"][0]
    assert crawl_.crawler.stats.get_value("hgcrawler/db/spilled") == 4
    assert archive.articles.count_documents({}) == 0

    # the next crawl replays the journal before it starts
    nxt = build(tmp_path, mongo_uri, archive_db_name)

    async def next_crawl() -> None:
        await nxt.open()
        await nxt.close()

    asyncio.run(next_crawl())
    assert archive.articles.count_documents({}) == 4
    assert count(archive, crawl_.session.crawl_id) == 4
    assert list(journal.pending()) == []
    archive.client.close()


def test_unreachable_database_fails_the_crawl(tmp_path: Path, archive_db_name: str) -> None:
    crawl_ = build(tmp_path, "mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=300", archive_db_name)

    async def crawl() -> None:
        await crawl_.open()
        with pytest.raises(ArchiveUnavailable):
            await crawl_.session.plan()
        await crawl_.close("finished")

    asyncio.run(crawl())
    assert crawl_.crawler.stats.get_value("hgcrawler/crawl_status") == "failed"
    summary = crawl_.session.summary
    assert summary is not None and summary["status"] == "failed"
    assert "could not start" in summary["problems"][0]


def test_a_second_session_on_the_same_data_dir_is_locked(
    tmp_path: Path, mongo_uri: str, archive_db_name: str
) -> None:
    first = build(tmp_path, mongo_uri, archive_db_name)
    second = build(tmp_path, mongo_uri, archive_db_name)

    async def crawl() -> None:
        await first.open()
        await second.open()
        with pytest.raises(ArchiveUnavailable, match="another hgcrawler crawl is running"):
            await second.session.plan()
        assert second.crawler.stats.get_value("hgcrawler/open_error_kind") == "locked"
        await second.close()
        await first.close()

    asyncio.run(crawl())
    archive = db(mongo_uri, archive_db_name)
    assert archive.crawls.count_documents({}) == 1  # the locked one recorded nothing
    archive.client.close()
