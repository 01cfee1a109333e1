"""What the spider and the pipeline saw reaches the crawl's verdict through the session's
methods (no one else edits its tally): checked on what the session judges the crawl on."""

from __future__ import annotations

from pathlib import Path

from scrapy.utils.test import get_crawler

from hgcrawler.config import HgcrawlerConfig
from hgcrawler.crawl.session import CrawlSession
from hgcrawler.plan import CrawlPlan


def session(tmp_path: Path) -> CrawlSession:
    crawler = get_crawler(
        settings_dict={
            "HGCRAWLER_START_URL": "http://127.0.0.1:9/",
            "HGCRAWLER_DATA_DIR": str(tmp_path),
        }
    )
    crawler.stats.open_spider()
    return CrawlSession(crawler, HgcrawlerConfig.from_settings(crawler.settings))


def test_counts_reach_the_verdicts_inputs(tmp_path: Path) -> None:
    crawl = session(tmp_path)
    crawl.count_known_visit()
    crawl.count_known_visit()
    crawl.home_failed("127.0.0.1:9 refused the connection")
    crawl.note_template_difference("author", "http://127.0.0.1:9/a-1.html")
    crawl.note_template_difference("author", "http://127.0.0.1:9/a-2.html")
    crawl.count_article(
        {"url": "http://127.0.0.1:9/a-3.html", "views": 5, "updated_on": "2021-03-08",
         "author": "", "images": [{"src": "x.jpg"}], "body": "text", "doubtful": ["title"]}
    )  # fmt: skip
    crawl.count_reject("layout_changed", "http://127.0.0.1:9/a-4.html")  # an article page
    crawl.count_reject("http_500", "http://127.0.0.1:9/x")  # not one
    inputs = crawl.outcome_inputs("finished")
    assert inputs.known_visited == 2
    assert inputs.home_failure == "127.0.0.1:9 refused the connection"
    assert inputs.template_differs == {"author": 2}
    assert inputs.missing == {"author": 1}
    assert inputs.doubtful == {"title": 1}
    assert inputs.article_records == 1 and inputs.article_pages == 2
    assert inputs.rejects == {"layout_changed": 1, "http_500": 1}
    assert inputs.examples["template:author"] == [
        "http://127.0.0.1:9/a-1.html",
        "http://127.0.0.1:9/a-2.html",
    ]
    assert inputs.examples["author"] == ["http://127.0.0.1:9/a-3.html"]
    assert crawl.counts()["layout_changed"] == 1


def test_a_gone_article_is_an_example_unless_it_is_checked_again(tmp_path: Path) -> None:
    crawl = session(tmp_path)
    crawl.plan_loaded = CrawlPlan(mode="full")
    crawl.plan_loaded.recheck = {"7"}
    crawl.note_gone("6", "http://127.0.0.1:9/a-6.html")
    crawl.note_gone(7, "http://127.0.0.1:9/a-7.html")  # marked removed by an earlier crawl
    assert crawl.outcome_inputs("finished").examples["gone"] == ["http://127.0.0.1:9/a-6.html"]
