"""``hgcrawler replica``: serve the replica portal until Ctrl-C."""

from __future__ import annotations

import argparse
import sys

from hgcrawler.commands._listen import address_text, error_reason, port_problem
from hgcrawler.replica import ReplicaServer, ReplicaSite
from hgcrawler.replica.site import (
    COUNTER_BREAKS,
    COUNTER_MODES,
    DRIFTS,
    REDIRECT_MOVES,
    THEMES,
    URL_SCHEMES,
)


def _theme_schedule(text: str) -> list[tuple[int, str]]:
    """``1:classic,10:redesign`` -> ``[(1, "classic"), (10, "redesign")]``."""
    schedule = []
    for item in text.split(","):
        day, _, theme = item.strip().partition(":")
        if not day.isdigit() or theme not in THEMES:
            raise argparse.ArgumentTypeError(
                f"expected DAY:THEME[,DAY:THEME...] with THEME in {', '.join(THEMES)}, got {item!r}"
            )
        schedule.append((int(day), theme))
    return schedule


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind, e.g. 127.0.0.2 for a second portal (default: %(default)s)",
    )
    parser.add_argument(
        "--port", type=int, default=8000, help="port, 0 for any free one (default: %(default)s)"
    )
    parser.add_argument(
        "--articles",
        type=int,
        default=200,
        help="articles published by day 1 (default: %(default)s)",
    )
    parser.add_argument("--day", type=int, default=1, help="day to start on (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="content seed (default: %(default)s)")
    parser.add_argument("--log-requests", action="store_true", help="log every request")
    parser.add_argument(
        "--url-scheme",
        choices=URL_SCHEMES,
        default="ids",
        help="article URLs with the id (/{category}/{slug}-{id}.html) or without "
        "(/tin-tuc/{slug}.html) (default: %(default)s)",
    )
    parser.add_argument(
        "--redirect-moves",
        choices=REDIRECT_MOVES,
        default=None,
        help="moved articles' old URLs: all answer 301, or about half answer 404 "
        "(default: all with --url-scheme ids, half with slugs)",
    )
    parser.add_argument(
        "--theme",
        choices=THEMES,
        default="classic",
        help="page templates (default: %(default)s)",
    )
    parser.add_argument(
        "--theme-from-day",
        type=int,
        default=None,
        metavar="N",
        help="use --theme from day N; earlier days use the classic theme",
    )
    parser.add_argument(
        "--theme-schedule",
        type=_theme_schedule,
        default=None,
        metavar="DAY:THEME,...",
        help="several theme switches, e.g. 1:classic,10:redesign,20:province2 "
        "(instead of --theme/--theme-from-day)",
    )
    parser.add_argument(
        "--counters",
        choices=COUNTER_MODES,
        default="mixed",
        help="view counters: mostly static (mixed) or all filled by an external script "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--counter-break-day",
        type=int,
        default=None,
        metavar="N",
        help="with --counters script: from day N counter.js calls a new handler",
    )
    parser.add_argument(
        "--counter-break",
        choices=COUNTER_BREAKS,
        default="404",
        help="what the old counter handler answers from the break day (default: %(default)s)",
    )
    parser.add_argument(
        "--maintenance-from-day",
        type=int,
        default=None,
        metavar="N",
        help="from day N every page is the 'Trang đang bảo trì' placeholder",
    )
    parser.add_argument(
        "--relocate-from-day",
        type=int,
        default=None,
        metavar="N",
        help="from day N every article moves to a new URL (/tin-bai/{code}.html, no id) "
        "and every earlier URL answers 404",
    )
    parser.add_argument(
        "--article-404-from-day",
        type=int,
        default=None,
        metavar="N",
        help="from day N every article page answers 404 (listings still link them)",
    )
    parser.add_argument("--faults", action="store_true", help="serve the fault endpoints")
    parser.add_argument(
        "--drift",
        choices=[d for d in DRIFTS if d is not None],
        default=None,
        help="a layout drift of every article page",
    )


#: (argument, ReplicaSite keyword, default) of the options shown in the banner.
_OPTIONS = (
    ("url_scheme", "url_scheme", "ids"),
    ("redirect_moves", "redirect_moves", None),
    ("theme", "theme", "classic"),
    ("theme_from_day", "theme_from_day", None),
    ("theme_schedule", "theme_schedule", None),
    ("counters", "counters", "mixed"),
    ("counter_break_day", "counter_endpoint_break_day", None),
    ("counter_break", "counter_break", "404"),
    ("maintenance_from_day", "maintenance_from_day", None),
    ("relocate_from_day", "relocate_from_day", None),
    ("article_404_from_day", "article_404_from_day", None),
    ("faults", "faults", False),
    ("drift", "drift", None),
)


def _shown(value: object) -> str:
    if isinstance(value, list):  # a theme schedule
        return ",".join(f"{day}:{theme}" for day, theme in value)
    return str(value)


def _print_request_log() -> None:
    """``--log-requests``: the server's request lines on stderr, one per request."""
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    replica_logger = logging.getLogger("hgcrawler.replica")
    replica_logger.addHandler(handler)
    replica_logger.setLevel(logging.INFO)


def run(args: argparse.Namespace) -> int:
    """Exit 0 after Ctrl-C, 2 for a bad option or an address that cannot be listened on."""
    where = address_text(args.host, args.port)
    problem = port_problem(args.port, allow_any=True)
    if problem is not None:
        print(f"hgcrawler replica: cannot listen on {where}: {problem}", file=sys.stderr)
        return 2
    options = {keyword: getattr(args, name) for name, keyword, _ in _OPTIONS}
    try:
        site = ReplicaSite(articles=args.articles, day=args.day, seed=args.seed, **options)
    except ValueError as error:
        print(f"hgcrawler replica: {error}", file=sys.stderr)
        return 2
    if args.log_requests:
        _print_request_log()
    server = ReplicaServer(site, host=args.host, port=args.port, log_requests=args.log_requests)
    try:
        server.start()
    except (OSError, OverflowError) as exc:
        print(f"hgcrawler replica: cannot listen on {where}: {error_reason(exc)}", file=sys.stderr)
        return 2
    chosen = " ".join(
        f"{keyword}={_shown(value)}"
        for (_, keyword, default), value in zip(_OPTIONS, options.values(), strict=True)
        if value != default
    )
    print(
        f"Replica portal at {server.base_url} (day {site.day}, {args.articles} articles)"
        + (f" {chosen}" if chosen else ""),
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0
