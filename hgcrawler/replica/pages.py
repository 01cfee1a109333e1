"""Routes of the replica portal, rendered on request from the model.

:class:`PortalPages` decides what each path is (home, listing, article, a
redirect, a counter, a 404, the maintenance placeholder); the markup comes
from the site's theme of the day (:mod:`.themes`). The classic theme imitates
an older Vietnamese government CMS and follows the one real page we have.
"""

from __future__ import annotations

import base64
import json
import re
import unicodedata
from html import escape

from .http import Handler, Request, Response
from .site import (
    COUNTER_HANDLER_NEW_PATH,
    COUNTER_HANDLER_PATH,
    COUNTER_SCRIPT_PATH,
    VIEWS_API_PATH,
    ReplicaSite,
)
from .themes import (
    COUNTER_SCRIPT,
    EXTERNAL_LINKS,
    SITE_NAME,
    STYLESHEET,
    THEME_CLASSES,
    ClassicTheme,
)

__all__ = [
    "EXTERNAL_LINKS",
    "PER_PAGE",
    "SITE_NAME",
    "STYLESHEET",
    "Handler",
    "PortalPages",
    "Request",
    "Response",
]

PER_PAGE = 10
MAINTENANCE_TITLE = "Trang đang bảo trì"
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


def _text(value: str) -> str:
    return escape(value, quote=False)


def _attr(value: str) -> str:
    return escape(value, quote=True)


class PortalPages:
    """Routes and renders every page of the portal for a :class:`ReplicaSite`."""

    def __init__(self, site: ReplicaSite) -> None:
        self.site = site
        self.themes: dict[str, ClassicTheme] = {
            name: cls(site) for name, cls in THEME_CLASSES.items()
        }
        self._static: dict[str, Handler] = {
            "/": self.home,
            "/robots.txt": self.robots,
            "/gioi-thieu.html": self.about,
            "/lien-he.html": self.contact,
            "/quan-tri/": self.admin,
            VIEWS_API_PATH: self.views_api,
        }
        for theme in self.themes.values():
            self._static[theme.stylesheet_path] = self._stylesheet_of(theme)
        if site.counters == "script":
            self._static[COUNTER_SCRIPT_PATH] = self.counter_script
            self._static[COUNTER_HANDLER_PATH] = self.counter_handler
            self._static[COUNTER_HANDLER_NEW_PATH] = self.counter_handler
        self._category_slugs = {slug: i for i, (slug, _) in enumerate(site.categories)}
        self.faults = None
        if site.faults:
            from .faults import FaultPages

            self.faults = FaultPages()

    @property
    def theme(self) -> ClassicTheme:
        """The theme of the site's current day."""
        return self.themes[self.site.theme_on()]

    # ---------------------------------------------------------------- routing
    def respond(self, request: Request) -> Response:
        if self.site.in_maintenance():
            return self.maintenance(request)
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
        relocated = self.site.relocated_id(request.path)
        if relocated is not None:
            return self.article(request, relocated)
        if self.site.url_scheme == "slugs":
            article_id = self.site.article_for_path(request.path)
            if article_id is not None:
                return self.article(request, article_id)
        else:
            match = ARTICLE_PATH.match(request.path)
            if match:
                return self.article(request, int(match.group(1)))
        if IMAGE_PATH.match(request.path):
            return Response(200, PLACEHOLDER_JPEG, "image/jpeg")
        return self.not_found(request)

    def _fault_page(self, title: str, main: str) -> str:
        theme = self.theme
        return theme.page(f"{title} - {theme.site_name}", main, self.site.state())

    @staticmethod
    def _html(body: str, status: int = 200) -> Response:
        return Response(status, body.encode("utf-8"))

    # ------------------------------------------------------------------ pages
    def home(self, request: Request) -> Response:
        state = self.site.state()
        theme = self.theme
        extra = [self.faults.home_block(request)] if self.faults is not None else []
        return self._html(theme.page(theme.site_name, theme.home_main(state, extra), state))

    def listing(self, request: Request, index: int) -> Response:
        state = self.site.state()
        theme = self.theme
        name = self.site.categories[index][1]
        ids = state.live_by_category[index]
        pages = max(1, -(-len(ids) // PER_PAGE))
        raw = request.query.get("trang", ["1"])[-1]
        if not raw.isdigit() or not 1 <= int(raw) <= pages:
            return self.not_found(request)
        page = int(raw)
        end = len(ids) - (page - 1) * PER_PAGE
        shown = ids[max(0, end - PER_PAGE) : end][::-1]
        main = theme.listing_main(index, page, pages, shown, state)
        title = f"{name} - Trang {page}" if page > 1 else name
        return self._html(theme.page(f"{title} - {theme.site_name}", main, state))

    def article(self, request: Request, article_id: int) -> Response:
        site = self.site
        day = site.day
        if not site.exists(article_id, day) or site.articles_answer_404(day):
            return self.not_found(request)
        view = site.view(article_id, day)
        truth = view.truth
        if truth.status == "deleted":
            return self.not_found(request)
        if request.path != truth.url:
            if request.path == truth.old_url and truth.old_url_redirects:
                location = request.base_url.rstrip("/") + truth.url
                body = f'<html><body>Moved to <a href="{_attr(location)}">here</a></body></html>'
                return Response(301, body.encode("utf-8"), headers={"Location": location})
            return self.not_found(request)
        state = site.state(day)
        theme = self.theme
        html = theme.page(
            theme.article_title(truth), theme.article_main(view, state, request.base_url), state
        )
        if truth.variant == "malformed_truncated":
            html = html[: html.index("\x00")]
        elif truth.variant == "nfd":
            html = unicodedata.normalize("NFD", html)
        return self._html(html)

    # -------------------------------------------------------- other resources
    def robots(self, request: Request) -> Response:
        return Response(200, b"User-agent: *\nDisallow: /quan-tri/\n", "text/plain; charset=utf-8")

    @staticmethod
    def _stylesheet_of(theme: ClassicTheme) -> Handler:
        def serve(request: Request) -> Response:
            return Response(200, theme.stylesheet, "text/css")

        return serve

    def _simple(self, title: str, paragraphs: list[str], status: int = 200) -> Response:
        state = self.site.state()
        theme = self.theme
        main = theme.simple_main(title, paragraphs)
        return self._html(theme.page(f"{title} - {theme.site_name}", main, state), status)

    def about(self, request: Request) -> Response:
        return self._simple("Giới thiệu", list(self.theme.about_paragraphs))

    def contact(self, request: Request) -> Response:
        return self._simple("Liên hệ", list(self.theme.contact_paragraphs))

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

    def counter_script(self, request: Request) -> Response:
        """counter.js of ``counters="script"``: the same for every page, its handler by day."""
        script = COUNTER_SCRIPT.replace("{handler}", self.site.counter_handler())
        return Response(200, script.encode("utf-8"), "application/javascript")

    def counter_handler(self, request: Request) -> Response:
        """ViewCount.ashx / ViewCount2.ashx: the bare count of an article as text/plain.

        404 for ids without a script counter (no_views and the js variants), deleted or
        unpublished ones. ViewCount2.ashx exists from ``counter_endpoint_break_day``; from
        then the old handler answers 404 or, with ``counter_break="stale"``, the count of
        the day before the break (0 for articles published since).
        """
        site = self.site
        day = site.day
        raw = next((v[-1] for k, v in request.query.items() if k.lower() == "itemid"), "")
        current = site.counter_handler(day)
        if request.path != current and (
            request.path == COUNTER_HANDLER_NEW_PATH or site.counter_break == "404"
        ):
            return self.not_found(request)
        if not raw.isdigit() or not site.exists(int(raw), day):
            return self.not_found(request)
        article_id = int(raw)
        truth = site.view(article_id, day).truth
        if truth.status == "deleted" or truth.js_counter != "external":
            return self.not_found(request)
        if request.path == current:
            count = site.views_on(article_id, day)
        else:  # the stale old handler, frozen on the day before the break
            frozen = (site.counter_endpoint_break_day or day) - 1
            count = site.views_on(article_id, frozen) if truth.published_day <= frozen else 0
        return Response(200, str(count).encode("ascii"), "text/plain; charset=utf-8")

    @staticmethod
    def _json(status: int, payload: dict[str, object]) -> Response:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        return Response(status, body, "application/json; charset=utf-8")

    def maintenance(self, request: Request) -> Response:
        """The placeholder every path answers while the portal is in maintenance."""
        body = (
            '<!DOCTYPE html>\n<html lang="vi">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{MAINTENANCE_TITLE}</title>\n</head>\n"
            '<body style="font-family:Arial,sans-serif;text-align:center;padding:60px">\n'
            f"<h1>{MAINTENANCE_TITLE}</h1>\n"
            f"<p>{_text(self.theme.site_name)} đang được nâng cấp.</p>\n"
            "<p>Xin quý bạn đọc vui lòng quay lại sau.</p>\n</body>\n</html>\n"
        )
        return self._html(body)

    def not_found(self, request: Request) -> Response:
        return self._simple(
            "Không tìm thấy trang",
            ["Trang bạn yêu cầu không tồn tại hoặc đã bị xóa.", "Vui lòng quay lại trang chủ."],
            status=404,
        )
