"""``hgcrawler serve``: the archive in a browser, read-only and safe with hostile content.

The server is the real command (``python -m hgcrawler.cli serve --port 0`` in a
subprocess); the browser is Debian's Chromium driven by Playwright.  Two archives:
the replica crawled over four days (``tests/archive_fixture.py``), and one written
through the store with hostile values (a title holding ``<script>``, ``javascript:``
URLs, an ``onerror`` image in a caption, a raw page in the WARC whose script reaches
for the parent).

With ``HGCRAWLER_SCREENSHOTS=DIR`` the browser test saves its screenshots there
(``docs/images/`` for the documentation).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape

from hgcrawler.read.diffing import FIELDS, paragraphs
from hgcrawler.read.text import fold
from hgcrawler.read.urls import short_id
from hgcrawler.storage import ArchiveQueryError, ArchiveReader, MongoArchiveStore
from hgcrawler.storage.browse import (
    ArchiveMemo,
    ArticleQuery,
    browse_articles,
    remembered,
    site_summary,
)
from tests.archive_fixture import DAYS, Archive, archive_for
from tests.archive_view import aid
from tests.conftest import MongoServer
from tests.crawling import ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = os.environ.get("HGCRAWLER_SCREENSHOTS")
browser_needed = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")


@pytest.fixture(scope="module")
def archive(mongo_server: MongoServer, tmp_path_factory: pytest.TempPathFactory) -> Archive:
    """The replica crawled over four days (built once per session)."""
    return archive_for(mongo_server, tmp_path_factory)


# --- the server -------------------------------------------------------------------------


@contextmanager
def serving(*args: str) -> Iterator[str]:
    """``hgcrawler serve --port 0 ARGS`` running; yields its base URL."""
    command = [sys.executable, "-m", "hgcrawler.cli", "serve", "--port", "0", *args]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = re.search(r"at (http://127\.0\.0\.1:\d+/)", line)
        if not found:
            process.kill()
            _out, err = process.communicate(timeout=10)
            pytest.fail(f"serve did not start: {line!r} {err}")
        yield found.group(1)
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=10)


def fetch(url: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def archive_args(archive: Archive) -> list[str]:
    return [*archive.args(), "--data-dir", str(archive.data_dir)]


# --- the browser --------------------------------------------------------------------------


@dataclass
class Watch:
    """What the browser reported while the test clicked."""

    errors: list[str] = field(default_factory=list)  # console errors of the application
    frame_messages: list[str] = field(default_factory=list)  # from archived pages
    dialogs: list[str] = field(default_factory=list)


@contextmanager
def browser_page() -> Iterator[tuple[Any, Watch]]:
    from playwright.sync_api import sync_playwright

    watch = Watch()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})

            def console(message: Any) -> None:
                where = str(message.location.get("url") or "")
                if message.type != "error":
                    return
                if "/raw?" in where or "sandboxed" in message.text:
                    watch.frame_messages.append(message.text)
                else:
                    watch.errors.append(f"{message.text} ({where})")

            def dialog(d: Any) -> None:
                watch.dialogs.append(d.message)
                d.dismiss()

            page.on("console", console)
            page.on("pageerror", lambda exc: watch.errors.append(f"page error: {exc}"))
            page.on("dialog", dialog)
            yield page, watch
        finally:
            browser.close()


def shot(page: Any, name: str, *, full_page: bool = False) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / name), full_page=full_page)


# --- pure pieces ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "link"),
    [
        ("https://haugiang.dcs.vn/tin/1.html", "https://haugiang.dcs.vn/tin/1.html"),
        ("HTTP://haugiang.dcs.vn/", "HTTP://haugiang.dcs.vn/"),
        ("javascript:alert(1)", None),
        ("  JaVaScRiPt:alert(1)", None),
        ("java\tscript:alert(1)", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("vbscript:msgbox(1)", None),
        ("//evil.example/x", None),
        ("/tin/1.html", None),
        ("https://a.example/\njavascript:alert(1)", None),
        (None, None),
        (42, None),
    ],
)
def test_only_http_urls_become_links(value: Any, link: str | None) -> None:
    from hgcrawler.show.web.app import safe_href

    assert safe_href(value) == link


def test_revision_differences_are_pieces_word_by_word() -> None:
    from hgcrawler.show.web.diffs import field_diffs, word_pieces

    assert word_pieces("Hội nghị sơ kết", "Hội nghị tổng kết") == [
        ("same", "Hội nghị"), ("del", "sơ"), ("ins", "tổng"), ("same", "kết"),
    ]  # fmt: skip
    old = {
        "title": "Hội nghị sơ kết", "updated_on": dt.datetime(2021, 3, 14, tzinfo=dt.UTC),
        "body": "Đoạn một giữ nguyên.\n\nĐoạn hai có năm chữ.\n\nĐoạn ba bỏ đi.",
        "images": [{"src": "a.jpg", "caption": "Ảnh"}],
    }  # fmt: skip
    new = {
        "title": "Hội nghị tổng kết", "updated_on": dt.datetime(2021, 3, 15, tzinfo=dt.UTC),
        "body": ["Đoạn một giữ nguyên.", "Đoạn hai có sáu chữ.", "Một đoạn hoàn toàn khác hẳn."],
        "images": [{"src": "a.jpg", "caption": "Ảnh"}],
    }  # fmt: skip
    changes = {c["field"]: c["lines"] for c in field_diffs(old, new)}
    assert list(changes) == ["title", "updated_on", "body"]
    assert changes["updated_on"] == [[("del", "2021-03-14"), ("ins", "2021-03-15")]]
    assert changes["body"] == [
        [("same", "¶2"), ("same", "Đoạn hai có"), ("del", "năm"), ("ins", "sáu"), ("same", "chữ.")],
        [("same", "¶3"), ("del", "Đoạn ba bỏ đi.")],
        [("same", "¶3"), ("ins", "Một đoạn hoàn toàn khác hẳn.")],
    ]
    assert field_diffs(old, old) == []


# --- the server's rules, without a browser ----------------------------------------------


def test_serve_is_read_only_and_sets_its_policies(archive: Archive) -> None:
    db = archive.db()
    observation = db.observations.find_one({"obs.warc": {"$ne": None}})
    db.client.close()
    assert observation is not None
    entry = next(e for e in observation["obs"] if e.get("warc"))
    with serving(*archive_args(archive)) as base:
        status, headers, body = fetch(base)
        assert status == 200
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "default-src 'none'" in policy
        assert "unsafe-inline" not in policy.split("style-src")[0]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert b"Overview" in body
        for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
            status, headers, _ = fetch(base + "articles", method)
            assert status == 405, method
            assert headers.get("Allow") == "GET, HEAD"
        assert fetch(base + "articles", "HEAD")[0] == 200
        assert fetch(base + "nothing-here")[0] == 404
        assert fetch(base + "articles?sort=bogus")[0] == 400
        status, _, body = fetch(base + "articles?sort=changed&page=6")
        assert status == 400 and b"250 articles deep" in body
        assert fetch(base + "article?id=haugiang:987654")[0] == 404
        # an article is named by its short id (issue 22), its full id kept as the title
        article_id = str(observation["article_id"])
        status, _, body = fetch(base + "article?" + urllib.parse.urlencode({"id": article_id}))
        shown = f'<code title="{escape(article_id)}">{escape(short_id(article_id))}</code>'
        assert status == 200 and shown.encode() in body

        query = urllib.parse.urlencode({"id": observation["article_id"], "crawl": entry["crawl"]})
        status, headers, body = fetch(f"{base}raw?{query}")
        assert status == 200
        raw_policy = headers["Content-Security-Policy"]
        assert raw_policy.startswith("sandbox;") and "allow-same-origin" not in raw_policy
        assert "script-src" not in raw_policy and "default-src 'none'" in raw_policy
        assert headers["Content-Type"].startswith("text/html")
        assert b"<html" in body.lower()


def test_serve_refuses_bad_options_and_warns_off_loopback(
    archive: Archive, mongo_server: MongoServer
) -> None:
    base = [sys.executable, "-m", "hgcrawler.cli", "serve"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [*base, "--port", "70000", *archive_args(archive)],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2 and "the port must be 0-65535" in done.stderr
    done = subprocess.run(
        [*base, "--site", "nowhere", *archive_args(archive)],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1 and "no site 'nowhere'" in done.stderr
    port = mongo_server.uri.split(":")[2].split("/")[0]
    secret_uri = f"mongodb://reader:s3cr3t-pw@127.0.0.1:{port}/?directConnection=true"
    done = subprocess.run(
        [*base, "--mongo-uri", secret_uri, "--database", archive.database, "--port", "1"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert "s3cr3t" not in done.stdout + done.stderr

    process = subprocess.Popen(
        [*base, "--host", "0.0.0.0", "--port", "0", *archive_args(archive)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
    )  # fmt: skip
    try:
        assert process.stdout is not None and process.stderr is not None
        line = process.stdout.readline()
        assert "at http://0.0.0.0:" in line
        warning = process.stderr.readline()
        assert "WARNING" in warning and "no login" in warning
    finally:
        process.terminate()
        process.wait(timeout=10)


# --- the article list, against the archive ----------------------------------------------


def test_article_list_filters_sorts_and_pages_as_the_archive_says(archive: Archive) -> None:
    db = archive.db()
    reader = ArchiveReader(db)
    articles = list(db.articles.find({}, {"views": 1, "removed_at": 1, "revision_count": 1,
                                          "category": 1, "old_urls": 1, "title": 1}))  # fmt: skip
    everything = browse_articles(reader, ArticleQuery(per_page=500))
    assert everything.total == len(articles)
    views = [row["views"] if row["views"] is not None else -1 for row in everything.rows]
    assert views == sorted(views, reverse=True)

    removed = browse_articles(reader, ArticleQuery(state="removed", per_page=500))
    assert {r["article_id"] for r in removed.rows} == {
        d["_id"] for d in articles if d.get("removed_at")
    }
    truth = archive.truth[DAYS]
    deleted = {aid(k) for k, t in truth.items() if t.status == "deleted" and not t.malformed}
    assert deleted and deleted <= {r["article_id"] for r in removed.rows}
    edited = browse_articles(reader, ArticleQuery(state="edited", per_page=500))
    assert {r["article_id"] for r in edited.rows} == {
        d["_id"] for d in articles if (d.get("revision_count") or 1) > 1
    }
    live = browse_articles(reader, ArticleQuery(state="live", per_page=500))
    assert live.total + removed.total == everything.total

    category = articles[0]["category"]
    in_category = browse_articles(reader, ArticleQuery(category=category, per_page=500))
    assert in_category.total == sum(d.get("category") == category for d in articles)

    # paging: the pages together are the whole list, in order, none twice
    paged = [
        row["article_id"]
        for page in range(1, 5)
        for row in browse_articles(reader, ArticleQuery(per_page=17, page=page)).rows
    ]
    assert paged == [row["article_id"] for row in everything.rows][: len(paged)]

    # words: accents and case ignored; every row holds them
    title = next(d["title"] for d in articles if d.get("title") and len(d["title"].split()) > 3)
    word = max(re.findall(r"\w+", title), key=len)
    plain = fold(word)
    found = browse_articles(reader, ArticleQuery(text=plain.upper(), per_page=500))
    assert found.total >= 1
    assert all(plain in fold(row["title"] + " " + row.get("snippet", "")) for row in found.rows)

    dates = browse_articles(reader, ArticleQuery(sort="date", per_page=500))
    days = [row["updated_on"] for row in dates.rows]
    assert days == sorted(days, reverse=True)
    growth = browse_articles(reader, ArticleQuery(sort="growth", window_days=3650, per_page=500))
    gained = [row["gained"] for row in growth.rows]
    assert gained and gained == sorted(gained, reverse=True) and max(gained) > 0
    db.client.close()


def test_article_list_by_last_change(archive: Archive) -> None:
    db = archive.db()
    reader = ArchiveReader(db)
    last: dict[str, dt.datetime] = {}

    def saw(article_id: str, when: Any) -> None:
        if isinstance(when, dt.datetime) and (article_id not in last or when > last[article_id]):
            last[article_id] = when

    for revision in db.revisions.find({}, {"article_id": 1, "first_seen_at": 1}):
        saw(revision["article_id"], revision["first_seen_at"])
    for move in db.moves.find({}, {"article_id": 1, "at": 1}):
        saw(move["article_id"], move["at"])
    for doc in db.articles.find({"removed_at": {"$ne": None}}, {"removed_at": 1}):
        saw(doc["_id"], doc["removed_at"])
    newest = sorted(last.values(), reverse=True)

    pages = [
        browse_articles(reader, ArticleQuery(sort="changed", per_page=15, page=p)) for p in (1, 2)
    ]
    rows = pages[0].rows + pages[1].rows
    assert pages[0].total == len(last)
    assert len({r["article_id"] for r in rows}) == len(rows) == 30
    assert [r["changed_at"] for r in rows] == newest[:30]
    assert all(r["changed_at"] == last[r["article_id"]] for r in rows)

    with pytest.raises(ArchiveQueryError, match="250 articles deep"):
        ArticleQuery(sort="changed", page=6)
    with pytest.raises(ArchiveQueryError, match="250 articles deep"):
        ArticleQuery(sort="changed", page=1, per_page=500)
    edited = browse_articles(reader, ArticleQuery(sort="changed", state="edited", per_page=250))
    assert edited.rows and all("edited" in r["state"] for r in edited.rows)
    expected = sorted((last[r["article_id"]] for r in edited.rows), reverse=True)
    assert [r["changed_at"] for r in edited.rows] == expected
    db.client.close()


def test_site_summary_is_the_series_counts(archive: Archive) -> None:
    db = archive.db()
    reader = ArchiveReader(db)
    for site in reader.sites:
        summary = site_summary(reader, site)
        series = reader.series(site)
        assert summary["counts"] == series.counts()
        assert (summary["views"], summary["counted"]) == series.total()
        assert summary["counts"]["articles"] == len(truth_ids(archive))
    db.client.close()


def test_memo_keeps_the_series_until_a_crawl_saves(mongo_uri: str, archive_db_name: str) -> None:
    from tests.test_storage import article as article_record

    store = MongoArchiveStore(mongo_uri, archive_db_name, write_retries=1)
    store.ensure_indexes()
    try:
        crawl_id = store.begin_crawl("full", "https://haugiang.dcs.vn/")
        store.write_batch(crawl_id, [article_record()])
        store.finish_crawl(crawl_id, "finished", {"pages": 1}, [])
        memo = ArchiveMemo()
        first = memo.reader(store.db).series("haugiang")
        assert len(first) == 1
        assert memo.reader(store.db).series("haugiang") is first
        views = memo.reader(store.db).site_views()
        assert memo.reader(store.db).site_views() is views
        calls: list[int] = []
        answer = remembered(memo.reader(store.db), "k", lambda: calls.append(1) or [len(calls)])
        assert remembered(memo.reader(store.db), "k", lambda: [0]) is answer and calls == [1]

        url = "https://haugiang.dcs.vn/tin/bai-moi-5678.html"
        crawl_id = store.begin_crawl("incremental", "https://haugiang.dcs.vn/")
        store.write_batch(crawl_id, [article_record(url=url, requested_url=url)])
        store.finish_crawl(crawl_id, "finished", {"pages": 1}, [])
        again = memo.reader(store.db)
        assert again.series("haugiang") is not first and len(again.series("haugiang")) == 2
        assert site_summary(again, "haugiang")["counts"]["articles"] == 2
        assert remembered(again, "k", lambda: ["recomputed"]) == ["recomputed"]
        assert remembered(ArchiveReader(store.db), "k", lambda: ["plain"]) == ["plain"]
    finally:
        store.close()


def test_every_page_asks_in_a_shape_an_index_serves(archive: Archive, hostile: Hostile) -> None:
    """Every filter the pages send to a growing collection is planned on an index."""
    from hgcrawler.show.web import create_app
    from tests.command_capture import brief, capturing, plan_of
    from tests.test_query_plans import GROWING

    with capturing() as capture:
        for args in (archive_args(archive), hostile.args):
            uri, database, data_dir = args[1], args[3], Path(args[5])
            from pymongo import MongoClient

            client: MongoClient[dict[str, Any]] = MongoClient(uri, tz_aware=True)
            db = client[database]
            sample = db.observations.find_one({"obs.warc": {"$ne": None}})
            assert sample is not None
            crawl_id = next(e["crawl"] for e in sample["obs"] if e.get("warc"))
            ids = {"id": sample["article_id"], "crawl": crawl_id}
            http = create_app(db, data_dir).test_client()
            for path in (
                "/", "/?days=7", f"/?days=30&until={dt.date.today().isoformat()}",
                "/articles", "/articles?sort=growth", "/articles?sort=date&state=edited",
                "/articles?state=doubtful", "/articles?state=removed&q=tin",
                "/articles?sort=changed",
                f"/article?{urllib.parse.urlencode({'id': sample['article_id']})}",
                f"/replay?{urllib.parse.urlencode(ids)}", f"/raw?{urllib.parse.urlencode(ids)}",
                f"/crawl/{crawl_id}",
            ):  # fmt: skip
                assert http.get(path).status_code == 200, path
            client.close()
    assert {s.collection for s in capture.sent} >= {"articles", "crawls", "rejects", "series"}
    from pymongo import MongoClient

    client = MongoClient(archive_args(archive)[1], tz_aware=True)
    scans = []
    try:
        for sent in capture.sent:
            if sent.collection not in GROWING or not sent.stack:
                continue  # not a growing collection, or the test's own
            plan = plan_of(client[sent.database], sent.collection, sent.filter)
            if plan["stage"] == "COLLSCAN":
                scans.append(f"{sent.collection} {brief(sent.filter)!r} from {sent.stack}")
    finally:
        client.close()
    assert not scans, "collection scans:\n" + "\n".join(scans)


def test_two_sites_share_one_list(mongo_uri: str, archive_db_name: str) -> None:
    from hgcrawler.show.web import create_app
    from tests.test_storage import article as article_record

    for site, views, url in (
        ("haugiang", 120, "https://haugiang.dcs.vn/tin/hoi-nghi-1234.html"),
        ("camau", 900, "https://camau.dcs.vn/tin/hoi-nghi-1234.html"),
    ):
        store = MongoArchiveStore(mongo_uri, archive_db_name, site=site, write_retries=1)
        store.ensure_indexes()
        crawl_id = store.begin_crawl("full", url)
        store.write_batch(crawl_id, [article_record(url=url, requested_url=url, views=views)])
        store.finish_crawl(crawl_id, "finished", {"pages": 1}, [])
        store.close()
    from pymongo import MongoClient

    client: MongoClient[dict[str, Any]] = MongoClient(mongo_uri, tz_aware=True)
    try:
        db = client[archive_db_name]
        both = browse_articles(ArchiveReader(db), ArticleQuery())
        assert [(r["site"], r["views"]) for r in both.rows] == [("camau", 900), ("haugiang", 120)]
        one = browse_articles(ArchiveReader(db), ArticleQuery(site="haugiang"))
        assert [r["site"] for r in one.rows] == ["haugiang"]
        only = browse_articles(ArchiveReader(db, ["camau"]), ArticleQuery(sort="changed"))
        assert [r["site"] for r in only.rows] == ["camau"]
        http = create_app(db, Path("/nonexistent")).test_client()
        page = http.get("/").get_data(as_text=True)
        assert 'data-site="camau"' in page and 'data-site="haugiang"' in page
        listing = http.get("/articles?site=camau").get_data(as_text=True)
        assert "camau" in listing and '<option value="camau" selected>' in listing
        assert http.get("/articles?site=nowhere").status_code == 400
    finally:
        client.close()


# --- the main paths, in Chromium ---------------------------------------------------------


@pytest.mark.browser
@browser_needed
def test_main_paths_in_chromium(archive: Archive) -> None:
    db = archive.db()
    edited = db.revisions.find_one({"number": 2})
    assert edited is not None, "the replica's four days edit some article"
    first = db.revisions.find_one({"article_id": edited["article_id"], "number": 1})
    article = db.articles.find_one({"_id": edited["article_id"]})
    assert first is not None and article is not None
    observations = sorted(
        (e for b in db.observations.find({"article_id": article["_id"]}) for e in b["obs"]),
        key=lambda e: e["at"],
    )
    countless = db.observations.find_one({"obs": {"$elemMatch": {"status": 200, "views": None}}})
    assert countless is not None, "the replica has a page without a count"
    missing = sum(
        1
        for b in db.observations.find({"article_id": countless["article_id"]})
        for e in b["obs"]
        if e.get("views") is None
    )
    first_crawl = archive.crawl_ids[0]
    rejected = db.rejects.count_documents({"crawl_id": first_crawl})
    db.client.close()
    word = max(re.findall(r"\w+", article["title"]), key=len)

    with serving(*archive_args(archive)) as base, browser_page() as (page, watch):
        page.goto(base)
        page.wait_for_selector("#chart-site-1 canvas")
        assert (
            page.locator("[data-key=articles]").first.inner_text() == f"{len(truth_ids(archive)):,}"
        )
        crawls = page.locator("#timeline .tl-crawl")
        assert crawls.count() == DAYS
        assert page.locator("#timeline .tl-crawl.status-finished").count() >= 1

        # the overview's crawl: one click away
        crawls.first.click()
        page.wait_for_selector("#summary")
        assert first_crawl in page.inner_text("h1")
        assert page.locator("#problems").count() == 1
        assert f"Rejected pages ({rejected:,}" in page.inner_text("#rejects")
        assert page.locator("details.reject").count() == min(rejected, 100)
        if rejected:
            page.locator("details.reject summary").first.click()
            assert page.locator("details.reject pre.excerpt").first.is_visible()
        shot(page, "serve-crawl.png", full_page=True)

        # search, accents ignored, from the header's box
        page.fill("header input[name=q]", fold(word))
        page.press("header input[name=q]", "Enter")
        page.wait_for_selector("#articles")
        assert article["title"] in page.inner_text("#articles")

        # filters: the edited ones, sorted by date
        page.goto(base + "articles")
        page.select_option("select[name=state]", "edited")
        page.select_option("select[name=sort]", "date")
        page.click("#filters button")
        page.wait_for_url(re.compile(r"state=edited"))
        assert page.locator("#articles tbody tr .tag-edited").count() >= 1
        page.get_by_role("link", name=article["title"], exact=True).first.click()

        # the article: chart drawn with a point per visit, the diff shown
        page.wait_for_selector("#views-chart canvas")
        assert page.inner_text("#article-title") == article["title"]
        assert page.get_attribute("#views-chart", "data-points") == str(len(observations))
        drawn = page.evaluate(
            "() => { const u = window.hgcrawlerCharts[0]; const c = u.ctx.canvas;"
            " const d = u.ctx.getImageData(0, 0, c.width, c.height).data; let ink = 0;"
            " for (let i = 3; i < d.length; i += 4) if (d[i] > 0) ink++;"
            " return {views: u.data[1], ink: ink}; }"
        )
        assert drawn["views"] == [e.get("views") for e in observations]
        assert drawn["ink"] > 2000
        diff = page.locator("#revision-2 table.diff")
        assert diff.count() == 1
        inserted = " ".join(diff.locator("ins").all_inner_texts())
        deleted = " ".join(diff.locator("del").all_inner_texts())
        assert inserted or deleted
        fields = diff.locator("th").all_inner_texts()
        changed = [f for f in FIELDS if revision_text(first, f) != revision_text(edited, f)]
        assert [f for f in fields if f] == changed
        old_words = {w for f in FIELDS for w in revision_text(first, f).split()}
        new_words = {w for f in FIELDS for w in revision_text(edited, f).split()}
        assert set(deleted.split()) <= old_words
        assert set(inserted.split()) <= new_words

        # an article whose page showed no count: those visits are marked on its chart
        page.goto(f"{base}article?{urllib.parse.urlencode({'id': countless['article_id']})}")
        page.wait_for_selector("#views-chart canvas")
        assert f"{missing} where the page showed no count" in page.inner_text("#views")
        marked = page.evaluate("() => window.hgcrawlerCharts[0].data[2].filter(v => v !== null)")
        assert len(marked) == missing
        page.go_back()
        page.wait_for_selector("#views-chart canvas")

        # a capture replayed: the raw page in its frame, its time stated
        page.locator("#captures a.replay-link").first.click()
        page.wait_for_selector("#replay-frame")
        stated = page.inner_text("#capture-time")
        latest = observations[-1]["at"].astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        assert latest in stated
        frame = page.frame_locator("#replay-frame")
        frame.locator("body").wait_for()
        assert article["title"] in frame.locator("body").inner_text()
        assert page.get_attribute("#replay-frame", "sandbox") == ""
        shot(page, "serve-replay.png")

    assert watch.dialogs == []
    assert watch.errors == []


def revision_text(revision: dict[str, Any], name: str) -> str:
    """A field of a stored revision as words (dates as ISO days, images as src and caption)."""
    value = revision.get(name)
    if name == "body":
        return " ".join(paragraphs(value))
    if name == "images":
        return " ".join(f"{i.get('src')} — {i.get('caption')}" for i in value or [])
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return "" if value is None else str(value)


def truth_ids(archive: Archive) -> set[str]:
    return {k for k, t in archive.truth[DAYS].items() if not t.malformed}


# --- hostile content ------------------------------------------------------------------------


HOSTILE_TITLE = '<script>alert("title")</script>Tin <b>độc</b> "><img src=x onerror=alert(1)>'
HOSTILE_CAPTION = "<img src=x onerror=alert('caption')>"
HOSTILE_URL = "javascript:alert('url')"
RAW_PAGE = """<!doctype html><html><head><title>Archived</title>
<script>
  try { parent.document.title = 'PWNED'; } catch (e) {}
  try { top.document.body.innerHTML = 'PWNED'; } catch (e) {}
  try { window.parent.localStorage.setItem('pwned', '1'); } catch (e) {}
  alert('raw page script');
</script></head>
<body onload="alert('onload')"><h1 id="archived">Bài viết lưu trữ</h1>
<p><a id="js-link" href="javascript:alert('raw link')">a javascript: link</a></p>
<img src="x" onerror="alert('raw onerror')">
<form action="/articles" method="post"><button id="post-it">post</button></form>
</body></html>"""


@dataclass
class Hostile:
    args: list[str]
    article_id: str
    crawl_id: str


@pytest.fixture(scope="module")
def hostile(
    mongo_server: MongoServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Hostile]:
    """An archive written through the store whose values are hostile."""
    from scrapy.http import HtmlResponse, Request

    from hgcrawler.fetch.warc import RotatingWarcWriter, response_records
    from tests.test_storage import article as article_record

    data_dir = tmp_path_factory.mktemp("hostile")
    database = f"test_hostile_{uuid.uuid4().hex[:8]}"
    store = MongoArchiveStore(mongo_server.uri, database, write_retries=1)
    store.ensure_indexes()
    crawl_id = store.begin_crawl("full", "https://haugiang.dcs.vn/")
    url = "https://haugiang.dcs.vn/tin/bai-doc-4321.html"
    writer = RotatingWarcWriter(
        data_dir / "warc" / crawl_id, f"hgcrawler-{crawl_id}", 10**8, relative_to=data_dir
    )
    request = Request(url)
    response = HtmlResponse(
        url, body=RAW_PAGE.encode(), headers={"Content-Type": "text/html; charset=utf-8"},
        request=request,
    )  # fmt: skip
    locations = writer.write(
        list(response_records(writer.builder, request, response, dt.datetime.now(dt.UTC)))
    )
    writer.close()
    record = article_record(
        url=url,
        requested_url=url,
        fetched_at=dt.datetime.now(dt.UTC).isoformat(),
        title=HOSTILE_TITLE,
        category="<svg onload=alert('category')>",
        author='"><script>alert("author")</script>',
        lede="Xem <a href=\"javascript:alert('lede')\">đây</a>",
        body="javascript:alert('body')\n\n<iframe src=javascript:alert('body2')></iframe>",
        images=[{"src": "javascript:alert('src')", "caption": HOSTILE_CAPTION}],
        warc=locations[1],
    )
    reject = {
        "type": "reject", "url": "https://haugiang.dcs.vn/tin/hong.html", "reason": "not_parsable",
        "detail": "<img src=x onerror=alert('detail')>", "status": 200,
        "fetched_at": dt.datetime.now(dt.UTC).isoformat(),
        "excerpt": "<script>alert('excerpt')</script><b>bold</b>",
    }  # fmt: skip
    store.write_batch(crawl_id, [record, reject])
    store.finish_crawl(crawl_id, "degraded", {"pages": 2}, ["<script>alert('problem')</script>"])
    article_id = store.db.articles.find_one({}, {"_id": 1})["_id"]
    # a URL no crawl would store, as another tool writing the schema might
    store.db.articles.update_one({"_id": article_id}, {"$set": {"url": HOSTILE_URL}})
    store.db.moves.insert_one(
        {"_id": f"{article_id}@{crawl_id}:x", "site": "haugiang", "article_id": article_id,
         "from_url": "javascript:alert('move')", "to_url": HOSTILE_URL, "evidence": "<i>id</i>",
         "crawl_id": crawl_id, "at": dt.datetime.now(dt.UTC)}
    )  # fmt: skip
    store.close()
    try:
        yield Hostile(
            args=["--mongo-uri", mongo_server.uri, "--database", database,
                  "--data-dir", str(data_dir)],
            article_id=str(article_id),
            crawl_id=crawl_id,
        )  # fmt: skip
    finally:
        from pymongo import MongoClient

        client: MongoClient[dict[str, Any]] = MongoClient(mongo_server.uri)
        client.drop_database(database)
        client.close()


INJECTED = (
    "() => ({scripts: [...document.scripts]"
    ".filter(s => !s.src && s.type !== 'application/json').length,"
    " images: document.images.length, title: document.title,"
    " svgs: document.querySelectorAll('svg').length,"
    " iframes: [...document.querySelectorAll('iframe')].map(f => f.id),"
    " jsLinks: [...document.links].filter(a => !/^https?:/.test(a.href)).length,"
    " pwned: window.localStorage.getItem('pwned')})"
)


@pytest.mark.browser
@browser_needed
def test_hostile_content_is_harmless_in_chromium(hostile: Hostile) -> None:
    with serving(*hostile.args) as base, browser_page() as (page, watch):
        query = urllib.parse.urlencode({"id": hostile.article_id})
        pages = [
            base,
            base + "articles",
            base + "articles?q=tin+doc",
            f"{base}article?{query}",
            f"{base}crawl/{hostile.crawl_id}",
        ]
        for url in pages:
            page.goto(url)
            found = page.evaluate(INJECTED)
            assert (found["scripts"], found["images"], found["svgs"]) == (0, 0, 0), (url, found)
            assert found["iframes"] == [] and found["jsLinks"] == 0, (url, found)
            assert found["pwned"] is None
        # the values are there, as text
        page.goto(f"{base}article?{query}")
        assert page.inner_text("#article-title") == HOSTILE_TITLE
        assert HOSTILE_CAPTION in page.inner_text("#fields")
        assert HOSTILE_URL in page.inner_text("#fields")
        page.goto(f"{base}crawl/{hostile.crawl_id}")
        page.locator("details.reject summary").first.click()
        assert "<script>alert('excerpt')</script>" in page.inner_text("pre.excerpt")
        assert "<script>alert('problem')</script>" in page.inner_text("ul.problems")

        # the raw page: framed, sandboxed, its scripts never run, the parent untouched
        capture = urllib.parse.urlencode({"id": hostile.article_id, "crawl": hostile.crawl_id})
        page.goto(f"{base}replay?{capture}")
        title = page.title()
        frame = page.frame_locator("#replay-frame")
        assert frame.locator("#archived").inner_text() == "Bài viết lưu trữ"
        frame.locator("#js-link").click()
        frame.locator("#post-it").click()
        page.wait_for_timeout(500)
        assert page.title() == title and "PWNED" not in page.content()
        assert page.evaluate(INJECTED)["pwned"] is None
        shot(page, "serve-replay-hostile.png")

        # the raw route opened on its own is sandboxed by its own policy
        page.goto(f"{base}raw?{capture}")
        page.wait_for_timeout(300)
        assert page.evaluate("() => window.origin") == "null"
        assert (
            page.evaluate(
                "() => { try { return localStorage.length; } catch (e) { return 'denied'; } }"
            )
            == "denied"
        )

    assert watch.dialogs == []
    assert watch.errors == []
    assert watch.frame_messages, "the archived page's scripts were refused, and said so"


# --- a long history, as the documentation shows it -------------------------------------------


OUTCOMES_SHOWN = ("degraded", "failed", "interrupted")
PROBLEMS = (
    "layout changed: views on 3% of article pages (was 97%)",
    "the site stopped answering: 40 timeouts in a row",
    "interrupted by SIGTERM after 212 pages",
)


def built_end(built: Any) -> dt.datetime:
    return dt.datetime.fromisoformat(str(built.summary()["end"]))


@pytest.fixture(scope="module")
def long_history(mongo_server: MongoServer) -> Iterator[tuple[str, Any]]:
    """Four months of a small portal, built as the archive benchmark builds years (no raw
    responses behind it: its WARC locations are made up)."""
    from pymongo import MongoClient

    from benchmarks.archive import ArchiveSpec, build_archive

    client: MongoClient[dict[str, Any]] = MongoClient(mongo_server.uri, tz_aware=True)
    name = f"test_serve_long_{uuid.uuid4().hex[:8]}"
    spec = ArchiveSpec(
        articles=600, days=120, new_per_day=3, edits_per_day=2, removals_per_day=0.5,
        moves_per_day=0.3, final_hours=3,
    )  # fmt: skip
    built = build_archive(client[name], mongo_server.uri, spec, end=dt.datetime.now(dt.UTC))
    # the builder's crawls all finish; three recent ones end as real ones sometimes do
    recent = sorted(
        client[name].crawls.find(
            {"started_at": {"$gte": built_end(built) - dt.timedelta(days=20)}}
        ),
        key=lambda c: c["started_at"],
    )
    for crawl, status, problem in zip(recent[::40], OUTCOMES_SHOWN, PROBLEMS, strict=False):
        client[name].crawls.update_one(
            {"_id": crawl["_id"]}, {"$set": {"status": status, "problems": [problem]}}
        )
    try:
        yield name, built
    finally:
        client.drop_database(name)
        client.close()


@pytest.mark.browser
@browser_needed
def test_a_long_history_in_chromium(
    mongo_server: MongoServer, long_history: tuple[str, Any], tmp_path: Path
) -> None:
    from pymongo import MongoClient

    database, _built = long_history
    client: MongoClient[dict[str, Any]] = MongoClient(mongo_server.uri, tz_aware=True)
    db = client[database]
    days = db.series_days.count_documents({"site": "haugiang"})
    edited = max(
        db.articles.find({"revision_count": {"$gt": 1}}, {"title": 1, "revision_count": 1}),
        key=lambda d: (d["revision_count"], d["_id"]),
    )
    visits = sum(len(b["obs"]) for b in db.observations.find({"article_id": edited["_id"]}))
    client.close()
    args = ["--mongo-uri", mongo_server.uri, "--database", database, "--data-dir", str(tmp_path)]
    with serving(*args) as base, browser_page() as (page, watch):
        page.goto(base)
        page.wait_for_selector("#chart-site-1 canvas")
        assert page.get_attribute("#chart-site-1", "data-points") == str(days)
        assert page.locator("#timeline .tl-day").count() >= 25  # one row a day with crawls
        shot(page, "serve-overview.png", full_page=False)
        days_shown = page.locator("#timeline .tl-date").all_inner_texts()
        assert days_shown == sorted(days_shown, reverse=True)  # the latest day first
        if SHOTS:
            page.locator("#crawls").screenshot(path=str(Path(SHOTS) / "serve-crawls.png"))
        for status, problem in zip(OUTCOMES_SHOWN, PROBLEMS, strict=True):
            assert page.locator(f"#timeline .tl-crawl.status-{status}").count() == 1
            assert problem in page.inner_text("#troubled")
        page.locator("#timeline .tl-crawl.status-degraded").click()
        page.wait_for_selector("#problems")
        assert PROBLEMS[0] in page.inner_text("ul.problems")
        page.go_back()
        page.click("#earlier")
        page.wait_for_url(re.compile(r"until="))
        assert page.locator("#timeline .tl-crawl").count() > 0
        assert page.locator("#later").count() == 1

        page.goto(base + "articles?sort=growth&window=30")
        assert "by views gained since" in page.inner_text("#result-count")
        gained = [
            int(t.replace(",", "").replace("+", ""))
            for t in page.locator("#articles tbody td.num:nth-child(6)").all_inner_texts()
        ]
        assert gained and gained == sorted(gained, reverse=True)
        shot(page, "serve-articles.png")
        page.click("#pager a:has-text('next')")
        page.wait_for_url(re.compile(r"page=2"))
        assert "page 2 of" in page.inner_text("#result-count")

        page.goto(f"{base}article?{urllib.parse.urlencode({'id': edited['_id']})}")
        page.wait_for_selector("#views-chart canvas")
        assert page.get_attribute("#views-chart", "data-points") == str(visits)
        assert (
            page.locator("section#revisions article.revision").count() == edited["revision_count"]
        )
        assert page.locator("table.diff ins, table.diff del").count() > 0
        page.evaluate("() => document.getElementById('views').scrollIntoView()")
        shot(page, "serve-article.png")
        if SHOTS:
            page.locator("section#revisions article.revision").first.screenshot(
                path=str(Path(SHOTS) / "serve-diff.png")
            )
    assert watch.dialogs == [] and watch.errors == []


# --- the benchmark itself ---------------------------------------------------------------------


def test_the_page_benchmark_times_every_page(tmp_path: Path) -> None:
    """``benchmarks/serve_bench.py`` on a tiny archive: every page answers 200 and is timed
    warm and cold (the figures in docs/performance.md come from large ones)."""
    from benchmarks.archive import ArchiveSpec
    from benchmarks.serve_bench import PAGE_BUDGET_MS, bench_serve

    spec = ArchiveSpec(
        articles=150, days=15, new_per_day=2, edits_per_day=2, removals_per_day=0.5,
        moves_per_day=0.3, final_hours=3,
    )  # fmt: skip
    result = bench_serve(spec, tmp_path, runs=2, log=lambda _line: None)
    assert len(result["pages"]) == 20
    paths = {row["path"].split("?")[0] for row in result["pages"]}
    assert {"/", "/articles", "/article", "/replay"} <= paths
    for row in result["pages"]:
        assert 0 < row["median_ms"] <= row["max_ms"] and row["cold_median_ms"] > 0
        assert row["bytes"] > 1000
    assert result["within_budget"] == (result["slowest_ms"] <= PAGE_BUDGET_MS)
    assert result["archive"]["articles"] > 100


def test_articles_with_doubtful_fields_are_listed_as_doubtful(
    mongo_uri: str, archive_db_name: str
) -> None:
    """An article whose page read with doubtful fields (the plausibility checks) is in
    the doubtful state, found through the (doubtful) index; a sound one is not."""
    from tests.test_storage import article as article_record

    store = MongoArchiveStore(mongo_uri, archive_db_name, write_retries=1)
    store.ensure_indexes()
    try:
        crawl_id = store.begin_crawl("full", "https://haugiang.dcs.vn/")
        doubted = "https://haugiang.dcs.vn/tin/bai-nghi-ngo-1111.html"
        sound = "https://haugiang.dcs.vn/tin/bai-tot-2222.html"
        store.write_batch(
            crawl_id,
            [
                article_record(url=doubted, requested_url=doubted, doubtful=["author"]),
                article_record(url=sound, requested_url=sound, title="Một bài khác hẳn"),
            ],
        )
        store.finish_crawl(crawl_id, "finished", {"pages": 2}, [])
        reader = ArchiveReader(store.db)
        listed = browse_articles(reader, ArticleQuery(state="doubtful", per_page=50))
        urls = {row["url"] for row in listed.rows}
        assert doubted in urls and sound not in urls
        from tests.command_capture import plan_of

        plan = plan_of(store.db, "articles", {"doubtful": {"$in": ["author"]}})
        assert plan["stage"] != "COLLSCAN"
    finally:
        store.close()
