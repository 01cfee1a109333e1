"""How tests/conftest.py splits the suite: xdist groups, the quick tier (docs/development.md)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from xdist.scheduler.loadgroup import LoadGroupScheduling

from tests.conftest import SHARED_ARCHIVE_GROUP, _group_name, _starts_a_process


def _runs_a_command() -> str:
    return subprocess.run([sys.executable, "-V"], capture_output=True, text=True).stdout


def _calls_a_helper_that_runs_a_command() -> str:
    return _runs_a_command().strip()


def _pure(text: str) -> str:
    return text.upper()


def _calls_only_pure_helpers() -> str:
    return _pure("a") + _pure("b")


def _xdist_group(nodeid: str) -> str:
    """The unit xdist's loadgroup scheduler puts a test in (a group, or the test alone)."""
    return LoadGroupScheduling._split_scope(None, nodeid)  # type: ignore[arg-type]


def test_a_process_is_found_through_the_helpers_a_test_calls() -> None:
    assert _starts_a_process(_runs_a_command, set())
    assert _starts_a_process(_calls_a_helper_that_runs_a_command, set())
    assert not _starts_a_process(_pure, set())
    assert not _starts_a_process(_calls_only_pure_helpers, set())


@pytest.mark.parametrize(
    "group",
    [
        _group_name("tests/test_a.py", []),
        _group_name("tests/test_a.py", ["scenario=0"]),
        _group_name("tests/test_a.py", ["scenario=1", "other=2"]),
        SHARED_ARCHIVE_GROUP,
    ],
)
def test_a_group_is_read_as_a_group_by_xdist(group: str) -> None:
    """A group named "...[scenario=0]" was read as a parameter: every test became its
    own unit, and the module's crawl was rebuilt for every test."""
    assert _xdist_group(f"tests/test_a.py::test_x[ids]@{group}") == group
    assert _xdist_group(f"tests/test_a.py::test_x@{group}") == group


def test_the_groups_of_this_run_are_read_as_groups(request: pytest.FixtureRequest) -> None:
    for item in request.session.items:
        names = sorted(str(mark.args[0]) for mark in item.iter_markers("xdist_group"))
        if names:
            group = "_".join(names)
            nodeid = item.nodeid if item.nodeid.endswith(f"@{group}") else f"{item.nodeid}@{group}"
            assert _xdist_group(nodeid) == group, item.nodeid
            assert item.get_closest_marker("quick") is None, item.nodeid
