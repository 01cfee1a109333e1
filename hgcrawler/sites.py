"""Site profiles: what differs from one party portal to the next, as data.

A profile names a portal and says where it starts, which hosts are its own, how
its article URLs carry ids, which labels its article pages put before the date
and the view count, how often known articles are revisited and how politely it
is crawled.  The Hậu Giang portal is the built-in default (:data:`HAUGIANG`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["DEFAULT_SITE", "HAUGIANG", "Labels", "SiteProfile", "site_names"]


@dataclass(frozen=True)
class Labels:
    """The words an article page puts before its date and its view count.

    ``date`` labels precede the date ("Cập nhật vào ngày", "Ngày đăng"); with
    ``bare_date`` a date with no label next to a view count label is the date.
    ``views`` labels precede the view count ("Số lần xem", "Lượt xem").
    """

    date: tuple[str, ...] = ("Cập nhật vào ngày",)
    views: tuple[str, ...] = ("Số lần xem",)
    bare_date: bool = False


@dataclass(frozen=True)
class SiteProfile:
    name: str
    start_url: str
    title: str = ""
    allowed_hosts: tuple[str, ...] = ()  # empty: the start URL's host
    article_id_pattern: str = ""
    slug_ids: bool = False
    labels: Labels = field(default_factory=Labels)


HAUGIANG = SiteProfile(
    name="haugiang",
    title="Cổng thông tin điện tử Đảng bộ tỉnh Hậu Giang",
    start_url="https://haugiang.dcs.vn/",
)
DEFAULT_SITE = HAUGIANG.name


def site_names() -> list[str]:
    """The names of the site profiles (the built-in one until profiles are files)."""
    return [HAUGIANG.name]
