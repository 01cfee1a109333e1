"""Crawls measured in child processes: ``scrapy bench`` and full/incremental crawls of the replica.

Every crawl is started with ``-s HGCRAWLER_STATS_FILE=...``; its figures come from
that JSON file (``hgcrawler.crawl.extensions.StatsFile``), the crawl record in the
database, and the process measurements of :mod:`benchmarks.measure`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.measure import (
    child_env,
    mb,
    per_second,
    proc_cpu_seconds,
    proc_status_kb,
    read_stats_file,
    run_measured,
)

#: Incremental overhead allowed beyond new and moved articles and due revisits: home
#: page, robots.txt, about/contact and up to three listing pages per category.
INCREMENTAL_EXTRA_PER_CATEGORY = 3
INCREMENTAL_EXTRA_FIXED = 5
REPLICA_BANNER = re.compile(r"Replica portal at (http://\S+/)")
#: Enables the stats file in ``scrapy bench``, which runs outside the project's settings.
STATS_FILE_EXTENSION = json.dumps({"hgcrawler.crawl.extensions.StatsFile": 1000})


# --------------------------------------------------------------------------- scrapy bench


def scrapy_bench(seconds: float, work_dir: Path, timeout: float = 300) -> dict[str, Any]:
    """``scrapy bench`` outside any project: pages/s of Scrapy's own link-following spider."""
    bench_dir = work_dir / "scrapy-bench"
    bench_dir.mkdir(parents=True, exist_ok=True)
    stats_file = bench_dir / "stats.json"
    options = ["-s", f"CLOSESPIDER_TIMEOUT={seconds:g}", "-s", "LOGSTATS_INTERVAL=60"]
    command = [
        sys.executable, "-m", "scrapy", "bench", *options,
        "-s", f"EXTENSIONS={STATS_FILE_EXTENSION}", "-s", f"HGCRAWLER_STATS_FILE={stats_file}",
    ]  # fmt: skip
    result, _ = run_measured(command, cwd=bench_dir, timeout=timeout)
    stats = read_stats_file(stats_file)
    pages = stats.get("response_received_count")
    elapsed = stats.get("elapsed_time_seconds")
    return {
        "command": "scrapy bench " + " ".join(options),
        "returncode": result.returncode,
        "pages": pages,
        "seconds": elapsed,
        "pages_per_s": per_second(pages, elapsed),
        "peak_rss_mb": mb(result.max_rss_kb),
        "cpu_seconds": round(result.cpu_seconds, 1),
        "note": "scrapy bench serves its pages from the same process and machine",
    }


# --------------------------------------------------------------------------- replica


class ReplicaProcess:
    """``hgcrawler replica`` in a child process, on a port chosen by the OS."""

    def __init__(
        self, articles: int, work_dir: Path, day: int = 1, counters: str = "mixed"
    ) -> None:
        self.articles = articles
        self.log_path = work_dir / f"replica-{articles}.log"
        command = [
            sys.executable, "-m", "hgcrawler.cli", "replica",
            "--port", "0", "--articles", str(articles), "--day", str(day),
            "--counters", counters,
        ]  # fmt: skip
        self._log = open(self.log_path, "w+b")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            command, stdout=self._log, stderr=subprocess.STDOUT, env=child_env(), close_fds=True
        )
        self.base_url = self._wait_for_banner()

    def _wait_for_banner(self, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
            match = REPLICA_BANNER.search(text)
            if match:
                return match.group(1)
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the replica did not start: {self.log_path.read_text()[-2000:]}")

    @property
    def pid(self) -> int:
        return self.process.pid

    def set_day(self, day: int) -> None:
        with urllib.request.urlopen(f"{self.base_url}__replica__/day?set={day}", timeout=60) as r:
            answer = json.loads(r.read())
        if answer.get("day") != day:
            raise RuntimeError(f"the replica did not move to day {day}: {answer}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self._log.close()


def day_for_new_articles(articles: int, wanted: int) -> tuple[int, int]:
    """The first day by which at least ``wanted`` articles were published after day 1."""
    from hgcrawler.replica import ReplicaSite

    site = ReplicaSite(articles=articles, day=1)
    first = site.max_id(1)
    day = 1
    while site.max_id(day) - first < wanted:
        day += 1
    return day, site.max_id(day) - first


def new_article_truth(articles: int, day: int) -> dict[str, int]:
    """How many articles published after day 1 a crawler can reach on ``day``."""
    from hgcrawler.replica import ReplicaSite

    site = ReplicaSite(articles=articles, day=day)
    published = [t for t in site.articles() if t.published_day > 1]
    live = [t for t in published if t.status in ("live", "moved")]
    return {
        "published": len(published),
        "live": len(live),
        "live_parsable": sum(1 for t in live if not t.malformed),
        # moved since day 1: their new URLs are unknown to the archive, so fetched again
        "moved": sum(1 for t in site.articles() if t.published_day <= 1 and t.status == "moved"),
        "categories": len(site.categories),
    }


# --------------------------------------------------------------------------- crawls


def _crawl_record(uri: str, database: str) -> dict[str, Any]:
    from pymongo import MongoClient

    client: MongoClient[dict[str, Any]] = MongoClient(uri, serverSelectionTimeoutMS=10000)
    try:
        crawl = client[database].crawls.find_one(sort=[("started_at", -1)]) or {}
        crawl["_stored_articles"] = client[database].articles.count_documents({})
        return crawl
    finally:
        client.close()


def crawl(
    *,
    mode: str,
    base_url: str,
    uri: str,
    database: str,
    work_dir: Path,
    label: str,
    timeout: float,
    watch: dict[str, int],
    storage: bool = True,
    render: str = "never",
) -> dict[str, Any]:
    """One ``hgcrawler crawl`` in a child process, measured.

    ``render``: ``HGCRAWLER_RENDER`` (``never`` for the plain crawls; ``auto`` renders
    the pages whose counter needs it, or asks their learned endpoint)."""
    data_dir = work_dir / "crawler-data"
    data_dir.mkdir(parents=True, exist_ok=True)
    log_file = work_dir / f"crawl-{label}.log"
    stats_file = work_dir / f"stats-{label}.json"
    stats_file.unlink(missing_ok=True)
    command = [
        sys.executable, "-m", "hgcrawler.cli", "crawl", "--mode", mode, "--fast",
        "--start-url", base_url, "--mongo-uri", uri, "--data-dir", str(data_dir),
        "--log-file", str(log_file), "--progress", "0",
        "-s", f"HGCRAWLER_MONGO_DATABASE={database}", "-s", f"HGCRAWLER_RENDER={render}",
        "-s", "LOG_LEVEL=INFO", "-s", f"HGCRAWLER_STATS_FILE={stats_file}",
        "-s", "HGCRAWLER_SLUG_IDS=1",  # the replica's URLs end in its ids (as in the demo)
    ]  # fmt: skip
    if not storage:
        command += ["-s", "ITEM_PIPELINES={}"]
    cpu_before = {name: proc_cpu_seconds(pid) for name, pid in watch.items()}
    result, peaks = run_measured(command, cwd=work_dir, timeout=timeout, watch=list(watch.values()))
    cpu_after = {name: proc_cpu_seconds(pid) for name, pid in watch.items()}
    stats = read_stats_file(stats_file)
    pages = stats.get("response_received_count")
    seconds = stats.get("elapsed_time_seconds")
    interrupted = None
    if not stats:
        interrupted = "no stats file: the crawl was killed before its spider closed"
    elif result.timed_out:
        interrupted = f"stopped with SIGTERM after the {timeout:g} s timeout"
    elif stats.get("finish_reason") == "shutdown":
        interrupted = "the crawl was shut down by a signal"
    figures: dict[str, Any] = {
        "mode": mode,
        "storage": storage,
        "render": render,
        "returncode": result.returncode,
        "pages": pages,
        "requests": stats.get("downloader/request_count"),
        "seconds": round(seconds, 2) if seconds is not None else None,
        "wall_seconds": round(result.seconds, 1),
        "pages_per_s": per_second(pages, seconds),
        "items": stats.get("item_scraped_count"),
        "crawler_peak_rss_mb": mb(result.max_rss_kb),
        "crawler_own_rss_mb": mb(result.own_rss_kb),
        "crawler_tree_pss_mb": mb(result.tree_pss_kb),
        "crawler_tree_processes": result.tree_processes,
        "crawler_cpu_seconds": round(result.cpu_seconds, 1),
        "log": str(log_file),
    }
    if interrupted:
        figures["interrupted"] = interrupted
    for name, pid in watch.items():
        before, after = cpu_before[name], cpu_after[name]
        figures[f"{name}_cpu_seconds"] = (
            round(after - before, 1) if before is not None and after is not None else None
        )
        figures[f"{name}_peak_rss_mb"] = mb(peaks.get(pid))
    for key in ("hgcrawler/requests/revisit", "hgcrawler/incremental/listing_stopped"):
        if key in stats:
            figures[key.rsplit("/", 1)[-1]] = stats[key]
    for kind in ("article", "listing", "other", "gone"):
        figures[f"{kind}_pages"] = stats.get(f"hgcrawler/pages/{kind}", 0)
    if render != "never":
        figures["rendering"] = rendering_figures(stats)
    if storage:
        record = _crawl_record(uri, database)
        counts = record.get("counts") or {}
        started, finished = record.get("started_at"), record.get("finished_at")
        duration = (
            (finished - started).total_seconds()
            if isinstance(started, dt.datetime) and isinstance(finished, dt.datetime)
            else None
        )
        if duration is None and interrupted:
            duration = result.seconds
        figures.update(
            status=record.get("status"),
            counts={k: v for k, v in counts.items() if isinstance(v, int)},
            record_seconds=round(duration, 1) if duration else None,
            articles_stored=counts.get("articles") or record.get("_stored_articles"),
            articles_stored_per_s=per_second(
                counts.get("articles") or record.get("_stored_articles"), duration
            ),
            articles_in_db=record.get("_stored_articles"),
        )
    if pages is None or (storage and result.returncode != 0):
        figures["error"] = (result.stderr or result.stdout)[-2000:]
    return figures


def rendering_figures(stats: dict[str, Any]) -> dict[str, Any]:
    """What rendering and learned counter endpoints did in a crawl (its stats file)."""

    def stat(name: str) -> int:
        return int(stats.get(name, 0) or 0)

    rendered = stat("hgcrawler/rendered")
    browser_ms = stat("hgcrawler/render/load_ms") + stat("hgcrawler/render/wait_ms")
    return {
        "rendered": rendered,
        "render_requested": stat("hgcrawler/render/requested"),
        "render_failed": stat("hgcrawler/render/failed"),
        "endpoint_requests": stat("hgcrawler/counters/endpoint/requests"),
        "endpoint_failed": stat("hgcrawler/counters/endpoint/failed"),
        "learned": stat("hgcrawler/counters/learned"),
        "agreed": stat("hgcrawler/counters/agreed"),
        "broken": stat("hgcrawler/counters/broken"),
        "views_source": {
            source: stat(f"hgcrawler/views_source/{source}") for source in ("endpoint", "rendered")
        },
        "browser_seconds_per_rendering": round(browser_ms / 1000 / rendered, 3)
        if rendered
        else None,
        "browser_pss_peak_mb": mb(stat("hgcrawler/render/browser_rss_peak_bytes") / 1024),
    }


def bench_size(
    articles: int,
    *,
    work_dir: Path,
    baseline: bool,
    new_articles: int,
    timeout: float,
    log: Callable[[str], None],
    render: bool = False,
    counters: str = "mixed",
) -> dict[str, Any]:
    """Full crawl (and baseline), the full crawl again with rendering on, then
    incremental, for one replica size."""
    from hgcrawler.storage.embedded import EmbeddedDatabase

    size_dir = work_dir / f"replica-{articles}"
    size_dir.mkdir(parents=True, exist_ok=True)
    database = EmbeddedDatabase(size_dir / "db")
    db_info = database.start()
    db_pid = int(db_info["pid"])
    replica = ReplicaProcess(articles, size_dir, counters=counters)
    figures: dict[str, Any] = {"articles": articles, "counters": counters}
    try:
        watch = {"db": db_pid, "replica": replica.pid}
        common: dict[str, Any] = {
            "base_url": replica.base_url,
            "uri": database.uri,
            "work_dir": size_dir,
            "timeout": timeout,
            "watch": watch,
        }
        if baseline:
            log(f"[{articles}] full crawl without item pipelines (Scrapy + extraction only) ...")
            figures["full_no_storage"] = crawl(
                mode="full", database="bench_nostore", label="full-no-storage", storage=False,
                **common,
            )  # fmt: skip
            log_crawl(log, figures["full_no_storage"])
        log(f"[{articles}] full crawl, all pipelines, embedded database ...")
        full = crawl(mode="full", database="bench", label="full", **common)
        full["db_peak_rss_mb"] = mb(proc_status_kb(db_pid, "VmHWM"))
        figures["full"] = full
        log_crawl(log, full)
        if render:
            log(f"[{articles}] the same full crawl with rendering on (HGCRAWLER_RENDER=auto) ...")
            rendering = crawl(
                mode="full", database="bench_render", label="full-render", render="auto",
                **common,
            )  # fmt: skip
            rendering["db_peak_rss_mb"] = mb(proc_status_kb(db_pid, "VmHWM"))
            figures["full_render"] = rendering
            log_crawl(log, rendering)

        day, published = day_for_new_articles(articles, new_articles)
        truth = new_article_truth(articles, day)
        replica.set_day(day)
        log(f"[{articles}] replica moved to day {day}: {published} new articles published ...")
        incremental = crawl(mode="incremental", database="bench", label="incremental", **common)
        incremental["db_peak_rss_mb"] = mb(proc_status_kb(db_pid, "VmHWM"))
        due = int(incremental.get("revisit") or 0)
        requests = incremental.get("requests")
        allowance = (
            truth["live"]
            + truth["moved"]
            + due
            + INCREMENTAL_EXTRA_PER_CATEGORY * truth["categories"]
            + INCREMENTAL_EXTRA_FIXED
        )
        incremental.update(
            day=day,
            new_articles=truth,
            due_revisits=due,
            extra_requests=(requests - truth["live"] - due) if requests is not None else None,
            request_allowance=allowance,
        )
        figures["incremental"] = incremental
        log_crawl(log, incremental)
    finally:
        replica.stop()
        database.stop()
    return figures


def log_crawl(log: Callable[[str], None], figures: dict[str, Any]) -> None:
    log(
        "    {pages} pages in {seconds} s = {pages_per_s} pages/s; crawler peak RSS "
        "{crawler_peak_rss_mb} MB (with its children {crawler_tree_pss_mb} MB PSS); "
        "status {status}".format_map({"status": figures.get("status", "-"), **figures})
    )
    if figures.get("rendering"):
        log("    rendering: " + json.dumps(figures["rendering"]))
    if figures.get("error"):
        log("    ERROR: " + figures["error"][-500:])
