"""Checking a site profile against the live portal: ``hgcrawler sites check NAME``.

A handful of plain HTTP requests, not a crawl: the start page, then the pages it
links to, one at a time, until ``articles`` article pages were read (or a few
more pages than that were tried).  Each page is read with the profile's labels,
and the result says what every field would be and what is missing.  When no
page reads as an article, the labels that portals use and the pages show are
named, so a wrong profile says how to fix it.

Not imported by :mod:`hgcrawler.sites` (which is pure): this module fetches.
"""

from __future__ import annotations

import datetime as dt
import time
import urllib.error
import urllib.request
import urllib.robotparser
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urldefrag, urljoin

from hgcrawler.read.extraction import (
    NotAnArticle,
    extract_article,
    page_blocks,
    parse_html,
    template_texts,
)
from hgcrawler.read.labels import Labels
from hgcrawler.read.pagetemplate import MIN_PAGES, PageTemplate, learn_template
from hgcrawler.read.plausibility import RepeatedValues
from hgcrawler.read.text import clean_text, fold
from hgcrawler.read.urls import ArticleKeys, same_site

__all__ = ["KNOWN_LABELS", "REQUIRED_FIELDS", "PageCheck", "SiteCheck", "check_site"]

#: What an article page must give for the profile to be right.
REQUIRED_FIELDS = ("title", "updated_on", "views", "text")
#: Labels the party portals are known to use, to say which ones a page shows.
KNOWN_LABELS = {
    "date": ("Cập nhật vào ngày", "Ngày cập nhật", "Ngày đăng", "Đăng ngày", "Ngày xuất bản"),
    "views": ("Số lần xem", "Lượt xem", "Số lượt xem", "Lượt đọc"),
}
#: Link texts of at least this many words are tried first: they are titles.
TITLE_WORDS = 5


@dataclass
class Fetched:
    url: str  # after redirects
    status: int
    body: bytes
    charset: str | None
    content_type: str


@dataclass
class PageCheck:
    """One page fetched and read with the profile's labels."""

    url: str
    status: int | None = None
    kind: str = "error"  # "article" | "other" | "error"
    record: dict[str, Any] | None = None
    key: str = ""
    key_is_id: bool = False
    missing: list[str] = field(default_factory=list)
    doubts: dict[str, str] = field(default_factory=dict)  # field -> why it cannot be right
    reason: str = ""  # why it is no article, or the fetch error
    fetched: Fetched | None = field(default=None, repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "status": self.status,
            "kind": self.kind,
            "key": self.key or None,
            "key_is_id": self.key_is_id,
            "fields": self.record,
            "missing": self.missing,
            "doubtful": self.doubts,
            "reason": self.reason or None,
        }


@dataclass
class SiteCheck:
    """The outcome of a check: the start page, the pages tried, hints."""

    site: str
    start_url: str
    start_status: int | None = None
    start_error: str = ""
    links: int = 0
    pages: list[PageCheck] = field(default_factory=list)
    shown_labels: Counter[str] = field(default_factory=Counter)  # known label -> pages
    template: PageTemplate | None = None  # learned from the article pages read
    repeated: dict[str, tuple[int, str, str]] = field(default_factory=dict)  # one value on most

    @property
    def doubtful(self) -> dict[str, list[PageCheck]]:
        """Field -> the article pages where its value cannot be right."""
        found: dict[str, list[PageCheck]] = {}
        for page in self.articles:
            for name in page.doubts:
                found.setdefault(name, []).append(page)
        return found

    @property
    def articles(self) -> list[PageCheck]:
        return [page for page in self.pages if page.kind == "article"]

    @property
    def reachable(self) -> bool:
        return self.start_status == 200 and not self.start_error

    @property
    def exit_code(self) -> int:
        """0: article pages found, each with every required field and no field that cannot
        be right; 1: otherwise; 2: the start page could not be fetched."""
        if not self.reachable:
            return 2
        articles = self.articles
        if not articles or any(page.missing for page in articles):
            return 1
        return 1 if self.doubtful or self.repeated else 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "site": self.site,
            "start_url": self.start_url,
            "start_status": self.start_status,
            "start_error": self.start_error or None,
            "links": self.links,
            "pages": [page.as_dict() for page in self.pages],
            "shown_labels": dict(self.shown_labels),
            "template_texts": len(self.template) if self.template is not None else None,
            "repeated": {
                name: {"pages": n, "value": value, "example": url}
                for name, (n, value, url) in self.repeated.items()
            },
            "exit_code": self.exit_code,
        }


class Fetcher:
    """Single GET requests with one User-Agent, a timeout, robots.txt and a delay."""

    def __init__(self, user_agent: str, timeout: float, delay: float) -> None:
        self.user_agent, self.timeout, self.delay = user_agent, timeout, delay
        self._last = 0.0
        self.robots: urllib.robotparser.RobotFileParser | None = None

    def get(self, url: str) -> Fetched:
        """The response (any status); :class:`OSError` when there is none."""
        wait = self._last + self.delay - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        request = urllib.request.Request(url, headers={"User-Agent": self.user_agent})
        try:
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return Fetched(
                        response.geturl(),
                        response.status,
                        response.read(),
                        response.headers.get_content_charset(),
                        response.headers.get_content_type(),
                    )
            except urllib.error.HTTPError as exc:
                with exc:
                    return Fetched(
                        exc.geturl() or url,
                        exc.code,
                        exc.read(),
                        exc.headers.get_content_charset(),
                        exc.headers.get_content_type(),
                    )
        finally:
            self._last = time.monotonic()

    def read_robots(self, start_url: str) -> None:
        robots = urllib.robotparser.RobotFileParser()
        try:
            fetched = self.get(urljoin(start_url, "/robots.txt"))
        except OSError:
            fetched = None
        if fetched is not None and fetched.status == 200:
            robots.parse(fetched.body.decode("utf-8", "replace").splitlines())
        else:
            robots.parse([])  # none: everything is allowed
        self.robots = robots

    def allowed(self, url: str) -> bool:
        return self.robots is None or self.robots.can_fetch(self.user_agent, url)


def _error_text(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)
    return f"{type(exc).__name__}: {reason if reason is not None else exc}"


def _links(fetched: Fetched, hosts: tuple[str, ...]) -> list[str]:
    """The page's links to the site's own pages, titles (long link texts) first."""
    try:
        root = parse_html(fetched.body, fetched.charset)
    except NotAnArticle:
        return []
    base = fetched.url
    for href in root.xpath("//base/@href"):
        base = urljoin(base, str(href))
        break
    titles: list[str] = []
    others: list[str] = []
    for anchor in root.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href:
            continue
        url = urldefrag(urljoin(base, href))[0]
        if not any(same_site(url, host) for host in hosts):
            continue
        text = clean_text("".join(anchor.itertext()))
        words = [word for word in text.split() if any(ch.isalnum() for ch in word)]
        (titles if len(words) >= TITLE_WORDS else others).append(url)
    start = urldefrag(fetched.url)[0]
    return [url for url in dict.fromkeys([*titles, *others]) if url != start]


def _shown_labels(fetched: Fetched) -> set[str]:
    """The known labels (:data:`KNOWN_LABELS`) a page shows."""
    try:
        root = parse_html(fetched.body, fetched.charset)
    except NotAnArticle:
        return set()
    texts = [block.folded for block in page_blocks(root) if block.kind == "text"]
    labels = (*KNOWN_LABELS["date"], *KNOWN_LABELS["views"])
    return {label for label in labels if any(fold(label) in text for text in texts)}


def _missing(record: dict[str, Any]) -> list[str]:
    missing = []
    for name in REQUIRED_FIELDS:
        value = record.get(name) if name != "text" else (record["lede"] or record["body"])
        if value in (None, ""):
            if name == "views" and record.get("render_hint"):
                missing.append(f"views ({record['render_hint']}: it needs JavaScript)")
            else:
                missing.append(name)
    return missing


def check_site(
    site: str,
    start_url: str,
    *,
    labels: Labels,
    hosts: tuple[str, ...],
    article_keys: ArticleKeys,
    user_agent: str,
    articles: int = 3,
    timeout: float = 10.0,
    delay: float = 1.0,
    max_pages: int | None = None,
) -> SiteCheck:
    """Fetch ``start_url`` and the pages it links to until ``articles`` article pages
    were read (at most ``max_pages`` pages, by default ``3 × articles + 6``)."""
    result = SiteCheck(site=site, start_url=start_url)
    fetcher = Fetcher(user_agent, timeout, delay)
    fetcher.read_robots(start_url)
    try:
        start = fetcher.get(start_url)
    except (OSError, ValueError) as exc:
        result.start_error = _error_text(exc)
        return result
    result.start_status = start.status
    if start.status != 200:
        result.start_error = f"HTTP {start.status}"
        return result
    links = [url for url in _links(start, hosts) if fetcher.allowed(url)]
    result.links = len(links)
    limit = max_pages if max_pages is not None else 3 * articles + 6
    for url in links[:limit]:
        if len(result.articles) >= articles:
            break
        page = PageCheck(url)
        result.pages.append(page)
        try:
            fetched = fetcher.get(url)
        except (OSError, ValueError) as exc:
            page.reason = _error_text(exc)
            continue
        page.status = fetched.status
        if fetched.status != 200 or "html" not in fetched.content_type:
            page.kind, page.reason = "other", f"HTTP {fetched.status} {fetched.content_type}"
            continue
        result.shown_labels.update(_shown_labels(fetched))
        try:
            record = extract_article(
                fetched.body, fetched.url, encoding=fetched.charset, labels=labels
            )
        except NotAnArticle as exc:
            page.kind, page.reason = "other", exc.reason
            continue
        page.kind, page.url, page.fetched = "article", fetched.url, fetched
        page.key = article_keys.key(fetched.url)
        page.key_is_id = article_keys.site_id(fetched.url) is not None
        _read(page, record)
    _with_template(result, labels)
    return result


def _read(page: PageCheck, record: dict[str, Any]) -> None:
    page.record = record
    page.missing = _missing(record)
    page.doubts = dict(record.get("doubts") or {})


def _with_template(result: SiteCheck, labels: Labels) -> None:
    """Learn the site's page template from the article pages read (as a crawl does from
    its first pages), read them again with it, and look for one value on most."""
    articles = [page for page in result.articles if page.fetched is not None]
    today = dt.datetime.now(dt.UTC).date()
    if len(articles) >= MIN_PAGES:
        result.template = learn_template(
            template_texts(page.fetched.body, page.fetched.charset)
            for page in articles
            if page.fetched is not None
        )
    repeats = RepeatedValues()
    for page in articles:
        fetched = page.fetched
        assert fetched is not None
        try:
            record = extract_article(
                fetched.body,
                fetched.url,
                encoding=fetched.charset,
                labels=labels,
                template=result.template,
                today=today,
            )
        except NotAnArticle:  # read before with the same labels: cannot happen
            continue
        _read(page, record)
        repeats.add(record, page.url)
    result.repeated = repeats.repeated()


def label_hints(check: SiteCheck, labels: Labels) -> list[str]:
    """Known labels the pages show that the profile does not name (most shown first)."""
    named = {fold(label) for label in (*labels.date, *labels.views)}
    hints = []
    for label, pages in check.shown_labels.most_common():
        if fold(label) in named:
            continue
        kind = "date" if label in KNOWN_LABELS["date"] else "views"
        hints.append(
            f"the pages show {label!r} ({pages} of {len(check.pages)}), which the profile's "
            f"[labels] {kind} does not name"
        )
    return hints
