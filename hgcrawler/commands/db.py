"""``hgcrawler db``: manage the embedded database and replay the spill journal."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from hgcrawler.commands._archive import CommandError, archive_config
from hgcrawler.storage import (
    ArchiveUnreachable,
    DatabaseError,
    EmbeddedDatabase,
    SpillJournal,
    StoreError,
    archive_uri,
    mask_uri,
    open_database,
    open_store,
)

if TYPE_CHECKING:
    from hgcrawler.config import ArchiveConfig

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action",
        choices=("start", "stop", "status", "uri", "replay", "migrate"),
        help="start/stop the embedded SecantusDB server, show its status or URI, "
        "write records left in the spill journal to the database, or upgrade an archive "
        "written by an earlier release in place",
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
        help="replay into or migrate this MongoDB instead of the embedded one "
        "(default: $MONGO_URI)",
    )
    parser.add_argument(
        "--database",
        default=None,
        help="database name (default: $HGCRAWLER_MONGO_DATABASE, else hgcrawler)",
    )
    parser.add_argument(
        "--site",
        default=None,
        help="migrate: the site the archive's documents belong to (default: haugiang)",
    )
    parser.add_argument("--json", action="store_true", help="status as JSON")


def run(args: argparse.Namespace) -> int:
    """Exit 0 done, 1 the embedded server, a replay or a migration failed, 2 the
    database cannot be reached, 3 (``status``) not running."""
    try:
        data_dir: Path = archive_config(args).data_dir
    except CommandError as exc:
        print(f"hgcrawler db {args.action}: {exc}", file=sys.stderr)
        return exc.exit_code
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
        if args.action == "migrate":
            return _migrate(args)
        return _replay(args)
    except ArchiveUnreachable as exc:
        print(f"hgcrawler db {args.action}: {exc}", file=sys.stderr)
        return 2
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


def _replay(args: argparse.Namespace) -> int:
    config = archive_config(args)
    journal = SpillJournal(config.journal_dir)
    pending = journal.pending_count()
    if not pending:
        print(f"nothing to replay in {journal.path}")
        return 0
    with open_database(config):  # reachable, or one line and exit 2
        uri = archive_uri(config)
    store = open_store(config, args.site or "haugiang")
    try:
        store.ensure_indexes()
        result = journal.replay(store)
    finally:
        store.close()
    print(
        f"replayed {pending} records into {config.database} on {mask_uri(uri)}: "
        f"{result.new} new, {result.revisited} revisited, {result.changed} changed, "
        f"{result.rejected} rejects, {result.pages} pages, "
        f"{result.duplicates} already there"
    )
    return 0


def _profile_hosts(config: ArchiveConfig) -> dict[str, list[str]]:
    """Per site, the hosts its profile knows it by (start URL's first): schema 4 joins
    the pages archived at any of them."""
    from urllib.parse import urlsplit

    from hgcrawler.config import sites_dir
    from hgcrawler.crawl.runner import project_settings
    from hgcrawler.sites import load_profiles

    profiles, _ = load_profiles(sites_dir(project_settings({}), config.data_dir))
    return {
        profile.name: [urlsplit(profile.start_url).hostname or "", *profile.allowed_hosts]
        for profile in profiles
    }


def _migrate(args: argparse.Namespace) -> int:
    from hgcrawler.storage.migrate import migrate

    config = archive_config(args)
    with open_database(config) as db:
        report = migrate(
            db,
            site=args.site or "haugiang",
            progress=lambda line: print(f"hgcrawler db migrate: {line}", flush=True),
            hosts=_profile_hosts(config),
        )
    print(report)
    return 0
