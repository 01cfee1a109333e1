"""The ``hgcrawler`` command: a thin dispatcher over ``hgcrawler.commands.*``.

Each command module exposes ``configure(parser)`` and ``run(args) -> int``.
The CLI composes; parsing and storage logic live in their own modules.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

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


if __name__ == "__main__":
    sys.exit(main())
