"""The performance benchmark: ``python -m benchmarks.run`` (or ``hgcrawler bench`` in a checkout).

On this machine, in one run, side by side (see ``docs/performance.md``):

- ``scrapy bench``'s pages/s, Scrapy's own ceiling here (its bench server runs in
  the same process as its spider);
- for each replica size: a full crawl of the replica (``hgcrawler replica`` in its
  own process), all pipelines on, into a fresh embedded SecantusDB, no politeness
  delays; optionally the same crawl without item pipelines (Scrapy + extraction
  only); then an incremental crawl after moving the replica on by enough days for
  about ``--new-articles`` new articles;
- extraction alone on the same saved article pages, ours and trafilatura's, with
  the field accuracy of both against the replica's truth.

Figures go to a JSON file (``exports/bench.json`` by default) and a table on
stdout.  Nothing here asserts a speed: the targets are reported as met or not.
Peak RSS and CPU time of the child processes are read from ``/proc`` (Linux).

The parts: :mod:`benchmarks.measure` (child processes, ``/proc``, the stats
file), :mod:`benchmarks.crawl` (``scrapy bench`` and the crawls),
:mod:`benchmarks.extraction` (ours against trafilatura) and
:mod:`benchmarks.report` (ratios, targets, the table).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.crawl import bench_size, scrapy_bench
from benchmarks.extraction import bench_extraction
from benchmarks.report import format_archive_table, format_table, summarize

__all__ = ["BenchOptions", "configure_parser", "main", "run_benchmark", "run_from_args"]


@dataclass
class BenchOptions:
    articles: list[int] = field(default_factory=lambda: [5000, 20000])
    pages: int = 1000
    out: Path = Path("exports/bench.json")
    scrapy_bench_seconds: float = 10.0
    new_articles: int = 50
    baseline: str = "first"  # "first" | "all" | "none": crawls without item pipelines
    render: str = "first"  # "first" | "all" | "none": full crawls with rendering on too
    counters: str = "mixed"  # the replica's view counters: "mixed" or "script"
    work_dir: Path | None = None  # kept when given, else a temporary directory
    timeout: float = 3600.0  # per crawl
    quick: bool = False
    log: Callable[[str], None] = field(default=lambda message: print(message, flush=True))
    # the archive part (--archive): two archives of the same articles, short and long
    archive: bool = False
    archive_articles: int = 50_000
    archive_days: tuple[int, int] = (30, 1095)
    archive_dir: Path = Path("data/bench-archive")
    archive_runs: int = 5
    archive_command_runs: int = 3
    archive_rebuild: bool = False
    archive_empty_sample: int = 2000
    warc_articles: int = 1000


def _versions() -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    versions: dict[str, Any] = {"python": platform.python_version()}
    for package in ("scrapy", "twisted", "lxml", "pymongo", "SecantusDB", "trafilatura"):
        with contextlib.suppress(PackageNotFoundError):
            versions[package] = version(package)
    return versions


def run_archive_benchmark(options: BenchOptions) -> dict[str, Any]:
    """The archive part (see :mod:`benchmarks.archive_bench`); figures also written to
    ``options.out``."""
    from benchmarks.archive_bench import bench_archive
    from benchmarks.warcsize import bench_warc

    log = options.log
    result: dict[str, Any] = {
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "memory_gb": _memory_gb(),
            "versions": _versions(),
        },
        "options": {
            "archive_articles": options.archive_articles,
            "archive_days": list(options.archive_days),
            "archive_runs": options.archive_runs,
            "archive_command_runs": options.archive_command_runs,
            "warc_articles": options.warc_articles,
            "quick": options.quick,
        },
    }
    log(
        f"archive part: {options.archive_articles:,} articles, "
        f"{' and '.join(str(d) for d in options.archive_days)} days of history ..."
    )
    result["archive"] = bench_archive(
        articles=options.archive_articles,
        days=options.archive_days,
        archive_dir=options.archive_dir,
        runs=options.archive_runs,
        command_runs=options.archive_command_runs,
        rebuild=options.archive_rebuild,
        empty_sample=options.archive_empty_sample,
        log=log,
    )
    if options.warc_articles > 0:
        long = result["archive"]["archives"][str(max(options.archive_days))]["build"]
        years = max(options.archive_days) / 365.0
        pages = (long.get("observations", 0) + long.get("listing_pages", 0)) / years
        keep = options.work_dir is not None
        work_dir = options.work_dir or Path(tempfile.mkdtemp(prefix="hgcrawler-bench-"))
        try:
            result["warc"] = bench_warc(
                options.warc_articles, work_dir, pages_per_year=pages, log=log
            )
        finally:
            if not keep:
                shutil.rmtree(work_dir, ignore_errors=True)
    result["finished_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n")
    return result


def _memory_gb() -> float | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            return round(int(handle.readline().split()[1]) / 1024 / 1024, 1)
    except (OSError, ValueError, IndexError):
        return None


def run_benchmark(options: BenchOptions) -> dict[str, Any]:
    """Run every part; returns the figures (also written to ``options.out``)."""
    log = options.log
    keep = options.work_dir is not None
    work_dir = options.work_dir or Path(tempfile.mkdtemp(prefix="hgcrawler-bench-"))
    work_dir.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "versions": _versions(),
        },
        "options": {
            "articles": options.articles,
            "pages": options.pages,
            "scrapy_bench_seconds": options.scrapy_bench_seconds,
            "new_articles": options.new_articles,
            "baseline": options.baseline,
            "render": options.render,
            "counters": options.counters,
            "quick": options.quick,
        },
        "notes": [
            "scrapy bench runs its own server in the same process as its spider",
            "the replica, the crawler and SecantusDB run as three processes on the same CPUs",
            "pages/s = response_received_count / elapsed_time_seconds from the Scrapy stats file",
            "articles/s = articles stored / (finished_at - started_at) of the crawl record",
            "crawler_tree_pss_mb: the crawler with its children (Playwright driver, Chromium), "
            "PSS summed, sampled every 0.2 s",
        ],
        "crawls": {},
    }
    try:
        if options.scrapy_bench_seconds > 0:
            log(f"scrapy bench ({options.scrapy_bench_seconds:g} s) ...")
            result["scrapy_bench"] = scrapy_bench(options.scrapy_bench_seconds, work_dir)
            log(f"    {result['scrapy_bench']['pages_per_s']} pages/s")
        for index, articles in enumerate(options.articles):
            baseline = options.baseline == "all" or (options.baseline == "first" and index == 0)
            render = options.render == "all" or (options.render == "first" and index == 0)
            result["crawls"][str(articles)] = bench_size(
                articles,
                work_dir=work_dir,
                baseline=baseline,
                render=render,
                counters=options.counters,
                new_articles=options.new_articles,
                timeout=options.timeout,
                log=log,
            )
        if options.pages > 0:
            articles = min(options.articles) if options.articles else 5000
            log(f"extraction on {options.pages} saved pages of a {articles}-article replica ...")
            result["extraction"] = bench_extraction(articles, options.pages, work_dir)
    finally:
        if not keep:
            shutil.rmtree(work_dir, ignore_errors=True)
    result["finished_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    result.update(summarize(result))
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n")
    return result


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--articles", type=int, nargs="+", default=None, metavar="N",
        help="replica sizes to crawl (default: 5000 20000; --quick: 100)",
    )  # fmt: skip
    parser.add_argument(
        "--pages", type=int, default=None,
        help="saved pages for the extraction comparison (default 1000; --quick: 50)",
    )  # fmt: skip
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="JSON file of the figures (default exports/bench.json; --archive: "
        "exports/bench-archive.json)",
    )
    parser.add_argument(
        "--scrapy-bench-seconds", type=float, default=None,
        help="how long scrapy bench runs, 0 to skip (default 10; --quick: 2)",
    )  # fmt: skip
    parser.add_argument(
        "--new-articles", type=int, default=None,
        help="new articles before the incremental crawl (default 50; --quick: 10)",
    )  # fmt: skip
    parser.add_argument(
        "--baseline", choices=("first", "all", "none"), default="first",
        help="also crawl without item pipelines: for the first size (default), all or none",
    )  # fmt: skip
    parser.add_argument(
        "--render", choices=("first", "all", "none"), default="first",
        help="also crawl with rendering on (HGCRAWLER_RENDER=auto): the first size "
        "(default), all or none",
    )  # fmt: skip
    parser.add_argument(
        "--counters", choices=("mixed", "script"), default="mixed",
        help="the replica's view counters: mixed (default: ~7 %% filled by script) or "
        "script (every counter filled by an external script, DotNetNuke-style)",
    )  # fmt: skip
    parser.add_argument("--work-dir", type=Path, help="keep logs, pages and databases here")
    parser.add_argument("--quick", action="store_true", help="a tiny run (for tests)")
    archive = parser.add_argument_group(
        "the archive part (--archive: instead of the crawls and the extraction)"
    )
    archive.add_argument(
        "--archive", action="store_true",
        help="time every question on two archives of the same articles (a short and a long "
        "history), disk per observation, WARC per page",
    )  # fmt: skip
    archive.add_argument(
        "--archive-articles", type=int, default=None, metavar="N",
        help="articles of both archives (default 50000; --quick: 2000)",
    )  # fmt: skip
    archive.add_argument(
        "--archive-days", type=int, nargs=2, default=None, metavar=("SHORT", "LONG"),
        help="days of history of the two archives (default 30 1095; --quick: 7 60)",
    )  # fmt: skip
    archive.add_argument(
        "--archive-dir", type=Path, default=Path("data/bench-archive"),
        help="where the archives are built and kept for later runs (default data/bench-archive)",
    )  # fmt: skip
    archive.add_argument(
        "--archive-runs", type=int, default=None,
        help="in-process runs of each question (default 5; --quick: 2)",
    )  # fmt: skip
    archive.add_argument(
        "--archive-command-runs", type=int, default=None,
        help="whole-command runs of each question after a warm-up, 0 to skip "
        "(default 3; --quick: 1)",
    )  # fmt: skip
    archive.add_argument(
        "--archive-rebuild", action="store_true", help="build the archives even if kept"
    )
    archive.add_argument(
        "--warc-articles", type=int, default=None, metavar="N",
        help="replica size of the two WARC crawls, 0 skips them (default 1000; --quick: 60)",
    )  # fmt: skip


def options_from_args(args: argparse.Namespace) -> BenchOptions:
    quick = bool(args.quick)

    def pick(value: Any, full: Any, small: Any) -> Any:
        return value if value is not None else (small if quick else full)

    archive = bool(getattr(args, "archive", False))
    default_out = "exports/bench-archive.json" if archive else "exports/bench.json"
    return BenchOptions(
        articles=pick(args.articles, [5000, 20000], [100]),
        pages=pick(args.pages, 1000, 50),
        out=args.out or Path(default_out),
        scrapy_bench_seconds=pick(args.scrapy_bench_seconds, 10.0, 2.0),
        new_articles=pick(args.new_articles, 50, 10),
        baseline=args.baseline,
        render=args.render,
        counters=args.counters,
        work_dir=args.work_dir,
        quick=quick,
        archive=archive,
        archive_articles=pick(args.archive_articles, 50_000, 2000),
        archive_days=tuple(pick(args.archive_days, (30, 1095), (7, 60))),
        archive_dir=args.archive_dir,
        archive_runs=pick(args.archive_runs, 5, 2),
        archive_command_runs=pick(args.archive_command_runs, 3, 1),
        archive_rebuild=bool(args.archive_rebuild),
        archive_empty_sample=500 if quick else 2000,
        warc_articles=pick(args.warc_articles, 1000, 60),
    )


def run_from_args(args: argparse.Namespace, prog: str = "python -m benchmarks.run") -> int:
    """Run with parsed arguments, print the table; 1 when a part could not run."""
    options = options_from_args(args)
    try:
        result = run_archive_benchmark(options) if options.archive else run_benchmark(options)
    except (OSError, RuntimeError) as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 1
    print(format_archive_table(result) if options.archive else format_table(result))
    print(f"figures written to {options.out}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    configure_parser(parser)
    return run_from_args(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
