"""The README's step-by-step crawl of the replica: every command it shows is one the
CLI accepts (the crawl itself is what tests/test_spider.py and the crawl tests run)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from hgcrawler.cli import build_parser

README = Path(__file__).resolve().parents[1] / "README.md"


def replica_steps() -> list[list[str]]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Crawl the replica yourself", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```console\n(.*?)```", section, re.DOTALL)
    assert block is not None
    commands = []
    for line in block.group(1).splitlines():
        words = shlex.split(line, comments=True)
        if words and words[0] == "hgcrawler":
            commands.append(words[1:])
    return commands


def test_the_readme_crawls_the_replica_step_by_step() -> None:
    steps = replica_steps()
    names = [step[0] for step in steps]
    assert names[0] == "replica" and names.count("crawl") == 2 and "query" in names
    for argv in steps:
        args = build_parser(argv[0]).parse_args(argv)  # exits (SystemExit) on a bad option
        assert callable(args.handler)
    crawls = [build_parser("crawl").parse_args(step) for step in steps if step[0] == "crawl"]
    assert [c.mode for c in crawls] == ["full", "incremental"]
    assert all(c.fast and c.start_url == "http://127.0.0.1:8000/" for c in crawls)
    served = build_parser("replica").parse_args(steps[0])
    assert served.port == 8000 and served.log_requests
