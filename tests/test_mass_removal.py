"""A crawl that finds most of the archive gone is not routine (issue 26).

The verdict (:func:`hgcrawler.crawl.outcome.mass_removal`, pure), its thresholds (settings
and profile keys), the replica's variants (every article URL changes at once; every
article answers 404), and real crawls against them: the crawl is degraded and says
why, ``query changes`` and the report show the removals as one event, and a later
crawl that finds the articles again brings them back as the same articles.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient
from scrapy.settings import Settings

from hgcrawler.config import ConfigError, HgcrawlerConfig, OutcomeConfig
from hgcrawler.crawl.outcome import MIN_MASS_REMOVALS, Inputs, judge, mass_removal
from hgcrawler.read.urls import short_id
from hgcrawler.replica import ReplicaServer, ReplicaSite
from hgcrawler.storage import MongoArchiveStore
from tests.archive_view import aid, observations
from tests.crawling import ROOT, hgcrawler_crawl
from tests.test_identity import H, gone, page

LIMITS = OutcomeConfig.from_settings(Settings())
EXAMPLES = [f"https://tinh.dcs.vn/tin/bai-{n}.html" for n in (1, 2, 3)]


def inputs(**fields: Any) -> Inputs:
    """A full crawl that found its 100 known articles, changed by ``fields``."""
    base: dict[str, Any] = {
        "mode": "full",
        "start_url": "https://tinh.dcs.vn/",
        "close_reason": "finished",
        "thresholds": LIMITS,
        "pages": 120,
        "known_articles": 100,
        "known_visited": 100,
        "article_pages": 100,
        "article_records": 100,
        "stored": 100,
        "live_articles": 100,
    }
    base.update(fields)
    return Inputs(**base)


# ------------------------------------------------------------------ the verdict (pure)


@pytest.mark.parametrize(
    ("live", "gone", "mass"),
    [
        (1000, 30, False),  # 3 %, 30: a portal's routine deletions between full crawls
        (40, 10, True),  # 25 % and MIN_MASS_REMOVALS: by the share
        (40, 9, False),  # 22 %, but fewer than MIN_MASS_REMOVALS
        (20_000, 50, False),  # the count is a limit, not reached
        (20_000, 51, True),  # 0.26 %, but more than 50 at once
        (50, 10, False),  # exactly 20 %: not more than the share
        (20_000, 20_000, True),  # the archive
    ],
)
def test_a_mass_removal_is_more_than_the_share_or_the_count(
    live: int, gone: int, mass: bool
) -> None:
    assert MIN_MASS_REMOVALS == 10
    found = mass_removal(inputs(live_articles=live, gone=gone, removed=gone))
    assert (found is not None) == mass
    verdict = judge(inputs(live_articles=live, gone=gone, removed=gone))
    assert verdict.status == ("degraded" if mass else "finished")
    assert ("mass_removal" in verdict.extra) == mass


def test_the_problem_names_count_share_examples_and_causes() -> None:
    verdict = judge(
        inputs(live_articles=20_000, gone=19_000, removed=19_000, examples={"gone": EXAMPLES})
    )
    assert verdict.status == "degraded"
    (problem,) = verdict.problems
    assert "19,000 articles (95% of the 20,000 live articles) answered 404/410" in problem
    assert all(url in problem for url in EXAMPLES)
    assert "19,000 are now marked removed" in problem
    for cause in ("moved to new URLs", "answering 404 for every page", "wrong site"):
        assert cause in problem
    assert "https://tinh.dcs.vn/" in problem  # the start URL it suspects
    assert "HGCRAWLER_MASS_REMOVAL_SHARE" in problem
    assert verdict.extra["mass_removal"] == {
        "articles": 19_000,
        "removed": 19_000,
        "found_again": 0,
        "live": 20_000,
        "share": 0.95,
        "examples": EXAMPLES,
    }


def test_articles_found_again_at_other_urls_are_told_apart() -> None:
    """Every URL answered 404 but the crawl found most articles at new URLs (moved)."""
    verdict = judge(inputs(live_articles=60, gone=57, removed=3))
    assert verdict.status == "degraded"
    assert (
        "3 are now marked removed, 54 were found again at other URLs (moved)"
        in (verdict.problems[0])
    )
    assert verdict.extra["mass_removal"]["found_again"] == 54


def test_a_failed_crawl_keeps_the_mass_removal_among_its_problems() -> None:
    """A server answering 404 for every article: nothing stored, every known one gone."""
    verdict = judge(inputs(stored=0, article_pages=0, article_records=0, gone=100, removed=100))
    assert verdict.status == "failed"
    assert verdict.problems[0].startswith("no article was found")
    assert any(problem.startswith("mass removal: 100 articles") for problem in verdict.problems)


def test_an_interrupted_crawl_keeps_it_too() -> None:
    verdict = judge(inputs(interrupted_by="SIGTERM", gone=80, removed=80))
    assert verdict.status == "interrupted"
    assert any(problem.startswith("mass removal: 80 articles") for problem in verdict.problems)


# ------------------------------------------------------------------ settings, profile keys


def test_the_thresholds_are_settings() -> None:
    limits = OutcomeConfig.from_settings(
        Settings({"HGCRAWLER_MASS_REMOVAL_SHARE": "0.5", "HGCRAWLER_MASS_REMOVAL_COUNT": "100"})
    )
    assert (limits.mass_removal_share, limits.mass_removal_count) == (0.5, 100)
    assert (LIMITS.mass_removal_share, LIMITS.mass_removal_count) == (0.2, 50)
    assert judge(inputs(gone=40, removed=40, thresholds=limits)).status == "finished"
    assert judge(inputs(gone=40, removed=40)).status == "degraded"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HGCRAWLER_MASS_REMOVAL_SHARE", "0"),
        ("HGCRAWLER_MASS_REMOVAL_SHARE", "1.5"),
        ("HGCRAWLER_MASS_REMOVAL_SHARE", "most"),
        ("HGCRAWLER_MASS_REMOVAL_COUNT", "0"),
        ("HGCRAWLER_MASS_REMOVAL_COUNT", "2.5"),
    ],
)
def test_a_bad_threshold_names_its_setting(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        HgcrawlerConfig.from_settings(Settings({name: value}))


def test_the_site_profile_gives_the_thresholds(tmp_path: Path) -> None:
    sites = tmp_path / "data" / "sites"
    sites.mkdir(parents=True)
    (sites / "tinh.toml").write_text(
        'name = "tinh"\nstart_url = "https://tinh.dcs.vn/"\n'
        "[removals]\nmass_share = 0.05\nmass_count = 500\n",
        encoding="utf-8",
    )
    values = {"HGCRAWLER_DATA_DIR": str(tmp_path / "data"), "HGCRAWLER_SITE": "tinh"}
    config = HgcrawlerConfig.from_settings(Settings(values))
    assert (config.outcome.mass_removal_share, config.outcome.mass_removal_count) == (0.05, 500)
    explicit = HgcrawlerConfig.from_settings(
        Settings({**values, "HGCRAWLER_MASS_REMOVAL_COUNT": "20"})
    )
    assert (explicit.outcome.mass_removal_share, explicit.outcome.mass_removal_count) == (0.05, 20)
    (sites / "tinh.toml").write_text(
        'name = "tinh"\nstart_url = "https://tinh.dcs.vn/"\n[removals]\nmass_share = 2\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"tinh.toml: removals.mass_share: must be between"):
        HgcrawlerConfig.from_settings(Settings(values))


# ------------------------------------------------------------------ the replica's variants


def status_of(server: ReplicaServer, path: str) -> int:
    import urllib.error
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(server.url(path), timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def home(server: ReplicaServer) -> str:
    import urllib.request

    with urllib.request.urlopen(server.url("/"), timeout=10) as response:
        return str(response.read().decode("utf-8"))


def test_the_replica_can_move_every_article_at_once() -> None:
    site = ReplicaSite(articles=60, day=1, relocate_from_day=2)
    before = {t.id: t for t in site.live_articles()}
    with ReplicaServer(site) as server:
        first = next(iter(before.values()))
        assert status_of(server, first.url) == 200
        assert status_of(server, site.relocated_path(first.id)) == 404  # not yet
        site.set_day(2)
        after = {t.id: t for t in site.live_articles()}
        kept = sorted(set(before) & set(after))  # the day's deletions aside
        assert len(kept) >= len(before) - 2
        for article_id, truth in after.items():
            assert truth.url == site.relocated_path(article_id) and truth.status == "moved"
            assert site.relocated_id(truth.url) == article_id
            assert not truth.old_url_redirects
        for article_id in kept[:10]:
            assert status_of(server, before[article_id].url) == 404
            assert status_of(server, after[article_id].url) == 200
            assert after[article_id].old_url == before[article_id].url
        page = home(server)
        assert "/tin-bai/" in page and first.url not in page


def test_the_replica_can_answer_404_for_every_article() -> None:
    site = ReplicaSite(articles=60, day=1, article_404_from_day=2)
    with ReplicaServer(site) as server:
        truths = list(site.live_articles())
        assert all(status_of(server, t.url) == 200 for t in truths[:5])
        site.set_day(2)
        assert all(status_of(server, t.url) == 404 for t in site.live_articles())
        assert status_of(server, "/") == 200 and truths[-1].url in home(server)
        site.article_404_from_day = None  # the server is fixed
        assert all(status_of(server, t.url) == 200 for t in truths[:5])


def test_the_replica_command_takes_the_options() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hgcrawler.cli", "replica", "--port", "0", "--relocate-from-day",
         "0"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2 and "relocate_from_day must be >= 1" in done.stderr


# ------------------------------------------------------------------ the store (write_batch)


@pytest.fixture
def store(mongo_uri: str, archive_db_name: str) -> Iterator[MongoArchiveStore]:
    archive = MongoArchiveStore(mongo_uri, archive_db_name, write_retries=1)
    archive.ensure_indexes()
    yield archive
    archive.close()


def crawl(store: MongoArchiveStore, *records: dict[str, Any]) -> Any:
    crawl_id = store.begin_crawl("full", H)
    return store.write_batch(crawl_id, list(records))


def test_a_removal_the_crawl_took_back_still_counts_as_gone(store: MongoArchiveStore) -> None:
    old = f"{H}/tin-tuc/hoi-nghi.html"
    new = f"{H}/kinh-te/hoi-nghi-tong-ket.html"
    crawl(store, page(old, "Hội nghị", at="2026-11-01T00:00Z"))
    result = crawl(store, gone(old, old), page(new, "Hội nghị", at="2026-11-02T01:00Z"))
    assert (result.gone, result.removed, result.moved) == (1, 0, 1)
    # an article already removed answering 404 again is no new removal
    other = f"{H}/tin-tuc/khac.html"
    crawl(store, page(other, "Bài khác", at="2026-11-01T00:00Z"))
    assert crawl(store, gone(other, other, at="2026-11-03T00:00Z")).gone == 1
    assert crawl(store, gone(other, other, at="2026-11-04T00:00Z")).gone == 0


def test_an_article_removed_by_mistake_comes_back_at_its_url(store: MongoArchiveStore) -> None:
    url = f"{H}/tin-tuc/hoi-nghi.html"
    crawl(store, page(url, "Hội nghị", views=10, at="2026-11-01T00:00Z"))
    first = store.db.articles.find_one({"_id": aid(url)})
    assert crawl(store, gone(url, url, at="2026-11-02T00:00Z")).removed == 1
    back = crawl(store, page(url, "Hội nghị", views=30, at="2026-11-03T00:00Z"))
    assert (back.new, back.revisited, back.removed) == (0, 1, 0)
    docs = list(store.db.articles.find({}))
    assert [d["_id"] for d in docs] == [aid(url)]
    assert docs[0]["removed_at"] is None and docs[0]["revision_count"] == 1
    assert first is not None and docs[0]["first_seen_at"] == first["first_seen_at"]
    seen = observations(store.db, article_id=aid(url))
    assert [(o["status"], o.get("views")) for o in seen] == [(200, 10), (404, None), (200, 30)]


def test_an_article_removed_by_mistake_comes_back_through_a_redirect(
    store: MongoArchiveStore,
) -> None:
    old, new = f"{H}/tin-tuc/hoi-nghi.html", f"{H}/bai-viet/hoi-nghi.html"
    crawl(store, page(old, "Hội nghị", views=10, at="2026-11-01T00:00Z"))
    crawl(store, gone(old, old, at="2026-11-02T00:00Z"))
    back = crawl(store, page(new, "Hội nghị", via=[old], views=30, at="2026-11-03T00:00Z"))
    assert (back.new, back.moved) == (0, 1)
    doc = store.db.articles.find_one({"_id": aid(old)})
    assert doc is not None and doc["removed_at"] is None and doc["url"] == new
    assert store.db.articles.count_documents({}) == 1
    assert len(observations(store.db, article_id=aid(old))) == 3


def test_full_crawls_check_a_mass_removal_again_for_a_while(store: MongoArchiveStore) -> None:
    urls = [f"{H}/tin-tuc/bai-{n}.html" for n in range(12)]
    crawl(store, *(page(url, f"Bài {n}", at="2026-11-01T00:00Z") for n, url in enumerate(urls)))
    # a routine removal: never fetched again
    routine = store.begin_crawl("full", H)
    an_hour_ago = (_now_datetime() - dt.timedelta(hours=1)).isoformat()
    store.write_batch(routine, [gone(urls[0], urls[0], at=an_hour_ago)])
    store.finish_crawl(routine, "finished", {}, [])
    # a mass removal of the others
    mass = store.begin_crawl("full", H)
    store.write_batch(mass, [gone(url, url, at=_now()) for url in urls[1:]])
    store.finish_crawl(mass, "degraded", {}, ["mass removal: …"], {"mass_removal": {"x": 1}})
    now = _now_datetime()
    plan = store.load_plan("full", now)
    assert plan.live == 0
    assert sorted(url for _, url in plan.due) == sorted(urls[1:])
    assert plan.recheck == {aid(url) for url in urls[1:]}
    assert store.load_plan("incremental", now).due == []  # thousands every two hours: no
    later = store.load_plan("full", now + dt.timedelta(days=31))
    assert later.due == [] and later.recheck == set()


def _now_datetime() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _now() -> str:
    return _now_datetime().isoformat()


# ------------------------------------------------------------------ real crawls


ARTICLES = 60


def run_query(uri: str, database: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hgcrawler.cli", "query", *args, "--mongo-uri", uri,
         "--database", database],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def crawled(site: ReplicaSite, server: ReplicaServer, uri: str, database: str, data: Path) -> Any:
    done = hgcrawler_crawl(server.base_url, uri, database, data, "full", "-s", "LOG_LEVEL=INFO")
    db = MongoClient(uri, tz_aware=True)[database]
    record = db.crawls.find_one(sort=[("started_at", -1)])
    db.client.close()
    assert record is not None, done.stdout + done.stderr
    return done, record


@pytest.fixture
def database(mongo_uri: str) -> Iterator[str]:
    name = f"test_mass_{uuid.uuid4().hex[:8]}"
    yield name
    MongoClient(mongo_uri).drop_database(name)


def test_every_url_moving_at_once_degrades_the_crawl_and_keeps_the_articles(
    mongo_uri: str, database: str, tmp_path: Path
) -> None:
    site = ReplicaSite(articles=ARTICLES, day=1, relocate_from_day=2)
    with ReplicaServer(site) as server:
        done, first = crawled(site, server, mongo_uri, database, tmp_path)
        assert done.returncode == 0 and first["status"] == "finished", done.stdout
        db = MongoClient(mongo_uri, tz_aware=True)[database]
        known = {d["_id"]: d for d in db.articles.find({})}
        site.set_day(2)
        done, moved = crawled(site, server, mongo_uri, database, tmp_path)
    assert done.returncode == 1, done.stdout
    assert moved["status"] == "degraded" and "DEGRADED" in done.stdout
    mass = moved["mass_removal"]
    assert mass["articles"] == mass["live"] == len(known)  # every known URL answered 404
    (problem,) = [p for p in moved["problems"] if p.startswith("mass removal")]
    assert f"{len(known)} articles (100% of the {len(known)} live articles)" in problem
    assert "moved to new URLs" in problem and "404 for every page" in problem
    assert len(mass["examples"]) == 3 and all(url in problem for url in mass["examples"])
    assert problem in done.stdout
    # the articles found at their new URL by their content are the same articles
    truths = {f"haugiang:{t.id}": t for t in site.live_articles()}
    unchanged = [
        article_id
        for article_id, doc in known.items()
        if article_id in truths and truths[article_id].title == doc["title"]
        and truths[article_id].updated_on == doc["updated_on"].date()
    ]  # fmt: skip
    assert len(unchanged) >= len(known) - 6  # the day's edits and deletions aside
    assert mass["found_again"] >= len(unchanged)
    for article_id in unchanged:
        doc = db.articles.find_one({"_id": article_id})
        assert doc is not None and doc["removed_at"] is None
        assert doc["url"] == truths[article_id].absolute_url(server.base_url)
        assert doc["first_seen_at"] == known[article_id]["first_seen_at"]
        assert known[article_id]["url"] in doc["old_urls"]
        assert [o["status"] for o in observations(db, article_id=article_id)] == [200, 200]
    db.client.close()


def test_articles_removed_when_their_urls_moved_come_back_by_content_in_a_later_crawl(
    mongo_uri: str, database: str, tmp_path: Path
) -> None:
    """A revisit crawl fetches only the known URLs, which all answer 404 since the
    portal moved: everything is marked removed. The next full crawl finds the pages at
    their new URLs and joins each into its removed article by its content."""
    site = ReplicaSite(articles=ARTICLES, day=1, relocate_from_day=2)
    with ReplicaServer(site) as server:
        done, _ = crawled(site, server, mongo_uri, database, tmp_path)
        assert done.returncode == 0, done.stdout
        db = MongoClient(mongo_uri, tz_aware=True)[database]
        known = {d["_id"]: d for d in db.articles.find({})}
        site.set_day(2)
        revisit = hgcrawler_crawl(
            server.base_url, mongo_uri, database, tmp_path, "revisit",
            "-s", "HGCRAWLER_REVISIT_ALL=1",
        )  # fmt: skip
        assert revisit.returncode == 1, revisit.stdout
        record = db.crawls.find_one(sort=[("started_at", -1)])
        assert record is not None and record["mass_removal"]["removed"] == len(known)
        assert db.articles.count_documents({"removed_at": None}) == 0
        site.set_day(3)
        done, back = crawled(site, server, mongo_uri, database, tmp_path)
        truths = {f"haugiang:{t.id}": t for t in site.live_articles()}
    assert back["counts"]["moved"] >= len(known) - 8, done.stdout
    unchanged = [
        article_id
        for article_id, doc in known.items()
        if article_id in truths and truths[article_id].title == doc["title"]
        and truths[article_id].updated_on == doc["updated_on"].date()
    ]  # fmt: skip
    assert len(unchanged) >= len(known) - 8  # two days of edits and deletions aside
    for article_id in unchanged:
        doc = db.articles.find_one({"_id": article_id})
        assert doc is not None and doc["removed_at"] is None, article_id
        assert doc["url"] == truths[article_id].absolute_url(server.base_url)
        assert (doc["n"], doc["first_seen_at"]) == (
            known[article_id]["n"],
            known[article_id]["first_seen_at"],
        )
        assert known[article_id]["url"] in doc["old_urls"]
        statuses = [o["status"] for o in observations(db, article_id=article_id)]
        assert statuses == [200, 404, 200], article_id
        move = db.moves.find_one({"article_id": article_id, "evidence": "content"})
        assert move is not None, article_id
        # its page at the new URL is no article of its own
        assert db.articles.count_documents({"url": doc["url"]}) == 1
    db.client.close()


def test_a_server_answering_404_for_every_article_and_the_way_back(
    mongo_uri: str, database: str, tmp_path: Path
) -> None:
    site = ReplicaSite(articles=ARTICLES, day=1, article_404_from_day=2)
    with ReplicaServer(site) as server:
        done, first = crawled(site, server, mongo_uri, database, tmp_path)
        assert done.returncode == 0 and first["status"] == "finished", done.stdout
        db = MongoClient(mongo_uri, tz_aware=True)[database]
        known = {d["_id"]: d for d in db.articles.find({})}
        revisions = db.revisions.count_documents({})
        site.set_day(2)
        done, broken = crawled(site, server, mongo_uri, database, tmp_path)
        assert done.returncode == 1, done.stdout
        # nothing could be stored: failed, which is worse than degraded, and says why
        assert broken["status"] == "failed"
        (problem,) = [p for p in broken["problems"] if p.startswith("mass removal")]
        assert f"{len(known)} articles (100% of the {len(known)} live articles)" in problem
        assert f"{len(known)} are now marked removed" in problem
        assert db.articles.count_documents({"removed_at": None}) == 0

        # query changes: one event, not one line per article
        text = run_query(mongo_uri, database, "changes")  # since the last crawl
        assert text.returncode == 0, text.stderr
        removed = text.stdout.split("\nRemoved: ", 1)[1].split("\nMoved: ", 1)[0]
        assert removed.startswith(f"{len(known)}\n  mass removal: crawl {broken['_id']} (")
        assert "answered 404/410 at once (100% of " in removed
        assert f"{len(known)} still marked removed" in removed
        shorts = {short_id(article_id) for article_id in known}  # how tables name them

        def first_words(section: str) -> set[str]:
            return {line.split()[0] for line in section.splitlines()[1:] if line.strip()}

        assert not first_words(removed) & shorts  # no line per article
        every = run_query(mongo_uri, database, "changes", "--all", "-n", "999")
        listed = every.stdout.split("\nRemoved: ", 1)[1].split("\nMoved: ", 1)[0]
        assert first_words(listed) >= shorts
        found = json.loads(run_query(mongo_uri, database, "changes", "--json").stdout)
        assert [e["crawl_id"] for e in found["mass_removals"]] == [broken["_id"]]
        assert found["mass_removals"][0]["still_removed"] == len(known)
        assert {d["_id"] for d in found["removed"]} == set(known)

        # the report: one event
        report = tmp_path / "report.html"
        made = subprocess.run(
            [sys.executable, "-m", "hgcrawler.cli", "report", "--mongo-uri", mongo_uri,
             "--database", database, "--out", str(report)],
            cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert made.returncode == 0, made.stderr
        html = report.read_text(encoding="utf-8")
        assert html.count('data-key="mass-removal"') == 1 and broken["_id"] in html
        changed = html.split('id="changes-removed"', 1)[1].split("</section>", 1)[0]
        latest = html.split('<section id="removals">', 1)[1].split("</section>", 1)[0]
        assert "Mass removal: crawl" in changed and f"mass removal: {len(known)} articles" in latest
        for section in (changed, latest):
            assert not any(f">{article_id}<" in section for article_id in known)

        # the server is fixed: the next full crawl brings every article back, the same one
        site.article_404_from_day = None
        site.set_day(3)
        done, fixed = crawled(site, server, mongo_uri, database, tmp_path)
        assert done.returncode == 0 and fixed["status"] == "finished", done.stdout
        deleted = {f"haugiang:{t.id}" for t in site.articles() if t.status == "deleted"}
    for article_id, before in known.items():
        doc = db.articles.find_one({"_id": article_id})
        assert doc is not None, article_id
        statuses = [o["status"] for o in observations(db, article_id=article_id)]
        if article_id in deleted:  # deleted by the portal since: still removed, rightly
            assert doc["removed_at"] is not None
            continue
        assert doc["removed_at"] is None, article_id
        assert doc["first_seen_at"] == before["first_seen_at"]
        assert doc["n"] == before["n"] and doc["key"] == before["key"]
        assert statuses == [200, 404, 200], article_id
    assert db.revisions.count_documents({"first_seen_at": {"$lt": broken["started_at"]}}) == (
        revisions
    )
    assert fixed["counts"]["removed"] == 0 and "mass_removal" not in fixed
    db.client.close()
