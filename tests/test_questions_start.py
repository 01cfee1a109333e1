"""Questions about the archive start without the crawler and leave no server behind."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hgcrawler.storage import EmbeddedDatabase

ROOT = Path(__file__).resolve().parents[1]


def hgcrawler(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hgcrawler.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


@pytest.mark.parametrize(
    "command",
    [
        ["warc", "show", "39941"],
        ["query", "top"],
        ["export", "articles"],
    ],
)
def test_a_question_about_an_empty_data_dir_starts_no_server(
    tmp_path: Path, command: list[str]
) -> None:
    done = hgcrawler(*command, "--data-dir", str(tmp_path))
    assert done.returncode == 2, done.stderr
    assert f"no archive in {tmp_path}" in done.stderr
    assert EmbeddedDatabase(tmp_path).status() is None
    assert not (tmp_path / "secantus.json").exists()
    assert not (tmp_path / "db").exists()


def test_a_question_stops_the_server_it_started(tmp_path: Path) -> None:
    """An archive whose embedded server is not running: the question starts it to
    answer, and stops it again."""
    database = EmbeddedDatabase(tmp_path)
    database.start()
    assert database.stop()
    assert database.status() is None
    assert any((tmp_path / "db").iterdir())

    done = hgcrawler("query", "top", "--data-dir", str(tmp_path))
    # an archive with nothing crawled yet: answered (exit 1, "empty"), not refused
    assert done.returncode in (0, 1), done.stderr
    assert "no archive in" not in done.stderr
    assert database.status() is None, "the question left the server it started running"


def test_a_question_leaves_a_running_server_running(tmp_path: Path) -> None:
    database = EmbeddedDatabase(tmp_path)
    database.start()
    try:
        done = hgcrawler("query", "top", "--data-dir", str(tmp_path))
        assert done.returncode in (0, 1), done.stderr
        assert database.status() is not None
    finally:
        database.stop()
