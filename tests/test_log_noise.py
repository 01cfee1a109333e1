"""The crawl's log says each dropped item in one line, and nothing about components
that are off by default."""

from __future__ import annotations

import logging

from scrapy import Spider
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from hgcrawler import settings as project_settings
from hgcrawler.crawl.logformatter import OneLineLogFormatter
from hgcrawler.items import ArticleItem
from hgcrawler.pipelines.validation import RejectItem
from hgcrawler.read.reasons import Reason

URL = "http://127.0.0.1:8000/tin-tuc/bai-39941.html"


def formatted(result: dict[str, object]) -> str:
    return str(result["msg"]) % result["args"]  # type: ignore[operator]


def article() -> ArticleItem:
    return ArticleItem(url=URL, title="", body="\n\n".join(["Một đoạn văn dài."] * 40))


def test_a_dropped_article_is_one_line_with_its_reason_and_url() -> None:
    crawler = get_crawler(Spider, {"LOG_FORMATTER": project_settings.LOG_FORMATTER})
    formatter = build_from_crawler(OneLineLogFormatter, crawler)
    spider = Spider("haugiang")
    spider.crawler = crawler
    error = RejectItem(Reason.MISSING_TITLE, f"no title found on {URL}")
    result = formatter.dropped(article(), error, None, spider)
    line = formatted(result)
    assert line == f"Dropped: missing_title: no title found on {URL}"
    assert result["level"] == logging.WARNING
    other = formatted(formatter.dropped(article(), ValueError("odd"), None, spider))
    assert other == f"Dropped: odd ({URL})" and "\n" not in other
    error_line = formatted(formatter.item_error(article(), ValueError("x"), None, spider))
    assert error_line == f"Error processing {URL}"


def test_the_project_uses_it() -> None:
    assert project_settings.LOG_FORMATTER == "hgcrawler.crawl.logformatter.OneLineLogFormatter"
