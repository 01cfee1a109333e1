"""Schema 3 → 4: URL keys become the page's location within its site.

Before schema 4 an article without an id of the site's own was keyed by its whole
canonical URL (``haugiang:https://haugiang.dcs.vn/tin-tuc/a.html``), so every page of
a site that moved (another host, ``http`` → ``https``, another port of the replica)
looked new.  This step, run by ``hgcrawler db migrate``:

1. learns every host each site has had (``sites.hosts``): those of its profile (given
   by the command), of every crawl's start URL, and those already recorded;
2. walks the articles in ``_id`` order, a batch at a time (a range of the ``_id``
   index, never a filter on an unindexed field), and for each gives it ``places``
   (the locations of its URLs) and, for a URL key at one of the site's hosts, the id
   ``<site>:<location>`` (:func:`new_article_id`, a pure function of the old id):
   the article document, its observation buckets, revisions and moves are written
   under the new id (found by their indexed ``article_id``), then the old ones are
   deleted.  A new document that has the old one's number ``n`` is that article
   (another article has another number), so a step killed half way is finished,
   not taken for a second article;
3. where the new id is already another article's (the same page archived under two
   spellings: ``http`` and ``https``, or two hosts of the site), the two are joined
   with :func:`hgcrawler.storage.merge.absorb_article`: every observation, revision
   and WARC link is kept, and a ``moves`` document with evidence ``address`` records
   the join;
4. rewrites the article ids that rejects name (one pass in ``_id`` order);
5. where articles were joined, rebuilds the site's series and postings.

A URL key at a host the site never had is left as it is (and counted in the report).

The ``pages`` documents (the crawl plan's known listings and rejected pages) were keyed
by their whole canonical URL until after schema 4; :func:`rekey_pages` gives them the
id of :func:`hgcrawler.storage.outcomes.page_id`.  It needs no schema step: no other
document names a page, so a crawl's plan, which reads the site's pages anyway, rekeys
those it finds of the old form, and ``db migrate`` rekeys them all.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pymongo import DeleteOne, ReplaceOne, UpdateOne
from pymongo.database import Database
from pymongo.errors import BulkWriteError

from hgcrawler.read.urls import SiteAddresses, canonical_url, host_of, site_location
from hgcrawler.storage.merge import absorb_article
from hgcrawler.storage.observations import DUPLICATE_KEY
from hgcrawler.storage.outcomes import page_id
from hgcrawler.storage.schema import (
    ARTICLES,
    CRAWLS,
    MOVES,
    OBSERVATIONS,
    PAGES,
    REJECTS,
    REVISIONS,
)

__all__ = [
    "Rate",
    "RekeyReport",
    "delete",
    "new_article_id",
    "old_page_ids",
    "put",
    "rekey_pages",
    "rekey_sites",
]

logger = logging.getLogger(__name__)

Db = Database[dict[str, Any]]
Progress = Callable[[str], None]
BATCH = 500
_KEPT_APART = re.compile(r"#\d+$")
_URL_ID = re.compile(r"^https?://")
#: the fields of a reject that name an article
_REJECT_FIELDS = ("article_id", "kept_as", "other_article")


class Rate:
    """Progress lines with the rate and the time left, at most one every few seconds."""

    def __init__(self, what: str, total: int, say: Progress, unit: str = "") -> None:
        self.what, self.total, self.say, self.unit = what, total, say, unit
        self.started = self.last = time.monotonic()
        self.done = 0

    def add(self, count: int, *, final: bool = False) -> None:
        self.done += count
        now = time.monotonic()
        if not final and now - self.last < 2.0:
            return
        self.last = now
        elapsed = max(now - self.started, 1e-6)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate and self.total > self.done else 0.0
        unit = f" {self.unit}" if self.unit else ""
        self.say(
            f"{self.what}: {self.done:,}/{self.total:,}{unit} "
            f"({rate:,.0f}/s, {elapsed:.0f} s, about {left:.0f} s left)"
        )


@dataclass
class RekeyReport:
    renamed: int = 0  # articles given a site-relative id
    joined: list[tuple[str, str]] = field(default_factory=list)  # (kept, joined into it)
    left: int = 0  # URL keys at a host the site never had: left as they are
    observations: int = 0  # observations under a new id
    seconds: float = 0.0
    joined_sites: list[str] = field(default_factory=list)  # their series are rebuilt

    def summary(self) -> str:
        parts = [f"{self.renamed} URL keys made site-relative (schema 4)"]
        if self.joined:
            shown = ", ".join(f"{absorbed} into {kept}" for kept, absorbed in self.joined[:5])
            more = f" and {len(self.joined) - 5} more" if len(self.joined) > 5 else ""
            parts.append(f"{len(self.joined)} articles joined ({shown}{more})")
        if self.left:
            parts.append(f"{self.left} URL keys at hosts the site never had left as they are")
        return "; ".join(parts)


def new_article_id(article_id: str, addresses: SiteAddresses) -> str:
    """The schema-4 id of ``article_id``: ``<site>:<location>`` for a URL key at one of
    the site's addresses (``#2`` of an article kept apart stays), else as it is.

    >>> site = SiteAddresses(("haugiang.dcs.vn",))
    >>> new_article_id("haugiang:https://haugiang.dcs.vn/tin/a.html#2", site)
    'haugiang:/tin/a.html#2'
    >>> new_article_id("haugiang:39941", site)
    'haugiang:39941'
    >>> new_article_id("haugiang:https://elsewhere.org/tin/a.html", site)
    'haugiang:https://elsewhere.org/tin/a.html'
    """
    site, sep, key = article_id.partition(":")
    if not sep or "://" not in key:
        return article_id
    suffix = ""
    found = _KEPT_APART.search(key)
    if found:
        key, suffix = key[: found.start()], found.group(0)
    if key not in addresses:
        return article_id
    return f"{site}:{site_location(key)}{suffix}"


def site_hosts_of(db: Db, site: str, given: Sequence[str]) -> SiteAddresses:
    """Every host ``site`` has had: ``given`` (its profile's), its recorded ones and the
    hosts of its crawls' start URLs; recorded in its ``sites`` document."""
    recorded = (db["sites"].find_one({"_id": site}, {"hosts": 1}) or {}).get("hosts") or []
    started = [
        host_of(str(crawl.get("start_url") or ""))
        for crawl in db[CRAWLS].find({"site": site}, {"start_url": 1})
    ]
    addresses = SiteAddresses.of([*given, *recorded, *started])
    db["sites"].update_one({"_id": site}, {"$set": {"hosts": list(addresses.hosts)}}, upsert=True)
    return addresses


def _places(doc: Mapping[str, Any], addresses: SiteAddresses) -> list[str]:
    urls = [doc.get("url"), *(doc.get("old_urls") or [])]
    return sorted({addresses.place(str(url)) for url in urls if url})


def _batches(db: Db, collection: str, projection: Mapping[str, Any]) -> Iterator[list[Any]]:
    """Every document of ``collection``, ``BATCH`` at a time: the ids first, in one pass
    of the ``_id`` index, then each batch by its ids.  (A range with a limit, ``_id >
    last``, reads the whole rest of the range on SecantusDB each time: time growing
    with the square of the collection's size.)"""
    ids = [doc["_id"] for doc in db[collection].find({}, {"_id": 1})]
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        yield list(db[collection].find({"_id": {"$in": chunk}}, projection))


def rekey_sites(
    db: Db,
    hosts: Mapping[str, Sequence[str]],
    sites: Sequence[str],
    say: Progress,
) -> RekeyReport:
    """Steps 1–5 of the module doc for every site in ``sites``."""
    report = RekeyReport()
    started = time.monotonic()
    addresses = {site: site_hosts_of(db, site, hosts.get(site, ())) for site in sites}
    for site, found in addresses.items():
        say(f"site {site!r}: hosts {', '.join(found.hosts) or '(any)'}")
    total = db[ARTICLES].estimated_document_count()
    rate = Rate("articles", total, say)
    joined_sites: set[str] = set()
    fields = {"_id": 1, "site": 1, "n": 1, "url": 1, "old_urls": 1, "places": 1}
    for batch in _batches(db, ARTICLES, fields):
        renames: dict[str, str] = {}
        numbers: dict[str, Any] = {}  # old id -> its article number
        joins: list[tuple[str, str]] = []
        places: list[UpdateOne] = []
        targets: set[str] = set()
        for doc in batch:
            article_id, site = str(doc["_id"]), str(doc.get("site") or "")
            if site not in addresses:
                continue
            known = addresses[site]
            # the writer finds an article by its key, or, once it moved, by ``places``
            wanted = _places(doc, known) if doc.get("old_urls") else None
            if wanted is not None and doc.get("places") != wanted:
                places.append(UpdateOne({"_id": doc["_id"]}, {"$set": {"places": wanted}}))
            new_id = new_article_id(article_id, known)
            if new_id == article_id:
                if "://" in article_id.partition(":")[2]:
                    report.left += 1
                continue
            if new_id in targets:
                joins.append((new_id, article_id))
            else:
                targets.add(new_id)
                renames[article_id] = new_id
                numbers[article_id] = doc.get("n")
        if places:
            db[ARTICLES].bulk_write(places, ordered=False)
        if renames:
            taken = {
                str(doc["_id"]): doc.get("n")
                for doc in db[ARTICLES].find({"_id": {"$in": sorted(renames.values())}}, {"n": 1})
            }
            for old, new in list(renames.items()):
                # another article has that id (the same number: this one, renamed by a
                # run that was killed before it deleted the old document)
                if new in taken and taken[new] != numbers[old]:
                    joins.append((new, old))
                    del renames[old]
            report.observations += _rename(db, renames, addresses)
            report.renamed += len(renames)
        for into, absorbed in joins:
            site = into.partition(":")[0]
            before = _count(db, absorbed)
            if absorb_article(
                db,
                into,
                absorbed,
                evidence="address",
                crawl_id="migration:schema-4",
                at=dt.datetime.now(dt.UTC),
            ):
                report.joined.append((into, absorbed))
                report.observations += before
                joined_sites.add(site)
                say(f"joined {absorbed} into {into} (the same page at another address)")
        rate.add(len(batch))
    rate.add(0, final=True)
    _rekey_rejects(db, addresses, say)
    report.seconds = time.monotonic() - started
    say(
        f"articles re-keyed in {report.seconds:.1f} s: {report.renamed} renamed, "
        f"{len(report.joined)} joined, {report.observations} observations under new ids"
    )
    report.joined_sites = sorted(joined_sites)
    return report


def _count(db: Db, article_id: str) -> int:
    buckets = db[OBSERVATIONS].find({"article_id": article_id}, {"obs": 1})
    return sum(len(doc.get("obs") or []) for doc in buckets)


def put(db: Db, collection: str, docs: Sequence[dict[str, Any]]) -> None:
    """Write ``docs`` whole under their ``_id``: inserted (bulk inserts are several times
    faster than upserts on SecantusDB), and where one is there already (a step run
    again after a kill), replaced."""
    if not docs:
        return
    try:
        db[collection].insert_many(docs, ordered=False)
        return
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors") or []
        if any(error.get("code") != DUPLICATE_KEY for error in errors):
            raise
        there = {docs[error["index"]]["_id"] for error in errors}
    again = [ReplaceOne({"_id": doc["_id"]}, doc) for doc in docs if doc["_id"] in there]
    if again:
        db[collection].bulk_write(again, ordered=False)


def delete(db: Db, collection: str, ids: Sequence[Any]) -> None:
    """Delete the documents ``ids`` (one ``DeleteOne`` each, in one bulk write: twice as
    fast on SecantusDB as ``delete_many`` of ``_id $in``, measured once)."""
    if ids:
        db[collection].bulk_write([DeleteOne({"_id": i}) for i in ids], ordered=False)


def _rename(db: Db, renames: dict[str, str], addresses: Mapping[str, SiteAddresses]) -> int:
    """Articles ``old`` → ``new`` with their buckets, revisions and moves; returns how
    many observations moved.  Each write is an upsert of the new document or a
    deletion of an old one, so running it again after a kill finishes it."""
    if not renames:
        return 0
    olds = sorted(renames)
    articles = []
    for doc in db[ARTICLES].find({"_id": {"$in": olds}}):
        old = str(doc["_id"])
        known = addresses[str(doc.get("site") or "")]
        key = str(doc.get("key") or "")
        renamed = {
            **doc,
            "_id": renames[old],
            "key": site_location(key) if key in known else key,
        }
        if doc.get("old_urls"):
            renamed["places"] = _places(doc, known)
        articles.append(renamed)
    put(db, ARTICLES, articles)
    observations = 0
    buckets = []
    old_buckets = list(db[OBSERVATIONS].find({"article_id": {"$in": olds}}))
    for bucket in old_buckets:
        new = renames[str(bucket["article_id"])]
        month = str(bucket["_id"]).rpartition("|")[2]
        observations += len(bucket.get("obs") or [])
        buckets.append({**bucket, "_id": f"{new}|{month}", "article_id": new})
    put(db, OBSERVATIONS, buckets)
    revisions = []
    old_revisions = list(db[REVISIONS].find({"article_id": {"$in": olds}}))
    for revision in old_revisions:
        new = renames[str(revision["article_id"])]
        new_id = f"{new}:{revision['content_hash']}"
        revisions.append({**revision, "_id": new_id, "article_id": new})
    put(db, REVISIONS, revisions)
    moves: list[Any] = []
    for move in db[MOVES].find({"article_id": {"$in": olds}}):
        old = str(move["article_id"])
        new = renames[old]
        changed = {**move, "article_id": new}
        move_id = str(move["_id"])
        absorbed = str(move.get("absorbed") or "")
        if absorbed:
            site = absorbed.partition(":")[0]
            changed["absorbed"] = new_article_id(absorbed, addresses.get(site, SiteAddresses()))
        if move_id.startswith(f"{old}@"):
            move_id = new + move_id[len(old) :]
        elif absorbed and move_id == f"{absorbed}>{old}":
            move_id = f"{changed['absorbed']}>{new}"
        changed["_id"] = move_id
        moves.append(ReplaceOne({"_id": move_id}, changed, upsert=True))
        if move_id != move["_id"]:
            moves.append(DeleteOne({"_id": move["_id"]}))
    if moves:
        db[MOVES].bulk_write(moves, ordered=True)
    # the article ids are in every index used above: the old documents go last
    delete(db, OBSERVATIONS, [bucket["_id"] for bucket in old_buckets])
    delete(db, REVISIONS, [revision["_id"] for revision in old_revisions])
    delete(db, ARTICLES, olds)
    return observations


def _rekey_rejects(db: Db, addresses: Mapping[str, SiteAddresses], say: Progress) -> None:
    """The article ids rejects name (``article_id``, ``kept_as``, ``other_article``,
    ``resolved.joined_into``) in their schema-4 form."""
    total = db[REJECTS].estimated_document_count()
    rate = Rate("rejects", total, say)
    projection = {name: 1 for name in (*_REJECT_FIELDS, "resolved")}

    def renamed(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        site = value.partition(":")[0]
        known = addresses.get(site)
        return new_article_id(value, known) if known is not None else value

    for batch in _batches(db, REJECTS, projection):
        writes = []
        for doc in batch:
            changes = {
                name: renamed(doc[name])
                for name in _REJECT_FIELDS
                if doc.get(name) is not None and renamed(doc[name]) != doc[name]
            }
            resolved = doc.get("resolved")
            if isinstance(resolved, dict) and renamed(resolved.get("joined_into")) != resolved.get(
                "joined_into"
            ):
                changes["resolved.joined_into"] = renamed(resolved["joined_into"])
            if changes:
                writes.append(UpdateOne({"_id": doc["_id"]}, {"$set": changes}))
        if writes:
            db[REJECTS].bulk_write(writes, ordered=False)
        rate.add(len(batch))
    rate.add(0, final=True)


def old_page_ids(ids: Iterable[Any]) -> list[str]:
    """Those of ``ids`` (of ``pages`` documents) of the old form: a whole URL."""
    return [str(i) for i in ids if _URL_ID.match(str(i))]


def rekey_pages(db: Db, default_site: str, ids: Sequence[str] | None = None) -> int:
    """Give the ``pages`` documents ``ids`` (by default every one) keyed by their whole
    URL (releases up to schema 4) the id :func:`~hgcrawler.storage.outcomes.page_id` of
    their site and location; returns how many old documents there were.

    The spellings of one page (``http`` and ``https``, each host of the site) become
    one document: first seen at the earliest, last seen at the latest, with the kind,
    status, crawl and URL of its latest sighting; a document of the new form already
    there is one of the spellings.  The new document is written before the old ones
    are deleted, so a run killed half way is finished by the next.  ``default_site``:
    the site of a document written before pages had one."""
    if ids is None:
        ids = old_page_ids(doc["_id"] for doc in db[PAGES].find({}, {"_id": 1}))
    for start in range(0, len(ids), BATCH):
        old = list(db[PAGES].find({"_id": {"$in": list(ids[start : start + BATCH])}}))
        groups: dict[str, list[dict[str, Any]]] = {}
        for doc in old:
            site = str(doc.get("site") or default_site)
            doc.setdefault("url", canonical_url(str(doc["_id"])))
            groups.setdefault(page_id(site, str(doc["_id"])), []).append({**doc, "site": site})
        for doc in db[PAGES].find({"_id": {"$in": list(groups)}}):
            groups[str(doc["_id"])].append(doc)
        put(db, PAGES, [_joined_page(new_id, docs) for new_id, docs in groups.items()])
        delete(db, PAGES, [doc["_id"] for doc in old])
    return len(ids)


def _joined_page(new_id: str, docs: list[dict[str, Any]]) -> dict[str, Any]:
    """One ``pages`` document of the spellings ``docs`` of one page."""
    never = dt.datetime.min.replace(tzinfo=dt.UTC)

    def seen(doc: dict[str, Any], field: str) -> dt.datetime:
        value = doc.get(field)
        if not isinstance(value, dt.datetime):
            return never
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)

    latest = max(docs, key=lambda doc: seen(doc, "last_seen_at"))
    joined = {key: value for key, value in latest.items() if key != "_id"}
    firsts = [seen(doc, "first_seen_at") for doc in docs if doc.get("first_seen_at")]
    lasts = [seen(doc, "last_seen_at") for doc in docs if doc.get("last_seen_at")]
    if firsts:
        joined["first_seen_at"] = min(firsts)
    if lasts:
        joined["last_seen_at"] = max(lasts)
    return {"_id": new_id, **joined}
