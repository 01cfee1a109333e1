"""write_batch semantics against a real SecantusDB server."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from hgcrawler.plan import REJECTED_PAGE
from hgcrawler.read.urls import ArticleKeys
from hgcrawler.storage import MongoArchiveStore, RevisitPolicy
from hgcrawler.storage.mongo import content_hash
from hgcrawler.storage.writer import urls_of
from tests.archive_view import aid, count, observations, one

UTC = dt.UTC
URL = "https://haugiang.dcs.vn/tin/hoi-nghi-tinh-uy-1234.html"


@pytest.fixture
def store(mongo_uri: str, archive_db_name: str) -> Iterator[MongoArchiveStore]:
    archive = MongoArchiveStore(mongo_uri, archive_db_name, write_retries=1)
    archive.ensure_indexes()
    yield archive
    archive.close()


def article(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "type": "article",
        "url": URL,
        "requested_url": URL,
        "redirect_urls": [],
        "status": 200,
        "fetched_at": "2026-11-01T08:00:00+00:00",
        "title": "Hội nghị Tỉnh ủy",
        "category": "Tin tức",
        "updated_on": dt.date(2026, 10, 30),
        "views": 120,
        "lede": "Sáng nay...",
        "body": "Đoạn một.\n\nĐoạn hai.",
        "images": [{"src": "https://haugiang.dcs.vn/a.jpg", "caption": "Ảnh"}],
        "author": "Minh Anh",
        "rendered": False,
        "warc": None,
    }
    record.update(overrides)
    return keyed(record)


SLUG_IDS = ArticleKeys(slug_ids=True)


def keyed(record: dict[str, Any], keys: ArticleKeys = SLUG_IDS) -> dict[str, Any]:
    """The keys the archive pipeline adds (here: a site whose slugs end in ids)."""
    record.setdefault("key", keys.key(record["url"]))
    record.setdefault("redirect_keys", [k for k in map(keys.site_id, urls_of(record)[1:]) if k])
    return record


def crawl(store: MongoArchiveStore, *records: dict[str, Any]) -> str:
    crawl_id = store.begin_crawl("full", "https://haugiang.dcs.vn/")
    store.write_batch(crawl_id, list(records))
    return crawl_id


def test_new_article(store: MongoArchiveStore) -> None:
    crawl_id = store.begin_crawl("full", "https://haugiang.dcs.vn/")
    result = store.write_batch(crawl_id, [article()])
    assert (result.new, result.articles, result.revisited) == (1, 1, 0)
    db = store.db
    doc = db.articles.find_one({"_id": "haugiang:1234"})
    assert doc is not None
    assert (doc["site"], doc["key"], doc["n"]) == ("haugiang", "1234", 0)
    assert doc["revision"] == 1 and doc["revision_count"] == 1
    assert doc["views"] == 120 and doc["views_peak"] == 120
    assert doc["views_at"] == dt.datetime(2026, 11, 1, 8, tzinfo=UTC)
    assert doc["updated_on"] == dt.datetime(2026, 10, 30, tzinfo=UTC)
    assert doc["first_seen_at"] == dt.datetime(2026, 11, 1, 8, tzinfo=UTC)
    assert doc["removed_at"] is None
    assert doc["content_hash"] == content_hash(article())
    revision = db.revisions.find_one({"article_id": "haugiang:1234"})
    assert revision is not None
    assert revision["_id"] == f"haugiang:1234:{doc['content_hash']}"
    assert revision["site"] == "haugiang"
    assert revision["number"] == 1 and revision["first_crawl_id"] == crawl_id
    # one bucket per article and month, holding this crawl's one observation
    bucket = db.observations.find_one({"_id": "haugiang:1234|2026-11"})
    assert bucket is not None
    assert (bucket["site"], bucket["article_id"], bucket["month"]) == (
        "haugiang",
        "haugiang:1234",
        dt.datetime(2026, 11, 1, tzinfo=UTC),
    )
    fetched = dt.datetime(2026, 11, 1, 8, tzinfo=UTC)
    assert bucket["first_at"] == bucket["last_at"] == fetched
    assert bucket["obs"] == [
        {
            "at": fetched,
            "crawl": crawl_id,
            "status": 200,
            "views": 120,
            "rev": 1,
            # the address it was fetched from (a site has many: schema 4)
            "url": "https://haugiang.dcs.vn/tin/hoi-nghi-tinh-uy-1234.html",
        }
    ]
    observation = one(db, "haugiang:1234", crawl_id)
    assert observation is not None
    assert observation["views"] == 120 and observation["status"] == 200
    assert db.revisions.count_documents({}) == 1
    assert db.observations.count_documents({}) == 1
    assert count(db) == 1


def test_same_content_next_crawl(store: MongoArchiveStore) -> None:
    crawl(store, article())
    second = store.begin_crawl("incremental", "https://haugiang.dcs.vn/")
    result = store.write_batch(second, [article(fetched_at="2026-11-02T08:00:00Z", views=150)])
    assert (result.new, result.revisited, result.changed) == (0, 1, 0)
    db = store.db
    assert db.revisions.count_documents({}) == 1
    assert count(db, article_id=aid(1234)) == 2
    doc = db.articles.find_one({"_id": aid(1234)})
    assert doc is not None
    assert doc["views"] == 150 and doc["revision"] == 1 and doc["views_peak"] == 150
    assert doc["last_seen_at"] == dt.datetime(2026, 11, 2, 8, tzinfo=UTC)
    assert doc["first_seen_at"] == dt.datetime(2026, 11, 1, 8, tzinfo=UTC)
    revision = db.revisions.find_one({})
    assert revision is not None
    assert revision["last_seen_at"] == dt.datetime(2026, 11, 2, 8, tzinfo=UTC)


def test_edit_then_revert(store: MongoArchiveStore) -> None:
    crawl(store, article())
    original_hash = content_hash(article())
    edited = article(body="Đoạn một, đã sửa.", fetched_at="2026-11-02T08:00:00Z")
    second = store.begin_crawl("full", "x")
    result = store.write_batch(second, [edited])
    assert result.changed == 1
    doc = store.db.articles.find_one({"_id": aid(1234)})
    assert doc is not None
    assert doc["revision"] == 2 and doc["revision_count"] == 2
    assert doc["content_hash"] != original_hash
    assert doc["body"] == "Đoạn một, đã sửa."
    assert store.db.revisions.count_documents({"article_id": aid(1234)}) == 2

    third = store.begin_crawl("full", "x")
    result = store.write_batch(third, [article(fetched_at="2026-11-03T08:00:00Z")])
    assert result.changed == 1
    doc = store.db.articles.find_one({"_id": aid(1234)})
    assert doc is not None
    assert doc["revision"] == 1 and doc["revision_count"] == 2
    assert doc["content_hash"] == original_hash
    assert store.db.revisions.count_documents({"article_id": aid(1234)}) == 2
    assert count(store.db, article_id=aid(1234)) == 3


def test_gone_and_back(store: MongoArchiveStore) -> None:
    crawl(store, article())
    second = store.begin_crawl("revisit", "x")
    gone = {
        "type": "gone",
        "url": URL,
        "status": 404,
        "fetched_at": "2026-11-05T00:00:00Z",
        "article_id": aid(1234),
    }
    result = store.write_batch(second, [gone])
    assert result.removed == 1
    doc = store.db.articles.find_one({"_id": aid(1234)})
    assert doc is not None
    assert doc["removed_at"] == dt.datetime(2026, 11, 5, tzinfo=UTC)
    assert doc["last_status"] == 404
    observation = one(store.db, aid(1234), second)
    assert observation is not None
    assert observation["status"] == 404 and observation["views"] is None

    # still gone next time: removed_at keeps the first date
    third = store.begin_crawl("revisit", "x")
    result = store.write_batch(third, [{**gone, "fetched_at": "2026-11-06T00:00:00Z"}])
    assert result.removed == 0
    doc = store.db.articles.find_one({"_id": aid(1234)})
    assert doc is not None and doc["removed_at"] == dt.datetime(2026, 11, 5, tzinfo=UTC)

    fourth = store.begin_crawl("revisit", "x")
    store.write_batch(fourth, [article(fetched_at="2026-11-07T00:00:00Z")])
    doc = store.db.articles.find_one({"_id": aid(1234)})
    assert doc is not None
    assert doc["removed_at"] is None and doc["last_status"] == 200
    assert store.db.articles.count_documents({}) == 1


def test_a_page_replacing_a_404_of_its_crawl_leaves_the_bucket_bounded_by_its_entries(
    store: MongoArchiveStore,
) -> None:
    first = crawl(store, article(fetched_at="2026-11-01T08:00:00Z"))
    second = store.begin_crawl("full", "x")
    gone = {"type": "gone", "url": URL, "status": 404, "fetched_at": "2026-11-02T20:00:00Z"}
    store.write_batch(second, [gone])
    # the article's page, reached by a redirect later in the same crawl, fetched earlier
    moved = "https://haugiang.dcs.vn/tin/hoi-nghi-tinh-uy-1234-moi.html"
    store.write_batch(
        second,
        [article(url=moved, redirect_urls=[URL], fetched_at="2026-11-02T06:00:00Z", views=130)],
    )
    bucket = store.db.observations.find_one({"_id": "haugiang:1234|2026-11"})
    assert bucket is not None
    assert [(e["crawl"], e["status"]) for e in bucket["obs"]] == [(first, 200), (second, 200)]
    assert bucket["first_at"] == dt.datetime(2026, 11, 1, 8, tzinfo=UTC)
    assert bucket["last_at"] == dt.datetime(2026, 11, 2, 6, tzinfo=UTC)  # not the 404's time


MOVED = "https://haugiang.dcs.vn/tin/hoi-nghi-tinh-uy-1234-moi.html"


def test_a_crawl_running_into_the_next_month_observes_an_article_once(
    store: MongoArchiveStore,
) -> None:
    """Its first observation is in the bucket of the month it started in; a later batch,
    all of the next month, still finds it there (dates before today: the months from the
    crawl's start, which its id names, not only those of the batch and today)."""
    crawl_id = store.begin_crawl("full", "x", crawl_id="20260131T233000Z-abcd")
    store.write_batch(crawl_id, [article(fetched_at="2026-01-31T23:50:00Z")])
    again = article(url=MOVED, redirect_urls=[URL], fetched_at="2026-02-01T00:20:00Z")
    result = store.write_batch(crawl_id, [again])
    assert (result.duplicates, result.articles, result.new) == (1, 0, 0)
    seen = observations(store.db, crawl_id, aid(1234))
    assert [row["fetched_at"] for row in seen] == [dt.datetime(2026, 1, 31, 23, 50, tzinfo=UTC)]
    assert store.db.observations.find_one({"_id": "haugiang:1234|2026-02"}) is None


def test_a_page_replacing_a_404_of_its_crawl_of_the_month_before(
    store: MongoArchiveStore,
) -> None:
    """The 404 is pulled from its own month's bucket, which goes when left empty."""
    first = store.begin_crawl("full", "x", crawl_id="20251215T080000Z-abcd")
    store.write_batch(first, [article(fetched_at="2025-12-15T08:00:00Z")])
    second = store.begin_crawl("full", "x", crawl_id="20260131T233000Z-abcd")
    gone = {"type": "gone", "url": URL, "status": 404, "fetched_at": "2026-01-31T23:50:00Z"}
    store.write_batch(second, [gone])
    assert store.db.observations.find_one({"_id": "haugiang:1234|2026-01"}) is not None
    page = article(url=MOVED, redirect_urls=[URL], fetched_at="2026-02-01T00:20:00Z", views=130)
    store.write_batch(second, [page])
    rows = observations(store.db, article_id=aid(1234))
    assert [(row["crawl_id"], row["status"]) for row in rows] == [(first, 200), (second, 200)]
    assert store.db.observations.find_one({"_id": "haugiang:1234|2026-01"}) is None
    doc = store.db.articles.find_one({"_id": aid(1234)})
    assert doc is not None and doc["removed_at"] is None and doc["url"] == MOVED


def test_a_replayed_journal_leaves_nothing_out_of_the_view_count_series(
    store: MongoArchiveStore, mongo_uri: str, archive_db_name: str
) -> None:
    """A crawl dies (its series never saved) after writing some batches; its journal,
    replayed by the next run before that run's crawl starts, holds its later records."""
    from hgcrawler.storage import ArchiveReader

    dead = store.begin_crawl("full", "https://haugiang.dcs.vn/")
    store.write_batch(dead, [article(fetched_at="2026-11-01T08:00:00Z", views=120)])
    store.close()  # killed: no finish_crawl, no checkpoint
    later = MongoArchiveStore(mongo_uri, archive_db_name, write_retries=1)
    try:
        other = "https://haugiang.dcs.vn/tin/bai-khac-55.html"
        journalled = article(url=other, requested_url=other, title="Khác", views=7)
        later.write_batch(dead, [{**journalled, "fetched_at": "2026-11-01T09:00:00Z"}])
        later.begin_crawl("incremental", "https://haugiang.dcs.vn/")
        reader = ArchiveReader(later.db)
        totals = reader.totals()
        assert (totals["articles"], totals["live"], totals["observations"]) == (2, 2, 2)
        assert [(row["article_id"], row["views"]) for row in reader.top()] == [
            (aid(1234), 120),
            (aid(55), 7),
        ]
    finally:
        later.close()


def test_gone_for_unknown_article_writes_nothing(store: MongoArchiveStore) -> None:
    crawl_id = store.begin_crawl("revisit", "x")
    result = store.write_batch(crawl_id, [{"type": "gone", "url": URL, "status": 410}])
    assert result.ignored == 1
    assert store.db.articles.count_documents({}) == 0
    assert store.db.observations.count_documents({}) == 0
    assert count(store.db) == 0


def test_moved_article_keeps_its_id(store: MongoArchiveStore) -> None:
    old_url = "https://haugiang.dcs.vn/Default.aspx?NewsID=77"
    crawl(store, article(url=old_url, requested_url=old_url))
    new_url = "https://haugiang.dcs.vn/tin/hoi-nghi-tinh-uy-9001.html"
    second = store.begin_crawl("full", "x")
    result = store.write_batch(
        second,
        [
            article(
                url=new_url,
                requested_url=old_url,
                redirect_urls=[old_url],
                fetched_at="2026-11-02T00:00:00Z",
            )
        ],
    )
    assert (result.moved, result.new, result.revisited) == (1, 0, 1)
    assert store.db.articles.count_documents({}) == 1
    doc = store.db.articles.find_one({"_id": aid(77)})
    assert doc is not None
    assert doc["url"] == new_url
    assert old_url in doc["old_urls"]
    # the next crawl reaches it by the new URL directly: still the same article
    third = store.begin_crawl("full", "x")
    result = store.write_batch(
        third, [article(url=new_url, requested_url=new_url, fetched_at="2026-11-03T00:00:00Z")]
    )
    assert (result.new, result.revisited, result.moved) == (0, 1, 0)
    assert store.db.articles.count_documents({}) == 1
    assert count(store.db, article_id=aid(77)) == 3
    plan = store.load_plan("full", dt.datetime(2026, 11, 4, tzinfo=UTC))
    assert plan.known_articles[old_url] == aid(77)
    assert plan.known_articles[new_url] == aid(77)


def _counts(store: MongoArchiveStore) -> dict[str, int]:
    counts = {
        name: store.db[name].count_documents({})
        for name in ("articles", "revisions", "rejects", "pages")
    }
    counts["observations"] = count(store.db)
    return counts


def test_replaying_a_batch_writes_nothing_twice(store: MongoArchiveStore) -> None:
    crawl(store, article())
    crawl_id = store.begin_crawl("full", "x")
    batch = [
        article(body="changed", fetched_at="2026-11-02T00:00:00Z"),
        article(url="https://haugiang.dcs.vn/tin/khac-55.html", requested_url=None, title="Khác"),
        {
            "type": "reject",
            "url": "https://haugiang.dcs.vn/hong.html",
            "reason": "not_parsable",
            "detail": "no article",
            "status": 200,
            "fetched_at": "2026-11-02T00:00:00Z",
            "excerpt": "<html>" * 1000,
        },
        {
            "type": "page",
            "url": "https://haugiang.dcs.vn/chuyen-muc/tin-tuc?page=2",
            "kind": "listing",
            "status": 200,
            "fetched_at": "2026-11-02T00:00:00Z",
        },
    ]
    first = store.write_batch(crawl_id, batch)
    after_first = _counts(store)
    articles_after_first = list(store.db.articles.find({}, sort=[("_id", 1)]))
    second = store.write_batch(crawl_id, batch)
    assert _counts(store) == after_first
    assert list(store.db.articles.find({}, sort=[("_id", 1)])) == articles_after_first
    assert after_first == {
        "articles": 2,
        "revisions": 3,
        "observations": 3,
        "rejects": 1,
        "pages": 2,  # the listing, and the page that did not parse
    }
    assert (first.new, first.changed, first.rejected, first.pages) == (1, 1, 1, 1)
    assert second.duplicates == 2 and second.new == 0 and second.changed == 0
    reject = store.db.rejects.find_one({})
    assert reject is not None
    assert reject["reason"] == "not_parsable" and reject["crawl_id"] == crawl_id
    assert len(reject["excerpt"]) == 2048
    page = store.db.pages.find_one({"kind": "listing"})
    assert page is not None
    assert page["_id"] == "haugiang:/chuyen-muc/tin-tuc?page=2"
    assert page["url"] == "https://haugiang.dcs.vn/chuyen-muc/tin-tuc?page=2"
    assert page["kind"] == "listing"


def test_one_observation_per_article_per_crawl(store: MongoArchiveStore) -> None:
    crawl_id = store.begin_crawl("full", "x")
    other_spelling = "https://haugiang.dcs.vn/chuyen-muc/hoi-nghi-tinh-uy-1234.html"
    result = store.write_batch(
        crawl_id, [article(), article(url=other_spelling, requested_url=other_spelling)]
    )
    assert (result.new, result.duplicates) == (1, 1)
    assert count(store.db, crawl_id) == 1
    # and again in a later batch of the same crawl
    result = store.write_batch(crawl_id, [article(views=999)])
    assert result.duplicates == 1
    [observation] = observations(store.db, crawl_id)
    assert observation["views"] == 120


def test_load_plan_due(store: MongoArchiveStore) -> None:
    now = dt.datetime(2026, 11, 27, 12, tzinfo=UTC)

    def seen(article_id: str, updated: dt.date, last_seen: dt.datetime) -> dict[str, Any]:
        return article(
            url=f"https://haugiang.dcs.vn/tin/bai-{article_id}.html",
            requested_url=None,
            title=f"Bài {article_id}",
            updated_on=updated,
            fetched_at=last_seen.isoformat(),
        )

    crawl(
        store,
        # young (2 days), fetched 7 h ago -> due (6 h)
        seen("1", dt.date(2026, 11, 25), now - dt.timedelta(hours=7)),
        # young, fetched 1 h ago -> not due
        seen("2", dt.date(2026, 11, 25), now - dt.timedelta(hours=1)),
        # 30 days old, fetched 25 h ago -> due (1 day)
        seen("3", dt.date(2026, 10, 28), now - dt.timedelta(hours=25)),
        # 30 days old, fetched 20 h ago -> not due
        seen("4", dt.date(2026, 10, 28), now - dt.timedelta(hours=20)),
        # a year old, fetched 8 days ago -> due (7 days)
        seen("5", dt.date(2025, 11, 1), now - dt.timedelta(days=8)),
        # a year old, fetched 3 days ago -> not due
        seen("6", dt.date(2025, 11, 1), now - dt.timedelta(days=3)),
        # removed: never due
        seen("7", dt.date(2026, 11, 25), now - dt.timedelta(days=3)),
    )
    gone_crawl = store.begin_crawl("revisit", "x")
    store.write_batch(
        gone_crawl,
        [
            {
                "type": "gone",
                "article_id": aid(7),
                "status": 404,
                "url": "https://haugiang.dcs.vn/tin/bai-7.html",
                "fetched_at": (now - dt.timedelta(days=2)).isoformat(),
            }
        ],
    )
    store.write_batch(
        gone_crawl,
        [
            {
                "type": "page",
                "url": "https://haugiang.dcs.vn/#top",
                "kind": "listing",
                "fetched_at": now.isoformat(),
            },
            {  # an article page that did not parse: known, as such
                "type": "reject",
                "url": "https://haugiang.dcs.vn/tin/hong.html",
                "reason": "missing_title",
                "detail": "no title",
                "fetched_at": now.isoformat(),
            },
            {  # a failed fetch says nothing of the page
                "type": "reject",
                "url": "https://haugiang.dcs.vn/tin/loi.html",
                "reason": "http_500",
                "status": 500,
                "fetched_at": now.isoformat(),
            },
        ],
    )

    plan = store.load_plan("incremental", now, RevisitPolicy())
    assert [article_id for article_id, _ in plan.due] == [aid(5), aid(3), aid(1)]
    assert plan.due[-1] == (aid(1), "https://haugiang.dcs.vn/tin/bai-1.html")
    assert plan.known_articles["https://haugiang.dcs.vn/tin/bai-2.html"] == aid(2)
    assert len(plan.known_articles) == 7
    assert plan.known_pages == {
        "https://haugiang.dcs.vn/": "listing",
        "https://haugiang.dcs.vn/tin/hong.html": REJECTED_PAGE,
    }

    everything = store.load_plan("full", now, RevisitPolicy())
    assert sorted(article_id for article_id, _ in everything.due) == [aid(n) for n in range(1, 7)]
    revisit_all = store.load_plan("revisit", now, RevisitPolicy(revisit_all=True))
    assert len(revisit_all.due) == 6
    stricter = store.load_plan("revisit", now, RevisitPolicy(young_interval=dt.timedelta(hours=8)))
    assert [article_id for article_id, _ in stricter.due] == [aid(5), aid(3)]


def test_crawl_lifecycle_and_mark_interrupted(store: MongoArchiveStore) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    crawl_id = store.begin_crawl("full", "https://haugiang.dcs.vn/")
    assert crawl_id[:8].isdigit() and crawl_id[8] == "T" and crawl_id[15] == "Z"
    store.db.crawls.update_one({"_id": crawl_id}, {"$set": {"pid": dead.pid}})
    alive_id = store.begin_crawl("full", "https://haugiang.dcs.vn/")
    other_host = store.begin_crawl("full", "https://haugiang.dcs.vn/")
    store.db.crawls.update_one(
        {"_id": other_host}, {"$set": {"host": "elsewhere", "pid": dead.pid}}
    )

    assert store.mark_interrupted() == [crawl_id]
    statuses = {doc["_id"]: doc["status"] for doc in store.db.crawls.find()}
    assert statuses == {crawl_id: "interrupted", alive_id: "running", other_host: "running"}
    interrupted = store.db.crawls.find_one({"_id": crawl_id})
    assert interrupted is not None and "ended without finishing" in interrupted["problems"][0]

    summary = store.finish_crawl(alive_id, "finished", {"pages": 3, "new": 1}, [])
    assert summary["status"] == "finished" and summary["counts"] == {"pages": 3, "new": 1}
    assert summary["pid"] == os.getpid() and summary["finished_at"] is not None
    with pytest.raises(ValueError):
        store.finish_crawl(alive_id, "running", {}, [])


def test_runner_created_crawl_is_adopted(store: MongoArchiveStore) -> None:
    store.db.crawls.insert_one(
        {
            "_id": "20261127T171500Z-abcd",
            "mode": "revisit",
            "status": "running",
            "pid": 1,
            "host": "runner",
        }
    )
    crawl_id = store.begin_crawl("full", "x", crawl_id="20261127T171500Z-abcd")
    assert crawl_id == "20261127T171500Z-abcd"
    doc = store.db.crawls.find_one({"_id": crawl_id})
    assert doc is not None
    assert doc["mode"] == "revisit" and doc["pid"] == os.getpid()
    assert store.db.crawls.count_documents({}) == 1


def test_recent_crawls_are_the_last_finished_ones_with_fill_rates_however_old(
    store: MongoArchiveStore,
) -> None:
    """Read window by window back in time (each a range of the (site, started_at) index),
    the answer is the one a sort of every crawl of the site would give."""
    now = dt.datetime.now(UTC)

    def crawl_record(name: str, days: float, **fields: Any) -> dict[str, Any]:
        return {
            "_id": name,
            "site": "haugiang",
            "status": "finished",
            "started_at": now - dt.timedelta(days=days),
            "fill": {"views": 1.0},
            "mode": "full",
            **fields,
        }

    store.db.crawls.insert_many(
        [
            crawl_record("this-one", 0),
            crawl_record("yesterday", 1),
            crawl_record("failed", 2, status="failed"),
            crawl_record("no-fill", 3, fill=None),  # it has the field (as $exists said)
            {k: v for k, v in crawl_record("without-fill", 4).items() if k != "fill"},
            crawl_record("other-site", 5, site="other"),
            crawl_record("last-month", 30),
            crawl_record("last-year", 400),
            crawl_record("long-ago", 4000),
            crawl_record("before-2000", 10000),
        ]
    )
    names = [c["_id"] for c in store.recent_crawls(exclude="this-one", limit=20)]
    assert names == ["yesterday", "no-fill", "last-month", "last-year", "long-ago", "before-2000"]
    names = [c["_id"] for c in store.recent_crawls(exclude="this-one")]
    assert names == ["yesterday", "no-fill", "last-month"]
    (last,) = store.recent_crawls(limit=1)
    assert last["_id"] == "this-one" and last["fill"] == {"views": 1.0} and last["mode"] == "full"


def test_indexes(store: MongoArchiveStore) -> None:
    revisions = store.db.revisions.index_information()
    unique = [spec for spec in revisions.values() if spec.get("unique")]
    assert [spec["key"] for spec in unique] == [[("article_id", 1), ("number", 1)]]
    keys = [spec["key"] for spec in store.db.articles.index_information().values()]
    assert [("site", 1), ("views", -1)] in keys and [("url", 1)] in keys
    assert [("site", 1), ("n", 1)] in keys
    buckets = [spec["key"] for spec in store.db.observations.index_information().values()]
    assert [("article_id", 1), ("month", 1)] in buckets
