"""The README's main job, `hgcrawler demo`, end to end on a fresh data directory."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.crawling import ROOT

pytestmark = pytest.mark.slow


def test_demo_crawls_several_days_and_reports_what_changed(
    mongo_server: Any, tmp_path: Path
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hgcrawler.cli", "demo", "--articles", "60", "--days", "3",
         "--mongo-uri", mongo_server.uri, "--database", "demo_test", "--data-dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    assert out.count("FINISHED") == 3
    assert "=== day 2: incremental crawl ===" in out
    knows = re.search(r"(\d+) articles \((\d+) removed, (\d+) edited, (\d+) moved\)", out)
    assert knows is not None and int(knows.group(1)) > 55
    assert "New since day 1:" in out and "Fastest-growing view counts" in out
    assert "Traceback" not in done.stderr
