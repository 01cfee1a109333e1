"""Which stored article a page is (hgcrawler.storage.identity.ArticleIndex), rule by rule."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from pymongo import MongoClient
from pymongo.database import Database

from hgcrawler.read.urls import SiteAddresses
from hgcrawler.storage.identity import ArticleIndex, Resolution
from hgcrawler.storage.kinds import ArticleRecord, GoneRecord, record_from_dict
from hgcrawler.storage.records import text_identity
from hgcrawler.storage.schema import ARTICLES

UTC = dt.UTC
SITE = "haugiang"
HOME = "https://haugiang.dcs.vn"
OLD, NOW = f"{HOME}/tin/bai-cu-39993.html", f"{HOME}/tin/hoi-nghi-39993.html"
TITLE, BODY = "Hội nghị Tỉnh ủy", "Đoạn một.\n\nĐoạn hai."
DAY = dt.datetime(2026, 11, 26, tzinfo=UTC)


@pytest.fixture
def db(mongo_uri: str, archive_db_name: str) -> Iterator[Database[dict[str, Any]]]:
    client: MongoClient[dict[str, Any]] = MongoClient(mongo_uri, tz_aware=True)
    yield client[archive_db_name]
    client.close()


def page(url: str, **fields: Any) -> ArticleRecord:
    plain = {"type": "article", "url": url, "title": TITLE, "body": BODY, "key": "39993"}
    record = record_from_dict({**plain, "updated_on": "2026-11-26", **fields})
    assert isinstance(record, ArticleRecord)
    return record


def known(db: Database[dict[str, Any]]) -> ArticleIndex:
    """An index knowing article 39993 at NOW, which left OLD."""
    index = ArticleIndex(db, SITE, SiteAddresses.of(["haugiang.dcs.vn"]))
    content = {"title": TITLE, "body": BODY, "updated_on": DAY}
    index.remember(
        f"{SITE}:39993",
        {"url": NOW, "old_urls": [OLD], "key": "39993", "title": TITLE, "updated_on": DAY,
         "text_identity": text_identity(content), "first_seen_at": DAY, "last_seen_at": DAY},
    )  # fmt: skip
    return index


def test_its_own_url_at_any_of_the_sites_addresses(db: Database[dict[str, Any]]) -> None:
    index = known(db)
    assert index.resolve_article(page(NOW, title="Sửa tiêu đề")) == Resolution(f"{SITE}:39993")
    http = NOW.replace("https://", "http://")
    assert index.resolve_article(page(http)).article_id == f"{SITE}:39993"


def test_a_redirect_from_its_url_is_a_move(db: Database[dict[str, Any]]) -> None:
    moved = f"{HOME}/tin/moi-39993.html"
    found = known(db).resolve_article(page(moved, requested_url=NOW, redirect_urls=[NOW]))
    assert found == Resolution(f"{SITE}:39993", old_urls=[NOW], evidence="redirect")


def test_an_old_url_serving_the_same_article_is_its_return(db: Database[dict[str, Any]]) -> None:
    index = known(db)
    found = index.resolve_article(page(OLD, key="/tin/bai-cu.html"))
    assert found == Resolution(f"{SITE}:39993", old_urls=[NOW], evidence="url")
    other = index.resolve_article(page(OLD, key="/tin/bai-cu.html", title="Khác", body="Khác"))
    assert other == Resolution(f"{SITE}:/tin/bai-cu.html", new=True)


def test_the_sites_id_of_the_same_article_is_a_move(db: Database[dict[str, Any]]) -> None:
    found = known(db).resolve_article(page(f"{HOME}/khac/39993.html"))
    assert found == Resolution(f"{SITE}:39993", old_urls=[NOW], evidence="id")


def test_a_new_key_is_a_new_article(db: Database[dict[str, Any]]) -> None:
    found = known(db).resolve_article(page(f"{HOME}/tin/x-40000.html", key="40000"))
    assert found == Resolution(f"{SITE}:40000", new=True)


def test_a_different_page_with_a_taken_key_is_kept_apart(db: Database[dict[str, Any]]) -> None:
    db[ARTICLES].insert_one({"_id": f"{SITE}:39993#2", "site": SITE})  # taken, not loaded
    found = known(db).resolve_article(
        page(f"{HOME}/tin/khac-39993.html", title="Một bài khác", body="Nội dung khác.")
    )
    assert found.new and found.article_id == f"{SITE}:39993#3"
    assert found.collision is not None
    assert (found.collision["other_article"], found.collision["other_url"]) == (
        f"{SITE}:39993",
        NOW,
    )


def test_a_claimed_article_is_found_by_the_batchs_later_pages(
    db: Database[dict[str, Any]],
) -> None:
    index = known(db)
    url = f"{HOME}/tin/x-40000.html"
    first = index.resolve_article(page(url, key="40000"))
    index.claim(page(url, key="40000"), first)
    assert index.resolve_article(page(url, key="40000")) == Resolution(f"{SITE}:40000")


def test_a_gone_url_is_the_article_it_was(db: Database[dict[str, Any]]) -> None:
    index = known(db)
    for plain in (
        {"url": f"{HOME}/elsewhere.html", "article_id": f"{SITE}:39993"},
        {"url": NOW},
        {"url": OLD},
    ):
        record = record_from_dict({"type": "gone", **plain})
        assert isinstance(record, GoneRecord)
        assert index.resolve_gone(record) == f"{SITE}:39993"
    unknown = record_from_dict({"type": "gone", "url": f"{HOME}/x.html"})
    assert isinstance(unknown, GoneRecord) and index.resolve_gone(unknown) is None


def test_load_reads_the_articles_of_the_site_that_a_batch_may_be(
    db: Database[dict[str, Any]],
) -> None:
    db[ARTICLES].insert_many(
        [
            {"_id": f"{SITE}:39993", "site": SITE, "url": NOW, "key": "39993"},
            {"_id": f"{SITE}:1", "site": SITE, "url": f"{HOME}/a-1.html", "old_urls": [OLD]},
            {"_id": "other:39993", "site": "other", "url": NOW, "key": "39993"},
            {"_id": f"{SITE}:2", "site": SITE, "url": f"{HOME}/unrelated-2.html", "key": "2"},
        ]
    )
    index = ArticleIndex(db, SITE, SiteAddresses.of(["haugiang.dcs.vn"]))
    index.load([page(f"{HOME}/moved.html", requested_url=OLD, redirect_urls=[OLD])])
    assert sorted(index.articles) == [f"{SITE}:1", f"{SITE}:39993"]
    assert index.by_old_url == {"/tin/bai-cu-39993.html": f"{SITE}:1"}
