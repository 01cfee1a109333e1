"""Typed archive records (hgcrawler.storage.kinds): converted once, journalled in the
plain form, and a journal spilled by the release before them still replays."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from hgcrawler.storage import MongoArchiveStore, SpillJournal
from hgcrawler.storage.journal import decode_record, encode_record
from hgcrawler.storage.kinds import (
    ArticleRecord,
    GoneRecord,
    PageRecord,
    RejectRecord,
    as_records,
    record_from_dict,
)
from hgcrawler.storage.records import content_hash
from tests.archive_view import aid

UTC = dt.UTC
#: Two segments spilled by the release before typed records (commit 9277b6c's
#: SpillJournal): a listing, a redirected article, a reject, a dropped item without
#: a URL; then, a day later, the article's 404 and another article without a count.
OLD_JOURNAL = Path(__file__).parent / "fixtures" / "journal-9277b6c"

ARTICLE = {
    "type": "article",
    "url": "https://haugiang.dcs.vn/tin/b-42.html",
    "requested_url": "https://haugiang.dcs.vn/tin/a-42.html",
    "redirect_urls": ["https://haugiang.dcs.vn/tin/a-42.html"],
    "status": "200",
    "fetched_at": "2026-11-27T17:15:00Z",
    "updated_on": "2026-11-26",
    "title": "Tiêu đề",
    "body": "Đoạn một.",
    "views": "361",
    "images": [{"src": "https://haugiang.dcs.vn/a.jpg", "caption": ""}],
    "doubtful": ["author"],
    "key": "42",
    "redirect_keys": ["42"],
    "render_reason": None,  # a field no record uses: left out
}


def test_an_article_is_converted_once_where_it_is_built() -> None:
    record = record_from_dict(ARTICLE)
    assert isinstance(record, ArticleRecord)
    assert record.fetched_at == dt.datetime(2026, 11, 27, 17, 15, tzinfo=UTC)
    assert record.updated_on == dt.datetime(2026, 11, 26, tzinfo=UTC)  # BSON has no date
    assert (record.status, record.views) == (200, 361)
    assert record.redirect_urls == ("https://haugiang.dcs.vn/tin/a-42.html",)
    assert record.doubtful == ("author",) and record.site is None
    assert record.urls() == [
        "https://haugiang.dcs.vn/tin/b-42.html",
        "https://haugiang.dcs.vn/tin/a-42.html",
    ]
    with pytest.raises(AttributeError):
        record.views = 1  # type: ignore[misc]  # frozen


def test_the_revision_fields_hash_as_the_plain_record_did() -> None:
    """Revision ids are ``<article>:<content hash>``: a batch an older release wrote
    is found again, so replaying its journal writes no revision twice."""
    record = record_from_dict(ARTICLE)
    assert isinstance(record, ArticleRecord)
    assert content_hash(record.content()) == content_hash(ARTICLE)
    aware = {**ARTICLE, "updated_on": dt.datetime(2026, 11, 26, 23, 30, tzinfo=UTC)}
    typed = record_from_dict(aware)
    assert isinstance(typed, ArticleRecord)
    assert content_hash(typed.content()) == content_hash(aware)


@pytest.mark.parametrize(
    "plain",
    [
        ARTICLE,
        {"type": "page", "url": "https://haugiang.dcs.vn/", "kind": "listing", "status": 200},
        {
            "type": "gone",
            "url": "https://haugiang.dcs.vn/x-1.html",
            "article_id": "haugiang:1",
            "status": 410,
            "fetched_at": "2026-11-27T17:15:00+07:00",
        },
        {
            "type": "reject",
            "url": "",
            "reason": "dropped",
            "detail": "x",
            "status": None,
            "excerpt": "é" * 3000,
            "site": "other",
        },
    ],
)
def test_each_kind_round_trips_through_the_journal(plain: dict[str, object]) -> None:
    record = record_from_dict(plain)
    assert record.to_dict()["type"] == plain["type"]
    crawl_id, again = decode_record(encode_record("c1", record))
    assert crawl_id == "c1"
    assert record_from_dict(again) == record
    assert record_from_dict(record.to_dict()) == record


def test_values_of_each_kind() -> None:
    page = record_from_dict({"type": "page", "url": "https://h.vn/", "kind": "listing"})
    assert page == PageRecord(url="https://h.vn/", page_kind="listing")
    assert page.to_dict()["kind"] == "listing"
    plain = {"type": "gone", "url": "https://h.vn/x-1.html", "article_id": "h:1"}
    gone = record_from_dict({**plain, "status": "410", "fetched_at": "2026-11-27T17:15:00+07:00"})
    assert isinstance(gone, GoneRecord)
    assert gone.fetched_at == dt.datetime(2026, 11, 27, 10, 15, tzinfo=UTC)
    assert (gone.status, gone.key) == (410, "h:1")
    reject = record_from_dict({"type": "reject", "excerpt": "x" * 3000})
    assert isinstance(reject, RejectRecord)
    assert (reject.reason, reject.url, len(reject.excerpt or "")) == ("unknown", "", 2048)


def test_an_unknown_kind_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown record type 'articel'"):
        record_from_dict({"type": "articel", "url": "https://h.vn/"})
    with pytest.raises(ValueError, match="unknown record type None"):
        as_records([{"url": "https://h.vn/"}])
    typed = PageRecord(url="https://h.vn/")
    assert as_records([typed]) == [typed]


def test_a_journal_of_the_release_before_typed_records_replays(
    tmp_path: Path, mongo_uri: str, archive_db_name: str
) -> None:
    journal_dir = tmp_path / "journal"
    shutil.copytree(OLD_JOURNAL, journal_dir)
    pending = list(SpillJournal(journal_dir).pending())
    kinds = [record["type"] for _, record in pending]
    assert kinds == ["page", "article", "reject", "reject", "gone", "article"]
    store = MongoArchiveStore(mongo_uri, archive_db_name)
    try:
        store.ensure_indexes()
        result = SpillJournal(journal_dir).replay(store)
        assert (result.new, result.pages, result.rejected, result.removed) == (2, 1, 2, 1)
        assert list(SpillJournal(journal_dir).pending()) == []
        db = store.db
        doc = db.articles.find_one({"_id": aid(39993)})
        assert doc is not None
        assert doc["url"] == "https://haugiang.dcs.vn/tin-tuc/hoi-nghi-tinh-uy-39993.html"
        assert doc["updated_on"] == dt.datetime(2026, 11, 26, tzinfo=UTC)
        assert doc["views"] == 361 and doc["revision"] == 1
        assert doc["removed_at"] == dt.datetime(2026, 11, 28, 17, 16, tzinfo=UTC)
        other = db.articles.find_one({"_id": aid(40002)})
        assert other is not None
        assert other["views"] is None and other["views_missing_reason"] == "not_extracted"
        assert db.pages.find_one({"_id": "haugiang:/tin-tuc/"})["kind"] == ("listing")
        reasons = sorted(r["reason"] for r in db.rejects.find({}))
        assert reasons == ["dropped", "not_parsable"]
        # the same records once more (a crawl that died after writing): nothing twice
        shutil.copytree(OLD_JOURNAL, tmp_path / "again")
        again = SpillJournal(tmp_path / "again").replay(store)
        assert (again.new, again.removed, again.duplicates) == (0, 0, 3)
        assert db.articles.count_documents({}) == 2
        assert db.revisions.count_documents({}) == 2
        assert db.rejects.count_documents({}) == 2
    finally:
        store.close()
