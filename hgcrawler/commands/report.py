"""``hgcrawler report``: the archive as one self-contained HTML page (charts embedded)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hgcrawler.commands._archive import (
    CommandError,
    add_archive_arguments,
    open_archive,
    optional_when,
    output_path,
    run_guarded,
)

DEFAULT_OUT = Path("exports") / "report.html"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out", help=f"HTML file, in a directory that exists (default {DEFAULT_OUT})"
    )
    parser.add_argument("--top", type=int, default=10, help="rows in the top/growth tables")
    parser.add_argument("--charted", type=int, default=5, help="articles drawn per chart")
    parser.add_argument(
        "--since",
        metavar="DATE",
        help="recent changes since DATE (default: 7 days before the last crawl)",
    )
    parser.add_argument("--crawls", type=int, default=10, help="crawls listed (default 10)")
    add_archive_arguments(parser, sites=True)


def run(args: argparse.Namespace) -> int:
    return run_guarded("hgcrawler report", lambda: _report(args))


def _report(args: argparse.Namespace) -> int:
    from hgcrawler.show.report import write_report

    since = optional_when(args.since)
    if min(args.top, args.charted, args.crawls) < 1:
        raise CommandError("--top, --charted and --crawls must be at least 1")
    out = output_path(args.out, DEFAULT_OUT)
    with open_archive(args) as reader:
        try:
            path, context = write_report(
                reader, out, top_n=args.top, charted=args.charted, since=since, crawls=args.crawls
            )
        except OSError as exc:
            raise CommandError(f"cannot write {out}: {exc.strerror or exc}") from None
    totals = context["totals"]
    print(
        f"report on {totals['articles']:,} articles and {totals['crawls']:,} crawls → {path}",
        file=sys.stderr,
    )
    return 0
