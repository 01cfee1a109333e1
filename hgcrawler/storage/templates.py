"""The ``templates`` collection: per-site decisions about script-filled view counters.

One document per (site, template key), as :meth:`hgcrawler.counters.Template.to_doc`
gives it, plus ``_id`` (``"<site>:<key>"``), ``site`` and ``updated_at``.  The
crawl loads a site's documents when it opens and writes them back when it
ends, so what one crawl learned (an endpoint, that a template has no counter)
the next one starts from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from pymongo import ReplaceOne
from pymongo.database import Database

from hgcrawler.storage.schema import TEMPLATES

__all__ = ["load_templates", "save_templates"]


def load_templates(db: Database[dict[str, Any]], site: str) -> list[dict[str, Any]]:
    """The template documents of ``site``."""
    return list(db[TEMPLATES].find({"site": site}))


def save_templates(
    db: Database[dict[str, Any]], site: str, docs: Iterable[Mapping[str, Any]]
) -> int:
    """Replace the documents of ``site``'s templates with ``docs``; returns how many."""
    now = dt.datetime.now(dt.UTC)
    operations = [
        ReplaceOne(
            {"_id": f"{site}:{doc['key']}"},
            {**doc, "_id": f"{site}:{doc['key']}", "site": site, "updated_at": now},
            upsert=True,
        )
        for doc in docs
    ]
    if operations:
        db[TEMPLATES].bulk_write(operations, ordered=False)
    return len(operations)
