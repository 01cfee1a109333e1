"""An archive of schema 2 may keep observations in one bucket per article and *year*
(``<article>|YYYY``, field ``year``, index ``(article_id, year)``): a release wrote
them so before buckets became monthly, and later releases of schema 2 wrote monthly
buckets beside them, in the same year too. ``db migrate`` (schema 3) splits them.

The same archive, built once with the benchmark's builder, is kept twice: as written
(monthly buckets) and with every month before the upgrade folded into yearly buckets
as the earlier release wrote them, marked schema 2. Every question answers the same
on both; a replayed crawl of the earlier release doubled its observations until the
migration, which leaves every article's observations as in the monthly archive, and
resumes without doubling any; a crawl after it adds each observation once.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from pymongo import ASCENDING, MongoClient

from benchmarks.archive import ArchiveSpec, build_archive
from hgcrawler.storage import MongoArchiveStore
from hgcrawler.storage.migrate import migrate
from hgcrawler.storage.mongo import check_schema, schema_version
from hgcrawler.storage.observations import BucketOps, entries_of
from hgcrawler.storage.reader import ArchiveReader
from hgcrawler.storage.schema import OBSERVATIONS, ensure_indexes, observation_month
from tests.conftest import MongoServer

pytestmark = pytest.mark.slow

END = dt.datetime(2027, 1, 20, tzinfo=dt.UTC)
#: the earlier release wrote everything before this month
UPGRADED = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


@dataclass
class Pair:
    uri: str
    client: MongoClient[dict[str, Any]]
    monthly: str
    mixed: str
    site: str
    article_ids: list[str]

    def reader(self, name: str) -> ArchiveReader:
        return ArchiveReader(self.client[name])


def _fold_into_years(db: Any) -> int:
    """Monthly buckets of months before ``UPGRADED`` -> one bucket per article and year,
    shaped as the earlier release wrote them. Returns how many yearly buckets."""
    groups: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for bucket in db[OBSERVATIONS].find({}):
        if bucket["month"] < UPGRADED:
            groups[(bucket["article_id"], bucket["month"].year)].append(bucket)
    for (article_id, year), buckets in groups.items():
        entries = sorted((e for b in buckets for e in b["obs"]), key=lambda e: e["at"])
        db[OBSERVATIONS].delete_many({"_id": {"$in": [b["_id"] for b in buckets]}})
        db[OBSERVATIONS].insert_one(
            {
                "_id": f"{article_id}|{year:04d}",
                "site": buckets[0]["site"],
                "article_id": article_id,
                "year": year,
                "first_at": entries[0]["at"],
                "last_at": entries[-1]["at"],
                "obs": entries,
            }
        )
    db[OBSERVATIONS].create_index([("article_id", ASCENDING), ("year", ASCENDING)])
    return len(groups)


@pytest.fixture(scope="module")
def pair(mongo_server: MongoServer) -> Iterator[Pair]:
    client: MongoClient[dict[str, Any]] = MongoClient(mongo_server.uri, tz_aware=True)
    monthly, mixed = "test_buckets_monthly", "test_buckets_mixed"
    for name in (monthly, mixed):
        client.drop_database(name)
    spec = ArchiveSpec(
        articles=120,
        days=75,  # 6 November 2026 to 20 January 2027: two years, four months
        new_per_day=2,
        edits_per_day=1,
        removals_per_day=0.3,
        moves_per_day=0.2,
        incrementals_per_day=3,
        final_hours=3,
    )
    build_archive(client[monthly], mongo_server.uri, spec, end=END)
    for collection in client[monthly].list_collection_names():
        docs = list(client[monthly][collection].find({}))
        if docs:
            client[mixed][collection].insert_many(docs)
    ensure_indexes(client[mixed])
    years = _fold_into_years(client[mixed])
    client[mixed].meta.update_one({"_id": "schema"}, {"$set": {"version": 2}})
    assert years >= 10  # articles seen in November have a bucket of the earlier release
    site = str(client[monthly].articles.find_one({})["site"])  # type: ignore[index]
    ids = sorted(str(d["_id"]) for d in client[monthly].articles.find({}, {"_id": 1}))
    try:
        yield Pair(mongo_server.uri, client, monthly, mixed, site, ids)
    finally:
        for name in (monthly, mixed):
            client.drop_database(name)
        client.close()


def test_the_upgraded_archive_holds_both_kinds_in_one_year(pair: Pair) -> None:
    db = pair.client[pair.mixed]
    ids = [str(d["_id"]) for d in db[OBSERVATIONS].find({}, {"_id": 1})]
    yearly = {i.rsplit("|", 1)[0] for i in ids if i.endswith("|2026")}
    december = {i.rsplit("|", 1)[0] for i in ids if i.endswith("|2026-12")}
    assert yearly & december  # one article, 2026 in a yearly and a monthly bucket
    assert any(i.endswith("|2027-01") for i in ids)
    assert not any(i.endswith(("|2026-11", "|2026-10")) for i in ids)


def test_every_question_answers_the_same(pair: Pair) -> None:
    week = END - dt.timedelta(days=7)
    before_upgrade = UPGRADED - dt.timedelta(days=10)
    questions: dict[str, Any] = {
        "totals": lambda r: r.totals(),
        "top": lambda r: r.top(limit=20),
        "top seen in November": lambda r: r.top(
            limit=20, seen_since=before_upgrade, seen_until=UPGRADED
        ),
        "growth last week": lambda r: r.growth(since=week, limit=20),
        "growth since before the upgrade": lambda r: r.growth(since=before_upgrade, limit=20),
        "changes since November": lambda r: r.changes(before_upgrade),
        "observations": lambda r: sorted(
            r.observations(), key=lambda o: (o["article_id"], o["fetched_at"])
        ),
        "observations since December": lambda r: sorted(
            r.observations(since=UPGRADED), key=lambda o: (o["article_id"], o["fetched_at"])
        ),
        "series of every article": lambda r: [r.view_series(a) for a in pair.article_ids],
        "history of some articles": lambda r: [r.history(a) for a in pair.article_ids[::15]],
        "stats": lambda r: r.stats(),
    }
    for name, question in questions.items():
        monthly = question(pair.reader(pair.monthly))
        mixed = question(pair.reader(pair.mixed))
        assert monthly == mixed, name
        if not name.startswith("growth"):  # (from the day snapshots, not the buckets)
            assert monthly, name  # the question had something to answer
    observations = list(pair.reader(pair.mixed).observations())
    assert any(o["fetched_at"] < UPGRADED for o in observations)
    assert any(o["fetched_at"] >= UPGRADED for o in observations)


def test_migrate_splits_the_yearly_buckets(pair: Pair) -> None:
    db, monthly = pair.client[pair.mixed], pair.client[pair.monthly]
    yearly = list(db[OBSERVATIONS].find({"year": {"$exists": True}}))
    # as if a migration was killed after filing a bucket's entries, before deleting it
    first = yearly[0]
    november = [e for e in first["obs"] if e["at"].month == 11]
    ops = BucketOps()
    for entry in november:
        ops.add(first["site"], first["article_id"], entry)
    ops.run(db)
    lines: list[str] = []
    report = migrate(db, progress=lines.append)
    assert report == (
        f"database {db.name!r} upgraded to schema 4: "
        f"{len(yearly)} yearly observation buckets split into months; "
        "0 URL keys made site-relative (schema 4)"
    )
    assert lines[0] == f"database {db.name!r}: schema 2 → 4 (site 'haugiang')"
    assert schema_version(db) == 4
    check_schema(db)
    assert db[OBSERVATIONS].count_documents({"year": {"$exists": True}}) == 0
    assert not [i for i in db[OBSERVATIONS].list_indexes() if "year" in i["key"]]

    def buckets(of: Any) -> list[tuple[str, list[tuple[str, Any]]]]:
        return sorted(
            (b["_id"], [(e["crawl"], e["at"]) for e in b["obs"]]) for b in of[OBSERVATIONS].find({})
        )

    assert buckets(db) == buckets(monthly)  # every entry once, in its month
    for article_id in pair.article_ids:
        assert entries_of(db, article_id) == entries_of(monthly, article_id), article_id
    assert migrate(db) == f"database {db.name!r} is at schema 4 already: nothing to do"


def test_replaying_a_crawl_of_the_earlier_release_adds_nothing(pair: Pair) -> None:
    """Records of a crawl written before the upgrade (a spill journal replayed after
    it): their observations are in the archive once, and stay once."""
    db = pair.client[pair.mixed]
    bucket = db[OBSERVATIONS].find_one({"_id": {"$regex": r"\|2026-11$"}})
    assert bucket is not None
    entry = bucket["obs"][0]
    article_id, crawl_id = str(bucket["article_id"]), str(entry["crawl"])
    article = db.articles.find_one({"_id": article_id}, {"url": 1})
    assert article is not None
    store = MongoArchiveStore(pair.uri, db.name, site=pair.site)
    try:
        store.write_batch(
            crawl_id,
            [
                {
                    "type": "gone",
                    "article_id": article_id,
                    "status": 404,
                    "url": article["url"],
                    "fetched_at": entry["at"].isoformat(),
                }
            ],
        )
    finally:
        store.close()
    of_that_crawl = [e for e in entries_of(db, article_id) if e["crawl"] == crawl_id]
    assert len(of_that_crawl) == 1


def test_a_crawl_after_the_upgrade_adds_each_observation_once(pair: Pair) -> None:
    db = pair.client[pair.mixed]
    live = [
        doc
        for doc in db.articles.find({"removed_at": None}, {"url": 1, "title": 1})
        if doc.get("url")
    ][:10]
    before = {str(d["_id"]): len(entries_of(db, str(d["_id"]))) for d in live}
    store = MongoArchiveStore(pair.uri, db.name, site=pair.site)
    try:
        crawl_id = store.begin_crawl("revisit", "test")
        at = (END + dt.timedelta(hours=1)).isoformat()
        batch = [
            {
                "type": "gone",
                "article_id": str(d["_id"]),
                "status": 404,
                "url": d["url"],
                "fetched_at": at,
            }
            for d in live
        ]
        store.write_batch(crawl_id, batch)
        store.write_batch(crawl_id, batch)  # the same batch again: a replay
    finally:
        store.close()
    for article_id, count in before.items():
        entries = entries_of(db, article_id)
        assert len(entries) == count + 1, article_id
        assert entries[-1]["crawl"] == crawl_id
    month = observation_month(END + dt.timedelta(hours=1))
    assert month.month == 1 and month.year == 2027
