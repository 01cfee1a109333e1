"""The ``haugiang`` spider: discovers every article of a portal and extracts it.

Which portal is the site profile's (``HGCRAWLER_SITE``, :mod:`hgcrawler.sites`;
the Hậu Giang portal by default): its start URL, its hosts, the labels of its
article pages.  Articles are recognised by their content (the "Cập nhật vào
ngày" / "Số lần xem" line, or the profile's labels, see
:mod:`hgcrawler.read.extraction`), never by URL patterns. Discovery follows in-site
links: menus, listings, pagination, sidebars.

Modes (``-s HGCRAWLER_MODE=...`` or ``-a mode=...``):

``full``
    everything reachable from the home page, plus every article the archive
    already knows (so removals and moves are noticed);
``incremental``
    the home page, category listings newest first — a listing's next page is
    fetched only while the listing still shows articles the archive does not
    know — plus the known articles due for a revisit;
``revisit``
    only the known articles due for a revisit (all of them with ``-a all=1``).

The spider never talks to the database: the archive pipeline hands it the crawl
plan (known URLs, due revisits), and it reports non-article pages through
:mod:`hgcrawler.signals`. An article page whose static HTML lacks its view count
goes to :class:`hgcrawler.fetch.viewcounts.ViewCounts` (rendering, learned counter
endpoints), which yields the item or the requests that complete it.
"""

from __future__ import annotations

import asyncio
import codecs
import datetime as dt
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response, TextResponse
from scrapy.settings import default_settings
from twisted.internet.error import TimeoutError as ConnectionTimeoutError
from twisted.python.failure import Failure

from hgcrawler import signals
from hgcrawler.config import (
    HgcrawlerConfig,
    apply_site_settings,
    apply_spider_arguments,
    crawl_config,
    user_agent_for,
)
from hgcrawler.crawl.session import ArchiveUnavailable, CrawlSession
from hgcrawler.fetch.discovery import LinkFinder, PageLink, next_page
from hgcrawler.fetch.middlewares import RedirectLoop
from hgcrawler.fetch.viewcounts import ViewCounts
from hgcrawler.items import ArticleItem
from hgcrawler.plan import REJECTED_PAGE, CrawlPlan
from hgcrawler.read.extraction import NotAnArticle, extract_article, template_texts
from hgcrawler.read.pagetemplate import PageTemplate, TemplateLearner
from hgcrawler.read.reasons import Reason, http_reason
from hgcrawler.read.urls import SiteAddresses, canonical_url, page_family, same_site

logger = logging.getLogger(__name__)

GONE_STATUSES = (404, 410)
#: The fields compared when a page read before the page template was learned is read
#: again with it.
RECHECKED_FIELDS = ("title", "category", "lede", "body", "images", "author", "source")
EXCERPT_BYTES = 2048
#: Tried, in order, when a page declared UTF-8 but is not: the portal's legacy charset.
FALLBACK_ENCODINGS = ("cp1258",)


def excerpt(response: Response) -> str:
    """The start of a response's body, enough to debug a reject."""
    return response.body[:EXCERPT_BYTES].decode("utf-8", "replace")


def utcnow_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


class HaugiangSpider(scrapy.Spider):
    name = "haugiang"

    def __init__(
        self,
        start_url: str | None = None,
        mode: str | None = None,
        all: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)

    @classmethod
    def update_settings(cls, settings: Any) -> None:
        """The site profile's politeness; a User-Agent naming whom to contact."""
        super().update_settings(settings)
        apply_site_settings(settings)
        if settings.get("USER_AGENT") == default_settings.USER_AGENT:  # not chosen by the user
            settings.set("USER_AGENT", user_agent_for(settings), priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> HaugiangSpider:
        """Spider arguments (``-a mode=``, ``-a start_url=``, ``-a all=1``) are settings;
        the crawl's one configuration (:func:`~hgcrawler.config.crawl_config`) is read
        once they are set."""
        apply_spider_arguments(crawler.settings, kwargs)
        spider: HaugiangSpider = super().from_crawler(crawler, *args, **kwargs)
        spider.configure(crawl_config(crawler))
        return spider

    def configure(self, config: HgcrawlerConfig) -> None:
        self.config = config
        self.mode = config.mode
        self.start_url = config.start_url
        self.host = (urlsplit(self.start_url).hostname or "").lower()
        self.hosts = config.allowed_hosts  # the start URL's host first
        self.allowed_domains = list(self.hosts)
        # a page at any of the site's addresses is fetched at the start URL's
        self.addresses = SiteAddresses.of(self.hosts)
        self.labels = config.site.labels
        self.link_finder = LinkFinder(self.on_site)
        self.plan = CrawlPlan(mode=self.mode)
        self.session: CrawlSession | None = None
        # the start page's request: None when it was answered, else why not (in words)
        self.home_answer: asyncio.Future[str | None] | None = None
        self.home_links: set[str] = set()
        # canonical URLs already requested: most of a page's links were seen before
        self.requested: set[str] = set()
        self.trap_pages = config.trap_pages
        #: the site's page template: the last crawl's until this crawl has learned its own
        self.page_template: PageTemplate | None = None
        self.template_learner = TemplateLearner()
        #: the sample pages read before a template existed: read again once it is learned
        self._read_without_template: list[tuple[str, bytes, str | None, dict[str, Any]]] = []
        #: view counts the static HTML lacks: rendering, learned counter endpoints
        self.view_counts = ViewCounts.from_crawler(self.crawler, config, self.extract)

    async def _load_plan(self) -> CrawlPlan:
        """The crawl session's plan; an empty one when the session is not enabled."""
        self.session = self.crawler.get_extension(CrawlSession)
        if self.session is None:
            logger.warning("the CrawlSession extension is not enabled: crawling with an empty plan")
            return CrawlPlan(mode=self.mode)
        return await self.session.plan()

    # ------------------------------------------------------------------ start

    async def start(self) -> AsyncIterator[Any]:
        try:
            self.plan = self.rehome(await self._load_plan())
        except ArchiveUnavailable as exc:
            logger.error("not crawling: %s", exc)
            return
        if self.session is not None:
            self.page_template = await self.session.page_template()
            self.session.attach_page_template(self.learned_page_template)
        await self.view_counts.open(self.session)
        stats = self.crawler.stats
        for _, url in self.plan.due:  # asked for below: the start page's links need not
            if self.on_site(url):
                self.requested.add(canonical_url(url))
        # The first request probes the site: the start page, or in revisit mode (known
        # articles only) the first due article of the site.  The other known pages are
        # asked for once it answered: a site that does not answer ends the crawl at
        # once, not after every known page has failed in turn.
        probe: scrapy.Request | None = None
        first: tuple[str, str] | None = None
        if self.mode != "revisit":
            probe = scrapy.Request(
                self.start_url,
                callback=self.parse,
                errback=self.on_error,
                meta={"hg_home": True, "hg_probe": True},
                priority=10,
            )
        else:
            first = next(((a, url) for a, url in self.plan.due if self.on_site(url)), None)
            if first is not None:
                probe = self.article_request(first[1], first[0])
                probe.meta["hg_probe"] = True
                stats.inc_value("hgcrawler/requests/revisit")
        if probe is not None:
            self.home_answer = asyncio.get_running_loop().create_future()
            yield probe
            rest = len(self.plan.due) - (first is not None)
            if rest > 0:
                timeout = 4 * float(self.crawler.settings.getfloat("DOWNLOAD_TIMEOUT", 180))
                try:
                    problem = await asyncio.wait_for(asyncio.shield(self.home_answer), timeout)
                except TimeoutError:
                    problem = None
                if problem is not None:
                    logger.error(
                        "%s does not answer (%s): not revisiting the %d known pages",
                        "the start address " + self.start_url
                        if self.mode != "revisit"
                        else "the site (first known page " + probe.url + ")",
                        problem,
                        rest,
                    )
                    stats.set_value("hgcrawler/requests/revisit_skipped", rest)
                    return
        for article_id, url in self.plan.due:
            if not self.on_site(url):  # another site's article in a shared archive
                stats.inc_value("hgcrawler/requests/revisit_other_site")
                continue
            if first is not None and (article_id, url) == first:
                first = None  # asked for first, as the probe
                continue
            stats.inc_value("hgcrawler/requests/revisit")
            yield self.article_request(url, article_id)

    def here(self, url: str) -> str:
        """``url`` at the site's current address when it is at one of its addresses."""
        return self.addresses.at(url, self.start_url)

    def rehome(self, plan: CrawlPlan) -> CrawlPlan:
        """The plan's URLs at the site's current address: a site that moved (another
        host, ``https``) is the same site, its known pages known at the new address."""
        plan.known_articles = {
            canonical_url(self.here(url)): article_id
            for url, article_id in reversed(plan.known_articles.items())
        }
        plan.known_pages = {
            canonical_url(self.here(url)): kind for url, kind in plan.known_pages.items()
        }
        plan.due = [(article_id, self.here(url)) for article_id, url in plan.due]
        return plan

    def article_request(self, url: str, article_id: str | None) -> scrapy.Request:
        meta: dict[str, Any] = {"handle_httpstatus_list": list(GONE_STATUSES)}
        if article_id is not None:
            meta["hg_known_article"] = article_id
        # A known article's request is never a duplicate (the spider asks once per URL),
        # and where it redirects must be fetched even when a listing already led there:
        # that redirect is the evidence that the article moved.
        return scrapy.Request(
            url,
            callback=self.parse,
            errback=self.on_error,
            meta=meta,
            dont_filter=article_id is not None,
        )

    # ------------------------------------------------------------------ parsing

    def home_answered(self, problem: str | None) -> None:
        """The start page's request ended: ``problem`` (in words) when nothing answered."""
        if self.home_answer is not None and not self.home_answer.done():
            self.home_answer.set_result(problem)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        if response.meta.get("hg_probe"):
            self.home_answered(None)
        stats = self.crawler.stats
        if response.status in GONE_STATUSES:
            yield from self.handle_gone(response)
            return
        if not isinstance(response, TextResponse):
            stats.inc_value("hgcrawler/pages/not_html")
            return
        encoding = self.page_encoding(response)
        try:
            record = self.extract(response.body, response.url, encoding)
        except NotAnArticle as exc:
            yield from self.handle_other_page(response, exc)
            return
        stats.inc_value("hgcrawler/pages/article")
        self.learn_page_template(response.body, encoding, response.url, record)
        if self.known_article(response) is not None and self.session is not None:
            self.session.count_known_visit()
        yield from self.view_counts.article(response, self.article_item(response, record))
        yield from self.follow_links(response, page_kind="article")

    def extract(self, html: str | bytes, url: str, encoding: str | None = None) -> dict[str, Any]:
        """:func:`extract_article` with the site's labels and page template."""
        return extract_article(
            html,
            url,
            encoding=encoding,
            labels=self.labels,
            template=self.page_template,
            today=dt.datetime.now(dt.UTC).date(),
        )

    def learn_page_template(
        self, html: bytes, encoding: str | None, url: str, record: dict[str, Any]
    ) -> None:
        """Feed the first article pages of the crawl to the template learner; once it has
        its sample, its template replaces the stored one for the rest of the crawl, and
        the sample pages read without a template are read again with it: those that read
        differently are counted and named (the crawl's summary says so)."""
        learner = self.template_learner
        if not learner.wants():
            return
        learner.add(template_texts(html, encoding))
        if self.page_template is None:
            self._read_without_template.append((url, html, encoding, record))
        if not learner.ready:
            return
        self.page_template = learner.template()
        size = len(self.page_template) if self.page_template is not None else 0
        stats = self.crawler.stats
        stats.set_value("hgcrawler/page_template/texts", size)
        logger.info("page template learned from %d article pages: %d texts", learner.seen, size)
        unchecked, self._read_without_template = self._read_without_template, []
        for page_url, page_html, page_encoding, first in unchecked:
            stats.inc_value("hgcrawler/page_template/rechecked")
            try:
                again = self.extract(page_html, page_url, page_encoding)
            except NotAnArticle:
                continue
            differ = [name for name in RECHECKED_FIELDS if again.get(name) != first.get(name)]
            if differ:
                stats.inc_value("hgcrawler/page_template/read_differently")
                logger.warning(
                    "%s was read before the page template was learned; with it, its %s "
                    "would differ",
                    page_url,
                    ", ".join(differ),
                )
                if self.session is not None:
                    for name in differ:
                        self.session.note_template_difference(name, page_url)

    def learned_page_template(self) -> PageTemplate | None:
        """What to keep with the site: this crawl's template, unless it saw fewer pages than
        the one it started with."""
        learned = self.template_learner.template()
        stored = self.page_template
        if learned is None or (stored is not None and stored.pages > learned.pages):
            return stored
        return learned

    def page_encoding(self, response: TextResponse) -> str:
        """The response's encoding, unless it claims UTF-8 and is not: then a legacy one."""
        encoding = response.encoding
        try:
            if codecs.lookup(encoding).name != "utf-8":
                return encoding
        except LookupError:
            return encoding
        body = response.body
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start >= len(body) - 3:
                return encoding  # a multi-byte character cut by truncation, not a wrong charset
            for fallback in FALLBACK_ENCODINGS:
                try:
                    body.decode(fallback)
                except UnicodeDecodeError:
                    continue
                self.crawler.stats.inc_value("hgcrawler/pages/charset_mismatch")
                logger.warning(
                    "%s declares %s but is not; decoded as %s", response.url, encoding, fallback
                )
                return fallback
        return encoding

    def article_item(self, response: Response, record: dict[str, Any]) -> ArticleItem:
        redirect_urls = (
            list(response.request.meta.get("redirect_urls", [])) if response.request else []
        )
        item = ArticleItem(
            url=response.url,
            requested_url=redirect_urls[0] if redirect_urls else response.url,
            redirect_urls=redirect_urls,
            status=response.status,
            fetched_at=utcnow_iso(),
            rendered=False,
            render_reason=record.pop("render_hint"),
            views_source="static" if record.get("views") is not None else None,
            warc=response.meta.get("hgcrawler_warc"),
        )
        for key, value in record.items():
            if key not in ("url", "rules", "doubts"):  # how it was read: not the article
                item[key] = value
        return item

    def handle_gone(self, response: Response) -> Iterator[Any]:
        article_id = response.meta.get("hg_known_article")
        if article_id is None:
            self.reject(response, http_reason(response.status), "page not found")
            return
        self.crawler.stats.inc_value("hgcrawler/pages/gone")
        self.crawler.signals.send_catch_log(
            signals.article_gone,
            record={
                "url": response.url,
                "status": response.status,
                "fetched_at": utcnow_iso(),
                "article_id": article_id,
                "warc": response.meta.get("hgcrawler_warc"),
            },
        )
        return
        yield  # a generator like the other handlers

    def known_article(self, response: Response) -> str | None:
        """The archive's id of the article this page was, when it is a known one."""
        known = response.meta.get("hg_known_article")
        if known is None:
            known = self.plan.known_articles.get(canonical_url(response.url))
        return str(known) if known is not None else None

    def handle_other_page(self, response: TextResponse, exc: NotAnArticle) -> Iterator[Any]:
        known = self.known_article(response)
        if known is not None:
            # It parsed as an article before: the portal's layout has changed (or the page
            # is broken). Not an "other page": the archive keeps the article's last state.
            if self.session is not None:
                self.session.count_known_visit()
            self.reject(
                response,
                Reason.LAYOUT_CHANGED,
                f"article {known!r} no longer parses: {exc.reason}",
            )
            return
        if exc.looks_like_article:
            self.reject(response, Reason.NOT_PARSABLE, exc.reason)
            return
        links = self.page_links(response)
        kind = "listing" if any(link.is_pagination for link in links) else "other"
        self.crawler.stats.inc_value(f"hgcrawler/pages/{kind}")
        self.crawler.signals.send_catch_log(
            signals.page_seen,
            record={
                "url": response.url,
                "kind": kind,
                "status": response.status,
                "fetched_at": utcnow_iso(),
            },
        )
        yield from self.follow_links(response, page_kind=kind, links=links)

    def reject(self, response: Response, reason: str, detail: str) -> None:
        logger.warning("Rejected %s: %s (%s)", response.url, reason, detail)
        self.send_reject(response.url, reason, detail, response.status, excerpt(response))

    def send_reject(
        self, url: str, reason: str, detail: str, status: int | None, body_start: str
    ) -> None:
        """Tell the archive about a page that could not be parsed or fetched."""
        self.crawler.signals.send_catch_log(
            signals.page_rejected,
            record={
                "url": url,
                "reason": reason,
                "detail": detail,
                "status": status,
                "fetched_at": utcnow_iso(),
                "excerpt": body_start,
            },
        )

    # ------------------------------------------------------------------ discovery

    def on_site(self, url: str) -> bool:
        """True for http(s) URLs on one of the site's hosts (not their sub-domains)."""
        return any(same_site(url, host) for host in self.hosts)

    def page_links(self, response: TextResponse) -> list[PageLink]:
        """In-site links, one per URL; a URL any of whose anchors is a pager keeps that anchor."""
        links: dict[str, PageLink] = {}
        for found, text in self.link_finder.links(response):
            url = self.here(found)
            page_link = PageLink(url=url, text=text.strip())
            if url not in links or (page_link.is_pagination and not links[url].is_pagination):
                links[url] = page_link
        return list(links.values())

    def follow_links(
        self,
        response: TextResponse,
        page_kind: str,
        links: list[PageLink] | None = None,
    ) -> Iterator[scrapy.Request]:
        if links is None:
            links = self.page_links(response)
        is_home = bool(response.meta.get("hg_home"))
        if is_home:
            self.home_links = {canonical_url(link.url) for link in links}
        trail = self.trap_trail(response, page_kind, links)
        if trail >= self.trap_pages:
            self.crawler.stats.inc_value("hgcrawler/traps")
            self.reject(
                response,
                Reason.TRAP,
                f"{trail} pages in a row linking only to more pages like them; not followed",
            )
            return
        if self.mode == "full":
            requested = self.requested
            requests: Iterator[scrapy.Request] = (
                self.link_request(link, response)
                for link in links
                if canonical_url(link.url) not in requested  # built only to be dropped
            )
        elif self.mode == "revisit":
            return
        else:
            requests = self.follow_incremental(response, page_kind, links, is_home)
        for request in requests:
            key = canonical_url(request.url)
            if key in self.requested:  # the duplicate filter would drop it: skip the work
                continue
            self.requested.add(key)
            request.meta["hg_trail"] = trail
            yield request

    def trap_trail(self, response: TextResponse, page_kind: str, links: list[PageLink]) -> int:
        """How many non-article pages in a row (this one included) linked to nothing but
        the site's chrome and pages of their own family (calendars, endless pagers)."""
        if page_kind == "article" or response.meta.get("hg_home"):
            return 0
        for link in links:
            if canonical_url(link.url) in self.home_links:
                continue
            if not page_family(link.url, response.url):
                return 0
        return int(response.meta.get("hg_trail", 0)) + 1

    def follow_incremental(
        self, response: TextResponse, page_kind: str, links: list[PageLink], is_home: bool
    ) -> Iterator[scrapy.Request]:
        """New links only; a listing's next page only while it still shows unknown articles."""
        known_articles = self.plan.known_articles
        known_pages = self.plan.known_pages
        stats = self.crawler.stats
        news = False
        for link in links:
            key = canonical_url(link.url)
            if key in known_articles:
                continue
            if link.is_pagination:
                continue
            if key in known_pages:
                # category listings and other top-level pages; article pages that did
                # not parse, tried again (they are not news: no reason to page on)
                if is_home or known_pages[key] == REJECTED_PAGE:
                    yield self.link_request(link, response)
                continue
            if key not in self.home_links or is_home:
                news = True
            yield self.link_request(link, response)
        if page_kind != "listing":
            return
        current = int(response.meta.get("hg_page", 1))
        following = next_page(links, current)
        if following is None:
            return
        if news:
            yield self.link_request(following, response, page=current + 1)
        else:
            stats.inc_value("hgcrawler/incremental/listing_stopped")

    def link_request(
        self, link: PageLink, response: TextResponse, page: int | None = None
    ) -> scrapy.Request:
        key = canonical_url(link.url)
        article_id = self.plan.known_articles.get(key)
        request = self.article_request(link.url, article_id)
        if page is None and link.is_pagination:
            page = link.page_number
        if page is not None:
            request.meta["hg_page"] = page
        return request

    # ------------------------------------------------------------------ errors

    def on_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        error = failure.value
        response = getattr(error, "response", None)
        unanswered = response is None and error is not None
        if request.meta.get("hg_probe"):
            self.home_answered(
                failure_in_words(error, request.url)
                if error is not None and unanswered and not isinstance(error, IgnoreRequest)
                else None
            )
        status: int | None = None
        body = ""
        if response is not None:
            reason, detail = http_reason(response.status), f"HTTP {response.status}"
            status = response.status
            body = excerpt(response)
        else:
            found = failure_reason(failure.value) if failure.value is not None else None
            if found is None:
                return  # robots.txt and offsite filters: not an error of the site
            reason = found
            detail = f"{type(failure.value).__name__}: {failure.getErrorMessage()}"[:500]
        logger.warning("Failed %s: %s", request.url, detail)
        if request.meta.get("hg_probe") and self.session is not None:
            self.session.home_failed(
                failure_in_words(error, request.url) if error is not None and unanswered else detail
            )
        self.send_reject(request.url, reason, detail, status, body)


def failure_in_words(error: BaseException, url: str) -> str:
    """Why ``url`` had no answer, in words, naming its host and port:
    ``127.0.0.1:9 refused the connection`` (not an exception's class).

    >>> failure_in_words(DownloadConnectionRefusedError("111"), "http://127.0.0.1:9/")
    '127.0.0.1:9 refused the connection'
    """
    parts = urlsplit(url)
    where = parts.netloc or url
    if isinstance(error, DownloadConnectionRefusedError | ConnectionRefusedError):
        return f"{where} refused the connection"
    if isinstance(error, CannotResolveHostError):
        return f"the host name {parts.hostname} was not found (DNS)"
    if isinstance(error, DownloadTimeoutError | ConnectionTimeoutError | TimeoutError):
        return f"{where} did not answer in time"
    if isinstance(error, ResponseDataLossError):
        return f"{where} closed the connection before the page was whole"
    text = str(error).strip() or type(error).__name__
    if isinstance(error, DownloadFailedError):
        return f"{where}: the download failed: {text}"
    return f"{where}: {text}"


def failure_reason(error: BaseException) -> Reason | None:
    """The reject reason of a request that failed without a response; None: not a failure."""
    if isinstance(error, RedirectLoop):
        return Reason.REDIRECT_LOOP
    if isinstance(error, IgnoreRequest):
        return Reason.MAX_REDIRECTS if "max redirections" in str(error) else None
    if isinstance(error, DownloadTimeoutError | ConnectionTimeoutError):
        return Reason.TIMEOUT
    if isinstance(error, DownloadCancelledError) and "max size" in str(error):
        return Reason.TOO_LARGE
    return Reason.DOWNLOAD_ERROR
