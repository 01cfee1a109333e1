"""Shared fixtures.  The database tests run against a real SecantusDB server
process (never mongomock), started once per session on a port the OS chooses."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from hgcrawler.storage.embedded import EmbeddedDatabase


@dataclass(frozen=True)
class MongoServer:
    uri: str
    data_dir: Path
    pid: int


@pytest.fixture(scope="session")
def mongo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MongoServer]:
    """A SecantusDB server for the whole test session."""
    data_dir = tmp_path_factory.mktemp("secantus")
    database = EmbeddedDatabase(data_dir)
    info = database.start()
    try:
        yield MongoServer(uri=database.uri, data_dir=data_dir, pid=int(info["pid"]))
    finally:
        database.stop()


@pytest.fixture
def mongo_uri(mongo_server: MongoServer) -> str:
    return mongo_server.uri


@pytest.fixture
def archive_db_name(mongo_server: MongoServer) -> Iterator[str]:
    """A database name of this test's own; dropped afterwards."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    yield name
    from pymongo import MongoClient

    client: MongoClient[dict[str, object]] = MongoClient(mongo_server.uri)
    try:
        client.drop_database(name)
    finally:
        client.close()
