"""Every request a crawl causes on a host keeps the profile's pace, rendering on:
Scrapy's, the browser's (the page, its scripts, its counter request) and the
learned counter endpoint's — measured in the replica's own request log."""

from __future__ import annotations

import asyncio
import itertools
import time
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient

from hgcrawler.config import PlainSettings, RenderConfig
from hgcrawler.fetch.pace import HostPace, browser_slot, host_of
from hgcrawler.replica import ReplicaServer, ReplicaSite
from tests.crawling import hgcrawler_crawl

DELAY = 0.5
JITTER = 0.5  # the project's DOWNLOAD_DELAY_JITTER: Scrapy's own spacing is 0.25–0.75 s


def test_a_host_pace_spaces_and_bounds_requests() -> None:
    async def run() -> tuple[list[float], int]:
        pace = HostPace(concurrency=1)
        starts: list[float] = []
        in_flight = peak = 0

        async def one(spacing: float) -> None:
            nonlocal in_flight, peak
            await pace.turn(spacing)
            starts.append(time.monotonic())
            in_flight += 1
            peak = max(peak, in_flight)
            await asyncio.sleep(0.02)
            in_flight -= 1
            pace.done()

        await asyncio.gather(*(one(0.1) for _ in range(4)))
        return starts, peak

    starts, peak = asyncio.run(run())
    assert peak == 1
    assert all(b - a >= 0.1 - 0.005 for a, b in itertools.pairwise(starts))


def test_a_rendered_page_goes_through_a_slot_of_its_own() -> None:
    assert host_of("http://127.0.0.1:8000/a.html") == "127.0.0.1"
    assert browser_slot("http://127.0.0.1:8000/a.html") == "127.0.0.1 (browser)"


@pytest.mark.browser
@pytest.mark.skipif(
    RenderConfig.from_settings(PlainSettings()).unavailable_reason() is not None,
    reason="needs Debian's Chromium",
)
def test_rendering_keeps_the_profiles_pace(
    mongo_uri: str, archive_db_name: str, tmp_path: Path
) -> None:
    site = ReplicaSite(articles=30, day=1, seed=11, counters="script")
    with ReplicaServer(site) as server:
        done = hgcrawler_crawl(
            server.base_url, mongo_uri, archive_db_name, tmp_path, "full",
            "-s", f"DOWNLOAD_DELAY={DELAY}", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1",
            "-s", "AUTOTHROTTLE_ENABLED=False", "-s", f"DOWNLOAD_DELAY_JITTER={JITTER}",
            render="auto", timeout=600,
        )  # fmt: skip
        log = [entry for entry in server.request_log if not entry.path.startswith("/__replica__")]
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    client: MongoClient[dict[str, Any]] = MongoClient(mongo_uri)
    crawl = client[archive_db_name].crawls.find_one({})
    client.close()
    assert crawl is not None
    assert crawl["counts"]["rendered"] >= 3, crawl["counts"]  # the browser's requests are in
    # the browser's own requests reached the replica: counter scripts and their calls
    assert any(e.path.endswith(".js") for e in log), sorted({e.path for e in log})[:20]
    log.sort(key=lambda entry: entry.at)
    arrivals = [entry.at for entry in log]
    assert len(arrivals) > 60
    gaps = [(b.at - a.at, a.path, b.path) for a, b in itertools.pairwise(log)]
    floor = DELAY * (1 - JITTER)
    # Arrival times vary by some tens of ms on a loaded machine, and a request the
    # replica's thread logs late makes the next gap look short: one short gap in 50
    # is allowed (the unpaced crawl had one after every rendered page, 24-70 ms).
    short = sorted(gap for gap in gaps if gap[0] < floor - 0.08)
    assert len(short) <= max(1, len(gaps) // 50), short[:5]
    # no second is busier than the profile allows (one request per floor at most)
    for start in arrivals:
        within = sum(1 for at in arrivals if start <= at < start + 1.0)
        assert within <= 1 / floor + 1, within
