"""One write of one batch of records: :class:`BatchWriter`, the coordinator.

A batch is written in four steps, each the concern of its own module:

1. **which article each page is** (:class:`hgcrawler.storage.identity.ArticleIndex`:
   its URL, a redirect, an old URL, the site's id, or a new article; a key
   collision keeps a different page apart);
2. **what each page changes**: the article document, its revisions
   (:class:`hgcrawler.storage.revisions.Revisions`), its observation
   (:mod:`hgcrawler.storage.observations`), the site's series and postings
   (:mod:`hgcrawler.storage.series`, :mod:`hgcrawler.storage.postings`), and the
   ``rejects``, ``pages`` and ``moves`` documents, as bulk writes;
3. the bulk writes, collection by collection, the observation buckets last (a
   batch cut short is written again in full);
4. **moves seen after the fact** (:class:`hgcrawler.storage.joins.MoveJoins`): an
   article whose URL answered 404/410 while a page with the same identity (title,
   date, text) appeared at another URL, or whose old URL redirects to an article
   the crawl created.

Every write is an upsert of a deterministic id or filtered on what it adds, so a
batch written twice (a replayed journal) writes nothing twice and counts each page
once (``duplicates``).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Sequence
from typing import Any

from pymongo import UpdateOne
from pymongo.database import Database

from hgcrawler.read.urls import SiteAddresses
from hgcrawler.storage.base import BatchResult, Record
from hgcrawler.storage.context import SiteContext
from hgcrawler.storage.identity import ArticleIndex, Resolution
from hgcrawler.storage.joins import MoveJoins, move_op, same_moment
from hgcrawler.storage.kinds import (
    ArticleRecord,
    GoneRecord,
    PageRecord,
    RejectRecord,
    as_records,
    natural_key,
    urls_of,
)
from hgcrawler.storage.observations import (
    BucketOps,
    article_entry,
    crawl_entries,
    gone_entry,
    months_between,
)
from hgcrawler.storage.outcomes import PageOutcomes
from hgcrawler.storage.records import (
    as_datetime,
    content_hash,
    identity,
    search_text,
    text_identity,
)
from hgcrawler.storage.revisions import Revisions, images_as_archived, regressed, revision_id
from hgcrawler.storage.schema import ARTICLES, MOVES, PAGES, REJECTS, REVISIONS
from hgcrawler.storage.series import EDITED, MOVED

__all__ = ["BatchWriter", "Record", "SiteContext", "crawl_started", "natural_key", "urls_of"]

logger = logging.getLogger(__name__)

UTC = dt.UTC
#: The start a crawl id names (``20261127T171500Z-3f9a``, see ``mongo.new_crawl_id``).
_CRAWL_ID_TIME = re.compile(r"(\d{8}T\d{6}Z)(?:-|$)")


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


Decision = Resolution | str | None  # an article page's, or the article a 404 was (or none)


class BatchWriter:
    """Decide which article each page is, bulk-write what the pages change, join moves."""

    def __init__(
        self,
        db: Database[dict[str, Any]],
        crawl_id: str,
        records: Sequence[Record],
        context: SiteContext,
    ):
        self.db = db
        self.crawl_id = crawl_id
        self.records = as_records(records)
        self.context = context
        self.site = context.site
        self.now = dt.datetime.now(UTC)
        self.result = BatchResult()
        addresses = SiteAddresses.of(getattr(context, "hosts", ()) or ())
        self.index = ArticleIndex(db, self.site, addresses)
        self.revisions = Revisions(self.site, crawl_id)
        self.outcomes = PageOutcomes(self.site, crawl_id)
        self.buckets = BucketOps()
        self.joins = MoveJoins(db, crawl_id, context, self.now, self._months())
        self.numbers: list[int] = []  # article numbers for this batch's new articles
        self.before: dict[str, dict[str, Any]] = {}  # edited articles: title and text
        self.articles: list[UpdateOne] = []  # the article documents' writes
        self.moves: list[UpdateOne] = []

    # --- writing ---------------------------------------------------------------

    def write(self) -> BatchResult:
        self.index.load(self.records)
        decided: list[tuple[ArticleRecord | GoneRecord, Decision]] = []
        for record in self.records:
            match record:
                case ArticleRecord():
                    resolution = self.index.resolve_article(record)
                    decided.append((record, resolution))
                    self.index.claim(record, resolution)
                case GoneRecord():
                    decided.append((record, self.index.resolve_gone(record)))
                case RejectRecord():
                    self._reject(record)
                case PageRecord():
                    self._page(record)
        decided = [  # the portal moved: its images at the new address are the archived ones
            (images_as_archived(r, self.index[d.article_id], self.index.place), d)
            if isinstance(r, ArticleRecord) and isinstance(d, Resolution) and not d.new
            else (r, d)
            for r, d in decided
        ]
        ids = sorted(
            {d.article_id if isinstance(d, Resolution) else d for _, d in decided if d is not None}
        )
        observed: set[str] = set()
        gone_at: dict[str, Any] = {}  # articles this crawl saw answer 404/410 -> when
        for article_id, entry in crawl_entries(
            self.db, ids, self.crawl_id, self.joins.months
        ).items():
            observed.add(article_id)
            if int(entry.get("status") or 0) >= 400:
                gone_at[article_id] = entry.get("at")
        # the page of an article tells more than a 404 of one of its URLs in the same batch
        paged = {d.article_id for _, d in decided if isinstance(d, Resolution)}
        pages = [
            (r, d) for r, d in decided if isinstance(r, ArticleRecord) and isinstance(d, Resolution)
        ]
        hashes = {id(record): content_hash(record.content()) for record, _ in pages}
        self.revisions.load(
            self.db, [revision_id(d.article_id, hashes[id(record)]) for record, d in pages]
        )
        fresh = [d for _, d in pages if d.new]
        self.numbers = self.context.allocate(len(fresh)) if fresh else []
        self._read_before(pages, hashes)
        for record, decision in decided:
            if isinstance(decision, Resolution):
                assert isinstance(record, ArticleRecord)
                article_id = decision.article_id
                if article_id in observed and article_id not in gone_at:
                    self.result.duplicates += 1
                    if decision.old_urls and article_id in self.index:
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
                assert isinstance(record, GoneRecord)
                self._gone(record, decision)
                observed.add(decision)
        for name, ops in (
            (REVISIONS, self.revisions.ops),
            (ARTICLES, self.articles),
            (REJECTS, self.outcomes.rejects),
            (PAGES, self.outcomes.pages),
            (MOVES, self.moves),
        ):
            if ops:
                self.db[name].bulk_write(ops, ordered=False)
        # observations last: a batch cut short is written again in full
        self.buckets.run(self.db)
        self.result += self.joins.run(self.index)
        return self.result

    def _months(self) -> list[dt.datetime]:
        """The months whose buckets may hold this crawl's observations: every month from
        the crawl's start (as its id says) or this batch's first record, whichever is
        earlier, to now (a crawl that runs into a new month has entries in both)."""
        moments = [self.now]
        started = crawl_started(self.crawl_id)
        if started is not None:
            moments.append(started)
        moments += [record.fetched_at for record in self.records if record.fetched_at]
        return months_between(min(moments), max(moments))

    def _read_before(
        self, pages: Sequence[tuple[ArticleRecord, Resolution]], hashes: dict[int, str]
    ) -> None:
        """The title and text of the articles whose text changes: their postings change."""
        edited = [
            d.article_id
            for record, d in pages
            if not d.new and hashes[id(record)] != self.index[d.article_id].get("content_hash")
        ]
        if edited:
            query = {"_id": {"$in": edited}}
            for doc in self.db[ARTICLES].find(query, {"title": 1, "search_text": 1}):
                self.before[str(doc["_id"])] = {
                    "title": doc.get("title"),
                    "text": doc.get("search_text"),
                }

    # --- article pages ------------------------------------------------------------

    def _add_old_urls(self, article_id: str, old_urls: list[str]) -> None:
        places = sorted({self.index.place(u) for u in old_urls})
        self.articles.append(
            UpdateOne(
                {"_id": article_id},
                {"$addToSet": {"old_urls": {"$each": old_urls}, "places": {"$each": places}}},
            )
        )
        self.index.left(article_id, old_urls)

    def _article(
        self, record: ArticleRecord, resolution: Resolution, digest: str, gone_at: Any = None
    ) -> None:
        """Write an article page.  ``gone_at``: when this crawl saw the article answer
        404/410 at a URL it has left; this page replaces that observation."""
        article_id = resolution.article_id
        if not resolution.new:
            lost = regressed(record, self.index[article_id])
            if lost:
                self.result.layout_changed += 1
                self.outcomes.layout_changed(
                    record, article_id, lost, record.fetched_at or self.now
                )
                return
        fetched_at = record.fetched_at or self.now
        views = record.views
        content = record.content()
        current = self._current_state(record, content, digest, fetched_at)
        self.result.articles += 1
        if resolution.collision is not None:
            self.result.collisions += 1
            self.outcomes.collision(record, resolution.collision, fetched_at)
        if resolution.new:
            self._new_article(record, article_id, content, current, digest, fetched_at)
            flags: list[str] = []
        else:
            flags = self._known_article(record, resolution, content, current, digest, gone_at)
        doc = self.index[article_id]
        number_of = doc.get("n")
        if number_of is not None:
            series = self.context.series
            updated_on = content["updated_on"]
            series.describe(int(number_of), category=content["category"], updated_on=updated_on)
            # a page replacing this crawl's 404 of the article: still one observation
            series.observe(int(number_of), views, fetched_at, counted=gone_at is None)
        entry = article_entry(
            record,
            at=fetched_at,
            crawl_id=self.crawl_id,
            status=record.status or 200,
            revision=int(doc.get("revision") or 1),
            flags=flags,
        )
        replace_at = None if gone_at is None else as_datetime(gone_at)
        self.buckets.add(self.site, article_id, entry, replace_at=replace_at)

    def _current_state(
        self,
        record: ArticleRecord,
        content: dict[str, Any],
        digest: str,
        fetched_at: dt.datetime,
    ) -> dict[str, Any]:
        """The fields of the article document the page sets."""
        current = {
            **content,
            "url": record.url,
            "content_hash": digest,
            "identity": identity(content),
            "text_identity": text_identity(content),
            "last_seen_at": fetched_at,
            "last_status": record.status or 200,
            "last_crawl_id": self.crawl_id,
            "views_missing_reason": record.views_missing_reason if record.views is None else None,
            "rendered": record.rendered,
            "source": record.source,  # a source credit: not a revision field
            "doubtful": list(record.doubtful),  # fields extraction doubts
            "removed_at": None,
            # accent-insensitive search without text indexes (hgcrawler.storage.postings)
            "search_text": search_text(content),
            "body_chars": len(str(content.get("body") or "")),
        }
        if record.views is not None:  # else the last count the page showed stays
            current["views"] = record.views
            current["views_at"] = fetched_at
        return current

    def _new_article(
        self,
        record: ArticleRecord,
        article_id: str,
        content: dict[str, Any],
        current: dict[str, Any],
        digest: str,
        fetched_at: dt.datetime,
    ) -> None:
        views = record.views
        self.result.new += 1
        self.joins.created.append(article_id)
        n = self.numbers.pop(0)
        self.revisions.new(
            revision_id(article_id, digest), article_id, 1, digest, content, record.url,
            record.warc, fetched_at,
        )  # fmt: skip
        self.articles.append(
            UpdateOne(
                {"_id": article_id},
                {
                    "$setOnInsert": {
                        "site": self.site,
                        "n": n,
                        "first_seen_at": fetched_at,
                        "old_urls": [],
                        "key": record.key,
                        **({} if views is not None else {"views": None, "views_at": None}),
                    },
                    "$set": {**current, "revision": 1, "revision_count": 1},
                    "$addToSet": {"places": self.index.place(record.url)},
                    **({"$max": {"views_peak": views}} if views is not None else {}),
                },
                upsert=True,
            )
        )
        self.index[article_id].update(
            content_hash=digest, revision=1, revision_count=1, removed_at=None,
            first_seen_at=fetched_at, last_seen_at=fetched_at, n=n, views=views,
            images=content["images"],
        )  # fmt: skip
        self.context.postings.index(n, content["title"], current["search_text"], {})

    def _known_article(
        self,
        record: ArticleRecord,
        resolution: Resolution,
        content: dict[str, Any],
        current: dict[str, Any],
        digest: str,
        gone_at: Any,
    ) -> list[str]:
        """A known article's page: moved, edited or the same.  Returns the observation's
        flags."""
        article_id, old_urls = resolution.article_id, resolution.old_urls
        url, views = record.url, record.views
        fetched_at = current["last_seen_at"]
        flags: list[str] = []
        self.result.revisited += 1
        doc = self.index[article_id]
        previous_views = doc.get("views")
        if views is not None and previous_views is not None and views < int(previous_views):
            self.result.views_down += 1
            flags.append("views_down")
            logger.warning(
                "%s shows %d views, fewer than the %d seen before", url, views, previous_views
            )
        previous_url = str(doc.get("url") or "") or None
        if gone_at is not None and same_moment(doc.get("removed_at"), gone_at):
            self.result.removed -= 1  # this crawl counted its 404 as a removal: a move
        if old_urls:
            self._add_old_urls(article_id, old_urls)
            if doc.get("n") is not None:
                self.context.series.mark(int(doc["n"]), MOVED)
            if resolution.absorb is None:  # else the join records the move, once
                self.result.moved += 1
                evidence = resolution.evidence or "url"
                for old in old_urls:
                    self.moves.append(
                        move_op(self.site, self.crawl_id, article_id, old, url, evidence,
                                fetched_at)
                    )  # fmt: skip
        update: dict[str, Any] = {
            "$set": current,
            "$addToSet": {"places": self.index.place(url)},
            **({"$max": {"views_peak": views}} if views is not None else {}),
        }
        revision = revision_id(article_id, digest)
        if digest == doc.get("content_hash"):
            self.revisions.touch(revision, fetched_at)
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
            number = self.revisions.number_of(revision)
            if number is not None:  # a text it had before: that revision again
                self.revisions.touch(revision, fetched_at)
            else:
                number = int(doc.get("revision_count") or 0) + 1
                self.revisions.new(
                    revision, article_id, number, digest, content, url, record.warc, fetched_at
                )
            update["$set"] = {**current, "revision": number}
            update["$max"] = {"revision_count": number}
            doc["revision"] = number
            doc["revision_count"] = max(number, int(doc.get("revision_count") or 0))
        self.articles.append(UpdateOne({"_id": article_id}, update))
        doc.update(url=url, content_hash=digest, removed_at=None, last_seen_at=fetched_at)
        doc.update(views=views if views is not None else previous_views)
        doc.update(title=content["title"], updated_on=content["updated_on"])
        doc["images"] = content["images"]
        doc["text_identity"] = current["text_identity"]
        self.index.remember(article_id, doc)
        if resolution.absorb is not None:
            self.joins.redirect(article_id, resolution.absorb, previous_url)
        return flags

    # --- other records ----------------------------------------------------------------

    def _gone(self, record: GoneRecord, article_id: str) -> None:
        fetched_at = record.fetched_at or self.now
        status = record.status or 404
        doc = self.index[article_id]
        changes: dict[str, Any] = {"last_status": status, "last_crawl_id": self.crawl_id}
        if doc.get("removed_at") is None:
            changes["removed_at"] = fetched_at
            doc["removed_at"] = fetched_at
            self.result.removed += 1
            self.result.gone += 1
            self.joins.removed.append((article_id, doc.get("last_seen_at")))
        self.articles.append(UpdateOne({"_id": article_id}, {"$set": changes}))
        if doc.get("n") is not None:
            self.context.series.remove(int(doc["n"]), fetched_at)
        entry = gone_entry(
            record, at=fetched_at, crawl_id=self.crawl_id, status=status, current_url=doc.get("url")
        )
        self.buckets.add(self.site, article_id, entry)

    def _reject(self, record: RejectRecord) -> None:
        self.outcomes.reject(record, record.fetched_at or self.now)
        self.result.rejected += 1

    def _page(self, record: PageRecord) -> None:
        self.outcomes.page(record, record.fetched_at or self.now)
        self.result.pages += 1
