"""View counts a page's static HTML lacks: rendering and counter learning, for the spider.

The spider reads an article page and hands its item to :meth:`ViewCounts.article`,
which yields what comes of it: the item itself when its static HTML is enough (or
when nothing could do better: rendering off or unavailable), else the requests that
get its count. A page whose view counter is filled by script goes by its *template*
(:mod:`hgcrawler.fetch.counters`: the markup after the label, the page's scripts): ask the
template's learned endpoint with a plain request (some of those pages rendered too,
to check it), render it in headless Chromium (:mod:`hgcrawler.fetch.rendering`) and learn
from what the browser fetched, hold it while a rendering that decides for its
template runs, or store it without a count (a template whose counter never fills).
The callbacks of those requests are this object's methods; what they yield (items,
more requests) goes back into the crawl as a spider callback's would.

It pauses the crawl while a rendering that decides for a template loads
(``request_reached_downloader``) and renders, when the crawl falls idle, the pages
a template still holds (``spider_idle``). The templates are the site's: loaded from
the crawl session at the start, saved by it at the end. See docs/rendering.md.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import scrapy
from scrapy import signals as scrapy_signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from hgcrawler.config import HgcrawlerConfig, RenderConfig
from hgcrawler.fetch.counters import (
    CounterArea,
    Plan,
    RenderResult,
    Template,
    TemplateBook,
    find_counter_area,
    learn_endpoint,
)
from hgcrawler.fetch.pace import browser_slot
from hgcrawler.fetch.rendering import (
    ResponseWatch,
    browser_rss_bytes,
    counter_filled_js,
    playwright_settings,
    wait_for_counter,
)
from hgcrawler.items import ArticleItem
from hgcrawler.read.extraction import NotAnArticle

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings


__all__ = ["CounterCheck", "CounterPage", "ViewCounts", "wire_rendering"]

logger = logging.getLogger(__name__)

#: A rendering that times out is tried this many times in all.
RENDER_ATTEMPTS = 3

#: How the spider reads a page: HTML and its URL in, the article's record out
#: (:class:`~hgcrawler.read.extraction.NotAnArticle` when it is none).
Extract = Callable[[str, str], dict[str, Any]]


def wire_rendering(settings: BaseSettings, render: RenderConfig) -> None:
    """scrapy-playwright wired into the crawl's settings when rendering is wanted and
    Chromium is there (before Scrapy freezes them and builds the download handlers)."""
    if render.wanted and render.unavailable_reason() is None:
        for name, value in playwright_settings(render).items():
            settings.set(name, value, priority="spider")


class TemplateKeeper(Protocol):
    """Who keeps a site's counter templates between crawls (the crawl session)."""

    async def counter_templates(self) -> list[dict[str, Any]]:
        """The templates as the archive holds them."""
        ...

    def attach_templates(self, source: Callable[[], list[dict[str, Any]]]) -> None:
        """``source`` gives the templates to save when the crawl ends."""
        ...


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


class ViewCounts:
    """One crawl's view counts that need more than a page's static HTML (module doc)."""

    def __init__(self, crawler: Crawler, config: HgcrawlerConfig, extract: Extract) -> None:
        self.crawler = crawler
        self.config = config
        self.render = config.render
        self.extract = extract
        self.templates = self.template_book()
        self.counter_script = counter_filled_js(config.site.labels.views)
        self.render_unavailable = (
            self.render.unavailable_reason() if self.render.wanted else "rendering is off"
        )
        self._closing_pages: set[asyncio.Future[Any]] = set()
        self._pausing: set[int] = set()  # template-deciding renderings the crawl waits for
        if self.render.wanted and self.render_unavailable:
            logger.warning(
                "JavaScript rendering unavailable: %s. Pages whose view counter needs "
                "JavaScript are stored with views null and reason 'not rendered'.",
                self.render_unavailable,
            )

    @classmethod
    def from_crawler(
        cls, crawler: Crawler, config: HgcrawlerConfig, extract: Extract
    ) -> ViewCounts:
        """A crawl's view counts, listening to the crawl's idle and downloader signals;
        scrapy-playwright wired into the crawl's settings when rendering is wanted and
        Chromium is there. Scrapy creates the spider, and the spider this object, before
        it freezes the settings and builds the download handlers; a crawler whose settings
        are frozen already (``scrapy.utils.test.get_crawler``) is left as it is."""
        if not crawler.settings.frozen:
            wire_rendering(crawler.settings, config.render)
        counts = cls(crawler, config, extract)
        crawler.signals.connect(counts.release_stalled, signal=scrapy_signals.spider_idle)
        crawler.signals.connect(
            counts.probe_reached_downloader, signal=scrapy_signals.request_reached_downloader
        )
        return counts

    def template_book(self, docs: Any = ()) -> TemplateBook:
        render = self.render
        return TemplateBook(
            docs,
            verify_first=render.verify_first,
            verify_every=render.verify_every,
            verify_max=render.verify_max,
            absent_after=render.absent_after,
        )

    async def open(self, session: TemplateKeeper | None) -> None:
        """The site's counter templates, as the archive holds them; the session saves them
        when the crawl ends. Without a session (or learning), the crawl starts with none."""
        if session is not None and self.render.mode == "auto" and self.render.learn:
            self.templates = self.template_book(await session.counter_templates())
            session.attach_templates(self.templates.export)

    def article(self, response: TextResponse, item: ArticleItem) -> Iterator[Any]:
        """An article page the spider read: its item when its static HTML is enough (its
        ``render_reason`` says what it lacks), else the requests that complete it."""
        reason = item.get("render_reason")
        if self.render.mode == "always":
            reason = reason or "HGCRAWLER_RENDER=always"
        if reason and self.render.wanted and not self.render_unavailable:
            yield from self.view_count_requests(response, item, reason)
            return
        if reason:
            self.crawler.stats.inc_value("hgcrawler/render/not_rendered")
            item["render_reason"] = f"not rendered: {reason} ({self.render_unavailable})"
        yield item

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
