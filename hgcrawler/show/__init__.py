"""Showing the archive: the HTML report, exports, charts, terminal tables, feed exporters, and
``hgcrawler serve`` (``web/``)."""
