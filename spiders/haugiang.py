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
:mod:`hgcrawler.signals`.
"""

from __future__ import annotations

import asyncio
import codecs
import datetime as dt
import logging
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals as scrapy_signals
from scrapy.exceptions import (
    CannotResolveHostError,
    DontCloseSpider,
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
    MODES,
    ConfigError,
    HgcrawlerConfig,
    RenderConfig,
    apply_site_settings,
    user_agent_for,
)
from hgcrawler.crawl.session import ArchiveUnavailable, CrawlSession
from hgcrawler.fetch.counters import (
    CounterArea,
    Plan,
    RenderResult,
    Template,
    TemplateBook,
    find_counter_area,
    learn_endpoint,
)
from hgcrawler.fetch.discovery import LinkFinder, PageLink, next_page
from hgcrawler.fetch.middlewares import RedirectLoop
from hgcrawler.fetch.pace import browser_slot
from hgcrawler.fetch.rendering import (
    ResponseWatch,
    browser_rss_bytes,
    counter_filled_js,
    playwright_settings,
    wait_for_counter,
)
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
#: A rendering that times out is tried this many times in all.
RENDER_ATTEMPTS = 3
EXCERPT_BYTES = 2048
#: Tried, in order, when a page declared UTF-8 but is not: the portal's legacy charset.
FALLBACK_ENCODINGS = ("cp1258",)


def excerpt(response: Response) -> str:
    """The start of a response's body, enough to debug a reject."""
    return response.body[:EXCERPT_BYTES].decode("utf-8", "replace")


def utcnow_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


@dataclass
class CounterPage:
    """An article page waiting for its view count: the static item and its counter area."""

    item: ArticleItem
    reason: str  # why the static HTML is not enough
    area: CounterArea | None  # None: render it, nothing to learn
    failed: CounterCheck | None = None  # its endpoint answer, when that failed
    renderings: int = 0  # renderings that failed (timed out) so far


@dataclass
class CounterCheck:
    """What a counter request or rendering is for (in ``meta["hg_counter"]``)."""

    template: str  # the template's key
    probe: bool = False  # its rendering decides for the template; other pages wait
    version: int | None = None  # the template's version when its endpoint was asked
    url: str | None = None  # the endpoint's URL for this page
    endpoint_count: int | None = None
    endpoint_failed: str | None = None


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
        """The site profile's politeness; a User-Agent naming whom to contact;
        scrapy-playwright wired in when rendering is wanted and Chromium is there."""
        super().update_settings(settings)
        apply_site_settings(settings)
        if settings.get("USER_AGENT") == default_settings.USER_AGENT:  # not chosen by the user
            settings.set("USER_AGENT", user_agent_for(settings), priority="spider")
        render = RenderConfig.from_settings(settings)
        if render.wanted and render.unavailable_reason() is None:
            for name, value in playwright_settings(render).items():
                settings.set(name, value, priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> HaugiangSpider:
        """Spider arguments (``-a mode=``, ``-a start_url=``, ``-a all=1``) are settings."""
        mode = kwargs.get("mode")
        if mode:
            if mode not in MODES:
                raise ConfigError(f"mode must be one of {MODES}, got {mode!r}")
            crawler.settings.set("HGCRAWLER_MODE", mode, priority="spider")
        if kwargs.get("start_url"):
            crawler.settings.set("HGCRAWLER_START_URL", kwargs["start_url"], priority="spider")
        if kwargs.get("all") not in (None, "", "0", "false", "no"):
            crawler.settings.set("HGCRAWLER_REVISIT_ALL", True, priority="spider")
        spider: HaugiangSpider = super().from_crawler(crawler, *args, **kwargs)
        spider.configure(HgcrawlerConfig.from_settings(crawler.settings))
        crawler.signals.connect(spider.release_stalled, signal=scrapy_signals.spider_idle)
        crawler.signals.connect(
            spider.probe_reached_downloader, signal=scrapy_signals.request_reached_downloader
        )
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
        self._closing_pages: set[asyncio.Future[Any]] = set()
        self._pausing: set[int] = set()  # template-deciding renderings the crawl waits for
        self.trap_pages = config.trap_pages
        self.render = config.render
        self.templates = self.template_book()
        #: the site's page template: the last crawl's until this crawl has learned its own
        self.page_template: PageTemplate | None = None
        self.template_learner = TemplateLearner()
        #: the sample pages read before a template existed: read again once it is learned
        self._read_without_template: list[tuple[str, bytes, str | None, dict[str, Any]]] = []
        self.counter_script = counter_filled_js(config.site.labels.views)
        self.render_unavailable = (
            self.render.unavailable_reason() if self.render.wanted else "rendering is off"
        )
        if self.render.wanted and self.render_unavailable:
            logger.warning(
                "JavaScript rendering unavailable: %s. Pages whose view counter needs "
                "JavaScript are stored with views null and reason 'not rendered'.",
                self.render_unavailable,
            )

    def template_book(self, docs: Any = ()) -> TemplateBook:
        render = self.render
        return TemplateBook(
            docs,
            verify_first=render.verify_first,
            verify_every=render.verify_every,
            verify_max=render.verify_max,
            absent_after=render.absent_after,
        )

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
        if self.session is not None and self.render.mode == "auto" and self.render.learn:
            self.templates = self.template_book(await self.session.counter_templates())
            self.session.attach_templates(self.templates.export)
        stats = self.crawler.stats
        for _, url in self.plan.due:  # asked for below: the start page's links need not
            if self.on_site(url):
                self.requested.add(canonical_url(url))
        if self.mode != "revisit":
            self.home_answer = asyncio.get_running_loop().create_future()
            yield scrapy.Request(
                self.start_url,
                callback=self.parse,
                errback=self.on_error,
                meta={"hg_home": True},
                priority=10,
            )
            if self.plan.due:
                # the known pages are asked for only once the start address answers:
                # a site that does not answer ends the crawl at once, not after
                # every known page has failed in turn
                timeout = 4 * float(self.crawler.settings.getfloat("DOWNLOAD_TIMEOUT", 180))
                try:
                    problem = await asyncio.wait_for(asyncio.shield(self.home_answer), timeout)
                except TimeoutError:
                    problem = None
                if problem is not None:
                    logger.error(
                        "the start address %s does not answer (%s): not revisiting the %d "
                        "known pages",
                        self.start_url,
                        problem,
                        len(self.plan.due),
                    )
                    stats.set_value("hgcrawler/requests/revisit_skipped", len(self.plan.due))
                    return
        for article_id, url in self.plan.due:
            if not self.on_site(url):  # another site's article in a shared archive
                stats.inc_value("hgcrawler/requests/revisit_other_site")
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
        if response.meta.get("hg_home"):
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
            self.session.tally.known_visited += 1
        item = self.article_item(response, record)
        reason = item.get("render_reason")
        if self.render.mode == "always":
            reason = reason or "HGCRAWLER_RENDER=always"
        if reason and self.render.wanted and not self.render_unavailable:
            yield from self.view_count_requests(response, item, reason)
        else:
            if reason:
                stats.inc_value("hgcrawler/render/not_rendered")
                item["render_reason"] = f"not rendered: {reason} ({self.render_unavailable})"
            yield item
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
                        self.session.tally.template_differs[name] += 1
                        self.session.tally.example(f"template:{name}", page_url)

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

    # ------------------------------------------------------------------ rendering
    #
    # A page whose view counter is filled by script goes through hgcrawler.fetch.counters:
    # its template (the markup after the label, the page's scripts) says whether to
    # ask a learned endpoint (some of those pages rendered too, to check it), render
    # it (and learn from what the browser fetched), hold it while a rendering that
    # decides for its template runs, or store it without a count (a template whose
    # counter never fills). See docs/rendering.md.

    def view_count_requests(
        self, response: TextResponse, item: ArticleItem, reason: str
    ) -> Iterator[Any]:
        """What to do for a page that lacks what its static HTML should hold."""
        area = None
        if self.render.mode == "auto" and self.render.learn and item.get("views") is None:
            area = find_counter_area(response.text, response.url, self.config.site.labels.views)
        page = CounterPage(item, reason, area)
        if area is None:
            yield self.render_request(page)
            return
        yield from self.plan_counter(page)

    def plan_counter(self, page: CounterPage) -> Iterator[Any]:
        assert page.area is not None
        stats = self.crawler.stats
        template = self.templates.template(page.area)
        plan = self.templates.plan(template)
        stats.inc_value(f"hgcrawler/counters/plan/{plan.kind}")
        if plan.kind == "wait":
            template.waiting.append(page)
            return
        if plan.kind == "absent":
            yield self.uncounted_item(page, template)
            return
        if plan.kind == "endpoint" and template.endpoint is not None:
            url = template.endpoint.url_for(page.area)
            if url is not None:
                yield self.endpoint_request(page, template, url, plan)
                return
            stats.inc_value("hgcrawler/counters/endpoint/no_token")
        yield self.render_request(page, CounterCheck(template.key, plan.probe))

    def endpoint_request(
        self, page: CounterPage, template: Template, url: str, plan: Plan
    ) -> scrapy.Request:
        """The learned counter endpoint of a page, asked with a plain request."""
        self.crawler.stats.inc_value("hgcrawler/counters/endpoint/requests")
        check = CounterCheck(template.key, plan.probe, version=template.version, url=url)
        return scrapy.Request(
            url,
            callback=self.parse_counter,
            errback=self.counter_failed,
            dont_filter=True,
            priority=10 if plan.probe else 5,
            headers={"Referer": page.item["url"]},
            meta={
                "hg_page": page,
                "hg_counter": check,
                "hg_verify": plan.verify,
                "handle_httpstatus_all": True,
                "dont_retry": True,  # a failed answer is settled by rendering the page
            },
        )

    def parse_counter(self, response: Response) -> Iterator[Any]:
        page: CounterPage = response.meta["hg_page"]
        check: CounterCheck = response.meta["hg_counter"]
        template = self.templates.templates[check.template]
        if template.endpoint is None or template.version != check.version:
            # the template's endpoint changed while this answer was on its way
            yield from self.replan(page, template, check)
            return
        count = None
        failure: str | None = f"HTTP {response.status}"
        if response.status == 200:
            text = response.text if isinstance(response, TextResponse) else response.body.decode()
            count = template.endpoint.reader.read(text)
            failure = None if count is not None else "no number in the answer"
        self.templates.endpoint_answered(template, failed=count is None)
        check.endpoint_count, check.endpoint_failed = count, failure
        if count is None:
            self.crawler.stats.inc_value("hgcrawler/counters/endpoint/failed")
            verify = bool(response.meta.get("hg_verify"))
            yield from self.endpoint_failed(page, template, check, verify)
            return
        for held in self.templates.take_held_failures(template):
            yield self.failed_count_item(held, template)
        if response.meta.get("hg_verify"):
            self.crawler.stats.inc_value("hgcrawler/counters/verifications")
            yield self.render_request(page, check)
            return
        self.crawler.stats.inc_value("hgcrawler/views_source/endpoint")
        item = ArticleItem(page.item)
        item["views"] = count
        item["views_source"] = "endpoint"
        item["render_reason"] = None
        yield item

    def counter_failed(self, failure: Failure) -> Iterator[Any]:
        """The endpoint could not be asked (network, robots.txt): render the page."""
        request = failure.request  # type: ignore[attr-defined]
        page: CounterPage = request.meta["hg_page"]
        check: CounterCheck = request.meta["hg_counter"]
        template = self.templates.templates[check.template]
        if template.endpoint is None or template.version != check.version:
            yield from self.replan(page, template, check)
            return
        self.templates.endpoint_answered(template, failed=True)
        self.crawler.stats.inc_value("hgcrawler/counters/endpoint/failed")
        check.endpoint_failed = f"{type(failure.value).__name__}: {failure.getErrorMessage()[:200]}"
        yield self.render_request(page, check)  # not the page's answer: always rendered

    def endpoint_failed(
        self, page: CounterPage, template: Template, check: CounterCheck, verify: bool
    ) -> Iterator[Any]:
        """The endpoint answered no number for a page: render it, or hold it until the
        template's next answer (see TemplateBook.after_failure)."""
        if not verify and not check.probe and self.templates.after_failure(template) == "hold":
            page.failed = check
            template.held_failures.append(page)
            self.crawler.stats.inc_value("hgcrawler/counters/endpoint/held")
            return
        for held in self.templates.take_held_failures(template):  # two failures in a row
            assert held.failed is not None
            yield self.render_request(held, held.failed)
        yield self.render_request(page, check)

    def failed_count_item(self, page: CounterPage, template: Template) -> ArticleItem:
        """A page whose endpoint answer failed while the template's next one gave a number:
        its own count failed (the browser failed the same way on such pages before)."""
        self.crawler.stats.inc_value("hgcrawler/counters/failed_pages")
        failed = page.failed.endpoint_failed if page.failed is not None else "no number"
        item = ArticleItem(page.item)
        item["render_reason"] = (
            f"{page.reason}; its counter endpoint answered {failed} while the next page of "
            f"its template got a number: this page's count failed (not rendered; the browser "
            f"failed the same way on {template.confirmed_failures} such pages in this crawl)"
        )
        return item

    def replan(self, page: CounterPage, template: Template, check: CounterCheck) -> Iterator[Any]:
        """Plan a page again; when it was deciding for its template, let the next one."""
        if check.probe:
            self.templates.probe_failed(template)
        yield from self.plan_counter(page)
        if check.probe:
            yield from self.release_waiting(template)

    def probe_ended(self, template: Template) -> Iterator[Any]:
        """The rendering deciding for ``template`` ended without a decision."""
        self.templates.probe_failed(template)
        yield from self.release_waiting(template)

    def release_waiting(self, template: Template) -> Iterator[Any]:
        for page in self.templates.take_waiting(template):
            yield from self.plan_counter(page)

    def uncounted_item(self, page: CounterPage, template: Template) -> ArticleItem:
        """A page of a template whose counter never fills: stored without a count, unrendered."""
        self.crawler.stats.inc_value("hgcrawler/counters/absent_pages")
        item = ArticleItem(page.item)
        item["render_reason"] = (
            f"{page.reason}; not rendered: its template's counter stayed empty in "
            f"{template.unfilled_streak} renderings in a row"
        )
        return item

    def render_request(
        self, page: CounterPage, check: CounterCheck | None = None
    ) -> scrapy.Request:
        """The page again, through headless Chromium."""
        self.crawler.stats.inc_value("hgcrawler/render/requested")
        tokens = page.area.tokens() if page.area is not None else []
        watch = ResponseWatch(page.item["url"], tokens, check.url if check else None)
        return scrapy.Request(
            page.item["url"],
            callback=self.parse_rendered,
            errback=self.render_failed,
            dont_filter=True,
            priority=10 if check is not None and check.probe else 0,
            meta={
                # the page's own requests keep its host's pace; this one sends nothing
                "download_slot": browser_slot(page.item["url"]),
                "playwright": True,
                "playwright_include_page": True,
                "playwright_page_goto_kwargs": {"wait_until": "domcontentloaded"},
                "playwright_page_event_handlers": watch.handlers(),
                "hg_page": page,
                "hg_counter": check,
                "hg_watch": watch,
            },
        )

    async def parse_rendered(self, response: Response) -> AsyncIterator[Any]:
        stats = self.crawler.stats
        page: CounterPage = response.meta["hg_page"]
        watch: ResponseWatch = response.meta["hg_watch"]
        check: CounterCheck | None = response.meta.get("hg_counter")
        static, reason = page.item, page.reason
        browser_page = response.meta.get("playwright_page")
        html = response.text if isinstance(response, TextResponse) else ""
        started = time.monotonic()
        if browser_page is not None:
            try:
                await wait_for_counter(
                    browser_page, watch, self.counter_script, self.render.wait_ms
                )
                html = await browser_page.content()
                await watch.settled()
            except Exception as exc:  # the page crashed or closed: keep the DOM we have
                logger.debug("rendered page %s: %s", response.url, exc)
            finally:
                await browser_page.close()
        if response.request is not None:
            self.resume_after(response.request)
        loading = float(response.meta.get("download_latency") or 0.0)
        stats.inc_value("hgcrawler/render/load_ms", int(1000 * loading))
        stats.inc_value("hgcrawler/render/wait_ms", int(1000 * (time.monotonic() - started)))
        stats.inc_value("hgcrawler/rendered")
        stats.max_value("hgcrawler/render/browser_rss_peak_bytes", browser_rss_bytes())
        item = ArticleItem(static)
        item["rendered"] = True
        try:
            record = self.extract(html, static["url"])
        except NotAnArticle as exc:
            item["render_reason"] = f"{reason}; rendered page not parsable: {exc.reason}"
            yield item
            if check is not None and check.probe:
                for output in self.probe_ended(self.templates.templates[check.template]):
                    yield output
            return
        record.pop("render_hint")
        for key, value in record.items():
            if key not in ("url", "rules", "doubts"):
                item[key] = value
        if record["views"] is None:
            stats.inc_value("hgcrawler/render/still_missing")
            why = (
                f"; its counter request failed ({'; '.join(watch.failed)[:300]})"
                if watch.failed
                else ""
            )
            item["render_reason"] = f"{reason}; still no view count after rendering{why}"
            item["views_source"] = None
        else:
            item["render_reason"] = reason
            item["views_source"] = "rendered"
            stats.inc_value("hgcrawler/views_source/rendered")
        # the template's outcome first: the pages it holds need not wait for this item
        followups = (
            []
            if check is None
            else list(self.counter_rendered(page, check, record["views"], watch))
        )
        yield item
        for output in followups:
            yield output

    def counter_rendered(
        self, page: CounterPage, check: CounterCheck, count: int | None, watch: ResponseWatch
    ) -> Iterator[Any]:
        """What the rendering says about the page's template; pages it held go on."""
        assert page.area is not None
        template = self.templates.templates[check.template]
        learned = None
        if count is not None and (template.endpoint is None or check.endpoint_count != count):
            learned = learn_endpoint(page.area, count, watch.responses)
        result = RenderResult(
            count,
            learned=learned,
            counter_request_failed=bool(watch.failed),
            endpoint_count=check.endpoint_count,
            endpoint_failed=check.endpoint_failed,
            endpoint_version=check.version,
            probe=check.probe,
            page_url=page.item["url"],
        )
        events = self.templates.after_render(template, result)
        if "broken" in events:  # pages held after a failure of that endpoint: plan again
            for held in self.templates.take_held_failures(template):
                yield from self.plan_counter(held)
        for event in events:
            self.crawler.stats.inc_value(f"hgcrawler/counters/{event}")
            if event in ("learned", "broken", "absent"):
                logger.info(
                    "counter template %s (%s): %s from %s%s",
                    template.key, template.shape, event, page.item["url"],
                    f": {template.endpoint.url}" if template.endpoint else "",
                )  # fmt: skip
        if check.probe:
            yield from self.release_waiting(template)

    def render_failed(self, failure: Failure) -> Iterator[Any]:
        """The browser failed: keep the static extraction, say why it is incomplete."""
        request = failure.request  # type: ignore[attr-defined]
        browser_page = request.meta.get("playwright_page")
        if browser_page is not None:
            closing = asyncio.ensure_future(browser_page.close())
            self._closing_pages.add(closing)
            closing.add_done_callback(self._closing_pages.discard)
        self.resume_after(request)
        page: CounterPage = request.meta["hg_page"]
        check: CounterCheck | None = request.meta.get("hg_counter")
        page.renderings += 1
        if "Timeout" in type(failure.value).__name__ and page.renderings < RENDER_ATTEMPTS:
            # the browser was starved by a busy crawl: later, the crawl is calmer
            self.crawler.stats.inc_value("hgcrawler/render/retried")
            logger.info("Rendering %s timed out; trying again later", request.url)
            if check is not None and check.probe:
                check.probe = False  # another page decides for the template meanwhile
                yield from self.probe_ended(self.templates.templates[check.template])
            retry = self.render_request(page, check)
            retry.priority = -1
            yield retry
            return
        self.crawler.stats.inc_value("hgcrawler/render/failed")
        item = ArticleItem(page.item)
        item["rendered"] = False
        item["render_reason"] = (
            f"{page.reason}; rendering failed: "
            f"{type(failure.value).__name__}: {failure.getErrorMessage()[:200]}"
        )
        logger.warning("Rendering %s failed: %s", request.url, failure.getErrorMessage()[:200])
        yield item
        if check is not None and check.probe:
            yield from self.probe_ended(self.templates.templates[check.template])

    def probe_reached_downloader(self, request: scrapy.Request, spider: Any = None) -> None:
        """A rendering that decides for a template starts: pause the crawl until it is done.

        Every request of a rendered page costs a few round trips to the Playwright driver
        through the crawl's event loop; on a busy crawl they wait behind it for so long
        that the first page of a template (with Chromium's start) took a minute or timed
        out, while that template's pages waited. Paused, it takes a second or two. The
        crawl goes on when the rendering ends, at the latest after its time limits.
        """
        check = request.meta.get("hg_counter")
        if not request.meta.get("playwright") or check is None or not check.probe:
            return
        self._pausing.add(id(request))
        self.crawler.engine.pause()
        self.crawler.stats.inc_value("hgcrawler/render/paused")
        limit = (self.render.navigation_timeout_ms + self.render.wait_ms) / 1000 + 5
        asyncio.get_running_loop().call_later(limit, self.resume_after, request)

    def resume_after(self, request: scrapy.Request) -> None:
        """The crawl goes on once no template-deciding rendering is loading any more."""
        if id(request) not in self._pausing:
            return
        self._pausing.discard(id(request))
        if self._pausing:
            return
        engine = self.crawler.engine
        engine.unpause()
        # nothing else may wake the engine's loop before its next heartbeat (5 s)
        nextcall = getattr(getattr(engine, "_slot", None), "nextcall", None)
        if nextcall is not None:
            nextcall.schedule()

    def release_stalled(self) -> None:
        """spider_idle: pages a template still holds are rendered. Pages held after a failed
        endpoint answer that no later answer settled (the last ones of the crawl), and, as a
        safety net, pages waiting for a rendering that did not come back."""
        requests = []
        for template in self.templates.templates.values():
            waiting = self.templates.take_waiting(template)
            if waiting:
                logger.warning(
                    "%d pages of counter template %s were still waiting: rendering them",
                    len(waiting), template.key,
                )  # fmt: skip
                self.templates.probe_failed(template)
            requests += [self.render_request(page) for page in waiting]
            requests += [
                self.render_request(page, page.failed)
                for page in self.templates.take_held_failures(template)
            ]
        if not requests:
            return
        for request in requests:
            self.crawler.engine.crawl(request)
        raise DontCloseSpider("pages held for a counter decision")

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
                self.session.tally.known_visited += 1
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
        if request.meta.get("hg_home"):
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
        if request.meta.get("hg_home") and self.session is not None:
            self.session.tally.home_failure = (
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
