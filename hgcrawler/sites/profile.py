"""A site profile: what differs from one party portal to the next, as data.

A profile names a portal and says where it starts, which hosts are its own, how
its article URLs carry ids, which labels its article pages put before the date
and the view count, how often known articles are revisited and how politely it
is crawled.  Profiles are TOML files (``docs/sites.md``); :func:`parse_profile`
checks one strictly and raises :class:`ProfileError` with a one-line message
naming the file and the key.

Pure: the standard library and hgcrawler's pure helpers only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cssselect import GenericTranslator, SelectorError

from hgcrawler.read.labels import SELECTOR_FIELDS, Labels
from hgcrawler.read.text import DATE_FORMATS
from hgcrawler.read.urls import ArticleKeys, start_url_problem

__all__ = [
    "NAME_PATTERN",
    "POLITENESS_SETTINGS",
    "REMOVAL_SETTINGS",
    "REVISIT_SETTINGS",
    "SELECTOR_FIELDS",
    "Labels",
    "ProfileError",
    "SiteProfile",
    "parse_profile",
]

#: A profile's name: it names its lock, journal and log files, so a plain word.
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")

#: ``[revisit]`` keys and the setting each gives the default of.
REVISIT_SETTINGS = {
    "young_days": "HGCRAWLER_REVISIT_YOUNG_DAYS",
    "young_hours": "HGCRAWLER_REVISIT_YOUNG_HOURS",
    "mid_hours": "HGCRAWLER_REVISIT_MID_HOURS",
    "old_days": "HGCRAWLER_REVISIT_OLD_DAYS",
    "old_interval_days": "HGCRAWLER_REVISIT_OLD_INTERVAL_DAYS",
}

#: ``[removals]`` keys and the setting each gives the default of (and its kind).
REMOVAL_SETTINGS: dict[str, tuple[str, str]] = {
    "mass_share": ("HGCRAWLER_MASS_REMOVAL_SHARE", "share"),
    "mass_count": ("HGCRAWLER_MASS_REMOVAL_COUNT", "count"),
}

#: ``[politeness]`` keys, the Scrapy setting each sets for the site's crawl, and its kind.
POLITENESS_SETTINGS: dict[str, tuple[str, str]] = {
    "download_delay": ("DOWNLOAD_DELAY", "seconds"),
    "download_delay_jitter": ("DOWNLOAD_DELAY_JITTER", "share"),
    "concurrent_requests_per_domain": ("CONCURRENT_REQUESTS_PER_DOMAIN", "count"),
    "autothrottle": ("AUTOTHROTTLE_ENABLED", "bool"),
    "autothrottle_target_concurrency": ("AUTOTHROTTLE_TARGET_CONCURRENCY", "positive"),
    "autothrottle_start_delay": ("AUTOTHROTTLE_START_DELAY", "seconds"),
    "autothrottle_max_delay": ("AUTOTHROTTLE_MAX_DELAY", "seconds"),
    "download_timeout": ("DOWNLOAD_TIMEOUT", "positive"),
}

_HOST = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")


class ProfileError(ValueError):
    """A profile file hgcrawler cannot use; the message is one line naming the file and key."""


@dataclass(frozen=True)
class SiteProfile:
    """One portal.  ``revisit`` and ``politeness`` hold only what the profile sets."""

    name: str
    start_url: str
    title: str = ""
    # every other host the site has (had): a page at any of them is the same page; the
    # profile's ``hosts`` (older files: ``allowed_hosts``), besides the start URL's host
    allowed_hosts: tuple[str, ...] = ()
    article_id_pattern: str = ""
    slug_ids: bool = False
    labels: Labels = field(default_factory=Labels)
    revisit: Mapping[str, float] = field(default_factory=dict)
    politeness: Mapping[str, float | int | bool] = field(default_factory=dict)
    removals: Mapping[str, float | int] = field(default_factory=dict)
    enabled: bool = True  # crawled by `hgcrawler crawl --all-sites`
    source: str = ""  # the file it was read from

    def setting_defaults(self) -> dict[str, Any]:
        """The hgcrawler settings whose default this profile gives (an explicit setting wins)."""
        values: dict[str, Any] = {
            "HGCRAWLER_START_URL": self.start_url,
            "HGCRAWLER_ARTICLE_ID_PATTERN": self.article_id_pattern,
            "HGCRAWLER_SLUG_IDS": self.slug_ids,
        }
        for key, value in self.revisit.items():
            values[REVISIT_SETTINGS[key]] = value
        for key, value in self.removals.items():
            values[REMOVAL_SETTINGS[key][0]] = value
        return values

    def scrapy_settings(self) -> dict[str, Any]:
        """The Scrapy settings of this site's crawl (its politeness)."""
        return {POLITENESS_SETTINGS[key][0]: value for key, value in self.politeness.items()}


# --------------------------------------------------------------------------- parsing


class _Reader:
    """Reads one table of a profile, naming ``file: key`` in every error."""

    def __init__(self, source: str, table: Mapping[str, Any], prefix: str = "") -> None:
        self.source, self.table, self.prefix = source, table, prefix

    def error(self, key: str, problem: str) -> ProfileError:
        return ProfileError(f"{self.source}: {self.prefix}{key}: {problem}")

    def check_keys(self, known: tuple[str, ...]) -> None:
        for key in self.table:
            if key not in known:
                raise self.error(key, f"unknown key (known: {', '.join(known)})")

    def table_at(self, key: str, known: tuple[str, ...]) -> _Reader:
        value = self.table.get(key, {})
        if not isinstance(value, dict):
            raise self.error(key, f"must be a table ([{key}]), got {_shown(value)}")
        reader = _Reader(self.source, value, f"{self.prefix}{key}.")
        reader.check_keys(known)
        return reader

    def string(self, key: str, default: str | None = None) -> str:
        value = self.table.get(key, default)
        if value is None:
            raise self.error(key, "missing")
        if not isinstance(value, str):
            raise self.error(key, f"must be a string, got {_shown(value)}")
        return value.strip()

    def boolean(self, key: str, default: bool) -> bool:
        value = self.table.get(key, default)
        if not isinstance(value, bool):
            raise self.error(key, f"must be true or false, got {_shown(value)}")
        return value

    def strings(self, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        value = self.table.get(key, list(default))
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(key, f"must be a list of strings, got {_shown(value)}")
        items = tuple(v.strip() for v in value)
        if any(not item for item in items):
            raise self.error(key, "has an empty string")
        return items

    def number(self, key: str, kind: str) -> float | int | bool:
        value = self.table[key]
        if kind == "bool":
            return self.boolean(key, False)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(key, f"must be a number, got {_shown(value)}")
        checks: dict[str, tuple[Callable[[float], bool], str]] = {
            "seconds": (lambda v: v >= 0, "must be >= 0"),
            "share": (lambda v: 0 <= v <= 1, "must be between 0 and 1"),
            "count": (lambda v: v >= 1 and float(v).is_integer(), "must be a whole number >= 1"),
            "positive": (lambda v: v > 0, "must be > 0"),
        }
        check, problem = checks[kind]
        if not check(value):
            raise self.error(key, f"{problem}, got {value}")
        return int(value) if kind == "count" else float(value)


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


TOP_KEYS = (
    "name",
    "title",
    "start_url",
    "hosts",
    "allowed_hosts",
    "enabled",
    "ids",
    "labels",
    "selectors",
    "revisit",
    "politeness",
    "removals",
)


def parse_profile(data: Mapping[str, Any], source: str, *, stem: str | None = None) -> SiteProfile:
    """A :class:`SiteProfile` from a profile file's TOML table; :class:`ProfileError`
    (``"<source>: <key>: <problem>"``) for anything unknown, missing or wrong.

    ``stem``: the file's name without ``.toml``, which must be the profile's name.
    """
    top = _Reader(source, data)
    top.check_keys(TOP_KEYS)
    name = top.string("name")
    if not NAME_PATTERN.fullmatch(name):
        raise top.error("name", f"must be lower-case letters, digits, '-' or '_', got {name!r}")
    if stem is not None and name != stem:
        raise top.error("name", f"is {name!r} but the file is {stem}.toml: they must agree")
    start_url = top.string("start_url")
    problem = start_url_problem(start_url)
    if problem is not None:
        raise top.error("start_url", f"bad start URL {start_url!r}: {problem}")
    hosts: tuple[str, ...] = ()
    for hosts_key in ("hosts", "allowed_hosts"):
        given = tuple(host.lower() for host in top.strings(hosts_key, ()))
        for host in given:
            if not _HOST.fullmatch(host):
                raise top.error(hosts_key, f"{host!r} is not a host name (no scheme, port, path)")
        hosts = tuple(dict.fromkeys([*hosts, *given]))

    ids = top.table_at("ids", ("pattern", "slug_ids"))
    pattern = ids.string("pattern", "")
    slug_ids = ids.boolean("slug_ids", False)
    try:
        ArticleKeys.from_strings(pattern or None, slug_ids=slug_ids)
    except ValueError as exc:
        raise ids.error("pattern", str(exc)) from None

    labels = top.table_at(
        "labels", ("date", "views", "bare_date", "date_formats", "author", "source", "end_headings")
    )
    defaults = Labels()
    date_labels = labels.strings("date", defaults.date)
    views_labels = labels.strings("views", defaults.views)
    bare_date = labels.boolean("bare_date", defaults.bare_date)
    formats = labels.strings("date_formats", defaults.date_formats)
    for name_of_format in formats:
        if name_of_format not in DATE_FORMATS:
            raise labels.error(
                "date_formats",
                f"unknown format {name_of_format!r} (known: {', '.join(DATE_FORMATS)})",
            )
    if not formats:
        raise labels.error("date_formats", "needs at least one format")
    if not date_labels and not bare_date:
        raise labels.error("date", "no date label and bare_date is false: no date could be read")
    if not date_labels and not views_labels:
        raise labels.error("views", "no date label and no views label: no meta line could be found")

    author_labels = labels.strings("author", ())
    source_labels = labels.strings("source", ())
    end_headings = labels.strings("end_headings", ())
    selectors = top.table_at("selectors", SELECTOR_FIELDS)
    selector_pairs = []
    for key in selectors.table:
        css = selectors.string(key)
        try:
            GenericTranslator().css_to_xpath(css)
        except SelectorError as exc:
            raise selectors.error(key, f"not a CSS selector {css!r}: {exc}") from None
        if not css:
            raise selectors.error(key, "is empty")
        selector_pairs.append((key, css))

    revisit = top.table_at("revisit", tuple(REVISIT_SETTINGS))
    revisit_values = {key: float(revisit.number(key, "seconds")) for key in revisit.table}
    politeness = top.table_at("politeness", tuple(POLITENESS_SETTINGS))
    politeness_values = {
        key: politeness.number(key, POLITENESS_SETTINGS[key][1]) for key in politeness.table
    }
    removals = top.table_at("removals", tuple(REMOVAL_SETTINGS))
    removal_values: dict[str, float | int] = {}
    for key in removals.table:
        value = removals.number(key, REMOVAL_SETTINGS[key][1])
        if key == "mass_share" and not value:
            raise removals.error(key, "must be above 0, got 0")
        removal_values[key] = int(value) if REMOVAL_SETTINGS[key][1] == "count" else float(value)
    return SiteProfile(
        name=name,
        title=top.string("title", ""),
        start_url=start_url,
        allowed_hosts=hosts,
        article_id_pattern=pattern,
        slug_ids=slug_ids,
        labels=Labels(
            date=date_labels,
            views=views_labels,
            bare_date=bare_date,
            date_formats=formats,
            author=author_labels,
            source=source_labels,
            end_headings=end_headings,
            selectors=tuple(selector_pairs),
        ),
        revisit=revisit_values,
        politeness=politeness_values,
        removals=removal_values,
        enabled=top.boolean("enabled", True),
        source=source,
    )
