"""Observations (one per article per crawl), kept in one bucket per article and month.

A bucket is ``{_id: "<article id>|<YYYY-MM>", site, article_id, month, first_at,
last_at, obs: [entry, ...]}`` (``month``: 00:00 UTC of the first day of the UTC
month of its entries' ``at``; ``first_at``/``last_at``: the first and last entry's
time) and an entry is::

    {"at": datetime, "crawl": crawl id, "status": 200, "views": 361 (or absent),
     "rev": revision number shown, "src": how the count was obtained,
     "missing": why there is no count, "flags": ["views_down"], "warc": location}

Writing is idempotent: an entry goes in only when its bucket does not yet hold
one of the same crawl (an update filtered on ``obs.crawl`` ``$ne``, with upsert;
when the bucket exists and holds it, the upsert's insert fails on the ``_id``
and that failure means "already written").

A month, not a year: every write reads and rewrites the whole bucket (SecantusDB
stores documents whole), so its cost follows the bucket's size; a month's bucket
stays a few entries however long the archive runs (``benchmarks/buckets.py``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pymongo import DeleteOne, UpdateOne
from pymongo.database import Database
from pymongo.errors import BulkWriteError

from hgcrawler.storage.kinds import ArticleRecord, GoneRecord
from hgcrawler.storage.schema import OBSERVATIONS, observation_bucket_id, observation_month

__all__ = [
    "DUPLICATE_KEY",
    "BucketOps",
    "article_entry",
    "count_of",
    "crawl_entries",
    "entries_of",
    "gone_entry",
    "months_between",
    "move_entries",
]

DUPLICATE_KEY = 11000

Db = Database[dict[str, Any]]


@dataclass
class BucketOps:
    """Bucket updates to run together: the pulls of replaced entries, then the pushes."""

    pulls: list[UpdateOne] = field(default_factory=list)
    pushes: list[UpdateOne] = field(default_factory=list)
    replaced: set[str] = field(default_factory=set)  # buckets that lose an entry

    def __bool__(self) -> bool:
        return bool(self.pulls or self.pushes)

    def add(
        self,
        site: str,
        article_id: str,
        entry: Mapping[str, Any],
        *,
        replace_at: dt.datetime | None = None,
    ) -> None:
        """File ``entry`` in its bucket unless its crawl is there already; ``replace_at``:
        instead of the crawl's entry of that time (a 404 the article's page replaces),
        which may be in another month's bucket."""
        at: dt.datetime = entry["at"]
        bucket = observation_bucket_id(article_id, at)
        if replace_at is not None:
            replaced = observation_bucket_id(article_id, replace_at)
            self.replaced.add(replaced)
            self.pulls.append(
                UpdateOne({"_id": replaced}, {"$pull": {"obs": {"crawl": entry["crawl"]}}})
            )
        self.pushes.append(
            UpdateOne(
                {"_id": bucket, "obs.crawl": {"$ne": entry["crawl"]}},
                {
                    "$setOnInsert": {
                        "site": site,
                        "article_id": article_id,
                        "month": observation_month(at),
                    },
                    "$push": {"obs": dict(entry)},
                    "$min": {"first_at": at},
                    "$max": {"last_at": at},
                },
                upsert=True,
            )
        )

    def run(self, db: Db) -> None:
        """Write them, taking "already there" (a duplicate ``_id`` of a filtered upsert)
        as done: replaying a batch writes nothing twice."""
        for group in (self.pulls, self.pushes):
            if not group:
                continue
            try:
                db[OBSERVATIONS].bulk_write(group, ordered=False)
            except BulkWriteError as exc:
                errors = exc.details.get("writeErrors") or []
                if any(error.get("code") != DUPLICATE_KEY for error in errors):
                    raise
        if self.replaced:
            _rebound(db, sorted(self.replaced))
        self.pulls, self.pushes, self.replaced = [], [], set()


def _rebound(db: Db, bucket_ids: list[str]) -> None:
    """``first_at`` and ``last_at`` of buckets that lost an entry: ``$min``/``$max`` only
    widen them, so a replaced entry's time would stay as a bound no entry has.  A bucket
    left empty (its one entry replaced by one of the next month) goes."""
    fixes: list[UpdateOne | DeleteOne] = []
    for doc in db[OBSERVATIONS].find({"_id": {"$in": bucket_ids}}, {"obs.at": 1}):
        times = [entry["at"] for entry in doc.get("obs") or []]
        if times:
            bounds = {"first_at": min(times), "last_at": max(times)}
            fixes.append(UpdateOne({"_id": doc["_id"]}, {"$set": bounds}))
        else:
            fixes.append(DeleteOne({"_id": doc["_id"], "obs": {"$size": 0}}))
    if fixes:
        db[OBSERVATIONS].bulk_write(fixes, ordered=False)


def entry_warc(location: Mapping[str, Any]) -> dict[str, Any]:
    """Where an observation's raw response is: file, offset and length.  The WARC
    record id stays on the revision only; the offset finds the record, and a bucket
    entry is ≈ 60 bytes smaller without it (one per visit, millions of them)."""
    return {k: v for k, v in location.items() if k != "record_id"}


def article_entry(
    record: ArticleRecord,
    *,
    at: dt.datetime,
    crawl_id: str,
    status: int,
    revision: int,
    flags: list[str],
) -> dict[str, Any]:
    """The entry of an article page: its count (or why there is none), the revision
    it showed, and the address it was fetched from (the site's hosts are many)."""
    entry: dict[str, Any] = {
        "at": at,
        "crawl": crawl_id,
        "status": status,
        "rev": revision,
        "url": record.url,
    }
    if record.views is not None:
        entry["views"] = record.views
    else:
        entry["missing"] = record.views_missing_reason
    if record.views is not None and record.views_source:
        entry["src"] = record.views_source
    elif record.rendered:
        entry["src"] = "rendered"
    if flags:
        entry["flags"] = flags
    if record.warc:
        entry["warc"] = entry_warc(record.warc)
    return entry


def gone_entry(
    record: GoneRecord, *, at: dt.datetime, crawl_id: str, status: int, current_url: Any
) -> dict[str, Any]:
    """The entry of a 404/410 of an article (``url`` only where it is not the article's
    ``current_url``)."""
    entry: dict[str, Any] = {"at": at, "crawl": crawl_id, "status": status}
    if record.url and record.url != current_url:
        entry["url"] = record.url
    if record.warc:
        entry["warc"] = entry_warc(record.warc)
    return entry


def months_between(first: dt.datetime, last: dt.datetime) -> list[dt.datetime]:
    """The bucket months from ``first``'s to ``last``'s, both included.

    >>> [m.strftime("%Y-%m") for m in months_between(
    ...     dt.datetime(2026, 11, 30, 23, 0), dt.datetime(2027, 1, 2, 1, 0))]
    ['2026-11', '2026-12', '2027-01']
    """
    month, end = observation_month(first), observation_month(last)
    months: list[dt.datetime] = []
    while month <= end:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def crawl_entries(
    db: Db, article_ids: Iterable[str], crawl_id: str, months: Iterable[dt.datetime]
) -> dict[str, dict[str, Any]]:
    """Article id -> its entry of ``crawl_id`` (in the buckets of the months of the
    moments ``months``: the crawl's, see ``BatchWriter._months``)."""
    periods = sorted({observation_month(moment) for moment in months})
    ids = [observation_bucket_id(a, month) for a in article_ids for month in periods]
    found: dict[str, dict[str, Any]] = {}
    if not ids:
        return found
    # By id alone, the crawl checked here: a filter of one indexed field is planned on
    # its index by any server (SecantusDB's explain calls ``_id`` + ``obs.crawl`` a scan).
    for doc in db[OBSERVATIONS].find({"_id": {"$in": ids}}, {"article_id": 1, "obs": 1}):
        for entry in doc.get("obs") or []:
            if entry.get("crawl") == crawl_id:
                found[str(doc["article_id"])] = entry
    return found


def entries_of(db: Db, article_id: str) -> list[dict[str, Any]]:
    """Every observation of an article, oldest first."""
    entries: list[dict[str, Any]] = []
    for doc in db[OBSERVATIONS].find({"article_id": article_id}):
        entries.extend(doc.get("obs") or [])
    entries.sort(key=lambda entry: entry["at"])
    return entries


def move_entries(db: Db, from_id: str, into_id: str, site: str) -> int:
    """Observations of article ``from_id`` become observations of ``into_id``: where both
    have one of the same crawl, the page (status < 400) wins over a 404/410."""
    moved = 0
    mine = {entry["crawl"]: entry for entry in entries_of(db, into_id)}
    ops = BucketOps()
    for entry in entries_of(db, from_id):
        existing = mine.get(entry["crawl"])
        if existing is None:
            ops.add(site, into_id, entry)
        elif int(existing.get("status") or 0) >= 400 and int(entry.get("status") or 0) < 400:
            ops.add(site, into_id, entry, replace_at=existing["at"])
        moved += 1
    ops.run(db)
    db[OBSERVATIONS].delete_many({"article_id": from_id})
    return moved


def count_of(db: Db, article_id: str) -> int:
    """How many observations an article has."""
    buckets = db[OBSERVATIONS].find({"article_id": article_id}, {"obs": 1})
    return sum(len(doc.get("obs") or []) for doc in buckets)
