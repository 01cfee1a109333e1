"""Signals the spider sends about pages that are not article items.

Handlers receive keyword arguments; the archive pipeline connects to all three.

``page_seen(record: dict)``
    A non-article page was fetched: ``{"url", "kind", "status", "fetched_at"}``
    where ``kind`` is ``"listing"`` (it links to articles / has pagination) or
    ``"other"``.
``article_gone(record: dict)``
    A known article answered 404/410:
    ``{"url", "status", "fetched_at", "article_id"}``.
``page_rejected(record: dict)``
    A page could not be parsed, or a request failed for good:
    ``{"url", "reason", "detail", "status", "fetched_at", "excerpt"}``.
"""

page_seen = object()
article_gone = object()
page_rejected = object()
