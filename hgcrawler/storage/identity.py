"""Which stored article a fetched page is: :class:`ArticleIndex`.

It is decided on evidence only, in this order:

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

The index holds, for one batch, the articles its pages may be (read with one
indexed query per field, :meth:`ArticleIndex.load`) and what the batch has
decided so far (:meth:`ArticleIndex.claim`), so a later page of the same batch
finds an article an earlier one created or moved.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pymongo.database import Database

from hgcrawler.read.urls import SiteAddresses, is_url_key
from hgcrawler.storage.kinds import ArchiveRecord, ArticleRecord, GoneRecord
from hgcrawler.storage.records import as_datetime, same_article, text_identity
from hgcrawler.storage.schema import ARTICLES, article_id_of

__all__ = ["LOOKUP_FIELDS", "ArticleIndex", "Resolution"]

logger = logging.getLogger(__name__)

#: The fields of a known article the batch reads (and keeps up to date in memory).
LOOKUP_FIELDS = {
    "url": 1,
    "old_urls": 1,
    "key": 1,
    "content_hash": 1,
    "images": 1,  # an image at another address of the site is the archived one
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


@dataclass
class Resolution:
    """Which article a page is, and on what evidence."""

    article_id: str
    new: bool = False
    old_urls: list[str] = field(default_factory=list)  # URLs the article leaves
    evidence: str | None = None  # "redirect" | "id" | "url": why a move is a move
    absorb: str | None = None  # an article to join into this one after the batch
    collision: dict[str, Any] | None = None


class ArticleIndex:
    """The known articles of one batch of one site, by id, URL, old URL and key."""

    def __init__(self, db: Database[dict[str, Any]], site: str, addresses: SiteAddresses):
        self.db = db
        self.site = site
        self.addresses = addresses
        self.articles: dict[str, dict[str, Any]] = {}  # article id -> lookup document
        # where a page is (its location at any of the site's addresses, else its
        # canonical URL: SiteAddresses.place) -> article id
        self.by_url: dict[str, str] = {}  # of an article's current URL
        self.by_old_url: dict[str, str] = {}  # of an URL the article has left
        self.by_key: dict[str, set[str]] = {}  # natural key -> article ids

    def __contains__(self, article_id: object) -> bool:
        return article_id in self.articles

    def __getitem__(self, article_id: str) -> dict[str, Any]:
        """The lookup document of a known article (kept up to date by the batch)."""
        return self.articles[article_id]

    # --- what is known ---------------------------------------------------------

    def remember(self, article_id: str, doc: dict[str, Any]) -> None:
        self.articles[article_id] = doc
        url = doc.get("url")
        if url:
            self.known_at(str(url), article_id)
        for old in doc.get("old_urls") or []:
            self.by_old_url.setdefault(self.place(old), article_id)
        key = str(doc.get("key") or article_id.split(":", 1)[-1])
        self.by_key.setdefault(key, set()).add(article_id)

    def known_at(self, url: str, article_id: str) -> None:
        """``url`` (at any of the site's addresses) is ``article_id``'s current URL."""
        self.by_url[self.place(url)] = article_id

    def place(self, url: str) -> str:
        return self.addresses.place(url)

    def left(self, article_id: str, old_urls: list[str]) -> None:
        """``article_id`` has left ``old_urls`` (its document's update is the caller's)."""
        doc = self.articles[article_id]
        doc["old_urls"] = [*(doc.get("old_urls") or []), *old_urls]
        self.remember(article_id, doc)

    def load(self, records: Iterable[ArchiveRecord]) -> None:
        """Read the articles the article and gone records of a batch may be."""
        keys: set[str] = set()
        ids: set[str] = set()
        urls: set[str] = set()
        places: set[str] = set()
        for record in records:
            if isinstance(record, ArticleRecord):
                keys.update(record.redirect_keys)
                found = record.urls()
            elif isinstance(record, GoneRecord):
                found = [record.url] if record.url else []
            else:
                continue
            keys.add(record.key)
            if record.article_id:
                ids.add(record.article_id)
            for url in found:
                urls.update(self.addresses.spellings(url))
                places.add(self.place(url))
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
            for doc in self.db[ARTICLES].find(query, LOOKUP_FIELDS):
                if doc.get("site") == site:
                    self.remember(str(doc["_id"]), doc)

    def _at(self, index: dict[str, str], url: str) -> str | None:
        return index.get(self.place(url))

    # --- deciding --------------------------------------------------------------

    def resolve_gone(self, record: GoneRecord) -> str | None:
        """The known article whose URL answered 404/410, or None."""
        if record.article_id and record.article_id in self.articles:
            return record.article_id
        return self._at(self.by_url, record.url) or self._at(self.by_old_url, record.url)

    def resolve_article(self, record: ArticleRecord) -> Resolution:
        """Which article an article page is (see the module doc for the order)."""
        url = record.url
        here = self.place(url)
        chain = [u for u in record.urls()[1:] if self.place(u) != here]
        page = self._at(self.by_url, url)
        content = record.content()
        moved_from = self._via_chain(record, content, chain)
        if moved_from is not None:
            doc = self.articles[moved_from]
            old_urls = [*chain]
            current = str(doc.get("url") or "")
            if current and self.place(current) != here and current not in old_urls:
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
        if former is not None and same_article(self.articles[former], content):
            current = str(self.articles[former].get("url") or "")
            return Resolution(former, old_urls=[current] if current else [], evidence="url")
        key = record.key
        holders = sorted(self.by_key.get(key, ()))
        if not is_url_key(key):
            for holder in holders:
                if same_article(self.articles[holder], content):
                    current = str(self.articles[holder].get("url") or "")
                    moved = current and self.place(current) != here
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

    def claim(self, record: ArticleRecord, resolution: Resolution) -> None:
        """Make a new article, or an article's new URL, known at once, so later records
        of the batch find it: the page of a moved article is often fetched twice in one
        crawl (through its old URL's redirect, and from a listing), and the second must
        not become a new article because the first is not written yet."""
        url = record.url
        if not resolution.new:
            if resolution.old_urls and url:
                self.known_at(url, resolution.article_id)
            return
        self.remember(
            resolution.article_id,
            {
                "url": url,
                "old_urls": [],
                "key": record.key,
                "title": record.title,
                "updated_on": record.updated_on,
                "text_identity": text_identity(record.content()),
                "first_seen_at": None,
                "last_seen_at": None,
            },
        )

    def _via_chain(
        self, record: ArticleRecord, content: dict[str, Any], chain: list[str]
    ) -> str | None:
        """An article the page was redirected from (by URL, or by the id in that URL)."""
        for url in chain:
            found = self._at(self.by_url, url) or self._at(self.by_old_url, url)
            if found is not None:
                return found
        for key in record.redirect_keys:
            for holder in sorted(self.by_key.get(key, ())):
                if same_article(self.articles[holder], content):
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
        while self.db[ARTICLES].find_one({"_id": candidate}, {"_id": 1}) is not None:
            number += 1
            candidate = article_id_of(self.site, f"{key}#{number}")
        return candidate
