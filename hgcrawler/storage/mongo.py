"""The archive in MongoDB (or the embedded SecantusDB server), through synchronous pymongo.

The schema is the one in ``docs/archive.md``.  Every write is an upsert keyed so
that :meth:`MongoArchiveStore.write_batch` can be replayed: a batch written
twice leaves the database as it was after the first time.  Observations are
written last, so a batch cut short (crash, lost connection) is completed by
writing it again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from pymongo import ASCENDING, DESCENDING, MongoClient, UpdateOne, WriteConcern
from pymongo.database import Database
from pymongo.errors import AutoReconnect, ConnectionFailure, NetworkTimeout, PyMongoError

from hgcrawler.storage.base import (
    CRAWL_STATUSES,
    BatchResult,
    CrawlPlan,
    Record,
    RevisitPolicy,
    StoreError,
)
from hgcrawler.storage.embedded import pid_alive
from hgcrawler.storage.uri import mask_uri
from hgcrawler.text import fold
from hgcrawler.urls import article_key, canonical_url

__all__ = [
    "REVISION_FIELDS",
    "MongoArchiveStore",
    "as_date",
    "as_datetime",
    "content_hash",
    "new_crawl_id",
    "pid_alive",
    "search_text",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")
UTC = dt.UTC

#: The fields whose change makes a new revision (a view count change does not).
REVISION_FIELDS = ("title", "lede", "body", "images", "author", "category", "updated_on")

TRANSIENT_ERRORS = (AutoReconnect, ConnectionFailure, NetworkTimeout)

_ARTICLE_LOOKUP_FIELDS = {
    "url": 1,
    "old_urls": 1,
    "content_hash": 1,
    "revision": 1,
    "revision_count": 1,
    "removed_at": 1,
}


def new_crawl_id(now: dt.datetime | None = None) -> str:
    """A crawl id that sorts by start time: ``20261127T171500Z-3f9a``."""
    moment = (now or dt.datetime.now(UTC)).astimezone(UTC)
    return f"{moment:%Y%m%dT%H%M%SZ}-{secrets.token_hex(2)}"


def as_datetime(value: Any) -> dt.datetime:
    """An aware UTC datetime from an ISO 8601 string or a datetime (naive means UTC)."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str) and value.strip():
        moment = dt.datetime.fromisoformat(value.strip())
    else:
        raise ValueError(f"not a timestamp: {value!r}")
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def as_date(value: Any) -> dt.datetime | None:
    """``updated_on`` as a BSON-storable datetime at 00:00 UTC, or None."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        day = value.astimezone(UTC).date() if value.tzinfo else value.date()
    elif isinstance(value, dt.date):
        day = value
    elif isinstance(value, str):
        day = dt.date.fromisoformat(value.strip()[:10])
    else:
        raise ValueError(f"not a date: {value!r}")
    return dt.datetime(day.year, day.month, day.day, tzinfo=UTC)


def _day_string(value: Any) -> str | None:
    moment = as_date(value)
    return None if moment is None else moment.date().isoformat()


def content_hash(record: Mapping[str, Any]) -> str:
    """Hex sha256 of a canonical JSON of the revision fields of ``record``."""
    canonical = {name: record.get(name) for name in REVISION_FIELDS}
    canonical["updated_on"] = _day_string(record.get("updated_on"))
    images = canonical.get("images") or []
    canonical["images"] = [
        {"src": image.get("src"), "caption": image.get("caption")}
        if isinstance(image, Mapping)
        else image
        for image in images
    ]
    text = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def search_text(content: Mapping[str, Any]) -> str:
    """The folded title, lede and body stored as ``articles.search_text``.

    Lower-case, diacritics stripped (``hgcrawler.text.fold``), so a regex over
    it finds "Thường trực Tỉnh ủy" from ``thuong truc tinh uy`` on SecantusDB
    and MongoDB alike.
    """
    body = content.get("body")
    if isinstance(body, (list, tuple)):
        body = "\n\n".join(str(part) for part in body)
    parts = (content.get("title"), content.get("lede"), body)
    return fold("\n".join(str(part) for part in parts if part))


def _fingerprint(record: Mapping[str, Any]) -> str:
    text = json.dumps(record, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class MongoArchiveStore:
    """:class:`~hgcrawler.storage.base.ArchiveStore` on MongoDB, synchronous pymongo.

    One instance (one client) per crawl.  Not thread-safe by design: the archive
    pipeline calls it from a single worker thread.
    """

    def __init__(
        self,
        uri: str,
        database: str,
        *,
        write_retries: int = 3,
        retry_backoff: float = 0.5,
        server_selection_timeout_ms: int = 5000,
    ) -> None:
        if write_retries < 0:
            raise ValueError("write_retries must be >= 0")
        self.uri = uri
        self.database = database
        self.write_retries = write_retries
        self.retry_backoff = retry_backoff
        options: dict[str, Any] = {"tz_aware": True, "appname": "hgcrawler"}
        if "serverselectiontimeoutms" not in uri.lower():
            options["serverSelectionTimeoutMS"] = server_selection_timeout_ms
        self._client: MongoClient[dict[str, Any]] = MongoClient(uri, **options)
        # j=True: a write is acknowledged once it is in the server's journal. The spill
        # journal forgets records on that acknowledgement, so a weaker one could lose them
        # when the server is killed (SecantusDB dropped every w=1 write on kill -9).
        self._db: Database[dict[str, Any]] = self._client.get_database(
            database, write_concern=WriteConcern(j=True)
        )
        self.host = socket.gethostname()

    def __repr__(self) -> str:
        return f"MongoArchiveStore({mask_uri(self.uri)!r}, {self.database!r})"

    @property
    def db(self) -> Database[dict[str, Any]]:
        return self._db

    # --- plumbing ---------------------------------------------------------

    def _retrying(self, what: str, operation: Callable[[], T]) -> T:
        attempt = 0
        while True:
            try:
                return operation()
            except TRANSIENT_ERRORS as exc:
                if attempt >= self.write_retries:
                    raise StoreError(
                        f"{what} failed after {attempt + 1} attempts on {mask_uri(self.uri)}: {exc}"
                    ) from exc
                delay = min(self.retry_backoff * 2**attempt, 10.0)
                logger.warning(
                    "%s: %s; retrying in %.1f s (%d/%d)",
                    what,
                    exc,
                    delay,
                    attempt + 1,
                    self.write_retries,
                )
                time.sleep(delay)
                attempt += 1
            except PyMongoError as exc:
                raise StoreError(f"{what} failed on {mask_uri(self.uri)}: {exc}") from exc

    def close(self) -> None:
        self._client.close()

    # --- indexes and crawls -------------------------------------------------

    def ensure_indexes(self) -> None:
        def create() -> None:
            db = self._db
            db.observations.create_index([("article_id", ASCENDING), ("fetched_at", ASCENDING)])
            db.observations.create_index([("crawl_id", ASCENDING)])
            db.revisions.create_index(
                [("article_id", ASCENDING), ("number", ASCENDING)], unique=True
            )
            db.articles.create_index([("category", ASCENDING), ("updated_on", ASCENDING)])
            db.articles.create_index([("views", DESCENDING)])
            db.articles.create_index([("last_seen_at", ASCENDING)])
            db.articles.create_index([("removed_at", ASCENDING)])
            db.articles.create_index([("url", ASCENDING)])
            db.articles.create_index([("old_urls", ASCENDING)])
            db.rejects.create_index([("crawl_id", ASCENDING)])
            db.crawls.create_index([("started_at", ASCENDING)])

        self._retrying("creating indexes", create)

    def begin_crawl(self, mode: str, start_url: str, *, crawl_id: str | None = None) -> str:
        """Record a running crawl; with ``crawl_id``, adopt a record made by a runner."""
        now = dt.datetime.now(UTC)
        crawl_id = crawl_id or new_crawl_id(now)
        on_insert = {
            "mode": mode,
            "start_url": start_url,
            "started_at": now,
            "finished_at": None,
            "counts": {},
            "problems": [],
        }
        running = {"status": "running", "pid": os.getpid(), "host": self.host}
        self._retrying(
            "recording the crawl start",
            lambda: self._db.crawls.update_one(
                {"_id": crawl_id}, {"$setOnInsert": on_insert, "$set": running}, upsert=True
            ),
        )
        return crawl_id

    def mark_interrupted(self, *, exclude: Iterable[str] = ()) -> list[str]:
        """Crawls left ``running`` by a process of this host that no longer exists
        become ``interrupted``.  Returns their ids."""
        skip = set(exclude)

        def mark() -> list[str]:
            marked = []
            now = dt.datetime.now(UTC)
            for crawl in self._db.crawls.find({"status": "running", "host": self.host}, {"pid": 1}):
                if crawl["_id"] in skip or pid_alive(int(crawl.get("pid") or 0)):
                    continue
                problem = (
                    f"process {crawl.get('pid')} on {self.host} ended without finishing the crawl"
                )
                updated = self._db.crawls.update_one(
                    {"_id": crawl["_id"], "status": "running"},
                    {
                        "$set": {"status": "interrupted", "finished_at": now},
                        "$push": {"problems": problem},
                    },
                )
                if updated.modified_count:
                    marked.append(str(crawl["_id"]))
            return marked

        marked = self._retrying("marking interrupted crawls", mark)
        for crawl_id in marked:
            logger.warning("crawl %s was interrupted (its process is gone)", crawl_id)
        return marked

    def finish_crawl(
        self,
        crawl_id: str,
        status: str,
        counts: Mapping[str, int],
        problems: Sequence[str],
    ) -> dict[str, Any]:
        if status not in CRAWL_STATUSES or status == "running":
            raise ValueError(f"a crawl cannot finish as {status!r}")
        update = {
            "$set": {
                "status": status,
                "finished_at": dt.datetime.now(UTC),
                "counts": dict(counts),
                "problems": list(problems),
            }
        }

        def finish() -> dict[str, Any]:
            self._db.crawls.update_one({"_id": crawl_id}, update)
            return self._db.crawls.find_one({"_id": crawl_id}) or {}

        return self._retrying("recording the crawl end", finish)

    # --- the plan -----------------------------------------------------------

    def load_plan(
        self, mode: str, now: dt.datetime, policy: RevisitPolicy | None = None
    ) -> CrawlPlan:
        policy = policy or RevisitPolicy()
        now = as_datetime(now)
        return self._retrying("loading the crawl plan", lambda: self._load_plan(mode, now, policy))

    def _load_plan(self, mode: str, now: dt.datetime, policy: RevisitPolicy) -> CrawlPlan:
        plan = CrawlPlan(mode=mode)
        candidates: list[tuple[dt.datetime, str, str]] = []
        fields = {
            "url": 1,
            "old_urls": 1,
            "removed_at": 1,
            "updated_on": 1,
            "first_seen_at": 1,
            "last_seen_at": 1,
        }
        for doc in self._db.articles.find({}, fields):
            article_id = str(doc["_id"])
            for url in [doc.get("url"), *(doc.get("old_urls") or [])]:
                if url:
                    plan.known_articles.setdefault(canonical_url(url), article_id)
            if doc.get("removed_at") is not None:
                continue
            last = doc.get("last_seen_at") or doc.get("first_seen_at") or now
            if mode != "full" and not policy.revisit_all:
                born = doc.get("updated_on") or doc.get("first_seen_at") or now
                if now - last < policy.interval_for(now - born):
                    continue
            if doc.get("url"):
                candidates.append((last, article_id, doc["url"]))
        candidates.sort()
        plan.due = [(article_id, url) for _, article_id, url in candidates]
        for page in self._db.pages.find({}, {"kind": 1}):
            plan.known_pages[str(page["_id"])] = str(page.get("kind") or "other")
        return plan

    # --- writing ------------------------------------------------------------

    def write_batch(self, crawl_id: str, records: Sequence[Record]) -> BatchResult:
        """Write article / gone / reject / page records (see DESIGN.md).  Idempotent."""
        if not records:
            return BatchResult()
        return self._retrying(
            f"writing a batch of {len(records)} records",
            lambda: _BatchWriter(self._db, crawl_id, records).write(),
        )


def _urls_of(record: Mapping[str, Any]) -> list[str]:
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


class _BatchWriter:
    """One write of one batch: read what is known, decide, then bulk-write."""

    def __init__(
        self, db: Database[dict[str, Any]], crawl_id: str, records: Sequence[Record]
    ) -> None:
        self.db = db
        self.crawl_id = crawl_id
        self.records = records
        self.now = dt.datetime.now(UTC)
        self.result = BatchResult()
        self.articles: dict[str, dict[str, Any]] = {}  # known article id -> lookup doc
        self.by_url: dict[str, str] = {}  # url (raw and canonical) -> article id
        self.ops: dict[str, list[UpdateOne]] = {
            name: [] for name in ("revisions", "articles", "observations", "rejects", "pages")
        }

    # lookups

    def _remember(self, article_id: str, doc: dict[str, Any]) -> None:
        self.articles[article_id] = doc
        for url in [doc.get("url"), *(doc.get("old_urls") or [])]:
            if url:
                self.by_url.setdefault(url, article_id)
                self.by_url.setdefault(canonical_url(url), article_id)

    def _load_known(self) -> None:
        keys: set[str] = set()
        urls: set[str] = set()
        for record in self.records:
            if record.get("type") not in ("article", "gone"):
                continue
            if record.get("article_id"):
                keys.add(str(record["article_id"]))
            for url in _urls_of(record):
                keys.add(article_key(url))
                urls.update((url, canonical_url(url)))
        if not keys:
            return
        # Three indexed lookups, not one $or: SecantusDB scans the whole collection
        # for a $or (14 s against 0.07 s at 17,000 articles, measured once).
        for query in (
            {"_id": {"$in": sorted(keys)}},
            {"url": {"$in": sorted(urls)}},
            {"old_urls": {"$in": sorted(urls)}},
        ):
            for doc in self.db.articles.find(query, _ARTICLE_LOOKUP_FIELDS):
                self._remember(str(doc["_id"]), doc)

    def _known_id(self, key: str, url: str) -> str | None:
        if key in self.articles:
            return key
        return self.by_url.get(url) or self.by_url.get(canonical_url(url))

    def resolve(self, record: Mapping[str, Any]) -> tuple[str, list[str]]:
        """``(article id, old URLs when this record shows a move)``."""
        url = str(record.get("url") or "")
        new_key = str(record.get("article_id") or article_key(url))
        found = self._known_id(new_key, url)
        if found is not None:
            return found, []
        if record.get("type") == "article":
            old_urls = [u for u in _urls_of(record)[1:] if canonical_url(u) != canonical_url(url)]
            for old in old_urls:
                found = self._known_id(article_key(old), old)
                if found is not None:
                    return found, old_urls
        return new_key, []

    # decisions

    def write(self) -> BatchResult:
        self._load_known()
        resolved: list[tuple[Mapping[str, Any], str, list[str]]] = []
        for record in self.records:
            kind = record.get("type")
            if kind in ("article", "gone"):
                article_id, old_urls = self.resolve(record)
                resolved.append((record, article_id, old_urls))
            elif kind == "reject":
                self._reject(record)
            elif kind == "page":
                self._page(record)
            else:
                raise ValueError(f"unknown record type {kind!r}")
        ids = sorted({article_id for _, article_id, _ in resolved})
        observed = {
            str(doc["article_id"])
            for doc in self.db.observations.find(
                {"_id": {"$in": [f"{article_id}@{self.crawl_id}" for article_id in ids]}},
                {"article_id": 1},
            )
        }
        hashes = {id(record): content_hash(record) for record, _, _ in resolved}
        revision_ids = [
            f"{article_id}:{hashes[id(record)]}"
            for record, article_id, _ in resolved
            if record.get("type") == "article"
        ]
        self.revisions: dict[str, int] = {
            str(doc["_id"]): int(doc["number"])
            for doc in self.db.revisions.find({"_id": {"$in": revision_ids}}, {"number": 1})
        }
        for record, article_id, old_urls in resolved:
            if article_id in observed:
                self.result.duplicates += 1
                if old_urls and article_id in self.articles:
                    self._add_old_urls(article_id, old_urls)
                continue
            if record.get("type") == "article":
                self._article(record, article_id, old_urls, hashes[id(record)])
                observed.add(article_id)
            elif article_id in self.articles:
                self._gone(record, article_id)
                observed.add(article_id)
            else:
                self.result.ignored += 1
                logger.debug("gone record for unknown article %s (%s)", article_id, record)
        # observations last: a batch cut short is written again in full
        for name in ("revisions", "articles", "observations", "rejects", "pages"):
            if self.ops[name]:
                self.db[name].bulk_write(self.ops[name], ordered=False)
        return self.result

    def _add_old_urls(self, article_id: str, old_urls: list[str]) -> None:
        self.ops["articles"].append(
            UpdateOne({"_id": article_id}, {"$addToSet": {"old_urls": {"$each": old_urls}}})
        )
        doc = self.articles[article_id]
        doc["old_urls"] = [*(doc.get("old_urls") or []), *old_urls]
        self._remember(article_id, doc)

    def _article(
        self, record: Mapping[str, Any], article_id: str, old_urls: list[str], digest: str
    ) -> None:
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
            "views": views,
            "content_hash": digest,
            "last_seen_at": fetched_at,
            "last_status": status,
            "last_crawl_id": self.crawl_id,
            "views_missing_reason": missing_reason,
            "rendered": rendered,
            "removed_at": None,
            # accent-insensitive search without text indexes (hgcrawler.query.search)
            "search_text": search_text(content),
        }
        revision_id = f"{article_id}:{digest}"
        doc = self.articles.get(article_id)
        self.result.articles += 1
        if doc is None:
            number = 1
            self.result.new += 1
            self._new_revision(
                revision_id, article_id, number, digest, content, url, warc, fetched_at
            )
            self.ops["articles"].append(
                UpdateOne(
                    {"_id": article_id},
                    {
                        "$setOnInsert": {"first_seen_at": fetched_at, "old_urls": []},
                        "$set": {**current, "revision": number, "revision_count": number},
                    },
                    upsert=True,
                )
            )
            self._remember(
                article_id,
                {
                    "url": url,
                    "old_urls": [],
                    "content_hash": digest,
                    "revision": 1,
                    "revision_count": 1,
                    "removed_at": None,
                },
            )
        else:
            self.result.revisited += 1
            previous_url = str(doc.get("url") or "")
            if (
                previous_url
                and canonical_url(previous_url) != canonical_url(url)
                and previous_url not in old_urls
            ):
                # Found at a new address without following a redirect (e.g. a listing
                # linked the new URL first): the stored URL is an old one all the same.
                old_urls = [*old_urls, previous_url]
            if old_urls:
                self.result.moved += 1
                self._add_old_urls(article_id, old_urls)
            update: dict[str, Any] = {"$set": current}
            if digest == doc.get("content_hash"):
                self._touch_revision(revision_id, fetched_at)
            else:
                self.result.changed += 1
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
            doc.update(url=url, content_hash=digest, removed_at=None)
            self._remember(article_id, doc)
        self._observe(
            article_id,
            fetched_at=fetched_at,
            url=url,
            status=status,
            views=views,
            updated_on=updated_on,
            rendered=rendered,
            views_missing_reason=missing_reason,
            warc=warc,
        )

    def _observe(self, article_id: str, **fields: Any) -> None:
        """This crawl's one observation of the article (written once: ``$setOnInsert``)."""
        self.ops["observations"].append(
            UpdateOne(
                {"_id": f"{article_id}@{self.crawl_id}"},
                {"$setOnInsert": {"article_id": article_id, "crawl_id": self.crawl_id, **fields}},
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

    def _gone(self, record: Mapping[str, Any], article_id: str) -> None:
        fetched_at = as_datetime(record.get("fetched_at") or self.now)
        status = int(record.get("status") or 404)
        doc = self.articles[article_id]
        changes: dict[str, Any] = {"last_status": status, "last_crawl_id": self.crawl_id}
        if doc.get("removed_at") is None:
            changes["removed_at"] = fetched_at
            doc["removed_at"] = fetched_at
            self.result.removed += 1
        self.ops["articles"].append(UpdateOne({"_id": article_id}, {"$set": changes}))
        self._observe(
            article_id,
            fetched_at=fetched_at,
            url=record.get("url"),
            status=status,
            views=None,
            updated_on=None,
            rendered=False,
            views_missing_reason=None,
            warc=record.get("warc"),
        )

    def _reject(self, record: Mapping[str, Any]) -> None:
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

    def _page(self, record: Mapping[str, Any]) -> None:
        fetched_at = as_datetime(record.get("fetched_at") or self.now)
        status = record.get("status")
        self.ops["pages"].append(
            UpdateOne(
                {"_id": canonical_url(str(record["url"]))},
                {
                    "$setOnInsert": {"first_seen_at": fetched_at},
                    "$max": {"last_seen_at": fetched_at},
                    "$set": {
                        "kind": str(record.get("kind") or "other"),
                        "last_status": int(status) if status is not None else None,
                        "last_crawl_id": self.crawl_id,
                    },
                },
                upsert=True,
            )
        )
        self.result.pages += 1
