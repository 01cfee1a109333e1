"""Extraction on saved pages: the seed rebuilt in two markups, and every variation seen."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest

from hgcrawler.read.extraction import NotAnArticle, extract_article
from hgcrawler.read.text import clean_text, fold, parse_date, parse_view_count
from hgcrawler.replica import ReplicaServer, ReplicaSite
from hgcrawler.sites import Labels
from tests.crawling import expected_record
from tests.test_replica import fetch

PAGES = Path(__file__).parent / "pages"
SEED = PAGES / "seed-article-page-text.txt"  # a copy of the one real page (shared/seed)
URL = "https://haugiang.dcs.vn/tin-trong-tinh/thuong-truc-tinh-uy-lam-viec-1234.html"


def seed_parts() -> dict[str, str]:
    """The seed text file's fields, read independently of the saved pages."""
    lines = SEED.read_text(encoding="utf-8").split("\n")
    return {
        "category": lines[0].strip(),
        "title": lines[1].strip(),
        "lede": clean_text(lines[5]),
        "body": clean_text(lines[12]) + "\n\n" + clean_text(lines[14]),
        "author": lines[15].split("Các ý kiến")[0].strip(),
    }


def page(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


@pytest.fixture(params=["seed_div.html", "seed_table.html"])
def seed_page(request: pytest.FixtureRequest) -> str:
    return page(request.param)


def test_seed_page_fields_match_the_seed_text(seed_page: str) -> None:
    seed = seed_parts()
    record = extract_article(seed_page, URL)
    assert record["category"] == seed["category"]
    assert record["title"] == seed["title"]
    assert record["updated_on"] == "2021-03-18"
    assert record["views"] == 361
    assert record["lede"] == seed["lede"]
    assert record["body"] == seed["body"]
    assert record["author"] == seed["author"] == "Hoàng Ý"
    assert [i["caption"] for i in record["images"]] == ["Quang cảnh buổi làm việc"]
    assert record["images"][0]["src"].startswith("https://haugiang.dcs.vn/")
    assert record["images"][0]["src"].endswith("318..jpg")
    assert record["problems"] == []


def test_body_has_no_chrome_captions_author_or_comments(seed_page: str) -> None:
    record = extract_article(seed_page, URL)
    text = record["lede"] + record["body"]
    for noise in (
        "318..jpg",
        "Quang cảnh buổi làm việc",
        "Hoàng Ý",
        "Các ý kiến",
        "Bài viết rất hay",
        "In bài viết",
        "Gửi email",
        "Lượt truy cập",
        "Tin đọc nhiều",
        "Giới thiệu",
        "Trang chủ",
        "Tin cùng chuyên mục",
    ):
        assert noise not in text, noise
    assert len(record["body"].split("\n\n")) == 2


def test_nfd_page_gives_nfc_record() -> None:
    nfd = unicodedata.normalize("NFD", page("seed_div.html"))
    assert "Cập nhật" not in nfd  # really decomposed
    record = extract_article(nfd, URL)
    expected = extract_article(page("seed_div.html"), URL)
    assert record == expected
    assert unicodedata.is_normalized("NFC", record["body"])


@pytest.mark.parametrize(
    ("meta", "date", "views"),
    [
        ("[ Cập nhật vào ngày (18/03/2021) ] - [ Số lần xem: 1.234 ]", "2021-03-18", 1234),
        ("[ Cập nhật vào ngày (8/3/2021) ] - [ Số lần xem: 1,234,567 ]", "2021-03-08", 1234567),
        ("[ Cập nhật vào ngày (08/3/2021) ] - [ Số lần xem: 0 ]", "2021-03-08", 0),
        (
            "<span>[ Cập nhật vào ngày</span>&nbsp;<b>(1/12/2022)</b>&nbsp;] - [&nbsp;"
            "<span>Số lần xem:</span>&nbsp;<span>12.345</span>&nbsp;]",
            "2022-12-01",
            12345,
        ),
        (
            "<div>[ Cập nhật vào ngày</div><div>(18/03/2021)</div><div>] - [ Số lần xem:</div>"
            "<div>361</div><div>]</div>",
            "2021-03-18",
            361,
        ),
        ("[ CẬP NHẬT VÀO NGÀY (18/03/2021) ] - [ SỐ LẦN XEM: 77 ]", "2021-03-18", 77),
    ],
)
def test_meta_line_variants(meta: str, date: str, views: int) -> None:
    html = page("seed_div.html").replace(
        "[ Cập nhật vào ngày (18/03/2021) ] - [ Số lần xem: 361 ]", meta
    )
    record = extract_article(html, URL)
    assert (record["updated_on"], record["views"]) == (date, views)
    assert record["title"].startswith("Thường trực Tỉnh ủy")
    assert record["lede"].startswith("Chiều ngày 17/3/2021")


def test_page_without_view_count() -> None:
    html = page("seed_div.html").replace(" - [ Số lần xem: 361 ]", "")
    record = extract_article(html, URL)
    assert record["views"] is None
    assert record["updated_on"] == "2021-03-18"
    assert "views" in record["problems"]
    assert record["render_hint"] is None  # no counter to fill: rendering would not help


def test_javascript_counter_placeholder_asks_for_rendering() -> None:
    html = page("seed_div.html").replace(
        "Số lần xem: 361 ]", 'Số lần xem: <span id="luot-xem">...</span> ]'
    )
    record = extract_article(html, URL)
    assert record["views"] is None
    assert record["render_hint"] == "view counter label without a number"
    assert record["body"]  # the rest is still extracted


def test_truncated_page_is_flagged() -> None:
    html = page("seed_div.html")
    cut = html[: html.index("Tham mưu Thường trực") + 40]
    record = extract_article(cut, URL)
    assert "truncated" in record["problems"]
    assert record["title"].startswith("Thường trực Tỉnh ủy")


def test_missing_title_is_reported_not_guessed() -> None:
    html = page("seed_div.html")
    start = html.index('<h1 class="title">')
    html = html[:start] + html[html.index("</h1>", start) + 5 :]
    record = extract_article(html, URL)
    assert record["title"] == ""
    assert "title" in record["problems"]
    assert record["category"] == "Tin trong tỉnh"


def test_impossible_date_is_reported() -> None:
    html = page("seed_div.html").replace("(18/03/2021)", "(32/13/2021)")
    record = extract_article(html, URL)
    assert record["updated_on"] is None
    assert "updated_on" in record["problems"]


def test_other_markup_figures_and_other_url_scheme() -> None:
    record = extract_article(page("modern_figure.html"), "https://portal.example.vn/bai-viet?id=9")
    assert record["title"] == "Hậu Giang ra quân chiến dịch thanh niên tình nguyện hè năm 2023"
    assert record["category"] == "Văn hóa - Xã hội"
    assert (record["updated_on"], record["views"]) == ("2023-06-05", 12345)
    assert record["lede"].startswith("Sáng ngày 4/6/2023")
    assert record["images"] == [
        {
            "src": "https://cdn.example.vn/2023/06/tn-he.jpg",
            "caption": "Các đoàn viên thanh niên tham gia lễ ra quân.",
        },
        {
            "src": "https://portal.example.vn/up/2023/06/tn-he-2.png",
            "caption": "Trao quà cho thiếu nhi có hoàn cảnh khó khăn",
        },
    ]
    assert record["body"].split("\n\n") == [
        "Chiến dịch năm nay tập trung vào bảo vệ môi trường, xây dựng nông thôn mới và chăm lo "
        "cho thiếu nhi trong dịp hè.",
        "Dịp này, Tỉnh đoàn đã trao 50 suất học bổng cho học sinh nghèo vượt khó, mỗi suất trị "
        "giá 1 triệu đồng.",
    ]
    assert record["author"] == "Minh Thư - Kim Ngân"
    assert record["problems"] == []


def encode_cp1258(text: str) -> bytes:
    """Encode Vietnamese as windows-1258 does: base letters (ơ, ư, â…) plus combining tones."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        base, *marks = unicodedata.normalize("NFD", ch)
        for mark in marks:  # fold the mark cp1258 has a letter for (ơ, ư, â, ê, ô, ă) into the base
            composed = unicodedata.normalize("NFC", base + mark)
            if len(composed) == 1 and composed.encode("cp1258", "ignore"):
                base = composed
                marks.remove(mark)
                break
        out += (base + "".join(marks)).encode("cp1258")
    return bytes(out)


def test_windows_1258_bytes_are_decoded() -> None:
    html = page("seed_div.html").replace('<meta charset="utf-8">', '<meta charset="windows-1258">')
    data = encode_cp1258(html)
    assert b"C\xe2\xf2p nh\xe2\xf2t" in data  # "Cập nhật": â + combining dot below
    record = extract_article(data, URL)
    assert record["title"] == seed_parts()["title"]
    assert record["views"] == 361


@pytest.mark.parametrize("name", ["listing.html", "home.html"])
def test_non_article_pages_are_refused(name: str) -> None:
    with pytest.raises(NotAnArticle) as info:
        extract_article(page(name), "https://haugiang.dcs.vn/")
    assert not info.value.looks_like_article


def test_listing_with_repeated_meta_lines_is_refused() -> None:
    item = "<div><a href='/a-1.html'>Tin</a> [ Cập nhật vào ngày (18/03/2021) ]</div><p>x</p>" * 3
    with pytest.raises(NotAnArticle, match="listing"):
        extract_article(f"<html><body>{item}</body></html>", "https://haugiang.dcs.vn/")


def test_article_without_meta_line_looks_like_an_article() -> None:
    html = page("seed_div.html").replace(
        "[ Cập nhật vào ngày (18/03/2021) ] - [ Số lần xem: 361 ]", ""
    )
    with pytest.raises(NotAnArticle) as info:
        extract_article(html, URL)
    assert info.value.looks_like_article


@pytest.mark.parametrize("html", ["", "   ", "<html></html>"])
def test_empty_pages(html: str) -> None:
    with pytest.raises(NotAnArticle):
        extract_article(html, URL)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(18/03/2021)", dt.date(2021, 3, 18)),
        ("8/3/2021", dt.date(2021, 3, 8)),
        ("18.03.2021", dt.date(2021, 3, 18)),
        ("18-3-2021", dt.date(2021, 3, 18)),
        ("(32/13/2021)", None),
        ("2021-03-18", dt.date(2021, 3, 18)),
        ("không có ngày", None),
    ],
)
def test_parse_date(text: str, expected: dt.date | None) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [(": 361 ]", 361), (": 1.234", 1234), (" 1,234,567", 1234567), (": ...", None), ("", None)],
)
def test_parse_view_count(text: str, expected: int | None) -> None:
    assert parse_view_count(text) == expected


def test_fold_keeps_length_and_strips_accents() -> None:
    text = "Các ý kiến của bạn đọc – ĐẢNG"
    assert fold(text) == "cac y kien cua ban doc – dang"
    assert len(fold(text)) == len(text)


def test_extract_cli_prints_json(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "hgcrawler.cli",
            "extract",
            str(PAGES / "seed_table.html"),
            "--url",
            URL,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    record = json.loads(done.stdout)
    assert record["views"] == 361 and record["author"] == "Hoàng Ý"


def test_extract_cli_refuses_a_listing_with_nonzero_exit() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hgcrawler.cli", "extract", str(PAGES / "listing.html")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert "not an article page" in done.stderr
    assert done.stdout == ""


def test_captions_are_tied_to_their_image_by_structure() -> None:
    from hgcrawler.read.extraction import page_blocks, parse_html

    blocks = page_blocks(parse_html(page("modern_figure.html")))
    captions = [b for b in blocks if b.in_figcaption]
    assert [b.text for b in captions] == [
        "Các đoàn viên thanh niên tham gia lễ ra quân.",
        "Trao quà cho thiếu nhi có hoàn cảnh khó khăn",
    ]
    # a caption that reads like a sentence, in the image's table cell structure
    html = page("seed_table.html").replace(
        "<td>Quang cảnh buổi làm việc</td>", "<td>Quang cảnh buổi làm việc chiều 17/3.</td>"
    )
    record = extract_article(html, URL)
    assert record["images"][0]["caption"] == "Quang cảnh buổi làm việc chiều 17/3."
    assert "Quang cảnh" not in record["body"]


def test_a_short_title_in_a_heading_is_the_title() -> None:
    html = (
        "<html><head><title>Tin vắn - Cổng thông tin</title></head><body>"
        "<div>Trang chủ » Tin tức</div><h1>Tin vắn</h1>"
        "<div>[ Cập nhật vào ngày (18/03/2021) ] - [ Số lần xem: 12 ]</div>"
        "<p><b>Sáng nay, tỉnh tổ chức hội nghị tổng kết công tác năm.</b></p>"
        "<p>Hội nghị đánh giá kết quả thực hiện nhiệm vụ và đề ra phương hướng năm tới.</p>"
        "<p>Minh Anh</p><h3>Các ý kiến của bạn đọc</h3></body></html>"
    )
    record = extract_article(html, "https://tinh.dcs.vn/tin-tuc/tin-van-2.html")
    assert record["title"] == "Tin vắn"
    assert record["category"] == "Tin tức"


def test_a_short_bold_title_the_page_title_starts_with_is_the_title() -> None:
    html = (
        "<html><head><title>Tin vắn - Cổng thông tin</title></head><body>"
        "<div>Trang chủ » Tin tức</div><table><tr><td><b>Tin vắn</b></td></tr>"
        "<tr><td>[ Cập nhật vào ngày (18/03/2021) ] - [ Số lần xem: 12 ]</td></tr></table>"
        "<p><b>Sáng nay, tỉnh tổ chức hội nghị tổng kết công tác năm.</b></p>"
        "<p>Hội nghị đánh giá kết quả thực hiện nhiệm vụ và đề ra phương hướng năm tới.</p>"
        "<p>Minh Anh</p><h3>Các ý kiến của bạn đọc</h3></body></html>"
    )
    record = extract_article(html, "https://tinh.dcs.vn/tin-tuc/tin-van-2.html")
    assert (record["title"], record["category"]) == ("Tin vắn", "Tin tức")
    # bold but not what the page's <title> starts with: a crumb, not a title
    other = html.replace("<title>Tin vắn - ", "<title>Điểm tin - ")
    assert extract_article(other, "https://tinh.dcs.vn/tin-tuc/tin-van-2.html")["title"] == ""


# ---------------------------------------------------------------- labels of other portals

#: The labels of each replica theme, as a site profile would give them.
REDESIGN = Labels(date=("Ngày đăng",), views=("Lượt xem",))
PROVINCE2 = Labels(date=(), views=("Lượt xem",), bare_date=True)
THEME_LABELS = {"classic": Labels(), "redesign": REDESIGN, "province2": PROVINCE2}


def seed_with_meta(meta: str, *, title: str = '<h1 class="title">') -> str:
    html = page("seed_div.html").replace(
        "[ Cập nhật vào ngày (18/03/2021) ] - [ Số lần xem: 361 ]", meta
    )
    return html.replace('<h1 class="title">', title)


@pytest.mark.parametrize(
    ("meta", "labels", "date", "views"),
    [
        ("Ngày đăng: <time>18/03/2021 08:15</time> | Lượt xem: 1.234", REDESIGN,
         "2021-03-18", 1234),
        ("NGÀY ĐĂNG: 8/3/2021 | LƯỢT XEM: 7", REDESIGN, "2021-03-08", 7),
        ("Thứ năm, 18/03/2021 08:15 - Lượt xem: 361", PROVINCE2, "2021-03-18", 361),
        ("Chủ nhật, 7/3/2021 - Lượt xem: 5", PROVINCE2, "2021-03-07", 5),
        # several dates: the one nearest the views label
        ("Đăng 01/01/2020, sửa 18/03/2021 08:15 - Lượt xem: 361", PROVINCE2, "2021-03-18", 361),
        ("Lượt xem: 361 - 18/03/2021 (trước: 01/01/2020)", PROVINCE2, "2021-03-18", 361),
        # a bare date alone in the block before the views label
        ("<div>Thứ năm, 18/03/2021</div><div>Lượt xem: 361</div>", PROVINCE2, "2021-03-18", 361),
        # any of several labels
        ("Cập nhật: 18/03/2021 | Số lượt xem: 9",
         Labels(date=("Ngày đăng", "Cập nhật"), views=("Lượt xem", "Số lượt xem")),
         "2021-03-18", 9),
        # a date written in words, where the profile says so
        ("Ngày 18 tháng 3 năm 2021 - Lượt xem: 361",
         Labels(date=(), views=("Lượt xem",), bare_date=True,
                date_formats=("dd/mm/yyyy", "ngày d tháng m năm yyyy")),
         "2021-03-18", 361),
        ("Ngày 18 tháng 3 năm 2021 - Lượt xem: 361", PROVINCE2, None, 361),
    ],
)  # fmt: skip
def test_meta_lines_of_other_portals(
    meta: str, labels: Labels, date: str | None, views: int
) -> None:
    record = extract_article(seed_with_meta(meta), URL, labels=labels)
    assert (record["updated_on"], record["views"]) == (date, views)
    assert record["title"] == seed_parts()["title"]
    assert record["lede"] == seed_parts()["lede"]
    assert record["body"] == seed_parts()["body"]


def test_a_bare_date_needs_a_label_next_to_it_or_a_title_above_it() -> None:
    # no views label: a bare date right under the title is the meta line
    record = extract_article(seed_with_meta("Thứ năm, 18/03/2021 08:15"), URL, labels=PROVINCE2)
    assert (record["updated_on"], record["views"]) == ("2021-03-18", None)
    assert record["title"] == seed_parts()["title"] and record["body"] == seed_parts()["body"]
    # not under a title (the header's date of the day, a listing's dates): no article
    header = (
        "<html><body><div><img src='/banner.jpg'><div>Thứ sáu, 19/03/2021</div></div>"
        "<div><a href='/a.html'>Tin thứ nhất của tỉnh hôm nay</a></div><div>18/03/2021</div>"
        "<p>Một đoạn mô tả dài của tin thứ nhất trong danh sách tin của chuyên mục.</p>"
        "</body></html>"
    )
    with pytest.raises(NotAnArticle, match=r"no 'Lượt xem' \(or a bare date\) line"):
        extract_article(header, "https://tinh.dcs.vn/", labels=PROVINCE2)
    # a date with other words is no bare date, and without bare_date no date is read
    with pytest.raises(NotAnArticle):
        extract_article(seed_with_meta("Hội nghị ngày 18/03/2021"), URL, labels=PROVINCE2)
    without = Labels(date=("Ngày đăng",), views=("Lượt xem",))
    record = extract_article(seed_with_meta("18/03/2021 - Lượt xem: 3"), URL, labels=without)
    assert (record["updated_on"], record["views"]) == (None, 3)
    assert "updated_on" in record["problems"]


def test_the_hau_giang_labels_do_not_read_other_portals_meta_lines() -> None:
    for meta in (
        "Ngày đăng: 18/03/2021 08:15 | Lượt xem: 361",
        "Thứ năm, 18/03/2021 08:15 - Lượt xem: 361",
    ):
        with pytest.raises(NotAnArticle, match="no 'Cập nhật vào ngày' / 'Số lần xem' line"):
            extract_article(seed_with_meta(meta), URL)


def aspnet_page(content_extra: str = "", after: str = "") -> str:
    """An ASP.NET page: everything inside one page-wide <form>, hidden fields around."""
    seed = seed_parts()
    return (
        "<html><head><title>" + seed["title"] + " - Tỉnh ủy</title></head><body>"
        '<form method="post" action="/Default.aspx" id="Form">'
        '<input type="hidden" name="__VIEWSTATE" value="dDwtMTA4MTc=" />'
        '<div id="dnn_Header"><input type="text" name="q" /> Tìm kiếm</div>'
        '<div class="ArticleCategory"><a href="/tin-trong-tinh/">Tin trong tỉnh</a></div>'
        f'<h2 class="ArticleTitle">{seed["title"]}</h2>'
        "<div><span>Thứ năm, 18/03/2021 08:15</span> - <span>Lượt xem: 361</span></div>"
        f"<div><b>{seed['lede']}</b></div>"
        '<input type="hidden" name="dnn$ctr$ArticleID" value="318" />'
        + "".join(f'<div class="Normal">{p}</div>' for p in seed["body"].split("\n\n"))
        + content_extra
        + f'<div align="right"><b>{seed["author"]}</b></div>'
        + after
        + '<input type="hidden" name="__EVENTVALIDATION" value="x" /></form></body></html>'
    )


def test_an_article_inside_a_page_wide_form_is_read_whole() -> None:
    seed = seed_parts()
    record = extract_article(aspnet_page(), URL, labels=PROVINCE2)
    assert (record["title"], record["lede"], record["body"], record["author"]) == (
        seed["title"],
        seed["lede"],
        seed["body"],
        seed["author"],
    )
    assert (record["category"], record["updated_on"], record["views"]) == (
        "Tin trong tỉnh",
        "2021-03-18",
        361,
    )
    assert record["problems"] == []
    # a comment box inside the same form still ends the article
    comments = (
        "<div>Gửi ý kiến của bạn</div><div>Họ tên <input type='text' name='ten' /></div>"
        "<textarea name='noi-dung'>Ý kiến</textarea><div>Một đoạn chữ sau ô ý kiến.</div>"
    )
    record = extract_article(aspnet_page(after=comments), URL, labels=PROVINCE2)
    assert record["body"] == seed["body"] and record["author"] == seed["author"]
    assert "Một đoạn chữ" not in record["body"]
    boxed = aspnet_page(after="<div><input type='text' name='ten' /> Họ tên</div><p>Chữ sau.</p>")
    record = extract_article(boxed, URL, labels=PROVINCE2)
    assert record["author"] == seed["author"] and "Chữ sau" not in record["body"]


@pytest.fixture(
    scope="module",
    params=[("classic", "ids"), ("redesign", "ids"), ("province2", "ids"), ("province2", "slugs")],
    ids=lambda param: "-".join(param),
)
def theme_site(request: pytest.FixtureRequest) -> Iterator[tuple[str, ReplicaSite, str, dict]]:
    """Every page of a 60-article replica in one theme: article pages by truth, others."""
    theme, scheme = request.param
    site = ReplicaSite(articles=60, day=3, seed=2, theme=theme, url_scheme=scheme)
    with ReplicaServer(site) as server:
        articles = {
            truth.id: (truth, fetch(truth.absolute_url(server.base_url))[2])
            for truth in site.live_articles()
        }
        paths = ["/", "/gioi-thieu.html", "/lien-he.html", "/khong-co"]
        paths += [f"/{slug}/{query}" for slug, _ in site.categories for query in ("", "?trang=2")]
        others = {path: fetch(server.url(path))[2] for path in paths}
        yield theme, site, server.base_url, {"articles": articles, "others": others}


def test_every_theme_is_read_right_with_its_labels(
    theme_site: tuple[str, ReplicaSite, str, dict],
) -> None:
    theme, _, base_url, pages = theme_site
    labels = THEME_LABELS[theme]
    variants = set()
    for truth, body in pages["articles"].values():
        url = truth.absolute_url(base_url)
        record = extract_article(body, url, labels=labels)
        if truth.malformed:
            expected_problem = {
                "malformed_truncated": "truncated",
                "malformed_no_title": "title",
                "malformed_bad_date": "updated_on",
            }[truth.variant]
            assert expected_problem in record["problems"], (url, record["problems"])
            continue
        expected = expected_record(truth, base_url)
        assert {key: record[key] for key in expected} == expected, (truth.variant, url)
        variants.add(truth.variant)
    assert {"plain", "no_views", "split_meta", "short_date", "table", "js", "nfd"} <= variants
    for path, body in pages["others"].items():
        with pytest.raises(NotAnArticle):
            extract_article(body, base_url.rstrip("/") + path, labels=labels)


def test_labels_of_another_portal_read_no_article_page(
    theme_site: tuple[str, ReplicaSite, str, dict],
) -> None:
    """A redesign or another portal is noticed (no article), never silently misread:
    the Hậu Giang labels on the other themes, the province2 labels on the classic one."""
    theme, _, base_url, pages = theme_site
    foreign = PROVINCE2 if theme == "classic" else Labels()
    for truth, body in pages["articles"].values():
        with pytest.raises(NotAnArticle, match=f"no {re.escape(foreign.describe())} line"):
            extract_article(body, truth.absolute_url(base_url), labels=foreign)


# A WordPress-style portal written blind (by someone who had not read this code) whose
# "Xem nhiều" (most read) box shows each entry's "N lượt xem" on every page: five meta
# lines after the article's own.  They are other articles' (the article's text comes
# first), while the category and tag listings, teasers only, stay listings.
MOST_READ = Labels(views=("Lượt xem",), bare_date=True, date_formats=("dd/mm/yyyy",))


def test_a_most_read_box_with_view_counts_leaves_the_article_an_article() -> None:
    """Every field as the blind portal's truth has it (its generator's truth file)."""
    record = extract_article(
        page("wordpress_most_read_article.html"),
        "http://hoaan.example.vn/2021/03/26/nong-dan-vi-thuy-trung-mua-lua-dong-xuan/",
        labels=MOST_READ,
    )
    assert record["title"] == "Nông dân Vị Thủy trúng mùa lúa Đông Xuân"
    assert (record["updated_on"], record["views"]) == ("2021-03-26", 1037)  # its own
    assert record["category"] == "Kinh tế - Xã hội"
    assert record["lede"].startswith("Ngày 26/3/2021, tại Vị Thủy, đã diễn ra hoạt động")
    assert [i["caption"] for i in record["images"]] == [
        "Quang cảnh nông dân vị thủy trúng mùa lúa đông xuân (Vị Thủy)"
    ]
    paragraphs = record["body"].split("\n\n")
    assert paragraphs[0].startswith("Lãnh đạo tỉnh đề nghị các ngành chức năng")
    assert not [p for p in paragraphs if "lượt xem" in p.lower()]
    # the text ends where the site's truth says: the author, a bold name linked to its
    # page, then the tags and a labelled share bar ("Chia sẻ: Facebook | In bài")
    assert len(paragraphs) == 6
    assert paragraphs[-1].endswith("khắc phục những hạn chế đã chỉ ra.")
    assert (record["author"], record["rules"]["author"]) == ("Minh Thư", "linked-name-line")
    assert record["problems"] == [] and record["doubtful"] == []


def test_the_same_box_before_the_article_is_not_its_meta_line() -> None:
    """The sidebar moved before the article (a left column): its "N lượt xem" lines are
    links, the article's own meta line is not; every value is still the article's."""
    html = page("wordpress_most_read_article.html")
    aside = html[html.index("<aside") : html.index("</aside>") + len("</aside>")]
    html = html.replace(aside, "")
    html = html.replace("<article", aside + "<article", 1)
    record = extract_article(html, "http://hoaan.example.vn/2021/03/26/x/", labels=MOST_READ)
    assert record["title"] == "Nông dân Vị Thủy trúng mùa lúa Đông Xuân"
    assert (record["updated_on"], record["views"], record["author"]) == (
        "2021-03-26", 1037, "Minh Thư",
    )  # fmt: skip
    assert record["body"].count("\n\n") == 5 and record["doubtful"] == []
    # the category line sits where the box now is: not found, and said
    assert record["category"] == "" and "category" in record["problems"]


@pytest.mark.parametrize(
    "name", ["wordpress_most_read_listing.html", "wordpress_most_read_tag.html"]
)
def test_listings_with_the_same_box_stay_listings(name: str) -> None:
    with pytest.raises(NotAnArticle, match="meta lines: a listing page"):
        extract_article(page(name), "http://hoaan.example.vn/chuyen-muc/", labels=MOST_READ)


def _linked_page(tail: str) -> str:
    paragraph = "Đoạn văn của bài viết có đủ độ dài để là một đoạn thân bài thật sự. " * 3
    return (
        "<html><body><div><a href='/'>Trang chủ</a></div><h3>Tin trong tỉnh</h3>"
        "<h1>Hội nghị tổng kết công tác năm</h1>"
        "<p>[ Cập nhật vào ngày (18/03/2021) ] - [ Số lần xem: 361 ]</p>"
        f"<p><strong>Mở đầu của bài viết.</strong></p><p>{paragraph}</p>"
        f"<p><a href='/tac-gia/nguyen-van-an'>Nguyễn Văn An</a></p><p>{paragraph}</p>"
        f"{tail}</body></html>"
    )


@pytest.mark.parametrize(
    ("tail", "author"),
    [
        # a linked name ending the text is the author; inside the text it is dropped
        ("<p style='text-align:right'><b><a href='/author/mt'>Minh Thư</a></b></p>"
         "<div>Chia sẻ: <a href='https://facebook.com/sharer'>Facebook</a> | "
         "<a href='javascript:print()'>In bài</a></div>", "Minh Thư"),
        # a link to another article (not a name) is no author, and not the text
        ("<p><a href='/tin/b.html'>Hội nghị sơ kết công tác quý một</a></p>", None),
        # nor is a plain tag that reads as a name, nor a pager's one word
        ("<div class='tags'><a href='/tag/ph'>Phụng Hiệp</a></div>", None),
        ("<ul class='pager'><li class='next'><a href='/b' rel='next'>Tiếp</a></li></ul>", None),
    ],
)  # fmt: skip
def test_a_name_linked_to_its_page_ends_the_text_as_its_author(
    tail: str, author: str | None
) -> None:
    record = extract_article(_linked_page(tail), "https://haugiang.dcs.vn/tin/a.html")
    assert record["author"] == author
    assert record["body"].count("\n\n") == 1  # the two paragraphs, nothing else
    assert "Nguyễn Văn An" not in record["body"] and "Chia sẻ" not in record["body"]


@pytest.mark.parametrize(
    ("name", "labels", "wrong"),
    [
        # Drupal's tags field after the text ("Từ khóa:" / "Phụng Hiệp" as a link)
        ("blind/p04_drupal.html", Labels(date=(), views=("Lượt đọc",), bare_date=True),
         "Phụng Hiệp"),
        # Joomla's pager after the text ("Tiếp", a link)
        ("blind/p08_joomla.html", Labels(date=("Ngày đăng",), views=("Lượt xem",)), "Tiếp"),
    ],
)  # fmt: skip
def test_links_after_the_text_of_blind_pages_are_no_author(
    name: str, labels: Labels, wrong: str
) -> None:
    """Pages written blind in two CMSs: their real authors are in shapes no rule reads
    yet (a label and its value in separate elements; "Viết bởi"), so the author is
    missing, and said; never a link that follows the text."""
    record = extract_article(page(name), "https://example.dcs.vn/a.html", labels=labels)
    assert record["author"] is None and "author" in record["problems"], record["author"]
    assert wrong not in record["body"]


def test_a_source_line_before_a_share_bar_is_the_source_not_lost() -> None:
    """A page written blind, with "Nguồn: Báo Cần Thơ" added to end its text; a share bar of
    social links follows. The source line was taken for a heading over links, and
    the article ended before it: the source was in neither the source nor the body."""
    html = page("blind/p06_html5_h2_noviews.html")
    last = "trừ hồ sơ công việc thuộc phạm vi bí mật nhà nước.</p>\n"
    assert html.count(last) == 1
    html = html.replace(last, last + " <p>Nguồn: Báo Cần Thơ</p>\n")
    record = extract_article(
        html, "https://example.dcs.vn/a.html", labels=Labels(date=("Ngày đăng",), views=())
    )
    assert (record["source"], record["author"]) == ("Báo Cần Thơ", "Ngọc Hân")
    paragraphs = record["body"].split("\n\n")
    assert len(paragraphs) == 5 and paragraphs[-1].startswith("Mục tiêu đến năm 2025")
    assert record["doubtful"] == []


def test_a_joomla_info_list_between_title_and_meta_line_is_neither() -> None:
    """Joomla writes "Viết bởi …" and "Danh mục: …" between its h2 title and the meta
    line, and ends its breadcrumb with the article's own title: the title is the one
    the page's <title> repeats, the category the crumb before the page's own."""
    record = extract_article(
        page("blind/p08_joomla.html"),
        "https://example.dcs.vn/a.html",
        labels=Labels(date=("Ngày đăng",), views=("Lượt xem",)),
    )
    assert record["title"] == "Bế mạc Hội thi Báo cáo viên giỏi tỉnh năm 2021"
    assert record["category"] == "Tin tức - Sự kiện"
    assert (record["updated_on"], record["views"]) == ("2021-03-18", 2345)


def test_two_time_elements_side_by_side_are_two_dates() -> None:
    """WordPress writes the published and the updated time as two <time> elements with
    no space between ("02/03/202202/03/2022" as text): each is a value of its own."""
    record = extract_article(
        page("blind/p03_wordpress.html"),
        "https://example.dcs.vn/a.html",
        labels=Labels(date=("Đăng ngày",), views=("Lượt xem",)),
    )
    assert record["title"] == "Nông dân Vị Thủy trúng mùa lúa Đông Xuân, giá bán cao hơn năm trước"
    assert (record["updated_on"], record["views"]) == ("2022-03-02", 1234)


def test_the_icons_of_tool_links_are_no_images() -> None:
    """A blind table-layout page ends with "<a href='/Guimail.aspx'><img src='mail.gif'>
    Gửi cho bạn bè</a>": the icon of a tool link (or a javascript: one) is no image of
    the article, whatever its file is named."""
    record = extract_article(
        page("blind/p09_br_cell.html"),
        "https://example.dcs.vn/a.html",
        labels=Labels(date=(), views=("Lượt xem",), bare_date=True),
    )
    assert record["title"].startswith("Thủ tướng chủ trì hội nghị trực tuyến")
    assert (record["updated_on"], record["views"]) == ("2021-03-18", 456)
    assert record["images"] == []
