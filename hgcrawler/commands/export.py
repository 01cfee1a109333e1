"""``hgcrawler export articles|observations|revisions``: stream a collection to JSONL or CSV.

Written to a temporary file beside the target and renamed when complete, so a
cut-short export never leaves half a file under the final name; the file gets
the mode ``open(path, "w")`` would give it (the umask is respected). ``--out -``
writes to standard output. ``--out`` in a directory that does not exist is
refused; the default ``exports/`` is made on first use.
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
import tempfile
from pathlib import Path

from hgcrawler.commands._archive import (
    CommandError,
    add_archive_arguments,
    open_archive,
    optional_when,
    output_path,
    run_guarded,
)
from hgcrawler.show.export import COLLECTIONS, FORMATS, export

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
    add_archive_arguments(parser, sites=True)


def run(args: argparse.Namespace) -> int:
    return run_guarded("hgcrawler export", lambda: _export(args))


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _export(args: argparse.Namespace) -> int:
    since = optional_when(args.since)
    to_stdout = args.out == "-"
    default = DEFAULT_DIR / f"{args.collection}.{args.format}"
    path = None if to_stdout else output_path(args.out, default)
    with open_archive(args) as reader:
        reader.ensure_not_empty()
        if path is None:
            export(reader, args.collection, sys.stdout, args.format, since)
            return 0
        # the mode open(path, "w") would give: an existing file's, else 0o666 less the umask
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except FileNotFoundError:
            mode = 0o666 & ~_umask()
        try:
            path.parent.mkdir(exist_ok=True)  # only the default exports/ can be missing
            handle, temporary = tempfile.mkstemp(
                prefix=f".{path.name}.", suffix=".part", dir=path.parent
            )
        except OSError as exc:
            raise CommandError(f"cannot write {path}: {exc.strerror or exc}") from None
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
                os.fchmod(out.fileno(), mode)
                count = export(reader, args.collection, out, args.format, since)
            os.replace(temporary, path)
        except OSError as exc:
            Path(temporary).unlink(missing_ok=True)
            raise CommandError(f"cannot write {path}: {exc.strerror or exc}") from None
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    print(f"{count:,} {args.collection} written to {path}", file=sys.stderr)
    return 0
