"""Running one crawl the way cron does: settings, database, log file, summary, exit code.

Used by ``hgcrawler crawl`` and ``hgcrawler demo``.  The crawl itself is the
ordinary ``haugiang`` spider with the project's pipelines and its crawl session
(:mod:`hgcrawler.session`, which takes the crawl lock), so ``scrapy crawl
haugiang`` behaves the same apart from the summary.

Exit codes (also those of ``scrapy crawl``, see :mod:`hgcrawler.scrapy_commands`):

==========  ==================================================================
0           finished: the archive is current
1           failed or degraded (the summary names the cause)
2           bad settings or options, database unreachable, data dir unusable
3           another crawl holds the lock
128 + N     interrupted by signal N: 130 for Ctrl-C (SIGINT), 143 for SIGTERM
==========  ==================================================================
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import signal
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings

from hgcrawler.config import ConfigError, HgcrawlerConfig, is_loopback

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_CRAWL_FAILED = 1  # failed or degraded
EXIT_CONFIG = 2  # bad settings, database unreachable
EXIT_LOCKED = 3  # another crawl holds the lock
EXIT_SIGNAL_BASE = 128  # + the signal's number when interrupted

FAST_SETTINGS = {
    # For the local replica only: no politeness delays.
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
}


class CrawlSetupError(RuntimeError):
    """A crawl could not start; the message is for the user (no traceback)."""

    def __init__(self, message: str, exit_code: int = EXIT_CONFIG) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class CrawlOutcome:
    exit_code: int
    crawl: dict[str, Any] = field(default_factory=dict)
    log_file: str | None = None


def project_settings(overrides: Mapping[str, Any] | None = None) -> Settings:
    """hgcrawler's settings, wherever the command is run from (cron's cwd is ``$HOME``)."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "hgcrawler.settings")
    settings = get_project_settings()
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    return settings


def parse_setting_pairs(pairs: list[str]) -> dict[str, str]:
    """``["NAME=VALUE", ...]`` as given to ``-s``."""
    result = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise CrawlSetupError(f"-s expects NAME=VALUE, got {pair!r}")
        result[name.strip()] = value
    return result


def read_config(settings: Settings, *, fast: bool = False) -> HgcrawlerConfig:
    """The crawl's configuration, checked; :class:`CrawlSetupError` (exit 2) when unusable."""
    try:
        config = HgcrawlerConfig.from_settings(settings)
        config.check_politeness()
    except ConfigError as exc:
        raise CrawlSetupError(str(exc)) from None
    if fast and not is_loopback(config.start_url):
        raise CrawlSetupError(
            f"--fast turns politeness delays off and is for a local replica only; "
            f"{config.start_url} is not on this machine"
        )
    return config


def exit_code_for(crawl: Mapping[str, Any], interrupted_by: str | None = None) -> int:
    """The documented exit code of a crawl record (see the module doc)."""
    status = crawl.get("status", "failed")
    if status == "finished":
        return EXIT_OK
    if status == "interrupted":
        try:
            number = signal.Signals[interrupted_by or "SIGINT"].value
        except KeyError:
            number = signal.SIGINT.value
        return EXIT_SIGNAL_BASE + number
    return EXIT_CRAWL_FAILED


def check_database(config: HgcrawlerConfig) -> str:
    """The archive's URI, the embedded server started if needed, checked reachable."""
    from hgcrawler.storage import DatabaseError, archive_uri, mask_uri
    from hgcrawler.storage.mongo import MongoArchiveStore
    from hgcrawler.storage.uri import mongo_error_reason

    try:
        uri = archive_uri(config.archive)
    except DatabaseError as exc:
        raise CrawlSetupError(f"cannot start the embedded database: {exc}") from exc
    store = MongoArchiveStore(uri, config.archive.database, write_retries=0)
    try:
        store.ensure_indexes()
    except Exception as exc:  # StoreError and what pymongo raises before it
        cause = exc.__cause__ if exc.__cause__ is not None else exc
        raise CrawlSetupError(
            f"cannot reach MongoDB at {mask_uri(uri)}: {mongo_error_reason(cause)}"
        ) from None
    finally:
        store.close()
    return uri


def run_crawl(
    settings: Settings,
    *,
    spider_kwargs: Mapping[str, Any] | None = None,
    log_file: str | None = None,
    fast: bool = False,
) -> CrawlOutcome:
    """Run the ``haugiang`` spider once; the crawl session takes the lock."""
    from scrapy.crawler import CrawlerProcess

    from hgcrawler.session import CrawlSession

    config = read_config(settings, fast=fast)
    try:
        config.archive.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise CrawlSetupError(
            f"cannot use data directory {config.archive.data_dir}: {reason}"
        ) from None
    check_writable(config.archive.journal_dir, "spill journal")
    uri = check_database(config)
    settings.set("HGCRAWLER_MONGO_URI", uri, priority="cmdline")
    if log_file is None and not settings.get("LOG_FILE"):
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        log_dir = config.archive.data_dir / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        log_file = str(log_dir / f"crawl-{stamp}.log")
    if log_file:
        settings.set("LOG_FILE", log_file, priority="cmdline")
    if config.progress_interval > 0:
        extensions = settings.getdict("EXTENSIONS")
        extensions["hgcrawler.extensions.CrawlProgress"] = 500
        settings.set("EXTENSIONS", extensions, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler("haugiang")
    process.crawl(crawler, **dict(spider_kwargs or {}))
    process.start()
    session = crawler.get_extension(CrawlSession) if crawler.extensions else None
    if session is not None and session.stats.get_value("hgcrawler/open_error_kind") == "locked":
        raise CrawlSetupError(str(session.open_error), EXIT_LOCKED)
    summary = session.summary if session is not None else None
    crawl = dict(summary) if summary else {"status": "failed", "problems": ["the crawl never ran"]}
    interrupted_by = session.interrupted_by if session is not None else None
    return CrawlOutcome(
        exit_code=exit_code_for(crawl, interrupted_by), crawl=crawl, log_file=log_file
    )


def check_writable(directory: Path, what: str) -> None:
    """Create ``directory`` and write, sync and delete a small file in it, or raise
    :class:`CrawlSetupError` naming it (read-only file system, disk full, not a directory)."""
    probe = directory / f".write-test-{os.getpid()}"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with open(probe, "wb") as handle:
            handle.write(b"x" * 4096)
            handle.flush()
            os.fsync(handle.fileno())
        probe.unlink()
    except OSError as exc:
        with contextlib.suppress(OSError):
            probe.unlink()
        reason = exc.strerror or str(exc)
        raise CrawlSetupError(
            f"cannot write the {what} in {directory}: {reason}; free some space or choose "
            "another --data-dir"
        ) from None


def format_summary(crawl: Mapping[str, Any], log_file: str | None = None) -> str:
    """The one-screen summary printed at the end of a crawl."""
    counts = crawl.get("counts") or {}
    started, finished = crawl.get("started_at"), crawl.get("finished_at")
    duration = ""
    if isinstance(started, dt.datetime) and isinstance(finished, dt.datetime):
        duration = f" in {(finished - started).total_seconds():.1f} s"

    def pair(left: str, right: str) -> str:
        return (
            f"  {left:<14} {counts.get(left.replace(' ', '_'), 0):>7}    "
            f"{right:<10} {counts.get(right.replace(' ', '_'), 0):>7}"
        )

    lines = [
        f"crawl {crawl.get('_id', '?')} ({crawl.get('mode', '?')}): "
        f"{str(crawl.get('status', '?')).upper()}{duration}",
        "  pages fetched  {pages:>7}    articles   {articles:>7}".format(
            pages=counts.get("pages", 0), articles=counts.get("articles", 0)
        ),
        pair("new", "revisited"),
        pair("changed", "removed"),
        pair("moved", "rendered"),
        pair("rejected", "errors"),
    ]
    extra = [
        f"{name.replace('_', ' ')} {counts[name]}"
        for name in ("layout_changed", "views_down", "collisions", "spilled")
        if counts.get(name)
    ]
    if extra:
        lines.append("  " + ", ".join(extra))
    for problem in crawl.get("problems") or []:
        lines.append(f"  problem: {problem}")
    if log_file:
        lines.append(f"  log: {log_file}")
    return "\n".join(lines)
