"""``db migrate`` to schema 4: URL keys become the page's location within its site.

An archive of schema 3 is made here as that release wrote it (:mod:`tests.old_keys`:
articles keyed by the URL first archived, ``haugiang:https://haugiang.dcs.vn/...``).
After the migration every question answers as before, the ids in the answers being
the new ones; articles that were one page under two spellings (``http`` and
``https``: each crawl of the old release made its own) are joined with all they held;
a migration killed half way resumes to the same archive; a second does nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from pymongo import MongoClient

from benchmarks.archive import ArchiveSpec, build_archive
from benchmarks.old_keys import age_to_url_keys
from hgcrawler.read.urls import ArticleKeys, short_key, site_location
from hgcrawler.storage import MongoArchiveStore
from hgcrawler.storage import rekey as rekey_module
from hgcrawler.storage.migrate import migrate
from hgcrawler.storage.mongo import check_schema, schema_version
from hgcrawler.storage.reader import ArchiveReader
from tests.conftest import MongoServer

pytestmark = pytest.mark.slow

END = dt.datetime(2027, 1, 20, tzinfo=dt.UTC)
OLD_ID = re.compile(r"(haugiang:)https?://(?:www\.)?haugiang\.dcs\.vn(?=/)")


def _copy(client: MongoClient[dict[str, Any]], source: str, target: str) -> None:
    client.drop_database(target)
    for collection in client[source].list_collection_names():
        docs = list(client[source][collection].find({}))
        if docs:
            client[target][collection].insert_many(docs)


@pytest.fixture(scope="module")
def archives(
    mongo_server: MongoServer,
) -> Iterator[tuple[MongoClient[dict[str, Any]], dict[str, str]]]:
    client: MongoClient[dict[str, Any]] = MongoClient(mongo_server.uri, tz_aware=True)
    spec = ArchiveSpec(
        articles=90,
        days=40,
        new_per_day=2,
        edits_per_day=1,
        removals_per_day=0.3,
        moves_per_day=0.3,
        incrementals_per_day=2,
        final_hours=3,
    )
    build_archive(client["test_rekey_built"], mongo_server.uri, spec, end=END)
    _copy(client, "test_rekey_built", "test_rekey_old")
    # every second article keyed by its URL, as the release before schema 4 keyed
    # articles without an id in their URL
    aged = age_to_url_keys(client["test_rekey_old"], every=2)
    assert len(aged) >= 40
    try:
        yield client, aged
    finally:
        for name in ("test_rekey_built", "test_rekey_old", "test_rekey_new", "test_rekey_cut"):
            client.drop_database(name)
        client.close()


def _renamed(value: Any) -> Any:
    """An answer about the schema-3 archive with its article ids as schema 4 spells
    them (``haugiang:https://haugiang.dcs.vn/a.html`` → ``haugiang:/a.html``)."""
    if isinstance(value, str):
        return OLD_ID.sub(r"\1", value)
    if isinstance(value, dict):
        renamed = {k: _renamed(v) for k, v in value.items() if k not in ("places", "hosts")}
        if isinstance(renamed.get("key"), str) and "://" in renamed["key"]:
            renamed["key"] = site_location(renamed["key"])
        return renamed
    if isinstance(value, list | tuple):
        return type(value)(_renamed(v) for v in value)
    return value


def _ranked(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda row: (-row["views"], _renamed(row["article_id"])))


def _by_id(changes: dict[str, Any]) -> dict[str, Any]:
    """Each list of articles in one order (by id, as the reader lists them, the ids
    having changed)."""
    return {
        name: sorted(value, key=lambda doc: _renamed(doc["_id"]))
        if isinstance(value, list) and value and isinstance(value[0], dict) and "_id" in value[0]
        else value
        for name, value in changes.items()
    }


def _questions(ids: list[str]) -> dict[str, Any]:
    week = END - dt.timedelta(days=7)
    month = END - dt.timedelta(days=30)
    return {
        "totals": lambda r: r.totals(),
        # (equal counts are ranked by id: the ids changed, so compared in one order)
        "top": lambda r: _ranked(r.top(limit=30)),
        "top seen in a window": lambda r: _ranked(
            r.top(limit=20, seen_since=month, seen_until=week)
        ),
        "growth last week": lambda r: r.growth(since=week, limit=20),
        "changes in the last month": lambda r: _by_id(r.changes(month)),
        "observations": lambda r: sorted(
            r.observations(), key=lambda o: (_renamed(o["article_id"]), o["fetched_at"])
        ),
        "series of every article": lambda r: [r.view_series(a) for a in ids],
        "history of some articles": lambda r: [r.history(a) for a in ids[::7]],
        "stats": lambda r: r.stats(),
    }


def test_every_question_answers_the_same_after_the_migration(
    archives: tuple[MongoClient[dict[str, Any]], dict[str, str]],
) -> None:
    client, aged = archives
    _copy(client, "test_rekey_old", "test_rekey_new")
    old_ids = sorted(str(d["_id"]) for d in client["test_rekey_old"].articles.find({}, {"_id": 1}))
    before = {
        name: question(ArchiveReader(client["test_rekey_old"]))
        for name, question in _questions(old_ids).items()
    }
    db = client["test_rekey_new"]
    lines: list[str] = []
    report = migrate(db, progress=lines.append)
    assert report == (
        f"database 'test_rekey_new' upgraded to schema 4: {len(aged)} URL keys made "
        "site-relative (schema 4)"
    )
    assert schema_version(db) == 4
    check_schema(db)
    assert any("about" in line and "left" in line for line in lines), lines  # time left
    new_ids = [_renamed(i) for i in old_ids]
    assert sorted(str(d["_id"]) for d in db.articles.find({}, {"_id": 1})) == sorted(new_ids)
    for name, question in _questions(new_ids).items():
        after = question(ArchiveReader(db))
        assert after == _renamed(before[name]), name
        assert after, name  # the question had something to answer
    # each renamed article: its key, places, and ids in every collection that names it
    for old_id in list(aged)[:10]:
        new_id = _renamed(old_id)
        doc = db.articles.find_one({"_id": new_id})
        assert doc is not None and doc["key"].startswith("/")
        if doc.get("old_urls"):  # a moved article is found by where its pages are
            assert site_location(doc["url"]) in doc["places"]
        assert db.observations.count_documents({"article_id": old_id}) == 0
        assert db.revisions.count_documents({"article_id": old_id}) == 0
        assert db.observations.count_documents({"article_id": new_id}) >= 1
        assert db.revisions.count_documents({"article_id": new_id}) >= 1
    for move in db.moves.find({}):
        assert "://" not in str(move["article_id"]).partition(":")[2], move
    # the same as the archive of today that was aged: every article's observations
    built = client["test_rekey_built"]
    for old_id, today in list(aged.items())[:20]:
        want = [e["at"] for b in built.observations.find({"article_id": today}) for e in b["obs"]]
        buckets = db.observations.find({"article_id": _renamed(old_id)})
        got = [e["at"] for b in buckets for e in b["obs"]]
        assert sorted(got) == sorted(want), old_id
    # the site's hosts are known from its crawls' start URLs
    assert "haugiang.dcs.vn" in db.sites.find_one({"_id": "haugiang"})["hosts"]
    assert migrate(db) == "database 'test_rekey_new' is at schema 4 already: nothing to do"


def test_a_migration_killed_half_way_resumes_to_the_same_archive(
    archives: tuple[MongoClient[dict[str, Any]], dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client, aged = archives
    _copy(client, "test_rekey_old", "test_rekey_cut")
    db = client["test_rekey_cut"]
    monkeypatch.setattr(rekey_module, "BATCH", 7)
    real_delete = rekey_module.delete
    calls = {"n": 0}

    class Killed(Exception):
        pass

    def dying(*args: Any, **kwargs: Any) -> Any:
        # killed after the new documents of the third batch were written, before the
        # old ones were deleted
        calls["n"] += 1
        if calls["n"] == 7:
            raise Killed()
        return real_delete(*args, **kwargs)

    monkeypatch.setattr(rekey_module, "delete", dying)
    with pytest.raises(Killed):
        migrate(db)
    assert schema_version(db) == 3  # not marked until done
    # half done: some articles are under both ids
    old_ids = [i for i in aged if db.articles.find_one({"_id": i}, {"_id": 1})]
    assert any(db.articles.find_one({"_id": _renamed(i)}, {"_id": 1}) for i in old_ids)
    monkeypatch.setattr(rekey_module, "delete", real_delete)
    report = migrate(db)
    assert "joined" not in report  # a half-done rename is finished, not taken for a twin
    assert schema_version(db) == 4

    def snapshot(of: Any) -> dict[str, Any]:
        return {
            name: sorted(
                (str(d["_id"]), len(d.get("obs") or []), d.get("article_id"), d.get("key"))
                for d in of[name].find({})
            )
            for name in ("articles", "observations", "revisions", "moves", "rejects")
        }

    whole = client["test_rekey_new"]
    if schema_version(whole) != 4:
        _copy(client, "test_rekey_old", "test_rekey_new")
        migrate(whole)
    assert snapshot(db) == snapshot(whole)


# --- one page under two spellings: joined --------------------------------------------

H = "tinh.dcs.vn"
KEYS = ArticleKeys()


def _record(url: str, body: str, day: int, views: int, offset: int) -> dict[str, Any]:
    return {
        "type": "article", "url": url, "requested_url": url, "redirect_urls": [],
        "status": 200, "fetched_at": f"2026-11-{day:02d}T08:00:00+00:00", "title": "Bài A",
        "category": "Tin trong tỉnh", "updated_on": dt.date(2026, 11, 1), "views": views,
        "lede": "Mở đầu.",
        "body": body, "images": [], "author": "PV", "rendered": False,
        "warc": {"file": "crawl.warc.gz", "offset": offset, "length": 900, "record_id": "x"},
        "key": KEYS.key(url), "redirect_keys": [],
    }  # fmt: skip


def _crawl(uri: str, name: str, start: str, record: dict[str, Any]) -> None:
    store = MongoArchiveStore(uri, name, write_retries=1)
    try:
        store.ensure_indexes()
        crawl_id = store.begin_crawl("full", start)
        store.write_batch(crawl_id, [record])
        store.finish_crawl(crawl_id, "finished", {}, [])
    finally:
        store.close()


def test_one_page_under_two_spellings_is_joined_with_all_it_held(
    mongo_server: MongoServer,
) -> None:
    client: MongoClient[dict[str, Any]] = MongoClient(mongo_server.uri, tz_aware=True)
    names = ("test_rekey_http", "test_rekey_https")
    try:
        for name in names:
            client.drop_database(name)
        # what the release before schema 4 made of a portal that moved to https: the
        # http crawl's article, and the https crawl's article of the same page (edited)
        first = _record(f"http://{H}/tin/a.html", "Nội dung.", 1, 10, 100)
        _crawl(mongo_server.uri, names[0], f"http://{H}/", first)
        second = _record(f"https://{H}/tin/a.html", "Nội dung mới.", 2, 25, 5000)
        _crawl(mongo_server.uri, names[1], f"https://{H}/", second)
        http, https = (client[name] for name in names)
        age_to_url_keys(http)
        age_to_url_keys(https)
        for collection in ("articles", "observations", "revisions", "crawls"):
            docs = list(https[collection].find({}))
            for doc in docs:
                if collection == "articles":
                    doc["n"] = 1  # the next number of the archive they share
            http[collection].insert_many(docs)
        http.sites.update_one({"_id": "haugiang"}, {"$set": {"next_n": 2}})
        before = {str(d["_id"]) for d in http.articles.find({})}
        assert before == {f"haugiang:http://{H}/tin/a.html", f"haugiang:https://{H}/tin/a.html"}
        # a host the site never had is not this site's: left as it is
        stray = "haugiang:https://elsewhere.example.org/tin/a.html"
        http.articles.insert_one({**http.articles.find_one({}), "_id": stray, "n": 2})

        report = migrate(http)
        assert "1 URL keys made site-relative (schema 4)" in report
        assert f"1 articles joined (haugiang:https://{H}/tin/a.html into haugiang:/tin/a.html" in (
            report
        )
        assert "1 URL keys at hosts the site never had left as they are" in report
        docs = {str(d["_id"]): d for d in http.articles.find({})}
        assert set(docs) == {"haugiang:/tin/a.html", stray}
        joined = docs["haugiang:/tin/a.html"]
        assert joined["url"] == f"https://{H}/tin/a.html" and joined["views"] == 25
        assert joined["revision_count"] == 2 and joined["key"] == "/tin/a.html"
        buckets = http.observations.find({"article_id": "haugiang:/tin/a.html"})
        entries = sorted((e for b in buckets for e in b["obs"]), key=lambda e: e["at"])
        assert [e["views"] for e in entries] == [10, 25]  # both crawls, one series
        assert [e["warc"]["offset"] for e in entries] == [100, 5000]  # WARC links kept
        numbers = [r["number"] for r in http.revisions.find({"article_id": "haugiang:/tin/a.html"})]
        assert sorted(numbers) == [1, 2]
        assert http.revisions.count_documents({}) == 2  # nothing but the joined article's
        move = http.moves.find_one({"evidence": "address"})
        assert move is not None and move["article_id"] == "haugiang:/tin/a.html"
        assert short_key("/tin/a.html") != short_key("/tin/b.html")
        # a crawl at either spelling now finds the one article
        third = _record(f"http://{H}/tin/a.html", "Nội dung mới.", 3, 30, 9000)
        _crawl(mongo_server.uri, names[0], f"https://{H}/", third)
        assert http.articles.count_documents({}) == 2
    finally:
        for name in names:
            client.drop_database(name)
        client.close()


def test_an_older_releases_pages_become_one_document_per_page(mongo_server: MongoServer) -> None:
    """``pages`` documents keyed by the whole URL (releases up to schema 4, which made a
    new one for every listing once a portal moved) are rekeyed by the next crawl's plan
    (its site's) and by ``db migrate`` (all): one document per page of each site, the
    first and last sightings of all spellings, the kind and URL of the latest, and
    known to the plan at that URL."""
    client: MongoClient[dict[str, Any]] = MongoClient(mongo_server.uri, tz_aware=True)
    name = "test_rekey_pages"
    client.drop_database(name)
    db = client[name]

    def day(n: int) -> dt.datetime:
        return dt.datetime(2026, 1, n, tzinfo=dt.UTC)

    def page(url: str, kind: str, first: int, last: int, **more: Any) -> dict[str, Any]:
        return {"_id": url, "kind": kind, "first_seen_at": day(first),
                "last_seen_at": day(last), "last_crawl_id": f"c{last}", **more}  # fmt: skip

    try:
        db.pages.insert_many([
            page(f"http://{H}/", "listing", 1, 10, site="haugiang"),
            page(f"https://{H}/", "listing", 5, 20, site="haugiang", last_status=200),
            page(f"https://www.{H}/tin/x.html", "rejected", 3, 4, site="haugiang"),
            # a page written before documents had a site: the archive's one site
            page(f"http://{H}/chuyen-muc/?page=2&cat=1", "listing", 2, 2),
            # another site's page at the same location stays that site's
            page("https://hcm.dcs.vn/", "listing", 1, 1, site="tphcm"),
        ])  # fmt: skip
        # the page's document of the new form, written since: one more of its spellings
        newer = page(f"https://{H}/tin/x.html", "listing", 6, 7, site="haugiang")
        db.pages.insert_one({**newer, "_id": "haugiang:/tin/x.html", "url": newer["_id"]})
        store = MongoArchiveStore(mongo_server.uri, name, write_retries=1)
        try:
            plan = store.load_plan("full", day(25))
            again = store.load_plan("full", day(25))
        finally:
            store.close()
        # the plan reads, and rekeys, its own site's documents; `db migrate` every one
        assert {str(doc["_id"]) for doc in db.pages.find({"_id": {"$regex": "^http"}})} == {
            f"http://{H}/chuyen-muc/?page=2&cat=1", "https://hcm.dcs.vn/",
        }  # fmt: skip
        assert rekey_module.rekey_pages(db, "haugiang") == 2
        assert rekey_module.rekey_pages(db, "haugiang") == 0
        docs = {str(doc.pop("_id")): doc for doc in db.pages.find({})}
        assert set(docs) == {
            "haugiang:/", "haugiang:/tin/x.html", "haugiang:/chuyen-muc/?cat=1&page=2",
            "tphcm:/",
        }  # fmt: skip
        home = docs["haugiang:/"]
        assert (home["first_seen_at"], home["last_seen_at"]) == (day(1), day(20))
        assert (home["url"], home["last_status"], home["last_crawl_id"]) == (
            f"https://{H}/", 200, "c20",
        )  # fmt: skip
        article = docs["haugiang:/tin/x.html"]
        assert (article["kind"], article["first_seen_at"], article["last_seen_at"]) == (
            "listing", day(3), day(7),
        )  # fmt: skip
        assert docs["haugiang:/chuyen-muc/?cat=1&page=2"]["site"] == "haugiang"
        assert docs["tphcm:/"]["url"] == "https://hcm.dcs.vn/"
        expected = {f"https://{H}/": "listing", f"https://{H}/tin/x.html": "listing"}
        assert plan.known_pages == again.known_pages == expected
    finally:
        client.drop_database(name)
        client.close()
