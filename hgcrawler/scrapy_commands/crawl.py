"""``scrapy crawl``, as Scrapy's own command, with hgcrawler's outcome.

The crawl session (:mod:`hgcrawler.crawl.session`) takes the same lock as ``hgcrawler
crawl`` and judges the crawl; this command turns that into one line on stderr
and the exit codes documented in :mod:`hgcrawler.crawl.runner` (3 when another crawl
holds the lock, 1 when the crawl failed or is degraded, 128 + N when signal N
interrupted it, 2 for a bad setting).
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from hgcrawler.config import (
    ConfigError,
    apply_spider_arguments,
    crawl_config,
    crawl_lock_path,
)
from hgcrawler.crawl.lock import LockBusy, SingleInstanceLock
from hgcrawler.crawl.runner import EXIT_CONFIG, EXIT_LOCKED, exit_code_for, format_summary
from hgcrawler.crawl.session import CrawlSession

if TYPE_CHECKING:
    import argparse

logger = logging.getLogger(__name__)


class Command(ScrapyCrawlCommand):
    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        # Another crawl of the site holds the lock: refused before Scrapy starts and
        # logs anything (the crawl session takes the lock for real when the spider opens).
        # The lock is the data directory's and the site's, which spider arguments do not
        # set: read from the settings alone, before the crawl's configuration exists.
        try:
            with SingleInstanceLock(crawl_lock_path(self.settings)):
                pass
        except LockBusy as exc:
            print(f"scrapy crawl: {exc}", file=sys.stderr)
            raise SystemExit(EXIT_LOCKED) from None
        except (ConfigError, OSError):
            pass  # reported by run() and by the crawl session, with the log

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give one spider: scrapy crawl haugiang")
        assert self.crawler_process is not None and self.settings is not None
        try:
            crawler = self.crawler_process.create_crawler(args[0])
            # the spider's arguments (-a start_url=..., -a mode=...) are settings too; the
            # configuration checked here is the crawl's (crawl_config: built once)
            apply_spider_arguments(crawler.settings, opts.spargs)
            crawl_config(crawler)
        except ConfigError as exc:
            self._refuse(str(exc), EXIT_CONFIG)
            return
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
        session = crawler.get_extension(CrawlSession) if crawler.extensions else None
        if session is None:
            return
        if session.stats.get_value("hgcrawler/open_error_kind") == "locked":
            print(f"scrapy crawl: {session.open_error}", file=sys.stderr)
            self.exitcode = EXIT_LOCKED
            return
        if session.summary is not None:
            self.exitcode = exit_code_for(session.summary, session.interrupted_by)
            if self.exitcode:
                print(format_summary(session.summary), file=sys.stderr)

    def _refuse(self, message: str, exit_code: int) -> None:
        """One line on stderr, and in the log file when there is one (a Scrapyd job's
        log is where ``hgcrawler schedule`` reads why a job ended without a crawl)."""
        print(f"scrapy crawl: {message}", file=sys.stderr)
        assert self.settings is not None
        if self.settings.get("LOG_FILE"):
            logger.error("scrapy crawl: %s", message)
        self.exitcode = exit_code
