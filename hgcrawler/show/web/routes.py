"""The pages, their addresses and their parameters: each route reads its query string,
asks :mod:`hgcrawler.show.web.views`, and renders a template.  Nothing here writes."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, abort, current_app, render_template, request

from hgcrawler.show.web.context import RAW_POLICY, reader
from hgcrawler.show.web.views import (
    PERIODS,
    article_page,
    articles_page,
    crawl_page,
    overview_page,
    raw_capture,
    replay_page,
)
from hgcrawler.storage.browse import SORTS, STATES, ArticleQuery, category_names
from hgcrawler.storage.reader import ArchiveQueryError

__all__ = ["pages"]

pages = Blueprint("pages", __name__)

#: Growth windows offered (days).
WINDOWS = (7, 30, 90, 365)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _int(name: str, default: int, low: int, high: int) -> int:
    text = request.args.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        abort(400, f"{name} must be a whole number")
    if not low <= value <= high:
        abort(400, f"{name} must be between {low} and {high}")
    return value


def _date(name: str) -> dt.date | None:
    text = request.args.get(name, "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        abort(400, f"{name} must be a date, YYYY-MM-DD")


def _choice(name: str, choices: tuple[str, ...], default: str | None) -> str | None:
    text = request.args.get(name, "").strip()
    if not text:
        return default
    if text not in choices:
        abort(400, f"{name} must be one of {', '.join(choices)}")
    return text


def _required(name: str) -> str:
    text = request.args.get(name, "").strip()
    if not text:
        abort(400, f"missing {name}")
    return text


@pages.get("/")
def overview() -> str:
    days = _int("days", 30, 1, 100_000)
    if days not in PERIODS:
        abort(400, f"days must be one of {', '.join(map(str, PERIODS))}")
    day = _date("until")
    until = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC) if day else None
    context = overview_page(reader(), days=days, until=until, now=_now())
    return render_template("overview.html", **context)


@pages.get("/articles")
def articles() -> str:
    current = reader()
    sites = current.sites
    site = request.args.get("site", "").strip() or None
    if site is not None and site not in sites:
        abort(400, "no such site in the archive")
    category = request.args.get("category", "").strip() or None
    if category is not None and category not in category_names(current):
        abort(400, "no such category in the archive")
    try:
        query = ArticleQuery(
            text=request.args.get("q", "")[:200],
            site=site,
            category=category,
            date_from=_date("from"),
            date_to=_date("to"),
            state=_choice("state", STATES, None),
            sort=_choice("sort", SORTS, "views") or "views",
            window_days=_int("window", 30, 1, 3660),
            page=_int("page", 1, 1, 1_000_000),
            per_page=_int("per_page", 50, 1, 500),
        )
    except ArchiveQueryError as exc:
        abort(400, str(exc))
    context = articles_page(current, query, _now())
    return render_template("articles.html", states=STATES, sorts=SORTS, windows=WINDOWS, **context)


@pages.get("/article")
def article() -> str:
    return render_template("article.html", **article_page(reader(), _required("id")))


@pages.get("/replay")
def replay() -> str:
    context = replay_page(reader(), _required("id"), _required("crawl"))
    return render_template("replay.html", **context)


@pages.get("/raw")
def raw() -> Response:
    """The archived bytes of one capture, under :data:`RAW_POLICY`: framed by the replay
    page (``sandbox`` without ``allow-same-origin``), no script, nothing fetched."""
    data_dir = current_app.config["HGCRAWLER_DATA_DIR"]
    body, content_type, date = raw_capture(reader(), data_dir, _required("id"), _required("crawl"))
    response = Response(body, status=200)
    kind = content_type.split(";")[0].strip().lower()
    # the page as archived, or plain text when it was not a page
    response.headers["Content-Type"] = (
        content_type if kind in ("text/html", "application/xhtml+xml") else "text/plain"
    )
    response.headers["Content-Security-Policy"] = RAW_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Archived-Date"] = date
    return response


@pages.get("/crawl/<crawl_id>")
def crawl(crawl_id: str) -> str:
    reason = request.args.get("reason", "").strip() or None
    context = crawl_page(reader(), crawl_id, reason=reason, page=_int("page", 1, 1, 1_000_000))
    return render_template("crawl.html", **context)
