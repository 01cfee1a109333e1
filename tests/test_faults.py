"""Fault matrix, faults from the site: one `hgcrawler crawl` of a replica with every fault
endpoint switched on (``ReplicaSite(faults=True)``), then one test per scenario on the
exact end state of the archive. See docs/reliability.md."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient

from hgcrawler.replica import ReplicaServer, ReplicaSite
from hgcrawler.replica.faults import FaultTruth, fault_truths
from tests.archive_view import aid, count
from tests.crawling import hgcrawler_crawl, reachable

pytestmark = pytest.mark.slow

RETRY_TIMES = 2  # so the 503-twice page needs every retry it gets
MALFORMED_REASONS = {
    "malformed_truncated": "truncated",
    "malformed_no_title": "missing_title",
    "malformed_bad_date": "bad_date",
}


@dataclass
class FaultCrawl:
    site: ReplicaSite
    server: ReplicaServer
    db: Any
    done: Any
    log: str
    truths: dict[str, FaultTruth]

    @property
    def base(self) -> str:
        return self.server.base_url.rstrip("/")

    def crawl(self) -> dict[str, Any]:
        record = self.db.crawls.find_one()
        assert record is not None
        return dict(record)

    def rejects(self, reason: str) -> list[dict[str, Any]]:
        return list(self.db.rejects.find({"reason": reason}))


@pytest.fixture(scope="module")
def fc(mongo_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultCrawl]:
    site = ReplicaSite(articles=60, day=1, seed=3, faults=True)
    tmp = tmp_path_factory.mktemp("faults")
    name = f"faults_{uuid.uuid4().hex[:8]}"
    client: MongoClient[dict[str, Any]] = MongoClient(mongo_server.uri, tz_aware=True)
    with ReplicaServer(site) as server:
        done = hgcrawler_crawl(
            server.base_url, mongo_server.uri, name, tmp / "data", "full",
            "-s", "DOWNLOAD_TIMEOUT=2", "-s", f"RETRY_TIMES={RETRY_TIMES}",
            "-s", "HGCRAWLER_RETRY_BACKOFF=0.1", "--log-file", str(tmp / "crawl.log"),
        )  # fmt: skip
        log = (tmp / "crawl.log").read_text(encoding="utf-8")
        truths = {t.name: t for t in fault_truths(f"127.0.0.1:{server.port}")}
        yield FaultCrawl(site, server, client[name], done, log, truths)
    client.drop_database(name)
    client.close()


def stored_faults(fc: FaultCrawl) -> list[FaultTruth]:
    return [t for t in fc.truths.values() if t.expect == "stored"]


def test_crawl_finishes_with_exact_counts(fc: FaultCrawl) -> None:
    assert fc.done.returncode == 0, fc.done.stdout + fc.done.stderr[-3000:]
    assert "Traceback" not in fc.done.stderr and "Traceback" not in fc.log
    portal = reachable(fc.site, malformed=False)
    expected_articles = len(portal) + len(stored_faults(fc))
    db = fc.db
    assert db.articles.count_documents({}) == expected_articles
    assert db.revisions.count_documents({}) == expected_articles
    assert count(db) == expected_articles
    expected_rejects = Counter(
        MALFORMED_REASONS[t.variant] for t in reachable(fc.site, malformed=True)
    )
    expected_rejects.update(
        t.reason for t in fc.truths.values() if t.expect in ("rejected", "capped") and t.reason
    )
    got = Counter(r["reason"] for r in db.rejects.find())
    assert got == expected_rejects
    crawl = fc.crawl()
    assert crawl["status"] == "finished"
    assert crawl["counts"]["articles"] == crawl["counts"]["new"] == expected_articles
    assert crawl["counts"]["rejected"] == sum(expected_rejects.values())
    # 503 x2, 429 x1, drop once x1, and the retries of 500 / hang / drop always (x2 each)
    assert crawl["counts"]["retried"] == 2 + 1 + 1 + 3 * RETRY_TIMES
    assert crawl["counts"]["errors"] == 3  # the three retries given up (500, hang, drop)
    assert crawl["counts"]["traps"] == 2
    assert "FINISHED" in fc.done.stdout


@pytest.mark.parametrize("name", ["retry_503", "retry_429", "drop_once"])
def test_transient_errors_are_retried_then_stored(fc: FaultCrawl, name: str) -> None:
    truth = fc.truths[name]
    path = truth.path.removeprefix("/kiem-thu/")
    assert fc.server.fault_hits[path] == {"retry_503": 3, "retry_429": 2, "drop_once": 2}[name]
    article = fc.db.articles.find_one({"_id": aid(truth.article_id)})
    assert article is not None and article["title"] == truth.title
    assert article["body"] == "\n\n".join(truth.body) and article["views"] == truth.views
    assert count(fc.db, article_id=aid(truth.article_id)) == 1
    assert fc.db.revisions.count_documents({"article_id": aid(truth.article_id)}) == 1
    assert not fc.db.rejects.find_one({"url": truth.absolute_url(fc.base)})


def test_retry_after_and_backoff_are_honoured(fc: FaultCrawl) -> None:
    assert "'hgcrawler/retry/retry_after': 1," in fc.log
    waits = 2 + 1 + 1 + 3 * RETRY_TIMES
    assert f"'hgcrawler/retry/waits': {waits}," in fc.log
    # Retry-After: 1 is one second; the backoff waits are 0.1 and 0.2 s
    wait_ms = int(fc.log.split("'hgcrawler/retry/wait_ms': ")[1].split(",")[0])
    assert 1000 + 9 * 100 <= wait_ms <= 1000 + 6 * 100 + 4 * 200


@pytest.mark.parametrize(
    "name", ["http_500", "hang", "drop_always", "truncated", "enormous", "redirect_chain"]
)
def test_permanent_failures_are_rejected_with_their_reason(fc: FaultCrawl, name: str) -> None:
    truth = fc.truths[name]
    rejects = fc.rejects(str(truth.reason))
    stem = truth.path.split("?")[0]
    ours = [r for r in rejects if stem in r["url"]]
    assert len(ours) == 1, rejects
    if truth.article_id is not None:
        assert fc.db.articles.find_one({"_id": aid(truth.article_id)}) is None
    if name in ("http_500", "hang", "drop_always"):
        assert fc.server.fault_hits[truth.path.removeprefix("/kiem-thu/")] == 1 + RETRY_TIMES
    if name == "http_500":
        assert ours[0]["status"] == 500
    if name == "enormous":  # cancelled from its Content-Length, fetched once
        assert "max size" in ours[0]["detail"]
        assert fc.server.fault_hits["trang-khong-lo-90011.html"] == 1


def test_redirect_loop_is_rejected(fc: FaultCrawl) -> None:
    [loop] = fc.rejects("redirect_loop")
    assert "/kiem-thu/vong-lap-" in loop["url"]
    assert "vong-lap-a.html -> " in loop["detail"]
    assert fc.server.fault_hits["vong-lap-a.html"] == fc.server.fault_hits["vong-lap-b.html"] == 1


@pytest.mark.parametrize("name", ["cp1258", "no_charset", "wrong_charset"])
def test_charsets_are_decoded_right(fc: FaultCrawl, name: str) -> None:
    truth = fc.truths[name]
    article = fc.db.articles.find_one({"_id": aid(truth.article_id)})
    assert article is not None
    assert article["title"] == truth.title
    assert article["lede"] == truth.lede
    assert article["body"] == "\n\n".join(truth.body)
    assert article["author"] == truth.author
    assert fc.db.revisions.count_documents({"article_id": aid(truth.article_id)}) == 1


def test_wrong_charset_is_counted(fc: FaultCrawl) -> None:
    assert "'hgcrawler/pages/charset_mismatch': 1," in fc.log


@pytest.mark.parametrize(
    ("name", "family"), [("calendar_trap", "lich"), ("pagination_trap", "bay")]
)
def test_endless_traps_are_capped(fc: FaultCrawl, name: str, family: str) -> None:
    fetched = fc.server.requested(f"/kiem-thu/{family}")
    assert len(fetched) == 5  # HGCRAWLER_TRAP_PAGES
    pages = fc.db.pages.count_documents({"_id": {"$regex": f"/kiem-thu/{family}"}})
    assert pages == 5
    traps = [r for r in fc.rejects("trap") if f"/kiem-thu/{family}" in r["url"]]
    assert len(traps) == 1 and "5 pages in a row" in traps[0]["detail"]


def test_duplicate_urls_are_fetched_once(fc: FaultCrawl) -> None:
    truth = fc.truths["duplicates"]
    assert len(truth.spellings) == 3
    assert fc.server.fault_hits["tin.aspx"] == 1
    assert fc.db.articles.count_documents({"_id": aid(90012)}) == 1
    article = fc.db.articles.find_one({"_id": aid(90012)})
    assert article is not None and article["url"] == truth.absolute_url(fc.base)
    assert count(fc.db, article_id=aid(90012)) == 1
    assert fc.db.revisions.count_documents({"article_id": aid(90012)}) == 1


def test_only_the_portal_is_crawled_robots_obeyed_no_script_run(fc: FaultCrawl) -> None:
    host = f"127.0.0.1:{fc.server.port}"
    assert {requested_host for requested_host, _ in fc.server.requests} == {host}
    assert not fc.server.requested("/quan-tri/")
    assert not fc.server.requested("script-da-chay")
    assert not fc.server.requested("ten-mien-con")
    assert "robotstxt/forbidden" in fc.log
    urls = [doc["url"] for doc in fc.db.articles.find({}, {"url": 1})]
    urls += [doc["url"] for doc in fc.db.rejects.find({}, {"url": 1})]
    urls += [doc["url"] for doc in fc.db.pages.find({}, {"url": 1})]
    assert urls and all(url.startswith(fc.base + "/") for url in urls)


def test_normal_crawls_see_no_fault_pages() -> None:
    site = ReplicaSite(articles=20, seed=3)
    with ReplicaServer(site) as server:
        import urllib.request

        home = urllib.request.urlopen(server.base_url).read().decode("utf-8")
    assert "kiem-thu" not in home


def test_fault_truths_name_every_endpoint(tmp_path: Path) -> None:
    names = {t.name for t in fault_truths()}
    assert {"retry_503", "retry_429", "hang", "enormous", "calendar_trap", "duplicates"} <= names
    assert all(t.expect in ("stored", "rejected", "capped", "not_fetched") for t in fault_truths())
