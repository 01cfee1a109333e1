"""Every filter a crawl and the questions send to a collection that grows is served by
an index: none makes the server read the whole collection.

SecantusDB plans a find, update, delete or count on an index only when the filter's
fields are one indexed field, or the leading fields of a compound index; with another
field beside them (or a ``$or``) its planner reports a collection scan, and what it
then reads depends on the order of the fields: the documents the first indexed one
selects (every article of the site, when that is ``site``), or, without one, the whole
collection. At years' size (millions of observations, 50,000 articles per site,
dozens of sites in one database) that is what makes a batch or a question slow.

So this builds a small archive the way users do — two real crawls of the replica (in
a subprocess, as cron runs them), a second site written through the store, the CLI's
questions about both sites and about one — catches every filter sent with pymongo's
command monitoring (``tests/command_capture.py``), and asks the server's planner
(``explain``) about each: a ``COLLSCAN`` on a growing collection fails the test with
the collection, the filter and the line that sent it, unless it is one of the few
below, each said why.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient

from hgcrawler.cli import main
from hgcrawler.read.urls import ArticleKeys
from hgcrawler.replica import ReplicaServer, ReplicaSite
from hgcrawler.storage import MongoArchiveStore
from hgcrawler.storage.schema import (
    ARTICLES,
    CRAWLS,
    MOVES,
    OBSERVATIONS,
    PAGES,
    POSTINGS,
    REJECTS,
    REVISIONS,
    SERIES_DAYS,
)
from hgcrawler.storage.writer import urls_of
from tests.command_capture import Sent, brief, capturing, examined, plan_of, read, shape
from tests.conftest import MongoServer
from tests.crawling import ROOT

#: The collections that grow with the archive's age and its number of sites.
GROWING = frozenset(
    {ARTICLES, OBSERVATIONS, REVISIONS, REJECTS, MOVES, CRAWLS, PAGES, SERIES_DAYS, POSTINGS}
)

#: Collection scans on purpose: (function that sends it, collection) -> why it may.
WHOLE_COLLECTION: dict[tuple[str, str], str] = {
    # ``find_one({})`` tells an empty database from a schema-1 archive; asked only while
    # the database has no schema mark: before its first crawl, or of schema 1 (refused
    # until ``db migrate``). Every archive of schema 2 answers from ``meta``.
    ("schema_version", ARTICLES): "no schema mark yet",
    ("schema_version", CRAWLS): "no schema mark yet",
    # The whole archive's revisions, rejects and crawls counted (the ``count`` command,
    # no filter) once a crawl ends, for the totals of ``query stats``.
    ("SiteSeries.save", REVISIONS): "archive totals at a crawl's end",
    ("SiteSeries.save", REJECTS): "archive totals at a crawl's end",
    ("SiteSeries.save", CRAWLS): "archive totals at a crawl's end",
}

#: Writes by ``_id`` with a guard beside it (compare-and-set). Explain reports a scan
#: for any field beside ``_id``, but the server looks such a filter up by its first
#: clause an index serves — the ``_id`` point lookup — and checks the guard on that one
#: document; each is checked below to be exactly that: ``_id`` first, an IXSCAN alone.
GUARDED_BY_ID: dict[tuple[str, str], str] = {
    # an observation is pushed into its bucket unless the crawl's is there already
    ("BucketOps.run", OBSERVATIONS): "replaying a batch adds nothing",
    # a bucket whose one entry went to another month's goes, if still empty
    ("_rebound", OBSERVATIONS): "delete only an empty bucket",
    # a crawl left running by a dead process becomes interrupted, if still running
    ("MongoArchiveStore.mark_interrupted", CRAWLS): "only a crawl still running",
}

SITE2 = "tinh"
H = "https://tinh.example.vn"
SLUGS = ArticleKeys()


@dataclass
class Captured:
    database: str
    sent: list[Sent]


def crawl_captured(
    out: Path, base_url: str, uri: str, database: str, data_dir: Path
) -> subprocess.CompletedProcess[str]:
    """``hgcrawler crawl`` of the replica in a subprocess that records what it sends."""
    command = [
        sys.executable, "-m", "tests.command_capture", str(out), "--",
        "crawl", "--mode", "full", "--fast", "--start-url", base_url,
        "--mongo-uri", uri, "--data-dir", str(data_dir),
        "-s", f"HGCRAWLER_MONGO_DATABASE={database}", "-s", "HGCRAWLER_RENDER=never",
        "-s", "HGCRAWLER_SLUG_IDS=1", "-s", "LOG_LEVEL=WARNING",
    ]  # fmt: skip
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=180)


def page(url: str, title: str, *, at: str, via: list[str] | None = None, **fields: Any) -> Any:
    """An article record of the second site, as the archive pipeline hands it over."""
    record: dict[str, Any] = {
        "type": "article",
        "site": SITE2,
        "url": url,
        "requested_url": (via or [url])[0],
        "redirect_urls": list(via or []),
        "status": 200,
        "fetched_at": at,
        "title": title,
        "category": "Tin trong tỉnh",
        "updated_on": dt.date(2026, 10, 30),
        "views": 100,
        "lede": f"Mở đầu của bài {title}.",
        "body": f"Nội dung bài {title}.\n\nĐoạn hai.",
        "images": [],
        "author": "Hoàng Ý",
        "rendered": False,
        "warc": None,
        **fields,
    }
    record["key"] = SLUGS.key(url)
    record["redirect_keys"] = [k for k in map(SLUGS.site_id, urls_of(record)[1:]) if k]
    return record


def second_site(uri: str, database: str) -> None:
    """Two crawls of another site through the store: new articles, a page and a reject;
    then an id collision a redirect resolves, a move found by content, a removal."""
    store = MongoArchiveStore(uri, database, site=SITE2, write_retries=1)
    try:
        store.ensure_indexes()
        store.finish_pending_joins()
        store.mark_interrupted()
        old, new = f"{H}/DetailView/7/1/a.html", f"{H}/DetailView/7/2/b.html"
        left, arrived = f"{H}/tin-tuc/hoi-nghi.html", f"{H}/kinh-te/hoi-nghi-tong-ket.html"
        dropped = f"{H}/tin-tuc/bai-khac.html"
        first = store.begin_crawl("full", H)
        store.load_plan("full", dt.datetime.now(dt.UTC))
        store.recent_crawls(exclude=first)
        day1 = "2026-11-01T08:00:00+00:00"
        store.write_batch(
            first,
            [
                page(old, "Bài một", at=day1),
                page(left, "Hội nghị", at=day1),
                page(dropped, "Bài khác", at=day1),
                {
                    "type": "page",
                    "site": SITE2,
                    "url": f"{H}/",
                    "kind": "listing",
                    "status": 200,
                    "fetched_at": day1,
                },
                {
                    "type": "reject",
                    "site": SITE2,
                    "url": f"{H}/hong.html",
                    "status": 200,
                    "reason": "not_parsable",
                    "detail": "no article",
                    "fetched_at": day1,
                },
            ],
        )
        store.finish_crawl(first, "finished", {"pages": 5}, [], {"fill": {"views": 1.0}})
        second = store.begin_crawl("full", H)
        store.load_plan("full", dt.datetime.now(dt.UTC))
        store.recent_crawls(exclude=second)
        day2 = "2026-11-02T08:00:00+00:00"
        # another title and date under the same id: a collision, until the old URL
        # redirects to the new one later in the crawl
        retitled = dt.date(2022, 1, 1)
        store.write_batch(second, [page(new, "Bài hai", at=day2, updated_on=retitled)])
        store.write_batch(second, [page(new, "Bài hai", at=day2, via=[old], updated_on=retitled)])
        gone = {"type": "gone", "site": SITE2, "status": 404, "fetched_at": day2}
        store.write_batch(
            second,
            [
                {**gone, "url": left, "article_id": f"{SITE2}:{SLUGS.key(left)}"},
                page(arrived, "Hội nghị", at=day2),  # the same text at a new URL: a move
                {**gone, "url": dropped, "article_id": f"{SITE2}:{SLUGS.key(dropped)}"},
            ],
        )
        store.finish_crawl(second, "finished", {"pages": 4}, [], {"fill": {"views": 1.0}})
        # a page replacing the 404 its crawl got at the article's URL the month before,
        # which leaves that month's bucket empty
        third = store.begin_crawl("full", H, crawl_id="20261031T233000Z-abcd")
        store.write_batch(
            third,
            [{**gone, "url": new, "article_id": f"{SITE2}:7", "fetched_at": "2026-10-31T23:50Z"}],
        )
        moved = page(
            f"{H}/DetailView/7/3/c.html",
            "Bài hai",
            at="2026-11-01T00:20Z",
            via=[new],
            updated_on=retitled,
        )
        store.write_batch(third, [moved])
        store.finish_crawl(third, "finished", {"pages": 2}, [])
    finally:
        store.close()


def ask(uri: str, database: str, base_url: str, tmp: Path) -> None:
    """The questions users ask, of every site and of one, through the CLI."""
    since, until = "2000-01-01", (dt.date.today() + dt.timedelta(days=2)).isoformat()
    for sites in ([], ["--site", "haugiang"]):
        for argv in (
            ["query", "top"],
            ["query", "top", "--seen-since", since, "--seen-until", until],
            ["query", "top", "--category", "Tin trong tỉnh", "--updated-since", since],
            ["query", "history", "39993"],
            ["query", "history", f"{base_url.rstrip('/')}/no/such-1.html"],
            ["query", "growth"],
            ["query", "growth", "--since", since, "--until", until],
            ["query", "changes", "--since", since],
            ["query", "changes"],  # since the last crawl
            ["query", "search", "tỉnh"],
            ["query", "stats"],
            ["export", "articles", "--out", str(tmp / "a.jsonl")],
            ["export", "articles", "--since", since, "--out", str(tmp / "a.csv")],
            ["export", "observations", "--out", str(tmp / "o.jsonl")],
            ["export", "observations", "--since", since, "--out", str(tmp / "o.jsonl")],
            ["export", "revisions", "--since", since, "--out", str(tmp / "r.jsonl")],
            ["report", "--out", str(tmp / "report.html")],
        ):
            code = main([*argv, *sites, "--mongo-uri", uri, "--database", database])
            assert code == (1 if "no/such-1.html" in argv[-1] else 0), argv
    code = main(["query", "history", f"{SITE2}:7", "--mongo-uri", uri, "--database", database])
    assert code == 0


@pytest.fixture(scope="module")
def captured(
    mongo_server: MongoServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Captured]:
    uri = mongo_server.uri
    database = f"test_plans_{uuid.uuid4().hex[:8]}"
    tmp = tmp_path_factory.mktemp("plans")
    out = tmp / "crawls.jsonl"
    client: MongoClient[dict[str, Any]] = MongoClient(uri, tz_aware=True)
    site = ReplicaSite(articles=30, day=1, seed=0)
    try:
        with ReplicaServer(site) as server:
            for day in (1, 4):  # by day 4: new articles, edits, removals and a move
                site.set_day(day)
                done = crawl_captured(out, server.base_url, uri, database, tmp)
                assert done.returncode == 0, done.stdout + done.stderr[-3000:]
                if day == 1:  # a crawl whose process died, left running: interrupted next
                    dead = subprocess.Popen(["true"])
                    dead.wait()
                    client[database].crawls.insert_one(
                        {
                            "_id": "20261101T000000Z-dead",
                            "site": "haugiang",
                            "status": "running",
                            "host": socket.gethostname(),
                            "pid": dead.pid,
                            "started_at": dt.datetime.now(dt.UTC) - dt.timedelta(hours=1),
                        }
                    )
            sent = read(out)
            with capturing() as capture:
                second_site(uri, database)
                ask(uri, database, server.base_url, tmp)
            sent += capture.sent
        yield Captured(database, [s for s in sent if s.database == database and s.function])
    finally:
        client.drop_database(database)
        client.close()


def _distinct(sent: list[Sent]) -> list[Sent]:
    """One filter of each shape, collection, command and sender."""
    seen: dict[tuple[str, ...], Sent] = {}
    for one in sent:
        key = (one.collection, one.command, json.dumps(shape(one.filter)), one.function)
        seen.setdefault(key, one)
    return list(seen.values())


def test_the_crawls_and_the_questions_were_caught(captured: Captured) -> None:
    """Not vacuous: the writer's, the plan's and the questions' look-ups were caught."""
    senders = set().union(*(s.functions() for s in captured.sent))
    for expected in (
        "ArticleIndex.load",  # the crawl subprocess's batches (BatchWriter's)
        "MoveJoins.content_twins",
        "MoveJoins.collision_resolved",  # the second site's
        "MongoArchiveStore._load_plan",
        "MongoArchiveStore.recent_crawls",
        "MongoArchiveStore.mark_interrupted",
        "finish_pending_joins",
        "crawl_entries",
        "_rebound",
        "ArchiveReader.changes",  # the questions
        "ArchiveReader.crawl_history",
        "ArchiveReader.history",
        "ArchiveReader.find_article",
        "ArchiveReader.documents",
        "day_totals",
        "lookup",
    ):
        assert expected in senders, expected
    interrupted = [s for s in captured.sent if s.collection == CRAWLS and s.command == "update"]
    assert any("status" in s.filter for s in interrupted)  # the dead crawl's


def test_no_filter_on_a_growing_collection_reads_the_whole_collection(
    mongo_server: MongoServer, captured: Captured
) -> None:
    client: MongoClient[dict[str, Any]] = MongoClient(mongo_server.uri, tz_aware=True)
    db = client[captured.database]
    scans = []
    try:
        for sent in _distinct(captured.sent):
            if sent.collection not in GROWING:
                continue
            plan = plan_of(db, sent.collection, sent.filter)
            if plan["stage"] != "COLLSCAN":
                assert plan.get("inputStage", {}).get("stage") == "IXSCAN", plan
                continue
            key = (sent.function, sent.collection)
            if key in WHOLE_COLLECTION:
                continue
            if key in GUARDED_BY_ID and sent.command in ("update", "delete"):
                first = next(iter(sent.filter))
                alone = plan_of(db, sent.collection, {"_id": sent.filter["_id"]})
                if first == "_id" and alone.get("inputStage", {}).get("stage") == "IXSCAN":
                    continue
            docs = examined(db, sent.collection, sent.filter)
            scans.append(
                f"{sent.collection} {sent.command} {brief(sent.filter)!r}: {docs} examined\n"
                + "".join(f"    from {frame}\n" for frame in sent.stack)
            )
    finally:
        client.close()
    assert not scans, "collection scans (explain: COLLSCAN):\n" + "".join(scans)


def test_an_archive_of_an_earlier_release_gets_the_indexes_when_a_crawl_opens_it(
    mongo_uri: str, archive_db_name: str
) -> None:
    """Indexes added since (pages by site, crawls by status and host) are created on an
    archive that lacks them by the store's ``ensure_indexes``, which every crawl and
    ``db replay`` runs before they write."""
    store = MongoArchiveStore(mongo_uri, archive_db_name, write_retries=1)
    added = {PAGES: [("site", 1)], CRAWLS: [("status", 1), ("host", 1)]}
    try:
        store.ensure_indexes()
        for collection, keys in added.items():  # as an earlier release left the archive
            store.db[collection].drop_index(keys)
        assert plan_of(store.db, PAGES, {"site": "haugiang"})["stage"] == "COLLSCAN"
        store.ensure_indexes()
        for collection, keys in added.items():
            have = [spec["key"] for spec in store.db[collection].index_information().values()]
            assert keys in have, collection
        assert plan_of(store.db, PAGES, {"site": "haugiang"})["inputStage"]["stage"] == "IXSCAN"
        running = {"status": "running", "host": "here"}
        assert plan_of(store.db, CRAWLS, running)["inputStage"]["stage"] == "IXSCAN"
    finally:
        store.close()
