"""Questions about the archive start without the crawler and leave no server behind."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hgcrawler.storage import EmbeddedDatabase

ROOT = Path(__file__).resolve().parents[1]


def hgcrawler(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hgcrawler.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


@pytest.mark.parametrize(
    "command",
    [
        ["warc", "show", "39941"],
        ["query", "top"],
        ["export", "articles"],
    ],
)
def test_a_question_about_an_empty_data_dir_starts_no_server(
    tmp_path: Path, command: list[str]
) -> None:
    done = hgcrawler(*command, "--data-dir", str(tmp_path))
    assert done.returncode == 2, done.stderr
    assert f"no archive in {tmp_path}" in done.stderr
    assert EmbeddedDatabase(tmp_path).status() is None
    assert not (tmp_path / "secantus.json").exists()
    assert not (tmp_path / "db").exists()


def test_a_question_stops_the_server_it_started(tmp_path: Path) -> None:
    """An archive whose embedded server is not running: the question starts it to
    answer, and stops it again."""
    database = EmbeddedDatabase(tmp_path)
    database.start()
    assert database.stop()
    assert database.status() is None
    assert any((tmp_path / "db").iterdir())

    done = hgcrawler("query", "top", "--data-dir", str(tmp_path))
    # an archive with nothing crawled yet: answered (exit 1, "empty"), not refused
    assert done.returncode in (0, 1), done.stderr
    assert "no archive in" not in done.stderr
    assert database.status() is None, "the question left the server it started running"


def test_a_question_leaves_a_running_server_running(tmp_path: Path) -> None:
    database = EmbeddedDatabase(tmp_path)
    database.start()
    try:
        done = hgcrawler("query", "top", "--data-dir", str(tmp_path))
        assert done.returncode in (0, 1), done.stderr
        assert database.status() is not None
    finally:
        database.stop()


def test_a_question_leaves_at_once_with_everything_written(
    tmp_path: Path, mongo_uri: str, archive_db_name: str
) -> None:
    """A question process leaves without the interpreter's teardown (``cli.entry``):
    its output through a pipe, the file it exports and its exit code are whole."""
    from hgcrawler.storage import MongoArchiveStore
    from tests.test_storage import article

    store = MongoArchiveStore(mongo_uri, archive_db_name, write_retries=1)
    store.ensure_indexes()
    try:
        crawl_id = store.begin_crawl("full", "https://haugiang.dcs.vn/")
        records = [
            article(
                url=f"https://haugiang.dcs.vn/tin/bai-{n}-{40000 + n}.html",
                requested_url=f"https://haugiang.dcs.vn/tin/bai-{n}-{40000 + n}.html",
                title=f"Bài số {n} của tỉnh", views=1000 + n, lede=f"Tin thứ {n}.",
            )
            for n in range(300)
        ]  # fmt: skip
        store.write_batch(crawl_id, records)
        store.finish_crawl(crawl_id, "finished", {"pages": 300}, [])
    finally:
        store.close()
    where = ["--mongo-uri", mongo_uri, "--database", archive_db_name]
    top = hgcrawler("query", "top", "-n", "300", *where)
    assert top.returncode == 0, top.stderr
    lines = top.stdout.splitlines()
    assert len(lines) == 3 + 300 and lines[-1].split()[:2] == ["300", "40000"]
    out = tmp_path / "articles.jsonl"
    export = hgcrawler("export", "articles", "--out", str(out), *where)
    assert export.returncode == 0, export.stderr
    assert len(out.read_text(encoding="utf-8").splitlines()) == 300
    missing = hgcrawler("query", "history", "99999999", *where)
    assert missing.returncode != 0 and missing.stderr.strip()


def test_a_question_never_stops_a_server_another_client_came_to_use(tmp_path: Path) -> None:
    """Two users of one data directory: a question starts the stopped embedded server;
    while it asks, another client (a second question, a crawl) connects.  The server
    it started is theirs too now, and is left running; alone, it is stopped."""
    from pymongo import MongoClient

    from hgcrawler.config import ArchiveConfig, archive_settings
    from hgcrawler.storage import open_database

    database = EmbeddedDatabase(tmp_path)
    database.start()
    assert database.stop()
    config = ArchiveConfig.from_settings(archive_settings({"HGCRAWLER_DATA_DIR": str(tmp_path)}))

    with open_database(config, question=True) as db:
        assert db.command("ping")["ok"] == 1
    assert database.status() is None  # alone: the server it started is stopped again

    other: MongoClient[dict[str, object]] | None = None
    try:
        with open_database(config, question=True) as db:
            running = database.status()
            assert running is not None
            other = MongoClient(str(running["uri"]), serverSelectionTimeoutMS=5000)
            other.admin.command("ping")
        assert database.status() is not None, "a server another client uses was stopped"
        assert other.admin.command("ping")["ok"] == 1
    finally:
        if other is not None:
            other.close()
        database.stop()
