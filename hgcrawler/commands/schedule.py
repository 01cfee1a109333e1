"""``hgcrawler schedule``: one crawl per site over Scrapyd nodes, from cron.

    hgcrawler schedule --scrapyd http://node1:6800 --scrapyd http://node2:6800 \\
        --all-sites --mongo-uri mongodb://archive-host/ [--deploy]

Dispatches one job per site (never a second one while a node still runs or holds
one of that site), waits for them, and reads how each ended from its crawl record
in the archive.  Exit code: 0 every crawl finished; 1 a crawl failed, was degraded
or interrupted, or ended without a record; 2 bad options, a node or the archive
unreachable.  See ``docs/sites.md`` ("Many portals on many machines").
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hgcrawler.commands._archive import (
    CommandError,
    add_archive_arguments,
    archive_config,
    run_guarded,
)
from hgcrawler.config import MODES

__all__ = ["configure", "run"]

PROG = "hgcrawler schedule"

#: Settings a node takes from its own configuration, never from a job's arguments.
NODE_OWN_SETTINGS = frozenset({"HGCRAWLER_MONGO_URI"})


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scrapyd",
        action="append",
        required=True,
        metavar="URL",
        help="a Scrapyd node (repeatable), e.g. http://127.0.0.1:6800",
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--site", action="append", metavar="NAME", help="a site (repeatable)")
    which.add_argument("--all-sites", action="store_true", help="every site profile")
    parser.add_argument("--mode", choices=MODES, default="incremental")
    parser.add_argument("--project", default="hgcrawler", help="the Scrapyd project name")
    parser.add_argument("--spider", default="haugiang", help="the spider (default haugiang)")
    parser.add_argument(
        "--deploy",
        action="store_true",
        help="build this checkout's egg and add it to every node (alone: only that)",
    )
    parser.add_argument(
        "--no-wait", action="store_true", help="dispatch and exit without waiting for the jobs"
    )
    parser.add_argument(
        "--timeout", type=float, default=6 * 3600, help="seconds to wait for the jobs"
    )
    parser.add_argument(
        "-s",
        dest="settings",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting for every job, as with `scrapy crawl -s`",
    )
    add_archive_arguments(parser)


def run(args: argparse.Namespace) -> int:
    return run_guarded(PROG, lambda: _schedule(args))


def _schedule(args: argparse.Namespace) -> int:
    from hgcrawler.crawl.runner import parse_setting_pairs
    from hgcrawler.crawl.scrapyd import (
        ScrapydError,
        ScrapydNode,
        build_egg,
        dispatch,
        explain_failures,
        wait,
    )
    from hgcrawler.storage import ArchiveUnreachable, mask_uri, open_reader
    from hgcrawler.storage.mongo import new_crawl_id

    config = archive_config(args)
    sites = list(args.site or [])
    if args.all_sites:
        from hgcrawler.sites import site_names

        sites = site_names()
    if not sites and not args.all_sites and not args.deploy:
        raise CommandError("give --site NAME or --all-sites (or --deploy alone, to deploy)")
    try:
        extra = parse_setting_pairs(args.settings)
    except Exception as exc:  # CrawlSetupError: one line
        raise CommandError(str(exc)) from None
    given = sorted(NODE_OWN_SETTINGS & set(extra))
    if given:
        raise CommandError(
            f"{', '.join(given)} is never given to a job (Scrapyd logs every job's arguments, "
            "a password with them): each node reads the archive's address from its own "
            "$MONGO_URI or <data dir>/mongo-uri (docs/sites.md)"
        )
    nodes = [ScrapydNode(url) for url in args.scrapyd]
    # the archive's address is the nodes' own configuration, never a job argument
    settings = {
        **extra,
        "HGCRAWLER_MONGO_DATABASE": config.database,
        "HGCRAWLER_MODE": args.mode,
    }
    try:
        if args.deploy:
            root = Path(__file__).resolve().parents[2]
            egg = build_egg(root, args.project)
            version = f"{int(__import__('time').time())}"
            for node in nodes:
                node.deploy(args.project, version, egg)
                print(f"deployed {args.project} {version} to {node.url}", file=sys.stderr)
            if not sites:
                return 0
        dispatched = dispatch(
            nodes,
            sites,
            project=args.project,
            spider=args.spider,
            settings=settings,
            new_crawl_id=new_crawl_id,
        )
        for item in dispatched:
            if item.skipped:
                print(f"site {item.site}: skipped: {item.skipped}")
            else:
                print(f"site {item.site}: job {item.job_id} on {item.node}")
        sys.stdout.flush()
        if args.no_wait:
            return 0
        wait(nodes, dispatched, project=args.project, timeout=args.timeout)
    except ScrapydError as exc:
        raise CommandError(str(exc)) from None
    started = [d for d in dispatched if d.skipped is None]
    try:
        with open_reader(config) as reader:
            records = reader.crawls_by_id([d.crawl_id for d in started if d.crawl_id])
    except ArchiveUnreachable as exc:
        raise CommandError(str(exc)) from None
    explain_failures(nodes, [d for d in started if (d.crawl_id or "") not in records])
    worst = 0
    for item in started:
        record = records.get(item.crawl_id or "")
        if item.job_state != "finished":
            line, code = f"still {item.job_state or 'unknown'} after {args.timeout:g} s", 1
        elif record is None:
            why = item.failure or f"see the node's log, {item.log_url or 'its logs directory'}"
            line, code = f"the job ended without a crawl record: {why}", 1
        else:
            counts = record.get("counts") or {}
            status = str(record.get("status", "?"))
            line = (
                f"{status.upper()}: {counts.get('pages', 0)} pages, "
                f"{counts.get('articles', 0)} articles, {counts.get('new', 0)} new"
            )
            problems = record.get("problems") or []
            if problems:
                line += f"; {problems[0]}"
            code = 0 if status == "finished" else 1
        worst = max(worst, code)
        print(f"site {item.site} (job {item.job_id} on {item.node}): {line}")
    where = (
        mask_uri(config.mongo_uri)
        if config.mongo_uri
        else f"the embedded server in {config.data_dir}"
    )
    print(f"archive: database {config.database!r} on {where}", file=sys.stderr)
    return worst
