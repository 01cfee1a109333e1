"""The browser's application: a Flask app over one archive, read-only and safe by default.

Every response carries a strict Content-Security-Policy (scripts and styles from
the application itself only, nothing from elsewhere, no framing by other sites);
every method but GET and HEAD is answered 405; templates escape every value
(Jinja2 autoescape, on for every template); a raw archived page is served only by
:func:`hgcrawler.show.web.routes.raw`, with a policy of its own that sandboxes it (no
script runs, nothing is fetched, its origin is opaque).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, abort, render_template, request
from werkzeug.exceptions import HTTPException

from hgcrawler.read.urls import short_id
from hgcrawler.show.web.context import APP_POLICY, RAW_POLICY
from hgcrawler.show.web.routes import pages
from hgcrawler.storage.browse import DATABASE_ERRORS, ArchiveMemo
from hgcrawler.storage.reader import ArchiveQueryError, Db

__all__ = ["APP_POLICY", "RAW_POLICY", "create_app"]

logger = logging.getLogger(__name__)

ALLOWED_METHODS = frozenset({"GET", "HEAD"})


def create_app(
    db: Db,
    data_dir: Path,
    *,
    sites: Sequence[str] | None = None,
    archive_label: str = "",
) -> Flask:
    """The application over the archive in ``db`` (raw responses under ``data_dir``),
    about ``sites`` (default: every site); ``archive_label`` names the archive on every
    page (give it masked: it is shown as is)."""
    app = Flask(__name__, static_folder="static", template_folder="templates")
    app.config.update(
        HGCRAWLER_DB=db,
        HGCRAWLER_DATA_DIR=Path(data_dir),
        HGCRAWLER_SITES=list(sites or []),
        HGCRAWLER_ARCHIVE_LABEL=archive_label,
        HGCRAWLER_MEMO=ArchiveMemo(),
        SEND_FILE_MAX_AGE_DEFAULT=3600,
    )
    app.jinja_env.autoescape = True  # every template, whatever its name
    app.jinja_env.filters.update(
        when=when, number=number, safe_href=safe_href, day=day, short=short_id
    )
    app.register_blueprint(pages)

    @app.before_request
    def read_only() -> None:
        if request.method not in ALLOWED_METHODS:
            abort(405)

    @app.after_request
    def headers(response: Response) -> Response:
        if "Content-Security-Policy" not in response.headers:
            response.headers["Content-Security-Policy"] = APP_POLICY
            response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if request.method not in ALLOWED_METHODS:
            response.headers["Allow"] = "GET, HEAD"
        return response

    @app.errorhandler(ArchiveQueryError)
    def not_there(exc: ArchiveQueryError) -> tuple[str, int]:
        return render_template("error.html", title="Not in the archive", message=str(exc)), 404

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> tuple[str, int]:
        code = exc.code or 500
        return render_template("error.html", title=exc.name, message=exc.description), code

    @app.errorhandler(Exception)
    def failure(exc: Exception) -> tuple[str, int]:
        if isinstance(exc, DATABASE_ERRORS):
            logger.error("the archive's database failed: %s", type(exc).__name__)
            message = "The archive's database cannot be reached or failed; try again."
            return render_template("error.html", title="Archive unavailable", message=message), 503
        logger.exception("error answering %s", request.path)
        return render_template(
            "error.html", title="Error", message="This page failed; the log says why."
        ), 500

    @app.context_processor
    def archive_context() -> dict[str, Any]:
        return {"archive_label": app.config["HGCRAWLER_ARCHIVE_LABEL"]}

    return app


# --- template filters ------------------------------------------------------------------


def when(value: Any) -> str:
    """A moment in UTC, to the minute; ``–`` when unknown."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, dt.date):
        return value.isoformat()
    return "–" if value is None else str(value)


def day(value: Any) -> str:
    """A date (``updated_on`` is stored as 00:00 UTC of its day)."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return "–" if value is None else str(value)


def number(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return "–"
    if isinstance(value, int | float):
        return f"{value:,}"
    return str(value)


def safe_href(value: Any) -> str | None:
    """``value`` when it is an http(s) URL, else None (a ``javascript:`` or ``data:`` URL
    from the archive is shown as text, never as a link)."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        scheme = urlsplit(text).scheme.lower()
    except ValueError:
        return None
    return text if scheme in ("http", "https") and not any(c in text for c in "\r\n\t") else None
