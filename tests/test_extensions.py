"""Scrapy extensions, unit-tested through ``get_crawler`` without a network."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from scrapy import Spider, signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from hgcrawler import settings as project_settings
from hgcrawler.crawl.extensions import StatsFile

FINISHED = dt.datetime(2026, 11, 27, 17, 35, 16, 250000, tzinfo=dt.UTC)


def crawler_with(**settings: Any) -> Any:
    """A crawler with none of Scrapy's built-in extensions, unless asked for."""
    return get_crawler(settings_dict={"EXTENSIONS_BASE": {}, **settings})


def close(crawler: Any, reason: str = "finished") -> None:
    """Send ``spider_closed`` the way the engine does."""
    crawler.signals.send_catch_log(
        signals.spider_closed, spider=Spider("stub"), reason=reason, dont_log=()
    )


@pytest.mark.parametrize("settings", [{}, {"HGCRAWLER_STATS_FILE": ""}])
def test_stats_file_is_off_without_a_path(settings: dict[str, Any]) -> None:
    crawler = crawler_with(**settings)
    with pytest.raises(NotConfigured) as raised:
        build_from_crawler(StatsFile, crawler)
    # no arguments: Scrapy then logs no "Disabled hgcrawler.crawl.extensions.StatsFile" line
    assert raised.value.args == ()


def test_stats_file_writes_the_final_stats_as_json(tmp_path: Path) -> None:
    path = tmp_path / "not-yet" / "stats.json"
    crawler = crawler_with(HGCRAWLER_STATS_FILE=str(path))
    extension = build_from_crawler(StatsFile, crawler)  # signals hold only a weak reference
    crawler.stats.set_value("finish_time", FINISHED)
    crawler.stats.set_value("elapsed_time_seconds", 10.5)
    crawler.stats.inc_value("response_received_count", 919)
    crawler.stats.set_value("hgcrawler/crawl_summary", {"started_at": FINISHED, "new": 3})
    assert not path.exists()

    close(crawler, reason="closespider_timeout")

    stats = json.loads(path.read_text(encoding="utf-8"))
    assert stats == {
        "elapsed_time_seconds": 10.5,
        "finish_reason": "closespider_timeout",
        "finish_time": "2026-11-27T17:35:16.250000Z",
        "hgcrawler/crawl_summary": {"new": 3, "started_at": "2026-11-27T17:35:16.250000Z"},
        "response_received_count": 919,
    }
    assert dt.datetime.fromisoformat(stats["finish_time"]) == FINISHED
    assert [p.name for p in path.parent.iterdir()] == ["stats.json"]  # no temporary file left
    assert extension.path == path


def test_project_settings_enable_it_after_scrapys_core_stats(tmp_path: Path) -> None:
    """Registered in ``EXTENSIONS``; its file holds what CoreStats sets on close."""
    path = tmp_path / "stats.json"
    crawler = crawler_with(
        EXTENSIONS_BASE={"scrapy.extensions.corestats.CoreStats": 0},
        # the project's registration of StatsFile (the crawl session is left out: it
        # would open an archive)
        EXTENSIONS={
            name: order
            for name, order in project_settings.EXTENSIONS.items()
            if name.endswith(".StatsFile")
        },
        HGCRAWLER_STATS_FILE=str(path),
    )
    names = [type(e).__name__ for e in crawler.extensions.middlewares]
    assert names == ["CoreStats", "StatsFile"]
    crawler.signals.send_catch_log(signals.spider_opened, spider=Spider("stub"))
    close(crawler)
    stats = json.loads(path.read_text(encoding="utf-8"))
    assert stats["finish_reason"] == "finished"
    assert stats["elapsed_time_seconds"] >= 0
    assert dt.datetime.fromisoformat(stats["finish_time"]) >= dt.datetime.fromisoformat(
        stats["start_time"]
    )


def test_an_unwritable_path_is_logged_not_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    path = blocker / "stats.json"  # its parent is a file
    crawler = crawler_with(HGCRAWLER_STATS_FILE=str(path))
    extension = build_from_crawler(StatsFile, crawler)
    with caplog.at_level(logging.ERROR, logger="hgcrawler.crawl.extensions"):
        extension.spider_closed(Spider("stub"), "finished")
    assert f"cannot write the stats file {path}" in caplog.text
    assert not path.exists()
