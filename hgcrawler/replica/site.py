"""The replica's model: which articles exist on a given day, and what they say.

Everything is a pure function of ``(seed, articles, day, article id)``; nothing
is stored per article. An article's base text comes from
``random.Random(f"{seed}:{id}")`` over the text bank in :mod:`.content`; the
day's events (publications, edits, deletions, moves) come from one generator
per day, replayed from day 2 onwards. Only small per-day lists of integers are
cached, plus, with ``url_scheme="slugs"``, the slug of every article (assigned
lazily in publication order, since a clash gives the later article "-2") and the
URLs of moved articles.

The options (URL scheme, theme schedule, counters, maintenance) are fixed at
construction; the maintenance placeholder can also be switched at run time.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import hashlib
import math
import random
import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Final

from . import content

# --------------------------------------------------------------------------
# Fixed parameters of the time model
# --------------------------------------------------------------------------
#: Calendar date of day 1.
DAY_ONE: Final = dt.date(2021, 3, 19)
#: Id of the newest article published by day 1; older ones count down from it.
NEWEST_INITIAL_ID: Final = 40000
#: Articles published per day before day 1 (so day-1 articles span back in time).
INITIAL_PER_DAY: Final = 5
#: The article rebuilt from the real page: 8th newest on day 1, dated 18/03/2021.
SEED_ARTICLE_ID: Final = NEWEST_INITIAL_ID - 7
#: Views of the seed article on day 1 (as on the real page).
SEED_VIEWS_DAY_ONE: Final = 361
#: Site-wide visit counter on day 1.
VISITS_DAY_ONE: Final = 1_234_567

#: Variants per block of VARIANT_PERIOD consecutive ids (the rest are "plain").
VARIANT_PERIOD: Final = 60
VARIANT_COUNTS: Final[dict[str, int]] = {
    "nfd": 2,
    "thousands": 3,
    "split_meta": 3,
    "short_date": 2,
    "no_views": 2,
    "js": 2,
    "js_slow": 1,
    "js_fails": 1,
    "table": 3,
    "malformed_truncated": 1,
    "malformed_no_title": 1,
    "malformed_bad_date": 1,
}
VARIANTS: Final = ("plain", *VARIANT_COUNTS)
JS_COUNTERS: Final[dict[str, str]] = {"js": "ok", "js_slow": "slow", "js_fails": "fails"}
#: Variants whose static HTML carries no view count.
NO_STATIC_VIEWS: Final = frozenset({"no_views", "js", "js_slow", "js_fails"})
#: Variants shown with a dot as thousands separator ("1.234").
DOTTED_VIEWS: Final = frozenset({"thousands", "split_meta"})

#: Layout drifts: "Số lần xem" renamed, "Cập nhật vào ngày" renamed, lede and body gone.
DRIFTS: Final = (None, "no_views", "no_date", "no_body")

#: Number of recent articles the "Tin đọc nhiều" ranking looks at.
MOST_READ_WINDOW: Final = 200

#: Article URL schemes: "/{category}/{slug}-{id}.html" or "/tin-tuc/{slug}.html".
URL_SCHEMES: Final = ("ids", "slugs")
#: Which moves leave a 301 at the old URL: every one, or about half (the rest: 404).
REDIRECT_MOVES: Final = ("all", "half")
#: Slug endings per block of VARIANT_PERIOD ids under the "slugs" scheme.
SLUG_TAIL_COUNTS: Final[dict[str, int]] = {"year": 14, "ordinal": 6, "date": 6, "recurring": 6}
#: Words kept in a slug under the "slugs" scheme (long enough for every title).
SLUG_MAX_WORDS: Final = 40
#: Folder of every article under the "slugs" scheme.
SLUG_FOLDER: Final = "/tin-tuc/"
#: Folder of moved articles whose slug an editor shortened ("slugs" scheme).
MOVED_SLUG_FOLDER: Final = "/bai-viet/"
SLUG_PATH: Final = re.compile(r"^/tin-tuc/([a-z0-9-]+)\.html$")
#: Where every article lives from ``relocate_from_day``: a new CMS's short letter code.
RELOCATED_FOLDER: Final = "/tin-bai/"
RELOCATED_PATH: Final = re.compile(r"^/tin-bai/([a-z]+)\.html$")

#: Page templates: the portal as captured, after a redesign, another province's portal,
#: and other CMS shapes (:mod:`.themes`): a labelled byline after the body, a bare
#: upper-case byline and a source line, a byline above the body, a byline of initials.
THEMES: Final = ("classic", "redesign", "province2", "nukeviet", "sharepoint", "joomla", "initials")
#: Themes that credit local news to a source ("Nguồn: …"), besides national news.
LOCAL_SOURCE_THEMES: Final = frozenset({"nukeviet", "sharepoint", "joomla", "initials"})
#: Themes that print the author in capitals (the reader sees "HOÀNG Ý").
UPPERCASE_BYLINE_THEMES: Final = frozenset({"sharepoint"})

#: View counters: as captured ("mixed"), or filled by an external script ("script").
COUNTER_MODES: Final = ("mixed", "script")
#: What the old counter handler does after ``counter_endpoint_break_day``.
COUNTER_BREAKS: Final = ("404", "stale")
#: The JSON API the inline scripts of the js variants call.
VIEWS_API_PATH: Final = "/api/luot-xem"
#: The external script of ``counters="script"`` pages (the same on every page).
COUNTER_SCRIPT_PATH: Final = "/DesktopModules/News/counter.js"
#: The handler counter.js calls, before and from ``counter_endpoint_break_day``.
COUNTER_HANDLER_PATH: Final = "/DesktopModules/News/ViewCount.ashx"
COUNTER_HANDLER_NEW_PATH: Final = "/DesktopModules/News/ViewCount2.ashx"

_VN_TO_ASCII = str.maketrans({"đ": "d", "Đ": "D"})


def slugify(text: str, max_words: int = 12) -> str:
    """ASCII, hyphenated slug of a Vietnamese title (as the CMS builds URLs)."""
    ascii_text = unicodedata.normalize("NFD", text.translate(_VN_TO_ASCII))
    ascii_text = "".join(ch for ch in ascii_text if not unicodedata.combining(ch))
    words = "".join(ch if ch.isalnum() else " " for ch in ascii_text.lower()).split()
    return "-".join(words[:max_words])


def collapse(text: str) -> str:
    """NFC, whitespace collapsed to single spaces, stripped."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def calendar_date(day: int) -> dt.date:
    """Calendar date of a replica day (day 1 is DAY_ONE; days may be <= 0)."""
    return DAY_ONE + dt.timedelta(days=day - 1)


def _mix(*parts: object) -> int:
    """A stable 64-bit hash of the parts (independent of PYTHONHASHSEED)."""
    key = ":".join(str(part) for part in parts).encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big")


def _check_choice(name: str, value: object, choices: Sequence[object]) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {tuple(choices)}, got {value!r}")


def _theme_schedule(
    theme: str, from_day: int | None, schedule: Sequence[tuple[int, str]] | None
) -> tuple[tuple[int, str], ...]:
    """``(first day, theme)`` pairs in day order from the constructor's theme arguments."""
    if schedule is not None:
        if theme != "classic" or from_day is not None:
            raise ValueError("give either theme_schedule or theme/theme_from_day, not both")
        pairs = sorted((int(day), name) for day, name in schedule)
    else:
        pairs = [(from_day or 1, theme)]
    for day, name in pairs:
        _check_choice("theme", name, THEMES)
        if day < 1:
            raise ValueError(f"theme days must be >= 1, got {day}")
    if len({day for day, _ in pairs}) != len(pairs):
        raise ValueError(f"two themes start on the same day: {pairs}")
    return tuple(pairs)


def _claim(base: str, taken: dict[str, int], next_numbers: dict[str, int]) -> str:
    """``base``, or the CMS's ``base-2``, ``base-3``... if it is already taken."""
    if base not in taken:
        return base
    number = next_numbers.get(base, 2)
    while f"{base}-{number}" in taken:
        number += 1
    next_numbers[base] = number + 1
    return f"{base}-{number}"


def _growth(age_days: int) -> float:
    """Views multiplier after ``age_days``: fast at first, then logarithmic."""
    return 1.0 + math.log1p(max(age_days, 0))


@dataclass(frozen=True)
class ArticleTruth:
    """What an article is, and what a reader sees of it, on the current day."""

    id: int
    url: str
    category: str
    title: str
    published_day: int
    updated_on: dt.date
    views: int | None
    views_in_static_html: bool
    js_counter: str
    lede: str
    body: list[str]
    images: list[tuple[str, str]]
    author: str | None
    #: the source credit the page shows ("Theo TTXVN" shows "TTXVN"), None without one
    source: str | None
    status: str
    old_url: str | None
    revision: int
    variant: str
    malformed: bool
    #: moved articles: the old URL answers 301 (True) or 404 (False); False unless moved
    old_url_redirects: bool
    #: ``updated_on`` with the time of day the redesigned templates show
    updated_at: dt.datetime
    #: path and query a browser fetches to fill the counter (None: no script counter)
    counter_url: str | None

    def absolute_url(self, base_url: str) -> str:
        """``url`` joined to a server's ``base_url``."""
        return base_url.rstrip("/") + self.url

    def absolute_old_url(self, base_url: str) -> str | None:
        """``old_url`` joined to ``base_url`` (None unless moved)."""
        return None if self.old_url is None else base_url.rstrip("/") + self.old_url


@dataclass(frozen=True)
class _BaseArticle:
    """The text of an article as first published (before any edit)."""

    id: int
    category_index: int
    published_day: int
    url: str
    title: str
    lede: str
    body: tuple[str, ...]
    images: tuple[tuple[str, str], ...]
    image_slots: tuple[int, ...]
    wrappers: tuple[tuple[str, str], ...]
    author: str | None
    source: str | None
    local_source: str | None
    comments: tuple[tuple[str, int, str], ...]
    variant: str
    popularity: float
    context: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ArticleView:
    """Everything the page template needs for one article on one day."""

    truth: ArticleTruth
    category_slug: str
    image_slots: tuple[int, ...]
    wrappers: tuple[tuple[str, str], ...]
    comments: tuple[tuple[str, dt.date, str], ...]
    date_text: str
    views_text: str
    current_views: int
    time_text: str


@dataclass
class _DayEvents:
    edits: list[tuple[int, str]] = field(default_factory=list)
    deletes: list[int] = field(default_factory=list)
    moves: list[int] = field(default_factory=list)


@dataclass
class DayState:
    """The site on one day: which ids are live, deleted, moved, edited."""

    day: int
    max_id: int
    deleted: dict[int, int]
    moved: dict[int, int]
    edits: dict[int, list[tuple[int, str]]]
    live_by_category: list[list[int]]
    newest: list[int]
    most_read: list[int]
    visits: int


class ReplicaSite:
    """A deterministic model of the portal, moving forward one day at a time."""

    def __init__(
        self,
        articles: int = 200,
        day: int = 1,
        seed: int = 0,
        *,
        faults: bool = False,
        drift: str | None = None,
        url_scheme: str = "ids",
        redirect_moves: str | None = None,
        theme: str = "classic",
        theme_from_day: int | None = None,
        theme_schedule: Sequence[tuple[int, str]] | None = None,
        counters: str = "mixed",
        counter_endpoint_break_day: int | None = None,
        counter_break: str = "404",
        maintenance_from_day: int | None = None,
        relocate_from_day: int | None = None,
        article_404_from_day: int | None = None,
    ) -> None:
        if not 1 <= articles < NEWEST_INITIAL_ID:
            raise ValueError(f"articles must be in 1..{NEWEST_INITIAL_ID - 1}, got {articles}")
        if day < 1:
            raise ValueError(f"day must be >= 1, got {day}")
        if drift not in DRIFTS:
            raise ValueError(f"drift must be one of {DRIFTS}, got {drift!r}")
        _check_choice("url_scheme", url_scheme, URL_SCHEMES)
        if redirect_moves is None:
            redirect_moves = "half" if url_scheme == "slugs" else "all"
        _check_choice("redirect_moves", redirect_moves, REDIRECT_MOVES)
        _check_choice("counters", counters, COUNTER_MODES)
        _check_choice("counter_break", counter_break, COUNTER_BREAKS)
        for name, value in (
            ("theme_from_day", theme_from_day),
            ("counter_endpoint_break_day", counter_endpoint_break_day),
            ("maintenance_from_day", maintenance_from_day),
            ("relocate_from_day", relocate_from_day),
            ("article_404_from_day", article_404_from_day),
        ):
            if value is not None and value < 1:
                raise ValueError(f"{name} must be >= 1, got {value}")
        if counter_endpoint_break_day is not None and counters != "script":
            raise ValueError('counter_endpoint_break_day needs counters="script"')
        #: serve the fault endpoints of :mod:`.faults` (linked from the home page)
        self.faults = faults
        #: a layout drift of every article page: a label renamed or the text gone
        self.drift = drift
        #: "ids" (``/{category}/{slug}-{id}.html``) or "slugs" (``/tin-tuc/{slug}.html``)
        self.url_scheme = url_scheme
        #: "all": every moved article's old URL answers 301; "half": about half answer 404
        self.redirect_moves = redirect_moves
        #: ``(first day, theme)`` in day order; days before the first use "classic"
        self.theme_schedule = _theme_schedule(theme, theme_from_day, theme_schedule)
        #: "mixed" (static counts plus a few inline-script variants) or "script"
        self.counters = counters
        #: from this day counter.js calls ViewCount2.ashx; the old handler breaks
        self.counter_endpoint_break_day = counter_endpoint_break_day
        #: what the old handler answers from the break day: "404" or the day-before count
        self.counter_break = counter_break
        #: from this day every page is the "Trang đang bảo trì" placeholder
        self.maintenance_from_day = maintenance_from_day
        self._maintenance: bool | None = None
        #: from this day every article lives at a new URL (``/tin-bai/{code}.html``, no id);
        #: every earlier URL answers 404, as after a move to a new CMS
        self.relocate_from_day = relocate_from_day
        #: from this day every article page answers 404 (listings still link them), as a
        #: misconfigured server does
        self.article_404_from_day = article_404_from_day
        self.initial_articles = articles
        self.seed = seed
        self.first_id = NEWEST_INITIAL_ID - articles + 1
        self.categories: list[tuple[str, str]] = list(content.CATEGORIES)
        self._lock = threading.RLock()
        self._day = day
        # _max_id[d] = newest id published by day d (index 0 unused).
        self._max_id: list[int] = [NEWEST_INITIAL_ID, NEWEST_INITIAL_ID]
        self._category_of = bytearray()  # category index per id, from first_id
        self._events: list[_DayEvents] = [_DayEvents(), _DayEvents()]
        self._gen_deleted: set[int] = set()
        self._gen_moved: set[int] = set()
        self._states: OrderedDict[int, DayState] = OrderedDict()
        self._variant_pattern = self._make_variant_pattern()
        self._title_params = [self._title_permutation(i) for i in range(len(self.categories))]
        # "slugs" scheme: slug per id (from first_id, built lazily in id order), slug -> id,
        # and the URLs of moved articles (registered when the move is generated).
        self._tail_pattern = self._make_tail_pattern()
        self._slugs: list[str] = []
        self._slug_ids: dict[str, int] = {}
        self._slug_ordinals = [0] * len(self.categories)
        self._slug_next: dict[str, int] = {}
        self._move_urls: dict[int, str] = {}
        self._short_slugs: dict[str, int] = {}
        self._short_next: dict[str, int] = {}
        self._moved_paths: dict[str, int] = {}
        self._base = functools.lru_cache(maxsize=4096)(self._compose)
        self._extend_to(day)

    # ------------------------------------------------------------------ time
    @property
    def day(self) -> int:
        return self._day

    def set_day(self, day: int) -> None:
        """Move the site to ``day`` (forward or back). Thread-safe."""
        if day < 1:
            raise ValueError(f"day must be >= 1, got {day}")
        with self._lock:
            self._extend_to(day)
            self._day = day

    def theme_on(self, day: int | None = None) -> str:
        """The page template the portal uses on ``day`` (default: the current day)."""
        day = self._day if day is None else day
        theme = "classic"
        for first_day, scheduled in self.theme_schedule:
            if first_day <= day:
                theme = scheduled
        return theme

    def in_maintenance(self, day: int | None = None) -> bool:
        """Whether every page is the maintenance placeholder on ``day``."""
        if self._maintenance is not None:
            return self._maintenance
        start = self.maintenance_from_day
        return start is not None and (self._day if day is None else day) >= start

    def set_maintenance(self, on: bool | None) -> None:
        """Force the maintenance placeholder on or off; None follows ``maintenance_from_day``."""
        self._maintenance = on

    def relocated(self, day: int | None = None) -> bool:
        """Whether every article lives at its new URL on ``day`` (``relocate_from_day``)."""
        day = self._day if day is None else day
        return self.relocate_from_day is not None and day >= self.relocate_from_day

    def articles_answer_404(self, day: int | None = None) -> bool:
        """Whether every article page answers 404 on ``day`` (``article_404_from_day``)."""
        day = self._day if day is None else day
        return self.article_404_from_day is not None and day >= self.article_404_from_day

    @staticmethod
    def relocated_path(article_id: int) -> str:
        """An article's URL from ``relocate_from_day``: its id as letters (``a`` is 0)."""
        code = ""
        number = article_id
        while True:
            number, digit = divmod(number, 26)
            code = chr(ord("a") + digit) + code
            if number == 0:
                break
        return f"{RELOCATED_FOLDER}{code}.html"

    @staticmethod
    def relocated_id(path: str) -> int | None:
        """The article id a relocated URL names, or None for another path."""
        match = RELOCATED_PATH.match(path)
        if match is None:
            return None
        number = 0
        for letter in match.group(1):
            number = number * 26 + ord(letter) - ord("a")
        return number

    def counter_handler(self, day: int | None = None) -> str:
        """The handler path counter.js calls on ``day`` (``counters="script"``)."""
        day = self._day if day is None else day
        broken = self.counter_endpoint_break_day
        if broken is not None and day >= broken:
            return COUNTER_HANDLER_NEW_PATH
        return COUNTER_HANDLER_PATH

    def date(self, day: int | None = None) -> dt.date:
        """Calendar date of ``day`` (default: the current day)."""
        return calendar_date(self._day if day is None else day)

    @property
    def seed_article_id(self) -> int | None:
        """Id of the article rebuilt from the real page (None on tiny sites)."""
        return SEED_ARTICLE_ID if self.first_id <= SEED_ARTICLE_ID else None

    def max_id(self, day: int) -> int:
        with self._lock:
            self._extend_to(day)
            return self._max_id[day]

    def published_day(self, article_id: int) -> int:
        if article_id <= NEWEST_INITIAL_ID:
            return 1 - (NEWEST_INITIAL_ID - article_id) // INITIAL_PER_DAY
        with self._lock:
            if article_id > self._max_id[-1]:
                raise KeyError(article_id)
            return bisect.bisect_left(self._max_id, article_id, lo=2)

    def _published_per_day(self, day: int) -> int:
        return 3 + _mix(self.seed, self.initial_articles, "publish", day) % 6

    def _extend_to(self, day: int) -> None:
        """Compute publication counts, categories and events up to ``day``."""
        with self._lock:
            while len(self._max_id) <= day:
                d = len(self._max_id)
                self._max_id.append(self._max_id[-1] + self._published_per_day(d))
            newest = self._max_id[day]
            have = self.first_id + len(self._category_of) - 1
            if newest > have:
                self._category_of.extend(
                    self._pick_category(i) for i in range(have + 1, newest + 1)
                )
            while len(self._events) <= day:
                self._events.append(self._make_events(len(self._events)))

    # ------------------------------------------------------------ variants
    def _make_variant_pattern(self) -> tuple[str, ...]:
        pattern = ["plain"] * VARIANT_PERIOD
        slots = [v for v, n in VARIANT_COUNTS.items() for _ in range(n)]
        pattern[: len(slots)] = slots
        random.Random(f"{self.seed}:variants").shuffle(pattern)
        seed_slot = SEED_ARTICLE_ID % VARIANT_PERIOD
        if pattern[seed_slot] != "plain":  # the seed article stays plain
            swap = pattern.index("plain")
            pattern[seed_slot], pattern[swap] = pattern[swap], pattern[seed_slot]
        return tuple(pattern)

    def _make_tail_pattern(self) -> tuple[str, ...]:
        pattern = ["plain"] * VARIANT_PERIOD
        slots = [kind for kind, n in SLUG_TAIL_COUNTS.items() for _ in range(n)]
        pattern[: len(slots)] = slots
        random.Random(f"{self.seed}:slug-tails").shuffle(pattern)
        return tuple(pattern)

    def variant(self, article_id: int) -> str:
        if article_id == SEED_ARTICLE_ID:
            return "plain"
        return self._variant_pattern[article_id % VARIANT_PERIOD]

    # ---------------------------------------------------------- categories
    def _pick_category(self, article_id: int) -> int:
        if article_id == SEED_ARTICLE_ID:
            return 0
        roll = _mix(self.seed, "category", article_id) % 100
        for index, weight in enumerate(content.CATEGORY_WEIGHTS):
            if roll < weight:
                return index
            roll -= weight
        return 0

    def category_index(self, article_id: int) -> int:
        return self._category_of[article_id - self.first_id]

    def category_slug(self, index: int) -> str:
        return self.categories[index][0]

    # --------------------------------------------------------------- titles
    def _title_permutation(self, index: int) -> tuple[int, int, int]:
        slug = self.categories[index][0]
        size = len(content.TITLE_TEMPLATES[slug]) * len(content.TOPICS[slug])
        size *= len(self._places(slug))
        step = int(size * 0.6180339887) | 1
        while math.gcd(step, size) != 1:
            step += 2
        return size, step, _mix(self.seed, "titles", slug) % size

    @staticmethod
    def _places(slug: str) -> tuple[str, ...]:
        return content.PROVINCES if slug == "tin-trong-nuoc" else content.LOCALITIES

    def _title_parts(self, article_id: int, ordinal: int | None = None) -> tuple[str, str, str]:
        """(title, place, topic): unique by construction within the site.

        ``ordinal`` (articles of the same category before this id) is counted if not given.
        """
        index = self.category_index(article_id)
        slug = self.categories[index][0]
        if ordinal is None:
            ordinal = self._category_of.count(index, 0, article_id - self.first_id)
        size, step, shift = self._title_params[index]
        code = (ordinal * step + shift) % size
        templates, topics = content.TITLE_TEMPLATES[slug], content.TOPICS[slug]
        places = self._places(slug)
        template = templates[code % len(templates)]
        code //= len(templates)
        topic = topics[code % len(topics)]
        place = places[code // len(topics)]
        title = template.format(place=place, Place=place[0].upper() + place[1:], x=topic)
        if ordinal >= size:  # only on very large sites
            title += f" (kỳ {ordinal // size + 1})"
        return title, place, topic

    # ------------------------------------------------------- "slugs" scheme
    def _scheme_title(self, article_id: int, title: str, year: int) -> str:
        """The title under the URL scheme: with the "slugs" scheme many titles end in a
        year, an ordinal or an anniversary, and some are recurring titles (duplicates)."""
        if self.url_scheme != "slugs" or article_id == SEED_ARTICLE_ID:
            return title
        kind = self._tail_pattern[article_id % VARIANT_PERIOD]
        roll = _mix(self.seed, "slug-tail", article_id)
        if kind == "year":
            return f"{title} năm {year}"
        if kind == "ordinal":
            return f"{title} lần thứ {content.SLUG_ORDINALS[roll % len(content.SLUG_ORDINALS)]}"
        if kind == "date":
            day, month = content.SLUG_HOLIDAYS[roll % len(content.SLUG_HOLIDAYS)]
            phrases = content.SLUG_HOLIDAY_PHRASES
            return f"{title} {phrases[roll // 1000 % len(phrases)]} {day}/{month}"
        if kind == "recurring":
            return content.RECURRING_TITLES[roll % len(content.RECURRING_TITLES)]
        return title

    def _ensure_slugs(self, upto: int) -> None:
        """Assign slugs (in publication order, "-2", "-3"... on clashes) up to id ``upto``."""
        with self._lock:
            first = self.first_id
            if upto < first + len(self._slugs):
                return
            self._extend_ids(upto)  # may register moves, which assign slugs themselves
            next_id = first + len(self._slugs)
            ordinals = self._slug_ordinals
            for article_id in range(next_id, upto + 1):
                index = self._category_of[article_id - first]
                if article_id == SEED_ARTICLE_ID:
                    title = collapse(content.SEED_TITLE)
                else:
                    title = self._title_parts(article_id, ordinals[index])[0]
                    year = calendar_date(self.published_day(article_id)).year
                    title = self._scheme_title(article_id, title, year)
                ordinals[index] += 1
                slug = _claim(slugify(title, SLUG_MAX_WORDS), self._slug_ids, self._slug_next)
                self._slugs.append(slug)
                self._slug_ids[slug] = article_id

    def _extend_ids(self, upto: int) -> None:
        """Extend days (and categories) until id ``upto`` is published."""
        while self._max_id[-1] < upto:
            self._extend_to(len(self._max_id))

    def slug(self, article_id: int) -> str:
        """The slug of an article under the "slugs" scheme."""
        self._ensure_slugs(article_id)
        return self._slugs[article_id - self.first_id]

    def _register_move(self, article_id: int) -> None:
        """Pick the new URL of an article moved under the "slugs" scheme."""
        slug = self.slug(article_id)
        if _mix(self.seed, "move", article_id) % 2:  # a new category folder
            category = self.categories[self._category_of[article_id - self.first_id]][0]
            path = f"/{category}/{slug}.html"
        else:  # an editor shortened the slug (to at most 6 words, always fewer than before)
            words = slug.split("-")
            short = "-".join(words[: max(1, min(6, len(words) - 1))])
            short = _claim(short, self._short_slugs, self._short_next)
            self._short_slugs[short] = article_id
            path = f"{MOVED_SLUG_FOLDER}{short}.html"
        self._move_urls[article_id] = path
        self._moved_paths[path] = article_id

    def article_for_path(self, path: str, day: int | None = None) -> int | None:
        """Id of the article a "slugs"-scheme path names (current or old URL), if any."""
        day = self._day if day is None else day
        with self._lock:
            self._extend_to(day)
            moved = self._moved_paths.get(path)
            if moved is not None:
                return moved
            match = SLUG_PATH.match(path)
            if match is None:
                return None
            self._ensure_slugs(self._max_id[day])
            return self._slug_ids.get(match.group(1))

    def old_url_redirects(self, article_id: int) -> bool:
        """Whether the old URL answers 301 once the article is moved."""
        return self.redirect_moves == "all" or _mix(self.seed, "redirect", article_id) % 2 == 0

    # ---------------------------------------------------------- composition
    def _compose(self, article_id: int) -> _BaseArticle:
        """The article as first published: a pure function of (seed, id)."""
        index = self.category_index(article_id)
        slug = self.categories[index][0]
        published = self.published_day(article_id)
        pub_date = calendar_date(published)
        variant = self.variant(article_id)
        if article_id == SEED_ARTICLE_ID:
            return self._compose_seed(index, published)
        rng = random.Random(f"{self.seed}:{article_id}")
        title, place, topic = self._title_parts(article_id)
        title = self._scheme_title(article_id, title, pub_date.year)
        person, position = content.OFFICIALS[rng.choice(content.OFFICIALS_BY_CATEGORY[slug])]
        actor = rng.choice(content.ACTORS[slug])
        context = {
            "place": place,
            "x": topic,
            "person": person,
            "position": position,
            "actor": actor,
            "year": str(pub_date.year),
        }
        event_date = pub_date - dt.timedelta(days=rng.choice((0, 1, 1, 2)))
        when = rng.choice(("Sáng", "Chiều", "Ngày"))
        event_day = f"{event_date.day}/{event_date.month}/{event_date.year}"
        lede = (
            f"{when} ngày {event_day}, tại {place}, {actor} {rng.choice(content.EVENTS)} "
            f"về {topic}."
        )
        if rng.random() < 0.7 and slug != "tin-trong-nuoc":
            lede += f" Dự và chủ trì có đồng chí {person}, {position}."
        paragraphs = rng.randint(2, 6)
        pool = list(content.SENTENCES) + list(content.CATEGORY_SENTENCES[slug])
        sentences = rng.sample(pool, paragraphs * 5)
        body = []
        for n in range(paragraphs):
            chosen = sentences[n * 5 : n * 5 + rng.randint(2, 5)]
            body.append(" ".join(self._fill(s, rng, context) for s in chosen))
        image_count = rng.choices((0, 1, 2, 3), weights=(25, 40, 25, 10))[0]
        numbers = rng.sample(range(100, 9999), image_count)
        images, slots = [], []
        for k, number in enumerate(numbers):
            name = rng.choice(
                (f"{number}..jpg", f"{number}.jpg", f"IMG_{number}.JPG", f"DSC_{number:04d}.jpg")
            )
            caption = rng.choice(content.CAPTIONS).format(**context)
            images.append((f"/Uploads/images/{pub_date.year}/{name}", caption))
            slots.append(0 if k == 0 else rng.randint(1, max(1, paragraphs - 1)))
        slots.sort()
        wrappers = tuple(rng.choice(content.PARAGRAPH_WRAPPERS) for _ in body)
        source: str | None = None
        if slug == "tin-trong-nuoc" and rng.random() < 0.7:
            author: str | None = None
            source = rng.choice(content.NATIONAL_SOURCES)
        else:
            author = rng.choice(content.AUTHORS) if rng.random() < 0.85 else None
        roll_source = _mix(self.seed, "source", article_id)
        local_source = (
            content.LOCAL_SOURCES[roll_source // 3 % len(content.LOCAL_SOURCES)]
            if source is None and roll_source % 3 == 0
            else None
        )
        comment_count = rng.choices((0, 1, 2, 3), weights=(50, 25, 15, 10))[0]
        comments = tuple(
            (rng.choice(content.COMMENTERS), rng.randint(0, 3), rng.choice(content.COMMENTS))
            for _ in range(comment_count)
        )
        roll = _mix(self.seed, "popularity", article_id) % 10_000 / 10_000
        popularity = 1000 + 2000 * roll if variant == "thousands" else 40 * math.exp(2.5 * roll)
        if variant == "malformed_truncated":
            # The page is cut halfway through a paragraph: the reader sees this.
            cut = rng.randint(1, paragraphs - 1)
            words = body[cut].split()
            body = [*body[:cut], " ".join(words[: max(1, len(words) // 2)])]
            kept = [k for k, s in enumerate(slots) if s <= cut]
            images = [images[k] for k in kept]
            slots = [slots[k] for k in kept]
            wrappers = wrappers[: len(body)]
            author, source, local_source, comments = None, None, None, ()
        return _BaseArticle(
            id=article_id,
            category_index=index,
            published_day=published,
            url=self._base_url(article_id, slug, title),
            title=title,
            lede=lede,
            body=tuple(body),
            images=tuple(images),
            image_slots=tuple(slots),
            wrappers=wrappers,
            author=author,
            source=source,
            local_source=local_source,
            comments=comments,
            variant=variant,
            popularity=popularity,
            context=tuple(context.items()),
        )

    def _compose_seed(self, index: int, published: int) -> _BaseArticle:
        title = collapse(content.SEED_TITLE)
        slug = self.categories[index][0]
        return _BaseArticle(
            id=SEED_ARTICLE_ID,
            category_index=index,
            published_day=published,
            url=self._base_url(SEED_ARTICLE_ID, slug, title),
            title=title,
            lede=collapse(content.SEED_LEDE),
            body=tuple(collapse(p) for p in content.SEED_BODY),
            images=((f"/Uploads/images/2021/{content.SEED_IMAGE_FILE}", content.SEED_CAPTION),),
            image_slots=(0,),
            wrappers=(("", "&nbsp;"), ("", "&nbsp;")),
            author=content.SEED_AUTHOR,
            source=None,
            local_source=None,
            comments=(),
            variant="plain",
            popularity=(SEED_VIEWS_DAY_ONE + 0.5) / _growth(1 - published),
            context=(),
        )

    def _base_url(self, article_id: int, category: str, title: str) -> str:
        if self.url_scheme == "slugs":
            return f"{SLUG_FOLDER}{self.slug(article_id)}.html"
        return f"/{category}/{slugify(title)}-{article_id}.html"

    @staticmethod
    def _fill(sentence: str, rng: random.Random, context: dict[str, str]) -> str:
        return sentence.format(n=rng.randint(12, 950), pct=rng.randint(70, 99), **context)

    def _paragraph(self, rng: random.Random, base: _BaseArticle) -> str:
        slug = self.categories[base.category_index][0]
        pool = list(content.SENTENCES) + list(content.CATEGORY_SENTENCES[slug])
        context = dict(base.context)
        chosen = rng.sample(pool, rng.randint(2, 4))
        return " ".join(self._fill(s, rng, context) for s in chosen)

    # --------------------------------------------------------------- events
    def _make_events(self, day: int) -> _DayEvents:
        """Edits, deletions and moves of ``day`` (none on day 1)."""
        events = _DayEvents()
        if day <= 1:
            return events
        rng = random.Random(f"{self.seed}:{self.initial_articles}:events:{day}")
        newest = self._max_id[day - 1]

        def pick(recent_share: float, allow_malformed: bool, taken: set[int]) -> int | None:
            for _ in range(30):
                if rng.random() < recent_share:
                    candidate = rng.randint(max(self.first_id, newest - 99), newest)
                else:
                    candidate = rng.randint(self.first_id, newest)
                if (
                    candidate == SEED_ARTICLE_ID
                    or candidate in self._gen_deleted
                    or candidate in taken
                    or (not allow_malformed and self.variant(candidate).startswith("malformed"))
                ):
                    continue
                return candidate
            return None

        touched: set[int] = set()
        for _ in range(rng.randint(1, 4)):
            kind = "title" if rng.random() < 0.25 else "body"
            target = pick(0.7, False, touched)
            if target is not None:
                touched.add(target)
                events.edits.append((target, kind))
        for _ in range(rng.choice((0, 0, 1, 1, 2))):
            target = pick(0.5, False, touched | self._gen_moved)
            if target is not None:
                touched.add(target)
                events.moves.append(target)
        for _ in range(rng.choice((0, 1, 1, 2))):
            target = pick(0.5, True, touched)
            if target is not None:
                touched.add(target)
                events.deletes.append(target)
        self._gen_moved.update(events.moves)
        self._gen_deleted.update(events.deletes)
        if self.url_scheme == "slugs":
            for article_id in events.moves:
                self._register_move(article_id)
        return events

    def state(self, day: int | None = None) -> DayState:
        """The (cached) state of the site on ``day``."""
        day = self._day if day is None else day
        with self._lock:
            cached = self._states.get(day)
            if cached is not None:
                self._states.move_to_end(day)
                return cached
            self._extend_to(day)
            state = self._build_state(day)
            self._states[day] = state
            while len(self._states) > 4:
                self._states.popitem(last=False)
            return state

    def _build_state(self, day: int) -> DayState:
        deleted: dict[int, int] = {}
        moved: dict[int, int] = {}
        edits: dict[int, list[tuple[int, str]]] = {}
        visits = VISITS_DAY_ONE
        for d in range(2, day + 1):
            events = self._events[d]
            for article_id, kind in events.edits:
                edits.setdefault(article_id, []).append((d, kind))
            for article_id in events.moves:
                moved[article_id] = d
            for article_id in events.deletes:
                deleted[article_id] = d
            visits += 2500 + _mix(self.seed, "visits", d) % 2500
        max_id = self._max_id[day]
        live_by_category: list[list[int]] = [[] for _ in self.categories]
        category_of = self._category_of
        first = self.first_id
        for article_id in range(first, max_id + 1):
            if article_id not in deleted:
                live_by_category[category_of[article_id - first]].append(article_id)
        live_desc = (i for i in range(max_id, first - 1, -1) if i not in deleted)
        recent = [i for _, i in zip(range(MOST_READ_WINDOW), live_desc, strict=False)]
        most_read = sorted(recent, key=lambda i: (-self._views_on(i, day), -i))[:10]
        return DayState(
            day=day,
            max_id=max_id,
            deleted=deleted,
            moved=moved,
            edits=edits,
            live_by_category=live_by_category,
            newest=recent[:10],
            most_read=most_read,
            visits=visits,
        )

    # ----------------------------------------------------------------- truth
    def _views_on(self, article_id: int, day: int) -> int:
        base = self._base(article_id)
        return int(base.popularity * _growth(day - base.published_day))

    def exists(self, article_id: int, day: int | None = None) -> bool:
        day = self._day if day is None else day
        return self.first_id <= article_id <= self.max_id(day)

    def title_on(self, article_id: int, state: DayState) -> str:
        """The title of an article on the state's day (with any title edits)."""
        base = self._base(article_id)
        kinds = [kind for _, kind in state.edits.get(article_id, ()) if kind == "title"]
        if not kinds:
            return base.title
        suffixes = content.TITLE_EDIT_SUFFIXES
        return base.title + suffixes[(len(kinds) - 1) % len(suffixes)]

    def url_on(self, article_id: int, state: DayState) -> str:
        if self.relocated(state.day):
            return self.relocated_path(article_id)
        base = self._base(article_id)
        if article_id not in state.moved:
            return base.url
        if self.url_scheme == "slugs":
            return self._move_urls[article_id]
        slug = self.categories[base.category_index][0]
        tail = base.url.rsplit("/", 1)[1]
        if _mix(self.seed, "move", article_id) % 2:
            return f"/tin-tuc/{slug}/{tail}"
        when = calendar_date(base.published_day)
        return f"/{slug}/{when.year}/{when.month:02d}/{tail}"

    def view(self, article_id: int, day: int | None = None) -> ArticleView:
        """Truth plus page details of an article; KeyError if not published yet."""
        day = self._day if day is None else day
        if not self.exists(article_id, day):
            raise KeyError(article_id)
        state = self.state(day)
        base = self._base(article_id)
        edits = state.edits.get(article_id, [])
        body = list(base.body)
        for edit_day, kind in edits:
            if kind == "body":
                rng = random.Random(f"{self.seed}:{article_id}:edit:{edit_day}")
                slot = rng.randrange(len(body))
                new = self._paragraph(rng, base)
                while new == body[slot]:
                    new = self._paragraph(rng, base)
                body[slot] = new
        updated_day = edits[-1][0] if edits else base.published_day
        updated_on = calendar_date(updated_day)
        deleted_on = state.deleted.get(article_id)
        shown_day = day if deleted_on is None else deleted_on - 1
        views = self._views_on(article_id, shown_day)
        variant = base.variant
        if article_id in state.deleted:
            status = "deleted"
        elif article_id in state.moved or self.relocated(day):
            status = "moved"
        else:
            status = "live"
        url = self.url_on(article_id, state)
        js_counter = JS_COUNTERS.get(variant, "none")
        if self.counters == "script" and variant not in NO_STATIC_VIEWS:
            js_counter = "external"
        if js_counter == "external":
            counter_url: str | None = f"{self.counter_handler(day)}?ItemID={article_id}"
        elif js_counter != "none":
            counter_url = f"{VIEWS_API_PATH}?id={article_id}"
        else:
            counter_url = None
        moved = url != base.url
        theme = self.theme_on(day)
        author, source = base.author, base.source
        if source is None and theme in LOCAL_SOURCE_THEMES:
            source = base.local_source
        if author is not None and theme in UPPERCASE_BYLINE_THEMES:
            author = author.upper()
        updated_at = dt.datetime.combine(updated_on, self._time_of_day(article_id, updated_day))
        truth = ArticleTruth(
            id=article_id,
            url=url,
            category=self.categories[base.category_index][1],
            title=self.title_on(article_id, state),
            published_day=base.published_day,
            updated_on=updated_on,
            views=None if variant in ("no_views", "js_fails") else views,
            views_in_static_html=js_counter == "none" and variant != "no_views",
            js_counter=js_counter,
            lede=base.lede,
            body=body,
            images=list(base.images),
            author=author,
            source=source,
            status=status,
            old_url=base.url if moved else None,
            revision=1 + len(edits),
            variant=variant,
            malformed=variant.startswith("malformed"),
            old_url_redirects=moved
            and not self.relocated(day)
            and self.old_url_redirects(article_id),
            updated_at=updated_at,
            counter_url=counter_url,
        )
        if variant == "short_date":
            date_text = f"{updated_on.day}/{updated_on.month}/{updated_on.year}"
        elif variant == "malformed_bad_date":
            date_text = f"32/13/{updated_on.year}"
        else:
            date_text = updated_on.strftime("%d/%m/%Y")
        views_text = f"{views:,}".replace(",", ".") if variant in DOTTED_VIEWS else str(views)
        today = calendar_date(day)
        pub_date = calendar_date(base.published_day)
        comments = tuple(
            (name, pub_date + dt.timedelta(days=offset), text)
            for name, offset, text in base.comments
            if pub_date + dt.timedelta(days=offset) <= today
        )
        return ArticleView(
            truth=truth,
            category_slug=self.categories[base.category_index][0],
            image_slots=base.image_slots,
            wrappers=base.wrappers,
            comments=comments,
            date_text=date_text,
            views_text=views_text,
            current_views=views,
            time_text=updated_at.strftime("%H:%M"),
        )

    def _time_of_day(self, article_id: int, updated_day: int) -> dt.time:
        """When an article was last saved on its ``updated_on`` day (06:00-19:59)."""
        if article_id == SEED_ARTICLE_ID and updated_day == self._base(article_id).published_day:
            return dt.time(8, 15)
        minutes = 6 * 60 + _mix(self.seed, "clock", article_id, updated_day) % (14 * 60)
        return dt.time(minutes // 60, minutes % 60)

    def article(self, article_id: int) -> ArticleTruth:
        """The truth of one article on the current day; KeyError if not published."""
        return self.view(article_id).truth

    def articles(self) -> Iterator[ArticleTruth]:
        """Every article that has existed up to the current day, oldest first."""
        day = self._day
        for article_id in range(self.first_id, self.max_id(day) + 1):
            yield self.view(article_id, day).truth

    def live_articles(self) -> Iterator[ArticleTruth]:
        """Articles a crawler can reach today (status "live" or "moved")."""
        day = self._day
        deleted = self.state(day).deleted
        for article_id in range(self.first_id, self.max_id(day) + 1):
            if article_id not in deleted:
                yield self.view(article_id, day).truth

    def summary(self, article_id: int, words: int = 30) -> str:
        """Listing summary: the start of the lede."""
        lede = self._base(article_id).lede.split()
        return " ".join(lede[:words]) + (" ..." if len(lede) > words else "")

    def views_on(self, article_id: int, day: int | None = None) -> int:
        """The counter value of an article on ``day`` (what the JSON API answers)."""
        return self._views_on(article_id, self._day if day is None else day)

    def published_date(self, article_id: int) -> dt.date:
        return calendar_date(self._base(article_id).published_day)
