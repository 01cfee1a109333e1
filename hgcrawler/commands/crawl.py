"""``hgcrawler crawl``: one crawl into the archive, fit for cron."""

from __future__ import annotations

import argparse
import sys

from hgcrawler.config import MODES
from hgcrawler.runner import (
    FAST_SETTINGS,
    CrawlSetupError,
    format_summary,
    parse_setting_pairs,
    project_settings,
    run_crawl,
)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--mode", choices=MODES, default="incremental")
    parser.add_argument("--start-url", help="the portal's home page (default: HGCRAWLER_START_URL)")
    parser.add_argument("--mongo-uri", help="MongoDB URI (default: $MONGO_URI, else embedded)")
    parser.add_argument("--data-dir", help="embedded database, lock, logs and journal directory")
    parser.add_argument(
        "--contact",
        help="e-mail or URL where the portal's operators can reach you (HGCRAWLER_CONTACT; "
        "required to crawl anything but a local replica)",
    )
    parser.add_argument("--all", action="store_true", help="revisit mode: every known article")
    parser.add_argument("--log-file", help="log file (default: DATA_DIR/logs/crawl-<time>.log)")
    parser.add_argument(
        "--fast",
        action="store_true",
        help="no politeness delays (for the local replica only, never the real portal)",
    )
    parser.add_argument(
        "--progress",
        type=float,
        default=None,
        metavar="SECONDS",
        help="progress line on stderr every SECONDS (default 30 on a terminal, else off)",
    )
    parser.add_argument(
        "-s",
        dest="settings",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a Scrapy/hgcrawler setting, as with `scrapy crawl -s`",
    )


def run(args: argparse.Namespace) -> int:
    try:
        overrides: dict[str, object] = dict(FAST_SETTINGS) if args.fast else {}
        overrides["HGCRAWLER_MODE"] = args.mode
        if args.start_url:
            overrides["HGCRAWLER_START_URL"] = args.start_url
        if args.mongo_uri:
            overrides["HGCRAWLER_MONGO_URI"] = args.mongo_uri
        if args.data_dir:
            overrides["HGCRAWLER_DATA_DIR"] = args.data_dir
        if args.all:
            overrides["HGCRAWLER_REVISIT_ALL"] = True
        if args.contact:
            overrides["HGCRAWLER_CONTACT"] = args.contact
        progress = (
            args.progress if args.progress is not None else (30 if sys.stderr.isatty() else 0)
        )
        overrides["HGCRAWLER_PROGRESS_INTERVAL"] = progress
        overrides.update(parse_setting_pairs(args.settings))
        settings = project_settings(overrides)
        outcome = run_crawl(settings, log_file=args.log_file, fast=args.fast)
    except CrawlSetupError as exc:
        print(f"hgcrawler crawl: {exc}", file=sys.stderr)
        return exc.exit_code
    print(format_summary(outcome.crawl, outcome.log_file))
    return outcome.exit_code
