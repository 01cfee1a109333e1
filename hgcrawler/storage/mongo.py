"""The archive in MongoDB (or the embedded SecantusDB server), through synchronous pymongo.

The schema is the one in ``docs/archive.md``.  Every write is an upsert keyed so
that :meth:`MongoArchiveStore.write_batch` can be replayed: a batch written
twice leaves the database as it was after the first time.  Observations are
written last, so a batch cut short (crash, lost connection) is completed by
writing it again.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from pymongo import ASCENDING, DESCENDING, MongoClient, WriteConcern
from pymongo.database import Database
from pymongo.errors import AutoReconnect, ConnectionFailure, NetworkTimeout, PyMongoError

from hgcrawler.storage.base import (
    CRAWL_STATUSES,
    BatchResult,
    CrawlPlan,
    RevisitPolicy,
    StoreError,
)
from hgcrawler.storage.embedded import pid_alive
from hgcrawler.storage.merge import finish_pending_joins
from hgcrawler.storage.records import (
    REVISION_FIELDS,
    as_date,
    as_datetime,
    content_hash,
    search_text,
)
from hgcrawler.storage.templates import load_templates, save_templates
from hgcrawler.storage.uri import mask_uri
from hgcrawler.storage.writer import BatchWriter, Record
from hgcrawler.urls import canonical_url

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

TRANSIENT_ERRORS = (AutoReconnect, ConnectionFailure, NetworkTimeout)


def new_crawl_id(now: dt.datetime | None = None) -> str:
    """A crawl id that sorts by start time: ``20261127T171500Z-3f9a``."""
    moment = (now or dt.datetime.now(UTC)).astimezone(UTC)
    return f"{moment:%Y%m%dT%H%M%SZ}-{secrets.token_hex(2)}"


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

    def finish_pending_joins(self) -> int:
        """Finish joins of moved articles that a crash cut short (see ``storage.merge``)."""
        count = self._retrying("finishing article joins", lambda: finish_pending_joins(self._db))
        if count:
            logger.info("finished %d article join(s) cut short by an earlier crawl", count)
        return count

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
            db.articles.create_index([("key", ASCENDING)])
            db.articles.create_index([("identity", ASCENDING)])
            db.moves.create_index([("at", ASCENDING)])
            db.moves.create_index([("article_id", ASCENDING)])
            db.moves.create_index([("state", ASCENDING)])
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
        extra: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Record the crawl's end: status, counts, problems and ``extra`` figures
        (``fill`` rates, ``article_pages``) the next crawls compare themselves with."""
        if status not in CRAWL_STATUSES or status == "running":
            raise ValueError(f"a crawl cannot finish as {status!r}")
        update = {
            "$set": {
                **dict(extra or {}),
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

    def recent_crawls(self, *, exclude: str = "", limit: int = 3) -> list[dict[str, Any]]:
        """The last finished crawls with their fill rates, newest first."""

        def find() -> list[dict[str, Any]]:
            cursor = self._db.crawls.find(
                {"status": "finished", "_id": {"$ne": exclude}, "fill": {"$exists": True}},
                {"fill": 1, "article_records": 1, "mode": 1, "started_at": 1},
            )
            return list(cursor.sort("started_at", DESCENDING).limit(limit))

        return self._retrying("reading the last crawls", find)

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

    # --- counter templates (hgcrawler.counters) -----------------------------

    def load_templates(self, site: str) -> list[dict[str, Any]]:
        return self._retrying("loading templates", lambda: load_templates(self._db, site))

    def save_templates(self, site: str, docs: Sequence[Mapping[str, Any]]) -> int:
        return self._retrying("saving templates", lambda: save_templates(self._db, site, docs))

    # --- writing ------------------------------------------------------------

    def write_batch(self, crawl_id: str, records: Sequence[Record]) -> BatchResult:
        """Write article / gone / reject / page records (see DESIGN.md).  Idempotent."""
        if not records:
            return BatchResult()
        return self._retrying(
            f"writing a batch of {len(records)} records",
            lambda: BatchWriter(self._db, crawl_id, records).write(),
        )
