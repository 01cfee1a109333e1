"""Scrapy spiders of the hgcrawler project (``SPIDER_MODULES = ["spiders"]``)."""
