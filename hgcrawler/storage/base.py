"""The interface between the archive pipeline and a store, and the plain data it trades."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol, runtime_checkable

from scrapy.exceptions import NotConfigured
from scrapy.settings import BaseSettings

__all__ = [
    "CRAWL_STATUSES",
    "ArchiveStore",
    "BatchResult",
    "CrawlPlan",
    "RevisitPolicy",
    "StoreError",
]

CRAWL_STATUSES = ("running", "finished", "failed", "interrupted", "degraded")

Record = Mapping[str, Any]


class StoreError(RuntimeError):
    """A store could not do what was asked, after its retries.  The message is for users."""


@dataclass(frozen=True)
class RevisitPolicy:
    """When a known article is due for another fetch.

    Age is counted from the article's ``updated_on`` (its own date; ``first_seen_at``
    when it has none).  An article younger than ``young_days`` is due
    ``young_interval`` after it was last fetched; up to ``old_days`` old, after
    ``mid_interval``; older, after ``old_interval``.  ``revisit_all`` makes every
    known article that is not removed due.
    """

    young_days: float = 7.0
    young_interval: dt.timedelta = dt.timedelta(hours=6)
    mid_interval: dt.timedelta = dt.timedelta(days=1)
    old_days: float = 60.0
    old_interval: dt.timedelta = dt.timedelta(days=7)
    revisit_all: bool = False

    def __post_init__(self) -> None:
        if self.young_days < 0 or self.old_days < self.young_days:
            raise ValueError("revisit policy needs 0 <= young_days <= old_days")
        for name in ("young_interval", "mid_interval", "old_interval"):
            if getattr(self, name) < dt.timedelta(0):
                raise ValueError(f"revisit policy: {name} must not be negative")

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> RevisitPolicy:
        """Read ``HGCRAWLER_REVISIT_*`` settings (see the class docstring)."""
        try:
            return cls(
                young_days=settings.getfloat("HGCRAWLER_REVISIT_YOUNG_DAYS", 7.0),
                young_interval=dt.timedelta(
                    hours=settings.getfloat("HGCRAWLER_REVISIT_YOUNG_HOURS", 6.0)
                ),
                mid_interval=dt.timedelta(
                    hours=settings.getfloat("HGCRAWLER_REVISIT_MID_HOURS", 24.0)
                ),
                old_days=settings.getfloat("HGCRAWLER_REVISIT_OLD_DAYS", 60.0),
                old_interval=dt.timedelta(
                    days=settings.getfloat("HGCRAWLER_REVISIT_OLD_INTERVAL_DAYS", 7.0)
                ),
                revisit_all=settings.getbool("HGCRAWLER_REVISIT_ALL", False),
            )
        except ValueError as exc:
            raise NotConfigured(f"HGCRAWLER_REVISIT_* settings: {exc}") from exc

    def interval_for(self, age: dt.timedelta) -> dt.timedelta:
        """How long after its last fetch an article of this age is due again."""
        if age < dt.timedelta(days=self.young_days):
            return self.young_interval
        if age < dt.timedelta(days=self.old_days):
            return self.mid_interval
        return self.old_interval


@dataclass
class CrawlPlan:
    """What the archive already knows, handed to the spider when a crawl starts.

    ``known_articles`` maps canonical URLs (current and old) to article ids,
    ``known_pages`` canonical URLs of non-article pages to their kind, and
    ``due`` lists ``(article_id, url)`` of known articles to fetch again, the
    longest unvisited first.
    """

    mode: str
    crawl_id: str | None = None
    known_articles: dict[str, str] = field(default_factory=dict)
    known_pages: dict[str, str] = field(default_factory=dict)
    due: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class BatchResult:
    """What one :meth:`ArchiveStore.write_batch` call did."""

    articles: int = 0  # article records written (new + revisited)
    new: int = 0
    revisited: int = 0
    changed: int = 0  # revisited with a different text (a new or reverted revision)
    moved: int = 0  # reached by a URL whose key differs from the stored one
    removed: int = 0  # known articles newly marked removed (404/410)
    rejected: int = 0
    pages: int = 0
    duplicates: int = 0  # records for an article already observed in this crawl
    ignored: int = 0  # "gone" records for articles the archive does not know
    collisions: int = 0  # pages kept apart from an article that had their key

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

    def begin_crawl(self, mode: str, start_url: str, *, crawl_id: str | None = None) -> str: ...

    def mark_interrupted(self, *, exclude: Iterable[str] = ()) -> list[str]: ...

    def finish_crawl(
        self,
        crawl_id: str,
        status: str,
        counts: Mapping[str, int],
        problems: Sequence[str],
    ) -> dict[str, Any]: ...

    def write_batch(self, crawl_id: str, records: Sequence[Record]) -> BatchResult: ...

    def finish_pending_joins(self) -> int: ...

    def load_plan(
        self, mode: str, now: dt.datetime, policy: RevisitPolicy | None = None
    ) -> CrawlPlan: ...

    def close(self) -> None: ...
