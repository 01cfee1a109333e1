"""The real ``haugiang`` spider against the replica portal on an OS-chosen port."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import scrapy
from pymongo import MongoClient

from hgcrawler.replica import ReplicaServer, ReplicaSite
from tests.crawling import expected_record, reachable, scrapy_crawl

ARTICLES = 60


@pytest.fixture(scope="module")
def replica() -> Iterator[tuple[ReplicaSite, str]]:
    site = ReplicaSite(articles=ARTICLES, day=1, seed=3)
    with ReplicaServer(site) as server:
        yield site, server.base_url


@pytest.fixture(scope="module")
def crawl_output(
    replica: tuple[ReplicaSite, str], mongo_server: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """One ad-hoc `scrapy crawl haugiang -O ...` run, its feed and its archive."""
    site, base_url = replica
    tmp = tmp_path_factory.mktemp("spider")
    database = "spider_test"
    done = scrapy_crawl(
        base_url,
        {
            "HGCRAWLER_MONGO_URI": mongo_server.uri,
            "HGCRAWLER_MONGO_DATABASE": database,
            "HGCRAWLER_DATA_DIR": tmp,
            "HGCRAWLER_RENDER": "never",
            "HGCRAWLER_SLUG_IDS": True,
            "DOWNLOAD_DELAY": 0,
            "AUTOTHROTTLE_ENABLED": False,
        },
        "-O", str(tmp / "articles.jsonl"), "-O", str(tmp / "articles.csv"),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    client: MongoClient[dict[str, Any]] = MongoClient(mongo_server.uri)
    try:
        yield {
            "items": [json.loads(line) for line in (tmp / "articles.jsonl").open()],
            "csv": (tmp / "articles.csv").read_text(encoding="utf-8"),
            "db": client[database],
            "log": done.stderr,
            "base_url": base_url,
            "site": site,
        }
    finally:
        client.drop_database(database)
        client.close()


def test_every_article_found_once_with_the_right_fields(crawl_output: dict[str, Any]) -> None:
    site, base_url = crawl_output["site"], crawl_output["base_url"]
    items = crawl_output["items"]
    by_url = Counter(item["url"] for item in items)
    assert max(by_url.values()) == 1, "an article was written twice"
    expected = {base_url.rstrip("/") + t.url: t for t in reachable(site)}
    assert set(by_url) == set(expected)
    for item in items:
        truth = expected[item["url"]]
        got = {key: item[key] for key in expected_record(truth, base_url)}
        assert got == expected_record(truth, base_url), truth.variant
        assert item["status"] == 200 and item["fetched_at"]


def test_every_variant_was_crawled(crawl_output: dict[str, Any]) -> None:
    variants = {t.variant for t in reachable(crawl_output["site"])}
    assert {"nfd", "thousands", "split_meta", "short_date", "no_views", "table", "js"} <= variants


def test_malformed_pages_are_rejected_with_their_reason(crawl_output: dict[str, Any]) -> None:
    site, base_url = crawl_output["site"], crawl_output["base_url"]
    rejects = {r["url"]: r for r in crawl_output["db"].rejects.find()}
    malformed = {base_url.rstrip("/") + t.url: t.variant for t in reachable(site, malformed=True)}
    assert set(malformed) <= set(rejects)
    reasons = {malformed[url]: rejects[url]["reason"] for url in malformed}
    assert reasons == {
        "malformed_truncated": "truncated",
        "malformed_no_title": "missing_title",
        "malformed_bad_date": "bad_date",
    }
    assert all(rejects[url]["excerpt"] for url in malformed)


def test_archive_holds_the_same_articles(crawl_output: dict[str, Any]) -> None:
    db = crawl_output["db"]
    assert db.articles.count_documents({}) == len(crawl_output["items"])
    assert db.revisions.count_documents({}) == len(crawl_output["items"])
    crawl = db.crawls.find_one()
    assert crawl is not None and crawl["status"] == "finished"
    assert crawl["counts"]["new"] == len(crawl_output["items"])


def test_stays_on_site_and_obeys_robots(crawl_output: dict[str, Any]) -> None:
    db, base_url = crawl_output["db"], crawl_output["base_url"]
    seen = [p["url"] for p in db.pages.find()] + [a["url"] for a in db.articles.find()]
    seen += [r["url"] for r in db.rejects.find()]
    assert seen and all(url.startswith(base_url.rstrip("/")) for url in seen)
    assert not [url for url in seen if "/quan-tri/" in url]
    assert "robotstxt/forbidden" in crawl_output["log"]
    listings = {p["url"] for p in db.pages.find({"kind": "listing"})}
    paged = {url for url in seen if "trang=" in url}
    assert paged and paged <= listings  # every paginated listing page is known as one


def test_csv_feed_export(crawl_output: dict[str, Any]) -> None:
    header = crawl_output["csv"].splitlines()[0].split(",")
    assert {"url", "title", "views", "updated_on", "body"} <= set(header)
    assert crawl_output["csv"].count("\n") > len(crawl_output["items"])


def test_spider_defaults_to_the_real_portal() -> None:
    from scrapy.crawler import Crawler
    from scrapy.settings import Settings
    from scrapy.utils.reactor import install_reactor, is_reactor_installed
    from scrapy.utils.test import get_crawler

    from hgcrawler.crawl.runner import project_settings
    from spiders.haugiang import HaugiangSpider

    settings = project_settings({"HGCRAWLER_CONTACT": "lab@university.edu.vn"}).copy_to_dict()
    if not is_reactor_installed():
        install_reactor(settings["TWISTED_REACTOR"])
    crawler = get_crawler(HaugiangSpider, settings_dict=settings)
    spider = HaugiangSpider.from_crawler(crawler)
    assert spider.start_url == "https://haugiang.dcs.vn/"
    assert spider.allowed_domains == ["haugiang.dcs.vn"]
    assert crawler.settings.getbool("ROBOTSTXT_OBEY")
    assert crawler.settings.get("USER_AGENT").startswith("hgcrawler/")
    assert crawler.settings.get("USER_AGENT").endswith("contact: lab@university.edu.vn)")
    # spider arguments are settings, set before Scrapy freezes them (as Crawler.crawl does)
    fresh = Crawler(HaugiangSpider, Settings(settings))
    other = HaugiangSpider.from_crawler(fresh, start_url="http://h:1/")
    assert other.start_url == "http://h:1/" and other.host == "h"
    assert fresh.settings.get("HGCRAWLER_START_URL") == "http://h:1/"


def test_contact_setting_goes_into_the_user_agent() -> None:
    from scrapy.utils.reactor import install_reactor, is_reactor_installed
    from scrapy.utils.test import get_crawler

    from hgcrawler.crawl.runner import project_settings
    from spiders.haugiang import HaugiangSpider

    settings = project_settings({"HGCRAWLER_CONTACT": "lab@uni.example"}).copy_to_dict()
    # as when run alone: the test that ran before it in the process may not have
    # installed one (on an xdist worker, it usually has not)
    if not is_reactor_installed():
        install_reactor(settings["TWISTED_REACTOR"])
    crawler = get_crawler(HaugiangSpider, settings_dict=settings)
    assert crawler.settings.get("USER_AGENT").endswith("contact: lab@uni.example)")
    own = get_crawler(HaugiangSpider, settings_dict={**settings, "USER_AGENT": "mine/1"})
    assert own.settings.get("USER_AGENT") == "mine/1"


def test_sub_domains_are_not_the_portal() -> None:
    from hgcrawler.read.urls import same_site

    assert same_site("https://haugiang.dcs.vn/a", "haugiang.dcs.vn")
    assert same_site("https://www.haugiang.dcs.vn/a", "haugiang.dcs.vn")
    assert not same_site("https://sotaydangvien.haugiang.dcs.vn/a", "haugiang.dcs.vn")
    assert not same_site("mailto:x@haugiang.dcs.vn", "haugiang.dcs.vn")


def test_incremental_listing_pages_on_news_only_not_on_pages_that_did_not_parse() -> None:
    from scrapy.http import HtmlResponse
    from scrapy.utils.reactor import install_reactor, is_reactor_installed
    from scrapy.utils.test import get_crawler

    from hgcrawler.crawl.runner import project_settings
    from hgcrawler.plan import REJECTED_PAGE, CrawlPlan
    from spiders.haugiang import HaugiangSpider

    settings = project_settings({"HGCRAWLER_CONTACT": "lab@uni.example"}).copy_to_dict()
    if not is_reactor_installed():
        install_reactor(settings["TWISTED_REACTOR"])
    spider = HaugiangSpider.from_crawler(get_crawler(HaugiangSpider, settings_dict=settings))
    spider.mode = "incremental"
    base = "https://haugiang.dcs.vn/kinh-te/"
    known, broken, fresh = (f"{base}bai-{n}.html" for n in (1, 2, 3))
    spider.plan = CrawlPlan(
        mode="incremental",
        known_articles={known: "haugiang:1"},
        known_pages={broken: REJECTED_PAGE},
    )
    body = '<a href="{}">Bài</a> <a href="{}">Bài</a> <a href="?trang=3">3</a>'

    def follow(*hrefs: str) -> list[str]:
        spider.requested.clear()
        response = HtmlResponse(
            f"{base}?trang=2",
            body=body.format(*hrefs).encode(),
            encoding="utf-8",
            request=scrapy.Request(f"{base}?trang=2", meta={"hg_page": 2}),
        )
        return [r.url for r in spider.follow_links(response, page_kind="listing")]

    # a page that did not parse before is tried again, but the listing stops there
    assert follow(known, broken) == [broken]
    # a page never seen is news: the listing's next page is fetched too
    assert follow(known, fresh) == [fresh, f"{base}?trang=3"]


def test_the_log_has_no_noise_from_components_that_are_off(crawl_output: dict[str, Any]) -> None:
    log = crawl_output["log"]
    assert "Spider closed (finished)" in log  # the log is the crawl's
    assert "Disabled hgcrawler" not in log, [ln for ln in log.splitlines() if "Disabled" in ln]
    dropped = [line for line in log.splitlines() if "Dropped:" in line]
    # any dropped item is one line: the next line is another log record
    lines = log.splitlines()
    for index, line in enumerate(lines[:-1]):
        if "Dropped:" in line:
            assert lines[index + 1][:4].isdigit(), lines[index : index + 3]
    assert len(dropped) == log.count("Dropped:")
