"""Window questions over day snapshots of the view count series, on crawls of several
days (the shared crawled archive holds one test day only).

Written through ``MongoArchiveStore.write_batch`` and saved as a crawl saves its series,
each save dated on the day of its crawl, so that every day has its snapshot:

======  ================  =======================================
crawl   fetched (UTC)     counts
======  ================  =======================================
c1      11-01 08:00       A 100, B 50, C 10
c2      11-02 08:00       A 150, B 300, C answers 404
c3      11-03 08:00       A 160, B 310
c4      11-03 20:00       A 200 (B not visited)
======  ================  =======================================
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest

from hgcrawler.storage import ArchiveReader, MongoArchiveStore
from tests.archive_view import aid

UTC = dt.UTC
ROOT = "https://haugiang.dcs.vn/tin"
URLS = {
    name: f"{ROOT}/bai-{name.lower()}-{number}.html"
    for name, number in zip("ABC", (1, 2, 3), strict=True)
}
ID = {name: aid(number) for name, number in zip("ABC", (1, 2, 3), strict=True)}


def at(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, tzinfo=UTC)


def page(name: str, views: int, fetched: dt.datetime) -> dict[str, Any]:
    return {
        "type": "article",
        "url": URLS[name],
        "key": URLS[name].rsplit("-", 1)[1].removesuffix(".html"),
        "status": 200,
        "fetched_at": fetched.isoformat(),
        "title": f"Bài {name}",
        "category": "Kinh tế" if name == "A" else "Tin trong tỉnh",
        "updated_on": dt.date(2026, 10, 30),
        "views": views,
        "lede": "Tóm tắt",
        "body": f"Nội dung {name}",
        "images": [],
        "author": "PV",
    }


@pytest.fixture(scope="module")
def db(mongo_server: Any) -> Iterator[Any]:
    import uuid

    name = f"reader_{uuid.uuid4().hex[:8]}"
    store = MongoArchiveStore(mongo_server.uri, name, write_retries=1)
    store.ensure_indexes()
    crawls: list[tuple[dt.datetime, list[dict[str, Any]]]] = [
        (at(1, 8), [page("A", 100, at(1, 8)), page("B", 50, at(1, 8)), page("C", 10, at(1, 8))]),
        (
            at(2, 8),
            [
                page("A", 150, at(2, 8)),
                page("B", 300, at(2, 8)),
                {
                    "type": "gone",
                    "url": URLS["C"],
                    "status": 404,
                    "fetched_at": at(2, 8).isoformat(),
                },
            ],
        ),
        (at(3, 8), [page("A", 160, at(3, 8)), page("B", 310, at(3, 8))]),
        (at(3, 20), [page("A", 200, at(3, 20))]),
    ]
    try:
        for fetched, records in crawls:
            crawl_id = store.begin_crawl("full", ROOT)
            store.write_batch(crawl_id, records)
            # the crawl's end, as finish_crawl saves it, on the day of the crawl
            store.state().save(crawl_id, fetched + dt.timedelta(hours=1), day=True)
        yield store.db
    finally:
        store.db.client.drop_database(name)
        store.close()


def top(db: Any, **window: Any) -> list[tuple[str, int]]:
    return [(row["article_id"], row["views"]) for row in ArchiveReader(db).top(**window)]


def test_one_snapshot_per_day_the_last_save_of_the_day(db: Any) -> None:
    days = list(db.series_days.find({}, {"day": 1, "at": 1}).sort("day", 1))
    assert [(d["day"], d["at"]) for d in days] == [
        (at(1, 0), at(1, 9)),
        (at(2, 0), at(2, 9)),
        (at(3, 0), at(3, 21)),
    ]
    assert [
        (row["day"], row["views"], row["articles"]) for row in ArchiveReader(db).site_views()
    ] == [
        (at(1, 0), 160, 3),
        (at(2, 0), 460, 3),  # C's last count stays in the sum
        (at(3, 0), 520, 3),
    ]


def test_top_without_a_window_ranks_the_latest_counts_of_live_articles(db: Any) -> None:
    assert top(db) == [(ID["B"], 310), (ID["A"], 200)]
    assert top(db, include_removed=True) == [(ID["B"], 310), (ID["A"], 200), (ID["C"], 10)]


def test_top_seen_until_a_day_ranks_the_counts_as_that_day_ended(db: Any) -> None:
    # "before 2026-11-02": as the first crawl saw them, C (removed since) included
    assert top(db, seen_until=at(2, 0)) == [(ID["A"], 100), (ID["B"], 50), (ID["C"], 10)]
    assert top(db, seen_until=at(3, 0)) == [(ID["B"], 300), (ID["A"], 150), (ID["C"], 10)]


def test_top_seen_in_a_window(db: Any) -> None:
    assert top(db, seen_since=at(2, 0), seen_until=at(3, 0)) == [(ID["B"], 300), (ID["A"], 150)]
    assert top(db, seen_since=at(3, 0)) == [(ID["B"], 310), (ID["A"], 200)]
    # as of the end of the window's last day: A's count of that day was seen after 12:00
    assert top(db, seen_since=at(3, 12)) == [(ID["A"], 200)]
    assert top(db, seen_until=at(3, 12)) == [(ID["B"], 310), (ID["C"], 10)]
    assert top(db, seen_until=at(1, 0)) == []


def growth(db: Any, **window: Any) -> list[tuple[str, int, int, float]]:
    return [
        (row["article_id"], row["first_views"], row["last_views"], row["days"])
        for row in ArchiveReader(db).growth(**window)
    ]


def test_growth_from_each_first_count_to_the_latest(db: Any) -> None:
    rows = ArchiveReader(db).growth()
    assert [(r["article_id"], r["first_views"], r["last_views"]) for r in rows] == [
        (ID["B"], 50, 310),
        (ID["A"], 100, 200),
    ]
    b, a = rows
    assert (b["first_at"], b["last_at"], a["first_at"], a["last_at"]) == (
        at(1, 8),
        at(3, 8),
        at(1, 8),
        at(3, 20),
    )
    assert b["days"] == 2 and b["per_day"] == 130 and b["gained"] == 260
    assert a["days"] == 2.5 and a["per_day"] == 40


def test_growth_in_a_window_of_days(db: Any) -> None:
    # from the counts as 11-01 ended to those as 11-02 ended
    assert growth(db, since=at(2, 0), until=at(3, 0)) == [
        (ID["B"], 50, 300, 1.0),
        (ID["A"], 100, 150, 1.0),
    ]
    assert growth(db, since=at(3, 0)) == [(ID["A"], 150, 200, 1.5), (ID["B"], 300, 310, 1.0)]
    assert growth(db, until=at(3, 0)) == [(ID["B"], 50, 300, 1.0), (ID["A"], 100, 150, 1.0)]
    # no count seen before the window closes is later than the first: nothing grew
    assert growth(db, until=at(2, 0)) == []
    # only counts seen before "until": A's count of 11-03 was seen at 20:00
    assert growth(db, until=at(3, 12)) == [(ID["B"], 50, 310, 2.0)]
    assert growth(db, category="Kinh tế") == [(ID["A"], 100, 200, 2.5)]


def test_an_article_is_found_by_id_key_or_url(db: Any) -> None:
    reader = ArchiveReader(db)
    for ref in (
        ID["A"],
        "1",
        URLS["A"],
        URLS["A"].replace("https://", "HTTPS://"),
        f" {URLS['A']} ",
    ):
        assert reader.find_article(ref)["_id"] == ID["A"], ref
    with pytest.raises(LookupError, match=re.escape("no article 'https://haugiang.dcs.vn/x.html'")):
        reader.find_article("https://haugiang.dcs.vn/x.html")
