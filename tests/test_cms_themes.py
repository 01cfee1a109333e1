"""Other portals' CMS shapes (the replica's ``nukeviet``, ``sharepoint``, ``joomla`` and
``initials`` themes), read with profiles written as docs/sites.md tells a user to
(the meta line's labels only): every field of every article right, or the field
named as one that cannot be trusted — by ``extract``, ``sites check`` and a crawl."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient

from hgcrawler.read.extraction import NotAnArticle, extract_article
from hgcrawler.replica import ArticleTruth, ReplicaServer, ReplicaSite
from hgcrawler.sites import load_profile
from tests.crawling import ROOT, expected_record

PROFILES = Path(__file__).parent / "sites-cms"
START_URL = re.compile(r'^start_url = ".*"$', re.MULTILINE)
GOOD_THEMES = ("nukeviet", "sharepoint", "joomla")


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        return bytes(response.read())


def hgcrawler(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hgcrawler.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def profiles_for(directory: Path, theme: str, base_url: str) -> Path:
    """The theme's fixture profile, its start URL the replica's."""
    directory.mkdir(parents=True, exist_ok=True)
    name = f"replica-{theme}"
    text = (PROFILES / f"{name}.toml").read_text(encoding="utf-8")
    (directory / f"{name}.toml").write_text(
        START_URL.sub(f'start_url = "{base_url}"', text, count=1), encoding="utf-8"
    )
    return directory


@pytest.fixture(scope="module", params=[*GOOD_THEMES, "initials"])
def theme_pages(
    request: pytest.FixtureRequest,
) -> Iterator[tuple[str, str, list[tuple[ArticleTruth, bytes]]]]:
    """Every article page of a 60-article replica in one theme, on day 3."""
    theme = request.param
    site = ReplicaSite(articles=60, day=3, seed=5, theme=theme)
    with ReplicaServer(site) as server:
        pages = [
            (truth, fetch(truth.absolute_url(server.base_url))) for truth in site.live_articles()
        ]
        yield theme, server.base_url, pages


def test_every_field_of_every_article_right_or_named_doubtful(
    theme_pages: tuple[str, str, list[tuple[ArticleTruth, bytes]]],
) -> None:
    theme, base_url, pages = theme_pages
    labels = load_profile(f"replica-{theme}", PROFILES).labels
    shapes: dict[str, int] = {}
    for truth, body in pages:
        url = truth.absolute_url(base_url)
        try:
            record = extract_article(body, url, labels=labels)
        except NotAnArticle:
            assert truth.malformed, url
            continue
        if truth.malformed:
            continue
        expected = expected_record(truth, base_url)
        got = {key: record[key] for key in expected}
        if theme == "initials" and truth.author:
            # "— H.Ý —": no rule reads it, so the author is not stored as found, and the
            # record says it cannot be trusted
            assert record["author"] is None, url
            assert record["doubtful"] == ["author", "body"], url
            assert "—" in record["doubts"]["author"]
            shapes["doubtful"] = shapes.get("doubtful", 0) + 1
            continue
        assert got == expected, (truth.variant, url)
        assert record["doubtful"] == [], (url, record["doubts"])
        for name, found in (("source", truth.source), ("author", truth.author)):
            if found:
                shapes[record["rules"][name]] = shapes.get(record["rules"][name], 0) + 1
        shapes[f"{len(truth.images)} images"] = 1
    assert {"0 images", "2 images"} <= set(shapes), shapes
    expected_rules = {
        "nukeviet": {"label:Tác giả", "label:Bài và ảnh", "label:Nguồn"},
        "sharepoint": {"name-line", "label:Nguồn", "label:Theo"},
        "joomla": {
            "label:Bài và ảnh (above the text)",
            "name-line (above the text)",
            "label:Theo",
        },
        "initials": {"doubtful", "label:Nguồn"},
    }[theme]
    assert expected_rules <= set(shapes), shapes


def test_no_heading_of_these_themes_is_in_a_list() -> None:
    """The related-news headings are found by evidence, not by a list matching them."""
    from hgcrawler.read.extraction import END_MARKERS
    from hgcrawler.read.text import fold
    from hgcrawler.replica import content

    for heading in content.RELATED_HEADINGS.values():
        assert not any(fold(heading).startswith(marker) for marker in END_MARKERS), heading


# ----------------------------------------------------------------- sites check


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, tuple[ReplicaSite, str]]]:
    sites = {
        "nukeviet": ReplicaSite(articles=40, day=1, seed=7, theme="nukeviet"),
        "sharepoint": ReplicaSite(articles=40, day=1, seed=8, theme="sharepoint"),
        "initials": ReplicaSite(articles=40, day=1, seed=9, theme="initials"),
    }
    running = {name: ReplicaServer(site) for name, site in sites.items()}
    for server in running.values():
        server.start()
    try:
        yield {name: (sites[name], running[name].base_url) for name in sites}
    finally:
        for server in running.values():
            server.stop()


def test_sites_check_shows_the_rule_of_each_field_and_passes(
    servers: dict[str, tuple[ReplicaSite, str]], tmp_path: Path
) -> None:
    site, base_url = servers["nukeviet"]
    sites_dir = profiles_for(tmp_path / "sites", "nukeviet", base_url)
    done = hgcrawler(
        "sites", "check", "replica-nukeviet", "--sites-dir", str(sites_dir), "--articles", "5",
        "--json",
    )  # fmt: skip
    result = json.loads(done.stdout)
    truths = {t.absolute_url(base_url): t for t in site.live_articles()}
    articles = [page for page in result["pages"] if page["kind"] == "article"]
    assert len(articles) == 5 and result["template_texts"] > 10
    for page in articles:
        expected = expected_record(truths[page["url"]], base_url)
        assert {key: page["fields"][key] for key in expected} == expected
        assert page["doubtful"] == {}
        assert page["fields"]["rules"]["end"] in ("byline", "heading+links", "template")
    assert (done.returncode, result["exit_code"]) == (0, 0), done.stdout
    text = hgcrawler(
        "sites", "check", "replica-nukeviet", "--sites-dir", str(sites_dir), "--articles", "3"
    )
    assert text.returncode == 0, text.stdout
    found_by = [line.split(None, 2)[2] for line in text.stdout.splitlines() if "found by" in line]
    assert len(found_by) == 3 and all(line.startswith("end ") for line in found_by)
    assert any("author label:" in line for line in found_by), found_by


def test_sites_check_fails_naming_the_field_and_a_page(
    servers: dict[str, tuple[ReplicaSite, str]], tmp_path: Path
) -> None:
    site, base_url = servers["initials"]
    sites_dir = profiles_for(tmp_path / "sites", "initials", base_url)
    done = hgcrawler(
        "sites", "check", "replica-initials", "--sites-dir", str(sites_dir), "--articles", "5"
    )
    assert done.returncode == 1, done.stdout + done.stderr
    verdict = [
        line
        for line in done.stdout.splitlines()
        if line.startswith("result: the author cannot be trusted on ")
    ]
    assert len(verdict) == 1, done.stdout
    url = verdict[0].split(", e.g. ")[1].split(": ")[0]
    truths = {t.absolute_url(base_url): t for t in site.live_articles()}
    assert truths[url].author  # the example page is one with a byline no rule reads
    assert "docs/sites.md" in done.stdout


def test_extract_reads_a_page_with_a_profile(
    servers: dict[str, tuple[ReplicaSite, str]], tmp_path: Path
) -> None:
    site, base_url = servers["sharepoint"]
    sites_dir = profiles_for(tmp_path / "sites", "sharepoint", base_url)
    truth = next(t for t in site.live_articles() if t.author and t.source and not t.malformed)
    url = truth.absolute_url(base_url)
    done = hgcrawler("extract", "--site", "replica-sharepoint", "--sites-dir", str(sites_dir), url)
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert (record["author"], record["source"]) == (truth.author, truth.source)
    assert record["author"].isupper()
    without = hgcrawler("extract", url)  # the Hậu Giang labels: no meta line on this portal
    assert without.returncode == 1 and "not an article page" in without.stderr


# ----------------------------------------------------------------- crawls


def crawl(theme: str, base_url: str, mongo_uri: str, database: str, data_dir: Path) -> Any:
    profiles_for(data_dir / "sites", theme, base_url)
    return hgcrawler(
        "crawl", "--mode", "full", "--fast", "--site", f"replica-{theme}",
        "--data-dir", str(data_dir), "--sites-dir", str(data_dir / "sites"),
        "--mongo-uri", mongo_uri, "-s", f"HGCRAWLER_MONGO_DATABASE={database}",
        "-s", "HGCRAWLER_RENDER=never", "-s", "HGCRAWLER_SLUG_IDS=1",
        "-s", f"HGCRAWLER_STATS_FILE={data_dir / 'stats.json'}",
    )  # fmt: skip


def test_a_crawl_of_another_cms_stores_every_field_right_and_learns_the_template(
    servers: dict[str, tuple[ReplicaSite, str]],
    mongo_server: Any,
    archive_db_name: str,
    tmp_path: Path,
) -> None:
    site, base_url = servers["sharepoint"]
    done = crawl("sharepoint", base_url, mongo_server.uri, archive_db_name, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    client: MongoClient[dict[str, Any]] = MongoClient(mongo_server.uri)
    try:
        db = client[archive_db_name]
        stored = {doc["url"]: doc for doc in db.articles.find({"site": "replica-sharepoint"})}
        truths = [t for t in site.live_articles() if not t.malformed]
        assert {t.absolute_url(base_url) for t in truths} == set(stored)
        for truth in truths:
            doc = stored[truth.absolute_url(base_url)]
            expected = expected_record(truth, base_url)
            got = {key: doc[key] for key in ("title", "lede", "body", "author", "source")}
            assert got == {key: expected[key] for key in got}, doc["url"]
            assert doc["doubtful"] == []
        template = db.templates.find_one({"_id": "replica-sharepoint:page-template"})
        assert template is not None and template["kind"] == "page"
        assert template["pages"] == 20
        assert "co the ban quan tam" in template["texts"]
        crawl_doc = db.crawls.find_one({"site": "replica-sharepoint"})
        assert crawl_doc is not None and crawl_doc["status"] == "finished"
        assert crawl_doc["doubtful"] == {}
        # the 20 pages read before the template was learned read the same with it
        stats = json.loads((tmp_path / "stats.json").read_text(encoding="utf-8"))
        stats = stats.get("stats", stats)
        assert stats["hgcrawler/page_template/rechecked"] == 20
        assert "hgcrawler/page_template/read_differently" not in stats
        assert stats["hgcrawler/page_template/texts"] == len(template["texts"])
    finally:
        client.close()


def test_a_byline_no_rule_reads_ends_the_crawl_degraded_naming_the_field(
    servers: dict[str, tuple[ReplicaSite, str]],
    mongo_server: Any,
    archive_db_name: str,
    tmp_path: Path,
) -> None:
    site, base_url = servers["initials"]
    done = crawl("initials", base_url, mongo_server.uri, archive_db_name, tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr[-3000:]
    assert "DEGRADED" in done.stdout.splitlines()[0], done.stdout
    assert "the author cannot be trusted on " in done.stdout
    client: MongoClient[dict[str, Any]] = MongoClient(mongo_server.uri)
    try:
        db = client[archive_db_name]
        crawl_doc = db.crawls.find_one({"site": "replica-initials"})
        assert crawl_doc is not None and crawl_doc["status"] == "degraded"
        assert any(p.startswith("the author cannot be trusted") for p in crawl_doc["problems"])
        signed = {t.absolute_url(base_url) for t in site.live_articles() if t.author}
        for doc in db.articles.find({"site": "replica-initials"}):
            if doc["url"] in signed:  # never a wrong author stored as if right
                assert doc["author"] is None and "author" in doc["doubtful"], doc["url"]
    finally:
        client.close()
