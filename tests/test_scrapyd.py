"""Many portals, one archive, scaled out on Scrapyd.

Two real Scrapyd processes on loopback, the project deployed to both as an egg by
``hgcrawler schedule --deploy``; two replica portals with different profiles — the
Hậu Giang labels and ids on 127.0.0.2, another province's labels, bare dates and
URLs without ids on 127.0.0.3 (Scrapy's download slots are per host name) — and one
shared database server.  Each site is crawled by exactly one job per run, each
host's requests keep its profile's delay (the replica's own request log), every
article of both sites is right, and a run dispatched twice duplicates nothing.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient

from hgcrawler.crawl.scrapyd import ScrapydNode, site_of_job
from hgcrawler.replica import ReplicaServer, ReplicaSite
from tests.crawling import ROOT, reachable
from tests.test_replica_options import can_bind

pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).parent / "sites"
IDS, PROVINCE2 = "replica-ids", "replica-province2"
DELAY = {IDS: 0.3, PROVINCE2: 0.5}  # seconds between two requests to the host
START_URL = re.compile(r'^start_url = ".*"$', re.MULTILINE)
DELAY_LINE = re.compile(r"^download_delay = .*$", re.MULTILINE)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def write_profiles(directory: Path, servers: dict[str, ReplicaServer]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, server in servers.items():
        text = (FIXTURES / f"{name}.toml").read_text(encoding="utf-8")
        text = START_URL.sub(f'start_url = "{server.base_url}"', text, count=1)
        text = DELAY_LINE.sub(f"download_delay = {DELAY[name]}", text, count=1)
        (directory / f"{name}.toml").write_text(text, encoding="utf-8")
    return directory


class Node:
    """A Scrapyd process of its own: port, directories, data directory, log."""

    def __init__(self, root: Path, sites_dir: Path, archive: dict[str, str]) -> None:
        self.root = root
        self.port = free_port()
        root.mkdir(parents=True)
        (root / "scrapyd.conf").write_text(
            "[scrapyd]\n"
            f"bind_address = 127.0.0.1\nhttp_port = {self.port}\n"
            f"eggs_dir = {root / 'eggs'}\nlogs_dir = {root / 'logs'}\n"
            f"dbs_dir = {root / 'dbs'}\nmax_proc = 2\npoll_interval = 0.5\n"
        )
        # the site profiles live in each node's data directory, where crawls look for them
        (root / "data").mkdir()
        shutil.copytree(sites_dir, root / "data" / "sites")
        # the archive's address is the node's own: $MONGO_URI, or <data dir>/mongo-uri
        env = {**os.environ, "HGCRAWLER_DATA_DIR": str(root / "data")}
        env.pop("MONGO_URI", None)
        if "file" in archive:
            (root / "data" / "mongo-uri").write_text(archive["file"] + "\n")
        else:
            env["MONGO_URI"] = archive["env"]
        self.log = open(root / "scrapyd.out", "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "scrapyd", "-n", "--pidfile=", "-l", str(root / "scrapyd.log")],
            cwd=root,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.api = ScrapydNode(f"http://127.0.0.1:{self.port}")
        deadline = time.monotonic() + 30
        while True:
            try:
                self.api.call("daemonstatus.json")
                break
            except Exception:
                assert self.process.poll() is None, (root / "scrapyd.out").read_text()
                assert time.monotonic() < deadline, "Scrapyd did not start"
                time.sleep(0.2)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


@pytest.fixture(scope="module")
def world(mongo_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    for host in ("127.0.0.2", "127.0.0.3"):
        if not can_bind(host):
            pytest.skip(f"cannot bind {host}")
    ids = ReplicaSite(articles=30, day=1, seed=1)
    province2 = ReplicaSite(articles=30, day=1, seed=2, theme="province2", url_scheme="slugs")
    tmp = tmp_path_factory.mktemp("scrapyd")
    database = "scrapyd_test"
    with (
        ReplicaServer(ids, host="127.0.0.2") as first,
        ReplicaServer(province2, host="127.0.0.3") as second,
    ):
        servers = {IDS: first, PROVINCE2: second}
        sites_dir = write_profiles(tmp / "sites", servers)
        nodes = [
            Node(tmp / "node1", sites_dir, {"file": mongo_server.uri}),
            Node(tmp / "node2", sites_dir, {"env": mongo_server.uri}),
        ]
        client: MongoClient[dict[str, Any]] = MongoClient(mongo_server.uri, tz_aware=True)
        try:
            yield {
                "sites": {IDS: ids, PROVINCE2: province2},
                "servers": servers,
                "nodes": nodes,
                "uri": mongo_server.uri,
                "db": client[database],
                "tmp": tmp,
            }
        finally:
            for node in nodes:
                node.stop()
            client.drop_database(database)
            client.close()


def schedule(
    world: dict[str, Any], *extra: str, sites: tuple[str, ...] = (IDS, PROVINCE2), uri: str = ""
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "hgcrawler.cli", "schedule"]
    for node in world["nodes"]:
        command += ["--scrapyd", node.api.url]
    for site in sites:
        command += ["--site", site]
    command += [
        "--mode", "full",
        "--mongo-uri", uri or world["uri"], "--database", world["db"].name,
        "--data-dir", str(world["tmp"] / "dispatcher"),
        "-s", "HGCRAWLER_RENDER=never", "-s", "LOG_LEVEL=INFO",
        *extra,
    ]  # fmt: skip
    return subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )


def jobs_of(world: dict[str, Any]) -> dict[str, list[str]]:
    """Site -> ids of the jobs any node ran, runs or holds for it."""
    found: dict[str, list[str]] = {}
    for node in world["nodes"]:
        for jobs in node.api.jobs("hgcrawler").values():
            for job in jobs:
                site = site_of_job(str(job["id"]))
                if site:
                    found.setdefault(site, []).append(str(job["id"]))
    return found


def test_one_job_per_site_on_the_nodes_with_every_article_right(world: dict[str, Any]) -> None:
    done = schedule(world, "--deploy")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = {
        site: [ln for ln in done.stdout.splitlines() if f"site {site} (job" in ln] for site in DELAY
    }
    for found in lines.values():
        assert len(found) == 1 and "FINISHED" in found[0], done.stdout
    # one job per site, one on each node (the least loaded one takes the next site)
    jobs = jobs_of(world)
    assert {site: len(ids) for site, ids in jobs.items()} == {IDS: 1, PROVINCE2: 1}
    per_node = [
        {site_of_job(str(j["id"])) for j in node.api.jobs("hgcrawler")["finished"]}
        for node in world["nodes"]
    ]
    assert sorted(map(len, per_node)) == [1, 1], per_node
    db = world["db"]
    crawls = list(db.crawls.find({}))
    assert sorted(c["site"] for c in crawls) == [IDS, PROVINCE2]
    assert {c["status"] for c in crawls} == {"finished"}
    # every article of both sites, with the fields its page shows
    for name, site in world["sites"].items():
        root = world["servers"][name].base_url.rstrip("/")
        truth = {root + t.url: t for t in reachable(site)}
        mine = {doc["url"]: doc for doc in db.articles.find({"site": name})}
        assert set(mine) == set(truth), name
        for url, doc in mine.items():
            article = truth[url]
            assert doc["title"] == article.title
            assert doc["updated_on"].date() == article.updated_on
            assert doc["views"] == (article.views if article.views_in_static_html else None)
        assert all(doc["_id"] == f"{name}:{doc['key']}" for doc in mine.values())
    # each host's requests kept its profile's delay (jitter: at least half of it)
    for name, server in world["servers"].items():
        arrivals = sorted(entry.at for entry in server.request_log)
        assert len(arrivals) > 20
        gaps = [b - a for a, b in itertools.pairwise(arrivals)]
        assert min(gaps) >= DELAY[name] * 0.5 - 0.05, (name, min(gaps))
        rate = (len(arrivals) - 1) / (arrivals[-1] - arrivals[0])
        assert rate <= 1 / (DELAY[name] * 0.5), (name, rate)


def test_a_run_dispatched_twice_duplicates_nothing(world: dict[str, Any]) -> None:
    db = world["db"]
    before = {c["_id"] for c in db.crawls.find({})}
    first = schedule(world, "--no-wait")
    assert first.returncode == 0, first.stdout + first.stderr
    second = schedule(world)  # while the first run's jobs are queued or running
    assert second.returncode == 0, second.stdout + second.stderr
    assert second.stdout.count("skipped: job ") == 2, second.stdout
    deadline = time.monotonic() + 240
    while any(
        node.api.jobs("hgcrawler")[state]
        for node in world["nodes"]
        for state in ("pending", "running")
    ):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    new = [c for c in db.crawls.find({}) if c["_id"] not in before]
    assert sorted(c["site"] for c in new) == [IDS, PROVINCE2]  # one crawl per site
    assert {c["status"] for c in new} == {"finished"}
    # nothing duplicated: one article per page, one observation per article per crawl
    for name, site in world["sites"].items():
        assert db.articles.count_documents({"site": name}) == len(reachable(site))
    for bucket in db.observations.find({}, {"obs": 1}):
        crawls = [entry["crawl"] for entry in bucket["obs"]]
        assert len(crawls) == len(set(crawls))
    assert {site: len(ids) for site, ids in jobs_of(world).items()} == {IDS: 2, PROVINCE2: 2}


def wait_idle(world: dict[str, Any], timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while any(
        node.api.jobs("hgcrawler")[state]
        for node in world["nodes"]
        for state in ("pending", "running")
    ):
        assert time.monotonic() < deadline
        time.sleep(0.5)


def test_deploy_alone_deploys_and_schedules_nothing(world: dict[str, Any]) -> None:
    before = {site: len(ids) for site, ids in jobs_of(world).items()}
    done = schedule(world, "--deploy", sites=())
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr.count("deployed hgcrawler ") == 2, done.stderr
    assert done.stdout == ""
    assert {site: len(ids) for site, ids in jobs_of(world).items()} == before
    for node in world["nodes"]:
        assert "hgcrawler" in node.api.call("listprojects.json")["projects"]
    # neither a site nor --deploy: a clear refusal
    refused = schedule(world, sites=())
    assert refused.returncode == 2
    assert "give --site NAME or --all-sites" in refused.stderr


def test_why_a_job_failed_reaches_the_output(world: dict[str, Any]) -> None:
    """A site profile missing on the nodes: the job's own error, not "see the log"."""
    done = schedule(world, sites=("no-such-site",))
    assert done.returncode == 1, done.stdout + done.stderr
    line = next(ln for ln in done.stdout.splitlines() if ln.startswith("site no-such-site (job"))
    assert "ended without a crawl record: scrapy crawl: HGCRAWLER_SITE=no-such-site" in line, line
    assert "no-such-site" in line.split("HGCRAWLER_SITE=", 1)[1]


def test_the_archive_password_never_reaches_a_node(world: dict[str, Any]) -> None:
    """The dispatcher's URI has a password; the nodes read their own: the password is in
    no job argument, listing or log of either node, and the jobs still archive."""
    secret = "S3cret-pw-1729"
    host = world["uri"].split("://", 1)[1]
    with_password = f"mongodb://hgarchive:{secret}@{host}"
    db = world["db"]
    before = {c["_id"] for c in db.crawls.find({})}
    # the profiles' delays are test_one_job_per_site_...'s to check, not kept here
    done = schedule(world, "--no-wait", "-s", "DOWNLOAD_DELAY=0", uri=with_password)
    assert done.returncode == 0, done.stdout + done.stderr
    assert secret not in done.stdout + done.stderr
    wait_idle(world)
    new = [c for c in db.crawls.find({}) if c["_id"] not in before]
    assert sorted(c["site"] for c in new) == [IDS, PROVINCE2]
    for node in world["nodes"]:
        listing = json.dumps(node.api.jobs("hgcrawler"))
        assert secret not in listing and "MONGO_URI" not in listing
        for path in node.root.rglob("*"):
            if path.is_file() and path.name != "mongo-uri":
                assert secret.encode() not in path.read_bytes(), path
    # and asking to pass it anyway is refused, before any node is asked
    refused = schedule(world, "-s", f"HGCRAWLER_MONGO_URI={with_password}")
    assert refused.returncode == 2
    assert "never given to a job" in refused.stderr and secret not in refused.stderr
