"""Items the ``haugiang`` spider yields.

Only :class:`ArticleItem` flows through the item pipelines (and so into feed
exports).  Everything else the archive must learn about a fetched page —
a known article that is gone, a page that could not be parsed, a listing or
other non-article page — is announced with the signals in
:mod:`hgcrawler.signals`, so that ``-O exports/articles.jsonl`` holds articles
only while the archive still records every page.
"""

from __future__ import annotations

import scrapy


class ArticleItem(scrapy.Item):
    """One fetched article page.

    Text fields are produced by :func:`hgcrawler.read.extraction.extract_article`;
    the cleaning pipeline turns ``updated_on`` into a ``datetime.date`` and
    ``views`` into an ``int`` (or ``None``).
    """

    url = scrapy.Field()  # final URL of the page (after redirects)
    requested_url = scrapy.Field()  # URL first requested (differs when moved)
    redirect_urls = scrapy.Field()  # URLs passed through on the way (old URLs)
    status = scrapy.Field()  # HTTP status of the final response
    fetched_at = scrapy.Field()  # ISO 8601 UTC timestamp string
    title = scrapy.Field()
    category = scrapy.Field()
    updated_on = scrapy.Field()  # "YYYY-MM-DD" from extraction, date after cleaning
    views = scrapy.Field()  # int or None
    lede = scrapy.Field()
    body = scrapy.Field()  # paragraphs joined by a blank line
    images = scrapy.Field()  # list of {"src": absolute URL, "caption": str}
    author = scrapy.Field()
    source = scrapy.Field()  # a source credit ("Nguồn: X", "Theo X" → "X"), None without
    doubtful = scrapy.Field()  # fields found but implausible (hgcrawler.read.plausibility)
    problems = scrapy.Field()  # fields extraction could not find
    rendered = scrapy.Field()  # True when extracted from a browser-rendered DOM
    render_reason = scrapy.Field()  # why rendering was asked for / why it did not help
    views_source = scrapy.Field()  # "static" | "endpoint" | "rendered"; None without a count
    warc = scrapy.Field()  # {"file", "offset", "length", "record_id"} or None
