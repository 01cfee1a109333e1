"""Link discovery helpers for the spider: in-site links, pagination, page kinds.

Pure functions over a Scrapy response's links; no URL patterns of any one site.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from hgcrawler.text import fold

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


def same_site(url: str, host: str) -> bool:
    """True for http(s) URLs on ``host`` itself (``www.`` prefix ignored), not its sub-domains."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return False
    netloc = (parts.hostname or "").lower()
    return netloc.removeprefix("www.") == host.lower().removeprefix("www.")


def next_page(links: list[PageLink], current: int) -> PageLink | None:
    """The link to the listing page after ``current``: "Trang sau" / "»", else ``current + 1``."""
    labelled = [link for link in links if link.is_next]
    if labelled:
        return labelled[0]
    numbered = [link for link in links if link.page_number == current + 1]
    return numbered[0] if numbered else None
