"""An archive written by the previous release (schema 1) upgrades in place with
``hgcrawler db migrate``: refused until then, idempotent, resumable, fully queryable."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bson import json_util
from pymongo import MongoClient

from hgcrawler.storage import ArchiveReader, MongoArchiveStore, SchemaError
from hgcrawler.storage import migrate as migration
from hgcrawler.storage.observations import entries_of
from hgcrawler.storage.schema import SCHEMA_VERSION

FIXTURE = Path(__file__).parent / "fixtures" / "archive-v1"
ROOT = Path(__file__).resolve().parents[1]


def v1_documents() -> dict[str, list[dict[str, Any]]]:
    return {
        path.stem: [json_util.loads(line) for line in path.read_text().splitlines() if line]
        for path in sorted(FIXTURE.glob("*.jsonl"))
    }


@pytest.fixture
def client(mongo_uri: str) -> Iterator[MongoClient[dict[str, Any]]]:
    client: MongoClient[dict[str, Any]] = MongoClient(mongo_uri, tz_aware=True)
    names: list[str] = []

    def load() -> Any:
        name = f"v1_{uuid.uuid4().hex[:10]}"
        names.append(name)
        db = client[name]
        for collection, docs in v1_documents().items():
            db[collection].insert_many(docs)
        return db

    client.load_v1 = load  # type: ignore[attr-defined]
    yield client
    for name in names:
        client.drop_database(name)
    client.close()


def state(db: Any) -> dict[str, Any]:
    """Everything a migration writes, comparable between two databases."""
    skip = {"migrated_at", "started_at", "finished_at", "saved_at"}

    def clean(doc: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in doc.items() if k not in skip}

    return {
        name: sorted((clean(d) for d in db[name].find()), key=lambda d: str(d["_id"]))
        for name in ("articles", "observations", "revisions", "crawls", "moves", "postings")
    }


def test_an_old_archive_is_refused_with_the_way_out(client: Any, mongo_uri: str) -> None:
    db = client.load_v1()
    with pytest.raises(SchemaError, match=r"schema 1.*hgcrawler db migrate --database v1_"):
        ArchiveReader(db).check()
    store = MongoArchiveStore(mongo_uri, db.name)
    try:
        with pytest.raises(SchemaError, match="db migrate"):
            store.ensure_indexes()
    finally:
        store.close()


def test_migrate_from_the_command_line(client: Any, mongo_uri: str) -> None:
    db = client.load_v1()
    old = v1_documents()
    done = subprocess.run(
        [sys.executable, "-m", "hgcrawler.cli", "db", "migrate",
         "--mongo-uri", mongo_uri, "--database", db.name],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "articles: 50/50" in done.stdout and "observations: 95/95" in done.stdout
    assert f"upgraded to schema {SCHEMA_VERSION}" in done.stdout
    assert db.meta.find_one({"_id": "schema"})["version"] == SCHEMA_VERSION
    reader = ArchiveReader(db)
    reader.check()
    # every article, with its key, under the default site
    ids = {doc["_id"] for doc in db.articles.find()}
    assert ids == {f"haugiang:{doc['_id']}" for doc in old["articles"]}
    assert {doc["n"] for doc in db.articles.find()} == set(range(50))
    # every observation, with what it said
    for obs in old["observations"]:
        entries = {e["crawl"]: e for e in entries_of(db, f"haugiang:{obs['article_id']}")}
        entry = entries[obs["crawl_id"]]
        assert entry["at"] == obs["fetched_at"].replace(tzinfo=entry["at"].tzinfo)
        assert (entry["status"], entry.get("views")) == (obs["status"], obs["views"])
    assert reader.totals()["observations"] == len(old["observations"]) == 95
    # every revision, renamed
    assert {doc["_id"] for doc in db.revisions.find()} == {
        f"haugiang:{doc['_id']}" for doc in old["revisions"]
    }
    assert db.crawls.count_documents({"site": "haugiang"}) == 3
    # the questions answer from it
    latest = max(old["articles"], key=lambda d: (d["views"] or -1, d["_id"]))
    top = reader.top(limit=1)
    assert (top[0]["article_id"], top[0]["views"]) == (f"haugiang:{latest['_id']}", latest["views"])
    history = reader.history(str(latest["_id"]))
    assert len(history["observations"]) == sum(
        obs["article_id"] == latest["_id"] for obs in old["observations"]
    )
    word = latest["title"].split()[0]
    assert any(
        row["article_id"] == f"haugiang:{latest['_id']}" for row in reader.search(word, limit=50)
    )
    edited = {d["article_id"] for d in old["revisions"] if d["number"] > 1}
    assert reader.totals()["edited"] == len(edited)
    assert reader.totals()["removed"] == sum(d["removed_at"] is not None for d in old["articles"])
    assert reader.growth(limit=3)  # first and last counts of articles seen twice
    assert reader.site_views()  # the day snapshots were rebuilt
    # a query command on the migrated archive
    top_command = subprocess.run(
        [sys.executable, "-m", "hgcrawler.cli", "query", "top", "-n", "1",
         "--mongo-uri", mongo_uri, "--database", db.name],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert top_command.returncode == 0, top_command.stderr
    # the article haugiang:<id>, shown by its short id: the site's own
    lines = top_command.stdout.splitlines()
    assert lines[0].startswith("Sorted by view count")
    assert lines[3].split()[:2] == ["1", str(latest["_id"])]


def test_migrate_is_idempotent(client: Any) -> None:
    db = client.load_v1()
    migration.migrate(db)
    before = state(db)
    report = migration.migrate(db)
    assert "nothing to do" in report
    assert state(db) == before


@pytest.mark.parametrize("stop_at", [1, 2, 3, 5, 8])
def test_a_migration_cut_short_resumes(client: Any, stop_at: int, monkeypatch: Any) -> None:
    reference = client.load_v1()
    migration.migrate(reference)
    db = client.load_v1()
    monkeypatch.setattr(migration, "BATCH", 7)  # many small steps to cut between
    told: list[str] = []

    def progress(line: str) -> None:
        told.append(line)
        if len(told) == stop_at:
            raise KeyboardInterrupt("killed")

    with pytest.raises(KeyboardInterrupt):
        migration.migrate(db, progress=progress)
    with pytest.raises(SchemaError):
        ArchiveReader(db).check()  # not upgraded yet: still refused
    migration.migrate(db)
    assert db.meta.find_one({"_id": "schema"})["version"] == SCHEMA_VERSION
    # the same archive as a migration in one go (article numbers aside)
    got, want = state(db), state(reference)
    for name in ("observations", "revisions", "crawls", "moves"):
        assert got[name] == want[name], name
    assert [dict(d, n=None) for d in got["articles"]] == [dict(d, n=None) for d in want["articles"]]


def test_a_crawl_of_an_old_archive_says_to_migrate(
    client: Any, mongo_uri: str, tmp_path: Path
) -> None:
    db = client.load_v1()
    done = subprocess.run(
        [sys.executable, "-m", "hgcrawler.cli", "crawl", "--mode", "full", "--fast",
         "--start-url", "http://127.0.0.1:9/", "--mongo-uri", mongo_uri,
         "--data-dir", str(tmp_path), "-s", f"HGCRAWLER_MONGO_DATABASE={db.name}"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.strip() == (
        f"hgcrawler crawl: the archive in database {db.name!r} has schema 1, written by an "
        f"older release; upgrade it in place with `hgcrawler db migrate --database {db.name}`"
    )
    assert db.crawls.count_documents({}) == 3  # nothing was written
    query = subprocess.run(
        [sys.executable, "-m", "hgcrawler.cli", "query", "top",
         "--mongo-uri", mongo_uri, "--database", db.name],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert query.returncode == 2
    assert "hgcrawler db migrate" in query.stderr and "Traceback" not in query.stderr
