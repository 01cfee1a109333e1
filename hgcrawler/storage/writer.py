"""One write of one batch of records: which article each page is, then bulk writes.

Which stored article a fetched page belongs to is decided on evidence only, in
this order:

1. **the page's own URL** is an article's current URL: that article (its text
   may have been edited);
2. **a redirect**: the page was reached from a URL an article had: that article
   moved here;
3. **an old URL** of an article serves the same article again (same title, or
   same date and text): it came back;
4. **the site's own id** (``key`` of the record, see :class:`hgcrawler.read.urls.ArticleKeys`)
   is an article's key and the page shows the same article: it moved;
5. otherwise a new article, keyed by its natural key.  When that key is already
   an article's and the two differ in content (a *collision*), the new page is
   kept apart as ``<key>#2`` (``#3``…) and a ``key_collision`` reject records
   both URLs; no revision of the other article is made from it.

After the batch is written, moves seen only through their content are joined
(see :mod:`hgcrawler.storage.merge`): an article whose URL answered 404/410
while a page with the same identity (title, date, text) appeared at another URL.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from pymongo import UpdateOne
from pymongo.database import Database

from hgcrawler.plan import REJECTED_PAGE
from hgcrawler.read.reasons import ARTICLE_PAGE_REASONS
from hgcrawler.read.urls import SiteAddresses, canonical_url, is_url_key, site_location
from hgcrawler.storage.base import BatchResult
from hgcrawler.storage.merge import absorb_article
from hgcrawler.storage.observations import (
    BucketOps,
    count_of,
    crawl_entries,
    entry_warc,
    months_between,
)
from hgcrawler.storage.postings import Postings
from hgcrawler.storage.records import (
    as_date,
    as_datetime,
    content_hash,
    identity,
    same_article,
    search_text,
    text_identity,
)
from hgcrawler.storage.schema import article_id_of
from hgcrawler.storage.series import EDITED, MOVED, SiteSeries

__all__ = ["BatchWriter", "Record", "SiteContext"]

logger = logging.getLogger(__name__)

UTC = dt.UTC
Record = Mapping[str, Any]

_LOOKUP_FIELDS = {
    "url": 1,
    "old_urls": 1,
    "key": 1,
    "content_hash": 1,
    "revision": 1,
    "revision_count": 1,
    "removed_at": 1,
    "title": 1,
    "updated_on": 1,
    "identity": 1,
    "text_identity": 1,
    "first_seen_at": 1,
    "last_seen_at": 1,
    "views": 1,
    "body_chars": 1,
    "n": 1,
    "site": 1,
}
# observation buckets are written after these (see BatchWriter.write)
_COLLECTIONS = ("revisions", "articles", "rejects", "pages", "moves")
#: The start a crawl id names (``20261127T171500Z-3f9a``, see ``mongo.new_crawl_id``).
_CRAWL_ID_TIME = re.compile(r"(\d{8}T\d{6}Z)(?:-|$)")


class SiteContext(Protocol):
    """What a batch writes besides documents: the site's series and postings, and new
    article numbers (the store keeps one per site for the crawl)."""

    site: str
    series: SiteSeries
    postings: Postings
    #: every host the site has had (``sites`` document): a page at any of them is the
    #: same page (:class:`hgcrawler.read.urls.SiteAddresses`); empty: every host
    hosts: tuple[str, ...]

    def allocate(self, count: int) -> list[int]: ...


def urls_of(record: Mapping[str, Any]) -> list[str]:
    """The final URL first, then the URLs it was reached through."""
    urls: list[str] = []
    for url in [
        record.get("url"),
        record.get("requested_url"),
        *(record.get("redirect_urls") or []),
    ]:
        if url and url not in urls:
            urls.append(str(url))
    return urls


def natural_key(record: Mapping[str, Any]) -> str:
    """The key the site's URL gives the page (``article_id`` in older journals; a
    journal of a release before schema 4 may hold a whole URL: its location)."""
    key = record.get("key") or record.get("article_id")
    if key and "://" in str(key):
        return site_location(str(key))
    return str(key) if key else site_location(str(record.get("url") or ""))


def _fingerprint(record: Mapping[str, Any]) -> str:
    text = json.dumps(record, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _same_moment(a: Any, b: Any) -> bool:
    """Two stored timestamps are the same instant (None is no instant)."""
    return a is not None and b is not None and as_datetime(a) == as_datetime(b)


def crawl_started(crawl_id: str) -> dt.datetime | None:
    """When a crawl started, as its id says, or None for an id that does not say.

    >>> crawl_started("20261127T171500Z-3f9a").isoformat()
    '2026-11-27T17:15:00+00:00'
    """
    match = _CRAWL_ID_TIME.match(crawl_id)
    if match is None:
        return None
    try:
        return dt.datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def _url_hash(url: str) -> str:
    return hashlib.sha256(canonical_url(url).encode("utf-8")).hexdigest()[:12]


@dataclass
class Resolution:
    """Which article a page is, and on what evidence."""

    article_id: str
    new: bool = False
    old_urls: list[str] = field(default_factory=list)  # URLs the article leaves
    evidence: str | None = None  # "redirect" | "id" | "url": why a move is a move
    absorb: str | None = None  # an article to join into this one after the batch
    collision: dict[str, Any] | None = None


class BatchWriter:
    """Read what is known about a batch's pages, decide, bulk-write, then join moves."""

    def __init__(
        self,
        db: Database[dict[str, Any]],
        crawl_id: str,
        records: Sequence[Record],
        context: SiteContext,
    ):
        self.db = db
        self.crawl_id = crawl_id
        self.records = records
        self.context = context
        self.site = context.site
        self.addresses = SiteAddresses.of(getattr(context, "hosts", ()) or ())
        self.buckets = BucketOps()
        self.numbers: list[int] = []  # article numbers for this batch's new articles
        self.before: dict[str, dict[str, Any]] = {}  # edited articles: title and text
        self.now = dt.datetime.now(UTC)
        self.result = BatchResult()
        self.articles: dict[str, dict[str, Any]] = {}  # article id -> lookup document
        # where a page is (its location at any of the site's addresses, else its
        # canonical URL: SiteAddresses.place) -> article id
        self.by_url: dict[str, str] = {}  # of an article's current URL
        self.by_old_url: dict[str, str] = {}  # of an URL the article has left
        self.by_key: dict[str, set[str]] = {}  # natural key -> article ids
        self.ops: dict[str, list[UpdateOne]] = {name: [] for name in _COLLECTIONS}
        self.revisions: dict[str, int] = {}
        self.created: list[str] = []  # articles new in this batch
        self.removed: list[tuple[str, dt.datetime | None]] = []  # (id, last seen before)
        # (into, absorbed, evidence, the URL ``into`` moved from if already rewritten)
        self.joins: list[tuple[str, str, str, str | None]] = []

    # --- what is known ---------------------------------------------------------

    def _remember(self, article_id: str, doc: dict[str, Any]) -> None:
        self.articles[article_id] = doc
        url = doc.get("url")
        if url:
            self._known_at(str(url), article_id)
        for old in doc.get("old_urls") or []:
            self.by_old_url.setdefault(self._place(old), article_id)
        key = str(doc.get("key") or article_id.split(":", 1)[-1])
        self.by_key.setdefault(key, set()).add(article_id)

    def _known_at(self, url: str, article_id: str) -> None:
        """``url`` (at any of the site's addresses) is ``article_id``'s current URL."""
        self.by_url[self._place(url)] = article_id

    def _place(self, url: str) -> str:
        return self.addresses.place(url)

    def _load_known(self) -> None:
        keys: set[str] = set()
        ids: set[str] = set()
        urls: set[str] = set()
        places: set[str] = set()
        for record in self.records:
            if record.get("type") not in ("article", "gone"):
                continue
            keys.add(natural_key(record))
            keys.update(str(k) for k in record.get("redirect_keys") or [])
            if record.get("article_id"):
                ids.add(str(record["article_id"]))
            for url in urls_of(record):
                urls.update(self.addresses.spellings(url))
                places.add(self._place(url))
        if not keys and not ids:
            return
        ids.update(article_id_of(self.site, key) for key in keys)
        # Indexed lookups, not one $or: SecantusDB scans the whole collection
        # for a $or (14 s against 0.07 s at 17,000 articles, measured once). One
        # field each, the site checked here: SecantusDB 0.7 serves a filter by the
        # first indexed field in the filter's order (``{site, key}`` reads the whole
        # site), and explain calls any filter with a field beside its index a
        # collection scan; a filter of one indexed field holds on any server.
        site = self.site
        for query in (
            {"_id": {"$in": sorted(ids)}},
            {"key": {"$in": sorted(keys)}},
            {"url": {"$in": sorted(urls)}},
            {"old_urls": {"$in": sorted(urls)}},
            {"places": {"$in": sorted(places)}},
        ):
            for doc in self.db.articles.find(query, _LOOKUP_FIELDS):
                if doc.get("site") == site:
                    self._remember(str(doc["_id"]), doc)

    def _at(self, index: dict[str, str], url: str) -> str | None:
        return index.get(self._place(url))

    # --- deciding --------------------------------------------------------------

    def resolve_gone(self, record: Record) -> str | None:
        """The known article whose URL answered 404/410, or None."""
        article_id = record.get("article_id")
        if article_id and str(article_id) in self.articles:
            return str(article_id)
        url = str(record.get("url") or "")
        return self._at(self.by_url, url) or self._at(self.by_old_url, url)

    def resolve_article(self, record: Record) -> Resolution:
        """Which article an article page is (see the module doc for the order)."""
        url = str(record.get("url") or "")
        here = self._place(url)
        chain = [u for u in urls_of(record)[1:] if self._place(u) != here]
        page = self._at(self.by_url, url)
        moved_from = self._via_chain(record, chain)
        if moved_from is not None:
            doc = self.articles[moved_from]
            old_urls = [*chain]
            current = str(doc.get("url") or "")
            if current and self._place(current) != here and current not in old_urls:
                old_urls.append(current)
            absorb = None
            if page is not None and page != moved_from:
                if self._appeared_after(page, moved_from):
                    absorb = page
                else:
                    logger.warning(
                        "%s redirects to %s, the page of another article seen at the same "
                        "time; not joined",
                        chain[0],
                        url,
                    )
                    return Resolution(page)
            return Resolution(moved_from, old_urls=old_urls, evidence="redirect", absorb=absorb)
        if page is not None:
            return Resolution(page)
        former = self._at(self.by_old_url, url)
        if former is not None and same_article(self.articles[former], record):
            current = str(self.articles[former].get("url") or "")
            return Resolution(former, old_urls=[current] if current else [], evidence="url")
        key = natural_key(record)
        holders = sorted(self.by_key.get(key, ()))
        if not is_url_key(key):
            for holder in holders:
                if same_article(self.articles[holder], record):
                    current = str(self.articles[holder].get("url") or "")
                    moved = current and self._place(current) != here
                    return Resolution(
                        holder,
                        old_urls=[current] if moved else [],
                        evidence="id" if moved else None,
                    )
        if not holders:
            return Resolution(article_id_of(self.site, key), new=True)
        kept_as = self._free_key(key)
        other = self.articles[holders[0]]
        collision = {
            "key": key,
            "kept_as": kept_as,
            "other_article": holders[0],
            "other_url": other.get("url"),
            "other_title": other.get("title"),
            "other_updated_on": other.get("updated_on"),
        }
        return Resolution(kept_as, new=True, collision=collision)

    def _via_chain(self, record: Record, chain: list[str]) -> str | None:
        """An article the page was redirected from (by URL, or by the id in that URL)."""
        for url in chain:
            found = self._at(self.by_url, url) or self._at(self.by_old_url, url)
            if found is not None:
                return found
        for key in record.get("redirect_keys") or []:
            for holder in sorted(self.by_key.get(str(key), ())):
                if same_article(self.articles[holder], record):
                    return holder
        return None

    def _appeared_after(self, newer: str, older: str) -> bool:
        """True when ``newer`` was first seen after ``older`` was last seen at its URL."""
        first = self.articles[newer].get("first_seen_at")
        last = self.articles[older].get("last_seen_at")
        if first is None or last is None:
            return first is None  # created in this batch
        return as_datetime(first) >= as_datetime(last)

    def _free_key(self, key: str) -> str:
        """The article id ``<site>:<key>#<n>`` of the first free ``n`` from 2."""
        taken = set(self.by_key.get(key, ())) | set(self.articles)
        number = 2
        while article_id_of(self.site, f"{key}#{number}") in taken:
            number += 1
        candidate = article_id_of(self.site, f"{key}#{number}")
        # an article of that id may exist without being loaded: ask
        while self.db.articles.find_one({"_id": candidate}, {"_id": 1}) is not None:
            number += 1
            candidate = article_id_of(self.site, f"{key}#{number}")
        return candidate

    # --- writing ---------------------------------------------------------------

    def write(self) -> BatchResult:
        self._load_known()
        decided: list[tuple[Record, Resolution | str | None]] = []
        for record in self.records:
            kind = record.get("type")
            if kind == "article":
                resolution = self.resolve_article(record)
                decided.append((record, resolution))
                self._claim(record, resolution)
            elif kind == "gone":
                decided.append((record, self.resolve_gone(record)))
            elif kind == "reject":
                self._reject(record)
            elif kind == "page":
                self._page(record)
            else:
                raise ValueError(f"unknown record type {kind!r}")
        ids = sorted(
            {d.article_id if isinstance(d, Resolution) else d for _, d in decided if d is not None}
        )
        observed: set[str] = set()
        gone_at: dict[str, Any] = {}  # articles this crawl saw answer 404/410 -> when
        for article_id, entry in crawl_entries(self.db, ids, self.crawl_id, self._months()).items():
            observed.add(article_id)
            if int(entry.get("status") or 0) >= 400:
                gone_at[article_id] = entry.get("at")
        # the page of an article tells more than a 404 of one of its URLs in the same batch
        paged = {d.article_id for _, d in decided if isinstance(d, Resolution)}
        hashes = {id(record): content_hash(record) for record, _ in decided}
        revision_ids = [
            f"{d.article_id}:{hashes[id(record)]}"
            for record, d in decided
            if isinstance(d, Resolution)
        ]
        self.revisions = {
            str(doc["_id"]): int(doc["number"])
            for doc in self.db.revisions.find({"_id": {"$in": revision_ids}}, {"number": 1})
        }
        fresh = [d for _, d in decided if isinstance(d, Resolution) and d.new]
        self.numbers = self.context.allocate(len(fresh)) if fresh else []
        self._read_before(decided, hashes)
        for record, decision in decided:
            if isinstance(decision, Resolution):
                article_id = decision.article_id
                if article_id in observed and article_id not in gone_at:
                    self.result.duplicates += 1
                    if decision.old_urls and article_id in self.articles:
                        self._add_old_urls(article_id, decision.old_urls)
                    continue
                # seen answering 404/410 at one URL by an earlier batch: here it is
                self._article(record, decision, hashes[id(record)], gone_at.pop(article_id, None))
                observed.add(article_id)
            elif decision is None:
                self.result.ignored += 1
                logger.debug("gone record for an unknown article (%s)", record)
            elif decision in observed or decision in paged:
                self.result.duplicates += 1
            else:
                self._gone(record, decision)
                observed.add(decision)
        for name in _COLLECTIONS:
            if self.ops[name]:
                self.db[name].bulk_write(self.ops[name], ordered=False)
        # observations last: a batch cut short is written again in full
        self.buckets.run(self.db)
        self._join_moves()
        return self.result

    def _months(self) -> list[dt.datetime]:
        """The months whose buckets may hold this crawl's observations: every month from
        the crawl's start (as its id says) or this batch's first record, whichever is
        earlier, to now (a crawl that runs into a new month has entries in both)."""
        moments = [self.now]
        started = crawl_started(self.crawl_id)
        if started is not None:
            moments.append(started)
        for record in self.records:
            at = record.get("fetched_at")
            if at:
                moments.append(as_datetime(at))
        return months_between(min(moments), max(moments))

    def _read_before(
        self, decided: Sequence[tuple[Record, Resolution | str | None]], hashes: dict[int, str]
    ) -> None:
        """The title and text of the articles whose text changes: their postings change."""
        edited = [
            d.article_id
            for record, d in decided
            if isinstance(d, Resolution)
            and not d.new
            and hashes[id(record)] != self.articles[d.article_id].get("content_hash")
        ]
        if edited:
            query = {"_id": {"$in": edited}}
            for doc in self.db.articles.find(query, {"title": 1, "search_text": 1}):
                self.before[str(doc["_id"])] = {
                    "title": doc.get("title"),
                    "text": doc.get("search_text"),
                }

    def _claim(self, record: Record, resolution: Resolution) -> None:
        """Make a new article, or an article's new URL, known at once, so later records
        of the batch find it: the page of a moved article is often fetched twice in one
        crawl (through its old URL's redirect, and from a listing), and the second must
        not become a new article because the first is not written yet."""
        url = str(record.get("url") or "")
        if not resolution.new:
            if resolution.old_urls and url:
                self._known_at(url, resolution.article_id)
            return
        self._remember(
            resolution.article_id,
            {
                "url": url,
                "old_urls": [],
                "key": natural_key(record),
                "title": record.get("title"),
                "updated_on": record.get("updated_on"),
                "text_identity": text_identity(record),
                "first_seen_at": None,
                "last_seen_at": None,
            },
        )

    def _add_old_urls(self, article_id: str, old_urls: list[str]) -> None:
        self.ops["articles"].append(
            UpdateOne(
                {"_id": article_id},
                {
                    "$addToSet": {
                        "old_urls": {"$each": old_urls},
                        "places": {"$each": sorted({self._place(u) for u in old_urls})},
                    }
                },
            )
        )
        doc = self.articles[article_id]
        doc["old_urls"] = [*(doc.get("old_urls") or []), *old_urls]
        self._remember(article_id, doc)

    def _record_move(
        self, article_id: str, old_urls: list[str], url: str, evidence: str, at: dt.datetime
    ) -> None:
        for old in old_urls:
            self.ops["moves"].append(self._move(article_id, old, url, evidence, at))

    def _regressed(self, record: Record, doc: Mapping[str, Any]) -> list[str]:
        """Fields a known article's page had and no longer shows (its layout changed)."""
        lost = []
        missing_reason = record.get("views_missing_reason")
        if (
            record.get("views") is None
            and doc.get("views") is not None
            and missing_reason in (None, "not_extracted")
        ):
            lost.append("views")
        if not record.get("body") and int(doc.get("body_chars") or 0) > 0:
            lost.append("body")
        return lost

    def _layout_changed(self, record: Record, article_id: str, lost: list[str]) -> None:
        """Keep the article's last good state; record why its page was not archived."""
        url = str(record.get("url") or "")
        self.result.layout_changed += 1
        self.ops["rejects"].append(
            UpdateOne(
                {"_id": f"{self.crawl_id}:{canonical_url(url)}"},
                {
                    "$setOnInsert": {
                        "site": self.site,
                        "url": url,
                        "reason": "layout_changed",
                        "detail": (
                            f"the page of article {article_id!r} no longer shows its "
                            f"{', '.join(lost)}; the archive keeps the article's last good state"
                        ),
                        "crawl_id": self.crawl_id,
                        "fetched_at": as_datetime(record.get("fetched_at") or self.now),
                        "status": int(record.get("status") or 200),
                        "excerpt": None,
                        "article_id": article_id,
                        "lost": lost,
                    }
                },
                upsert=True,
            )
        )
        logger.warning("layout changed: %s lacks %s", url, ", ".join(lost))

    def _move(
        self, article_id: str, old: str, url: str, evidence: str, at: dt.datetime
    ) -> UpdateOne:
        return UpdateOne(
            {"_id": f"{article_id}@{self.crawl_id}:{_url_hash(old)}"},
            {
                "$setOnInsert": {
                    "site": self.site,
                    "article_id": article_id,
                    "from_url": old,
                    "to_url": url,
                    "evidence": evidence,
                    "crawl_id": self.crawl_id,
                    "at": at,
                }
            },
            upsert=True,
        )

    def _article(
        self, record: Record, resolution: Resolution, digest: str, gone_at: Any = None
    ) -> None:
        """Write an article page.  ``gone_at``: when this crawl saw the article answer
        404/410 at a URL it has left; this page replaces that observation."""
        article_id, old_urls = resolution.article_id, resolution.old_urls
        if not resolution.new:
            lost = self._regressed(record, self.articles[article_id])
            if lost:
                self._layout_changed(record, article_id, lost)
                return
        fetched_at = as_datetime(record.get("fetched_at") or self.now)
        updated_on = as_date(record.get("updated_on"))
        url = str(record.get("url") or "")
        status = int(record.get("status") or 200)
        views = record.get("views")
        views = int(views) if views is not None else None
        rendered = bool(record.get("rendered"))
        missing_reason = record.get("views_missing_reason") if views is None else None
        warc = record.get("warc")
        content = {
            "title": record.get("title"),
            "lede": record.get("lede"),
            "body": record.get("body"),
            "images": list(record.get("images") or []),
            "author": record.get("author"),
            "category": record.get("category"),
            "updated_on": updated_on,
        }
        current = {
            **content,
            "url": url,
            "content_hash": digest,
            "identity": identity(content),
            "text_identity": text_identity(content),
            "last_seen_at": fetched_at,
            "last_status": status,
            "last_crawl_id": self.crawl_id,
            "views_missing_reason": missing_reason,
            "rendered": rendered,
            "source": record.get("source"),  # a source credit: not a revision field
            "doubtful": list(record.get("doubtful") or []),  # fields extraction doubts
            "removed_at": None,
            # accent-insensitive search without text indexes (hgcrawler.storage.postings)
            "search_text": search_text(content),
            "body_chars": len(str(content.get("body") or "")),
        }
        if views is not None:  # else the last count the page showed stays
            current["views"] = views
            current["views_at"] = fetched_at
        revision_id = f"{article_id}:{digest}"
        flags: list[str] = []
        self.result.articles += 1
        if resolution.collision is not None:
            self._collision(record, resolution.collision, fetched_at)
        peak = {"$max": {"views_peak": views}} if views is not None else {}
        if resolution.new:
            number = 1
            self.result.new += 1
            self.created.append(article_id)
            n = self.numbers.pop(0)
            self._new_revision(
                revision_id, article_id, number, digest, content, url, warc, fetched_at
            )
            self.ops["articles"].append(
                UpdateOne(
                    {"_id": article_id},
                    {
                        "$setOnInsert": {
                            "site": self.site,
                            "n": n,
                            "first_seen_at": fetched_at,
                            "old_urls": [],
                            "key": natural_key(record),
                            **({} if views is not None else {"views": None, "views_at": None}),
                        },
                        "$set": {**current, "revision": number, "revision_count": number},
                        "$addToSet": {"places": self._place(url)},
                        **peak,
                    },
                    upsert=True,
                )
            )
            doc = self.articles[article_id]
            doc.update(
                content_hash=digest, revision=1, revision_count=1, removed_at=None,
                first_seen_at=fetched_at, last_seen_at=fetched_at, n=n, views=views,
            )  # fmt: skip
            self.context.postings.index(n, content["title"], current["search_text"], {})
        else:
            self.result.revisited += 1
            doc = self.articles[article_id]
            previous_views = doc.get("views")
            if views is not None and previous_views is not None and views < int(previous_views):
                self.result.views_down += 1
                flags.append("views_down")
                logger.warning(
                    "%s shows %d views, fewer than the %d seen before", url, views, previous_views
                )
            previous_url = str(doc.get("url") or "") or None
            if gone_at is not None and _same_moment(doc.get("removed_at"), gone_at):
                self.result.removed -= 1  # this crawl counted its 404 as a removal: a move
            if old_urls:
                self._add_old_urls(article_id, old_urls)
                if doc.get("n") is not None:
                    self.context.series.mark(int(doc["n"]), MOVED)
                if resolution.absorb is None:  # else the join records the move, once
                    self.result.moved += 1
                    evidence = resolution.evidence or "url"
                    self._record_move(article_id, old_urls, url, evidence, fetched_at)
            update: dict[str, Any] = {
                "$set": current,
                "$addToSet": {"places": self._place(url)},
                **peak,
            }
            if digest == doc.get("content_hash"):
                self._touch_revision(revision_id, fetched_at)
            else:
                self.result.changed += 1
                if doc.get("n") is not None:
                    self.context.series.mark(int(doc["n"]), EDITED)
                    self.context.postings.index(
                        int(doc["n"]),
                        content["title"],
                        current["search_text"],
                        self.before.get(article_id, {}),
                    )
                if revision_id in self.revisions:
                    number = self.revisions[revision_id]
                    self._touch_revision(revision_id, fetched_at)
                else:
                    number = int(doc.get("revision_count") or 0) + 1
                    self._new_revision(
                        revision_id, article_id, number, digest, content, url, warc, fetched_at
                    )
                    self.revisions[revision_id] = number
                update["$set"] = {**current, "revision": number}
                update["$max"] = {"revision_count": number}
                doc["revision"] = number
                doc["revision_count"] = max(number, int(doc.get("revision_count") or 0))
            self.ops["articles"].append(UpdateOne({"_id": article_id}, update))
            doc.update(url=url, content_hash=digest, removed_at=None, last_seen_at=fetched_at)
            doc.update(views=views if views is not None else previous_views)
            doc.update(title=content["title"], updated_on=updated_on)
            doc["text_identity"] = current["text_identity"]
            self._remember(article_id, doc)
        if resolution.absorb is not None:
            self.joins.append((article_id, resolution.absorb, "redirect", previous_url))
        number_of = self.articles[article_id].get("n")
        if number_of is not None:
            series = self.context.series
            series.describe(int(number_of), category=content["category"], updated_on=updated_on)
            # a page replacing this crawl's 404 of the article: still one observation
            series.observe(int(number_of), views, fetched_at, counted=gone_at is None)
        entry: dict[str, Any] = {
            "at": fetched_at,
            "crawl": self.crawl_id,
            "status": status,
            "rev": int(self.articles[article_id].get("revision") or 1),
            "url": url,  # the address it was fetched from (the site's hosts are many)
        }
        if views is not None:
            entry["views"] = views
        else:
            entry["missing"] = missing_reason
        if views is not None and record.get("views_source"):
            entry["src"] = record["views_source"]
        elif rendered:
            entry["src"] = "rendered"
        if flags:
            entry["flags"] = flags
        if warc:
            entry["warc"] = entry_warc(warc)
        replace_at = None if gone_at is None else as_datetime(gone_at)
        self.buckets.add(self.site, article_id, entry, replace_at=replace_at)

    def _collision(self, record: Record, collision: dict[str, Any], at: dt.datetime) -> None:
        """Two different pages would have one key: kept apart, recorded with both URLs."""
        url = str(record.get("url") or "")
        self.result.collisions += 1
        detail = (
            f"key {collision['key']!r} is already article {collision['other_article']!r} at "
            f"{collision['other_url']} ({collision['other_title']!r}); this page "
            f"({record.get('title')!r}) differs in title and text, so it is kept apart as "
            f"article {collision['kept_as']!r}"
        )
        logger.warning("key collision: %s: %s", url, detail)
        self.ops["rejects"].append(
            UpdateOne(
                {"_id": f"{self.crawl_id}:collision:{canonical_url(url)}"},
                {
                    "$setOnInsert": {
                        "site": self.site,
                        "url": url,
                        "reason": "key_collision",
                        "detail": detail,
                        "crawl_id": self.crawl_id,
                        "fetched_at": at,
                        "status": int(record.get("status") or 200),
                        "excerpt": None,
                        "key": collision["key"],
                        "kept_as": collision["kept_as"],
                        "other_article": collision["other_article"],
                        "other_url": collision["other_url"],
                    }
                },
                upsert=True,
            )
        )

    def _new_revision(
        self,
        revision_id: str,
        article_id: str,
        number: int,
        digest: str,
        content: Mapping[str, Any],
        url: str,
        warc: Any,
        fetched_at: dt.datetime,
    ) -> None:
        self.ops["revisions"].append(
            UpdateOne(
                {"_id": revision_id},
                {
                    "$setOnInsert": {
                        "site": self.site,
                        "article_id": article_id,
                        "number": number,
                        "content_hash": digest,
                        **content,
                        "url": url,
                        "first_seen_at": fetched_at,
                        "first_crawl_id": self.crawl_id,
                        "warc": warc,
                    },
                    "$max": {"last_seen_at": fetched_at},
                },
                upsert=True,
            )
        )

    def _touch_revision(self, revision_id: str, fetched_at: dt.datetime) -> None:
        self.ops["revisions"].append(
            UpdateOne({"_id": revision_id}, {"$max": {"last_seen_at": fetched_at}})
        )

    def _gone(self, record: Record, article_id: str) -> None:
        fetched_at = as_datetime(record.get("fetched_at") or self.now)
        status = int(record.get("status") or 404)
        doc = self.articles[article_id]
        changes: dict[str, Any] = {"last_status": status, "last_crawl_id": self.crawl_id}
        if doc.get("removed_at") is None:
            changes["removed_at"] = fetched_at
            doc["removed_at"] = fetched_at
            self.result.removed += 1
            self.result.gone += 1
            self.removed.append((article_id, doc.get("last_seen_at")))
        self.ops["articles"].append(UpdateOne({"_id": article_id}, {"$set": changes}))
        if doc.get("n") is not None:
            self.context.series.remove(int(doc["n"]), fetched_at)
        entry: dict[str, Any] = {"at": fetched_at, "crawl": self.crawl_id, "status": status}
        if record.get("url") and record.get("url") != doc.get("url"):
            entry["url"] = record.get("url")
        if record.get("warc"):
            entry["warc"] = entry_warc(record["warc"])
        self.buckets.add(self.site, article_id, entry)

    def _reject(self, record: Record) -> None:
        url = str(record.get("url") or "")
        fetched_at = as_datetime(record.get("fetched_at") or self.now)
        excerpt = record.get("excerpt")
        if isinstance(excerpt, str):
            excerpt = excerpt[:2048]
        status = record.get("status")
        self.ops["rejects"].append(
            UpdateOne(
                {"_id": f"{self.crawl_id}:{canonical_url(url) if url else _fingerprint(record)}"},
                {
                    "$setOnInsert": {
                        "site": self.site,
                        "url": url,
                        "reason": str(record.get("reason") or "unknown"),
                        "detail": record.get("detail"),
                        "crawl_id": self.crawl_id,
                        "fetched_at": fetched_at,
                        "status": int(status) if status is not None else None,
                        "excerpt": excerpt,
                    }
                },
                upsert=True,
            )
        )
        self.result.rejected += 1
        if url and record.get("reason") in ARTICLE_PAGE_REASONS:
            # Known as a page that did not parse: later incremental crawls fetch it
            # again when a listing shows it, but it is no sign of news on that listing.
            self._page_seen(url, REJECTED_PAGE, fetched_at)

    def _page(self, record: Record) -> None:
        status = record.get("status")
        self._page_seen(
            str(record["url"]),
            str(record.get("kind") or "other"),
            as_datetime(record.get("fetched_at") or self.now),
            last_status=int(status) if status is not None else None,
        )
        self.result.pages += 1

    def _page_seen(self, url: str, kind: str, at: dt.datetime, **fields: Any) -> None:
        """The ``pages`` document of ``url``: seen by this crawl at ``at`` as ``kind``."""
        self.ops["pages"].append(
            UpdateOne(
                {"_id": canonical_url(url)},
                {
                    "$setOnInsert": {"first_seen_at": at, "site": self.site},
                    "$max": {"last_seen_at": at},
                    "$set": {"kind": kind, **fields, "last_crawl_id": self.crawl_id},
                },
                upsert=True,
            )
        )

    # --- moves seen through content ---------------------------------------------

    def _join_moves(self) -> None:
        """Join the pairs this batch gave evidence for (see the module doc)."""
        joins = list(self.joins)
        joins += self._content_twins()
        done: set[str] = set()
        for into, absorbed, evidence, from_url in joins:
            if into in done or absorbed in done or into == absorbed:
                continue
            counted = self._join_counts(into, absorbed)
            joined = absorb_article(
                self.db,
                into,
                absorbed,
                evidence=evidence,
                crawl_id=self.crawl_id,
                at=self.now,
                from_url=from_url,
                context=self.context,
            )
            if joined:
                done.add(absorbed)
                self.result += counted
                self._collision_resolved(into, absorbed, evidence)
            elif from_url is None:
                continue
            else:  # the article redirected to is no longer in the archive: a plain move
                to_url = str(self.articles[into].get("url") or "")
                self.db.moves.bulk_write([self._move(into, from_url, to_url, evidence, self.now)])
            self.result.moved += 1

    def _collision_resolved(self, into: str, absorbed: str, evidence: str) -> None:
        """A page this crawl kept apart from ``into`` for a key collision was ``into``
        after all (joined on ``evidence``, e.g. the old URL redirecting to it): no
        collision is left to report; its reject stays, saying how it was resolved."""
        # Found on the indexed crawl id alone, the rest checked here (see _load_known).
        pending = [
            doc["_id"]
            for doc in self.db.rejects.find(
                {"crawl_id": self.crawl_id},
                {"reason": 1, "kept_as": 1, "other_article": 1, "resolved": 1},
            )
            if doc.get("reason") == "key_collision"
            and doc.get("kept_as") == absorbed
            and doc.get("other_article") == into
            and "resolved" not in doc
        ]
        if not pending:
            return
        resolved = self.db.rejects.update_many(
            {"_id": {"$in": pending}},
            {"$set": {"resolved": {"joined_into": into, "evidence": evidence, "at": self.now}}},
        )
        self.result.collisions -= resolved.modified_count

    def _join_counts(self, into: str, absorbed: str) -> BatchResult:
        """How joining ``absorbed`` into ``into`` changes this crawl's counts, which
        counted them as two articles: one article, revisited at its new URL; a removal
        this crawl counted for ``into`` (its 404, in any batch) was the move."""
        change = BatchResult()
        seen = crawl_entries(self.db, [into, absorbed], self.crawl_id, self._months())
        into_seen, absorbed_seen = seen.get(into), seen.get(absorbed)
        into_page = into_seen is not None and int(into_seen.get("status") or 0) < 400
        if absorbed_seen is not None:  # counted new or revisited by this crawl
            if count_of(self.db, absorbed) == 1:
                change.new -= 1  # first seen by this crawl
            else:
                change.revisited -= 1
            if into_page:  # the article is counted already
                change.articles -= 1
            else:
                change.revisited += 1
        if into_seen is not None and not into_page:
            doc = self.db.articles.find_one({"_id": into}, {"removed_at": 1})
            if doc is not None and _same_moment(doc.get("removed_at"), into_seen.get("at")):
                change.removed -= 1  # its 404 was the move, not a removal
        return change

    def _content_twins(self) -> list[tuple[str, str, str, str | None]]:
        """Joins on content: for each article this batch removed, the one other article
        with the same identity that is live and appeared since it was last seen; for each
        article it created, the one other removed article with its identity, last seen
        before this one appeared. None where there is none or more than one.

        Two queries a batch (there were two an article), each on one indexed field,
        the rest of the conditions checked here (see ``_load_known``)."""
        wanted = [article_id for article_id, _ in self.removed] + list(self.created)
        if not wanted:
            return []
        docs = {
            str(d["_id"]): d
            for d in self.db.articles.find(
                {"_id": {"$in": wanted}}, {"identity": 1, "first_seen_at": 1}
            )
        }
        identities = {str(d["identity"]) for d in docs.values() if d.get("identity")}
        if not identities:
            return []
        by_identity: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for other in self.db.articles.find(
            {"identity": {"$in": sorted(identities)}},
            {"identity": 1, "site": 1, "removed_at": 1, "first_seen_at": 1, "last_seen_at": 1},
        ):
            if other.get("site") == self.site:
                by_identity[str(other["identity"])].append(other)

        def twin(article_id: str, removed: bool, moment: dt.datetime | None) -> str | None:
            doc = docs.get(article_id)
            if doc is None or not doc.get("identity"):
                return None
            found = [
                str(other["_id"])
                for other in by_identity.get(str(doc["identity"]), [])
                if other["_id"] != article_id
                and (other.get("removed_at") is not None) == removed
                and (
                    _at_or_after(moment, other.get("last_seen_at"))  # gone before it appeared
                    if removed
                    else moment is None or _at_or_after(other.get("first_seen_at"), moment)
                )
            ]
            return found[0] if len(found) == 1 else None

        joins: list[tuple[str, str, str, str | None]] = []
        for article_id, last_seen in self.removed:
            since = None if last_seen is None else as_datetime(last_seen)
            found = twin(article_id, removed=False, moment=since)
            if found is not None:
                joins.append((article_id, found, "content", None))
        for article_id in self.created:
            appeared = as_datetime((docs.get(article_id) or {}).get("first_seen_at") or self.now)
            found = twin(article_id, removed=True, moment=appeared)
            if found is not None:
                joins.append((found, article_id, "content", None))
        return joins


def _at_or_after(moment: Any, other: Any) -> bool:
    """``moment >= other`` for two stored timestamps; False when either is missing
    (as a MongoDB range comparison on a missing or null field)."""
    if moment is None or other is None:
        return False
    try:
        return as_datetime(moment) >= as_datetime(other)
    except ValueError:
        return False
