"""Revisions of one batch (hgcrawler.storage.revisions) and the observation entries
(hgcrawler.storage.observations.article_entry / gone_entry)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from pymongo import MongoClient
from pymongo.database import Database

from hgcrawler.read.urls import SiteAddresses
from hgcrawler.storage.kinds import ArticleRecord, GoneRecord, record_from_dict
from hgcrawler.storage.observations import article_entry, gone_entry
from hgcrawler.storage.revisions import Revisions, images_as_archived, regressed, revision_id
from hgcrawler.storage.schema import REVISIONS

UTC = dt.UTC
AT = dt.datetime(2026, 11, 27, 17, 15, tzinfo=UTC)
URL = "https://haugiang.dcs.vn/tin/a-1.html"
WARC = {"file": "a.warc.gz", "offset": 10, "length": 20, "record_id": "<urn:uuid:1>"}


def article(**fields: Any) -> ArticleRecord:
    record = record_from_dict({"type": "article", "url": URL, "body": "Đoạn.", **fields})
    assert isinstance(record, ArticleRecord)
    return record


@pytest.mark.parametrize(
    ("fields", "doc", "lost"),
    [
        ({"views": 3}, {"views": 2, "body_chars": 5}, []),
        ({}, {"views": 2, "body_chars": 5}, ["views"]),
        ({"views_missing_reason": "not_extracted"}, {"views": 2}, ["views"]),
        ({"views_missing_reason": "render_failed"}, {"views": 2}, []),  # it says why
        ({}, {"views": None, "body_chars": 5}, []),
        ({"views": 3, "body": ""}, {"views": 2, "body_chars": 5}, ["body"]),
        ({"body": ""}, {"views": 2, "body_chars": 5}, ["views", "body"]),
        ({"views": 3, "body": ""}, {"body_chars": 0}, []),
    ],
)
def test_regressed(fields: dict[str, Any], doc: dict[str, Any], lost: list[str]) -> None:
    assert regressed(article(**fields), doc) == lost


def test_new_and_touched_revisions() -> None:
    revisions = Revisions("haugiang", "c1")
    rid = revision_id("haugiang:1", "ab")
    assert revisions.number_of(rid) is None
    revisions.new(rid, "haugiang:1", 2, "ab", {"title": "T"}, URL, WARC, AT)
    revisions.touch(rid, AT)
    assert revisions.number_of(rid) == 2
    new, touched = (op._doc for op in revisions.ops)
    assert new["$setOnInsert"]["number"] == 2 and new["$setOnInsert"]["title"] == "T"
    assert new["$setOnInsert"]["first_crawl_id"] == "c1"
    assert new["$max"] == touched["$max"] == {"last_seen_at": AT}
    assert [op._filter for op in revisions.ops] == [{"_id": rid}, {"_id": rid}]


@pytest.fixture
def db(mongo_uri: str, archive_db_name: str) -> Iterator[Database[dict[str, Any]]]:
    client: MongoClient[dict[str, Any]] = MongoClient(mongo_uri, tz_aware=True)
    yield client[archive_db_name]
    client.close()


def test_load_reads_the_numbers_of_stored_revisions(db: Database[dict[str, Any]]) -> None:
    db[REVISIONS].insert_many([{"_id": "s:1:a", "number": 1}, {"_id": "s:1:b", "number": 3}])
    revisions = Revisions("s", "c1")
    revisions.load(db, ["s:1:b", "s:1:c"])
    assert revisions.numbers == {"s:1:b": 3}


def test_article_entry() -> None:
    counted = article(views=361, views_source="static", warc=WARC)
    entry = article_entry(counted, at=AT, crawl_id="c1", status=200, revision=2, flags=[])
    assert entry == {
        "at": AT, "crawl": "c1", "status": 200, "rev": 2, "url": URL, "views": 361,
        "src": "static", "warc": {"file": "a.warc.gz", "offset": 10, "length": 20},
    }  # fmt: skip
    rendered = article(rendered=True, views_missing_reason="render_failed")
    entry = article_entry(rendered, at=AT, crawl_id="c1", status=200, revision=1, flags=["x"])
    assert (entry["missing"], entry["src"], entry["flags"]) == ("render_failed", "rendered", ["x"])
    assert "views" not in entry and "warc" not in entry


def test_gone_entry() -> None:
    record = record_from_dict({"type": "gone", "url": URL, "status": 404})
    assert isinstance(record, GoneRecord)
    entry = gone_entry(record, at=AT, crawl_id="c1", status=404, current_url=URL)
    assert entry == {"at": AT, "crawl": "c1", "status": 404}
    other = gone_entry(record, at=AT, crawl_id="c1", status=404, current_url="https://h.vn/b")
    assert other["url"] == URL


def test_an_image_at_another_address_of_the_site_is_the_archived_one() -> None:
    place = SiteAddresses.of(["haugiang.dcs.vn", "127.0.0.1"]).place
    old = "http://127.0.0.1:8000/Uploads/a.jpg"
    doc = {"images": [{"src": old, "caption": "Ảnh 1"}, {"src": old + "?v=2", "caption": None}]}

    def page(*images: tuple[str, str | None]) -> ArticleRecord:
        return ArticleRecord(
            url="https://haugiang.dcs.vn/tin/a.html", title="Tin",
            images=tuple({"src": src, "caption": caption} for src, caption in images),
        )  # fmt: skip

    moved = page(("https://haugiang.dcs.vn/Uploads/a.jpg", "Ảnh 1"),
                 ("https://haugiang.dcs.vn/Uploads/a.jpg?v=2", None))  # fmt: skip
    kept = images_as_archived(moved, doc, place)
    assert [i["src"] for i in kept.images] == [old, old + "?v=2"]
    assert kept.title == "Tin" and kept.url == moved.url  # nothing else changes
    # a new caption, another image, another site's image, another count: as the page says
    for other in (
        page(("https://haugiang.dcs.vn/Uploads/a.jpg", "Ảnh mới"), (old + "?v=2", None)),
        page(("https://haugiang.dcs.vn/Uploads/b.jpg", "Ảnh 1"), (old + "?v=2", None)),
        page(("https://cdn.example.org/Uploads/a.jpg", "Ảnh 1"), (old + "?v=2", None)),
        page(("https://haugiang.dcs.vn/Uploads/a.jpg", "Ảnh 1")),
    ):
        first = images_as_archived(other, doc, place).images[0]["src"]
        assert first == other.images[0]["src"], other
    same = page((old, "Ảnh 1"), (old + "?v=2", None))
    assert images_as_archived(same, doc, place) is same
