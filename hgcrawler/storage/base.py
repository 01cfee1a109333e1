"""The interface between the archive pipeline and a store, and the plain data it trades."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol, runtime_checkable

from hgcrawler.plan import CrawlPlan, RevisitPolicy
from hgcrawler.storage.kinds import (
    ArchiveRecord,
    ArticleRecord,
    GoneRecord,
    PageRecord,
    RejectRecord,
)

__all__ = [
    "CRAWL_STATUSES",
    "ArchiveRecord",
    "ArchiveStore",
    "ArticleRecord",
    "BatchResult",
    "CrawlPlan",
    "GoneRecord",
    "PageRecord",
    "RejectRecord",
    "RevisitPolicy",
    "StoreError",
]

CRAWL_STATUSES = ("running", "finished", "failed", "interrupted", "degraded")

#: What a batch is made of: typed records (the archive pipeline's), or their plain
#: form (:func:`hgcrawler.storage.kinds.record_from_dict`: a journal's, a test's).
Record = ArchiveRecord | Mapping[str, Any]


class StoreError(RuntimeError):
    """A store could not do what was asked, after its retries.  The message is for users."""


@dataclass
class BatchResult:
    """What one :meth:`ArchiveStore.write_batch` call did."""

    articles: int = 0  # article records written (new + revisited)
    new: int = 0
    revisited: int = 0
    changed: int = 0  # revisited with a different text (a new or reverted revision)
    moved: int = 0  # reached by a URL whose key differs from the stored one
    removed: int = 0  # known articles newly marked removed (404/410)
    # live known articles whose URL answered 404/410: removed, or found again by a later
    # record of the crawl (then ``removed`` no longer counts them); never taken back
    gone: int = 0
    rejected: int = 0
    pages: int = 0
    duplicates: int = 0  # records for an article already observed in this crawl
    ignored: int = 0  # "gone" records for articles the archive does not know
    collisions: int = 0  # pages kept apart from an article that had their key
    views_down: int = 0  # observations whose view count is lower than the article's last
    layout_changed: int = 0  # known articles whose page lacks fields it had: not written

    def __iadd__(self, other: BatchResult) -> BatchResult:
        for name, value in asdict(other).items():
            setattr(self, name, getattr(self, name) + value)
        return self


@runtime_checkable
class ArchiveStore(Protocol):
    """Where the archive lives.  Methods are synchronous: call them from a worker
    thread, never from the reactor thread."""

    database: str

    def ensure_indexes(self) -> None: ...

    def begin_crawl(
        self,
        mode: str,
        start_url: str,
        *,
        crawl_id: str | None = None,
        hosts: Sequence[str] = (),
    ) -> str: ...

    def mark_interrupted(self, *, exclude: Iterable[str] = ()) -> list[str]: ...

    def finish_crawl(
        self,
        crawl_id: str,
        status: str,
        counts: Mapping[str, int],
        problems: Sequence[str],
        extra: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]: ...

    def recent_crawls(self, *, exclude: str = "", limit: int = 3) -> list[dict[str, Any]]: ...

    def write_batch(self, crawl_id: str, records: Sequence[Record]) -> BatchResult: ...

    def finish_pending_joins(self) -> int: ...

    def load_plan(
        self, mode: str, now: dt.datetime, policy: RevisitPolicy | None = None
    ) -> CrawlPlan: ...

    def close(self) -> None: ...
