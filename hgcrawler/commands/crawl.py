"""``hgcrawler crawl``: one crawl into the archive, fit for cron; or several sites at once.

``--site NAME`` picks the site profile (``docs/sites.md``); given more than once,
or with ``--all-sites``, each site is crawled in its own process (see
:func:`hgcrawler.crawl.runner.run_sites`), its summary printed with its name, and the
run exits with one code for all (:func:`hgcrawler.crawl.runner.combined_exit_code`).
"""

from __future__ import annotations

import argparse
import sys

from hgcrawler.config import MODES, ArchiveConfig, ConfigError, sites_dir
from hgcrawler.crawl.runner import (
    DEFAULT_PARALLEL,
    EXIT_CONFIG,
    FAST_SETTINGS,
    CrawlSetupError,
    SiteRun,
    check_database,
    combined_exit_code,
    describe_exit,
    format_summary,
    parse_setting_pairs,
    project_settings,
    run_crawl,
    run_sites,
)
from hgcrawler.sites import ProfileError, site_names


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--mode", choices=MODES, default="incremental")
    parser.add_argument(
        "--site",
        dest="sites",
        action="append",
        default=[],
        metavar="NAME",
        help="the site profile to crawl (default: HGCRAWLER_SITE, haugiang); repeat it to "
        "crawl several sites, each in its own process",
    )
    parser.add_argument(
        "--all-sites",
        action="store_true",
        help="crawl every site profile not marked enabled = false (built-in and --sites-dir)",
    )
    parser.add_argument(
        "--sites-dir", help="your site profiles (HGCRAWLER_SITES_DIR; default DATA_DIR/sites)"
    )
    parser.add_argument(
        "--parallel",
        type=int,
        default=DEFAULT_PARALLEL,
        metavar="N",
        help=f"several sites: how many crawl at once (default {DEFAULT_PARALLEL})",
    )
    parser.add_argument(
        "--start-url", help="the portal's home page (default: the site profile's start_url)"
    )
    parser.add_argument("--mongo-uri", help="MongoDB URI (default: $MONGO_URI, else embedded)")
    parser.add_argument(
        "--database",
        help="database name (default: $HGCRAWLER_MONGO_DATABASE, else 'hgcrawler')",
    )
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


def _overrides(args: argparse.Namespace) -> dict[str, object]:
    overrides: dict[str, object] = dict(FAST_SETTINGS) if args.fast else {}
    overrides["HGCRAWLER_MODE"] = args.mode
    if args.start_url:
        overrides["HGCRAWLER_START_URL"] = args.start_url
    if args.mongo_uri:
        overrides["HGCRAWLER_MONGO_URI"] = args.mongo_uri
    if args.database:
        overrides["HGCRAWLER_MONGO_DATABASE"] = args.database
    if args.data_dir:
        overrides["HGCRAWLER_DATA_DIR"] = args.data_dir
    if args.sites_dir:
        overrides["HGCRAWLER_SITES_DIR"] = args.sites_dir
    if args.all:
        overrides["HGCRAWLER_REVISIT_ALL"] = True
    if args.contact:
        overrides["HGCRAWLER_CONTACT"] = args.contact
    if len(args.sites) == 1 and not args.all_sites:
        overrides["HGCRAWLER_SITE"] = args.sites[0]
    progress = args.progress if args.progress is not None else (30 if sys.stderr.isatty() else 0)
    overrides["HGCRAWLER_PROGRESS_INTERVAL"] = progress
    overrides.update(parse_setting_pairs(args.settings))
    return overrides


def run(args: argparse.Namespace) -> int:
    try:
        overrides = _overrides(args)
        if args.all_sites or len(args.sites) > 1:
            return _run_several(args, overrides)
        settings = project_settings(overrides)
        outcome = run_crawl(settings, log_file=args.log_file, fast=args.fast)
    except CrawlSetupError as exc:
        print(f"hgcrawler crawl: {exc}", file=sys.stderr)
        return exc.exit_code
    print(format_summary(outcome.crawl, outcome.log_file, site=outcome.site))
    return outcome.exit_code


# --------------------------------------------------------------------------- several sites


def _crawl_args(args: argparse.Namespace) -> list[str]:
    """The options each site's crawl gets: the ones given here, but one site's own."""
    forwarded = ["--mode", args.mode, "--progress", "0"]
    for option, value in (
        ("--data-dir", args.data_dir),
        ("--database", args.database),
        ("--sites-dir", args.sites_dir),
        ("--contact", args.contact),
    ):
        if value:
            forwarded += [option, value]
    forwarded += ["--all"] if args.all else []
    forwarded += ["--fast"] if args.fast else []
    for pair in args.settings:
        forwarded += ["-s", pair]
    return forwarded


def _sites_to_crawl(args: argparse.Namespace, overrides: dict[str, object]) -> list[str]:
    """The sites named, and with ``--all-sites`` every enabled profile (a profile file
    that cannot be read is still named: its crawl says why it cannot start)."""
    names = list(args.sites)
    if args.all_sites:
        try:
            directory = sites_dir(project_settings(overrides))
            names = [*site_names(directory), *names]
        except (ConfigError, ProfileError) as exc:
            raise CrawlSetupError(str(exc)) from None
        if not names:
            raise CrawlSetupError(f"no site profile is enabled (built-in or in {directory})")
    return list(dict.fromkeys(names))


def _print_site(run: SiteRun) -> None:
    code = EXIT_CONFIG if run.exit_code is None else run.exit_code
    out = run.stdout.splitlines()
    for line in out:
        print(f"[{run.site}] {line}", flush=True)
    if not out:
        print(f"[{run.site}] {describe_exit(code)} (exit {code})", flush=True)
    for line in run.stderr.splitlines():
        print(f"[{run.site}] {line}", file=sys.stderr, flush=True)


def _run_several(args: argparse.Namespace, overrides: dict[str, object]) -> int:
    for option, value in (("--start-url", args.start_url), ("--log-file", args.log_file)):
        if value:
            raise CrawlSetupError(
                f"{option} is for one site; with several, each crawls its profile's start_url "
                "and logs to DATA_DIR/logs/crawl-<site>-<time>.log"
            )
    if args.parallel < 1:
        raise CrawlSetupError(f"--parallel must be at least 1, got {args.parallel}")
    sites = _sites_to_crawl(args, overrides)
    settings = project_settings({k: v for k, v in overrides.items() if k != "HGCRAWLER_SITE"})
    try:
        archive = ArchiveConfig.from_settings(settings)
    except ConfigError as exc:
        raise CrawlSetupError(str(exc)) from None
    # one check, and the embedded server started once, for all the sites' crawls
    uri = check_database(archive)
    runs = run_sites(
        sites,
        _crawl_args(args),
        parallel=args.parallel,
        on_done=_print_site,
        environment={"MONGO_URI": uri},
    )
    codes = [EXIT_CONFIG if run.exit_code is None else run.exit_code for run in runs]
    code = combined_exit_code(codes)
    outcomes = ", ".join(
        f"{run.site} {describe_exit(c)}" for run, c in zip(runs, codes, strict=True)
    )
    print(f"{len(runs)} sites: {outcomes}; exit {code}", flush=True)
    return code
