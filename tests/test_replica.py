"""The replica portal: what it serves, how it changes from day to day."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import unicodedata
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import lxml.html
import pytest

from hgcrawler.replica import ArticleTruth, ReplicaServer, ReplicaSite
from hgcrawler.replica.http import Request
from hgcrawler.replica.pages import PortalPages
from hgcrawler.replica.site import SEED_ARTICLE_ID, VARIANTS

SEED_TEXT = Path(__file__).parent / "pages" / "seed-article-page-text.txt"
TITLE_LINK = re.compile(r'<h3 class="item-title"><a href="([^"]+)">')
NEXT_LINK = re.compile(r'<a href="([^"]+)" class="next">')


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    """GET without following redirects: (status, headers, body)."""
    try:
        with _opener.open(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def nfc(body: bytes) -> str:
    return unicodedata.normalize("NFC", body.decode("utf-8"))


def page_text(html: str) -> str:
    """Visible text, whitespace collapsed (scripts dropped)."""
    tree = lxml.html.fromstring(html)
    for script in tree.xpath("//script"):
        script.drop_tree()
    return " ".join(tree.text_content().split())


@pytest.fixture
def site() -> ReplicaSite:
    return ReplicaSite(articles=60, day=1, seed=0)


@pytest.fixture
def server(site: ReplicaSite) -> Iterator[ReplicaServer]:
    with ReplicaServer(site, port=0) as running:
        yield running


def live_in_category(site: ReplicaSite, category: str) -> list[ArticleTruth]:
    return sorted(
        (a for a in site.live_articles() if a.category == category),
        key=lambda a: a.id,
        reverse=True,
    )


# --------------------------------------------------------------------- site
def test_robots_txt_disallows_admin(server: ReplicaServer) -> None:
    status, headers, body = fetch(server.url("robots.txt"))
    assert status == 200
    assert headers["Content-Type"].startswith("text/plain")
    assert body.decode().splitlines() == ["User-agent: *", "Disallow: /quan-tri/"]
    status, _, _ = fetch(server.url("quan-tri/"))
    assert status == 200


def test_home_links_categories_sidebars_and_externals(
    site: ReplicaSite, server: ReplicaServer
) -> None:
    status, _, body = fetch(server.base_url)
    assert status == 200
    html = nfc(body)
    assert len(site.categories) >= 6
    for slug, name in site.categories:
        assert f'<a href="/{slug}/">{name}</a>' in html
    for label in ("Tin mới", "Tin đọc nhiều", "Lượt truy cập: <b>1.234.567</b>"):
        assert label in html
    assert 'href="https://dangcongsan.vn/"' in html
    assert 'href="/quan-tri/"' in html
    assert 'href="/gioi-thieu.html"' in html and 'href="/lien-he.html"' in html
    newest = max(site.live_articles(), key=lambda a: a.id)
    assert f'href="{newest.url}"' in html
    assert "Cập nhật vào ngày" not in html and "Số lần xem" not in html
    for path in ("gioi-thieu.html", "lien-he.html"):
        assert fetch(server.url(path))[0] == 200


def test_unknown_urls_answer_404(site: ReplicaSite, server: ReplicaServer) -> None:
    seed_article = site.article(SEED_ARTICLE_ID)
    wrong_slug = seed_article.url.replace("thuong-truc", "thuong-vu")
    future = f"/tin-trong-tinh/bai-viet-chua-dang-{site.max_id(1) + 1}.html"
    for path in ("/khong-co-trang-nay", wrong_slug, future, "/tin-trong-tinh/?trang=999"):
        status, _, body = fetch(server.url(path))
        assert status == 404, path
        assert "Không tìm thấy trang" in nfc(body)


@pytest.mark.parametrize("day", [1, 9])
def test_pagination_reaches_every_live_article_once_newest_first(
    site: ReplicaSite, server: ReplicaServer, day: int
) -> None:
    site.set_day(day)
    for slug, name in site.categories:
        url: str | None = server.url(f"/{slug}/")
        seen: list[str] = []
        pages = 0
        while url:
            status, _, body = fetch(url)
            assert status == 200
            html = nfc(body)
            assert "Cập nhật vào ngày" not in html and "Số lần xem" not in html
            seen.extend(TITLE_LINK.findall(html))
            following = NEXT_LINK.search(html)
            url = server.url(following.group(1)) if following else None
            pages += 1
        expected = [a.url for a in live_in_category(site, name)]
        assert seen == expected, slug
        assert pages == max(1, -(-len(expected) // 10))


def test_every_live_article_answers_200_with_its_title_and_meta(
    site: ReplicaSite, server: ReplicaServer
) -> None:
    site.set_day(4)
    for truth in site.live_articles():
        status, headers, body = fetch(truth.absolute_url(server.base_url))
        assert status == 200, truth.url
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        html = nfc(body)
        assert "Cập nhật vào ngày" in html
        if truth.variant == "malformed_no_title":
            assert "<h1" not in html
        else:
            assert truth.title in html, truth.url
        if truth.variant == "no_views":
            assert "Số lần xem" not in html
        else:
            assert "Số lần xem" in html
        if truth.malformed and truth.variant == "malformed_truncated":
            assert "</html>" not in html and "Các ý kiến của bạn đọc" not in html
        else:
            assert html.rstrip().endswith("</html>")
            assert "Các ý kiến của bạn đọc" in html
            assert "<textarea" in html
            assert 'href="javascript:window.print()"' in html and 'href="mailto:' in html
            assert "https://www.facebook.com/sharer/sharer.php?u=" in html


def test_article_text_as_a_reader_sees_it(site: ReplicaSite, server: ReplicaServer) -> None:
    checked = 0
    for truth in site.live_articles():
        if truth.variant not in ("plain", "table", "nfd"):
            continue
        text = page_text(nfc(fetch(truth.absolute_url(server.base_url))[2]))
        pieces = [truth.category, truth.title, truth.lede]
        for _src, caption in truth.images:
            pieces.append(caption)
        pieces.extend(truth.body)
        for piece in pieces:
            assert piece in text, (truth.url, piece)
        if truth.author:
            assert f"{truth.author} Các ý kiến của bạn đọc" in text or (
                f"{truth.author}Các ý kiến của bạn đọc" in text
            )
        checked += 1
    assert checked > 30


def test_seed_article_is_rebuilt_from_the_real_page(
    site: ReplicaSite, server: ReplicaServer
) -> None:
    truth = site.article(SEED_ARTICLE_ID)
    assert site.seed_article_id == SEED_ARTICLE_ID
    assert truth.category == "Tin trong tỉnh"
    assert truth.views == 361
    assert truth.updated_on.strftime("%d/%m/%Y") == "18/03/2021"
    assert truth.images == [("/Uploads/images/2021/318..jpg", "Quang cảnh buổi làm việc")]
    assert truth.author == "Hoàng Ý"
    assert len(truth.body) == 2
    html = nfc(fetch(truth.absolute_url(server.base_url))[2])
    assert '<img src="/Uploads/images/2021/318..jpg" alt="318..jpg"' in html
    assert "[ Cập nhật vào ngày (18/03/2021) ] - [ Số lần xem: 361 ]" in html
    text = page_text(html)
    assert "Hoàng Ý Các ý kiến của bạn đọc" in text or "Hoàng ÝCác ý kiến của bạn đọc" in text
    lines = [" ".join(line.split()) for line in SEED_TEXT.read_text("utf-8").splitlines()]
    lines = [line for line in lines if line]
    assert lines[0] == truth.category and lines[1] == truth.title
    assert lines[2] == "[ Cập nhật vào ngày (18/03/2021) ] - [ Số lần xem: 361 ]"
    assert lines[3] == truth.lede
    assert lines[4] == "318..jpg" and lines[5] == truth.images[0][1]
    assert lines[6:8] == truth.body
    assert lines[8] == "Hoàng ÝCác ý kiến của bạn đọc"
    position = 0
    for line in lines[:2] + lines[3:4] + lines[5:8]:
        found = text.find(line, position)
        assert found >= 0, line
        position = found + len(line)


def test_static_images_are_served(site: ReplicaSite, server: ReplicaServer) -> None:
    status, headers, body = fetch(server.url("/Uploads/images/2021/318..jpg"))
    assert status == 200 and headers["Content-Type"] == "image/jpeg"
    assert body[:2] == b"\xff\xd8"


# --------------------------------------------------------------- variants
def test_every_variant_appears_with_sixty_articles(site: ReplicaSite) -> None:
    counts = Counter(a.variant for a in site.articles())
    assert set(counts) == set(VARIANTS)
    assert counts["plain"] > len(list(site.articles())) / 2
    assert {a.js_counter for a in site.articles()} == {"none", "ok", "slow", "fails"}


def test_variant_markup(site: ReplicaSite, server: ReplicaServer) -> None:
    by_variant: dict[str, ArticleTruth] = {}
    for truth in site.live_articles():
        by_variant.setdefault(truth.variant, truth)

    def raw(variant: str) -> str:
        return fetch(by_variant[variant].absolute_url(server.base_url))[2].decode("utf-8")

    nfd = raw("nfd")
    assert not unicodedata.is_normalized("NFC", nfd)
    assert by_variant["nfd"].title not in nfd
    assert by_variant["nfd"].title in unicodedata.normalize("NFC", nfd)

    thousands = by_variant["thousands"]
    assert thousands.views is not None and thousands.views >= 1000
    dotted = f"{thousands.views:,}".replace(",", ".")
    assert f"Số lần xem: {dotted} ]" in raw("thousands")

    split = by_variant["split_meta"]
    assert "&nbsp;<span>Số lần xem:</span>&nbsp;<span>" in raw("split_meta")
    assert split.updated_on.strftime("(%d/%m/%Y)") in raw("split_meta")

    short = by_variant["short_date"]
    day = short.updated_on
    assert f"[ Cập nhật vào ngày ({day.day}/{day.month}/{day.year}) ]" in raw("short_date")

    assert by_variant["no_views"].views is None
    assert "Số lần xem" not in raw("no_views")

    table = raw("table")
    assert "<h1" not in table and 'class="tdTitle"' in table
    assert by_variant["table"].title in table

    assert "(32/13/" in raw("malformed_bad_date")
    assert by_variant["malformed_bad_date"].malformed
    assert "<h1" not in raw("malformed_no_title")
    truncated = raw("malformed_truncated")
    assert truncated.rstrip().endswith(by_variant["malformed_truncated"].body[-1])


def test_js_counter_is_filled_from_the_api(site: ReplicaSite, server: ReplicaServer) -> None:
    for truth in site.live_articles():
        if truth.js_counter == "none":
            assert truth.views_in_static_html == (truth.variant != "no_views")
            continue
        assert not truth.views_in_static_html
        html = nfc(fetch(truth.absolute_url(server.base_url))[2])
        span = re.search(rf'Số lần xem: <span id="luot-xem-{truth.id}">([^<]*)</span>', html)
        assert span is not None and not any(ch.isdigit() for ch in span.group(1))
        assert f"/api/luot-xem?id={truth.id}" in html
        status, headers, body = fetch(server.url(f"/api/luot-xem?id={truth.id}"))
        if truth.js_counter == "fails":
            assert truth.views is None
            assert status == 500
        else:
            assert status == 200 and headers["Content-Type"].startswith("application/json")
            assert json.loads(body) == {"id": truth.id, "views": truth.views}
        if truth.js_counter == "slow":
            assert "setTimeout(napLuotXem, 1500)" in html


# ------------------------------------------------------------------- time
def test_day_one_has_no_edits_deletions_or_moves(site: ReplicaSite) -> None:
    truths = list(site.articles())
    assert len(truths) == 60
    assert all(a.status == "live" and a.revision == 1 and a.old_url is None for a in truths)
    assert all(a.published_day <= 1 for a in truths)


def test_new_articles_are_published_on_top(site: ReplicaSite, server: ReplicaServer) -> None:
    before = {a.id for a in site.articles()}
    site.set_day(2)
    new = [a for a in site.articles() if a.id not in before]
    assert 3 <= len(new) <= 8
    assert all(a.published_day == 2 and a.id > max(before) for a in new)
    newest = max(new, key=lambda a: a.id)
    slug = next(s for s, n in site.categories if n == newest.category)
    html = nfc(fetch(server.url(f"/{slug}/"))[2])
    assert TITLE_LINK.findall(html)[0] == newest.url
    sidebar = nfc(fetch(server.base_url)[2]).split('id="tin-moi"')[1].split("</ul>")[0]
    assert f'href="{newest.url}"' in sidebar


def test_deleted_article_answers_404_and_leaves_listings(
    site: ReplicaSite, server: ReplicaServer
) -> None:
    day = 1
    deleted: list[ArticleTruth] = []
    while not deleted:
        day += 1
        site.set_day(day)
        deleted = [a for a in site.articles() if a.status == "deleted"]
    gone = deleted[0]
    assert fetch(gone.absolute_url(server.base_url))[0] == 404
    assert all(a.id != gone.id for a in site.live_articles())
    site.set_day(day - 1)
    assert site.article(gone.id).status != "deleted"
    assert fetch(gone.absolute_url(server.base_url))[0] in (200, 301)


def test_moved_article_redirects_with_301(site: ReplicaSite, server: ReplicaServer) -> None:
    day = 1
    moved: list[ArticleTruth] = []
    while not moved:
        day += 1
        site.set_day(day)
        moved = [a for a in site.articles() if a.status == "moved"]
    truth = moved[0]
    assert truth.old_url is not None and truth.old_url != truth.url
    assert truth.url.endswith(f"-{truth.id}.html") and truth.old_url.endswith(f"-{truth.id}.html")
    status, headers, _ = fetch(truth.absolute_old_url(server.base_url) or "")
    assert status == 301
    assert headers["Location"] == truth.absolute_url(server.base_url)
    assert fetch(headers["Location"])[0] == 200
    slug = next(s for s, n in site.categories if n == truth.category)
    listed: list[str] = []
    url: str | None = server.url(f"/{slug}/")
    while url:
        html = nfc(fetch(url)[2])
        listed.extend(TITLE_LINK.findall(html))
        following = NEXT_LINK.search(html)
        url = server.url(following.group(1)) if following else None
    assert truth.url in listed and truth.old_url not in listed


def test_views_grow_and_young_articles_grow_faster(site: ReplicaSite) -> None:
    site.set_day(3)
    first = {a.id: a for a in site.live_articles()}
    site.set_day(6)
    later = {a.id: a for a in site.live_articles()}
    young: list[float] = []
    old: list[float] = []
    for article_id, before in first.items():
        after = later.get(article_id)
        if after is None or before.views is None or after.views is None:
            continue
        assert after.views >= before.views
        growth = (after.views - before.views) / max(before.views, 1)
        (young if before.published_day >= 1 else old).append(growth)
    assert young and old
    assert sum(young) / len(young) > 2 * sum(old) / len(old)
    assert sum(g > 0 for g in young) == len(young)


def test_edits_change_revision_date_and_page(site: ReplicaSite, server: ReplicaServer) -> None:
    originals = {a.id: a for a in site.articles()}
    site.set_day(6)
    edited = [a for a in site.articles() if a.revision > 1 and a.status != "deleted"]
    assert edited
    for truth in edited:
        original = originals.get(truth.id)
        if original is None:
            continue
        assert truth.updated_on > original.updated_on
        assert (truth.title, truth.body) != (original.title, original.body)
        html = nfc(fetch(truth.absolute_url(server.base_url))[2])
        if truth.variant not in ("short_date",):
            assert truth.updated_on.strftime("(%d/%m/%Y)") in html
        text = page_text(html)
        assert truth.title in text and all(p in text for p in truth.body)


def test_titles_are_unique(site: ReplicaSite) -> None:
    site.set_day(20)
    titles = [a.title for a in site.articles()]
    assert len(titles) == len(set(titles))


def test_determinism_same_arguments_same_bytes() -> None:
    first, second = ReplicaSite(120, 5, 7), ReplicaSite(120, 5, 7)
    other = ReplicaSite(120, 5, 8)
    assert [a.title for a in first.articles()] == [a.title for a in second.articles()]
    assert [a.title for a in first.articles()] != [a.title for a in other.articles()]
    pages_a, pages_b = PortalPages(first), PortalPages(second)
    paths = ["/", "/kinh-te/", "/tin-trong-tinh/?trang=2", "/robots.txt"]
    paths += [a.url for a in first.articles()][::7]
    for path in paths:
        path, _, query = path.partition("?")
        request = Request("GET", path, {"trang": [query[6:]]} if query else {}, "http://h/")
        a, b = pages_a.respond(request), pages_b.respond(request)
        assert (a.status, a.body) == (b.status, b.body), path


def test_control_endpoint_moves_the_day(site: ReplicaSite, server: ReplicaServer) -> None:
    assert json.loads(fetch(server.url("/__replica__/day"))[2]) == {"day": 1}
    status, _, body = fetch(server.url("/__replica__/day?set=4"))
    assert status == 200 and json.loads(body) == {"day": 4}
    assert site.day == 4
    assert fetch(server.url("/__replica__/day?set=abc"))[0] == 400
    home = nfc(fetch(server.base_url)[2])
    assert "__replica__" not in home


def test_large_site_renders_listing_and_article() -> None:
    big = ReplicaSite(articles=20000, day=2)
    with ReplicaServer(big) as server:
        html = nfc(fetch(server.url("/tin-trong-tinh/"))[2])
        last = re.findall(r'\?trang=(\d+)"', html)
        assert last and int(max(last, key=int)) > 100
        status, _, body = fetch(server.url(f"/tin-trong-tinh/?trang={max(last, key=int)}"))
        assert status == 200 and TITLE_LINK.findall(nfc(body))
        oldest = big.article(big.first_id)
        assert oldest.published_day < -3000
        status, _, body = fetch(oldest.absolute_url(server.base_url))
        assert status == 200
        if oldest.variant != "malformed_no_title":
            assert oldest.title in nfc(body)


def test_cli_serves_and_prints_base_url() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hgcrawler.cli",
            "replica",
            "--port",
            "0",
            "--articles",
            "30",
            "--day",
            "2",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        pattern = r"Replica portal at (http://127\.0\.0\.1:\d+/) \(day 2, 30 articles\)"
        match = re.match(pattern, line)
        assert match, line
        status, _, body = fetch(match.group(1) + "__replica__/day")
        assert status == 200 and json.loads(body) == {"day": 2}
    finally:
        process.terminate()
        process.wait(10)
