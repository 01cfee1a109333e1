"""Running one crawl the way cron does: settings, lock, database, log file, summary, exit code.

Used by ``hgcrawler crawl`` and ``hgcrawler demo``. The crawl itself is the
ordinary ``haugiang`` spider with the project's pipelines, so ``scrapy crawl
haugiang`` behaves the same apart from the lock and the summary.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy.exceptions import NotConfigured
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings

from hgcrawler.config import HgcrawlerConfig
from hgcrawler.rendering import RenderConfig

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_CRAWL_FAILED = 1  # failed, degraded or interrupted
EXIT_CONFIG = 2  # bad settings, database unreachable
EXIT_LOCKED = 3  # another crawl holds the lock

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


def start_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a crawl's start URL, or None: it must be an absolute
    ``http``/``https`` URL with a host (and, if given, a valid port).

    >>> start_url_problem("https://haugiang.dcs.vn/") is None
    True
    >>> start_url_problem("ftp://x")
    "the scheme must be http or https, not 'ftp'"
    """
    if not url.strip():
        return "it is empty"
    if any(char.isspace() for char in url):
        return "it contains white space"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:  # "Port out of range 0-65535", "Invalid IPv6 URL"
        text = str(exc)
        return text[:1].lower() + text[1:]
    if not parts.scheme or not url.lower().startswith(f"{parts.scheme.lower()}://"):
        return "not an absolute URL (expected http://HOST/ or https://HOST/)"
    if parts.scheme.lower() not in ("http", "https"):
        return f"the scheme must be http or https, not {parts.scheme!r}"
    if not parts.hostname:
        return "it has no host"
    if port == 0:
        return "port 0 is not a port to crawl"
    return None


def check_start_url(url: str) -> str:
    """``url`` if it can start a crawl, else :class:`CrawlSetupError` (exit 2)."""
    problem = start_url_problem(url)
    if problem is not None:
        raise CrawlSetupError(f"bad start URL {url!r}: {problem}")
    return url


def resolve_database(settings: Settings, config: HgcrawlerConfig) -> str:
    """The MongoDB URI to use, the embedded server started if needed; checked reachable."""
    from pymongo import MongoClient
    from pymongo.errors import PyMongoError

    from hgcrawler.commands._archive import mongo_error_reason
    from hgcrawler.storage.embedded import DatabaseError
    from hgcrawler.storage.uri import mask_uri, resolve_mongo_uri

    try:
        uri, _embedded = resolve_mongo_uri(config.mongo_uri, config.data_dir)
    except DatabaseError as exc:
        raise CrawlSetupError(f"cannot start the embedded database: {exc}") from exc
    client: MongoClient[dict[str, Any]] = MongoClient(uri, serverSelectionTimeoutMS=5000)
    try:
        client.admin.command("ping")
    except PyMongoError as exc:
        raise CrawlSetupError(
            f"cannot reach MongoDB at {mask_uri(uri)}: {mongo_error_reason(exc)}"
        ) from None
    finally:
        client.close()
    return uri


def run_crawl(
    settings: Settings,
    *,
    spider_kwargs: Mapping[str, Any] | None = None,
    log_file: str | None = None,
) -> CrawlOutcome:
    """Run the ``haugiang`` spider once under the single-instance lock."""
    from scrapy.crawler import CrawlerProcess

    from hgcrawler.lock import LockBusy, SingleInstanceLock

    try:
        config = HgcrawlerConfig.from_settings(settings)
        RenderConfig.from_settings(settings)
    except NotConfigured as exc:
        raise CrawlSetupError(f"bad setting: {exc}") from None
    # the spider's start_url argument wins over the setting, as in the spider
    check_start_url(str((spider_kwargs or {}).get("start_url") or config.start_url))
    lock = SingleInstanceLock(config.data_dir / "crawl.lock")
    try:
        lock.acquire()
    except LockBusy as exc:
        raise CrawlSetupError(str(exc), EXIT_LOCKED) from None
    except OSError as exc:
        raise CrawlSetupError(f"cannot use data directory {config.data_dir}: {exc}") from None
    try:
        check_writable(config.data_dir / "journal" / config.mongo_database, "spill journal")
        uri = resolve_database(settings, config)
        settings.set("HGCRAWLER_MONGO_URI", uri, priority="cmdline")
        if log_file is None and not settings.get("LOG_FILE"):
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
            log_dir = config.data_dir / "logs"
            log_dir.mkdir(parents=True, exist_ok=True)
            log_file = str(log_dir / f"crawl-{stamp}.log")
        if log_file:
            settings.set("LOG_FILE", log_file, priority="cmdline")
        if settings.getfloat("HGCRAWLER_PROGRESS_INTERVAL", 0) > 0:
            extensions = settings.getdict("EXTENSIONS")
            extensions["hgcrawler.extensions.CrawlProgress"] = 500
            settings.set("EXTENSIONS", extensions, priority="cmdline")
        process = CrawlerProcess(settings)
        crawler = process.create_crawler("haugiang")
        process.crawl(crawler, **dict(spider_kwargs or {}))
        process.start()
        crawl_id = crawler.stats.get_value("hgcrawler/crawl_id") if crawler.stats else None
        summary = crawler.stats.get_value("hgcrawler/crawl_summary") if crawler.stats else None
        crawl = dict(summary) if summary else load_crawl(uri, config.mongo_database, crawl_id)
    finally:
        lock.release()
    status = crawl.get("status", "failed")
    exit_code = EXIT_OK if status == "finished" else EXIT_CRAWL_FAILED
    return CrawlOutcome(exit_code=exit_code, crawl=crawl, log_file=log_file)


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


def load_crawl(uri: str, database: str, crawl_id: str | None) -> dict[str, Any]:
    from pymongo import MongoClient
    from pymongo.errors import PyMongoError

    from hgcrawler.storage.uri import mask_uri

    if crawl_id is None:
        return {"status": "failed", "problems": ["the crawl never opened its archive"]}
    client: MongoClient[dict[str, Any]] = MongoClient(uri, serverSelectionTimeoutMS=5000)
    try:
        return client[database].crawls.find_one({"_id": crawl_id}) or {
            "_id": crawl_id,
            "status": "failed",
            "problems": ["no crawl record was written"],
        }
    except PyMongoError as exc:
        return {
            "_id": crawl_id,
            "status": "failed",
            "problems": [
                f"cannot read the crawl record from {mask_uri(uri)}: {type(exc).__name__}"
            ],
        }
    finally:
        client.close()


def format_summary(crawl: Mapping[str, Any], log_file: str | None = None) -> str:
    """The one-screen summary printed at the end of a crawl."""
    counts = crawl.get("counts") or {}
    started, finished = crawl.get("started_at"), crawl.get("finished_at")
    duration = ""
    if isinstance(started, dt.datetime) and isinstance(finished, dt.datetime):
        duration = f" in {(finished - started).total_seconds():.1f} s"
    lines = [
        f"crawl {crawl.get('_id', '?')} ({crawl.get('mode', '?')}): "
        f"{str(crawl.get('status', '?')).upper()}{duration}",
        "  pages fetched  {pages:>7}    articles   {articles:>7}".format(
            pages=counts.get("pages", 0), articles=counts.get("articles", 0)
        ),
        "  new            {new:>7}    revisited  {revisited:>7}".format(
            new=counts.get("new", 0), revisited=counts.get("revisited", 0)
        ),
        "  changed        {changed:>7}    removed    {removed:>7}".format(
            changed=counts.get("changed", 0), removed=counts.get("removed", 0)
        ),
        "  moved          {moved:>7}    rendered   {rendered:>7}".format(
            moved=counts.get("moved", 0), rendered=counts.get("rendered", 0)
        ),
        "  rejected       {rejected:>7}    errors     {errors:>7}".format(
            rejected=counts.get("rejected", 0), errors=counts.get("errors", 0)
        ),
    ]
    for problem in crawl.get("problems") or []:
        lines.append(f"  problem: {problem}")
    if log_file:
        lines.append(f"  log: {log_file}")
    return "\n".join(lines)


def data_dir_of(settings: Settings) -> Path:
    return HgcrawlerConfig.from_settings(settings).data_dir
