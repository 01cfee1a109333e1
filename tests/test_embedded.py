from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from pymongo import MongoClient

from hgcrawler.storage.embedded import DatabaseError, EmbeddedDatabase, pid_alive
from hgcrawler.storage.uri import mask_uri, resolve_mongo_uri


def _ping(uri: str) -> bool:
    client: MongoClient[dict[str, object]] = MongoClient(uri, serverSelectionTimeoutMS=3000)
    try:
        return client.admin.command("ping")["ok"] == 1.0
    finally:
        client.close()


def test_start_reuse_stop(tmp_path: Path) -> None:
    database = EmbeddedDatabase(tmp_path / "data")
    assert database.status() is None
    info = database.start()
    try:
        assert database.uri.startswith("mongodb://127.0.0.1:")
        assert _ping(database.uri)
        state = json.loads((tmp_path / "data" / "secantus.json").read_text())
        assert state["pid"] == info["pid"]
        assert state["uri"] == database.uri
        assert (tmp_path / "data" / "db").is_dir()

        second = EmbeddedDatabase(tmp_path / "data")
        again = second.start()
        assert again["pid"] == info["pid"]
        assert second.uri == database.uri
        assert second.status() is not None
    finally:
        stopped = EmbeddedDatabase(tmp_path / "data").stop()
    assert stopped is True
    assert not pid_alive(int(info["pid"]))
    assert not (tmp_path / "data" / "secantus.json").exists()
    assert database.status() is None
    assert EmbeddedDatabase(tmp_path / "data").stop() is False
    with pytest.raises(DatabaseError, match="not running"):
        _ = EmbeddedDatabase(tmp_path / "data").uri


def test_data_survives_a_restart(tmp_path: Path) -> None:
    database = EmbeddedDatabase(tmp_path)
    database.start()
    try:
        client: MongoClient[dict[str, object]] = MongoClient(database.uri)
        client.hg.things.insert_one({"_id": "kept"})
        client.close()
    finally:
        database.stop()
    database.start()
    try:
        client = MongoClient(database.uri)
        assert client.hg.things.find_one({"_id": "kept"}) == {"_id": "kept"}
        client.close()
    finally:
        database.stop()


def test_stale_state_file_starts_a_new_server(tmp_path: Path) -> None:
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "secantus.json").write_text(
        json.dumps({"pid": 2**22 + 12345, "port": 1, "uri": "mongodb://127.0.0.1:1/"})
    )
    database = EmbeddedDatabase(tmp_path)
    info = database.start()
    try:
        assert info["pid"] != 2**22 + 12345
        assert _ping(database.uri)
    finally:
        database.stop()


def test_unusable_data_dir_gives_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(DatabaseError) as caught:
        EmbeddedDatabase(blocker / "db").start()
    message = str(caught.value)
    assert str(blocker / "db") in message
    assert "data directory" in message
    assert "Traceback" not in message


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_read_only_data_dir_gives_a_clear_error(tmp_path: Path) -> None:
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(DatabaseError, match="data directory"):
            EmbeddedDatabase(tmp_path / "data").start()
    finally:
        tmp_path.chmod(0o700)


def test_resolve_prefers_an_explicit_uri(tmp_path: Path) -> None:
    uri, embedded = resolve_mongo_uri("mongodb://db.example.org:27017/", tmp_path, start=True)
    assert uri == "mongodb://db.example.org:27017/"
    assert embedded is None
    assert not (tmp_path / "secantus.json").exists()


def test_resolve_without_start_needs_a_running_server(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="not running"):
        resolve_mongo_uri("", tmp_path, start=False)


def test_resolve_starts_the_embedded_server(tmp_path: Path) -> None:
    uri, embedded = resolve_mongo_uri("", tmp_path)
    try:
        assert embedded is not None
        assert _ping(uri)
    finally:
        assert embedded is not None
        embedded.stop()


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("mongodb://alice:s3cret@db:27017/hg", "mongodb://***:***@db:27017/hg"),
        (
            "mongodb+srv://alice:p%40ss@cluster.example.org/",
            "mongodb+srv://***:***@cluster.example.org/",
        ),
        (
            "mongodb://alice@db/?authMechanism=MONGODB-X509",
            "mongodb://***@db/?authMechanism=MONGODB-X509",
        ),
        ("mongodb://a:b@h1:1,h2:2/?replicaSet=rs", "mongodb://***:***@h1:1,h2:2/?replicaSet=rs"),
        (
            "mongodb://h/?tls=true&tlsCertificateKeyFilePassword=pw",
            "mongodb://h/?tls=true&tlsCertificateKeyFilePassword=***",
        ),
        ("mongodb://127.0.0.1:27017/", "mongodb://127.0.0.1:27017/"),
    ],
)
def test_mask_uri(uri: str, expected: str) -> None:
    assert mask_uri(uri) == expected
    assert "s3cret" not in mask_uri(uri)
