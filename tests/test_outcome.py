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


def test_a_first_crawl_that_archives_nothing_fails_naming_what_was_rejected() -> None:
    """A portal the profile does not read (every page taken for a listing, or every
    article rejected) is no archive: not "finished" with nothing in it."""
    nothing = dict(known_articles=0, known_visited=0, article_pages=0, article_records=0)
    verdict = judge(inputs(pages=86, stored=0, **nothing))
    assert verdict.status == "failed"
    assert verdict.problems[0] == (
        "no article was archived from the 86 pages fetched from https://tinh.dcs.vn/: does "
        "the site profile read this portal? (`hgcrawler sites check` shows what it reads "
        "on a page)"
    )
    rejected = judge(
        inputs(pages=40, stored=0, **{**nothing, "article_pages": 36},
               rejects={"bad_date": 36, "http_404": 2})
    )  # fmt: skip
    assert rejected.status == "failed"
    assert (
        "fetched from https://tinh.dcs.vn/ (article pages rejected: bad_date ×36)"
        in (rejected.problems[0])
    )
    # and what the pages lacked, which names the cause
    assert any("36 of 36 article pages lack the date" in p for p in rejected.problems[1:])
    # an incremental crawl of an empty archive is a first crawl too; a revisit of it
    # has nothing to ask for
    assert judge(inputs(mode="incremental", pages=3, stored=0, **nothing)).status == "failed"
    assert judge(inputs(mode="revisit", pages=1, stored=0, **nothing)).status == "finished"


def test_a_known_archive_whose_pages_all_fail_names_the_reasons() -> None:
    verdict = judge(inputs(stored=0, article_records=0, article_pages=36, rejects={"bad_date": 36}))
    assert verdict.status == "failed"
    assert verdict.problems[0].endswith(
        "redesigned beyond recognition? (article pages rejected: bad_date ×36)"
    )
    assert any("36 of 36 article pages lack the date" in p for p in verdict.problems)


def test_a_revisit_that_reaches_nothing_says_it_asked_for_known_pages() -> None:
    verdict = judge(inputs(mode="revisit", due=40, pages=0, stored=0, home_failure="x refused"))
    assert verdict.problems[0] == (
        "no page could be fetched from the site of https://tinh.dcs.vn/ (known pages only) "
        "(x refused)"
    )


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
