"""Joining two article documents that evidence shows are one article that moved.

When an article is found at a new URL before its old URL is checked, the new
page is first archived as an article of its own.  Once the evidence arrives — the
old URL redirects to the new one, or it answers 404/410 while the new page shows
the same identity (title, date, text) — the newer document is *absorbed* into the
older one: its observations and revisions move over, the older document takes the
newer one's URL and current state, keeps every URL as ``old_urls``, and the newer
document is deleted.  A ``moves`` document records the join and its evidence.

Every step is idempotent and the ``moves`` document is written first with
``state: "joining"``, so a join cut short (crash, lost connection) is finished by
:func:`finish_pending_joins` when the archive is next opened, or by running it again.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from pymongo.database import Database

from hgcrawler.storage.observations import count_of, entries_of, move_entries
from hgcrawler.storage.schema import ARTICLES, MOVES, REVISIONS
from hgcrawler.storage.series import EDITED, MOVED

if TYPE_CHECKING:
    from hgcrawler.storage.context import SiteContext

__all__ = ["absorb_article", "finish_pending_joins"]

logger = logging.getLogger(__name__)

#: Fields of an article's current state taken from whichever document was seen last.
CURRENT_FIELDS = (
    "url",
    "title",
    "lede",
    "body",
    "images",
    "author",
    "source",
    "doubtful",
    "category",
    "updated_on",
    "views",
    "views_at",
    "content_hash",
    "identity",
    "text_identity",
    "search_text",
    "last_seen_at",
    "last_status",
    "last_crawl_id",
    "views_missing_reason",
    "rendered",
    "removed_at",
)

Db = Database[dict[str, Any]]


def _moment(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return dt.datetime.min.replace(tzinfo=dt.UTC)


def absorb_article(
    db: Db,
    into: str,
    absorbed: str,
    *,
    evidence: str,
    crawl_id: str,
    at: dt.datetime,
    from_url: str | None = None,
    context: SiteContext | None = None,
) -> bool:
    """Join article ``absorbed`` into article ``into``; False when either is missing.

    ``from_url``: the URL ``into`` moved from, when its document already shows the new
    one (a redirect seen in the same batch); by default its document's URL.
    """
    if into == absorbed:
        return False
    both = {doc["_id"]: doc for doc in db[ARTICLES].find({"_id": {"$in": [into, absorbed]}})}
    if into not in both or absorbed not in both:
        return False
    newer = both[absorbed]
    db[MOVES].update_one(
        {"_id": f"{absorbed}>{into}"},
        {
            "$setOnInsert": {
                "site": both[into].get("site"),
                "article_id": into,
                "absorbed": absorbed,
                "from_url": from_url or both[into].get("url"),
                "to_url": newer.get("url"),
                "evidence": evidence,
                "crawl_id": crawl_id,
                "at": at,
            },
            "$set": {"state": "joining"},
        },
        upsert=True,
    )
    _finish(db, into, absorbed, context)
    logger.info(
        "article %s moved to %s (%s evidence); joined the article first archived there (%s)",
        into,
        newer.get("url"),
        evidence,
        absorbed,
    )
    return True


def finish_pending_joins(db: Db, context: SiteContext | None = None) -> int:
    """Finish joins cut short; returns how many were pending.  With ``context``, only
    that site's (and its series and postings follow)."""
    # on the indexed state alone (few joins are ever pending); the site is checked here
    pending = [
        move
        for move in db[MOVES].find(
            {"state": "joining"}, {"site": 1, "article_id": 1, "absorbed": 1}
        )
        if context is None or move.get("site") == context.site
    ]
    for move in pending:
        _finish(db, str(move["article_id"]), str(move["absorbed"]), context)
    return len(pending)


def _finish(db: Db, into: str, absorbed: str, context: SiteContext | None) -> None:
    older = db[ARTICLES].find_one({"_id": into})
    newer = db[ARTICLES].find_one({"_id": absorbed})
    if older is not None and newer is not None:
        before = count_of(db, into) + count_of(db, absorbed)
        move_entries(db, absorbed, into, str(older.get("site") or ""))
        numbers = _move_revisions(db, into, absorbed)
        _merge_documents(db, older, newer, numbers)
        db[ARTICLES].delete_one({"_id": absorbed})
        if context is not None:
            dropped = before - count_of(db, into)  # two of one crawl became one
            _follow(db, context, into, older, newer, edited=len(numbers) > 1, dropped=dropped)
    db[MOVES].update_one(
        {"_id": f"{absorbed}>{into}"},
        {"$set": {"state": "done"}, "$currentDate": {"joined_at": True}},
    )


def _follow(
    db: Db,
    context: SiteContext,
    into: str,
    older: dict[str, Any],
    newer: dict[str, Any],
    *,
    edited: bool,
    dropped: int = 0,
) -> None:
    """The site's series and postings follow the join: ``into`` keeps its number and takes
    the observations (each counted already, under one number or the other; ``dropped``
    of them were one crawl's second and are gone); the absorbed article's number is no
    longer used."""
    if older.get("n") is None:
        return
    n = int(older["n"])
    series = context.series
    for entry in entries_of(db, into):
        if int(entry.get("status") or 0) >= 400:
            series.remove(n, entry["at"], counted=False)
        else:
            series.observe(n, entry.get("views"), entry["at"], counted=False)
    series.observations = max(0, series.observations - dropped)
    series.mark(n, MOVED | (EDITED if edited else 0))
    if newer.get("n") is not None:
        series.forget(int(newer["n"]))
    joined = db[ARTICLES].find_one({"_id": into}, {"title": 1, "search_text": 1, "category": 1})
    if joined is not None:
        series.describe(n, category=joined.get("category"), updated_on=newer.get("updated_on"))
        before = {"title": older.get("title"), "text": older.get("search_text")}
        context.postings.index(n, joined.get("title"), joined.get("search_text"), before)


def _move_revisions(db: Db, into: str, absorbed: str) -> dict[str, int]:
    """Revisions of ``absorbed`` become revisions of ``into`` (the same text keeps its
    number); returns content hash -> revision number for ``into``."""
    numbers = {
        str(r["content_hash"]): int(r["number"])
        for r in db[REVISIONS].find({"article_id": into}, {"content_hash": 1, "number": 1})
    }
    count = max(numbers.values(), default=0)
    for revision in db[REVISIONS].find({"article_id": absorbed}).sort("number", 1):
        digest = str(revision["content_hash"])
        if digest in numbers:
            db[REVISIONS].update_one(
                {"_id": f"{into}:{digest}"},
                {
                    "$max": {"last_seen_at": revision.get("last_seen_at")},
                    "$min": {"first_seen_at": revision.get("first_seen_at")},
                },
            )
        else:
            count += 1
            numbers[digest] = count
            copied = {**revision, "_id": f"{into}:{digest}", "article_id": into, "number": count}
            db[REVISIONS].update_one({"_id": copied["_id"]}, {"$setOnInsert": copied}, upsert=True)
        db[REVISIONS].delete_one({"_id": revision["_id"]})
    return numbers


def _merge_documents(
    db: Db, older: dict[str, Any], newer: dict[str, Any], numbers: dict[str, int]
) -> None:
    newer_seen, older_seen = _moment(newer.get("last_seen_at")), _moment(older.get("last_seen_at"))
    latest = newer if newer_seen >= older_seen else older
    current = {name: latest.get(name) for name in CURRENT_FIELDS}
    urls = [older.get("url"), *(newer.get("old_urls") or []), newer.get("url")]
    old_urls = [u for u in dict.fromkeys(urls) if u and u != current.get("url")]
    firsts = [d.get("first_seen_at") for d in (older, newer) if d.get("first_seen_at")]
    update: dict[str, Any] = {
        "$set": {
            **current,
            "revision": numbers.get(str(latest.get("content_hash")), older.get("revision")),
        },
        "$max": {"revision_count": max(numbers.values(), default=1)},
    }
    places = sorted({str(p) for d in (older, newer) for p in d.get("places") or []})
    if old_urls or places:
        update["$addToSet"] = {}
    if old_urls:
        update["$addToSet"]["old_urls"] = {"$each": old_urls}
    if places:  # where the pages of both were (storage.writer finds articles by them)
        update["$addToSet"]["places"] = {"$each": places}
    if firsts:
        update["$min"] = {"first_seen_at": min(firsts, key=_moment)}
    if newer.get("views_peak") is not None:
        update["$max"]["views_peak"] = newer["views_peak"]
    db[ARTICLES].update_one({"_id": older["_id"]}, update)
