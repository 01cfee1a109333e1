"""``hgcrawler replica``: serve the replica portal until Ctrl-C."""

from __future__ import annotations

import argparse
import sys

from hgcrawler.commands._listen import address_text, error_reason, port_problem
from hgcrawler.replica import ReplicaServer, ReplicaSite


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default: %(default)s)"
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


def run(args: argparse.Namespace) -> int:
    """Exit 0 after Ctrl-C, 2 when the address cannot be listened on."""
    where = address_text(args.host, args.port)
    problem = port_problem(args.port, allow_any=True)
    if problem is not None:
        print(f"hgcrawler replica: cannot listen on {where}: {problem}", file=sys.stderr)
        return 2
    site = ReplicaSite(articles=args.articles, day=args.day, seed=args.seed)
    server = ReplicaServer(site, host=args.host, port=args.port, log_requests=args.log_requests)
    try:
        server.start()
    except (OSError, OverflowError) as exc:
        print(f"hgcrawler replica: cannot listen on {where}: {error_reason(exc)}", file=sys.stderr)
        return 2
    print(
        f"Replica portal at {server.base_url} (day {site.day}, {args.articles} articles)",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0
