"""Window questions read what the window holds, not the whole history.

Two archives of the same portal (the same articles, events and end), built with the
benchmark's builder (:mod:`benchmarks.archive`): one with a month of history, one
with a year.  A command listener counts the documents the server returns; a
question about the last week must read as many on both, and answer the same, and
what it answers must be what the builder generated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from pymongo import MongoClient

from benchmarks.archive import ArchiveSpec, BuiltArchive, build_archive, millis
from benchmarks.questions import DocumentCounter
from hgcrawler.storage.reader import ArchiveReader
from tests.conftest import MongoServer

pytestmark = pytest.mark.slow

ARTICLES = 1500
SHORT, LONG = 30, 360
END = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
SINCE = END - dt.timedelta(days=7)


@dataclass
class Archives:
    client: MongoClient[dict[str, Any]]
    counter: DocumentCounter
    built: dict[int, BuiltArchive]

    def reader(self, days: int) -> ArchiveReader:
        return ArchiveReader(self.client[self.built[days].database])

    def ask(self, days: int, question: Any) -> tuple[Any, int]:
        """The answer and the documents read to give it, on a fresh reader."""
        reader = self.reader(days)
        self.counter.reset()
        answer = question(reader)
        return answer, self.counter.documents


@pytest.fixture(scope="module")
def archives(mongo_server: MongoServer) -> Iterator[Archives]:
    counter = DocumentCounter()
    client: MongoClient[dict[str, Any]] = MongoClient(
        mongo_server.uri, tz_aware=True, event_listeners=[counter]
    )
    built = {}
    for days in (SHORT, LONG):
        name = f"test_scale_{days}"
        client.drop_database(name)
        spec = ArchiveSpec(
            articles=ARTICLES,
            days=days,
            # the benchmark's portal, scaled to a small site: a few new articles a day
            new_per_day=3,
            edits_per_day=2,
            removals_per_day=0.5,
            moves_per_day=0.3,
            final_hours=3,  # the last two incremental crawls through write_batch
        )
        built[days] = build_archive(client[name], mongo_server.uri, spec, end=END)
    try:
        yield Archives(client, counter, built)
    finally:
        for archive in built.values():
            client.drop_database(archive.database)
        client.close()


def test_the_long_history_is_much_longer(archives: Archives) -> None:
    short, long = archives.built[SHORT], archives.built[LONG]
    assert long.observations > 4 * short.observations
    assert len(long.crawls) > 10 * len(short.crawls)
    # the counter sees a question that does read the whole history: every crawl
    _, short_read = archives.ask(SHORT, lambda r: r.crawl_history())
    _, long_read = archives.ask(LONG, lambda r: r.crawl_history())
    assert long_read - short_read == len(long.crawls) - len(short.crawls)


WINDOW_QUESTIONS = {
    "top --seen-since 7d": lambda r: r.top(limit=10, seen_since=SINCE, seen_until=END),
    "growth --since 7d": lambda r: r.growth(limit=10, since=SINCE, until=END),
    "changes --since 7d": lambda r: r.changes(SINCE),
}


@pytest.mark.parametrize("name", sorted(WINDOW_QUESTIONS))
def test_a_window_question_reads_as_much_on_a_month_as_on_a_year(
    archives: Archives, name: str
) -> None:
    question = WINDOW_QUESTIONS[name]
    short_answer, short_read = archives.ask(SHORT, question)
    long_answer, long_read = archives.ask(LONG, question)
    assert short_read == long_read, (
        f"{name}: {short_read} documents on a month, {long_read} on a year"
    )
    assert short_read > 0
    assert _comparable(short_answer) == _comparable(long_answer)


def _comparable(answer: Any) -> Any:
    """What two archives of the same portal must agree on: the rows of a list (not the
    second a full crawl fetched a page: its order follows each archive's history), the
    articles of each list of changes (not when each archive first saw them)."""
    if isinstance(answer, dict):
        lists = ("new", "edited", "removed", "moved")
        return {"counts": answer["counts"], **{k: {d["_id"] for d in answer[k]} for k in lists}}
    return [{k: v for k, v in row.items() if k != "observed_at"} for row in answer]


def _latest_counts(built: BuiltArchive, until: int) -> dict[int, tuple[int, int]]:
    """Article index -> (latest count, its time) among observations before ``until``."""
    latest: dict[int, tuple[int, int]] = {}
    for k in range(built.observations):
        at, views = built.obs_at[k], built.obs_views[k]
        if at < until and views >= 0:
            latest[built.obs_article[k]] = (views, at)
    return latest


def test_top_is_the_generated_most_viewed(archives: Archives) -> None:
    built = archives.built[LONG]
    live = [a for a in built.portal.articles if a.n >= 0 and a.removed_at is None]
    best = max((a for a in live if a.views is not None), key=lambda a: (a.views, -a.n))
    rows = archives.reader(LONG).top(limit=1)
    assert rows[0]["article_id"] == best.article_id
    assert rows[0]["views"] == best.views


def test_top_of_the_window_is_the_generated_one(archives: Archives) -> None:
    built = archives.built[LONG]
    since = millis(SINCE)
    counts = {
        index: views
        for index, (views, at) in _latest_counts(built, millis(END)).items()
        if at >= since
    }
    articles = built.portal.articles
    expected = sorted(counts, key=lambda i: (-counts[i], articles[i].n))[:5]
    rows = archives.reader(LONG).top(limit=5, seen_since=SINCE, seen_until=END)
    assert [r["views"] for r in rows] == [counts[i] for i in expected]
    assert {r["article_id"] for r in rows} == {articles[i].article_id for i in expected}


def test_changes_of_the_window_are_the_generated_ones(archives: Archives) -> None:
    built = archives.built[LONG]
    since = millis(SINCE)
    known = [a for a in built.portal.articles if a.n >= 0]
    new = {a.article_id for a in known if a.first_seen >= since}
    removed = {a.article_id for a in known if a.removed_at is not None and a.removed_at >= since}
    edited = {
        a.article_id
        for a in known
        if any(r["number"] > 1 and r["first_seen_at"] >= SINCE for r in a.revisions)
    }
    moved = {m["article_id"] for m in built.moves if m["at"] >= SINCE} - new
    changes = archives.reader(LONG).changes(SINCE)
    assert {d["_id"] for d in changes["new"]} == new
    assert {d["_id"] for d in changes["removed"]} == removed
    assert {d["_id"] for d in changes["edited"]} == edited
    assert {d["_id"] for d in changes["moved"]} == moved
    assert new and edited and removed  # a week of this portal has each


def test_growth_of_the_window_is_the_generated_one(archives: Archives) -> None:
    built = archives.built[LONG]
    day = millis(dt.datetime.combine(SINCE.date(), dt.time(), dt.UTC))
    before = _latest_counts(built, day)
    after = _latest_counts(built, millis(END))
    rates = {}
    for index, (views, at) in after.items():
        if index in before and at > before[index][1]:
            days = (at - before[index][1]) / 86_400_000
            rates[index] = (views - before[index][0]) / days
    articles = built.portal.articles
    best = max(rates, key=lambda i: (rates[i], -articles[i].n))
    rows = archives.reader(LONG).growth(limit=1, since=SINCE, until=END)
    assert rows[0]["article_id"] == articles[best].article_id
    assert rows[0]["per_day"] == pytest.approx(rates[best], rel=1e-6)


def test_totals_are_the_generated_ones(archives: Archives) -> None:
    for days, built in archives.built.items():
        summary = built.summary()
        totals = archives.reader(days).totals()
        for name in ("articles", "live", "removed", "edited", "moved", "observations", "revisions"):
            assert totals[name] == summary[name], (days, name)
        assert totals["crawls"] == summary["crawls"]


def test_an_articles_history_is_what_was_generated(archives: Archives) -> None:
    built = archives.built[LONG]
    known = [a for a in built.portal.articles if a.n >= 0]
    picks = {
        "most revisions": max(known, key=lambda a: (a.revision, a.n)),
        "removed": next(a for a in known if a.removed_at is not None),
        "moved": next(a for a in known if a.old_urls),
        "first seen": min(known, key=lambda a: a.n),
    }
    reader = archives.reader(LONG)
    for why, article in picks.items():
        history = reader.history(article.article_id)
        got = [
            {
                "fetched_at": o["fetched_at"],
                "crawl_id": o["crawl_id"],
                "status": o["status"],
                "views": o["views"],
                "revision": o["revision"],
            }
            for o in history["observations"]
        ]
        assert got == built.history_of(article.key), why
        assert len(history["revisions"]) == article.revision, why
        assert [m["from_url"] for m in history["moves"]] == article.old_urls, why
        assert history["article"]["url"] == article.url, why


def test_the_last_crawls_went_through_the_write_path(archives: Archives) -> None:
    for built in archives.built.values():
        final = built.figures["write_batch"]
        assert final["crawls"], "no crawl was written through write_batch"
        assert final["plan_due_mismatches"] == 0
        for crawl in final["crawls"]:
            assert crawl["changed"] == crawl["changed_expected"], crawl
        assert sum(c["article_records"] for c in final["crawls"]) > 0
