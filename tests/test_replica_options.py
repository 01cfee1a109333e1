"""Opt-in options of the replica: slug URLs, themes, script counters, request log,
a portal that stops answering or freezes to a maintenance page."""

from __future__ import annotations

import itertools
import json
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator

import pytest

from hgcrawler.replica import ArticleTruth, ReplicaServer, ReplicaSite, Request
from hgcrawler.replica.content import TITLE_EDIT_SUFFIXES
from hgcrawler.replica.site import (
    COUNTER_HANDLER_NEW_PATH,
    COUNTER_HANDLER_PATH,
    COUNTER_SCRIPT_PATH,
    SEED_ARTICLE_ID,
)
from hgcrawler.replica.themes import PROVINCE2_SITE_NAME, SITE_NAME, WEEKDAYS
from tests.test_replica import NEXT_LINK, fetch, nfc, page_text

ID_TAIL = re.compile(r"-(\d+)\.html$")


def serve(site: ReplicaSite, host: str = "127.0.0.1") -> ReplicaServer:
    return ReplicaServer(site, host=host, port=0)


@pytest.fixture
def slug_site() -> ReplicaSite:
    return ReplicaSite(articles=120, day=1, url_scheme="slugs")


def first_day_with(site: ReplicaSite, status: str, at_least: int = 1) -> list[ArticleTruth]:
    """Move the site forward until ``at_least`` articles have ``status``."""
    day = site.day
    while True:
        found = [a for a in site.articles() if a.status == status]
        if len(found) >= at_least:
            return found
        day += 1
        site.set_day(day)


def unedited(title: str) -> str:
    """A title without the suffix an editor adds on a title edit."""
    for suffix in TITLE_EDIT_SUFFIXES:
        title = title.removesuffix(suffix)
    return title


def crawl_listing(server: ReplicaServer, slug: str) -> list[str]:
    """Every href of a listing's pages (following the classic "next" link)."""
    url: str | None = server.url(f"/{slug}/")
    hrefs: list[str] = []
    while url:
        html = nfc(fetch(url)[2])
        hrefs.extend(re.findall(r'href="([^"]+)"', html))
        following = NEXT_LINK.search(html)
        url = server.url(following.group(1)) if following else None
    return hrefs


# ------------------------------------------------------------- slug URLs
def test_slug_urls_carry_no_id_and_defeat_trailing_number_guessing(
    slug_site: ReplicaSite,
) -> None:
    slug_site.set_day(30)
    truths = list(slug_site.articles())
    urls = [a.url for a in truths] + [a.old_url for a in truths if a.old_url]
    assert len(urls) == len(set(urls)), "every article has its own URLs"
    segments = []
    for truth in truths:
        for url in filter(None, (truth.url, truth.old_url)):
            segment = url.rsplit("/", 1)[1]
            assert segment.endswith(".html")
            assert str(truth.id) not in url, url
            segments.append(segment[:-5])
        if truth.status == "live":
            assert truth.url.startswith("/tin-tuc/") and truth.url.count("/") == 2
    assert sum(s.endswith("-nam-2021") for s in segments) >= 40
    assert sum(bool(re.search(r"-lan-thu-\d+$", s)) for s in segments) >= 15
    anniversary = re.compile(r"-(nhan-ky-niem|chao-mung-ngay)-\d+-\d+$")
    assert sum(bool(anniversary.search(s)) for s in segments) >= 15
    # recurring titles: the same title, the CMS's -2, -3... on the slug, in publication order
    published_title = {a.id: unedited(a.title) for a in truths}
    by_title = Counter(published_title.values())
    repeated = [title for title, n in by_title.items() if n >= 3]
    assert len(repeated) >= 2
    for title in repeated:
        same = sorted((a for a in truths if published_title[a.id] == title), key=lambda a: a.id)
        first_urls = [a.old_url or a.url for a in same]  # the URL given at publication
        base = first_urls[0][len("/tin-tuc/") : -len(".html")]
        assert first_urls == [f"/tin-tuc/{base}.html"] + [
            f"/tin-tuc/{base}-{n}.html" for n in range(2, len(same) + 1)
        ]
    # a crawler keying on the trailing number would merge many articles into one
    trailing = Counter(m.group(1) for s in segments if (m := re.search(r"-(\d+)$", s)))
    assert trailing["2021"] >= 40 and trailing["2"] >= 5 and trailing["3"] >= 3


def test_slug_titles_and_slugs_follow_the_cms_rules(slug_site: ReplicaSite) -> None:
    truths = {a.id: a for a in slug_site.articles()}
    seed = truths[SEED_ARTICLE_ID]
    assert seed.url == (
        "/tin-tuc/thuong-truc-tinh-uy-lam-viec-dinh-ky-voi-cac-co-quan-tham-muu-giup-viec"
        "-tinh-uy-va-cac-co-quan-co-lien-quan.html"
    )
    for truth in truths.values():
        if truth.title.endswith(" năm 2021"):
            assert truth.url.endswith("-nam-2021.html") or re.search(
                r"-nam-2021-\d+\.html$", truth.url
            )
    # the same articles under the ids scheme: same text, ids in the URLs, no tails
    ids_site = ReplicaSite(articles=120, day=1)
    for truth in ids_site.articles():
        slugged = truths[truth.id]
        assert (slugged.lede, slugged.body, slugged.category) == (
            truth.lede,
            truth.body,
            truth.category,
        )
        assert truth.url.endswith(f"-{truth.id}.html")
        if slugged.title not in ("Tin vắn", "Điểm tin trong tuần", "Thông báo"):
            assert slugged.title.startswith(truth.title)


def test_slug_site_serves_articles_and_listings(slug_site: ReplicaSite) -> None:
    slug_site.set_day(6)
    with serve(slug_site) as server:
        for slug, name in slug_site.categories:
            hrefs = crawl_listing(server, slug)
            live = [a for a in slug_site.live_articles() if a.category == name]
            assert {a.url for a in live} <= set(hrefs)
        for truth in slug_site.live_articles():
            status, _, body = fetch(truth.absolute_url(server.base_url))
            assert status == 200, truth.url
            if truth.variant != "malformed_no_title":
                assert truth.title in nfc(body)
        # the ids-scheme spelling of an article and unknown slugs are 404
        truth = slug_site.article(SEED_ARTICLE_ID)
        for path in (
            f"/tin-trong-tinh/thuong-truc-tinh-uy-lam-viec-dinh-ky-voi-cac-co-quan-{truth.id}.html",
            "/tin-tuc/khong-co-bai-nay.html",
            truth.url.replace(".html", "-2.html"),
        ):
            assert fetch(server.url(path))[0] == 404, path


def test_title_edits_keep_the_slug_url(slug_site: ReplicaSite) -> None:
    original = {a.id: a for a in slug_site.articles()}
    slug_site.set_day(25)
    edited = [
        a
        for a in slug_site.articles()
        if a.id in original and a.title != original[a.id].title and a.status == "live"
    ]
    assert edited
    for truth in edited:
        assert truth.url == original[truth.id].url


@pytest.mark.parametrize(
    ("scheme", "redirect_moves", "split"),
    [("slugs", None, True), ("ids", None, False), ("ids", "half", True), ("slugs", "all", False)],
)
def test_moves_redirect_or_vanish_as_the_truth_says(
    scheme: str, redirect_moves: str | None, split: bool
) -> None:
    site = ReplicaSite(articles=60, url_scheme=scheme, redirect_moves=redirect_moves)
    moved = first_day_with(site, "moved", at_least=8)
    kinds = Counter(a.old_url_redirects for a in moved)
    if split:
        assert kinds[True] >= 2 and kinds[False] >= 2
    else:
        assert kinds == Counter({True: len(moved)})
    assert not any(a.old_url_redirects for a in site.articles() if a.status != "moved")
    with serve(site) as server:
        for truth in moved:
            assert truth.old_url is not None and truth.old_url != truth.url
            status, headers, _ = fetch(truth.absolute_old_url(server.base_url) or "")
            if truth.old_url_redirects:
                assert status == 301 and headers["Location"] == truth.absolute_url(server.base_url)
            else:
                assert status == 404
            status, _, body = fetch(truth.absolute_url(server.base_url))
            assert status == 200
            if truth.variant in ("plain", "table", "nfd"):
                text = page_text(nfc(body))
                assert truth.lede in text and all(p in text for p in truth.body)
    if scheme == "slugs":
        folders = Counter(a.url.split("/")[1] for a in moved)
        assert folders["bai-viet"] >= 1 and len(folders) >= 2
        shortened = [a for a in moved if a.url.startswith("/bai-viet/")]
        for truth in shortened:
            assert truth.url.rsplit("/", 1)[1] != (truth.old_url or "").rsplit("/", 1)[1]


def test_moved_without_redirect_has_the_same_page_text_as_before() -> None:
    site = ReplicaSite(articles=60, url_scheme="slugs")
    day = 1
    while True:
        site.set_day(day + 1)
        vanished = [
            a
            for a in site.articles()
            if a.status == "moved" and not a.old_url_redirects and a.variant == "plain"
        ]
        site.set_day(day)
        before = {a.id: a for a in site.articles() if a.status == "live"}
        fresh = [a for a in vanished if a.id in before and before[a.id].revision == a.revision]
        if fresh:
            break
        day += 1
    truth = fresh[0]
    with serve(site) as server:
        old_page = page_text(nfc(fetch(server.url(truth.old_url or ""))[2]))
        site.set_day(day + 1)
        assert fetch(server.url(truth.old_url or ""))[0] == 404
        new_page = page_text(nfc(fetch(server.url(truth.url))[2]))
    for piece in (truth.title, truth.lede, *truth.body):
        assert piece in old_page and piece in new_page


def test_slug_index_of_a_large_site_is_built_once_and_maps_back() -> None:
    big = ReplicaSite(articles=20000, url_scheme="slugs")
    started = time.monotonic()
    oldest, newest = big.article(big.first_id), big.article(big.max_id(1))
    assert big.article_for_path(oldest.url) == oldest.id
    assert big.article_for_path(newest.url) == newest.id
    assert time.monotonic() - started < 20
    paths = {big.article(i).url for i in range(big.first_id, big.first_id + 2000)}
    assert len(paths) == 2000


def test_option_values_are_checked() -> None:
    for kwargs in (
        {"url_scheme": "numbers"},
        {"redirect_moves": "some"},
        {"theme": "modern"},
        {"theme_schedule": [(1, "classic"), (1, "redesign")]},
        {"theme": "redesign", "theme_schedule": [(1, "classic")]},
        {"counters": "all"},
        {"counter_endpoint_break_day": 3},
        {"counters": "script", "counter_break": "500"},
        {"maintenance_from_day": 0},
    ):
        with pytest.raises(ValueError):
            ReplicaSite(articles=10, **kwargs)


# ---------------------------------------------------------------- themes
#: theme -> (labels that must appear on article pages, labels that must appear nowhere)
THEME_LABELS = {
    "classic": (("Cập nhật vào ngày", "Số lần xem"), ("Ngày đăng", "Lượt xem")),
    "redesign": (("Ngày đăng", "Lượt xem"), ("Cập nhật vào ngày", "Số lần xem")),
    "province2": (("Lượt xem",), ("Cập nhật vào ngày", "Số lần xem", "Ngày đăng")),
}


def expected_meta(theme: str, truth: ArticleTruth) -> str:
    """The visible meta line of a static-count ``plain`` page."""
    date = truth.updated_at.strftime("%d/%m/%Y")
    clock = truth.updated_at.strftime("%H:%M")
    if theme == "classic":
        return f"[ Cập nhật vào ngày ({date}) ] - [ Số lần xem: {truth.views} ]"
    if theme == "redesign":
        return f"Ngày đăng: {date} {clock} | Lượt xem: {truth.views}"
    weekday = WEEKDAYS[truth.updated_on.weekday()]
    return f"{weekday}, {date} {clock} - Lượt xem: {truth.views}"


@pytest.mark.parametrize("theme", list(THEME_LABELS))
def test_theme_labels_meta_line_and_text(theme: str) -> None:
    site = ReplicaSite(articles=60, day=4, theme=theme)
    present, absent = THEME_LABELS[theme]
    with serve(site) as server:
        others = ["/", "/gioi-thieu.html", "/lien-he.html", "/khong-co"]
        for slug, _ in site.categories:
            others += [f"/{slug}/", f"/{slug}/?trang=2"]
        for path in others:
            html = nfc(fetch(server.url(path))[2])
            for label in (*present, *absent, "Ngày đăng", "Lượt xem", "Số lần xem"):
                assert label not in html, (path, label)
        checked = 0
        for truth in site.live_articles():
            html = nfc(fetch(truth.absolute_url(server.base_url))[2])
            for label in absent:
                assert label not in html, (truth.url, label)
            if truth.variant == "no_views":
                assert present[-1] not in html
            else:
                assert present[-1] in html, truth.url
            assert truth.updated_at.date() == truth.updated_on
            if truth.variant == "plain":
                text = page_text(html)
                assert expected_meta(theme, truth) in text, truth.url
                for piece in (truth.title, truth.lede, *truth.body, *(c for _, c in truth.images)):
                    assert piece in text
                if truth.author:
                    assert truth.author in text
                checked += 1
        assert checked >= 20


@pytest.mark.parametrize(
    ("theme", "markers", "missing"),
    [
        ("redesign",
         ('<article class="post-detail">', "<time datetime=", '<h1 class="post-title">'),
         ('class="news-title"', "<table")),
        ("province2", ('<h2 class="ArticleTitle">', 'id="dnn_ContentPane"', "__VIEWSTATE"),
         ("<h1", "<article", "<time")),
    ],
)  # fmt: skip
def test_theme_page_structure_and_site_name(
    theme: str, markers: tuple[str, ...], missing: tuple[str, ...]
) -> None:
    site = ReplicaSite(articles=60, theme=theme)
    truth = site.article(SEED_ARTICLE_ID)
    with serve(site) as server:
        html = nfc(fetch(truth.absolute_url(server.base_url))[2])
        home = nfc(fetch(server.base_url)[2])
    for marker in markers:
        assert marker in html, marker
    for marker in missing:
        assert marker not in html, marker
    name = PROVINCE2_SITE_NAME if theme == "province2" else SITE_NAME
    assert f"<title>{truth.title} - {name}</title>" in html
    if theme == "province2":
        assert "Hậu Giang" not in home and "Sóc Trăng" in home
        assert "Thứ năm, 18/03/2021 08:15 - Lượt xem: 361" in page_text(html)
    else:
        assert "Ngày đăng: 18/03/2021 08:15 | Lượt xem: 361" in page_text(html)
        assert '<time datetime="2021-03-18T08:15">18/03/2021 08:15</time>' in html


@pytest.mark.parametrize("theme", ["redesign", "province2"])
def test_js_and_split_variants_in_new_themes(theme: str) -> None:
    site = ReplicaSite(articles=60, theme=theme)
    by_variant: dict[str, ArticleTruth] = {}
    for truth in site.live_articles():
        by_variant.setdefault(truth.variant, truth)
    with serve(site) as server:

        def page(variant: str) -> str:
            return nfc(fetch(by_variant[variant].absolute_url(server.base_url))[2])

        for variant in ("js", "js_slow", "js_fails"):
            truth = by_variant[variant]
            placeholder = "..." if variant == "js_slow" else ""
            assert f'Lượt xem: <span id="luot-xem-{truth.id}">{placeholder}</span>' in page(variant)
            assert f"/api/luot-xem?id={truth.id}" in page(variant)
        dotted = f"{by_variant['split_meta'].views:,}".replace(",", ".")
        assert f"Lượt xem:</span>&nbsp;<b>{dotted}</b>" in page("split_meta")
        short = by_variant["short_date"].updated_on
        assert f"{short.day}/{short.month}/{short.year} " in page_text(page("short_date"))
        assert "32/13/" in page("malformed_bad_date")
        assert by_variant["table"].title in page("table")
        assert "<h1" not in page("table") and "<h1" not in page("malformed_no_title")


def test_theme_switches_mid_history() -> None:
    site = ReplicaSite(articles=60, theme="redesign", theme_from_day=3)
    scheduled = ReplicaSite(
        articles=60, theme_schedule=[(1, "classic"), (3, "redesign"), (5, "province2")]
    )
    assert [site.theme_on(d) for d in (1, 2, 3, 9)] == [
        "classic",
        "classic",
        "redesign",
        "redesign",
    ]
    assert [scheduled.theme_on(d) for d in (2, 3, 4, 5, 8)] == [
        "classic", "redesign", "redesign", "province2", "province2",
    ]  # fmt: skip
    with serve(site) as server:
        url = site.article(SEED_ARTICLE_ID).absolute_url(server.base_url)
        for day, label in ((1, "Cập nhật vào ngày"), (2, "Cập nhật vào ngày"), (3, "Ngày đăng")):
            site.set_day(day)
            assert label in nfc(fetch(url)[2])
            assert label not in nfc(fetch(server.base_url)[2])
        site.set_day(2)
        assert "Ngày đăng" not in nfc(fetch(url)[2])


@pytest.mark.parametrize(
    ("theme", "drift", "gone", "shown"),
    [("redesign", "no_views", "Lượt xem", "Lượt đọc"),
     ("redesign", "no_date", "Ngày đăng", "Đăng lúc"),
     ("province2", "no_views", "Lượt xem", "Lượt đọc")],
)  # fmt: skip
def test_drifts_rename_the_theme_labels(theme: str, drift: str, gone: str, shown: str) -> None:
    site = ReplicaSite(articles=60, theme=theme, drift=drift)
    with serve(site) as server:
        html = nfc(fetch(site.article(SEED_ARTICLE_ID).absolute_url(server.base_url))[2])
    assert gone not in html and shown in html


# -------------------------------------------------------- script counters
def handler_answer(server: ReplicaServer, path: str, article_id: int) -> tuple[int, str, str]:
    status, headers, body = fetch(server.url(f"{path}?ItemID={article_id}"))
    return status, headers.get("Content-Type", ""), body.decode("utf-8", "replace")


@pytest.mark.parametrize("theme", ["classic", "redesign", "province2"])
def test_script_counters_are_filled_from_the_handler(theme: str) -> None:
    site = ReplicaSite(articles=60, day=3, theme=theme, counters="script")
    label = THEME_LABELS[theme][0][-1]
    external = 0
    with serve(site) as server:
        status, headers, script = fetch(server.url(COUNTER_SCRIPT_PATH))
        assert status == 200 and headers["Content-Type"] == "application/javascript"
        assert f'"{COUNTER_HANDLER_PATH}?ItemID=" + id' in script.decode()
        for truth in site.live_articles():
            html = nfc(fetch(truth.absolute_url(server.base_url))[2])
            assert not truth.views_in_static_html
            if truth.variant == "no_views":
                assert truth.views is None and truth.counter_url is None
                assert truth.js_counter == "none"
                assert label not in html and "viewcount" not in html
                assert "counter.js" not in html and "luot-xem" not in html
                assert handler_answer(server, COUNTER_HANDLER_PATH, truth.id)[0] == 404
            elif truth.variant in ("js", "js_slow", "js_fails"):
                assert truth.js_counter in ("ok", "slow", "fails")
                assert truth.counter_url == f"/api/luot-xem?id={truth.id}"
                assert f'<span id="luot-xem-{truth.id}">' in html and "counter.js" not in html
            else:
                external += 1
                assert truth.js_counter == "external"
                assert truth.counter_url == f"{COUNTER_HANDLER_PATH}?ItemID={truth.id}"
                span = f'{label}:</span>&nbsp;<span class="viewcount" data-itemid="{truth.id}">'
                assert (
                    f'{label}: <span class="viewcount" data-itemid="{truth.id}"></span>' in html
                    or span in html
                ), truth.url
                assert (
                    f'<script type="text/javascript" src="{COUNTER_SCRIPT_PATH}"></script>' in html
                )
                status, kind, answer = handler_answer(server, COUNTER_HANDLER_PATH, truth.id)
                assert (status, kind, answer) == (
                    200,
                    "text/plain; charset=utf-8",
                    str(truth.views),
                )
                assert f"{label}: {truth.views}" not in page_text(html)
        assert external >= 40
        assert handler_answer(server, COUNTER_HANDLER_NEW_PATH, SEED_ARTICLE_ID)[0] == 404


def test_mixed_counters_serve_no_handler() -> None:
    site = ReplicaSite(articles=60)
    with serve(site) as server:
        assert fetch(server.url(COUNTER_SCRIPT_PATH))[0] == 404
        assert handler_answer(server, COUNTER_HANDLER_PATH, SEED_ARTICLE_ID)[0] == 404
    assert {a.js_counter for a in site.articles()} == {"none", "ok", "slow", "fails"}
    assert all(a.counter_url is None for a in site.articles() if a.js_counter == "none")


@pytest.mark.parametrize("mode", ["404", "stale"])
def test_counter_endpoint_break(mode: str) -> None:
    site = ReplicaSite(
        articles=60, counters="script", counter_endpoint_break_day=3, counter_break=mode
    )
    seed = SEED_ARTICLE_ID
    with serve(site) as server:
        site.set_day(2)
        assert site.article(seed).counter_url == f"{COUNTER_HANDLER_PATH}?ItemID={seed}"
        assert COUNTER_HANDLER_PATH in fetch(server.url(COUNTER_SCRIPT_PATH))[2].decode()
        assert handler_answer(server, COUNTER_HANDLER_NEW_PATH, seed)[0] == 404
        day_two = site.views_on(seed)
        assert handler_answer(server, COUNTER_HANDLER_PATH, seed)[2] == str(day_two)
        page_day_two = fetch(site.article(seed).absolute_url(server.base_url))[2]
        for day in (3, 5):
            site.set_day(day)
            truth = site.article(seed)
            assert truth.counter_url == f"{COUNTER_HANDLER_NEW_PATH}?ItemID={seed}"
            script = fetch(server.url(COUNTER_SCRIPT_PATH))[2].decode()
            assert COUNTER_HANDLER_NEW_PATH in script and f"{COUNTER_HANDLER_PATH}?" not in script
            assert handler_answer(server, COUNTER_HANDLER_NEW_PATH, seed)[2] == str(truth.views)
            old = handler_answer(server, COUNTER_HANDLER_PATH, seed)
            if mode == "404":
                assert old[0] == 404
            else:
                assert old[:2] == (200, "text/plain; charset=utf-8")
                assert old[2] == str(day_two) != str(truth.views)
        # the meta line is the same markup before and after the break (same template)
        page_day_five = fetch(truth.absolute_url(server.base_url))[2]
        meta = re.compile(rb'<div class="news-date">.*?</div>', re.S)
        first, later = meta.search(page_day_two), meta.search(page_day_five)
        assert first and later and first.group() == later.group()
        assert b'data-itemid="%d"' % seed in first.group()
        fresh = [
            a for a in site.live_articles() if a.published_day >= 3 and a.js_counter == "external"
        ]
        assert fresh
        for article in fresh:  # published after the freeze: the stale table has 0
            old = handler_answer(server, COUNTER_HANDLER_PATH, article.id)
            assert old[0] == 404 if mode == "404" else old[2] == "0"
            new = handler_answer(server, COUNTER_HANDLER_NEW_PATH, article.id)
            assert new[2] == str(article.views)


# ------------------------------------------------------------ request log
def can_bind(host: str) -> bool:
    try:
        with socket.socket() as probe:
            probe.bind((host, 0))
        return True
    except OSError:
        return False


@pytest.fixture
def two_portals() -> Iterator[tuple[ReplicaServer, ReplicaServer]]:
    for host in ("127.0.0.2", "127.0.0.3"):
        if not can_bind(host):
            pytest.skip(f"cannot bind {host}")
    with (
        serve(ReplicaSite(articles=30), "127.0.0.2") as first,
        serve(ReplicaSite(articles=30, theme="province2"), "127.0.0.3") as second,
    ):
        yield first, second


def test_request_log_has_arrival_times_per_host(
    two_portals: tuple[ReplicaServer, ReplicaServer],
) -> None:
    first, second = two_portals
    assert first.base_url.startswith("http://127.0.0.2:")
    assert second.base_url.startswith("http://127.0.0.3:")
    started_wall, started = time.time(), time.monotonic()
    for n in range(5):
        fetch(first.url(f"/robots.txt?n={n}"))
        fetch(second.url("/"))
        time.sleep(0.1)
    fetch(first.url("/khong-co"))
    host = first.base_url[len("http://") : -1]
    entries = first.logged(host)
    assert [e.path for e in entries] == [f"/robots.txt?n={n}" for n in range(5)] + ["/khong-co"]
    assert [e.status for e in entries] == [200] * 5 + [404]
    assert all(e.host == host and e.bound == host for e in entries)
    assert all(e.client.startswith("127.") and e.method == "GET" for e in entries)
    times = [e.at for e in entries]
    assert times == sorted(times) and started <= times[0] and times[-1] <= time.monotonic()
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps[:4]) >= 0.09  # one request every 0.1 s or slower
    assert 4 / (times[4] - times[0]) <= 10.5  # requests per second
    assert all(abs((e.wall - started_wall) - (e.at - started)) < 0.5 for e in entries)
    assert first.logged(host, "robots") == entries[:5]
    assert first.logged("127.0.0.3:1") == []
    assert {e.host for e in second.request_log} == {second.base_url[len("http://") : -1]}
    assert len(second.request_log) == 5
    assert first.requests == [(host, e.path) for e in entries]  # the old list is unchanged
    dumped = json.loads(fetch(first.url("/__replica__/requests?since=4"))[2])
    assert [r["path"] for r in dumped["requests"]][:2] == ["/robots.txt?n=4", "/khong-co"]
    assert dumped["requests"][0]["at"] == entries[4].at


def test_host_header_is_logged_as_sent(slug_site: ReplicaSite) -> None:
    with serve(slug_site) as server:
        request = urllib.request.Request(server.url("/"), headers={"Host": "haugiang.dcs.vn"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
        (entry,) = server.request_log
        assert entry.host == "haugiang.dcs.vn" and entry.bound == f"127.0.0.1:{server.port}"
        assert server.logged("haugiang.dcs.vn") == [entry]


# ----------------------------------------------- a portal that stops answering
def test_stop_answering_holds_requests_until_resume_and_stop_returns_quickly() -> None:
    site = ReplicaSite(articles=30)
    server = serve(site).start()
    try:
        assert fetch(server.base_url)[0] == 200
        server.stop_answering()
        assert not server.answering
        with pytest.raises((TimeoutError, urllib.error.URLError)):
            urllib.request.urlopen(server.url("/robots.txt"), timeout=0.5)
        assert server.logged(fragment="robots")[0].status is None
        # control endpoints still answer, so a test in another process can resume
        assert json.loads(fetch(server.url("/__replica__/answering"))[2]) == {"answering": False}
        results: list[int] = []
        waiting = threading.Thread(target=lambda: results.append(fetch(server.base_url)[0]))
        waiting.start()
        time.sleep(0.3)
        assert results == []
        assert json.loads(fetch(server.url("/__replica__/answering?set=1"))[2]) == {
            "answering": True
        }
        waiting.join(5)
        assert results == [200]
        server.stop_answering()
        with socket.create_connection((server.host, server.port), timeout=5) as client:
            client.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            time.sleep(0.3)
            client.settimeout(0.3)
            with pytest.raises(TimeoutError):
                client.recv(1)
            started = time.monotonic()
            server.stop()
            assert time.monotonic() - started < 2
            client.settimeout(5)
            assert client.recv(1) == b""  # closed without an answer
    finally:
        server.stop()


def test_maintenance_page_from_a_day_and_by_toggle() -> None:
    site = ReplicaSite(articles=30, maintenance_from_day=3)
    truth = site.article(SEED_ARTICLE_ID)
    paths = ["/", "/tin-trong-tinh/", truth.url, "/robots.txt", "/khong-co", "/api/luot-xem?id=1"]
    with serve(site) as server:
        site.set_day(2)
        assert not site.in_maintenance()
        assert truth.title in nfc(fetch(server.url(truth.url))[2])
        site.set_day(3)
        assert site.in_maintenance()
        for path in paths:
            status, headers, body = fetch(server.url(path))
            html = nfc(body)
            assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
            assert "<h1>Trang đang bảo trì</h1>" in html, path
            assert "<a" not in html and "href" not in html and "src=" not in html
            assert truth.title not in html and "Tin mới" not in html
        assert json.loads(fetch(server.url("/__replica__/maintenance?set=off"))[2]) == {
            "maintenance": False
        }
        assert truth.title in nfc(fetch(server.url(truth.url))[2])
        fetch(server.url("/__replica__/maintenance?set=auto"))
        assert "Trang đang bảo trì" in nfc(fetch(server.base_url)[2])
        assert fetch(server.url("/__replica__/maintenance?set=maybe"))[0] == 400
        site.set_day(1)
        assert "Trang đang bảo trì" not in nfc(fetch(server.base_url)[2])
        site.set_maintenance(True)
        assert "Trang đang bảo trì" in nfc(fetch(server.base_url)[2])


# ------------------------------------------------------------ command line
def test_cli_passes_the_options_and_prints_the_served_url() -> None:
    host = "127.0.0.2" if can_bind("127.0.0.2") else "127.0.0.1"
    command = [
        sys.executable, "-m", "hgcrawler.cli", "replica", "--host", host, "--port", "0",
        "--articles", "30", "--url-scheme", "slugs", "--theme", "redesign",
        "--theme-from-day", "2", "--counters", "script", "--counter-break-day", "3",
        "--counter-break", "stale", "--maintenance-from-day", "9",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.match(
            rf"Replica portal at (http://{re.escape(host)}:\d+/) \(day 1, 30 articles\)", line
        )
        assert match, line
        for option in ("url_scheme=slugs", "theme=redesign", "theme_from_day=2", "counters=script",
                       "counter_endpoint_break_day=3", "counter_break=stale",
                       "maintenance_from_day=9"):  # fmt: skip
            assert option in line
        base = match.group(1)
        home = nfc(fetch(base)[2])
        assert "Cập nhật vào ngày" not in home and '<h3><a href="/tin-tuc/' in home
        assert fetch(base + "DesktopModules/News/counter.js")[0] == 200
        fetch(base + "__replica__/day?set=2")
        assert '<main class="site-main">' in nfc(fetch(base)[2])
        fetch(base + "__replica__/day?set=9")
        assert "Trang đang bảo trì" in nfc(fetch(base)[2])
    finally:
        process.terminate()
        process.wait(10)


@pytest.mark.parametrize(
    "options",
    [
        {"url_scheme": "slugs"},
        {"theme": "redesign", "counters": "script", "counter_endpoint_break_day": 4},
        {"theme_schedule": [(1, "province2"), (3, "redesign")], "url_scheme": "slugs"},
    ],
)
def test_options_are_deterministic(options: dict[str, object]) -> None:
    first = ReplicaSite(80, 6, 3, **options)  # type: ignore[arg-type]
    second = ReplicaSite(80, 6, 3, **options)  # type: ignore[arg-type]
    assert list(first.articles()) == list(second.articles())
    servers = ReplicaServer(first), ReplicaServer(second)  # handlers only, never started
    paths = ["/", "/kinh-te/", "/tin-trong-tinh/?trang=2", COUNTER_SCRIPT_PATH]
    paths += [a.url for a in first.articles()][::5] + [
        a.old_url for a in first.articles() if a.old_url
    ]
    for path in paths:
        path, _, query = path.partition("?")
        request = Request("GET", path, {"trang": [query[6:]]} if query else {}, "http://h/")
        a, b = (server.handle(request) for server in servers)
        assert (a.status, a.body, a.headers) == (b.status, b.body, b.headers), path


def test_cli_log_requests_prints_each_request_on_stderr() -> None:
    command = [
        sys.executable, "-m", "hgcrawler.cli", "replica", "--port", "0", "--articles", "10",
        "--log-requests",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None and process.stderr is not None
        match = re.match(r"Replica portal at (http://127\.0\.0\.1:\d+/)", process.stdout.readline())
        assert match
        assert fetch(match.group(1) + "kinh-te/")[0] == 200
        line = process.stderr.readline()
        assert '"GET /kinh-te/ HTTP/1.1" 200' in line, line
        assert line[:4].isdigit()  # with its time
    finally:
        process.terminate()
        process.wait(10)
