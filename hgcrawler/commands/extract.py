"""``hgcrawler extract [--site NAME] FILE_OR_URL [--url URL]``: one article page to one
JSON object, read with a site profile's labels (by default the Hậu Giang portal's)."""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from pathlib import Path

from hgcrawler.config import ConfigError, site_profile
from hgcrawler.crawl.runner import CrawlSetupError, parse_setting_pairs, project_settings
from hgcrawler.read.extraction import NotAnArticle, extract_article
from hgcrawler.sites import Labels

USER_AGENT = "hgcrawler-extract/0.1"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "source", metavar="FILE_OR_URL", help="a saved page, '-' for stdin, or a URL"
    )
    parser.add_argument("--url", help="the page's URL, to resolve relative image links")
    parser.add_argument("--encoding", help="the file's charset when the page does not declare it")
    parser.add_argument(
        "--site", metavar="NAME", help="read it with this site profile (default: haugiang)"
    )
    parser.add_argument("--sites-dir", help="your site profiles (default DATA_DIR/sites)")
    parser.add_argument("--data-dir", help="hgcrawler's data directory")
    parser.add_argument("-s", dest="settings", action="append", default=[], metavar="NAME=VALUE")


def _labels(args: argparse.Namespace) -> Labels:
    """The labels of the profile ``--site`` names (HGCRAWLER_SITE, else haugiang)."""
    overrides: dict[str, object] = {}
    if args.site:
        overrides["HGCRAWLER_SITE"] = args.site
    if args.sites_dir:
        overrides["HGCRAWLER_SITES_DIR"] = args.sites_dir
    if args.data_dir:
        overrides["HGCRAWLER_DATA_DIR"] = args.data_dir
    overrides.update(parse_setting_pairs(args.settings))
    return site_profile(project_settings(overrides)).labels


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
        labels = _labels(args)
    except (ConfigError, CrawlSetupError) as exc:
        print(f"hgcrawler extract: {exc}", file=sys.stderr)
        return 2
    try:
        body, charset, fetched_url = _read(args.source)
    except (OSError, urllib.error.URLError, ValueError) as exc:
        print(f"hgcrawler extract: cannot read {args.source}: {exc}", file=sys.stderr)
        return 2
    try:
        record = extract_article(
            body, args.url or fetched_url, encoding=args.encoding or charset, labels=labels
        )
    except NotAnArticle as exc:
        print(f"hgcrawler extract: {args.source} is not an article page: {exc}", file=sys.stderr)
        return 1
    json.dump(record, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    for name, why in record["doubts"].items():
        print(f"hgcrawler extract: the {name} cannot be trusted: {why}", file=sys.stderr)
    return 0
