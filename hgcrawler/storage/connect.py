"""The one way into the archive: from an :class:`~hgcrawler.config.ArchiveConfig` to a
store (for crawls) — the embedded server started when no URI is given."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hgcrawler.storage.embedded import DatabaseError
from hgcrawler.storage.mongo import MongoArchiveStore
from hgcrawler.storage.uri import resolve_mongo_uri

if TYPE_CHECKING:
    from hgcrawler.config import ArchiveConfig

__all__ = ["archive_uri", "open_store"]


def archive_uri(config: ArchiveConfig, *, start: bool = True) -> str:
    """The MongoDB URI of the archive; the embedded server is started when needed
    (:class:`~hgcrawler.storage.embedded.DatabaseError` when it cannot be)."""
    uri, _embedded = resolve_mongo_uri(config.mongo_uri, config.data_dir, start=start)
    return uri


def open_store(config: ArchiveConfig) -> MongoArchiveStore:
    """A store for one crawl (one client).  Nothing is sent to the server yet."""
    try:
        uri = archive_uri(config)
    except DatabaseError as exc:
        raise DatabaseError(
            f"cannot start the embedded database in {config.data_dir}: {exc}"
        ) from exc
    return MongoArchiveStore(uri, config.database, write_retries=config.write_retries)
