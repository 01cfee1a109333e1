"""Opt-in faults of the replica portal: ``ReplicaSite(..., faults=True)``.

The home page then carries a "Kiểm thử" block linking to fault endpoints
under ``/kiem-thu/``: pages that fail for a while and then work, fail for good,
hang, drop the connection, are truncated, declare the wrong charset or none,
are enormous, redirect in a loop, or trap a crawler in endless calendars and
pagination, plus one article linked under several spellings. Each endpoint is
deterministic; per-URL counters live in the server (one :class:`FaultPages`
per :class:`~hgcrawler.replica.server.ReplicaServer`).

:func:`fault_truths` says which fault pages exist and what a crawler should
end with for each (``stored``, ``rejected`` with a reason, ``capped``, or
``not_fetched``). Standard library only, like the rest of the replica.
"""

from __future__ import annotations

import datetime as dt
import threading
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape

from .http import Request, Response

PREFIX = "/kiem-thu/"
#: Ids of fault articles (far above the portal's own ids).
FIRST_FAULT_ID = 90001
#: Bytes of padding after the article on the enormous page.
ENORMOUS_PADDING = 20 * 1024 * 1024
#: Seconds the hanging page waits before answering.
DEFAULT_HANG_SECONDS = 30.0
FAULT_DAY = dt.date(2021, 3, 19)
FAULT_CATEGORY = "Kiểm thử"

#: ``(title, main_html) -> full page HTML`` in the portal's layout.
PageRenderer = Callable[[str, str], str]


@dataclass(frozen=True)
class FaultTruth:
    """One fault endpoint and what a crawler should end with."""

    name: str
    path: str  # path (and query) as linked from the home page
    expect: str  # "stored" | "rejected" | "capped" | "not_fetched"
    reason: str | None = None  # the reject reason a crawler should record
    article_id: int | None = None
    title: str | None = None
    views: int | None = None
    lede: str | None = None
    body: tuple[str, ...] = ()
    author: str | None = None
    updated_on: dt.date = FAULT_DAY
    spellings: tuple[str, ...] = ()  # other links to the same page (duplicates)
    description: str = ""

    def absolute_url(self, base_url: str) -> str:
        return base_url.rstrip("/") + self.path


_LEDE = (
    "Sáng ngày 19/3/2021, Ban Thường vụ Tỉnh ủy Hậu Giang tổ chức hội nghị sơ kết "
    "công tác xây dựng Đảng quý I, đề ra nhiệm vụ trọng tâm quý II."
)
_BODY = (
    "Hội nghị đánh giá các cấp ủy đã tập trung lãnh đạo thực hiện thắng lợi nhiệm vụ "
    "chính trị, chú trọng công tác phát triển đảng viên ở ấp, khu vực.",
    "Đồng chí Bí thư Tỉnh ủy yêu cầu các địa phương đẩy nhanh tiến độ xây dựng nông thôn "
    "mới, nâng cao đời sống vật chất và tinh thần của Nhân dân.",
    "Dịp này, các đơn vị đã ký kết giao ước thi đua, quyết tâm hoàn thành thắng lợi mục "
    "tiêu của Nghị quyết Đại hội Đảng bộ tỉnh lần thứ XIV.",
)
_AUTHOR = "Thanh Hương"

# name, path, expect, reason, title (None: not an article), views, description
_FAULTS: tuple[tuple[str, str, str, str | None, str | None, str], ...] = (
    ("retry_503", "loi-tam-thoi-90001.html", "stored", None,
     "Trang báo lỗi 503 hai lần rồi trả bài", "503 twice, then 200"),
    ("retry_429", "qua-tai-90002.html", "stored", None,
     "Trang báo quá tải 429 một lần", "429 with Retry-After: 1 once, then 200"),
    ("http_500", "loi-may-chu-90003.html", "rejected", "http_500",
     None, "500 on every request"),
    ("hang", "treo-90004.html", "rejected", "timeout",
     None, "answers only after the hang time (longer than DOWNLOAD_TIMEOUT)"),
    ("drop_once", "dut-ket-noi-90005.html", "stored", None,
     "Kết nối bị ngắt giữa chừng một lần",
     "first response: Content-Length larger than the body, connection closed; then 200"),
    ("drop_always", "dut-ket-noi-mai-90006.html", "rejected", "download_error",
     None, "connection dropped mid-body on every request"),
    ("truncated", "bai-bi-cat-90007.html", "rejected", "truncated",
     "Bài viết bị cắt ngang giữa đoạn", "200 with the HTML cut mid-paragraph"),
    ("cp1258", "ma-windows-1258-90008.html", "stored", None,
     "Ủy ban nhân dân tỉnh ưu tiên đầu tư hạ tầng", "windows-1258 bytes, declared in <meta>"),
    ("no_charset", "khong-khai-bao-ma-90009.html", "stored", None,
     "Hướng dẫn triển khai chương trình mục tiêu quốc gia",
     "UTF-8 bytes, no charset in the header or the page"),
    ("wrong_charset", "khai-sai-ma-90010.html", "stored", None,
     "Đoàn công tác thăm hỏi gia đình chính sách ở Phụng Hiệp",
     "windows-1258 bytes declared as utf-8 in the header and <meta>"),
    ("enormous", "trang-khong-lo-90011.html", "rejected", "too_large",
     "Trang có hai mươi megabyte phần đệm", "an article followed by 20 MB of padding"),
    ("redirect_loop", "vong-lap-a.html", "rejected", "redirect_loop",
     None, "302 to vong-lap-b.html, which answers 302 back"),
    ("redirect_chain", "chuyen-tiep?buoc=1", "rejected", "max_redirects",
     None, "302 to ?buoc=N+1 forever"),
    ("calendar_trap", "lich?ngay=2021-03-19", "capped", "trap",
     None, "a calendar day linking the next day, forever"),
    ("pagination_trap", "bay-phan-trang/", "capped", "trap",
     None, "a listing whose 'Trang sau' always exists, with no articles"),
    ("duplicates", "tin.aspx?id=90012&a=1", "stored", None,
     "Một bài viết, nhiều cách viết địa chỉ",
     "one article linked with its query reordered and with session ids"),
)  # fmt: skip


def fault_truths(host: str = "127.0.0.1:8000") -> list[FaultTruth]:
    """Every fault endpoint and what a crawler should end with for it."""
    truths = []
    for name, tail, expect, reason, title, description in _FAULTS:
        article_id = None
        if title is not None:
            article_id = int(tail.split("id=")[1].split("&")[0]) if "id=" in tail else None
            if article_id is None:
                article_id = int(tail.rsplit("-", 1)[1].split(".")[0])
        spellings: tuple[str, ...] = ()
        if name == "duplicates":
            spellings = (
                f"{PREFIX}tin.aspx?a=1&id=90012",
                f"{PREFIX}tin.aspx;jsessionid=A1B2C3D4E5?id=90012&a=1",
                f"{PREFIX}tin.aspx?id=90012&a=1&sid=f00dcafe",
            )
        truths.append(
            FaultTruth(
                name=name,
                path=PREFIX + tail,
                expect=expect,
                reason=reason,
                article_id=article_id,
                title=title,
                views=None if title is None else 100 + (article_id or 0) % 1000,
                lede=None if title is None else _LEDE,
                body=() if title is None else _BODY,
                author=None if title is None else _AUTHOR,
                spellings=spellings,
                description=description,
            )
        )
    truths.append(
        FaultTruth(
            name="subdomain",
            path=f"http://sotay.{host}{PREFIX}ten-mien-con.html",
            expect="not_fetched",
            description="a link to a sub-domain of the portal",
        )
    )
    truths.append(
        FaultTruth(
            name="script_beacon",
            path=f"{PREFIX}script-da-chay",
            expect="not_fetched",
            description="requested only if the page's inline script runs",
        )
    )
    return truths


def encode_cp1258(text: str) -> bytes:
    """Vietnamese as windows-1258 writes it: base letters (ơ, ư, â…) plus combining tones."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        base, marks = (
            unicodedata.normalize("NFD", ch)[0],
            list(unicodedata.normalize("NFD", ch)[1:]),
        )
        for mark in marks:  # fold the mark cp1258 has a letter for into the base
            composed = unicodedata.normalize("NFC", base + mark)
            if len(composed) == 1 and composed.encode("cp1258", "ignore"):
                base = composed
                marks.remove(mark)
                break
        out += (base + "".join(marks)).encode("cp1258", "xmlcharrefreplace")
    return bytes(out)


def _text(value: str) -> str:
    return escape(value, quote=False)


@dataclass
class FaultPages:
    """The fault endpoints of one server, with their per-URL request counters."""

    host_hint: str = "127.0.0.1"
    hang_seconds: float = DEFAULT_HANG_SECONDS
    hits: Counter[str] = field(default_factory=Counter)
    stopping: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._truths = {t.name: t for t in fault_truths()}
        self._padding: bytes | None = None

    # ------------------------------------------------------------- home block
    def home_block(self, request: Request) -> str:
        host = request.base_url.split("://", 1)[1].rstrip("/")
        links = []
        for truth in fault_truths(host):
            if truth.name == "script_beacon":
                continue
            for href in (truth.path, *truth.spellings):
                label = truth.title or truth.description
                links.append(f'<li><a href="{escape(href)}">{_text(label)}</a></li>')
        return (
            '<div class="home-cat" id="kiem-thu" style="border:1px solid #ddd">'
            f'<div class="box-title">{FAULT_CATEGORY}</div>\n<ul>\n'
            + "\n".join(links)
            + '\n</ul>\n<script type="text/javascript">'
            f"new Image().src = '{PREFIX}script-da-chay?t=' + Date.now();</script>\n</div>"
        )

    # ---------------------------------------------------------------- routing
    def count(self, key: str) -> int:
        """Record one request of ``key``; returns how many there have been (1 = first)."""
        with self._lock:
            self.hits[key] += 1
            return self.hits[key]

    def respond(self, request: Request, page: PageRenderer) -> Response | None:
        """The fault response for ``request``, or None when it is not a fault path."""
        if not request.path.startswith(PREFIX):
            return None
        path = request.path.split(";", 1)[0]  # ";jsessionid=..." path parameters
        tail = path[len(PREFIX) :]
        hit = self.count(tail)
        truths = self._truths
        if tail == "tin.aspx":
            if request.query.get("id", [""])[-1] != "90012":
                return None
            return self._article(truths["duplicates"], page)
        for truth in truths.values():
            if truth.path == PREFIX + tail and truth.title is not None:
                return self._article_fault(truth, hit, page)
        if tail == "loi-may-chu-90003.html":
            return Response(500, b"<html><body>Server Error</body></html>")
        if tail == "treo-90004.html":
            return Response(200, b"<html><body>late</body></html>", hang=self.hang_seconds)
        if tail == "dut-ket-noi-mai-90006.html":
            return Response(200, b"<html><body>" + b"x" * 4000, truncate_at=500)
        if tail in ("vong-lap-a.html", "vong-lap-b.html"):
            other = "vong-lap-b.html" if tail == "vong-lap-a.html" else "vong-lap-a.html"
            return self._redirect(request, PREFIX + other)
        if tail == "chuyen-tiep":
            step = request.query.get("buoc", ["1"])[-1]
            following = int(step) + 1 if step.isdigit() else 1
            return self._redirect(request, f"{PREFIX}chuyen-tiep?buoc={following}")
        if tail == "lich":
            return self._calendar(request, page)
        if tail == "bay-phan-trang/":
            return self._endless_listing(request, page)
        return None

    # ------------------------------------------------------------------ pages
    def _article_fault(self, truth: FaultTruth, hit: int, page: PageRenderer) -> Response:
        name = truth.name
        if name == "retry_503" and hit <= 2:
            return Response(503, b"<html><body>Service Unavailable</body></html>")
        if name == "retry_429" and hit == 1:
            body = b"<html><body>Too Many Requests</body></html>"
            return Response(429, body, headers={"Retry-After": "1"})
        response = self._article(truth, page)
        if name == "drop_once" and hit == 1:
            response.truncate_at = len(response.body) // 2
        elif name == "truncated":
            html = response.body.decode("utf-8")
            cut = html.index(_BODY[1][:40]) + 20
            response.body = html[:cut].encode("utf-8")
        elif name == "cp1258":
            html = response.body.decode("utf-8").replace("charset=utf-8", "charset=windows-1258")
            response.body = encode_cp1258(html)
            response.content_type = "text/html"
        elif name == "no_charset":
            html = response.body.decode("utf-8").replace(
                '<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />\n', ""
            )
            response.body = html.encode("utf-8")
            response.content_type = "text/html"
        elif name == "wrong_charset":
            response.body = encode_cp1258(response.body.decode("utf-8"))
        elif name == "enormous":
            if self._padding is None:
                self._padding = b"<!-- " + b"padding " * (ENORMOUS_PADDING // 8) + b" -->\n"
            response.body += self._padding
        return response

    def _article(self, truth: FaultTruth, page: PageRenderer) -> Response:
        day = truth.updated_on.strftime("%d/%m/%Y")
        paragraphs = "\n".join(f'<p style="text-align:justify">{_text(p)}</p>' for p in truth.body)
        main = (
            f'<div class="breadcrumb"><a href="/">Trang chủ</a> &raquo; '
            f'<a href="/">{FAULT_CATEGORY}</a></div>\n'
            f'<div class="news-detail">\n<div class="news-cat">'
            f'<a href="/">{FAULT_CATEGORY}</a></div>\n'
            f'<h1 class="news-title">{_text(truth.title or "")}</h1>\n'
            f'<div class="news-date">[ Cập nhật vào ngày ({day}) ] - '
            f"[ Số lần xem: {truth.views} ]</div>\n"
            '<div class="news-sapo"><p style="text-align:justify"><strong>'
            f"{_text(truth.lede or '')}</strong></p></div>\n"
            f'<div class="news-content">\n{paragraphs}\n</div>\n'
            f'<div class="news-author" style="text-align:right"><strong>{_text(truth.author or "")}'
            "</strong></div>\n</div>\n"
            '<div class="comment-box"><div class="comment-title" style="font-weight:bold">'
            "Các ý kiến của bạn đọc</div>\n"
            '<form method="post" action="/gui-y-kien.html" class="comment-form">'
            '<input type="submit" value="Gửi ý kiến" /></form></div>'
        )
        return Response(200, page(f"{truth.title}", main).encode("utf-8"))

    @staticmethod
    def _redirect(request: Request, path: str) -> Response:
        location = request.base_url.rstrip("/") + path
        body = f'<html><body><a href="{escape(location)}">here</a></body></html>'.encode()
        return Response(302, body, headers={"Location": location})

    @staticmethod
    def _calendar(request: Request, page: PageRenderer) -> Response:
        raw = request.query.get("ngay", [""])[-1]
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            day = FAULT_DAY
        following = day + dt.timedelta(days=1)
        main = (
            f'<h2 class="cat-title">Lịch công tác ngày {day.strftime("%d/%m/%Y")}</h2>\n'
            "<p>Không có sự kiện.</p>\n"
            f'<p><a href="{PREFIX}lich?ngay={following.isoformat()}">Ngày tiếp theo</a></p>'
        )
        return Response(200, page(f"Lịch công tác {day.isoformat()}", main).encode("utf-8"))

    @staticmethod
    def _endless_listing(request: Request, page: PageRenderer) -> Response:
        raw = request.query.get("trang", ["1"])[-1]
        number = int(raw) if raw.isdigit() and int(raw) > 0 else 1
        main = (
            '<h2 class="cat-title">Tin lưu trữ</h2>\n<p>Chưa có tin trong chuyên mục này.</p>\n'
            '<div class="paging">Trang: '
            f'<span class="current">{number}</span> '
            f'<a href="{PREFIX}bay-phan-trang/?trang={number + 1}" class="next">'
            "Trang sau &raquo;</a>"
            "</div>"
        )
        return Response(200, page(f"Tin lưu trữ - Trang {number}", main).encode("utf-8"))
