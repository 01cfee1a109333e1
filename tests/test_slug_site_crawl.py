"""A full crawl of a portal whose article URLs carry no id (``/tin-tuc/<slug>.html``).

Many slugs end in the same number (``…-nam-2021``, ``…-lan-thu-14``, ``…-30-4``,
``tin-van-2``): the archive must still hold one article per page.  Crawled once
as it should be (no ``HGCRAWLER_SLUG_IDS``: keys are URLs) and once with the
wrong configuration (``HGCRAWLER_SLUG_IDS=1``: every trailing number is taken
for an id), through ``hgcrawler crawl`` into a real SecantusDB server.
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from pymongo import MongoClient
from pymongo.database import Database

from hgcrawler.read.urls import site_location
from hgcrawler.replica import ArticleTruth, ReplicaServer, ReplicaSite
from tests.archive_view import aid, observations
from tests.crawling import hgcrawler_crawl, reachable

pytestmark = pytest.mark.slow

ARTICLES = 150
SEED = 5
# the number ending a slug, as a site that put ids there would have it
TRAILING_NUMBER = re.compile(r"-(\d+)\.html$")


class SlugCrawl:
    """One full crawl of the slug replica into a database of its own."""

    def __init__(self, db: Database[dict[str, Any]], done: subprocess.CompletedProcess[str]):
        self.db, self.done = db, done

    def articles(self) -> dict[str, dict[str, Any]]:
        return {str(doc["_id"]): doc for doc in self.db.articles.find({})}

    def collisions(self) -> list[dict[str, Any]]:
        return list(self.db.rejects.find({"reason": "key_collision"}))


class SlugSite:
    def __init__(self, site: ReplicaSite, base_url: str) -> None:
        self.site, self.root = site, base_url.rstrip("/")
        self.truth = {self.root + t.url: t for t in reachable(site)}
        # the replica's recurring short titles ("Tin vắn") are titles too
        self.short_titles = {url for url, t in self.truth.items() if len(t.title) < 8}
        self.malformed = {self.root + t.url: t for t in reachable(site, malformed=True)}
        self.crawls: dict[str, SlugCrawl] = {}


@pytest.fixture(scope="module")
def slug_site(mongo_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlugSite]:
    site = ReplicaSite(articles=ARTICLES, day=1, seed=SEED, url_scheme="slugs")
    client: MongoClient[dict[str, Any]] = MongoClient(mongo_server.uri, tz_aware=True)
    names = {"right": "slug_site_right", "wrong": "slug_site_wrong"}
    try:
        with ReplicaServer(site) as server:
            found = SlugSite(site, server.base_url)
            data_dirs = {label: tmp_path_factory.mktemp(f"slug-{label}") for label in names}
            # the wrong configuration is crawled twice: the second time finds every page
            for label, database in (("right", "right"), ("wrong", "wrong"), ("again", "wrong")):
                done = hgcrawler_crawl(
                    server.base_url, mongo_server.uri, names[database], data_dirs[database],
                    "full", slug_ids=database == "wrong",
                )  # fmt: skip
                assert done.returncode == 0, done.stderr[-3000:]
                found.crawls[label] = SlugCrawl(client[names[database]], done)
            yield found
    finally:
        for name in names.values():
            client.drop_database(name)
        client.close()


def by_number(urls: Iterator[str] | list[str]) -> dict[str, list[str]]:
    """The replica's URLs grouped by the number ending their slug (those without none)."""
    groups: dict[str, list[str]] = {}
    for url in urls:
        match = TRAILING_NUMBER.search(url)
        if match:
            groups.setdefault(str(int(match.group(1))), []).append(url)
    return groups


def assert_as_on_the_site(doc: dict[str, Any], truth: ArticleTruth) -> None:
    assert doc["title"] == truth.title, doc["url"]
    assert doc["updated_on"].date() == truth.updated_on, doc["url"]
    assert doc["views"] == (truth.views if truth.views_in_static_html else None), doc["url"]


def test_the_replica_has_many_slugs_ending_in_the_same_number(slug_site: SlugSite) -> None:
    groups = by_number(list(slug_site.truth))
    sizes = sorted((len(urls) for urls in groups.values()), reverse=True)
    assert len(slug_site.truth) >= 120
    assert "2021" in groups and len(groups["2021"]) >= 20, sizes
    assert sum(size - 1 for size in sizes) >= 30
    assert slug_site.short_titles  # "Tin vắn": the archive must keep short titles too


def test_short_titles_are_stored_with_their_title(slug_site: SlugSite) -> None:
    docs = {doc["url"]: doc for doc in slug_site.crawls["right"].articles().values()}
    for url in slug_site.short_titles:
        assert docs[url]["title"] == slug_site.truth[url].title


def test_one_article_per_page_keyed_by_its_url(slug_site: SlugSite) -> None:
    crawl = slug_site.crawls["right"]
    docs = crawl.articles()
    assert len(docs) == len(slug_site.truth)
    # keyed by their locations within the site, each a page of the replica
    assert set(docs) == {aid(url) for url in slug_site.truth}
    for article_id, doc in docs.items():
        assert article_id == aid(doc["url"]) and doc["key"] == site_location(doc["url"])
        assert doc["old_urls"] == []
        assert_as_on_the_site(doc, slug_site.truth[doc["url"]])
    assert crawl.collisions() == []
    per_article = Counter(r["article_id"] for r in crawl.db.revisions.find({}, {"article_id": 1}))
    assert per_article == Counter(set(docs))
    seen = Counter(o["article_id"] for o in observations(crawl.db))
    assert seen == Counter(set(docs))
    assert crawl.db.moves.count_documents({}) == 0
    record = crawl.db.crawls.find_one({})
    assert record is not None and record["status"] == "finished"
    assert record["counts"]["new"] == len(docs) and record["counts"]["collisions"] == 0
    rejected = {r["url"]: r["reason"] for r in crawl.db.rejects.find({})}
    assert set(rejected) == set(slug_site.malformed)
    assert record["counts"]["rejected"] == len(rejected)
    assert "key_collision" not in crawl.done.stdout


def test_slug_ids_on_a_slug_site_keeps_pages_apart_and_says_so(slug_site: SlugSite) -> None:
    crawl = slug_site.crawls["wrong"]
    truth = slug_site.truth
    groups = by_number(list(truth))
    docs = crawl.articles()
    # still exactly one article per page, each as on the site
    assert len(docs) == len(truth)
    assert {doc["url"] for doc in docs.values()} == set(truth)
    for doc in docs.values():
        assert_as_on_the_site(doc, truth[doc["url"]])
        assert crawl.db.revisions.count_documents({"article_id": doc["_id"]}) == 1
    # the first page with a number keeps it as key, the others are "<number>#2", "#3"…
    expected_keys = {url for url in truth if not TRAILING_NUMBER.search(url)}
    for number, urls in groups.items():
        expected_keys |= {number} | {f"{number}#{n}" for n in range(2, len(urls) + 1)}
    assert set(docs) == {aid(key) for key in expected_keys}
    for doc in docs.values():
        assert aid(doc["key"]) == str(doc["_id"]).split("#")[0]
    # one key_collision reject per page kept apart, naming both pages
    kept_apart = sum(len(urls) - 1 for urls in groups.values())
    collisions = crawl.collisions()
    assert len(collisions) == kept_apart
    for reject in collisions:
        number = reject["key"]
        assert reject["url"] in groups[number] and reject["other_url"] in groups[number]
        assert reject["url"] != reject["other_url"]
        assert docs[reject["kept_as"]]["url"] == reject["url"]
        assert docs[reject["other_article"]]["url"] == reject["other_url"]
        assert reject["other_article"] == aid(number)
    assert sorted(r["kept_as"] for r in collisions) == sorted(i for i in docs if "#" in i)
    assert crawl.db.moves.count_documents({}) == 0
    record = crawl.db.crawls.find_one({}, sort=[("started_at", 1)])
    assert record is not None
    assert record["counts"]["collisions"] == kept_apart
    assert record["counts"]["new"] == len(truth)
    out = crawl.done.stdout
    assert f"problem: {kept_apart} page(s) had the key of a different article" in out
    assert "key_collision" in out and "HGCRAWLER_SLUG_IDS" in out


def test_the_next_crawl_finds_each_kept_apart_page_by_its_url(slug_site: SlugSite) -> None:
    """Crawled again with the same wrong configuration: no new article, no new collision,
    each page observed once more on its own article."""
    crawl = slug_site.crawls["again"]
    first, second = list(crawl.db.crawls.find({}).sort("started_at", 1))
    truth = slug_site.truth
    counts = second["counts"]
    assert (counts["new"], counts["changed"], counts["collisions"], counts["moved"]) == (0, 0, 0, 0)
    assert counts["revisited"] == len(truth)
    assert crawl.db.articles.count_documents({}) == len(truth)
    assert crawl.db.revisions.count_documents({}) == len(truth)
    assert (
        crawl.db.rejects.count_documents({"reason": "key_collision", "crawl_id": second["_id"]})
        == 0
    )
    for doc in crawl.articles().values():
        seen = observations(crawl.db, article_id=doc["_id"])
        assert [o["crawl_id"] for o in seen] == [first["_id"], second["_id"]], doc["_id"]
        # observations keep no URL: each showed the count of the article's own page
        page = truth[doc["url"]]
        shown = page.views if page.views_in_static_html else None
        assert [o["views"] for o in seen] == [shown, shown], doc["_id"]
