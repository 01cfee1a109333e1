"""One crawl builds its typed configuration once: ``hgcrawler crawl`` (the runner checks
it before the crawler exists and hands it over) and ``scrapy crawl`` (the command checks
the crawl's own, spider arguments included), each a real crawl of the replica.

The crawl runs in a subprocess that counts ``HgcrawlerConfig.from_settings`` and
``RenderConfig.from_settings`` calls (a section read on its own counts too), and checks
that the configuration the crawl used is the one its final settings give.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hgcrawler.replica import ReplicaServer, ReplicaSite

ROOT = Path(__file__).resolve().parents[1]

COUNTING = """
import atexit, json, sys
from hgcrawler import config
from spiders.haugiang import HaugiangSpider

builds = {"config": 0, "render": 0}
crawlers = []
build_config = config.HgcrawlerConfig.from_settings.__func__
build_render = config.RenderConfig.from_settings.__func__

def counted_config(cls, settings):
    builds["config"] += 1
    return build_config(cls, settings)

def counted_render(cls, settings):
    builds["render"] += 1
    return build_render(cls, settings)

config.HgcrawlerConfig.from_settings = classmethod(counted_config)
config.RenderConfig.from_settings = classmethod(counted_render)
create_spider = HaugiangSpider.from_crawler.__func__

def from_crawler(cls, crawler, *args, **kwargs):
    crawlers.append(crawler)
    return create_spider(cls, crawler, *args, **kwargs)

HaugiangSpider.from_crawler = classmethod(from_crawler)

def report():
    counted = dict(builds)
    # the crawl's configuration is what its settings give, as they were at its end
    same = [config.crawl_config(c) == build_config(config.HgcrawlerConfig, c.settings)
            for c in crawlers]
    print("BUILDS " + json.dumps({**counted, "crawlers": len(crawlers), "same": same}),
          file=sys.stderr, flush=True)

atexit.register(report)
if sys.argv[1] == "hgcrawler":
    from hgcrawler.cli import main
    sys.exit(main(sys.argv[2:]))
from scrapy.cmdline import execute
execute(["scrapy", *sys.argv[2:]])
"""


@pytest.fixture(scope="module")
def replica() -> Iterator[str]:
    with ReplicaServer(ReplicaSite(articles=8, day=1, seed=5)) as server:
        yield server.base_url


def counted(*command: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", COUNTING, *command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    (line,) = [line for line in done.stderr.splitlines() if line.startswith("BUILDS ")]
    found: dict[str, object] = json.loads(line.removeprefix("BUILDS "))
    return found


def test_hgcrawler_crawl_builds_the_configuration_once(
    replica: str, mongo_uri: str, archive_db_name: str, tmp_path: Path
) -> None:
    found = counted(
        "hgcrawler", "crawl", "--fast", "--start-url", replica, "--mongo-uri", mongo_uri,
        "--database", archive_db_name, "--data-dir", str(tmp_path),
        "-s", "HGCRAWLER_SLUG_IDS=1", "-s", "HGCRAWLER_RENDER=never",
    )  # fmt: skip
    assert found == {"config": 1, "render": 1, "crawlers": 1, "same": [True]}


def test_scrapy_crawl_builds_the_configuration_once(
    replica: str, mongo_uri: str, archive_db_name: str, tmp_path: Path
) -> None:
    found = counted(
        "scrapy", "crawl", "haugiang", "-a", f"start_url={replica}", "-a", "mode=full",
        "-s", f"HGCRAWLER_MONGO_URI={mongo_uri}",
        "-s", f"HGCRAWLER_MONGO_DATABASE={archive_db_name}",
        "-s", f"HGCRAWLER_DATA_DIR={tmp_path}", "-s", "HGCRAWLER_SLUG_IDS=1",
        "-s", "HGCRAWLER_RENDER=never", "-s", "DOWNLOAD_DELAY=0",
    )  # fmt: skip
    assert found == {"config": 1, "render": 1, "crawlers": 1, "same": [True]}
