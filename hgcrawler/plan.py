"""What the archive knows when a crawl starts, and when a known article is due again.

Plain data, shared by the crawl session (which loads it from the store) and the
spider (which follows it); no database here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

__all__ = ["CrawlPlan", "RevisitPolicy"]


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

    def interval_for(self, age: dt.timedelta) -> dt.timedelta:
        """How long after its last fetch an article of this age is due again."""
        if age < dt.timedelta(days=self.young_days):
            return self.young_interval
        if age < dt.timedelta(days=self.old_days):
            return self.mid_interval
        return self.old_interval


#: ``known_pages`` kind of an article page that did not parse (a reject): fetched
#: again when a listing shows it, but no sign of news on that listing.
REJECTED_PAGE = "rejected"


@dataclass
class CrawlPlan:
    """What the archive already knows, handed to the spider when a crawl starts.

    ``known_articles`` maps canonical URLs (current and old) to article ids,
    ``known_pages`` canonical URLs of non-article pages to their kind (or
    ``REJECTED_PAGE``), and
    ``due`` lists ``(article_id, url)`` of known articles to fetch again, the
    longest unvisited first, and ``live`` counts the site's articles not removed (the
    base of a mass removal's share, :func:`hgcrawler.crawl.outcome.mass_removal`).
    ``recheck`` holds the ids of removed articles in ``due``: a recent mass removal
    marked them removed, and full crawls check them again.
    """

    mode: str
    crawl_id: str | None = None
    known_articles: dict[str, str] = field(default_factory=dict)
    known_pages: dict[str, str] = field(default_factory=dict)
    due: list[tuple[str, str]] = field(default_factory=list)
    live: int = 0
    recheck: set[str] = field(default_factory=set)
