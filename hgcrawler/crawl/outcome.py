"""How a crawl went: ``finished`` only when the archive really is current.

:func:`judge` is pure: it takes what the crawl saw (:class:`Inputs`) and the
fill rates of the last finished crawls, and returns the status, the problems
(each naming its cause) and the figures to keep in the crawl record.

``interrupted``
    a signal (Ctrl-C, SIGTERM) stopped it.
``failed``
    the archive could not be written or opened; no page was fetched; the start
    page or ``robots.txt`` could not be fetched; most requests failed (the site
    stopped answering); no article was found where the archive knows many.
``degraded``
    it ran to its end but its pages no longer say what they said: a meaningful
    share of the known article pages stopped parsing (``layout_changed``), or a
    field's fill rate dropped sharply against the last finished crawls, or more
    than ``HGCRAWLER_DEGRADED_THRESHOLD`` of the article pages lack the view
    count, the date or the text, or a field cannot be right on many pages (its
    value is implausible, :mod:`hgcrawler.read.plausibility`: on at least
    ``MIN_DOUBTFUL`` pages and ``DOUBTFUL_SHARE`` of them, or one value on most);
    or the crawl saw a *mass removal* (:func:`mass_removal`): more of the site's
    live articles answered 404/410 than ``HGCRAWLER_MASS_REMOVAL_SHARE`` of them or
    ``HGCRAWLER_MASS_REMOVAL_COUNT`` (a mass removal also joins the problems of a
    failed or interrupted crawl).
``finished``
    none of the above.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hgcrawler.config import OutcomeConfig
from hgcrawler.read.reasons import ARTICLE_PAGE_REASONS

__all__ = ["FILL_FIELDS", "Inputs", "MassRemoval", "Verdict", "fill_rates", "judge", "mass_removal"]

#: The fields whose fill rate is watched from crawl to crawl.
FILL_FIELDS = ("views", "updated_on", "author", "images", "body")
#: Fields whose absence on most pages alone degrades a crawl.
ESSENTIAL_FIELDS = ("views", "updated_on", "body")
#: Fewer article pages than this say nothing about fill rates.
MIN_PAGES_FOR_RATES = 20
#: The last finished crawls a fill rate is compared with.
HISTORY_CRAWLS = 3
#: Known articles below which finding none is not suspicious.
MIN_KNOWN_FOR_EMPTY = 10
#: Layout changes below this count never degrade a crawl on their own.
MIN_LAYOUT_CHANGES = 3
#: Failed requests below this count never fail a crawl on their own ...
MIN_FAILED_REQUESTS = 10
#: ... nor a smaller share of the requests.
FAILED_REQUESTS_SHARE = 0.5
#: Removals below this count are never a mass removal by their share alone.
MIN_MASS_REMOVALS = 10
#: A field doubted on fewer pages than this never degrades a crawl on its own ...
MIN_DOUBTFUL = 5
#: ... nor on a smaller share of the article records.
DOUBTFUL_SHARE = 0.2
_NAMES = {"updated_on": "date", "views": "view count"}


@dataclass
class Inputs:
    mode: str
    start_url: str
    close_reason: str
    thresholds: OutcomeConfig
    interrupted_by: str | None = None
    forced: bool = False
    open_error: str | None = None
    pages: int = 0
    download_errors: dict[str, int] = field(default_factory=dict)
    robots: dict[str, Any] = field(default_factory=dict)
    home_failure: str | None = None
    known_articles: int = 0
    due: int = 0
    known_visited: int = 0
    article_pages: int = 0  # stored, or rejected as broken articles
    article_records: int = 0  # that reached the archive (fill rates are over these)
    stored: int = 0
    missing: dict[str, int] = field(default_factory=dict)
    doubtful: dict[str, int] = field(default_factory=dict)  # field -> records doubting it
    repeated: dict[str, tuple[int, str, str]] = field(default_factory=dict)  # (n, value, url)
    template_differs: dict[str, int] = field(default_factory=dict)  # read before the template
    examples: dict[str, list[str]] = field(default_factory=dict)
    rejects: dict[str, int] = field(default_factory=dict)
    layout_regressions: int = 0
    collisions: int = 0
    views_down: int = 0
    spilled: int = 0
    spill_error: str | None = None
    journal_error: str | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    live_articles: int = 0  # the site's articles not removed when the crawl started
    gone: int = 0  # of them, those whose URL answered 404/410 in this crawl
    removed: int = 0  # of those, the ones left marked removed (the others were found again)


@dataclass
class Verdict:
    status: str
    problems: list[str]
    extra: dict[str, Any]


def fill_rates(inputs: Inputs) -> dict[str, float]:
    """Share of the article records that had each watched field."""
    records = inputs.article_records
    if not records:
        return {}
    return {name: round(1 - inputs.missing.get(name, 0) / records, 4) for name in FILL_FIELDS}


def _lacking(inputs: Inputs, name: str) -> int:
    """Article pages without the field: stored ones, and those rejected for its want."""
    rejected = {"updated_on": "bad_date", "body": "missing_body"}.get(name)
    return inputs.missing.get(name, 0) + (inputs.rejects.get(rejected, 0) if rejected else 0)


def _label(name: str) -> str:
    return _NAMES.get(name, name)


def _examples(inputs: Inputs, name: str) -> str:
    urls = inputs.examples.get(name) or []
    return f" (e.g. {', '.join(urls)})" if urls else ""


#: Exceptions behind a robots.txt failure, in words.
_ROBOTS_ERRORS = {
    "DownloadConnectionRefusedError": "the connection was refused",
    "ConnectionRefusedError": "the connection was refused",
    "CannotResolveHostError": "the host name was not found (DNS)",
    "DNSLookupError": "the host name was not found (DNS)",
    "DownloadTimeoutError": "no answer in time",
    "TimeoutError": "no answer in time",
    "ResponseDataLossError": "the connection closed before the answer was whole",
}


def _robots_failure(robots: dict[str, Any]) -> str | None:
    for key, value in sorted(robots.items()):
        if key.startswith("robotstxt/exception_count/") and value:
            # the stat names the exception's class: "<class '...DownloadTimeoutError'>"
            name = key.rsplit("/", 1)[-1].rsplit(".", 1)[-1].strip("<>'\" ")
            words = _ROBOTS_ERRORS.get(name, name)
            return f"robots.txt could not be fetched: {words}"
        if key.startswith("robotstxt/response_status_count/"):
            status = key.rsplit("/", 1)[-1]
            if status.isdigit() and int(status) >= 500 and value:
                return f"robots.txt answered HTTP {status}"
    return None


def _failures(inputs: Inputs) -> list[str]:
    problems: list[str] = []
    if inputs.open_error:
        problems.append(f"the crawl could not start: {inputs.open_error}")
        return problems
    if inputs.spilled or inputs.spill_error:
        problems.append(
            f"{inputs.spilled} records could not be written to the database and wait in the "
            "spill journal; run `hgcrawler db replay`"
        )
        if inputs.spill_error:
            problems.append(f"database error: {inputs.spill_error}")
    if inputs.journal_error:
        problems.append(inputs.journal_error)
    if inputs.pages == 0 and (inputs.mode != "revisit" or inputs.due > 0):
        errors = ", ".join(f"{name} ×{n}" for name, n in sorted(inputs.download_errors.items()))
        if inputs.home_failure:  # why, in words, naming the host (spider.failure_in_words)
            errors = inputs.home_failure
        where = (
            inputs.start_url
            if inputs.mode != "revisit"
            else f"the site of {inputs.start_url} (known pages only)"
        )
        because = f" ({errors})" if errors else ""
        problems.append(f"no page could be fetched from {where}{because}")
        return problems
    if inputs.pages == 0:
        return problems  # a revisit with nothing due: nothing to fetch
    robots = _robots_failure(inputs.robots)
    if robots:
        problems.append(robots)
    if inputs.home_failure:
        first = (
            f"the start page {inputs.start_url}"
            if inputs.mode != "revisit"
            else "the first known page asked for"
        )
        problems.append(f"{first} could not be fetched: {inputs.home_failure}")
    failed = {
        reason: count
        for reason, count in inputs.rejects.items()
        if reason in ("timeout", "download_error") or reason.startswith("http_5")
    }
    failed_total = sum(failed.values())
    if failed_total >= MIN_FAILED_REQUESTS and failed_total >= FAILED_REQUESTS_SHARE * (
        inputs.pages + failed_total
    ):
        detail = ", ".join(f"{reason} ×{count}" for reason, count in sorted(failed.items()))
        problems.append(
            f"the site stopped answering: {failed_total} requests failed ({detail}) "
            f"against {inputs.pages} pages fetched"
        )
    expected = inputs.known_articles >= MIN_KNOWN_FOR_EMPTY and (
        inputs.mode == "full" or inputs.due > 0
    )
    if expected and inputs.stored == 0:
        problems.append(
            f"no article was found although the archive knows {inputs.known_articles}: "
            f"is the portal gone, empty, or redesigned beyond recognition?{_rejected(inputs)}"
        )
    elif inputs.mode != "revisit" and inputs.stored == 0 and inputs.known_articles == 0:
        # a first crawl that archived nothing: the profile does not read this portal
        problems.append(
            f"no article was archived from the {inputs.pages} pages fetched from "
            f"{inputs.start_url}{_rejected(inputs)}: does the site profile read this portal? "
            "(`hgcrawler sites check` shows what it reads on a page)"
        )
    return problems


def _rejected(inputs: Inputs) -> str:
    """`` (rejected: bad_date ×36)``: the article pages turned away, by reason."""
    reasons = {
        reason: count for reason, count in inputs.rejects.items() if reason in ARTICLE_PAGE_REASONS
    }
    if not reasons:
        return ""
    ranked = sorted(reasons.items(), key=lambda item: (-item[1], item[0]))
    return " (article pages rejected: " + ", ".join(f"{r} ×{n}" for r, n in ranked) + ")"


def _degradations(inputs: Inputs, rates: dict[str, float]) -> list[str]:
    limits = inputs.thresholds
    problems: list[str] = []
    changed = inputs.rejects.get("layout_changed", 0) + inputs.layout_regressions
    visited = max(inputs.known_visited, changed)
    if (
        changed >= MIN_LAYOUT_CHANGES
        and visited
        and changed / visited >= limits.layout_change_share
    ):
        problems.append(
            f"layout changed: {changed} of {visited} known article pages no longer parse as "
            f"before (rejects with reason layout_changed){_examples(inputs, 'layout_changed')}"
        )
    pages = inputs.article_pages
    if pages:
        for name in ESSENTIAL_FIELDS:
            lacking = _lacking(inputs, name)
            if lacking / pages > limits.degraded_threshold:
                problems.append(
                    f"{lacking} of {pages} article pages lack the {_label(name)} (more than "
                    f"{limits.degraded_threshold:.0%}){_examples(inputs, name)}; has the "
                    "portal's layout changed?"
                )
    problems.extend(_doubts(inputs))
    if inputs.article_records >= MIN_PAGES_FOR_RATES:
        for name in FILL_FIELDS:
            before = [
                float(crawl["fill"][name])
                for crawl in inputs.history[:HISTORY_CRAWLS]
                if name in (crawl.get("fill") or {})
                and int(crawl.get("article_records") or 0) >= MIN_PAGES_FOR_RATES
            ]
            if not before or name not in rates:
                continue
            usual = sum(before) / len(before)
            if usual - rates[name] >= limits.fill_drop:
                problems.append(
                    f"the {_label(name)} was found on {rates[name]:.0%} of the article pages, "
                    f"against {usual:.0%} in the last finished crawls"
                    f"{_examples(inputs, name)}"
                )
    return problems


@dataclass(frozen=True)
class MassRemoval:
    """More of the site's live articles answered 404/410 in one crawl than is believed
    routine.  ``gone``: how many; ``removed``: of them, those left marked removed (the
    others were found again at other URLs in the same crawl)."""

    gone: int
    removed: int
    live: int
    share: float
    examples: tuple[str, ...]

    def record(self) -> dict[str, Any]:
        """As kept in the crawl record (``mass_removal``): what reports group on."""
        return {
            "articles": self.gone,
            "removed": self.removed,
            "found_again": self.gone - self.removed,
            "live": self.live,
            "share": round(self.share, 4),
            "examples": list(self.examples),
        }

    def problem(self, start_url: str, limits: OutcomeConfig) -> str:
        share = f"{self.share:.0%} of the {self.live:,} live" if self.live else "of the"
        found = self.gone - self.removed
        outcome = f"{self.removed:,} are now marked removed" + (
            f", {found:,} were found again at other URLs (moved)" if found else ""
        )
        examples = f" (e.g. {', '.join(self.examples)})" if self.examples else ""
        return (
            f"mass removal: {self.gone:,} articles ({share} articles) answered 404/410 in "
            f"this crawl{examples}; {outcome}. A portal does not delete that much at once "
            f"(limit: {limits.mass_removal_share:.0%} of the live articles or "
            f"{limits.mass_removal_count:,}, HGCRAWLER_MASS_REMOVAL_SHARE/_COUNT): have its "
            f"articles moved to new URLs, is its server answering 404 for every page, or is "
            f"{start_url} the wrong site or start URL? An article found again (by URL, "
            "redirect or content) comes back with its history; `hgcrawler query changes` "
            "shows this crawl's removals as one event"
        )


def mass_removal(inputs: Inputs) -> MassRemoval | None:
    """The crawl's removals when they are a mass removal, else None.

    Counted over the live articles whose URL answered 404/410 (``gone``), also those
    the crawl then found again at another URL: a portal moving every article at
    once is as unusual as one deleting them.  A mass removal is more than
    ``mass_removal_count`` of them, or more than ``mass_removal_share`` of the
    site's live articles when they are at least :data:`MIN_MASS_REMOVALS` (a small
    archive losing three of ten articles is not one)."""
    limits = inputs.thresholds
    gone, live = inputs.gone, max(inputs.live_articles, inputs.gone)
    share = gone / live if live else 0.0
    by_count = gone > limits.mass_removal_count
    by_share = gone >= MIN_MASS_REMOVALS and share > limits.mass_removal_share
    if not (by_count or by_share):
        return None
    examples = tuple(inputs.examples.get("gone") or ())
    return MassRemoval(gone, min(inputs.removed, gone), live, share, examples)


def _doubts(inputs: Inputs) -> list[str]:
    """Fields whose values cannot be right on many pages, each named with an example."""
    records = inputs.article_records
    problems = []
    for name, count in sorted(inputs.doubtful.items()):
        if count >= MIN_DOUBTFUL and count >= DOUBTFUL_SHARE * records:
            urls = inputs.examples.get(f"doubtful:{name}") or []
            example = f" (e.g. {', '.join(urls)})" if urls else ""
            problems.append(
                f"the {_label(name)} cannot be trusted on {count} of {records} article pages: "
                f"its value is implausible{example}; `hgcrawler extract --site NAME URL` says "
                "why, docs/extraction.md how to fix it"
            )
    for name, (count, value, url) in sorted(inputs.repeated.items()):
        problems.append(
            f"the {_label(name)} is the same on {count} of {records} article pages "
            f"({value!r}, e.g. {url}): the site's template, not each article's {_label(name)}"
        )
    return problems


def judge(inputs: Inputs) -> Verdict:
    rates = fill_rates(inputs)
    extra: dict[str, Any] = {
        "fill": rates,
        "article_pages": inputs.article_pages,
        "article_records": inputs.article_records,
        "doubtful": dict(inputs.doubtful),
    }
    mass = mass_removal(inputs)
    if mass is not None:
        extra["mass_removal"] = mass.record()
    removals = [mass.problem(inputs.start_url, inputs.thresholds)] if mass else []
    notes: list[str] = []
    if inputs.collisions:
        notes.append(
            f"{inputs.collisions} page(s) had the key of a different article and were kept "
            "apart (rejects with reason key_collision); check HGCRAWLER_ARTICLE_ID_PATTERN / "
            "HGCRAWLER_SLUG_IDS"
        )
    if inputs.template_differs:
        fields = ", ".join(
            f"{_label(name)} ×{count}" for name, count in sorted(inputs.template_differs.items())
        )
        urls = [
            url
            for name in inputs.template_differs
            for url in inputs.examples.get(f"template:{name}", [])
        ]
        example = f" (e.g. {urls[0]})" if urls else ""
        notes.append(
            "article pages read before the site's page template was learned read differently "
            f"with it ({fields}){example}: their stored fields are corrected when they are next "
            "visited"
        )
    if inputs.views_down:
        notes.append(
            f"{inputs.views_down} article(s) showed a lower view count than before "
            "(flagged on their observations)"
        )
    if inputs.interrupted_by or inputs.close_reason == "shutdown":
        how = inputs.interrupted_by or "a shutdown request"
        stopped = "forced to stop" if inputs.forced else "stopped"
        problem = (
            f"interrupted by {how}: {stopped} after {inputs.pages} pages and "
            f"{inputs.stored} articles; the next crawl carries on"
        )
        return Verdict("interrupted", [problem, *_failures(inputs), *removals, *notes], extra)
    failures = _failures(inputs)
    if inputs.close_reason not in ("finished", "shutdown"):
        failures.append(f"the crawl closed early: {inputs.close_reason}")
    if failures:  # with what the pages lacked, which often names the cause
        degradations = _degradations(inputs, rates) if inputs.pages else []
        return Verdict("failed", failures + degradations + removals + notes, extra)
    degradations = _degradations(inputs, rates) + removals
    if degradations:
        return Verdict("degraded", degradations + notes, extra)
    return Verdict("finished", notes, extra)
