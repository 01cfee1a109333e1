"""Every filter a process sends to the archive, caught with pymongo's command monitoring,
and what the server's query planner makes of it (``explain``).

Used by ``tests/test_query_plans.py``: in the test's own process through
:func:`capturing` (a listener on every ``MongoClient`` made meanwhile), and in a crawl
subprocess through :func:`main` (``python -m tests.command_capture OUT -- ARGV…`` runs
``hgcrawler ARGV…`` and writes what it sent to ``OUT``, one extended-JSON line each).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bson import json_util
from pymongo import MongoClient, monitoring

import hgcrawler

__all__ = ["Capture", "Sent", "brief", "capturing", "examined", "main", "plan_of", "read", "shape"]

_JSON = json_util.JSONOptions(json_mode=json_util.JSONMode.CANONICAL, tz_aware=True)
_PACKAGE = os.path.dirname(os.path.abspath(hgcrawler.__file__))


@dataclass(frozen=True)
class Sent:
    """One filter sent: the database, collection, command and filter, and the functions
    of ``hgcrawler`` on the stack when it was sent, innermost first, each as
    ``"hgcrawler/storage/reader.py:193 ArchiveReader._each_site"`` (none: the test's)."""

    database: str
    collection: str
    command: str
    filter: dict[str, Any]
    stack: tuple[str, ...] = ()

    @property
    def function(self) -> str:
        """The innermost ``hgcrawler`` function that sent it (``""``: none), as
        ``MongoArchiveStore.recent_crawls`` for ``….recent_crawls.<locals>.find``."""
        return self.stack[0].split(" ", 1)[1].split(".<locals>")[0] if self.stack else ""

    def functions(self) -> set[str]:
        return {frame.split(" ", 1)[1].split(".<locals>")[0] for frame in self.stack}

    def to_json(self) -> str:
        return json_util.dumps(self.__dict__, json_options=_JSON)

    @classmethod
    def from_json(cls, line: str) -> Sent:
        doc = json_util.loads(line, json_options=_JSON)
        return cls(**{**doc, "stack": tuple(doc.get("stack") or ())})


def _stack(depth: int = 4) -> tuple[str, ...]:
    """The innermost ``depth`` frames of ``hgcrawler`` code on the stack."""
    frames: list[str] = []
    frame = sys._getframe(1)
    while frame is not None and len(frames) < depth:
        code = frame.f_code
        if code.co_filename.startswith(_PACKAGE + os.sep):
            where = os.path.relpath(code.co_filename, os.path.dirname(_PACKAGE))
            frames.append(f"{where}:{frame.f_lineno} {code.co_qualname}")
        frame = frame.f_back  # type: ignore[assignment]
    return tuple(frames)


def filters_of(name: str, command: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(collection, filter) of each statement of a command that selects documents;
    an aggregation's is its leading ``$match`` (``{}`` without one: it reads them all)."""
    collection = command.get(name)
    if not isinstance(collection, str):
        return []
    if name == "find":
        return [(collection, dict(command.get("filter") or {}))]
    if name in ("count", "findAndModify", "distinct"):
        return [(collection, dict(command.get("query") or {}))]
    if name == "update":
        return [(collection, dict(u.get("q") or {})) for u in command.get("updates") or []]
    if name == "delete":
        return [(collection, dict(d.get("q") or {})) for d in command.get("deletes") or []]
    if name == "aggregate":
        head = (command.get("pipeline") or [{}])[0]
        return [(collection, dict(head.get("$match") or {}) if isinstance(head, dict) else {})]
    return []


class Capture(monitoring.CommandListener):
    """Collects the filters of every command started (thread-safe)."""

    def __init__(self) -> None:
        self.sent: list[Sent] = []
        self._lock = threading.Lock()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        found = filters_of(event.command_name, event.command)
        if not found:
            return
        stack = _stack()
        with self._lock:
            self.sent.extend(
                Sent(event.database_name, collection, event.command_name, flt, stack)
                for collection, flt in found
            )

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


@contextlib.contextmanager
def capturing() -> Iterator[Capture]:
    """A :class:`Capture` listening to every ``MongoClient`` made inside the block."""
    capture = Capture()
    original = MongoClient.__init__

    def init(self: MongoClient[Any], *args: Any, **kwargs: Any) -> None:
        kwargs["event_listeners"] = [*(kwargs.get("event_listeners") or []), capture]
        original(self, *args, **kwargs)

    MongoClient.__init__ = init  # type: ignore[method-assign]
    try:
        yield capture
    finally:
        MongoClient.__init__ = original  # type: ignore[method-assign]


def shape(value: Any) -> Any:
    """A filter with its values replaced by their types: one explain per shape."""
    if isinstance(value, Mapping):
        return {str(k): shape(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return sorted({json.dumps(shape(v), sort_keys=True) for v in value})
    return type(value).__name__


def plan_of(db: Any, collection: str, flt: Mapping[str, Any]) -> dict[str, Any]:
    """The server's winning plan for ``find(flt)`` on ``collection`` (queryPlanner only:
    nothing runs).  Updates, deletes and counts select documents the same way."""
    reply = db.command(
        "explain", {"find": collection, "filter": dict(flt)}, verbosity="queryPlanner"
    )
    return dict(reply["queryPlanner"]["winningPlan"])


def examined(db: Any, collection: str, flt: Mapping[str, Any]) -> int:
    """``totalDocsExamined`` of ``find(flt)`` as explain reports it (this runs it)."""
    reply = db.command(
        "explain", {"find": collection, "filter": dict(flt)}, verbosity="executionStats"
    )
    return int(reply["executionStats"]["totalDocsExamined"])


def brief(value: Any, items: int = 3) -> Any:
    """A filter to show: long lists cut to their first ``items`` and their length."""
    if isinstance(value, Mapping):
        return {k: brief(v, items) for k, v in value.items()}
    if isinstance(value, list | tuple):
        shown = [brief(v, items) for v in value[:items]]
        return [*shown, f"… {len(value)} in all"] if len(value) > items else shown
    return value


def read(path: Path) -> list[Sent]:
    if not path.exists():
        return []
    return [Sent.from_json(line) for line in path.read_text(encoding="utf-8").splitlines()]


def main(argv: Iterable[str] | None = None) -> int:
    """``OUT -- ARGV…``: run ``hgcrawler ARGV…`` here, appending its filters to ``OUT``."""
    args = list(sys.argv[1:] if argv is None else argv)
    out, rest = Path(args[0]), args[1:]
    if rest[:1] == ["--"]:
        rest = rest[1:]
    capture = Capture()
    monitoring.register(capture)  # every client this process makes (one per store)
    from hgcrawler.cli import main as hgcrawler

    try:
        return hgcrawler(rest)
    finally:
        with open(out, "a", encoding="utf-8") as handle:
            for sent in capture.sent:
                handle.write(sent.to_json() + "\n")


if __name__ == "__main__":
    raise SystemExit(main())
