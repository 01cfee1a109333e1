"""The archive part of the benchmark: two archives of the same articles, one month and
three years of history, every question timed on both, disk per observation, WARC.

The archives are built by :mod:`benchmarks.archive` into their own embedded
servers under ``archive_dir`` (one directory per archive, named by what was
built), and reused by later runs: a run that finds both skips building (the build's
figures are those of the run that built them, kept in ``built.json``).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pymongo import MongoClient

from benchmarks.archive import ArchiveSpec, build_archive
from benchmarks.measure import ratio
from benchmarks.questions import disk_usage, time_plan, time_questions

__all__ = ["bench_archive", "ensure_archive"]

DATABASE = "hgcrawler"


def ensure_archive(
    spec: ArchiveSpec,
    archive_dir: Path,
    *,
    end: dt.datetime | None,
    log: Callable[[str], None],
    rebuild: bool = False,
) -> tuple[Path, dict[str, Any]]:
    """The data directory of ``spec``'s archive (built unless cached) and its summary."""
    from hgcrawler.storage.embedded import EmbeddedDatabase

    root = archive_dir / spec.key()
    marker = root / "built.json"
    if marker.exists() and not rebuild:
        summary: dict[str, Any] = json.loads(marker.read_text(encoding="utf-8"))
        if end is None or summary.get("end") == end.isoformat():
            log(f"  reusing the archive in {root} (built {summary.get('built_at')})")
            EmbeddedDatabase(root).start()
            return root, summary
    database = EmbeddedDatabase(root)
    if root.exists():
        database.stop()
        shutil.rmtree(root)
    root.mkdir(parents=True)
    database.start()
    client: MongoClient[dict[str, Any]] = MongoClient(database.uri, tz_aware=True)
    log(f"  building {spec.articles:,} articles over {spec.days} days into {root} ...")
    started = time.perf_counter()
    try:
        built = build_archive(client[DATABASE], database.uri, spec, end=end, log=log)
    finally:
        client.close()
    summary = built.summary()
    summary["built_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    summary["build_seconds"] = round(time.perf_counter() - started, 1)
    marker.write_text(json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8")
    log(f"  built in {summary['build_seconds']} s: {summary['observations']:,} observations")
    return root, summary


def bench_archive(
    *,
    articles: int,
    days: tuple[int, int],
    archive_dir: Path,
    runs: int = 5,
    command_runs: int = 3,
    rebuild: bool = False,
    empty_sample: int = 2000,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Build (or reuse) both archives, then time every question on each."""
    from hgcrawler.storage.embedded import EmbeddedDatabase

    archive_dir = archive_dir.resolve()  # the server runs in its own directory
    result: dict[str, Any] = {"articles": articles, "days": list(days), "archives": {}}
    end: dt.datetime | None = None
    for length in sorted(days, reverse=True):  # the longest first: the others share its end
        spec = ArchiveSpec(articles=articles, days=length, empty_sample=empty_sample)

        root, summary = ensure_archive(spec, archive_dir, end=end, log=log, rebuild=rebuild)
        end = dt.datetime.fromisoformat(summary["end"])
        result["archives"][str(length)] = {"data_dir": str(root), "build": summary}
    assert end is not None
    result["end"] = end.isoformat()
    for length in sorted(days):
        entry = result["archives"][str(length)]
        root = Path(entry["data_dir"])
        summary = entry["build"]
        database = EmbeddedDatabase(root)
        uri = database.start()["uri"]
        log(f"[archive {articles:,} articles, {length} days] questions ...")
        client: MongoClient[dict[str, Any]] = MongoClient(uri, tz_aware=True)
        try:
            entry["questions"] = time_questions(
                uri,
                DATABASE,
                root,
                end,
                str(summary["sample_article"]),
                runs=runs,
                command_runs=command_runs,
                log=log,
            )
            entry["load_plan"] = time_plan(uri, DATABASE, end)
            empty = f"{DATABASE}_empty_plan"
            client.drop_database(empty)
            entry["load_plan_empty"] = time_plan(uri, empty, end)
            client.drop_database(empty)
            entry["disk"] = disk_usage(client[DATABASE], root, int(summary["observations"]))
        finally:
            client.close()
        database.stop()
    result["comparison"] = compare(result)
    return result


def compare(result: dict[str, Any]) -> dict[str, Any]:
    """Long history ÷ short history, question by question."""
    lengths = sorted(result["archives"], key=int)
    short, long = (result["archives"][n] for n in (lengths[0], lengths[-1]))
    rows: dict[str, Any] = {}
    for name, figures in long.get("questions", {}).items():
        other = short["questions"].get(name, {})
        rows[name] = {
            "window": figures["window"],
            "in_process_ratio": ratio(
                figures["in_process"]["median"], other.get("in_process", {}).get("median")
            ),
            "documents_read": [other.get("documents_read"), figures["documents_read"]],
            "same_documents": other.get("documents_read") == figures["documents_read"],
        }
    writes = {}
    for label, archive in (("short", short), ("long", long)):
        full = archive["build"].get("write_batch", {}).get("full", {})
        writes[label] = full.get("records_per_s")
    empty = long["build"].get("write_batch_empty", {}).get("records_per_s")
    plan = {
        label: archive.get("load_plan", {}).get("full", {}).get("seconds", {}).get("median")
        for label, archive in (("short", short), ("long", long))
    }
    return {
        "questions": rows,
        "write_batch_records_per_s": {**writes, "empty_archive": empty},
        "write_batch_long_vs_short": ratio(writes["long"], writes["short"]),
        "write_batch_long_vs_empty": ratio(writes["long"], empty),
        "load_plan_seconds": plan,
        "load_plan_long_vs_short": ratio(plan["long"], plan["short"]),
    }
