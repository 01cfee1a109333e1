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
from hgcrawler.diffing import paragraphs, revision_changes, word_diff
from hgcrawler.text import fold
from tests.archive_fixture import DAYS, Archive, archive_for
from tests.conftest import MongoServer

SEED_ID = "39993"


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
    assert [r["article_id"] for r in rows] == [str(t.id) for t in expected]
    assert [r["views"] for r in rows] == [t.views for t in expected]

    code, out, _ = run_cli(capsys, "query", "top", "-n", "3", *archive.args())
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["#", "id", "views", "updated", "category", "title"]
    assert str(expected[0].id) in lines[2] and f"{expected[0].views:,}" in lines[2]
    assert len(lines) == 2 + 3


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
    assert {r["article_id"] for r in rows} == {str(t.id) for t in expected}
    assert all(r["category"] == "Kinh tế" for r in rows)

    rows = query_json(capsys, archive, "top", "--updated-since", "2021-03-20", "-n", "500")
    expected = [
        t for t in truth.values()
        if t.updated_on >= dt.date(2021, 3, 20) and t.views_in_static_html and t.views is not None
    ]  # fmt: skip
    assert {r["article_id"] for r in rows} == {str(t.id) for t in expected}

    # the count observed in the window of the first crawl: day 1's views
    second = crawl_started(archive, 2)
    rows = query_json(capsys, archive, "top", "--seen-until", second, "-n", "5")
    day1 = online(archive.truth[1])
    top_day1 = sorted(
        (t for t in day1.values() if t.views_in_static_html and t.views is not None),
        key=lambda t: -t.views,
    )[:5]
    assert [r["views"] for r in rows] == [t.views for t in top_day1]


# --- history -----------------------------------------------------------------


def test_history_has_one_observation_per_crawl_with_the_replica_views(
    capsys: pytest.CaptureFixture[str],
    archive: Archive,
) -> None:
    history = query_json(capsys, archive, "history", SEED_ID)
    views = [obs["views"] for obs in history["observations"]]
    assert [obs["crawl_id"] for obs in history["observations"]] == archive.crawl_ids
    assert views == [archive.truth[day][SEED_ID].views for day in range(1, DAYS + 1)]
    assert history["article"]["title"].startswith("Thường trực Tỉnh ủy làm việc định kỳ")
    assert [r["number"] for r in history["revisions"]] == [1]

    # by URL, as the crawler saw it
    url = history["article"]["url"]
    assert query_json(capsys, archive, "history", url)["article"]["article_id"] == SEED_ID

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


def test_growth_ranks_by_views_gained_per_day_from_observations(
    capsys: pytest.CaptureFixture[str],
    archive: Archive,
) -> None:
    rows = query_json(capsys, archive, "growth", "-n", "500")
    db = archive.db()
    day_of = {crawl_id: day for day, crawl_id in enumerate(archive.crawl_ids, 1)}
    assert rows
    for row in rows:
        first = db.observations.find_one({"article_id": row["article_id"], "views": {"$ne": None}},
                                         sort=[("fetched_at", 1)])  # fmt: skip
        last = db.observations.find_one({"article_id": row["article_id"], "views": {"$ne": None}},
                                        sort=[("fetched_at", -1)])  # fmt: skip
        first_day, last_day = day_of[first["crawl_id"]], day_of[last["crawl_id"]]
        assert row["first_views"] == archive.truth[first_day][row["article_id"]].views
        assert row["last_views"] == archive.truth[last_day][row["article_id"]].views
        seconds = (last["fetched_at"] - first["fetched_at"]).total_seconds()
        assert row["gained"] == row["last_views"] - row["first_views"]
        assert row["per_day"] == pytest.approx(row["gained"] / (seconds / 86400))
    per_day = [row["per_day"] for row in rows]
    assert per_day == sorted(per_day, reverse=True)
    # every article observed at least twice with a count is ranked
    truth = archived(archive.truth[DAYS])
    counted = {
        key for key in truth
        if sum(1 for d in range(1, DAYS + 1) if key in archive.truth[d]
               and archive.truth[d][key].status != "deleted"
               and archive.truth[d][key].views_in_static_html
               and archive.truth[d][key].views is not None) >= 2
    }  # fmt: skip
    assert {row["article_id"] for row in rows} == counted

    # a window holding only the first crawl ranks nothing
    second = crawl_started(archive, 2)
    assert query_json(capsys, archive, "growth", "--until", second) == []


# --- changes -----------------------------------------------------------------


def test_changes_since_a_date(capsys: pytest.CaptureFixture[str], archive: Archive) -> None:
    since = crawl_started(archive, 2)
    found = query_json(capsys, archive, "changes", "--since", since)
    day1, last = archive.truth[1], archived(archive.truth[DAYS])
    deleted = {key for key, t in last.items() if t.status == "deleted"}
    moved = {key for key, t in last.items() if t.status == "moved"}
    assert deleted and moved
    assert {d["_id"] for d in found["removed"]} == deleted
    assert {d["_id"] for d in found["moved"]} == moved
    for doc in found["moved"]:
        old_url = last[doc["_id"]].old_url
        assert any(url.endswith(old_url) for url in doc["moved_from"])
    assert {d["_id"] for d in found["new"]} == set(last) - set(day1)
    assert {d["_id"] for d in found["edited"]} == {key for key, _ in _edited(archive)}

    code, out, _ = run_cli(capsys, "query", "changes", "--since", since, *archive.args())
    assert code == 0
    assert f"Removed: {len(deleted)}" in out and f"Moved: {len(moved)}" in out
    for key in deleted | moved:
        assert key in out


def test_changes_since_the_last_crawl(
    capsys: pytest.CaptureFixture[str],
    archive: Archive,
) -> None:
    found = query_json(capsys, archive, "changes")  # default: --since last-crawl
    before, last = archived(archive.truth[DAYS - 1]), archived(archive.truth[DAYS])
    removed_last_day = {
        k for k, t in last.items() if t.status == "deleted" and before[k].status != "deleted"
    }
    assert {d["_id"] for d in found["removed"]} == removed_last_day
    assert {d["_id"] for d in found["new"]} == set(last) - set(before)
    edited_last_day = {
        k for k, t in last.items() if k in before and t.revision > before[k].revision
    }
    assert {d["_id"] for d in found["edited"]} == edited_last_day


# --- search ------------------------------------------------------------------


def test_search_is_accent_insensitive(capsys: pytest.CaptureFixture[str], archive: Archive) -> None:
    rows = query_json(capsys, archive, "search", "thuong truc tinh uy", "-n", "500")
    assert SEED_ID in [r["article_id"] for r in rows]
    words = ["thuong", "truc", "tinh", "uy"]
    truth = archived(archive.truth[DAYS])
    expected = {
        key for key, t in truth.items()
        if all(w in fold("\n".join([t.title, t.lede, *t.body])) for w in words)
    }  # fmt: skip
    assert {r["article_id"] for r in rows} == expected
    assert rows[0]["in_title"]
    # accents, case and word order do not matter; all words must match
    same = query_json(capsys, archive, "search", "TỈNH", "Ủy", "thường", "trực", "-n", "500")
    assert {r["article_id"] for r in same} == expected
    seed_title = "Thường trực Tỉnh ủy làm việc định kỳ"
    only = query_json(capsys, archive, "search", "lam viec dinh ky voi cac co quan tham muu")
    assert any(r["title"].startswith(seed_title) for r in only)

    code, out, _ = run_cli(
        capsys, "query", "search", "thuong", "truc", "tinh", "uy", *archive.args()
    )
    assert code == 0 and SEED_ID in out and seed_title in out
    code, out, _ = run_cli(capsys, "query", "search", "xyzzy khong co", *archive.args())
    assert code == 0 and "No article contains" in out
    # regex characters are literal
    assert query_json(capsys, archive, "search", ".*") == []


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
    for point, day in zip(found["site_views"], range(1, DAYS + 1), strict=True):
        served = online(archive.truth[day])
        assert point["views"] == sum(
            t.views for t in served.values() if t.views_in_static_html and t.views is not None
        )
    assert found["totals"]["articles"] == len(truth)

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
