"""The ``hgcrawler`` command: a thin dispatcher over ``hgcrawler.commands.*``.

Each command module exposes ``configure(parser)`` and ``run(args) -> int``.
The CLI composes; parsing and storage logic live in their own modules.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

# name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "crawl": ("hgcrawler.commands.crawl", "crawl the portal into the archive (for cron)"),
    "sites": ("hgcrawler.commands.sites", "site profiles: list them, check one against its portal"),
    "demo": ("hgcrawler.commands.demo", "crawl the replica over several days, offline"),
    "db": ("hgcrawler.commands.db", "manage the embedded database"),
    "extract": ("hgcrawler.commands.extract", "extract one article page to JSON"),
    "replica": ("hgcrawler.commands.replica", "serve the local replica of the portal"),
    "warc": ("hgcrawler.commands.warc", "raw responses in WARC files"),
    "query": ("hgcrawler.commands.query", "ask the archive: top, history, growth, changes, …"),
    "export": ("hgcrawler.commands.export", "export articles, observations, revisions"),
    "plot": ("hgcrawler.commands.plot", "chart view counts over time (PNG)"),
    "report": ("hgcrawler.commands.report", "a self-contained HTML report of the archive"),
    "serve": ("hgcrawler.commands.serve", "browse the archive in a web browser (read-only)"),
    "schedule": ("hgcrawler.commands.schedule", "dispatch crawls to Scrapyd nodes (for cron)"),
    "bench": ("hgcrawler.commands.bench", "measure speed and memory"),
}


#: Commands that only read the archive and return when all is written and closed
#: (see :func:`entry`).
QUESTIONS = frozenset(("query", "export", "warc"))


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The CLI's parser; only ``command``'s module is imported (keeps start-up fast)."""
    parser = argparse.ArgumentParser(
        prog="hgcrawler",
        description="Archival crawler for the Hậu Giang provincial party committee portal.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module_name, help_text) in COMMANDS.items():
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        if name == command:
            module = importlib.import_module(module_name)
            module.configure(command_parser)
            command_parser.set_defaults(handler=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(command)
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `hgcrawler ... | head`
        return 0


def entry() -> NoReturn:
    """The ``hgcrawler`` process: :func:`main`, then exit.

    A question (:data:`QUESTIONS`) has closed its database clients and files by the
    time :func:`main` returns, yet a normal interpreter exit would then wait up to
    half a second for pymongo's monitor threads of those closed clients to wake
    from their minimum heartbeat sleep and be joined — more than the question
    itself takes on a small archive.  So a question flushes its output and logs and
    leaves at once; every other command exits normally."""
    argv = sys.argv[1:]
    code = main(argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    if command not in QUESTIONS:
        sys.exit(code)
    logging.shutdown()
    with contextlib.suppress(BrokenPipeError):  # `hgcrawler query … | head`: reader gone
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    entry()
