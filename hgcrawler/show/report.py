"""The archive summarised as one self-contained HTML page.

:func:`build_report` gathers the numbers (through an
:class:`~hgcrawler.storage.reader.ArchiveReader`) and
draws the charts (:mod:`hgcrawler.show.charts`, embedded as ``data:`` URIs);
:func:`render_report` fills ``templates/report.html.j2``. The page loads
nothing from the network.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from hgcrawler.read.urls import short_id
from hgcrawler.show.charts import Series as ChartSeries
from hgcrawler.show.charts import bar_chart, line_chart, views_chart
from hgcrawler.show.tables import MIN_RATE_DAYS, cell, duration
from hgcrawler.storage.reader import ArchiveReader

__all__ = ["build_report", "render_report", "write_report"]

TEMPLATE = "report.html.j2"


def build_report(
    reader: ArchiveReader,
    *,
    top_n: int = 10,
    charted: int = 5,
    since: dt.datetime | None = None,
    crawls: int = 10,
    now: dt.datetime | None = None,
    min_rate_days: float = MIN_RATE_DAYS,
) -> dict[str, Any]:
    """Everything the report shows, charts included (PNG data URIs).

    ``since``: the start of "recent changes" (default: 7 days before the last
    crawl started). ``charted``: how many of the top and fastest-growing
    articles get their view-count line drawn. ``min_rate_days``: the growth list
    ranks only articles with two counts at least that far apart.
    """
    reader.ensure_not_empty()
    now = now or dt.datetime.now(dt.UTC)
    last = reader.last_crawl()
    if since is None:
        anchor = last["started_at"] if last and last.get("started_at") else now
        since = anchor - dt.timedelta(days=7)
    stats = reader.stats(crawls=crawls)
    top = reader.top(limit=top_n)
    # a rate per day only over counts at least a day apart
    growth = reader.growth(limit=top_n, min_days=min_rate_days)
    changes = reader.changes(since)
    # a mass removal is one event (its articles stay in ``changes["removed"]``)
    removed_listed = [doc for doc in changes["removed"] if not doc.get("mass_removal")]
    removals = removed_listed[:top_n]
    charts: dict[str, dict[str, Any]] = {}

    def views_of(rows: list[dict[str, Any]], name: str, title: str) -> None:
        ids = [str(row["article_id"]) for row in rows[:charted]]
        if not ids:
            return
        histories = {article_id: reader.view_series(article_id) for article_id in ids}
        titles = {str(row["article_id"]): str(row.get("title") or "") for row in rows}
        chart = views_chart(histories, titles, title=title, size=(900, 420))
        charts[name] = {"uri": chart.data_uri(), "series": len(chart.series), "alt": title}

    views_of(top, "top", f"View counts of the {min(charted, len(top))} most-viewed articles")
    views_of(growth, "growth", f"The {min(charted, len(growth))} fastest-growing articles")
    if stats["categories"]:
        bars = [(row["category"], float(row["articles"])) for row in stats["categories"]]
        chart = bar_chart(bars, title="Articles per category", size=(900, 320))
        charts["categories"] = {
            "uri": chart.data_uri(),
            "series": len(bars),
            "alt": "Articles per category",
        }
    if stats["site_views"]:
        by_site: dict[str, list[tuple[dt.datetime, float]]] = {}
        for row in stats["site_views"]:
            by_site.setdefault(row["site"], []).append((row["day"], float(row["views"])))
        chart = line_chart(
            [ChartSeries(site, points) for site, points in sorted(by_site.items())],
            title="The site's total views: every article's latest count as of each day, summed",
            size=(900, 320),
        )
        charts["site_views"] = {"uri": chart.data_uri(), "series": 1, "alt": "Total views"}
    return {
        "generated_at": now,
        "database": reader.name,
        "since": since,
        "totals": stats["totals"],
        "categories": stats["categories"],
        "by_month": stats["by_month"],
        "crawls": stats["crawls"],
        "last_crawl": stats["crawls"][0] if stats["crawls"] else None,
        "site_views": stats["site_views"],
        "top": top,
        "growth": growth,
        "min_rate_days": min_rate_days,
        "changes": changes,
        "removals": removals,
        "removed_listed": removed_listed,
        "mass_removals": changes["mass_removals"],
        "charts": charts,
    }


def _number(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def render_report(context: dict[str, Any]) -> str:
    environment = Environment(
        loader=PackageLoader("hgcrawler.show", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["when"] = cell
    environment.filters["number"] = _number
    environment.filters["span"] = duration
    environment.filters["short"] = short_id
    return environment.get_template(TEMPLATE).render(**context)


def write_report(
    reader: ArchiveReader, out: str | Path, **options: Any
) -> tuple[Path, dict[str, Any]]:
    """Build, render and write the report; returns its path and the context used."""
    context = build_report(reader, **options)
    html = render_report(context)
    path = Path(out).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.part")
    temporary.write_text(html, encoding="utf-8")
    temporary.replace(path)
    return path, context
