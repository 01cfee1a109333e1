"""Questions users ask of the archive, as functions over a pymongo ``Database``.

Used by ``hgcrawler query``, ``hgcrawler report``, ``hgcrawler plot`` and
``hgcrawler demo``. Each returns plain dicts/lists; formatting belongs to the
commands. Everything here reads; nothing writes.

Only finds and simple aggregations (``$match``/``$group``/``$sort``) are used,
so the same code runs on the embedded SecantusDB server and on MongoDB. Search
uses a regex over the folded ``articles.search_text`` (no text index needed).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from pymongo.database import Database

from hgcrawler.diffing import revision_changes
from hgcrawler.text import fold
from hgcrawler.urls import canonical_url

Db = Database[dict[str, Any]]

__all__ = [
    "ArchiveQueryError",
    "Db",
    "EmptyArchive",
    "UnknownArticle",
    "UnknownCategory",
    "article_history",
    "category_counts",
    "category_month_counts",
    "changes",
    "changes_since",
    "crawl_history",
    "ensure_not_empty",
    "find_article",
    "growth",
    "last_crawl",
    "resolve_category",
    "search",
    "site_views",
    "snippet",
    "stats",
    "top",
    "totals",
    "view_gains",
    "view_series",
]

#: Fields of an article shown in lists (never the body).
LIST_FIELDS = {
    "title": 1,
    "url": 1,
    "category": 1,
    "views": 1,
    "updated_on": 1,
    "old_urls": 1,
    "first_seen_at": 1,
    "last_seen_at": 1,
    "removed_at": 1,
    "revision_count": 1,
}


class ArchiveQueryError(Exception):
    """A question the archive cannot answer; the message is for the user."""


class EmptyArchive(ArchiveQueryError):
    pass


class UnknownArticle(ArchiveQueryError, LookupError):
    pass


class UnknownCategory(ArchiveQueryError, LookupError):
    pass


# --- basics ----------------------------------------------------------------


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


def ensure_not_empty(db: Db) -> None:
    """Raise :class:`EmptyArchive` when no article has been archived yet.

    The message names the other databases on the same server that do hold
    articles (``hgcrawler demo`` writes ``hgcrawler_demo``, not ``hgcrawler``),
    so a user who asked the wrong one learns which ``--database`` to add.
    """
    from pymongo.errors import PyMongoError

    if db.articles.find_one({}, {"_id": 1}) is not None:
        return
    holding: list[tuple[int, str]] = []
    try:
        names = db.client.list_database_names()
    except PyMongoError:  # e.g. a user without the listDatabases privilege
        names = []
    for name in names:
        if name in (db.name, "admin", "local", "config"):
            continue
        try:
            count = db.client[name].articles.estimated_document_count()
        except PyMongoError:
            continue
        if count:
            holding.append((count, name))
    holding.sort(key=lambda entry: (-entry[0], entry[1]))

    def articles(count: int) -> str:
        return f"{count:,} article{'' if count == 1 else 's'}"

    empty = f"the archive (database {db.name!r}) is empty"
    if len(holding) == 1:
        count, name = holding[0]
        raise EmptyArchive(
            f"{empty}; database {name!r} holds {articles(count)}: add --database {name}"
        )
    if holding:
        shown = ", ".join(f"{name!r} ({articles(count)})" for count, name in holding[:3])
        more = f" and {len(holding) - 3} more" if len(holding) > 3 else ""
        raise EmptyArchive(f"{empty}; databases {shown}{more} hold articles: add --database NAME")
    crawls = db.crawls.count_documents({})
    hint = (
        f"{crawls} crawl(s) recorded but no article archived"
        if crawls
        else "no crawl has written to it yet; run `hgcrawler crawl`"
    )
    raise EmptyArchive(f"{empty}: {hint}")


def last_crawl(db: Db, *, before: dt.datetime | None = None) -> dict[str, Any] | None:
    """The most recently started crawl (optionally: started before ``before``)."""
    query: dict[str, Any] = {}
    if before is not None:
        query["started_at"] = {"$lt": before}
    return db.crawls.find_one(query, sort=[("started_at", -1)])


def find_article(db: Db, ref: str) -> dict[str, Any]:
    """The article with id ``ref``, or at URL ``ref`` (current or old URL).

    Raises :class:`UnknownArticle` when there is none.
    """
    ref = ref.strip()
    doc = db.articles.find_one({"_id": ref})
    if doc is None and "://" in ref:
        urls = sorted({ref, canonical_url(ref)})
        # indexed lookups one after the other: SecantusDB scans the whole collection for a $or
        doc = (
            db.articles.find_one({"url": {"$in": urls}})
            or db.articles.find_one({"_id": {"$in": urls}})
            or db.articles.find_one({"old_urls": {"$in": urls}})
        )
    if doc is None:
        raise UnknownArticle(f"no article {ref!r} in the archive (give an article id or its URL)")
    return doc


def resolve_category(db: Db, name: str) -> str:
    """The stored category matching ``name`` accent- and case-insensitively, or by its slug
    (``kinh-te`` → ``Kinh tế``); :class:`UnknownCategory` otherwise."""
    wanted = _slug(name)
    known = sorted(str(c) for c in db.articles.distinct("category") if c)
    for category in known:
        if _slug(category) == wanted:
            return category
    raise UnknownCategory(
        f"no category {name!r} in the archive; known: {', '.join(known) or '(none)'}"
    )


def _slug(text: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", fold(text)))


def _window(since: dt.datetime | None, until: dt.datetime | None) -> dict[str, Any]:
    window: dict[str, Any] = {}
    if since is not None:
        window["$gte"] = since
    if until is not None:
        window["$lt"] = until
    return window


# --- top -------------------------------------------------------------------


def top(
    db: Db,
    *,
    limit: int = 10,
    category: str | None = None,
    updated_since: dt.datetime | None = None,
    updated_until: dt.datetime | None = None,
    seen_since: dt.datetime | None = None,
    seen_until: dt.datetime | None = None,
    include_removed: bool = False,
) -> list[dict[str, Any]]:
    """Most-viewed articles.

    ``updated_since``/``updated_until`` filter on the article's own date
    (``updated_on``); ``category`` is a stored category name. Without an
    observation window the latest view count ranks; with ``seen_since`` /
    ``seen_until`` the count ranked is the last one observed inside that window
    (what the site showed then), and only articles observed in it are listed,
    including those removed since (they were online then). Otherwise removed
    articles are left out unless ``include_removed``.
    Each row: ``article_id``, ``title``, ``category``, ``url``, ``updated_on``,
    ``views``, ``observed_at`` (when that count was seen), ``removed_at``.
    """
    match: dict[str, Any] = {}
    if category is not None:
        match["category"] = category
    updated = _window(updated_since, updated_until)
    if updated:
        match["updated_on"] = updated
    if seen_since is None and seen_until is None:
        if not include_removed:
            match["removed_at"] = None
        match["views"] = {"$ne": None}
        cursor = db.articles.find(match, LIST_FIELDS).sort([("views", -1), ("_id", 1)])
        return [
            _top_row(doc, doc.get("views"), doc.get("last_seen_at")) for doc in cursor.limit(limit)
        ]
    observed: dict[str, Any] = {
        "views": {"$ne": None},
        "fetched_at": _window(seen_since, seen_until),
    }
    pipeline: list[dict[str, Any]] = [
        {"$match": observed},
        {"$sort": {"fetched_at": 1}},
        {
            "$group": {
                "_id": "$article_id",
                "views": {"$last": "$views"},
                "at": {"$last": "$fetched_at"},
            }
        },
    ]
    seen = {row["_id"]: row for row in db.observations.aggregate(pipeline)}
    docs = db.articles.find({**match, "_id": {"$in": sorted(seen)}}, LIST_FIELDS)
    rows = [_top_row(doc, seen[doc["_id"]]["views"], seen[doc["_id"]]["at"]) for doc in docs]
    rows.sort(key=lambda row: (-row["views"], row["article_id"]))
    return rows[:limit]


def _top_row(doc: dict[str, Any], views: Any, observed_at: Any) -> dict[str, Any]:
    return {
        "article_id": doc["_id"],
        "title": doc.get("title"),
        "category": doc.get("category"),
        "url": doc.get("url"),
        "updated_on": doc.get("updated_on"),
        "views": views,
        "observed_at": observed_at,
        "removed_at": doc.get("removed_at"),
    }


# --- one article -------------------------------------------------------------


def view_series(db: Db, article_id: str) -> list[dict[str, Any]]:
    """Every observation of an article, oldest first: ``fetched_at``, ``views``,
    ``status``, ``url``, ``crawl_id``, ``views_missing_reason``."""
    fields = {"_id": 0, "fetched_at": 1, "views": 1, "status": 1, "url": 1, "crawl_id": 1}
    fields["views_missing_reason"] = 1
    return list(db.observations.find({"article_id": article_id}, fields).sort("fetched_at", 1))


def article_history(db: Db, ref: str) -> dict[str, Any]:
    """An article's view-count series and its revisions, each with what changed
    from the previous one (see :func:`hgcrawler.diffing.revision_changes`)."""
    doc = find_article(db, ref)
    article_id = str(doc["_id"])
    revisions = list(db.revisions.find({"article_id": article_id}).sort("number", 1))
    previous: dict[str, Any] | None = None
    out = []
    for revision in revisions:
        out.append(
            {
                "number": revision.get("number"),
                "content_hash": revision.get("content_hash"),
                "title": revision.get("title"),
                "updated_on": revision.get("updated_on"),
                "url": revision.get("url"),
                "first_seen_at": revision.get("first_seen_at"),
                "last_seen_at": revision.get("last_seen_at"),
                "first_crawl_id": revision.get("first_crawl_id"),
                "warc": revision.get("warc"),
                "changes": revision_changes(previous, revision) if previous is not None else [],
            }
        )
        previous = revision
    article = {key: doc.get(key) for key in LIST_FIELDS}
    article.update(
        article_id=article_id,
        revision=doc.get("revision"),
        last_status=doc.get("last_status"),
        views_missing_reason=doc.get("views_missing_reason"),
    )
    return {"article": article, "observations": view_series(db, article_id), "revisions": out}


# --- growth ----------------------------------------------------------------


def _first_and_last_views(
    db: Db, since: dt.datetime | None, until: dt.datetime | None, **match: Any
) -> list[dict[str, Any]]:
    """Per article observed at least twice with a count in the window: its first and
    last count and when, the views gained and over how many days."""
    match["views"] = {"$ne": None}
    window = _window(since, until)
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
        days = (row["last_at"] - row["first_at"]).total_seconds() / 86400
        gained = int(row["last_views"]) - int(row["first_views"])
        rows.append(
            {
                "article_id": row["_id"],
                "first_views": row["first_views"],
                "last_views": row["last_views"],
                "gained": gained,
                "first_at": row["first_at"],
                "last_at": row["last_at"],
                "days": days,
                "per_day": gained / days if days > 0 else None,
                "observations": row["n"],
            }
        )
    return rows


def growth(
    db: Db,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int = 10,
    category: str | None = None,
    min_days: float = 0.0,
) -> list[dict[str, Any]]:
    """Fastest-growing articles: views gained per day between the first and last
    observation (with a count) inside the window, ranked by ``per_day``.

    Rows: ``article_id``, ``title``, ``category``, ``first_views``,
    ``last_views``, ``gained``, ``first_at``, ``last_at``, ``days``, ``per_day``,
    ``observations``. Articles seen once in the window cannot be ranked.
    """
    match: dict[str, Any] = {}
    if category is not None:
        match["article_id"] = {"$in": db.articles.distinct("_id", {"category": category})}
    rows = [
        row
        for row in _first_and_last_views(db, since, until, **match)
        if row["days"] > 0 and row["days"] >= min_days
    ]
    rows.sort(key=lambda r: (-r["per_day"], r["article_id"]))
    rows = rows[:limit]
    _add_titles(db, rows)
    return rows


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
    rows = _first_and_last_views(db, since, until)
    rows.sort(key=lambda r: (-r["gained"], r["article_id"]))
    rows = rows[:limit]
    _add_titles(db, rows)
    return rows


def _add_titles(db: Db, rows: list[dict[str, Any]]) -> None:
    docs = {
        a["_id"]: a
        for a in db.articles.find(
            {"_id": {"$in": [r["article_id"] for r in rows]}}, {"title": 1, "category": 1}
        )
    }
    for row in rows:
        doc = docs.get(row["article_id"], {})
        row["title"] = doc.get("title")
        row.setdefault("category", doc.get("category"))


# --- changes ---------------------------------------------------------------


def changes_since(db: Db, since: dt.datetime) -> dict[str, list[dict[str, Any]]]:
    """Articles new, edited, removed and moved since ``since`` (UTC).

    Each list holds article documents (``_id``, ``title``, ``url``, …, see
    ``LIST_FIELDS``). Edited ones carry ``revisions_since`` (their new revision
    numbers); moved ones carry ``moved_from`` (the URLs they left).
    """
    new = list(db.articles.find({"first_seen_at": {"$gte": since}}, LIST_FIELDS).sort("_id", 1))
    new_ids = {doc["_id"] for doc in new}
    edits: dict[str, list[int]] = {}
    for revision in db.revisions.find(
        {"number": {"$gt": 1}, "first_seen_at": {"$gte": since}}, {"article_id": 1, "number": 1}
    ).sort("number", 1):
        edits.setdefault(str(revision["article_id"]), []).append(int(revision["number"]))
    edited = list(db.articles.find({"_id": {"$in": sorted(edits)}}, LIST_FIELDS).sort("_id", 1))
    for doc in edited:
        doc["revisions_since"] = edits[doc["_id"]]
    removed = list(
        db.articles.find({"removed_at": {"$gte": since}}, LIST_FIELDS).sort("removed_at", -1)
    )
    moves = _moves_since(db, since)
    moved = list(
        db.articles.find({"_id": {"$in": sorted(set(moves) - new_ids)}}, LIST_FIELDS).sort("_id", 1)
    )
    for doc in moved:
        doc["moved_from"] = moves[doc["_id"]]
    return {"new": new, "edited": edited, "removed": removed, "moved": moved}


def _moves_since(db: Db, since: dt.datetime) -> dict[str, list[str]]:
    """Article id -> URLs it left since ``since``.

    Two signals: ``old_urls`` recorded by the store for an article seen since
    then, and a change of (canonical) URL between consecutive successful
    observations, the later one since then.
    """
    moves: dict[str, list[str]] = {}
    for doc in db.articles.find(
        {"old_urls.0": {"$exists": True}, "last_seen_at": {"$gte": since}}, {"old_urls": 1}
    ):
        moves[doc["_id"]] = [str(url) for url in doc.get("old_urls") or []]
    recent = db.observations.distinct(
        "article_id", {"fetched_at": {"$gte": since}, "status": {"$lt": 400}}
    )
    previous: dict[str, str] = {}
    cursor = db.observations.find(
        {"article_id": {"$in": recent}, "status": {"$lt": 400}},
        {"article_id": 1, "url": 1, "fetched_at": 1},
    ).sort([("article_id", 1), ("fetched_at", 1)])
    for obs in cursor:
        article_id, url = str(obs["article_id"]), str(obs.get("url") or "")
        before = previous.get(article_id)
        if (
            before is not None
            and url
            and canonical_url(before) != canonical_url(url)
            and obs["fetched_at"] >= since
        ):
            left = moves.setdefault(article_id, [])
            if before not in left:
                left.append(before)
        if url:
            previous[article_id] = url
    return moves


def changes(db: Db, since: dt.datetime) -> dict[str, Any]:
    """:func:`changes_since` with the moment it starts from, as ``since``."""
    return {"since": since, **changes_since(db, since)}


# --- search ----------------------------------------------------------------


def search(
    db: Db, text: str, *, limit: int = 20, category: str | None = None
) -> list[dict[str, Any]]:
    """Articles whose title, lede or body contain every word of ``text``,
    ignoring case and Vietnamese diacritics (``thuong truc tinh uy`` finds
    "Thường trực Tỉnh ủy").

    Regexes over the folded ``search_text`` field (works without text
    indexes); articles archived before that field existed are folded here.
    Rows: ``article_id``, ``title``, ``category``, ``url``, ``views``,
    ``updated_on``, ``removed_at``, ``snippet``, ``in_title``.
    """
    words = fold(text).split()
    if not words:
        raise ArchiveQueryError("nothing to search for")
    base: dict[str, Any] = {}
    if category is not None:
        base["category"] = category
    fields = {**LIST_FIELDS, "lede": 1, "body": 1}
    match = {"$and": [{"search_text": {"$regex": re.escape(word)}} for word in words], **base}
    hits = list(db.articles.find(match, fields))
    # articles written before ``search_text`` existed: fold them here
    for doc in db.articles.find({**base, "search_text": {"$exists": False}}, fields):
        folded = fold(_searchable(doc))
        if all(word in folded for word in words):
            hits.append(doc)
    rows = [_search_row(doc, words) for doc in hits]
    rows.sort(key=lambda r: (not r["in_title"], -(r["views"] or 0), r["article_id"]))
    return rows[:limit]


def _searchable(doc: dict[str, Any]) -> str:
    body = doc.get("body")
    if isinstance(body, list):
        body = "\n\n".join(str(part) for part in body)
    return "\n".join(str(part) for part in (doc.get("title"), doc.get("lede"), body) if part)


def _search_row(doc: dict[str, Any], words: Sequence[str]) -> dict[str, Any]:
    title = str(doc.get("title") or "")
    return {
        "article_id": doc["_id"],
        "title": title,
        "category": doc.get("category"),
        "url": doc.get("url"),
        "views": doc.get("views"),
        "updated_on": doc.get("updated_on"),
        "removed_at": doc.get("removed_at"),
        "in_title": all(word in fold(title) for word in words),
        "snippet": snippet(_searchable({**doc, "title": None}), words),
    }


def snippet(text: str, words: Sequence[str], width: int = 160) -> str:
    """A one-line excerpt of ``text`` around the first folded match of ``words``.

    ``fold`` keeps the length of NFC text, so a position in the folded text is
    the same position in the original.
    """
    text = " ".join(text.split())
    folded = fold(text)
    positions = [folded.find(word) for word in words]
    found = [p for p in positions if p >= 0]
    start = max(0, min(found) - width // 4) if found else 0
    end = min(len(text), start + width)
    excerpt = text[start:end]
    return ("…" if start else "") + excerpt + ("…" if end < len(text) else "")


# --- stats -----------------------------------------------------------------


def category_month_counts(db: Db) -> list[dict[str, Any]]:
    """Articles per category and month of ``updated_on``: ``category``, ``month``
    (``YYYY-MM``), ``articles``, ``removed``."""
    pipeline: list[dict[str, Any]] = [
        {
            "$group": {
                "_id": {
                    "category": "$category",
                    "month": {"$dateToString": {"format": "%Y-%m", "date": "$updated_on"}},
                    "removed": {"$ne": [{"$ifNull": ["$removed_at", None]}, None]},
                },
                "n": {"$sum": 1},
            }
        },
    ]
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for row in db.articles.aggregate(pipeline):
        key = (str(row["_id"].get("category") or "?"), str(row["_id"].get("month") or "?"))
        entry = merged.setdefault(
            key, {"category": key[0], "month": key[1], "articles": 0, "removed": 0}
        )
        entry["articles"] += int(row["n"])
        if row["_id"].get("removed"):
            entry["removed"] += int(row["n"])
    return sorted(merged.values(), key=lambda r: (r["month"], r["category"]))


def category_counts(db: Db) -> list[dict[str, Any]]:
    """Articles per category (all time): ``category``, ``articles``, ``live``, ``removed``."""
    merged: dict[str, dict[str, Any]] = {}
    for row in category_month_counts(db):
        entry = merged.setdefault(
            row["category"], {"category": row["category"], "articles": 0, "removed": 0}
        )
        entry["articles"] += row["articles"]
        entry["removed"] += row["removed"]
    for entry in merged.values():
        entry["live"] = entry["articles"] - entry["removed"]
    return sorted(merged.values(), key=lambda r: (-r["articles"], r["category"]))


def crawl_history(db: Db, limit: int | None = None) -> list[dict[str, Any]]:
    """Crawls, newest first: ``crawl_id``, ``mode``, ``status``, ``started_at``,
    ``finished_at``, ``seconds``, ``counts``, ``problems``."""
    cursor = db.crawls.find({}).sort("started_at", -1)
    if limit:
        cursor = cursor.limit(limit)
    rows = []
    for crawl in cursor:
        started, finished = crawl.get("started_at"), crawl.get("finished_at")
        seconds = (
            (finished - started).total_seconds()
            if isinstance(started, dt.datetime) and isinstance(finished, dt.datetime)
            else None
        )
        rows.append(
            {
                "crawl_id": crawl["_id"],
                "mode": crawl.get("mode"),
                "status": crawl.get("status"),
                "started_at": started,
                "finished_at": finished,
                "seconds": seconds,
                "counts": dict(crawl.get("counts") or {}),
                "problems": list(crawl.get("problems") or []),
            }
        )
    return rows


def site_views(db: Db) -> list[dict[str, Any]]:
    """The site's total views over time: per crawl, the sum of the view counts
    observed (``crawl_id``, ``at``, ``views``, ``articles`` counted), oldest first."""
    pipeline: list[dict[str, Any]] = [
        {"$match": {"views": {"$ne": None}}},
        {
            "$group": {
                "_id": "$crawl_id",
                "views": {"$sum": "$views"},
                "articles": {"$sum": 1},
                "at": {"$min": "$fetched_at"},
            }
        },
        {"$sort": {"at": 1}},
    ]
    return [
        {
            "crawl_id": row["_id"],
            "at": row["at"],
            "views": row["views"],
            "articles": row["articles"],
        }
        for row in db.observations.aggregate(pipeline)
    ]


def stats(db: Db, *, crawls: int = 10) -> dict[str, Any]:
    """Totals, articles per category and per category and month, the last
    ``crawls`` crawls and the site's total views per crawl."""
    return {
        "totals": totals(db),
        "categories": category_counts(db),
        "by_month": category_month_counts(db),
        "crawls": crawl_history(db, crawls),
        "site_views": site_views(db),
    }
