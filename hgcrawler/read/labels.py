"""The words a portal writes around an article's fields: its date and view-count labels,
its byline and source labels, the headings that end an article, and selectors.

Data only. A site profile (:mod:`hgcrawler.sites.profile`) fills them from its TOML
file; reading a page (:mod:`hgcrawler.read.extraction`) takes them as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

from hgcrawler.read.text import DEFAULT_DATE_FORMATS

#: Fields a profile may give a CSS selector for (``[selectors]``): the last resort.
SELECTOR_FIELDS = ("title", "category", "lede", "author", "source")


@dataclass(frozen=True)
class Labels:
    """The words an article page puts before its date and its view count.

    The meta line of an article page is found by any of the ``date`` labels
    ("Cập nhật vào ngày", "Ngày đăng") or the ``views`` labels ("Số lần xem",
    "Lượt xem"), matched without case or accents.  With ``bare_date`` the date
    may have no label at all (``Thứ năm, 18/03/2021 08:15 - Lượt xem: 361``):
    the date nearest the views label is the date.  ``date_formats`` are the
    shapes of date the portal writes (:data:`hgcrawler.read.text.DATE_FORMATS`).

    ``author`` and ``source`` are the labels the portal puts before an article's
    writer and its source credit, besides those every portal uses ("Tác giả:",
    "Bài và ảnh:", "Nguồn:", "Theo …": :mod:`hgcrawler.read.bylines`); ``end_headings``
    the headings that end an article besides the built-in list; ``selectors`` a CSS
    selector per field (:data:`SELECTOR_FIELDS`), the documented last resort, as
    ``(field, selector)`` pairs.

    The defaults are the Hậu Giang portal's.
    """

    date: tuple[str, ...] = ("Cập nhật vào ngày",)
    views: tuple[str, ...] = ("Số lần xem",)
    bare_date: bool = False
    date_formats: tuple[str, ...] = DEFAULT_DATE_FORMATS
    author: tuple[str, ...] = ()
    source: tuple[str, ...] = ()
    end_headings: tuple[str, ...] = ()
    selectors: tuple[tuple[str, str], ...] = ()

    def describe(self) -> str:
        """The labels as a user reads them: ``'Cập nhật vào ngày' / 'Số lần xem'``."""
        names = [f"'{label}'" for label in (*self.date, *self.views)]
        text = " / ".join(names)
        return f"{text} (or a bare date)" if self.bare_date else text
