"""``hgcrawler bench``: measure speed and memory (``docs/performance.md``); with
``--archive``, the archive's questions on a month and on three years of history.

The benchmark is not part of the installed package: it lives in the source
checkout's ``benchmarks/`` package (``python -m benchmarks.run``), since it needs
the test extra (trafilatura). This command runs it from the checkout that holds
the running ``hgcrawler`` (an editable install, or ``python -m hgcrawler.cli`` in
a checkout), else from a checkout in the current directory.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType

import hgcrawler

EXIT_NO_CHECKOUT = 2


def checkout_candidates() -> list[Path]:
    """Where a source checkout may be: the running package's parent, then the current directory."""
    return [Path(hgcrawler.__file__).resolve().parents[1], Path.cwd().resolve()]


def is_checkout(root: Path) -> bool:
    """A source checkout of hgcrawler: ``pyproject.toml``, the package and ``benchmarks/run.py``."""
    return all(
        (root / part).is_file()
        for part in ("pyproject.toml", "hgcrawler/__init__.py", "benchmarks/run.py")
    )


def load_benchmarks(candidates: Iterable[Path]) -> ModuleType | None:
    """``benchmarks.run`` of the first checkout among ``candidates``, or None."""
    for root in candidates:
        if not is_checkout(root):
            continue
        if str(root) not in sys.path:
            sys.path.insert(0, str(root))
        module = importlib.import_module("benchmarks.run")
        if Path(module.__file__ or "").resolve().is_relative_to(root):
            return module
    return None


def configure(parser: argparse.ArgumentParser) -> None:
    """The benchmark's own options; without a checkout, one line on stderr and exit 2
    (before argument parsing, which could not know the options)."""
    module = load_benchmarks(checkout_candidates())
    if module is None:
        places = " or ".join(str(path) for path in dict.fromkeys(checkout_candidates()))
        print(
            "hgcrawler bench: the benchmarks run from a source checkout of hgcrawler "
            f"(its benchmarks/ directory); none found in {places}",
            file=sys.stderr,
        )
        raise SystemExit(EXIT_NO_CHECKOUT)
    module.configure_parser(parser)
    parser.set_defaults(benchmarks=module)


def run(args: argparse.Namespace) -> int:
    result: int = args.benchmarks.run_from_args(args, prog="hgcrawler bench")
    return result
