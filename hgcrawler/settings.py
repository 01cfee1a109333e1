"""Scrapy settings for hgcrawler.

Project-specific settings are prefixed ``HGCRAWLER_`` and gathered, typed, in
:class:`hgcrawler.config.HgcrawlerConfig`.  Everything here can be overridden
with ``-s NAME=VALUE`` on the ``scrapy`` and ``hgcrawler crawl`` command lines.
"""

BOT_NAME = "hgcrawler"

SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# --- hgcrawler's own settings (see hgcrawler/config.py for their meaning) ---
HGCRAWLER_START_URL = "https://haugiang.dcs.vn/"
HGCRAWLER_CONTACT = "hgcrawler-maintainers@example.org"
HGCRAWLER_MONGO_URI = ""  # empty: MONGO_URI env var, else the embedded SecantusDB
HGCRAWLER_MONGO_DATABASE = "hgcrawler"
HGCRAWLER_DATA_DIR = ""  # empty: $HGCRAWLER_DATA_DIR, else ~/.local/share/hgcrawler
HGCRAWLER_MODE = "full"  # full | incremental | revisit
HGCRAWLER_WRITE_BATCH_SIZE = 100
HGCRAWLER_WRITE_RETRIES = 3
HGCRAWLER_RENDER = "auto"  # auto | always | never
HGCRAWLER_CHROMIUM_PATH = "/usr/bin/chromium"
HGCRAWLER_RENDER_MAX_PAGES = 4  # browser pages open at once
HGCRAWLER_RENDER_TIMEOUT = 20  # seconds for a page to load in the browser
HGCRAWLER_RENDER_WAIT = 5  # seconds to wait for the view counter to be filled
HGCRAWLER_DEGRADED_THRESHOLD = 0.5
HGCRAWLER_CRAWL_ID = ""  # set by `hgcrawler crawl` when it created the crawl record
HGCRAWLER_FLUSH_INTERVAL = 2.0  # seconds between timed batch flushes
HGCRAWLER_PROGRESS_INTERVAL = 0  # seconds between progress lines on stderr; 0 = off
# Revisit policy (incremental and revisit modes): see hgcrawler/storage/base.py
HGCRAWLER_REVISIT_YOUNG_DAYS = 7
HGCRAWLER_REVISIT_YOUNG_HOURS = 6
HGCRAWLER_REVISIT_MID_HOURS = 24
HGCRAWLER_REVISIT_OLD_DAYS = 60
HGCRAWLER_REVISIT_OLD_INTERVAL_DAYS = 7
HGCRAWLER_REVISIT_ALL = False
# Raw archive (hgcrawler/warc.py, README.md, "Raw responses in WARC"): every response in WARC files
HGCRAWLER_WARC_ENABLED = True
HGCRAWLER_WARC_MAX_SIZE = 100_000_000  # bytes per WARC file before a new one is started

# --- politeness towards the real portal ---
ROBOTSTXT_OBEY = True
# USER_AGENT is built from HGCRAWLER_CONTACT by the spider (hgcrawler.config.user_agent)
# unless you set USER_AGENT yourself.
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
# Faults of the site (README.md, "Reliability"): retry waits, size caps, traps
HGCRAWLER_RETRY_BACKOFF = 1.0  # seconds before the first retry, doubled for each next one
HGCRAWLER_RETRY_BACKOFF_MAX = 30.0  # cap of the backoff
HGCRAWLER_RETRY_AFTER_MAX = 120.0  # cap of a server's Retry-After
HGCRAWLER_TRAP_PAGES = 5  # non-article pages in a row linking only to more of the same
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024  # a portal page is ~100 KB
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024  # larger: cancelled, recorded as rejected "too_large"
REQUEST_FINGERPRINTER_CLASS = "hgcrawler.fingerprint.CanonicalRequestFingerprinter"
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
DEPTH_PRIORITY = 0

ITEM_PIPELINES = {
    "hgcrawler.pipelines.cleaning.CleanArticlePipeline": 100,
    "hgcrawler.pipelines.validation.ValidateArticlePipeline": 200,
    "hgcrawler.pipelines.archive.MongoArchivePipeline": 900,
}

DOWNLOADER_MIDDLEWARES = {
    # after RedirectMiddleware (600) sees 3xx, before HttpCompressionMiddleware (590)
    # decodes: the WARC keeps the bytes as served (see hgcrawler/warc.py)
    "hgcrawler.warc.WarcWriterMiddleware": 650,
    # sees 3xx before RedirectMiddleware (600): A -> B -> A is rejected "redirect_loop"
    "hgcrawler.middlewares.RedirectLoopGuard": 610,
    # RetryMiddleware with Retry-After and exponential backoff
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "hgcrawler.middlewares.BackoffRetryMiddleware": 550,
}

FEED_EXPORT_ENCODING = "utf-8"
# CSV feeds write lists and objects (images, warc) as JSON, not Python repr
FEED_EXPORTERS = {"csv": "hgcrawler.feeds.JsonNestedCsvItemExporter"}
LOG_LEVEL = "INFO"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
