"""An article's revisions within one batch: which texts it had, and the writes.

A revision document is ``{_id: "<article id>:<content hash>", article_id, number,
content_hash, <the revision fields>, url, first_seen_at, first_crawl_id, warc,
last_seen_at}``.  A text seen again (an edit taken back) is the revision it was
(``number`` unchanged, ``last_seen_at`` moved on); a new text is the next number.
Every write is an upsert of the document's id, so a batch written twice writes
each revision once.

A known article whose page no longer shows a field it had (:func:`regressed`)
makes no revision: the page's layout changed, and the archive keeps the
article's last good state (the writer records a ``layout_changed`` reject).

An image the page shows at another address of the site (the portal moved: another
host or port, ``https``) is the image the archive has: it keeps the archived spelling
(:func:`images_as_archived`), so a move is no edit.  The observation keeps the URL
the page was fetched from, and the WARC the page as it was.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pymongo import UpdateOne
from pymongo.database import Database

from hgcrawler.storage.kinds import ArticleRecord
from hgcrawler.storage.schema import REVISIONS

__all__ = ["Revisions", "images_as_archived", "regressed", "revision_id"]


def revision_id(article_id: str, digest: str) -> str:
    """The id of the revision of ``article_id`` whose content hash is ``digest``.

    >>> revision_id("haugiang:39993", "ab12")
    'haugiang:39993:ab12'
    """
    return f"{article_id}:{digest}"


def images_as_archived(
    record: ArticleRecord, doc: Mapping[str, Any], place: Callable[[str], str]
) -> ArticleRecord:
    """``record`` with the archived ``src`` of every image that is, in the same position
    with the same caption, the archived image at another address of its site.

    ``doc``: the article as archived (its ``images``); ``place``: where a URL is within
    the site (:meth:`hgcrawler.read.urls.SiteAddresses.place`: its location at an
    address of the site, its whole URL elsewhere, so another site's image never
    passes for it)."""
    archived = doc.get("images") or []
    if not record.images or len(archived) != len(record.images):
        return record
    images: list[Mapping[str, Any]] = []
    kept = False
    for old, new in zip(archived, record.images, strict=True):
        src, was = new.get("src"), old.get("src") if isinstance(old, Mapping) else None
        if (
            isinstance(src, str)
            and isinstance(was, str)
            and src != was
            and new.get("caption") == old.get("caption")
            and place(src) == place(was)
        ):
            images.append({**new, "src": was})
            kept = True
        else:
            images.append(new)
    return dataclasses.replace(record, images=tuple(images)) if kept else record


def regressed(record: ArticleRecord, doc: Mapping[str, Any]) -> list[str]:
    """Fields a known article's page had and no longer shows (its layout changed)."""
    lost = []
    if (
        record.views is None
        and doc.get("views") is not None
        and record.views_missing_reason in (None, "not_extracted")
    ):
        lost.append("views")
    if not record.body and int(doc.get("body_chars") or 0) > 0:
        lost.append("body")
    return lost


class Revisions:
    """The revision writes of one batch of one site and crawl."""

    def __init__(self, site: str, crawl_id: str) -> None:
        self.site = site
        self.crawl_id = crawl_id
        self.ops: list[UpdateOne] = []
        self.numbers: dict[str, int] = {}  # revision id -> its number, of those known

    def load(self, db: Database[dict[str, Any]], ids: Iterable[str]) -> None:
        """Read the numbers of the revisions among ``ids`` that are stored already."""
        self.numbers = {
            str(doc["_id"]): int(doc["number"])
            for doc in db[REVISIONS].find({"_id": {"$in": list(ids)}}, {"number": 1})
        }

    def number_of(self, revision: str) -> int | None:
        """The number of a revision stored or written by this batch, else None."""
        return self.numbers.get(revision)

    def new(
        self,
        revision: str,
        article_id: str,
        number: int,
        digest: str,
        content: Mapping[str, Any],
        url: str,
        warc: Any,
        fetched_at: dt.datetime,
    ) -> None:
        """Revision ``number`` of ``article_id``: ``content`` as first seen at ``url``."""
        self.ops.append(
            UpdateOne(
                {"_id": revision},
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
        self.numbers[revision] = number

    def touch(self, revision: str, fetched_at: dt.datetime) -> None:
        """The revision was seen again at ``fetched_at``."""
        self.ops.append(UpdateOne({"_id": revision}, {"$max": {"last_seen_at": fetched_at}}))
