"""``hgcrawler export articles|observations|revisions``: stream a collection to JSONL or CSV.

Written to a temporary file beside the target and renamed when complete, so a
cut-short export never leaves half a file under the final name. ``--out -``
writes to standard output.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from hgcrawler import query
from hgcrawler.commands._archive import (
    CommandError,
    add_archive_arguments,
    open_archive,
    optional_when,
    run_guarded,
)
from hgcrawler.export import COLLECTIONS, FORMATS, export

DEFAULT_DIR = Path("exports")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("collection", choices=list(COLLECTIONS), help="what to export")
    parser.add_argument("--format", choices=FORMATS, default="jsonl", help="default jsonl")
    parser.add_argument(
        "--since",
        metavar="DATE",
        help="articles seen or removed, observations made, revisions first seen since DATE",
    )
    parser.add_argument(
        "--out", metavar="PATH", help="file, or - for stdout (default exports/COLLECTION.FORMAT)"
    )
    add_archive_arguments(parser)


def run(args: argparse.Namespace) -> int:
    return run_guarded("hgcrawler export", lambda: _export(args))


def _export(args: argparse.Namespace) -> int:
    since = optional_when(args.since)
    target = args.out or str(DEFAULT_DIR / f"{args.collection}.{args.format}")
    with open_archive(args) as db:
        query.ensure_not_empty(db)
        if target == "-":
            export(db, args.collection, sys.stdout, args.format, since)
            return 0
        path = Path(target).expanduser()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(
                prefix=f".{path.name}.", suffix=".part", dir=path.parent
            )
        except OSError as exc:
            raise CommandError(f"cannot write {path}: {exc}") from None
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
                count = export(db, args.collection, out, args.format, since)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    print(f"{count:,} {args.collection} written to {path}", file=sys.stderr)
    return 0
