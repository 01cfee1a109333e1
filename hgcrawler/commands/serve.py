"""``hgcrawler serve``: browse the archive in a web browser (read-only, local by default).

Serves :func:`hgcrawler.show.web.create_app` with waitress on 127.0.0.1 unless ``--host``
says otherwise (then a warning: there is no login).  The archive is found as every
command finds it (``--mongo-uri``, ``--database``, ``--data-dir``); its URI is
shown masked.
"""

from __future__ import annotations

import argparse
import sys

from hgcrawler.commands._archive import (
    CommandError,
    add_archive_arguments,
    archive_config,
    run_guarded,
)
from hgcrawler.commands._listen import address_text, listen_problem, port_problem

__all__ = ["configure", "run"]

PROG = "hgcrawler serve"
LOCAL = "127.0.0.1"
DEFAULT_PORT = 8800


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host",
        default=LOCAL,
        help=f"address to listen on (default {LOCAL}: this machine only; anything else "
        "lets others read the archive, without a login)",
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: any free)"
    )
    parser.add_argument("--threads", type=int, default=4, help="requests served at once (4)")
    add_archive_arguments(parser, sites=True)


def run(args: argparse.Namespace) -> int:
    return run_guarded(PROG, lambda: _serve(args))


def _serve(args: argparse.Namespace) -> int:
    from waitress.server import create_server

    from hgcrawler.show.web import create_app
    from hgcrawler.storage import ArchiveUnreachable, SchemaError, archive_uri, mask_uri
    from hgcrawler.storage.connect import open_database

    bad_port = port_problem(args.port, allow_any=True)
    if bad_port is not None:
        raise CommandError(f"cannot listen on {address_text(args.host, args.port)}: {bad_port}")
    if not 1 <= args.threads <= 64:
        raise CommandError("--threads must be 1-64")
    if args.port:
        problem = listen_problem(args.host, args.port)
        if problem is not None:
            raise CommandError(f"cannot listen on {address_text(args.host, args.port)}: {problem}")
    config = archive_config(args)
    try:
        with open_database(config) as db:
            from hgcrawler.storage import ArchiveReader

            reader = ArchiveReader(db, args.site or None)
            reader.check()
            _ = reader.sites  # an unknown --site is refused now, not on every page
            label = f"database {config.database!r} on {mask_uri(archive_uri(config))}"
            app = create_app(db, config.data_dir, sites=args.site, archive_label=label)
            server = create_server(
                app, host=args.host, port=args.port, threads=args.threads, ident="hgcrawler"
            )
            port = server.effective_port
            where = address_text(args.host, int(port))
            if args.host not in (LOCAL, "localhost", "::1"):
                print(
                    f"{PROG}: WARNING: listening on {args.host}: anyone who can reach this "
                    "address can read the whole archive; there is no login",
                    file=sys.stderr,
                )
            print(f"Browsing {label} at http://{where}/  (Ctrl-C stops)", flush=True)
            try:
                server.run()
            except KeyboardInterrupt:
                pass
            finally:
                server.close()
    except (ArchiveUnreachable, SchemaError) as exc:
        raise CommandError(str(exc)) from None
    return 0
