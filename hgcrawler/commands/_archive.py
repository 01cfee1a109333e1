"""Shared by the commands that read the archive: finding it from the command
line, parsing dates, printing JSON, and turning archive errors into exit codes.

Exit codes: 0 ok, 1 nothing to answer with (unknown article, empty archive),
2 bad arguments (a date that cannot be read) or an unreachable database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hgcrawler.export import iso_time
from hgcrawler.query import ArchiveQueryError, Db

EXIT_OK = 0
EXIT_NOTHING = 1
EXIT_USAGE = 2

DEFAULT_DATABASE = "hgcrawler"

_RELATIVE = re.compile(r"^(\d+)\s*([hdw])$")
_UNITS = {"h": dt.timedelta(hours=1), "d": dt.timedelta(days=1), "w": dt.timedelta(weeks=1)}


class CommandError(Exception):
    """A problem to report in one line, with the exit code to return."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def add_archive_arguments(parser: argparse.ArgumentParser) -> None:
    """``--mongo-uri``, ``--database`` and ``--data-dir``."""
    group = parser.add_argument_group("archive")
    group.add_argument(
        "--mongo-uri",
        help="MongoDB URI (default: $MONGO_URI, else the embedded database in --data-dir)",
    )
    group.add_argument(
        "--database",
        help=f"database name (default: $HGCRAWLER_MONGO_DATABASE, else {DEFAULT_DATABASE!r})",
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


def _mongo_settings(args: argparse.Namespace) -> tuple[str, str, Path]:
    from hgcrawler.config import default_data_dir

    uri = args.mongo_uri or os.environ.get("MONGO_URI", "")
    database = args.database or os.environ.get("HGCRAWLER_MONGO_DATABASE") or DEFAULT_DATABASE
    data_dir = Path(args.data_dir).expanduser() if args.data_dir else default_data_dir()
    return uri, database, data_dir


def mongo_client(uri: str) -> Any:
    """A client for ``uri`` that fails fast: 5 s to find the server unless the
    URI sets ``serverSelectionTimeoutMS``; :class:`CommandError` for a URI that
    cannot be read."""
    from pymongo import MongoClient
    from pymongo.errors import PyMongoError

    from hgcrawler.storage.uri import mask_uri, mongo_error_reason

    options: dict[str, Any] = {"tz_aware": True}
    if "serverselectiontimeoutms" not in uri.lower():
        options["serverSelectionTimeoutMS"] = 5000
    try:
        return MongoClient(uri, **options)
    except (PyMongoError, ValueError) as exc:
        raise CommandError(f"bad MongoDB URI {mask_uri(uri)}: {mongo_error_reason(exc)}") from None


def check_reachable(client: Any, uri: str) -> None:
    """Ping the server; :class:`CommandError` (exit 2) naming the masked URI if it is silent."""
    from pymongo.errors import PyMongoError

    from hgcrawler.storage.uri import mask_uri, mongo_error_reason

    try:
        client.admin.command("ping")
    except PyMongoError as exc:
        raise CommandError(
            f"cannot reach MongoDB at {mask_uri(uri)}: {mongo_error_reason(exc)}"
        ) from None


def archive_uri(args: argparse.Namespace) -> tuple[str, str]:
    """The URI and database name the command line points at; the embedded server
    is started when no URI is given (:class:`CommandError` if it cannot be)."""
    from hgcrawler.storage.embedded import DatabaseError
    from hgcrawler.storage.uri import resolve_mongo_uri

    config_uri, database, data_dir = _mongo_settings(args)
    try:
        uri, _embedded = resolve_mongo_uri(config_uri, data_dir)
    except DatabaseError as exc:
        raise CommandError(f"cannot start the embedded database in {data_dir}: {exc}") from None
    return uri, database


@contextmanager
def open_archive(args: argparse.Namespace) -> Iterator[Db]:
    """The archive database named by the command line (the embedded server is
    started when no URI is given); :class:`CommandError` (exit 2) if it cannot
    be reached, or if the connection is lost while the command reads."""
    from pymongo.errors import ConnectionFailure

    from hgcrawler.storage.uri import mask_uri, mongo_error_reason

    uri, database = archive_uri(args)
    client = mongo_client(uri)
    try:
        check_reachable(client, uri)
        try:
            yield client[database]
        except ConnectionFailure as exc:
            raise CommandError(
                f"lost MongoDB at {mask_uri(uri)}: {mongo_error_reason(exc)}"
            ) from None
    finally:
        client.close()


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
