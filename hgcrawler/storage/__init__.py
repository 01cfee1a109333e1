"""Where the archive is kept: the :class:`ArchiveStore` interface and its MongoDB
implementation, the embedded SecantusDB server, and the spill journal."""

from hgcrawler.storage.base import (
    ArchiveStore,
    BatchResult,
    CrawlPlan,
    RevisitPolicy,
    StoreError,
)
from hgcrawler.storage.connect import archive_uri, open_store
from hgcrawler.storage.embedded import DatabaseError, EmbeddedDatabase
from hgcrawler.storage.journal import SpillJournal
from hgcrawler.storage.mongo import MongoArchiveStore
from hgcrawler.storage.uri import mask_uri, resolve_mongo_uri

__all__ = [
    "ArchiveStore",
    "BatchResult",
    "CrawlPlan",
    "DatabaseError",
    "EmbeddedDatabase",
    "MongoArchiveStore",
    "RevisitPolicy",
    "SpillJournal",
    "StoreError",
    "archive_uri",
    "mask_uri",
    "open_store",
    "resolve_mongo_uri",
]
