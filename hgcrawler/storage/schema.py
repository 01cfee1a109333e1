"""The archive's schema: collection names, its version, and the indexes every question needs.

``docs/archive.md`` describes each collection; this module is where the code
names them.  Only ``hgcrawler.storage`` uses these names.

Version history:

1. one ``observations`` document per article per crawl; article ids are the bare
   key (``"39993"`` or a canonical URL); no ``site``.
2. every document has a ``site``; article ids are ``<site>:<key>``; observations
   are kept in one bucket per article per month; articles carry a dense number ``n``
   per site and summaries (first, peak and latest view count); the view counts of
   every article as of each day live in ``series``; search uses ``postings``.
3. observations in one bucket per article per *month* (not per year).
4. a URL key is the page's location within its site (``/tin-tuc/a.html``: canonical
   path and query, no scheme, host or port), so ids are ``<site>:/tin-tuc/a.html``;
   articles carry ``places`` (the locations of their current and old URLs, indexed);
   ``sites`` documents list every host the site has had (``hosts``, current first);
   each observation entry keeps the ``url`` it was fetched from.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database

__all__ = [
    "ARTICLES",
    "CRAWLS",
    "META",
    "MOVES",
    "OBSERVATIONS",
    "PAGES",
    "POSTINGS",
    "REJECTS",
    "REVISIONS",
    "SCHEMA_VERSION",
    "SERIES",
    "SERIES_DAYS",
    "SITES",
    "TEMPLATES",
    "article_id_of",
    "ensure_indexes",
    "observation_bucket_id",
    "observation_month",
]

SCHEMA_VERSION = 4

ARTICLES = "articles"
OBSERVATIONS = "observations"
REVISIONS = "revisions"
CRAWLS = "crawls"
REJECTS = "rejects"
PAGES = "pages"
MOVES = "moves"
META = "meta"
SITES = "sites"  # per site: the next article number
SERIES = "series"  # per site: the current state of every article's count
SERIES_DAYS = "series_days"  # per site and day: every article's count as of that day
POSTINGS = "postings"  # per site, word and block of article numbers: who has the word
TEMPLATES = "templates"  # per site and page template: how its view counter is read

Db = Database[dict[str, Any]]


def article_id_of(site: str, key: str) -> str:
    """The archive id of the article ``key`` of ``site``.

    >>> article_id_of("haugiang", "39993")
    'haugiang:39993'
    """
    return f"{site}:{key}"


def observation_month(moment: dt.datetime) -> dt.datetime:
    """The ``month`` of the bucket that holds an observation of ``moment``: 00:00 UTC
    of the first day of its UTC month (a naive ``moment`` is taken as UTC).

    >>> observation_month(dt.datetime(2026, 11, 28, 17, 15, tzinfo=dt.UTC)).isoformat()
    '2026-11-01T00:00:00+00:00'
    """
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return dt.datetime(moment.year, moment.month, 1, tzinfo=dt.UTC)


def observation_bucket_id(article_id: str, moment: dt.datetime) -> str:
    """The bucket that holds an article's observations of ``moment``'s UTC month.

    >>> observation_bucket_id("haugiang:39993", dt.datetime(2026, 11, 28, tzinfo=dt.UTC))
    'haugiang:39993|2026-11'
    """
    return f"{article_id}|{observation_month(moment):%Y-%m}"


#: (collection, keys, options) of every index.  SecantusDB serves a filter from an index
#: only when its fields are one indexed field, or the leading fields of a compound index
#: (equalities, then at most one range or ``$in``); with any other field beside them its
#: planner reports a collection scan (``explain``), and what it really reads depends on
#: the order of the filter's fields.  So every question of a collection that grows is
#: asked in one of those shapes (the rest checked in Python); ``tests/test_query_plans.py``
#: checks every filter a crawl and the questions send.  An index added here is created on
#: an existing archive when a crawl (or ``db replay``) next opens it: ``ensure_indexes``.
INDEXES: tuple[tuple[str, list[tuple[str, int]], dict[str, Any]], ...] = (
    (ARTICLES, [("site", ASCENDING), ("n", ASCENDING)], {}),
    (ARTICLES, [("site", ASCENDING), ("views", DESCENDING)], {}),
    (ARTICLES, [("site", ASCENDING), ("category", ASCENDING), ("views", DESCENDING)], {}),
    (ARTICLES, [("site", ASCENDING), ("first_seen_at", ASCENDING)], {}),
    (ARTICLES, [("site", ASCENDING), ("removed_at", ASCENDING)], {}),
    (ARTICLES, [("site", ASCENDING), ("last_seen_at", ASCENDING)], {}),
    (ARTICLES, [("url", ASCENDING)], {}),
    (ARTICLES, [("old_urls", ASCENDING)], {}),
    # where the article's pages are within the site, at any of its addresses (schema 4)
    (ARTICLES, [("places", ASCENDING)], {}),
    (ARTICLES, [("key", ASCENDING)], {}),
    (ARTICLES, [("identity", ASCENDING)], {}),
    (ARTICLES, [("doubtful", ASCENDING)], {}),  # the browser's doubtful articles
    (OBSERVATIONS, [("article_id", ASCENDING), ("month", ASCENDING)], {}),
    (OBSERVATIONS, [("site", ASCENDING), ("last_at", ASCENDING)], {}),
    (REVISIONS, [("article_id", ASCENDING), ("number", ASCENDING)], {"unique": True}),
    (REVISIONS, [("site", ASCENDING), ("first_seen_at", ASCENDING)], {}),
    (CRAWLS, [("site", ASCENDING), ("started_at", ASCENDING)], {}),
    (CRAWLS, [("started_at", ASCENDING)], {}),
    # the crawls a host left running (``mark_interrupted``, at every crawl's start)
    (CRAWLS, [("status", ASCENDING), ("host", ASCENDING)], {}),
    (REJECTS, [("crawl_id", ASCENDING)], {}),
    (MOVES, [("site", ASCENDING), ("at", ASCENDING)], {}),
    (MOVES, [("article_id", ASCENDING)], {}),
    (MOVES, [("state", ASCENDING)], {}),
    (PAGES, [("site", ASCENDING)], {}),  # a site's known pages (``load_plan``)
    (SERIES_DAYS, [("site", ASCENDING), ("day", ASCENDING)], {}),
    (TEMPLATES, [("site", ASCENDING)], {}),
)


def ensure_indexes(db: Db) -> None:
    """Create every index the archive's writes and questions use (idempotent)."""
    for collection, keys, options in INDEXES:
        db[collection].create_index(keys, **options)
