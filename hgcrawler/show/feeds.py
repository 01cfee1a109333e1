"""Feed exporters for ad-hoc crawls (``scrapy crawl haugiang -O exports/articles.csv``).

Registered in ``FEED_EXPORTERS`` (``hgcrawler/settings.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scrapy.exporters import CsvItemExporter

from hgcrawler.show.export import csv_cell

__all__ = ["JsonNestedCsvItemExporter"]


class JsonNestedCsvItemExporter(CsvItemExporter):
    """CSV in which lists and objects (``images``, ``warc``, ``redirect_urls``,
    ``problems``) are JSON text, as in ``hgcrawler export --format csv``.

    Scrapy's own CSV exporter joins lists of strings with commas and writes any
    other list or dict as its Python ``repr``, which no CSV reader can parse back.
    A field's own ``serializer`` still wins.
    """

    def serialize_field(self, field: Mapping[str, Any], name: str, value: Any) -> Any:
        serializer = field.get("serializer")
        if serializer is not None:
            return serializer(value)
        return csv_cell(value)
