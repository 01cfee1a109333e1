"""Every article's view count of a site as one compact series, so that window
questions read two documents instead of millions of observations.

Each article of a site has a dense number ``n`` (``articles.n``).  A
:class:`SiteSeries` holds, by ``n``: the latest view count and when it was seen,
the first count and when, the category (as a code), the article's own date and
whether it is removed.  The crawl's store keeps one in memory, applies every
observation it writes, and saves it:

``series`` (one document per site)
    the current state, arrays zlib-compressed; ``as_of`` is the time of the last
    observation applied, ``crawl_id`` the crawl that saved it.
``series_days`` (one document per site and UTC day)
    the latest count and its time of every article *as of the end of that day*
    (the last save of the day wins).  Days older than :data:`DAILY_DAYS` are
    thinned to the last saved day of each ISO week.

A number in the series is always one a page showed (``-1``: none yet).  A crawl
that died before saving is caught up from the observation buckets when a store next
opens the site's series, before it writes anything (a journal replay included):
:meth:`hgcrawler.storage.mongo.MongoArchiveStore.state`.
"""

from __future__ import annotations

import array
import datetime as dt
import sys
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bson.binary import Binary
from pymongo.database import Database

from hgcrawler.storage.schema import CRAWLS, REJECTS, REVISIONS, SERIES, SERIES_DAYS

__all__ = [
    "DAILY_DAYS",
    "EDITED",
    "MOVED",
    "REMOVED",
    "DaySnapshot",
    "SiteSeries",
    "from_seconds",
    "seconds",
]

UTC = dt.UTC
EPOCH = dt.datetime(2000, 1, 1, tzinfo=UTC)
#: Days kept one snapshot a day; older ones keep the last of each ISO week.
DAILY_DAYS = 92
NONE = -1
#: Flags of an article in :attr:`SiteSeries.flags`.
REMOVED, EDITED, MOVED = 1, 2, 4

Db = Database[dict[str, Any]]


def seconds(moment: dt.datetime) -> int:
    """Whole seconds since 2000-01-01 UTC (0 means never; a uint32 lasts until 2136)."""
    return max(1, int((moment.astimezone(UTC) - EPOCH).total_seconds()))


def from_seconds(value: int) -> dt.datetime | None:
    return None if value <= 0 else EPOCH + dt.timedelta(seconds=value)


def _day_number(moment: Any) -> int:
    """Days since 2000-01-01 of a date (0 when unknown)."""
    if moment is None:
        return 0
    day = moment.date() if isinstance(moment, dt.datetime) else moment
    return max(0, (day - EPOCH.date()).days + 1)


def _pack(values: array.array[int]) -> Binary:
    copy = array.array(values.typecode, values)
    if sys.byteorder == "big":
        copy.byteswap()
    return Binary(zlib.compress(copy.tobytes(), 6))


def _unpack(typecode: str, data: bytes | None, length: int, fill: int) -> array.array[int]:
    values = array.array(typecode)
    if data:
        values.frombytes(zlib.decompress(data))
        if sys.byteorder == "big":
            values.byteswap()
    if len(values) < length:
        values.extend([fill] * (length - len(values)))
    return values


@dataclass
class DaySnapshot:
    """Every article's latest count and its time, as of the end of one day."""

    site: str
    day: dt.datetime
    views: array.array[int]
    seen: array.array[int]
    at: dt.datetime | None = None

    def count(self, n: int) -> tuple[int | None, dt.datetime | None]:
        if n >= len(self.views) or self.views[n] < 0:
            return None, None
        return self.views[n], from_seconds(self.seen[n])

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> DaySnapshot:
        length = int(doc.get("length") or 0)
        return cls(
            site=str(doc["site"]),
            day=doc["day"],
            views=_unpack("q", doc.get("views"), length, NONE),
            seen=_unpack("L", doc.get("seen"), length, 0),
            at=doc.get("at"),
        )


@dataclass
class SiteSeries:
    """The current view count state of one site's articles (see the module doc)."""

    site: str
    views: array.array[int] = field(default_factory=lambda: array.array("q"))
    seen: array.array[int] = field(default_factory=lambda: array.array("L"))
    first_views: array.array[int] = field(default_factory=lambda: array.array("q"))
    first_seen: array.array[int] = field(default_factory=lambda: array.array("L"))
    category: array.array[int] = field(default_factory=lambda: array.array("H"))
    updated: array.array[int] = field(default_factory=lambda: array.array("H"))
    flags: bytearray = field(default_factory=bytearray)  # REMOVED | EDITED | MOVED
    categories: list[str] = field(default_factory=lambda: [""])
    observations: int = 0
    as_of: dt.datetime | None = None
    crawl_id: str | None = None
    changed: bool = False
    #: revisions, rejects and crawls of the whole archive when the series was last saved
    #: at a crawl's end (counting them reads every document on SecantusDB: a crawl's end
    #: pays it, not every question)
    archive_counts: dict[str, int] | None = None

    def __len__(self) -> int:
        return len(self.views)

    # --- changes ----------------------------------------------------------------

    def _grow(self, n: int) -> None:
        missing = n + 1 - len(self.views)
        if missing <= 0:
            return
        self.views.extend([NONE] * missing)
        self.seen.extend([0] * missing)
        self.first_views.extend([NONE] * missing)
        self.first_seen.extend([0] * missing)
        self.category.extend([0] * missing)
        self.updated.extend([0] * missing)
        self.flags.extend(b"\x00" * missing)

    def category_code(self, name: str | None) -> int:
        if not name:
            return 0
        try:
            return self.categories.index(name)
        except ValueError:
            self.categories.append(name)
            return len(self.categories) - 1

    def describe(self, n: int, *, category: Any = None, updated_on: Any = None) -> None:
        """What an article is: its category and its own date."""
        self._grow(n)
        self.category[n] = min(self.category_code(str(category) if category else None), 65535)
        self.updated[n] = min(_day_number(updated_on), 65535)
        self.changed = True

    def mark(self, n: int, flag: int) -> None:
        """The article was edited (:data:`EDITED`) or moved (:data:`MOVED`)."""
        self._grow(n)
        self.flags[n] |= flag
        self.changed = True

    def observe(self, n: int, views: int | None, at: dt.datetime, *, counted: bool = True) -> None:
        """An observation: a count (or none) seen at ``at``; the article is live.
        ``counted=False``: one already counted in :attr:`observations` (applied again, or
        replacing another of its crawl)."""
        self._grow(n)
        self.flags[n] &= ~REMOVED & 0xFF
        self.observations += counted
        stamp = seconds(at)
        if views is not None and views >= 0 and stamp >= self.seen[n]:
            self.views[n] = views
            self.seen[n] = stamp
            if self.first_views[n] < 0 or stamp < self.first_seen[n]:
                self.first_views[n] = views
                self.first_seen[n] = stamp
        if self.as_of is None or at > self.as_of:
            self.as_of = at
        self.changed = True

    def remove(self, n: int, at: dt.datetime, *, counted: bool = True) -> None:
        self._grow(n)
        self.flags[n] |= REMOVED
        self.observations += counted
        if self.as_of is None or at > self.as_of:
            self.as_of = at
        self.changed = True

    def forget(self, n: int) -> None:
        """An article number no longer in use (its article was joined into another)."""
        if n < len(self.views):
            self.views[n] = NONE
            self.seen[n] = 0
            self.first_views[n] = NONE
            self.first_seen[n] = 0
            self.updated[n] = 0
            self.flags[n] = REMOVED
            self.changed = True

    # --- reading ------------------------------------------------------------------

    def total(self) -> tuple[int, int]:
        """The sum of the latest counts and how many articles have one."""
        counted = [v for v in self.views if v >= 0]
        return sum(counted), len(counted)

    def exists(self, n: int) -> bool:
        """An article has this number (every archived article has a date)."""
        return n < len(self.updated) and self.updated[n] > 0

    def live(self, n: int) -> bool:
        return self.exists(n) and not self.flags[n] & REMOVED

    def counts(self) -> dict[str, int]:
        """Articles, live, removed, edited and moved ones, and observations."""
        articles = removed = edited = moved = 0
        for n, day in enumerate(self.updated):
            if day <= 0:
                continue
            articles += 1
            flag = self.flags[n]
            removed += bool(flag & REMOVED)
            edited += bool(flag & EDITED)
            moved += bool(flag & MOVED)
        return {
            "articles": articles,
            "live": articles - removed,
            "removed": removed,
            "edited": edited,
            "moved": moved,
            "observations": self.observations,
        }

    def category_of(self, n: int) -> str:
        code = self.category[n] if n < len(self.category) else 0
        return self.categories[code] if code < len(self.categories) else ""

    def updated_day(self, n: int) -> int:
        return self.updated[n] if n < len(self.updated) else 0

    # --- documents --------------------------------------------------------------

    def to_doc(self) -> dict[str, Any]:
        total, counted = self.total()
        return {
            "_id": self.site,
            "site": self.site,
            "length": len(self.views),
            "views": _pack(self.views),
            "seen": _pack(self.seen),
            "first_views": _pack(self.first_views),
            "first_seen": _pack(self.first_seen),
            "category": _pack(self.category),
            "updated": _pack(self.updated),
            "flags": Binary(zlib.compress(bytes(self.flags), 6)),
            "observations": self.observations,
            "categories": list(self.categories),
            "as_of": self.as_of,
            "crawl_id": self.crawl_id,
            "total": total,
            "counted": counted,
            "archive_counts": self.archive_counts,
        }

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any] | None, site: str) -> SiteSeries:
        if not doc:
            return cls(site=site)
        length = int(doc.get("length") or 0)
        flags = bytearray(zlib.decompress(doc["flags"])) if doc.get("flags") else bytearray()
        flags.extend(b"\x00" * (length - len(flags)))
        return cls(
            site=site,
            views=_unpack("q", doc.get("views"), length, NONE),
            seen=_unpack("L", doc.get("seen"), length, 0),
            first_views=_unpack("q", doc.get("first_views"), length, NONE),
            first_seen=_unpack("L", doc.get("first_seen"), length, 0),
            category=_unpack("H", doc.get("category"), length, 0),
            updated=_unpack("H", doc.get("updated"), length, 0),
            flags=flags,
            observations=int(doc.get("observations") or 0),
            categories=list(doc.get("categories") or [""]),
            as_of=doc.get("as_of"),
            crawl_id=doc.get("crawl_id"),
            archive_counts=doc.get("archive_counts"),
        )

    def day_doc(self, day: dt.date, at: dt.datetime) -> dict[str, Any]:
        total, counted = self.total()
        return {
            "_id": f"{self.site}:{day.isoformat()}",
            "site": self.site,
            "day": dt.datetime(day.year, day.month, day.day, tzinfo=UTC),
            "at": at,
            "crawl_id": self.crawl_id,
            "length": len(self.views),
            "views": _pack(self.views),
            "seen": _pack(self.seen),
            "total": total,
            "counted": counted,
        }

    # --- persistence --------------------------------------------------------------

    @classmethod
    def load(cls, db: Db, site: str) -> SiteSeries:
        return cls.from_doc(db[SERIES].find_one({"_id": site}), site)

    def save(self, db: Db, now: dt.datetime, *, day: bool = True) -> None:
        """Save the state and (``day``) the snapshot of ``now``'s UTC day; thin old days;
        ``day`` also counts the archive's revisions, rejects and crawls."""
        if day:
            self.archive_counts = {
                name: int(db[name].estimated_document_count())
                for name in (REVISIONS, REJECTS, CRAWLS)
            }
        db[SERIES].replace_one({"_id": self.site}, self.to_doc(), upsert=True)

        if day:
            doc = self.day_doc(now.astimezone(UTC).date(), now)
            db[SERIES_DAYS].replace_one({"_id": doc["_id"]}, doc, upsert=True)
            thin_days(db, self.site, now)
        self.changed = False


def thin_days(db: Db, site: str, now: dt.datetime) -> int:
    """Keep one snapshot per ISO week (its last) among days older than :data:`DAILY_DAYS`."""
    cutoff = dt.datetime.combine(
        now.astimezone(UTC).date() - dt.timedelta(days=DAILY_DAYS), dt.time(), UTC
    )
    old = list(
        db[SERIES_DAYS].find(
            {"site": site, "day": {"$lt": cutoff, "$gte": cutoff - dt.timedelta(days=21)}},
            {"day": 1},
        )
    )
    by_week: dict[tuple[int, int], list[dt.datetime]] = {}
    for doc in old:
        year, week, _ = doc["day"].isocalendar()
        by_week.setdefault((year, week), []).append(doc["day"])
    doomed = [
        f"{site}:{day.date().isoformat()}" for days in by_week.values() for day in sorted(days)[:-1]
    ]
    if doomed:
        db[SERIES_DAYS].delete_many({"_id": {"$in": doomed}})
    return len(doomed)


def day_before(db: Db, site: str, moment: dt.datetime) -> DaySnapshot | None:
    """The last snapshot of a day before ``moment``'s day (counts as of that moment)."""
    day = dt.datetime.combine(moment.astimezone(UTC).date(), dt.time(), UTC)
    return _nearest(db, site, "$lt", day)


def day_at(db: Db, site: str, moment: dt.datetime) -> DaySnapshot | None:
    """The last snapshot of ``moment``'s day or before."""
    day = dt.datetime.combine(moment.astimezone(UTC).date(), dt.time(), UTC)
    return _nearest(db, site, "$lte", day)


#: Days before a moment where its snapshot is looked for first; then 6 times as many…
NEAREST_FIRST_DAYS = 3


def _nearest(db: Db, site: str, operator: str, day: dt.datetime) -> DaySnapshot | None:
    """The snapshot of the last day ``operator`` (``$lt``/``$lte``) ``day``.

    Looked for in the few days before ``day``, then in a range 6 times longer before
    that, and so on back to 2000, so that a recent moment reads a few day documents
    whatever the history's length.  (No "is there anything earlier" look-up between:
    on SecantusDB a limit, sorted or not, still reads its whole range.)"""
    collection = db[SERIES_DAYS]
    bound: dict[str, Any] = {operator: day}
    low = day
    span = dt.timedelta(days=NEAREST_FIRST_DAYS)
    while True:
        low -= span
        query = {"site": site, "day": {**bound, "$gte": low}}
        days = [doc["day"] for doc in collection.find(query, {"day": 1})]
        if days:
            doc = collection.find_one({"_id": f"{site}:{max(days).date().isoformat()}"})
            return DaySnapshot.from_doc(doc) if doc else None
        if low < EPOCH:
            return None
        bound, span = {"$lt": low}, span * 6


def day_totals(db: Db, sites: Iterable[str]) -> list[dict[str, Any]]:
    """Per site and day: the sum of every article's latest count as of that day."""
    query: dict[str, Any] = {"site": {"$in": sorted(sites)}}
    fields = {"site": 1, "day": 1, "at": 1, "total": 1, "counted": 1, "crawl_id": 1}
    return sorted(db[SERIES_DAYS].find(query, fields), key=lambda d: (d["day"], d["site"]))
