"""``ValidateArticlePipeline``: refuse articles that cannot be archived, naming the reason.

A refused article is not lost: :class:`RejectItem` carries its
:class:`~hgcrawler.read.reasons.Reason`, which the archive pipeline records in
``rejects``.  Missing optional fields (views, author, category, images) are kept
as ``None`` and listed in ``problems``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from hgcrawler.read.reasons import Reason

REQUIRED_TEXT = ("title", "body")


class RejectItem(DropItem):
    """An item that cannot be archived, with its :class:`~hgcrawler.read.reasons.Reason` and a
    detail for people."""

    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(f"{reason}: {detail}", log_level="WARNING")
        self.reason = reason
        self.detail = detail


class ValidateArticlePipeline:
    """Refused articles are counted (``hgcrawler/rejected/<reason>``) where they are
    recorded: in the archive pipeline."""

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        url = adapter.get("url")
        problems = list(adapter.get("problems") or [])
        if "truncated" in problems:
            raise RejectItem(Reason.TRUNCATED, f"{url} ends before the article does")
        if not adapter.get("title"):
            raise RejectItem(Reason.MISSING_TITLE, f"no title found on {url}")
        if not adapter.get("body") and not adapter.get("lede"):
            raise RejectItem(Reason.MISSING_BODY, f"no article text found on {url}")
        updated_on = adapter.get("updated_on")
        if not isinstance(updated_on, dt.date):
            raise RejectItem(Reason.BAD_DATE, f"no valid date on {url}")
        views = adapter.get("views")
        if views is not None and (not isinstance(views, int) or views < 0):
            raise RejectItem(Reason.BAD_VIEWS, f"view count {views!r} on {url}")
        return item
