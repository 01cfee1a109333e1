"""The archive pipeline driven the way Scrapy drives it, against a real SecantusDB."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient
from scrapy import signals as scrapy_signals
from scrapy.exceptions import CloseSpider, DropItem
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from hgcrawler import signals
from hgcrawler.items import ArticleItem
from hgcrawler.pipelines.archive import MongoArchivePipeline, get_plan
from hgcrawler.storage import SpillJournal, StoreError


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
        "lede": "Tóm tắt",
        "body": f"Nội dung {number}",
        "images": [],
        "author": "PV",
        "problems": [],
        "rendered": False,
        "render_reason": None,
        "warc": None,
    }
    fields.update(overrides)
    return ArticleItem(**fields)


def build(tmp_path: Path, uri: str, database: str, **settings: Any) -> MongoArchivePipeline:
    crawler = get_crawler(
        settings_dict={
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
    pipeline = build_from_crawler(MongoArchivePipeline, crawler)
    assert isinstance(pipeline, MongoArchivePipeline)
    return pipeline


def db(uri: str, name: str) -> Any:
    return MongoClient(uri, tz_aware=True)[name]


def test_a_crawl_end_to_end(tmp_path: Path, mongo_uri: str, archive_db_name: str) -> None:
    pipeline = build(tmp_path, mongo_uri, archive_db_name)
    crawler = pipeline.crawler
    send = crawler.signals.send_catch_log

    async def crawl() -> None:
        await pipeline.open_spider()
        plan = await get_plan(crawler)
        assert plan is pipeline.plan and plan.due == [] and plan.crawl_id == pipeline.crawl_id
        items = [make_item(n) for n in range(1, 6)]
        for item in items:
            assert await pipeline.process_item(item) is item
        assert "article_id" not in items[0]  # items keep their own fields
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
            exception=DropItem("missing_title: the page has no <h1>"),
        )
        crawler.stats.set_value("response_received_count", 8)
        await pipeline.close_spider()

    asyncio.run(crawl())

    archive = db(mongo_uri, archive_db_name)
    crawl_id = pipeline.crawl_id
    assert archive.articles.count_documents({}) == 5
    assert archive.observations.count_documents({"crawl_id": crawl_id}) == 5
    assert archive.pages.count_documents({}) == 1
    reasons = sorted(doc["reason"] for doc in archive.rejects.find({"crawl_id": crawl_id}))
    assert reasons == ["missing_title", "not_parsable"]
    dropped = archive.rejects.find_one({"reason": "missing_title"})
    assert dropped["detail"] == "the page has no <h1>"
    assert dropped["url"] == "https://haugiang.dcs.vn/tin/bai-viet-99.html"
    record = archive.crawls.find_one({"_id": crawl_id})
    assert record["status"] == "finished"
    assert record["counts"]["new"] == 5 and record["counts"]["pages"] == 8
    assert record["counts"]["rejected"] == 2
    assert pipeline.summary is not None and pipeline.summary["_id"] == crawl_id
    stats = crawler.stats
    assert stats.get_value("hgcrawler/crawl_id") == crawl_id
    assert stats.get_value("hgcrawler/articles/new") == 5
    assert stats.get_value("hgcrawler/rejected/missing_title") == 1
    assert stats.get_value("hgcrawler/db/batches") >= 2
    assert list(SpillJournal(tmp_path / "journal" / archive_db_name).pending()) == []

    # the next crawl sees the archive in its plan
    again = build(tmp_path, mongo_uri, archive_db_name, HGCRAWLER_MODE="full")

    async def second() -> None:
        await again.open_spider()
        plan = await get_plan(again.crawler)
        assert len(plan.due) == 5
        assert plan.known_articles["https://haugiang.dcs.vn/tin/bai-viet-3.html"] == "3"
        assert plan.known_pages == {"https://haugiang.dcs.vn/": "listing"}
        await again.process_item(make_item(3, body="Nội dung đã sửa"))
        await again.close_spider()

    asyncio.run(second())
    assert archive.revisions.count_documents({"article_id": "3"}) == 2
    assert again.summary is not None and again.summary["counts"]["changed"] == 1
    archive.client.close()


def test_timer_flushes_a_small_batch(tmp_path: Path, mongo_uri: str, archive_db_name: str) -> None:
    pipeline = build(
        tmp_path,
        mongo_uri,
        archive_db_name,
        HGCRAWLER_WRITE_BATCH_SIZE=100,
        HGCRAWLER_FLUSH_INTERVAL=0.2,
    )
    archive = db(mongo_uri, archive_db_name)

    async def crawl() -> int:
        await pipeline.open_spider()
        await pipeline.process_item(make_item(1))
        await asyncio.sleep(1.0)
        written = archive.articles.count_documents({})
        await pipeline.close_spider()
        return written

    assert asyncio.run(crawl()) == 1
    archive.client.close()


def test_degraded_when_views_are_missing(
    tmp_path: Path, mongo_uri: str, archive_db_name: str
) -> None:
    pipeline = build(tmp_path, mongo_uri, archive_db_name, HGCRAWLER_DEGRADED_THRESHOLD=0.5)

    async def crawl() -> None:
        await pipeline.open_spider()
        await pipeline.process_item(make_item(1))
        for n in (2, 3, 4):
            await pipeline.process_item(
                make_item(n, views=None, problems=["views"], render_reason="counter_is_javascript")
            )
        await pipeline.close_spider()

    asyncio.run(crawl())
    archive = db(mongo_uri, archive_db_name)
    record = archive.crawls.find_one({"_id": pipeline.crawl_id})
    assert record["status"] == "degraded"
    assert any("views (3/4)" in problem for problem in record["problems"])
    article = archive.articles.find_one({"_id": "2"})
    assert article["views"] is None
    assert article["views_missing_reason"] == "counter_is_javascript"
    archive.client.close()


def test_database_gone_spills_to_the_journal_then_replays(
    tmp_path: Path, mongo_uri: str, archive_db_name: str
) -> None:
    pipeline = build(tmp_path, mongo_uri, archive_db_name)

    async def crawl() -> None:
        await pipeline.open_spider()
        await pipeline.process_item(make_item(1))
        store = pipeline.store
        assert store is not None

        def broken(crawl_id: str, records: Any) -> Any:
            raise StoreError("writing a batch failed after 1 attempts: connection refused")

        store.write_batch = broken  # type: ignore[method-assign]
        for n in (2, 3, 4):
            assert (await pipeline.process_item(make_item(n))) is not None
        await pipeline.close_spider()

    asyncio.run(crawl())
    journal = SpillJournal(tmp_path / "journal" / archive_db_name)
    assert len(list(journal.pending())) == 4
    archive = db(mongo_uri, archive_db_name)
    record = archive.crawls.find_one({"_id": pipeline.crawl_id})
    assert record["status"] == "failed"
    assert record["problems"][0].startswith("4 records spilled to ")
    assert "hgcrawler db replay" in record["problems"][0]
    assert pipeline.crawler.stats.get_value("hgcrawler/db/spilled") == 4
    assert archive.articles.count_documents({}) == 0

    # the next crawl replays the journal before it starts
    nxt = build(tmp_path, mongo_uri, archive_db_name)

    async def next_crawl() -> None:
        await nxt.open_spider()
        await nxt.close_spider()

    asyncio.run(next_crawl())
    assert archive.articles.count_documents({}) == 4
    assert archive.observations.count_documents({"crawl_id": pipeline.crawl_id}) == 4
    assert list(journal.pending()) == []
    archive.client.close()


def test_unreachable_database_closes_the_spider(tmp_path: Path, archive_db_name: str) -> None:
    pipeline = build(
        tmp_path, "mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=300", archive_db_name
    )

    async def crawl() -> None:
        with pytest.raises(CloseSpider):
            await pipeline.open_spider()
        with pytest.raises(StoreError):
            await get_plan(pipeline.crawler)
        await pipeline.close_spider()

    asyncio.run(crawl())
    assert pipeline.crawler.stats.get_value("hgcrawler/crawl_status") == "failed"
