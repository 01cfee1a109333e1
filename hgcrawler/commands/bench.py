"""``hgcrawler bench``: measure speed and memory (see ``README.md, "Performance"``)."""

from __future__ import annotations

import argparse
import sys

from hgcrawler.bench import configure_parser, format_table, options_from_args, run_benchmark


def configure(parser: argparse.ArgumentParser) -> None:
    configure_parser(parser)


def run(args: argparse.Namespace) -> int:
    try:
        result = run_benchmark(options_from_args(args))
    except (OSError, RuntimeError) as exc:
        print(f"hgcrawler bench: {exc}", file=sys.stderr)
        return 1
    print(format_table(result))
    print(f"figures written to {args.out}")
    return 0
