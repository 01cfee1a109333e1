"""Questions the browser (``hgcrawler serve``) asks of the archive, beside
:class:`~hgcrawler.storage.reader.ArchiveReader`'s: a page of articles under any
filter and sort, one article with everything known of it, a crawl with its rejected
pages, the crawls of a period.  Everything here reads; nothing writes.

The article list is answered from each site's series (one document per site, every
article's count, category, date and flags by article number) and the postings
lists, never by reading the articles: the filter and the sort run over those
arrays, and only the page's rows are fetched, by ``(site, n)``.  Growth over a
window reads one day snapshot per site (the counts as the window opened).  So a
page costs the same whatever filter is chosen, at 50,000 articles as at 50.

Every filter sent is one an index serves (``tests/test_query_plans.py``).
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
from pymongo.errors import PyMongoError

from hgcrawler.storage.postings import BLOCK, lookup, words_of
from hgcrawler.storage.reader import LIST_FIELDS, ArchiveQueryError, ArchiveReader, Db, snippet
from hgcrawler.storage.schema import ARTICLES, CRAWLS, MOVES, REJECTS, REVISIONS, SITES
from hgcrawler.storage.series import EDITED, MOVED, REMOVED, SiteSeries, day_before, seconds

__all__ = [
    "DATABASE_ERRORS",
    "SORTS",
    "STATES",
    "TIMELINE_FIELDS",
    "ArchiveMemo",
    "ArticlePage",
    "ArticleQuery",
    "MemoReader",
    "article_detail",
    "browse_articles",
    "capture_location",
    "crawl_detail",
    "crawls_between",
    "remembered",
    "site_summary",
]

UTC = dt.UTC
T = TypeVar("T")
_ORIGIN = dt.date(2000, 1, 1)

#: What a failing or lost database raises (so callers outside storage need no pymongo).
DATABASE_ERRORS: tuple[type[Exception], ...] = (PyMongoError,)

#: The states an article can be filtered on.
STATES = ("live", "edited", "removed", "moved", "doubtful")
#: The orders of the list: views, views gained in the window, the article's own date,
#: the article's last change (text, removal or move).
SORTS = ("views", "growth", "date", "changed")
#: The first window :func:`_last_changes` looks back over; each next one is twice as long.
CHANGE_WINDOW = dt.timedelta(days=7)
#: The most article numbers looked up at a time for the changes of a window, newest first
#: (each costs a document read: look up no more than the page needs).
CHANGE_CHUNK = 500
#: How deep the order by last change goes, in articles (each page reads further back):
#: five pages of 50.
CHANGE_DEPTH = 250
#: Fields of a crawl shown in lists (never the fill rates).
CRAWL_FIELDS = {
    "site": 1,
    "mode": 1,
    "status": 1,
    "started_at": 1,
    "finished_at": 1,
    "counts": 1,
    "problems": 1,
}


def _day_number(day: dt.date) -> int:
    """A date as the series counts days (``series._day_number``)."""
    return (day - _ORIGIN).days + 1


@dataclass(frozen=True)
class ArticleQuery:
    """What the article list shows: filters, order and page."""

    text: str = ""
    site: str | None = None
    category: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None  # inclusive
    state: str | None = None
    sort: str = "views"
    window_days: int = 30  # the growth window: the last N days
    page: int = 1
    per_page: int = 50

    def __post_init__(self) -> None:
        if self.state is not None and self.state not in STATES:
            raise ArchiveQueryError(f"no state {self.state!r}; one of {', '.join(STATES)}")
        if self.sort not in SORTS:
            raise ArchiveQueryError(f"no order {self.sort!r}; one of {', '.join(SORTS)}")
        if self.window_days < 1:
            raise ArchiveQueryError("the growth window is at least one day")
        if self.page < 1 or not 1 <= self.per_page <= 500:
            raise ArchiveQueryError("pages are numbered from 1, of 1 to 500 rows")
        if self.sort == "changed" and self.page * self.per_page > CHANGE_DEPTH:
            raise ArchiveQueryError(
                f"the order by last change goes {CHANGE_DEPTH} articles deep (each page reads "
                "further back in time): narrow the list with filters, or order by date"
            )


@dataclass
class ArticlePage:
    """One page of the article list."""

    query: ArticleQuery
    rows: list[dict[str, Any]]
    total: int
    sites: list[str]
    categories: list[str]
    window_since: dt.datetime | None = None
    words: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        pages = max(1, -(-self.total // self.query.per_page))
        if self.query.sort == "changed":
            return min(pages, max(1, CHANGE_DEPTH // self.query.per_page))
        return pages


#: The fields extraction may doubt (an article's ``doubtful`` list names some of them).
DOUBTABLE = (
    "title", "category", "updated_on", "views", "lede", "body", "images", "author", "source",
)  # fmt: skip


def _doubtful(reader: ArchiveReader, site: str) -> set[int]:
    """Numbers of the articles of ``site`` whose fields are in doubt: those whose
    current state names doubtful fields (``doubtful``, set by the plausibility checks
    when the page was read), and those a degraded crawl found without fields their
    page had shown (``layout_changed`` rejects: the archive kept the last good
    values).  With those no page ever showed a count of (the caller's mask), they
    are the articles the list shows as doubtful."""
    numbers: set[int] = set()
    for doc in reader.db[ARTICLES].find(
        {"doubtful": {"$in": list(DOUBTABLE)}}, {"n": 1, "site": 1}
    ):  # the (doubtful) index: few articles, whatever the archive's size
        if doc.get("site") == site and doc.get("n") is not None:
            numbers.add(int(doc["n"]))
    degraded = [
        str(doc["_id"])
        for doc in reader.db[CRAWLS].find({"status": "degraded"}, {"site": 1})
        if doc.get("site") == site
    ]
    if not degraded:
        return numbers
    lost = {
        str(doc["article_id"])
        for doc in reader.db[REJECTS].find(
            {"crawl_id": {"$in": degraded}}, {"article_id": 1, "reason": 1}
        )
        if doc.get("reason") == "layout_changed" and doc.get("article_id")
    }
    if lost:
        for doc in reader.db[ARTICLES].find({"_id": {"$in": sorted(lost)}}, {"n": 1}):
            if doc.get("n") is not None:
                numbers.add(int(doc["n"]))
    return numbers


def _column(values: Any) -> Any:
    """An ``array.array`` (or ``bytearray``) of the series as a numpy view, no copy."""
    if isinstance(values, bytearray):
        return np.frombuffer(bytes(values), dtype=np.uint8)
    kind = "i" if values.typecode.islower() else "u"
    return np.frombuffer(values, dtype=f"{kind}{values.itemsize}")


def _state_mask(state: str | None, flags: Any, views: Any, doubtful: set[int]) -> Any:
    if state is None:
        return True
    if state == "live":
        return (flags & REMOVED) == 0
    if state == "removed":
        return (flags & REMOVED) != 0
    if state == "edited":
        return (flags & EDITED) != 0
    if state == "moved":
        return (flags & MOVED) != 0
    mask = views < 0
    if doubtful:
        mask = mask.copy()
        mask[[n for n in doubtful if n < len(mask)]] = True
    return mask


def _chosen(
    reader: ArchiveReader,
    site: str,
    series: SiteSeries,
    query: ArticleQuery,
    words: list[str],
    since: dt.datetime,
) -> tuple[Any, Any, Any]:
    """The numbers of the site's articles matching ``query``, their sort keys (ascending
    is the order shown) and, for growth, the views gained (else None)."""
    length = len(series)
    views = _column(series.views)
    updated = _column(series.updated)
    mask = updated > 0  # an article has this number
    if query.date_from:
        mask &= updated >= _day_number(query.date_from)
    if query.date_to:
        mask &= updated <= _day_number(query.date_to)
    if query.category:
        mask &= _column(series.category) == series.categories.index(query.category)
    if words:
        found = np.zeros(length, dtype=bool)
        numbers = [
            n for n in lookup(reader.db, site, "x", words, length // BLOCK + 1) if n < length
        ]
        found[numbers] = True
        mask &= found
    doubtful = _doubtful(reader, site) if query.state == "doubtful" else set()
    mask &= _state_mask(query.state, _column(series.flags), views, doubtful)
    gained = None
    if query.sort == "views":
        key = -views
    elif query.sort in ("date", "changed"):  # "changed": ordered by _last_changes
        key = -updated.astype(np.int64)
    else:
        before = np.full(length, -1, dtype=np.int64)
        start = day_before(reader.db, site, since)
        if start is not None:
            snapshot = _column(start.views)[:length]
            before[: len(snapshot)] = snapshot
        # first counted inside the window: from its first count
        fresh = (before < 0) & (_column(series.first_seen) >= seconds(since))
        before = np.where(fresh, _column(series.first_views), before)
        mask &= (views >= 0) & (before >= 0)
        gained = views - before
        key = -gained
    chosen = np.flatnonzero(mask)
    return chosen, key[chosen], gained[chosen] if gained is not None else None


def browse_articles(
    reader: ArchiveReader, query: ArticleQuery, *, now: dt.datetime | None = None
) -> ArticlePage:
    """A page of the articles matching ``query`` (see :class:`ArticleQuery`): the filter
    and the order run over the sites' series as numpy arrays; only the page's articles
    are read."""
    now = now or dt.datetime.now(UTC)
    sites = reader.sites
    if query.site is not None:
        if query.site not in sites:
            raise ArchiveQueryError(f"no site {query.site!r} in the archive")
        sites = [query.site]
    words = sorted(words_of(query.text)) if query.text.strip() else []
    if query.text.strip() and not words:
        raise ArchiveQueryError("nothing to search for (letters or digits)")
    since = now - dt.timedelta(days=query.window_days)
    categories: set[str] = set()
    parts: list[tuple[int, Any, Any, Any]] = []  # (site index, numbers, keys, gained)
    for index, site in enumerate(sites):
        series = reader.series(site)
        categories.update(c for c in series.categories[1:] if c)
        if not len(series) or (query.category and query.category not in series.categories):
            continue
        numbers, keys, gained = _chosen(reader, site, series, query, words, since)
        parts.append((index, numbers, keys, gained))
    if parts:
        numbers = np.concatenate([p[1] for p in parts])
        keys = np.concatenate([p[2] for p in parts])
        site_of = np.concatenate([np.full(len(p[1]), p[0], dtype=np.int64) for p in parts])
        gains = np.concatenate([p[3] for p in parts]) if query.sort == "growth" else None
        order = np.lexsort((numbers, site_of, keys))  # by key, then site, then number
    else:
        numbers = keys = site_of = order = np.zeros(0, dtype=np.int64)
        gains = None
    total = len(order)
    first = (query.page - 1) * query.per_page
    shown = order[first : first + query.per_page]
    page = [(sites[int(site_of[i])], int(numbers[i])) for i in shown]
    changed_at: dict[tuple[str, int], dt.datetime] = {}
    if query.sort == "changed":
        matching: dict[str, set[int]] = {site: set() for site in sites}
        for i in range(len(numbers)):
            matching[sites[int(site_of[i])]].add(int(numbers[i]))
        latest = _last_changes(reader, matching, first + query.per_page, now)
        page = [(site, n) for _, site, n in latest[first : first + query.per_page]]
        changed_at = {(site, n): when for when, site, n in latest}
    gained = (
        {(sites[int(site_of[i])], int(numbers[i])): int(gains[i]) for i in shown}
        if gains is not None
        else {}
    )
    rows = _rows(reader, page, words)
    for row in rows:
        row["gained"] = gained.get((row["site"], row["n"]))
        row["changed_at"] = changed_at.get((row["site"], row["n"]))
    return ArticlePage(
        query=query,
        rows=rows,
        total=total,
        sites=reader.sites,
        categories=sorted(categories),
        window_since=since if query.sort == "growth" else None,
        words=words,
    )


def _last_changes(
    reader: ArchiveReader, matching: dict[str, set[int]], wanted: int, now: dt.datetime
) -> list[tuple[dt.datetime, str, int]]:
    """At least ``wanted`` of the ``matching`` articles (numbers by site) whose text, state
    or address changed last, newest first: ``(when, site, n)``.

    An article's last change is the latest of: when its newest revision was first seen
    (for a new article, when it was first archived), when it was removed, when it moved.
    Those are three indexed ranges by site (``revisions``, ``articles.removed_at``,
    ``moves``), read back from ``now`` in windows of 7 days, then twice as long each
    time, until enough are found: a first page reads a week or a month of changes.  A
    filter that few recent changes pass reads further back (at worst every revision of
    the site); it goes :data:`CHANGE_DEPTH` articles deep."""
    found: dict[tuple[str, int], dt.datetime] = {}
    per_site: dict[str, int] = {}
    # article id -> number, kept between requests when the reader keeps things (an id's
    # number never changes; a joined article's is forgotten with the memo)
    numbers_by_id: dict[str, int] = remembered(reader, "numbers by id", dict)
    end, span = now + dt.timedelta(days=1), CHANGE_WINDOW
    floor = dt.datetime(2000, 1, 1, tzinfo=UTC)
    while end > floor:
        start = max(end - span, floor)
        window = {"$gte": start, "$lt": end}
        for site, numbers in matching.items():
            if not numbers:
                continue
            events: dict[str, dt.datetime] = {}  # article id -> latest change in the window
            by_id = numbers_by_id
            for doc in reader.db[REVISIONS].find(
                {"site": site, "first_seen_at": window}, {"article_id": 1, "first_seen_at": 1}
            ):
                _latest(events, str(doc["article_id"]), doc.get("first_seen_at"))
            for doc in reader.db[MOVES].find(
                {"site": site, "at": window}, {"article_id": 1, "at": 1}
            ):
                _latest(events, str(doc["article_id"]), doc.get("at"))
            for doc in reader.db[ARTICLES].find(
                {"site": site, "removed_at": window}, {"n": 1, "removed_at": 1}
            ):
                _latest(events, str(doc["_id"]), doc.get("removed_at"))
                if doc.get("n") is not None:
                    by_id[str(doc["_id"])] = int(doc["n"])
            # newest first, numbers looked up a chunk at a time: no more than the page needs
            ordered = sorted(events, key=lambda a: events[a], reverse=True)
            at = 0
            while at < len(ordered):
                # as many as the page still needs, twice over when some were filtered out
                size = wanted - per_site.get(site, 0)
                size = min(CHANGE_CHUNK, max(25, size if at == 0 else 2 * size))
                chunk = ordered[at : at + size]
                at += size
                unknown = [a for a in chunk if a not in by_id]
                if unknown:
                    for doc in reader.db[ARTICLES].find({"_id": {"$in": unknown}}, {"n": 1}):
                        if doc.get("n") is not None:
                            by_id[str(doc["_id"])] = int(doc["n"])
                for article_id in chunk:
                    n = by_id.get(article_id)
                    if n is not None and n in numbers and (site, n) not in found:
                        found[(site, n)] = events[article_id]  # a later window's is older
                        per_site[site] = per_site.get(site, 0) + 1
                if per_site.get(site, 0) >= wanted:
                    break  # the rest of the window is older than what this site has
        if len(found) >= wanted:
            break
        end, span = start, span * 2
    return sorted(
        ((when, site, n) for (site, n), when in found.items()),
        key=lambda item: (-item[0].timestamp(), item[1], item[2]),
    )


def _latest(events: dict[str, dt.datetime], article_id: str, when: Any) -> None:
    if isinstance(when, dt.datetime) and (article_id not in events or when > events[article_id]):
        events[article_id] = when


def _rows(
    reader: ArchiveReader, page: list[tuple[str, int]], words: list[str]
) -> list[dict[str, Any]]:
    """The page's articles, in its order (fetched by ``(site, n)``, one query a site)."""
    fields = {**LIST_FIELDS, "views_missing_reason": 1, "revision": 1}
    if words:
        fields.update(lede=1, body=1, search_text=1)
    wanted: dict[str, list[int]] = {}
    for site, n in page:
        wanted.setdefault(site, []).append(n)
    docs: dict[tuple[str, int], dict[str, Any]] = {}
    for site, numbers in wanted.items():
        series = reader.series(site)
        for doc in reader.db[ARTICLES].find({"site": site, "n": {"$in": numbers}}, fields):
            n = int(doc["n"])
            doc["state"] = _state_names(series, n)
            docs[(site, n)] = doc
    rows = []
    for site, n in page:
        found = docs.get((site, n))
        if found is None:
            continue
        doc = found
        folded = str(doc.get("search_text") or "")
        if words and not all(re.search(rf"\b{re.escape(w)}\b", folded) for w in words):
            continue  # postings older than the text (a crawl that died before saving)
        row = {key: doc.get(key) for key in LIST_FIELDS}
        row.update(
            article_id=str(doc["_id"]),
            n=n,
            state=doc["state"],
            views_missing_reason=doc.get("views_missing_reason"),
        )
        if words:
            body = doc.get("body")
            text = "\n".join(
                str(part)
                for part in (
                    doc.get("lede"),
                    "\n\n".join(map(str, body)) if isinstance(body, list) else body,
                )
                if part
            )
            row["snippet"] = snippet(text, words)
        rows.append(row)
    return rows


def _state_names(series: SiteSeries, n: int) -> list[str]:
    flag = series.flags[n] if n < len(series.flags) else 0
    names = ["removed" if flag & REMOVED else "live"]
    if flag & EDITED:
        names.append("edited")
    if flag & MOVED:
        names.append("moved")
    return names


def site_summary(reader: ArchiveReader, site: str) -> dict[str, Any]:
    """A site's articles now (``counts``: articles, live, removed, edited, moved,
    observations, as :meth:`SiteSeries.counts`), the sum of their latest counts
    (``views``), how many have one (``counted``) and when the series was last
    brought up to date (``as_of``), from its series as numpy arrays."""
    series = reader.series(site)
    views = _column(series.views)
    flags = _column(series.flags)[_column(series.updated) > 0]
    articles = len(flags)
    removed = int(np.count_nonzero(flags & REMOVED))
    counted = views[views >= 0]
    return {
        "counts": {
            "articles": articles,
            "live": articles - removed,
            "removed": removed,
            "edited": int(np.count_nonzero(flags & EDITED)),
            "moved": int(np.count_nonzero(flags & MOVED)),
            "observations": series.observations,
        },
        "views": int(counted.sum()),
        "counted": len(counted),
        "as_of": series.as_of,
    }


# --- between requests -----------------------------------------------------------------


class ArchiveMemo:
    """What stays true between two saves of a crawl, kept between a server's requests:
    each site's series (a 50,000-article one is ~25 ms to read and unpack) and the
    sites' views over time (every day snapshot's total: ~30 ms).

    Forgotten when any site's ``sites`` document changes (a crawl's store rewrites its
    ``saved_at`` with every save of the series, ``next_n`` with every new article) and
    after ``ttl`` seconds whatever happens (a series rebuilt by ``db migrate``)."""

    def __init__(self, ttl: float = 60.0) -> None:
        self.ttl = ttl
        self._lock = threading.Lock()
        self._stamp: Any = None
        self._since = 0.0
        self.series: dict[str, SiteSeries] = {}
        self.site_views: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        self.answers: dict[Any, Any] = {}

    def reader(self, db: Db, sites: Sequence[str] | None = None) -> ArchiveReader:
        """A reader of ``db`` (about ``sites``) that takes what is kept here."""
        stamp = sorted(
            (str(doc["_id"]), str(doc.get("saved_at")), doc.get("next_n"))
            for doc in db[SITES].find({}, {"saved_at": 1, "next_n": 1})
        )
        with self._lock:
            if stamp != self._stamp or time.monotonic() - self._since > self.ttl:
                self._stamp, self._since = stamp, time.monotonic()
                self.series, self.site_views, self.answers = {}, {}, {}
        return MemoReader(db, sites, memo=self)


def remembered(reader: ArchiveReader, key: Any, compute: Callable[[], T]) -> T:
    """``compute()``, kept under ``key`` by the reader's :class:`ArchiveMemo` if it has
    one (forgotten with the series: when a crawl saves, or after its ``ttl``)."""
    if not isinstance(reader, MemoReader):
        return compute()
    answers = reader.memo.answers
    full_key = (tuple(reader.sites), key)
    if full_key not in answers:
        answers[full_key] = compute()
    found: T = answers[full_key]
    return found


class MemoReader(ArchiveReader):
    """An :class:`ArchiveReader` whose series and site views come from an
    :class:`ArchiveMemo` (read-only objects: shared between threads)."""

    def __init__(self, db: Db, sites: Sequence[str] | None, *, memo: ArchiveMemo) -> None:
        super().__init__(db, sites)
        self.memo = memo

    def series(self, site: str) -> SiteSeries:
        kept = self.memo.series.get(site)
        if kept is None:
            kept = self.memo.series[site] = super().series(site)
        return kept

    def site_views(self) -> list[dict[str, Any]]:
        key = tuple(self.sites)
        kept = self.memo.site_views.get(key)
        if kept is None:
            kept = self.memo.site_views[key] = super().site_views()
        return kept


# --- one article --------------------------------------------------------------------


def article_detail(reader: ArchiveReader, ref: str) -> dict[str, Any]:
    """An article as stored now (``article``: the whole document), its observations
    oldest first (``observations``, as :meth:`ArchiveReader.view_series`), every
    revision whole, oldest first (``revisions``) and its moves (``moves``).  The
    crawls that visited it are not read: a long-lived article has hundreds, 50 ms of
    ``$in`` look-ups on SecantusDB; each is one click away."""
    doc = reader.find_article(ref)
    article_id = str(doc["_id"])
    revisions = sorted(
        reader.db[REVISIONS].find({"article_id": article_id}),
        key=lambda r: int(r.get("number") or 0),
    )
    moves = sorted(
        reader.db[MOVES].find({"article_id": article_id}, {"_id": 0}),
        key=lambda m: m.get("at") or dt.datetime.min.replace(tzinfo=UTC),
    )
    observations = reader.view_series(article_id)
    series = reader.series(str(doc.get("site")))
    n = doc.get("n")
    state = _state_names(series, int(n)) if isinstance(n, int) and n < len(series) else []
    return {
        "article": doc,
        "state": state,
        "observations": observations,
        "revisions": revisions,
        "moves": moves,
    }


def capture_location(
    reader: ArchiveReader, article_id: str, crawl_id: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The observation of ``article_id`` made by ``crawl_id`` and its WARC location.
    :class:`ArchiveQueryError` when that crawl did not visit it or kept no record."""
    for entry in reader.view_series(article_id):
        if entry.get("crawl_id") != crawl_id:
            continue
        location = entry.get("warc")
        if not isinstance(location, dict) or not location.get("file"):
            raise ArchiveQueryError(
                f"crawl {crawl_id} kept no raw response of article {article_id}"
            )
        return entry, location
    raise ArchiveQueryError(f"crawl {crawl_id!r} did not visit article {article_id!r}")


# --- crawls ---------------------------------------------------------------------------


#: Fields of a crawl a timeline shows.
TIMELINE_FIELDS = {"site": 1, "mode": 1, "status": 1, "started_at": 1, "problems": 1}


def crawls_between(
    reader: ArchiveReader,
    since: dt.datetime | None,
    until: dt.datetime | None = None,
    fields: dict[str, int] | None = None,
) -> list[dict[str, Any]]:
    """The crawls of the sites asked about started in ``[since, until)``, oldest first
    (``fields``, default ``CRAWL_FIELDS``, with ``crawl_id``).  SecantusDB reads about
    8,000 crawls a second: ask for a period, not for years."""
    window: dict[str, Any] = {}
    if since is not None:
        window["$gte"] = since
    if until is not None:
        window["$lt"] = until
    found: list[dict[str, Any]] = []
    for site in reader.sites:
        query: dict[str, Any] = {"site": site}
        if window:
            query["started_at"] = window
        found.extend(reader.db[CRAWLS].find(query, fields or CRAWL_FIELDS))
    for crawl in found:
        crawl["crawl_id"] = str(crawl["_id"])
    found.sort(key=lambda c: c.get("started_at") or dt.datetime.min.replace(tzinfo=UTC))
    return found


def crawl_detail(
    reader: ArchiveReader,
    crawl_id: str,
    *,
    reason: str | None = None,
    limit: int = 100,
    skip: int = 0,
) -> dict[str, Any]:
    """A crawl's record (``crawl``), its rejected pages (``rejects``: ``skip``/``limit``
    of those with ``reason``, by time), how many of each reason (``reasons``) and how
    many the page list holds (``total``)."""
    found = reader.crawls_by_id([crawl_id])
    crawl = found.get(crawl_id)
    if crawl is None:
        raise ArchiveQueryError(f"no crawl {crawl_id!r} in the archive")
    # every reject of the crawl, small (reason and time), then the page's whole: one read
    # of the crawl's range of the index (20,000 rejects: 0.4 s on SecantusDB)
    listed = list(reader.db[REJECTS].find({"crawl_id": crawl_id}, {"reason": 1, "fetched_at": 1}))
    reasons: dict[str, int] = {}
    for doc in listed:
        name = str(doc.get("reason") or "?")
        reasons[name] = reasons.get(name, 0) + 1
    chosen = [doc for doc in listed if reason is None or doc.get("reason") == reason]
    started = crawl.get("started_at") or dt.datetime.min.replace(tzinfo=UTC)
    chosen.sort(key=lambda d: (d.get("fetched_at") or started, str(d["_id"])))
    ids = [doc["_id"] for doc in chosen[skip : skip + limit]]
    whole = {doc["_id"]: doc for doc in reader.db[REJECTS].find({"_id": {"$in": ids}})}
    return {
        "crawl": crawl,
        "rejects": [whole[i] for i in ids if i in whole],
        "total": len(chosen),
        "reasons": dict(sorted(reasons.items(), key=lambda item: (-item[1], item[0]))),
    }


def category_names(reader: ArchiveReader) -> list[str]:
    """Every category of the sites asked about, sorted."""
    return sorted({c for site in reader.sites for c in reader.series(site).categories[1:] if c})
