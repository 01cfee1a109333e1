"""JavaScript-filled view counters, rendered in real headless Chromium (Debian's)."""

from __future__ import annotations

import asyncio
import os
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient
from scrapy.settings import Settings

from hgcrawler.config import CHROMIUM_CANDIDATES, RenderConfig, default_chromium
from hgcrawler.fetch.rendering import (
    browser_rss_bytes,
    chromium_args,
    counter_filled_js,
    playwright_settings,
)
from hgcrawler.replica import ReplicaServer, ReplicaSite
from tests.archive_view import aid, observations
from tests.crawling import hgcrawler_crawl, reachable

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def replica() -> Iterator[tuple[ReplicaSite, str]]:
    site = ReplicaSite(articles=60, day=1, seed=11)
    with ReplicaServer(site) as server:
        yield site, server.base_url


def crawl_into(
    replica: tuple[ReplicaSite, str], uri: str, tmp: Path, database: str, *extra: str,
    render: str = "auto",
) -> tuple[Any, list[dict[str, Any]]]:  # fmt: skip
    _site, base_url = replica
    done = hgcrawler_crawl(base_url, uri, database, tmp, "full", *extra, render=render)
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout
    client: MongoClient[dict[str, Any]] = MongoClient(uri)
    try:
        seen = observations(client[database])
        crawl = client[database].crawls.find_one()
    finally:
        client.drop_database(database)
        client.close()
    return (done, crawl), seen


def js_truths(site: ReplicaSite) -> dict[str, Any]:
    return {aid(t.id): t for t in reachable(site) if t.js_counter != "none"}


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")
def test_without_learning_js_counters_are_read_from_the_rendered_page_and_only_there(
    replica: tuple[ReplicaSite, str], mongo_server: Any, tmp_path: Path
) -> None:
    """HGCRAWLER_RENDER_LEARN=0: every page whose counter needs script is rendered
    (test_counter_learning.py has the learned endpoints)."""
    site, _ = replica
    (_done, crawl), observations = crawl_into(
        replica, mongo_server.uri, tmp_path, "render_auto", "-s", "HGCRAWLER_RENDER_LEARN=0"
    )
    js = js_truths(site)
    assert {t.js_counter for t in js.values()} == {"ok", "slow", "fails"}
    rendered = {o["article_id"] for o in observations if o["rendered"]}
    assert rendered == set(js)  # only the pages whose static HTML lacks the count
    by_id = {o["article_id"]: o for o in observations}
    for article_id, truth in js.items():
        obs = by_id[article_id]
        if truth.js_counter == "fails":
            assert obs["views"] is None
            assert "still no view count after rendering" in obs["views_missing_reason"]
        else:
            assert obs["views"] == truth.views, truth.js_counter
            assert obs["views_source"] == "rendered"
    static = [o for o in observations if o["article_id"] not in js]
    assert static and not any(o["rendered"] for o in static)
    assert {o["views_source"] for o in static} == {"static", None}  # None: no counter at all
    assert crawl["counts"]["rendered"] == len(js)


def test_without_chromium_the_crawl_runs_and_records_pages_as_not_rendered(
    replica: tuple[ReplicaSite, str], mongo_server: Any, tmp_path: Path
) -> None:
    site, _ = replica
    (done, crawl), observations = crawl_into(
        replica, mongo_server.uri, tmp_path, "render_missing",
        "-s", "HGCRAWLER_CHROMIUM_PATH=/nonexistent/chromium",
    )  # fmt: skip
    js = js_truths(site)
    by_id = {o["article_id"]: o for o in observations}
    for article_id in js:
        assert by_id[article_id]["views"] is None
        assert by_id[article_id]["views_missing_reason"].startswith("not rendered:")
        assert by_id[article_id]["rendered"] is False
    assert crawl["counts"]["rendered"] == 0
    assert crawl["status"] == "finished"
    log = Path(done.stdout.split("log: ")[-1].strip()).read_text()
    assert log.count("JavaScript rendering unavailable") == 1


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")
@pytest.mark.parametrize(
    ("labels", "html", "filled"),
    [
        (("Số lần xem",), "[ Số lần xem: <span>361</span> ]", True),
        (("Số lần xem",), "[ Số lần xem: <span></span> ]", False),
        (("Số lần xem",), "[ Số lần xem: <span>...</span> ]", False),
        (("Số lần xem",), "<b>SỐ LẦN XEM</b>: 1.234", True),
        (("Số lần xem",), "Lượt xem: 12", False),
        (("Số lần xem", "Lượt xem"), "Lượt xem: <span>12</span>", True),
        (("Lượt xem",), "Luot xem: [12]", True),
        (("Lượt xem",), unicodedata.normalize("NFD", "Lượt xem: 7"), True),
    ],
)
def test_the_counter_check_follows_the_sites_labels_in_chromium(
    labels: tuple[str, ...], html: str, filled: bool
) -> None:
    import asyncio

    from playwright.async_api import async_playwright

    async def check() -> bool:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=CHROMIUM, args=chromium_args()
            )
            try:
                page = await browser.new_page()
                await page.set_content(f"<html><body><div>{html}</div></body></html>")
                return bool(await page.evaluate(counter_filled_js(labels)))
            finally:
                await browser.close()

    assert asyncio.run(check()) is filled


def test_never_mode_does_not_wire_the_browser() -> None:
    settings = Settings({"HGCRAWLER_RENDER": "never", "HGCRAWLER_CHROMIUM_PATH": CHROMIUM})
    config = RenderConfig.from_settings(settings)
    assert not config.wanted


def test_playwright_settings_use_debians_chromium_and_bounds() -> None:
    config = RenderConfig.from_settings(
        Settings({"HGCRAWLER_RENDER_MAX_PAGES": 3, "HGCRAWLER_RENDER_TIMEOUT": 7})
    )
    wired = playwright_settings(config)
    assert wired["PLAYWRIGHT_LAUNCH_OPTIONS"]["executable_path"] == default_chromium()
    assert default_chromium() in CHROMIUM_CANDIDATES
    assert wired["PLAYWRIGHT_BROWSER_PROVIDER"] == "hgcrawler.fetch.browser.LazyBrowserProvider"
    assert wired["PLAYWRIGHT_MAX_PAGES_PER_CONTEXT"] == 3
    assert wired["PLAYWRIGHT_MAX_CONTEXTS"] == 1
    assert wired["PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT"] == 7000
    args = wired["PLAYWRIGHT_LAUNCH_OPTIONS"]["args"]
    assert ("--no-sandbox" in args) == (os.geteuid() == 0)


def test_default_chromium_is_the_lightest_installed(tmp_path: Path) -> None:
    shell, full = tmp_path / "chromium-headless-shell", tmp_path / "chromium"
    candidates = (str(shell), str(full))
    assert default_chromium(candidates) == str(full)  # neither installed: the last named
    full.write_text("#!/bin/sh\n")
    full.chmod(0o755)
    assert default_chromium(candidates) == str(full)
    shell.write_text("#!/bin/sh\n")
    assert default_chromium(candidates) == str(full)  # not executable
    shell.chmod(0o755)
    assert default_chromium(candidates) == str(shell)
    config = RenderConfig.from_settings(Settings({"HGCRAWLER_CHROMIUM_PATH": str(full)}))
    assert config.chromium_path == str(full)  # a path set is kept


def test_chromium_keeps_its_sandbox_unless_root() -> None:
    assert "--no-sandbox" not in chromium_args(euid=1000)
    assert "--no-sandbox" in chromium_args(euid=0)
    assert "--disable-background-networking" in chromium_args(euid=1000)


def test_missing_chromium_is_reported() -> None:
    config = RenderConfig.from_settings(Settings({"HGCRAWLER_CHROMIUM_PATH": "/nope"}))
    assert config.unavailable_reason() == ("Chromium not found at /nope (HGCRAWLER_CHROMIUM_PATH)")


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")
def test_browser_memory_counts_chromium_children(tmp_path: Path) -> None:
    import subprocess
    import time

    before = browser_rss_bytes()
    browser = subprocess.Popen(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", f"--user-data-dir={tmp_path}",
         "--remote-debugging-port=0", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        during = 0
        while time.monotonic() < deadline and during <= before + 10_000_000:
            time.sleep(0.3)
            during = browser_rss_bytes()
        assert during > before + 10_000_000  # a browser takes tens of MB at least
    finally:
        browser.kill()
        browser.wait()


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")
def test_always_mode_renders_every_article_page(mongo_server: Any, tmp_path: Path) -> None:
    site = ReplicaSite(articles=8, day=1, seed=11)
    with ReplicaServer(site) as server:
        (_done, crawl), observations = crawl_into(
            (site, server.base_url), mongo_server.uri, tmp_path, "render_always", render="always"
        )
    assert len(observations) == len(reachable(site))
    assert all(o["rendered"] for o in observations)
    by_id = {o["article_id"]: o for o in observations}
    for truth in reachable(site):
        if truth.js_counter in ("none", "ok", "slow"):
            assert by_id[aid(truth.id)]["views"] == truth.views
        if truth.views is not None:
            assert by_id[aid(truth.id)]["source"] == "rendered"
    # every article page went through the browser, the malformed one (then rejected) too
    malformed = reachable(site, malformed=True)
    assert len(malformed) == crawl["counts"]["rejected"] == 1
    assert crawl["counts"]["rendered"] == len(observations) + len(malformed)


def test_pages_still_held_when_the_crawl_falls_idle_are_rendered() -> None:
    """A safety net: if the rendering that decides for a template never came back,
    the pages it held are rendered rather than lost, and the crawl goes on."""
    from scrapy.exceptions import DontCloseSpider
    from scrapy.utils.test import get_crawler

    from hgcrawler.fetch.counters import find_counter_area
    from hgcrawler.fetch.viewcounts import CounterPage
    from hgcrawler.items import ArticleItem
    from spiders.haugiang import HaugiangSpider

    crawler = get_crawler(HaugiangSpider, {"HGCRAWLER_START_URL": "http://127.0.0.1:9/"})
    counts = HaugiangSpider.from_crawler(crawler).view_counts
    crawled: list[Any] = []

    class Engine:
        def crawl(self, request: Any) -> None:
            crawled.append(request)

    crawler.engine = Engine()  # type: ignore[assignment]
    counts.release_stalled()  # nothing held: the spider may close
    url = "http://127.0.0.1:9/tin/bai-1234.html"
    html = '<p>Số lần xem: <span class="c" data-id="1234"></span></p>'
    area = find_counter_area(html, url, ("Số lần xem",))
    assert area is not None
    template = counts.templates.template(area)
    assert counts.templates.plan(template).probe  # its rendering is under way...
    held = [CounterPage(ArticleItem(url=url), "view counter label without a number", area)] * 2
    template.waiting.extend(held)
    with pytest.raises(DontCloseSpider):
        counts.release_stalled()  # ...and never came back
    assert [r.url for r in crawled] == [url, url]
    assert all(r.meta["playwright"] and r.callback == counts.parse_rendered for r in crawled)
    assert template.waiting == [] and not template.probing


def _driver_children() -> list[int]:
    from hgcrawler.fetch.rendering import _command, child_pids

    return [pid for pid in child_pids(os.getpid()) if Path(_command(pid)).name == "node"]


@pytest.mark.skipif(not Path(default_chromium()).exists(), reason="needs Debian's chromium")
def test_lazy_provider_starts_the_driver_with_the_first_page() -> None:
    from scrapy_playwright.handler import Config

    from hgcrawler.fetch.browser import LazyBrowserProvider

    wired = playwright_settings(RenderConfig.from_settings(Settings({})))
    provider = LazyBrowserProvider(Config.from_settings(Settings(wired)))

    async def check() -> tuple[list[int], list[int], str, list[int]]:
        await provider.start()  # what scrapy-playwright does when the engine starts
        before = _driver_children()
        browser = await provider.launch_browser()
        during = _driver_children()
        page = await browser.new_page()
        await page.set_content("<p>Số lần xem: <span>361</span></p>")
        text = await page.inner_text("p")
        await browser.close()
        await provider.close()
        return before, during, text, _driver_children()

    before, during, text, after = asyncio.run(check())
    assert before == []  # no driver for a crawl that has rendered nothing yet
    assert len(during) == 1
    assert text == "Số lần xem: 361"
    assert after == []


def test_lazy_provider_closes_without_having_started() -> None:
    from scrapy_playwright.handler import Config

    from hgcrawler.fetch.browser import LazyBrowserProvider

    wired = playwright_settings(RenderConfig.from_settings(Settings({})))
    provider = LazyBrowserProvider(Config.from_settings(Settings(wired)))

    async def check() -> None:
        await provider.start()
        await provider.close()  # a crawl that rendered nothing: nothing to stop

    asyncio.run(check())
    assert provider.playwright is None
    assert _driver_children() == []
