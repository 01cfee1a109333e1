from __future__ import annotations

import datetime as dt
from pathlib import Path

from hgcrawler.storage import MongoArchiveStore, SpillJournal
from hgcrawler.storage.journal import decode_record, encode_record
from tests.archive_view import aid, count, one

RECORD = {
    "type": "article",
    "url": "https://haugiang.dcs.vn/tin/bai-viet-42.html",
    "key": "42",
    "status": 200,
    "fetched_at": dt.datetime(2026, 11, 27, 17, 15, tzinfo=dt.UTC),
    "updated_on": dt.date(2026, 11, 26),
    "title": "Tiêu đề có dấu",
    "body": "Đoạn một.",
    "views": None,
    "images": [{"src": "https://haugiang.dcs.vn/a.jpg", "caption": ""}],
}


def test_encode_decode_round_trip() -> None:
    crawl_id, record = decode_record(encode_record("c1", RECORD))
    assert crawl_id == "c1"
    assert record == RECORD
    assert isinstance(record["fetched_at"], dt.datetime)
    assert record["fetched_at"].tzinfo is not None
    assert type(record["updated_on"]) is dt.date


def test_pending_after_a_crash_then_replay(
    tmp_path: Path, mongo_uri: str, archive_db_name: str
) -> None:
    journal = SpillJournal(tmp_path / "journal", crawl_id="20261127T171500Z-aaaa")
    journal.append(RECORD)
    journal.append(
        {
            "type": "page",
            "url": "https://haugiang.dcs.vn/",
            "kind": "listing",
            "fetched_at": "2026-11-27T17:15:00Z",
        }
    )
    # the process dies here: nothing sealed, nothing acknowledged
    crashed = list(SpillJournal(tmp_path / "journal").pending())
    assert [record["type"] for _, record in crashed] == ["article", "page"]
    assert {crawl_id for crawl_id, _ in crashed} == {"20261127T171500Z-aaaa"}
    assert crashed[0][1]["updated_on"] == dt.date(2026, 11, 26)

    store = MongoArchiveStore(mongo_uri, archive_db_name)
    try:
        after_restart = SpillJournal(tmp_path / "journal")
        result = after_restart.replay(store)
        assert (result.new, result.pages) == (1, 1)
        assert list(after_restart.pending()) == []
        # a record of an older journal has no site: the store's (haugiang)
        assert store.db.articles.count_documents({"_id": aid(42), "site": "haugiang"}) == 1
        observation = one(store.db, aid(42), "20261127T171500Z-aaaa")
        assert observation is not None
        assert observation["fetched_at"] == dt.datetime(2026, 11, 27, 17, 15, tzinfo=dt.UTC)
        # replaying again is harmless
        assert SpillJournal(tmp_path / "journal").replay(store).new == 0
        assert count(store.db) == 1
    finally:
        store.close()


def test_acknowledged_segments_are_gone(tmp_path: Path) -> None:
    journal = SpillJournal(tmp_path, crawl_id="c1")
    journal.append(RECORD)
    segment = journal.seal()
    assert segment is not None and segment.path.exists() and len(segment) == 1
    journal.append({**RECORD, "url": "https://haugiang.dcs.vn/tin/b-43.html"})
    open_segment = journal.seal(sync=False)
    assert open_segment is not None
    SpillJournal.acknowledge(segment)
    assert [record["url"] for _, record in journal.pending()] == [
        "https://haugiang.dcs.vn/tin/b-43.html"
    ]


def test_torn_last_line_is_skipped(tmp_path: Path) -> None:
    journal = SpillJournal(tmp_path, crawl_id="c1")
    journal.append(RECORD)
    segment = journal.seal()
    assert segment is not None
    with open(segment.path, "a", encoding="utf-8") as handle:
        handle.write('{"crawl_id": "c1", "record": {"ty')
    assert len(list(SpillJournal(tmp_path).pending())) == 1
