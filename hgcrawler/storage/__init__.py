"""Where the archive is kept: the :class:`ArchiveStore` interface and its MongoDB
implementation, the embedded SecantusDB server, and the spill journal."""

from hgcrawler.storage.base import (
    ArchiveStore,
    BatchResult,
    CrawlPlan,
    RevisitPolicy,
    StoreError,
)
from hgcrawler.storage.connect import (
    ArchiveUnreachable,
    archive_uri,
    open_database,
    open_reader,
    open_store,
)
from hgcrawler.storage.embedded import DatabaseError, EmbeddedDatabase
from hgcrawler.storage.journal import SpillJournal
from hgcrawler.storage.mongo import MongoArchiveStore, SchemaError
from hgcrawler.storage.reader import (
    ArchiveQueryError,
    ArchiveReader,
    EmptyArchive,
    UnknownArticle,
    UnknownCategory,
    UnknownSite,
)
from hgcrawler.storage.uri import mask_uri, resolve_mongo_uri

__all__ = [
    "ArchiveQueryError",
    "ArchiveReader",
    "ArchiveStore",
    "ArchiveUnreachable",
    "BatchResult",
    "CrawlPlan",
    "DatabaseError",
    "EmbeddedDatabase",
    "EmptyArchive",
    "MongoArchiveStore",
    "RevisitPolicy",
    "SchemaError",
    "SpillJournal",
    "StoreError",
    "UnknownArticle",
    "UnknownCategory",
    "UnknownSite",
    "archive_uri",
    "mask_uri",
    "open_database",
    "open_reader",
    "open_store",
    "resolve_mongo_uri",
]
