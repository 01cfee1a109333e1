"""``hgcrawler db``: manage the embedded database and replay the spill journal."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from hgcrawler.commands._archive import CommandError, check_reachable, mongo_client
from hgcrawler.config import default_data_dir
from hgcrawler.storage import (
    DatabaseError,
    EmbeddedDatabase,
    MongoArchiveStore,
    SpillJournal,
    StoreError,
    mask_uri,
    resolve_mongo_uri,
)

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action",
        choices=("start", "stop", "status", "uri", "replay"),
        help="start/stop the embedded SecantusDB server, show its status or URI, "
        "or write records left in the spill journal to the database",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="data directory (default: $HGCRAWLER_DATA_DIR or ~/.local/share/hgcrawler)",
    )
    parser.add_argument(
        "--mongo-uri",
        default=None,
        help="replay into this MongoDB instead of the embedded one (default: $MONGO_URI)",
    )
    parser.add_argument(
        "--database", default="hgcrawler", help="database name (default: hgcrawler)"
    )
    parser.add_argument("--json", action="store_true", help="status as JSON")


def run(args: argparse.Namespace) -> int:
    """Exit 0 done, 1 the embedded server or a replay failed, 2 the database to
    replay into cannot be reached, 3 (``status``) not running."""
    data_dir: Path = (args.data_dir or default_data_dir()).expanduser()
    try:
        if args.action == "start":
            info = EmbeddedDatabase(data_dir).start()
            print(info["uri"])
            return 0
        if args.action == "stop":
            stopped = EmbeddedDatabase(data_dir).stop()
            print("stopped" if stopped else "not running")
            return 0
        if args.action == "status":
            return _status(data_dir, as_json=args.json)
        if args.action == "uri":
            print(EmbeddedDatabase(data_dir).uri)
            return 0
        return _replay(args, data_dir)
    except (DatabaseError, StoreError) as exc:
        print(f"hgcrawler db {args.action}: {exc}", file=sys.stderr)
        return 1
    except CommandError as exc:
        print(f"hgcrawler db {args.action}: {exc}", file=sys.stderr)
        return exc.exit_code


def _status(data_dir: Path, *, as_json: bool) -> int:
    info = EmbeddedDatabase(data_dir).status()
    if as_json:
        print(json.dumps(info, indent=2))
    elif info is None:
        print(f"not running (data directory {data_dir})")
    else:
        print(f"running: pid {info['pid']}, {info['uri']}, since {info['started_at']}")
        print(f"data: {data_dir / 'db'}; log: {info['log']}")
    journal = SpillJournal(data_dir / "journal")
    pending = (
        sum(
            SpillJournal(path).pending_count()
            for path in sorted(journal.path.iterdir())
            if path.is_dir()
        )
        if journal.path.is_dir()
        else 0
    )
    if pending and not as_json:
        print(f"{pending} journalled records wait for `hgcrawler db replay`")
    return 0 if info is not None else 3


def _replay(args: argparse.Namespace, data_dir: Path) -> int:
    config_uri = args.mongo_uri or os.environ.get("MONGO_URI", "")
    journal = SpillJournal(data_dir / "journal" / args.database)
    pending = journal.pending_count()
    if not pending:
        print(f"nothing to replay in {journal.path}")
        return 0
    uri, _ = resolve_mongo_uri(config_uri, data_dir, start=True)
    client = mongo_client(uri)
    try:
        check_reachable(client, uri)
    finally:
        client.close()
    store = MongoArchiveStore(uri, args.database)
    try:
        store.ensure_indexes()
        result = journal.replay(store)
    finally:
        store.close()
    print(
        f"replayed {pending} records into {args.database} on {mask_uri(uri)}: "
        f"{result.new} new, {result.revisited} revisited, {result.changed} changed, "
        f"{result.rejected} rejects, {result.pages} pages, "
        f"{result.duplicates} already there"
    )
    return 0
