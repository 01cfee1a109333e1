"""Fault matrix, faults on our side: the database unreachable or killed, the crawler
killed, two runs at once, an unusable data directory, a drifted layout, and secrets.
Every test runs the real `hgcrawler crawl` and checks the exact end state of the archive.
See docs/reliability.md."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient

from hgcrawler.crawl.lock import SingleInstanceLock
from hgcrawler.replica import ReplicaServer, ReplicaSite
from hgcrawler.storage import ArchiveReader
from hgcrawler.storage.embedded import EmbeddedDatabase
from tests.archive_view import count, observations
from tests.crawling import ROOT, hgcrawler_crawl, reachable

pytestmark = pytest.mark.slow

MALFORMED_REASONS = {
    "malformed_truncated": "truncated",
    "malformed_no_title": "missing_title",
    "malformed_bad_date": "bad_date",
}


def crawl_command(base_url: str, uri: str, database: str, data_dir: Path, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "hgcrawler.cli", "crawl", "--mode", "full", "--fast",
        "--start-url", base_url, "--mongo-uri", uri, "--data-dir", str(data_dir),
        "-s", f"HGCRAWLER_MONGO_DATABASE={database}", "-s", "HGCRAWLER_RENDER=never",
        "-s", "HGCRAWLER_SLUG_IDS=1", *extra,
    ]  # fmt: skip


def wait_for(predicate: Any, timeout: float = 60, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if predicate():
                return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def all_text_under(path: Path) -> str:
    return "\n".join(
        p.read_text(encoding="utf-8", errors="replace") for p in path.rglob("*") if p.is_file()
    )


@pytest.fixture(scope="module")
def replica() -> Iterator[tuple[ReplicaSite, ReplicaServer]]:
    site = ReplicaSite(articles=60, day=1, seed=3)
    with ReplicaServer(site) as server:
        yield site, server


@pytest.fixture
def database(mongo_server: Any) -> Iterator[tuple[str, Any]]:
    name = f"recovery_{uuid.uuid4().hex[:8]}"
    client: MongoClient[dict[str, Any]] = MongoClient(mongo_server.uri, tz_aware=True)
    yield name, client[name]
    client.drop_database(name)
    client.close()


def expected_counts(site: ReplicaSite) -> tuple[int, int]:
    return len(reachable(site, malformed=False)), len(reachable(site, malformed=True))


# ----------------------------------------------------------------- the database


def test_unreachable_database_at_start(
    replica: tuple[ReplicaSite, ReplicaServer], tmp_path: Path
) -> None:
    _, server = replica
    secret = "Pa55-do-not-log"
    uri = f"mongodb://hgadmin:{secret}@127.0.0.1:{closed_port()}/?authSource=admin"
    before = len(server.requests)
    started = time.monotonic()
    done = hgcrawler_crawl(server.base_url, uri, "unreachable", tmp_path / "data")
    assert done.returncode == 2
    assert time.monotonic() - started < 30
    assert "cannot reach MongoDB at mongodb://***:***@127.0.0.1:" in done.stderr
    assert "Traceback" not in done.stderr
    assert secret not in done.stdout + done.stderr + all_text_under(tmp_path)
    assert len(server.requests) == before  # nothing crawled


@pytest.mark.timeout(300)
def test_database_killed_mid_crawl_spills_then_replays_exactly_once(
    replica: tuple[ReplicaSite, ReplicaServer], tmp_path: Path
) -> None:
    site, server = replica
    articles, malformed = expected_counts(site)
    embedded = EmbeddedDatabase(tmp_path / "db")
    pid = int(embedded.start()["pid"])
    uri = embedded.uri + "&serverSelectionTimeoutMS=1500"
    data_dir, name = tmp_path / "data", "killed"
    client: MongoClient[dict[str, Any]] = MongoClient(uri, tz_aware=True)
    try:
        crawl = subprocess.Popen(
            crawl_command(
                server.base_url, uri, name, data_dir,
                "-s", "DOWNLOAD_DELAY=0.1", "-s", "HGCRAWLER_WRITE_BATCH_SIZE=5",
                "-s", "HGCRAWLER_FLUSH_INTERVAL=0.5", "-s", "HGCRAWLER_WRITE_RETRIES=1",
            ),
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        wait_for(lambda: client[name].articles.count_documents({}) >= 5, what="5 articles")
        os.kill(pid, signal.SIGKILL)
        stored_before_kill = 5
        out, err = crawl.communicate(timeout=240)
        assert crawl.returncode == 1, out + err[-2000:]
        assert (
            "FAILED" in out
            and "records could not be written" in out
            and "hgcrawler db replay" in out
        )
        assert "Traceback" not in err
        journal = data_dir / "journal" / name
        assert any(journal.glob("*.jsonl"))
        client.close()

        embedded.start()  # same storage path; the port may differ
        uri = embedded.uri
        client = MongoClient(uri, tz_aware=True)
        db = client[name]
        assert db.articles.count_documents({}) >= stored_before_kill  # acknowledged: kept
        replay = [
            sys.executable, "-m", "hgcrawler.cli", "db", "replay", "--data-dir", str(data_dir),
            "--mongo-uri", uri, "--database", name,
        ]  # fmt: skip
        done = subprocess.run(replay, cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert not list(journal.glob("*.jsonl"))
        [first] = list(db.crawls.find())
        assert first["status"] == "failed"
        assert any("wait in the spill journal" in problem for problem in first["problems"])
        assert db.articles.count_documents({}) == articles
        assert db.revisions.count_documents({}) == articles
        assert count(db, first["_id"]) == articles
        assert db.rejects.count_documents({}) == malformed
        again = subprocess.run(replay, cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert again.returncode == 0 and "nothing to replay" in again.stdout

        done = hgcrawler_crawl(server.base_url, uri, name, data_dir)
        assert done.returncode == 0, done.stdout + done.stderr[-2000:]
        second = db.crawls.find_one({"_id": {"$ne": first["_id"]}})
        assert second is not None and second["status"] == "finished"
        assert db.articles.count_documents({}) == articles
        assert db.revisions.count_documents({}) == articles
        assert count(db) == 2 * articles
        assert db.rejects.count_documents({}) == 2 * malformed
        # the view count series holds every observation, those of the batches written
        # before the database died included
        totals = ArchiveReader(db).totals()
        assert (totals["articles"], totals["live"]) == (articles, articles)
        assert totals["observations"] == 2 * articles
    finally:
        client.close()
        embedded.stop()


# ----------------------------------------------------------------- the crawler


@pytest.fixture(scope="module")
def killed_crawler(
    replica: tuple[ReplicaSite, ReplicaServer],
    mongo_server: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, Any]]:
    """Crawl 1 runs slowly; a second run overlaps it; crawl 1 is SIGKILLed; crawl 3 runs."""
    site, server = replica
    data_dir = tmp_path_factory.mktemp("killed") / "data"
    name = f"killed_{uuid.uuid4().hex[:8]}"
    client: MongoClient[dict[str, Any]] = MongoClient(mongo_server.uri, tz_aware=True)
    db = client[name]
    first = subprocess.Popen(
        crawl_command(
            server.base_url, mongo_server.uri, name, data_dir,
            # slow enough (0.1 s finished it while the overlapping run started) that
            # it is still running when it is killed
            "-s", "DOWNLOAD_DELAY=0.5", "-s", "HGCRAWLER_WRITE_BATCH_SIZE=5",
        ),
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        wait_for(lambda: db.articles.count_documents({}) >= 10, what="10 articles")
        started = time.monotonic()
        overlap = hgcrawler_crawl(server.base_url, mongo_server.uri, name, data_dir)
        overlap_seconds = time.monotonic() - started
        assert first.poll() is None, "crawl 1 ended before it could be killed"
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=30)
        lock_holder = json.loads((data_dir / "crawl.lock").read_text() or "{}")
        pending = list((data_dir / "journal" / name).glob("*.jsonl"))
        third = hgcrawler_crawl(server.base_url, mongo_server.uri, name, data_dir)
        yield {
            "site": site, "db": db, "first_pid": first.pid, "overlap": overlap,
            "overlap_seconds": overlap_seconds, "lock_holder": lock_holder,
            "pending": pending, "third": third,
        }  # fmt: skip
    finally:
        if first.poll() is None:
            first.kill()
        client.drop_database(name)
        client.close()


def test_sigkilled_crawl_is_interrupted_and_the_next_run_completes(
    killed_crawler: dict[str, Any],
) -> None:
    k = killed_crawler
    db = k["db"]
    articles, malformed = expected_counts(k["site"])
    assert k["third"].returncode == 0, k["third"].stdout + k["third"].stderr[-2000:]
    crawls = list(db.crawls.find().sort("started_at", 1))
    assert [c["status"] for c in crawls] == ["interrupted", "finished"]
    assert crawls[0]["pid"] == k["first_pid"]
    assert any(str(k["first_pid"]) in problem for problem in crawls[0]["problems"])
    assert db.articles.count_documents({}) == articles
    assert db.revisions.count_documents({}) == articles
    assert count(db, crawls[1]["_id"]) == articles
    first_observations = count(db, crawls[0]["_id"])
    assert 10 <= first_observations <= articles
    # never two observations of one article by one crawl
    seen = Counter((o["article_id"], o["crawl_id"]) for o in observations(db))
    assert max(seen.values()) == 1
    # the killed crawl's series was never saved: the next run caught it up
    totals = ArchiveReader(db).totals()
    assert (totals["articles"], totals["live"]) == (articles, articles)
    assert totals["observations"] == first_observations + articles
    assert db.rejects.count_documents({"crawl_id": crawls[1]["_id"]}) == malformed


def test_overlapping_run_exits_at_once(killed_crawler: dict[str, Any]) -> None:
    overlap = killed_crawler["overlap"]
    assert overlap.returncode == 3
    assert "another hgcrawler crawl is running" in overlap.stderr
    assert f"pid {killed_crawler['first_pid']}" in overlap.stderr
    assert killed_crawler["overlap_seconds"] < 20
    assert killed_crawler["db"].crawls.count_documents({}) == 2  # the overlap recorded nothing


def test_lock_left_by_a_killed_crawl_does_not_block(killed_crawler: dict[str, Any]) -> None:
    assert killed_crawler["lock_holder"].get("pid") == killed_crawler["first_pid"]
    assert killed_crawler["third"].returncode == 0


def test_stale_lock_file_of_a_dead_process(tmp_path: Path) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    path = tmp_path / "crawl.lock"
    path.write_text(json.dumps({"pid": dead.pid, "started_at": "2021-03-19T00:00:00+0000"}))
    with SingleInstanceLock(path):
        assert json.loads(path.read_text())["pid"] == os.getpid()


# ----------------------------------------------------------------- the disk


def assert_clean_setup_error(done: subprocess.CompletedProcess[str], message: str) -> None:
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("hgcrawler crawl: ")


def test_data_dir_that_cannot_exist(
    replica: tuple[ReplicaSite, ReplicaServer], mongo_server: Any, tmp_path: Path
) -> None:
    _, server = replica
    (tmp_path / "a-file").write_text("not a directory")
    before = len(server.requests)
    done = hgcrawler_crawl(server.base_url, mongo_server.uri, "nodir", tmp_path / "a-file" / "d")
    assert_clean_setup_error(done, "cannot use data directory")
    assert len(server.requests) == before


def test_unwritable_journal_directory(
    replica: tuple[ReplicaSite, ReplicaServer], mongo_server: Any, tmp_path: Path
) -> None:
    _, server = replica
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "journal").write_text("a file where the journal directory should be")
    before = len(server.requests)
    done = hgcrawler_crawl(server.base_url, mongo_server.uri, "nojournal", data_dir)
    assert_clean_setup_error(done, "cannot write the spill journal")
    assert len(server.requests) == before
    client: MongoClient[dict[str, Any]] = MongoClient(mongo_server.uri)
    assert "nojournal" not in client.list_database_names()
    client.close()


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs, filled up (skipped where mounting is not allowed)."""
    mount_point = tmp_path / "full"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount_point)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here: " + mounted.stderr.decode()[:200])
    try:
        (mount_point / "data").mkdir()
        with contextlib.suppress(OSError), open(mount_point / "filler", "wb") as handle:
            while True:
                handle.write(b"\0" * 4096)
                handle.flush()
        yield mount_point / "data"
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_full_disk(
    replica: tuple[ReplicaSite, ReplicaServer], mongo_server: Any, full_disk: Path
) -> None:
    _, server = replica
    before = len(server.requests)
    done = hgcrawler_crawl(server.base_url, mongo_server.uri, "fulldisk", full_disk)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "No space left on device" in done.stderr
    assert "Traceback" not in done.stderr
    assert len(server.requests) == before


# ----------------------------------------------------------------- quality monitor


@pytest.mark.parametrize(
    ("drift", "field"), [("no_views", "the view count"), ("no_date", "the date")]
)
def test_layout_drift_marks_the_crawl_degraded(
    mongo_server: Any, database: tuple[str, Any], tmp_path: Path, drift: str, field: str
) -> None:
    name, db = database
    site = ReplicaSite(articles=20, day=1, seed=3, drift=drift)
    with ReplicaServer(site) as server:
        done = hgcrawler_crawl(server.base_url, mongo_server.uri, name, tmp_path / "data")
    assert done.returncode == 1, done.stdout + done.stderr[-2000:]
    # without a date nothing is archived: a first crawl that archived nothing failed,
    # and says what the pages lacked
    status = "degraded" if drift == "no_views" else "failed"
    assert status.upper() in done.stdout and f"lack {field} (more than 50%)" in done.stdout
    [crawl] = list(db.crawls.find())
    assert crawl["status"] == status
    assert any(f"lack {field} (" in problem for problem in crawl["problems"])
    if drift == "no_date":
        assert crawl["problems"][0].startswith("no article was archived from the")
        assert "(article pages rejected: bad_date ×" in crawl["problems"][0]
    pages = reachable(site, malformed=None)
    if drift == "no_views":
        stored = reachable(site, malformed=False)
        assert db.articles.count_documents({}) == len(stored)
        assert db.articles.count_documents({"views": None}) == len(stored)
        seen = observations(db)
        assert len(seen) == len(stored) and all(o["views"] is None for o in seen)
    else:  # without a date nothing can be stored: every page is a reject with its reason
        assert db.articles.count_documents({}) == 0
        assert db.observations.count_documents({}) == 0
        expected = {
            "truncated": sum(t.variant == "malformed_truncated" for t in pages),
            "missing_title": sum(t.variant == "malformed_no_title" for t in pages),
        }
        expected["bad_date"] = len(pages) - sum(expected.values())
        for reason, count in expected.items():
            assert db.rejects.count_documents({"reason": reason}) == count


# ----------------------------------------------------------------- security


def test_credentials_never_appear(
    mongo_server: Any, database: tuple[str, Any], tmp_path: Path
) -> None:
    name, db = database
    user, secret = f"hg_{uuid.uuid4().hex[:6]}", "S3cret-Pw-never-logged"
    admin: MongoClient[dict[str, Any]] = MongoClient(mongo_server.uri)
    admin.admin.command("createUser", user, pwd=secret, roles=["root"])
    try:
        uri = mongo_server.uri.replace("mongodb://", f"mongodb://{user}:{secret}@")
        uri += "&authSource=admin"
        site = ReplicaSite(articles=10, day=1, seed=3)
        with ReplicaServer(site) as server:
            done = hgcrawler_crawl(server.base_url, uri, name, tmp_path / "data")
        assert done.returncode == 0, done.stdout + done.stderr[-2000:]
        assert db.articles.count_documents({}) == len(reachable(site, malformed=False))
        crawl = db.crawls.find_one()
        everything = done.stdout + done.stderr + all_text_under(tmp_path) + repr(crawl)
        assert secret not in everything
        assert user not in everything
    finally:
        admin.admin.command("dropUser", user)
        admin.close()


def test_embedded_database_listens_on_loopback_only(mongo_server: Any) -> None:
    port = int(mongo_server.uri.split(":")[2].split("/")[0])
    listening = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(FileNotFoundError), open(table) as handle:
            for line in list(handle)[1:]:
                local, state = line.split()[1], line.split()[3]
                if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                    listening.append(local.rsplit(":", 1)[0])
    assert listening == ["0100007F"]  # 127.0.0.1, and nothing on IPv6 or 0.0.0.0
