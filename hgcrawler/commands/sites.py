"""``hgcrawler sites list`` and ``hgcrawler sites check NAME``: the site profiles.

``list`` shows every profile (name, title, start URL, where it comes from);
``check`` fetches a portal's start page and a few articles with a profile's
settings and shows what each field would be (:mod:`hgcrawler.sites.check`).

Exit codes of ``check``: 0 article pages were found, each with every required
field (title, date, views, text); 1 none was found, or one lacks a field; 2 an
unknown profile, bad settings or an unreachable start page.  ``list``: 0, or 1
when a profile file cannot be read (each is named on stderr).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from hgcrawler.config import (
    ConfigError,
    HgcrawlerConfig,
    apply_site_settings,
    is_loopback,
    sites_dir,
    user_agent_for,
)
from hgcrawler.crawl.runner import CrawlSetupError, parse_setting_pairs, project_settings
from hgcrawler.show.tables import format_table, truncate
from hgcrawler.sites import ProfileError, load_profiles

EXIT_OK, EXIT_MISSING, EXIT_CONFIG = 0, 1, 2


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="every site profile and where it comes from")
    check = actions.add_parser(
        "check", help="fetch a portal's start page and a few articles with a profile"
    )
    check.add_argument("name", metavar="NAME", help="the site profile")
    check.add_argument("--start-url", help="check this home page instead of the profile's")
    check.add_argument(
        "--articles", type=int, default=3, metavar="N", help="article pages to read (default 3)"
    )
    check.add_argument(
        "--timeout", type=float, default=10.0, metavar="SECONDS", help="per request (default 10)"
    )
    check.add_argument(
        "--contact", help="e-mail or URL for the portal's operators (HGCRAWLER_CONTACT)"
    )
    check.add_argument("--json", action="store_true", help="the result as one JSON object")
    for sub in (listing, check):
        sub.add_argument("--sites-dir", help="your site profiles (default DATA_DIR/sites)")
        sub.add_argument("--data-dir", help="hgcrawler's data directory")
        sub.add_argument("-s", dest="settings", action="append", default=[], metavar="NAME=VALUE")


def _settings(args: argparse.Namespace, **extra: object) -> Any:
    overrides: dict[str, object] = dict(extra)
    if args.sites_dir:
        overrides["HGCRAWLER_SITES_DIR"] = args.sites_dir
    if args.data_dir:
        overrides["HGCRAWLER_DATA_DIR"] = args.data_dir
    overrides.update(parse_setting_pairs(args.settings))
    return project_settings(overrides)


def run(args: argparse.Namespace) -> int:
    try:
        if args.action == "list":
            return _list(args)
        return _check(args)
    except (ConfigError, CrawlSetupError) as exc:
        print(f"hgcrawler sites {args.action}: {exc}", file=sys.stderr)
        return EXIT_CONFIG


def _list(args: argparse.Namespace) -> int:
    directory = sites_dir(_settings(args))
    try:
        profiles, errors = load_profiles(directory)
    except ProfileError as exc:
        raise ConfigError(str(exc)) from None
    rows = [
        [
            profile.name + ("" if profile.enabled else " (disabled)"),
            truncate(profile.title, 50),
            profile.start_url,
            profile.source,
        ]
        for profile in profiles
    ]
    print(format_table(rows, ["name", "title", "start URL", "from"]))
    print(f"(your profiles: {directory})")
    for error in errors:
        print(f"hgcrawler sites list: {error}", file=sys.stderr)
    return EXIT_MISSING if errors else EXIT_OK


def _check(args: argparse.Namespace) -> int:
    from hgcrawler.sites.check import check_site, label_hints

    if args.articles < 1:
        raise ConfigError(f"--articles must be at least 1, got {args.articles}")
    extra: dict[str, object] = {"HGCRAWLER_SITE": args.name}
    if args.start_url:
        extra["HGCRAWLER_START_URL"] = args.start_url
    if args.contact:
        extra["HGCRAWLER_CONTACT"] = args.contact
    settings = _settings(args, **extra)
    config = HgcrawlerConfig.from_settings(settings)
    config.check_politeness()
    apply_site_settings(settings)
    delay = 0.0 if is_loopback(config.start_url) else settings.getfloat("DOWNLOAD_DELAY")
    labels = config.site.labels
    result = check_site(
        config.site.name,
        config.start_url,
        labels=labels,
        hosts=config.allowed_hosts,
        article_keys=config.article_keys,
        user_agent=user_agent_for(settings),
        articles=args.articles,
        timeout=args.timeout,
        delay=delay,
    )
    hints = label_hints(result, labels)
    if args.json:
        print(json.dumps({**result.as_dict(), "hints": hints}, ensure_ascii=False, indent=2))
        return result.exit_code
    site = config.site
    print(f"site {site.name}: {site.title or '(no title)'} ({site.source})")
    ids = []
    if config.article_keys.pattern is not None:
        ids.append(f"pattern {config.article_keys.pattern.pattern!r}")
    if config.article_keys.slug_ids:
        ids.append("slug ids")
    print(f"labels {labels.describe()}; ids: {', '.join(ids) or 'from the URL only'}")
    if not result.reachable:
        print(f"start page {result.start_url}: cannot be fetched: {result.start_error}")
        return result.exit_code
    print(f"start page {result.start_url}: {result.start_status}, {result.links} links on the site")
    for page in result.pages:
        print(_describe_page(page))
    print(_verdict(result, labels))
    for hint in hints:
        print(f"  hint: {hint}")
    return result.exit_code


def _describe_page(page: Any) -> str:
    if page.kind != "article" or page.record is None:
        what = "not fetched" if page.kind == "error" else "not an article"
        return f"{what}: {page.url}: {page.reason}"
    record = page.record
    rules = record.get("rules") or {}
    body = record["body"]
    paragraphs = len(body.split("\n\n")) if body else 0
    fields = [
        ("key", f"{page.key} ({'the site id' if page.key_is_id else 'the URL: no id in it'})"),
        ("title", record["title"] or "-"),
        ("date", record["updated_on"] or "-"),
        ("views", "-" if record["views"] is None else str(record["views"])),
        ("category", record["category"] or "-"),
        ("author", record["author"] or "-"),
        ("source", record.get("source") or "-"),
        ("images", str(len(record["images"]))),
        ("text", f"lede {len(record['lede'])} chars, body {paragraphs} paragraphs, "
                 f"{len(body)} chars"),
        ("missing", ", ".join(page.missing) or "nothing"),
        ("doubtful", "; ".join(f"{name}: {why}" for name, why in page.doubts.items()) or "nothing"),
        ("found by", ", ".join(f"{name} {rule}" for name, rule in rules.items())),
    ]  # fmt: skip
    lines = [f"article {page.url}"]
    lines += [f"    {name:<9} {truncate(value, 160)}" for name, value in fields]
    return "\n".join(lines)


def _verdict(result: Any, labels: Any) -> str:
    articles = result.articles
    fetched = len(result.pages)
    if not articles:
        return (
            f"result: no article page among the {fetched} pages fetched: none shows a "
            f"{labels.describe()} line"
        )
    lines = []
    lacking = [page for page in articles if page.missing]
    if lacking:
        fields = sorted({name.split(" ")[0] for page in lacking for name in page.missing})
        lines.append(
            f"result: {len(lacking)} of {len(articles)} article pages lack {', '.join(fields)} "
            f"({fetched} pages fetched)"
        )
    for name, pages in sorted(result.doubtful.items()):
        lines.append(
            f"result: the {name} cannot be trusted on {len(pages)} of {len(articles)} "
            f"article pages, e.g. {pages[0].url}: {pages[0].doubts[name]}"
        )
    for name, (count, value, url) in sorted(result.repeated.items()):
        lines.append(
            f"result: the {name} is the same ({value!r}) on {count} of {len(articles)} "
            f"article pages, e.g. {url}: the site's template, not the article's"
        )
    if len(lines) > len(lacking[:1]):
        lines.append(
            "  fix: name the site's labels or headings in the profile, or a CSS selector "
            "for the field (docs/sites.md#when-a-field-is-wrong)"
        )
    if lines:
        return "\n".join(lines)
    return (
        f"result: {len(articles)} article pages read with every required field "
        f"({fetched} pages fetched)"
    )
