"""Link discovery helpers for the spider: in-site links, pagination, page kinds.

Pure functions over a Scrapy response's links; no URL patterns of any one site.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlparse

from lxml import etree
from scrapy.linkextractors import IGNORED_EXTENSIONS
from scrapy.utils.response import get_base_url
from w3lib.html import strip_html5_whitespace
from w3lib.url import safe_url_string

from hgcrawler.read.text import fold

if TYPE_CHECKING:
    from scrapy.http import TextResponse

XHTML_NAMESPACE = "http://www.w3.org/1999/xhtml"

NEXT_LABELS = frozenset(
    fold(s)
    for s in ("»", "›", ">", ">>", "Trang sau", "Tiếp", "Tiếp theo", "Sau", "Next", "Trang kế")
)
OTHER_PAGER_LABELS = frozenset(
    fold(s)
    for s in (
        "«",
        "‹",
        "<",
        "<<",
        "Trang trước",
        "Trước",
        "Đầu",
        "Trang đầu",
        "Cuối",
        "Trang cuối",
        "...",
        "…",
        "Prev",
        "First",
        "Last",
    )
)
_DIGITS = re.compile(r"^\[?\s*(\d{1,5})\s*\]?$")


@dataclass(frozen=True)
class PageLink:
    url: str
    text: str
    rel: str = ""

    @property
    def page_number(self) -> int | None:
        match = _DIGITS.match(self.text)
        return int(match.group(1)) if match else None

    @property
    def is_next(self) -> bool:
        return "next" in self.rel.lower().split() or fold(self.text).strip() in NEXT_LABELS

    @property
    def is_pagination(self) -> bool:
        return (
            self.page_number is not None
            or self.is_next
            or fold(self.text).strip() in OTHER_PAGER_LABELS
        )


def next_page(links: list[PageLink], current: int) -> PageLink | None:
    """The link to the listing page after ``current``: "Trang sau" / "»", else ``current + 1``."""
    labelled = [link for link in links if link.is_next]
    if labelled:
        return labelled[0]
    numbered = [link for link in links if link.page_number == current + 1]
    return numbered[0] if numbered else None


# --------------------------------------------------------------------------- link finding

_LINK_TAGS = ("a", "area", f"{{{XHTML_NAMESPACE}}}a", f"{{{XHTML_NAMESPACE}}}area")
#: An href whose URL does not depend on the page's path: ``/…``, ``//host/…``, ``scheme://…``.
_ROOTED = re.compile(r"^(?:/|[A-Za-z][A-Za-z0-9+.-]*://)")
_DENIED_EXTENSIONS = tuple("." + ext for ext in IGNORED_EXTENSIONS)
_DROPPED = ""  # a cached answer: the link is not followed


class LinkFinder:
    """The in-site links of a page: what Scrapy's ``LinkExtractor(unique=False,
    canonicalize=False)`` finds, less the links off the site, in document order.

    The work on one href (joining it to the page's base, ``safe_url_string``, the
    extension and scheme checks, the site check) is done once per crawl, not once per
    page: a portal's menus, category lists and footers repeat on every page. An href
    that is absolute or starts with ``/`` does not depend on the page's path, so its
    answer is kept per origin; any other one per base URL. Only ``a`` and ``area``
    elements are visited (lxml filters them), not every element as the generic
    extractor does. ``tests/test_discovery.py`` checks the two agree on every saved page.
    """

    def __init__(self, on_site: Callable[[str], bool], cache_size: int = 50_000) -> None:
        self.on_site = on_site
        self.cache_size = cache_size
        self._cache: dict[tuple[str, str, str, str], str] = {}

    def links(self, response: TextResponse) -> list[tuple[str, str]]:
        """``(url, text)`` of each in-site link of ``response``, duplicates kept."""
        base_url = get_base_url(response)
        page_url, encoding = response.url, response.encoding
        base_origin = _origin(base_url)
        page_origin = _origin(page_url)
        cache = self._cache
        found: list[tuple[str, str]] = []
        for element in response.selector.root.iter(*_LINK_TAGS):
            href = element.get("href")
            if href is None:
                continue
            href = strip_html5_whitespace(href)
            if _ROOTED.match(href):
                key = (base_origin, page_origin, encoding, href)
            else:
                key = (base_url, page_url, encoding, href)
            url = cache.get(key)
            if url is None:
                url = self._resolve(href, base_url, page_url, encoding)
                if len(cache) >= self.cache_size:
                    cache.clear()
                cache[key] = url
            if not url:  # _DROPPED
                continue
            found.append((url, _string_content(element) or ""))
        return found

    def _resolve(self, href: str, base_url: str, page_url: str, encoding: str) -> str:
        """The URL ``LinkExtractor`` makes of ``href``, or ``""`` when it is not followed."""
        try:
            url = safe_url_string(urljoin(base_url, href), encoding=encoding)
        except ValueError:
            return _DROPPED
        url = urljoin(page_url, url)
        if url.split("://", 1)[0] not in _VALID_SCHEMES:
            return _DROPPED
        if urlparse(url).path.lower().endswith(_DENIED_EXTENSIONS):
            return _DROPPED
        return url if self.on_site(url) else _DROPPED


_VALID_SCHEMES = frozenset(("http", "https", "file", "ftp"))
_string_content = etree.XPath("string()")


def _origin(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0].split('?', 1)[0].split('#', 1)[0]}"
