"""hgcrawler's own settings, read once from Scrapy ``Settings`` into a typed object."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from scrapy.exceptions import NotConfigured
from scrapy.settings import BaseSettings

from hgcrawler.urls import ArticleKeys

MODES = ("full", "incremental", "revisit")
RENDER_MODES = ("auto", "always", "never")


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

    >>> user_agent("ops@example.org").endswith("contact: ops@example.org)")
    True
    """
    from hgcrawler import __version__

    return (
        f"hgcrawler/{__version__} (archival crawler for research on local government "
        f"communication; contact: {contact})"
    )


@dataclass(frozen=True)
class HgcrawlerConfig:
    start_url: str
    contact: str
    mongo_uri: str  # "" means: use the embedded SecantusDB server
    mongo_database: str
    data_dir: Path
    mode: str
    write_batch_size: int
    write_retries: int
    degraded_threshold: float
    article_keys: ArticleKeys

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> HgcrawlerConfig:
        mode = settings.get("HGCRAWLER_MODE", "full")
        if mode not in MODES:
            raise NotConfigured(f"HGCRAWLER_MODE must be one of {MODES}, got {mode!r}")
        batch = settings.getint("HGCRAWLER_WRITE_BATCH_SIZE", 100)
        if batch < 1:
            raise NotConfigured("HGCRAWLER_WRITE_BATCH_SIZE must be >= 1")
        threshold = settings.getfloat("HGCRAWLER_DEGRADED_THRESHOLD", 0.5)
        if not 0.0 < threshold <= 1.0:
            raise NotConfigured("HGCRAWLER_DEGRADED_THRESHOLD must be in (0, 1]")
        data_dir_setting = settings.get("HGCRAWLER_DATA_DIR") or ""
        data_dir = Path(data_dir_setting).expanduser() if data_dir_setting else default_data_dir()
        mongo_uri = settings.get("HGCRAWLER_MONGO_URI") or os.environ.get("MONGO_URI", "")
        try:
            article_keys = ArticleKeys.from_strings(
                settings.get("HGCRAWLER_ARTICLE_ID_PATTERN") or None,
                slug_ids=settings.getbool("HGCRAWLER_SLUG_IDS", False),
            )
        except ValueError as exc:
            raise NotConfigured(f"HGCRAWLER_ARTICLE_ID_PATTERN: {exc}") from exc
        return cls(
            start_url=settings.get("HGCRAWLER_START_URL", "https://haugiang.dcs.vn/"),
            contact=settings.get("HGCRAWLER_CONTACT", ""),
            mongo_uri=mongo_uri,
            mongo_database=settings.get("HGCRAWLER_MONGO_DATABASE", "hgcrawler"),
            data_dir=data_dir,
            mode=mode,
            write_batch_size=batch,
            write_retries=settings.getint("HGCRAWLER_WRITE_RETRIES", 3),
            degraded_threshold=threshold,
            article_keys=article_keys,
        )
