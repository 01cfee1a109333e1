"""The performance benchmark: ``hgcrawler bench`` / ``python -m benchmarks.run``.

On this machine, in one run, side by side (see ``README.md, "Performance"``):

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
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["BenchOptions", "configure_parser", "main", "run_benchmark"]

# Targets of issue 6/7 (reported, never asserted).
TARGET_FULL_VS_SCRAPY = 0.8
TARGET_RSS_SMALL_MB = 250.0
TARGET_RSS_GROWTH = 1.2
TARGET_EXTRACTION_SPEEDUP = 10.0
#: Incremental overhead allowed beyond new and moved articles and due revisits: home
#: page, robots.txt, about/contact and up to three listing pages per category.
INCREMENTAL_EXTRA_PER_CATEGORY = 3
INCREMENTAL_EXTRA_FIXED = 5
BODY_F1_THRESHOLD = 0.9
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
REPLICA_BANNER = re.compile(r"Replica portal at (http://\S+/)")
LOGSTATS_LINE = re.compile(r"Crawled (\d+) pages \(at")
STATS_LINE = re.compile(r"^\s*[{ ]?'([^']+)':\s*(-?\d+(?:\.\d+)?),?\}?\s*$")


@dataclass
class BenchOptions:
    articles: list[int] = field(default_factory=lambda: [5000, 20000])
    pages: int = 1000
    out: Path = Path("exports/bench.json")
    scrapy_bench_seconds: float = 10.0
    new_articles: int = 50
    baseline: str = "first"  # "first" | "all" | "none": crawls without item pipelines
    work_dir: Path | None = None  # kept when given, else a temporary directory
    timeout: float = 3600.0  # per crawl
    quick: bool = False
    log: Callable[[str], None] = field(default=lambda message: print(message, flush=True))


# --------------------------------------------------------------------------- /proc


def proc_status_kb(pid: int, key: str) -> int | None:
    """A ``kB`` field (``VmRSS``, ``VmHWM``) of ``/proc/PID/status``, or None."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def proc_cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a live process, from ``/proc/PID/stat``."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    except (OSError, ValueError, IndexError):
        return None


class RssSampler:
    """Samples VmRSS of some processes in a thread; keeps the maximum per pid."""

    def __init__(self, pids: Sequence[int], interval: float = 0.2) -> None:
        self.pids = list(pids)
        self.interval = interval
        self.peak_kb: dict[int, int] = dict.fromkeys(self.pids, 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in self.pids:
                kb = proc_status_kb(pid, "VmRSS")
                if kb is not None and kb > self.peak_kb[pid]:
                    self.peak_kb[pid] = kb
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)


def mb(kb: float | None) -> float | None:
    return None if kb is None else round(kb / 1024, 1)


# --------------------------------------------------------------------------- helpers


def parse_scrapy_stats(log_text: str) -> dict[str, float]:
    """Numeric values of the last "Dumping Scrapy stats" block of a Scrapy log."""
    start = log_text.rfind("Dumping Scrapy stats")
    stats: dict[str, float] = {}
    if start < 0:
        return stats
    for line in log_text[start:].splitlines()[1:]:
        match = STATS_LINE.match(line)
        if match:
            value = float(match.group(2))
            stats[match.group(1)] = int(value) if value.is_integer() else value
        if line.rstrip().endswith("}"):
            break
    return stats


def _ratio(a: float | None, b: float | None, digits: int = 2) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return round(a / b, digits)


def _per_second(count: float | None, seconds: float | None) -> float | None:
    if count is None or not seconds:
        return None
    return round(count / seconds, 1)


def _child_env() -> dict[str, str]:
    """The environment for child processes, without Scrapy project selection."""
    env = dict(os.environ)
    for name in ("SCRAPY_SETTINGS_MODULE", "SCRAPY_PROJECT", "MONGO_URI"):
        env.pop(name, None)
    env["PYTHONUNBUFFERED"] = "1"
    return env


@dataclass
class ChildResult:
    returncode: int
    seconds: float
    max_rss_kb: int
    cpu_seconds: float
    stdout: str
    stderr: str


def run_measured(
    command: Sequence[str],
    *,
    cwd: Path,
    timeout: float,
    watch: Sequence[int] = (),
) -> tuple[ChildResult, dict[int, int]]:
    """Run ``command``; its peak RSS and CPU time from ``wait4``, peak RSS of ``watch`` pids."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            list(command), cwd=cwd, stdout=out, stderr=err, env=_child_env(), close_fds=True
        )
        deadline = started + timeout
        with RssSampler([process.pid, *watch]) as sampler:
            while True:
                pid, status, usage = os.wait4(process.pid, os.WNOHANG)
                if pid == process.pid:
                    break
                if time.perf_counter() > deadline:
                    process.kill()
                    pid, status, usage = os.wait4(process.pid, 0)
                    break
                time.sleep(0.05)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        result = ChildResult(
            returncode=process.returncode,
            seconds=seconds,
            max_rss_kb=max(int(usage.ru_maxrss), sampler.peak_kb.get(process.pid, 0)),
            cpu_seconds=usage.ru_utime + usage.ru_stime,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
        )
    return result, {pid: sampler.peak_kb.get(pid, 0) for pid in watch}


# --------------------------------------------------------------------------- scrapy bench


def scrapy_bench(seconds: float, work_dir: Path, timeout: float = 300) -> dict[str, Any]:
    """``scrapy bench`` outside any project: pages/s of Scrapy's own link-following spider."""
    bench_dir = work_dir / "scrapy-bench"
    bench_dir.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "scrapy", "bench",
        "-s", f"CLOSESPIDER_TIMEOUT={seconds:g}", "-s", "LOGSTATS_INTERVAL=60",
    ]  # fmt: skip
    result, _ = run_measured(command, cwd=bench_dir, timeout=timeout)
    stats = parse_scrapy_stats(result.stderr)
    pages = stats.get("response_received_count")
    elapsed = stats.get("elapsed_time_seconds")
    return {
        "command": "scrapy bench " + " ".join(command[4:]),
        "returncode": result.returncode,
        "pages": pages,
        "seconds": elapsed,
        "pages_per_s": _per_second(pages, elapsed),
        "peak_rss_mb": mb(result.max_rss_kb),
        "cpu_seconds": round(result.cpu_seconds, 1),
        "note": "scrapy bench serves its pages from the same process and machine",
    }


# --------------------------------------------------------------------------- replica


class ReplicaProcess:
    """``hgcrawler replica`` in a child process, on a port chosen by the OS."""

    def __init__(self, articles: int, work_dir: Path, day: int = 1) -> None:
        self.articles = articles
        self.log_path = work_dir / f"replica-{articles}.log"
        command = [
            sys.executable, "-m", "hgcrawler.cli", "replica",
            "--port", "0", "--articles", str(articles), "--day", str(day),
        ]  # fmt: skip
        self._log = open(self.log_path, "w+b")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            command, stdout=self._log, stderr=subprocess.STDOUT, env=_child_env(), close_fds=True
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
) -> dict[str, Any]:
    """One ``hgcrawler crawl`` in a child process, measured."""
    data_dir = work_dir / "crawler-data"
    data_dir.mkdir(parents=True, exist_ok=True)
    log_file = work_dir / f"crawl-{label}.log"
    command = [
        sys.executable, "-m", "hgcrawler.cli", "crawl", "--mode", mode, "--fast",
        "--start-url", base_url, "--mongo-uri", uri, "--data-dir", str(data_dir),
        "--log-file", str(log_file), "--progress", "0",
        "-s", f"HGCRAWLER_MONGO_DATABASE={database}", "-s", "HGCRAWLER_RENDER=never",
        "-s", "LOG_LEVEL=INFO",
    ]  # fmt: skip
    if not storage:
        command += ["-s", "ITEM_PIPELINES={}"]
    cpu_before = {name: proc_cpu_seconds(pid) for name, pid in watch.items()}
    result, peaks = run_measured(command, cwd=work_dir, timeout=timeout, watch=list(watch.values()))
    cpu_after = {name: proc_cpu_seconds(pid) for name, pid in watch.items()}
    log_text = log_file.read_text(encoding="utf-8", errors="replace") if log_file.exists() else ""
    stats = parse_scrapy_stats(log_text)
    pages = stats.get("response_received_count")
    seconds = stats.get("elapsed_time_seconds")
    interrupted = None
    if pages is None:  # stopped before the stats dump: last progress line, wall time
        crawled = LOGSTATS_LINE.findall(log_text)
        if crawled:
            pages, seconds = int(crawled[-1]), round(result.seconds, 2)
            interrupted = "no Scrapy stats dump: pages from the last LogStats line, wall time"
        if "Received SIGTERM" in log_text:
            interrupted = f"{interrupted or ''}; the crawl received SIGTERM".lstrip("; ")
    figures: dict[str, Any] = {
        "mode": mode,
        "storage": storage,
        "returncode": result.returncode,
        "pages": pages,
        "requests": stats.get("downloader/request_count"),
        "seconds": round(seconds, 2) if seconds is not None else None,
        "wall_seconds": round(result.seconds, 1),
        "pages_per_s": _per_second(pages, seconds),
        "items": stats.get("item_scraped_count"),
        "crawler_peak_rss_mb": mb(result.max_rss_kb),
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
            articles_stored_per_s=_per_second(
                counts.get("articles") or record.get("_stored_articles"), duration
            ),
            articles_in_db=record.get("_stored_articles"),
        )
    if pages is None or (storage and result.returncode != 0):
        figures["error"] = (result.stderr or result.stdout)[-2000:]
    return figures


def bench_size(
    articles: int, options: BenchOptions, work_dir: Path, baseline: bool
) -> dict[str, Any]:
    """Full crawl (and baseline), then incremental, for one replica size."""
    from hgcrawler.storage.embedded import EmbeddedDatabase

    size_dir = work_dir / f"replica-{articles}"
    size_dir.mkdir(parents=True, exist_ok=True)
    database = EmbeddedDatabase(size_dir / "db")
    db_info = database.start()
    db_pid = int(db_info["pid"])
    replica = ReplicaProcess(articles, size_dir)
    log = options.log
    figures: dict[str, Any] = {"articles": articles}
    try:
        watch = {"db": db_pid, "replica": replica.pid}
        common: dict[str, Any] = {
            "base_url": replica.base_url,
            "uri": database.uri,
            "work_dir": size_dir,
            "timeout": options.timeout,
            "watch": watch,
        }
        if baseline:
            log(f"[{articles}] full crawl without item pipelines (Scrapy + extraction only) ...")
            figures["full_no_storage"] = crawl(
                mode="full", database="bench_nostore", label="full-no-storage", storage=False,
                **common,
            )  # fmt: skip
            _log_crawl(log, figures["full_no_storage"])
        log(f"[{articles}] full crawl, all pipelines, embedded database ...")
        full = crawl(mode="full", database="bench", label="full", **common)
        full["db_peak_rss_mb"] = mb(proc_status_kb(db_pid, "VmHWM"))
        figures["full"] = full
        _log_crawl(log, full)

        day, published = day_for_new_articles(articles, options.new_articles)
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
        _log_crawl(log, incremental)
    finally:
        replica.stop()
        database.stop()
    return figures


def _log_crawl(log: Callable[[str], None], figures: dict[str, Any]) -> None:
    log(
        "    {pages} pages in {seconds} s = {pages_per_s} pages/s; crawler peak RSS "
        "{crawler_peak_rss_mb} MB; status {status}".format_map(
            {"status": figures.get("status", "-"), **figures}
        )
    )
    if figures.get("error"):
        log("    ERROR: " + figures["error"][-500:])


# --------------------------------------------------------------------------- extraction


def _norm(value: Any) -> str:
    if value is None:
        return ""
    return " ".join(unicodedata.normalize("NFC", str(value)).split())


def token_f1(found: str, expected: str) -> float:
    """Bag-of-words F1 of two texts (the usual content-extraction score)."""
    from collections import Counter

    got, want = Counter(_norm(found).split()), Counter(_norm(expected).split())
    if not got and not want:
        return 1.0
    common = sum((got & want).values())
    if not common:
        return 0.0
    precision, recall = common / sum(got.values()), common / sum(want.values())
    return 2 * precision * recall / (precision + recall)


@dataclass
class SavedPage:
    url: str
    path: Path
    truth: dict[str, Any]


def save_pages(articles: int, count: int, pages_dir: Path) -> list[SavedPage]:
    """``count`` article pages of the replica, spread over all ids, saved with their truth."""
    from hgcrawler.replica import ReplicaServer, ReplicaSite, Request

    site = ReplicaSite(articles=articles, day=1)
    server = ReplicaServer(site)  # only its request handler; never started
    base_url = "http://replica.test/"
    truths = [t for t in site.live_articles()]
    step = max(1, len(truths) // max(count, 1))
    pages_dir.mkdir(parents=True, exist_ok=True)
    saved = []
    for truth in truths[::step][:count]:
        response = server.handle(Request("GET", truth.url, {}, base_url))
        path = pages_dir / f"{truth.id}.html"
        path.write_bytes(response.body)
        saved.append(
            SavedPage(
                url=truth.absolute_url(base_url),
                path=path,
                truth={
                    "variant": truth.variant,
                    "title": truth.title,
                    "updated_on": truth.updated_on.isoformat(),
                    "author": truth.author,
                    "category": truth.category,
                    "views": truth.views if truth.views_in_static_html else None,
                    "lede": truth.lede,
                    "body": "\n\n".join(truth.body),
                },
            )
        )
    return saved


def _ours(html: bytes, url: str) -> dict[str, Any] | None:
    from hgcrawler.extraction import NotAnArticle, extract_article

    try:
        return extract_article(html, url, encoding="utf-8")
    except NotAnArticle:
        return None


def _trafilatura(html: bytes, url: str) -> dict[str, Any] | None:
    import trafilatura

    result = trafilatura.extract(html, url=url, output_format="json", with_metadata=True)
    return json.loads(result) if result else None


def _score(name: str, record: dict[str, Any] | None, truth: dict[str, Any]) -> dict[str, Any]:
    """Per-field correctness of one extraction against the truth."""
    if record is None:
        return {"title": 0, "date": 0, "author": 0, "text_f1": 0.0, "extracted": 0}
    if name == "ours":
        text = "\n\n".join(part for part in (record.get("lede"), record.get("body")) if part)
        date = record.get("updated_on")
    else:
        text = record.get("text") or record.get("raw_text") or ""
        date = record.get("date")
    expected_text = "\n\n".join(part for part in (truth["lede"], truth["body"]) if part)
    scores: dict[str, Any] = {
        "extracted": 1,
        "title": int(_norm(record.get("title")) == _norm(truth["title"])),
        "date": int((date or "")[:10] == truth["updated_on"]),
        "author": int(_norm(record.get("author")) == _norm(truth["author"])),
        "text_f1": token_f1(text, expected_text),
    }
    if name == "ours":
        scores["category"] = int(_norm(record.get("category")) == _norm(truth["category"]))
        scores["views"] = int(record.get("views") == truth["views"])
        scores["lede"] = int(_norm(record.get("lede")) == _norm(truth["lede"]))
        scores["body_exact"] = int(record.get("body") == truth["body"])
    else:
        categories = record.get("categories") or ""
        scores["category"] = int(bool(truth["category"]) and truth["category"] in categories)
    return scores


def _time_extractor(
    extractor: Callable[[bytes, str], dict[str, Any] | None],
    pages: list[tuple[SavedPage, bytes]],
) -> tuple[list[dict[str, Any] | None], list[float]]:
    for page, html in pages[:10]:  # warm up: imports, caches
        extractor(html, page.url)
    records, timings = [], []
    for page, html in pages:
        started = time.perf_counter()
        records.append(extractor(html, page.url))
        timings.append(time.perf_counter() - started)
    return records, timings


def bench_extraction(articles: int, count: int, work_dir: Path) -> dict[str, Any]:
    saved = save_pages(articles, count, work_dir / "pages")
    pages = [(page, page.path.read_bytes()) for page in saved]
    extractors: dict[str, Callable[[bytes, str], dict[str, Any] | None]] = {"ours": _ours}
    figures: dict[str, Any] = {
        "pages": len(pages),
        "replica_articles": articles,
        "mean_page_bytes": round(statistics.fmean(len(html) for _, html in pages)) if pages else 0,
        "body_f1_threshold": BODY_F1_THRESHOLD,
    }
    try:
        import trafilatura

        extractors["trafilatura"] = _trafilatura
        figures["trafilatura_version"] = trafilatura.__version__
    except ImportError as exc:
        figures["trafilatura_error"] = f"trafilatura not importable: {exc}"
    for name, extractor in extractors.items():
        records, timings = _time_extractor(extractor, pages)
        scores = [_score(name, r, p.truth) for r, (p, _) in zip(records, pages, strict=True)]
        n = max(len(scores), 1)
        accuracy = {
            key: round(sum(s.get(key, 0) for s in scores) / n, 4)
            for key in ("extracted", "title", "date", "author", "category")
        }
        f1s = [s["text_f1"] for s in scores]
        accuracy["text_f1_mean"] = round(statistics.fmean(f1s), 4) if f1s else 0.0
        accuracy["text"] = round(sum(f >= BODY_F1_THRESHOLD for f in f1s) / n, 4)
        if name == "ours":
            for key in ("views", "lede", "body_exact"):
                accuracy[key] = round(sum(s.get(key, 0) for s in scores) / n, 4)
        total = sum(timings)
        figures[name] = {
            "ms_per_page": round(total / n * 1000, 3),
            "median_ms": round(statistics.median(timings) * 1000, 3) if timings else None,
            "seconds": round(total, 2),
            "accuracy": accuracy,
        }
    return figures


# --------------------------------------------------------------------------- the run


def _versions() -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    versions: dict[str, Any] = {"python": platform.python_version()}
    for package in ("scrapy", "twisted", "lxml", "pymongo", "SecantusDB", "trafilatura"):
        with contextlib.suppress(PackageNotFoundError):
            versions[package] = version(package)
    return versions


def _summary(result: dict[str, Any]) -> dict[str, Any]:
    """Ratios and targets from the figures."""
    bench = (result.get("scrapy_bench") or {}).get("pages_per_s")
    ratios: dict[str, Any] = {}
    targets: dict[str, Any] = {}
    sizes = result.get("crawls", {})
    for size, figures in sizes.items():
        full = figures.get("full", {})
        ratio = _ratio(full.get("pages_per_s"), bench)
        ratios[f"full_{size}_vs_scrapy_bench"] = ratio
        if "full_no_storage" in figures:
            ratios[f"full_no_storage_{size}_vs_scrapy_bench"] = _ratio(
                figures["full_no_storage"].get("pages_per_s"), bench
            )
            ratios[f"full_{size}_vs_no_storage"] = _ratio(
                full.get("pages_per_s"), figures["full_no_storage"].get("pages_per_s")
            )
        targets[f"full_{size}_pages_per_s"] = {
            "target": f">= {TARGET_FULL_VS_SCRAPY} x scrapy bench",
            "value": ratio,
            "met": None if ratio is None else ratio >= TARGET_FULL_VS_SCRAPY,
        }
        incremental = figures.get("incremental", {})
        if incremental.get("requests") is not None:
            ratios[f"incremental_{size}_requests_per_new_article"] = _ratio(
                incremental["requests"], incremental["new_articles"]["live"]
            )
            targets[f"incremental_{size}_requests"] = {
                "target": "<= new + moved + due revisits + 3 per category + 5",
                "value": incremental["requests"],
                "allowance": incremental["request_allowance"],
                "met": incremental["requests"] <= incremental["request_allowance"],
            }
    ordered = sorted(sizes, key=int)
    if ordered:
        small = sizes[ordered[0]].get("full", {}).get("crawler_peak_rss_mb")
        targets[f"crawler_rss_{ordered[0]}_mb"] = {
            "target": f"<= {TARGET_RSS_SMALL_MB:g} MB",
            "value": small,
            "met": None if small is None else small <= TARGET_RSS_SMALL_MB,
        }
        if len(ordered) > 1:
            large = sizes[ordered[-1]].get("full", {}).get("crawler_peak_rss_mb")
            growth = _ratio(large, small)
            ratios[f"crawler_rss_{ordered[-1]}_vs_{ordered[0]}"] = growth
            targets[f"crawler_rss_{ordered[-1]}_vs_{ordered[0]}"] = {
                "target": f"<= {TARGET_RSS_GROWTH}",
                "value": growth,
                "met": None if growth is None else growth <= TARGET_RSS_GROWTH,
            }
    extraction = result.get("extraction") or {}
    ours, theirs = extraction.get("ours"), extraction.get("trafilatura")
    if ours and theirs:
        speedup = _ratio(theirs["ms_per_page"], ours["ms_per_page"], 1)
        ratios["trafilatura_vs_ours_ms_per_page"] = speedup
        fields = ("title", "date", "author", "text")
        as_good = all(ours["accuracy"][f] >= theirs["accuracy"][f] for f in fields)
        targets["extraction_speedup"] = {
            "target": f">= {TARGET_EXTRACTION_SPEEDUP:g} x faster than trafilatura",
            "value": speedup,
            "met": None if speedup is None else speedup >= TARGET_EXTRACTION_SPEEDUP,
        }
        targets["extraction_accuracy"] = {
            "target": "ours >= trafilatura on title, date, author, text",
            "value": {f: [ours["accuracy"][f], theirs["accuracy"][f]] for f in fields},
            "met": as_good,
        }
    return {"ratios": ratios, "targets": targets}


def format_table(result: dict[str, Any]) -> str:
    """The human-readable summary printed at the end."""
    lines = [f"hgcrawler bench  {result['finished_at']}  ({result['machine']['cpus']} CPUs)"]
    bench = result.get("scrapy_bench") or {}
    if bench.get("pages_per_s"):
        lines.append(
            f"  scrapy bench            {bench['pages_per_s']:>8} pages/s "
            f"({bench['pages']} pages in {bench['seconds']:.1f} s; its server is in-process)"
        )
    lines.append(
        "  replica, hgcrawler crawl and SecantusDB are three processes sharing the same CPUs"
    )
    for size, figures in result.get("crawls", {}).items():
        for label in ("full_no_storage", "full", "incremental"):
            f = figures.get(label)
            if not f:
                continue
            name = {"full": "full", "full_no_storage": "full, no storage"}.get(label, label)
            line = (
                f"  {size:>6} {name:<17} {f.get('pages_per_s') or 0:>8} pages/s  "
                f"{f.get('pages')} pages in {f.get('seconds')} s  "
                f"crawler RSS {f.get('crawler_peak_rss_mb')} MB"
            )
            if label != "full_no_storage":
                line += (
                    f"  db RSS {f.get('db_peak_rss_mb')} MB  "
                    f"stored {f.get('articles_stored_per_s')} articles/s"
                )
            lines.append(line)
            lines.append(
                f"  {'':>6} {'':<17} CPU s: crawler {f.get('crawler_cpu_seconds')}, "
                f"db {f.get('db_cpu_seconds')}, replica {f.get('replica_cpu_seconds')}"
            )
            if label == "incremental":
                lines.append(
                    f"  {'':>6} {'':<17} {f.get('requests')} requests for "
                    f"{f['new_articles']['live']} new live articles (day {f['day']}), "
                    f"{f.get('due_revisits')} due revisits, {f.get('extra_requests')} others"
                )
    extraction = result.get("extraction") or {}
    for name in ("ours", "trafilatura"):
        e = extraction.get(name)
        if e:
            acc = e["accuracy"]
            lines.append(
                f"  extraction {name:<12} {e['ms_per_page']:>8.2f} ms/page"
                f"  title {acc['title']:.3f}"
                f"  date {acc['date']:.3f}  author {acc['author']:.3f}  text {acc['text']:.3f}"
                f" (F1 {acc['text_f1_mean']:.3f})  on {extraction['pages']} pages"
            )
    lines.append("  ratios:")
    for name, value in result["ratios"].items():
        lines.append(f"    {name:<45} {value}")
    lines.append("  targets:")
    for name, target in result["targets"].items():
        met = {True: "met", False: "MISSED", None: "?"}[target["met"]]
        lines.append(f"    {name:<45} {met:<7} {target['value']}  ({target['target']})")
    return "\n".join(lines)


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
            "quick": options.quick,
        },
        "notes": [
            "scrapy bench runs its own server in the same process as its spider",
            "the replica, the crawler and SecantusDB run as three processes on the same CPUs",
            "pages/s = response_received_count / elapsed_time_seconds from the Scrapy stats",
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
            result["crawls"][str(articles)] = bench_size(articles, options, work_dir, baseline)
        if options.pages > 0:
            articles = min(options.articles) if options.articles else 5000
            log(f"extraction on {options.pages} saved pages of a {articles}-article replica ...")
            result["extraction"] = bench_extraction(articles, options.pages, work_dir)
    finally:
        if not keep:
            shutil.rmtree(work_dir, ignore_errors=True)
    result["finished_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    result.update(_summary(result))
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n")
    return result


# --------------------------------------------------------------------------- command line


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
        "--out", type=Path, default=Path("exports/bench.json"), help="JSON file of the figures"
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
    parser.add_argument("--work-dir", type=Path, help="keep logs, pages and databases here")
    parser.add_argument("--quick", action="store_true", help="a tiny run (for tests)")


def options_from_args(args: argparse.Namespace) -> BenchOptions:
    quick = bool(args.quick)

    def pick(value: Any, full: Any, small: Any) -> Any:
        return value if value is not None else (small if quick else full)

    return BenchOptions(
        articles=pick(args.articles, [5000, 20000], [100]),
        pages=pick(args.pages, 1000, 50),
        out=args.out,
        scrapy_bench_seconds=pick(args.scrapy_bench_seconds, 10.0, 2.0),
        new_articles=pick(args.new_articles, 50, 10),
        baseline=args.baseline,
        work_dir=args.work_dir,
        quick=quick,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    configure_parser(parser)
    args = parser.parse_args(argv)
    result = run_benchmark(options_from_args(args))
    print(format_table(result))
    print(f"figures written to {args.out}")
    return 0
