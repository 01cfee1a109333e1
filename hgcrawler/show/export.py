"""Streaming exports of the archive: articles, observations, revisions as JSONL or CSV.

Documents are read through a cursor and written one at a time, so memory stays
constant however large the archive is. Times are ISO 8601 UTC (``…Z``); in CSV,
lists and objects (``images``, ``old_urls``, ``counts``) become JSON strings
and the body keeps its blank-line paragraph breaks inside a quoted cell.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator, Mapping
from typing import Any, TextIO

from hgcrawler.read.text import iso_time
from hgcrawler.read.urls import short_id
from hgcrawler.storage.reader import ArchiveReader

__all__ = [
    "COLLECTIONS",
    "FORMATS",
    "csv_cell",
    "export",
    "iter_documents",
]

FORMATS = ("jsonl", "csv")
#: Columns made here, not stored: ``short_id`` (:func:`hgcrawler.read.urls.short_id`), the
#: id a person reads in the query tables, the report and the charts.
COMPUTED = frozenset({"short_id"})

#: Exportable collections and their columns (the CSV header, the JSONL key order).
COLLECTIONS: dict[str, tuple[str, ...]] = {
    "articles": (
        "_id",
        "short_id",
        "site",
        "key",
        "url",
        "old_urls",
        "category",
        "title",
        "updated_on",
        "views",
        "views_at",
        "views_peak",
        "lede",
        "body",
        "images",
        "author",
        "source",
        "doubtful",
        "content_hash",
        "revision",
        "revision_count",
        "first_seen_at",
        "last_seen_at",
        "last_status",
        "last_crawl_id",
        "removed_at",
        "views_missing_reason",
        "rendered",
    ),
    "observations": (
        "article_id",
        "short_id",
        "site",
        "crawl_id",
        "fetched_at",
        "status",
        "views",
        "revision",
        "views_missing_reason",
        "source",
        "flags",
        "warc",
        "url",
    ),
    "revisions": (
        "_id",
        "site",
        "article_id",
        "short_id",
        "number",
        "content_hash",
        "title",
        "lede",
        "body",
        "images",
        "author",
        "category",
        "updated_on",
        "url",
        "first_seen_at",
        "last_seen_at",
        "first_crawl_id",
        "warc",
    ),
}


def iter_documents(
    reader: ArchiveReader, collection: str, since: dt.datetime | None = None
) -> Iterator[dict[str, Any]]:
    """The collection's rows with only the exported columns: articles seen or removed
    since ``since``, observations made since then, revisions first seen since then."""
    columns = COLLECTIONS.get(collection)
    if columns is None:
        raise ValueError(f"cannot export {collection!r}; choose from {', '.join(COLLECTIONS)}")
    stored = dict.fromkeys((c for c in columns if c not in COMPUTED), 1)
    if collection == "observations":
        rows: Iterator[dict[str, Any]] = reader.observations(since)
    elif collection == "articles":
        rows = reader.articles_since(since, stored)
    else:
        query = {} if since is None else {"first_seen_at": {"$gte": since}}
        rows = reader.documents(collection, query, stored)
    article_field = "_id" if collection == "articles" else "article_id"
    for doc in rows:
        row = {column: doc.get(column) for column in columns}
        row["short_id"] = short_id(str(doc.get(article_field) or ""))
        updated_on = row.get("updated_on")
        if isinstance(updated_on, dt.datetime):  # a day, stored at 00:00 UTC
            row["updated_on"] = updated_on.date()
        yield row


def _plain(value: Any) -> Any:
    """JSON-ready: datetimes as ISO UTC strings, recursively."""
    if isinstance(value, dt.date):
        return iso_time(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def csv_cell(value: Any) -> Any:
    """A value for a CSV cell: lists and objects as compact JSON (non-ASCII kept),
    dates as ISO strings, booleans as ``true``/``false`` (as in the JSON lines and
    in JSON inside a cell), None as empty.

    >>> [csv_cell(v) for v in (True, False, None, 0, [True])]
    ['true', 'false', '', 0, '[true]']
    """
    value = _plain(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if value is None:
        return ""
    return value


def export(
    reader: ArchiveReader,
    collection: str,
    out: TextIO,
    fmt: str = "jsonl",
    since: dt.datetime | None = None,
) -> int:
    """Write ``collection`` to ``out`` as ``fmt`` (``jsonl`` or ``csv``); returns the row count."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    documents = iter_documents(reader, collection, since)
    count = 0
    if fmt == "jsonl":
        for doc in documents:
            out.write(json.dumps(_plain(doc), ensure_ascii=False) + "\n")
            count += 1
        return count
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLLECTIONS[collection])
    for doc in documents:
        writer.writerow([csv_cell(value) for value in doc.values()])
        count += 1
    return count
