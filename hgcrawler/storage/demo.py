"""The demo's database: made, marked and dropped by ``hgcrawler demo`` only.

``hgcrawler demo`` drops its database when it starts again.  It must never drop a
database that holds crawls it did not make: the database it makes carries a mark
(a ``meta`` document), and only a marked or empty database is dropped.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pymongo.database import Database
from pymongo.errors import PyMongoError

from hgcrawler.config import is_loopback
from hgcrawler.storage.schema import ARTICLES, CRAWLS, META
from hgcrawler.storage.uri import mongo_error_reason

__all__ = ["DEMO_DATABASE", "DEMO_MARK_ID", "reset_demo_database"]

DEMO_DATABASE = "hgcrawler_demo"

#: The document, in the ``meta`` collection, that marks a database the demo created:
#: only such a database (or an empty one) is dropped when the demo starts.
DEMO_MARK_ID = "demo"


def reset_demo_database(db: Database[dict[str, Any]]) -> str | None:
    """Drop ``db`` and mark it as the demo's; or, when it holds crawls or articles the
    demo did not write, leave it alone and return why.

    Ours: it carries the demo's mark, or it is empty. A ``hgcrawler_demo`` from
    before the mark existed is recognised by its crawls, all of a replica on
    this machine (a loopback start URL).
    """
    try:
        return _reset(db)
    except PyMongoError as exc:
        return f"cannot prepare {db.name!r}: {mongo_error_reason(exc)}"


def _reset(db: Database[dict[str, Any]]) -> str | None:
    from hgcrawler import __version__

    name = db.name
    if db[META].find_one({"_id": DEMO_MARK_ID}) is None:
        crawls = db[CRAWLS].count_documents({})
        articles = db[ARTICLES].count_documents({})
        earlier_demo = (
            name == DEMO_DATABASE
            and crawls > 0
            and all(
                is_loopback(str(c.get("start_url") or ""))
                for c in db[CRAWLS].find({}, {"start_url": 1})
            )
        )
        if (crawls or articles) and not earlier_demo:
            held = " and ".join(
                f"{count} {noun}{'' if count == 1 else 's'}"
                for count, noun in ((crawls, "crawl"), (articles, "article"))
                if count
            )
            return (
                f"database {name!r} holds {held} that hgcrawler demo did not write; "
                "refusing to drop it: choose another --database"
            )
    db.client.drop_database(name)
    db[META].insert_one(
        {
            "_id": DEMO_MARK_ID,
            "created_at": dt.datetime.now(dt.UTC),
            "by": f"hgcrawler demo {__version__}",
            "note": "made by `hgcrawler demo`, which drops it when it runs again",
        }
    )
    return None
