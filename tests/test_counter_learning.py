"""Learned counter endpoints in real Chromium against the replica (docs/rendering.md).

Every count is checked against the replica's truth, every claim about requests
against the replica's own request log: which pages were fetched twice (once
plainly, once by the browser), which counter endpoints were asked and by whom.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient

from hgcrawler.replica import ArticleTruth, ReplicaServer, ReplicaSite
from hgcrawler.replica.http import Request, Response
from tests.archive_view import observations
from tests.crawling import hgcrawler_crawl, reachable

CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]


class Crawl:
    """One ``hgcrawler crawl`` (auto rendering) and what it left: stats, observations."""

    def __init__(
        self, server: ReplicaServer, uri: str, database: str, tmp: Path, *extra: str,
        start: str = "",
    ) -> None:  # fmt: skip
        self.server = server
        before = len(server.requests)
        stats_file = tmp / f"stats-{database}-{before}.json"
        done = hgcrawler_crawl(
            server.url(start), uri, database, tmp, "full",
            "-s", f"HGCRAWLER_STATS_FILE={stats_file}", *extra, render="auto",
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:] + done.stdout
        self.stats: dict[str, Any] = json.loads(stats_file.read_text(encoding="utf-8"))
        self.requests = [path for _host, path in server.requests[before:]]
        client: MongoClient[dict[str, Any]] = MongoClient(uri)
        try:
            db = client[database]
            self.crawl = db.crawls.find_one(sort=[("started_at", -1)]) or {}
            # observations keep no URL (schema 2): each is found by its article's URL
            url_of = {doc["_id"]: doc["url"] for doc in db.articles.find({}, {"url": 1})}
            self.observations = {
                url_of[o["article_id"]]: o for o in observations(db, self.crawl["_id"])
            }
            # the counter templates (the site's page template is kept beside them)
            self.templates = [t for t in db.templates.find() if t.get("kind") != "page"]
        finally:
            client.close()

    def observation(self, truth: ArticleTruth) -> dict[str, Any]:
        return self.observations[truth.absolute_url(self.server.base_url)]

    def times_requested(self, path: str) -> int:
        """How often this crawl asked for ``path`` (plain requests and the browser's)."""
        return sum(1 for requested in self.requests if requested == path)

    def counted(self, fragment: str) -> int:
        return sum(1 for requested in self.requests if fragment in requested)

    def stat(self, name: str) -> int:
        return int(self.stats.get(name, 0))


def assert_counts_right(crawl: Crawl, site: ReplicaSite) -> None:
    for truth in reachable(site):
        observation = crawl.observation(truth)
        assert observation["views"] == truth.views, (truth.url, truth.js_counter)
        expected = "static" if truth.views_in_static_html else None
        if truth.views is None:
            assert observation["views_source"] is None, truth.url
        elif expected:
            assert observation["views_source"] == expected, truth.url
        else:
            assert observation["views_source"] in ("endpoint", "rendered"), truth.url
            assert observation["rendered"] == (observation["views_source"] == "rendered")


@pytest.fixture(scope="module")
def mixed() -> Iterator[tuple[ReplicaSite, ReplicaServer]]:
    site = ReplicaSite(articles=300, day=1, seed=11)
    with ReplicaServer(site) as server:
        yield site, server


def test_inline_script_counters_are_right_by_endpoint_and_by_rendering(
    mixed: tuple[ReplicaSite, ReplicaServer], mongo_uri: str, tmp_path: Path
) -> None:
    site, server = mixed
    crawl = Crawl(server, mongo_uri, "learn_mixed", tmp_path)
    assert_counts_right(crawl, site)
    scripted = [t for t in reachable(site) if t.js_counter != "none"]
    assert {t.js_counter for t in scripted} == {"ok", "slow", "fails"}
    sources = {crawl.observation(t)["views_source"] for t in scripted if t.views is not None}
    assert sources == {"endpoint", "rendered"}  # both paths were taken and both are right
    rendered = {t.id for t in reachable(site) if crawl.observation(t)["rendered"]}
    assert rendered and rendered <= {t.id for t in scripted}  # static pages: never rendered
    assert len(rendered) < len(scripted) / 2  # the endpoint saved most renderings
    assert crawl.stat("hgcrawler/rendered") == len(rendered) == crawl.crawl["counts"]["rendered"]
    # every page was fetched once plainly, and once more only if it was rendered
    for truth in reachable(site):
        assert crawl.times_requested(truth.url) == 1 + (truth.id in rendered), truth.url
    # the counter API: asked by the crawler (endpoint) plus once per rendering by the browser
    endpoint_requests = crawl.stat("hgcrawler/counters/endpoint/requests")
    assert endpoint_requests >= len(scripted) - len(rendered)
    assert crawl.counted("/api/luot-xem?id=") == endpoint_requests + len(rendered)
    # a page whose counter endpoint fails (HTTP 500): rendered, and the rendering stops at
    # the browser's own failed request; or, once the browser failed the same way on the
    # first ones, stored without a count when the template's next answer is a number
    failing = [crawl.observation(t) for t in scripted if t.js_counter == "fails"]
    assert len(failing) >= 4
    for observation in failing:
        reason = observation["views_missing_reason"]
        if observation["rendered"]:
            assert "still no view count after rendering" in reason
            assert "its counter request failed" in reason and "HTTP 500" in reason
        else:
            assert "its counter endpoint answered HTTP 500 while the next page" in reason
    assert sum(o["rendered"] for o in failing) >= 3
    assert crawl.stat("hgcrawler/render/wait_ms") < 2000 * len(rendered)
    # the crawl paused while the rendering that decided for the template loaded
    assert crawl.stat("hgcrawler/render/paused") >= 1
    (template,) = crawl.templates
    assert template["decision"] == "endpoint"
    assert template["endpoint"]["url"] == "/api/luot-xem?id={0}"
    assert template["endpoint"]["reader"] == {"kind": "json", "path": ["views"]}


@pytest.fixture
def script_site() -> Iterator[tuple[ReplicaSite, ReplicaServer]]:
    site = ReplicaSite(articles=200, day=1, seed=11, counters="script")
    with ReplicaServer(site) as server:
        yield site, server


def test_a_script_filled_portal_is_counted_through_its_learned_handler_across_crawls(
    script_site: tuple[ReplicaSite, ReplicaServer],
    mongo_uri: str,
    archive_db_name: str,
    tmp_path: Path,
) -> None:
    site, server = script_site
    first = Crawl(server, mongo_uri, archive_db_name, tmp_path)
    assert_counts_right(first, site)
    external = [t for t in reachable(site) if t.js_counter == "external"]
    by_endpoint = [t for t in external if first.observation(t)["views_source"] == "endpoint"]
    # one page to learn from, its next three checked, then one in twenty checked
    allowance = 1 + 3 + math.ceil(len(external) / 20)
    assert len(external) - len(by_endpoint) <= allowance
    assert first.stat("hgcrawler/counters/learned") == 2  # the handler and the inline API
    # the handler was asked by the crawler (its endpoint requests that were not for the
    # inline API) and by the browser once per rendered page of that template (a page
    # fetched twice); malformed pages count too: they were asked for like the others
    every = reachable(site, malformed=None)

    def renderings(kind: str) -> int:
        return sum(1 for t in every if t.js_counter == kind and first.times_requested(t.url) == 2)

    handler = "/DesktopModules/News/ViewCount.ashx?ItemID="
    crawler_api = first.counted("/api/luot-xem?id=") - sum(map(renderings, ("ok", "slow", "fails")))
    crawler_handler = first.stat("hgcrawler/counters/endpoint/requests") - crawler_api
    assert first.counted(handler) == crawler_handler + renderings("external")
    assert crawler_handler >= len(by_endpoint)
    docs = {t["shape"]: t for t in first.templates}
    dnn = docs["span[class,data-itemid] script[src,type]"]
    assert dnn["endpoint"]["url"] == handler + "{0}"
    assert dnn["endpoint"]["tokens"] == [
        {"kind": "markup", "left": 'data-itemid="', "pattern": r"\d+", "index": -1}
    ]

    # the next day: the handler is remembered, checked on its first three pages, used
    site.set_day(2)
    second = Crawl(server, mongo_uri, archive_db_name, tmp_path)
    assert_counts_right(second, site)
    assert second.stat("hgcrawler/counters/learned") == 0
    assert second.stat("hgcrawler/counters/agreed") >= 3
    external = [t for t in reachable(site) if t.js_counter == "external"]
    rendered = [t for t in external if second.observation(t)["rendered"]]
    assert len(rendered) <= 3 + math.ceil(len(external) / 20)
    # pages without any counter: fetched once per crawl, never by the browser
    no_counter = [t for t in reachable(site) if t.variant == "no_views"]
    assert no_counter
    for truth in no_counter:
        for crawl in (first, second):
            assert crawl.times_requested(truth.url) == 1
            observation = crawl.observation(truth)
            assert observation["views"] is None and not observation["rendered"]
            assert observation["views_source"] is None


@pytest.mark.parametrize("counter_break", ["404", "stale"])
def test_a_broken_endpoint_falls_back_to_rendering_and_is_relearned(
    counter_break: str, mongo_uri: str, archive_db_name: str, tmp_path: Path
) -> None:
    site = ReplicaSite(
        articles=120, day=1, seed=5, counters="script",
        counter_endpoint_break_day=2, counter_break=counter_break,
    )  # fmt: skip
    with ReplicaServer(site) as server:
        first = Crawl(server, mongo_uri, archive_db_name, tmp_path)
        assert_counts_right(first, site)
        old, new = "/DesktopModules/News/ViewCount.ashx", "/DesktopModules/News/ViewCount2.ashx"
        assert first.counted(new) == 0
        site.set_day(2)  # counter.js now calls ViewCount2.ashx; the old handler breaks
        second = Crawl(server, mongo_uri, archive_db_name, tmp_path)
    assert_counts_right(second, site)
    assert second.stat("hgcrawler/counters/broken") == 1
    assert second.stat("hgcrawler/counters/learned") == 1
    # the remembered handler was asked for the first page(s) only: nothing was counted by it
    assert 1 <= second.counted(old) <= 3
    # then the new handler was asked directly, far more often than the browser asked it
    rendered = sum(1 for o in second.observations.values() if o["rendered"])
    assert second.counted(new) > 2 * rendered
    dnn = next(t for t in second.templates if "data-itemid" in t["shape"])
    assert dnn["endpoint"]["url"] == new + "?ItemID={0}"
    assert dnn["broken"][-1]["endpoint"]["url"] == old + "?ItemID={0}"
    said = "endpoint failed: HTTP 404" if counter_break == "404" else "endpoint said"
    assert dnn["broken"][-1]["reason"].startswith(said)


# --------------------------------------------------------------------------- no counter at all


def _test_article(number: int) -> str:
    """An article page whose counter area is there but that no script ever fills."""
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>Bài thử {number}</title></head><body>
<div class="menu"><a href="/kiem-dem/">Bộ đếm</a></div>
<h1>Hội nghị tổng kết công tác lần thứ {number}</h1>
<div class="meta">[ Cập nhật vào ngày (0{number % 9 + 1}/03/2021) ] - [ Số lần xem:
<span class="dem-{number}"></span> ]</div>
<p><b>Sáng nay, hội nghị lần thứ {number} đã diễn ra tại hội trường tỉnh.</b></p>
<p>Các đại biểu đã thảo luận về kết quả thực hiện nhiệm vụ, lần thứ {number}.</p>
<p>Hội nghị cũng biểu dương nhiều tập thể và cá nhân có thành tích xuất sắc.</p>
<p style="text-align:right"><b>Nguyễn Văn {chr(65 + number)}</b></p>
<p>Các ý kiến của bạn đọc</p></body></html>"""


def _mount_unfilled_counters(server: ReplicaServer, pages: int) -> list[str]:
    paths = [f"/kiem-dem/bai-thu-{n}-{90000 + n}.html" for n in range(pages)]

    def html(body: str) -> Callable[[Request], Response]:
        return lambda request: Response(200, body.encode("utf-8"))

    links = "".join(f'<li><a href="{path}">Bài thử {n}</a></li>' for n, path in enumerate(paths))
    server.routes["/kiem-dem/"] = html(
        f'<html><head><meta charset="utf-8"></head><body><ul>{links}</ul></body></html>'
    )
    for n, path in enumerate(paths):
        server.routes[path] = html(_test_article(n))
    return paths


def test_a_template_whose_counter_never_fills_is_decided_once_and_remembered(
    mongo_uri: str, archive_db_name: str, tmp_path: Path
) -> None:
    site = ReplicaSite(articles=10, day=1, seed=1)
    with ReplicaServer(site) as server:
        paths = _mount_unfilled_counters(server, 8)
        options = ("-s", "HGCRAWLER_RENDER_WAIT=1", "-s", "HGCRAWLER_DEGRADED_THRESHOLD=1")
        first = Crawl(server, mongo_uri, archive_db_name, tmp_path, *options, start="/kiem-dem/")
        second = Crawl(server, mongo_uri, archive_db_name, tmp_path, *options, start="/kiem-dem/")
    base = server.base_url.rstrip("/")
    rendered = [p for p in paths if first.observations[base + p]["rendered"]]
    assert len(rendered) == 3  # HGCRAWLER_RENDER_ABSENT_AFTER renderings, one after the other
    assert sum(first.times_requested(p) for p in paths) == len(paths) + 3
    assert first.stat("hgcrawler/counters/absent") == 1
    for path in paths:
        observation = first.observations[base + path]
        assert observation["views"] is None and observation["views_source"] is None
        if path not in rendered:
            assert "counter stayed empty in 3 renderings" in observation["views_missing_reason"]
    (template,) = first.templates
    assert template["decision"] == "absent" and template["endpoint"] is None
    # the next crawl knows it: no page of that template goes to the browser
    assert second.stat("hgcrawler/rendered") == 0
    assert [second.times_requested(p) for p in paths] == [1] * len(paths)
    assert all(second.observations[base + p]["rendered"] is False for p in paths)


def test_a_rendering_that_times_out_is_tried_again(
    mongo_uri: str, archive_db_name: str, tmp_path: Path
) -> None:
    """A busy crawl can starve the browser past its navigation timeout: the page is
    rendered again later rather than stored without its count."""
    site = ReplicaSite(articles=10, day=1, seed=1)
    path = "/kiem-cham/bai-cham-90100.html"
    page = _test_article(4).replace(
        '<span class="dem-4"></span>',
        '<span id="dem-90100"></span><script>fetch("/kiem-cham/dem?id=90100")'
        '.then(r => r.text()).then(t => {document.getElementById("dem-90100")'
        ".textContent = t;});</script>",
    )
    visits: list[str] = []

    def article(request: Request) -> Response:
        visits.append(request.path)
        hang = 4.0 if len(visits) == 2 else 0.0  # the browser's first visit hangs
        return Response(200, page.encode("utf-8"), hang=hang)

    with ReplicaServer(site) as server:
        server.routes["/kiem-cham/"] = lambda request: Response(
            200, f'<html><body><a href="{path}">Bài chậm</a></body></html>'.encode()
        )
        server.routes[path] = article
        server.routes["/kiem-cham/dem"] = lambda request: Response(200, b"4321", "text/plain")
        crawl = Crawl(
            server, mongo_uri, archive_db_name, tmp_path,
            "-s", "HGCRAWLER_RENDER_TIMEOUT=2", start="/kiem-cham/",
        )  # fmt: skip
    observation = crawl.observations[server.base_url.rstrip("/") + path]
    assert observation["views"] == 4321 and observation["views_source"] == "rendered"
    assert crawl.times_requested(path) == 3  # plainly, the timed-out rendering, the retry
    assert crawl.stat("hgcrawler/render/retried") == 1
    assert crawl.stat("hgcrawler/render/failed") == 0
    assert crawl.stat("hgcrawler/counters/learned") == 1
