"""Scrapy settings for hgcrawler.

Project-specific settings are prefixed ``HGCRAWLER_``; their defaults and their
reading live in :mod:`hgcrawler.config`.  Everything here can be overridden
with ``-s NAME=VALUE`` on the ``scrapy`` and ``hgcrawler crawl`` command lines.
"""

BOT_NAME = "hgcrawler"

SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# --- hgcrawler's own settings ---
# Every HGCRAWLER_* setting has its default in hgcrawler.config.DEFAULTS (written once,
# read once by HgcrawlerConfig.from_settings); docs/settings.md explains each. Set them
# here, with -s NAME=VALUE, or with hgcrawler crawl's options.

# `scrapy crawl` takes the crawl lock and exits with hgcrawler crawl's codes.
COMMANDS_MODULE = "hgcrawler.scrapy_commands"

# --- politeness towards the real portal ---
ROBOTSTXT_OBEY = True
# USER_AGENT is built from HGCRAWLER_CONTACT by the spider (hgcrawler.config.user_agent)
# unless you set USER_AGENT yourself; a crawl of a host other than loopback refuses to
# start without a real contact.
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
DOWNLOAD_TIMEOUT = 60
RETRY_ENABLED = True
RETRY_TIMES = 4
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
REDIRECT_MAX_TIMES = 10
# Faults of the site (docs/reliability.md): size caps
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024  # a portal page is ~100 KB
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024  # larger: cancelled, recorded as rejected "too_large"
REQUEST_FINGERPRINTER_CLASS = "hgcrawler.fetch.fingerprint.CanonicalRequestFingerprinter"
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
DEPTH_PRIORITY = 0

ITEM_PIPELINES = {
    "hgcrawler.pipelines.cleaning.CleanArticlePipeline": 100,
    "hgcrawler.pipelines.validation.ValidateArticlePipeline": 200,
    "hgcrawler.pipelines.archive.ArchivePipeline": 900,
}

DOWNLOADER_MIDDLEWARES = {
    # after RedirectMiddleware (600) sees 3xx, before HttpCompressionMiddleware (590)
    # decodes: the WARC keeps the bytes as served (see hgcrawler/fetch/warc.py)
    "hgcrawler.fetch.warc.WarcWriterMiddleware": 650,
    # sees 3xx before RedirectMiddleware (600): A -> B -> A is rejected "redirect_loop"
    "hgcrawler.fetch.middlewares.RedirectLoopGuard": 610,
    # RetryMiddleware with Retry-After and exponential backoff
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "hgcrawler.fetch.middlewares.BackoffRetryMiddleware": 550,
}

# every request sent on its host's turn, the browser's too (hgcrawler/fetch/pace.py)
DOWNLOAD_HANDLERS = {
    "http": "hgcrawler.fetch.pace.PacedHTTPDownloadHandler",
    "https": "hgcrawler.fetch.pace.PacedHTTPDownloadHandler",
}

EXTENSIONS = {
    # one pace per host for Scrapy's and the browser's requests
    "hgcrawler.fetch.pace.HostPacing": 50,
    # the crawl session: opens the archive, records the crawl, judges how it went
    "hgcrawler.crawl.session.CrawlSession": 100,
    # after Scrapy's own extensions (order 0), so the final stats are complete
    "hgcrawler.crawl.extensions.StatsFile": 1000,
}

FEED_EXPORT_ENCODING = "utf-8"
# CSV feeds write lists and objects (images, warc) as JSON, not Python repr
FEED_EXPORTERS = {"csv": "hgcrawler.show.feeds.JsonNestedCsvItemExporter"}
LOG_LEVEL = "INFO"
# a dropped item is one line (its reason and URL), not the whole article
LOG_FORMATTER = "hgcrawler.crawl.logformatter.OneLineLogFormatter"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
