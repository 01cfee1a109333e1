"""A crawl never reports success it did not have: real signals to a real crawl
subprocess, a portal nobody answers, one that stops answering, one that is
redesigned mid-history, and `scrapy crawl` under the lock."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient

from hgcrawler.crawl.lock import SingleInstanceLock
from hgcrawler.replica import ReplicaServer, ReplicaSite
from tests.archive_view import count, observations
from tests.crawling import ROOT, hgcrawler_crawl, scrapy_crawl

pytestmark = pytest.mark.slow


def crawl_command(base_url: str, uri: str, database: str, data_dir: Path, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "hgcrawler.cli", "crawl", "--mode", "full",
        "--start-url", base_url, "--mongo-uri", uri, "--data-dir", str(data_dir),
        "-s", f"HGCRAWLER_MONGO_DATABASE={database}", "-s", "HGCRAWLER_RENDER=never",
        "-s", "HGCRAWLER_SLUG_IDS=1", "-s", "AUTOTHROTTLE_ENABLED=False",
        *extra,
    ]  # fmt: skip


class Running:
    """A crawl subprocess whose stderr lines are collected with their arrival time."""

    def __init__(self, command: list[str]) -> None:
        self.process = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.lines: list[tuple[float, str]] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append((time.monotonic(), line.rstrip("\n")))

    def wait(self, timeout: float) -> tuple[int, str]:
        """The exit code and stdout (stderr goes on being read by the line reader)."""
        assert self.process.stdout is not None
        code = self.process.wait(timeout=timeout)
        out = self.process.stdout.read()
        self._reader.join(5)
        return code, out

    def first_line_with(self, text: str) -> float | None:
        return next((at for at, line in self.lines if text in line), None)


def wait_for_requests(server: ReplicaServer, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while len(server.request_log) < count:
        assert time.monotonic() < deadline, f"only {len(server.request_log)} requests arrived"
        time.sleep(0.05)


@pytest.fixture
def db(mongo_server: Any, archive_db_name: str) -> Iterator[Any]:
    client: MongoClient[dict[str, Any]] = MongoClient(mongo_server.uri, tz_aware=True)
    yield client[archive_db_name]
    client.close()


@pytest.fixture(scope="module")
def big_site() -> Iterator[ReplicaServer]:
    with ReplicaServer(ReplicaSite(articles=400, day=1, seed=5)) as server:
        yield server


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_stops_the_crawl_as_interrupted(
    big_site: ReplicaServer,
    mongo_server: Any,
    db: Any,
    tmp_path: Path,
    signum: signal.Signals,
    code: int,
) -> None:
    before = len(big_site.request_log)
    running = Running(
        crawl_command(
            big_site.base_url, mongo_server.uri, db.name, tmp_path,
            "-s", "DOWNLOAD_DELAY=0.05", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2",
        )
    )  # fmt: skip
    wait_for_requests(big_site, before + 40)
    sent = time.monotonic()
    running.process.send_signal(signum)
    exit_code, out = running.wait(timeout=30)
    stopped = time.monotonic() - sent
    told = running.first_line_with("stopping the crawl")
    assert told is not None and told - sent < 2, running.lines
    assert stopped < 10
    assert exit_code == code, (out, running.lines[-10:])
    crawl = db.crawls.find_one({})
    assert crawl["status"] == "interrupted"
    assert crawl["problems"][0].startswith(f"interrupted by {signum.name}")
    # every article it counted is in the archive; it stopped well before the end
    observed = count(db, crawl["_id"])
    assert 0 < crawl["counts"]["articles"] == observed < 300
    assert "INTERRUPTED" in out and f"{observed}" in out


def test_politeness_delays_do_not_hold_the_stop(
    big_site: ReplicaServer, mongo_server: Any, db: Any, tmp_path: Path
) -> None:
    """Requests queued behind a 1.5 s per-host delay are not sent once a stop is asked:
    the crawl closes as interrupted at once, without being forced."""
    before = len(big_site.request_log)
    running = Running(
        crawl_command(
            big_site.base_url, mongo_server.uri, db.name, tmp_path,
            "-s", "DOWNLOAD_DELAY=1.5", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1",
            "-s", "HGCRAWLER_STOP_TIMEOUT=8",
        )
    )  # fmt: skip
    wait_for_requests(big_site, before + 4)
    sent = time.monotonic()
    running.process.send_signal(signal.SIGTERM)
    exit_code, out = running.wait(timeout=30)
    stopped = time.monotonic() - sent
    assert exit_code == 143, (out, running.lines[-10:])
    assert running.first_line_with("forcing the stop") is None, running.lines[-10:]
    assert stopped < 5, stopped
    crawl = db.crawls.find_one({})
    assert crawl["status"] == "interrupted"
    assert crawl["counts"]["articles"] == count(db, crawl["_id"])
    # nothing was sent after the stop but what was already on its way
    after = [e.path for e in big_site.request_log[before:] if e.at > sent + 0.3]
    assert len(after) <= 1, after


def test_a_download_that_hangs_is_forced_in_time(
    big_site: ReplicaServer, mongo_server: Any, db: Any, tmp_path: Path
) -> None:
    """A request on the wire that never gets an answer: the stop is forced at
    HGCRAWLER_STOP_TIMEOUT, and the record still ends interrupted."""
    before = len(big_site.request_log)
    running = Running(
        crawl_command(
            big_site.base_url, mongo_server.uri, db.name, tmp_path,
            "-s", "DOWNLOAD_DELAY=0.2", "-s", "HGCRAWLER_STOP_TIMEOUT=3",
            "-s", "DOWNLOAD_TIMEOUT=60",
        )
    )  # fmt: skip
    wait_for_requests(big_site, before + 3)
    big_site.stop_answering()
    try:
        time.sleep(0.5)
        sent = time.monotonic()
        running.process.send_signal(signal.SIGTERM)
        exit_code, out = running.wait(timeout=30)
    finally:
        big_site.resume()
    assert time.monotonic() - sent < 8
    assert exit_code == 143, (out, running.lines[-10:])
    assert running.first_line_with("forcing the stop") is not None
    assert db.crawls.find_one({})["status"] == "interrupted"


def test_a_second_signal_forces_the_stop_and_the_record_ends_interrupted(
    big_site: ReplicaServer, mongo_server: Any, db: Any, tmp_path: Path
) -> None:
    before = len(big_site.request_log)
    running = Running(
        crawl_command(
            big_site.base_url, mongo_server.uri, db.name, tmp_path, "-s", "DOWNLOAD_DELAY=0.5"
        )
    )
    wait_for_requests(big_site, before + 3)
    running.process.send_signal(signal.SIGINT)
    time.sleep(0.2)
    running.process.send_signal(signal.SIGINT)
    exit_code, _ = running.wait(timeout=30)
    assert exit_code != 0
    # at the latest, the next run records it as interrupted
    nxt = hgcrawler_crawl(big_site.base_url, mongo_server.uri, db.name, tmp_path, "revisit")
    assert nxt.returncode == 0, nxt.stderr[-2000:]
    first = db.crawls.find_one({"mode": "full"})
    assert first["status"] == "interrupted"


def test_a_start_url_nobody_answers_fails(mongo_server: Any, db: Any, tmp_path: Path) -> None:
    # every request is retried as usual; only the wait between retries is short (by
    # default 1, 2, 4, 8 s: 30 s of waiting here; test_faults checks the backoff)
    done = hgcrawler_crawl(
        "http://127.0.0.1:9/", mongo_server.uri, db.name, tmp_path,
        "full", "-s", "HGCRAWLER_RETRY_BACKOFF=0.05",
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    crawl = db.crawls.find_one({})
    assert crawl["status"] == "failed"
    assert crawl["problems"][0].startswith("no page could be fetched from http://127.0.0.1:9/")
    assert "FAILED" in done.stdout and "no page could be fetched" in done.stdout


def test_a_portal_that_stops_answering_fails(mongo_server: Any, db: Any, tmp_path: Path) -> None:
    with ReplicaServer(ReplicaSite(articles=120, day=1, seed=2)) as server:
        # it stops once the crawl is under way (a fixed delay raced the crawl's start-up
        # on a busy machine: nothing fetched at all is another failure)
        def stop_after_some_pages() -> None:
            wait_for_requests(server, 10)
            server.stop_answering()

        stopper = threading.Thread(target=stop_after_some_pages, daemon=True)
        stopper.start()
        # the requests queued when it stops each wait DOWNLOAD_TIMEOUT: eight at a time
        # (DOWNLOAD_DELAY still spaces them out), the same failures in a quarter of the wait
        try:
            done = hgcrawler_crawl(
                server.base_url, mongo_server.uri, db.name, tmp_path, "full",
                "-s", "DOWNLOAD_DELAY=0.1", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8",
                "-s", "DOWNLOAD_TIMEOUT=1", "-s", "RETRY_TIMES=0",
            )  # fmt: skip
        finally:
            stopper.join(1)
            server.resume()
    assert done.returncode == 1, done.stdout + done.stderr[-2000:]
    crawl = db.crawls.find_one({})
    assert crawl["status"] == "failed"
    assert any(p.startswith("the site stopped answering") for p in crawl["problems"]), crawl[
        "problems"
    ]


def test_a_redesign_mid_history_fails_loudly_and_keeps_the_last_good_state(
    mongo_server: Any, db: Any, tmp_path: Path
) -> None:
    site = ReplicaSite(articles=60, day=1, seed=4, theme="redesign", theme_from_day=3)
    with ReplicaServer(site) as server:
        first = hgcrawler_crawl(server.base_url, mongo_server.uri, db.name, tmp_path)
        assert first.returncode == 0, first.stdout
        before = {doc["_id"]: doc for doc in db.articles.find({})}
        revisions = db.revisions.count_documents({})
        site.set_day(3)
        redesigned = hgcrawler_crawl(server.base_url, mongo_server.uri, db.name, tmp_path)
    assert redesigned.returncode == 1, redesigned.stdout
    crawl = db.crawls.find_one({}, sort=[("started_at", -1)])
    assert crawl["status"] in ("failed", "degraded")
    problems = " ".join(crawl["problems"])
    assert "layout changed" in problems or "no article was found" in problems
    assert redesigned.stdout.splitlines()[0].endswith(("FAILED", "DEGRADED")) or (
        "FAILED" in redesigned.stdout or "DEGRADED" in redesigned.stdout
    )
    # the archive keeps the last good state: only what answered 404 is removed, no new
    # revision, no view count the pages did not show
    deleted = {
        f"{server.base_url.rstrip('/')}{t.url}" for t in site.articles() if t.status == "deleted"
    }
    removed = {doc["url"] for doc in db.articles.find({"removed_at": {"$ne": None}})}
    assert removed == deleted & {doc["url"] for doc in before.values()}
    assert db.revisions.count_documents({}) == revisions
    after = {doc["_id"]: doc for doc in db.articles.find({})}
    for article_id, doc in before.items():
        assert after[article_id]["title"] == doc["title"]
        assert after[article_id]["views"] == doc["views"]
    observed = observations(db, crawl["_id"])
    assert [obs["status"] for obs in observed] == [404] * len(removed)
    changed = db.rejects.count_documents({"crawl_id": crawl["_id"], "reason": "layout_changed"})
    assert changed == len(before) - len(removed)


def test_scrapy_crawl_takes_the_crawl_lock(mongo_server: Any, db: Any, tmp_path: Path) -> None:
    with SingleInstanceLock(tmp_path / "crawl.lock"):
        done = scrapy_crawl(
            "http://127.0.0.1:9/",
            {
                "HGCRAWLER_MONGO_URI": mongo_server.uri,
                "HGCRAWLER_MONGO_DATABASE": db.name,
                "HGCRAWLER_DATA_DIR": tmp_path,
            },
        )
    assert done.returncode == 3, done.stderr[-2000:]
    assert "scrapy crawl: another hgcrawler crawl is running" in done.stderr
    assert db.crawls.count_documents({}) == 0
    # refused before Scrapy starts: the refusal is all it says
    assert "Spider closed" not in done.stderr and "Scrapy 2." not in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
