"""Every ``HGCRAWLER_*`` setting, read once from Scrapy ``Settings`` into one typed object.

:data:`DEFAULTS` is the one place the defaults are written; ``docs/settings.md``
explains each.  :meth:`HgcrawlerConfig.from_settings` reads them all, checks
them, and raises :class:`ConfigError` naming the setting on a bad value.
Components take the section they need:
``config.archive``, ``config.render``, ``config.revisit``, ``config.retry``,
``config.warc``, ``config.outcome``.

Which portal is crawled is the site profile ``HGCRAWLER_SITE`` names
(:mod:`hgcrawler.sites`, ``docs/sites.md``): its values are the defaults of the
matching settings (start URL, article ids, revisit policy) — a setting given
explicitly still wins — and its politeness becomes the crawl's Scrapy settings
(:func:`apply_site_settings`).  ``config.site`` is the profile.

Where the archive is (:meth:`ArchiveConfig.from_settings`) is resolved here for
the crawl and for every command alike: an explicit setting (``-s`` or a command
line option), else the environment (``MONGO_URI``, ``HGCRAWLER_MONGO_DATABASE``,
``HGCRAWLER_DATA_DIR``), else for the URI the file ``<data dir>/mongo-uri``, else
the default (the embedded database in the data directory, database ``hgcrawler``).

This module imports no Scrapy: the archive's questions (``hgcrawler query``,
``export``, ``warc``…) find the archive with :func:`archive_settings` without
loading the crawler.  Every reader takes a :class:`SettingsSource`: Scrapy's
``Settings`` or a :class:`PlainSettings`.
"""

from __future__ import annotations

import datetime as dt
import importlib
import ipaddress
import os
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from hgcrawler.plan import RevisitPolicy
from hgcrawler.read.urls import ArticleKeys, start_url_problem
from hgcrawler.sites import DEFAULT_SITE, ProfileError, SiteProfile, load_profile
from hgcrawler.sites.profile import NAME_PATTERN

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

__all__ = [
    "DEFAULTS",
    "MODES",
    "MONGO_URI_FILE",
    "RENDER_MODES",
    "ArchiveConfig",
    "ConfigError",
    "HgcrawlerConfig",
    "OutcomeConfig",
    "PlainSettings",
    "RenderConfig",
    "RetryConfig",
    "SettingsSource",
    "WarcConfig",
    "apply_site_settings",
    "apply_spider_arguments",
    "archive_settings",
    "check_start_url",
    "crawl_config",
    "crawl_lock_path",
    "default_data_dir",
    "hand_over_config",
    "is_loopback",
    "site_profile",
    "sites_dir",
    "start_url_problem",
    "user_agent",
    "user_agent_for",
]

MODES = ("full", "incremental", "revisit")
RENDER_MODES = ("auto", "always", "never")

#: Every hgcrawler setting and its default.
DEFAULTS: dict[str, Any] = {
    # which portal: a site profile (docs/sites.md), whose values are the defaults of
    # HGCRAWLER_START_URL, _ARTICLE_ID_PATTERN, _SLUG_IDS and _REVISIT_* below
    "HGCRAWLER_SITE": DEFAULT_SITE,  # built-in, or <name>.toml in HGCRAWLER_SITES_DIR
    "HGCRAWLER_SITES_DIR": "",  # empty: <data dir>/sites
    # what to crawl
    "HGCRAWLER_START_URL": "",  # empty: the site profile's start_url
    "HGCRAWLER_MODE": "full",  # full | incremental | revisit
    "HGCRAWLER_CONTACT": "",  # e-mail or URL for the portal's operators; required off loopback
    "HGCRAWLER_ARTICLE_ID_PATTERN": "",  # regex with one group: the site's id in a URL
    "HGCRAWLER_SLUG_IDS": False,  # True: "<slug>-<id>.html" ends in the site's id
    "HGCRAWLER_TRAP_PAGES": 5,  # non-article pages in a row linking only to more of the same
    # where the archive is
    "HGCRAWLER_MONGO_URI": "",  # empty: $MONGO_URI, else the embedded SecantusDB
    "HGCRAWLER_MONGO_DATABASE": "",  # empty: $HGCRAWLER_MONGO_DATABASE, else "hgcrawler"
    "HGCRAWLER_DATA_DIR": "",  # empty: $HGCRAWLER_DATA_DIR, else ~/.local/share/hgcrawler
    "HGCRAWLER_CRAWL_ID": "",  # set by `hgcrawler crawl` when it created the crawl record
    "HGCRAWLER_WRITE_BATCH_SIZE": 100,
    "HGCRAWLER_WRITE_RETRIES": 3,
    "HGCRAWLER_FLUSH_INTERVAL": 2.0,  # seconds between timed batch flushes
    # revisits (incremental and revisit modes)
    "HGCRAWLER_REVISIT_YOUNG_DAYS": 7.0,
    "HGCRAWLER_REVISIT_YOUNG_HOURS": 6.0,
    "HGCRAWLER_REVISIT_MID_HOURS": 24.0,
    "HGCRAWLER_REVISIT_OLD_DAYS": 60.0,
    "HGCRAWLER_REVISIT_OLD_INTERVAL_DAYS": 7.0,
    "HGCRAWLER_REVISIT_ALL": False,
    # JavaScript rendering
    "HGCRAWLER_RENDER": "auto",  # auto | always | never
    "HGCRAWLER_CHROMIUM_PATH": "",  # "": the first of CHROMIUM_CANDIDATES installed
    "HGCRAWLER_RENDER_MAX_PAGES": 2,  # browser pages open at once (each a renderer, ~40 MB)
    "HGCRAWLER_RENDER_TIMEOUT": 20.0,  # seconds for a page to load in the browser
    "HGCRAWLER_RENDER_WAIT": 5.0,  # seconds to wait for the view counter to be filled
    "HGCRAWLER_RENDER_LEARN": True,  # learn where script-filled counters come from; ask there
    "HGCRAWLER_RENDER_VERIFY_FIRST": 3,  # endpoint counts checked by rendering, first of a crawl
    "HGCRAWLER_RENDER_VERIFY_EVERY": 20,  # then one endpoint count in this many
    "HGCRAWLER_RENDER_VERIFY_MAX": 160,  # ...growing to this many while they agree
    "HGCRAWLER_RENDER_ABSENT_AFTER": 3,  # renders in a row that never fill: no counter
    # faults of the site
    "HGCRAWLER_RETRY_BACKOFF": 1.0,  # seconds before the first retry, doubled each time
    "HGCRAWLER_RETRY_BACKOFF_MAX": 30.0,
    "HGCRAWLER_RETRY_AFTER_MAX": 120.0,  # cap of a server's Retry-After
    # raw archive
    "HGCRAWLER_WARC_ENABLED": True,
    "HGCRAWLER_WARC_MAX_SIZE": 100_000_000,  # bytes per WARC file before a new one
    # judging the crawl
    "HGCRAWLER_DEGRADED_THRESHOLD": 0.5,  # share of article pages lacking a field
    "HGCRAWLER_LAYOUT_CHANGE_SHARE": 0.1,  # share of known articles that stopped parsing
    "HGCRAWLER_FILL_DROP": 0.3,  # drop of a field's fill rate against recent crawls
    # a crawl whose 404/410s would remove more of the site's live articles than this share
    # (at least MIN_MASS_REMOVALS of them), or more than this count, is degraded
    "HGCRAWLER_MASS_REMOVAL_SHARE": 0.2,
    "HGCRAWLER_MASS_REMOVAL_COUNT": 50,
    "HGCRAWLER_STOP_TIMEOUT": 8.0,  # seconds from Ctrl-C/SIGTERM to a forced stop
    # reporting
    "HGCRAWLER_PROGRESS_INTERVAL": 0.0,  # seconds between progress lines on stderr; 0 = off
    "HGCRAWLER_STATS_FILE": "",  # write the crawl's final Scrapy stats here (JSON)
}

# Contacts that only stand in for a real one.
_PLACEHOLDER_DOMAINS = ("example.org", "example.com", "example.net", "example.invalid")


class ConfigError(ValueError):
    """A setting has a value hgcrawler cannot use; the message names the setting.

    Not :class:`~scrapy.exceptions.NotConfigured`: that would silently disable the
    component, where a bad setting must stop the crawl before it starts."""


class SettingsSource(Protocol):
    """What the config reads settings through: Scrapy's ``Settings`` has it, and so
    has :class:`PlainSettings`."""

    def get(self, name: str, default: Any = None) -> Any: ...

    def getint(self, name: str, default: int = 0) -> int: ...

    def getfloat(self, name: str, default: float = 0.0) -> float: ...

    def getbool(self, name: str, default: bool = False) -> bool: ...


class PlainSettings(dict[str, Any]):
    """Settings without Scrapy: a dict with the typed getters of Scrapy's ``Settings``
    (the same conversions), for the commands that only read the archive.

    >>> settings = PlainSettings({"A": "0", "B": "true"})
    >>> settings.getbool("A"), settings.getbool("B"), settings.getint("C", 3)
    (False, True, 3)
    """

    def getint(self, name: str, default: int = 0) -> int:
        return int(self.get(name, default))

    def getfloat(self, name: str, default: float = 0.0) -> float:
        return float(self.get(name, default))

    def getbool(self, name: str, default: bool = False) -> bool:
        value = self.get(name, default)
        try:
            return bool(int(value))
        except ValueError:
            if value in {"True", "true"}:
                return True
            if value in {"False", "false"}:
                return False
            raise ValueError(f"not a boolean: {value!r}") from None


def archive_settings(overrides: Mapping[str, Any] | None = None) -> PlainSettings:
    """The project's settings as ``hgcrawler.crawl.runner.project_settings`` gives them (the
    module ``$SCRAPY_SETTINGS_MODULE`` names, else ``hgcrawler.settings``), with
    ``overrides`` on top, read without importing Scrapy."""
    module = importlib.import_module(
        os.environ.get("SCRAPY_SETTINGS_MODULE") or "hgcrawler.settings"
    )
    settings = PlainSettings(
        (name, getattr(module, name)) for name in dir(module) if name.isupper()
    )
    settings.update(overrides or {})
    return settings


def default_data_dir() -> Path:
    """``$HGCRAWLER_DATA_DIR``, else ``$XDG_DATA_HOME/hgcrawler``, else ``~/.local/share/...``."""
    env = os.environ.get("HGCRAWLER_DATA_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / "hgcrawler"


def user_agent(contact: str) -> str:
    """A descriptive User-Agent naming the project and whom to contact.

    >>> user_agent("ops@university.edu").endswith("contact: ops@university.edu)")
    True
    """
    from hgcrawler import __version__

    return (
        f"hgcrawler/{__version__} (archival crawler for research on local government "
        f"communication; contact: {contact})"
    )


def user_agent_for(settings: SettingsSource) -> str:
    """The User-Agent of a crawl with these settings (``HGCRAWLER_CONTACT``)."""
    contact = str(_get(settings, "HGCRAWLER_CONTACT") or "").strip()
    return user_agent(contact or "local test crawl")


def is_loopback(url: str) -> bool:
    """True for ``localhost`` and the 127.0.0.0/8 and ::1 addresses.

    >>> is_loopback("http://127.0.0.2:8000/"), is_loopback("https://haugiang.dcs.vn/")
    (True, False)
    """
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_start_url(url: str) -> str:
    """``url`` if a crawl can start there, else :class:`ConfigError` saying why."""
    problem = start_url_problem(url)
    if problem is not None:
        raise ConfigError(f"bad start URL {url!r}: {problem}")
    return url


def _placeholder_contact(contact: str) -> bool:
    text = contact.strip().lower()
    return not text or any(
        text.endswith(domain) or f"@{domain}" in text for domain in _PLACEHOLDER_DOMAINS
    )


def _get(settings: SettingsSource, name: str, defaults: Mapping[str, Any] = DEFAULTS) -> Any:
    return settings.get(name, defaults[name])


def _float(
    settings: SettingsSource,
    name: str,
    low: float | None = None,
    defaults: Mapping[str, Any] = DEFAULTS,
) -> float:
    try:
        value = settings.getfloat(name, defaults[name])
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number, got {settings.get(name)!r}") from None
    if low is not None and value < low:
        raise ConfigError(f"{name} must be >= {low:g}, got {value:g}")
    return value


def _int(settings: SettingsSource, name: str, low: int | None = None) -> int:
    try:
        value = settings.getint(name, DEFAULTS[name])
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be an integer, got {settings.get(name)!r}") from None
    if low is not None and value < low:
        raise ConfigError(f"{name} must be >= {low}, got {value}")
    return value


def _bool(settings: SettingsSource, name: str, defaults: Mapping[str, Any] = DEFAULTS) -> bool:
    try:
        return settings.getbool(name, defaults[name])
    except ValueError:
        raise ConfigError(f"{name} must be true or false, got {settings.get(name)!r}") from None


def _share(settings: SettingsSource, name: str) -> float:
    value = _float(settings, name)
    if not 0.0 < value <= 1.0:
        raise ConfigError(f"{name} must be in (0, 1], got {value:g}")
    return value


def _site_name(settings: SettingsSource) -> str:
    name = str(_get(settings, "HGCRAWLER_SITE") or "").strip()
    if not NAME_PATTERN.fullmatch(name):
        raise ConfigError(
            f"HGCRAWLER_SITE must be a site profile's name (lower-case letters, digits, "
            f"'-', '_'), got {name!r}"
        )
    return name


def sites_dir(settings: SettingsSource, data_dir: Path | None = None) -> Path:
    """Where the user's site profiles are: ``HGCRAWLER_SITES_DIR``, else ``<data dir>/sites``."""
    given = str(_get(settings, "HGCRAWLER_SITES_DIR") or "")
    if given:
        return Path(given).expanduser()
    if data_dir is None:
        data_dir = ArchiveConfig.from_settings(settings).data_dir
    return data_dir / "sites"


def site_profile(settings: SettingsSource, data_dir: Path | None = None) -> SiteProfile:
    """The profile ``HGCRAWLER_SITE`` names; :class:`ConfigError` when it is unknown or its
    file is wrong (the message names the file and the key)."""
    name = _site_name(settings)
    try:
        return load_profile(name, sites_dir(settings, data_dir))
    except ProfileError as exc:
        raise ConfigError(f"HGCRAWLER_SITE={name}: {exc}") from None


def apply_site_settings(settings: BaseSettings) -> SiteProfile:
    """Make the selected site's ``[politeness]`` the crawl's Scrapy settings.

    A value set on the command line (``-s``, ``--fast``) or by a spider wins; the
    project's defaults (``hgcrawler/settings.py``) give way.  Called by the spider
    before Scrapy freezes the settings; each site's crawl is its own process, so
    politeness stays per host."""
    from scrapy.settings import SETTINGS_PRIORITIES

    profile = site_profile(settings)
    for name, value in profile.scrapy_settings().items():
        if (settings.getpriority(name) or 0) <= SETTINGS_PRIORITIES["project"]:
            settings.set(name, value, priority="spider")
    return profile


#: A file in the data directory holding the archive's MongoDB URI (one line): how a
#: machine — a Scrapyd node — knows its archive without the URI, and its password,
#: in any command line or job argument.
MONGO_URI_FILE = "mongo-uri"


def mongo_uri_file(data_dir: Path) -> str:
    """The URI in ``<data_dir>/mongo-uri``, or "" when there is no such file;
    :class:`ConfigError` when it cannot be read or holds no URI."""
    path = data_dir / MONGO_URI_FILE
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return ""
    except OSError as exc:
        raise ConfigError(f"cannot read the archive's URI from {path}: {exc.strerror}") from None
    if not text.startswith(("mongodb://", "mongodb+srv://")):
        raise ConfigError(f"{path} must hold one MongoDB URI (mongodb://…)")
    return text


@dataclass(frozen=True)
class ArchiveConfig:
    """Where the archive is and how it is written."""

    mongo_uri: str  # "" means: the embedded SecantusDB server in data_dir
    database: str
    data_dir: Path
    crawl_id: str | None
    write_batch_size: int
    write_retries: int
    flush_interval: float
    site: str = DEFAULT_SITE  # the site profile's name: its own lock and journal

    @classmethod
    def from_settings(cls, settings: SettingsSource) -> ArchiveConfig:
        data_dir = _data_dir(settings)
        return cls(
            mongo_uri=str(
                _get(settings, "HGCRAWLER_MONGO_URI")
                or os.environ.get("MONGO_URI", "")
                or mongo_uri_file(data_dir)
            ),
            database=str(
                _get(settings, "HGCRAWLER_MONGO_DATABASE")
                or os.environ.get("HGCRAWLER_MONGO_DATABASE")
                or "hgcrawler"
            ),
            data_dir=data_dir,
            crawl_id=str(_get(settings, "HGCRAWLER_CRAWL_ID") or "") or None,
            write_batch_size=_int(settings, "HGCRAWLER_WRITE_BATCH_SIZE", 1),
            write_retries=_int(settings, "HGCRAWLER_WRITE_RETRIES", 0),
            flush_interval=_float(settings, "HGCRAWLER_FLUSH_INTERVAL", 0.0),
            site=_site_name(settings),
        )

    @property
    def embedded(self) -> bool:
        return not self.mongo_uri.strip()

    @property
    def journal_dir(self) -> Path:
        """``journal/<database>`` for the default site (as before site profiles),
        ``journal/<database>/<site>`` for the others: never another site's records."""
        if self.site == DEFAULT_SITE:
            return self.data_dir / "journal" / self.database
        return self.data_dir / "journal" / self.database / self.site

    @property
    def lock_path(self) -> Path:
        """One crawl per site at a time: ``crawl.lock`` for the default site (as before
        site profiles), ``locks/<site>.lock`` for the others."""
        return _lock_path(self.data_dir, self.site)


def _data_dir(settings: SettingsSource) -> Path:
    given = str(_get(settings, "HGCRAWLER_DATA_DIR") or "")
    return Path(given).expanduser() if given else default_data_dir()


def _lock_path(data_dir: Path, site: str) -> Path:
    if site == DEFAULT_SITE:
        return data_dir / "crawl.lock"
    return data_dir / "locks" / f"{site}.lock"


def crawl_lock_path(settings: SettingsSource) -> Path:
    """The crawl lock of these settings' site (:attr:`ArchiveConfig.lock_path`), from the
    two settings it depends on (the data directory and the site's name), for a command
    that looks at the lock before the crawl and its configuration exist."""
    return _lock_path(_data_dir(settings), _site_name(settings))


#: Debian's Chromium builds, lightest first. The headless shell (package
#: ``chromium-headless-shell``, the same Chromium without the browser's user
#: interface) takes ~100 MB less than ``chromium`` for the same pages.
CHROMIUM_CANDIDATES = ("/usr/bin/chromium-headless-shell", "/usr/bin/chromium")


def default_chromium(candidates: tuple[str, ...] = CHROMIUM_CANDIDATES) -> str:
    """The first of ``candidates`` that is an executable file (the last one if none is)."""
    for candidate in candidates:
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return candidates[-1]


@dataclass(frozen=True)
class RenderConfig:
    """How pages are rendered, and how script-filled view counters are learned
    (:mod:`hgcrawler.fetch.counters`): ``learn`` asks a learned endpoint instead of the
    browser, checking it by rendering the first ``verify_first`` pages of each
    template in a crawl and one in ``verify_every`` after (one in up to ``verify_max``
    while the renderings keep agreeing); a template whose counter
    stayed empty in ``absent_after`` renders in a row is not rendered any more."""

    mode: str  # auto | always | never
    chromium_path: str
    max_pages: int
    navigation_timeout_ms: int
    wait_ms: int
    learn: bool = True
    verify_first: int = 3
    verify_every: int = 20
    verify_max: int = 160
    absent_after: int = 3

    @classmethod
    def from_settings(cls, settings: SettingsSource) -> RenderConfig:
        mode = str(_get(settings, "HGCRAWLER_RENDER"))
        if mode not in RENDER_MODES:
            raise ConfigError(f"HGCRAWLER_RENDER must be one of {RENDER_MODES}, got {mode!r}")
        return cls(
            mode=mode,
            chromium_path=str(_get(settings, "HGCRAWLER_CHROMIUM_PATH")) or default_chromium(),
            max_pages=_int(settings, "HGCRAWLER_RENDER_MAX_PAGES", 1),
            navigation_timeout_ms=int(_float(settings, "HGCRAWLER_RENDER_TIMEOUT", 0.0) * 1000),
            wait_ms=int(_float(settings, "HGCRAWLER_RENDER_WAIT", 0.0) * 1000),
            learn=_bool(settings, "HGCRAWLER_RENDER_LEARN"),
            verify_first=_int(settings, "HGCRAWLER_RENDER_VERIFY_FIRST", 0),
            verify_every=_int(settings, "HGCRAWLER_RENDER_VERIFY_EVERY", 1),
            verify_max=_int(settings, "HGCRAWLER_RENDER_VERIFY_MAX", 1),
            absent_after=_int(settings, "HGCRAWLER_RENDER_ABSENT_AFTER", 1),
        )

    @property
    def wanted(self) -> bool:
        return self.mode != "never"

    def unavailable_reason(self) -> str | None:
        """Why the browser cannot be used, or None when it can."""
        path = Path(self.chromium_path)
        if not path.is_file() or not os.access(path, os.X_OK):
            return f"Chromium not found at {self.chromium_path} (HGCRAWLER_CHROMIUM_PATH)"
        try:
            import scrapy_playwright  # noqa: F401
        except ImportError:  # pragma: no cover - a dependency of the package
            return "scrapy-playwright is not installed"
        return None


@dataclass(frozen=True)
class RetryConfig:
    backoff: float
    backoff_max: float
    retry_after_max: float

    @classmethod
    def from_settings(cls, settings: SettingsSource) -> RetryConfig:
        return cls(
            backoff=_float(settings, "HGCRAWLER_RETRY_BACKOFF", 0.0),
            backoff_max=_float(settings, "HGCRAWLER_RETRY_BACKOFF_MAX", 0.0),
            retry_after_max=_float(settings, "HGCRAWLER_RETRY_AFTER_MAX", 0.0),
        )


@dataclass(frozen=True)
class WarcConfig:
    enabled: bool
    max_size: int

    @classmethod
    def from_settings(cls, settings: SettingsSource) -> WarcConfig:
        return cls(
            enabled=_bool(settings, "HGCRAWLER_WARC_ENABLED"),
            max_size=_int(settings, "HGCRAWLER_WARC_MAX_SIZE", 1),
        )


@dataclass(frozen=True)
class OutcomeConfig:
    """When a crawl that ran to its end is nevertheless not a success."""

    degraded_threshold: float
    layout_change_share: float
    fill_drop: float
    stop_timeout: float
    #: share of the site's live articles, and a count, whose removal by one crawl is
    #: not believed routine (see :func:`hgcrawler.crawl.outcome.mass_removal`)
    mass_removal_share: float = DEFAULTS["HGCRAWLER_MASS_REMOVAL_SHARE"]
    mass_removal_count: int = DEFAULTS["HGCRAWLER_MASS_REMOVAL_COUNT"]

    @classmethod
    def from_settings(
        cls, settings: SettingsSource, defaults: Mapping[str, Any] = DEFAULTS
    ) -> OutcomeConfig:
        """``defaults``: the site profile's values over :data:`DEFAULTS` (``[removals]``)."""
        share = _float(settings, "HGCRAWLER_MASS_REMOVAL_SHARE", defaults=defaults)
        if not 0.0 < share <= 1.0:
            raise ConfigError(f"HGCRAWLER_MASS_REMOVAL_SHARE must be in (0, 1], got {share:g}")
        count = _float(settings, "HGCRAWLER_MASS_REMOVAL_COUNT", 1, defaults=defaults)
        if not count.is_integer():
            raise ConfigError(f"HGCRAWLER_MASS_REMOVAL_COUNT must be a whole number, got {count:g}")
        return cls(
            degraded_threshold=_share(settings, "HGCRAWLER_DEGRADED_THRESHOLD"),
            layout_change_share=_share(settings, "HGCRAWLER_LAYOUT_CHANGE_SHARE"),
            fill_drop=_share(settings, "HGCRAWLER_FILL_DROP"),
            stop_timeout=_float(settings, "HGCRAWLER_STOP_TIMEOUT", 0.5),
            mass_removal_share=share,
            mass_removal_count=int(count),
        )


def _revisit_policy(settings: SettingsSource, site: SiteProfile) -> RevisitPolicy:
    defaults = {**DEFAULTS, **site.setting_defaults()}

    def number(name: str) -> float:
        return _float(settings, name, defaults=defaults)

    try:
        return RevisitPolicy(
            young_days=number("HGCRAWLER_REVISIT_YOUNG_DAYS"),
            young_interval=dt.timedelta(hours=number("HGCRAWLER_REVISIT_YOUNG_HOURS")),
            mid_interval=dt.timedelta(hours=number("HGCRAWLER_REVISIT_MID_HOURS")),
            old_days=number("HGCRAWLER_REVISIT_OLD_DAYS"),
            old_interval=dt.timedelta(days=number("HGCRAWLER_REVISIT_OLD_INTERVAL_DAYS")),
            revisit_all=_bool(settings, "HGCRAWLER_REVISIT_ALL"),
        )
    except ValueError as exc:
        given = f" (with site profile {site.name}'s [revisit])" if site.revisit else ""
        raise ConfigError(f"HGCRAWLER_REVISIT_* settings{given}: {exc}") from exc


@dataclass(frozen=True)
class HgcrawlerConfig:
    site: SiteProfile
    start_url: str
    mode: str
    contact: str
    article_keys: ArticleKeys
    trap_pages: int
    progress_interval: float
    stats_file: str
    archive: ArchiveConfig
    render: RenderConfig
    revisit: RevisitPolicy
    retry: RetryConfig
    warc: WarcConfig
    outcome: OutcomeConfig

    @classmethod
    def from_settings(cls, settings: SettingsSource) -> HgcrawlerConfig:
        mode = str(_get(settings, "HGCRAWLER_MODE"))
        if mode not in MODES:
            raise ConfigError(f"HGCRAWLER_MODE must be one of {MODES}, got {mode!r}")
        archive = ArchiveConfig.from_settings(settings)
        site = site_profile(settings, archive.data_dir)
        # the profile's values are the defaults; a setting given explicitly wins
        defaults = {**DEFAULTS, **site.setting_defaults()}
        try:
            article_keys = ArticleKeys.from_strings(
                str(_get(settings, "HGCRAWLER_ARTICLE_ID_PATTERN", defaults) or "") or None,
                slug_ids=_bool(settings, "HGCRAWLER_SLUG_IDS", defaults),
            )
        except ValueError as exc:
            raise ConfigError(f"HGCRAWLER_ARTICLE_ID_PATTERN: {exc}") from exc
        return cls(
            site=site,
            start_url=check_start_url(str(_get(settings, "HGCRAWLER_START_URL", defaults))),
            mode=mode,
            contact=str(_get(settings, "HGCRAWLER_CONTACT") or "").strip(),
            article_keys=article_keys,
            trap_pages=_int(settings, "HGCRAWLER_TRAP_PAGES", 1),
            progress_interval=_float(settings, "HGCRAWLER_PROGRESS_INTERVAL", 0.0),
            stats_file=str(_get(settings, "HGCRAWLER_STATS_FILE") or ""),
            archive=archive,
            render=RenderConfig.from_settings(settings),
            revisit=_revisit_policy(settings, site),
            retry=RetryConfig.from_settings(settings),
            warc=WarcConfig.from_settings(settings),
            outcome=OutcomeConfig.from_settings(settings, defaults),
        )

    @property
    def allowed_hosts(self) -> tuple[str, ...]:
        """The hosts whose pages are the site's: the start URL's and the profile's others."""
        start = (urlsplit(self.start_url).hostname or "").lower()
        return tuple(dict.fromkeys([start, *self.site.allowed_hosts]))

    def check_politeness(self) -> None:
        """A crawl of a real site (not loopback) must say whom its operators can contact."""
        if is_loopback(self.start_url) or not _placeholder_contact(self.contact):
            return
        raise ConfigError(
            f"set HGCRAWLER_CONTACT (hgcrawler crawl --contact) to an e-mail address or URL "
            f"where the operators of {urlsplit(self.start_url).hostname} can reach you; it goes "
            f"into the User-Agent of every request (got {self.contact or 'nothing'!r})"
        )


def apply_spider_arguments(settings: BaseSettings, arguments: Mapping[str, Any]) -> None:
    """The ``haugiang`` spider's arguments are settings: ``-a mode=`` (``HGCRAWLER_MODE``),
    ``-a start_url=`` (``HGCRAWLER_START_URL``), ``-a all=1`` (``HGCRAWLER_REVISIT_ALL``).
    Set by the spider when it is created (Scrapy freezes the settings after that), and by
    ``scrapy crawl`` before, to check the crawl's configuration before the crawl starts."""
    mode = arguments.get("mode")
    if mode:
        if mode not in MODES:
            raise ConfigError(f"mode must be one of {MODES}, got {mode!r}")
        settings.set("HGCRAWLER_MODE", mode, priority="spider")
    if arguments.get("start_url"):
        settings.set("HGCRAWLER_START_URL", arguments["start_url"], priority="spider")
    if arguments.get("all") not in (None, "", "0", "false", "no"):
        settings.set("HGCRAWLER_REVISIT_ALL", True, priority="spider")


@dataclass(frozen=True)
class _Built:
    config: HgcrawlerConfig
    settings: dict[str, Any]  # the HGCRAWLER_* settings it was built from


#: Each crawler's configuration (see crawl_config).
_CRAWL_CONFIGS: weakref.WeakKeyDictionary[Any, _Built] = weakref.WeakKeyDictionary()


def _own_settings(settings: Any) -> dict[str, Any]:
    """The ``HGCRAWLER_*`` settings as they are: what a configuration is built from
    (besides the environment and the files it names, which a crawl does not change)."""
    return {name: settings.get(name) for name in settings if str(name).startswith("HGCRAWLER_")}


def crawl_config(crawler: Any) -> HgcrawlerConfig:
    """The crawl's one :class:`HgcrawlerConfig`, shared by its components (the spider,
    the session, the WARC writer, the extensions, the retry middleware, the browser).

    Built once per crawler, by the first to ask: the spider, once its arguments are
    settings (:func:`apply_spider_arguments`), or the command that started the crawl
    (``scrapy crawl`` checks it before the crawl starts; ``hgcrawler crawl`` hands over
    the one it checked, :func:`hand_over_config`). It is built again only if an
    ``HGCRAWLER_*`` setting has changed since (a spider argument set afterwards), which
    no longer happens once Scrapy has frozen the settings, before it builds the crawl's
    extensions, middlewares and handlers."""
    settings = crawler.settings
    own = _own_settings(settings)
    built = _CRAWL_CONFIGS.get(crawler)
    if built is None or built.settings != own:
        built = _CRAWL_CONFIGS[crawler] = _Built(HgcrawlerConfig.from_settings(settings), own)
    return built.config


def hand_over_config(crawler: Any, config: HgcrawlerConfig) -> None:
    """``config``, built from the crawler's settings as they are now, is the crawl's: its
    components take it from :func:`crawl_config` rather than build their own (until an
    ``HGCRAWLER_*`` setting changes). For a caller that built and checked the crawl's
    configuration before the crawler existed (:func:`hgcrawler.crawl.runner.run_crawl`)."""
    _CRAWL_CONFIGS[crawler] = _Built(config, _own_settings(crawler.settings))
