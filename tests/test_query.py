"""``hgcrawler query`` on an archive built by crawling the replica for four days,
each answer checked against what the replica served."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections import Counter
from typing import Any

import pytest

from hgcrawler.cli import main
from hgcrawler.commands._archive import CommandError, parse_when
from hgcrawler.read.diffing import paragraphs, revision_changes, word_diff
from hgcrawler.read.text import fold
from hgcrawler.read.urls import short_id
from hgcrawler.show.tables import width
from tests.archive_fixture import DAYS, Archive, archive_for
from tests.archive_view import aid, count, observations
from tests.conftest import MongoServer

SEED_ID = "39993"  # the replica's key of an article; its archive id is aid(SEED_ID)


@pytest.fixture(scope="module")
def archive(mongo_server: MongoServer, tmp_path_factory: pytest.TempPathFactory) -> Archive:
    """The replica crawled over four days (built once per session)."""
    return archive_for(mongo_server, tmp_path_factory)


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def query_json(capsys: pytest.CaptureFixture[str], archive: Archive, *argv: str) -> Any:
    code, out, err = run_cli(capsys, "query", *argv, "--json", *archive.args())
    assert code == 0, err
    return json.loads(out)


def archived(truths: dict[str, Any]) -> dict[str, Any]:
    """The replica's articles the crawler keeps (malformed pages are rejected)."""
    return {key: t for key, t in truths.items() if not t.malformed}


def online(truths: dict[str, Any]) -> dict[str, Any]:
    return {key: t for key, t in archived(truths).items() if t.status in ("live", "moved")}


def crawl_started(archive: Archive, day: int) -> str:
    """When that day's crawl started, to the second (observation times are whole seconds)."""
    crawl = archive.db().crawls.find_one({"_id": archive.crawl_ids[day - 1]})
    return crawl["started_at"].replace(microsecond=0).isoformat()


def key_of(article_id: str) -> str:
    """The replica's key of an archive id (``haugiang:39993`` → ``39993``)."""
    site, key = article_id.split(":", 1)
    assert site == "haugiang"
    return key


def counted(truth: Any) -> bool:
    """The page showed a view count the crawler could read (no rendering in these crawls)."""
    return (
        truth.status in ("live", "moved") and truth.views_in_static_html and truth.views is not None
    )


def last_count(archive: Archive, key: str, up_to: int = DAYS) -> tuple[int, int] | None:
    """(day, views) of the last count an article's page showed by that replica day."""
    shown = [
        (day, archive.truth[day][key].views)
        for day in range(1, up_to + 1)
        if key in archive.truth[day] and counted(archive.truth[day][key])
    ]
    return shown[-1] if shown else None


# --- top ---------------------------------------------------------------------


def test_top_orders_by_the_views_the_replica_served(
    capsys: pytest.CaptureFixture[str],
    archive: Archive,
) -> None:
    rows = query_json(capsys, archive, "top", "--limit", "500")
    truth = online(archive.truth[DAYS])
    expected = sorted(
        (t for t in truth.values() if t.views_in_static_html and t.views is not None),
        key=lambda t: (-t.views, str(t.id)),
    )
    assert [r["article_id"] for r in rows] == [aid(t.id) for t in expected]
    assert [r["views"] for r in rows] == [t.views for t in expected]
    assert {r["site"] for r in rows} == {"haugiang"}

    code, out, _ = run_cli(capsys, "query", "top", "-n", "3", *archive.args())
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Sorted by view count (the latest):"
    lines = lines[1:]
    assert lines[0].split() == ["#", "id", "views", "updated", "category", "title"]
    # the short id a person types: the site's own id here
    assert lines[2].split()[:2] == ["1", str(expected[0].id)]
    assert f"{expected[0].views:,}" in lines[2]
    assert len(lines) == 2 + 3
    assert max(width(line) for line in lines) <= 100  # fits a 100-column terminal


def test_top_by_category_and_date(
    capsys: pytest.CaptureFixture[str],
    archive: Archive,
) -> None:
    truth = online(archive.truth[DAYS])
    rows = query_json(capsys, archive, "top", "--category", "kinh te", "-n", "500")
    expected = [
        t for t in truth.values()
        if t.category == "Kinh tế" and t.views_in_static_html and t.views is not None
    ]  # fmt: skip
    assert {r["article_id"] for r in rows} == {aid(t.id) for t in expected}
    assert all(r["category"] == "Kinh tế" for r in rows)

    rows = query_json(capsys, archive, "top", "--updated-since", "2021-03-20", "-n", "500")
    expected = [
        t for t in truth.values()
        if t.updated_on >= dt.date(2021, 3, 20) and t.views_in_static_html and t.views is not None
    ]  # fmt: skip
    assert {r["article_id"] for r in rows} == {aid(t.id) for t in expected}


def test_top_seen_in_a_window_of_crawls(
    capsys: pytest.CaptureFixture[str],
    archive: Archive,
) -> None:
    """``--seen-*`` rank the count each article showed last as the window's last day ended
    (day snapshots).  The four crawls ran on one test day: its snapshot holds every
    article's latest count and when it was seen, so a window of crawls lists the articles
    whose latest count one of its crawls saw (those removed since included), with that
    count."""
    starts = [crawl_started(archive, day) for day in range(1, DAYS + 1)]

    def expected(first: int, last: int) -> list[tuple[str, int]]:
        """Articles whose last count was shown on a replica day in [first, last]."""
        found = []
        for key in archived(archive.truth[DAYS]):
            shown = last_count(archive, key)
            if shown is not None and first <= shown[0] <= last:
                found.append((aid(key), shown[1]))
        return sorted(found, key=lambda pair: (-pair[1], pair[0]))

    def top(*window: str) -> list[tuple[str, int]]:
        rows = query_json(capsys, archive, "top", *window, "-n", "500")
        return [(r["article_id"], r["views"]) for r in rows]

    first_only = expected(1, 1)  # removed on day 2: the first crawl saw them last
    assert first_only, "the replica removed nothing on day 2"
    assert top("--seen-until", starts[1]) == first_only
    middle = expected(2, DAYS - 1)
    assert middle, "the replica removed nothing on days 3 and 4"
    assert top("--seen-since", starts[1], "--seen-until", starts[DAYS - 1]) == middle
    assert top("--seen-since", starts[DAYS - 1]) == expected(DAYS, DAYS)
    assert top("--seen-since", starts[0]) == expected(1, DAYS)
    rows = query_json(capsys, archive, "top", "--seen-until", starts[1])
    assert all(r["removed_at"] is not None for r in rows)  # removed since, listed


# --- history -----------------------------------------------------------------


def test_history_has_one_observation_per_crawl_with_the_replica_views(
    capsys: pytest.CaptureFixture[str],
    archive: Archive,
) -> None:
    history = query_json(capsys, archive, "history", SEED_ID)
    assert history["article"]["article_id"] == aid(SEED_ID)
    views = [obs["views"] for obs in history["observations"]]
    assert [obs["crawl_id"] for obs in history["observations"]] == archive.crawl_ids
    assert views == [archive.truth[day][SEED_ID].views for day in range(1, DAYS + 1)]
    assert history["article"]["views"] == views[-1]
    assert history["article"]["views_peak"] == max(views)
    assert history["article"]["title"].startswith("Thường trực Tỉnh ủy làm việc định kỳ")
    assert [r["number"] for r in history["revisions"]] == [1]

    # by its archive id, and by URL as the crawler saw it
    by_id = query_json(capsys, archive, "history", aid(SEED_ID))
    assert by_id["observations"] == history["observations"]
    url = history["article"]["url"]
    assert query_json(capsys, archive, "history", url)["article"]["article_id"] == aid(SEED_ID)

    code, out, _ = run_cli(capsys, "query", "history", SEED_ID, *archive.args())
    assert code == 0
    assert f"View counts ({DAYS} observations)" in out
    for day in range(1, DAYS + 1):
        assert f"{archive.truth[day][SEED_ID].views:,}" in out
    # where the raw response behind the revision lives
    location = history["revisions"][0]["warc"]
    assert location["file"].endswith(".warc.gz") and location["record_id"].startswith("<urn:")
    assert f"raw response: {location['file']} @ {location['offset']}" in out


def _edited(archive: Archive) -> list[tuple[str, int]]:
    """(article id, day of the edit) for replica articles edited during the crawls."""
    edits = []
    for key, truth in archived(archive.truth[DAYS]).items():
        if truth.revision > 1:
            day = min(d for d in range(1, DAYS + 1) if key in archive.truth[d]
                      and archive.truth[d][key].revision == truth.revision)  # fmt: skip
            edits.append((key, day))
    return sorted(edits)


def test_history_diff_shows_what_the_replica_changed(
    capsys: pytest.CaptureFixture[str],
    archive: Archive,
) -> None:
    edits = _edited(archive)
    assert edits, "the replica edited nothing in four days"
    body_edits = title_edits = 0
    for key, day in edits:
        before, after = archive.truth[day - 1][key], archive.truth[day][key]
        history = query_json(capsys, archive, "history", key)
        assert [r["number"] for r in history["revisions"]] == [1, 2]
        changes = {c["field"]: c for c in history["revisions"][1]["changes"]}
        assert "updated_on" in changes  # the meta date moves to the day of the edit
        if before.title != after.title:
            title_edits += 1
            added = after.title[len(before.title):].strip() if after.title.startswith(
                before.title) else after.title  # fmt: skip
            assert "{+" + added + "+}" in changes["title"]["diff"]
        if list(before.body) != list(after.body):
            body_edits += 1
            diff = changes["body"]["diff"]
            old = [p for p in before.body if p not in after.body]
            new = [p for p in after.body if p not in before.body]
            assert old and new
            whole_added = re.findall(r"^\+ ¶\d+: (.*)$", diff, re.MULTILINE)
            whole_removed = re.findall(r"^- ¶\d+: (.*)$", diff, re.MULTILINE)
            added = re.findall(r"\{\+(.*?)\+\}", diff) + whole_added
            removed = re.findall(r"\[-(.*?)-\]", diff) + whole_removed
            assert added and removed, diff
            assert all(any(seg in " ".join(p.split()) for p in new) for seg in added)
            assert all(any(seg in " ".join(p.split()) for p in old) for seg in removed)
            code, out, _ = run_cli(capsys, "query", "history", key, *archive.args())
            assert code == 0 and "Revisions (2)" in out and added[0] in out
    assert body_edits >= 1


def test_word_diff_and_paragraph_diff() -> None:
    assert word_diff("một hai ba", "một bốn ba") == "một [-hai-] {+bốn+} ba"
    old = {"title": "Tin A", "body": "Đoạn một.\n\nĐoạn hai cũ.\n\nĐoạn ba."}
    new = {"title": "Tin A (cập nhật)", "body": ["Đoạn một.", "Đoạn hai mới.", "Đoạn ba."]}
    changes = {c["field"]: c for c in revision_changes(old, new)}
    assert changes["title"]["diff"] == "Tin A {+(cập nhật)+}"
    assert changes["body"]["diff"] == "~ ¶2: Đoạn hai [-cũ.-] {+mới.+}"
    assert paragraphs(new["body"]) == ["Đoạn một.", "Đoạn hai mới.", "Đoạn ba."]


# --- growth ------------------------------------------------------------------


def test_growth_ranks_by_views_gained_per_day_from_first_to_latest_count(
    capsys: pytest.CaptureFixture[str],
    archive: Archive,
) -> None:
    rows = query_json(capsys, archive, "growth", "-n", "500", "--min-days", "0")
    db = archive.db()
    day_of = {crawl_id: day for day, crawl_id in enumerate(archive.crawl_ids, 1)}
    assert rows
    for row in rows:
        key = key_of(row["article_id"])
        shown = [
            o for o in observations(db, article_id=row["article_id"]) if o["views"] is not None
        ]
        first, last = shown[0], shown[-1]
        first_day, last_day = day_of[first["crawl_id"]], day_of[last["crawl_id"]]
        assert row["first_views"] == archive.truth[first_day][key].views
        assert row["last_views"] == archive.truth[last_day][key].views
        # the view count series keeps whole seconds
        first_at = first["fetched_at"].replace(microsecond=0)
        last_at = last["fetched_at"].replace(microsecond=0)
        assert (row["first_at"], row["last_at"]) == (
            first_at.isoformat().replace("+00:00", "Z"),
            last_at.isoformat().replace("+00:00", "Z"),
        )
        seconds = (last_at - first_at).total_seconds()
        assert row["gained"] == row["last_views"] - row["first_views"]
        assert row["per_day"] == pytest.approx(row["gained"] / (seconds / 86400))
    per_day = [row["per_day"] for row in rows]
    assert per_day == sorted(per_day, reverse=True)
    # every article observed at least twice with a count is ranked
    truth = archived(archive.truth[DAYS])
    twice = {
        aid(key) for key in truth
        if sum(1 for d in range(1, DAYS + 1) if key in archive.truth[d]
               and counted(archive.truth[d][key])) >= 2
    }  # fmt: skip
    assert {row["article_id"] for row in rows} == twice

    # a window holding only the first crawl ranks nothing: no count seen before it closes
    # is later than the first
    second = crawl_started(archive, 2)
    assert query_json(capsys, archive, "growth", "--until", second, "--min-days", "0") == []
    # a window opening on the test day: no day before it has a snapshot, so it opens at
    # each article's first count (the four crawls ran on one day)
    assert (
        query_json(capsys, archive, "growth", "--since", second, "-n", "500", "--min-days", "0")
        == rows
    )


def test_growth_is_a_rate_only_over_counts_a_day_apart(
    capsys: pytest.CaptureFixture[str], archive: Archive
) -> None:
    """The fixture's crawls ran seconds apart: by default no rate per day is shown
    (it read "15,693,943 views/day"), and the answer says why; a list says its order."""
    assert query_json(capsys, archive, "growth") == []
    assert main(["query", "growth", *archive.args()]) == 0
    out = capsys.readouterr().out
    assert out.startswith("No article has two view counts at least 1.0 d apart")
    assert main(["query", "growth", "--min-days", "0", *archive.args()]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "Sorted by views gained per day, between two counts apart:"
    assert main(["query", "top", "-n", "3", *archive.args()]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "Sorted by view count (the latest):"


# --- changes -----------------------------------------------------------------


def test_changes_since_a_date(capsys: pytest.CaptureFixture[str], archive: Archive) -> None:
    since = crawl_started(archive, 2)
    found = query_json(capsys, archive, "changes", "--since", since)
    day1, last = archive.truth[1], archived(archive.truth[DAYS])
    deleted = {key for key, t in last.items() if t.status == "deleted"}
    moved = {key for key, t in last.items() if t.status == "moved"}
    assert deleted and moved
    assert {d["_id"] for d in found["removed"]} == {aid(key) for key in deleted}
    assert {d["_id"] for d in found["moved"]} == {aid(key) for key in moved}
    for doc in found["moved"]:
        old_url = last[key_of(doc["_id"])].old_url
        assert any(url.endswith(old_url) for url in doc["moved_from"])
    assert {d["_id"] for d in found["new"]} == {aid(key) for key in set(last) - set(day1)}
    assert {d["_id"] for d in found["edited"]} == {aid(key) for key, _ in _edited(archive)}
    assert found["counts"] == {
        name: len(found[name]) for name in ("new", "edited", "removed", "moved")
    }

    code, out, _ = run_cli(capsys, "query", "changes", "--since", since, *archive.args())
    assert code == 0
    assert f"Removed: {len(deleted)}" in out and f"Moved: {len(moved)}" in out
    for key in deleted | moved:
        assert f"\n{short_id(aid(key))} " in out


def test_changes_since_the_last_crawl(
    capsys: pytest.CaptureFixture[str],
    archive: Archive,
) -> None:
    found = query_json(capsys, archive, "changes")  # default: --since last-crawl
    before, last = archived(archive.truth[DAYS - 1]), archived(archive.truth[DAYS])
    removed_last_day = {
        k for k, t in last.items() if t.status == "deleted" and before[k].status != "deleted"
    }
    assert {d["_id"] for d in found["removed"]} == {aid(k) for k in removed_last_day}
    assert {d["_id"] for d in found["new"]} == {aid(k) for k in set(last) - set(before)}
    edited_last_day = {
        k for k, t in last.items() if k in before and t.revision > before[k].revision
    }
    assert {d["_id"] for d in found["edited"]} == {aid(k) for k in edited_last_day}


# --- search ------------------------------------------------------------------


def test_search_is_accent_insensitive(capsys: pytest.CaptureFixture[str], archive: Archive) -> None:
    rows = query_json(capsys, archive, "search", "thuong truc tinh uy", "-n", "500")
    assert aid(SEED_ID) in [r["article_id"] for r in rows]
    words = {"thuong", "truc", "tinh", "uy"}
    truth = archived(archive.truth[DAYS])

    def text(t: Any) -> str:
        return fold("\n".join([t.title, t.lede, *t.body]))

    # whole words: "uy" is not found in "huyen" (the search reads postings of words)
    expected = {key for key, t in truth.items() if words <= set(re.findall(r"[0-9a-z]+", text(t)))}
    inside_words = {key for key, t in truth.items() if all(w in text(t) for w in words)}
    assert expected < inside_words
    assert {r["article_id"] for r in rows} == {aid(key) for key in expected}
    assert rows[0]["in_title"]
    for row in rows:
        title_words = set(re.findall(r"[0-9a-z]+", fold(truth[key_of(row["article_id"])].title)))
        assert row["in_title"] == (words <= title_words), row["article_id"]
    # accents, case and word order do not matter; all words must match
    same = query_json(capsys, archive, "search", "TỈNH", "Ủy", "thường", "trực", "-n", "500")
    assert {r["article_id"] for r in same} == {aid(key) for key in expected}
    seed_title = "Thường trực Tỉnh ủy làm việc định kỳ"
    only = query_json(capsys, archive, "search", "lam viec dinh ky voi cac co quan tham muu")
    assert any(r["title"].startswith(seed_title) for r in only)

    code, out, _ = run_cli(
        capsys, "query", "search", "thuong", "truc", "tinh", "uy", *archive.args()
    )
    assert code == 0 and f"{SEED_ID}  {seed_title}" in out
    code, out, _ = run_cli(capsys, "query", "search", "xyzzy khong co", *archive.args())
    assert code == 0 and "No article contains" in out
    # regex characters are no wildcards, and a query without a word is refused
    assert query_json(capsys, archive, "search", "t.nh") == []
    code, out, err = run_cli(capsys, "query", "search", ".*", *archive.args())
    assert code == 1 and "nothing to search for" in err and not out


# --- stats -------------------------------------------------------------------


def test_stats_counts_match_the_replica(
    capsys: pytest.CaptureFixture[str], archive: Archive
) -> None:
    found = query_json(capsys, archive, "stats")
    truth = archived(archive.truth[DAYS])
    expected = Counter(t.category for t in truth.values())
    assert {r["category"]: r["articles"] for r in found["categories"]} == dict(expected)
    removed = Counter(t.category for t in truth.values() if t.status == "deleted")
    assert {r["category"]: r["removed"] for r in found["categories"] if r["removed"]} == dict(
        removed
    )
    by_month = Counter((t.category, t.updated_on.strftime("%Y-%m")) for t in truth.values())
    assert {(r["category"], r["month"]): r["articles"] for r in found["by_month"]} == dict(by_month)
    assert [c["crawl_id"] for c in found["crawls"]] == archive.crawl_ids[::-1]
    assert all(c["status"] == "finished" for c in found["crawls"])
    # the site's views per UTC day: every article's latest count as that day ended (those
    # of removed articles included), as the day's last crawl left them
    last_crawl_of_day: dict[str, int] = {}
    for day, crawl in enumerate(found["crawls"][::-1], 1):
        last_crawl_of_day[crawl["finished_at"][:10]] = day
    expected_points = []
    for day_text, day in sorted(last_crawl_of_day.items()):
        shown = [last_count(archive, key, day) for key in archived(archive.truth[day])]
        counts = [views for _, views in filter(None, shown)]
        expected_points.append(("haugiang", f"{day_text}T00:00:00Z", sum(counts), len(counts)))
    assert [
        (p["site"], p["day"], p["views"], p["articles"]) for p in found["site_views"]
    ] == expected_points
    totals = found["totals"]
    deleted = {key for key, t in truth.items() if t.status == "deleted"}
    assert totals["articles"] == len(truth)
    assert (totals["live"], totals["removed"]) == (len(truth) - len(deleted), len(deleted))
    assert totals["moved"] == sum(t.status == "moved" for t in truth.values())
    assert totals["edited"] == len(_edited(archive))
    assert totals["observations"] == count(archive.db())
    assert totals["crawls"] == DAYS

    code, out, _ = run_cli(capsys, "query", "stats", *archive.args())
    assert code == 0
    assert "Articles per category" in out and "Last 4 crawls" in out
    assert f"{expected['Tin trong tỉnh']}" in out


# --- errors ------------------------------------------------------------------


def test_clear_errors(capsys: pytest.CaptureFixture[str], archive: Archive) -> None:
    code, out, err = run_cli(capsys, "query", "history", "123456789", *archive.args())
    assert code == 1 and "no article '123456789'" in err and not out
    code, _, err = run_cli(capsys, "query", "changes", "--since", "2026-13-45", *archive.args())
    assert code == 2 and "bad date '2026-13-45'" in err
    code, _, err = run_cli(
        capsys, "query", "top", "--updated-since", "last tuesday", *archive.args()
    )
    assert code == 2 and "bad date" in err
    code, _, err = run_cli(capsys, "query", "top", "--category", "thể thao", *archive.args())
    assert code == 1 and "no category 'thể thao'" in err and "Kinh tế" in err
    empty = ["--mongo-uri", archive.uri, "--database", f"empty_{uuid.uuid4().hex[:8]}"]
    for question in (["top"], ["stats"], ["search", "x"], ["changes"], ["growth"]):
        code, out, err = run_cli(capsys, "query", *question, *empty)
        assert code == 1 and "is empty" in err and "Traceback" not in err


def test_parse_when() -> None:
    now = dt.datetime(2026, 11, 27, 17, 0, tzinfo=dt.UTC)
    assert parse_when("2026-11-01") == dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    assert parse_when("7d", now=now) == now - dt.timedelta(days=7)
    assert parse_when("12h", now=now) == now - dt.timedelta(hours=12)
    assert parse_when("yesterday", now=now) == dt.datetime(2026, 11, 26, tzinfo=dt.UTC)
    assert parse_when("2026-11-01T08:30+07:00") == dt.datetime(2026, 11, 1, 1, 30, tzinfo=dt.UTC)
    for bad in ("2026-02-30", "soon", "7x", ""):
        with pytest.raises(CommandError):
            parse_when(bad)


def test_a_removed_article_is_marked_however_long_its_title() -> None:
    from hgcrawler.commands.query import TITLE_WIDTH, _title
    from hgcrawler.show.tables import format_table

    long_title = "Hội nghị Ban Chấp hành Đảng bộ tỉnh lần thứ mười bảy " * 3
    removed = {"title": long_title, "removed_at": dt.datetime(2026, 11, 2, tzinfo=dt.UTC)}
    shown = format_table([[_title(removed)]], ["title"], max_widths=[TITLE_WIDTH])
    last_line = shown.splitlines()[-1].rstrip()
    assert last_line.endswith("… [removed]") and last_line.startswith("Hội nghị Ban")
    live = format_table([[_title({"title": long_title})]], ["title"], max_widths=[TITLE_WIDTH])
    assert "[removed]" not in live


def test_top_fits_a_100_column_terminal_with_url_keys_and_long_titles(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An archive keyed by URLs (the slug portals): the id column is the short id."""
    import argparse
    import datetime as dt

    from hgcrawler.commands import query

    path = "/tin-tuc/xay-dung-dang/thuong-truc-tinh-uy-lam-viec-voi-ban-thuong-vu-huyen-uy"
    rows = [
        {
            "article_id": f"haugiang:{path}-{n}.html",
            "site": "haugiang",
            "title": "Thường trực Tỉnh ủy làm việc định kỳ với các cơ quan tham mưu " * 3,
            "category": "Xây dựng Đảng và hệ thống chính trị",
            "url": f"https://haugiang.dcs.vn{path}-{n}.html",
            "updated_on": dt.date(2026, 11, 1),
            "views": 1_234_567 - n,
            "removed_at": None,
        }
        for n in range(12)
    ]

    class Reader:
        def top(self, **_: object) -> list[dict[str, object]]:
            return rows

    args = argparse.Namespace(
        limit=12, category=None, updated_since=None, updated_until=None, seen_since=None,
        seen_until=None, include_removed=False, json=False,
    )  # fmt: skip
    query._top(Reader(), args)  # type: ignore[arg-type]
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Sorted by view count")  # the list says its order
    lines = lines[1:]
    assert len(lines) == 2 + 12
    assert max(width(line) for line in lines) <= 100
    assert lines[2].split()[1] == short_id(rows[0]["article_id"])  # type: ignore[arg-type]
    assert "Thường trực Tỉnh ủy làm việc" in lines[2]  # the title keeps its room
