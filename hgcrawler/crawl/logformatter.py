"""One line per dropped item in the crawl's log.

Scrapy's own formatter prints a dropped item whole — an article with its body is
some forty lines, for every page validation refuses.  The refusal itself is
recorded in the archive (``rejects``); the log needs the reason and the URL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter, is_item
from scrapy.logformatter import LogFormatter, LogFormatterResult

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.http import Response
    from twisted.python.failure import Failure

__all__ = ["OneLineLogFormatter", "item_url"]


def item_url(item: Any) -> str:
    """The item's URL, else its type: what names it in one line.

    >>> item_url({"url": "http://127.0.0.1/a.html", "body": "..."}), item_url(3)
    ('http://127.0.0.1/a.html', 'an int')
    """
    if is_item(item):
        url = ItemAdapter(item).get("url")
        if url:
            return str(url)
    return f"an {type(item).__name__}" if type(item).__name__[0] in "aeiou" else type(item).__name__


class OneLineLogFormatter(LogFormatter):
    """Dropped items and item errors as one line naming the item's URL."""

    def dropped(
        self,
        item: Any,
        exception: BaseException,
        response: Response | Failure | None,
        spider: Spider,
    ) -> LogFormatterResult:
        result = super().dropped(item, exception, response, spider)
        message = str(exception)
        url = item_url(item)
        text = message if url in message else f"{message} ({url})"
        return {**result, "msg": "Dropped: %(text)s", "args": {"text": text}}

    def item_error(
        self,
        item: Any,
        exception: BaseException,
        response: Response | Failure | None,
        spider: Spider,
    ) -> LogFormatterResult:
        result = super().item_error(item, exception, response, spider)
        return {**result, "msg": "Error processing %(url)s", "args": {"url": item_url(item)}}
