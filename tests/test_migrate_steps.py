"""``hgcrawler db migrate`` step by step: an archive of schema 1 (bare article keys, one observation
document per visit, no site) upgraded in place to the current schema, then asked every question.

The schema 1 archive is written here as that release wrote it (``docs/archive.md`` of
schema 1): three crawls on three days of four articles — one edited, one keyed by its
URL that moved, one removed, one kept apart after a key collision.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from pymongo import MongoClient

from hgcrawler.storage import ArchiveReader
from hgcrawler.storage import migrate as migration
from hgcrawler.storage.mongo import check_schema, schema_version
from tests.archive_view import aid, observations
from tests.crawling import ROOT

UTC = dt.UTC
H = "https://haugiang.dcs.vn"
A, C, D = "39993", "55", "2021#2"
B = f"{H}/tin-tuc/bai-b.html"  # a URL key
B_NOW = f"{H}/kinh-te/bai-b.html"


def at(day: int, hour: int = 8) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, tzinfo=UTC)


def crawl_id(day: int) -> str:
    return f"202611{day:02d}T080000Z-000{day}"


def article(article_id: str, **fields: Any) -> dict[str, Any]:
    key = article_id
    doc = {
        "_id": article_id,
        "key": key.split("#")[0],
        "url": f"{H}/tin-tuc/bai-{key}.html",
        "old_urls": [],
        "category": "Tin trong tỉnh",
        "title": f"Bài {key}",
        "updated_on": dt.datetime(2026, 10, 30, tzinfo=UTC),
        "lede": "Tóm tắt.",
        "body": f"Nội dung của bài {key}.",
        "images": [],
        "author": "PV",
        "content_hash": f"{key}-h1",
        "revision": 1,
        "revision_count": 1,
        "first_seen_at": at(1),
        "last_seen_at": at(3),
        "last_status": 200,
        "last_crawl_id": crawl_id(3),
        "removed_at": None,
        "views_missing_reason": None,
        "rendered": False,
    }
    doc.update(fields)
    return doc


def revision(key: str, number: int, day: int, title: str) -> dict[str, Any]:
    digest = f"{key}-h{number}"
    return {
        "_id": f"{key}:{digest}",
        "article_id": key,
        "number": number,
        "content_hash": digest,
        "title": title,
        "url": f"{H}/tin-tuc/bai-{key}.html",
        "first_seen_at": at(day),
        "last_seen_at": at(3),
        "first_crawl_id": crawl_id(day),
        "warc": None,
    }


def seen(key: str, day: int, views: int | None, **fields: Any) -> dict[str, Any]:
    doc = {
        "_id": f"{key}@{crawl_id(day)}",
        "article_id": key,
        "crawl_id": crawl_id(day),
        "fetched_at": at(day),
        "url": f"{H}/tin-tuc/bai-{key}.html",
        "status": 200,
        "views": views,
        "updated_on": dt.datetime(2026, 10, 30, tzinfo=UTC),
        "rendered": False,
        "views_missing_reason": None,
        "warc": {"file": f"warc/{crawl_id(day)}/x.warc.gz", "offset": day, "length": 9},
    }
    doc.update(fields)
    return doc


def write_schema_1(db: Any) -> None:
    db.articles.insert_many(
        [
            article(
                A,
                title="Thường trực Tỉnh ủy làm việc định kỳ",
                views=361,
                content_hash=f"{A}-h2",
                revision=2,
                revision_count=2,
            ),
            article(B, key=B, url=B_NOW, old_urls=[B], category="Kinh tế", views=50),
            article(C, views=10, removed_at=at(2), last_status=404, last_seen_at=at(1)),
            article(D, views=7, first_seen_at=at(2)),
        ]
    )
    db.revisions.insert_many(
        [
            revision(A, 1, 1, "Thường trực Tỉnh ủy"),
            revision(A, 2, 2, "Thường trực Tỉnh ủy làm việc định kỳ"),
            revision(B, 1, 1, f"Bài {B}"),
            revision(C, 1, 1, f"Bài {C}"),
            revision(D, 1, 2, f"Bài {D}"),
        ]
    )
    db.observations.insert_many(
        [
            seen(A, 1, 300),
            seen(A, 2, 340, rendered=True),
            seen(A, 3, 361),
            seen(B, 1, 20, url=B),
            seen(B, 2, None, url=B, views_missing_reason="counter_is_javascript"),
            seen(B, 3, 50, url=B_NOW),
            seen(C, 1, 10),
            seen(C, 2, None, status=404, warc=None),
            seen(D, 2, 9),
            seen(D, 3, 7, flags=["views_down"]),
        ]
    )
    db.crawls.insert_many(
        [
            {
                "_id": crawl_id(day),
                "mode": "full",
                "start_url": f"{H}/",
                "started_at": at(day),
                "finished_at": at(day, 9),
                "status": "finished",
                "counts": {"articles": 3},
                "problems": [],
            }
            for day in (1, 2, 3)
        ]
    )
    db.rejects.insert_many(
        [
            {"_id": f"{crawl_id(3)}:{H}/x.html", "url": f"{H}/x.html", "reason": "not_parsable",
             "crawl_id": crawl_id(3), "fetched_at": at(3), "status": 200},
            {"_id": f"{crawl_id(2)}:{H}/tin-tuc/bai-{A}.html", "url": f"{H}/tin-tuc/bai-{A}.html",
             "reason": "layout_changed", "crawl_id": crawl_id(2), "fetched_at": at(2),
             "status": 200, "article_id": A, "lost": ["body"]},
        ]
    )  # fmt: skip
    db.pages.insert_one({"_id": f"{H}/", "kind": "listing", "first_seen_at": at(1)})
    db.moves.insert_one(
        {"_id": f"{B}@{crawl_id(3)}:abc", "article_id": B, "from_url": B, "to_url": B_NOW,
         "evidence": "url", "crawl_id": crawl_id(3), "at": at(3)}
    )  # fmt: skip


@pytest.fixture
def client(mongo_server: Any) -> Iterator[Any]:
    client: MongoClient[dict[str, Any]] = MongoClient(mongo_server.uri, tz_aware=True)
    names: list[str] = []

    def fresh() -> Any:
        names.append(f"migrate_{uuid.uuid4().hex[:8]}")
        db = client[names[-1]]
        write_schema_1(db)
        return db

    client.fresh = fresh  # type: ignore[attr-defined]
    yield client
    for name in names:
        client.drop_database(name)
    client.close()


@pytest.fixture
def migrated(client: Any) -> Any:
    db = client.fresh()
    assert schema_version(db) == 1
    lines: list[str] = []
    report = migration.migrate(db, progress=lines.append)
    assert report == (
        f"database {db.name!r} upgraded to schema 4: 4 articles and 10 observations moved "
        "to site 'haugiang'; 1 URL keys made site-relative (schema 4); "
        "pages keyed by site and location: 1"
    )
    assert lines[0] == f"database {db.name!r}: schema 1 → 4 (site 'haugiang')"
    return db


def test_the_documents_take_the_shape_of_the_schema(migrated: Any) -> None:
    db = migrated
    assert schema_version(db) == 4
    check_schema(db)  # no complaint
    docs = {doc["_id"]: doc for doc in db.articles.find()}
    assert set(docs) == {aid(A), aid(B), aid(C), aid(D)}
    assert {doc["site"] for doc in docs.values()} == {"haugiang"}
    assert {i: doc["key"] for i, doc in docs.items()} == {
        aid(A): A, aid(B): "/tin-tuc/bai-b.html", aid(C): C, aid(D): "2021"
    }  # fmt: skip
    assert sorted(doc["n"] for doc in docs.values()) == [0, 1, 2, 3]
    assert {i: doc["views_peak"] for i, doc in docs.items()} == {
        aid(A): 361, aid(B): 50, aid(C): 10, aid(D): 9
    }  # fmt: skip
    assert docs[aid(A)]["views_at"] == at(3)
    assert all(doc["search_text"] and doc["identity"] for doc in docs.values())
    assert sorted(r["_id"] for r in db.revisions.find()) == sorted(
        [f"{aid(A)}:{A}-h1", f"{aid(A)}:{A}-h2", f"{aid(B)}:{B}-h1", f"{aid(C)}:{C}-h1",
         f"{aid(D)}:{D}-h1"]
    )  # fmt: skip
    assert {(r["site"], r["article_id"]) for r in db.revisions.find({"number": 2})} == {
        ("haugiang", aid(A))
    }
    # observations: buckets only, every visit an entry
    assert db.observations.count_documents({"crawl_id": {"$exists": True}}) == 0
    got = {
        (o["article_id"], o["crawl_id"]): (
            o["fetched_at"], o["status"], o["views"], o["views_missing_reason"], o["source"],
            o["flags"], o["warc"] is not None,
        )
        for o in observations(db)
    }  # fmt: skip
    assert got == {
        (aid(A), crawl_id(1)): (at(1), 200, 300, None, None, [], True),
        (aid(A), crawl_id(2)): (at(2), 200, 340, None, "rendered", [], True),
        (aid(A), crawl_id(3)): (at(3), 200, 361, None, None, [], True),
        (aid(B), crawl_id(1)): (at(1), 200, 20, None, None, [], True),
        (aid(B), crawl_id(2)): (at(2), 200, None, "counter_is_javascript", None, [], True),
        (aid(B), crawl_id(3)): (at(3), 200, 50, None, None, [], True),
        (aid(C), crawl_id(1)): (at(1), 200, 10, None, None, [], True),
        (aid(C), crawl_id(2)): (at(2), 404, None, None, None, [], False),
        (aid(D), crawl_id(2)): (at(2), 200, 9, None, None, [], True),
        (aid(D), crawl_id(3)): (at(3), 200, 7, None, None, ["views_down"], True),
    }
    for collection in ("crawls", "rejects", "pages", "moves"):
        assert {doc.get("site") for doc in db[collection].find()} == {"haugiang"}, collection
    # the listing is keyed by its site and location, and keeps where it was
    [page] = db.pages.find()
    assert (page["_id"], page["url"], page["kind"]) == ("haugiang:/", f"{H}/", "listing")
    layout = db.rejects.find_one({"reason": "layout_changed"})
    assert layout["article_id"] == aid(A)
    assert db.moves.find_one()["article_id"] == aid(B)
    assert [doc["_id"] for doc in db.sites.find()] == ["haugiang"]


def test_every_question_is_answered_after_the_migration(migrated: Any) -> None:
    reader = ArchiveReader(migrated)
    reader.check()
    assert reader.sites == ["haugiang"]
    assert [(r["article_id"], r["views"]) for r in reader.top()] == [
        (aid(A), 361), (aid(B), 50), (aid(D), 7)
    ]  # fmt: skip
    assert [(r["article_id"], r["views"]) for r in reader.top(seen_until=at(2, 0))] == [
        (aid(A), 300), (aid(B), 20), (aid(C), 10)
    ]  # fmt: skip
    history = reader.history(A)
    assert [o["views"] for o in history["observations"]] == [300, 340, 361]
    assert [r["number"] for r in history["revisions"]] == [1, 2]
    assert "title" in {change["field"] for change in history["revisions"][1]["changes"]}
    assert reader.find_article(B_NOW)["_id"] == aid(B)
    assert reader.find_article(B)["_id"] == aid(B)  # its old URL, which is also its key
    assert [(r["article_id"], r["first_views"], r["last_views"]) for r in reader.growth()] == [
        (aid(A), 300, 361), (aid(B), 20, 50), (aid(D), 9, 7)
    ]  # fmt: skip
    assert [
        (r["article_id"], r["first_views"], r["last_views"])
        for r in reader.growth(since=at(2, 0), until=at(3, 0))
    ] == [(aid(A), 300, 340)]
    # one day snapshot per day of observations, rebuilt from them
    assert [(p["day"], p["views"], p["articles"]) for p in reader.site_views()] == [
        (at(1, 0), 330, 3), (at(2, 0), 379, 4), (at(3, 0), 428, 4)
    ]  # fmt: skip
    found = reader.changes(at(2, 0))
    lists = ("new", "edited", "removed", "moved")
    assert {name: [d["_id"] for d in found[name]] for name in lists} == {
        "new": [aid(D)], "edited": [aid(A)], "removed": [aid(C)], "moved": [aid(B)]
    }  # fmt: skip
    assert [(r["article_id"], r["in_title"]) for r in reader.search("thuong truc")] == [
        (aid(A), True)
    ]
    assert [r["article_id"] for r in reader.search("noi dung bai")] == [
        aid(A), aid(B), aid(C), aid(D)
    ]  # fmt: skip
    totals = reader.totals()
    assert {k: totals[k] for k in ("articles", "live", "removed", "edited", "moved")} == {
        "articles": 4, "live": 3, "removed": 1, "edited": 1, "moved": 1
    }  # fmt: skip
    assert (totals["observations"], totals["revisions"], totals["crawls"], totals["rejects"]) == (
        10, 5, 3, 2
    )  # fmt: skip
    assert [c["crawl_id"] for c in reader.crawl_history()] == [
        crawl_id(3),
        crawl_id(2),
        crawl_id(1),
    ]
    assert {c["site"] for c in reader.crawl_history()} == {"haugiang"}


def _snapshot(db: Any) -> dict[str, list[Any]]:
    return {
        name: sorted(db[name].find(), key=lambda doc: str(doc["_id"]))
        for name in sorted(db.list_collection_names())
        if name != "meta"
    }


def test_migrating_again_changes_nothing(migrated: Any) -> None:
    before = _snapshot(migrated)
    assert migration.migrate(migrated) == (
        f"database {migrated.name!r} is at schema 4 already: nothing to do"
    )
    assert _snapshot(migrated) == before


class Killed(Exception):
    pass


@pytest.mark.parametrize("lines", [3, 8, 12, 15, 18])
def test_a_migration_killed_part_way_resumes_to_the_same_archive(
    client: Any, monkeypatch: pytest.MonkeyPatch, lines: int
) -> None:
    monkeypatch.setattr(migration, "BATCH", 1)  # a line of progress per document
    whole = client.fresh()
    said: list[str] = []
    migration.migrate(whole, progress=said.append)
    assert len(said) > 17, said

    cut = client.fresh()

    def dies(line: str) -> None:
        dies.count += 1  # type: ignore[attr-defined]
        if dies.count == lines:  # type: ignore[attr-defined]
            raise Killed(line)

    dies.count = 0  # type: ignore[attr-defined]
    with pytest.raises(Killed):
        migration.migrate(cut, progress=dies)
    assert schema_version(cut) == 1  # not marked until done
    migration.migrate(cut)
    assert schema_version(cut) == 4
    assert _snapshot(cut) == _snapshot(whole)


def test_db_migrate_command(client: Any, mongo_server: Any, tmp_path: Any) -> None:
    db = client.fresh()
    command = [
        sys.executable, "-m", "hgcrawler.cli", "db", "migrate", "--mongo-uri", mongo_server.uri,
        "--database", db.name, "--data-dir", str(tmp_path),
    ]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"hgcrawler db migrate: database {db.name!r}: schema 1 → 4 (site 'haugiang')"
    assert lines[-1] == (
        f"database {db.name!r} upgraded to schema 4: 4 articles and 10 observations moved "
        "to site 'haugiang'; 1 URL keys made site-relative (schema 4); "
        "pages keyed by site and location: 1"
    )
    top = subprocess.run(
        [sys.executable, "-m", "hgcrawler.cli", "query", "top", "--json",
         "--mongo-uri", mongo_server.uri, "--database", db.name],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert top.returncode == 0, top.stderr
    assert f'"article_id": "{aid(A)}"' in top.stdout


def test_a_join_cut_short_before_the_upgrade_is_finished_after_it(
    client: Any, mongo_server: Any
) -> None:
    """A crash of schema 1 left a join pending (its ``moves`` document says ``joining``):
    the next crawl after the upgrade finishes it, once."""
    from hgcrawler.storage import MongoArchiveStore

    db = client.fresh()
    newer = "90001"
    db.articles.insert_one(article(newer, url=B_NOW, first_seen_at=at(3), views=60))
    db.observations.insert_one(seen(newer, 3, 60, url=B_NOW))
    db.moves.insert_one(
        {"_id": f"{newer}>{B}", "article_id": B, "absorbed": newer, "from_url": B,
         "to_url": B_NOW, "evidence": "content", "crawl_id": crawl_id(3), "at": at(3),
         "state": "joining"}
    )  # fmt: skip
    migration.migrate(db)
    store = MongoArchiveStore(mongo_server.uri, db.name, write_retries=1)
    try:
        assert store.finish_pending_joins() == 1
        assert store.finish_pending_joins() == 0
    finally:
        store.close()
    assert db.articles.find_one({"_id": aid(newer)}) is None
    join = db.moves.find_one({"absorbed": aid(newer)})
    assert join is not None and join["state"] == "done" and join["article_id"] == aid(B)
    assert join["_id"] == f"{aid(newer)}>{aid(B)}"
    assert [o["crawl_id"] for o in observations(db, article_id=aid(B))] == [
        crawl_id(1), crawl_id(2), crawl_id(3)
    ]  # fmt: skip
