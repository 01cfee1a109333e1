"""The one way into the archive: from an :class:`~hgcrawler.config.ArchiveConfig` to a
store (for crawls) or a reader (for questions) — the embedded server started when no
URI is given, the server checked reachable, its URI masked in every message."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from pymongo import MongoClient
from pymongo.database import Database
from pymongo.errors import ConnectionFailure, PyMongoError

from hgcrawler.storage.embedded import DatabaseError, EmbeddedDatabase
from hgcrawler.storage.mongo import MongoArchiveStore
from hgcrawler.storage.reader import ArchiveReader
from hgcrawler.storage.uri import mask_uri, mongo_error_reason, resolve_mongo_uri

if TYPE_CHECKING:
    from hgcrawler.config import ArchiveConfig

logger = logging.getLogger(__name__)

__all__ = ["ArchiveUnreachable", "archive_uri", "open_database", "open_reader", "open_store"]

#: How long a command waits for the server unless the URI says otherwise.
SELECTION_TIMEOUT_MS = 5000


class ArchiveUnreachable(RuntimeError):
    """The archive's server cannot be started or reached; the message is for users."""


def archive_uri(config: ArchiveConfig, *, start: bool = True) -> str:
    """The MongoDB URI of the archive; the embedded server is started when needed
    (:class:`~hgcrawler.storage.embedded.DatabaseError` when it cannot be)."""
    uri, _embedded = resolve_mongo_uri(config.mongo_uri, config.data_dir, start=start)
    return uri


def open_store(config: ArchiveConfig, site: str) -> MongoArchiveStore:
    """A store for one crawl of ``site`` (one client).  Nothing is sent to the server yet."""
    try:
        uri = archive_uri(config)
    except DatabaseError as exc:
        where = config.data_dir
        raise DatabaseError(f"cannot start the embedded database in {where}: {exc}") from exc
    return MongoArchiveStore(uri, config.database, site=site, write_retries=config.write_retries)


@contextmanager
def open_database(
    config: ArchiveConfig, *, question: bool = False
) -> Iterator[Database[dict[str, Any]]]:
    """The archive's database, checked reachable; :class:`ArchiveUnreachable` when it
    cannot be started or reached, or when the connection is lost while in use.

    A ``question`` never leaves behind a server it started: the embedded server is
    stopped again at the end when it was not running before, and a data directory
    holding no archive is refused without starting one there."""
    started: EmbeddedDatabase | None = None
    uri = ""
    if question and config.embedded:
        embedded = EmbeddedDatabase(config.data_dir)
        running = embedded.status()
        if running is not None:
            uri = str(running["uri"])
        elif not _holds_archive(embedded):
            raise ArchiveUnreachable(
                f"no archive in {config.data_dir}: nothing was crawled into it "
                "(give --data-dir or --mongo-uri, or set $HGCRAWLER_DATA_DIR)"
            )
        else:
            started = embedded
    if not uri:
        try:
            uri = archive_uri(config)
        except DatabaseError as exc:
            raise ArchiveUnreachable(
                f"cannot start the embedded database in {config.data_dir}: {exc}"
            ) from None
    try:
        with _client(uri, config.database) as db:
            ours = _connections(db) if started is not None else 0
            try:
                yield db
            finally:
                if started is not None and _connections(db) >= ours + OTHER_CLIENT:
                    # another question or a crawl connected meanwhile: not ours to stop
                    logger.info("leaving the embedded database running: others use it")
                    started = None
    finally:
        if started is not None:
            started.stop()


#: Connections another client adds at least (its monitor and one for its operations);
#: ours hold steady at a monitor and one operation (polled monitoring: no RTT monitor
#: connecting later), so a growth this large is somebody else.
OTHER_CLIENT = 2


def _connections(db: Database[dict[str, Any]]) -> int:
    """The server's open connections (``serverStatus``); unknown counts as many, so
    that a server others may use is never stopped on a guess."""
    try:
        status = db.client.admin.command("serverStatus")
        return int(status["connections"]["current"])
    except (PyMongoError, KeyError, TypeError, ValueError):
        return 1 << 30


def _holds_archive(embedded: EmbeddedDatabase) -> bool:
    """Whether the embedded server's storage directory has anything in it."""
    try:
        return any(embedded.storage_path.iterdir())
    except OSError:
        return False


@contextmanager
def _client(uri: str, database: str) -> Iterator[Database[dict[str, Any]]]:
    # polled monitoring: no RTT monitor opening a connection of its own later on (a
    # steady count of our connections, for open_database's check for other clients)
    options: dict[str, Any] = {
        "tz_aware": True,
        "appname": "hgcrawler",
        "serverMonitoringMode": "poll",
    }
    if "serverselectiontimeoutms" not in uri.lower():
        options["serverSelectionTimeoutMS"] = SELECTION_TIMEOUT_MS
    try:
        client: MongoClient[dict[str, Any]] = MongoClient(uri, **options)
    except (PyMongoError, ValueError) as exc:
        raise ArchiveUnreachable(
            f"bad MongoDB URI {mask_uri(uri)}: {mongo_error_reason(exc)}"
        ) from None
    try:
        try:
            client.admin.command("ping")
        except PyMongoError as exc:
            raise ArchiveUnreachable(
                f"cannot reach MongoDB at {mask_uri(uri)}: {mongo_error_reason(exc)}"
            ) from None
        try:
            yield client[database]
        except ConnectionFailure as exc:
            raise ArchiveUnreachable(
                f"lost MongoDB at {mask_uri(uri)}: {mongo_error_reason(exc)}"
            ) from None
    finally:
        client.close()


@contextmanager
def open_reader(
    config: ArchiveConfig, sites: Sequence[str] | None = None
) -> Iterator[ArchiveReader]:
    """An :class:`~hgcrawler.storage.reader.ArchiveReader` of the archive (see
    :func:`open_database`: a question), about ``sites`` (default: all)."""
    with open_database(config, question=True) as db:
        yield ArchiveReader(db, sites)
