"""Many sites on one machine: ``hgcrawler crawl --site A --site B`` and ``--all-sites``.

Two replicas on their own loopback addresses — the Hậu Giang portal (ids in its
URLs) on 127.0.0.2 and another province's ASP.NET portal (bare dates, "Lượt
xem", no ids) on 127.0.0.3 — crawled into one database through the CLI, each
site in its own process with its own profile (``tests/sites/``), lock and journal.
"""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient

from hgcrawler.crawl.lock import SingleInstanceLock
from hgcrawler.crawl.runner import combined_exit_code, describe_exit
from hgcrawler.read.urls import site_location
from hgcrawler.replica import ArticleTruth, ReplicaServer, ReplicaSite
from hgcrawler.replica.http import Response
from tests.crawling import ROOT, reachable
from tests.test_replica_options import can_bind

FIXTURES = Path(__file__).parent / "sites"
IDS, PROVINCE2 = "replica-ids", "replica-province2"
START_URL = re.compile(r'^start_url = ".*"$', re.MULTILINE)


@dataclass
class Portal:
    name: str
    site: ReplicaSite
    server: ReplicaServer

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def truth(self) -> dict[str, ArticleTruth]:
        root = self.base_url.rstrip("/")
        return {root + t.url: t for t in reachable(self.site)}


@pytest.fixture(scope="module")
def portals() -> Iterator[dict[str, Portal]]:
    for host in ("127.0.0.2", "127.0.0.3"):
        if not can_bind(host):
            pytest.skip(f"cannot bind {host}")
    ids = ReplicaSite(articles=60, day=1, seed=1)
    province2 = ReplicaSite(articles=60, day=1, seed=2, theme="province2", url_scheme="slugs")
    with (
        ReplicaServer(ids, host="127.0.0.2") as first,
        ReplicaServer(province2, host="127.0.0.3") as second,
    ):
        yield {IDS: Portal(IDS, ids, first), PROVINCE2: Portal(PROVINCE2, province2, second)}


def write_profiles(directory: Path, start_urls: dict[str, str]) -> Path:
    """The fixture profiles with the start URLs the replicas were given."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, url in start_urls.items():
        text = (FIXTURES / f"{name}.toml").read_text(encoding="utf-8")
        (directory / f"{name}.toml").write_text(
            START_URL.sub(f'start_url = "{url}"', text, count=1), encoding="utf-8"
        )
    return directory


def crawl_sites(
    data_dir: Path, mongo_uri: str, database: str, *args: str, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable, "-m", "hgcrawler.cli", "crawl", "--mode", "full", "--fast",
        "--data-dir", str(data_dir), "--mongo-uri", mongo_uri,
        "--sites-dir", str(data_dir / "sites"),
        "-s", f"HGCRAWLER_MONGO_DATABASE={database}", "-s", "HGCRAWLER_RENDER=never",
        *args,
    ]  # fmt: skip
    return subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )


def site_lines(stdout: str, site: str) -> list[str]:
    return [line[len(site) + 3 :] for line in stdout.splitlines() if line.startswith(f"[{site}] ")]


def unused_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def database(mongo_server: Any, archive_db_name: str) -> Iterator[Any]:
    client: MongoClient[dict[str, Any]] = MongoClient(mongo_server.uri, tz_aware=True)
    try:
        yield client[archive_db_name]
    finally:
        client.close()


def test_two_sites_crawled_into_one_database(
    portals: dict[str, Portal], mongo_server: Any, database: Any, tmp_path: Path
) -> None:
    write_profiles(tmp_path / "sites", {name: p.base_url for name, p in portals.items()})
    both = ("--site", IDS, "--site", PROVINCE2)
    done = crawl_sites(tmp_path, mongo_server.uri, database.name, *both)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    # one summary per site, with its name, then one line for all
    for name in (IDS, PROVINCE2):
        summary = site_lines(done.stdout, name)
        assert re.fullmatch(rf"crawl \S+ \(full, site {name}\): FINISHED in [\d.]+ s", summary[0])
        expected = len(portals[name].truth())
        assert re.search(rf"articles\s+{expected}$", summary[1]), summary
        log = next((tmp_path / "logs").glob(f"crawl-{name}-*.log"))
        assert summary[-1] == f"  log: {log}"
    assert done.stdout.splitlines()[-1] == (
        f"2 sites: {IDS} finished, {PROVINCE2} finished; exit 0"
    )
    # every article of both, with the fields their pages show
    docs = {doc["url"]: doc for doc in database.articles.find({})}
    for name, portal in portals.items():
        truth = portal.truth()
        mine = {url: doc for url, doc in docs.items() if url.startswith(portal.base_url)}
        assert set(mine) == set(truth), name
        for url, doc in mine.items():
            article = truth[url]
            assert doc["title"] == article.title, url
            assert doc["updated_on"].date() == article.updated_on, url
            assert doc["views"] == (article.views if article.views_in_static_html else None), url
            assert doc["category"] == article.category, url
            assert doc["author"] == article.author, url
        # the ids portal is keyed by its ids; the other one by locations (its slugs end in years);
        # each article's id is its site and its key, and says which site it belongs to
        keys = {doc["key"] for doc in mine.values()}
        if name == IDS:
            assert keys == {str(t.id) for t in truth.values()}
        else:  # the page's location within its site
            assert keys == {site_location(url) for url in truth}
        assert all(doc["_id"] == f"{name}:{doc['key']}" for doc in mine.values())
        assert {doc["site"] for doc in mine.values()} == {name}
    assert len(docs) == sum(len(p.truth()) for p in portals.values())
    # two crawls, each of its own start page; two locks; a journal each
    crawls = {crawl["start_url"]: crawl for crawl in database.crawls.find({})}
    assert set(crawls) == {p.base_url for p in portals.values()}
    assert {crawl["status"] for crawl in crawls.values()} == {"finished"}
    assert {crawl["site"] for crawl in crawls.values()} == {IDS, PROVINCE2}
    assert sorted(p.name for p in (tmp_path / "locks").iterdir()) == [
        f"{IDS}.lock",
        f"{PROVINCE2}.lock",
    ]
    assert not (tmp_path / "crawl.lock").exists()  # the default site's lock is untouched
    journals = tmp_path / "journal" / database.name
    assert sorted(p.name for p in journals.iterdir() if p.is_dir()) == [IDS, PROVINCE2]
    # each site's pages fetched by its own crawl only: no request of one reached the other
    for portal in portals.values():
        hosts = {host for host, _ in portal.server.requests}
        assert hosts == {portal.base_url.split("/")[2]}, hosts

    # a second crawl revisits only each site's own articles
    again = crawl_sites(
        tmp_path, mongo_server.uri, database.name, "--site", IDS, "--site", PROVINCE2
    )
    assert again.returncode == 0, again.stdout + again.stderr[-3000:]
    for name, portal in portals.items():
        log = max((tmp_path / "logs").glob(f"crawl-{name}-*.log")).read_text()
        # the plan holds the site's own articles only: none of the other site is due
        assert "revisit_other_site" not in log
        assert f"'hgcrawler/requests/revisit': {len(portal.truth())}," in log
        assert f"'hgcrawler/requests/revisit': {len(portal.truth())}," in log


def test_one_site_unreachable_fails_alone(
    portals: dict[str, Portal], mongo_server: Any, database: Any, tmp_path: Path
) -> None:
    nowhere = f"http://127.0.0.2:{unused_port('127.0.0.2')}/"
    write_profiles(tmp_path / "sites", {IDS: nowhere, PROVINCE2: portals[PROVINCE2].base_url})
    both = ("--site", IDS, "--site", PROVINCE2)
    quick = ("-s", "RETRY_TIMES=0")  # a refused connection is not retried for long
    done = crawl_sites(tmp_path, mongo_server.uri, database.name, *both, *quick)
    assert done.returncode == 1, done.stdout + done.stderr[-3000:]
    assert re.search(r"\): FAILED in [\d.]+ s$", site_lines(done.stdout, IDS)[0])
    assert re.search(r": FINISHED in", site_lines(done.stdout, PROVINCE2)[0])
    assert done.stdout.splitlines()[-1] == (
        f"2 sites: {IDS} failed or degraded, {PROVINCE2} finished; exit 1"
    )
    stored = {doc["url"] for doc in database.articles.find({})}
    assert stored == set(portals[PROVINCE2].truth())
    statuses = {crawl["start_url"]: crawl["status"] for crawl in database.crawls.find({})}
    assert statuses == {nowhere: "failed", portals[PROVINCE2].base_url: "finished"}


def test_a_site_being_crawled_already_is_skipped_and_the_others_crawled(
    portals: dict[str, Portal], mongo_server: Any, database: Any, tmp_path: Path
) -> None:
    write_profiles(tmp_path / "sites", {name: p.base_url for name, p in portals.items()})
    with SingleInstanceLock(tmp_path / "locks" / f"{PROVINCE2}.lock"):
        done = crawl_sites(
            tmp_path, mongo_server.uri, database.name, "--site", IDS, "--site", PROVINCE2
        )
    assert done.returncode == 3, done.stdout + done.stderr[-3000:]
    assert done.stdout.splitlines()[-1] == (
        f"2 sites: {IDS} finished, {PROVINCE2} already being crawled; exit 3"
    )
    assert any(
        line.startswith(f"[{PROVINCE2}] hgcrawler crawl: another hgcrawler crawl is running")
        for line in done.stderr.splitlines()
    ), done.stderr
    assert {doc["url"] for doc in database.articles.find({})} == set(portals[IDS].truth())


def test_all_sites_crawls_every_enabled_profile(
    portals: dict[str, Portal], mongo_server: Any, database: Any, tmp_path: Path
) -> None:
    sites = write_profiles(tmp_path / "sites", {name: p.base_url for name, p in portals.items()})
    # the built-in Hậu Giang portal is turned off here: no test reaches the real one
    (sites / "haugiang.toml").write_text(
        'name = "haugiang"\nstart_url = "https://haugiang.dcs.vn/"\nenabled = false\n'
    )
    (sites / "broken.toml").write_text('name = "broken"\nstart_url = "https://x.dcs.vn/"\nx = 1\n')
    done = crawl_sites(tmp_path, mongo_server.uri, database.name, "--all-sites", "--parallel", "2")
    # the broken profile cannot start (2), which outranks the others' success
    assert done.returncode == 2, done.stdout + done.stderr[-3000:]
    assert done.stdout.splitlines()[-1] == (
        f"3 sites: broken not started (settings, profile or database), {IDS} finished, "
        f"{PROVINCE2} finished; exit 2"
    )
    assert (
        f"[broken] hgcrawler crawl: HGCRAWLER_SITE=broken: {sites / 'broken.toml'}: x: unknown key"
        in done.stderr
    )
    assert "haugiang" not in done.stdout
    stored = {doc["url"] for doc in database.articles.find({})}
    assert stored == set(portals[IDS].truth()) | set(portals[PROVINCE2].truth())


def test_an_interrupted_run_stops_the_crawls_and_starts_no_more(
    portals: dict[str, Portal], mongo_server: Any, database: Any, tmp_path: Path
) -> None:
    """SIGTERM reaches the running crawl (recorded as interrupted); the next site is
    not started; the run exits 128 + 15."""
    portal = portals[IDS]
    slow = ReplicaServer(portal.site, host="127.0.0.2")
    slow.routes["/"] = lambda request: Response(200, b"<html><body>...</body></html>", hang=4)
    with slow:
        write_profiles(tmp_path / "sites", {IDS: slow.base_url, PROVINCE2: "http://127.0.0.3:1/"})
        command = [
            sys.executable, "-m", "hgcrawler.cli", "crawl", "--mode", "full", "--fast",
            "--data-dir", str(tmp_path), "--mongo-uri", mongo_server.uri,
            "--sites-dir", str(tmp_path / "sites"), "--parallel", "1",
            "-s", f"HGCRAWLER_MONGO_DATABASE={database.name}", "-s", "HGCRAWLER_RENDER=never",
            "-s", "HGCRAWLER_STOP_TIMEOUT=1", "--site", IDS, "--site", PROVINCE2,
        ]  # fmt: skip
        with subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        ) as parent:
            deadline = time.monotonic() + 60
            while not [path for _, path in slow.requests if path == "/"]:
                assert time.monotonic() < deadline and parent.poll() is None, "no crawl started"
                time.sleep(0.05)
            parent.send_signal(signal.SIGTERM)
            stdout, stderr = parent.communicate(timeout=60)
    assert parent.returncode == 128 + signal.SIGTERM, stdout + stderr[-3000:]
    assert stdout.splitlines()[-1] == (
        f"2 sites: {IDS} interrupted (SIGTERM), {PROVINCE2} interrupted (SIGTERM); exit 143"
    )
    assert f"[{PROVINCE2}] hgcrawler crawl: not started: the run was interrupted" in stderr
    assert [crawl["status"] for crawl in database.crawls.find({})] == ["interrupted"]


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        ([], 0),
        ([0, 0, 0], 0),
        ([0, 3], 3),
        ([3, 1, 0], 1),
        ([1, 2, 3], 2),
        ([0, 7], 7),  # an unknown failure counts as a crawl that could not start
        ([2, 130], 130),
        ([143, 130, 0], 143),
    ],
)
def test_one_exit_code_for_many_sites(codes: list[int], expected: int) -> None:
    assert combined_exit_code(codes) == expected


def test_each_exit_code_has_words() -> None:
    assert [describe_exit(code) for code in (0, 1, 2, 3, 130, 143)] == [
        "finished",
        "failed or degraded",
        "not started (settings, profile or database)",
        "already being crawled",
        "interrupted (SIGINT)",
        "interrupted (SIGTERM)",
    ]
