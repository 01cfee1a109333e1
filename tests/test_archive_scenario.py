"""The archive over several replica days, through `hgcrawler crawl` as cron runs it.

Day 1 full, the same crawl again (idempotent), day 3 incremental (new articles,
stopping early), day 3 full (edits, removals, moves), all into a real
SecantusDB server process.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient

from hgcrawler.lock import SingleInstanceLock
from hgcrawler.replica import ReplicaServer, ReplicaSite
from tests.crawling import hgcrawler_crawl, reachable

pytestmark = pytest.mark.slow


class Scenario:
    def __init__(self, site: ReplicaSite, base_url: str, uri: str, db: Any, data_dir: Path) -> None:
        self.site, self.base_url, self.uri, self.db, self.data_dir = (
            site, base_url, uri, db, data_dir
        )  # fmt: skip
        self.runs: dict[str, Any] = {}

    def crawl(self, label: str, mode: str, *extra: str) -> Any:
        done = hgcrawler_crawl(self.base_url, self.uri, self.db.name, self.data_dir, mode, *extra)
        self.runs[label] = done
        return done

    def ids(self, **where: Any) -> set[str]:
        return {doc["_id"] for doc in self.db.articles.find(where, {"_id": 1})}


@pytest.fixture(scope="module")
def scenario(mongo_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scenario]:
    site = ReplicaSite(articles=60, day=1, seed=3)
    client: MongoClient[dict[str, Any]] = MongoClient(mongo_server.uri)
    db = client["scenario_test"]
    with ReplicaServer(site) as server:
        s = Scenario(site, server.base_url, mongo_server.uri, db, tmp_path_factory.mktemp("data"))
        s.day1_truth = {str(t.id): t for t in reachable(site)}  # type: ignore[attr-defined]
        assert s.crawl("day1", "full").returncode == 0, s.runs["day1"].stderr[-3000:]
        s.after_day1 = {  # type: ignore[attr-defined]
            "articles": db.articles.count_documents({}),
            "revisions": db.revisions.count_documents({}),
            "observations": db.observations.count_documents({}),
        }
        assert s.crawl("day1-again", "full").returncode == 0
        site.set_day(3)
        s.day3_truth = {str(t.id): t for t in reachable(site)}  # type: ignore[attr-defined]
        assert s.crawl("day3-incremental", "incremental").returncode == 0
        s.after_incremental_ids = s.ids()  # type: ignore[attr-defined]
        assert s.crawl("day3-full", "full").returncode == 0, s.runs["day3-full"].stderr[-3000:]
        yield s
    client.drop_database("scenario_test")
    client.close()


def crawls(s: Scenario) -> list[dict[str, Any]]:
    return list(s.db.crawls.find().sort("started_at", 1))


def test_day1_stores_every_article_with_one_revision_and_observation(s: Scenario) -> None:
    truth = s.day1_truth  # type: ignore[attr-defined]
    assert s.after_day1 == {  # type: ignore[attr-defined]
        "articles": len(truth),
        "revisions": len(truth),
        "observations": len(truth),
    }
    first = crawls(s)[0]
    assert first["status"] == "finished" and first["mode"] == "full"
    assert first["counts"]["new"] == len(truth)
    assert first["counts"]["rejected"] == len(reachable(s.site, malformed=True))


def test_rerun_duplicates_nothing_but_adds_one_observation_per_article(s: Scenario) -> None:
    second = crawls(s)[1]
    truth = s.day1_truth  # type: ignore[attr-defined]
    assert second["counts"]["new"] == 0
    assert second["counts"]["changed"] == 0
    assert second["counts"]["revisited"] == len(truth)
    assert s.db.observations.count_documents({"crawl_id": second["_id"]}) == len(truth)


def test_incremental_finds_new_articles_and_stops_early(s: Scenario) -> None:
    new_ids = set(s.day3_truth) - set(s.day1_truth)  # type: ignore[attr-defined]
    assert new_ids, "the replica published nothing between day 1 and day 3"
    assert new_ids <= s.after_incremental_ids  # type: ignore[attr-defined]
    incremental = crawls(s)[2]
    assert incremental["mode"] == "incremental"
    assert incremental["counts"]["new"] == len(new_ids)
    full_pages = crawls(s)[0]["counts"]["pages"]
    # home + robots + category first pages + the few listing pages with news + new articles
    assert incremental["counts"]["pages"] < len(new_ids) + 25 < full_pages
    log = s.runs["day3-incremental"]
    assert log.returncode == 0


def test_full_crawl_notices_removals_moves_and_edits(s: Scenario) -> None:
    site = s.site
    everything = {str(t.id): t for t in site.articles()}
    deleted = {i for i, t in everything.items() if t.status == "deleted" and not t.malformed}
    moved = {i: t for i, t in everything.items() if t.status == "moved"}
    edited = {i for i, t in everything.items() if t.revision > 1 and not t.malformed}
    assert deleted and moved and edited, "the replica changed nothing by day 3"
    removed = s.ids(removed_at={"$ne": None})
    assert removed == deleted & set(s.day1_truth)  # type: ignore[attr-defined]
    for article_id, truth in moved.items():
        doc = s.db.articles.find_one({"_id": article_id})
        assert doc is not None and doc["url"] == s.base_url.rstrip("/") + truth.url
        assert s.base_url.rstrip("/") + str(truth.old_url) in doc["old_urls"]
    for article_id in edited:
        doc = s.db.articles.find_one({"_id": article_id})
        truth = everything[article_id]
        assert doc is not None and doc["title"] == truth.title
        assert doc["updated_on"].date() == truth.updated_on
        numbers = sorted(r["number"] for r in s.db.revisions.find({"article_id": article_id}))
        expected = [1, 2] if article_id in s.day1_truth else [1]  # type: ignore[attr-defined]
        assert numbers == expected


def test_views_follow_the_replica(s: Scenario) -> None:
    last = crawls(s)[-1]
    for article_id, truth in s.day3_truth.items():  # type: ignore[attr-defined]
        obs = s.db.observations.find_one({"article_id": article_id, "crawl_id": last["_id"]})
        assert obs is not None, article_id
        assert obs["views"] == (truth.views if truth.views_in_static_html else None)


def test_one_observation_per_article_per_crawl(s: Scenario) -> None:
    pipeline = [{"$group": {"_id": {"a": "$article_id", "c": "$crawl_id"}, "n": {"$sum": 1}}}]
    counts = [row["n"] for row in s.db.observations.aggregate(pipeline)]
    assert counts and max(counts) == 1


def test_crawl_records(s: Scenario) -> None:
    records = crawls(s)
    assert [r["mode"] for r in records] == ["full", "full", "incremental", "full"]
    assert all(r["status"] == "finished" for r in records)
    assert all(r["finished_at"] >= r["started_at"] for r in records)
    assert sum(r["counts"]["removed"] for r in records) == len(s.ids(removed_at={"$ne": None}))


def test_summary_printed_for_cron(s: Scenario) -> None:
    out = s.runs["day3-full"].stdout
    assert "FINISHED" in out and "removed" in out and "log:" in out


def test_overlapping_run_exits_at_once(s: Scenario) -> None:
    with SingleInstanceLock(s.data_dir / "crawl.lock"):
        started = time.monotonic()
        done = s.crawl("overlap", "incremental")
        elapsed = time.monotonic() - started
    assert done.returncode == 3
    assert "another hgcrawler crawl is running" in done.stderr
    assert elapsed < 30
    assert len(crawls(s)) == 4  # nothing was crawled


def test_revisit_mode_fetches_only_due_known_articles(s: Scenario) -> None:
    done = s.crawl("revisit", "revisit")
    assert done.returncode == 0, done.stderr[-2000:]
    nothing_due = crawls(s)[-1]
    assert nothing_due["mode"] == "revisit"
    assert nothing_due["counts"]["articles"] == 0  # everything was fetched moments ago

    done = s.crawl("revisit-all", "revisit", "--all")
    assert done.returncode == 0, done.stderr[-2000:]
    everything = crawls(s)[-1]
    known = s.db.articles.count_documents({"removed_at": None})
    assert everything["counts"]["articles"] == known
    assert everything["counts"]["new"] == 0
    # known articles only: no home page, no listings
    assert s.db.pages.count_documents({"last_crawl_id": everything["_id"]}) == 0
    assert everything["counts"]["pages"] <= known + 1  # + robots.txt


@pytest.fixture
def s(scenario: Scenario) -> Scenario:
    return scenario
