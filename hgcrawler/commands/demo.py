"""``hgcrawler demo``: the main job, offline.

Starts the replica portal on loopback and the embedded database, crawls day 1
in full, moves the replica forward a day at a time with an incremental crawl
after each, ends with a full crawl, and prints what the archive now knows. Each
crawl is a separate ``hgcrawler crawl`` process, exactly as cron runs it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

from hgcrawler.read.urls import short_id
from hgcrawler.storage.demo import DEMO_DATABASE


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--articles", type=int, default=120, help="replica size on day 1")
    parser.add_argument("--days", type=int, default=4, help="replica days to crawl")
    parser.add_argument("--data-dir", help="where the embedded database lives")
    parser.add_argument("--mongo-uri", help="use this MongoDB instead of the embedded one")
    parser.add_argument(
        "--database",
        default=DEMO_DATABASE,
        help="database name (default %(default)s); dropped first if an earlier demo made it, "
        "never if it holds other crawls",
    )


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


def _where(args: argparse.Namespace, uri: str) -> list[str]:
    """The options that point a command at the demo's archive (credentials masked)."""
    from hgcrawler.storage.uri import mask_uri

    where = ["--database", args.database]
    if args.mongo_uri:
        where += ["--mongo-uri", mask_uri(uri)]
    elif args.data_dir:
        where += ["--data-dir", args.data_dir]
    return where


def browse_command(args: argparse.Namespace, uri: str) -> str:
    """The command that serves the demo's archive to a browser (``hgcrawler serve``)."""
    return shlex.join(["hgcrawler", "serve", *_where(args, uri)])


def explore_commands(args: argparse.Namespace, uri: str, article: str | None) -> list[str]:
    """Commands to copy and paste that read the demo's archive."""
    where = _where(args, uri)
    commands = [["query", "top"], ["query", "changes"]]
    if article is not None:
        commands.append(["query", "history", article])
    commands.append(["report"])
    return [shlex.join(["hgcrawler", *command, *where]) for command in commands]


def run(args: argparse.Namespace) -> int:
    from hgcrawler.commands._archive import archive_config
    from hgcrawler.storage import ArchiveReader, ArchiveUnreachable, archive_uri, open_database
    from hgcrawler.storage.demo import reset_demo_database

    config = archive_config(args)
    data_dir = config.data_dir
    try:
        with open_database(config) as db:
            uri = archive_uri(config)
            refusal = reset_demo_database(db)
            if refusal is not None:
                print(f"hgcrawler demo: {refusal}", file=sys.stderr)
                return 2
            failures = _crawl_days(args, db, uri, data_dir)
            _tell(args, ArchiveReader(db), uri, data_dir)
    except ArchiveUnreachable as exc:
        print(f"hgcrawler demo: {exc}", file=sys.stderr)
        return 2
    return 1 if failures else 0


def _crawl_days(args: argparse.Namespace, db: Any, uri: str, data_dir: Path) -> int:
    from hgcrawler.replica import ReplicaServer, ReplicaSite
    from hgcrawler.storage.uri import mask_uri

    site = ReplicaSite(articles=args.articles, day=1)
    failures = 0
    with ReplicaServer(site) as server:
        print(f"Replica portal at {server.base_url} ({args.articles} articles on day 1)")
        server_text = mask_uri(uri) if args.mongo_uri else f"the embedded SecantusDB in {data_dir}"
        print(f"Archive: database {args.database!r} on {server_text}\n")
        for day in range(1, args.days + 1):
            site.set_day(day)
            mode = "full" if day in (1, args.days) else "incremental"
            print(f"=== day {day}: {mode} crawl ===", flush=True)
            code = _crawl(args, server.base_url, mode, data_dir)
            failures += code != 0
            print(flush=True)
            if day == 1:
                args.after_day1 = dt.datetime.now(dt.UTC)
    return failures


def _tell(args: argparse.Namespace, reader: Any, uri: str, data_dir: Path) -> None:
    """What the archive now knows, and the commands to explore it."""
    from hgcrawler.storage.uri import mask_uri

    totals = reader.totals()
    print("=== what the archive knows ===")
    print(
        f"{totals['articles']} articles ({totals['removed']} removed, {totals['edited']} edited, "
        f"{totals['moved']} moved), {totals['revisions']} revisions, "
        f"{totals['observations']} view-count observations, {totals['crawls']} crawls, "
        f"{totals['rejects']} rejected pages"
    )
    changes = reader.changes(args.after_day1)
    for label in ("new", "edited", "removed", "moved"):
        docs = changes[label]
        print(f"\n{label.capitalize()} since day 1: {len(docs)}")
        for doc in docs[:5]:
            print(f"  {short_id(doc['_id']):>10}  {_title(doc)}")
        if len(docs) > 5:
            print(f"  … and {len(docs) - 5} more")
    # The replica's days pass in seconds here, so a rate per real day would be
    # absurd: the demo shows the views gained between the first and last visit.
    print(
        "\nMost views gained, sorted by views gained between the first and last "
        "observation (the demo's days pass in seconds, so no rate a day):"
    )
    gained = sorted(reader.growth(limit=10_000), key=lambda r: (-r["gained"], str(r["article_id"])))
    for row in gained[:5]:
        print(
            f"  {short_id(row['article_id']):>10}  {row['first_views']:>6} → "
            f"{row['last_views']:<6} (+{row['gained']})  {_title(row, 50)}"
        )
    edited = changes["edited"] or changes["new"]
    article = short_id(str(edited[0]["_id"])) if edited else None  # what a person types
    print(
        f"\nExplore (the demo's archive is database {args.database!r}; "
        "hgcrawler crawl writes to 'hgcrawler'):"
    )
    for command in explore_commands(args, uri, article):
        print(f"  {command}")
    if args.mongo_uri and mask_uri(uri) != uri:
        print("  # credentials are masked above: put yours back in --mongo-uri")
    if not args.mongo_uri:
        uri_command = shlex.join(["hgcrawler", "db", "uri", "--data-dir", str(data_dir)])
        print(f"  {uri_command}  # the URI, for mongosh, Compass or pymongo")
    print("\nBrowse it (read-only, on this machine only; then open the address it prints):")
    print(f"  {browse_command(args, uri)}")
