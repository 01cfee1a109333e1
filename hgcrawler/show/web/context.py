"""What every page of the browser shares: its security policies and this request's reader.

Apart from :mod:`hgcrawler.show.web.app` (which builds the application) so that the
routes use them without importing the application that registers them.
"""

from __future__ import annotations

from flask import current_app, g

from hgcrawler.storage.browse import ArchiveMemo
from hgcrawler.storage.reader import ArchiveReader

__all__ = ["APP_POLICY", "RAW_POLICY", "reader"]

#: The policy of every page of the application.
APP_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
#: The policy of a raw archived page: an opaque origin (``sandbox`` without
#: ``allow-same-origin``), no script, nothing fetched; framed by the application only.
RAW_POLICY = (
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)


def reader() -> ArchiveReader:
    """This request's reader: what it keeps between requests is forgotten when a crawl
    saves (:class:`~hgcrawler.storage.browse.ArchiveMemo`)."""
    if "reader" not in g:
        memo: ArchiveMemo = current_app.config["HGCRAWLER_MEMO"]
        g.reader = memo.reader(
            current_app.config["HGCRAWLER_DB"], current_app.config["HGCRAWLER_SITES"] or None
        )
    found: ArchiveReader = g.reader
    return found
