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

from pymongo import MongoClient, ReturnDocument, WriteConcern
from pymongo.database import Database
from pymongo.errors import AutoReconnect, ConnectionFailure, NetworkTimeout, PyMongoError

from hgcrawler.read.urls import SiteAddresses, canonical_url, host_of
from hgcrawler.sites import DEFAULT_SITE
from hgcrawler.storage.base import (
    CRAWL_STATUSES,
    BatchResult,
    CrawlPlan,
    RevisitPolicy,
    StoreError,
)
from hgcrawler.storage.embedded import pid_alive
from hgcrawler.storage.kinds import ArchiveRecord, as_records
from hgcrawler.storage.merge import finish_pending_joins
from hgcrawler.storage.postings import Postings
from hgcrawler.storage.records import (
    REVISION_FIELDS,
    as_date,
    as_datetime,
    content_hash,
    search_text,
)
from hgcrawler.storage.rekey import old_page_ids, rekey_pages
from hgcrawler.storage.schema import (
    ARTICLES,
    CRAWLS,
    META,
    OBSERVATIONS,
    PAGES,
    SCHEMA_VERSION,
    SITES,
    ensure_indexes,
)
from hgcrawler.storage.series import EPOCH, SiteSeries
from hgcrawler.storage.templates import (
    load_page_template,
    load_templates,
    save_page_template,
    save_templates,
)
from hgcrawler.storage.uri import mask_uri
from hgcrawler.storage.writer import BatchWriter, Record

__all__ = [
    "REVISION_FIELDS",
    "MongoArchiveStore",
    "SchemaError",
    "SiteState",
    "as_date",
    "as_datetime",
    "check_schema",
    "content_hash",
    "new_crawl_id",
    "pid_alive",
    "schema_version",
    "search_text",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")
UTC = dt.UTC
#: Articles a mass removal marked removed are fetched again by the full crawls of this
#: many days after it: an article it removed by mistake comes back at its URL even
#: when no listing links it any more (docs/reliability.md, "Mass removals").
MASS_RECHECK_DAYS = 30

TRANSIENT_ERRORS = (AutoReconnect, ConnectionFailure, NetworkTimeout)


def site_hosts(db: Database[dict[str, Any]], site: str) -> tuple[str, ...]:
    """Every host the archive knows ``site`` by (its ``sites`` document), current first."""
    doc = db[SITES].find_one({"_id": site}, {"hosts": 1}) or {}
    return tuple(str(host) for host in doc.get("hosts") or ())


def remember_hosts(
    db: Database[dict[str, Any]], site: str, hosts: Sequence[str]
) -> tuple[str, ...]:
    """Put ``hosts`` first among the site's known hosts; returns them all."""
    given = SiteAddresses.of(hosts).hosts
    merged = tuple(dict.fromkeys([*given, *site_hosts(db, site)]))
    db[SITES].update_one({"_id": site}, {"$set": {"hosts": list(merged)}}, upsert=True)
    return merged


def new_crawl_id(now: dt.datetime | None = None) -> str:
    """A crawl id that sorts by start time: ``20261127T171500Z-3f9a``."""
    moment = (now or dt.datetime.now(UTC)).astimezone(UTC)
    return f"{moment:%Y%m%dT%H%M%SZ}-{secrets.token_hex(2)}"


def schema_version(db: Database[dict[str, Any]]) -> int | None:
    """The archive's schema version; None for an empty database."""
    meta = db[META].find_one({"_id": "schema"})
    if meta is not None:
        return int(meta.get("version") or 1)
    if db[ARTICLES].find_one({}, {"_id": 1}) is None and db["crawls"].find_one({}) is None:
        return None
    return 1


def check_schema(db: Database[dict[str, Any]]) -> None:
    """Mark an empty archive as the current schema; refuse an older one."""
    version = schema_version(db)
    if version is None:
        db[META].update_one(
            {"_id": "schema"},
            {"$setOnInsert": {"version": SCHEMA_VERSION, "created_at": dt.datetime.now(UTC)}},
            upsert=True,
        )
        return
    if version < SCHEMA_VERSION:
        raise SchemaError(
            f"the archive in database {db.name!r} has schema {version}, written by an older "
            f"release; upgrade it in place with `hgcrawler db migrate --database {db.name}`"
        )
    if version > SCHEMA_VERSION:
        raise SchemaError(
            f"the archive in database {db.name!r} has schema {version}, newer than this "
            f"release understands ({SCHEMA_VERSION}); upgrade hgcrawler"
        )


class SchemaError(StoreError):
    """The archive was written by an older release; ``hgcrawler db migrate`` upgrades it."""


class SiteState:
    """What one site's crawl keeps besides documents: its series, pending postings and
    new article numbers (see :class:`hgcrawler.storage.context.SiteContext`)."""

    def __init__(self, db: Database[dict[str, Any]], site: str) -> None:
        self.db = db
        self.site = site
        self.series = SiteSeries.load(db, site)
        self.postings = Postings(site)
        self.saved_at = time.monotonic()
        self.hosts = site_hosts(db, site)

    def allocate(self, count: int) -> list[int]:
        """``count`` new article numbers of the site (a replayed batch may leave gaps)."""
        doc = self.db[SITES].find_one_and_update(
            {"_id": self.site},
            {"$inc": {"next_n": count}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        assert doc is not None  # upserted
        end = int(doc["next_n"])
        return list(range(end - count, end))

    def save(self, crawl_id: str | None, now: dt.datetime, *, day: bool) -> None:
        """Save the series (and the day's snapshot) and apply pending postings."""
        self.series.crawl_id = crawl_id or self.series.crawl_id
        self.series.save(self.db, now, day=day)
        if len(self.postings):
            self.postings.flush(self.db)
        self.db[SITES].update_one({"_id": self.site}, {"$set": {"saved_at": now}}, upsert=True)
        self.saved_at = time.monotonic()

    def catch_up(self) -> int:
        """Apply what crawls wrote after the series was last saved (a crawl that died)."""
        since = self.series.as_of
        if since is None:
            if self.db[ARTICLES].find_one({"site": self.site}, {"_id": 1}) is None:
                return 0
            since = dt.datetime(1970, 1, 1, tzinfo=UTC)
        applied = 0
        buckets = list(self.db[OBSERVATIONS].find({"site": self.site, "last_at": {"$gt": since}}))
        ids = sorted({str(b["article_id"]) for b in buckets})
        articles = {
            str(doc["_id"]): doc
            for doc in self.db[ARTICLES].find(
                {"_id": {"$in": ids}},
                {"n": 1, "category": 1, "updated_on": 1, "title": 1, "search_text": 1},
            )
        }
        for bucket in buckets:
            doc = articles.get(str(bucket["article_id"]))
            if doc is None or doc.get("n") is None:
                continue
            n = int(doc["n"])
            self.series.describe(n, category=doc.get("category"), updated_on=doc.get("updated_on"))
            for entry in sorted(bucket.get("obs") or [], key=lambda e: e["at"]):
                if entry["at"] <= since:
                    continue
                applied += 1
                if int(entry.get("status") or 0) >= 400:
                    self.series.remove(n, entry["at"])
                else:
                    self.series.observe(n, entry.get("views"), entry["at"])
            self.postings.index(n, doc.get("title"), doc.get("search_text"), {})
        if applied:
            logger.info(
                "caught up %d observations of site %s written after its series was saved",
                applied,
                self.site,
            )
        return applied


def _within(moment: dt.datetime, windows: Sequence[tuple[dt.datetime, dt.datetime]]) -> bool:
    return any(start <= moment <= end for start, end in windows)


class MongoArchiveStore:
    """:class:`~hgcrawler.storage.base.ArchiveStore` on MongoDB, synchronous pymongo.

    One instance (one client) per crawl of one ``site``.  Not thread-safe by design:
    the crawl session calls it from a single worker thread.
    """

    #: Seconds between saves of the series and postings while a crawl writes.
    checkpoint_interval = 300.0

    def __init__(
        self,
        uri: str,
        database: str,
        *,
        site: str = DEFAULT_SITE,
        write_retries: int = 3,
        retry_backoff: float = 0.5,
        server_selection_timeout_ms: int = 5000,
    ) -> None:
        if write_retries < 0:
            raise ValueError("write_retries must be >= 0")
        self.uri = uri
        self.database = database
        self.site = site
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
        self._sites: dict[str, SiteState] = {}
        self._crawl_id: str | None = None

    def __repr__(self) -> str:
        return f"MongoArchiveStore({mask_uri(self.uri)!r}, {self.database!r}, site={self.site!r})"

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

    def state(self, site: str | None = None) -> SiteState:
        """The series, postings and numbering of ``site`` (default: this store's), caught
        up with what was written after the series was last saved before anything else is
        written: a replayed journal must not move the series past a dead crawl's batches."""
        site = site or self.site
        if site not in self._sites:
            state = SiteState(self._db, site)
            self._retrying("catching up the view count series", state.catch_up)
            self._sites[site] = state
        return self._sites[site]

    def finish_pending_joins(self) -> int:
        """Finish joins of moved articles that a crash cut short (see ``storage.merge``)."""
        state = self.state()
        count = self._retrying(
            "finishing article joins", lambda: finish_pending_joins(self._db, state)
        )
        if count:
            logger.info("finished %d article join(s) cut short by an earlier crawl", count)
        return count

    # --- schema, indexes and crawls -----------------------------------------

    def ensure_indexes(self) -> None:
        """Create the indexes; :class:`SchemaError` for an archive of an older schema."""

        def create() -> None:
            check_schema(self._db)
            ensure_indexes(self._db)

        self._retrying("creating indexes", create)

    def begin_crawl(
        self,
        mode: str,
        start_url: str,
        *,
        crawl_id: str | None = None,
        hosts: Sequence[str] = (),
    ) -> str:
        """Record a running crawl; with ``crawl_id``, adopt a record made by a runner.

        The start URL's host and ``hosts`` (the profile's) join the hosts the archive
        knows the site by (``sites``, the current one first): a page at any of them is
        the same page."""
        now = dt.datetime.now(UTC)
        crawl_id = crawl_id or new_crawl_id(now)
        on_insert = {
            "site": self.site,
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
            lambda: self._db[CRAWLS].update_one(
                {"_id": crawl_id}, {"$setOnInsert": on_insert, "$set": running}, upsert=True
            ),
        )
        self._crawl_id = crawl_id
        known = self._retrying(
            "recording the site's hosts",
            lambda: remember_hosts(self._db, self.site, [host_of(start_url), *hosts]),
        )
        self.state().hosts = known  # loaded and caught up (a crawl that died)
        return crawl_id

    def mark_interrupted(self, *, exclude: Iterable[str] = ()) -> list[str]:
        """Crawls left ``running`` by a process of this host that no longer exists
        become ``interrupted``.  Returns their ids."""
        skip = set(exclude)

        def mark() -> list[str]:
            marked = []
            now = dt.datetime.now(UTC)
            for crawl in self._db[CRAWLS].find(
                {"status": "running", "host": self.host}, {"pid": 1}
            ):
                if crawl["_id"] in skip or pid_alive(int(crawl.get("pid") or 0)):
                    continue
                problem = (
                    f"process {crawl.get('pid')} on {self.host} ended without finishing the crawl"
                )
                updated = self._db[CRAWLS].update_one(
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
            state = self.state()
            now = dt.datetime.now(UTC)
            state.save(crawl_id, now, day=True)
            total, counted = state.series.total()
            update["$set"].update(views_total=total, articles_counted=counted)
            self._db[CRAWLS].update_one({"_id": crawl_id}, update)
            return self._db[CRAWLS].find_one({"_id": crawl_id}) or {}

        return self._retrying("recording the crawl end", finish)

    def recent_crawls(self, *, exclude: str = "", limit: int = 3) -> list[dict[str, Any]]:
        """The last finished crawls with their fill rates, newest first."""

        def find() -> list[dict[str, Any]]:
            # the site's crawls of a window back in time that grows until it holds
            # ``limit`` of them, each window one range of the (site, started_at) index
            # (with status and fill beside the site, SecantusDB read all the site's crawls)
            fields = {"status": 1, "fill": 1, "article_records": 1, "mode": 1, "started_at": 1}
            found: list[dict[str, Any]] = []
            end = dt.datetime.now(UTC) + dt.timedelta(days=1)
            span = dt.timedelta(days=14)
            while len(found) < limit:
                start = end - span
                bounds = {"$lt": end} if start < EPOCH else {"$lt": end, "$gte": start}
                for crawl in self._db[CRAWLS].find(
                    {"site": self.site, "started_at": bounds}, fields
                ):
                    if (
                        crawl.get("status") == "finished"
                        and crawl["_id"] != exclude
                        and "fill" in crawl
                    ):
                        found.append(crawl)
                if "$gte" not in bounds:
                    break  # the rest of the site's crawls were in this one
                end, span = start, span * 4
            found.sort(key=lambda crawl: as_datetime(crawl["started_at"]), reverse=True)
            return found[:limit]

        return self._retrying("reading the last crawls", find)

    def _write_site(
        self, state: SiteState, crawl_id: str, records: list[ArchiveRecord]
    ) -> BatchResult:
        result = self._retrying(
            f"writing a batch of {len(records)} records",
            lambda: BatchWriter(self._db, crawl_id, records, state).write(),
        )
        # a replayed batch of another crawl or site is saved at once; this crawl's series
        # at its end (finish_crawl) and every checkpoint_interval seconds until then
        foreign = state.site != self.site or crawl_id != self._crawl_id
        if foreign or time.monotonic() - state.saved_at > self.checkpoint_interval:
            now = dt.datetime.now(UTC)
            self._retrying(
                "saving the view count series", lambda: state.save(crawl_id, now, day=foreign)
            )
        return result

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
        recheck = self._mass_removal_windows(now) if mode == "full" else []
        for doc in self._db[ARTICLES].find({"site": self.site}, fields):
            article_id = str(doc["_id"])
            for url in [doc.get("url"), *(doc.get("old_urls") or [])]:
                if url:
                    plan.known_articles.setdefault(canonical_url(url), article_id)
            removed_at = doc.get("removed_at")
            if removed_at is not None:
                if doc.get("url") and _within(as_datetime(removed_at), recheck):
                    candidates.append((as_datetime(removed_at), article_id, doc["url"]))
                    plan.recheck.add(article_id)
                continue
            plan.live += 1
            last = doc.get("last_seen_at") or doc.get("first_seen_at") or now
            if mode != "full" and not policy.revisit_all:
                born = doc.get("updated_on") or doc.get("first_seen_at") or now
                if now - last < policy.interval_for(now - born):
                    continue
            if doc.get("url"):
                candidates.append((last, article_id, doc["url"]))
        candidates.sort()
        plan.due = [(article_id, url) for _, article_id, url in candidates]
        pages = list(self._db[PAGES].find({"site": self.site}, {"kind": 1, "url": 1}))
        old = old_page_ids(page["_id"] for page in pages)
        if old:  # an older release's documents, keyed by the whole URL: rekeyed once
            logger.info("rekeying %d pages documents by site and location", len(old))
            rekey_pages(self._db, self.site, old)
            pages = list(self._db[PAGES].find({"site": self.site}, {"kind": 1, "url": 1}))
        for page in pages:
            plan.known_pages[str(page["url"])] = str(page.get("kind") or "other")
        return plan

    def _mass_removal_windows(self, now: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
        """When the site's crawls of the last ``MASS_RECHECK_DAYS`` that recorded a mass
        removal ran (start to end): the articles they removed are checked again."""
        since = now - dt.timedelta(days=MASS_RECHECK_DAYS)
        fields = {"started_at": 1, "finished_at": 1, "mass_removal": 1}
        windows = []
        query = {"site": self.site, "started_at": {"$gte": since}}
        for crawl in self._db[CRAWLS].find(query, fields):
            if crawl.get("mass_removal") and crawl.get("started_at") is not None:
                start = as_datetime(crawl["started_at"]).replace(microsecond=0)
                end = crawl.get("finished_at")
                windows.append((start, as_datetime(end) if end is not None else now))
        return windows

    # --- counter templates (hgcrawler.fetch.counters) -----------------------------

    def load_templates(self, site: str) -> list[dict[str, Any]]:
        return self._retrying("loading templates", lambda: load_templates(self._db, site))

    def save_templates(self, site: str, docs: Sequence[Mapping[str, Any]]) -> int:
        return self._retrying("saving templates", lambda: save_templates(self._db, site, docs))

    # --- the page template (hgcrawler.read.pagetemplate) -------------------------

    def load_page_template(self, site: str) -> dict[str, Any] | None:
        return self._retrying(
            "loading the page template", lambda: load_page_template(self._db, site)
        )

    def save_page_template(self, site: str, doc: Mapping[str, Any]) -> None:
        self._retrying("saving the page template", lambda: save_page_template(self._db, site, doc))

    # --- writing ------------------------------------------------------------

    def write_batch(self, crawl_id: str, records: Sequence[Record]) -> BatchResult:
        """Write article / gone / reject / page records (see docs/archive.md).  Idempotent.

        Records carry their ``site`` (older journals do not: this store's site)."""
        result = BatchResult()
        by_site: dict[str, list[ArchiveRecord]] = {}
        for record in as_records(records):
            by_site.setdefault(record.site or self.site, []).append(record)
        for site, group in by_site.items():
            result += self._write_site(self.state(site), crawl_id, group)
        return result
