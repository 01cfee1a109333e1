"""``hgcrawler query``: answers from the archive without writing aggregation pipelines.

Sub-commands: ``top``, ``history``, ``growth``, ``changes``, ``search``,
``stats``. Tables by default, ``--json`` for scripts. The questions themselves
are :class:`hgcrawler.storage.reader.ArchiveReader`; this module parses and prints.
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from hgcrawler.commands._archive import (
    CommandError,
    add_archive_arguments,
    add_json_argument,
    open_archive,
    optional_when,
    parse_when,
    print_json,
    run_guarded,
)
from hgcrawler.fetch.warc import warc_location_text
from hgcrawler.read.diffing import format_changes
from hgcrawler.read.urls import short_id
from hgcrawler.show.tables import MIN_RATE_DAYS, cell, duration, format_table, truncate, width
from hgcrawler.storage import ArchiveReader, EmptyArchive

PROG = "hgcrawler query"
TITLE_WIDTH = 60
#: The terminal a table fits: its title column takes what the others leave.
TERMINAL_WIDTH = 100


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="question", metavar="QUESTION", required=True)

    top = sub.add_parser("top", help="most-viewed articles")
    top.add_argument("-n", "--limit", type=int, default=10, help="how many (default 10)")
    top.add_argument("--category", help="category name or slug, accents optional (kinh-te)")
    top.add_argument("--updated-since", metavar="DATE", help="article date on or after DATE")
    top.add_argument("--updated-until", metavar="DATE", help="article date before DATE")
    top.add_argument("--seen-since", metavar="DATE", help="rank by the count observed from DATE on")
    top.add_argument("--seen-until", metavar="DATE", help="… and before DATE")
    top.add_argument("--include-removed", action="store_true", help="also removed articles")

    history = sub.add_parser("history", help="an article's view counts and revisions, with diffs")
    history.add_argument(
        "article",
        metavar="ARTICLE",
        help="article id (39993, haugiang:39993), short id (u1a2b3c4d) or URL at any of "
        "the site's addresses",
    )

    growth = sub.add_parser("growth", help="fastest-growing articles (views gained per day)")
    growth.add_argument("-n", "--limit", type=int, default=10)
    growth.add_argument("--since", metavar="DATE", help="observations from DATE (default: all)")
    growth.add_argument("--until", metavar="DATE", help="observations before DATE")
    growth.add_argument("--category", help="category name or slug")
    growth.add_argument(
        "--min-days",
        type=float,
        default=MIN_RATE_DAYS,
        metavar="DAYS",
        help=f"only counts at least DAYS apart (default {MIN_RATE_DAYS:g}): a rate per day "
        "over minutes means nothing",
    )

    changes = sub.add_parser("changes", help="articles new, edited, removed or moved")
    changes.add_argument(
        "--since",
        metavar="DATE",
        default="last-crawl",
        help="DATE, 7d, or last-crawl: what the last crawl found (default)",
    )
    changes.add_argument("-n", "--limit", type=int, default=20, help="rows per list (default 20)")
    changes.add_argument(
        "--all",
        action="store_true",
        help="list each article of a mass removal too (default: one line per such crawl)",
    )

    search = sub.add_parser("search", help="accent-insensitive search over title and text")
    search.add_argument("text", nargs="+", metavar="TEXT", help="words, all must match")
    search.add_argument("-n", "--limit", type=int, default=20)
    search.add_argument("--category", help="category name or slug")

    stats = sub.add_parser("stats", help="articles per category and month, crawls, total views")
    stats.add_argument("--crawls", type=int, default=10, help="crawls to list (default 10)")

    for child in (top, history, growth, changes, search, stats):
        add_json_argument(child)
        add_archive_arguments(child, sites=True)


def run(args: argparse.Namespace) -> int:
    return run_guarded(f"{PROG} {args.question}", lambda: _answer(args))


def _answer(args: argparse.Namespace) -> int:
    handler = {
        "top": _top,
        "history": _history,
        "growth": _growth,
        "changes": _changes,
        "search": _search,
        "stats": _stats,
    }[args.question]
    if getattr(args, "limit", 1) < 1:
        raise CommandError("--limit must be at least 1")
    # parse dates before touching the database: a typo fails fast
    _check_dates(args)
    with open_archive(args) as reader:
        reader.ensure_not_empty()
        handler(reader, args)
    return 0


def _check_dates(args: argparse.Namespace) -> None:
    for name in ("updated_since", "updated_until", "seen_since", "seen_until", "until"):
        optional_when(getattr(args, name, None))
    since = getattr(args, "since", None)
    if since is not None and since != "last-crawl":
        parse_when(since)


def _category(reader: ArchiveReader, name: str | None) -> str | None:
    return None if name is None else reader.resolve_category(name)


def _title(row: dict[str, Any], limit: int = TITLE_WIDTH) -> str:
    """The title, cut to ``limit`` columns; a removed article's ends with
    ``[removed]`` however long its title."""
    title = str(row.get("title") or "(no title)")
    if not row.get("removed_at"):
        return title
    marker = " [removed]"
    return truncate(title, max(limit - len(marker), 1)) + marker


# --- top -------------------------------------------------------------------


def _top(reader: ArchiveReader, args: argparse.Namespace) -> None:
    rows = reader.top(
        limit=args.limit,
        category=_category(reader, args.category),
        updated_since=optional_when(args.updated_since),
        updated_until=optional_when(args.updated_until),
        seen_since=optional_when(args.seen_since),
        seen_until=optional_when(args.seen_until),
        include_removed=args.include_removed,
    )
    if args.json:
        print_json(rows)
        return
    if not rows:
        print("No article with a view count matches.")
        return
    seen = " observed in that window" if args.seen_since or args.seen_until else ""
    print(f"Sorted by view count (the latest{seen}):")
    table = [
        [rank, short_id(row["article_id"]), row["views"], row["updated_on"], row["category"]]
        for rank, row in enumerate(rows, 1)
    ]
    limits: list[int | None] = [None, None, None, None, 18]
    room = _title_room(table, ["#", "id", "views", "updated", "category"], limits)
    for line, row in zip(table, rows, strict=True):
        line.append(_title(row, room))
    print(
        format_table(
            table,
            ["#", "id", "views", "updated", "category", "title"],
            align="rrrlll",
            max_widths=[*limits, room],
        )
    )


def _title_room(table: list[list[Any]], headers: list[str], limits: list[int | None]) -> int:
    """Columns left for a last (title) column after ``table``'s columns, so that the
    table fits :data:`TERMINAL_WIDTH` (at least 20)."""
    used = 0
    for index, header in enumerate(headers):
        texts = [cell(row[index]) for row in table]
        widest = max([width(header), *(width(text) for text in texts)])
        limit = limits[index] if index < len(limits) else None
        used += min(widest, limit) if limit is not None else widest
    used += 2 * len(headers)  # the separators, the title's included
    return max(20, min(TITLE_WIDTH, TERMINAL_WIDTH - used))


# --- history ---------------------------------------------------------------


def _history(reader: ArchiveReader, args: argparse.Namespace) -> None:
    history = reader.history(args.article)
    if args.json:
        print_json(history)
        return
    article = history["article"]
    print(f"{short_id(article['article_id'])}  {article['title']}  ({article['article_id']})")
    print(f"  {article['category']} · updated {cell(article['updated_on'])} · {article['url']}")
    state = f"removed {cell(article['removed_at'])}" if article.get("removed_at") else "online"
    print(
        f"  {state} · {cell(article['views'])} views · revision {article['revision']} "
        f"of {article['revision_count']} · first seen {cell(article['first_seen_at'])}"
    )
    if article.get("old_urls"):
        print(f"  moved from: {', '.join(article['old_urls'])}")
    observations = history["observations"]
    print(f"\nView counts ({len(observations)} observations)")
    rows = []
    previous_views: int | None = None
    for obs in observations:
        views = obs.get("views")
        change = (
            f"{views - previous_views:+,}"
            if views is not None and previous_views is not None
            else ""
        )
        notes = [obs.get("views_missing_reason") or ""]
        if "views_down" in obs.get("flags", []):
            notes.insert(0, "LOWER than before")
        if obs.get("source") and obs["source"] != "static":
            notes.append(f"count by {obs['source']}")
        note = "; ".join(n for n in notes if n)
        revision = obs.get("revision")
        rows.append([obs["fetched_at"], obs.get("status"), views, change, revision, note])
        previous_views = views if views is not None else previous_views
    print(
        format_table(
            rows,
            ["observed (UTC)", "status", "views", "change", "revision", "note"],
            align="lrrrrl",
        )
    )
    for move in history.get("moves") or []:
        print(
            f"moved {cell(move.get('at'))}: {move.get('from_url')} → {move.get('to_url')} "
            f"({move.get('evidence')} evidence)"
        )
    revisions = history["revisions"]
    print(f"\nRevisions ({len(revisions)})")
    for revision in revisions:
        print(
            f"#{revision['number']}  first seen {cell(revision['first_seen_at'])}, "
            f"last seen {cell(revision['last_seen_at'])} · updated {cell(revision['updated_on'])}"
        )
        print(f"    raw response: {warc_location_text(revision)}")
        if revision["number"] != 1:
            print(format_changes(revision["changes"], indent="    "))


# --- growth ----------------------------------------------------------------


def _growth(reader: ArchiveReader, args: argparse.Namespace) -> None:
    rows = reader.growth(
        since=optional_when(args.since),
        until=optional_when(args.until),
        limit=args.limit,
        category=_category(reader, args.category),
        min_days=args.min_days,
    )
    if args.json:
        print_json(rows)
        return
    apart = f"at least {duration(args.min_days)} apart" if args.min_days > 0 else "apart"
    if not rows:
        print(
            f"No article has two view counts {apart} in that window "
            "(--min-days 0 shows rates over shorter spans)."
        )
        return
    print(f"Sorted by views gained per day, between two counts {apart}:")
    table = [
        [
            rank,
            short_id(row["article_id"]),
            round(row["per_day"]),
            row["gained"],
            f"{row['first_views']:,} → {row['last_views']:,}",
            duration(row["days"]),
        ]
        for rank, row in enumerate(rows, 1)
    ]
    headers = ["#", "id", "views/day", "gained", "views", "over"]
    room = _title_room(table, headers, [])
    for line, row in zip(table, rows, strict=True):
        line.append(_title(row, room))
    print(
        format_table(
            table,
            [*headers, "title"],
            align="rrrrrrl",
            max_widths=[None, None, None, None, None, None, room],
        )
    )


# --- changes ---------------------------------------------------------------


def _since(reader: ArchiveReader, text: str) -> tuple[dt.datetime, str]:
    if text != "last-crawl":
        moment = parse_when(text)
        return moment, cell(moment)
    crawl = reader.last_crawl()
    if crawl is None or crawl.get("started_at") is None:
        raise EmptyArchive("no crawl recorded yet")
    # the archive's fetch times are whole seconds: start at the crawl's second
    started = crawl["started_at"].replace(microsecond=0)
    return started, f"the last crawl ({crawl['_id']}, {cell(crawl['started_at'])})"


def mass_removal_line(event: dict[str, Any]) -> str:
    """One line for a crawl's mass removal (``ArchiveReader.mass_removals``)."""
    share = f" ({float(event.get('share') or 0):.0%} of {int(event.get('live') or 0):,} live)"
    found = int(event.get("found_again") or 0)
    still = int(event.get("still_removed") or 0)
    parts = [
        f"crawl {event['crawl_id']} ({event.get('site')}, {cell(event.get('started_at'))}): "
        f"{int(event.get('articles') or 0):,} articles answered 404/410 at once{share} — "
        f"{event.get('status')}",
        f"{still:,} still marked removed",
    ]
    if found:
        parts.append(f"{found:,} found again at other URLs in that crawl")
    return "; ".join(parts)


def _changes(reader: ArchiveReader, args: argparse.Namespace) -> None:
    since, label = _since(reader, args.since)
    found = reader.changes(since)
    if args.json:
        print_json(found)
        return
    print(f"Changes since {label}")
    for kind in ("new", "edited", "removed", "moved"):
        docs = found[kind]
        print(f"\n{kind.capitalize()}: {len(docs)}")
        if kind == "removed" and found["mass_removals"]:
            for event in found["mass_removals"]:
                print(f"  mass removal: {mass_removal_line(event)}")
            if not args.all:
                grouped = len(docs)
                docs = [doc for doc in docs if not doc.get("mass_removal")]
                if grouped > len(docs):
                    print(
                        f"  ({grouped - len(docs):,} articles of a mass removal not listed: "
                        "--all or --json lists them)"
                    )
        if not docs:
            continue
        rows = []
        for doc in docs[: args.limit]:
            if kind == "edited":
                detail = "revision " + ", ".join(str(n) for n in doc["revisions_since"])
            elif kind == "removed":
                detail = f"gone {cell(doc['removed_at'])}"
            elif kind == "moved":
                detail = "from " + ", ".join(doc["moved_from"])
            else:
                detail = f"updated {cell(doc.get('updated_on'))}"
            rows.append([short_id(doc["_id"]), doc.get("category"), doc.get("title"), detail])
        print(
            format_table(rows, ["id", "category", "title", "detail"], max_widths=[None, 18, 50, 80])
        )
        if len(docs) > args.limit:
            print(f"… and {len(docs) - args.limit} more (--limit, or --json for all)")


# --- search ----------------------------------------------------------------


def _search(reader: ArchiveReader, args: argparse.Namespace) -> None:
    text = " ".join(args.text)
    rows = reader.search(text, limit=args.limit, category=_category(reader, args.category))
    if args.json:
        print_json(rows)
        return
    if not rows:
        print(f"No article contains {text!r}.")
        return
    for row in rows:
        print(f"{short_id(row['article_id'])}  {_title(row)}")
        print(f"    {row['category']} · {cell(row['updated_on'])} · {cell(row['views'])} views")
        print(f"    {row['snippet']}")


# --- stats -----------------------------------------------------------------


def _stats(reader: ArchiveReader, args: argparse.Namespace) -> None:
    found = reader.stats(crawls=args.crawls)
    if args.json:
        print_json(found)
        return
    totals = found["totals"]
    print(
        f"{totals['articles']:,} articles ({totals['live']:,} online, {totals['removed']:,} "
        f"removed, {totals['edited']:,} edited, {totals['moved']:,} moved) · "
        f"{totals['revisions']:,} revisions · {totals['observations']:,} observations · "
        f"{totals['crawls']:,} crawls · {totals['rejects']:,} rejected pages"
    )
    print("\nArticles per category")
    rows = [[r["category"], r["articles"], r["live"], r["removed"]] for r in found["categories"]]
    print(format_table(rows, ["category", "articles", "online", "removed"]))
    print("\nArticles per month (by the article's date)")
    categories = [r["category"] for r in found["categories"]]
    months = sorted({r["month"] for r in found["by_month"]}, reverse=True)
    counts = {(r["month"], r["category"]): r["articles"] for r in found["by_month"]}
    rows = [
        [
            month,
            *(counts.get((month, c), 0) for c in categories),
            sum(counts.get((month, c), 0) for c in categories),
        ]
        for month in months
    ]
    print(format_table(rows, ["month", *categories, "all"]))
    print(f"\nLast {len(found['crawls'])} crawls")
    rows = [
        [
            c["crawl_id"],
            c["mode"],
            c["status"],
            c["started_at"],
            c["seconds"],
            c["counts"].get("pages"),
            c["counts"].get("articles"),
            c["counts"].get("new"),
            c["counts"].get("changed"),
            c["counts"].get("removed"),
            "; ".join(c["problems"]) or "",
        ]
        for c in found["crawls"]
    ]
    print(
        format_table(
            rows,
            [
                "crawl",
                "mode",
                "status",
                "started (UTC)",
                "secs",
                "pages",
                "articles",
                "new",
                "changed",
                "removed",
                "problems",
            ],
            max_widths=[None] * 10 + [60],
        )
    )
    print("\nThe site's total views: each article's latest count as of each day, summed")
    rows = [[v["site"], v["day"], v["views"], v["articles"]] for v in found["site_views"][-30:]]
    print(format_table(rows, ["site", "day (UTC)", "total views", "articles counted"]))
