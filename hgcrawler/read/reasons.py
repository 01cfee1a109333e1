"""Why a page is recorded as rejected: one vocabulary for the spider, validation and the archive.

A rejected page is never dropped silently: it becomes a ``rejects`` document
whose ``reason`` is one of :class:`Reason` (or ``http_<status>`` for an HTTP
error, see :func:`http_reason`).  Validation raises
:class:`hgcrawler.pipelines.validation.RejectItem`, a Scrapy ``DropItem`` that
carries its reason as an attribute.  This module imports no Scrapy: the archive
(``hgcrawler.storage``) reads it without loading the crawler.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ARTICLE_PAGE_REASONS", "Reason", "http_reason"]


class Reason(StrEnum):
    # an article page that could not be archived
    NOT_PARSABLE = "not_parsable"  # looked like an article, no meta line found
    LAYOUT_CHANGED = "layout_changed"  # a known article page stopped parsing as before
    MISSING_TITLE = "missing_title"
    MISSING_BODY = "missing_body"
    BAD_DATE = "bad_date"
    BAD_VIEWS = "bad_views"
    TRUNCATED = "truncated"
    ITEM_ERROR = "item_error"  # a pipeline failed on the item
    # a request that failed for good
    DOWNLOAD_ERROR = "download_error"
    TIMEOUT = "timeout"
    TOO_LARGE = "too_large"
    REDIRECT_LOOP = "redirect_loop"
    MAX_REDIRECTS = "max_redirects"
    # discovery
    TRAP = "trap"  # pages in a row linking only to more of the same
    # identity
    KEY_COLLISION = "key_collision"  # two different pages would have had one key


#: Reasons for which a page that was (or looked like) an article was not archived.
ARTICLE_PAGE_REASONS = frozenset(
    {
        Reason.NOT_PARSABLE,
        Reason.LAYOUT_CHANGED,
        Reason.MISSING_TITLE,
        Reason.MISSING_BODY,
        Reason.BAD_DATE,
        Reason.BAD_VIEWS,
        Reason.TRUNCATED,
    }
)


def http_reason(status: int) -> str:
    """``http_404`` and the like."""
    return f"http_{int(status)}"
