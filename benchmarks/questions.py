"""Every question of the archive, timed and counted, on a built archive.

For each ``hgcrawler query`` sub-command and ``hgcrawler report``:

- **in-process**: the :class:`hgcrawler.storage.reader.ArchiveReader` call alone, on
  a fresh reader each time (as a command makes one), several runs, min/median/max;
- **documents read**: a :class:`pymongo.monitoring.CommandListener` sums the
  documents the server returned to ``find``, ``getMore`` and ``aggregate``
  (first run);
- **whole command**: ``python -m hgcrawler.cli query …`` as a child process, one
  warm-up then several runs, wall seconds min/median/max.

Windows are given as dates relative to the archive's end (its last crawl), never
"7d" from now, so the answers do not depend on when the benchmark runs.
"""

from __future__ import annotations

import datetime as dt
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pymongo import MongoClient, monitoring
from pymongo.database import Database

from benchmarks.measure import child_env
from hgcrawler.show.report import write_report
from hgcrawler.storage.mongo import MongoArchiveStore
from hgcrawler.storage.reader import ArchiveReader

__all__ = ["DocumentCounter", "Question", "disk_usage", "questions", "time_questions"]

Db = Database[dict[str, Any]]
#: Whose replies carry documents: their ``cursor.firstBatch`` / ``nextBatch``.
READ_COMMANDS = frozenset({"find", "getMore", "aggregate"})


class DocumentCounter(monitoring.CommandListener):
    """Sums the documents the server returns to reads (``find``/``getMore``/``aggregate``)."""

    def __init__(self) -> None:
        self.documents = 0
        self.commands = 0

    def reset(self) -> None:
        self.documents = self.commands = 0

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        pass

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        self.commands += 1
        if event.command_name not in READ_COMMANDS:
            return
        cursor = (event.reply or {}).get("cursor") or {}
        batch = cursor.get("firstBatch", cursor.get("nextBatch")) or []
        self.documents += len(batch)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


@dataclass(frozen=True)
class Question:
    name: str
    window: bool  # about a bounded window: must not depend on the history's length
    ask: Callable[[ArchiveReader], Any]
    argv: tuple[str, ...]  # ``hgcrawler`` arguments (before the archive options)


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M")


def questions(end: dt.datetime, article: str, out_dir: Path) -> list[Question]:
    """The questions asked of an archive whose last crawl ended at ``end``."""
    week = end - dt.timedelta(days=7)
    since = week.replace(second=0, microsecond=0)
    report = out_dir / "report.html"

    def last_crawl_changes(reader: ArchiveReader) -> Any:
        crawl = reader.last_crawl()
        assert crawl is not None
        return reader.changes(crawl["started_at"].replace(microsecond=0))

    return [
        Question("top", False, lambda r: r.top(limit=10), ("query", "top")),
        Question(
            "top --category",
            False,
            lambda r: r.top(limit=10, category=r.resolve_category("kinh-te")),
            ("query", "top", "--category", "kinh-te"),
        ),
        Question(
            "top --seen-since 7d",
            True,
            lambda r: r.top(limit=10, seen_since=since, seen_until=end),
            ("query", "top", "--seen-since", _iso(since), "--seen-until", _iso(end)),
        ),
        Question(
            "history ARTICLE", False, lambda r: r.history(article), ("query", "history", article)
        ),
        Question("growth", False, lambda r: r.growth(limit=10), ("query", "growth")),
        Question(
            "growth --since 7d",
            True,
            lambda r: r.growth(limit=10, since=since, until=end),
            ("query", "growth", "--since", _iso(since), "--until", _iso(end)),
        ),
        Question(
            "changes --since 7d",
            True,
            lambda r: r.changes(since),
            ("query", "changes", "--since", _iso(since)),
        ),
        Question("changes (last crawl)", True, last_crawl_changes, ("query", "changes")),
        Question(
            'search "thuong truc tinh uy"',
            False,
            lambda r: r.search("thuong truc tinh uy"),
            ("query", "search", "thuong", "truc", "tinh", "uy"),
        ),
        Question(
            "search one word (dang)",
            False,
            lambda r: r.search("dang"),
            ("query", "search", "dang"),
        ),
        Question("stats", False, lambda r: r.stats(), ("query", "stats")),
        Question(
            "report",
            False,
            lambda r: write_report(r, report, since=since),
            ("report", "--out", str(report), "--since", _iso(since)),
        ),
    ]


def _spread(values: Sequence[float], digits: int = 3) -> dict[str, float]:
    return {
        "min": round(min(values), digits),
        "median": round(statistics.median(values), digits),
        "max": round(max(values), digits),
    }


def whole_command(argv: Sequence[str], runs: int, timeout: float = 300) -> dict[str, Any]:
    """Wall seconds of ``python -m hgcrawler.cli ARGV``: one warm-up, then ``runs``."""
    command = [sys.executable, "-m", "hgcrawler.cli", *argv]
    seconds: list[float] = []
    code = 0
    for run in range(runs + 1):
        started = time.perf_counter()
        done = subprocess.run(
            command, capture_output=True, env=child_env(), timeout=timeout, check=False
        )
        elapsed = time.perf_counter() - started
        code = done.returncode or code
        if run:
            seconds.append(elapsed)
        if done.returncode != 0:
            return {"error": done.stderr.decode("utf-8", "replace")[-1000:], "returncode": code}
    return {"seconds": _spread(seconds), "runs": runs}


def time_questions(
    uri: str,
    database: str,
    data_dir: Path,
    end: dt.datetime,
    article: str,
    *,
    runs: int = 5,
    command_runs: int = 3,
    log: Callable[[str], None] = lambda message: None,
) -> dict[str, Any]:
    """Every question, in-process and as a whole command, with the documents read."""
    counter = DocumentCounter()
    client: MongoClient[dict[str, Any]] = MongoClient(uri, tz_aware=True, event_listeners=[counter])
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="hgcrawler-questions-") as tmp:
        for question in questions(end, article, Path(tmp)):
            seconds: list[float] = []
            documents = commands = 0
            for run in range(runs):
                reader = ArchiveReader(client[database])
                counter.reset()
                started = time.perf_counter()
                question.ask(reader)
                seconds.append(time.perf_counter() - started)
                if run == 0:
                    documents, commands = counter.documents, counter.commands
            figures: dict[str, Any] = {
                "window": question.window,
                "in_process": _spread(seconds),
                "documents_read": documents,
                "commands": commands,
            }
            if command_runs:
                argv = (*question.argv, "--data-dir", str(data_dir), "--database", database)
                figures["command"] = whole_command(argv, command_runs)
            results[question.name] = figures
            command = figures.get("command", {}).get("seconds", {}).get("median")
            log(
                f"    {question.name:<30} {figures['in_process']['median']:>7.3f} s in-process"
                f"  {documents:>7} documents read"
                + (f"  {command:.2f} s whole command" if command is not None else "")
            )
    client.close()
    return results


def time_plan(uri: str, database: str, end: dt.datetime, runs: int = 3) -> dict[str, Any]:
    """``MongoArchiveStore.load_plan`` (full and incremental) at ``end``."""
    figures: dict[str, Any] = {}
    store = MongoArchiveStore(uri, database)
    try:
        for mode in ("full", "incremental"):
            seconds = []
            for _ in range(runs):
                started = time.perf_counter()
                plan = store.load_plan(mode, end)
                seconds.append(time.perf_counter() - started)
            figures[mode] = {
                "seconds": _spread(seconds),
                "known_articles": len(plan.known_articles),
                "due": len(plan.due),
            }
    finally:
        store.close()
    return figures


def disk_usage(db: Db, data_dir: Path, observations: int) -> dict[str, Any]:
    """``collStats`` of every collection, bytes per observation, and the directory's size."""
    collections: dict[str, Any] = {}
    for name in sorted(db.list_collection_names()):
        stats = db.command({"collStats": name})
        collections[name] = {
            "count": int(stats.get("count") or 0),
            "size": int(stats.get("size") or 0),
            "storage_size": int(stats.get("storageSize") or 0),
            "index_size": int(stats.get("totalIndexSize") or 0),
        }

    def of(*names: str, field: str = "storage_size") -> int:
        return sum(collections.get(name, {}).get(field, 0) for name in names)

    history = ("observations", "series", "series_days")
    per = observations or 1
    figures: dict[str, Any] = {
        "collections": collections,
        "observations": observations,
        "bytes_per_observation": {
            "observations": round(of("observations") / per, 1),
            "observations_indexes": round(of("observations", field="index_size") / per, 1),
            "series_and_days": round(of("series", "series_days") / per, 1),
            "history_total": round((of(*history) + of(*history, field="index_size")) / per, 1),
        },
        "separately_mb": {
            name: round((of(name) + of(name, field="index_size")) / 1e6, 1)
            for name in ("articles", "revisions", "postings", "crawls", "pages", "moves")
        },
        "indexes_mb": round(sum(c["index_size"] for c in collections.values()) / 1e6, 1),
        "total_mb": round(
            sum(c["storage_size"] + c["index_size"] for c in collections.values()) / 1e6, 1
        ),
    }
    figures["directory"] = directory_usage(data_dir / "db")
    return figures


def directory_usage(path: Path) -> dict[str, Any]:
    """``du`` of the server's directory, and its largest files (oplog, journal)."""
    files = [p for p in path.rglob("*") if p.is_file()]
    allocated = sum(p.stat().st_blocks * 512 for p in files)
    largest = sorted(files, key=lambda p: p.stat().st_size, reverse=True)[:6]
    journal = sum(p.stat().st_size for p in files if p.name.startswith("WiredTigerLog"))
    oplog = sum(p.stat().st_size for p in files if p.name.startswith("secantus_oplog"))
    return {
        "du_mb": round(allocated / 1e6, 1),
        "oplog_mb": round(oplog / 1e6, 1),
        "journal_mb": round(journal / 1e6, 1),
        "largest_files_mb": {p.name: round(p.stat().st_size / 1e6, 1) for p in largest},
    }
