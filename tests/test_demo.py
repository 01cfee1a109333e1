"""The README's main job, `hgcrawler demo`, end to end on a fresh data directory;
and the demo never drops a database it did not make."""

from __future__ import annotations

import argparse
import os
import re
import shlex
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hgcrawler.commands.demo import browse_command, explore_commands
from hgcrawler.storage.demo import DEMO_DATABASE, DEMO_MARK_ID, reset_demo_database
from tests.conftest import MongoServer
from tests.crawling import ROOT

pytestmark = pytest.mark.slow


def test_demo_crawls_several_days_and_reports_what_changed(
    mongo_server: Any, tmp_path: Path
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hgcrawler.cli", "demo", "--articles", "60", "--days", "3",
         "--mongo-uri", mongo_server.uri, "--database", "demo_test", "--data-dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    assert out.count("FINISHED") == 3
    assert "=== day 2: incremental crawl ===" in out
    knows = re.search(r"(\d+) articles \((\d+) removed, (\d+) edited, (\d+) moved\)", out)
    assert knows is not None and int(knows.group(1)) > 55
    assert "New since day 1:" in out and "Most views gained, sorted by views gained" in out
    # its days pass in seconds: a rate per real day would be absurd (millions a day)
    growth = out[out.index("Most views gained") : out.index("Explore (")]
    assert "/day" not in growth and re.search(r"\d+ → \d+ +\(\+\d+\)", growth)
    gained = [int(g) for g in re.findall(r"\(\+(\d+)\)", growth)]
    assert gained and gained == sorted(gained, reverse=True)
    assert "Traceback" not in done.stderr

    # the commands it suggests read the demo's archive when copied and pasted
    explore = out[out.index("Explore (the demo's archive is database 'demo_test'") :]
    explore, browse = explore.split("\nBrowse it (read-only", 1)
    suggested = [line.strip() for line in explore.splitlines()[1:] if line.strip()]
    assert [line.split(" --")[0] for line in suggested] == [
        "hgcrawler query top",
        "hgcrawler query changes",
        f"hgcrawler query history {suggested[2].split()[3]}",
        "hgcrawler report",
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("HGCRAWLER_MONGO_DATABASE", None)
    for line in suggested:
        words = shlex.split(line, comments=True)
        assert words[0] == "hgcrawler"
        assert words[-4:] == ["--database", "demo_test", "--mongo-uri", mongo_server.uri]
        ran = subprocess.run(
            [sys.executable, "-m", "hgcrawler.cli", *words[1:]],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert ran.returncode == 0, f"{line}\n{ran.stderr}"
    assert (tmp_path / "exports" / "report.html").exists()

    # and the browser's command serves it (started on a free port, then stopped)
    serve = shlex.split(browse.splitlines()[1].strip())
    assert serve[:2] == ["hgcrawler", "serve"]
    assert serve[-4:] == ["--database", "demo_test", "--mongo-uri", mongo_server.uri]
    process = subprocess.Popen(
        [sys.executable, "-m", "hgcrawler.cli", *serve[1:], "--port", "0"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        started = process.stdout.readline()
        assert "Browsing database 'demo_test'" in started and "http://127.0.0.1:" in started
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_suggested_commands_point_at_the_demo_archive() -> None:
    on_disk = argparse.Namespace(database="hgcrawler_demo", mongo_uri=None, data_dir="/srv/my data")
    assert explore_commands(on_disk, "mongodb://127.0.0.1:40123/", "haugiang:39993") == [
        "hgcrawler query top --database hgcrawler_demo --data-dir '/srv/my data'",
        "hgcrawler query changes --database hgcrawler_demo --data-dir '/srv/my data'",
        "hgcrawler query history haugiang:39993 --database hgcrawler_demo "
        "--data-dir '/srv/my data'",
        "hgcrawler report --database hgcrawler_demo --data-dir '/srv/my data'",
    ]
    secret = "mongodb://demo:s3cret@db.example.org/"
    remote = argparse.Namespace(database="d", mongo_uri=secret, data_dir=None)
    assert explore_commands(remote, secret, None) == [
        "hgcrawler query top --database d --mongo-uri 'mongodb://***:***@db.example.org/'",
        "hgcrawler query changes --database d --mongo-uri 'mongodb://***:***@db.example.org/'",
        "hgcrawler report --database d --mongo-uri 'mongodb://***:***@db.example.org/'",
    ]
    assert browse_command(remote, secret) == (
        "hgcrawler serve --database d --mongo-uri 'mongodb://***:***@db.example.org/'"
    )


# --- which databases the demo may drop ---------------------------------------------------


@pytest.fixture
def client(mongo_server: MongoServer) -> Iterator[Any]:
    from pymongo import MongoClient

    client: Any = MongoClient(mongo_server.uri, tz_aware=True)
    yield client
    client.close()


@pytest.fixture
def name(client: Any) -> Iterator[str]:
    name = f"demo_{uuid.uuid4().hex[:8]}"
    yield name
    client.drop_database(name)


def test_a_new_or_empty_database_is_marked(client: Any, name: str) -> None:
    assert reset_demo_database(client[name]) is None
    mark = client[name].meta.find_one({"_id": DEMO_MARK_ID})
    assert mark is not None and mark["by"].startswith("hgcrawler demo")


def test_a_marked_database_is_dropped_and_marked_again(client: Any, name: str) -> None:
    assert reset_demo_database(client[name]) is None
    client[name].crawls.insert_one({"_id": "c1", "start_url": "https://haugiang.dcs.vn/"})
    client[name].articles.insert_one({"_id": "haugiang:39993", "site": "haugiang"})
    assert reset_demo_database(client[name]) is None
    assert client[name].crawls.count_documents({}) == 0
    assert client[name].articles.count_documents({}) == 0
    assert client[name].meta.count_documents({"_id": DEMO_MARK_ID}) == 1


def test_a_database_with_other_crawls_is_never_dropped(client: Any, name: str) -> None:
    client[name].crawls.insert_many([{"_id": "c1"}, {"_id": "c2"}])
    client[name].articles.insert_one({"_id": "haugiang:39993", "site": "haugiang"})
    assert reset_demo_database(client[name]) == (
        f"database {name!r} holds 2 crawls and 1 article that hgcrawler demo did not write; "
        "refusing to drop it: choose another --database"
    )
    assert client[name].crawls.count_documents({}) == 2
    assert client[name].meta.count_documents({}) == 0


def test_an_unmarked_hgcrawler_demo_of_replica_crawls_is_an_earlier_demo(client: Any) -> None:
    """hgcrawler_demo from before the mark: dropped when every crawl is of a loopback replica."""
    db = client[DEMO_DATABASE]
    saved = list(db.crawls.find()), list(db.meta.find())
    try:
        client.drop_database(DEMO_DATABASE)
        db.crawls.insert_one({"_id": "c1", "start_url": "http://127.0.0.1:41234/"})
        db.crawls.insert_one({"_id": "c2", "start_url": "http://localhost:41234/"})
        assert reset_demo_database(db) is None
        assert db.crawls.count_documents({}) == 0
        db.meta.drop()
        db.crawls.insert_one({"_id": "c1", "start_url": "http://127.0.0.1:41234/"})
        db.crawls.insert_one({"_id": "c3", "start_url": "https://haugiang.dcs.vn/"})
        assert reset_demo_database(db) is not None
        assert db.crawls.count_documents({}) == 2
    finally:
        client.drop_database(DEMO_DATABASE)
        for collection, docs in zip(("crawls", "meta"), saved, strict=True):
            if docs:
                db[collection].insert_many(docs)


def test_demo_refuses_in_one_line_with_exit_2(
    client: Any, name: str, mongo_server: MongoServer, tmp_path: Path
) -> None:
    client[name].crawls.insert_one({"_id": "c1", "start_url": "https://haugiang.dcs.vn/"})
    done = subprocess.run(
        [sys.executable, "-m", "hgcrawler.cli", "demo", "--mongo-uri", mongo_server.uri,
         "--database", name, "--data-dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.stderr == (
        f"hgcrawler demo: database {name!r} holds 1 crawl that hgcrawler demo did not write; "
        "refusing to drop it: choose another --database\n"
    )
    assert done.returncode == 2 and done.stdout == ""
    assert client[name].crawls.count_documents({}) == 1
