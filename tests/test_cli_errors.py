"""What a user sees when a command cannot do its job: one line on stderr naming
the problem, and the documented exit code, never a traceback.

Run as a user runs them: ``python -m hgcrawler.cli`` in a subprocess.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hgcrawler.config import start_url_problem
from hgcrawler.storage.schema import SCHEMA_VERSION
from tests.conftest import MongoServer
from tests.crawling import ROOT

#: Nothing listens on port 1; the URI carries credentials that must never be printed.
UNREACHABLE = "mongodb://reader:s3cret@127.0.0.1:1/?serverSelectionTimeoutMS=500"
MASKED = "mongodb://***:***@127.0.0.1:1/?serverSelectionTimeoutMS=500"
REFUSED = "127.0.0.1:1: [Errno 111] Connection refused"


#: Settings from the environment that would point a command elsewhere than the test says.
_ARCHIVE_ENV = ("MONGO_URI", "HGCRAWLER_MONGO_DATABASE", "HGCRAWLER_DATA_DIR")


def hgcrawler(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    base = {name: value for name, value in os.environ.items() if name not in _ARCHIVE_ENV}
    return subprocess.run(
        [sys.executable, "-m", "hgcrawler.cli", *args],
        cwd=ROOT,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    """The single line on stderr (fails on a traceback or anything more)."""
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A loopback port some other server is listening on."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield int(server.getsockname()[1])


# --- an unreachable database ------------------------------------------------------------


def spill_a_record(journal: Path) -> None:
    """A record left in the spill journal by a crawl that has ended (another process)."""
    code = (
        "import sys; from pathlib import Path; from hgcrawler.storage import SpillJournal; "
        "j = SpillJournal(Path(sys.argv[1]), crawl_id='c1'); "
        "j.append({'type': 'page', 'url': 'https://haugiang.dcs.vn/'}); j.seal()"
    )
    subprocess.run([sys.executable, "-c", code, str(journal)], cwd=ROOT, check=True)


@pytest.mark.parametrize(
    ("prog", "args"),
    [
        ("query top", ["query", "top"]),
        ("query history", ["query", "history", "39993"]),
        ("query growth", ["query", "growth"]),
        ("query changes", ["query", "changes"]),
        ("query search", ["query", "search", "tỉnh"]),
        ("query stats", ["query", "stats"]),
        ("export", ["export", "articles", "--out", "-"]),
        ("plot", ["plot", "39993", "--out", "{tmp}/views.png"]),
        ("report", ["report", "--out", "{tmp}/report.html"]),
        ("warc show", ["warc", "show", "39993"]),
        ("db replay", ["db", "replay"]),
        ("serve", ["serve", "--port", "0"]),
    ],
)
def test_an_unreachable_database_is_one_line_and_exit_2(
    prog: str, args: list[str], tmp_path: Path
) -> None:
    if prog == "db replay":  # it contacts the database only when there is something to send
        spill_a_record(tmp_path / "journal" / "hgcrawler")
    args = [arg.replace("{tmp}", str(tmp_path)) for arg in args]
    done = hgcrawler(*args, "--mongo-uri", UNREACHABLE, "--data-dir", str(tmp_path))
    assert one_line(done) == f"hgcrawler {prog}: cannot reach MongoDB at {MASKED}: {REFUSED}"
    assert done.returncode == 2
    assert "s3cret" not in done.stdout + done.stderr
    assert not list(tmp_path.glob("*.png")) and not list(tmp_path.glob("*.html"))


def test_the_mongo_uri_environment_variable_is_masked_too(tmp_path: Path) -> None:
    done = hgcrawler("query", "top", "--data-dir", str(tmp_path), env={"MONGO_URI": UNREACHABLE})
    assert one_line(done) == f"hgcrawler query top: cannot reach MongoDB at {MASKED}: {REFUSED}"
    assert done.returncode == 2


def test_a_connection_lost_while_reading_is_reported_like_an_unreachable_one(
    mongo_server: MongoServer,
) -> None:
    import argparse

    from pymongo.errors import AutoReconnect

    from hgcrawler.commands._archive import CommandError, open_archive

    args = argparse.Namespace(mongo_uri=mongo_server.uri, database="any", data_dir=None)
    with pytest.raises(CommandError) as raised, open_archive(args):
        raise AutoReconnect("127.0.0.1:27017: connection closed (configured timeouts: …)")
    assert str(raised.value) == (
        f"lost MongoDB at {mongo_server.uri}: 127.0.0.1:27017: connection closed"
    )
    assert raised.value.exit_code == 2


def test_an_unreadable_mongo_uri_is_one_line_and_exit_2() -> None:
    done = hgcrawler("export", "articles", "--mongo-uri", "mongodb://u:pw@[::1")
    assert one_line(done) == (
        "hgcrawler export: bad MongoDB URI mongodb://***:***@[::1: an IPv6 address literal "
        "must be enclosed in '[' and ']' according to RFC 2732."
    )
    assert done.returncode == 2


# --- where files are written -----------------------------------------------------------


@pytest.mark.parametrize(
    ("prog", "args"),
    [
        ("export", ["export", "articles", "--format", "csv"]),
        ("plot", ["plot", "39993"]),
        ("report", ["report"]),
    ],
)
def test_a_file_in_a_missing_directory_is_refused_before_the_database(
    prog: str, args: list[str], tmp_path: Path
) -> None:
    out = tmp_path / "missing" / "dir" / "out.file"
    done = hgcrawler(*args, "--out", str(out), "--mongo-uri", UNREACHABLE)
    assert one_line(done) == (
        f"hgcrawler {prog}: cannot write {out}: directory {out.parent} does not exist"
    )
    assert done.returncode == 2
    assert list(tmp_path.iterdir()) == []


# --- an empty archive ------------------------------------------------------------------


@pytest.fixture(scope="module")
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Any]]:
    """An embedded server of this module's own (its data directory and a client):
    the messages below name every database on the server."""
    from pymongo import MongoClient

    from hgcrawler.storage.embedded import EmbeddedDatabase

    data_dir = tmp_path_factory.mktemp("own-server")
    database = EmbeddedDatabase(data_dir)
    database.start()
    client: Any = MongoClient(database.uri)
    try:
        yield data_dir, client
    finally:
        client.close()
        database.stop()


def test_an_empty_archive_names_the_databases_that_hold_articles(
    own_server: tuple[Path, Any],
) -> None:
    data_dir, client = own_server
    # the embedded server in --data-dir, as after `hgcrawler demo` without options
    ask = ["query", "top", "--data-dir", str(data_dir)]
    done = hgcrawler(*ask)
    assert one_line(done) == (
        "hgcrawler query top: the archive (database 'hgcrawler') is empty: "
        "no crawl has written to it yet; run `hgcrawler crawl`"
    )
    assert done.returncode == 1

    # an archive of the current schema, as a crawl leaves it
    demo = client.hgcrawler_demo
    demo.meta.insert_one({"_id": "schema", "version": SCHEMA_VERSION})
    demo.sites.insert_one({"_id": "haugiang", "next_n": 250})
    demo.articles.insert_many(
        [{"_id": f"haugiang:{n}", "site": "haugiang", "key": str(n), "n": n} for n in range(250)]
    )
    demo.crawls.insert_one({"_id": "c1", "site": "haugiang"})
    done = hgcrawler(*ask)
    assert one_line(done) == (
        "hgcrawler query top: the archive (database 'hgcrawler') is empty; "
        "database 'hgcrawler_demo' holds 250 articles: add --database hgcrawler_demo"
    )
    assert done.returncode == 1
    assert hgcrawler(*ask, "--database", "hgcrawler_demo").returncode == 0

    client.other.articles.insert_one({"_id": "1"})
    # crawled (which marks the archive's schema), nothing archived
    client.hgcrawler.meta.insert_one({"_id": "schema", "version": SCHEMA_VERSION})
    client.hgcrawler.crawls.insert_one({"_id": "c2", "site": "haugiang"})
    done = hgcrawler("export", "articles", "--out", "-", "--data-dir", str(data_dir))
    assert one_line(done) == (
        "hgcrawler export: the archive (database 'hgcrawler') is empty; databases "
        "'hgcrawler_demo' (250 articles), 'other' (1 article) hold articles: add --database NAME"
    )
    assert done.returncode == 1 and done.stdout == ""


# --- an archive of an older release -----------------------------------------------------


@pytest.mark.parametrize(
    ("prog", "args"),
    [
        ("query top", ["query", "top"]),
        ("query history", ["query", "history", "39993"]),
        ("query stats", ["query", "stats"]),
        ("export", ["export", "articles", "--out", "-"]),
        ("plot", ["plot", "39993", "--out", "{tmp}/views.png"]),
        ("report", ["report", "--out", "{tmp}/report.html"]),
        ("warc show", ["warc", "show", "39993"]),
        ("serve", ["serve", "--port", "0"]),
    ],
)
def test_an_archive_of_schema_1_is_refused_naming_db_migrate(
    own_server: tuple[Path, Any], prog: str, args: list[str], tmp_path: Path
) -> None:
    data_dir, client = own_server
    old = client.schema_one
    if old.articles.estimated_document_count() == 0:  # as schema 1 kept it: bare keys
        old.articles.insert_one({"_id": "39993", "title": "Tin", "views": 1})
        old.observations.insert_one({"_id": "39993@c1", "article_id": "39993", "crawl_id": "c1"})
        old.crawls.insert_one({"_id": "c1"})
    args = [arg.replace("{tmp}", str(tmp_path)) for arg in args]
    done = hgcrawler(*args, "--data-dir", str(data_dir), "--database", "schema_one")
    assert one_line(done) == (
        f"hgcrawler {prog}: the archive in database 'schema_one' has schema 1, written by an "
        "older release; upgrade it in place with `hgcrawler db migrate --database schema_one`"
    )
    assert done.returncode == 2 and done.stdout == ""
    assert old.articles.find_one({"_id": "39993"}) is not None  # untouched
    assert old.meta.count_documents({}) == 0
    assert not list(tmp_path.iterdir())


def test_a_crawl_into_an_archive_of_schema_1_is_refused_before_anything_is_fetched(
    own_server: tuple[Path, Any], tmp_path: Path
) -> None:
    from hgcrawler.replica import ReplicaServer, ReplicaSite

    data_dir, client = own_server
    old = client.schema_one_crawl
    old.articles.insert_one({"_id": "39993", "title": "Tin", "views": 1})
    with ReplicaServer(ReplicaSite(articles=5, day=1, seed=1)) as server:
        done = hgcrawler(
            "crawl", "--mode", "full", "--start-url", server.base_url,
            "--data-dir", str(data_dir), "-s", "HGCRAWLER_MONGO_DATABASE=schema_one_crawl",
        )  # fmt: skip
        requests = len(server.requests)
    line = one_line(done)
    assert line.startswith("hgcrawler crawl: ")
    assert line.endswith(
        "the archive in database 'schema_one_crawl' has schema 1, written by an older "
        "release; upgrade it in place with `hgcrawler db migrate --database schema_one_crawl`"
    )
    assert done.returncode == 2 and done.stdout == ""
    assert requests == 0
    assert sorted(old.list_collection_names()) == ["articles"]  # nothing written


# --- addresses to serve on --------------------------------------------------------------


def test_replica_on_a_busy_port(busy_port: int) -> None:
    done = hgcrawler("replica", "--port", str(busy_port))
    assert one_line(done) == (
        f"hgcrawler replica: cannot listen on 127.0.0.1:{busy_port}: "
        "address already in use (choose another --port)"
    )
    assert done.returncode == 2 and done.stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "99999"], "127.0.0.1:99999: the port must be 0-65535 (0: any free port)"),
        (["--port", "-1"], "127.0.0.1:-1: the port must be 0-65535 (0: any free port)"),
        (["--host", "999.1.1.1"], "999.1.1.1:8000: unknown host or bad address ("),
    ],
)
def test_replica_on_an_impossible_address(args: list[str], message: str) -> None:
    done = hgcrawler("replica", *args)
    assert one_line(done).startswith(f"hgcrawler replica: cannot listen on {message}")
    assert done.returncode == 2


def test_warc_replay_on_a_busy_port(busy_port: int, tmp_path: Path) -> None:
    done = hgcrawler("warc", "replay", "--data-dir", str(tmp_path), "--port", str(busy_port))
    assert one_line(done) == (
        f"hgcrawler warc replay: cannot listen on 127.0.0.1:{busy_port}: "
        "address already in use (choose another --port)"
    )
    assert done.returncode == 2 and done.stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "99999"], "127.0.0.1:99999: the port must be 1-65535"),
        (["--port", "0"], "127.0.0.1:0: the port must be 1-65535"),
        (["--bind", "999.1.1.1"], "999.1.1.1:8080: unknown host or bad address ("),
    ],
)
def test_warc_replay_on_an_impossible_address(
    args: list[str], message: str, tmp_path: Path
) -> None:
    done = hgcrawler("warc", "replay", "--data-dir", str(tmp_path), *args)
    assert one_line(done).startswith(f"hgcrawler warc replay: cannot listen on {message}")
    assert done.returncode == 2


def test_warc_replay_without_pywb_says_which_extra_to_install(tmp_path: Path) -> None:
    shim = tmp_path / "shim" / "pywb"
    shim.mkdir(parents=True)
    (shim / "__init__.py").write_text('raise ImportError("no pywb in this test")\n')
    pythonpath = os.pathsep.join([str(shim.parent), str(ROOT)])
    done = hgcrawler("warc", "replay", "--data-dir", str(tmp_path), env={"PYTHONPATH": pythonpath})
    assert one_line(done) == (
        "hgcrawler warc replay: pywb is not installed; install the replay extra: "
        "pip install 'hgcrawler[replay]' (in a clone: pip install -e '.[replay]')"
    )
    assert done.returncode == 2


# --- the start URL ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://haugiang.dcs.vn/", None),
        ("http://127.0.0.1:8000/", None),
        ("HTTPS://haugiang.dcs.vn", None),
        ("not-a-url", "not an absolute URL (expected http://HOST/ or https://HOST/)"),
        ("haugiang.dcs.vn:443", "not an absolute URL (expected http://HOST/ or https://HOST/)"),
        ("http:/haugiang.dcs.vn/", "not an absolute URL (expected http://HOST/ or https://HOST/)"),
        ("ftp://x", "the scheme must be http or https, not 'ftp'"),
        ("http://", "it has no host"),
        ("https:///path", "it has no host"),
        ("http://x:99999/", "port out of range 0-65535"),
        ("http://x:0/", "port 0 is not a port to crawl"),
        ("http://hau giang/", "it contains white space"),
        ("", "it is empty"),
    ],
)
def test_start_url_problem(url: str, problem: str | None) -> None:
    assert start_url_problem(url) == problem


@pytest.mark.parametrize(
    ("args", "url", "problem"),
    [
        (["--start-url", "not-a-url"], "not-a-url", "not an absolute URL (expected http://HOST/ "
         "or https://HOST/)"),
        (["--start-url", "ftp://x"], "ftp://x", "the scheme must be http or https, not 'ftp'"),
        (["--start-url", "http://"], "http://", "it has no host"),
        (["-s", "HGCRAWLER_START_URL=ftp://x"], "ftp://x",
         "the scheme must be http or https, not 'ftp'"),
    ],
)  # fmt: skip
def test_crawl_refuses_a_bad_start_url_before_anything_starts(
    args: list[str], url: str, problem: str, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    # an unreachable database: had the crawl gone that far, the message would say so
    done = hgcrawler("crawl", *args, "--data-dir", str(data_dir), "--mongo-uri", UNREACHABLE)
    assert one_line(done) == f"hgcrawler crawl: bad start URL {url!r}: {problem}"
    assert done.returncode == 2
    assert not data_dir.exists()  # no lock, no journal, no log


# --- the progress line ------------------------------------------------------------------


def test_progress_line_tells_article_pages_from_articles_stored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The line counted parsed article pages as "articles" (208) while the summary
    counts articles stored (196): it now says both, in those words."""
    import io

    from scrapy.utils.test import get_crawler

    from hgcrawler.crawl import extensions

    crawler = get_crawler(settings_dict={"HGCRAWLER_PROGRESS_INTERVAL": 30})
    progress = extensions.CrawlProgress.from_crawler(crawler)
    progress.stream = io.StringIO()
    monkeypatch.setattr(extensions.time, "monotonic", lambda: progress.started + 30.0)
    stats = crawler.stats
    assert stats is not None
    for name, value in {
        "response_received_count": 231,
        "hgcrawler/pages/article": 208,
        "hgcrawler/articles/new": 8,
        "hgcrawler/articles/revisited": 188,
        "hgcrawler/articles/changed": 7,
        "hgcrawler/rejected/no_title": 2,
        "hgcrawler/rejected/too_large": 1,
        "scheduler/enqueued": 250,
        "scheduler/dequeued": 238,
    }.items():
        stats.set_value(name, value)
    progress.report()
    assert progress.stream.getvalue() == (
        "[hgcrawler]     30s  231 pages (7.7/s), 208 article pages, 196 stored "
        "(8 new, 7 changed), 3 rejected, 12 queued\n"
    )

    empty = get_crawler(settings_dict={"HGCRAWLER_PROGRESS_INTERVAL": 5})
    at_start = extensions.CrawlProgress.from_crawler(empty)
    assert at_start.line().endswith(
        "0 pages (0.0/s), 0 article pages, 0 stored (0 new, 0 changed), 0 rejected, 0 queued"
    )
