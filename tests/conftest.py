"""Shared fixtures.  The database tests run against a real SecantusDB server
process (never mongomock), started once per session on a port the OS chooses."""

from __future__ import annotations

import inspect
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hgcrawler.storage.embedded import EmbeddedDatabase


@dataclass(frozen=True)
class MongoServer:
    uri: str
    data_dir: Path
    pid: int


@pytest.fixture(scope="session")
def mongo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MongoServer]:
    """A SecantusDB server for the whole test session."""
    data_dir = tmp_path_factory.mktemp("secantus")
    database = EmbeddedDatabase(data_dir)
    info = database.start()
    try:
        yield MongoServer(uri=database.uri, data_dir=data_dir, pid=int(info["pid"]))
    finally:
        database.stop()


@pytest.fixture(scope="session", autouse=True)
def own_default_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A default data directory (``$XDG_DATA_HOME/hgcrawler``) of this test process
    (each xdist worker has its own), never the user's: a command a test runs without
    ``--data-dir`` writes its logs, lock and spill journal there."""
    with pytest.MonkeyPatch.context() as patch:
        home = tmp_path_factory.mktemp("xdg-data")
        patch.setenv("XDG_DATA_HOME", str(home))
        patch.delenv("HGCRAWLER_DATA_DIR", raising=False)
        yield home / "hgcrawler"


@pytest.fixture
def mongo_uri(mongo_server: MongoServer) -> str:
    return mongo_server.uri


@pytest.fixture
def archive_db_name(mongo_server: MongoServer) -> Iterator[str]:
    """A database name of this test's own; dropped afterwards."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    yield name
    from pymongo import MongoClient

    client: MongoClient[dict[str, object]] = MongoClient(mongo_server.uri)
    try:
        client.drop_database(name)
    finally:
        client.close()


# --- How the suite is split: the quick tier and the parallel workers ----------------
#
# ``scripts/test.sh`` runs the suite on several pytest-xdist workers with
# ``--dist loadgroup``: a test with an ``xdist_group`` mark runs on the worker that
# runs the rest of its group; every other test is handed out on its own. The hook
# below sets the groups from what a test uses, so a new test needs no list:
#
# * a module-scoped fixture that builds something (it asks for the database server
#   or a temporary directory: a crawl, an own server) is built once: every test of
#   that module that uses one is in the module's group (one group per parameter of
#   a parametrised module fixture, so ``[ids]`` and ``[slugs]`` run side by side);
# * the modules sharing the four-day archive of ``tests/archive_fixture.py`` are in
#   one group, so the archive is crawled once;
# * a module fixture that only starts a replica server (in-process, milliseconds)
#   groups nothing: its tests spread over the workers.
#
# It also orders the work longest first (the last run's durations, kept in pytest's
# cache; on a fresh clone, the durations of a whole run kept in the repository,
# ``tests/durations.json``; for a test neither knows, an estimate from the marks and
# fixtures), so no long test starts last, and marks ``quick`` the tests that need no database
# server, no browser, no process of their own and no module-built fixture: the
# ``scripts/test.sh --quick`` tier.

#: Fixtures whose use takes a test out of the quick tier (the session's server).
_SERVER_FIXTURES = frozenset({"mongo_server"})
#: Names whose use in a test (or a helper or fixture it calls) means it starts a
#: process: a command, a crawl, a server of its own.
_PROCESS_NAMES = frozenset(
    {"subprocess", "Popen", "executable", "spawn", "fork", "EmbeddedDatabase", "MongoClient"}
)


def _code_names(code: Any) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if hasattr(const, "co_names"):
            names |= _code_names(const)
    return names


def _starts_a_process(func: Any, seen: set[int], depth: int = 0) -> bool:
    """Whether ``func`` or a function it calls by a global name (a few levels deep,
    through the modules they come from) refers to one of ``_PROCESS_NAMES``."""
    func = inspect.unwrap(func)
    code = getattr(func, "__code__", None)
    if code is None or id(code) in seen or depth > 4:
        return False
    seen.add(id(code))
    names = _code_names(code)
    if names & _PROCESS_NAMES:
        return True
    globals_ = getattr(func, "__globals__", {})
    for name in names:
        target = globals_.get(name)
        if inspect.isclass(target) and target.__module__.startswith("tests"):
            target = vars(target).get("__init__")
        if (
            inspect.isfunction(target)
            and target.__module__.startswith("tests")
            and _starts_a_process(target, seen, depth + 1)
        ):
            return True
    return False


def _builds(fixturedef: Any) -> bool:
    """A module/package/session fixture of a test module that builds something."""
    if fixturedef.scope == "function" or fixturedef.baseid in ("", "tests"):
        return False
    argnames = set(fixturedef.argnames)
    return bool(argnames & {"mongo_server", "tmp_path_factory"})


#: The xdist group of the modules that use tests/archive_fixture.py's archive.
SHARED_ARCHIVE_GROUP = "shared-archive"


def _group_name(module_id: str, params: list[str]) -> str:
    """A module's group, one per parameter of its module fixture. Never ending in "]":
    xdist reads "<id>[x]@<module>[p=0]" as a test parameter, not as a group."""
    return ":".join([module_id, *params])


def _plan_item(item: pytest.Item) -> tuple[str | None, float, bool]:
    """(xdist group or None, estimated seconds, quick) for one test."""
    fixtureinfo = getattr(item, "_fixtureinfo", None)
    closure = list(getattr(fixtureinfo, "names_closure", []))
    defs = getattr(fixtureinfo, "name2fixturedefs", {})
    module = getattr(item, "module", None)
    module_id = item.nodeid.split("::", 1)[0]
    callspec = getattr(item, "callspec", None)

    built = [name for name in closure if name in defs and _builds(defs[name][-1])]
    group = None
    if module is not None and getattr(module, "archive_for", None) is not None:
        group = SHARED_ARCHIVE_GROUP
    elif built:
        indices = getattr(callspec, "indices", {}) if callspec is not None else {}
        params = [
            f"{name}={indices[name]}"
            for name in built
            if name in indices and defs[name][-1].params is not None
        ]
        group = _group_name(module_id, params)

    slow = item.get_closest_marker("slow") is not None
    browser = item.get_closest_marker("browser") is not None
    server = bool(_SERVER_FIXTURES & set(closure))
    seen: set[int] = set()
    process = _starts_a_process(getattr(item, "obj", None), seen) or any(
        _starts_a_process(defs[name][-1].func, seen) for name in closure if name in defs
    )
    if group is not None:  # mostly reads what its group's fixture built
        estimate = 3.0 if slow or browser else 1.0 if process else 0.3
    elif slow or browser:
        estimate = 20.0
    elif process and server:
        estimate = 10.0  # a crawl, most likely
    else:
        estimate = 3.0 if process else 1.0 if server else 0.1
    quick = not (slow or browser or server or process or built or group)
    return group, estimate, quick


#: Where the last runs' durations are kept (pytest's cache, ``.pytest_cache``).
_DURATIONS_KEY = "hgcrawler/durations"
#: The durations of one whole run on four workers, kept in the repository so that a
#: fresh clone (CI) orders the work as well as a second run does; rewritten by
#: ``pytest -n 4 --dist loadgroup --save-durations`` (``scripts/test.sh --save-durations``).
DURATIONS_FILE = Path(__file__).with_name("durations.json")
_measured: dict[str, float] = {}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--save-durations",
        action="store_true",
        help=f"write this run's test durations into tests/{DURATIONS_FILE.name}",
    )


def shipped_durations() -> dict[str, float]:
    """tests/durations.json: test id -> seconds (setup + call + teardown)."""
    try:
        data = json.loads(DURATIONS_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): float(v) for k, v in data.items()} if isinstance(data, dict) else {}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    cache = getattr(config, "cache", None)
    known: dict[str, float] = shipped_durations()
    known.update(cache.get(_DURATIONS_KEY, {}) if cache is not None else {})
    units: dict[str, list[pytest.Item]] = {}
    cost: dict[str, float] = {}
    for item in items:
        group, estimate, quick = _plan_item(item)
        estimate = known.get(item.nodeid, estimate)  # measured, when a run measured it
        if quick:
            item.add_marker(pytest.mark.quick)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))
        unit = group or item.nodeid
        if unit not in units:
            # a group's module-built fixture (a crawl, a server) is counted once
            units[unit], cost[unit] = [], 30.0 if group is not None and not known else 0.0
        units[unit].append(item)
        cost[unit] += estimate
    # longest first; the sort is stable, so a unit keeps its collection order on ties
    ordered = sorted(units, key=lambda unit: -cost[unit])
    items[:] = [item for unit in ordered for item in units[unit]]


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    # setup + call + teardown; xdist's controller sees "<id>@<group>"
    nodeid = report.nodeid
    if nodeid.rfind("@") > nodeid.rfind("]"):  # xdist's own test, not a parameter's "@"
        nodeid = nodeid.rsplit("@", 1)[0]
    _measured[nodeid] = _measured.get(nodeid, 0.0) + report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Keep the durations for the next run's order (in the controller, not in workers)."""
    if hasattr(session.config, "workerinput") or not _measured:
        return
    if session.config.getoption("--save-durations"):
        kept = {**shipped_durations(), **_measured}  # a partial run updates its tests only
        rounded = {nodeid: round(seconds, 1) for nodeid, seconds in sorted(kept.items())}
        DURATIONS_FILE.write_text(json.dumps(rounded, indent=0) + "\n", encoding="utf-8")
    cache = getattr(session.config, "cache", None)
    if cache is None:
        return
    known = cache.get(_DURATIONS_KEY, {})
    known.update({nodeid: round(seconds, 2) for nodeid, seconds in _measured.items()})
    cache.set(_DURATIONS_KEY, known)
