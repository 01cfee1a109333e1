"""A site's archive of years, built quickly through the write path's own document code.

``build_archive`` simulates the default schedule on a portal of ``articles``
articles over ``days`` days and writes what those crawls would have written:

- **the schedule**: a full crawl every week (every known live article, and the new
  ones), and ``incrementals_per_day`` incremental crawls a day in between, each
  fetching the new articles and the known ones :class:`hgcrawler.plan.RevisitPolicy`
  makes due (< 7 days old every 6 h, < 60 days daily, else weekly; age from the
  archived ``updated_on``).  Pages are fetched at ``pages_per_second`` within a crawl.
- **the portal**: ``new_per_day`` articles published a day (the older ones before
  the history starts, at the same pace), edits (a title suffix or a paragraph
  replaced; the article's date becomes the edit's day), removals (the next fetch
  answers 404) and moves (the old URL redirects to a new one); view counts grow like
  the replica's, ``popularity × (1 + ln(1 + age in days))``, and some pages show no
  count.  Texts come from :class:`hgcrawler.replica.ReplicaSite` (ids up to 40000,
  then later days' ids).  Events are drawn per day counted back from the end, so two
  archives of the same articles and end (one month, three years) agree on every
  day they share.
- **the bulk part** (every crawl but the last ones): article, revision, move, page
  and crawl documents shaped as :class:`hgcrawler.storage.writer.BatchWriter` shapes
  them (``records.content_hash``, ``identity``, ``text_identity``, ``search_text``
  …), observations as whole month buckets in the shape
  :class:`hgcrawler.storage.observations.BucketOps` writes (bulk inserts), then the
  derived structures with the real code: a :class:`hgcrawler.storage.series.SiteSeries`
  observes every event in time order and is saved after each day's last crawl
  (``SiteSeries.save``: the day snapshot and the real thinning), and
  :class:`hgcrawler.storage.postings.Postings` indexes every article.
- **the last crawls** (those starting in the last ``final_hours``: by default the
  last full crawl and the incremental crawls around it) go through
  :meth:`hgcrawler.storage.mongo.MongoArchiveStore.write_batch` itself, 100 records
  a batch, as the archive pipeline sends them, with ``begin_crawl`` (which catches
  the series up from the buckets: nothing to do when the bulk part is right) and
  the end of the crawl as ``finish_crawl`` does it, on the simulated clock.  Their
  throughput is measured, and ``load_plan`` is checked against the simulation's own
  due set.

The simulation keeps every observation (compact arrays), so a test can compare what
the archive answers with what was generated.
"""

from __future__ import annotations

import array
import bisect
import datetime as dt
import hashlib
import heapq
import math
import random
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from pymongo.database import Database

from hgcrawler.plan import RevisitPolicy
from hgcrawler.read.urls import canonical_url
from hgcrawler.replica import ReplicaSite
from hgcrawler.replica import content as replica_content
from hgcrawler.sites import HAUGIANG
from hgcrawler.storage.mongo import MongoArchiveStore
from hgcrawler.storage.observations import entry_warc
from hgcrawler.storage.postings import Postings
from hgcrawler.storage.records import (
    as_date,
    content_hash,
    identity,
    search_text,
    text_identity,
)
from hgcrawler.storage.schema import (
    ARTICLES,
    CRAWLS,
    MOVES,
    OBSERVATIONS,
    PAGES,
    REVISIONS,
    SERIES_DAYS,
    SITES,
    article_id_of,
    observation_bucket_id,
    observation_month,
)
from hgcrawler.storage.series import EDITED, MOVED, SiteSeries, thin_days

__all__ = ["ArchiveSpec", "BuiltArchive", "build_archive", "schedule"]

Db = Database[dict[str, Any]]
UTC = dt.UTC
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
EPOCH_DATE = EPOCH.date()

SECOND = 1000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR
#: Bumped whenever the builder's output changes (cached archives are rebuilt).
BUILDER_VERSION = 4  # 4: schema 3 (a cached archive of schema 2 is refused)
SITE = HAUGIANG.name
BASE_URL = HAUGIANG.start_url.rstrip("/")
#: Records per ``write_batch`` call (``HGCRAWLER_WRITE_BATCH_SIZE``'s default).
WRITE_BATCH = 100
#: Bytes per WARC file before the next (``HGCRAWLER_WARC_MAX_SIZE``'s default).
WARC_MAX_SIZE = 100_000_000
#: Articles per listing page.
LISTING_PAGE = 20
#: The last full crawl starts this long before the end; incremental crawls continue.
LAST_FULL_BEFORE_END = 6 * HOUR
NEWEST_REPLICA_ID = 40000
#: Days of portal events drawn back from the end, whatever the history's length.
EVENT_HORIZON_DAYS = 3 * 365


def moment(ms: int) -> dt.datetime:
    """The aware UTC datetime of milliseconds since 1970 (BSON's precision)."""
    return EPOCH + dt.timedelta(milliseconds=ms)


def millis(when: dt.datetime) -> int:
    return (when.astimezone(UTC) - EPOCH) // dt.timedelta(milliseconds=1)


def _mix(*parts: object) -> int:
    key = ":".join(str(part) for part in parts).encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big")


@dataclass(frozen=True)
class ArchiveSpec:
    """What to build (see the module doc); two specs with the same articles, seed and
    end describe the same portal."""

    articles: int = 50_000
    days: int = 1095
    seed: int = 0
    new_per_day: float = 14.0
    edits_per_day: float = 9.5
    removals_per_day: float = 1.0
    moves_per_day: float = 0.5
    incrementals_per_day: int = 9
    pages_per_second: float = 80.0
    #: crawls starting this many hours before the end go through ``write_batch``
    final_hours: float = 30.0
    #: also time ``write_batch`` of this many records of the last full crawl into an
    #: empty database (0: not)
    empty_sample: int = 0

    def key(self) -> str:
        return (
            f"a{self.articles}-d{self.days}-s{self.seed}-n{self.new_per_day:g}"
            f"-e{self.edits_per_day:g}-r{self.removals_per_day:g}-m{self.moves_per_day:g}"
            f"-i{self.incrementals_per_day}-p{self.pages_per_second:g}-f{self.final_hours:g}"
            f"-v{BUILDER_VERSION}"
        )


# --------------------------------------------------------------------------- the portal


@dataclass
class Version:
    """One text of an article on the portal, from ``at`` on."""

    at: int
    title: str
    body: tuple[str, ...]
    updated_on: dt.date
    digest: str = ""  # content_hash of the article's revision fields with this text


@dataclass(repr=False)  # its repr would hold the whole history
class Article:
    """One article of the portal, and what the archive knows of it."""

    index: int
    key: str
    published: int  # ms
    category: str
    lede: str
    images: list[dict[str, str]]
    author: str | None
    path: str  # URL path before any move
    popularity: float
    shows_views: bool
    versions: list[Version] = field(default_factory=list)
    deleted_at: int | None = None
    moved_at: int | None = None
    # --- the archive's knowledge ---
    n: int = -1
    first_seen: int = 0
    last_seen: int = 0  # last page observation
    removed_at: int | None = None
    url: str = ""  # as archived
    old_urls: list[str] = field(default_factory=list)
    digest: str = ""
    archived_updated_on: dt.date | None = None
    revision: int = 0
    revisions: list[dict[str, Any]] = field(default_factory=list)
    views: int | None = None
    views_at: int = 0
    views_peak: int | None = None
    last_crawl: int = -1
    last_status: int = 200
    due_version: int = 0
    rows: array.array[int] = field(default_factory=lambda: array.array("l"))  # observations
    written: int = 0  # rows whose bucket is written

    @property
    def article_id(self) -> str:
        return article_id_of(SITE, self.key)

    def version_at(self, at: int) -> Version:
        versions = self.versions
        if len(versions) == 1 or versions[-1].at <= at:
            return versions[-1]
        index = bisect.bisect_right([v.at for v in versions], at) - 1
        return versions[max(index, 0)]

    def views_on(self, at: int) -> int:
        """The counter on the page at ``at``: grows with the age in whole UTC days."""
        age = at // DAY - self.published // DAY
        return int(self.popularity * (1.0 + math.log1p(max(age, 0))))

    def current_url(self, at: int) -> str:
        if self.moved_at is not None and self.moved_at <= at:
            return BASE_URL + moved_path(self.path, self.key)
        return self.first_url

    @property
    def first_url(self) -> str:
        return BASE_URL + self.path


def moved_path(path: str, key: str) -> str:
    """Where a moved article goes (the replica's scheme: another folder, same file)."""
    category, tail = path.strip("/").split("/", 1)
    return f"/tin-tuc/{category}/{tail}" if int(key) % 2 else f"/bai-viet/{category}/{tail}"


def content_of(article: Article, version: Version) -> dict[str, Any]:
    """The revision fields as the writer stores them (``ArticleRecord.content``)."""
    return {
        "title": version.title,
        "lede": article.lede,
        "body": "\n\n".join(version.body),
        "images": list(article.images),
        "author": article.author,
        "category": article.category,
        "updated_on": as_date(version.updated_on),
    }


@dataclass
class Event:
    at: int
    kind: str  # "edit" | "delete" | "move"
    index: int
    detail: int = 0


class Portal:
    """The articles and what happens to them (a pure function of the spec and the end)."""

    def __init__(self, spec: ArchiveSpec, end: int) -> None:
        self.spec = spec
        self.end = end
        count = spec.articles
        initial = min(count, NEWEST_REPLICA_ID - 1)
        replica = ReplicaSite(articles=initial, day=1, seed=spec.seed)
        first_id = NEWEST_REPLICA_ID - initial + 1
        last_id = first_id + count - 1
        day = 1
        while replica.max_id(day) < last_id:
            day += 1
        replica.set_day(day)
        self.replica = replica
        gap = DAY / spec.new_per_day
        newest = end - 20 * MINUTE
        rng = random.Random(f"{spec.seed}:portal")
        self.articles: list[Article] = []
        for index in range(count):
            replica_id = first_id + index
            truth = replica.view(replica_id, day).truth
            published = int(newest - (count - 1 - index) * gap - rng.random() * gap * 0.9)
            path = truth.old_url or truth.url
            roll = rng.random()
            popularity = 1000 + 2000 * roll if rng.random() < 0.05 else 40 * math.exp(2.5 * roll)
            article = Article(
                index=index,
                key=str(replica_id),
                published=published,
                category=truth.category,
                lede=truth.lede,
                images=[{"src": BASE_URL + src, "caption": cap} for src, cap in truth.images],
                author=truth.author,
                path=path,
                popularity=popularity,
                shows_views=truth.views is not None,
            )
            article.versions.append(
                Version(published, truth.title, tuple(truth.body), moment(published).date())
            )
            self.articles.append(article)
        self.published = [a.published for a in self.articles]
        self.events: dict[int, list[Event]] = {}

    def events_of_day(self, back: int) -> list[Event]:
        """The edits, removals and moves of the day ``back`` days before the end."""
        if back in self.events:
            return self.events[back]
        spec = self.spec
        rng = random.Random(f"{spec.seed}:events:{back}")
        start = self.end - (back + 1) * DAY
        events: list[Event] = []

        def count(rate: float) -> int:
            whole = int(rate)
            return (
                whole + (1 if rng.random() < rate - whole else 0) + rng.randint(-1, 1) * (whole > 2)
            )

        def pick(at: int, recent_share: float) -> int | None:
            published = bisect.bisect_right(self.published, at)
            if published == 0:
                return None
            if rng.random() < recent_share:
                low = bisect.bisect_left(self.published, at - 30 * DAY)
                return rng.randrange(min(low, published - 1), published)
            return rng.randrange(published)

        for kind, rate, recent in (
            ("edit", spec.edits_per_day, 0.7),
            ("delete", spec.removals_per_day, 0.5),
            ("move", spec.moves_per_day, 0.3),
        ):
            for _ in range(max(0, count(rate))):
                at = start + rng.randrange(DAY)
                index = pick(at, recent)
                if index is not None:
                    events.append(Event(at, kind, index, rng.randrange(1 << 30)))
        events.sort(key=lambda e: (e.at, e.kind, e.index))
        self.events[back] = events
        return events

    def apply(self, event: Event) -> None:
        """Change the portal (events are applied in time order, before the crawls after)."""
        article = self.articles[event.index]
        if article.deleted_at is not None or event.at <= article.published:
            return
        if event.kind == "delete":
            article.deleted_at = event.at
        elif event.kind == "move":
            if article.moved_at is None:
                article.moved_at = event.at
        else:
            last = article.versions[-1]
            rng = random.Random(f"{self.spec.seed}:edit:{event.index}:{event.detail}")
            day = moment(event.at).date()
            if rng.random() < 0.25:
                suffixes = replica_content.TITLE_EDIT_SUFFIXES
                edits = len(article.versions)
                title = last.title + suffixes[(edits - 1) % len(suffixes)]
                article.versions.append(Version(event.at, title, last.body, day))
            else:
                body = list(last.body)
                donor = self.articles[rng.randrange(len(self.articles))]
                paragraph = donor.versions[0].body[rng.randrange(len(donor.versions[0].body))]
                slot = rng.randrange(len(body))
                if body[slot] == paragraph:
                    paragraph += " (Cập nhật)"
                body[slot] = paragraph
                article.versions.append(Version(event.at, last.title, tuple(body), day))


# --------------------------------------------------------------------------- the crawls


@dataclass(frozen=True)
class CrawlSlot:
    start: int
    mode: str  # "full" | "incremental"


def schedule(spec: ArchiveSpec, end: int) -> list[CrawlSlot]:
    """The crawls of the history: a full crawl first and every week (the last one
    :data:`LAST_FULL_BEFORE_END` before the end), incremental crawls on a grid of
    ``incrementals_per_day`` a day anchored at the end, none during a full crawl."""
    begin = end - spec.days * DAY
    full_length = int(spec.articles * SECOND / spec.pages_per_second) + 10 * MINUTE
    fulls = [begin]
    at = end - LAST_FULL_BEFORE_END
    while at > begin + DAY:
        fulls.append(at)
        at -= 7 * DAY
    fulls.sort()
    slots = [CrawlSlot(start, "full") for start in fulls]
    step = DAY // spec.incrementals_per_day
    at = end - 10 * MINUTE
    while at > begin:
        if not any(f - 10 * MINUTE <= at <= f + full_length for f in fulls):
            slots.append(CrawlSlot(at, "incremental"))
        at -= step
    slots.sort(key=lambda slot: slot.start)
    return slots


def crawl_id_of(spec: ArchiveSpec, start: int) -> str:
    return f"{moment(start):%Y%m%dT%H%M%SZ}-{_mix(spec.seed, 'crawl', start) & 0xFFFF:04x}"


def record_id(crawl_id: str, position: int) -> str:
    h = hashlib.blake2b(f"{crawl_id}:{position}".encode(), digest_size=16).hexdigest()
    return f"<urn:uuid:{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}>"


def response_length(key: str, at: int) -> int:
    """A gzip-compressed article response's bytes in its WARC (≈ 5 KB, as measured)."""
    return 4200 + (int(key) * 7919 + at // 1000) % 1800


def warc_location(crawl_id: str, offset: int, length: int, position: int) -> dict[str, Any]:
    number, within = divmod(offset, WARC_MAX_SIZE)
    return {
        "file": f"warc/{crawl_id}/hgcrawler-{crawl_id}-{number:05d}.warc.gz",
        "offset": within + 420,
        "length": length,
        "record_id": record_id(crawl_id, position),
    }


@dataclass(repr=False)  # its repr would hold the whole history
class Visit:
    """One fetch of a known or new article by a crawl."""

    article: Article
    at: int
    position: int
    gone: bool
    url: str  # the URL fetched last (the article's page, or the 404)
    offset: int  # of the response record in the crawl's WARC files (all files in a row)
    length: int
    moved_from: str | None = None
    version: Version | None = None
    views: int | None = None

    def warc(self, crawl_id: str) -> dict[str, Any]:
        return warc_location(crawl_id, self.offset, self.length, self.position)


@dataclass(repr=False)  # its repr would hold the whole history
class Crawl:
    index: int
    crawl_id: str
    mode: str
    start: int
    visits: list[Visit] = field(default_factory=list)
    listing_pages: list[str] = field(default_factory=list)
    finish: int = 0
    due_known: set[str] = field(default_factory=set)  # article ids the plan must make due


# --------------------------------------------------------------------------- the build


@dataclass(repr=False)  # its repr would hold the whole history
class BuiltArchive:
    """What was built, and the simulation's own record of it (for tests)."""

    spec: ArchiveSpec
    end: dt.datetime
    begin: dt.datetime
    database: str
    portal: Portal
    crawls: list[Crawl]
    # every observation, in time order: article index, ms, crawl index, status, views
    # (-1: none), revision number
    obs_article: array.array[int] = field(default_factory=lambda: array.array("l"))
    obs_at: array.array[int] = field(default_factory=lambda: array.array("q"))
    obs_crawl: array.array[int] = field(default_factory=lambda: array.array("l"))
    obs_status: array.array[int] = field(default_factory=lambda: array.array("h"))
    obs_views: array.array[int] = field(default_factory=lambda: array.array("q"))
    obs_rev: array.array[int] = field(default_factory=lambda: array.array("h"))
    obs_offset: array.array[int] = field(default_factory=lambda: array.array("q"))
    obs_length: array.array[int] = field(default_factory=lambda: array.array("l"))
    obs_position: array.array[int] = field(default_factory=lambda: array.array("l"))
    moves: list[dict[str, Any]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def observations(self) -> int:
        return len(self.obs_at)

    def history_of(self, key: str) -> list[dict[str, Any]]:
        """The observations generated for the article ``key``, oldest first."""
        index = next(a.index for a in self.portal.articles if a.key == key)
        rows = []
        for k in range(len(self.obs_at)):
            if self.obs_article[k] != index:
                continue
            views = self.obs_views[k]
            rows.append(
                {
                    "fetched_at": moment(self.obs_at[k]),
                    "crawl_id": self.crawls[self.obs_crawl[k]].crawl_id,
                    "status": self.obs_status[k],
                    "views": None if views < 0 else views,
                    "revision": self.obs_rev[k] or None,
                }
            )
        return rows

    def summary(self) -> dict[str, Any]:
        articles = [a for a in self.portal.articles if a.n >= 0]
        return {
            "spec": self.spec.__dict__,
            "database": self.database,
            "begin": self.begin.isoformat(),
            "end": self.end.isoformat(),
            "articles": len(articles),
            "live": sum(1 for a in articles if a.removed_at is None),
            "removed": sum(1 for a in articles if a.removed_at is not None),
            "moved": sum(1 for a in articles if a.old_urls),
            "revisions": sum(a.revision for a in articles),
            "edited": sum(1 for a in articles if a.revision > 1),
            "observations": self.observations,
            "crawls": len(self.crawls),
            "listing_pages": sum(len(c.listing_pages) for c in self.crawls),
            "full_crawls": sum(1 for c in self.crawls if c.mode == "full"),
            "sample_article": max(articles, key=lambda a: a.revision).key if articles else None,
            "timings": self.timings,
            **self.figures,
        }


class Builder:
    def __init__(
        self,
        db: Db,
        uri: str,
        spec: ArchiveSpec,
        end: dt.datetime,
        log: Callable[[str], None],
    ) -> None:
        self.db = db
        self.uri = uri
        self.spec = spec
        self.end = millis(end.replace(second=0, microsecond=0))
        self.begin = self.end - spec.days * DAY
        self.log = log
        self.policy = policy = RevisitPolicy()
        ms = dt.timedelta(milliseconds=1)
        self.limits = (
            int(policy.young_days * DAY),
            int(policy.old_days * DAY),
            policy.young_interval // ms,
            policy.mid_interval // ms,
            policy.old_interval // ms,
        )
        self.pace = SECOND / spec.pages_per_second
        started = time.perf_counter()
        self.portal = Portal(spec, self.end)
        self.slots = schedule(spec, self.end)
        self.cutoff = self.end - int(spec.final_hours * HOUR)
        self.built = BuiltArchive(
            spec=spec,
            end=moment(self.end),
            begin=moment(self.begin),
            database=db.name,
            portal=self.portal,
            crawls=[],
        )
        self.built.timings["portal_seconds"] = round(time.perf_counter() - started, 2)
        self.series = SiteSeries(site=SITE)
        self.next_n = 0
        self.known: list[Article] = []
        self.unknown = 0  # index of the next article not yet seen (publication order)
        self.due: list[tuple[int, int, int]] = []  # (due ms, article index, version)
        self.total_views = 0
        self.counted = 0
        self.event_queue: list[Event] = []
        self.live_per_category: dict[str, int] = {}
        self.last_full: Crawl | None = None
        self.final_figures: dict[str, Any] = {}
        self.folded: dict[int, str] = {}  # article index -> its search_text, once

        self.writer = ThreadPoolExecutor(max_workers=1)  # buckets of whole months
        self.months_written: list[Future[None]] = []
        # the same events whatever the history's length: the same portal
        for back in range(max(spec.days, EVENT_HORIZON_DAYS)):
            self.event_queue.extend(self.portal.events_of_day(back))
        self.event_queue.sort(key=lambda e: (e.at, e.kind, e.index))
        self.event_cursor = 0

    # --- the simulation --------------------------------------------------------

    def due_at(self, article: Article) -> int:
        """The first moment the revisit policy makes a known article due again."""
        updated = article.archived_updated_on
        born = (updated - EPOCH_DATE).days * DAY if updated else article.first_seen
        last = article.last_seen or article.first_seen
        young, old, young_interval, mid_interval, old_interval = self.limits
        first = last + young_interval
        if first - born < young:
            return first
        second = max(last + mid_interval, born + young)
        if second - born < old:
            return second
        return max(last + old_interval, born + old)

    def schedule_due(self, article: Article) -> None:
        article.due_version += 1
        if article.removed_at is None:
            heapq.heappush(self.due, (self.due_at(article), article.index, article.due_version))

    def advance_events(self, until: int) -> None:
        """Apply the portal's events before ``until`` (the archive sees them at the next
        fetch of the article)."""
        queue = self.event_queue
        while self.event_cursor < len(queue) and queue[self.event_cursor].at < until:
            self.portal.apply(queue[self.event_cursor])
            self.event_cursor += 1

    def plan_crawl(self, index: int, slot: CrawlSlot) -> Crawl:
        """Which articles the crawl fetches, in order: due known ones (longest unvisited
        first), then new ones (newest first)."""
        self.advance_events(slot.start)
        crawl = Crawl(index, crawl_id_of(self.spec, slot.start), slot.mode, slot.start)
        if slot.mode == "full":
            known = [a for a in self.known if a.removed_at is None]
        else:
            chosen: dict[int, Article] = {}
            while self.due and self.due[0][0] <= slot.start:
                _, article_index, version = heapq.heappop(self.due)
                article = self.portal.articles[article_index]
                if version == article.due_version and article.removed_at is None:
                    chosen[article_index] = article
            known = list(chosen.values())
        known.sort(key=lambda a: (a.last_seen or a.first_seen, a.article_id))
        crawl.due_known = {a.article_id for a in known}
        fresh: list[Article] = []
        articles = self.portal.articles
        while self.unknown < len(articles) and articles[self.unknown].published < slot.start:
            fresh.append(articles[self.unknown])
            self.unknown += 1
        fresh = [a for a in fresh if a.deleted_at is None or a.deleted_at > slot.start]
        fresh.reverse()
        offset = 0
        for position, article in enumerate([*known, *fresh]):
            at = slot.start + int(position * self.pace) + 1500
            self.advance_events(at)
            url = article.url or BASE_URL + article.path
            gone = article.deleted_at is not None and article.deleted_at <= at
            visit = Visit(article, at, position, gone, url, 0, 900)
            if not gone:
                current = article.current_url(at)
                if article.url and current != article.url:
                    visit.moved_from = article.url
                    offset += 600  # the 301 response
                visit.url = current
                visit.version = article.version_at(at)
                visit.views = article.views_on(at) if article.shows_views else None
                visit.length = response_length(article.key, at)
            visit.offset = offset
            offset += visit.length + 700  # the request record
            crawl.visits.append(visit)
        crawl.listing_pages = self.listing_pages(slot.mode)
        last = crawl.visits[-1].at if crawl.visits else slot.start
        crawl.finish = last + 2 * SECOND
        return crawl

    def listing_pages(self, mode: str) -> list[str]:
        pages = [BASE_URL + "/"]
        for category, count in sorted(self.live_per_category.items()):
            last = max(1, math.ceil(count / LISTING_PAGE))
            if mode != "full":
                last = min(last, 3)
            pages.extend(
                f"{BASE_URL}/{category}/" + (f"?page={p}" if p > 1 else "")
                for p in range(1, last + 1)
            )
        return pages

    def observe(self, crawl: Crawl, visit: Visit, *, feed_series: bool) -> None:
        """Apply a fetch to the archive's knowledge (as the writer would), record the
        observation, and (bulk part) feed the series."""
        article = visit.article
        built = self.built
        new = article.n < 0
        folder = article.path.split("/")[1]
        if new:
            article.n = self.next_n
            self.next_n += 1
            article.first_seen = visit.at
            self.known.append(article)
            self.live_per_category[folder] = self.live_per_category.get(folder, 0) + 1
        article.last_crawl = crawl.index
        series = self.series
        if visit.gone:
            article.removed_at = visit.at
            article.last_status = 404
            self.live_per_category[folder] -= 1
            if feed_series:
                series.remove(article.n, moment(visit.at))
            rev = 0
            views = -1
        else:
            version = visit.version
            assert version is not None
            if not version.digest:
                version.digest = content_hash(content_of(article, version))
            digest = version.digest
            if visit.moved_from is not None:
                article.old_urls.append(visit.moved_from)
                self.built.moves.append(
                    {
                        "_id": f"{article.article_id}@{crawl.crawl_id}:"
                        f"{hashlib.sha256(canonical_url(visit.moved_from).encode()).hexdigest()[:12]}",
                        "site": SITE,
                        "article_id": article.article_id,
                        "from_url": visit.moved_from,
                        "to_url": visit.url,
                        "evidence": "redirect",
                        "crawl_id": crawl.crawl_id,
                        "at": moment(visit.at),
                    }
                )
                if feed_series:
                    series.mark(article.n, MOVED)
            article.url = visit.url
            edited = digest != article.digest
            if edited:
                if article.digest and feed_series:
                    series.mark(article.n, EDITED)
                article.revision += 1
                article.revisions.append(
                    {
                        "_id": f"{article.article_id}:{digest}",
                        "site": SITE,
                        "article_id": article.article_id,
                        "number": article.revision,
                        "content_hash": digest,
                        **content_of(article, version),
                        "url": visit.url,
                        "first_seen_at": moment(visit.at),
                        "first_crawl_id": crawl.crawl_id,
                        "warc": visit.warc(crawl.crawl_id),
                        "last_seen_at": visit.at,  # ms until written
                    }
                )
                article.digest = digest
                article.archived_updated_on = version.updated_on
            else:
                article.revisions[-1]["last_seen_at"] = visit.at
            article.last_seen = visit.at
            article.last_status = 200
            if visit.views is not None:
                if feed_series:
                    old = series.views[article.n] if article.n < len(series) else -1
                    if old >= 0:
                        self.total_views -= old
                    else:
                        self.counted += 1
                    self.total_views += visit.views
                article.views = visit.views
                article.views_at = visit.at
                article.views_peak = max(article.views_peak or 0, visit.views)
            if feed_series:
                if edited:  # the writer describes at every fetch: the same values
                    series.describe(
                        article.n,
                        category=article.category,
                        updated_on=as_date(version.updated_on),
                    )
                series.observe(article.n, visit.views, moment(visit.at))

            rev = article.revision
            views = -1 if visit.views is None else visit.views
        self.schedule_due(article)
        row = len(built.obs_at)
        built.obs_article.append(article.index)
        built.obs_at.append(visit.at)
        built.obs_crawl.append(crawl.index)
        built.obs_status.append(404 if visit.gone else 200)
        built.obs_views.append(views)
        built.obs_rev.append(rev)
        built.obs_offset.append(visit.offset)
        # last: the month-writing thread reads an article's rows while this one adds
        # them, so a row is listed only once every column holds it
        article.rows.append(row)
        built.obs_length.append(visit.length)
        built.obs_position.append(visit.position)

    # --- documents ---------------------------------------------------------------

    def crawl_doc(self, crawl: Crawl, counts: dict[str, int]) -> dict[str, Any]:
        pages = [v for v in crawl.visits if not v.gone]
        with_views = sum(1 for v in pages if v.views is not None)
        total = max(1, len(pages))
        return {
            "_id": crawl.crawl_id,
            "site": SITE,
            "mode": crawl.mode,
            "start_url": BASE_URL + "/",
            "started_at": moment(crawl.start),
            "finished_at": moment(crawl.finish),
            "counts": counts,
            "problems": [],
            "status": "finished",
            "pid": 0,
            "host": "bench",
            "fill": {
                "views": round(with_views / total, 4),
                "updated_on": 1.0,
                "author": round(sum(1 for v in pages if v.article.author) / total, 4),
                "images": round(sum(1 for v in pages if v.article.images) / total, 4),
                "body": 1.0,
            },
            "article_pages": len(crawl.visits),
            "article_records": len(pages),
            "views_total": self.total_views,
            "articles_counted": self.counted,
        }

    def article_doc(self, article: Article) -> dict[str, Any]:
        latest = article.revisions[-1]
        content = {name: latest[name] for name in content_of(article, article.versions[0])}
        doc: dict[str, Any] = {
            "_id": article.article_id,
            "site": SITE,
            "n": article.n,
            "first_seen_at": moment(article.first_seen),
            "old_urls": list(article.old_urls),
            "key": article.key,
            **content,
            "url": article.url,
            "content_hash": article.digest,
            "identity": identity(content),
            "text_identity": text_identity(content),
            "last_seen_at": moment(article.last_seen),
            "last_status": article.last_status,
            "last_crawl_id": self.built.crawls[article.last_crawl].crawl_id,
            "views_missing_reason": None if article.shows_views else "not_extracted",
            "rendered": False,
            "removed_at": None if article.removed_at is None else moment(article.removed_at),
            "search_text": self.folded.setdefault(article.index, search_text(content)),
            "body_chars": len(str(content.get("body") or "")),
            "revision": article.revision,
            "revision_count": article.revision,
        }
        if article.views is not None:
            doc.update(views=article.views, views_at=moment(article.views_at))
            doc["views_peak"] = article.views_peak
        else:
            doc.update(views=None, views_at=None)
        return doc

    def bucket_docs(self, articles: list[Article], upto: int) -> Iterator[list[dict[str, Any]]]:
        """The observation buckets (BucketOps's shape) of the observations before ``upto``
        not yet written, in chunks."""
        built = self.built
        chunk: list[dict[str, Any]] = []
        crawl_ids = [c.crawl_id for c in built.crawls]
        obs_at = built.obs_at
        for article in articles:
            article_id = article.article_id
            buckets: dict[tuple[int, int], list[dict[str, Any]]] = {}
            rows = article.rows
            start = end = article.written
            while end < len(rows) and obs_at[rows[end]] < upto:
                end += 1
            article.written = end
            for k in rows[start:end]:
                at = moment(built.obs_at[k])
                crawl_id = crawl_ids[built.obs_crawl[k]]
                status = built.obs_status[k]
                entry: dict[str, Any] = {"at": at, "crawl": crawl_id, "status": status}
                if status < 400:
                    entry["rev"] = built.obs_rev[k]
                    views = built.obs_views[k]
                    if views >= 0:
                        entry["views"] = views
                    else:
                        entry["missing"] = "not_extracted"
                offset = built.obs_offset[k]
                entry["warc"] = entry_warc(
                    warc_location(crawl_id, offset, built.obs_length[k], built.obs_position[k])
                )
                buckets.setdefault((at.year, at.month), []).append(entry)
            for entries in buckets.values():
                chunk.append(
                    {
                        "_id": observation_bucket_id(article_id, entries[0]["at"]),
                        "site": SITE,
                        "article_id": article_id,
                        "month": observation_month(entries[0]["at"]),
                        "obs": entries,
                        "first_at": entries[0]["at"],
                        "last_at": entries[-1]["at"],
                    }
                )
                if len(chunk) >= 200:
                    yield chunk
                    chunk = []
        if chunk:
            yield chunk

    def page_docs(self, crawls: Sequence[Crawl]) -> list[dict[str, Any]]:
        seen: dict[str, dict[str, Any]] = {}
        for crawl in crawls:
            for url in crawl.listing_pages:
                key = canonical_url(url)
                doc = seen.get(key)
                if doc is None:
                    doc = seen[key] = {
                        "_id": key,
                        "first_seen_at": moment(crawl.start + 500),
                        "site": SITE,
                    }
                doc.update(
                    kind="other" if url == BASE_URL + "/" else "listing",
                    last_crawl_id=crawl.crawl_id,
                    last_seen_at=moment(crawl.start + 500),
                    last_status=200,
                )
        return list(seen.values())

    # --- the run -----------------------------------------------------------------

    def run(self) -> BuiltArchive:
        spec, log, built, db = self.spec, self.log, self.built, self.db
        store = MongoArchiveStore(self.uri, db.name, site=SITE)
        store.ensure_indexes()
        store.close()
        started = time.perf_counter()
        bulk = [s for s in self.slots if s.start < self.cutoff]
        final = [s for s in self.slots if s.start >= self.cutoff]
        log(
            f"  simulating {len(bulk)} crawls over {spec.days} days of {spec.articles} "
            f"articles (then {len(final)} through write_batch) ..."
        )
        crawl_docs = []
        days = ThreadPoolExecutor(max_workers=1)  # in order, beside the simulation
        month = (moment(bulk[0].start).year, moment(bulk[0].start).month) if bulk else (0, 0)
        for index, slot in enumerate(bulk):
            start = moment(slot.start)
            if (start.year, start.month) > month and start.day > 1:
                # every observation of the months before is made: their buckets are whole
                month = (start.year, start.month)
                upto = millis(dt.datetime(start.year, start.month, 1, tzinfo=UTC))
                self.months_written.append(
                    self.writer.submit(self.write_buckets, list(self.known), upto)
                )
            crawl = self.plan_crawl(index, slot)
            built.crawls.append(crawl)
            counts = dict.fromkeys(
                ("pages", "articles", "new", "revisited", "changed", "removed", "moved"), 0
            )
            for visit in crawl.visits:
                before = (visit.article.n, visit.article.revision)
                self.observe(crawl, visit, feed_series=True)
                if visit.gone:
                    counts["removed"] += 1
                    continue
                counts["articles"] += 1
                if before[0] < 0:
                    counts["new"] += 1
                else:
                    counts["revisited"] += 1
                    counts["changed"] += int(visit.article.revision != before[1])
                    counts["moved"] += int(visit.moved_from is not None)
            counts["pages"] = len(crawl.visits) + len(crawl.listing_pages)
            crawl_docs.append(self.crawl_doc(crawl, counts))
            following = bulk[index + 1].start if index + 1 < len(bulk) else None
            if following is None:
                self.series.crawl_id = crawl.crawl_id  # saved once its documents are in
            elif moment(following).date() != moment(crawl.finish).date():
                # what SiteSeries.save(day=True) does after the day's last crawl, but the
                # state document, which the next save replaces anyway
                self.series.crawl_id = crawl.crawl_id
                finish = moment(crawl.finish)
                day = self.series.day_doc(finish.date(), finish)
                days.submit(self.save_day, day, finish)
        days.shutdown(wait=True)
        built.timings["simulate_seconds"] = round(time.perf_counter() - started, 1)
        log(
            f"    {built.observations:,} observations, {len(self.known):,} articles "
            f"in {built.timings['simulate_seconds']} s"
        )
        self.write_bulk(crawl_docs, bulk_crawls=built.crawls)
        if built.crawls:  # what the last crawl's end saves (with the archive's counts)
            self.series.save(db, moment(built.crawls[-1].finish), day=True)
        self.run_final(final)
        built.figures["write_batch"] = self.final_figures
        if spec.empty_sample:
            built.figures["write_batch_empty"] = self.empty_sample()
        return built

    def save_day(self, doc: dict[str, Any], now: dt.datetime) -> None:
        self.db[SERIES_DAYS].replace_one({"_id": doc["_id"]}, doc, upsert=True)
        thin_days(self.db, SITE, now)

    def write_buckets(self, articles: list[Article], upto: int) -> None:
        """Insert the buckets of the observations before ``upto`` (a month's, while the
        simulation goes on: see :meth:`run`)."""
        collection = self.db[OBSERVATIONS]
        for chunk in self.bucket_docs(articles, upto):
            collection.insert_many(chunk, ordered=False)

    def write_bulk(self, crawl_docs: list[dict[str, Any]], *, bulk_crawls: list[Crawl]) -> None:
        """The rest of the buckets, the articles, revisions, crawls, moves and pages, then
        the postings: documents made here while the server inserts the previous ones."""
        db, built, log = self.db, self.built, self.log
        started = time.perf_counter()
        articles = list(self.known)
        for future in self.months_written:
            future.result()
        self.writer.shutdown(wait=True)
        with ThreadPoolExecutor(max_workers=2) as pool:
            pending: list[Future[Any]] = [pool.submit(self.write_buckets, articles, 1 << 62)]
            for start in range(0, len(articles), 500):
                part = articles[start : start + 500]
                docs = [self.article_doc(a) for a in part]
                revisions = [
                    {**r, "last_seen_at": moment(r["last_seen_at"])}
                    for a in part
                    for r in a.revisions
                ]
                pending.append(pool.submit(db[ARTICLES].insert_many, docs, ordered=False))
                pending.append(pool.submit(db[REVISIONS].insert_many, revisions, ordered=False))
            for start in range(0, len(crawl_docs), 1000):
                crawls = crawl_docs[start : start + 1000]
                pending.append(pool.submit(db[CRAWLS].insert_many, crawls, ordered=False))
            if built.moves:
                db[MOVES].insert_many(built.moves, ordered=False)
            pages = self.page_docs(bulk_crawls)
            if pages:
                db[PAGES].insert_many(pages, ordered=False)
            db[SITES].update_one(
                {"_id": SITE},
                {"$set": {"next_n": self.next_n, "saved_at": moment(bulk_crawls[-1].finish)}},
                upsert=True,
            )
            postings = Postings(SITE)
            for article in sorted(articles, key=lambda a: a.n):
                doc = article.revisions[-1]
                postings.index(article.n, doc["title"], self.folded.pop(article.index), {})
            for future in pending:
                future.result()
        built.timings["documents_seconds"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        postings.flush(db)
        built.timings["postings_seconds"] = round(time.perf_counter() - started, 1)
        log(
            f"    the rest of the buckets, articles, revisions, crawls in "
            f"{built.timings['documents_seconds']} s, postings in "
            f"{built.timings['postings_seconds']} s"
        )

    # --- the last crawls, through the real write path ----------------------------------

    def records_of(self, crawl: Crawl) -> list[dict[str, Any]]:
        """The records the archive pipeline sends for a crawl (articles, 404s, pages)."""
        records: list[dict[str, Any]] = []
        for url in crawl.listing_pages:
            kind = "other" if url == BASE_URL + "/" else "listing"
            at = moment(crawl.start + 500).isoformat()
            records.append(
                {"type": "page", "url": url, "kind": kind, "status": 200, "fetched_at": at}
            )
        for visit in crawl.visits:
            article = visit.article
            fetched_at = moment(visit.at).isoformat()
            if visit.gone:
                records.append(
                    {
                        "type": "gone",
                        "url": visit.url,
                        "status": 404,
                        "fetched_at": fetched_at,
                        "article_id": article.article_id if article.n >= 0 else None,
                        "warc": visit.warc(crawl.crawl_id),
                    }
                )
                continue
            assert visit.version is not None
            requested = visit.moved_from or visit.url
            record: dict[str, Any] = {
                "type": "article",
                "url": visit.url,
                "requested_url": requested,
                "redirect_urls": [visit.moved_from] if visit.moved_from else [],
                "status": 200,
                "fetched_at": fetched_at,
                "title": visit.version.title,
                "category": article.category,
                "updated_on": visit.version.updated_on,
                "views": visit.views,
                "lede": article.lede,
                "body": "\n\n".join(visit.version.body),
                "images": [dict(image) for image in article.images],
                "author": article.author,
                "problems": [],
                "rendered": False,
                "render_reason": None,
                "warc": visit.warc(crawl.crawl_id),
                "key": article.key,
                "redirect_keys": [article.key] if visit.moved_from else [],
            }
            if visit.views is None:
                record["views_missing_reason"] = "not_extracted"
            records.append(record)
        return records

    def run_final(self, slots: Sequence[CrawlSlot]) -> None:
        """The last crawls through ``MongoArchiveStore.write_batch`` (see the module doc)."""
        db, built, log = self.db, self.built, self.log
        figures: dict[str, Any] = {"crawls": []}
        self.final_figures = figures
        mismatched = 0
        for slot in slots:
            index = len(built.crawls)
            crawl = self.plan_crawl(index, slot)
            built.crawls.append(crawl)
            if crawl.mode == "full":
                self.last_full = crawl
            db[CRAWLS].insert_one(
                {
                    "_id": crawl.crawl_id,
                    "site": SITE,
                    "mode": crawl.mode,
                    "start_url": BASE_URL + "/",
                    "started_at": moment(crawl.start),
                    "finished_at": None,
                    "counts": {},
                    "problems": [],
                    "status": "running",
                }
            )
            store = MongoArchiveStore(self.uri, db.name, site=SITE)
            try:
                begun = time.perf_counter()
                store.begin_crawl(crawl.mode, BASE_URL + "/", crawl_id=crawl.crawl_id)
                begin_seconds = time.perf_counter() - begun
                planned = time.perf_counter()
                plan = store.load_plan(crawl.mode, moment(crawl.start))
                plan_seconds = time.perf_counter() - planned
                due = {article_id for article_id, _ in plan.due}
                if crawl.mode == "incremental" and due != crawl.due_known:
                    mismatched += len(due ^ crawl.due_known)
                records = self.records_of(crawl)
                expected_changed = 0
                for visit in crawl.visits:
                    before_revision = visit.article.revision
                    was_new = visit.article.n < 0
                    self.observe(crawl, visit, feed_series=False)
                    if not was_new and not visit.gone:
                        expected_changed += int(visit.article.revision != before_revision)
                result = None
                written = time.perf_counter()
                for start in range(0, len(records), WRITE_BATCH):
                    part = store.write_batch(crawl.crawl_id, records[start : start + WRITE_BATCH])
                    if result is None:
                        result = part
                    else:
                        result += part
                write_seconds = time.perf_counter() - written
                state = store.state()
                finish = moment(crawl.finish)
                state.save(crawl.crawl_id, finish, day=True)
                total, counted = state.series.total()
                counts = {
                    name: int(value)
                    for name, value in (result.__dict__ if result else {}).items()
                    if isinstance(value, int)
                }
                counts["pages"] = len(records) - sum(1 for r in records if r["type"] == "gone")
                db[CRAWLS].update_one(
                    {"_id": crawl.crawl_id},
                    {
                        "$set": {
                            "status": "finished",
                            "finished_at": finish,
                            "counts": counts,
                            "views_total": total,
                            "articles_counted": counted,
                            "article_records": counts.get("articles", 0),
                            "article_pages": len(crawl.visits),
                        }
                    },
                )
            finally:
                store.close()
            article_records = sum(1 for r in records if r["type"] == "article")
            figures["crawls"].append(
                {
                    "crawl_id": crawl.crawl_id,
                    "mode": crawl.mode,
                    "records": len(records),
                    "article_records": article_records,
                    "seconds": round(write_seconds, 2),
                    "records_per_s": round(len(records) / write_seconds, 1)
                    if write_seconds
                    else None,
                    "begin_crawl_seconds": round(begin_seconds, 3),
                    "load_plan_seconds": round(plan_seconds, 3),
                    "due": len(due),
                    "changed": counts.get("changed"),
                    "changed_expected": expected_changed,
                    "new": counts.get("new"),
                    "removed": counts.get("removed"),
                    "moved": counts.get("moved"),
                }
            )
            log(
                f"    {crawl.mode} crawl {crawl.crawl_id}: {len(records)} records through "
                f"write_batch in {write_seconds:.1f} s"
            )
        figures["plan_due_mismatches"] = mismatched
        full = [c for c in figures["crawls"] if c["mode"] == "full"]
        if full:
            figures["full"] = full[-1]

    def empty_sample(self) -> dict[str, Any]:
        """``write_batch`` of the first records of the last full crawl into an empty
        database of the same server: every record a new article."""
        crawl = self.last_full
        if crawl is None:
            return {}
        records = [r for r in self.records_of(crawl) if r["type"] == "article"]
        records = records[: self.spec.empty_sample]
        name = f"{self.db.name}_empty"
        self.db.client.drop_database(name)
        store = MongoArchiveStore(self.uri, name, site=SITE)
        try:
            store.ensure_indexes()
            crawl_id = store.begin_crawl("full", BASE_URL + "/")
            started = time.perf_counter()
            for start in range(0, len(records), WRITE_BATCH):
                store.write_batch(crawl_id, records[start : start + WRITE_BATCH])
            seconds = time.perf_counter() - started
        finally:
            store.close()
            self.db.client.drop_database(name)
        return {
            "records": len(records),
            "seconds": round(seconds, 2),
            "records_per_s": round(len(records) / seconds, 1) if seconds else None,
        }


def build_archive(
    db: Db,
    uri: str,
    spec: ArchiveSpec,
    *,
    end: dt.datetime | None = None,
    log: Callable[[str], None] = lambda message: None,
) -> BuiltArchive:
    """Build ``spec``'s archive into the empty database ``db`` at ``uri`` (see the module
    doc); the history ends at ``end`` (default: now, to the minute)."""
    started = time.perf_counter()
    builder = Builder(db, uri, spec, end or dt.datetime.now(UTC), log)
    built = builder.run()
    built.timings["total_seconds"] = round(time.perf_counter() - started, 1)
    return built
