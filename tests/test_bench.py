"""The benchmark runs end to end on a tiny replica and writes its JSON (no timing asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks.extraction import token_f1
from benchmarks.measure import read_stats_file
from hgcrawler import cli
from hgcrawler.commands import bench as bench_command

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bench_json(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("bench")
    out = tmp / "bench.json"
    command = [
        sys.executable, "-m", "hgcrawler.cli", "bench", "--quick",
        "--articles", "60", "--pages", "20", "--new-articles", "5",
        "--scrapy-bench-seconds", "1", "--out", str(out), "--work-dir", str(tmp / "work"),
    ]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ratios:" in done.stdout
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return result


def positive(value: Any) -> bool:
    return isinstance(value, (int, float)) and value > 0


def test_json_has_every_section(bench_json: dict[str, Any]) -> None:
    for key in ("machine", "options", "scrapy_bench", "crawls", "extraction", "ratios", "targets"):
        assert key in bench_json, key
    assert positive(bench_json["scrapy_bench"]["pages_per_s"])
    assert bench_json["options"]["quick"] is True


def test_crawl_figures_are_sane(bench_json: dict[str, Any]) -> None:
    size = bench_json["crawls"]["60"]
    full = size["full"]
    assert full["status"] == "finished"
    for key in ("pages", "seconds", "pages_per_s", "crawler_peak_rss_mb", "db_peak_rss_mb"):
        assert positive(full[key]), (key, full[key])
    assert positive(full["articles_stored_per_s"])
    assert full["articles_in_db"] == full["articles_stored"] > 0
    assert positive(size["full_no_storage"]["pages_per_s"])
    incremental = size["incremental"]
    assert incremental["status"] == "finished"
    assert incremental["new_articles"]["published"] >= 5
    assert positive(incremental["requests"])
    assert incremental["counts"]["new"] >= 1
    assert positive(bench_json["ratios"]["full_60_vs_scrapy_bench"])


def test_the_crawl_with_rendering_on_is_measured_against_the_one_without(
    bench_json: dict[str, Any],
) -> None:
    size = bench_json["crawls"]["60"]
    rendering = size["full_render"]
    assert rendering["render"] == "auto" and size["full"]["render"] == "never"
    assert rendering["status"] == "finished"
    assert rendering["articles_stored"] == size["full"]["articles_stored"] > 0
    figures = rendering["rendering"]
    assert figures["rendered"] >= 1 and figures["learned"] == 1  # the replica's inline API
    assert positive(figures["browser_seconds_per_rendering"])
    # the tree (crawler, Playwright driver, Chromium) is larger than the crawler alone
    assert rendering["crawler_tree_processes"] > 2
    assert rendering["crawler_tree_pss_mb"] > rendering["crawler_own_rss_mb"] / 2
    ratios = bench_json["ratios"]
    for name in ("full_60_articles_vs_scrapy_bench", "full_render_60_articles_vs_scrapy_bench"):
        assert positive(ratios[name]), name
    assert "full_render_60_extra_seconds_per_rendering" in ratios
    assert set(bench_json["targets"]) >= {
        "full_render_60_articles_per_s",
        "full_render_60_crawler_and_browser_mb",
    }


def test_extraction_figures_are_sane(bench_json: dict[str, Any]) -> None:
    extraction = bench_json["extraction"]
    assert extraction["pages"] == 20
    ours = extraction["ours"]
    assert positive(ours["ms_per_page"])
    assert ours["accuracy"]["title"] > 0.5
    if "trafilatura" in extraction:  # trafilatura is a test extra; it may not import
        assert positive(extraction["trafilatura"]["ms_per_page"])
        assert positive(bench_json["ratios"]["trafilatura_vs_ours_ms_per_page"])


def test_benchmarks_module_runs_from_the_checkout() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "--articles" in done.stdout


def test_crawls_leave_a_stats_file(bench_json: dict[str, Any]) -> None:
    """The figures come from the crawls' stats files, not from their logs."""
    for label in ("full_no_storage", "full", "full_render", "incremental"):
        figures = bench_json["crawls"]["60"][label]
        assert "interrupted" not in figures, figures.get("interrupted")
        assert figures["items"] is not None and figures["requests"] >= figures["pages"]


def test_read_stats_file(tmp_path: Path) -> None:
    path = tmp_path / "stats.json"
    assert read_stats_file(path) == {}  # the crawl was killed before it wrote one
    path.write_text('{"response_received_count": 919, "elapsed_time_seconds": 10.3}')
    assert read_stats_file(path) == {"response_received_count": 919, "elapsed_time_seconds": 10.3}


def test_bench_needs_a_source_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(bench_command, "checkout_candidates", lambda: [tmp_path])
    with pytest.raises(SystemExit) as exit_:
        cli.main(["bench", "--quick", "--articles", "60"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err == (
        "hgcrawler bench: the benchmarks run from a source checkout of hgcrawler "
        f"(its benchmarks/ directory); none found in {tmp_path}\n"
    )


def test_bench_finds_the_checkout_of_the_running_package(tmp_path: Path) -> None:
    """Run from elsewhere (cwd is not the checkout), it still finds this checkout's benchmarks."""
    done = subprocess.run(
        [sys.executable, "-m", "hgcrawler.cli", "bench", "--help"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "--scrapy-bench-seconds" in done.stdout
    assert bench_command.is_checkout(ROOT)
    assert not bench_command.is_checkout(tmp_path)


@pytest.mark.parametrize(
    ("found", "expected", "score"),
    [("a b c", "a b c", 1.0), ("", "", 1.0), ("x", "a", 0.0), ("a b", "a b c d", 2 / 3)],
)
def test_token_f1(found: str, expected: str, score: float) -> None:
    assert token_f1(found, expected) == pytest.approx(score)
