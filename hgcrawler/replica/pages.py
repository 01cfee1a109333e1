"""HTML of the replica portal, rendered on request from the model.

The markup imitates an older Vietnamese government CMS: a fixed-width layout
built from divs and tables, inline styles, ``<font>`` tags. Article pages
follow the one real page we have (category, title, the bracketed meta line,
bold lede, image + caption, body, right-aligned author, reader comments).
"""

from __future__ import annotations

import base64
import bisect
import datetime as dt
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from urllib.parse import quote

from .site import ArticleView, DayState, ReplicaSite, calendar_date

PER_PAGE = 10
SITE_NAME = "Cổng thông tin điện tử Đảng bộ tỉnh Hậu Giang"
EXTERNAL_LINKS = (
    ("https://dangcongsan.vn/", "Báo điện tử Đảng Cộng sản Việt Nam"),
    ("https://tuyengiao.vn/", "Ban Tuyên giáo Trung ương"),
    ("https://www.haugiang.gov.vn/", "Cổng thông tin điện tử tỉnh Hậu Giang"),
    ("https://baohaugiang.com.vn/", "Báo Hậu Giang"),
)
ARTICLE_PATH = re.compile(r"^/(?:[a-z0-9-]+/)+[a-z0-9-]*-(\d+)\.html$")
IMAGE_PATH = re.compile(r"^/(?:Uploads|Content)/images/.+\.(?:jpe?g|png|gif)$", re.IGNORECASE)

# An 8x6 JPEG served for every image path.
PLACEHOLDER_JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABsSFBcUERsXFhceHBsgKEIrKCUlKFE6PTBCYFVlZF9VXVtqeJmBanGQ"
    "c1tdhbWGkJ6jq62rZ4C8ybqmx5moq6T/2wBDARweHigjKE4rK06kbl1upKSkpKSkpKSkpKSkpKSkpKSkpKSkpKSk"
    "pKSkpKSkpKSkpKSkpKSkpKSkpKSkpKSkpKT/wAARCAAGAAgDASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAA"
    "AAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAk"
    "M2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKT"
    "lJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QA"
    "HwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdh"
    "cRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hp"
    "anN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk"
    "5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwCjRRRWB6h//9k="
)

STYLESHEET = b"""\
body{margin:0;font-family:Arial,Helvetica,sans-serif;font-size:13px;background:#f3f3f3}
#wrapper{width:1000px;margin:0 auto;background:#fff}
#menu ul{margin:0;padding:0;background:#b5121b;list-style:none;overflow:hidden}
#menu li{float:left}#menu a{display:block;padding:8px 12px;color:#fff;text-decoration:none}
.box-title{background:#b5121b;color:#fff;font-weight:bold;padding:5px}
.news-title{color:#b5121b;font-size:18px}.news-date{color:#777;font-size:11px}
.paging a,.paging span{padding:2px 5px}.paging .current{font-weight:bold;color:#b5121b}
"""


@dataclass(frozen=True)
class Request:
    """One HTTP request as the portal sees it."""

    method: str
    path: str
    query: dict[str, list[str]]
    base_url: str


@dataclass
class Response:
    """One HTTP response (body already encoded)."""

    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    #: seconds to wait before answering (a hanging server)
    hang: float = 0.0
    #: send only this many body bytes (Content-Length stays the full size), then close
    truncate_at: int | None = None


Handler = Callable[[Request], Response]


def _text(value: str) -> str:
    return escape(value, quote=False)


def _attr(value: str) -> str:
    return escape(value, quote=True)


def _dotted(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def _ddmmyyyy(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


class PortalPages:
    """Routes and renders every page of the portal for a :class:`ReplicaSite`."""

    def __init__(self, site: ReplicaSite) -> None:
        self.site = site
        self._sidebars: dict[int, str] = {}
        self._static: dict[str, Handler] = {
            "/": self.home,
            "/robots.txt": self.robots,
            "/gioi-thieu.html": self.about,
            "/lien-he.html": self.contact,
            "/quan-tri/": self.admin,
            "/api/luot-xem": self.views_api,
            "/Content/style.css": self.stylesheet,
        }
        self._category_slugs = {slug: i for i, (slug, _) in enumerate(site.categories)}
        self.faults = None
        if site.faults:
            from .faults import FaultPages

            self.faults = FaultPages()

    # ---------------------------------------------------------------- routing
    def respond(self, request: Request) -> Response:
        if self.faults is not None:
            fault = self.faults.respond(request, self._fault_page)
            if fault is not None:
                return fault
        handler = self._static.get(request.path)
        if handler is not None:
            return handler(request)
        slug = request.path.strip("/")
        if request.path == f"/{slug}/" and slug in self._category_slugs:
            return self.listing(request, self._category_slugs[slug])
        match = ARTICLE_PATH.match(request.path)
        if match:
            return self.article(request, int(match.group(1)))
        if IMAGE_PATH.match(request.path):
            return Response(200, PLACEHOLDER_JPEG, "image/jpeg")
        return self.not_found(request)

    # ----------------------------------------------------------------- layout
    def _sidebar(self, state: DayState) -> str:
        cached = self._sidebars.get(state.day)
        if cached is not None:
            return cached
        site = self.site

        def link_list(ids: list[int]) -> str:
            return "".join(
                f'<li><a href="{_attr(site.url_on(i, state))}">'
                f"{_text(site.title_on(i, state))}</a></li>\n"
                for i in ids
            )

        externals = "".join(
            f'<li><a href="{url}" target="_blank">{_text(name)}</a></li>\n'
            for url, name in EXTERNAL_LINKS
        )
        html = (
            '<div class="box" id="tin-moi"><div class="box-title">Tin mới</div>\n'
            f'<ul class="list-link">\n{link_list(state.newest)}</ul></div>\n'
            '<div class="box" id="tin-doc-nhieu"><div class="box-title">Tin đọc nhiều</div>\n'
            f'<ul class="list-link">\n{link_list(state.most_read)}</ul></div>\n'
            '<div class="box"><div class="box-title">Liên kết website</div>\n'
            f'<ul class="list-link">\n{externals}</ul></div>\n'
            '<div class="box" id="thong-ke"><div class="box-title">Thống kê truy cập</div>\n'
            f'<div style="padding:5px">Lượt truy cập: <b>{_dotted(state.visits)}</b><br />\n'
            f"Đang trực tuyến: <b>{12 + state.visits % 37}</b></div></div>\n"
        )
        if len(self._sidebars) > 8:
            self._sidebars.clear()
        self._sidebars[state.day] = html
        return html

    def _page(self, title: str, main: str, state: DayState, extra_head: str = "") -> str:
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
            f'<td valign="top" width="280" id="right-col">\n{self._sidebar(state)}</td>\n'
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

    def _fault_page(self, title: str, main: str) -> str:
        return self._page(f"{title} - {SITE_NAME}", main, self.site.state())

    @staticmethod
    def _html(body: str, status: int = 200) -> Response:
        return Response(status, body.encode("utf-8"))

    def _item_link(self, article_id: int, state: DayState) -> str:
        return (
            f'<a href="{_attr(self.site.url_on(article_id, state))}">'
            f"{_text(self.site.title_on(article_id, state))}</a>"
        )

    def _thumb(self, article_id: int, state: DayState) -> str:
        images = self.site.view(article_id, state.day).truth.images
        src = images[0][0] if images else "/Content/images/no-image.jpg"
        return (
            f'<a href="{_attr(self.site.url_on(article_id, state))}">'
            f'<img src="{_attr(src)}" width="120" height="90" border="0" '
            'style="float:left;margin:0 8px 4px 0" alt="" /></a>'
        )

    # ------------------------------------------------------------------ pages
    def home(self, request: Request) -> Response:
        state = self.site.state()
        blocks = []
        for index, (slug, name) in enumerate(self.site.categories):
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
                    f"<p>{_text(self.site.summary(first))}</p>"
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
        if self.faults is not None:
            blocks.append(self.faults.home_block(request))
        return self._html(self._page(SITE_NAME, "\n".join(blocks), state))

    def listing(self, request: Request, index: int) -> Response:
        state = self.site.state()
        slug, name = self.site.categories[index]
        ids = state.live_by_category[index]
        pages = max(1, -(-len(ids) // PER_PAGE))
        raw = request.query.get("trang", ["1"])[-1]
        if not raw.isdigit() or not 1 <= int(raw) <= pages:
            return self.not_found(request)
        page = int(raw)
        end = len(ids) - (page - 1) * PER_PAGE
        shown = ids[max(0, end - PER_PAGE) : end][::-1]
        items = []
        for article_id in shown:
            items.append(
                '<div class="news-item" style="border-bottom:1px dotted #ccc;padding:6px 0">'
                f"{self._thumb(article_id, state)}"
                f'<h3 class="item-title">{self._item_link(article_id, state)}</h3>'
                f'<span class="item-date" style="color:#777">'
                f"({_ddmmyyyy(self.site.published_date(article_id))})</span>"
                f'<p class="item-summary">{_text(self.site.summary(article_id))}</p>'
                '<div style="clear:both"></div></div>'
            )
        if not items:
            items.append("<p>Chưa có tin trong chuyên mục này.</p>")
        main = (
            f'<div class="breadcrumb"><a href="/">Trang chủ</a> &raquo; '
            f"<span>{_text(name)}</span></div>\n"
            f'<h2 class="cat-title" style="color:#b5121b">{_text(name)}</h2>\n'
            '<div class="list-news">\n'
            + "\n".join(items)
            + "\n</div>\n"
            + self._pagination(slug, page, pages)
        )
        title = f"{name} - Trang {page}" if page > 1 else name
        return self._html(self._page(f"{title} - {SITE_NAME}", main, state))

    @staticmethod
    def _pagination(slug: str, page: int, pages: int) -> str:
        if pages == 1:
            return ""

        def href(number: int) -> str:
            return f"/{slug}/" if number == 1 else f"/{slug}/?trang={number}"

        parts = ['<div class="paging" style="text-align:center;padding:8px">Trang: ']
        if page > 1:
            parts.append(f'<a href="{href(page - 1)}">&laquo; Trang trước</a>')
        window = sorted({1, pages, *range(max(1, page - 3), min(pages, page + 3) + 1)})
        previous = 0
        for number in window:
            if number - previous > 1:
                parts.append("<span>...</span>")
            if number == page:
                parts.append(f'<span class="current">{number}</span>')
            else:
                parts.append(f'<a href="{href(number)}">{number}</a>')
            previous = number
        if page < pages:
            parts.append(f'<a href="{href(page + 1)}" class="next">Trang sau &raquo;</a>')
        parts.append("</div>\n")
        return " ".join(parts)

    def article(self, request: Request, article_id: int) -> Response:
        site = self.site
        day = site.day
        if not site.exists(article_id, day):
            return self.not_found(request)
        view = site.view(article_id, day)
        truth = view.truth
        if truth.status == "deleted":
            return self.not_found(request)
        if request.path != truth.url:
            if request.path == truth.old_url:
                location = request.base_url.rstrip("/") + truth.url
                body = f'<html><body>Moved to <a href="{_attr(location)}">here</a></body></html>'
                return Response(301, body.encode("utf-8"), headers={"Location": location})
            return self.not_found(request)
        state = site.state(day)
        html = self._page(
            SITE_NAME if truth.variant == "malformed_no_title" else f"{truth.title} - {SITE_NAME}",
            self._article_main(view, state, request.base_url),
            state,
        )
        if truth.variant == "malformed_truncated":
            html = html[: html.index("\x00")]
        elif truth.variant == "nfd":
            html = unicodedata.normalize("NFD", html)
        return self._html(html)

    def _drifted(self, meta_line: str) -> str:
        """The meta line after a layout drift (``ReplicaSite(drift=...)``) renamed a label."""
        drift = self.site.drift
        if drift == "no_views":
            return meta_line.replace("Số lần xem", "Lượt đọc")
        if drift == "no_date":
            return meta_line.replace("Cập nhật vào ngày", "Đăng ngày")
        return meta_line

    @staticmethod
    def _meta_line(view: ArticleView) -> str:
        variant = view.truth.variant
        article_id = view.truth.id
        date = view.date_text
        if variant == "split_meta":
            return (
                f"<span>[ Cập nhật vào ngày</span>&nbsp;<b>({date})</b>&nbsp;] - [&nbsp;"
                f"<span>Số lần xem:</span>&nbsp;<span>{view.views_text}</span> ]"
            )
        if variant == "no_views":
            return f"[ Cập nhật vào ngày ({date}) ]"
        if variant in ("js", "js_slow", "js_fails"):
            placeholder = "..." if variant == "js_slow" else ""
            call = "setTimeout(napLuotXem, 1500);" if variant == "js_slow" else "napLuotXem();"
            return (
                f"[ Cập nhật vào ngày ({date}) ] - [ Số lần xem: "
                f'<span id="luot-xem-{article_id}">{placeholder}</span> ]\n'
                '<script type="text/javascript">\n'
                "function napLuotXem() {\n"
                "  var xhr = new XMLHttpRequest();\n"
                f'  xhr.open("GET", "/api/luot-xem?id={article_id}", true);\n'
                "  xhr.onreadystatechange = function () {\n"
                "    if (xhr.readyState === 4 && xhr.status === 200) {\n"
                f'      document.getElementById("luot-xem-{article_id}").innerHTML = '
                "JSON.parse(xhr.responseText).views;\n"
                "    }\n  };\n  xhr.send();\n}\n"
                f"{call}\n</script>"
            )
        return f"[ Cập nhật vào ngày ({date}) ] - [ Số lần xem: {view.views_text} ]"

    @staticmethod
    def _tools(title: str, absolute: str) -> str:
        return (
            '<div class="news-tools" style="text-align:right;font-size:11px">'
            '<a href="javascript:window.print()">In bài viết</a> | '
            f'<a href="mailto:?subject={_attr(quote(title))}&amp;body={_attr(quote(absolute))}">'
            "Gửi email</a> | "
            '<a href="https://www.facebook.com/sharer/sharer.php?u='
            f'{_attr(quote(absolute, safe=""))}" target="_blank">Chia sẻ Facebook</a></div>'
        )

    def _article_main(self, view: ArticleView, state: DayState, base_url: str) -> str:
        truth = view.truth
        table = truth.variant == "table"
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
                f'<tr><td class="tdDate"><i>{self._drifted(self._meta_line(view))}</i></td></tr>\n'
                f"<tr><td>{self._tools(truth.title, truth.absolute_url(base_url))}</td></tr>\n"
                f'<tr><td class="tdSapo"><b>{_text(truth.lede)}</b></td></tr>\n'
                '<tr><td class="tdContent">'
            )
        else:
            out.append(f'<div class="news-detail">\n<div class="news-cat">{category_link}</div>')
            if truth.variant != "malformed_no_title":
                out.append(f'<h1 class="news-title">{_text(truth.title)}</h1>')
            out.append(f'<div class="news-date">{self._drifted(self._meta_line(view))}</div>')
            out.append(self._tools(truth.title, truth.absolute_url(base_url)))
            if self.site.drift != "no_body":
                out.append(
                    f'<div class="news-sapo"><p style="text-align:justify"><strong>'
                    f"{_text(truth.lede)}</strong></p></div>\n"
                )
            out.append('<div class="news-content">')
        if self.site.drift != "no_body":
            out.extend(self._body(view, table))
        if truth.variant == "malformed_truncated":
            out.append("\x00")  # the response is cut here, no closing tags
            return "\n".join(out)
        if table:
            out.append("</td></tr>")
            if truth.author:
                out.append(f'<tr><td align="right"><b>{_text(truth.author)}</b></td></tr>')
            out.append("</table>")
        else:
            out.append("</div>")
            if truth.author:
                out.append(
                    f'<div class="news-author" style="text-align:right"><strong>'
                    f"{_text(truth.author)}</strong></div>"
                )
            out.append("</div>")
        out.append(self._comments(view))
        out.append(self._related(view, state))
        return "\n".join(out)

    def _body(self, view: ArticleView, table: bool) -> list[str]:
        truth = view.truth
        out: list[str] = []
        tag = "div" if table else "p"
        pending = list(zip(view.image_slots, truth.images, strict=True))
        for number, paragraph in enumerate(truth.body):
            while pending and pending[0][0] <= number:
                _, (src, caption) = pending.pop(0)
                out.append(self._figure(src, caption, table))
            opening, closing = view.wrappers[number]
            if truth.variant == "malformed_truncated" and number == len(truth.body) - 1:
                # cut mid-text: neither the wrapper nor the paragraph is closed
                out.append(f'<{tag} style="text-align:justify">{opening}{_text(paragraph)}')
            else:
                text = f"{opening}{_text(paragraph)}{closing}"
                out.append(f'<{tag} style="text-align:justify">{text}</{tag}>')
        for _, (src, caption) in pending:
            out.append(self._figure(src, caption, table))
        return out

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
        ids = state.live_by_category[self.site.category_index(view.truth.id)]
        position = bisect.bisect_left(ids, view.truth.id)
        older = ids[max(0, position - 5) : position][::-1]
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

    # -------------------------------------------------------- other resources
    def robots(self, request: Request) -> Response:
        return Response(200, b"User-agent: *\nDisallow: /quan-tri/\n", "text/plain; charset=utf-8")

    def stylesheet(self, request: Request) -> Response:
        return Response(200, STYLESHEET, "text/css")

    def _simple(self, title: str, paragraphs: list[str], status: int = 200) -> Response:
        state = self.site.state()
        main = f'<h2 class="cat-title" style="color:#b5121b">{_text(title)}</h2>\n' + "\n".join(
            f"<p>{_text(p)}</p>" for p in paragraphs
        )
        return self._html(self._page(f"{title} - {SITE_NAME}", main, state), status)

    def about(self, request: Request) -> Response:
        return self._simple(
            "Giới thiệu",
            [
                "Cổng thông tin điện tử Đảng bộ tỉnh Hậu Giang là cơ quan ngôn luận của "
                "Đảng bộ tỉnh, do Ban Tuyên giáo Tỉnh ủy quản lý.",
                "Cổng thông tin đăng tải các tin tức, sự kiện về hoạt động của Đảng bộ, "
                "chính quyền và Nhân dân trong tỉnh.",
            ],
        )

    def contact(self, request: Request) -> Response:
        return self._simple(
            "Liên hệ",
            [
                "Ban Tuyên giáo Tỉnh ủy Hậu Giang, số 1 đường Võ Văn Kiệt, phường V, "
                "thành phố Vị Thanh, tỉnh Hậu Giang.",
                "Điện thoại: 0293 3 878 787. Email: bantuyengiao@haugiang.dcs.vn",
            ],
        )

    def admin(self, request: Request) -> Response:
        body = (
            '<!DOCTYPE html>\n<html><head><meta charset="utf-8" />'
            "<title>Đăng nhập quản trị</title></head><body>\n"
            '<form method="post" action="/quan-tri/dang-nhap">Tên đăng nhập: '
            '<input type="text" name="user" /> Mật khẩu: <input type="password" name="pass" />'
            ' <input type="submit" value="Đăng nhập" /></form>\n</body></html>\n'
        )
        return self._html(body)

    def views_api(self, request: Request) -> Response:
        raw = request.query.get("id", [""])[-1]
        day = self.site.day
        if not raw.isdigit() or not self.site.exists(int(raw), day):
            return self._json(404, {"error": "không tìm thấy"})
        article_id = int(raw)
        if article_id in self.site.state(day).deleted:
            return self._json(404, {"error": "không tìm thấy"})
        if self.site.variant(article_id) == "js_fails":
            return self._json(500, {"error": "Lỗi hệ thống"})
        return self._json(200, {"id": article_id, "views": self.site.views_on(article_id, day)})

    @staticmethod
    def _json(status: int, payload: dict[str, object]) -> Response:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        return Response(status, body, "application/json; charset=utf-8")

    def not_found(self, request: Request) -> Response:
        return self._simple(
            "Không tìm thấy trang",
            ["Trang bạn yêu cầu không tồn tại hoặc đã bị xóa.", "Vui lòng quay lại trang chủ."],
            status=404,
        )
