"""The archive over several replica days, through `hgcrawler crawl` as cron runs it.

Day 1 full, the same crawl again (idempotent), day 3 incremental (new articles,
stopping early), day 3 full (edits, removals, moves), day 5 full (more of them,
found by a full crawl alone), all into a real SecantusDB server process, on both
URL schemes of the replica:

``ids``
    ``/<category>/<slug>-<id>.html``, crawled with ``HGCRAWLER_SLUG_IDS=1``: an
    article's key is its id.  Half of the moves leave a 404 at the old URL
    (``redirect_moves="half"``): then the id in the new URL is the evidence.
``slugs``
    ``/tin-tuc/<slug>.html``, no ids, crawled without ``HGCRAWLER_SLUG_IDS``: an
    article's key is the canonical URL it was first archived under.  Half of the
    moves redirect, the others leave a 404 and are recognised by their content.

Seed 29 with 60 articles gives, on both schemes, a move with a 301 and one
leaving a 404 before each of the two last full crawls, body and title edits and
deletions of archived articles (``test_the_replica_changed_in_every_way`` checks
it, so nothing here passes vacuously).  Every expectation comes from the
replica's truth, mapped to archive ids by :meth:`Scenario.article_id`.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient
from pymongo.database import Database

from hgcrawler.crawl.lock import SingleInstanceLock
from hgcrawler.replica import ArticleTruth, ReplicaServer, ReplicaSite
from hgcrawler.storage import ArchiveReader
from tests.archive_view import aid, count, observations
from tests.crawling import hgcrawler_crawl, reachable, stored

pytestmark = pytest.mark.slow

ARTICLES, SEED = 60, 29
SCHEMES: dict[str, dict[str, Any]] = {
    "ids": {"url_scheme": "ids", "redirect_moves": "half"},
    "slugs": {"url_scheme": "slugs"},  # redirect_moves="half" is the slug scheme's default
}
#: (label, replica day, mode), in order
CRAWLS = (
    ("day1", 1, "full"),
    ("day1-again", 1, "full"),
    ("day3-incremental", 3, "incremental"),
    ("day3-full", 3, "full"),
    ("day5-full", 5, "full"),
)
LABELS = [label for label, _, _ in CRAWLS]
DAY = {label: day for label, day, _ in CRAWLS}
MODE = {label: mode for label, _, mode in CRAWLS}


class Scenario:
    def __init__(
        self,
        scheme: str,
        site: ReplicaSite,
        base_url: str,
        uri: str,
        db: Database[dict[str, Any]],
        data_dir: Path,
    ) -> None:
        self.scheme, self.site, self.base_url, self.uri, self.db, self.data_dir = (
            scheme, site, base_url, uri, db, data_dir
        )  # fmt: skip
        self.root = base_url.rstrip("/")
        self.runs: dict[str, Any] = {}
        self.truth: dict[str, dict[str, ArticleTruth]] = {}  # label -> archive id -> truth
        self.rejected_pages: dict[str, int] = {}  # label -> pages the archive must reject
        self.paths: dict[str, list[str]] = {}  # label -> what the crawl requested, in order
        self.ids_after: dict[str, set[str]] = {}
        self.counts_after_day1: dict[str, int] = {}

    def crawl(self, label: str, mode: str, *extra: str) -> Any:
        done = hgcrawler_crawl(
            self.base_url, self.uri, self.db.name, self.data_dir, mode, *extra,
            slug_ids=self.scheme == "ids",
        )  # fmt: skip
        self.runs[label] = done
        return done

    def ids(self, **where: Any) -> set[str]:
        return {doc["_id"] for doc in self.db.articles.find(where, {"_id": 1})}

    def article_id(self, truth: ArticleTruth) -> str:
        """The archive id an article should have: its id on the ids scheme; on the slug
        scheme the canonical URL it was first archived under (its old URL if it moved)."""
        if self.scheme == "ids":
            return aid(truth.id)
        return aid(self.root + (truth.old_url or truth.url))

    def final(self) -> dict[str, ArticleTruth]:
        """Every article ever published by the last crawl, by archive id."""
        return {self.article_id(t): t for t in self.site.articles()}

    def archived(self) -> set[str]:
        """Archive ids of every article some crawl should have stored."""
        return set().union(*(self.truth[label] for label in LABELS))

    def moved(self) -> dict[str, ArticleTruth]:
        return {i: t for i, t in self.final().items() if t.status == "moved"}

    def crawl_ids(self) -> dict[str, str]:
        records = list(self.db.crawls.find({}, {"_id": 1}).sort("started_at", 1))
        return dict(zip(LABELS, (str(r["_id"]) for r in records), strict=False))

    def moved_on(self, truth: ArticleTruth) -> int:
        return self.site.state().moved[truth.id]

    def found_by_incremental(self, truth: ArticleTruth) -> bool:
        """Whether the incremental crawl fetched a moved article at its new URL (a listing
        led there before a full crawl checked its old URL)."""
        return self.moved_on(truth) <= DAY["day3-incremental"] and truth.url in set(
            self.paths["day3-incremental"]
        )


@pytest.fixture(scope="module", params=sorted(SCHEMES))
def scenario(
    request: pytest.FixtureRequest, mongo_server: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Scenario]:
    scheme = str(request.param)
    site = ReplicaSite(articles=ARTICLES, day=1, seed=SEED, **SCHEMES[scheme])
    client: MongoClient[dict[str, Any]] = MongoClient(mongo_server.uri, tz_aware=True)
    name = f"scenario_{scheme}"
    try:
        with ReplicaServer(site) as server:
            data_dir = tmp_path_factory.mktemp(f"data-{scheme}")
            s = Scenario(scheme, site, server.base_url, mongo_server.uri, client[name], data_dir)
            for label, day, mode in CRAWLS:
                site.set_day(day)
                s.truth[label] = {s.article_id(t): t for t in stored(site)}
                s.rejected_pages[label] = len(reachable(site, malformed=None)) - len(s.truth[label])
                mark = len(server.requests)
                done = s.crawl(label, mode)
                assert done.returncode == 0, (label, done.stderr[-3000:])
                s.paths[label] = [path for _, path in server.requests[mark:]]
                s.ids_after[label] = s.ids()
                if label == "day1":
                    s.counts_after_day1 = {
                        collection: s.db[collection].count_documents({})
                        for collection in ("articles", "revisions")
                    }
                    s.counts_after_day1["observations"] = count(s.db)
            yield s
    finally:
        client.drop_database(name)
        client.close()


@pytest.fixture
def s(scenario: Scenario) -> Scenario:
    return scenario


def crawls(s: Scenario) -> list[dict[str, Any]]:
    return list(s.db.crawls.find().sort("started_at", 1))


def counts(s: Scenario, label: str) -> dict[str, int]:
    return dict(crawls(s)[LABELS.index(label)]["counts"])


def test_the_replica_changed_in_every_way(s: Scenario) -> None:
    """The events the other tests check happened, to archived articles."""
    moved = s.moved()
    for last_before, first_after in (("day1-again", "day3-full"), ("day3-full", "day5-full")):
        kinds = {
            t.old_url_redirects
            for i, t in moved.items()
            if DAY[last_before] < s.moved_on(t) <= DAY[first_after]
            and i in s.truth[last_before]  # archived at its old URL first
        }
        assert kinds == {True, False}, f"not both kinds of moves before {first_after}"
    for i, t in moved.items():
        # An article edited and moved without a redirect between two crawls shows neither
        # its old title and date nor its old text: nothing ties it to its old URL.
        before = max((lbl for lbl in LABELS if i in s.truth[lbl] and DAY[lbl] < s.moved_on(t)),
                     key=LABELS.index)  # fmt: skip
        assert t.old_url_redirects or t.revision == s.truth[before][i].revision, i
    final = s.final()
    first, last = s.truth["day1"], s.truth["day5-full"]
    edited = {i for i in set(first) & set(last) if last[i].revision > first[i].revision}
    retitled = {i for i in edited if last[i].title != first[i].title}
    assert edited - retitled and retitled, "no body and title edits"
    deleted = {i for i, t in final.items() if t.status == "deleted"}
    assert deleted & set(first), "nothing archived on day 1 was deleted"
    assert deleted & (set(s.truth["day3-full"]) - set(first)), "no newer article was deleted"


def test_day1_stores_every_article_with_one_revision_and_observation(s: Scenario) -> None:
    truth = s.truth["day1"]
    assert s.counts_after_day1 == {
        "articles": len(truth),
        "revisions": len(truth),
        "observations": len(truth),
    }
    assert s.ids_after["day1"] == set(truth)
    first = crawls(s)[0]
    assert first["status"] == "finished" and first["mode"] == "full"
    assert first["counts"]["new"] == len(truth)
    assert first["counts"]["rejected"] == s.rejected_pages["day1"]


def test_rerun_duplicates_nothing_but_adds_one_observation_per_article(s: Scenario) -> None:
    second = counts(s, "day1-again")
    truth = s.truth["day1"]
    assert (second["new"], second["changed"], second["moved"]) == (0, 0, 0)
    assert second["revisited"] == len(truth)
    crawl_id = s.crawl_ids()["day1-again"]
    assert count(s.db, crawl_id) == len(truth)


def test_incremental_finds_new_articles_and_stops_early(s: Scenario) -> None:
    new_ids = set(s.truth["day3-incremental"]) - set(s.truth["day1"])
    assert new_ids, "the replica published nothing between day 1 and day 3"
    early = {i: t for i, t in s.moved().items() if s.found_by_incremental(t)}
    incremental = counts(s, "day3-incremental")
    if s.scheme == "ids":
        # a moved article found at its new URL is known by the id in that URL
        assert s.ids_after["day3-incremental"] == set(s.truth["day1"]) | new_ids
        assert incremental["new"] == len(new_ids)
        assert incremental["moved"] == len(early)
    else:
        # nothing ties a new URL to an old one yet: a page of its own, joined later
        found_at = {aid(t.absolute_url(s.base_url)) for t in early.values()}
        assert s.ids_after["day3-incremental"] == set(s.truth["day1"]) | new_ids | found_at
        assert incremental["new"] == len(new_ids) + len(early)
        assert incremental["moved"] == 0
    full_pages = counts(s, "day1")["pages"]
    # home + robots + category first pages + the few listing pages with news + new articles
    assert incremental["pages"] < len(new_ids) + 25 < full_pages


def test_removed_are_exactly_the_deleted_articles(s: Scenario) -> None:
    deleted = {i for i, t in s.final().items() if t.status == "deleted"}
    assert s.ids(removed_at={"$ne": None}) == deleted & s.archived()


def test_moved_articles_keep_their_first_key_and_record_the_evidence(s: Scenario) -> None:
    moved = s.moved()
    for article_id, truth in moved.items():
        new_url, old_url = truth.absolute_url(s.base_url), str(truth.absolute_old_url(s.base_url))
        doc = s.db.articles.find_one({"_id": article_id})
        assert doc is not None, article_id
        assert doc["url"] == new_url and old_url in doc["old_urls"], article_id
        assert doc["removed_at"] is None, article_id
        assert s.db.articles.count_documents({"url": new_url}) == 1
        moves = list(s.db.moves.find({"article_id": article_id}))
        assert [(m["from_url"], m["to_url"]) for m in moves] == [(old_url, new_url)], moves
        assert moves[0].get("state", "done") == "done"
        evidence = moves[0]["evidence"]
        if s.scheme == "slugs":
            assert evidence == ("redirect" if truth.old_url_redirects else "content"), moves
        elif not truth.old_url_redirects or s.found_by_incremental(truth):
            assert evidence == "id", moves
        else:  # whichever the full crawl reached first, the redirect or the new URL
            assert evidence in ("redirect", "id"), moves
    assert sorted(s.db.moves.distinct("article_id")) == sorted(moved)


def test_edits_make_one_new_revision_each_on_the_right_article(s: Scenario) -> None:
    final = s.final()
    edited = 0
    for article_id in s.archived():
        seen: list[tuple[str, Any, list[str]]] = []  # each text the crawls saw, in order
        for label in LABELS:
            truth = s.truth[label].get(article_id)
            if truth is not None and (truth.title, truth.updated_on, truth.body) not in seen:
                seen.append((truth.title, truth.updated_on, truth.body))
        revisions = list(s.db.revisions.find({"article_id": article_id}).sort("number", 1))
        assert [r["number"] for r in revisions] == list(range(1, len(seen) + 1)), article_id
        assert [(r["title"], r["updated_on"].date()) for r in revisions] == [
            (title, day) for title, day, _ in seen
        ], article_id
        edited += len(seen) > 1
        doc = s.db.articles.find_one({"_id": article_id})
        assert doc is not None
        assert doc["revision"] == doc["revision_count"] == len(seen)
        if final[article_id].status != "deleted":
            assert (doc["title"], doc["updated_on"].date()) == (
                final[article_id].title,
                final[article_id].updated_on,
            )
    assert edited >= 5
    assert s.db.revisions.count_documents({"article_id": {"$nin": sorted(s.archived())}}) == 0


def test_views_follow_the_replica(s: Scenario) -> None:
    last = s.crawl_ids()["day5-full"]
    seen = {o["article_id"]: o for o in observations(s.db, last)}
    for article_id, truth in s.truth["day5-full"].items():
        obs = seen.get(article_id)
        assert obs is not None, article_id
        assert obs["status"] == 200
        assert obs["views"] == (truth.views if truth.views_in_static_html else None)
        # observations keep no URL: the revision shown is the page's text of day 5
        shown = s.db.revisions.find_one({"article_id": article_id, "number": obs["revision"]})
        assert shown is not None, article_id
        assert (shown["title"], shown["updated_on"].date()) == (truth.title, truth.updated_on)


def test_no_article_is_stored_twice(s: Scenario) -> None:
    assert s.ids() == s.archived()
    urls = Counter(doc["url"] for doc in s.db.articles.find({}, {"url": 1}))
    assert max(urls.values()) == 1
    assert s.db.rejects.count_documents({"reason": "key_collision"}) == 0
    assert all(c["counts"]["collisions"] == 0 for c in crawls(s))


def test_one_observation_per_article_per_crawl(s: Scenario) -> None:
    every = observations(s.db)
    per_crawl = Counter((o["article_id"], o["crawl_id"]) for o in every)
    assert per_crawl and max(per_crawl.values()) == 1
    crawl_ids = s.crawl_ids()
    final = s.final()
    for article_id in s.archived():
        expected = set()
        for label in LABELS:
            truth = s.truth[label].get(article_id)
            # full crawls fetch every article, incremental ones what they found
            if truth is not None and (MODE[label] == "full" or truth.url in s.paths[label]):
                expected.add(crawl_ids[label])
        if final[article_id].status == "deleted":  # the next full crawl saw its 404
            last = max(LABELS.index(lbl) for lbl in LABELS if article_id in s.truth[lbl])
            gone = next(lbl for lbl in LABELS[last + 1 :] if MODE[lbl] == "full")
            expected.add(crawl_ids[gone])
        seen = {o["crawl_id"] for o in every if o["article_id"] == article_id}
        assert seen == expected, article_id


def test_totals_from_the_series_match_the_documents(s: Scenario) -> None:
    """The view count series (what stats, top and growth read) agrees with the articles
    and observations it summarises, joins of moved articles included."""
    totals = ArchiveReader(s.db).totals()
    deleted = {i for i, t in s.final().items() if t.status == "deleted"} & s.archived()
    assert totals["articles"] == len(s.archived())
    assert (totals["live"], totals["removed"]) == (len(s.archived()) - len(deleted), len(deleted))
    assert totals["moved"] == len(s.moved())
    assert totals["edited"] == s.db.articles.count_documents({"revision_count": {"$gt": 1}})
    assert totals["observations"] == count(s.db)
    assert (totals["revisions"], totals["crawls"]) == (
        s.db.revisions.count_documents({}),
        len(CRAWLS),
    )
    latest = {row["article_id"]: row["views"] for row in ArchiveReader(s.db).top(limit=1000)}
    live_with_views = {
        doc["_id"]: doc["views"]
        for doc in s.db.articles.find({"removed_at": None, "views": {"$ne": None}})
    }
    assert latest == live_with_views


def test_crawl_records(s: Scenario) -> None:
    records = crawls(s)
    assert [r["mode"] for r in records] == [MODE[label] for label in LABELS]
    assert all(r["status"] == "finished" for r in records)
    assert all(r["finished_at"] >= r["started_at"] for r in records)
    assert sum(r["counts"]["removed"] for r in records) == len(s.ids(removed_at={"$ne": None}))
    assert sum(r["counts"]["moved"] for r in records) == len(s.moved())
    for before, label in (("day3-incremental", "day3-full"), ("day3-full", "day5-full")):
        done = counts(s, label)
        # each page once: new if no crawl had found it before, else revisited
        assert done["articles"] == len(s.truth[label])
        assert done["new"] == len(set(s.truth[label]) - s.ids_after[before])
        assert done["revisited"] == len(set(s.truth[label]) & s.ids_after[before])
        assert done["rejected"] == s.rejected_pages[label]


def test_summary_printed_for_cron(s: Scenario) -> None:
    out = s.runs["day5-full"].stdout
    assert "FINISHED" in out and "removed" in out and "log:" in out
    assert "key_collision" not in out


def test_overlapping_run_exits_at_once(s: Scenario) -> None:
    with SingleInstanceLock(s.data_dir / "crawl.lock"):
        started = time.monotonic()
        done = s.crawl("overlap", "incremental")
        elapsed = time.monotonic() - started
    assert done.returncode == 3
    assert "another hgcrawler crawl is running" in done.stderr
    assert elapsed < 30
    assert len(crawls(s)) == len(CRAWLS)  # nothing was crawled


def test_revisit_mode_fetches_only_due_known_articles(s: Scenario) -> None:
    done = s.crawl("revisit", "revisit")
    assert done.returncode == 0, done.stderr[-2000:]
    nothing_due = crawls(s)[-1]
    assert nothing_due["mode"] == "revisit"
    assert nothing_due["counts"]["articles"] == 0  # everything was fetched moments ago

    done = s.crawl("revisit-all", "revisit", "--all")
    assert done.returncode == 0, done.stderr[-2000:]
    everything = crawls(s)[-1]
    known = s.db.articles.count_documents({"removed_at": None})
    assert everything["counts"]["articles"] == known
    assert (everything["counts"]["new"], everything["counts"]["moved"]) == (0, 0)
    # known articles only: no home page, no listings
    assert s.db.pages.count_documents({"last_crawl_id": everything["_id"]}) == 0
    assert everything["counts"]["pages"] <= known + 1  # + robots.txt
