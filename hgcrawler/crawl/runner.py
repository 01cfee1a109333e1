"""Running crawls the way cron does: settings, database, log file, summary, exit code.

Used by ``hgcrawler crawl`` and ``hgcrawler demo``.  The crawl itself is the
ordinary ``haugiang`` spider with the project's pipelines and its crawl session
(:mod:`hgcrawler.crawl.session`, which takes the site's crawl lock), so ``scrapy crawl
haugiang`` behaves the same apart from the summary.

Several sites (:func:`run_sites`) are crawled each in its own ``hgcrawler crawl
--site NAME`` process — its own Scrapy settings (the site's politeness), reactor
and lock — a few at a time, and give one exit code (:func:`combined_exit_code`).

Exit codes (also those of ``scrapy crawl``, see :mod:`hgcrawler.scrapy_commands`):

==========  ==================================================================
0           finished: the archive is current
1           failed or degraded (the summary names the cause)
2           bad settings or options, database unreachable, data dir unusable
3           another crawl holds the lock
128 + N     interrupted by signal N: 130 for Ctrl-C (SIGINT), 143 for SIGTERM
==========  ==================================================================

For several sites, 0 only when every site finished; otherwise the most severe
of the sites' codes, in this order: 3 (a site was being crawled already) <
1 (a site's crawl failed or is degraded) < 2 (a site could not start: settings,
profile, database) < 128 + N (the run was interrupted).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings

from hgcrawler.config import (
    ArchiveConfig,
    ConfigError,
    HgcrawlerConfig,
    hand_over_config,
    is_loopback,
)
from hgcrawler.sites import DEFAULT_SITE

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_CRAWL_FAILED = 1  # failed or degraded
EXIT_CONFIG = 2  # bad settings, database unreachable
EXIT_LOCKED = 3  # another crawl holds the lock
EXIT_SIGNAL_BASE = 128  # + the signal's number when interrupted

#: Several sites: how severe each exit code is (higher wins; interrupted is above all).
EXIT_SEVERITY = {EXIT_OK: 0, EXIT_LOCKED: 1, EXIT_CRAWL_FAILED: 2, EXIT_CONFIG: 3}
#: Several sites: how many crawl at once by default.
DEFAULT_PARALLEL = 4

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
    site: str = DEFAULT_SITE


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


def check_database(config: ArchiveConfig) -> str:
    """The archive's URI, the embedded server started if needed, checked reachable."""
    from hgcrawler.storage import DatabaseError, SchemaError, archive_uri, mask_uri
    from hgcrawler.storage.mongo import MongoArchiveStore
    from hgcrawler.storage.uri import mongo_error_reason

    try:
        uri = archive_uri(config)
    except DatabaseError as exc:
        raise CrawlSetupError(f"cannot start the embedded database: {exc}") from exc
    store = MongoArchiveStore(uri, config.database, write_retries=0)
    try:
        store.ensure_indexes()
    except SchemaError as exc:  # an archive of an earlier release: `db migrate`
        raise CrawlSetupError(str(exc)) from None
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

    from hgcrawler.crawl.session import CrawlSession

    config = read_config(settings, fast=fast)
    try:
        config.archive.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise CrawlSetupError(
            f"cannot use data directory {config.archive.data_dir}: {reason}"
        ) from None
    check_writable(config.archive.journal_dir, "spill journal")
    uri = check_database(config.archive)
    settings.set("HGCRAWLER_MONGO_URI", uri, priority="cmdline")
    # the configuration checked above, at the archive's URI just set: the crawl's own
    config = replace(config, archive=replace(config.archive, mongo_uri=uri))
    if log_file is None and not settings.get("LOG_FILE"):
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        log_dir = config.archive.data_dir / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        site = "" if config.site.name == DEFAULT_SITE else f"{config.site.name}-"
        log_file = str(log_dir / f"crawl-{site}{stamp}.log")
    if log_file:
        settings.set("LOG_FILE", log_file, priority="cmdline")
    if config.progress_interval > 0:
        extensions = settings.getdict("EXTENSIONS")
        extensions["hgcrawler.crawl.extensions.CrawlProgress"] = 500
        settings.set("EXTENSIONS", extensions, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler("haugiang")
    hand_over_config(crawler, config)  # built once per crawl
    process.crawl(crawler, **dict(spider_kwargs or {}))
    process.start()
    session = crawler.get_extension(CrawlSession) if crawler.extensions else None
    if session is not None and session.stats.get_value("hgcrawler/open_error_kind") == "locked":
        raise CrawlSetupError(str(session.open_error), EXIT_LOCKED)
    summary = session.summary if session is not None else None
    crawl = dict(summary) if summary else {"status": "failed", "problems": ["the crawl never ran"]}
    interrupted_by = session.interrupted_by if session is not None else None
    return CrawlOutcome(
        exit_code=exit_code_for(crawl, interrupted_by),
        crawl=crawl,
        log_file=log_file,
        site=config.site.name,
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


def format_summary(
    crawl: Mapping[str, Any], log_file: str | None = None, site: str | None = None
) -> str:
    """The one-screen summary printed at the end of a crawl (of ``site``, when named)."""
    counts = crawl.get("counts") or {}
    site = site or crawl.get("site")
    of_site = f", site {site}" if site else ""
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
        f"crawl {crawl.get('_id', '?')} ({crawl.get('mode', '?')}{of_site}): "
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


# --------------------------------------------------------------------------- several sites


def combined_exit_code(codes: Iterable[int]) -> int:
    """One exit code for several sites' crawls (see the module doc): 0 only when all
    finished, else the most severe; an interrupted run exits 128 + N.

    >>> combined_exit_code([0, 0]), combined_exit_code([0, 3, 1]), combined_exit_code([2, 1])
    (0, 1, 2)
    >>> combined_exit_code([1, 130, 0])
    130
    """
    codes = list(codes)
    interrupted = [code for code in codes if code >= EXIT_SIGNAL_BASE]
    if interrupted:
        return max(interrupted)
    unknown = EXIT_SEVERITY[EXIT_CONFIG]
    return max(codes, key=lambda code: EXIT_SEVERITY.get(code, unknown), default=EXIT_OK)


def describe_exit(code: int) -> str:
    """A site's outcome in a word or two, from its exit code."""
    if code >= EXIT_SIGNAL_BASE:
        try:
            return f"interrupted ({signal.Signals(code - EXIT_SIGNAL_BASE).name})"
        except ValueError:
            return "interrupted"
    return {
        EXIT_OK: "finished",
        EXIT_CRAWL_FAILED: "failed or degraded",
        EXIT_CONFIG: "not started (settings, profile or database)",
        EXIT_LOCKED: "already being crawled",
    }.get(code, f"failed (exit {code})")


@dataclass
class SiteRun:
    """One site's crawl process and what it printed."""

    site: str
    exit_code: int | None = None
    stdout: str = ""
    stderr: str = ""
    started: bool = False


def _child_environment() -> dict[str, str]:
    """This process's environment, with this checkout of hgcrawler first on the path."""
    import hgcrawler

    root = str(Path(hgcrawler.__file__).resolve().parents[1])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    return env


def _read_back(handle: IO[bytes]) -> str:
    handle.seek(0)
    return handle.read().decode("utf-8", "replace")


class _SiteProcess:
    """A running ``hgcrawler crawl --site NAME`` with its output in temporary files."""

    def __init__(self, run: SiteRun, command: list[str], env: dict[str, str]) -> None:
        self.run = run
        self.stack = contextlib.ExitStack()
        self.out = self.stack.enter_context(tempfile.TemporaryFile())  # noqa: SIM115
        self.err = self.stack.enter_context(tempfile.TemporaryFile())  # noqa: SIM115
        # a session of its own: a terminal's Ctrl-C reaches the crawl once, from us
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=self.out,
            stderr=self.err,
            env=env,
            start_new_session=True,
        )
        run.started = True

    def finished(self) -> bool:
        if self.process.poll() is None:
            return False
        code = self.process.returncode
        self.run.exit_code = EXIT_SIGNAL_BASE - code if code < 0 else code  # killed: -N
        self.run.stdout, self.run.stderr = _read_back(self.out), _read_back(self.err)
        self.stack.close()
        return True

    def signal(self, signum: int) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(OSError):
                self.process.send_signal(signum)

    def abandon(self) -> None:
        self.signal(signal.SIGTERM)
        self.stack.close()


def run_sites(
    sites: Sequence[str],
    crawl_args: Sequence[str],
    *,
    parallel: int = DEFAULT_PARALLEL,
    on_done: Callable[[SiteRun], None] | None = None,
    environment: Mapping[str, str] | None = None,
) -> list[SiteRun]:
    """Crawl each site in its own ``hgcrawler crawl --site NAME CRAWL_ARGS`` process,
    at most ``parallel`` at once; ``on_done`` is called as each one ends.
    ``environment``: variables added to the crawls' environment.

    SIGINT and SIGTERM are passed on to the running crawls (which stop and record
    themselves as interrupted); sites not started yet are not started.
    """
    runs = [SiteRun(site) for site in sites]
    waiting = deque(runs)
    running: list[_SiteProcess] = []
    received: list[int] = []
    env = {**_child_environment(), **(environment or {})}

    def forward(signum: int, frame: Any) -> None:
        received.append(signum)
        for child in running:
            child.signal(signum)

    def done(run: SiteRun) -> None:
        if on_done is not None:
            on_done(run)

    previous = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(ValueError):  # not the main thread
            previous[signum] = signal.signal(signum, forward)
    try:
        while waiting or running:
            while waiting and len(running) < max(1, parallel) and not received:
                run = waiting.popleft()
                command = [sys.executable, "-m", "hgcrawler.cli", "crawl", "--site", run.site]
                running.append(_SiteProcess(run, [*command, *crawl_args], env))
            while received and waiting:
                run = waiting.popleft()
                run.exit_code = EXIT_SIGNAL_BASE + received[0]
                run.stderr = "hgcrawler crawl: not started: the run was interrupted\n"
                done(run)
            for child in [child for child in running if child.finished()]:
                running.remove(child)
                done(child.run)
            time.sleep(0.05)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for child in running:  # only after an error here: leave no crawl behind
            child.abandon()
    return runs
