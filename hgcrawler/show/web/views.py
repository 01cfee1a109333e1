"""What each page shows, from the archive: the adapter between the reader's answers
(:class:`~hgcrawler.storage.reader.ArchiveReader`, :mod:`hgcrawler.storage.browse`)
and the templates.  Plain data in, plain data out: chart series as lists of numbers
(epoch seconds), diffs as pieces, never markup."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from hgcrawler.fetch.warc import WarcLookupError, read_response
from hgcrawler.show.web.diffs import field_diffs
from hgcrawler.storage.browse import (
    TIMELINE_FIELDS,
    ArticleQuery,
    article_detail,
    browse_articles,
    capture_location,
    crawl_detail,
    crawls_between,
    remembered,
    site_summary,
)
from hgcrawler.storage.reader import ArchiveQueryError, ArchiveReader

__all__ = [
    "OUTCOMES",
    "article_page",
    "articles_page",
    "crawl_page",
    "overview_page",
    "raw_capture",
    "replay_page",
]

UTC = dt.UTC
#: How a crawl ended, in the order the legend shows them.
OUTCOMES = ("finished", "degraded", "failed", "interrupted", "running")
#: The periods the overview's crawl timeline can show (days), each paged back in time:
#: at nine crawls a day, 30 days are 270 crawls, 30 ms to read (90 days took 100 ms,
#: and the page 300 ms on a loaded machine: ``docs/performance.md``).
PERIODS = (7, 30)


def _epoch(moment: Any) -> float | None:
    if isinstance(moment, dt.datetime):
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.timestamp()
    return None


# --- overview -------------------------------------------------------------------------


def overview_page(
    reader: ArchiveReader, *, days: int, until: dt.datetime | None, now: dt.datetime
) -> dict[str, Any]:
    """Per site: its counts now and its totals over time; the crawls of the ``days`` days
    before ``until`` (default: now) as a timeline, each with its outcome and problems."""
    reader.check()
    sites = [{"site": site, **site_summary(reader, site)} for site in reader.sites]
    charts: dict[str, dict[str, list[Any]]] = {}
    for row in reader.site_views():
        chart = charts.setdefault(row["site"], {"t": [], "views": [], "articles": []})
        chart["t"].append(_epoch(row["day"]))
        chart["views"].append(row["views"])
        chart["articles"].append(row["articles"])
    end = until or now
    since = end - dt.timedelta(days=days)
    # kept until a crawl saves (or a minute): a crawl just begun shows within a minute
    crawls = remembered(
        reader,
        ("timeline", days, until),
        lambda: crawls_between(reader, since, until, TIMELINE_FIELDS),
    )
    timeline: list[dict[str, Any]] = []
    for crawl in crawls:
        started = crawl.get("started_at")
        label = (
            started.astimezone(UTC).date().isoformat() if isinstance(started, dt.datetime) else "?"
        )
        if not timeline or timeline[-1]["day"] != label:
            timeline.append({"day": label, "crawls": []})
        timeline[-1]["crawls"].append(crawl)
    timeline.reverse()  # the latest day first; a day's crawls in their order
    outcomes = {name: 0 for name in OUTCOMES}
    for crawl in crawls:
        status = str(crawl.get("status") or "running")
        outcomes[status] = outcomes.get(status, 0) + 1
    troubled = [c for c in reversed(crawls) if c.get("problems")][:20]
    return {
        "sites": sites,
        "charts": charts,
        "timeline": timeline,
        "crawl_count": len(crawls),
        "outcomes": outcomes,
        "troubled": troubled,
        "days": days,
        "periods": PERIODS,
        "since": since,
        "until": until,
        "earlier": since.date().isoformat(),
        "later": (end + dt.timedelta(days=days)).date().isoformat() if until else None,
        "later_is_now": until is not None and end + dt.timedelta(days=days) >= now,
    }


# --- articles -------------------------------------------------------------------------


def articles_page(reader: ArchiveReader, query: ArticleQuery, now: dt.datetime) -> dict[str, Any]:
    reader.check()
    page = browse_articles(reader, query, now=now)
    return {"page": page, "query": query}


# --- one article ----------------------------------------------------------------------


def article_page(reader: ArchiveReader, ref: str) -> dict[str, Any]:
    """An article as stored, its count over time (chart data), revisions with their
    diffs, moves and captures."""
    reader.check()
    detail = article_detail(reader, ref)
    observations = detail["observations"]
    chart: dict[str, list[Any]] = {"t": [], "views": [], "missing": [], "crawl": []}
    last_views: int | None = None
    for entry in observations:
        views = entry.get("views")
        chart["t"].append(_epoch(entry["fetched_at"]))
        chart["crawl"].append(entry.get("crawl_id"))
        chart["views"].append(views)
        if views is None:
            # the point where the page showed no count: drawn at the last count known
            chart["missing"].append(last_views if last_views is not None else 0)
        else:
            chart["missing"].append(None)
            last_views = views
    revisions = []
    previous: dict[str, Any] | None = None
    for revision in detail["revisions"]:
        revisions.append(
            {
                "doc": revision,
                "changes": field_diffs(previous, revision) if previous is not None else [],
            }
        )
        previous = revision
    captures = list(reversed(observations))
    return {
        "article": detail["article"],
        "state": detail["state"],
        "chart": chart,
        "revisions": list(reversed(revisions)),
        "moves": detail["moves"],
        "captures": captures,
        "missing_count": sum(entry.get("views") is None for entry in observations),
    }


# --- replay ---------------------------------------------------------------------------


def replay_page(reader: ArchiveReader, article_id: str, crawl_id: str) -> dict[str, Any]:
    """What the replay page states around the frame: whose capture, made when."""
    reader.check()
    article = reader.find_article(article_id)
    entry, location = capture_location(reader, str(article["_id"]), crawl_id)
    return {"article": article, "entry": entry, "location": location, "crawl_id": crawl_id}


def raw_capture(
    reader: ArchiveReader, data_dir: Path, article_id: str, crawl_id: str
) -> tuple[bytes, str, str]:
    """The archived body of that capture, its content type and its WARC date."""
    article = reader.find_article(article_id)
    _entry, location = capture_location(reader, str(article["_id"]), crawl_id)
    try:
        response = read_response(data_dir, location)
    except (WarcLookupError, OSError, ValueError) as exc:
        raise ArchiveQueryError(f"the raw response cannot be read: {exc}") from None
    content_type = next(
        (value for name, value in response.headers if name.lower() == "content-type"),
        "text/html",
    )
    return response.body, content_type, response.date


# --- a crawl ----------------------------------------------------------------------------


def crawl_page(
    reader: ArchiveReader, crawl_id: str, *, reason: str | None, page: int, per_page: int = 100
) -> dict[str, Any]:
    reader.check()
    detail = crawl_detail(
        reader, crawl_id, reason=reason, limit=per_page, skip=(page - 1) * per_page
    )
    crawl = detail["crawl"]
    started, finished = crawl.get("started_at"), crawl.get("finished_at")
    seconds = (
        (finished - started).total_seconds()
        if isinstance(started, dt.datetime) and isinstance(finished, dt.datetime)
        else None
    )
    return {
        **detail,
        "seconds": seconds,
        "reason": reason,
        "page": page,
        "pages": max(1, -(-detail["total"] // per_page)),
    }
