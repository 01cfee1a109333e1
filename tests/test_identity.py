"""Which stored article a page is: never two articles in one, moves only on evidence.

Against a real SecantusDB server, through ``MongoArchiveStore.write_batch`` with
the records the archive pipeline makes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from hgcrawler.read.urls import ArticleKeys
from hgcrawler.storage import ArchiveReader, MongoArchiveStore
from hgcrawler.storage.merge import finish_pending_joins
from hgcrawler.storage.records import same_article
from hgcrawler.storage.writer import urls_of
from tests.archive_view import aid, count, observations

H = "https://tinh.dcs.vn"
SLUGS = ArticleKeys()  # the default: no ids in slugs
DAY = dt.date(2021, 3, 18)


@pytest.fixture
def store(mongo_uri: str, archive_db_name: str) -> Iterator[MongoArchiveStore]:
    archive = MongoArchiveStore(mongo_uri, archive_db_name, write_retries=1)
    archive.ensure_indexes()
    yield archive
    archive.close()


def page(
    url: str,
    title: str,
    *,
    keys: ArticleKeys = SLUGS,
    via: list[str] | None = None,
    at: str = "2026-11-01T08:00:00+00:00",
    **fields: Any,
) -> dict[str, Any]:
    """An article record as the archive pipeline hands it to the store."""
    record: dict[str, Any] = {
        "type": "article",
        "url": url,
        "requested_url": (via or [url])[0],
        "redirect_urls": list(via or []),
        "status": 200,
        "fetched_at": at,
        "title": title,
        "category": "Tin trong tỉnh",
        "updated_on": DAY,
        "views": 100,
        "lede": f"Mở đầu của bài {title}.",
        "body": f"Nội dung bài {title}.\n\nĐoạn hai.",
        "images": [],
        "author": "Hoàng Ý",
        "rendered": False,
        "warc": None,
    }
    record.update(fields)
    record["key"] = keys.key(url)
    record["redirect_keys"] = [k for k in map(keys.site_id, urls_of(record)[1:]) if k]
    return record


def gone(url: str, key: str, at: str = "2026-11-02T08:00:00+00:00") -> dict[str, Any]:
    """A 404 of a known article, as the spider reports it: with the article's archive id."""
    return {"type": "gone", "url": url, "status": 404, "fetched_at": at, "article_id": aid(key)}


def crawl(store: MongoArchiveStore, *records: dict[str, Any]) -> Any:
    crawl_id = store.begin_crawl("full", H)
    return store.write_batch(crawl_id, list(records))


def articles(store: MongoArchiveStore) -> dict[str, dict[str, Any]]:
    return {doc["_id"]: doc for doc in store.db.articles.find({})}


def test_slugs_ending_in_the_same_year_stay_apart(store: MongoArchiveStore) -> None:
    urls = [f"{H}/tin-tuc/{slug}-nam-2021.html" for slug in ("hoi-nghi", "dai-hoi", "le-hoi")]
    result = crawl(store, *(page(u, f"Bài {n}") for n, u in enumerate(urls)))
    assert (result.new, result.collisions) == (3, 0)
    assert set(articles(store)) == {aid(u) for u in urls}  # keyed by their locations
    assert {d["key"] for d in articles(store).values()} == {urlsplit(u).path for u in urls}


def test_a_misconfigured_id_pattern_keeps_pages_apart_and_records_it(
    store: MongoArchiveStore,
) -> None:
    wrong = ArticleKeys(slug_ids=True)  # every slug here ends in "-2021"
    first = f"{H}/tin-tuc/hoi-nghi-2021.html"
    second = f"{H}/tin-tuc/dai-hoi-2021.html"
    third = f"{H}/tin-tuc/le-hoi-2021.html"
    crawl(store, page(first, "Hội nghị", keys=wrong))
    result = crawl(
        store,
        page(second, "Đại hội", keys=wrong, updated_on=dt.date(2021, 4, 2)),
        page(third, "Lễ hội", keys=wrong, updated_on=dt.date(2021, 4, 3)),
    )
    assert (result.new, result.revisited, result.collisions) == (2, 0, 2)
    docs = articles(store)
    assert {d["url"]: i for i, d in docs.items()} == {
        first: aid("2021"),
        second: aid("2021#2"),
        third: aid("2021#3"),
    }
    assert {d["key"] for d in docs.values()} == {"2021"}  # the key they were filed under
    # no revision of the first article was made from the others
    revisions = store.db.revisions.find({"article_id": aid("2021")})
    assert [r["title"] for r in revisions] == ["Hội nghị"]
    collisions = list(store.db.rejects.find({"reason": "key_collision"}).sort("kept_as", 1))
    assert [(c["url"], c["other_url"], c["kept_as"]) for c in collisions] == [
        (second, first, aid("2021#2")),
        (third, first, aid("2021#3")),
    ]
    # the next crawl finds each page's own article again, by URL
    again = crawl(
        store,
        page(second, "Đại hội", keys=wrong, updated_on=dt.date(2021, 4, 2)),
        page(first, "Hội nghị", keys=wrong, at="2026-11-03T00:00:00Z"),
    )
    assert (again.new, again.revisited, again.changed, again.collisions) == (0, 2, 0, 0)


def test_an_unambiguous_id_follows_a_move(store: MongoArchiveStore) -> None:
    old = f"{H}/DetailView/4321/22/Hoi-nghi.html"
    new = f"{H}/DetailView/4321/31/Hoi-nghi-tinh-uy.html"
    crawl(store, page(old, "Hội nghị Tỉnh ủy"))
    result = crawl(store, page(new, "Hội nghị Tỉnh ủy", at="2026-11-02T00:00:00Z"))
    assert (result.new, result.revisited, result.moved) == (0, 1, 1)
    doc = articles(store)[aid(4321)]
    assert doc["url"] == new and doc["old_urls"] == [old]
    move = store.db.moves.find_one({"article_id": aid(4321)})
    assert move is not None
    assert (move["from_url"], move["to_url"], move["evidence"]) == (old, new, "id")


def test_the_same_id_with_other_content_is_a_collision(store: MongoArchiveStore) -> None:
    crawl(store, page(f"{H}/DetailView/7/1/a.html", "Bài một"))
    result = crawl(
        store,
        page(f"{H}/DetailView/7/2/b.html", "Bài hai", updated_on=dt.date(2022, 1, 1)),
    )
    assert (result.new, result.collisions, result.moved) == (1, 1, 0)
    assert set(articles(store)) == {aid(7), aid("7#2")}


def test_a_collision_resolved_by_a_redirect_later_in_the_crawl_is_not_reported(
    store: MongoArchiveStore,
) -> None:
    """Moved and retitled at once: the new page, met first, is kept apart for its id;
    the old URL, fetched later in the same crawl, redirects to it: one article, and no
    collision left to report (its reject says how it was resolved)."""
    old, new = f"{H}/DetailView/7/1/a.html", f"{H}/DetailView/7/2/b.html"
    crawl(store, page(old, "Bài một", at="2026-11-01T00:00Z"))
    crawl_id = store.begin_crawl("full", H)
    retitled = {"updated_on": dt.date(2022, 1, 1), "at": "2026-11-02T08:00Z"}
    first = store.write_batch(crawl_id, [page(new, "Bài hai", **retitled)])
    assert first.collisions == 1 and set(articles(store)) == {aid(7), aid("7#2")}
    second = store.write_batch(crawl_id, [page(new, "Bài hai", via=[old], **retitled)])
    assert first.collisions + second.collisions == 0
    assert first.moved + second.moved == 1
    docs = articles(store)
    assert set(docs) == {aid(7)} and docs[aid(7)]["url"] == new
    assert docs[aid(7)]["title"] == "Bài hai" and old in docs[aid(7)]["old_urls"]
    (reject,) = store.db.rejects.find({"reason": "key_collision"})
    assert reject["resolved"]["joined_into"] == aid(7)
    assert reject["resolved"]["evidence"] == "redirect"
    assert len(observations(store.db, crawl_id)) == 1


def test_a_title_edit_under_the_same_id_is_the_same_article() -> None:
    stored = {
        "title": "Hội nghị",
        "updated_on": dt.datetime(2021, 3, 18, tzinfo=dt.UTC),
        "text_identity": None,
    }
    record = page(f"{H}/x", "Hội nghị Tỉnh ủy")
    from hgcrawler.storage.records import text_identity

    stored["text_identity"] = text_identity(record)
    assert same_article(stored, record)  # same date and text, new title
    assert not same_article(stored, {**record, "body": "Khác hẳn."})
    assert same_article({**stored, "title": "HỘI NGHỊ  TỈNH ỦY"}, record)  # folded


def test_redirect_joins_the_page_a_listing_found_first(store: MongoArchiveStore) -> None:
    old = f"{H}/tin-tuc/hoi-nghi.html"
    new = f"{H}/tin-tuc/thoi-su/hoi-nghi.html"
    crawl(store, page(old, "Hội nghị", views=10))
    crawl_id = store.begin_crawl("full", H)
    # the listing leads to the new URL first: a page of its own, for now
    first = store.write_batch(crawl_id, [page(new, "Hội nghị", views=20, at="2026-11-02T01:00Z")])
    assert first.new == 1 and len(articles(store)) == 2
    # then the old URL redirects there: the evidence that it is the same article
    second = store.write_batch(
        crawl_id, [page(new, "Hội nghị", via=[old], views=20, at="2026-11-02T02:00Z")]
    )
    # one article in this crawl, seen again at its new URL (counts add up over batches)
    assert (first.new + second.new, first.revisited + second.revisited) == (0, 1)
    assert (first.articles + second.articles, second.moved) == (1, 1)
    docs = articles(store)
    assert list(docs) == [aid(old)]  # the older key stays
    assert docs[aid(old)]["url"] == new and docs[aid(old)]["old_urls"] == [old]
    assert [o["views"] for o in observations(store.db, article_id=aid(old))] == [10, 20]
    assert count(store.db, article_id=aid(new)) == 0
    assert store.db.observations.count_documents({"article_id": aid(new)}) == 0  # no bucket
    assert store.db.revisions.count_documents({"article_id": aid(old)}) == 1
    assert store.db.revisions.count_documents({"article_id": aid(new)}) == 0
    joined = store.db.moves.find_one({"absorbed": aid(new)})
    assert joined is not None and joined["evidence"] == "redirect" and joined["state"] == "done"
    assert (joined["from_url"], joined["to_url"]) == (old, new)
    assert store.db.moves.count_documents({}) == 1  # the join is the move's one record


@pytest.mark.parametrize("order", ["gone first", "new page first"])
def test_same_content_leaving_one_url_for_another_is_a_move(
    store: MongoArchiveStore, order: str
) -> None:
    old = f"{H}/tin-tuc/hoi-nghi.html"
    new = f"{H}/kinh-te/hoi-nghi-tong-ket.html"
    crawl(store, page(old, "Hội nghị", views=10, at="2026-11-01T00:00Z"))
    moved = page(new, "Hội nghị", views=25, at="2026-11-02T00:00Z")
    records = [gone(old, old), moved] if order == "gone first" else [moved, gone(old, old)]
    result = crawl(store, *records)
    assert result.moved == 1 and result.new == 0
    docs = articles(store)
    assert list(docs) == [aid(old)]
    assert docs[aid(old)]["url"] == new and docs[aid(old)]["removed_at"] is None
    assert old in docs[aid(old)]["old_urls"]
    views = [o["views"] for o in observations(store.db, article_id=aid(old))]
    assert views == [10, 25]
    move = store.db.moves.find_one({"absorbed": aid(new)})
    assert move is not None and move["evidence"] == "content"


def test_same_content_across_crawls_joins_when_the_old_url_dies(store: MongoArchiveStore) -> None:
    old = f"{H}/tin-tuc/hoi-nghi.html"
    new = f"{H}/kinh-te/hoi-nghi.html"
    crawl(store, page(old, "Hội nghị", at="2026-11-01T00:00Z"))
    # an incremental crawl finds the new URL; the old one is not checked: two articles
    crawl(store, page(new, "Hội nghị", at="2026-11-02T00:00Z"))
    assert len(articles(store)) == 2
    # a later full crawl: the old URL is gone
    result = crawl(store, gone(old, old, at="2026-11-03T00:00Z"), page(new, "Hội nghị"))
    assert result.moved == 1
    assert list(articles(store)) == [aid(old)]


def test_identical_content_at_two_live_urls_stays_two_articles(store: MongoArchiveStore) -> None:
    a, b = f"{H}/tin-tuc/hoi-nghi.html", f"{H}/kinh-te/hoi-nghi.html"
    result = crawl(store, page(a, "Hội nghị"), page(b, "Hội nghị"))
    assert (result.new, result.moved) == (2, 0)
    assert len(articles(store)) == 2


def test_a_removed_article_with_other_content_is_not_joined(store: MongoArchiveStore) -> None:
    old, new = f"{H}/tin-tuc/a.html", f"{H}/tin-tuc/b.html"
    crawl(store, page(old, "Bài một", at="2026-11-01T00:00Z"))
    result = crawl(store, gone(old, old), page(new, "Bài hai"))
    assert (result.new, result.removed, result.moved) == (1, 1, 0)
    docs = articles(store)
    assert docs[aid(old)]["removed_at"] is not None and docs[aid(new)]["removed_at"] is None


def test_an_old_url_reused_for_another_article_is_kept_apart(store: MongoArchiveStore) -> None:
    first, moved_to = f"{H}/tin-tuc/a.html", f"{H}/tin-tuc/a-moi.html"
    crawl(store, page(first, "Bài một", at="2026-11-01T00:00Z"))
    crawl(store, page(moved_to, "Bài một", via=[first], at="2026-11-02T00:00Z"))
    result = crawl(store, page(first, "Bài khác", updated_on=dt.date(2022, 5, 5)))
    assert (result.new, result.collisions, result.moved) == (1, 1, 0)
    docs = articles(store)
    assert docs[aid(first)]["url"] == moved_to and docs[aid(first)]["title"] == "Bài một"
    assert docs[aid(f"{first}#2")]["title"] == "Bài khác"


def test_a_join_cut_short_is_finished(store: MongoArchiveStore) -> None:
    old, new = f"{H}/tin-tuc/a.html", f"{H}/tin-tuc/b.html"
    crawl(store, page(old, "Bài", views=1, at="2026-11-01T00:00Z"))
    crawl(store, page(new, "Bài", views=2, at="2026-11-02T00:00Z"))
    # a crash right after the join was recorded, before anything moved
    store.db.moves.insert_one(
        {
            "_id": f"{aid(new)}>{aid(old)}",
            "site": "haugiang",
            "article_id": aid(old),
            "absorbed": aid(new),
            "state": "joining",
        }
    )
    assert finish_pending_joins(store.db) == 1
    assert list(articles(store)) == [aid(old)]
    assert [o["views"] for o in observations(store.db, article_id=aid(old))] == [1, 2]
    assert finish_pending_joins(store.db) == 0


def batches(store: MongoArchiveStore, *batches: list[dict[str, Any]]) -> list[Any]:
    """Several batches of one crawl, as the archive pipeline writes them."""
    crawl_id = store.begin_crawl("full", H)
    return [store.write_batch(crawl_id, records) for records in batches]


def total(results: list[Any], name: str) -> int:
    return sum(getattr(result, name) for result in results)


def test_a_redirect_to_a_page_archived_first_is_one_move(store: MongoArchiveStore) -> None:
    old = f"{H}/tin-tuc/hoi-nghi.html"
    new = f"{H}/tin-tuc/thoi-su/hoi-nghi.html"
    crawl(store, page(old, "Hội nghị", at="2026-11-01T00:00Z"))
    crawl(store, page(new, "Hội nghị", at="2026-11-02T00:00Z"))  # a listing led there first
    result = crawl(store, page(new, "Hội nghị", via=[old], at="2026-11-03T00:00Z"))
    assert (result.new, result.revisited, result.moved) == (0, 1, 1)
    assert list(articles(store)) == [aid(old)]
    moves = list(store.db.moves.find({}))
    assert [(m["article_id"], m["from_url"], m["to_url"], m["evidence"]) for m in moves] == [
        (aid(old), old, new, "redirect")
    ]
    assert moves[0]["absorbed"] == aid(new) and moves[0]["state"] == "done"


def test_a_crawl_that_reaches_both_urls_of_a_redirected_move_counts_one_article(
    store: MongoArchiveStore,
) -> None:
    old = f"{H}/tin-tuc/hoi-nghi.html"
    new = f"{H}/tin-tuc/thoi-su/hoi-nghi.html"
    crawl(store, page(old, "Hội nghị", at="2026-11-01T00:00Z"))
    crawl(store, page(new, "Hội nghị", at="2026-11-02T00:00Z"))  # a listing led there first
    # the next crawl reaches the new URL from a listing, then the old URL redirects there
    results = batches(
        store,
        [page(new, "Hội nghị", at="2026-11-03T01:00Z")],
        [page(new, "Hội nghị", via=[old], at="2026-11-03T02:00Z")],
    )
    assert [total(results, name) for name in ("articles", "new", "revisited", "moved")] == [
        1, 0, 1, 1
    ]  # fmt: skip
    assert list(articles(store)) == [aid(old)]
    assert count(store.db, article_id=aid(old)) == 3


@pytest.mark.parametrize("split", [False, True], ids=["one batch", "two batches"])
def test_a_moved_page_reached_through_its_redirect_then_from_a_listing_is_one_article(
    store: MongoArchiveStore, split: bool
) -> None:
    """The old URL redirects first, then a listing leads to the new URL in the same
    crawl: the second fetch is the moved article, not a new one (found under load on
    the slug replica, where the two fetches landed in one batch)."""
    old = f"{H}/tin-tuc/hoi-nghi.html"
    new = f"{H}/tin-tuc/thoi-su/hoi-nghi.html"
    crawl(store, page(old, "Hội nghị", views=10, at="2026-11-01T00:00Z"))
    records = [
        page(new, "Hội nghị", via=[old], views=20, at="2026-11-02T01:00Z"),
        page(new, "Hội nghị", views=21, at="2026-11-02T01:01Z"),
    ]
    results = batches(store, *([r] for r in records)) if split else batches(store, records)
    assert [total(results, name) for name in ("articles", "new", "revisited", "moved")] == [
        1, 0, 1, 1
    ]  # fmt: skip
    docs = articles(store)
    assert list(docs) == [aid(old)]
    assert docs[aid(old)]["url"] == new and docs[aid(old)]["old_urls"] == [old]
    assert len(observations(store.db, article_id=aid(old))) == 2  # one per crawl
    assert store.db.moves.count_documents({}) == 1


@pytest.mark.parametrize("split", [False, True], ids=["one batch", "two batches"])
def test_a_content_move_found_in_one_crawl_is_no_removal(
    store: MongoArchiveStore, split: bool
) -> None:
    old = f"{H}/tin-tuc/hoi-nghi.html"
    new = f"{H}/kinh-te/hoi-nghi-tong-ket.html"
    crawl(store, page(old, "Hội nghị", views=10, at="2026-11-01T00:00Z"))
    records = [gone(old, old), page(new, "Hội nghị", views=25, at="2026-11-02T01:00Z")]
    results = batches(store, *([r] for r in records)) if split else batches(store, records)
    assert (total(results, "removed"), total(results, "moved"), total(results, "new")) == (0, 1, 0)
    assert (total(results, "articles"), total(results, "revisited")) == (1, 1)
    assert articles(store)[aid(old)]["removed_at"] is None
    # observations keep no page URL: the view counts tell the old page from the new one
    seen = observations(store.db, article_id=aid(old))
    assert [(o["status"], o["views"]) for o in seen] == [(200, 10), (200, 25)]


def test_a_content_move_after_a_removal_leaves_that_removal_counted(
    store: MongoArchiveStore,
) -> None:
    old = f"{H}/tin-tuc/hoi-nghi.html"
    new = f"{H}/kinh-te/hoi-nghi-tong-ket.html"
    crawl(store, page(old, "Hội nghị", at="2026-11-01T00:00Z"))
    assert crawl(store, gone(old, old, at="2026-11-02T00:00Z")).removed == 1
    later = crawl(store, page(new, "Hội nghị", at="2026-11-03T00:00Z"))
    assert (later.removed, later.moved, later.new) == (0, 1, 0)
    assert articles(store)[aid(old)]["removed_at"] is None


@pytest.mark.parametrize("split", [False, True], ids=["one batch", "two batches"])
def test_an_id_found_at_a_new_url_after_its_old_url_died_is_a_move(
    store: MongoArchiveStore, split: bool
) -> None:
    old = f"{H}/DetailView/4321/22/Hoi-nghi.html"
    new = f"{H}/DetailView/4321/31/Hoi-nghi.html"
    crawl(store, page(old, "Hội nghị", views=10, at="2026-11-01T00:00Z"))
    records = [gone(old, "4321"), page(new, "Hội nghị", views=25, at="2026-11-02T01:00Z")]
    results = batches(store, *([r] for r in records)) if split else batches(store, records)
    assert (total(results, "removed"), total(results, "moved"), total(results, "new")) == (0, 1, 0)
    doc = articles(store)[aid(4321)]
    assert doc["url"] == new and doc["old_urls"] == [old] and doc["removed_at"] is None
    assert doc["views"] == 25
    seen = observations(store.db, article_id=aid(4321))
    assert [(o["status"], o["views"]) for o in seen] == [(200, 10), (200, 25)]
    move = store.db.moves.find_one({"article_id": aid(4321)})
    assert move is not None and (move["from_url"], move["evidence"]) == (old, "id")


def crawled(store: MongoArchiveStore, *batches: list[dict[str, Any]]) -> None:
    """A whole crawl: its batches, then its end (which saves the view count series)."""
    crawl_id = store.begin_crawl("full", H)
    for records in batches:
        store.write_batch(crawl_id, records)
    store.finish_crawl(crawl_id, "finished", {}, [])


@pytest.mark.parametrize(
    "how",
    [
        "redirect, one batch",
        "redirect, two batches",
        "content, gone first",
        "content, new page first",
        "id, 404 in an earlier batch",
    ],
)
def test_the_series_counts_each_observation_of_a_moved_article_once(
    store: MongoArchiveStore, how: str
) -> None:
    """A page whose crawl had seen a 404 of its article replaces that observation, and a
    join takes the absorbed article's observations: the series' count of observations
    (``stats``) is the number of observations kept, as the other articles' are."""
    old, new = f"{H}/tin-tuc/hoi-nghi.html", f"{H}/kinh-te/hoi-nghi.html"
    if how.startswith("id"):
        old, new = f"{H}/DetailView/4321/22/Hoi-nghi.html", f"{H}/DetailView/4321/31/Hoi-nghi.html"
    other = f"{H}/tin-tuc/bai-khac.html"
    crawled(store, [page(old, "Hội nghị", views=10, at="2026-11-01T00:00Z"), page(other, "Khác")])
    later = "2026-11-02T01:00Z"
    if how == "redirect, one batch":
        crawled(store, [page(new, "Hội nghị", views=20, at=later)])
        crawled(store, [page(new, "Hội nghị", via=[old], views=30, at="2026-11-03T01:00Z")])
    elif how == "redirect, two batches":
        crawled(
            store,
            [page(new, "Hội nghị", views=20, at=later)],
            [page(new, "Hội nghị", via=[old], views=20, at="2026-11-02T02:00Z")],
        )
    elif how == "content, gone first":
        crawled(store, [gone(old, old)], [page(new, "Hội nghị", views=20, at=later)])
    elif how == "content, new page first":
        crawled(store, [page(new, "Hội nghị", views=20, at=later)], [gone(old, old)])
    else:
        crawled(store, [gone(old, "4321")], [page(new, "Hội nghị", views=20, at=later)])
    key = "4321" if how.startswith("id") else old
    assert sorted(articles(store)) == sorted([aid(key), aid(other)])
    totals = ArchiveReader(store.db).totals()
    assert totals["observations"] == count(store.db)
    assert (totals["articles"], totals["live"], totals["moved"]) == (2, 2, 1)
    latest = observations(store.db, article_id=aid(key))[-1]["views"]
    top = ArchiveReader(store.db).top()
    assert [(row["article_id"], row["views"]) for row in top] == [
        (aid(other), 100),
        (aid(key), latest),
    ]


# --- a site that moves: another host, http and https (schema 4) -------------------------

NEW = "https://cantho.dcs.vn"


def crawl_at(store: MongoArchiveStore, start: str, *records: dict[str, Any]) -> Any:
    crawl_id = store.begin_crawl("full", f"{start}/", hosts=["tinh.dcs.vn"])
    result = store.write_batch(crawl_id, list(records))
    store.finish_crawl(crawl_id, "finished", {}, [])
    return result


@pytest.mark.parametrize("keys", [SLUGS, ArticleKeys(slug_ids=True)], ids=["url-keys", "ids"])
def test_a_site_at_another_address_continues_the_same_articles(
    store: MongoArchiveStore, keys: ArticleKeys
) -> None:
    slugs = [f"/tin-tuc/hoi-nghi-lan-{n}-{900 + n}.html" for n in range(3)]
    pages = (page(f"{H}{s}", f"Bài {n}", keys=keys) for n, s in enumerate(slugs))
    first = crawl_at(store, H, *pages)
    assert first.new == 3
    # the portal moved to another domain, and its pages link to http:// spellings too
    later = [
        page(f"{NEW}{slugs[0]}", "Bài 0", keys=keys, at="2026-11-02T08:00:00+00:00"),
        page(f"http://cantho.dcs.vn{slugs[1]}", "Bài 1", keys=keys, at="2026-11-02T08:00:00+00:00"),
        page(f"http://tinh.dcs.vn{slugs[2]}", "Bài 2", keys=keys, at="2026-11-02T08:00:00+00:00"),
    ]
    second = crawl_at(store, NEW, *later)
    assert (second.new, second.revisited, second.moved, second.collisions) == (0, 3, 0, 0)
    docs = articles(store)
    assert len(docs) == 3 and store.db.moves.count_documents({}) == 0
    first_id = aid(f"{NEW}{slugs[0]}") if keys is SLUGS else aid("900")
    assert docs[first_id]["url"] == f"{NEW}{slugs[0]}"
    for article_id in docs:
        seen = observations(store.db, article_id=article_id)
        assert len(seen) == 2  # one series, both addresses
        assert seen[0]["url"].startswith(H) and not seen[1]["url"].startswith(H + "/")
    site = store.db.sites.find_one({"_id": "haugiang"}) or {}
    assert site["hosts"][:2] == ["cantho.dcs.vn", "tinh.dcs.vn"]


def test_an_article_moved_within_the_site_is_found_after_the_site_moves(
    store: MongoArchiveStore,
) -> None:
    old, new = f"{H}/tin/bai-mot.html", f"{H}/tin-tuc/bai-mot.html"
    crawl_at(store, H, page(old, "Bài một"))
    crawl_at(store, H, page(new, "Bài một", via=[old], at="2026-11-02T08:00:00+00:00"))
    # key: the first location; url: the second; now at the new host
    third = crawl_at(
        store, NEW, page(f"{NEW}/tin-tuc/bai-mot.html", "Bài một", at="2026-11-03T08:00:00+00:00")
    )
    assert (third.new, third.moved) == (0, 0)
    docs = articles(store)
    assert list(docs) == [aid(old)]
    assert docs[aid(old)]["places"] == ["/tin/bai-mot.html", "/tin-tuc/bai-mot.html"]


def test_another_sites_host_stays_another_page(store: MongoArchiveStore) -> None:
    crawl_at(store, H, page(f"{H}/tin/a.html", "Bài A"))
    # a page of a host the site never had, with the same path: not this article
    result = crawl_at(store, NEW, page("https://other.example.org/tin/a.html", "Bài B"))
    assert (result.new, result.collisions) == (1, 1)
