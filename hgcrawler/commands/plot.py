"""``hgcrawler plot ARTICLE...``: view counts of one or more articles over time, as a PNG."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hgcrawler.commands._archive import (
    CommandError,
    add_archive_arguments,
    open_archive,
    output_path,
    run_guarded,
)

DEFAULT_OUT = Path("exports") / "views.png"


def _size(text: str) -> tuple[int, int]:
    width, sep, height = text.lower().partition("x")
    try:
        size = (int(width), int(height))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT in pixels, got {text!r}") from None
    if not sep or min(size) < 100 or max(size) > 10000:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT (100-10000 px), got {text!r}")
    return size


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("articles", nargs="+", metavar="ARTICLE", help="article ids or URLs")
    parser.add_argument(
        "--out", help=f"PNG file, in a directory that exists (default {DEFAULT_OUT})"
    )
    parser.add_argument(
        "--size", type=_size, default=(900, 480), help="WIDTHxHEIGHT, default 900x480"
    )
    parser.add_argument("--title", default="View counts over time", help="chart title")
    add_archive_arguments(parser, sites=True)


def run(args: argparse.Namespace) -> int:
    return run_guarded("hgcrawler plot", lambda: _plot(args))


def _plot(args: argparse.Namespace) -> int:
    from hgcrawler.show.charts import views_chart

    out = output_path(args.out, DEFAULT_OUT)
    with open_archive(args) as reader:
        reader.ensure_not_empty()
        articles = [reader.find_article(ref) for ref in args.articles]
        histories = {str(a["_id"]): reader.view_series(str(a["_id"])) for a in articles}
        titles = {str(a["_id"]): str(a.get("title") or "") for a in articles}
    chart = views_chart(histories, titles, size=args.size, title=args.title)
    if not chart.series:
        raise CommandError("none of these articles has a view count to plot", exit_code=1)
    try:
        path = chart.save(out)
    except OSError as exc:
        raise CommandError(f"cannot write {out}: {exc.strerror or exc}") from None
    points = sum(len(s.points) for s in chart.series)
    print(f"{len(chart.series)} series, {points} points → {path}", file=sys.stderr)
    return 0
