"""How a crawl is judged (hgcrawler.crawl.outcome.judge): finished only when the archive is
current."""

from __future__ import annotations

from typing import Any

import pytest
from scrapy.settings import Settings

from hgcrawler.config import OutcomeConfig
from hgcrawler.crawl.outcome import Inputs, judge

LIMITS = OutcomeConfig.from_settings(Settings())


def inputs(**fields: Any) -> Inputs:
    base: dict[str, Any] = {
        "mode": "full",
        "start_url": "https://tinh.dcs.vn/",
        "close_reason": "finished",
        "thresholds": LIMITS,
        "pages": 120,
        "known_articles": 100,
        "known_visited": 100,
        "article_pages": 100,
        "article_records": 100,
        "stored": 100,
    }
    base.update(fields)
    return Inputs(**base)


def history(**fill: float) -> list[dict[str, Any]]:
    rates = {"views": 1.0, "updated_on": 1.0, "author": 0.9, "images": 0.7, "body": 1.0}
    rates.update(fill)
    return [{"fill": rates, "article_records": 100} for _ in range(3)]


def test_a_healthy_crawl_finishes() -> None:
    verdict = judge(inputs(missing={"author": 10, "images": 30}, history=history()))
    assert verdict.status == "finished"
    assert verdict.problems == []
    assert verdict.extra["fill"]["author"] == 0.9


@pytest.mark.parametrize(("signal", "forced"), [("SIGINT", False), ("SIGTERM", True)])
def test_a_signal_interrupts(signal: str, forced: bool) -> None:
    verdict = judge(
        inputs(close_reason="shutdown", interrupted_by=signal, forced=forced, pages=36, stored=30)
    )
    assert verdict.status == "interrupted"
    assert verdict.problems[0].startswith(f"interrupted by {signal}")
    assert "after 36 pages and 30 articles" in verdict.problems[0]


def test_no_page_fetched_fails_naming_the_errors() -> None:
    verdict = judge(
        inputs(
            pages=0, stored=0, download_errors={"twisted.internet.error.ConnectionRefusedError": 5}
        )
    )
    assert verdict.status == "failed"
    assert verdict.problems[0] == (
        "no page could be fetched from https://tinh.dcs.vn/ "
        "(twisted.internet.error.ConnectionRefusedError ×5)"
    )


def test_unreachable_robots_txt_fails() -> None:
    verdict = judge(
        inputs(robots={"robotstxt/exception_count/twisted.internet.error.TimeoutError": 1})
    )
    assert verdict.status == "failed"
    assert "robots.txt could not be fetched" in verdict.problems[0]


def test_robots_txt_answering_5xx_fails_but_404_does_not() -> None:
    assert judge(inputs(robots={"robotstxt/response_status_count/503": 1})).status == "failed"
    assert judge(inputs(robots={"robotstxt/response_status_count/404": 1})).status == "finished"


def test_start_page_failure_fails() -> None:
    verdict = judge(inputs(home_failure="HTTP 500"))
    assert verdict.status == "failed"
    assert "start page https://tinh.dcs.vn/ could not be fetched: HTTP 500" in verdict.problems[0]


def test_a_site_that_stops_answering_fails() -> None:
    verdict = judge(inputs(pages=30, rejects={"timeout": 40, "http_503": 5}))
    assert verdict.status == "failed"
    assert verdict.problems[0] == (
        "the site stopped answering: 45 requests failed (http_503 ×5, timeout ×40) "
        "against 30 pages fetched"
    )
    assert judge(inputs(rejects={"timeout": 4, "http_404": 30})).status == "finished"


def test_no_article_where_the_archive_knows_many_fails() -> None:
    verdict = judge(inputs(article_pages=0, article_records=0, stored=0, known_visited=0))
    assert verdict.status == "failed"
    assert "no article was found although the archive knows 100" in verdict.problems[0]
    # an incremental crawl with nothing new and nothing due is fine
    quiet = judge(inputs(mode="incremental", due=0, article_pages=0, article_records=0, stored=0))
    assert quiet.status == "finished"
    # a young archive is fine too
    assert judge(inputs(known_articles=3, stored=0, article_records=0)).status == "finished"


def test_known_pages_that_stopped_parsing_degrade() -> None:
    verdict = judge(
        inputs(
            rejects={"layout_changed": 40},
            examples={"layout_changed": ["https://tinh.dcs.vn/a.html"]},
            stored=60,
        )
    )
    assert verdict.status == "degraded"
    assert verdict.problems[0].startswith("layout changed: 40 of 100 known article pages")
    assert "https://tinh.dcs.vn/a.html" in verdict.problems[0]
    # one odd page is not a redesign
    assert judge(inputs(rejects={"layout_changed": 1})).status == "finished"


def test_a_sharp_drop_of_a_fill_rate_degrades() -> None:
    verdict = judge(
        inputs(
            missing={"author": 95},
            examples={"author": ["https://tinh.dcs.vn/b.html"]},
            history=history(author=0.9),
        )
    )
    assert verdict.status == "degraded"
    assert verdict.problems == [
        "the author was found on 5% of the article pages, against 90% in the last finished "
        "crawls (e.g. https://tinh.dcs.vn/b.html)"
    ]
    # a small wobble is not
    assert judge(inputs(missing={"author": 20}, history=history(author=0.9))).status == "finished"


def test_views_missing_on_most_pages_degrades_even_without_history() -> None:
    verdict = judge(inputs(missing={"views": 80}))
    assert verdict.status == "degraded"
    assert verdict.problems[0].startswith("80 of 100 article pages lack the view count")


def test_spilled_records_fail() -> None:
    verdict = judge(inputs(spilled=12, spill_error="connection refused"))
    assert verdict.status == "failed"
    assert "12 records could not be written" in verdict.problems[0]


def test_collisions_and_lower_counts_are_reported_on_a_finished_crawl() -> None:
    verdict = judge(inputs(collisions=2, views_down=3))
    assert verdict.status == "finished"
    assert any("2 page(s) had the key of a different article" in p for p in verdict.problems)
    assert any("3 article(s) showed a lower view count" in p for p in verdict.problems)


def test_an_early_close_reason_fails() -> None:
    verdict = judge(inputs(close_reason="closespider_errorcount"))
    assert verdict.status == "failed"
    assert verdict.problems == ["the crawl closed early: closespider_errorcount"]
