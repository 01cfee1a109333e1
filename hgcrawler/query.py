"""Questions users ask of the archive, as functions over a pymongo ``Database``.

Used by ``hgcrawler query``, ``hgcrawler report`` and ``hgcrawler demo``. Each
returns plain dicts/lists; formatting belongs to the commands.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pymongo.database import Database

Db = Database[dict[str, Any]]


def totals(db: Db) -> dict[str, int]:
    articles = db.articles
    return {
        "articles": articles.count_documents({}),
        "live": articles.count_documents({"removed_at": None}),
        "removed": articles.count_documents({"removed_at": {"$ne": None}}),
        "edited": articles.count_documents({"revision_count": {"$gt": 1}}),
        "moved": articles.count_documents({"old_urls.0": {"$exists": True}}),
        "observations": db.observations.count_documents({}),
        "revisions": db.revisions.count_documents({}),
        "rejects": db.rejects.count_documents({}),
        "crawls": db.crawls.count_documents({}),
    }


def changes_since(db: Db, since: dt.datetime) -> dict[str, list[dict[str, Any]]]:
    """Articles new, edited, removed and moved since ``since`` (UTC)."""
    projection = {
        "title": 1,
        "url": 1,
        "category": 1,
        "views": 1,
        "old_urls": 1,
        "first_seen_at": 1,
        "removed_at": 1,
        "revision_count": 1,
    }
    new = list(db.articles.find({"first_seen_at": {"$gte": since}}, projection).sort("_id", 1))
    edited_ids = db.revisions.distinct(
        "article_id", {"number": {"$gt": 1}, "first_seen_at": {"$gte": since}}
    )
    edited = list(db.articles.find({"_id": {"$in": edited_ids}}, projection).sort("_id", 1))
    removed = list(db.articles.find({"removed_at": {"$gte": since}}, projection).sort("_id", 1))
    moved = list(
        db.articles.find(
            {"old_urls.0": {"$exists": True}, "last_seen_at": {"$gte": since}}, projection
        ).sort("_id", 1)
    )
    return {"new": new, "edited": edited, "removed": removed, "moved": moved}


def view_gains(
    db: Db,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int = 10,
) -> list[dict[str, Any]]:
    """Articles by views gained between their first and last observation in the window.

    Each result: ``article_id``, ``title``, ``first_views``, ``last_views``, ``gained``,
    ``days`` (time between the two observations) and ``per_day``.
    """
    match: dict[str, Any] = {"views": {"$ne": None}}
    window: dict[str, Any] = {}
    if since is not None:
        window["$gte"] = since
    if until is not None:
        window["$lte"] = until
    if window:
        match["fetched_at"] = window
    pipeline: list[dict[str, Any]] = [
        {"$match": match},
        {"$sort": {"fetched_at": 1}},
        {
            "$group": {
                "_id": "$article_id",
                "first_views": {"$first": "$views"},
                "last_views": {"$last": "$views"},
                "first_at": {"$first": "$fetched_at"},
                "last_at": {"$last": "$fetched_at"},
                "n": {"$sum": 1},
            }
        },
    ]
    rows = []
    for row in db.observations.aggregate(pipeline):
        if row["n"] < 2:
            continue
        gained = row["last_views"] - row["first_views"]
        days = (row["last_at"] - row["first_at"]).total_seconds() / 86400
        rows.append(
            {
                "article_id": row["_id"],
                "first_views": row["first_views"],
                "last_views": row["last_views"],
                "gained": gained,
                "days": days,
                "per_day": gained / days if days > 0 else None,
                "observations": row["n"],
            }
        )
    rows.sort(key=lambda r: (-r["gained"], r["article_id"]))
    rows = rows[:limit]
    titles = {
        a["_id"]: a.get("title")
        for a in db.articles.find({"_id": {"$in": [r["article_id"] for r in rows]}}, {"title": 1})
    }
    for row in rows:
        row["title"] = titles.get(row["article_id"])
    return rows
