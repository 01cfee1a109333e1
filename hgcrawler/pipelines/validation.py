"""``ValidateArticlePipeline``: refuse articles that cannot be archived, naming the reason.

A refused article is not lost: the ``DropItem`` message starts with a reason
code (``missing_title: ...``) that the archive pipeline records in ``rejects``.
Missing optional fields (views, author, category, images) are kept as ``None``
and listed in ``problems``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

REQUIRED_TEXT = ("title", "body")


class ValidateArticlePipeline:
    """Refused articles are counted (``hgcrawler/rejected/<reason>``) where they are
    recorded: in the archive pipeline."""

    @staticmethod
    def refuse(reason: str, detail: str) -> DropItem:
        return DropItem(f"{reason}: {detail}", log_level="WARNING")

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        url = adapter.get("url")
        problems = list(adapter.get("problems") or [])
        if "truncated" in problems:
            raise self.refuse("truncated", f"{url} ends before the article does")
        if not adapter.get("title"):
            raise self.refuse("missing_title", f"no title found on {url}")
        if not adapter.get("body") and not adapter.get("lede"):
            raise self.refuse("missing_body", f"no article text found on {url}")
        updated_on = adapter.get("updated_on")
        if not isinstance(updated_on, dt.date):
            raise self.refuse("bad_date", f"no valid 'Cập nhật vào ngày' date on {url}")
        views = adapter.get("views")
        if views is not None and (not isinstance(views, int) or views < 0):
            raise self.refuse("bad_views", f"view count {views!r} on {url}")
        return item
