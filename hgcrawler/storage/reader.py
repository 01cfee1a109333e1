"""``ArchiveReader``: every question users ask of the archive, answered from the schema.

Used by ``hgcrawler query``, ``export``, ``report``, ``plot``, ``warc`` and the
demo; they format, this answers.  Everything here reads; nothing writes.

Each question touches a bounded number of documents, whatever the archive's
age: lists come from indexed ranges (new, edited, removed, moved since a date;
the most viewed above a threshold), window questions from two day snapshots of
the view count series (:mod:`hgcrawler.storage.series`), search from the
postings lists (:mod:`hgcrawler.storage.postings`), totals from the series.
Only finds, ``$in`` lookups and index ranges are used, so the same code runs on
the embedded SecantusDB server and on MongoDB.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from typing import Any

from pymongo.database import Database

from hgcrawler.read.diffing import revision_changes
from hgcrawler.read.text import fold
from hgcrawler.read.urls import SHORT_HASH, SiteAddresses, canonical_url, short_id, site_location
from hgcrawler.storage.mongo import SchemaError, schema_version
from hgcrawler.storage.observations import entries_of
from hgcrawler.storage.postings import BLOCK, lookup, words_of
from hgcrawler.storage.schema import (
    ARTICLES,
    CRAWLS,
    MOVES,
    OBSERVATIONS,
    REJECTS,
    REVISIONS,
    SCHEMA_VERSION,
    SITES,
)
from hgcrawler.storage.series import SiteSeries, day_at, day_before, day_totals, from_seconds

__all__ = [
    "LIST_FIELDS",
    "ArchiveQueryError",
    "ArchiveReader",
    "EmptyArchive",
    "UnknownArticle",
    "UnknownCategory",
    "UnknownSite",
    "snippet",
]

Db = Database[dict[str, Any]]
UTC = dt.UTC

#: Fields of an article shown in lists (never the body).
LIST_FIELDS = {
    "site": 1,
    "n": 1,
    "title": 1,
    "url": 1,
    "category": 1,
    "views": 1,
    "updated_on": 1,
    "old_urls": 1,
    "first_seen_at": 1,
    "last_seen_at": 1,
    "removed_at": 1,
    "revision_count": 1,
}
#: How many more candidates than asked for a first look at the most viewed takes.
_TOP_MARGIN = 4


class ArchiveQueryError(Exception):
    """A question the archive cannot answer; the message is for the user."""


class EmptyArchive(ArchiveQueryError):
    pass


class UnknownArticle(ArchiveQueryError, LookupError):
    pass


class UnknownCategory(ArchiveQueryError, LookupError):
    pass


class UnknownSite(ArchiveQueryError, LookupError):
    pass


def _slug(text: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", fold(text)))


def _day(moment: dt.datetime) -> int:
    """Day number of a moment as the series counts them (see ``series._day_number``)."""
    return (moment.astimezone(UTC).date() - dt.date(2000, 1, 1)).days + 1


def _last_day_before(moment: dt.datetime) -> dt.datetime:
    """A moment of the last day a window ending (exclusively) at ``moment`` holds: the day
    before when the window ends at midnight."""
    return moment - dt.timedelta(microseconds=1)


def snippet(text: str, words: Sequence[str], width: int = 160) -> str:
    """A one-line excerpt of ``text`` around the first folded match of ``words``.

    ``fold`` keeps the length of NFC text, so a position in the folded text is
    the same position in the original.
    """
    text = " ".join(text.split())
    folded = fold(text)
    positions = [folded.find(word) for word in words]
    found = [p for p in positions if p >= 0]
    start = max(0, min(found) - width // 4) if found else 0
    end = min(len(text), start + width)
    excerpt = text[start:end]
    return ("…" if start else "") + excerpt + ("…" if end < len(text) else "")


def _searchable(doc: dict[str, Any]) -> str:
    body = doc.get("body")
    if isinstance(body, list):
        body = "\n\n".join(str(part) for part in body)
    return "\n".join(str(part) for part in (doc.get("lede"), body) if part)


class ArchiveReader:
    """Questions of the archive in ``db``, about ``sites`` (default: every site in it)."""

    def __init__(self, db: Db, sites: Sequence[str] | None = None) -> None:
        self.db = db
        self.name = db.name
        self._asked = list(sites or [])
        self._sites: list[str] | None = None
        self._series: dict[str, SiteSeries] = {}

    # --- the archive --------------------------------------------------------------

    def check(self) -> None:
        """:class:`SchemaError` naming ``db migrate`` for an archive of an older release."""
        version = schema_version(self.db)
        if version is not None and version < SCHEMA_VERSION:
            raise SchemaError(
                f"the archive in database {self.name!r} has schema {version}, written by an "
                f"older release; upgrade it in place with "
                f"`hgcrawler db migrate --database {self.name}`"
            )

    @property
    def all_sites(self) -> list[str]:
        return sorted(str(doc["_id"]) for doc in self.db[SITES].find({}, {"_id": 1}))

    @property
    def sites(self) -> list[str]:
        """The sites asked about: those given (checked), else every site in the archive."""
        if self._sites is None:
            known = self.all_sites
            unknown = [site for site in self._asked if site not in known]
            if unknown:
                raise UnknownSite(
                    f"no site {', '.join(map(repr, unknown))} in the archive "
                    f"(database {self.name!r}); known: {', '.join(known) or '(none)'}"
                )
            self._sites = list(self._asked) or known
        return self._sites

    def series(self, site: str) -> SiteSeries:
        if site not in self._series:
            self._series[site] = SiteSeries.load(self.db, site)
        return self._series[site]

    def _site_filter(self) -> dict[str, Any]:
        """The sites asked about, alone in a filter (a range beside it: :meth:`_each_site`)."""
        sites = self.sites
        return {"site": sites[0]} if len(sites) == 1 else {"site": {"$in": sites}}

    def _each_site(
        self, collection: str, query: dict[str, Any], projection: dict[str, int] | None = None
    ) -> Iterator[dict[str, Any]]:
        """The documents matching ``query`` of each site asked about, one site after the
        other: ``{site: s, field: range}`` is a range of a (site, field) index, while for
        ``{site: {$in: sites}, field: range}`` SecantusDB plans no index and reads every
        document of the sites (the whole collection, asked about every site)."""
        for site in self.sites:
            cursor = self.db[collection].find({"site": site, **query}, projection, batch_size=500)
            try:
                yield from cursor
            finally:
                cursor.close()

    def ensure_not_empty(self) -> None:
        """:class:`EmptyArchive` when no article has been archived yet (for these sites).

        The message names the other databases on the same server that do hold
        articles (``hgcrawler demo`` writes ``hgcrawler_demo``, not ``hgcrawler``),
        so a user who asked the wrong one learns which ``--database`` to add.
        """
        self.check()
        if self._has_articles():
            return
        holding = self._databases_with_articles()

        def articles(count: int) -> str:
            return f"{count:,} article{'' if count == 1 else 's'}"

        empty = f"the archive (database {self.name!r}) is empty"
        if len(holding) == 1:
            count, name = holding[0]
            raise EmptyArchive(
                f"{empty}; database {name!r} holds {articles(count)}: add --database {name}"
            )
        if holding:
            shown = ", ".join(f"{name!r} ({articles(count)})" for count, name in holding[:3])
            more = f" and {len(holding) - 3} more" if len(holding) > 3 else ""
            raise EmptyArchive(
                f"{empty}; databases {shown}{more} hold articles: add --database NAME"
            )
        crawls = self.db[CRAWLS].find_one({}, {"_id": 1}) is not None
        hint = (
            "crawls are recorded but no article archived"
            if crawls
            else "no crawl has written to it yet; run `hgcrawler crawl`"
        )
        raise EmptyArchive(f"{empty}: {hint}")

    def _has_articles(self) -> bool:
        """Whether the sites asked about have an article: their series says so at once;
        without a series (a crawl that died before its first save), the articles do
        (``find_one`` on ``site`` reads every article of the site on SecantusDB: 4 s at
        50,000 articles)."""
        sites = self.sites
        for site in sites:
            if any(day > 0 for day in self.series(site).updated):
                return True
        return self.db[ARTICLES].find_one(self._site_filter(), {"_id": 1}) is not None

    def _databases_with_articles(self) -> list[tuple[int, str]]:

        from pymongo.errors import PyMongoError

        holding: list[tuple[int, str]] = []
        try:
            names = self.db.client.list_database_names()
        except PyMongoError:  # e.g. a user without the listDatabases privilege
            return holding
        for name in names:
            if name in (self.name, "admin", "local", "config"):
                continue
            try:
                count = self.db.client[name][ARTICLES].estimated_document_count()
            except PyMongoError:
                continue
            if count:
                holding.append((count, name))
        holding.sort(key=lambda entry: (-entry[0], entry[1]))
        return holding

    def _count(self, collection: str) -> int:
        """Documents in a collection (the ``count`` command: SecantusDB reads them all,
        5 times faster than for ``collStats``; MongoDB answers from its metadata)."""
        return int(self.db[collection].estimated_document_count())

    def totals(self) -> dict[str, int]:
        """Articles (live, removed, edited, moved) and observations of the sites asked
        about; revisions, rejects and crawls of the whole archive."""
        totals = dict.fromkeys(("articles", "live", "removed", "edited", "moved"), 0)
        totals["observations"] = 0
        for site in self.sites:
            for name, value in self.series(site).counts().items():
                totals[name] = totals.get(name, 0) + value
        # as counted at the end of the last crawl (see SiteSeries.archive_counts); counted
        # now for a series saved by an older release
        saved = [self.series(site) for site in self.sites]
        latest = max(saved, key=lambda s: s.as_of or dt.datetime.min.replace(tzinfo=UTC))
        counts = latest.archive_counts if saved and all(s.archive_counts for s in saved) else None
        for name in (REVISIONS, REJECTS, CRAWLS):
            totals[name] = int(counts[name]) if counts else self._count(name)
        return totals

    # --- articles -----------------------------------------------------------------

    def find_article(self, ref: str) -> dict[str, Any]:
        """The article with id ``ref`` (``site:key``, or a site's key), its short id
        (:func:`hgcrawler.read.urls.short_id`), or at URL ``ref`` (current or old, at any of
        its site's addresses).  :class:`UnknownArticle` when there is none."""
        ref = ref.strip()
        articles = self.db[ARTICLES]
        doc = articles.find_one({"_id": ref})
        if doc is None and re.match(r"https?://", ref, re.IGNORECASE):
            doc = self._at_url(ref)
        if doc is None:
            ids = [f"{site}:{ref}" for site in self.sites]
            found = list(articles.find({"_id": {"$in": ids}})) if ids else []
            if len(found) > 1:
                which = ", ".join(sorted(str(d["_id"]) for d in found))
                raise ArchiveQueryError(
                    f"article {ref!r} is in several sites ({which}): give its id, or --site"
                )
            doc = found[0] if found else None
        if doc is None and SHORT_HASH.fullmatch(ref):
            doc = self._by_short_id(ref)
        if doc is None:
            raise UnknownArticle(
                f"no article {ref!r} in the archive (give an article id, its short id or its URL)"
            )
        return doc

    def _at_url(self, url: str) -> dict[str, Any] | None:
        """The article at ``url``: as stored, else at its location when ``url`` is at
        one of the addresses of the article's site (``sites.hosts``)."""
        articles = self.db[ARTICLES]
        urls = sorted({url, canonical_url(url)})
        # indexed lookups one after the other: SecantusDB scans the whole collection
        # for a $or
        doc = articles.find_one({"url": {"$in": urls}}) or articles.find_one(
            {"old_urls": {"$in": urls}}
        )
        if doc is not None:
            return doc
        hosts = {
            str(site["_id"]): SiteAddresses.of(site.get("hosts") or ())
            for site in self.db[SITES].find({"_id": {"$in": self.sites}}, {"hosts": 1})
        }
        for candidate in articles.find({"places": site_location(url)}):
            addresses = hosts.get(str(candidate.get("site")))
            if addresses is not None and url in addresses:
                return candidate
        return None

    def _by_short_id(self, ref: str) -> dict[str, Any] | None:
        """The article whose short id is ``ref`` (a hash: every key of the sites asked
        about is hashed, one indexed pass over their articles)."""
        found = [
            doc
            for doc in self._each_site(ARTICLES, {}, {"_id": 1})
            if short_id(str(doc["_id"])) == ref
        ]
        if len(found) > 1:
            which = ", ".join(sorted(str(d["_id"]) for d in found))
            raise ArchiveQueryError(f"short id {ref!r} is several articles ({which}): give its id")
        return self.db[ARTICLES].find_one({"_id": found[0]["_id"]}) if found else None

    def resolve_category(self, name: str) -> str:
        """The stored category matching ``name`` accent- and case-insensitively, or by
        its slug (``kinh-te`` → ``Kinh tế``)."""
        wanted = _slug(name)
        known = sorted(
            {category for site in self.sites for category in self.series(site).categories[1:]}
        )
        for category in known:
            if _slug(category) == wanted:
                return category
        raise UnknownCategory(
            f"no category {name!r} in the archive; known: {', '.join(known) or '(none)'}"
        )

    def _by_number(self, site: str, numbers: Sequence[int]) -> dict[int, dict[str, Any]]:
        query = {"site": site, "n": {"$in": list(numbers)}}
        return {int(doc["n"]): doc for doc in self.db[ARTICLES].find(query, LIST_FIELDS)}

    @staticmethod
    def _row(doc: dict[str, Any], views: Any, observed_at: Any) -> dict[str, Any]:
        return {
            "article_id": doc["_id"],
            "site": doc.get("site"),
            "title": doc.get("title"),
            "category": doc.get("category"),
            "url": doc.get("url"),
            "updated_on": doc.get("updated_on"),
            "views": views,
            "observed_at": observed_at,
            "removed_at": doc.get("removed_at"),
        }

    # --- top ----------------------------------------------------------------------

    def top(
        self,
        *,
        limit: int = 10,
        category: str | None = None,
        updated_since: dt.datetime | None = None,
        updated_until: dt.datetime | None = None,
        seen_since: dt.datetime | None = None,
        seen_until: dt.datetime | None = None,
        include_removed: bool = False,
    ) -> list[dict[str, Any]]:
        """Most-viewed articles.

        Without an observation window the latest count ranks; with ``seen_since`` /
        ``seen_until`` the count ranked is the last one observed inside the window
        (as of the end of the window's last day), and only articles observed in it are
        listed, removed since or not.  ``updated_*`` filter on the article's own date.
        Rows: ``article_id``, ``site``, ``title``, ``category``, ``url``, ``updated_on``,
        ``views``, ``observed_at``, ``removed_at``.
        """
        windowed = seen_since is not None or seen_until is not None
        low = _day(updated_since) if updated_since else 0
        high = _day(updated_until) if updated_until else None
        rows: list[dict[str, Any]] = []
        for site in self.sites:
            series = self.series(site)
            counts: list[tuple[int, dt.datetime | None, int]] = []
            if windowed:
                end = _last_day_before(seen_until) if seen_until else dt.datetime.now(UTC)
                snapshot = day_at(self.db, site, end)
                if snapshot is None:
                    continue
                since = seen_since.timestamp() if seen_since else None
                until = seen_until.timestamp() if seen_until else None
                for n in range(len(snapshot.views)):
                    views, at = snapshot.count(n)
                    if views is None or at is None:
                        continue
                    if (since is not None and at.timestamp() < since) or (
                        until is not None and at.timestamp() >= until
                    ):
                        continue
                    counts.append((views, at, n))
            else:
                counts = [
                    (views, None, n)
                    for n, views in enumerate(series.views)
                    if views >= 0 and (include_removed or series.live(n))
                ]
            candidates = [
                item
                for item in counts
                if (category is None or series.category_of(item[2]) == category)
                and low <= series.updated_day(item[2])
                and (high is None or series.updated_day(item[2]) < high)
            ]
            candidates.sort(key=lambda item: (-item[0], item[2]))
            chosen = candidates[:limit]
            docs = self._by_number(site, [n for _, _, n in chosen])
            for views, at, n in chosen:
                doc = docs.get(n)
                if doc is not None:
                    rows.append(self._row(doc, views, at or doc.get("last_seen_at")))
        rows.sort(key=lambda row: (-row["views"], str(row["article_id"])))
        return rows[:limit]

    # --- one article --------------------------------------------------------------

    def view_series(self, article_id: str) -> list[dict[str, Any]]:
        """Every observation of an article, oldest first: ``fetched_at``, ``views``,
        ``status``, ``crawl_id``, ``revision``, ``views_missing_reason``, ``source``,
        ``flags``, ``warc``."""
        return [
            {
                "fetched_at": entry["at"],
                "views": entry.get("views"),
                "status": entry.get("status"),
                "crawl_id": entry.get("crawl"),
                "revision": entry.get("rev"),
                "views_missing_reason": entry.get("missing"),
                "source": entry.get("src"),
                "flags": list(entry.get("flags") or []),
                "warc": entry.get("warc"),
            }
            for entry in entries_of(self.db, article_id)
        ]

    def history(self, ref: str) -> dict[str, Any]:
        """An article's observations and its revisions, each with what changed from the
        previous one (see :func:`hgcrawler.read.diffing.revision_changes`)."""
        doc = self.find_article(ref)
        article_id = str(doc["_id"])
        revisions = list(self.db[REVISIONS].find({"article_id": article_id}).sort("number", 1))
        previous: dict[str, Any] | None = None
        out = []
        for revision in revisions:
            out.append(
                {
                    "number": revision.get("number"),
                    "content_hash": revision.get("content_hash"),
                    "title": revision.get("title"),
                    "updated_on": revision.get("updated_on"),
                    "url": revision.get("url"),
                    "first_seen_at": revision.get("first_seen_at"),
                    "last_seen_at": revision.get("last_seen_at"),
                    "first_crawl_id": revision.get("first_crawl_id"),
                    "warc": revision.get("warc"),
                    "changes": revision_changes(previous, revision) if previous else [],
                }
            )
            previous = revision
        article = {key: doc.get(key) for key in LIST_FIELDS}
        article.update(
            article_id=article_id,
            revision=doc.get("revision"),
            last_status=doc.get("last_status"),
            views_missing_reason=doc.get("views_missing_reason"),
            views_peak=doc.get("views_peak"),
        )
        moves = list(
            self.db[MOVES].find({"article_id": article_id}, {"_id": 0, "state": 0}).sort("at", 1)
        )
        return {
            "article": article,
            "observations": self.view_series(article_id),
            "revisions": out,
            "moves": moves,
        }

    def revision(self, ref: str, number: int | None = None) -> dict[str, Any]:
        """One revision of an article (default: its current one)."""
        doc = self.find_article(ref)
        wanted = number if number is not None else int(doc.get("revision") or 1)
        revision = self.db[REVISIONS].find_one({"article_id": doc["_id"], "number": wanted})
        if revision is None:
            count = doc.get("revision_count") or 1
            raise UnknownArticle(
                f"article {doc['_id']!r} has no revision {wanted} (it has {count})"
            )
        return revision

    # --- growth -------------------------------------------------------------------

    def growth(
        self,
        *,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        limit: int = 10,
        category: str | None = None,
        min_days: float = 0.0,
    ) -> list[dict[str, Any]]:
        """Fastest-growing articles: views gained per day between the count known when the
        window opens (the latest seen before ``since``; without ``since``, each article's
        first count) and the latest count seen before ``until``, ranked by ``per_day``.
        Both come from day snapshots: the counts as the day before ``since`` ended, and
        as the window's last day ended (an article whose count of that day was seen after
        ``until`` is left out, as ``top`` leaves it out).

        Rows: ``article_id``, ``site``, ``title``, ``category``, ``first_views``,
        ``last_views``, ``gained``, ``first_at``, ``last_at``, ``days``, ``per_day``.
        """
        rows: list[dict[str, Any]] = []
        for site in self.sites:
            series = self.series(site)
            end = day_at(self.db, site, _last_day_before(until)) if until is not None else None
            start = day_before(self.db, site, since) if since is not None else None
            last_views, last_seen = (
                (end.views, end.seen) if end is not None else (series.views, series.seen)
            )
            # before the first snapshot, or without ``since``: each article's first count
            first_views, first_seen = (
                (start.views, start.seen)
                if start is not None
                else (series.first_views, series.first_seen)
            )
            ranked: list[tuple[float, int]] = []
            for n in range(min(len(last_views), len(first_views))):
                if last_views[n] < 0 or first_views[n] < 0 or last_seen[n] <= first_seen[n]:
                    continue
                seen_at = from_seconds(last_seen[n])
                if until is not None and (seen_at is None or seen_at >= until):
                    continue  # seen after ``until``, later on the window's last day
                if category is not None and series.category_of(n) != category:
                    continue
                days = (last_seen[n] - first_seen[n]) / 86400
                if days < min_days:
                    continue
                ranked.append(((last_views[n] - first_views[n]) / days, n))
            ranked.sort(key=lambda pair: (-pair[0], pair[1]))
            chosen = ranked[:limit]
            docs = self._by_number(site, [n for _, n in chosen])
            for per_day, n in chosen:
                doc = docs.get(n)
                first_at, last_at = from_seconds(first_seen[n]), from_seconds(last_seen[n])
                if doc is None or first_at is None or last_at is None:
                    continue
                rows.append(
                    {
                        "article_id": doc["_id"],
                        "site": site,
                        "title": doc.get("title"),
                        "category": doc.get("category"),
                        "first_views": first_views[n],
                        "last_views": last_views[n],
                        "gained": last_views[n] - first_views[n],
                        "first_at": first_at,
                        "last_at": last_at,
                        "days": (last_at - first_at).total_seconds() / 86400,
                        "per_day": per_day,
                    }
                )
        rows.sort(key=lambda r: (-r["per_day"], str(r["article_id"])))
        return rows[:limit]

    # --- changes ------------------------------------------------------------------

    def last_crawl(self, *, before: dt.datetime | None = None) -> dict[str, Any] | None:
        """The most recently started crawl of the sites asked about."""
        crawls = self.crawl_history(1, before=before)
        return crawls[0]["record"] if crawls else None

    def changes(self, since: dt.datetime, *, limit: int | None = None) -> dict[str, Any]:
        """Articles new, edited, removed and moved since ``since`` (UTC); each list holds
        article documents (``LIST_FIELDS``); edited ones carry ``revisions_since``, moved
        ones ``moved_from``; ``counts`` says how many each list has in all.

        ``mass_removals``: the crawls since ``since`` that saw a mass removal
        (:func:`hgcrawler.crawl.outcome.mass_removal`), each one event (see
        :meth:`mass_removals`); a removed article of such a crawl carries its id as
        ``mass_removal``."""
        articles = self.db[ARTICLES]
        new = list(self._each_site(ARTICLES, {"first_seen_at": {"$gte": since}}, LIST_FIELDS))
        new.sort(key=lambda d: str(d["_id"]))
        new_ids = {doc["_id"] for doc in new}
        edits: dict[str, list[int]] = {}
        for revision in self._each_site(
            REVISIONS, {"first_seen_at": {"$gte": since}}, {"article_id": 1, "number": 1}
        ):
            if int(revision["number"]) > 1:
                edits.setdefault(str(revision["article_id"]), []).append(int(revision["number"]))
        edited = list(articles.find({"_id": {"$in": sorted(edits)}}, LIST_FIELDS))
        edited.sort(key=lambda d: str(d["_id"]))
        for doc in edited:
            doc["revisions_since"] = sorted(edits[doc["_id"]])
        removed = list(self._each_site(ARTICLES, {"removed_at": {"$gte": since}}, LIST_FIELDS))
        removed.sort(key=lambda d: d["removed_at"], reverse=True)
        moves: dict[str, list[str]] = {}
        for move in self._each_site(MOVES, {"at": {"$gte": since}}):
            left = moves.setdefault(str(move["article_id"]), [])
            if move.get("from_url") and move["from_url"] not in left:
                left.append(str(move["from_url"]))
        moved_ids = sorted(set(moves) - new_ids)
        moved = list(articles.find({"_id": {"$in": moved_ids}}, LIST_FIELDS))
        moved.sort(key=lambda d: str(d["_id"]))
        for doc in moved:
            doc["moved_from"] = moves[doc["_id"]]
        lists = {"new": new, "edited": edited, "removed": removed, "moved": moved}
        result: dict[str, Any] = {
            "since": since,
            "counts": {name: len(rows) for name, rows in lists.items()},
            "mass_removals": self.mass_removals(since, removed),
        }
        for name, rows in lists.items():
            result[name] = rows[:limit] if limit else rows
        return result

    def mass_removals(
        self, since: dt.datetime, removed: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """The crawls since ``since`` whose removals were a mass removal, newest first:
        ``crawl_id``, ``site``, ``status``, ``started_at``, ``finished_at``, the crawl's
        figures (``articles`` that answered 404/410, ``removed``, ``found_again``,
        ``live``, ``share``, ``examples``) and ``still_removed``: how many of the
        ``removed`` documents it removed (each gets ``mass_removal``: the crawl's id)."""
        # a crawl that removed something since ``since`` started at most a day before
        window = {"started_at": {"$gte": since - dt.timedelta(days=1)}}
        crawls = [
            crawl
            for crawl in self._each_site(
                CRAWLS, window, {"site": 1, "status": 1, "started_at": 1, "finished_at": 1,
                                 "mass_removal": 1}
            )
            if crawl.get("mass_removal")
        ]  # fmt: skip
        crawls.sort(key=lambda c: c["started_at"], reverse=True)
        now = dt.datetime.now(UTC)
        events = []
        for crawl in crawls:
            start, end = crawl["started_at"], crawl.get("finished_at") or now
            start = start.replace(microsecond=0)  # fetch times are whole seconds
            mine = 0
            for doc in removed:
                at = doc.get("removed_at")
                if doc.get("site") == crawl.get("site") and at is not None and start <= at <= end:
                    doc["mass_removal"] = crawl["_id"]
                    mine += 1
            events.append(
                {
                    "crawl_id": crawl["_id"],
                    "site": crawl.get("site"),
                    "status": crawl.get("status"),
                    "started_at": crawl["started_at"],
                    "finished_at": crawl.get("finished_at"),
                    **crawl["mass_removal"],
                    "still_removed": mine,
                }
            )
        return events

    # --- search -------------------------------------------------------------------

    def search(
        self, text: str, *, limit: int = 20, category: str | None = None
    ) -> list[dict[str, Any]]:
        """Articles whose title, lede or body contain every word of ``text``, ignoring
        case and Vietnamese diacritics; those with every word in the title first, then
        by view count.  Rows: ``article_id``, ``site``, ``title``, ``category``, ``url``,
        ``views``, ``updated_on``, ``removed_at``, ``snippet``, ``in_title``."""
        words = sorted(words_of(text))
        if not words:
            raise ArchiveQueryError("nothing to search for")
        rows: list[dict[str, Any]] = []
        for site in self.sites:
            series = self.series(site)
            blocks = len(series) // BLOCK + 1
            found = lookup(self.db, site, "x", words, blocks)
            if not found:
                continue
            in_title = lookup(self.db, site, "t", words, blocks) & found
            ranked = sorted(
                (n for n in found if category is None or series.category_of(n) == category),
                key=lambda n: (n not in in_title, -(series.views[n] if n < len(series) else -1), n),
            )
            fields = {**LIST_FIELDS, "lede": 1, "body": 1, "search_text": 1}
            for start in range(0, len(ranked), limit * 2):
                chunk = ranked[start : start + limit * 2]
                docs = {
                    int(doc["n"]): doc
                    for doc in self.db[ARTICLES].find({"site": site, "n": {"$in": chunk}}, fields)
                }
                for n in chunk:
                    doc = docs.get(n)
                    if doc is None:
                        continue
                    folded = str(doc.get("search_text") or "")
                    if not all(re.search(rf"\b{re.escape(w)}\b", folded) for w in words):
                        continue  # postings older than the text (a crawl that died)
                    row = self._row(doc, doc.get("views"), doc.get("last_seen_at"))
                    row.pop("observed_at")
                    row["in_title"] = n in in_title
                    row["snippet"] = snippet(_searchable(doc), words)
                    rows.append(row)
                if len(rows) >= limit * len(self.sites):
                    break
        rows.sort(key=lambda r: (not r["in_title"], -(r["views"] or 0), str(r["article_id"])))
        return rows[:limit]

    # --- stats --------------------------------------------------------------------

    def category_month_counts(self) -> list[dict[str, Any]]:
        """Articles per category and month of their own date: ``category``, ``month``
        (``YYYY-MM``), ``articles``, ``removed``."""
        merged: dict[tuple[str, str], dict[str, Any]] = {}
        origin = dt.date(2000, 1, 1)
        months: dict[int, str] = {}  # day number -> "YYYY-MM", each computed once
        for site in self.sites:
            series = self.series(site)
            for n in range(len(series)):
                if not series.exists(n):
                    continue
                number = series.updated_day(n)
                month = months.get(number)
                if month is None:
                    month = months[number] = f"{origin + dt.timedelta(days=number - 1):%Y-%m}"
                key = (series.category_of(n) or "?", month)
                entry = merged.setdefault(
                    key, {"category": key[0], "month": key[1], "articles": 0, "removed": 0}
                )
                entry["articles"] += 1
                entry["removed"] += int(not series.live(n))
        return sorted(merged.values(), key=lambda r: (r["month"], r["category"]))

    def category_counts(self, by_month: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
        """Articles per category (all time): ``category``, ``articles``, ``live``, ``removed``
        (from ``by_month``, :meth:`category_month_counts`, when given)."""
        merged: dict[str, dict[str, Any]] = {}
        for row in self.category_month_counts() if by_month is None else by_month:
            entry = merged.setdefault(
                row["category"], {"category": row["category"], "articles": 0, "removed": 0}
            )
            entry["articles"] += row["articles"]
            entry["removed"] += row["removed"]
        for entry in merged.values():
            entry["live"] = entry["articles"] - entry["removed"]
        return sorted(merged.values(), key=lambda r: (-r["articles"], r["category"]))

    def crawl_history(
        self, limit: int | None = None, *, before: dt.datetime | None = None
    ) -> list[dict[str, Any]]:
        """Crawls, newest first: ``crawl_id``, ``site``, ``mode``, ``status``,
        ``started_at``, ``finished_at``, ``seconds``, ``counts``, ``problems``,
        ``views_total``, ``record``.  Reads recent weeks first, not every crawl."""
        if limit is None:
            found = list(self.db[CRAWLS].find(self._site_filter()))
        else:
            # the last crawls without reading them all: a growing window back in time
            # (no "is there an earlier crawl?" look-up: on SecantusDB a limit still reads
            # its whole range, every crawl before; the series says when the first was)
            end = before or dt.datetime.now(UTC) + dt.timedelta(days=1)
            earliest = self._first_observed()
            span = dt.timedelta(days=14)
            found = []
            while len(found) < limit:
                start = end - span
                if earliest is None or start < earliest - dt.timedelta(days=2):
                    # the rest: the crawls of the first days, and any before (few)
                    found.extend(self._each_site(CRAWLS, {"started_at": {"$lt": end}}))
                    break
                window = {"started_at": {"$lt": end, "$gte": start}}
                found.extend(self._each_site(CRAWLS, window))
                end, span = start, span * 4
        found.sort(key=lambda c: c["started_at"], reverse=True)
        rows = []
        for crawl in found[:limit] if limit else found:
            started, finished = crawl.get("started_at"), crawl.get("finished_at")
            seconds = (
                (finished - started).total_seconds()
                if isinstance(started, dt.datetime) and isinstance(finished, dt.datetime)
                else None
            )
            rows.append(
                {
                    "crawl_id": crawl["_id"],
                    "site": crawl.get("site"),
                    "mode": crawl.get("mode"),
                    "status": crawl.get("status"),
                    "started_at": started,
                    "finished_at": finished,
                    "seconds": seconds,
                    "counts": dict(crawl.get("counts") or {}),
                    "problems": list(crawl.get("problems") or []),
                    "views_total": crawl.get("views_total"),
                    "record": crawl,
                }
            )
        return rows

    def _first_observed(self) -> dt.datetime | None:
        """When the sites asked about were first observed (None: never)."""
        stamps = [
            min((value for value in self.series(site).first_seen if value > 0), default=0)
            for site in self.sites
        ]
        return min((m for m in map(from_seconds, stamps) if m is not None), default=None)

    def crawls_by_id(self, crawl_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The crawl records of these ids."""
        found = self.db[CRAWLS].find({"_id": {"$in": list(crawl_ids)}})
        return {str(doc["_id"]): doc for doc in found}

    def site_views(self) -> list[dict[str, Any]]:
        """The site's views over time from comparable data: per site and day, the sum of
        every article's latest count as of the end of that day (``site``, ``day``, ``at``,
        ``views``, ``articles``), oldest first."""
        return [
            {
                "site": doc["site"],
                "day": doc["day"],
                "at": doc.get("at") or doc["day"],
                "views": int(doc.get("total") or 0),
                "articles": int(doc.get("counted") or 0),
            }
            for doc in day_totals(self.db, self.sites)
        ]

    def stats(self, *, crawls: int = 10) -> dict[str, Any]:
        """Totals, articles per category and per category and month, the last ``crawls``
        crawls and the site's views over time."""
        history = self.crawl_history(crawls)
        for row in history:
            row.pop("record", None)
        by_month = self.category_month_counts()
        return {
            "totals": self.totals(),
            "categories": self.category_counts(by_month),
            "by_month": by_month,
            "crawls": history,
            "site_views": self.site_views(),
        }

    # --- export -------------------------------------------------------------------

    def documents(
        self, collection: str, query: dict[str, Any], projection: dict[str, int] | None
    ) -> Iterator[dict[str, Any]]:
        """Documents of a collection of the sites asked about, streamed."""
        if query:
            yield from self._each_site(collection, query, projection)
            return
        cursor = self.db[collection].find(self._site_filter(), projection, batch_size=500)
        try:
            yield from cursor
        finally:
            cursor.close()

    def articles_since(
        self, since: dt.datetime | None, projection: dict[str, int] | None
    ) -> Iterator[dict[str, Any]]:
        """Articles seen or removed since ``since`` (all without it), by id."""
        if since is None:
            yield from self.documents(ARTICLES, {}, projection)
            return
        seen: set[str] = set()
        # two indexed ranges one after the other: SecantusDB scans the collection for a $or
        for field in ("last_seen_at", "removed_at"):
            for doc in self.documents(ARTICLES, {field: {"$gte": since}}, projection):
                if doc["_id"] not in seen:
                    seen.add(doc["_id"])
                    yield doc

    def observations(self, since: dt.datetime | None = None) -> Iterator[dict[str, Any]]:
        """Every observation of the sites asked about, one row each (from the buckets)."""
        query: dict[str, Any] = {}
        if since is not None:
            query["last_at"] = {"$gte": since}
        for bucket in self.documents(OBSERVATIONS, query, None):
            for entry in bucket.get("obs") or []:
                if since is not None and entry["at"] < since:
                    continue
                yield {
                    "article_id": bucket["article_id"],
                    "site": bucket.get("site"),
                    "crawl_id": entry.get("crawl"),
                    "fetched_at": entry["at"],
                    "status": entry.get("status"),
                    "views": entry.get("views"),
                    "revision": entry.get("rev"),
                    "views_missing_reason": entry.get("missing"),
                    "source": entry.get("src"),
                    "flags": entry.get("flags"),
                    "warc": entry.get("warc"),
                    "url": entry.get("url"),  # the address it was fetched from (schema 4)
                }
