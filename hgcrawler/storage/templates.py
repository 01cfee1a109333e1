"""The ``templates`` collection: what crawls learned about a site's pages.

One document per (site, template key) about script-filled view counters, as
:meth:`hgcrawler.fetch.counters.Template.to_doc` gives it, plus ``_id``
(``"<site>:<key>"``), ``site`` and ``updated_at``.  The crawl loads a site's
documents when it opens and writes them back when it ends, so what one crawl
learned (an endpoint, that a template has no counter) the next one starts from.

Beside them, one document per site holds the site's learned *page* template
(:meth:`hgcrawler.read.pagetemplate.PageTemplate.to_doc`: the texts that repeat on its
article pages), ``_id`` ``"<site>:page-template"``, ``kind`` ``"page"``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from pymongo import ReplaceOne
from pymongo.database import Database

from hgcrawler.storage.schema import TEMPLATES

__all__ = ["load_page_template", "load_templates", "save_page_template", "save_templates"]

#: ``kind`` of the page template's document (counter templates have none).
PAGE_KIND = "page"


def _page_id(site: str) -> str:
    return f"{site}:page-template"


def load_templates(db: Database[dict[str, Any]], site: str) -> list[dict[str, Any]]:
    """The counter template documents of ``site``."""
    return [doc for doc in db[TEMPLATES].find({"site": site}) if doc.get("kind") != PAGE_KIND]


def load_page_template(db: Database[dict[str, Any]], site: str) -> dict[str, Any] | None:
    """The page template document of ``site`` (``texts``, ``pages``), or None."""
    return db[TEMPLATES].find_one({"_id": _page_id(site)})


def save_page_template(db: Database[dict[str, Any]], site: str, doc: Mapping[str, Any]) -> None:
    """Replace ``site``'s page template with ``doc``."""
    key = _page_id(site)
    db[TEMPLATES].replace_one(
        {"_id": key},
        {**doc, "_id": key, "site": site, "kind": PAGE_KIND, "updated_at": dt.datetime.now(dt.UTC)},
        upsert=True,
    )


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
