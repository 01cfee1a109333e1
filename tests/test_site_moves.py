"""A portal that moves: crawled on day 1 at one address, on day 3 at another.

Day 1: a full crawl of the replica (slug URLs: articles are keyed by their location)
at ``http://127.0.0.1:<port 1>/``, the start URL of the site's profile.  Then the
replica is stopped and served again at another port, behind a front that answers for
``http://localhost:<port 3>/`` and spells the portal's links three ways (``https://
127.0.0.1:<port 3>/…``, ``http://localhost:<port 3>/…``, ``http://127.0.0.1:<port 3>/…``),
and the profile is updated: ``start_url`` the new address, the old host in ``hosts``.
Day 3: a full crawl.  The archive holds the same articles as if nothing had moved,
each with one unbroken series; every page was fetched once, at the new address.
"""

from __future__ import annotations

import http.client
import re
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient

from hgcrawler.read.urls import site_location
from hgcrawler.replica import ReplicaServer, ReplicaSite
from hgcrawler.sites import BUILTIN_DIR
from tests.archive_view import aid, observations
from tests.crawling import ROOT, stored

pytestmark = pytest.mark.slow

ARTICLES, SEED = 40, 29
_HREF = re.compile(rb'href="/(?!/)')


class Front:
    """``http://localhost:<port>/``: the replica at ``upstream``, its links spelled
    three ways (two of them at the site's old host, one with ``https``)."""

    def __init__(self, upstream: int) -> None:
        front = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                connection = http.client.HTTPConnection("127.0.0.1", upstream, timeout=30)
                connection.request("GET", self.path, headers={"Host": self.headers["Host"]})
                answer = connection.getresponse()
                body = answer.read()
                if "html" in (answer.getheader("Content-Type") or ""):
                    body = front.spell(body)
                self.send_response(answer.status)
                for name, value in answer.getheaders():
                    if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                connection.close()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def spell(self, body: bytes) -> bytes:
        spellings = [
            f'href="https://127.0.0.1:{self.port}/'.encode(),
            f'href="http://localhost:{self.port}/'.encode(),
            f'href="http://127.0.0.1:{self.port}/'.encode(),
        ]
        counter = iter(range(10**9))
        return _HREF.sub(lambda _: spellings[next(counter) % 3], body)

    def __enter__(self) -> Front:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _profile(sites: Path, start_url: str, hosts: list[str]) -> None:
    text = (BUILTIN_DIR / "haugiang.toml").read_text(encoding="utf-8")
    text = re.sub(r'(?m)^start_url = ".*"$', f'start_url = "{start_url}"', text)
    text = re.sub(r"(?m)^hosts = \[.*\]$", f"hosts = {hosts!r}".replace("'", '"'), text)
    sites.mkdir(exist_ok=True)
    (sites / "haugiang.toml").write_text(text, encoding="utf-8")


def _crawl(sites: Path, uri: str, database: str, data_dir: Path, *extra: str) -> Any:
    command = [
        sys.executable, "-m", "hgcrawler.cli", "crawl", "--mode", "full", "--fast",
        "--sites-dir", str(sites), "--mongo-uri", uri, "--data-dir", str(data_dir),
        "-s", f"HGCRAWLER_MONGO_DATABASE={database}", "-s", "HGCRAWLER_RENDER=never",
        *extra,
    ]  # fmt: skip
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


class Moved:
    def __init__(self) -> None:
        self.day1: set[str] = set()
        self.day3: set[str] = set()
        self.after_day1: set[str] = set()
        self.day3_hosts: Counter[str] = Counter()
        self.day3_paths: Counter[str] = Counter()
        self.db: Any = None
        self.uri = ""
        self.runs: list[Any] = []
        self.front_port = 0
        self.first_port = 0
        self.moved_to: set[str] = set()  # new URLs of articles the replica moved
        self.revision: dict[str, tuple[int, int]] = {}  # the replica's, day 1 and day 3


def _id(truth: Any) -> str:
    return aid(truth.old_url or truth.url)  # the location first archived


@pytest.fixture(scope="module")
def moved(mongo_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Moved]:
    site = ReplicaSite(articles=ARTICLES, day=1, seed=SEED, url_scheme="slugs")
    client: MongoClient[dict[str, Any]] = MongoClient(mongo_server.uri, tz_aware=True)
    name = "scenario_moved_site"
    client.drop_database(name)
    root = tmp_path_factory.mktemp("moved")
    sites, data_dir = root / "sites", root / "data"
    m = Moved()
    m.db = client[name]
    m.uri = mongo_server.uri
    try:
        with ReplicaServer(site) as first:
            m.first_port = first.port
            _profile(sites, first.base_url, [])
            m.day1 = {_id(t) for t in stored(site)}
            first_revisions = {_id(t): t.revision for t in stored(site)}
            m.runs.append(_crawl(sites, mongo_server.uri, name, data_dir))
            m.after_day1 = {d["_id"] for d in m.db.articles.find({}, {"_id": 1})}
        site.set_day(3)
        with ReplicaServer(site) as second, Front(second.port) as front:
            m.front_port = front.port
            _profile(sites, f"http://localhost:{front.port}/", ["127.0.0.1"])
            m.day3 = {_id(t) for t in stored(site)}
            m.moved_to = {t.url for t in stored(site) if t.old_url}
            m.revision = {
                _id(t): (first_revisions[_id(t)], t.revision)
                for t in stored(site)
                if _id(t) in first_revisions
            }
            m.runs.append(_crawl(sites, mongo_server.uri, name, data_dir))
            m.day3_hosts = Counter(host for host, _ in second.requests)
            m.day3_paths = Counter(path for _, path in second.requests)
        yield m
    finally:
        client.drop_database(name)
        client.close()


def test_both_crawls_finish(moved: Moved) -> None:
    for done in moved.runs:
        assert done.returncode == 0, done.stderr[-3000:]
    assert moved.after_day1 == moved.day1


def test_the_same_articles_as_if_the_portal_had_not_moved(moved: Moved) -> None:
    ids = {d["_id"] for d in moved.db.articles.find({}, {"_id": 1})}
    assert ids == moved.day1 | moved.day3
    assert len(moved.day1 & moved.day3) >= ARTICLES - 5  # most were seen on both days
    crawls = list(moved.db.crawls.find().sort("started_at", 1))
    assert crawls[1]["counts"]["new"] == len(moved.day3 - moved.day1)
    # the site's addresses, the current one first
    site = moved.db.sites.find_one({"_id": "haugiang"})
    assert site is not None and site["hosts"][:2] == ["localhost", "127.0.0.1"]


def test_each_article_keeps_one_unbroken_series(moved: Moved) -> None:
    crawl_ids = [c["_id"] for c in moved.db.crawls.find().sort("started_at", 1)]
    for article_id in moved.day1 & moved.day3:
        seen = observations(moved.db, article_id=article_id)
        assert [o["crawl_id"] for o in seen] == crawl_ids, article_id
        # each observation keeps the address it was fetched from
        assert f"127.0.0.1:{moved.first_port}/" in seen[0]["url"]
        assert seen[1]["url"].startswith(f"http://localhost:{moved.front_port}/"), seen[1]
        doc = moved.db.articles.find_one({"_id": article_id})
        assert doc["url"] == seen[1]["url"]
        views = [o["views"] for o in seen if o["views"] is not None]
        assert views == sorted(views), article_id  # the counter goes on growing


def test_the_move_is_no_edit(moved: Moved) -> None:
    """Images (and everything else) at the new address are what the archive has: an
    article the portal did not edit keeps one revision, its images their archived
    address."""
    unedited = [a for a, (first, third) in moved.revision.items() if first == third]
    edited = [a for a, (first, third) in moved.revision.items() if first != third]
    assert len(unedited) > 20 and edited
    docs = {d["_id"]: d for d in moved.db.articles.find({"_id": {"$in": list(moved.revision)}})}
    assert [a for a in unedited if docs[a]["revision_count"] != 1] == []
    assert all(docs[a]["revision_count"] == 2 for a in edited)
    with_images = [docs[a] for a in unedited if docs[a].get("images")]
    assert with_images, "the replica's articles show images"
    for doc in with_images:
        assert all(f"127.0.0.1:{moved.first_port}/" in i["src"] for i in doc["images"]), doc
    second = moved.db.crawls.find().sort("started_at", 1)[1]
    assert second["counts"]["changed"] == len(edited)


def test_every_page_was_fetched_once_at_the_new_address(moved: Moved) -> None:
    # the links spelled at the old host and with https were fetched at the start URL's
    assert set(moved.day3_hosts) == {f"localhost:{moved.front_port}"}
    twice = {p for p, n in moved.day3_paths.items() if n > 1 and p.endswith(".html")}
    # (a moved article's new page is fetched again through its old URL's redirect, as on
    # any day: the redirect is the evidence of the move)
    assert twice <= moved.moved_to
    # no move was recorded for the change of address: only the replica's own moves
    moves = list(moved.db.moves.find({}))
    for move in moves:
        assert site_location(move["from_url"]) != site_location(move["to_url"]), move
    assert {site_location(m["to_url"]) for m in moves} <= moved.moved_to


def test_each_listing_page_keeps_one_document_at_its_new_address(moved: Moved) -> None:
    """The crawl plan's known pages are one document per page of the site, not one
    per address it had: the home page seen by both crawls is one, first seen by the
    first, last at the new address."""
    first, second = moved.db.crawls.find().sort("started_at", 1)
    docs = list(moved.db.pages.find({}))
    assert docs and all(str(d["_id"]).startswith("haugiang:/") for d in docs)
    assert len({site_location(d["url"]) for d in docs}) == len(docs)
    home = moved.db.pages.find_one({"_id": "haugiang:/"})
    assert home is not None and home["url"] == f"http://localhost:{moved.front_port}/"
    assert first["started_at"] <= home["first_seen_at"] <= first["finished_at"]
    assert home["last_crawl_id"] == second["_id"]
    seen_first = {d["_id"] for d in docs if d["first_seen_at"] <= first["finished_at"]}
    assert {d["_id"] for d in docs if d["last_crawl_id"] == second["_id"]} & seen_first


def test_history_finds_an_article_by_short_id_full_id_or_any_address(moved: Moved) -> None:
    from hgcrawler.read.urls import short_id
    from hgcrawler.storage import ArchiveReader

    reader = ArchiveReader(moved.db)
    article_id = sorted(moved.day1 & moved.day3)[0]
    doc = moved.db.articles.find_one({"_id": article_id})
    location = site_location(doc["url"])
    for ref in (
        article_id,
        short_id(article_id),
        doc["url"],  # the current address
        f"http://127.0.0.1:{moved.first_port}{location}",  # the first one
        f"https://127.0.0.1:{moved.front_port}{location}",  # another spelling
    ):
        assert reader.history(ref)["article"]["article_id"] == article_id, ref
    assert len(reader.history(short_id(article_id))["observations"]) == 2
    with pytest.raises(Exception, match="no article"):
        reader.find_article(f"https://elsewhere.example.org{location}")


@pytest.mark.parametrize("mode", ["full", "revisit"])
def test_a_start_address_that_does_not_answer_ends_the_crawl_at_once(
    moved: Moved, tmp_path: Path, mode: str
) -> None:
    """In revisit mode (known articles only, no start page) the first due article
    is the probe."""
    import socket
    import time

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sites = tmp_path / "sites"
    _profile(sites, f"http://127.0.0.1:{port}/", ["localhost"])
    known = moved.db.articles.count_documents({"removed_at": None})
    assert known > 30
    started = time.monotonic()
    # the start page and robots.txt are retried as usual, with a short wait between
    # retries (by default 1, 2, 4, 8 s each: 30 s of waiting; test_faults checks the
    # backoff); the known pages are never asked for (the counts below)
    done = _crawl(
        sites, moved.uri, moved.db.name, tmp_path / "data", "-s", "HGCRAWLER_RETRY_BACKOFF=0.05",
        "--mode", mode, *(["--all"] if mode == "revisit" else []),
    )  # fmt: skip
    took = time.monotonic() - started
    assert done.returncode == 1, done.stdout[-2000:]
    assert took < 30, took  # not once per known page
    output = done.stdout + done.stderr
    assert f"127.0.0.1:{port} refused the connection" in output
    assert "<class" not in done.stdout
    crawl = moved.db.crawls.find_one(sort=[("started_at", -1)])
    assert crawl is not None and crawl["start_url"] == f"http://127.0.0.1:{port}/"
    assert crawl["mode"] == mode and crawl["status"] == "failed"
    assert crawl["counts"].get("revisited", 0) == 0
    assert any(f"127.0.0.1:{port} refused the connection" in p for p in crawl["problems"])
    # the one request: the start page (and robots.txt), not the known pages
    assert moved.db.rejects.count_documents({"crawl_id": crawl["_id"]}) <= 2
