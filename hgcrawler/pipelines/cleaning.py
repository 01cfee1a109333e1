"""``CleanArticlePipeline``: normalise text and turn the date and view count into typed values."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from itemadapter import ItemAdapter

from hgcrawler.read.text import clean_text, parse_date, parse_view_count

TEXT_FIELDS = ("title", "category", "lede", "author", "source")

# Lines editors paste into articles that are not the article's text.
BOILERPLATE = re.compile(
    r"^(?:\(?(?:ảnh|nguồn|tin, ảnh|bài, ảnh|bài và ảnh)\s*:?\s*(?:minh họa|internet)\)?|"
    r"xem thêm\s*:?.*|>>\s*xem thêm.*)$",
    re.IGNORECASE,
)


def clean_paragraphs(body: str) -> str:
    """Each paragraph NFC and whitespace-collapsed; empty and boilerplate lines dropped."""
    paragraphs = (clean_text(p) for p in re.split(r"\n\s*\n", body or ""))
    return "\n\n".join(p for p in paragraphs if p and not BOILERPLATE.match(p))


def to_date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return parse_date(str(value))


def to_views(value: Any) -> int | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    return parse_view_count(str(value))


class CleanArticlePipeline:
    """Unicode NFC, collapsed whitespace, boilerplate lines removed; ``updated_on`` a
    ``datetime.date`` and ``views`` an ``int`` (or ``None``)."""

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        for name in TEXT_FIELDS:
            if name in adapter:
                adapter[name] = clean_text(adapter.get(name)) or None
        if "body" in adapter:
            adapter["body"] = clean_paragraphs(adapter.get("body") or "")
        if "images" in adapter:
            adapter["images"] = [
                {
                    "src": (image.get("src") or "").strip(),
                    "caption": clean_text(image.get("caption")),
                }
                for image in adapter.get("images") or []
                if image.get("src")
            ]
        if "updated_on" in adapter:
            adapter["updated_on"] = to_date(adapter.get("updated_on"))
        if "views" in adapter:
            adapter["views"] = to_views(adapter.get("views"))
        return item
