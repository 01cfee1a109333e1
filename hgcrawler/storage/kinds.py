"""The records the archive pipeline hands the store: one frozen dataclass per kind.

An :class:`ArticleRecord` is an article page, a :class:`PageRecord` any other page
(a listing, the home page), a :class:`GoneRecord` a known article's URL answering
404/410, a :class:`RejectRecord` a page that could not be archived.  Their values
are converted once, where the record is built (:func:`record_from_dict`): times to
aware UTC datetimes, an article's date to 00:00 UTC of its day, counts and statuses
to ``int``, lists to tuples.  The writer (:mod:`hgcrawler.storage.writer`) reads
typed fields and converts nothing again.

Each kind has a plain form, :meth:`to_dict`, with its kind in ``"type"``: the spill
journal (:mod:`hgcrawler.storage.journal`) writes it as a JSON line and
:func:`record_from_dict` reads it back.  The plain form is the one the journal held
before records were typed (a dict with ``"type"``, dates as datetimes or ISO
strings, fields a record does not use), so a journal an older release spilled is
replayed as it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, ClassVar, TypeAlias

from hgcrawler.read.urls import site_location
from hgcrawler.storage.records import as_date, as_datetime

__all__ = [
    "ArchiveRecord",
    "ArticleRecord",
    "GoneRecord",
    "PageRecord",
    "RejectRecord",
    "as_records",
    "natural_key",
    "record_from_dict",
    "urls_of",
]


def urls_of(record: Mapping[str, Any]) -> list[str]:
    """The final URL first, then the URLs it was reached through (a plain record)."""
    urls: list[str] = []
    for url in [
        record.get("url"),
        record.get("requested_url"),
        *(record.get("redirect_urls") or []),
    ]:
        if url and url not in urls:
            urls.append(str(url))
    return urls


def natural_key(record: Mapping[str, Any]) -> str:
    """The key the site's URL gives the page (``article_id`` in older journals; a
    journal of a release before schema 4 may hold a whole URL: its location)."""
    key = record.get("key") or record.get("article_id")
    if key and "://" in str(key):
        return site_location(str(key))
    return str(key) if key else site_location(str(record.get("url") or ""))


def _moment(value: Any) -> dt.datetime | None:
    """An aware UTC datetime, or None for a missing time (the batch's time is used)."""
    return as_datetime(value) if value else None


def _int(value: Any) -> int | None:
    return int(value) if value is not None else None


def _text(value: Any) -> str | None:
    return str(value) if value is not None else None


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(item) for item in value or ())


@dataclass(frozen=True, slots=True)
class _Record:
    kind: ClassVar[str]

    url: str = ""
    #: when the page was fetched; None: the time the batch is written
    fetched_at: dt.datetime | None = None
    status: int | None = None
    #: the site profile crawled; None (an older journal): the store's site
    site: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The plain form (the journal's), with the kind in ``"type"``."""
        plain: dict[str, Any] = {"type": self.kind}
        for spec in fields(self):
            value = getattr(self, spec.name)
            if isinstance(value, tuple):
                value = [dict(item) if isinstance(item, Mapping) else item for item in value]
            elif isinstance(value, Mapping):
                value = dict(value)
            plain[spec.name] = value
        return plain


@dataclass(frozen=True, slots=True)
class ArticleRecord(_Record):
    """An article page as extracted (``hgcrawler.items.ArticleItem``'s fields)."""

    kind: ClassVar[str] = "article"

    #: the page's natural key (:class:`hgcrawler.read.urls.ArticleKeys`)
    key: str = ""
    #: the archive id an older journal names the article by (None today)
    article_id: str | None = None
    requested_url: str | None = None
    redirect_urls: tuple[str, ...] = ()
    #: the site's ids in the URLs the page was redirected from
    redirect_keys: tuple[str, ...] = ()
    title: str | None = None
    lede: str | None = None
    body: str | None = None
    images: tuple[Mapping[str, Any], ...] = ()
    author: str | None = None
    category: str | None = None
    #: the article's date: 00:00 UTC of its day (BSON has no date)
    updated_on: dt.datetime | None = None
    views: int | None = None
    views_missing_reason: str | None = None
    views_source: str | None = None
    rendered: bool = False
    source: str | None = None
    doubtful: tuple[str, ...] = ()
    warc: Mapping[str, Any] | None = None

    def urls(self) -> list[str]:
        """The final URL first, then the URLs it was reached through."""
        return urls_of({"url": self.url, "requested_url": self.requested_url,
                        "redirect_urls": self.redirect_urls})  # fmt: skip

    def content(self) -> dict[str, Any]:
        """The revision fields (:data:`hgcrawler.storage.records.REVISION_FIELDS`), as
        a revision document stores them."""
        return {
            "title": self.title,
            "lede": self.lede,
            "body": self.body,
            "images": [dict(image) if isinstance(image, Mapping) else image
                       for image in self.images],
            "author": self.author,
            "category": self.category,
            "updated_on": self.updated_on,
        }  # fmt: skip

    @classmethod
    def from_dict(cls, plain: Mapping[str, Any]) -> ArticleRecord:
        return cls(
            url=str(plain.get("url") or ""),
            fetched_at=_moment(plain.get("fetched_at")),
            status=_int(plain.get("status")),
            site=_text(plain.get("site")),
            key=natural_key(plain),
            article_id=_text(plain.get("article_id")),
            requested_url=_text(plain.get("requested_url")),
            redirect_urls=_strings(plain.get("redirect_urls")),
            redirect_keys=_strings(plain.get("redirect_keys")),
            title=plain.get("title"),
            lede=plain.get("lede"),
            body=plain.get("body"),
            images=tuple(plain.get("images") or ()),
            author=plain.get("author"),
            category=plain.get("category"),
            updated_on=as_date(plain.get("updated_on")),
            views=_int(plain.get("views")),
            views_missing_reason=_text(plain.get("views_missing_reason")),
            views_source=_text(plain.get("views_source")),
            rendered=bool(plain.get("rendered")),
            source=plain.get("source"),
            doubtful=_strings(plain.get("doubtful")),
            warc=plain.get("warc"),
        )


@dataclass(frozen=True, slots=True)
class PageRecord(_Record):
    """A page that is not an article (a listing, the home page, ...)."""

    kind: ClassVar[str] = "page"

    #: ``listing`` | ``other`` (see ``hgcrawler.plan``)
    page_kind: str = "other"

    def to_dict(self) -> dict[str, Any]:
        plain = _Record.to_dict(self)
        plain["kind"] = plain.pop("page_kind")  # the journal's name
        return plain

    @classmethod
    def from_dict(cls, plain: Mapping[str, Any]) -> PageRecord:
        return cls(
            url=str(plain["url"]),  # a page without a URL is a bug: say so
            fetched_at=_moment(plain.get("fetched_at")),
            status=_int(plain.get("status")),
            site=_text(plain.get("site")),
            page_kind=str(plain.get("kind") or "other"),
        )


@dataclass(frozen=True, slots=True)
class GoneRecord(_Record):
    """A known article's URL answered 404 or 410."""

    kind: ClassVar[str] = "gone"

    #: the archive id of the article the URL was (the crawl plan knew it)
    article_id: str | None = None
    #: as :attr:`ArticleRecord.key` (the article id when the record has no key)
    key: str = ""
    warc: Mapping[str, Any] | None = None

    @classmethod
    def from_dict(cls, plain: Mapping[str, Any]) -> GoneRecord:
        return cls(
            url=str(plain.get("url") or ""),
            fetched_at=_moment(plain.get("fetched_at")),
            status=_int(plain.get("status")),
            site=_text(plain.get("site")),
            article_id=_text(plain.get("article_id")),
            key=natural_key(plain),
            warc=plain.get("warc"),
        )


@dataclass(frozen=True, slots=True)
class RejectRecord(_Record):
    """A page that could not be archived, and why (``hgcrawler.read.reasons``)."""

    kind: ClassVar[str] = "reject"

    reason: str = "unknown"
    detail: str | None = None
    #: the start of the page, at most 2,048 characters
    excerpt: str | None = None

    @classmethod
    def from_dict(cls, plain: Mapping[str, Any]) -> RejectRecord:
        excerpt = plain.get("excerpt")
        return cls(
            url=str(plain.get("url") or ""),
            fetched_at=_moment(plain.get("fetched_at")),
            status=_int(plain.get("status")),
            site=_text(plain.get("site")),
            reason=str(plain.get("reason") or "unknown"),
            detail=_text(plain.get("detail")),
            excerpt=excerpt[:2048] if isinstance(excerpt, str) else excerpt,
        )


ArchiveRecord: TypeAlias = ArticleRecord | PageRecord | GoneRecord | RejectRecord

_KINDS: dict[str, type[ArticleRecord] | type[PageRecord] | type[GoneRecord] | type[RejectRecord]]
_KINDS = {kind.kind: kind for kind in (ArticleRecord, PageRecord, GoneRecord, RejectRecord)}


def record_from_dict(plain: Mapping[str, Any]) -> ArchiveRecord:
    """The typed record of a plain one (:meth:`to_dict`'s form, or a journal line of an
    older release); a ``"type"`` that is no kind of record is a :class:`ValueError`."""
    kind = plain.get("type")
    maker = _KINDS.get(str(kind))
    if maker is None:
        raise ValueError(f"unknown record type {kind!r}")
    return maker.from_dict(plain)


def as_records(records: Sequence[ArchiveRecord | Mapping[str, Any]]) -> list[ArchiveRecord]:
    """Typed records; plain ones (a journal's, a test's) are converted."""
    return [
        record if isinstance(record, _Record) else record_from_dict(record) for record in records
    ]
