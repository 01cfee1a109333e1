"""``hgcrawler replica``: serve the replica portal until Ctrl-C."""

from __future__ import annotations

import argparse

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
    site = ReplicaSite(articles=args.articles, day=args.day, seed=args.seed)
    server = ReplicaServer(site, host=args.host, port=args.port, log_requests=args.log_requests)
    server.start()
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
