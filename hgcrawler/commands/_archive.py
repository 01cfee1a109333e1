"""Shared by the commands that read the archive: finding it from the command
line, parsing dates, printing JSON, and turning archive errors into exit codes.

Exit codes: 0 ok, 1 nothing to answer with (unknown article, empty archive),
2 bad arguments (a date that cannot be read) or an unreachable database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hgcrawler.config import ArchiveConfig, ConfigError, archive_settings
from hgcrawler.read.text import iso_time
from hgcrawler.storage.reader import ArchiveQueryError, ArchiveReader

EXIT_OK = 0
EXIT_NOTHING = 1
EXIT_USAGE = 2


_RELATIVE = re.compile(r"^(\d+)\s*([hdw])$")
_UNITS = {"h": dt.timedelta(hours=1), "d": dt.timedelta(days=1), "w": dt.timedelta(weeks=1)}


class CommandError(Exception):
    """A problem to report in one line, with the exit code to return."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def add_archive_arguments(parser: argparse.ArgumentParser, *, sites: bool = False) -> None:
    """``--mongo-uri``, ``--database`` and ``--data-dir`` (and ``--site``)."""
    group = parser.add_argument_group("archive")
    if sites:
        group.add_argument(
            "--site",
            action="append",
            metavar="NAME",
            help="only this site (repeatable; default: every site in the archive)",
        )
    group.add_argument(
        "--mongo-uri",
        help="MongoDB URI (default: $MONGO_URI, else the embedded database in --data-dir)",
    )
    group.add_argument(
        "--database",
        help="database name (default: $HGCRAWLER_MONGO_DATABASE, else 'hgcrawler')",
    )
    group.add_argument("--data-dir", help="the embedded database's directory")


def add_json_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def parse_when(text: str, *, now: dt.datetime | None = None) -> dt.datetime:
    """A moment from the command line, as an aware UTC datetime.

    ``2026-11-01`` (00:00 UTC), ``2026-11-01T08:30`` (UTC unless an offset is
    given), ``7d`` / ``12h`` / ``2w`` (that long ago), ``today``, ``yesterday``.
    Raises :class:`CommandError` (exit 2) otherwise.
    """
    now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    value = text.strip().lower()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if value == "today":
        return midnight
    if value == "yesterday":
        return midnight - dt.timedelta(days=1)
    relative = _RELATIVE.match(value)
    if relative:
        return now - int(relative.group(1)) * _UNITS[relative.group(2)]
    try:
        if len(value) == 10:
            day = dt.date.fromisoformat(value)
            return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(
            f"bad date {text!r}: use YYYY-MM-DD, YYYY-MM-DDTHH:MM, 7d, 12h, 2w, today or yesterday"
        ) from None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def optional_when(text: str | None) -> dt.datetime | None:
    return None if text is None else parse_when(text)


def archive_config(args: argparse.Namespace) -> ArchiveConfig:
    """Where the command line's archive is: ``--mongo-uri``, ``--database``,
    ``--data-dir``, else the settings and environment (see ``hgcrawler.config``); read
    without loading Scrapy, so that a question starts fast."""
    overrides = {
        name: value
        for name, value in (
            ("HGCRAWLER_MONGO_URI", getattr(args, "mongo_uri", None)),
            ("HGCRAWLER_MONGO_DATABASE", getattr(args, "database", None)),
            ("HGCRAWLER_DATA_DIR", getattr(args, "data_dir", None)),
        )
        if value
    }
    try:
        return ArchiveConfig.from_settings(archive_settings(overrides))
    except ConfigError as exc:
        raise CommandError(str(exc)) from None


@contextmanager
def open_archive(args: argparse.Namespace) -> Iterator[ArchiveReader]:
    """A reader of the archive named by the command line, about its ``--site`` (all
    when none is given); :class:`CommandError` (exit 2) when it cannot be reached, or
    the connection is lost while the command reads, or it needs ``db migrate``."""
    from hgcrawler.storage import ArchiveUnreachable, SchemaError, open_reader

    try:
        with open_reader(archive_config(args), getattr(args, "site", None) or None) as reader:
            reader.check()
            yield reader
    except (ArchiveUnreachable, SchemaError) as exc:
        raise CommandError(str(exc)) from None


def output_path(out: str | None, default: Path) -> Path:
    """The file a command writes: ``out``, else ``default`` (whose directory,
    ``exports/``, the writer makes on first use). An ``out`` in a directory that
    does not exist is refused (:class:`CommandError`, exit 2): a typo must not
    scatter directories about."""
    if out is None:
        return default
    path = Path(out).expanduser()
    parent = path.parent
    if not parent.exists():
        raise CommandError(f"cannot write {path}: directory {parent} does not exist")
    if not parent.is_dir():
        raise CommandError(f"cannot write {path}: {parent} is not a directory")
    if path.is_dir():
        raise CommandError(f"cannot write {path}: it is a directory")
    return path


def run_guarded(prog: str, action: Callable[[], int]) -> int:
    """Run ``action``; archive and command errors become one line on stderr and an exit code."""
    try:
        return action()
    except CommandError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return exc.exit_code
    except ArchiveQueryError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return EXIT_NOTHING


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.date):
        return iso_time(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def to_json(value: Any) -> str:
    """JSON for scripts: UTC times as ``…Z`` ISO strings, non-ASCII kept."""
    return json.dumps(value, default=_json_default, ensure_ascii=False, indent=2)


def print_json(value: Any) -> None:
    print(to_json(value))
