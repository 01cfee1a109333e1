"""Moves joined after a batch (hgcrawler.storage.joins): the pairs content gives."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from pymongo import MongoClient
from pymongo.database import Database

from hgcrawler.storage.joins import MoveJoins, move_op, same_moment
from hgcrawler.storage.postings import Postings
from hgcrawler.storage.schema import ARTICLES
from hgcrawler.storage.series import SiteSeries

UTC = dt.UTC
DAY = dt.timedelta(days=1)
T0 = dt.datetime(2026, 11, 1, tzinfo=UTC)


class Context:
    site = "s"
    hosts: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.series = SiteSeries("s")
        self.postings = Postings("s")

    def allocate(self, count: int) -> list[int]:
        raise AssertionError("no new articles here")


@pytest.fixture
def db(mongo_uri: str, archive_db_name: str) -> Iterator[Database[dict[str, Any]]]:
    client: MongoClient[dict[str, Any]] = MongoClient(mongo_uri, tz_aware=True)
    yield client[archive_db_name]
    client.close()


def joins(db: Database[dict[str, Any]]) -> MoveJoins:
    return MoveJoins(db, "c1", Context(), T0 + 10 * DAY, [T0])


def test_a_move_is_recorded_once_per_crawl_and_old_url() -> None:
    one = move_op("s", "c1", "s:1", "https://h.vn/a", "https://h.vn/b", "url", T0)
    again = move_op("s", "c1", "s:1", "https://h.vn/a#top", "https://h.vn/c", "id", T0 + DAY)
    assert one._filter == again._filter  # the same canonical old URL
    assert one._doc["$setOnInsert"]["evidence"] == "url" and one._upsert
    assert move_op("s", "c2", "s:1", "https://h.vn/a", "", "url", T0)._filter != one._filter


def test_same_moment() -> None:
    assert same_moment(T0, "2026-11-01T07:00:00+07:00")
    assert not same_moment(None, None) and not same_moment(T0, None)


def test_a_removed_article_joins_its_one_live_twin_that_appeared_since(
    db: Database[dict[str, Any]],
) -> None:
    db[ARTICLES].insert_many(
        [
            {"_id": "s:gone", "site": "s", "identity": "x", "removed_at": T0 + 5 * DAY,
             "first_seen_at": T0, "last_seen_at": T0 + DAY},
            {"_id": "s:new", "site": "s", "identity": "x", "removed_at": None,
             "first_seen_at": T0 + 2 * DAY, "last_seen_at": T0 + 5 * DAY},
            {"_id": "t:new", "site": "t", "identity": "x", "removed_at": None,
             "first_seen_at": T0 + 2 * DAY},  # another site's
            {"_id": "s:older", "site": "s", "identity": "x", "removed_at": None,
             "first_seen_at": T0 - DAY},  # there before it was last seen
        ]
    )  # fmt: skip
    found = joins(db)
    found.removed.append(("s:gone", T0 + DAY))
    assert found.content_twins() == [("s:gone", "s:new", "content", None)]
    # two live twins: no join
    db[ARTICLES].insert_one(
        {"_id": "s:new2", "site": "s", "identity": "x", "removed_at": None,
         "first_seen_at": T0 + 3 * DAY}
    )  # fmt: skip
    assert found.content_twins() == []


def test_a_created_article_joins_its_one_removed_twin_last_seen_before(
    db: Database[dict[str, Any]],
) -> None:
    db[ARTICLES].insert_many(
        [
            {"_id": "s:old", "site": "s", "identity": "y", "removed_at": T0 + 4 * DAY,
             "first_seen_at": T0, "last_seen_at": T0 + 3 * DAY},
            {"_id": "s:made", "site": "s", "identity": "y", "removed_at": None,
             "first_seen_at": T0 + 6 * DAY},
            {"_id": "s:lone", "site": "s", "identity": "z", "first_seen_at": T0 + 6 * DAY},
        ]
    )  # fmt: skip
    found = joins(db)
    found.created += ["s:made", "s:lone"]
    assert found.content_twins() == [("s:old", "s:made", "content", None)]
    assert joins(db).content_twins() == []  # nothing removed or created
