"""``hgcrawler demo``: the main job, offline.

Starts the replica portal on loopback and the embedded database, crawls day 1
in full, moves the replica forward a day at a time with an incremental crawl
after each, ends with a full crawl, and prints what the archive now knows. Each
crawl is a separate ``hgcrawler crawl`` process, exactly as cron runs it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
from pathlib import Path
from typing import Any

from hgcrawler.config import default_data_dir

DEMO_DATABASE = "hgcrawler_demo"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--articles", type=int, default=120, help="replica size on day 1")
    parser.add_argument("--days", type=int, default=4, help="replica days to crawl")
    parser.add_argument("--data-dir", help="where the embedded database lives")
    parser.add_argument("--mongo-uri", help="use this MongoDB instead of the embedded one")
    parser.add_argument("--database", default=DEMO_DATABASE, help="database name (dropped first)")


def _crawl(args: argparse.Namespace, base_url: str, mode: str, data_dir: Path) -> int:
    command = [
        sys.executable,
        "-m",
        "hgcrawler.cli",
        "crawl",
        "--mode",
        mode,
        "--fast",
        "--start-url",
        base_url,
        "--data-dir",
        str(data_dir),
        "-s",
        f"HGCRAWLER_MONGO_DATABASE={args.database}",
        "-s",
        "LOG_LEVEL=WARNING",
        "-s",
        "HGCRAWLER_SLUG_IDS=1",  # the replica's URLs end in its ids
    ]
    if args.mongo_uri:
        command += ["--mongo-uri", args.mongo_uri]
    return subprocess.run(command, check=False).returncode


def _title(doc: dict[str, Any], width: int = 70) -> str:
    title = str(doc.get("title") or doc.get("_id"))
    return title if len(title) <= width else title[: width - 1] + "…"


def run(args: argparse.Namespace) -> int:
    from pymongo import MongoClient

    from hgcrawler import query
    from hgcrawler.replica import ReplicaServer, ReplicaSite
    from hgcrawler.storage.embedded import DatabaseError
    from hgcrawler.storage.uri import resolve_mongo_uri

    data_dir = Path(args.data_dir).expanduser() if args.data_dir else default_data_dir()
    try:
        uri, _ = resolve_mongo_uri(args.mongo_uri or "", data_dir)
    except DatabaseError as exc:
        print(f"hgcrawler demo: {exc}", file=sys.stderr)
        return 2
    client: MongoClient[dict[str, Any]] = MongoClient(
        uri, serverSelectionTimeoutMS=5000, tz_aware=True
    )
    client.drop_database(args.database)
    db = client[args.database]
    site = ReplicaSite(articles=args.articles, day=1)
    failures = 0
    with ReplicaServer(site) as server:
        print(f"Replica portal at {server.base_url} ({args.articles} articles on day 1)")
        print(f"Archive: database {args.database!r} on the embedded SecantusDB in {data_dir}\n")
        after_day1: dt.datetime | None = None
        for day in range(1, args.days + 1):
            site.set_day(day)
            mode = "full" if day in (1, args.days) else "incremental"
            print(f"=== day {day}: {mode} crawl ===", flush=True)
            code = _crawl(args, server.base_url, mode, data_dir)
            failures += code != 0
            print(flush=True)
            if day == 1:
                after_day1 = dt.datetime.now(dt.UTC)
    assert after_day1 is not None
    totals = query.totals(db)
    print("=== what the archive knows ===")
    print(
        f"{totals['articles']} articles ({totals['removed']} removed, {totals['edited']} edited, "
        f"{totals['moved']} moved), {totals['revisions']} revisions, "
        f"{totals['observations']} view-count observations, {totals['crawls']} crawls, "
        f"{totals['rejects']} rejected pages"
    )
    changes = query.changes_since(db, after_day1)
    for label in ("new", "edited", "removed", "moved"):
        docs = changes[label]
        print(f"\n{label.capitalize()} since day 1: {len(docs)}")
        for doc in docs[:5]:
            print(f"  {doc['_id']:>8}  {_title(doc)}")
        if len(docs) > 5:
            print(f"  … and {len(docs) - 5} more")
    print("\nFastest-growing view counts (first → last observation):")
    for row in query.view_gains(db, limit=5):
        print(
            f"  {row['article_id']:>8}  {row['first_views']:>6} → {row['last_views']:<6} "
            f"(+{row['gained']})  {_title(row, 50)}"
        )
    print(f"\nExplore: hgcrawler db uri --data-dir {data_dir}  (then mongosh, Compass or pymongo)")
    client.close()
    return 1 if failures else 0
