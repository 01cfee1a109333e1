"""What a batch records of pages besides articles: ``rejects`` and ``pages`` documents.

A **reject** is a page the archive did not take, and why: a reject record of the
crawl (``hgcrawler.read.reasons``), a known article whose page lost fields it had
(``layout_changed``: the article keeps its last good state), or a page kept apart
from the article whose key it has (``key_collision``).  Its id is the crawl's and
the page's canonical URL, so a batch written twice records it once.

A **pages** document is a page that is not an article (a listing, the home page),
or an article page that did not parse (``REJECTED_PAGE``): the crawl plan's known
pages (:meth:`hgcrawler.storage.mongo.MongoArchiveStore.load_plan`).  Its id is the
site and the page's location within it (:func:`page_id`), like an article's URL key,
so a portal that moves (another host, ``https``) keeps one document per page; ``url``
is where the page was last fetched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from typing import Any

from pymongo import UpdateOne

from hgcrawler.plan import REJECTED_PAGE
from hgcrawler.read.reasons import ARTICLE_PAGE_REASONS
from hgcrawler.read.urls import canonical_url, site_location
from hgcrawler.storage.kinds import ArchiveRecord, ArticleRecord, PageRecord, RejectRecord

__all__ = ["PageOutcomes", "page_id"]

logger = logging.getLogger(__name__)


def page_id(site: str, url: str) -> str:
    """The ``pages`` id of ``url``: its site and its location there, at any address.

    >>> page_id("haugiang", "HTTP://www.haugiang.dcs.vn:80/tin-tuc/?b=2&a=1#top")
    'haugiang:/tin-tuc/?a=1&b=2'
    """
    return f"{site}:{site_location(url)}"


def _fingerprint(record: ArchiveRecord) -> str:
    """An id for a reject without a URL (of its whole record)."""
    text = json.dumps(record.to_dict(), sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class PageOutcomes:
    """The ``rejects`` and ``pages`` writes of one batch of one site and crawl."""

    def __init__(self, site: str, crawl_id: str) -> None:
        self.site = site
        self.crawl_id = crawl_id
        self.rejects: list[UpdateOne] = []
        self.pages: list[UpdateOne] = []

    def reject(self, record: RejectRecord, at: dt.datetime) -> None:
        """A page the crawl could not archive (``at``: when it was fetched)."""
        url = record.url
        self._reject(
            f"{self.crawl_id}:{canonical_url(url) if url else _fingerprint(record)}",
            {
                "site": self.site,
                "url": url,
                "reason": record.reason,
                "detail": record.detail,
                "crawl_id": self.crawl_id,
                "fetched_at": at,
                "status": record.status,
                "excerpt": record.excerpt,
            },
        )
        if url and record.reason in ARTICLE_PAGE_REASONS:
            # Known as a page that did not parse: later incremental crawls fetch it
            # again when a listing shows it, but it is no sign of news on that listing.
            self.page_seen(url, REJECTED_PAGE, at)

    def collision(self, record: ArticleRecord, collision: dict[str, Any], at: dt.datetime) -> None:
        """Two different pages would have one key: kept apart, recorded with both URLs
        (``collision``: :attr:`hgcrawler.storage.identity.Resolution.collision`)."""
        url = record.url
        detail = (
            f"key {collision['key']!r} is already article {collision['other_article']!r} at "
            f"{collision['other_url']} ({collision['other_title']!r}); this page "
            f"({record.title!r}) differs in title and text, so it is kept apart as "
            f"article {collision['kept_as']!r}"
        )
        logger.warning("key collision: %s: %s", url, detail)
        self._reject(
            f"{self.crawl_id}:collision:{canonical_url(url)}",
            self._article_reject(
                record, "key_collision", detail, at,
                key=collision["key"], kept_as=collision["kept_as"],
                other_article=collision["other_article"], other_url=collision["other_url"],
            ),
        )  # fmt: skip

    def layout_changed(
        self, record: ArticleRecord, article_id: str, lost: list[str], at: dt.datetime
    ) -> None:
        """A known article's page lacks ``lost`` (:func:`hgcrawler.storage.revisions.
        regressed`): the article keeps its last good state; this says why."""
        url = record.url
        detail = (
            f"the page of article {article_id!r} no longer shows its "
            f"{', '.join(lost)}; the archive keeps the article's last good state"
        )
        self._reject(
            f"{self.crawl_id}:{canonical_url(url)}",
            self._article_reject(
                record, "layout_changed", detail, at, article_id=article_id, lost=lost
            ),
        )
        logger.warning("layout changed: %s lacks %s", url, ", ".join(lost))

    def page(self, record: PageRecord, at: dt.datetime) -> None:
        """A page that is not an article, seen at ``at``."""
        self.page_seen(record.url, record.page_kind, at, last_status=record.status)

    def page_seen(self, url: str, kind: str, at: dt.datetime, **fields: Any) -> None:
        """The ``pages`` document of ``url``: seen by this crawl at ``at`` as ``kind``."""
        self.pages.append(
            UpdateOne(
                {"_id": page_id(self.site, url)},
                {
                    "$setOnInsert": {"first_seen_at": at, "site": self.site},
                    "$max": {"last_seen_at": at},
                    "$set": {
                        "kind": kind,
                        **fields,
                        "url": canonical_url(url),
                        "last_crawl_id": self.crawl_id,
                    },
                },
                upsert=True,
            )
        )

    def _reject(self, reject_id: str, doc: dict[str, Any]) -> None:
        self.rejects.append(UpdateOne({"_id": reject_id}, {"$setOnInsert": doc}, upsert=True))

    def _article_reject(
        self, record: ArticleRecord, reason: str, detail: str, at: dt.datetime, **extra: Any
    ) -> dict[str, Any]:
        return {
            "site": self.site,
            "url": record.url,
            "reason": reason,
            "detail": detail,
            "crawl_id": self.crawl_id,
            "fetched_at": at,
            "status": record.status or 200,
            "excerpt": None,
            **extra,
        }
