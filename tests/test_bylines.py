"""Bylines, source credits, the article's end and plausibility: pure functions, on
pages shaped as other portals' CMSs write them (no list of the crawler names their
headings)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from hgcrawler.config import OutcomeConfig
from hgcrawler.crawl.outcome import Inputs, judge
from hgcrawler.read.bylines import (
    BylineRules,
    author_credit,
    name_like,
    source_credit,
    split_source,
)
from hgcrawler.read.extraction import extract_article, template_texts
from hgcrawler.read.pagetemplate import PageTemplate, TemplateLearner, learn_template
from hgcrawler.read.plausibility import RepeatedValues, record_doubts
from hgcrawler.sites import Labels, ProfileError, parse_profile

RULES = BylineRules()
SENTENCE = "Thân bài là một câu đủ dài, kết thúc bằng dấu chấm như mọi câu văn khác."
URL = "https://tinh.dcs.vn/tin-tuc/bai-{n}.html"
LABELS = Labels(date=("Ngày đăng",), views=("Lượt xem",))
LEDE = (
    "Sáng ngày {n}/3/2021, tại hội trường Tỉnh ủy, Ban Thường vụ Tỉnh ủy tổ chức hội nghị "
    "sơ kết công tác quý I và triển khai nhiệm vụ trọng tâm quý II năm 2021."
)
BODY = (
    "Theo báo cáo, trong quý I các cấp ủy đã tập trung lãnh đạo thực hiện tốt các nhiệm vụ "
    "chính trị, phát triển kinh tế - xã hội, bảo đảm quốc phòng - an ninh trên địa bàn {n}.",
    "Phát biểu kết luận, đồng chí Bí thư Tỉnh ủy đề nghị các cơ quan chủ động rà soát các "
    "chương trình, kế hoạch công tác để thực hiện đúng tiến độ trong quý {n}.",
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tác giả: Nguyễn Văn A", ("Nguyễn Văn A", "label:Tác giả")),
        ("Bài và ảnh: MINH ANH", ("MINH ANH", "label:Bài và ảnh")),
        ("Bài, ảnh: Thu Hà", ("Thu Hà", "label:Bài và ảnh")),
        ("(Bài - ảnh: Thu Hà)", ("Thu Hà", "label:Bài và ảnh")),
        ("Người viết: Lê Văn B", ("Lê Văn B", "label:Người viết")),
        ("Tin: Q.T", ("Q.T", "label:Tin")),
        ("Tác giả Nguyễn Văn C", ("Nguyễn Văn C", "label:Tác giả")),
        ("Nhóm PV", ("Nhóm PV", "label:Nhóm PV")),
        ("PV", ("PV", "label:PV")),
        ("Bài viết liên quan", None),
        ("Tin cùng chuyên mục", None),
        ("Tác giả:", None),
        ("Bài học kinh nghiệm rút ra là gì?", None),
        ("Tin rằng phong trào sẽ lan tỏa", None),
    ],
)
def test_labelled_and_team_bylines(text: str, expected: tuple[str, str] | None) -> None:
    assert author_credit(text, RULES) == expected


def test_a_profile_names_its_own_author_label() -> None:
    assert author_credit("Bút danh: Hồng Nhung", RULES) is None
    rules = BylineRules(author_labels=("Bút danh",))
    assert author_credit("Bút danh: Hồng Nhung", rules) == ("Hồng Nhung", "label:Bút danh")


@pytest.mark.parametrize(
    ("text", "tail", "expected"),
    [
        ("Nguồn: Báo Cần Thơ", False, ("Báo Cần Thơ", "label:Nguồn")),
        ("(Nguồn tin: Sở Y tế)", False, ("Sở Y tế", "label:Nguồn")),
        ("(Theo TTXVN)", True, ("TTXVN", "label:Theo")),
        ("Theo dangcongsan.vn", True, ("dangcongsan.vn", "label:Theo")),
        ("Theo Báo Nhân Dân", True, ("Báo Nhân Dân", "label:Theo")),
        ("Theo TTXVN", False, None),  # "Theo" only after the text
        ("Theo kế hoạch, tỉnh sẽ tổ chức hội nghị", True, None),
        ("Theo quy định.", True, None),
        ("Nguồn lực đầu tư còn thấp", True, None),
    ],
)
def test_source_credits(text: str, tail: bool, expected: tuple[str, str] | None) -> None:
    assert source_credit(text, RULES, tail=tail) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hoàng Ý", True),
        ("HOÀNG Ý", True),
        ("Minh Thư - Kim Ngân", True),
        ("Hồng Nhung (TTXVN)", True),
        ("Ng.V.A", True),
        ("— Ng.V.A —", False),
        ("Có thể bạn quan tâm", False),
        ("Quang cảnh hội nghị", False),
        ("", False),
    ],
)
def test_name_lines(text: str, expected: bool) -> None:
    assert name_like(text) is expected


def test_a_source_inside_a_byline_is_split_off() -> None:
    assert split_source("Kim Ngân - Nguồn: Báo Cần Thơ") == ("Kim Ngân", "Báo Cần Thơ")
    assert split_source("Hồng Nhung (Theo TTXVN)") == ("Hồng Nhung", "TTXVN")
    assert split_source("Minh Thư - Kim Ngân") == ("Minh Thư - Kim Ngân", None)


# ----------------------------------------------------------------- pages


def page(n: int, after: str, *, before: str = "", chrome: str = "") -> str:
    """An article page of a portal none of whose headings the crawler lists."""
    body = "".join(f"<p>{p.format(n=n)}</p>" for p in BODY)
    related = "".join(
        f'<li><a href="/tin-tuc/khac-{n}-{k}.html">Tin khác số {k} về hoạt động của tỉnh '
        f"trong tuần {n}</a></li>"
        for k in range(3)
    )
    return (
        f"<html><head><title>Bài số {n} - Cổng TTĐT</title></head><body>"
        '<div class="menu"><a href="/">Trang chủ</a> | <a href="/tin-tuc/">Tin tức</a></div>'
        '<div class="crumb"><a href="/">Trang chủ</a> » <a href="/tin-tuc/">Tin tức</a></div>'
        f"<h1>Bài số {n}</h1><div>Ngày đăng: 0{n % 9 + 1}/03/2021 | Lượt xem: {100 + n}</div>"
        f"{chrome}{before}<div class='sapo'>{LEDE.format(n=n)}</div>{body}{after}"
        f'<div class="box"><h3>Đừng bỏ lỡ</h3><ul>{related}</ul></div>'
        '<div class="footer">Bản quyền thuộc Ban Tuyên giáo Tỉnh ủy.</div></body></html>'
    )


def read(html: str, n: int = 1, **kwargs: Any) -> dict[str, Any]:
    return extract_article(html, URL.format(n=n), labels=kwargs.pop("labels", LABELS), **kwargs)


def assert_text_is_clean(record: dict[str, Any], n: int = 1) -> None:
    assert record["lede"] == LEDE.format(n=n)
    assert record["body"] == "\n\n".join(p.format(n=n) for p in BODY)


def test_portal_a_labelled_byline_then_share_links_then_an_unlisted_heading() -> None:
    after = (
        '<p class="author">Tác giả: <b>Nguyễn Văn A</b></p>'
        '<div class="share"><a href="#">Facebook</a> | <a href="#">Zalo</a></div>'
    )
    record = read(page(1, after))
    assert_text_is_clean(record)
    assert (record["author"], record["source"]) == ("Nguyễn Văn A", None)
    assert record["rules"]["author"] == "label:Tác giả"
    assert record["doubtful"] == []


def test_portal_b_bare_byline_then_a_source_credit() -> None:
    after = (
        '<p style="text-align:right"><strong>NGUYỄN VĂN A</strong></p>'
        '<p style="text-align:right"><em>Nguồn: Báo Cần Thơ</em></p>'
    )
    record = read(page(1, after))
    assert_text_is_clean(record)
    assert (record["author"], record["source"]) == ("NGUYỄN VĂN A", "Báo Cần Thơ")
    assert record["rules"] == {
        "end": "heading+links",
        "author": "name-line",
        "source": "label:Nguồn",
    }


def test_byline_above_the_text() -> None:
    for before, rule in (
        ('<div class="tacgia">Bài, ảnh: Thu Hà</div>', "label:Bài và ảnh (above the text)"),
        ("<div><b>Thu Hà</b></div>", "name-line (above the text)"),
    ):
        record = read(page(1, "", before=before))
        assert_text_is_clean(record)
        assert (record["author"], record["rules"]["author"]) == ("Thu Hà", rule)


def test_a_source_credit_is_never_the_author() -> None:
    record = read(page(1, "<p><em>(Theo TTXVN)</em></p>"))
    assert_text_is_clean(record)
    assert (record["author"], record["source"]) == (None, "TTXVN")


def test_an_unknown_byline_shape_is_doubtful_not_right() -> None:
    record = read(page(1, "<p>— Ng.V.A —</p>"))
    assert record["author"] is None
    assert record["doubtful"] == ["author", "body"]
    assert "— Ng.V.A —" in record["doubts"]["author"]


def test_a_selector_is_the_last_resort_for_a_field() -> None:
    html = page(1, '<p class="sign">— Ng.V.A —</p>')
    labels = Labels(date=("Ngày đăng",), views=("Lượt xem",), selectors=(("author", "p.sign"),))
    record = read(html, labels=labels)
    assert_text_is_clean(record)
    assert record["author"] == "— Ng.V.A —"
    assert record["rules"]["author"] == "selector:p.sign"
    assert record["doubtful"] == []


# A comments box whose heading no list names and whose comments are text, not links:
# no evidence on the page says the article ended there; the profile or the site's
# template does.
COMMENTS = (
    "<div class='cmt'><div class='cmt-title'>Ý kiến độc giả</div>"
    "<p>Nguyễn Văn Bình: Bài viết rất hay, cảm ơn tác giả đã phản ánh kịp thời tình hình "
    "ở địa phương chúng tôi.</p></div>"
)


def test_an_unlisted_end_heading_from_the_profile() -> None:
    html = page(1, '<p style="text-align:right"><b>Thu Hà</b></p>' + COMMENTS)
    assert "Bình" in read(html)["body"]  # lists only: the comment is read as the article's
    labels = Labels(date=("Ngày đăng",), views=("Lượt xem",), end_headings=("Ý kiến độc giả",))
    record = read(html, labels=labels)
    assert_text_is_clean(record)
    assert record["author"] == "Thu Hà"
    assert record["rules"]["end"] == "profile:Ý kiến độc giả"


def test_the_learned_template_ends_the_article_and_skips_its_chrome() -> None:
    chrome = "<div class='tools'>Cỡ chữ: <a href='#'>A-</a> <a href='#'>A+</a> Nghe đọc</div>"
    pages = {
        n: page(n, f'<p style="text-align:right"><b>{name}</b></p>{COMMENTS}', chrome=chrome)
        for n, name in enumerate(("Thu Hà", "Minh Anh", "Kim Ngân", "Hoàng Ý", "Quốc Trạng"), 1)
    }
    without = read(pages[1])
    assert without["lede"].startswith("Cỡ chữ") and "Bình" in without["body"]
    template = learn_template(template_texts(html) for html in pages.values())
    assert template is not None and template.pages == 5
    assert "y kien doc gia" in template and "cơ chữ" not in template.texts
    for n, html in pages.items():
        record = read(html, n, template=template)
        assert_text_is_clean(record, n)
        assert record["rules"]["end"] == "template"
        assert (
            record["author"] == ("Thu Hà", "Minh Anh", "Kim Ngân", "Hoàng Ý", "Quốc Trạng")[n - 1]
        )


def test_the_template_is_data_kept_with_the_site() -> None:
    template = PageTemplate(frozenset({"chia se", "co the ban quan tam"}), 20)
    assert PageTemplate.from_doc(template.to_doc()) == template
    with pytest.raises(ValueError):
        PageTemplate.from_doc({"texts": "chia se"})
    learner = TemplateLearner(sample=4)
    for n in range(6):
        learner.add({"menu", f"bai {n}"})
    assert (learner.seen, learner.ready) == (4, True)
    template2 = learner.template()
    assert template2 is not None and template2.texts == {"menu"}
    assert learn_template([{"menu"}, {"menu"}]) is None  # two pages say nothing


# ----------------------------------------------------------------- plausibility


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({"author": "Tác giả: Minh Anh"}, {"author"}),
        ({"source": "Nguồn: Báo X"}, {"source"}),
        ({"author": "Số lần xem: 361"}, {"author"}),
        ({"images": [{"caption": "Lượt xem 12"}]}, {"images"}),
        ({"lede": "Tin dài hơn thân bài nhiều lắm.", "body": "Ngắn."}, {"body"}),
        ({"lede": "Cập nhật vào ngày (18/03/2021) Sáng nay…", "body": SENTENCE}, {"lede"}),
        ({"updated_on": "2031-01-01"}, {"updated_on"}),
        ({"body": "Câu đầu tiên của bài.\n\n— Ng.V.A —"}, {"author", "body"}),
        ({"body": "Câu đầu tiên của bài.\n\nHoàng Ý", "author": None}, set()),
        ({"author": "Hoàng Ý", "lede": "Ngắn.", "body": "Một đoạn dài hơn phần tóm tắt."}, set()),
        ({"lede": "Video đạt 10.000 lượt xem trên mạng.", "body": SENTENCE}, set()),
    ],
)
def test_record_doubts(record: dict[str, Any], expected: set[str]) -> None:
    assert set(record_doubts(record, today=dt.date(2026, 12, 4))) == expected


def test_one_value_on_most_records_is_the_sites_not_theirs() -> None:
    repeats = RepeatedValues()
    for n in range(10):
        author = "Có thể bạn quan tâm" if n < 6 else f"Tác giả {n}"
        repeats.add({"author": author, "lede": f"Tóm tắt {n}"}, f"https://x/{n}")
    assert repeats.repeated() == {"author": (6, "Có thể bạn quan tâm", "https://x/1")}
    team = RepeatedValues()
    for n in range(10):
        team.add({"author": "PV", "lede": f"Tóm tắt {n}"}, f"https://x/{n}")
    assert team.repeated() == {}  # a team signs many articles by right


def outcome_inputs(**kwargs: Any) -> Inputs:
    return Inputs(
        mode="full",
        start_url="https://tinh.dcs.vn/",
        close_reason="finished",
        thresholds=OutcomeConfig(
            degraded_threshold=0.5, layout_change_share=0.2, fill_drop=0.3, stop_timeout=1
        ),
        pages=80,
        article_pages=60,
        article_records=60,
        stored=60,
        **kwargs,
    )


def test_a_field_doubtful_on_many_pages_degrades_the_crawl_naming_it() -> None:
    verdict = judge(
        outcome_inputs(doubtful={"author": 40}, examples={"doubtful:author": ["https://x/1"]})
    )
    assert verdict.status == "degraded"
    assert verdict.problems[0].startswith(
        "the author cannot be trusted on 40 of 60 article pages: its value is implausible "
        "(e.g. https://x/1)"
    )
    assert verdict.extra["doubtful"] == {"author": 40}
    assert judge(outcome_inputs(doubtful={"author": 4})).status == "finished"
    repeated = judge(outcome_inputs(repeated={"lede": (50, "Tóm tắt", "https://x/2")}))
    assert repeated.status == "degraded"
    assert repeated.problems == [
        "the lede is the same on 50 of 60 article pages ('Tóm tắt', e.g. https://x/2): the "
        "site's template, not each article's lede"
    ]


def test_profile_keys_for_bylines_ends_and_selectors() -> None:
    profile = parse_profile(
        {
            "name": "tinh",
            "start_url": "https://tinh.dcs.vn/",
            "labels": {
                "views": ["Lượt xem"],
                "author": ["Bút danh"],
                "source": ["Trích từ"],
                "end_headings": ["Ý kiến độc giả"],
            },
            "selectors": {"author": "p.sign"},
        },
        "tinh.toml",
    )
    labels = profile.labels
    assert (labels.author, labels.source, labels.end_headings) == (
        ("Bút danh",),
        ("Trích từ",),
        ("Ý kiến độc giả",),
    )
    assert labels.selectors == (("author", "p.sign"),)
    with pytest.raises(ProfileError, match=r"tinh.toml: selectors.author: not a CSS selector"):
        parse_profile(
            {"name": "tinh", "start_url": "https://tinh.dcs.vn/", "selectors": {"author": "p[["}},
            "tinh.toml",
        )
    with pytest.raises(ProfileError, match=r"selectors.views: unknown key"):
        parse_profile(
            {"name": "tinh", "start_url": "https://tinh.dcs.vn/", "selectors": {"views": "b"}},
            "tinh.toml",
        )


def test_a_photo_credit_is_neither_author_nor_source_nor_doubtful() -> None:
    labelled = read(page(1, "<p>Tác giả: Thu Hà</p><p>Ảnh: Minh Anh</p>"))
    assert_text_is_clean(labelled)
    assert (labelled["author"], labelled["source"]) == ("Thu Hà", None)
    bare = read(page(1, "<p><b>Thu Hà</b></p><p><i>Ảnh: Internet</i></p>"))
    assert_text_is_clean(bare)
    assert bare["author"] == "Thu Hà" and bare["doubtful"] == []
    alone = read(page(1, "<p>Ảnh: Minh Anh</p>"))
    assert alone["author"] is None and alone["doubtful"] == []


def test_a_credit_inside_the_article_does_not_end_it() -> None:
    """A table's "Nguồn: …" in the middle of the text: the article goes on after it."""
    inside = (
        "<table><tr><td>Năm</td><td>Sản lượng</td></tr><tr><td>2020</td><td>12</td></tr></table>"
        "<p>Nguồn: Cục Thống kê tỉnh</p>"
        "<p>Từ số liệu trên, có thể thấy sản lượng lúa của tỉnh tăng đều qua các năm, nhờ "
        "áp dụng tiến bộ khoa học kỹ thuật vào sản xuất.</p>"
        '<p style="text-align:right"><b>Thu Hà</b></p>'
    )
    record = read(page(1, inside))
    assert record["body"].endswith("vào sản xuất.")
    assert "Nguồn: Cục Thống kê tỉnh" in record["body"]
    assert (record["author"], record["source"]) == ("Thu Hà", None)


def test_pages_read_before_the_template_that_read_otherwise_are_noted() -> None:
    verdict = judge(
        outcome_inputs(
            template_differs={"author": 2, "body": 3}, examples={"template:body": ["https://x/3"]}
        )
    )
    assert verdict.status == "finished"
    assert verdict.problems == [
        "article pages read before the site's page template was learned read differently "
        "with it (author ×2, body ×3) (e.g. https://x/3): their stored fields are corrected "
        "when they are next visited"
    ]
