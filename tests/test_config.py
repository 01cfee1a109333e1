"""Every HGCRAWLER_* setting is read in one place, checked, and named when wrong."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.settings import Settings

from hgcrawler.config import DEFAULTS, ConfigError, HgcrawlerConfig, is_loopback
from hgcrawler.plan import RevisitPolicy

ROOT = Path(__file__).resolve().parents[1]


def test_defaults_give_a_usable_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MONGO_URI", "HGCRAWLER_MONGO_DATABASE", "HGCRAWLER_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    config = HgcrawlerConfig.from_settings(Settings())
    assert config.start_url == "https://haugiang.dcs.vn/"
    assert config.archive.database == "hgcrawler" and config.archive.embedded
    assert config.revisit == RevisitPolicy()
    assert config.render.mode == "auto" and config.warc.enabled
    assert config.archive.lock_path == config.archive.data_dir / "crawl.lock"


def test_revisit_policy_from_settings() -> None:
    policy = HgcrawlerConfig.from_settings(
        Settings(
            {
                "HGCRAWLER_REVISIT_YOUNG_DAYS": "3",
                "HGCRAWLER_REVISIT_YOUNG_HOURS": "2",
                "HGCRAWLER_REVISIT_MID_HOURS": 12,
                "HGCRAWLER_REVISIT_OLD_DAYS": 30,
                "HGCRAWLER_REVISIT_OLD_INTERVAL_DAYS": 14,
                "HGCRAWLER_REVISIT_ALL": "True",
            }
        )
    ).revisit
    assert policy == RevisitPolicy(
        young_days=3,
        young_interval=dt.timedelta(hours=2),
        mid_interval=dt.timedelta(hours=12),
        old_days=30,
        old_interval=dt.timedelta(days=14),
        revisit_all=True,
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("HGCRAWLER_MODE", "sometimes", "HGCRAWLER_MODE must be one of"),
        ("HGCRAWLER_RENDER", "maybe", "HGCRAWLER_RENDER must be one of"),
        ("HGCRAWLER_WRITE_BATCH_SIZE", "0", "HGCRAWLER_WRITE_BATCH_SIZE must be >= 1"),
        ("HGCRAWLER_WRITE_BATCH_SIZE", "many", "HGCRAWLER_WRITE_BATCH_SIZE must be an integer"),
        ("HGCRAWLER_DEGRADED_THRESHOLD", "1.5", "HGCRAWLER_DEGRADED_THRESHOLD must be in"),
        ("HGCRAWLER_RETRY_BACKOFF", "-1", "HGCRAWLER_RETRY_BACKOFF must be >= 0"),
        ("HGCRAWLER_REVISIT_OLD_DAYS", "1", "HGCRAWLER_REVISIT_* settings"),
        ("HGCRAWLER_ARTICLE_ID_PATTERN", r"/(\d+)/(\d+)", "HGCRAWLER_ARTICLE_ID_PATTERN"),
        ("HGCRAWLER_START_URL", "not-a-url", "bad start URL 'not-a-url'"),
        ("HGCRAWLER_START_URL", "ftp://x/", "the scheme must be http or https"),
        ("HGCRAWLER_WARC_ENABLED", "perhaps", "HGCRAWLER_WARC_ENABLED must be true or false"),
    ],
)
def test_a_bad_value_names_its_setting(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("*", r"\*").replace("(", r"\(")):
        HgcrawlerConfig.from_settings(Settings({name: value}))


def test_where_the_archive_is_setting_then_environment_then_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MONGO_URI", "mongodb://env:1/")
    monkeypatch.setenv("HGCRAWLER_MONGO_DATABASE", "from_env")
    monkeypatch.setenv("HGCRAWLER_DATA_DIR", str(tmp_path / "env"))
    from_env = HgcrawlerConfig.from_settings(Settings()).archive
    assert (from_env.mongo_uri, from_env.database, from_env.data_dir) == (
        "mongodb://env:1/",
        "from_env",
        tmp_path / "env",
    )
    given = HgcrawlerConfig.from_settings(
        Settings(
            {
                "HGCRAWLER_MONGO_URI": "mongodb://set:2/",
                "HGCRAWLER_MONGO_DATABASE": "set",
                "HGCRAWLER_DATA_DIR": str(tmp_path / "set"),
            }
        )
    ).archive
    assert (given.mongo_uri, given.database, given.data_dir) == (
        "mongodb://set:2/",
        "set",
        tmp_path / "set",
    )
    assert given.journal_dir == tmp_path / "set" / "journal" / "set"


@pytest.mark.parametrize("contact", ["", "hgcrawler-maintainers@example.org", "x@example.com"])
def test_a_real_site_needs_a_real_contact(contact: str) -> None:
    config = HgcrawlerConfig.from_settings(Settings({"HGCRAWLER_CONTACT": contact}))
    with pytest.raises(ConfigError, match="set HGCRAWLER_CONTACT"):
        config.check_politeness()


def test_a_contact_or_a_local_replica_is_polite_enough() -> None:
    HgcrawlerConfig.from_settings(
        Settings({"HGCRAWLER_CONTACT": "lab@university.edu.vn"})
    ).check_politeness()
    HgcrawlerConfig.from_settings(
        Settings({"HGCRAWLER_START_URL": "http://127.0.0.3:8080/"})
    ).check_politeness()


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:8000/", True),
        ("http://127.0.0.3/", True),
        ("http://localhost:1/", True),
        ("http://[::1]:80/", True),
        ("https://haugiang.dcs.vn/", False),
        ("http://10.0.0.1/", False),
    ],
)
def test_is_loopback(url: str, loopback: bool) -> None:
    assert is_loopback(url) is loopback


def test_hgcrawler_settings_are_read_only_in_config() -> None:
    """No module but hgcrawler/config.py reads an HGCRAWLER_* setting from Settings."""
    import re

    reader = re.compile(r"""settings\.get\w*\(\s*["']HGCRAWLER_""")
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in ("hgcrawler", "spiders")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path.name != "config.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if reader.search(line)
    ]
    assert offenders == []


def test_every_default_is_documented() -> None:
    settings_doc = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    undocumented = [name for name in DEFAULTS if name not in settings_doc]
    assert undocumented == []


def _crawl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hgcrawler.cli", "crawl", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_crawling_a_real_site_without_a_contact_is_refused(tmp_path: Path) -> None:
    done = _crawl("--start-url", "https://haugiang.dcs.vn/", "--data-dir", str(tmp_path))
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("hgcrawler crawl: set HGCRAWLER_CONTACT")
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "crawl.lock").exists()  # refused before anything started


def test_fast_is_for_a_local_replica_only(tmp_path: Path) -> None:
    done = _crawl(
        "--fast", "--start-url", "https://haugiang.dcs.vn/",
        "--contact", "lab@university.edu.vn", "--data-dir", str(tmp_path),
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "--fast turns politeness delays off and is for a local replica only" in done.stderr


def test_the_archive_uri_can_come_from_a_file_in_the_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """How a Scrapyd node knows its archive without the URI in a job's arguments."""
    from hgcrawler.config import ArchiveConfig, PlainSettings

    monkeypatch.delenv("MONGO_URI", raising=False)
    settings = PlainSettings({"HGCRAWLER_DATA_DIR": str(tmp_path)})
    assert ArchiveConfig.from_settings(settings).mongo_uri == ""  # no file: embedded
    (tmp_path / "mongo-uri").write_text("mongodb://u:pw@db.example.org/\n")
    assert ArchiveConfig.from_settings(settings).mongo_uri == "mongodb://u:pw@db.example.org/"
    monkeypatch.setenv("MONGO_URI", "mongodb://env-host/")
    assert ArchiveConfig.from_settings(settings).mongo_uri == "mongodb://env-host/"
    explicit = PlainSettings({**settings, "HGCRAWLER_MONGO_URI": "mongodb://given/"})
    assert ArchiveConfig.from_settings(explicit).mongo_uri == "mongodb://given/"
    monkeypatch.delenv("MONGO_URI")
    (tmp_path / "mongo-uri").write_text("db.example.org\n")
    with pytest.raises(ConfigError, match="must hold one MongoDB URI"):
        ArchiveConfig.from_settings(settings)


def test_plain_settings_read_the_project_settings_without_scrapy() -> None:
    from hgcrawler.config import archive_settings

    settings = archive_settings({"HGCRAWLER_MONGO_DATABASE": "x"})
    assert settings["BOT_NAME"] == "hgcrawler"
    assert settings.getint("DOWNLOAD_TIMEOUT") == 60
    assert settings.getbool("COOKIES_ENABLED") is False
    assert settings.get("HGCRAWLER_MONGO_DATABASE") == "x"
    with pytest.raises(ValueError, match="not a boolean"):
        settings.getbool("BOT_NAME")


def test_a_crawl_builds_its_configuration_once() -> None:
    """crawl_config: the spider, the session, the WARC writer, the extensions, the retry
    middleware and the browser share one configuration per crawler; a setting changed
    while the crawler is set up (the spider sets its arguments) is seen, as it was when
    each call read the settings."""
    from scrapy.crawler import Crawler
    from scrapy.spiders import Spider
    from scrapy.utils.test import get_crawler

    from hgcrawler.config import crawl_config, hand_over_config

    # a crawler being set up: one configuration until a setting changes
    being_set_up = Crawler(Spider, Settings({"HGCRAWLER_START_URL": "http://127.0.0.1:8000/"}))
    first = crawl_config(being_set_up)
    assert first.mode == "full" and crawl_config(being_set_up) is first
    being_set_up.settings.set("HGCRAWLER_MODE", "incremental")
    assert crawl_config(being_set_up).mode == "incremental"
    assert crawl_config(being_set_up) is not first
    assert crawl_config(being_set_up) is crawl_config(being_set_up)
    # a crawler whose settings are frozen (as Scrapy freezes them before its components)
    crawler = get_crawler(settings_dict={"HGCRAWLER_START_URL": "http://127.0.0.1:8000/"})
    assert crawler.settings.frozen
    once = crawl_config(crawler)
    assert once is crawl_config(crawler) and once.start_url == "http://127.0.0.1:8000/"
    other = get_crawler(settings_dict={"HGCRAWLER_START_URL": "http://127.0.0.1:9000/"})
    assert crawl_config(other) is not once and crawl_config(other).start_url.endswith(":9000/")
    # a configuration its caller built from the crawler's settings is the crawl's
    handed = Crawler(Spider, Settings({"HGCRAWLER_START_URL": "http://127.0.0.1:7000/"}))
    built = HgcrawlerConfig.from_settings(handed.settings)
    hand_over_config(handed, built)
    assert crawl_config(handed) is built
    handed.settings.set("HGCRAWLER_START_URL", "http://127.0.0.1:7001/")  # a spider argument
    assert crawl_config(handed).start_url == "http://127.0.0.1:7001/"
