"""Moves a batch gives evidence for, joined once the batch is written: :class:`MoveJoins`.

Two kinds of evidence:

- **a redirect** to the page of an article created since the redirecting
  article was last seen (:class:`hgcrawler.storage.identity.Resolution`'s
  ``absorb``): the writer adds the pair;
- **content**: an article this batch removed (its URL answered 404/410) while
  one other article with the same identity (title, date, text) is live and
  appeared since; or an article this batch created while one other removed
  article has its identity and was last seen before it appeared
  (:meth:`MoveJoins.content_twins`).

The join itself is :func:`hgcrawler.storage.merge.absorb_article`; this module
decides the pairs, records a plain move where the article redirected to is gone,
and says how the joins change the crawl's counts (two articles counted become one).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from pymongo import UpdateOne
from pymongo.database import Database

from hgcrawler.read.urls import canonical_url
from hgcrawler.storage.base import BatchResult
from hgcrawler.storage.merge import absorb_article
from hgcrawler.storage.observations import count_of, crawl_entries
from hgcrawler.storage.records import as_datetime
from hgcrawler.storage.schema import ARTICLES, MOVES, REJECTS

if TYPE_CHECKING:
    from hgcrawler.storage.context import SiteContext
    from hgcrawler.storage.identity import ArticleIndex

__all__ = ["Join", "MoveJoins", "move_op", "same_moment"]

#: (into, absorbed, evidence, the URL ``into`` moved from if already rewritten)
Join = tuple[str, str, str, "str | None"]


def same_moment(a: Any, b: Any) -> bool:
    """Two stored timestamps are the same instant (None is no instant)."""
    return a is not None and b is not None and as_datetime(a) == as_datetime(b)


def _url_hash(url: str) -> str:
    return hashlib.sha256(canonical_url(url).encode("utf-8")).hexdigest()[:12]


def move_op(
    site: str, crawl_id: str, article_id: str, old: str, url: str, evidence: str, at: dt.datetime
) -> UpdateOne:
    """The ``moves`` document of ``article_id`` leaving ``old`` for ``url`` (one per
    crawl and old URL, so a batch written twice records the move once)."""
    return UpdateOne(
        {"_id": f"{article_id}@{crawl_id}:{_url_hash(old)}"},
        {
            "$setOnInsert": {
                "site": site,
                "article_id": article_id,
                "from_url": old,
                "to_url": url,
                "evidence": evidence,
                "crawl_id": crawl_id,
                "at": at,
            }
        },
        upsert=True,
    )


def _at_or_after(moment: Any, other: Any) -> bool:
    """``moment >= other`` for two stored timestamps; False when either is missing
    (as a MongoDB range comparison on a missing or null field)."""
    if moment is None or other is None:
        return False
    try:
        return as_datetime(moment) >= as_datetime(other)
    except ValueError:
        return False


class MoveJoins:
    """The joins of one batch (see the module doc)."""

    def __init__(
        self,
        db: Database[dict[str, Any]],
        crawl_id: str,
        context: SiteContext,
        now: dt.datetime,
        months: list[dt.datetime],
    ) -> None:
        self.db = db
        self.crawl_id = crawl_id
        self.context = context
        self.site = context.site
        self.now = now
        self.months = months  # where this crawl's observations are (crawl_entries)
        self.joins: list[Join] = []  # on a redirect's evidence
        self.created: list[str] = []  # articles new in this batch
        self.removed: list[tuple[str, dt.datetime | None]] = []  # (id, last seen before)

    def redirect(self, into: str, absorbed: str, from_url: str | None) -> None:
        """``absorbed``'s page is where ``into`` redirects (from ``from_url``)."""
        self.joins.append((into, absorbed, "redirect", from_url))

    def run(self, index: ArticleIndex) -> BatchResult:
        """Join the pairs this batch gave evidence for; how the crawl's counts change."""
        change = BatchResult()
        done: set[str] = set()
        for into, absorbed, evidence, from_url in [*self.joins, *self.content_twins()]:
            if into in done or absorbed in done or into == absorbed:
                continue
            counted = self.join_counts(into, absorbed)
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
                change += counted
                change.collisions -= self.collision_resolved(into, absorbed, evidence)
            elif from_url is None:
                continue
            else:  # the article redirected to is no longer in the archive: a plain move
                to_url = str(index[into].get("url") or "")
                move = move_op(self.site, self.crawl_id, into, from_url, to_url, evidence, self.now)
                self.db[MOVES].bulk_write([move])
            change.moved += 1
        return change

    def collision_resolved(self, into: str, absorbed: str, evidence: str) -> int:
        """A page this crawl kept apart from ``into`` for a key collision was ``into``
        after all (joined on ``evidence``, e.g. the old URL redirecting to it): no
        collision is left to report; its reject stays, saying how it was resolved.
        Returns how many collisions were resolved."""
        # Found on the indexed crawl id alone, the rest checked here (see ArticleIndex.load).
        pending = [
            doc["_id"]
            for doc in self.db[REJECTS].find(
                {"crawl_id": self.crawl_id},
                {"reason": 1, "kept_as": 1, "other_article": 1, "resolved": 1},
            )
            if doc.get("reason") == "key_collision"
            and doc.get("kept_as") == absorbed
            and doc.get("other_article") == into
            and "resolved" not in doc
        ]
        if not pending:
            return 0
        resolved = self.db[REJECTS].update_many(
            {"_id": {"$in": pending}},
            {"$set": {"resolved": {"joined_into": into, "evidence": evidence, "at": self.now}}},
        )
        return int(resolved.modified_count)

    def join_counts(self, into: str, absorbed: str) -> BatchResult:
        """How joining ``absorbed`` into ``into`` changes this crawl's counts, which
        counted them as two articles: one article, revisited at its new URL; a removal
        this crawl counted for ``into`` (its 404, in any batch) was the move."""
        change = BatchResult()
        seen = crawl_entries(self.db, [into, absorbed], self.crawl_id, self.months)
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
            doc = self.db[ARTICLES].find_one({"_id": into}, {"removed_at": 1})
            if doc is not None and same_moment(doc.get("removed_at"), into_seen.get("at")):
                change.removed -= 1  # its 404 was the move, not a removal
        return change

    def content_twins(self) -> list[Join]:
        """Joins on content: for each article this batch removed, the one other article
        with the same identity that is live and appeared since it was last seen; for each
        article it created, the one other removed article with its identity, last seen
        before this one appeared. None where there is none or more than one.

        Two queries a batch (there were two an article), each on one indexed field,
        the rest of the conditions checked here (see ``ArticleIndex.load``)."""
        wanted = [article_id for article_id, _ in self.removed] + list(self.created)
        if not wanted:
            return []
        docs = {
            str(d["_id"]): d
            for d in self.db[ARTICLES].find(
                {"_id": {"$in": wanted}}, {"identity": 1, "first_seen_at": 1}
            )
        }
        identities = {str(d["identity"]) for d in docs.values() if d.get("identity")}
        if not identities:
            return []
        by_identity: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for other in self.db[ARTICLES].find(
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

        joins: list[Join] = []
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
