"""Scrapy commands of the hgcrawler project (``COMMANDS_MODULE``): ``scrapy crawl``
with the crawl lock's message and ``hgcrawler crawl``'s exit codes."""
