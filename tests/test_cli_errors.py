"""What a user sees when a command cannot do its job: one line on stderr naming
the problem, and the documented exit code, never a traceback.

Run as a user runs them: ``python -m hgcrawler.cli`` in a subprocess.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.crawling import ROOT

#: Nothing listens on port 1; the URI carries credentials that must never be printed.
UNREACHABLE = "mongodb://reader:s3cret@127.0.0.1:1/?serverSelectionTimeoutMS=500"
MASKED = "mongodb://***:***@127.0.0.1:1/?serverSelectionTimeoutMS=500"
REFUSED = "127.0.0.1:1: [Errno 111] Connection refused"


def hgcrawler(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hgcrawler.cli", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    """The single line on stderr (fails on a traceback or anything more)."""
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


# --- an unreachable database ------------------------------------------------------------


def spill_a_record(journal: Path) -> None:
    """A record left in the spill journal by a crawl that has ended (another process)."""
    code = (
        "import sys; from pathlib import Path; from hgcrawler.storage import SpillJournal; "
        "j = SpillJournal(Path(sys.argv[1]), crawl_id='c1'); "
        "j.append({'type': 'page', 'url': 'https://haugiang.dcs.vn/'}); j.seal()"
    )
    subprocess.run([sys.executable, "-c", code, str(journal)], cwd=ROOT, check=True)


@pytest.mark.parametrize(
    ("prog", "args"),
    [
        ("query top", ["query", "top"]),
        ("query history", ["query", "history", "39993"]),
        ("query growth", ["query", "growth"]),
        ("query changes", ["query", "changes"]),
        ("query search", ["query", "search", "tỉnh"]),
        ("query stats", ["query", "stats"]),
        ("export", ["export", "articles", "--out", "-"]),
        ("plot", ["plot", "39993", "--out", "{tmp}/views.png"]),
        ("report", ["report", "--out", "{tmp}/report.html"]),
        ("warc show", ["warc", "show", "39993"]),
        ("db replay", ["db", "replay"]),
    ],
)
def test_an_unreachable_database_is_one_line_and_exit_2(
    prog: str, args: list[str], tmp_path: Path
) -> None:
    if prog == "db replay":  # it contacts the database only when there is something to send
        spill_a_record(tmp_path / "journal" / "hgcrawler")
    args = [arg.replace("{tmp}", str(tmp_path)) for arg in args]
    done = hgcrawler(*args, "--mongo-uri", UNREACHABLE, "--data-dir", str(tmp_path))
    assert one_line(done) == f"hgcrawler {prog}: cannot reach MongoDB at {MASKED}: {REFUSED}"
    assert done.returncode == 2
    assert "s3cret" not in done.stdout + done.stderr
    assert not list(tmp_path.glob("*.png")) and not list(tmp_path.glob("*.html"))


def test_the_mongo_uri_environment_variable_is_masked_too(tmp_path: Path) -> None:
    done = hgcrawler("query", "top", "--data-dir", str(tmp_path), env={"MONGO_URI": UNREACHABLE})
    assert one_line(done) == f"hgcrawler query top: cannot reach MongoDB at {MASKED}: {REFUSED}"
    assert done.returncode == 2


def test_an_unreadable_mongo_uri_is_one_line_and_exit_2() -> None:
    done = hgcrawler("export", "articles", "--mongo-uri", "mongodb://u:pw@[::1")
    assert one_line(done) == (
        "hgcrawler export: bad MongoDB URI mongodb://***:***@[::1: an IPv6 address literal "
        "must be enclosed in '[' and ']' according to RFC 2732."
    )
    assert done.returncode == 2
