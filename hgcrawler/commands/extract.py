"""``hgcrawler extract FILE_OR_URL [--url URL]``: one article page to one JSON object."""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from pathlib import Path

from hgcrawler.extraction import NotAnArticle, extract_article

USER_AGENT = "hgcrawler-extract/0.1"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "source", metavar="FILE_OR_URL", help="a saved page, '-' for stdin, or a URL"
    )
    parser.add_argument("--url", help="the page's URL, to resolve relative image links")
    parser.add_argument("--encoding", help="the file's charset when the page does not declare it")


def _read(source: str) -> tuple[bytes, str | None, str]:
    """(body, charset from headers, URL) of a file, stdin or http(s) URL."""
    if source == "-":
        return sys.stdin.buffer.read(), None, "file:///dev/stdin"
    if source.startswith(("http://", "https://")):
        request = urllib.request.Request(source, headers={"User-Agent": USER_AGENT})
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.read(), response.headers.get_content_charset(), response.geturl()
    path = Path(source)
    return path.read_bytes(), None, path.resolve().as_uri()


def run(args: argparse.Namespace) -> int:
    try:
        body, charset, fetched_url = _read(args.source)
    except (OSError, urllib.error.URLError, ValueError) as exc:
        print(f"hgcrawler extract: cannot read {args.source}: {exc}", file=sys.stderr)
        return 2
    try:
        record = extract_article(body, args.url or fetched_url, encoding=args.encoding or charset)
    except NotAnArticle as exc:
        print(f"hgcrawler extract: {args.source} is not an article page: {exc}", file=sys.stderr)
        return 1
    json.dump(record, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0
