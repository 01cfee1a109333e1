"""An archive built by crawling the replica over four days, shared by the
query, export and report tests.

Real crawls (``hgcrawler crawl`` subprocesses) into the session's SecantusDB
server; the replica's truth is snapshotted after each day so the tests can
compare what the archive says with what the site served. Built once per test
session, whichever module asks first.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

DAYS = 4
ARTICLES = 60


@dataclass
class Archive:
    uri: str
    database: str
    data_dir: Path
    base_url: str
    #: day -> {article id (str) -> ArticleTruth}, every article published up to that day
    truth: dict[int, dict[str, Any]] = field(default_factory=dict)
    #: crawl ids in day order
    crawl_ids: list[str] = field(default_factory=list)

    def args(self) -> list[str]:
        """The options that point a command at this archive."""
        return ["--mongo-uri", self.uri, "--database", self.database]

    def db(self) -> Any:
        from pymongo import MongoClient

        return MongoClient(self.uri, tz_aware=True)[self.database]


_BUILT: dict[str, Archive] = {}


def build_archive(uri: str, tmp_dir: Path) -> Archive:
    if uri in _BUILT:
        return _BUILT[uri]
    from hgcrawler.replica import ReplicaServer, ReplicaSite

    database = f"test_archive_{uuid.uuid4().hex[:8]}"
    site = ReplicaSite(articles=ARTICLES, day=1, seed=0)
    with ReplicaServer(site) as server:
        archive = Archive(uri=uri, database=database, data_dir=tmp_dir, base_url=server.base_url)
        for day in range(1, DAYS + 1):
            site.set_day(day)
            archive.truth[day] = {str(t.id): t for t in site.articles()}
            command = [
                sys.executable, "-m", "hgcrawler.cli", "crawl", "--mode", "full", "--fast",
                "--start-url", server.base_url, "--mongo-uri", uri, "--data-dir", str(tmp_dir),
                "-s", f"HGCRAWLER_MONGO_DATABASE={database}",
                "-s", "HGCRAWLER_RENDER=never", "-s", "HGCRAWLER_SLUG_IDS=1",
                "-s", "LOG_LEVEL=WARNING",
            ]  # fmt: skip
            done = subprocess.run(command, capture_output=True, text=True, timeout=120)
            if done.returncode != 0:
                logs = sorted((tmp_dir / "logs").glob("*.log"))
                tail = logs[-1].read_text()[-3000:] if logs else ""
                pytest.fail(f"crawl of day {day} failed:\n{done.stdout}\n{done.stderr}\n{tail}")
    db = archive.db()
    archive.crawl_ids = [c["_id"] for c in db.crawls.find().sort("started_at", 1)]
    db.client.close()
    assert len(archive.crawl_ids) == DAYS
    _BUILT[uri] = archive
    return archive


def archive_for(mongo_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Archive:
    """For a module's ``archive`` fixture: the shared archive on the session's server."""
    if mongo_server.uri in _BUILT:
        return _BUILT[mongo_server.uri]
    return build_archive(mongo_server.uri, tmp_path_factory.mktemp("archive"))
