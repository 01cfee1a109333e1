"""The archive's documents as the tests read them (schema 2).

Observations are kept in one bucket per article and month
(``{_id: "<article id>|<YYYY-MM>", site, article_id, month, first_at, last_at,
obs: [entry, ...]}``, ``month`` being 00:00 UTC of the month's first day; see
``hgcrawler/storage/observations.py``).  The tests ask
"which observations did crawl X make" and "what did article Y show, visit by
visit"; :func:`observations` answers both with one flat dict per observation, in
the field names of schema 1 (``crawl_id``, ``fetched_at``, ``views``, …), so a
test reads like the question it asks.

It reads the buckets themselves (not the reader's code under test) and checks
each bucket it reads is well formed: its ``_id`` names its article and month,
every entry is of that month, ``first_at``/``last_at`` bound the entries, and an
article never holds two observations of one crawl.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from hgcrawler.read.urls import site_location
from hgcrawler.sites import DEFAULT_SITE

__all__ = ["SITE", "aid", "count", "observations", "one"]

SITE = DEFAULT_SITE


def aid(key: object, site: str = SITE) -> str:
    """The archive id of the article ``key`` of ``site``: ``aid("39993")`` is
    ``"haugiang:39993"``; a URL's key is its location within the site (schema 4):
    ``aid("http://127.0.0.1:8080/tin/a.html")`` is ``"haugiang:/tin/a.html"``."""
    text = str(key)
    if "://" in text:  # "<url>#2": the second article kept apart at that key
        url, hash_sign, number = text.rpartition("#")
        if not (hash_sign and number.isdigit()):
            url, number = text, ""
        text = site_location(url) + (f"#{number}" if number else "")
    return f"{site}:{text}"


def _flat(bucket: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "article_id": bucket["article_id"],
        "site": bucket.get("site"),
        "crawl_id": entry.get("crawl"),
        "fetched_at": entry["at"],
        "status": entry.get("status"),
        "views": entry.get("views"),
        "revision": entry.get("rev"),
        "views_missing_reason": entry.get("missing"),
        "source": entry.get("src"),
        # how the count shown was obtained; None for an observation without one
        "views_source": entry.get("src") if entry.get("views") is not None else None,
        "rendered": entry.get("src") == "rendered",
        "flags": list(entry.get("flags") or []),
        "warc": entry.get("warc"),
        "url": entry.get("url"),
    }


def _check_bucket(bucket: dict[str, Any]) -> None:
    entries = bucket.get("obs") or []
    article_id, month = bucket["article_id"], bucket["month"]
    first_day = month.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    assert month == first_day, bucket["_id"]
    assert bucket["_id"] == f"{article_id}|{month:%Y-%m}", bucket["_id"]
    assert str(article_id).startswith(f"{bucket.get('site')}:"), bucket["_id"]
    assert entries, f"bucket {bucket['_id']} is empty"
    times = [entry["at"] for entry in entries]
    in_month = [(moment.year, moment.month) == (month.year, month.month) for moment in times]
    assert all(in_month), bucket["_id"]
    assert bucket["first_at"] == min(times) and bucket["last_at"] == max(times), bucket["_id"]


def observations(
    db: Any,
    crawl_id: str | None = None,
    article_id: str | None = None,
    *,
    site: str | None = None,
) -> list[dict[str, Any]]:
    """Every observation (of ``crawl_id``, of ``article_id``, of ``site``), oldest
    first, one flat dict each (see the module doc)."""
    query: dict[str, Any] = {}
    if article_id is not None:
        query["article_id"] = article_id
    if site is not None:
        query["site"] = site
    if crawl_id is not None:
        query["obs.crawl"] = crawl_id
    rows: list[dict[str, Any]] = []
    per_article: dict[str, Counter[str]] = {}
    for bucket in db.observations.find(query):
        _check_bucket(bucket)
        crawls = per_article.setdefault(str(bucket["article_id"]), Counter())
        for entry in bucket.get("obs") or []:
            crawls[str(entry.get("crawl"))] += 1
            if crawl_id is None or entry.get("crawl") == crawl_id:
                rows.append(_flat(bucket, entry))
    for article, crawls in per_article.items():
        twice = [crawl for crawl, seen in crawls.items() if seen > 1]
        assert not twice, f"article {article} has two observations of crawl(s) {twice}"
    rows.sort(key=lambda row: (row["fetched_at"], str(row["article_id"])))
    return rows


def count(db: Any, crawl_id: str | None = None, article_id: str | None = None) -> int:
    """How many observations :func:`observations` finds."""
    return len(observations(db, crawl_id, article_id))


def one(db: Any, article_id: str, crawl_id: str) -> dict[str, Any] | None:
    """The observation of ``article_id`` made by ``crawl_id``, or None."""
    found = observations(db, crawl_id, article_id)
    assert len(found) <= 1
    return found[0] if found else None


def day(moment: dt.datetime) -> dt.date:
    """The UTC day of a moment (day snapshots of the series are per UTC day)."""
    return moment.astimezone(dt.UTC).date()
