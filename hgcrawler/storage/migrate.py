"""``hgcrawler db migrate``: upgrade an archive written by an earlier release, in place.

The archive records its schema version (``meta``, ``{_id: "schema"}``; an archive
without it that holds articles is version 1).  Each step below works on the
documents that do not yet have the new shape and rewrites them in small batches,
so the migration is idempotent and resumes where a kill left it; progress goes
to ``progress`` as one line per batch.

Version 1 → 2:

1. articles: ``_id`` ``<key>`` → ``<site>:<key>``, with ``site``, ``key``, a number
   ``n`` and the identity hashes; revisions, moves, crawls, rejects and pages get
   ``site`` (and revisions and moves the new article ids);
2. observations: one document per article per crawl → entries of one bucket per
   article and month;
3. what is derived is rebuilt from the documented collections: each article's peak
   count, the view count series with its day snapshots, the search postings.

Version 2 → 3:

4. observations: buckets of an article and *year* (``<article>|YYYY``, field
   ``year``), written by the release before monthly buckets, → one per article and
   month; their ``(article_id, year)`` index is dropped. An entry joins its month's
   bucket only if that bucket lacks its crawl (as every write), then the year's
   bucket is deleted, so a killed step resumes without doubling anything.

Version 3 → 4 (``storage/rekey.py``):

5. URL keys become the page's location within its site (``<site>:/tin-tuc/a.html``),
   articles get ``places``; articles that were one page under two spellings (``http``
   and ``https``, two hosts of the site) are joined; rejects name the new ids.

Every step works through indexes only (ranges of ``_id``, ``article_id``), so its
time grows with the archive's size and nothing else, and reports its progress with
the time left.

Whatever is derived can be rebuilt alone at any time (:func:`rebuild`), so an
archive in the schema documented for version 1 — also one written by other tools
— is fully queryable after ``db migrate``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from pymongo import DeleteOne, ReplaceOne, ReturnDocument, UpdateMany, UpdateOne
from pymongo.database import Database

from hgcrawler.sites import DEFAULT_SITE
from hgcrawler.storage.mongo import schema_version
from hgcrawler.storage.observations import BucketOps, entry_warc
from hgcrawler.storage.postings import BLOCK, Postings
from hgcrawler.storage.records import as_date, identity, search_text, text_identity
from hgcrawler.storage.rekey import Rate, delete, put, rekey_pages, rekey_sites
from hgcrawler.storage.schema import (
    ARTICLES,
    CRAWLS,
    META,
    MOVES,
    OBSERVATIONS,
    PAGES,
    POSTINGS,
    REJECTS,
    REVISIONS,
    SCHEMA_VERSION,
    SERIES,
    SERIES_DAYS,
    SITES,
    article_id_of,
    ensure_indexes,
    observation_bucket_id,
    observation_month,
)
from hgcrawler.storage.series import DAILY_DAYS, EDITED, MOVED, SiteSeries

__all__ = ["migrate", "rebuild"]

logger = logging.getLogger(__name__)

Db = Database[dict[str, Any]]
Progress = Callable[[str], None]
UTC = dt.UTC
BATCH = 500


def _say(progress: Progress | None, line: str) -> None:
    logger.info(line)
    if progress is not None:
        progress(line)


def migrate(
    db: Db,
    *,
    site: str = DEFAULT_SITE,
    progress: Progress | None = None,
    hosts: Mapping[str, Sequence[str]] | None = None,
) -> str:
    """Upgrade ``db`` to :data:`SCHEMA_VERSION`; returns a one-line report.

    ``hosts``: per site, the hosts its profile lists (the hosts of its crawls' start
    URLs are known to the archive)."""
    version = schema_version(db)
    if version is None:
        ensure_indexes(db)
        _mark(db)
        return f"database {db.name!r} is empty: marked as schema {SCHEMA_VERSION}"
    if version > SCHEMA_VERSION:
        raise ValueError(
            f"database {db.name!r} has schema {version}, newer than this release "
            f"({SCHEMA_VERSION}): upgrade hgcrawler"
        )
    if version == SCHEMA_VERSION:
        return f"database {db.name!r} is at schema {SCHEMA_VERSION} already: nothing to do"
    _say(progress, f"database {db.name!r}: schema {version} → {SCHEMA_VERSION} (site {site!r})")
    db[META].update_one(
        {"_id": "migration"},
        {"$setOnInsert": {"from": version, "started_at": dt.datetime.now(UTC), "site": site}},
        upsert=True,
    )
    site = str(db[META].find_one({"_id": "migration"}).get("site") or site)  # type: ignore[union-attr]
    ensure_indexes(db)
    done: list[str] = []
    if version < 2:
        articles = _articles(db, site, progress)
        _label_site(db, site, progress)
        observations = _observations(db, site, progress)
        rebuild(db, site, progress=progress)
        done.append(f"{articles} articles and {observations} observations moved to site {site!r}")
    if version < 3:
        years = _split_years(db, progress)
        if years or not done:
            done.append(f"{years} yearly observation buckets split into months")
    if version < 4:
        rekeyed = rekey_sites(
            db, hosts or {}, list(sites_of(db)), lambda line: _say(progress, line)
        )
        for joined in rekeyed.joined_sites:
            rebuild(db, joined, progress=progress)
        done.append(rekeyed.summary())
    pages = rekey_pages(db, site)
    if pages:
        done.append(f"pages keyed by site and location: {pages}")
    _mark(db)
    db[META].update_one({"_id": "migration"}, {"$set": {"finished_at": dt.datetime.now(UTC)}})
    return f"database {db.name!r} upgraded to schema {SCHEMA_VERSION}: " + "; ".join(done)


def _mark(db: Db) -> None:
    db[META].update_one(
        {"_id": "schema"},
        {"$set": {"version": SCHEMA_VERSION, "migrated_at": dt.datetime.now(UTC)}},
        upsert=True,
    )


# --- step 1: articles and the documents that name them -------------------------------


def _ids_where(
    db: Db, collection: str, projection: dict[str, int], wanted: Callable[[dict[str, Any]], bool]
) -> list[Any]:
    """The ids of the documents of ``collection`` still to upgrade, in ``_id`` order: one
    pass reading ``projection``, checked here.  Each batch is then read by its ids (a
    filter on a field no index holds, asked again for each batch, rescanned the
    collection each time: time growing with the square of the archive's size)."""
    fields = {"_id": 1, **projection}
    return sorted((d["_id"] for d in db[collection].find({}, fields) if wanted(d)), key=str)


def _next_numbers(db: Db, site: str, count: int) -> list[int]:
    doc = db[SITES].find_one_and_update(
        {"_id": site},
        {"$inc": {"next_n": count}},
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )
    assert doc is not None
    end = int(doc["next_n"])
    return list(range(end - count, end))


def _articles(db: Db, site: str, progress: Progress | None) -> int:
    """Old article documents (without ``site``) become ``<site>:<key>`` documents."""
    pending = _ids_where(db, ARTICLES, {"site": 1}, lambda doc: "site" not in doc)
    total = len(pending)
    done = 0
    for start in range(0, total, BATCH):
        chunk = pending[start : start + BATCH]
        query = {"_id": {"$in": chunk}}
        batch = [d for d in db[ARTICLES].find(query).sort("_id", 1) if "site" not in d]
        if not batch:
            continue
        new_ids = [article_id_of(site, str(doc["_id"])) for doc in batch]
        existing = {
            str(doc["_id"]): doc.get("n")
            for doc in db[ARTICLES].find({"_id": {"$in": new_ids}}, {"n": 1})
        }
        fresh = [new_id for new_id in new_ids if existing.get(new_id) is None]
        numbers = (
            dict(zip(fresh, _next_numbers(db, site, len(fresh)), strict=True)) if fresh else {}
        )
        writes: list[Any] = []
        for doc, new_id in zip(batch, new_ids, strict=True):
            old_id = str(doc["_id"])
            content = {name: doc.get(name) for name in ("title", "lede", "body", "updated_on")}
            upgraded = {
                **doc,
                "_id": new_id,
                "site": site,
                "key": str(doc.get("key") or old_id),
                "n": existing.get(new_id) if existing.get(new_id) is not None else numbers[new_id],
                "identity": doc.get("identity") or identity(content),
                "text_identity": doc.get("text_identity") or text_identity(content),
                "search_text": doc.get("search_text") or search_text(content),
                "body_chars": doc.get("body_chars") or len(str(doc.get("body") or "")),
            }
            if doc.get("views") is not None and doc.get("views_at") is None:
                upgraded["views_at"] = doc.get("last_seen_at")
            writes.append(ReplaceOne({"_id": new_id}, upgraded, upsert=True))
        db[ARTICLES].bulk_write(writes, ordered=True)
        db[ARTICLES].bulk_write([DeleteOne({"_id": doc["_id"]}) for doc in batch], ordered=False)
        done += len(batch)
        _say(progress, f"articles: {done}/{total}")
    # revisions: "<old id>:<hash>" -> "<site>:<old id>:<hash>"
    pending = _ids_where(db, REVISIONS, {"site": 1}, lambda doc: "site" not in doc)
    for start in range(0, len(pending), BATCH):
        chunk = pending[start : start + BATCH]
        batch = [d for d in db[REVISIONS].find({"_id": {"$in": chunk}}) if "site" not in d]
        if not batch:
            continue
        writes = []
        for doc in batch:
            article_id = article_id_of(site, str(doc["article_id"]))
            new_id = f"{article_id}:{doc['content_hash']}"
            writes.append(
                ReplaceOne(
                    {"_id": new_id},
                    {**doc, "_id": new_id, "article_id": article_id, "site": site},
                    upsert=True,
                )
            )
        db[REVISIONS].bulk_write(writes, ordered=True)
        db[REVISIONS].bulk_write([DeleteOne({"_id": doc["_id"]}) for doc in batch], ordered=False)
        _say(progress, f"revisions: {len(batch)} more")
    for move in db[MOVES].find({"site": {"$exists": False}}):
        changes: dict[str, Any] = {"site": site}
        for name in ("article_id", "absorbed"):
            if move.get(name):
                changes[name] = article_id_of(site, str(move[name]))
        if move.get("absorbed") and move.get("article_id"):
            # a join is found by its id, "<absorbed>><article>" (storage.merge): a join
            # cut short before the upgrade must be finished under the new article ids
            join_id = f"{changes['absorbed']}>{changes['article_id']}"
            db[MOVES].replace_one(
                {"_id": join_id}, {**move, **changes, "_id": join_id}, upsert=True
            )
            if join_id != move["_id"]:
                db[MOVES].delete_one({"_id": move["_id"]})
            continue
        db[MOVES].update_one({"_id": move["_id"]}, {"$set": changes})
    return done


def _label_site(db: Db, site: str, progress: Progress | None) -> None:
    for collection in (CRAWLS, REJECTS, PAGES):
        result = db[collection].bulk_write(
            [UpdateMany({"site": {"$exists": False}}, {"$set": {"site": site}})]
        )
        if result.modified_count:
            _say(progress, f"{collection}: {result.modified_count} given site {site!r}")
    rejected = db[REJECTS].find({"site": site, "article_id": {"$exists": True}}, {"article_id": 1})
    for doc in rejected:
        if not str(doc["article_id"]).startswith(f"{site}:"):
            db[REJECTS].update_one(
                {"_id": doc["_id"]},
                {"$set": {"article_id": article_id_of(site, str(doc["article_id"]))}},
            )


# --- step 2: observations into buckets ------------------------------------------------


def _entry(doc: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "at": doc["fetched_at"],
        "crawl": doc.get("crawl_id"),
        "status": int(doc.get("status") or 200),
    }
    if doc.get("views") is not None:
        entry["views"] = int(doc["views"])
    elif doc.get("views_missing_reason"):
        entry["missing"] = doc["views_missing_reason"]
    if doc.get("rendered"):
        entry["src"] = "rendered"
    if doc.get("flags"):
        entry["flags"] = list(doc["flags"])
    if doc.get("warc"):
        entry["warc"] = entry_warc(doc["warc"])
    return entry


def _observations(db: Db, site: str, progress: Progress | None) -> int:
    """One document per visit (``crawl_id`` and ``fetched_at``) → bucket entries."""
    pending = _ids_where(db, OBSERVATIONS, {"crawl_id": 1}, lambda doc: "crawl_id" in doc)
    total = len(pending)
    done = 0
    for start in range(0, total, BATCH * 4):
        chunk = pending[start : start + BATCH * 4]
        query = {"_id": {"$in": chunk}}
        batch = [d for d in db[OBSERVATIONS].find(query) if "obs" not in d]
        if not batch:
            continue
        ops = BucketOps()
        for doc in batch:
            article_id = str(doc["article_id"])
            if not article_id.startswith(f"{site}:"):
                article_id = article_id_of(site, article_id)
            ops.add(site, article_id, _entry(doc))
        ops.run(db)
        db[OBSERVATIONS].bulk_write(
            [DeleteOne({"_id": doc["_id"]}) for doc in batch], ordered=False
        )
        done += len(batch)
        _say(progress, f"observations: {done}/{total}")
    return done


# --- schema 2 → 3: a bucket per month, not per year ---------------------------------


def _split_years(db: Db, progress: Progress | None) -> int:
    """Buckets of an article and year → buckets of an article and month (step 4)."""
    # The yearly buckets' ids first, in one pass of the _id index: each batch is then
    # found by its ids (asking again for "year exists" rescanned the collection each
    # batch: time growing with the square of the archive's size).
    yearly = [
        doc["_id"] for doc in db[OBSERVATIONS].find({}, {"_id": 1, "year": 1}) if "year" in doc
    ]
    total = len(yearly)
    done = 0
    rate = Rate("yearly observation buckets", total, lambda line: _say(progress, line))
    for start in range(0, total, BATCH):
        batch = list(db[OBSERVATIONS].find({"_id": {"$in": yearly[start : start + BATCH]}}))
        if not batch:
            continue
        _file_entries(
            db,
            [
                (str(doc["site"]), str(doc["article_id"]), entry)
                for doc in batch
                for entry in doc.get("obs") or []
            ],
        )
        delete(db, OBSERVATIONS, [doc["_id"] for doc in batch])
        done += len(batch)
        rate.add(len(batch), final=done >= total)
    for index in db[OBSERVATIONS].list_indexes():
        if list(index["key"]) == ["article_id", "year"]:
            db[OBSERVATIONS].drop_index(index["name"])
    return done


def _file_entries(db: Db, entries: list[tuple[str, str, dict[str, Any]]]) -> None:
    """File observation entries ``(site, article id, entry)`` in their monthly buckets,
    each bucket read and written whole once (not one update per entry); an entry of a
    crawl its bucket already holds is not added again, so filing twice adds nothing."""
    grouped: dict[str, tuple[str, str, list[dict[str, Any]]]] = {}
    for site, article_id, entry in entries:
        bucket_id = observation_bucket_id(article_id, entry["at"])
        grouped.setdefault(bucket_id, (site, article_id, []))[2].append(entry)
    existing = {
        str(doc["_id"]): doc for doc in db[OBSERVATIONS].find({"_id": {"$in": sorted(grouped)}})
    }
    docs = []
    for bucket_id, (site, article_id, added) in grouped.items():
        bucket = existing.get(bucket_id)
        obs = list(bucket.get("obs") or []) if bucket else []
        crawls = {entry.get("crawl") for entry in obs}
        for entry in sorted(added, key=lambda e: e["at"]):
            if entry.get("crawl") not in crawls:
                obs.append(entry)
                crawls.add(entry.get("crawl"))
        obs.sort(key=lambda e: e["at"])
        doc = {
            **(bucket or {}),
            "_id": bucket_id,
            "site": site,
            "article_id": article_id,
            "month": observation_month(obs[0]["at"]),
            "first_at": obs[0]["at"],
            "last_at": obs[-1]["at"],
            "obs": obs,
        }
        docs.append(doc)
    put(db, OBSERVATIONS, docs)


# --- step 3: what is derived -----------------------------------------------------------


def rebuild(db: Db, site: str, *, progress: Progress | None = None) -> None:
    """Rebuild a site's peak counts, view count series (with day snapshots) and search
    postings from its articles, observations and revisions."""
    articles = {
        str(doc["_id"]): doc
        for doc in db[ARTICLES].find(
            {"site": site},
            {
                "n": 1,
                "category": 1,
                "updated_on": 1,
                "revision_count": 1,
                "old_urls": 1,
                "title": 1,
                "search_text": 1,
            },
        )
    }
    _say(progress, f"rebuilding the series of {len(articles)} articles of site {site!r}")
    events: list[tuple[dt.datetime, int, dict[str, Any]]] = []
    peaks: dict[str, int] = {}
    for bucket in db[OBSERVATIONS].find({"site": site}, {"article_id": 1, "obs": 1}):
        doc = articles.get(str(bucket["article_id"]))
        if doc is None or doc.get("n") is None:
            continue
        for entry in bucket.get("obs") or []:
            events.append((entry["at"], int(doc["n"]), entry))
            if entry.get("views") is not None:
                peaks[str(bucket["article_id"])] = max(
                    peaks.get(str(bucket["article_id"]), 0), int(entry["views"])
                )
    events.sort(key=lambda event: event[0])
    series = SiteSeries(site=site)
    for doc in articles.values():
        if doc.get("n") is None:
            continue
        n = int(doc["n"])
        series.describe(n, category=doc.get("category"), updated_on=as_date(doc.get("updated_on")))
        if int(doc.get("revision_count") or 1) > 1:
            series.mark(n, EDITED)
        if doc.get("old_urls"):
            series.mark(n, MOVED)
    db[SERIES_DAYS].delete_many({"site": site})
    last_day: dt.date | None = None
    saved = 0
    oldest_daily = (events[-1][0].date() - dt.timedelta(days=DAILY_DAYS)) if events else None
    for index, (at, n, entry) in enumerate(events):
        if int(entry.get("status") or 0) >= 400:
            series.remove(n, at)
        else:
            series.observe(n, entry.get("views"), at)
        day = at.astimezone(UTC).date()
        following = events[index + 1][0].astimezone(UTC).date() if index + 1 < len(events) else None
        if following != day and _keeps(day, following, oldest_daily):
            doc = series.day_doc(day, at)
            db[SERIES_DAYS].replace_one({"_id": doc["_id"]}, doc, upsert=True)
            saved += 1
        last_day = day
    db[SERIES].replace_one({"_id": site}, series.to_doc(), upsert=True)
    _say(progress, f"series: {len(events)} observations, {saved} day snapshots (last {last_day})")
    peak_ops = [
        UpdateOne({"_id": article_id}, {"$max": {"views_peak": peak}})
        for article_id, peak in peaks.items()
    ]
    for start in range(0, len(peak_ops), BATCH):
        db[ARTICLES].bulk_write(peak_ops[start : start + BATCH], ordered=False)
    db[POSTINGS].delete_many({"site": site})
    postings = Postings(site)
    for doc in sorted(articles.values(), key=lambda d: int(d.get("n") or 0)):
        if doc.get("n") is None:
            continue
        postings.index(int(doc["n"]), doc.get("title"), doc.get("search_text"), {})
        if len(postings) > 200_000:
            postings.flush(db)
    written = postings.flush(db)
    blocks = max((int(d.get("n") or 0) for d in articles.values()), default=0) // BLOCK + 1
    _say(progress, f"postings: {written} word lists over {blocks} block(s)")


def _keeps(day: dt.date, following: dt.date | None, oldest_daily: dt.date | None) -> bool:
    """Whether a rebuilt day snapshot is kept: every day of the last :data:`DAILY_DAYS`,
    the last day of each ISO week before."""
    if oldest_daily is None or day >= oldest_daily or following is None:
        return True
    return following.isocalendar()[:2] != day.isocalendar()[:2]


def sites_of(db: Db) -> Iterable[str]:
    """The sites the archive's articles belong to."""
    return sorted(str(site) for site in db[ARTICLES].distinct("site") if site)
