"""``ViewCounts`` without a browser: what it yields for an article item the spider read.

Responses are built in memory (the markup is written the way portals fill counters:
an inline script asking a small JSON or text endpoint, as in ``test_counters.py``);
a rendering's outcome is given to :meth:`ViewCounts.counter_rendered` as the browser
would have seen it. ``test_counter_learning.py`` runs the same code in Chromium.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from hgcrawler.config import HgcrawlerConfig
from hgcrawler.fetch.counters import SeenResponse
from hgcrawler.fetch.rendering import ResponseWatch
from hgcrawler.fetch.viewcounts import CounterPage, ViewCounts
from hgcrawler.items import ArticleItem

HOST = "http://127.0.0.1:9"
EMPTY_COUNTER = "view counter label without a number"


def article_page(article_id: int) -> str:
    script = (
        "<script>var x = new XMLHttpRequest(); x.open('GET', '/api/views?id="
        f"{article_id}'); x.send();</script>"
    )
    return (
        "<html><body><h1>Tiêu đề</h1><div class='meta'>[ Cập nhật vào ngày (08/03/2021) ] - "
        f'[ Số lần xem: <span id="views-{article_id}"></span> ]{script}</div>'
        "<p>Nội dung bài viết.</p></body></html>"
    )


def not_extracted(html: str, url: str) -> dict[str, Any]:
    raise AssertionError("nothing is rendered in these tests")


def view_counts(tmp_path: Path, **settings: Any) -> ViewCounts:
    """A crawl's ViewCounts; Chromium "there" (a file never run), so rendering is available."""
    chromium = tmp_path / "chromium"
    chromium.write_text("#!/bin/sh\nexit 1\n")
    chromium.chmod(0o755)
    crawler = get_crawler(
        settings_dict={
            "HGCRAWLER_START_URL": f"{HOST}/",
            "HGCRAWLER_DATA_DIR": str(tmp_path),
            "HGCRAWLER_CHROMIUM_PATH": str(chromium),
            **settings,
        }
    )
    crawler.stats.open_spider()
    config = HgcrawlerConfig.from_settings(crawler.settings)
    return ViewCounts.from_crawler(crawler, config, not_extracted)


def static_item(article_id: int, views: int | None, reason: str | None) -> ArticleItem:
    return ArticleItem(
        url=f"{HOST}/tin/bai-{article_id}.html",
        title="Tiêu đề",
        views=views,
        rendered=False,
        render_reason=reason,
        views_source="static" if views is not None else None,
    )


def response_for(article_id: int) -> HtmlResponse:
    url = f"{HOST}/tin/bai-{article_id}.html"
    return HtmlResponse(url, body=article_page(article_id).encode(), encoding="utf-8")


def stat(counts: ViewCounts, name: str) -> int:
    return int(counts.crawler.stats.get_value(name, 0) or 0)


def test_a_page_whose_static_html_holds_its_count_is_its_item(tmp_path: Path) -> None:
    counts = view_counts(tmp_path)
    item = static_item(1, 361, None)
    assert list(counts.article(response_for(1), item)) == [item]
    assert item["views"] == 361 and item["render_reason"] is None
    assert stat(counts, "hgcrawler/render/requested") == 0


def test_without_rendering_the_item_says_why_it_has_no_count(tmp_path: Path) -> None:
    counts = view_counts(tmp_path, HGCRAWLER_RENDER="never")
    (item,) = counts.article(response_for(1), static_item(1, None, EMPTY_COUNTER))
    assert item["views"] is None
    assert item["render_reason"] == f"not rendered: {EMPTY_COUNTER} (rendering is off)"
    assert stat(counts, "hgcrawler/render/not_rendered") == 1


def test_always_renders_every_article_page(tmp_path: Path) -> None:
    counts = view_counts(tmp_path, HGCRAWLER_RENDER="always")
    (request,) = counts.article(response_for(1), static_item(1, 361, None))
    assert isinstance(request, Request)
    assert request.meta["playwright"] and request.callback == counts.parse_rendered
    assert request.meta["hg_page"].reason == "HGCRAWLER_RENDER=always"
    assert request.meta["hg_counter"] is None  # nothing to learn


def test_a_template_is_learned_from_one_rendering_and_its_pages_asked_at_its_endpoint(
    tmp_path: Path,
) -> None:
    counts = view_counts(tmp_path, HGCRAWLER_RENDER_VERIFY_FIRST=0)
    # the template's first page is rendered, and decides for it...
    (probe,) = counts.article(response_for(39941), static_item(39941, None, EMPTY_COUNTER))
    assert probe.meta["playwright"] and probe.callback == counts.parse_rendered
    check = probe.meta["hg_counter"]
    assert check.probe and probe.priority == 10
    # ...while the next page of the template waits for it
    assert list(counts.article(response_for(39942), static_item(39942, None, EMPTY_COUNTER))) == []
    (template,) = counts.templates.templates.values()
    assert [page.item["url"] for page in template.waiting] == [f"{HOST}/tin/bai-39942.html"]

    # the rendering shows 361, which came from /api/views?id=39941: the endpoint is learned,
    # and the waiting page is asked there
    page: CounterPage = probe.meta["hg_page"]
    watch = ResponseWatch(page.item["url"])
    watch.responses.append(SeenResponse(f"{HOST}/api/views?id=39941", 200, "xhr", "361"))
    (asked,) = counts.counter_rendered(page, check, 361, watch)
    assert template.endpoint is not None and template.waiting == []
    assert asked.url == f"{HOST}/api/views?id=39942"
    assert asked.callback == counts.parse_counter and asked.errback == counts.counter_failed
    assert asked.headers["Referer"] == f"{HOST}/tin/bai-39942.html".encode()
    assert stat(counts, "hgcrawler/counters/learned") == 1

    answer = TextResponse(asked.url, body=b"362", encoding="utf-8", request=asked)
    (item,) = counts.parse_counter(answer)
    assert isinstance(item, ArticleItem)
    assert (item["views"], item["views_source"], item["render_reason"]) == (362, "endpoint", None)
    assert stat(counts, "hgcrawler/views_source/endpoint") == 1


def test_a_failed_endpoint_answer_is_held_until_the_next_answer_says_whose_failure(
    tmp_path: Path,
) -> None:
    counts = view_counts(tmp_path, HGCRAWLER_RENDER_VERIFY_FIRST=0)
    (probe,) = counts.article(response_for(39941), static_item(39941, None, EMPTY_COUNTER))
    page: CounterPage = probe.meta["hg_page"]
    watch = ResponseWatch(page.item["url"])
    watch.responses.append(SeenResponse(f"{HOST}/api/views?id=39941", 200, "xhr", "361"))
    assert list(counts.counter_rendered(page, probe.meta["hg_counter"], 361, watch)) == []
    (first,) = counts.article(response_for(39943), static_item(39943, None, EMPTY_COUNTER))
    (second,) = counts.article(response_for(39944), static_item(39944, None, EMPTY_COUNTER))
    assert first.callback == second.callback == counts.parse_counter
    # a trusted endpoint's answer without a number: the page waits for the next answer
    failed = TextResponse(first.url, body=b"error", status=500, request=first)
    assert list(counts.parse_counter(failed)) == []
    (template,) = counts.templates.templates.values()
    (held,) = template.held_failures
    assert held.failed is not None and held.failed.endpoint_failed == "HTTP 500"
    assert stat(counts, "hgcrawler/counters/endpoint/held") == 1
    # the next page's answer is a number: the failure was the held page's own
    answer = TextResponse(second.url, body=b"12", encoding="utf-8", request=second)
    failed_item, counted = counts.parse_counter(answer)
    assert failed_item["url"] == f"{HOST}/tin/bai-39943.html" and failed_item["views"] is None
    assert "its counter endpoint answered HTTP 500" in failed_item["render_reason"]
    assert counted["url"] == f"{HOST}/tin/bai-39944.html" and counted["views"] == 12
    assert template.held_failures == []
    assert stat(counts, "hgcrawler/counters/failed_pages") == 1


def test_an_endpoint_that_cannot_be_asked_renders_the_page(tmp_path: Path) -> None:
    counts = view_counts(tmp_path, HGCRAWLER_RENDER_VERIFY_FIRST=0)
    (probe,) = counts.article(response_for(39941), static_item(39941, None, EMPTY_COUNTER))
    page: CounterPage = probe.meta["hg_page"]
    watch = ResponseWatch(page.item["url"])
    watch.responses.append(SeenResponse(f"{HOST}/api/views?id=39941", 200, "xhr", "361"))
    list(counts.counter_rendered(page, probe.meta["hg_counter"], 361, watch))
    (asked,) = counts.article(response_for(39943), static_item(39943, None, EMPTY_COUNTER))
    failure = Failure(ConnectionRefusedError("refused"))
    failure.request = asked  # type: ignore[attr-defined]
    (rendered,) = counts.counter_failed(failure)
    assert rendered.meta["playwright"] and rendered.callback == counts.parse_rendered
    assert rendered.url == f"{HOST}/tin/bai-39943.html"
    assert rendered.meta["hg_counter"].endpoint_failed.startswith("ConnectionRefusedError")


@pytest.mark.parametrize("mode", ["auto", "always"])
def test_rendering_unavailable_stores_the_page_without_a_count(tmp_path: Path, mode: str) -> None:
    counts = view_counts(tmp_path, HGCRAWLER_RENDER=mode, HGCRAWLER_CHROMIUM_PATH="/nonexistent")
    (item,) = counts.article(response_for(1), static_item(1, None, EMPTY_COUNTER))
    assert item["render_reason"].startswith(f"not rendered: {EMPTY_COUNTER} (Chromium not found")
