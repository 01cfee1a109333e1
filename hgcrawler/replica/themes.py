"""Page templates of the replica portal: ``ReplicaSite(theme=...)``.

- ``classic``: the portal as captured (an older Vietnamese government CMS: a
  fixed-width layout of divs and tables, inline styles, ``<font>`` tags, the
  bracketed meta line ``[ Cập nhật vào ngày (…) ] - [ Số lần xem: … ]``).
- ``redesign``: the same portal after a redesign: HTML5 (``<header>``,
  ``<article>``, ``<time>``, ``<figure>``) and the meta line
  ``Ngày đăng: 18/03/2021 08:15 | Lượt xem: 361``.
- ``province2``: another province's portal on an ASP.NET CMS: one page-wide
  ``<form>``, ``dnn_*`` panes, the title in an ``<h2>``, a bare date
  ``Thứ năm, 18/03/2021 08:15`` and ``Lượt xem: 361``.

Other CMS shapes, each with its own place and shape of byline and source credit
and a "related news" heading that no list of the crawler names:

- ``nukeviet``: a ``hometext`` lede, images in captioned tables, a labelled byline
  after the body (``Tác giả: …`` / ``Bài và ảnh: …``), ``Nguồn: …``, a share bar,
  then "Đọc thêm cùng chủ đề";
- ``sharepoint``: a bold first paragraph as lede, a bare upper-case right-aligned
  byline followed by ``Nguồn: …`` (or ``(Theo TTXVN)``), then "Có thể bạn quan tâm";
- ``joomla``: the byline above the body (``Bài, ảnh: …`` or a bare bold name), a
  ``<div class="sapo">`` lede, ``<figure>`` images, then "Bài viết cùng loại";
- ``initials``: a byline in a shape no rule reads (``— H.Ý —``, the writer's
  initials) after the body: the page a crawl must call doubtful, never right.

Themes only render; which articles exist and what they say comes from
:class:`~hgcrawler.replica.site.ReplicaSite`.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Callable
from html import escape
from urllib.parse import quote

from . import content
from .site import (
    COUNTER_SCRIPT_PATH,
    VIEWS_API_PATH,
    ArticleTruth,
    ArticleView,
    DayState,
    ReplicaSite,
    calendar_date,
)

SITE_NAME = "Cổng thông tin điện tử Đảng bộ tỉnh Hậu Giang"
EXTERNAL_LINKS = (
    ("https://dangcongsan.vn/", "Báo điện tử Đảng Cộng sản Việt Nam"),
    ("https://tuyengiao.vn/", "Ban Tuyên giáo Trung ương"),
    ("https://www.haugiang.gov.vn/", "Cổng thông tin điện tử tỉnh Hậu Giang"),
    ("https://baohaugiang.com.vn/", "Báo Hậu Giang"),
)
PROVINCE2_SITE_NAME = "Trang thông tin điện tử Đảng bộ tỉnh Sóc Trăng"
PROVINCE2_EXTERNAL_LINKS = (
    ("https://dangcongsan.vn/", "Báo điện tử Đảng Cộng sản Việt Nam"),
    ("https://www.soctrang.gov.vn/", "Cổng thông tin điện tử tỉnh Sóc Trăng"),
    ("https://baosoctrang.org.vn/", "Báo Sóc Trăng"),
)
WEEKDAYS = ("Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật")

STYLESHEET = b"""\
body{margin:0;font-family:Arial,Helvetica,sans-serif;font-size:13px;background:#f3f3f3}
#wrapper{width:1000px;margin:0 auto;background:#fff}
#menu ul{margin:0;padding:0;background:#b5121b;list-style:none;overflow:hidden}
#menu li{float:left}#menu a{display:block;padding:8px 12px;color:#fff;text-decoration:none}
.box-title{background:#b5121b;color:#fff;font-weight:bold;padding:5px}
.news-title{color:#b5121b;font-size:18px}.news-date{color:#777;font-size:11px}
.paging a,.paging span{padding:2px 5px}.paging .current{font-weight:bold;color:#b5121b}
"""
REDESIGN_STYLESHEET = b"""\
:root{--red:#c8102e}body{margin:0;font:16px/1.6 "Roboto",Arial,sans-serif;color:#222}
.site-header{border-bottom:4px solid var(--red)}.main-nav ul{display:flex;gap:1rem;list-style:none}
.site-main{display:grid;grid-template-columns:1fr 320px;gap:2rem;max-width:1200px;margin:auto}
.post-title{font-size:2rem;line-height:1.25}.post-meta{color:#666;font-size:.9rem}
.post-body figure{margin:1rem 0;text-align:center}.pagination ul{display:flex;list-style:none}
"""
PROVINCE2_STYLESHEET = b"""\
body{margin:0;background:#e9eef3;font-family:Tahoma,Verdana,sans-serif;font-size:12px}
#dnn_Wrapper{width:980px;margin:0 auto;background:#fff}#dnn_Menu{background:#0b4f8a;padding:6px}
#dnn_Menu a{color:#fff;font-weight:bold;text-decoration:none}.ArticleTitle{color:#0b4f8a}
.ArticleInfo{color:#888;font-size:11px}.pager a,.pager span{padding:2px 4px}
"""

#: The external counter script of ``counters="script"`` pages; ``{handler}`` is the
#: handler path of the day (it changes on ``counter_endpoint_break_day``).
COUNTER_SCRIPT = """\
/* DNN News module: fill the view counters of the page */
(function () {
  var spans = document.querySelectorAll("span.viewcount[data-itemid]");
  for (var i = 0; i < spans.length; i++) {
    (function (span) {
      var xhr = new XMLHttpRequest();
      var id = encodeURIComponent(span.getAttribute("data-itemid"));
      xhr.open("GET", "{handler}?ItemID=" + id, true);
      xhr.onreadystatechange = function () {
        if (xhr.readyState === 4 && xhr.status === 200) {
          span.textContent = xhr.responseText.replace(/\\s+/g, "");
        }
      };
      xhr.send();
    })(spans[i]);
  }
})();
"""


def _text(value: str) -> str:
    return escape(value, quote=False)


def _attr(value: str) -> str:
    return escape(value, quote=True)


def _dotted(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def _ddmmyyyy(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def _inline_counter_script(article_id: int, slow: bool) -> str:
    call = "setTimeout(napLuotXem, 1500);" if slow else "napLuotXem();"
    return (
        '<script type="text/javascript">\n'
        "function napLuotXem() {\n"
        "  var xhr = new XMLHttpRequest();\n"
        f'  xhr.open("GET", "{VIEWS_API_PATH}?id={article_id}", true);\n'
        "  xhr.onreadystatechange = function () {\n"
        "    if (xhr.readyState === 4 && xhr.status === 200) {\n"
        f'      document.getElementById("luot-xem-{article_id}").innerHTML = '
        "JSON.parse(xhr.responseText).views;\n"
        "    }\n  };\n  xhr.send();\n}\n"
        f"{call}\n</script>"
    )


def counter_markup(view: ArticleView) -> tuple[str, str]:
    """(what follows the views label, what follows the meta line) of an article page.

    Static pages: the count and nothing. Inline-script variants (``js``…): an empty
    ``<span id="luot-xem-ID">`` and the inline script. ``counters="script"``: an empty
    ``<span class="viewcount" data-itemid="ID">`` and the external counter.js.
    """
    truth = view.truth
    if truth.js_counter == "external":
        return (
            f'<span class="viewcount" data-itemid="{truth.id}"></span>',
            f'\n<script type="text/javascript" src="{COUNTER_SCRIPT_PATH}"></script>',
        )
    if truth.js_counter != "none":
        placeholder = "..." if truth.js_counter == "slow" else ""
        return (
            f'<span id="luot-xem-{truth.id}">{placeholder}</span>',
            "\n" + _inline_counter_script(truth.id, truth.js_counter == "slow"),
        )
    return view.views_text, ""


def credit_line(truth: ArticleTruth) -> str:
    """The one line the captured portal's templates print under an article: its author,
    or "Theo <source>" for news taken from elsewhere ("" for neither)."""
    if truth.author:
        return truth.author
    return f"Theo {truth.source}" if truth.source else ""


def _share_links(title: str, absolute: str) -> tuple[str, str, str]:
    """(print, e-mail, Facebook) hrefs, attribute-escaped."""
    return (
        "javascript:window.print()",
        _attr(f"mailto:?subject={quote(title)}&body={quote(absolute)}"),
        _attr(f"https://www.facebook.com/sharer/sharer.php?u={quote(absolute, safe='')}"),
    )


class ClassicTheme:
    """The portal as captured. The other themes override the rendering methods."""

    name = "classic"
    site_name = SITE_NAME
    external_links: tuple[tuple[str, str], ...] = EXTERNAL_LINKS
    stylesheet_path = "/Content/style.css"
    stylesheet = STYLESHEET
    #: labels of the meta line (the drifts rename them)
    date_label = "Cập nhật vào ngày"
    views_label = "Số lần xem"
    drifted_date_label = "Đăng ngày"
    drifted_views_label = "Lượt đọc"
    about_paragraphs: tuple[str, ...] = (
        "Cổng thông tin điện tử Đảng bộ tỉnh Hậu Giang là cơ quan ngôn luận của "
        "Đảng bộ tỉnh, do Ban Tuyên giáo Tỉnh ủy quản lý.",
        "Cổng thông tin đăng tải các tin tức, sự kiện về hoạt động của Đảng bộ, "
        "chính quyền và Nhân dân trong tỉnh.",
    )
    contact_paragraphs: tuple[str, ...] = (
        "Ban Tuyên giáo Tỉnh ủy Hậu Giang, số 1 đường Võ Văn Kiệt, phường V, "
        "thành phố Vị Thanh, tỉnh Hậu Giang.",
        "Điện thoại: 0293 3 878 787. Email: bantuyengiao@haugiang.dcs.vn",
    )

    def __init__(self, site: ReplicaSite) -> None:
        self.site = site
        self._sidebars: dict[int, str] = {}

    # ----------------------------------------------------------- helpers
    def _item_link(self, article_id: int, state: DayState) -> str:
        return (
            f'<a href="{_attr(self.site.url_on(article_id, state))}">'
            f"{_text(self.site.title_on(article_id, state))}</a>"
        )

    def _thumb_src(self, article_id: int, state: DayState) -> str:
        images = self.site.view(article_id, state.day).truth.images
        return images[0][0] if images else "/Content/images/no-image.jpg"

    def _thumb(self, article_id: int, state: DayState) -> str:
        return (
            f'<a href="{_attr(self.site.url_on(article_id, state))}">'
            f'<img src="{_attr(self._thumb_src(article_id, state))}" width="120" height="90" '
            'border="0" style="float:left;margin:0 8px 4px 0" alt="" /></a>'
        )

    def _cached_sidebar(self, state: DayState, render: Callable[[DayState], str]) -> str:
        cached = self._sidebars.get(state.day)
        if cached is not None:
            return cached
        html = render(state)
        if len(self._sidebars) > 8:
            self._sidebars.clear()
        self._sidebars[state.day] = html
        return html

    def _drifted(self, meta_line: str) -> str:
        """The meta line after a layout drift (``ReplicaSite(drift=...)``) renamed a label."""
        drift = self.site.drift
        if drift == "no_views":
            return meta_line.replace(self.views_label, self.drifted_views_label)
        if drift == "no_date":
            return meta_line.replace(self.date_label, self.drifted_date_label)
        return meta_line

    def article_title(self, truth: ArticleTruth) -> str:
        """The ``<title>`` of an article page."""
        if truth.variant == "malformed_no_title":
            return self.site_name
        return f"{truth.title} - {self.site_name}"

    def _body_parts(
        self,
        view: ArticleView,
        paragraph: Callable[[str], str],
        figure: Callable[[str, str], str],
        cut_paragraph: Callable[[str], str],
    ) -> list[str]:
        """Paragraphs (with the CMS's wrappers) and figures in page order."""
        truth = view.truth
        out: list[str] = []
        pending = list(zip(view.image_slots, truth.images, strict=True))
        for number, text in enumerate(truth.body):
            while pending and pending[0][0] <= number:
                _, (src, caption) = pending.pop(0)
                out.append(figure(src, caption))
            opening, closing = view.wrappers[number]
            if truth.variant == "malformed_truncated" and number == len(truth.body) - 1:
                # cut mid-text: neither the wrapper nor the paragraph is closed
                out.append(cut_paragraph(f"{opening}{_text(text)}"))
            else:
                out.append(paragraph(f"{opening}{_text(text)}{closing}"))
        for _, (src, caption) in pending:
            out.append(figure(src, caption))
        return out

    def _older_in_category(self, view: ArticleView, state: DayState) -> list[int]:
        ids = state.live_by_category[self.site.category_index(view.truth.id)]
        position = bisect.bisect_left(ids, view.truth.id)
        return ids[max(0, position - 5) : position][::-1]

    # ------------------------------------------------------------ chrome
    def _link_items(self, ids: list[int], state: DayState) -> str:
        """``<li>`` links to the articles ``ids`` as they are on ``state``'s day."""
        site = self.site
        return "".join(
            f'<li><a href="{_attr(site.url_on(i, state))}">'
            f"{_text(site.title_on(i, state))}</a></li>\n"
            for i in ids
        )

    def sidebar(self, state: DayState) -> str:
        return self._cached_sidebar(state, self._render_sidebar)

    def _render_sidebar(self, state: DayState) -> str:
        externals = "".join(
            f'<li><a href="{url}" target="_blank">{_text(name)}</a></li>\n'
            for url, name in self.external_links
        )
        return (
            '<div class="box" id="tin-moi"><div class="box-title">Tin mới</div>\n'
            f'<ul class="list-link">\n{self._link_items(state.newest, state)}</ul></div>\n'
            '<div class="box" id="tin-doc-nhieu"><div class="box-title">Tin đọc nhiều</div>\n'
            f'<ul class="list-link">\n{self._link_items(state.most_read, state)}</ul></div>\n'
            '<div class="box"><div class="box-title">Liên kết website</div>\n'
            f'<ul class="list-link">\n{externals}</ul></div>\n'
            '<div class="box" id="thong-ke"><div class="box-title">Thống kê truy cập</div>\n'
            f'<div style="padding:5px">Lượt truy cập: <b>{_dotted(state.visits)}</b><br />\n'
            f"Đang trực tuyến: <b>{12 + state.visits % 37}</b></div></div>\n"
        )

    def page(self, title: str, main: str, state: DayState, extra_head: str = "") -> str:
        menu = "".join(
            f'<li><a href="/{slug}/">{_text(name)}</a></li>' for slug, name in self.site.categories
        )
        today = calendar_date(state.day)
        return (
            '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
            '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
            '<html xmlns="http://www.w3.org/1999/xhtml">\n<head>\n'
            '<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />\n'
            f"<title>{_text(title)}</title>\n"
            '<link href="/Content/style.css" rel="stylesheet" type="text/css" />\n'
            f'{extra_head}</head>\n<body>\n<div id="wrapper">\n'
            '<div id="header"><a href="/"><img src="/Content/images/banner.jpg" '
            f'alt="{_attr(SITE_NAME)}" width="1000" height="150" border="0" /></a></div>\n'
            f'<div id="menu"><ul><li><a href="/">Trang chủ</a></li>{menu}'
            '<li><a href="/gioi-thieu.html">Giới thiệu</a></li></ul></div>\n'
            f'<div id="today" style="padding:4px;font-size:11px">Hôm nay: '
            f"{today.day:02d}/{today.month:02d}/{today.year}</div>\n"
            '<table width="100%" cellpadding="0" cellspacing="6" border="0"><tr>\n'
            f'<td valign="top" id="main-col">\n{main}\n</td>\n'
            f'<td valign="top" width="280" id="right-col">\n{self.sidebar(state)}</td>\n'
            "</tr></table>\n"
            '<div id="footer" style="background:#b5121b;color:#fff;padding:8px;text-align:center">'
            '<a href="/gioi-thieu.html" style="color:#fff">Giới thiệu</a> | '
            '<a href="/lien-he.html" style="color:#fff">Liên hệ</a> | '
            '<a href="/quan-tri/" style="color:#fff">Quản trị</a><br />\n'
            "Cơ quan chủ quản: Tỉnh ủy Hậu Giang. Địa chỉ: số 1 đường Võ Văn Kiệt, phường V, "
            "thành phố Vị Thanh, tỉnh Hậu Giang.<br />\n"
            "Ghi rõ nguồn “Cổng thông tin điện tử Đảng bộ tỉnh Hậu Giang” khi phát hành lại "
            "thông tin từ website này.</div>\n"
            "</div>\n</body>\n</html>\n"
        )

    # ------------------------------------------------------------- pages
    def home_main(self, state: DayState, extra_blocks: list[str]) -> str:
        site = self.site
        blocks = []
        for index, (slug, name) in enumerate(site.categories):
            newest = state.live_by_category[index][-4:][::-1]
            parts = [
                '<div class="home-cat" style="border:1px solid #ddd;margin-bottom:8px">',
                f'<div class="box-title"><a href="/{slug}/" style="color:#fff">{_text(name)}</a>'
                "</div>",
            ]
            if newest:
                first = newest[0]
                parts.append(
                    f'<div class="home-top">{self._thumb(first, state)}'
                    f"<h3>{self._item_link(first, state)}</h3>"
                    f"<p>{_text(site.summary(first))}</p>"
                    '<div style="clear:both"></div></div>'
                )
                parts.append(
                    '<ul class="home-other">'
                    + "".join(f"<li>{self._item_link(i, state)}</li>" for i in newest[1:])
                    + "</ul>"
                )
            parts.append(
                f'<div style="text-align:right"><a href="/{slug}/">Xem tiếp &raquo;</a></div>'
            )
            parts.append("</div>")
            blocks.append("\n".join(parts))
        blocks.extend(extra_blocks)
        return "\n".join(blocks)

    def listing_main(
        self, index: int, page: int, pages: int, shown: list[int], state: DayState
    ) -> str:
        site = self.site
        slug, name = site.categories[index]
        items = []
        for article_id in shown:
            items.append(
                '<div class="news-item" style="border-bottom:1px dotted #ccc;padding:6px 0">'
                f"{self._thumb(article_id, state)}"
                f'<h3 class="item-title">{self._item_link(article_id, state)}</h3>'
                f'<span class="item-date" style="color:#777">'
                f"({_ddmmyyyy(site.published_date(article_id))})</span>"
                f'<p class="item-summary">{_text(site.summary(article_id))}</p>'
                '<div style="clear:both"></div></div>'
            )
        if not items:
            items.append("<p>Chưa có tin trong chuyên mục này.</p>")
        return (
            f'<div class="breadcrumb"><a href="/">Trang chủ</a> &raquo; '
            f"<span>{_text(name)}</span></div>\n"
            f'<h2 class="cat-title" style="color:#b5121b">{_text(name)}</h2>\n'
            '<div class="list-news">\n'
            + "\n".join(items)
            + "\n</div>\n"
            + self.pagination(slug, page, pages)
        )

    @staticmethod
    def _page_href(slug: str, number: int) -> str:
        return f"/{slug}/" if number == 1 else f"/{slug}/?trang={number}"

    @staticmethod
    def _page_window(page: int, pages: int) -> list[int]:
        return sorted({1, pages, *range(max(1, page - 3), min(pages, page + 3) + 1)})

    def pagination(self, slug: str, page: int, pages: int) -> str:
        if pages == 1:
            return ""
        href = self._page_href
        parts = ['<div class="paging" style="text-align:center;padding:8px">Trang: ']
        if page > 1:
            parts.append(f'<a href="{href(slug, page - 1)}">&laquo; Trang trước</a>')
        previous = 0
        for number in self._page_window(page, pages):
            if number - previous > 1:
                parts.append("<span>...</span>")
            if number == page:
                parts.append(f'<span class="current">{number}</span>')
            else:
                parts.append(f'<a href="{href(slug, number)}">{number}</a>')
            previous = number
        if page < pages:
            parts.append(f'<a href="{href(slug, page + 1)}" class="next">Trang sau &raquo;</a>')
        parts.append("</div>\n")
        return " ".join(parts)

    def simple_main(self, title: str, paragraphs: list[str] | tuple[str, ...]) -> str:
        return f'<h2 class="cat-title" style="color:#b5121b">{_text(title)}</h2>\n' + "\n".join(
            f"<p>{_text(p)}</p>" for p in paragraphs
        )

    # ----------------------------------------------------------- article
    def meta_line(self, view: ArticleView) -> str:
        variant = view.truth.variant
        date = view.date_text
        if variant == "no_views":
            return f"[ Cập nhật vào ngày ({date}) ]"
        value, after = counter_markup(view)
        if variant == "split_meta":
            if view.truth.js_counter == "none":
                value = f"<span>{value}</span>"
            return (
                f"<span>[ Cập nhật vào ngày</span>&nbsp;<b>({date})</b>&nbsp;] - [&nbsp;"
                f"<span>Số lần xem:</span>&nbsp;{value} ]{after}"
            )
        return f"[ Cập nhật vào ngày ({date}) ] - [ Số lần xem: {value} ]{after}"

    @staticmethod
    def _tools(title: str, absolute: str) -> str:
        printing, mail, facebook = _share_links(title, absolute)
        return (
            '<div class="news-tools" style="text-align:right;font-size:11px">'
            f'<a href="{printing}">In bài viết</a> | '
            f'<a href="{mail}">Gửi email</a> | '
            f'<a href="{facebook}" target="_blank">Chia sẻ Facebook</a></div>'
        )

    def article_main(self, view: ArticleView, state: DayState, base_url: str) -> str:
        truth = view.truth
        table = truth.variant == "table"
        drift = self.site.drift
        meta = self._drifted(self.meta_line(view))
        category_link = f'<a href="/{view.category_slug}/">{_text(truth.category)}</a>'
        out: list[str] = [
            f'<div class="breadcrumb"><a href="/">Trang chủ</a> &raquo; {category_link}</div>'
        ]
        if table:
            out.append(
                '<table class="tblNewsDetail" width="100%" cellpadding="4" cellspacing="0" '
                'border="0">\n<tr><td class="tdCat" style="text-transform:uppercase">'
                f"{category_link}</td></tr>\n"
                '<tr><td class="tdTitle"><font color="#b5121b" size="4"><b>'
                f"{_text(truth.title)}</b></font></td></tr>\n"
                f'<tr><td class="tdDate"><i>{meta}</i></td></tr>\n'
                f"<tr><td>{self._tools(truth.title, truth.absolute_url(base_url))}</td></tr>\n"
                f'<tr><td class="tdSapo"><b>{_text(truth.lede)}</b></td></tr>\n'
                '<tr><td class="tdContent">'
            )
        else:
            out.append(f'<div class="news-detail">\n<div class="news-cat">{category_link}</div>')
            if truth.variant != "malformed_no_title":
                out.append(f'<h1 class="news-title">{_text(truth.title)}</h1>')
            out.append(f'<div class="news-date">{meta}</div>')
            out.append(self._tools(truth.title, truth.absolute_url(base_url)))
            if drift != "no_body":
                out.append(
                    f'<div class="news-sapo"><p style="text-align:justify"><strong>'
                    f"{_text(truth.lede)}</strong></p></div>\n"
                )
            out.append('<div class="news-content">')
        if drift != "no_body":
            tag = "div" if table else "p"
            out.extend(
                self._body_parts(
                    view,
                    lambda html: f'<{tag} style="text-align:justify">{html}</{tag}>',
                    lambda src, caption: self._figure(src, caption, table),
                    lambda html: f'<{tag} style="text-align:justify">{html}',
                )
            )
        if truth.variant == "malformed_truncated":
            out.append("\x00")  # the response is cut here, no closing tags
            return "\n".join(out)
        if table:
            out.append("</td></tr>")
            if credit_line(truth):
                out.append(f'<tr><td align="right"><b>{_text(credit_line(truth))}</b></td></tr>')
            out.append("</table>")
        else:
            out.append("</div>")
            if credit_line(truth):
                out.append(
                    f'<div class="news-author" style="text-align:right"><strong>'
                    f"{_text(credit_line(truth))}</strong></div>"
                )
            out.append("</div>")
        out.append(self._comments(view))
        out.append(self._related(view, state))
        return "\n".join(out)

    @staticmethod
    def _figure(src: str, caption: str, table: bool) -> str:
        name = src.rsplit("/", 1)[1]
        image = f'<img src="{_attr(src)}" alt="{_attr(name)}" width="500" border="0" />'
        if table:
            return (
                '<table align="center" cellpadding="2"><tr><td align="center">'
                f'{image}</td></tr>\n<tr><td align="center"><i>{_text(caption)}</i>'
                "</td></tr></table>"
            )
        return (
            f'<p style="text-align:center">{image}</p>\n'
            f'<p style="text-align:center"><em>{_text(caption)}</em></p>'
        )

    @staticmethod
    def _comments(view: ArticleView) -> str:
        items = "".join(
            '<div class="comment-item" style="border-bottom:1px dotted #ccc;padding:4px">'
            f"<b>{_text(name)}</b> <i>({_ddmmyyyy(when)})</i><br />{_text(text)}</div>\n"
            for name, when, text in view.comments
        )
        return (
            '<div class="comment-box"><div class="comment-title" style="font-weight:bold">'
            f"Các ý kiến của bạn đọc</div>\n{items}"
            '<form method="post" action="/gui-y-kien.html" class="comment-form">\n'
            f'<input type="hidden" name="id" value="{view.truth.id}" />\n'
            'Họ tên: <input type="text" name="hoten" /><br />\n'
            'Email: <input type="text" name="email" /><br />\n'
            'Nội dung: <textarea name="noidung" rows="4" cols="60"></textarea><br />\n'
            '<input type="submit" value="Gửi ý kiến" /></form></div>'
        )

    def _related(self, view: ArticleView, state: DayState) -> str:
        older = self._older_in_category(view, state)
        if not older:
            return ""
        links = "".join(
            f"<li>{self._item_link(i, state)} "
            f"<span>({_ddmmyyyy(self.site.published_date(i))})</span></li>\n"
            for i in older
        )
        return (
            '<div class="other-news"><div class="box-title">Tin cùng chuyên mục</div>\n'
            f"<ul>\n{links}</ul></div>"
        )


class RedesignTheme(ClassicTheme):
    """The same portal after a redesign: HTML5 markup, "Ngày đăng … | Lượt xem …"."""

    name = "redesign"
    stylesheet_path = "/Content/v2/site.css"
    stylesheet = REDESIGN_STYLESHEET
    date_label = "Ngày đăng"
    views_label = "Lượt xem"
    drifted_date_label = "Đăng lúc"
    drifted_views_label = "Lượt đọc"

    def _time(self, view: ArticleView, separator: str = " ") -> str:
        stamp = f"{view.date_text}{separator}{view.time_text}"
        if view.truth.variant == "malformed_bad_date":
            return f"<time>{stamp}</time>"
        return f'<time datetime="{view.truth.updated_at:%Y-%m-%dT%H:%M}">{stamp}</time>'

    def meta_line(self, view: ArticleView) -> str:
        variant = view.truth.variant
        date, views = self.date_label, self.views_label
        if variant == "no_views":
            return f'<span class="post-date">{date}: {self._time(view)}</span>'
        value, after = counter_markup(view)
        if variant == "split_meta":
            if view.truth.js_counter == "none":
                value = f"<b>{value}</b>"
            return (
                f'<span class="lbl">{date}:</span>&nbsp;{self._time(view, "&nbsp;")}&nbsp;|&nbsp;'
                f'<span class="lbl">{views}:</span>&nbsp;{value}{after}'
            )
        return (
            f'<span class="post-date">{date}: {self._time(view)}</span> | '
            f'<span class="post-views">{views}: {value}</span>{after}'
        )

    def _render_sidebar(self, state: DayState) -> str:
        externals = "".join(
            f'<li><a href="{url}" rel="noopener" target="_blank">{_text(name)}</a></li>\n'
            for url, name in self.external_links
        )
        return (
            '<section class="widget widget-latest"><h2 class="widget-title">Tin mới nhất</h2>\n'
            f"<ul>\n{self._link_items(state.newest, state)}</ul></section>\n"
            '<section class="widget widget-popular"><h2 class="widget-title">Đọc nhiều</h2>\n'
            f"<ol>\n{self._link_items(state.most_read, state)}</ol></section>\n"
            '<section class="widget widget-links"><h2 class="widget-title">Liên kết</h2>\n'
            f"<ul>\n{externals}</ul></section>\n"
            '<section class="widget widget-stats"><h2 class="widget-title">Thống kê</h2>\n'
            f"<p>Tổng lượt truy cập: <strong>{_dotted(state.visits)}</strong></p>\n"
            f"<p>Đang trực tuyến: <strong>{12 + state.visits % 37}</strong></p></section>\n"
        )

    def page(self, title: str, main: str, state: DayState, extra_head: str = "") -> str:
        menu = "".join(
            f'<li><a href="/{slug}/">{_text(name)}</a></li>' for slug, name in self.site.categories
        )
        today = calendar_date(state.day)
        return (
            '<!DOCTYPE html>\n<html lang="vi">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{_text(title)}</title>\n"
            f'<link rel="stylesheet" href="{self.stylesheet_path}">\n'
            f'{extra_head}</head>\n<body class="v2">\n'
            '<header class="site-header">\n<div class="brand"><a href="/" class="logo">'
            f'<img src="/Content/images/logo-v2.png" alt="{_attr(self.site_name)}"></a>'
            f'<span class="brand-name">{_text(self.site_name)}</span></div>\n'
            f'<div class="today">{WEEKDAYS[today.weekday()]}, {_ddmmyyyy(today)}</div>\n'
            f'<nav class="main-nav"><ul><li><a href="/">Trang chủ</a></li>{menu}'
            '<li><a href="/gioi-thieu.html">Giới thiệu</a></li></ul></nav>\n</header>\n'
            f'<main class="site-main">\n<div class="content">\n{main}\n</div>\n'
            f'<aside class="sidebar">\n{self.sidebar(state)}</aside>\n</main>\n'
            '<footer class="site-footer">\n<nav class="footer-nav">'
            '<a href="/gioi-thieu.html">Giới thiệu</a> · <a href="/lien-he.html">Liên hệ</a> · '
            '<a href="/quan-tri/">Quản trị</a></nav>\n'
            "<p>Cơ quan chủ quản: Tỉnh ủy Hậu Giang. Số 1 đường Võ Văn Kiệt, phường V, "
            "thành phố Vị Thanh, tỉnh Hậu Giang.</p>\n"
            f"<p>© {today.year} {_text(self.site_name)}.</p>\n</footer>\n</body>\n</html>\n"
        )

    def _card(self, article_id: int, state: DayState, lead: bool) -> str:
        site = self.site
        href = _attr(site.url_on(article_id, state))
        summary = f'<p class="card-summary">{_text(site.summary(article_id))}</p>' if lead else ""
        src = _attr(self._thumb_src(article_id, state))
        return (
            f'<article class="card{" card-lead" if lead else ""}">'
            f'<a class="card-thumb" href="{href}"><img src="{src}" alt="" loading="lazy"></a>'
            f'<h3 class="card-title">{self._item_link(article_id, state)}</h3>{summary}</article>'
        )

    def home_main(self, state: DayState, extra_blocks: list[str]) -> str:
        blocks = []
        for index, (slug, name) in enumerate(self.site.categories):
            newest = state.live_by_category[index][-4:][::-1]
            parts = [
                f'<section class="cat-block" data-cat="{slug}">',
                f'<h2 class="cat-block-title"><a href="/{slug}/">{_text(name)}</a></h2>',
            ]
            if newest:
                parts.append(self._card(newest[0], state, lead=True))
                parts.append(
                    '<ul class="card-list">'
                    + "".join(f"<li>{self._item_link(i, state)}</li>" for i in newest[1:])
                    + "</ul>"
                )
            parts.append(f'<a class="more" href="/{slug}/">Xem thêm</a>\n</section>')
            blocks.append("\n".join(parts))
        blocks.extend(extra_blocks)
        return "\n".join(blocks)

    def listing_main(
        self, index: int, page: int, pages: int, shown: list[int], state: DayState
    ) -> str:
        site = self.site
        slug, name = site.categories[index]
        items = []
        for article_id in shown:
            published = site.published_date(article_id)
            href = _attr(site.url_on(article_id, state))
            items.append(
                '<article class="post-item">'
                f'<a class="post-thumb" href="{href}"><img src="'
                f'{_attr(self._thumb_src(article_id, state))}" alt="" loading="lazy"></a>'
                f'<h2 class="post-item-title">{self._item_link(article_id, state)}</h2>'
                f'<time datetime="{published.isoformat()}">{_ddmmyyyy(published)}</time>'
                f'<p class="post-item-summary">{_text(site.summary(article_id))}</p></article>'
            )
        if not items:
            items.append('<p class="empty">Chưa có bài viết.</p>')
        return (
            '<nav class="breadcrumbs" aria-label="breadcrumb"><ol>'
            f'<li><a href="/">Trang chủ</a></li><li aria-current="page">{_text(name)}</li>'
            f'</ol></nav>\n<h1 class="cat-title">{_text(name)}</h1>\n'
            '<div class="post-list">\n' + "\n".join(items) + "\n</div>\n"
            f"{self.pagination(slug, page, pages)}"
        )

    def pagination(self, slug: str, page: int, pages: int) -> str:
        if pages == 1:
            return ""
        href = self._page_href
        items = []
        if page > 1:
            items.append(f'<li><a href="{href(slug, page - 1)}" rel="prev">‹</a></li>')
        previous = 0
        for number in self._page_window(page, pages):
            if number - previous > 1:
                items.append('<li class="gap">…</li>')
            if number == page:
                items.append(f'<li class="active"><span>{number}</span></li>')
            else:
                items.append(f'<li><a href="{href(slug, number)}">{number}</a></li>')
            previous = number
        if page < pages:
            items.append(f'<li><a href="{href(slug, page + 1)}" rel="next">›</a></li>')
        return f'<nav class="pagination" aria-label="Phân trang"><ul>{"".join(items)}</ul></nav>\n'

    def simple_main(self, title: str, paragraphs: list[str] | tuple[str, ...]) -> str:
        return f'<h1 class="page-title">{_text(title)}</h1>\n' + "\n".join(
            f"<p>{_text(p)}</p>" for p in paragraphs
        )

    @staticmethod
    def _share(title: str, absolute: str) -> str:
        printing, mail, facebook = _share_links(title, absolute)
        return (
            '<div class="post-share">'
            f'<a href="{printing}" class="share-print">In</a> '
            f'<a href="{mail}" class="share-mail">Email</a> '
            f'<a href="{facebook}" class="share-facebook" target="_blank">Facebook</a></div>'
        )

    def article_main(self, view: ArticleView, state: DayState, base_url: str) -> str:
        truth = view.truth
        drift = self.site.drift
        category = f'<a href="/{view.category_slug}/">{_text(truth.category)}</a>'
        out = [
            '<nav class="breadcrumbs" aria-label="breadcrumb"><ol>'
            f'<li><a href="/">Trang chủ</a></li><li>{category}</li></ol></nav>',
            '<article class="post-detail">\n<header class="post-header">',
            f'<a class="post-category" href="/{view.category_slug}/">{_text(truth.category)}</a>',
        ]
        if truth.variant == "table":  # carried over from the old CMS: no heading
            out.append(
                f'<div class="post-title legacy"><strong>{_text(truth.title)}</strong></div>'
            )
        elif truth.variant != "malformed_no_title":
            out.append(f'<h1 class="post-title">{_text(truth.title)}</h1>')
        out.append(f'<div class="post-meta">{self._drifted(self.meta_line(view))}</div>')
        out.append("</header>")
        out.append(self._share(truth.title, truth.absolute_url(base_url)))
        if drift != "no_body":
            out.append(f'<p class="post-sapo"><strong>{_text(truth.lede)}</strong></p>')
        out.append('<div class="post-body">')
        if drift != "no_body":
            out.extend(
                self._body_parts(
                    view,
                    lambda html: f"<p>{html}</p>",
                    self._figure_v2,
                    lambda html: f"<p>{html}",
                )
            )
        if truth.variant == "malformed_truncated":
            out.append("\x00")
            return "\n".join(out)
        out.append("</div>")
        if credit_line(truth):
            out.append(f'<p class="post-author">{_text(credit_line(truth))}</p>')
        out.append("</article>")
        out.append(self._comments_v2(view))
        older = self._older_in_category(view, state)
        if older:
            links = "".join(
                f"<li>{self._item_link(i, state)} <time>"
                f"{_ddmmyyyy(self.site.published_date(i))}</time></li>\n"
                for i in older
            )
            out.append(
                '<section class="related"><h2 class="section-title">Tin cùng chuyên mục</h2>\n'
                f"<ul>\n{links}</ul></section>"
            )
        return "\n".join(out)

    @staticmethod
    def _figure_v2(src: str, caption: str) -> str:
        name = src.rsplit("/", 1)[1]
        return (
            f'<figure class="post-image"><img src="{_attr(src)}" alt="{_attr(name)}" '
            f'loading="lazy"><figcaption>{_text(caption)}</figcaption></figure>'
        )

    @staticmethod
    def _comments_v2(view: ArticleView) -> str:
        items = "".join(
            f'<div class="comment"><strong>{_text(name)}</strong> '
            f"<span>{_ddmmyyyy(when)}</span><p>{_text(text)}</p></div>\n"
            for name, when, text in view.comments
        )
        return (
            '<section class="comments"><h2 class="section-title">Bình luận</h2>\n'
            f'{items}<form method="post" action="/binh-luan" class="comment-form">\n'
            f'<input type="hidden" name="articleId" value="{view.truth.id}">\n'
            '<input type="text" name="name" placeholder="Họ tên">\n'
            '<input type="email" name="email" placeholder="Email">\n'
            '<textarea name="content" rows="4" placeholder="Nội dung"></textarea>\n'
            '<button type="submit">Gửi bình luận</button></form></section>'
        )


class Province2Theme(ClassicTheme):
    """Another province's portal: an ASP.NET CMS, bare dates, "Lượt xem"."""

    name = "province2"
    site_name = PROVINCE2_SITE_NAME
    external_links = PROVINCE2_EXTERNAL_LINKS
    stylesheet_path = "/Content/p2/skin.css"
    stylesheet = PROVINCE2_STYLESHEET
    date_label = ""  # the date has no label
    views_label = "Lượt xem"
    drifted_views_label = "Lượt đọc"
    about_paragraphs = (
        "Trang thông tin điện tử Đảng bộ tỉnh Sóc Trăng do Ban Tuyên giáo Tỉnh ủy quản lý.",
        "Trang đăng tải tin tức về hoạt động của Đảng bộ, chính quyền và Nhân dân trong tỉnh.",
    )
    contact_paragraphs = (
        "Ban Tuyên giáo Tỉnh ủy Sóc Trăng, số 2 đường Hùng Vương, phường 6, thành phố Sóc Trăng.",
        "Điện thoại: 0299 3 822 222. Email: bantuyengiao@soctrang.dcs.vn",
    )

    def _drifted(self, meta_line: str) -> str:
        if self.site.drift == "no_views":
            return meta_line.replace(self.views_label, self.drifted_views_label)
        return meta_line  # "no_date" is applied to the date itself (see _date)

    def _date(self, view: ArticleView, separator: str = " ") -> str:
        if self.site.drift == "no_date":  # the drift: the date written out in words
            when = view.truth.updated_at
            return f"Ngày {when.day} tháng {when.month} năm {when.year}"
        weekday = WEEKDAYS[view.truth.updated_on.weekday()].replace(" ", separator)
        return f"{weekday},{separator}{view.date_text}{separator}{view.time_text}"

    def meta_line(self, view: ArticleView) -> str:
        variant = view.truth.variant
        if variant == "no_views":
            return f'<span class="ArticleDate">{self._date(view)}</span>'
        value, after = counter_markup(view)
        if variant == "split_meta":
            if view.truth.js_counter == "none":
                value = f"<b>{value}</b>"
            return (
                f'<span class="ArticleDate">{self._date(view, "&nbsp;")}</span>&nbsp;-&nbsp;'
                f"<span>{self.views_label}:</span>&nbsp;{value}{after}"
            )
        return (
            f'<span class="ArticleDate">{self._date(view)}</span> - '
            f'<span class="ArticleViews">{self.views_label}: {value}</span>{after}'
        )

    def _render_sidebar(self, state: DayState) -> str:
        site = self.site

        def rows(ids: list[int]) -> str:
            return "".join(
                f'<div class="OtherItem"><a href="{_attr(site.url_on(i, state))}">'
                f"{_text(site.title_on(i, state))}</a></div>\n"
                for i in ids
            )

        externals = "".join(
            f'<option value="{url}">{_text(name)}</option>' for url, name in self.external_links
        )
        return (
            '<div class="ModuleTitle">Tin mới cập nhật</div>\n'
            f'<div class="ModuleContent" id="dnn_ctr_Latest">\n{rows(state.newest)}</div>\n'
            '<div class="ModuleTitle">Tin xem nhiều</div>\n'
            f'<div class="ModuleContent" id="dnn_ctr_Popular">\n{rows(state.most_read)}</div>\n'
            '<div class="ModuleTitle">Liên kết</div>\n'
            '<div class="ModuleContent"><select onchange="window.open(this.value)">'
            f'<option value="">-- Chọn liên kết --</option>{externals}</select></div>\n'
            '<div class="ModuleTitle">Thống kê</div>\n'
            f'<div class="ModuleContent">Số lượt truy cập: {_dotted(state.visits)}</div>\n'
        )

    def page(self, title: str, main: str, state: DayState, extra_head: str = "") -> str:
        menu = " | ".join(
            f'<a href="/{slug}/">{_text(name)}</a>' for slug, name in self.site.categories
        )
        today = calendar_date(state.day)
        return (
            '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
            '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
            '<html xmlns="http://www.w3.org/1999/xhtml" lang="vi-VN">\n<head id="Head">\n'
            '<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />\n'
            f"<title>{_text(title)}</title>\n"
            f'<link href="{self.stylesheet_path}" type="text/css" rel="stylesheet" />\n'
            f"{extra_head}</head>\n<body>\n"
            '<form method="post" action="/Default.aspx" id="Form">\n'
            '<input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" '
            'value="/wEPDwUKMTY1NDU2MTA1MmRkZ2xvYmFs" />\n'
            '<div id="dnn_Wrapper">\n<div id="dnn_Header">'
            '<img src="/Content/images/p2-banner.jpg" '
            f'alt="{_attr(self.site_name)}" width="980" height="140" />'
            f'<div class="DateNow">{WEEKDAYS[today.weekday()]}, {_ddmmyyyy(today)}</div></div>\n'
            f'<div id="dnn_Menu"><a href="/">Trang chủ</a> | {menu}</div>\n'
            '<table id="dnn_Layout" width="100%" cellspacing="0" cellpadding="0"><tr>\n'
            f'<td id="dnn_ContentPane" valign="top">\n{main}\n</td>\n'
            f'<td id="dnn_RightPane" valign="top" width="260">\n{self.sidebar(state)}</td>\n'
            "</tr></table>\n"
            '<div id="dnn_Footer"><a href="/gioi-thieu.html">Giới thiệu</a> - '
            '<a href="/lien-he.html">Liên hệ</a> - <a href="/quan-tri/">Đăng nhập</a><br />\n'
            f"Bản quyền thuộc {_text(self.site_name)}. Cơ quan chủ quản: Tỉnh ủy Sóc Trăng."
            "</div>\n</div>\n</form>\n</body>\n</html>\n"
        )

    def home_main(self, state: DayState, extra_blocks: list[str]) -> str:
        site = self.site
        blocks = []
        for index, (slug, name) in enumerate(site.categories):
            newest = state.live_by_category[index][-4:][::-1]
            rows = [
                f'<div class="ModuleTitle"><a href="/{slug}/">{_text(name)}</a></div>',
                '<div class="ModuleContent">',
            ]
            for position, article_id in enumerate(newest):
                if position == 0:
                    rows.append(
                        f'<div class="TopNews"><img src="'
                        f'{_attr(self._thumb_src(article_id, state))}" width="160" alt="" />'
                        f'<div class="TopNewsTitle">{self._item_link(article_id, state)}</div>'
                        f'<div class="TopNewsDesc">{_text(site.summary(article_id))}</div></div>'
                    )
                else:
                    rows.append(
                        f'<div class="OtherItem">{self._item_link(article_id, state)}</div>'
                    )
            rows.append("</div>")
            blocks.append("\n".join(rows))
        blocks.extend(extra_blocks)
        return "\n".join(blocks)

    def listing_main(
        self, index: int, page: int, pages: int, shown: list[int], state: DayState
    ) -> str:
        site = self.site
        slug, name = site.categories[index]
        rows = []
        for article_id in shown:
            rows.append(
                '<tr><td class="ListImage" valign="top" width="130">'
                f'<img src="{_attr(self._thumb_src(article_id, state))}" width="120" alt="" />'
                '</td><td valign="top">'
                f'<div class="ListTitle">{self._item_link(article_id, state)}</div>'
                f'<div class="ListDate">{_ddmmyyyy(site.published_date(article_id))}</div>'
                f'<div class="ListDesc">{_text(site.summary(article_id))}</div></td></tr>'
            )
        if not rows:
            rows.append("<tr><td>Không có tin.</td></tr>")
        return (
            f'<div class="ModuleTitle">{_text(name)}</div>\n'
            '<table class="NewsList" width="100%" cellpadding="4">\n'
            + "\n".join(rows)
            + "\n</table>\n"
            + self.pagination(slug, page, pages)
        )

    def pagination(self, slug: str, page: int, pages: int) -> str:
        if pages == 1:
            return ""
        href = self._page_href
        parts = ['<div class="pager">']
        if page > 1:
            parts.append(f'<a href="{href(slug, 1)}">Đầu</a>')
        for number in range(max(1, page - 4), min(pages, page + 4) + 1):
            if number == page:
                parts.append(f"<span>[{number}]</span>")
            else:
                parts.append(f'<a href="{href(slug, number)}">{number}</a>')
        if page < pages:
            parts.append(f'<a href="{href(slug, page + 1)}" title="Trang tiếp">&gt;&gt;</a>')
            parts.append(f'<a href="{href(slug, pages)}">Cuối</a>')
        parts.append("</div>\n")
        return " ".join(parts)

    def simple_main(self, title: str, paragraphs: list[str] | tuple[str, ...]) -> str:
        return f'<div class="ModuleTitle">{_text(title)}</div>\n' + "\n".join(
            f'<div class="Normal">{_text(p)}</div>' for p in paragraphs
        )

    def article_main(self, view: ArticleView, state: DayState, base_url: str) -> str:
        truth = view.truth
        drift = self.site.drift
        meta = self._drifted(self.meta_line(view))
        table = truth.variant == "table"
        out = [f'<div class="ArticleDetail" id="dnn_ctr_ArticleDetail_{view.category_slug}">']
        out.append(
            f'<div class="ArticleCategory"><a href="/{view.category_slug}/">'
            f"{_text(truth.category)}</a></div>"
        )
        if table:
            out.append(
                '<table class="ArticleTable" width="100%"><tr><td class="title"><b>'
                f"{_text(truth.title)}</b></td></tr>\n<tr><td>{meta}</td></tr></table>"
            )
        else:
            if truth.variant != "malformed_no_title":
                out.append(f'<h2 class="ArticleTitle">{_text(truth.title)}</h2>')
            out.append(f'<div class="ArticleInfo">{meta}</div>')
        if drift != "no_body":
            out.append(f'<div class="ArticleSummary"><b>{_text(truth.lede)}</b></div>')
        out.append('<div class="ArticleContent">')
        if drift != "no_body":
            out.extend(
                self._body_parts(
                    view,
                    lambda html: f'<div class="Normal">{html}</div>',
                    self._figure_p2,
                    lambda html: f'<div class="Normal">{html}',
                )
            )
        if truth.variant == "malformed_truncated":
            out.append("\x00")
            return "\n".join(out)
        out.append("</div>")
        if credit_line(truth):
            out.append(
                f'<div class="ArticleAuthor" align="right"><b>{_text(credit_line(truth))}</b></div>'
            )
        printing, mail, facebook = _share_links(truth.title, truth.absolute_url(base_url))
        out.append(
            f'<div class="ArticleTools"><a href="{printing}">Bản in</a> | '
            f'<a href="{mail}">Gửi bạn bè</a> | <a href="{facebook}">Facebook</a></div>'
        )
        out.append("</div>")
        comments = "".join(
            f'<div class="CommentItem"><b>{_text(name)}</b>: {_text(text)}</div>\n'
            for name, _, text in view.comments
        )
        out.append(
            '<div class="ArticleComments"><div class="ModuleTitle">Ý kiến bạn đọc</div>\n'
            f"{comments}</div>"
        )
        older = self._older_in_category(view, state)
        if older:
            links = "".join(
                f'<div class="OtherItem">{self._item_link(i, state)}</div>\n' for i in older
            )
            out.append(
                '<div class="ArticleOther"><div class="ModuleTitle">Các tin khác</div>\n'
                f"{links}</div>"
            )
        return "\n".join(out)

    @staticmethod
    def _figure_p2(src: str, caption: str) -> str:
        name = src.rsplit("/", 1)[1]
        return (
            f'<div class="ImageBox" align="center"><img src="{_attr(src)}" alt="{_attr(name)}" '
            f'width="480" /><div class="ImageCaption">{_text(caption)}</div></div>'
        )


class _OtherCmsTheme(RedesignTheme):
    """HTML5 chrome whose sidebar headings are in no list of the crawler."""

    date_label = "Ngày đăng"
    views_label = "Lượt xem"

    def _render_sidebar(self, state: DayState) -> str:
        return (
            '<section class="widget"><h3 class="widget-title">Tiêu điểm</h3>\n'
            f"<ul>\n{self._link_items(state.newest, state)}</ul></section>\n"
            '<section class="widget"><h3 class="widget-title">Xem nhiều nhất</h3>\n'
            f"<ul>\n{self._link_items(state.most_read, state)}</ul></section>\n"
            '<section class="widget"><h3 class="widget-title">Thống kê</h3>\n'
            f"<p>Tổng lượt truy cập: <strong>{_dotted(state.visits)}</strong></p></section>\n"
        )

    def _related_box(self, view: ArticleView, state: DayState, heading_tag: str) -> str:
        older = self._older_in_category(view, state)
        if not older:
            return ""
        links = "".join(
            f"<li>{self._item_link(i, state)} "
            f"<span>({_ddmmyyyy(self.site.published_date(i))})</span></li>\n"
            for i in older
        )
        heading = content.RELATED_HEADINGS[self.name]
        return (
            f'<div class="related-news"><{heading_tag} class="related-title">{_text(heading)}'
            f"</{heading_tag}>\n<ul>\n{links}</ul></div>"
        )

    def _breadcrumb(self, view: ArticleView) -> str:
        return (
            '<div class="breadcrumbs"><a href="/">Trang chủ</a> &raquo; '
            f'<a href="/{view.category_slug}/">{_text(view.truth.category)}</a></div>'
        )

    def _title(self, truth: ArticleTruth, tag: str = "h1") -> str:
        if truth.variant == "malformed_no_title":
            return ""
        return f'<{tag} class="title">{_text(truth.title)}</{tag}>'

    def _parts(self, view: ArticleView, figure: Callable[[str, str], str]) -> list[str]:
        if self.site.drift == "no_body":
            return []
        return self._body_parts(view, lambda h: f"<p>{h}</p>", figure, lambda h: f"<p>{h}")

    @staticmethod
    def _table_figure(src: str, caption: str) -> str:
        name = src.rsplit("/", 1)[1]
        return (
            '<table class="image-center" align="center"><tbody><tr><td>'
            f'<img src="{_attr(src)}" alt="{_attr(name)}" width="600" /></td></tr>'
            f'<tr><td class="image-caption">{_text(caption)}</td></tr></tbody></table>'
        )


class NukeVietTheme(_OtherCmsTheme):
    """A NukeViet-like portal: a labelled byline after the body, then a share bar and
    "Đọc thêm cùng chủ đề"."""

    name = "nukeviet"

    def article_main(self, view: ArticleView, state: DayState, base_url: str) -> str:
        truth = view.truth
        meta = self._drifted(self.meta_line(view))
        out = [self._breadcrumb(view), '<div class="news_detail">', self._title(truth)]
        out.append(f'<div class="meta">{meta}</div>')
        if self.site.drift != "no_body":
            out.append(f'<div class="hometext">{_text(truth.lede)}</div>')
        out.append('<div id="news-bodyhtml" class="bodytext">')
        out.extend(self._parts(view, self._table_figure))
        if truth.variant == "malformed_truncated":
            out.append("\x00")
            return "\n".join(out)
        out.extend(self._body_end(view))
        out.append("</div>")
        out.extend(self._after_body(view, base_url))
        out.append(self._related_box(view, state, "h3"))
        out.append("</div>")
        return "\n".join(out)

    def _body_end(self, view: ArticleView) -> list[str]:
        """The last lines inside the body's element (none: the byline comes after it)."""
        return []

    def _after_body(self, view: ArticleView, base_url: str) -> list[str]:
        """A labelled byline, the source line and the share bar, after the body."""
        truth, out = view.truth, []
        if truth.author:
            label = "Bài và ảnh" if truth.images else "Tác giả"
            out.append(
                f'<p class="author-name" style="text-align:right">{label}: '
                f"<strong>{_text(truth.author)}</strong></p>"
            )
        if truth.source:
            out.append(f'<p class="news-source">Nguồn: {_text(truth.source)}</p>')
        _, mail, facebook = _share_links(truth.title, truth.absolute_url(base_url))
        out.append(
            f'<div class="social-share"><a href="{facebook}">Facebook</a> | '
            f'<a href="{mail}">Email</a> | <a href="javascript:window.print()">In bài</a></div>'
        )
        return out


class SharePointTheme(_OtherCmsTheme):
    """A SharePoint-like portal: a bold first paragraph as lede, a bare upper-case byline
    and a source line after the body, then "Có thể bạn quan tâm"."""

    name = "sharepoint"
    date_label = "Ngày cập nhật"
    views_label = "Số lượt xem"

    @staticmethod
    def _figure_sp(src: str, caption: str) -> str:
        name = src.rsplit("/", 1)[1]
        return (
            f'<div class="image" style="text-align:center"><img src="{_attr(src)}" '
            f'alt="{_attr(name)}" width="560" /></div>\n'
            f'<p style="text-align:center"><em>{_text(caption)}</em></p>'
        )

    def article_main(self, view: ArticleView, state: DayState, base_url: str) -> str:
        truth = view.truth
        meta = self._drifted(self.meta_line(view))
        out = [
            '<div class="ms-breadcrumb"><a href="/">Trang chủ</a> &gt; '
            f'<a href="/{view.category_slug}/">{_text(truth.category)}</a></div>',
            self._title(truth),
            f'<div class="news-info">{meta}</div>',
            '<div class="ms-rtestate-field">',
        ]
        if self.site.drift != "no_body":
            out.append(f"<p><strong>{_text(truth.lede)}</strong></p>")
        out.extend(self._parts(view, self._figure_sp))
        if truth.variant == "malformed_truncated":
            out.append("\x00")
            return "\n".join(out)
        if truth.author:
            out.append(f'<p style="text-align:right"><strong>{_text(truth.author)}</strong></p>')
        if truth.source and truth.author is None and truth.category == "Tin trong nước":
            out.append(f'<p style="text-align:right"><em>(Theo {_text(truth.source)})</em></p>')
        elif truth.source:
            out.append(f'<p style="text-align:right"><em>Nguồn: {_text(truth.source)}</em></p>')
        out.append("</div>")
        out.append(self._related_box(view, state, "div"))
        return "\n".join(out)


class JoomlaTheme(_OtherCmsTheme):
    """A Joomla-like portal: the byline above the body, a ``sapo`` lede, ``<figure>``s."""

    name = "joomla"
    date_label = "Đăng ngày"
    views_label = "Lượt đọc"

    def meta_line(self, view: ArticleView) -> str:
        truth = view.truth
        date = f'<dd class="published">{self.date_label}: {self._time(view)}</dd>'
        if truth.variant == "no_views":
            return date
        value, after = counter_markup(view)
        return f'{date}\n<dd class="hits">{self.views_label}: {value}</dd>{after}'

    def article_main(self, view: ArticleView, state: DayState, base_url: str) -> str:
        truth = view.truth
        meta = self._drifted(self.meta_line(view))
        out = [self._breadcrumb(view), '<div class="item-page">', self._title(truth, "h2")]
        out.append(f'<dl class="article-info">\n{meta}\n</dl>')
        if truth.author:
            if truth.id % 2:
                out.append(f'<div class="createdby">Bài, ảnh: {_text(truth.author)}</div>')
            else:
                out.append(f'<div class="tacgia"><b>{_text(truth.author)}</b></div>')
        out.append('<div itemprop="articleBody">')
        if self.site.drift != "no_body":
            out.append(f'<div class="sapo"><p>{_text(truth.lede)}</p></div>')
        out.extend(self._parts(view, self._figure_v2))
        if truth.variant == "malformed_truncated":
            out.append("\x00")
            return "\n".join(out)
        if truth.source:
            out.append(f'<p style="text-align:right">(Theo {_text(truth.source)})</p>')
        out.append("</div>")
        out.append(self._related_box(view, state, "h3"))
        out.append("</div>")
        return "\n".join(out)


def initials(name: str) -> str:
    """``"Hoàng Ý"`` → ``"H.Ý"``: how some portals sign an article."""
    return ".".join(word[0] for word in name.split())


class InitialsTheme(NukeVietTheme):
    """The NukeViet-like portal, signing each article with its writer's initials between
    dashes (``— H.Ý —``): a byline shape no rule of the crawler reads."""

    name = "initials"

    def _body_end(self, view: ArticleView) -> list[str]:
        author = view.truth.author
        return [f"<p>— {_text(initials(author))} —</p>"] if author else []

    def _after_body(self, view: ArticleView, base_url: str) -> list[str]:
        source = view.truth.source
        return [f'<p class="news-source">Nguồn: {_text(source)}</p>'] if source else []


THEME_CLASSES: dict[str, type[ClassicTheme]] = {
    "classic": ClassicTheme,
    "redesign": RedesignTheme,
    "province2": Province2Theme,
    "nukeviet": NukeVietTheme,
    "sharepoint": SharePointTheme,
    "joomla": JoomlaTheme,
    "initials": InitialsTheme,
}
