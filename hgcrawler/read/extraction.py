"""Article extraction: a pure function from an article page's HTML to a record.

The portal's markup is unknown, so nothing here depends on class names or URL
patterns. Extraction anchors on what every article page of the portal shows
(see ``shared/seed/article-page-text.txt``):

1. the meta line ``[ Cập nhật vào ngày (dd/mm/yyyy) ] - [ Số lần xem: N ]``, found by
   the site's labels (:class:`hgcrawler.sites.Labels`: other portals write
   ``Ngày đăng: … | Lượt xem: N`` or a bare ``Thứ năm, 18/03/2021 08:15 - Lượt xem: N``);
2. the title just before it, and the category (breadcrumb) before the title;
3. after it, a lede, images each followed by a caption, body paragraphs, the
   author and the source credit (:mod:`hgcrawler.read.bylines`: labelled, team or bare
   name bylines above or below the text; "Nguồn: …", "Theo …"), up to what ends
   the article: a comment form, a heading of a list ("Các ý kiến của bạn đọc",
   "Tin cùng chuyên mục"…) or of the profile, a block of the site's learned
   template (:mod:`hgcrawler.read.pagetemplate`) after the text, a heading over a
   list of links, or whatever follows the credit lines.

Each record says which rule found its end, author and source (``rules``) and
which of its fields cannot be right (``doubtful``, :mod:`hgcrawler.read.plausibility`).

The page is first flattened into a sequence of *blocks* (runs of text that a
browser would lay out as one paragraph, and images), so that tables, divs,
``<br>``-separated text and split inline elements all look the same.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Container
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import lxml.etree
from cssselect import GenericTranslator
from w3lib.encoding import html_to_unicode

from hgcrawler.read.bylines import (
    MAX_BYLINE_CHARS,
    BylineRules,
    author_credit,
    name_like,
    photo_credit,
    source_credit,
    split_source,
)
from hgcrawler.read.labels import Labels
from hgcrawler.read.pagetemplate import PageTemplate
from hgcrawler.read.plausibility import record_doubts
from hgcrawler.read.text import clean_text, find_dates, fold, nfc, parse_date, parse_view_count

__all__ = ["DEFAULT_LABELS", "NotAnArticle", "extract_article", "page_blocks", "template_texts"]

#: The Hậu Giang portal's labels: "Cập nhật vào ngày" and "Số lần xem".
DEFAULT_LABELS = Labels()

# Headings and widgets that end an article's text (folded, compared to a block's start).
END_MARKERS = tuple(
    fold(s)
    for s in (
        "Các ý kiến của bạn đọc",
        "Ý kiến của bạn đọc",
        "Ý kiến bạn đọc",
        "Gửi ý kiến",
        "Ý kiến của bạn",
        "Bình luận",
        "Tin cùng chuyên mục",
        "Các tin khác",
        "Tin khác",
        "Tin liên quan",
        "Bài liên quan",
        "Tin đã đưa",
        "Các tin đã đưa",
        "Tin mới",
        "Tin đọc nhiều",
        "Tin xem nhiều",
    )
)
_LONGEST_END_MARKER = max(len(m) for m in END_MARKERS)
# Print / e-mail / share widgets and navigation crumbs: skipped wherever they appear.
TOOL_LABELS = frozenset(
    fold(s)
    for s in (
        "In bài viết",
        "In bài",
        "In trang",
        "Bản in",
        "Gửi email",
        "Gửi e-mail",
        "Email",
        "E-mail",
        "Gửi bài viết",
        "Gửi cho bạn bè",
        "Chia sẻ",
        "Chia sẻ bài viết",
        "Facebook",
        "Twitter",
        "Zalo",
        "Lưu bài viết",
        "Quay lại",
        "Trở về",
        "Về đầu trang",
        "Lên đầu trang",
        "Đầu trang",
        "Xem thêm",
        "In",
        "Like",
        "Share",
        "Tweet",
    )
)
HOME_CRUMBS = frozenset(fold(s) for s in ("Trang chủ", "Trang nhất", "Home"))
BREADCRUMB_SEPARATORS = re.compile(r"\s*(?:»|›|>|→|/|\|)\s*")
IMAGE_FILE_NAME = re.compile(r"^\S+\.(?:jpe?g|png|gif|webp|bmp)$", re.IGNORECASE)
SENTENCE_END = re.compile(r"[.!?…;:]\W*$")

# Plain lxml elements: lxml.html's per-element class lookup costs ~5 % of extraction.
_PARSER = lxml.etree.HTMLParser(remove_comments=False)

BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "td",
        "th",
        "tr",
        "li",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "section",
        "article",
        "header",
        "footer",
        "nav",
        "aside",
        "main",
        "figure",
        "figcaption",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "caption",
        "pre",
        "address",
        "center",
        "hr",
        "fieldset",
        "legend",
        "body",
        "html",
    ]
)
SKIP_TAGS = frozenset(
    [
        "script",
        "style",
        "noscript",
        "template",
        "head",
        "title",
        "select",
        "option",
        "button",
        "iframe",
        "object",
        "embed",
        "svg",
    ]
)
FORM_TAGS = frozenset(("form", "textarea", "input"))
HEADING_TAGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
BOLD_TAGS = frozenset(("b", "strong")) | HEADING_TAGS
ITALIC_TAGS = frozenset(("i", "em"))

#: Tags whose start and end _Flattener.run handles itself (see there).
_SIMPLE_BLOCK_TAGS = (
    BLOCK_TAGS - SKIP_TAGS - FORM_TAGS - HEADING_TAGS - BOLD_TAGS - ITALIC_TAGS - {"figcaption"}
)
_SPECIAL_TAGS = (
    BLOCK_TAGS | SKIP_TAGS | FORM_TAGS | BOLD_TAGS | ITALIC_TAGS | {"a", "br", "img", "figcaption"}
)

MAX_META_PARTS = 6  # blocks a split meta line may be spread over
MAX_CAPTION_CHARS = 250
MAX_AUTHOR_CHARS = 80
MAX_AUTHOR_WORDS = 10


class NotAnArticle(ValueError):
    """The page is not an article page (home page, listing, other), or not parsable as one.

    ``looks_like_article`` is True when the page has an article's traits (a comments
    heading, long paragraphs) but not the meta line: a page to record as a reject.
    """

    def __init__(self, reason: str, *, looks_like_article: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.looks_like_article = looks_like_article


@dataclass
class Block:
    """A run of text laid out as one paragraph, an image, or the start of a form."""

    kind: str  # "text" | "image" | "form"
    text: str = ""
    element: Any = None  # the nearest block-level element
    chars: int = 0
    link_chars: int = 0
    bold_chars: int = 0
    italic_chars: int = 0
    heading: bool = False
    in_figcaption: bool = False
    src: str = ""
    alt: str = ""
    folded: str = field(default="", repr=False)

    @property
    def link_density(self) -> float:
        return self.link_chars / self.chars if self.chars else 0.0

    @property
    def is_bold(self) -> bool:
        return self.heading or (self.chars > 0 and self.bold_chars >= 0.8 * self.chars)

    @property
    def is_italic(self) -> bool:
        return self.chars > 0 and self.italic_chars >= 0.8 * self.chars


# --------------------------------------------------------------------------- parsing


def _to_unicode(html: str | bytes, encoding: str | None) -> str:
    if isinstance(html, bytes):
        content_type = f"text/html; charset={encoding}" if encoding else None
        _, text = html_to_unicode(content_type, html)
        return text
    return html


def parse_html(html: str | bytes, encoding: str | None = None) -> Any:
    text = nfc(_to_unicode(html, encoding))
    if not text.strip():
        raise NotAnArticle("empty page")
    # Strip an XML declaration: lxml refuses str input that carries one.
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    try:
        root = lxml.etree.fromstring(text, _PARSER)
    except (lxml.etree.ParserError, lxml.etree.XMLSyntaxError, ValueError) as exc:
        raise NotAnArticle(f"unparsable HTML: {exc}") from exc
    if root is None:
        raise NotAnArticle("empty page")
    return root


class _Flattener:
    """Turns an lxml tree into a list of :class:`Block` in document order."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.parts: list[str] = []
        self.chars = self.link_chars = self.bold_chars = self.italic_chars = 0
        self.heading = False
        self.block_stack: list[Any] = []
        self.link_depth = self.bold_depth = self.italic_depth = 0
        self.heading_depth = self.figcaption_depth = self.skip_depth = 0

    def add_text(self, text: str | None) -> None:
        if not text or self.skip_depth:
            return
        self.parts.append(text)
        n = len(text.strip())
        self.chars += n
        if self.link_depth:
            self.link_chars += n
        if self.bold_depth:
            self.bold_chars += n
        if self.italic_depth:
            self.italic_chars += n
        if self.heading_depth:
            self.heading = True

    def flush(self) -> None:
        # chars counts non-space characters: without any, the text cleans to "".
        if self.chars:
            text = clean_text("".join(self.parts))
            if text:
                self.blocks.append(
                    Block(
                        kind="text",
                        text=text,
                        element=self.block_stack[-1] if self.block_stack else None,
                        chars=max(self.chars, 1),
                        link_chars=self.link_chars,
                        bold_chars=self.bold_chars,
                        italic_chars=self.italic_chars,
                        heading=self.heading,
                        in_figcaption=self.figcaption_depth > 0,
                        folded=fold(text),
                    )
                )
        if self.parts:
            self.parts = []
            self.chars = self.link_chars = self.bold_chars = self.italic_chars = 0
            self.heading = False

    def run(self, root: Any) -> list[Block]:
        # Plain block tags (p, div, td, ...) and plain inline tags (span, font, ...) are
        # handled inline: the same steps as _start/_end take for them, minus the calls.
        simple_blocks, special = _SIMPLE_BLOCK_TAGS, _SPECIAL_TAGS
        add_text, flush, stack = self.add_text, self.flush, self.block_stack
        for event, el in lxml.etree.iterwalk(root, events=("start", "end")):
            tag = el.tag
            tag = tag.lower() if isinstance(tag, str) else ""
            if event == "start":
                if tag in simple_blocks:
                    if not self.skip_depth:
                        if self.parts:
                            flush()
                        stack.append(el)
                        add_text(el.text)
                elif not tag or tag in special:
                    self._start(el, tag)
                elif not self.skip_depth:
                    add_text(el.text)
            else:
                if tag in simple_blocks:
                    if not self.skip_depth:
                        if self.parts:
                            flush()
                        if stack:
                            stack.pop()
                elif not tag or tag in special:
                    self._end(el, tag)
                elif tag == "time" and not self.skip_depth:
                    add_text(" ")  # a <time> is a value of its own: WordPress writes two
                tail = el.tail
                if tail:
                    add_text(tail)
        self.flush()
        return self.blocks

    def _start(self, el: Any, tag: str) -> None:
        if not tag or tag in SKIP_TAGS:
            self.skip_depth += 1
            return
        if self.skip_depth:
            return
        if tag in FORM_TAGS:
            if tag == "input" and (el.get("type") or "").strip().lower() == "hidden":
                return  # ASP.NET's __VIEWSTATE & co. sit anywhere in a page-wide form
            self.flush()
            self.blocks.append(Block(kind="form", element=el))
            self.skip_depth += 1 if tag == "textarea" else 0
            return
        if tag == "br":
            self.flush()
            return
        if tag == "img":
            self.flush()
            src = el.get("src") or el.get("data-src") or el.get("data-original") or ""
            self.blocks.append(
                Block(kind="image", element=el, src=src.strip(), alt=clean_text(el.get("alt")))
            )
            return
        if tag in BLOCK_TAGS:
            self.flush()
            self.block_stack.append(el)
        if tag == "a":
            self.link_depth += 1
        elif tag in BOLD_TAGS:
            self.bold_depth += 1
        elif tag in ITALIC_TAGS:
            self.italic_depth += 1
        if tag in HEADING_TAGS:
            self.heading_depth += 1
        elif tag == "figcaption":
            self.figcaption_depth += 1
        self.add_text(el.text)

    def _end(self, el: Any, tag: str) -> None:
        if not tag or tag in SKIP_TAGS:
            self.skip_depth -= 1
            return
        if self.skip_depth:
            if tag == "textarea":
                self.skip_depth -= 1
            return
        if tag in FORM_TAGS or tag in ("br", "img"):
            return
        if tag == "a":
            self.link_depth -= 1
        elif tag in BOLD_TAGS:
            self.bold_depth -= 1
        elif tag in ITALIC_TAGS:
            self.italic_depth -= 1
        if tag in HEADING_TAGS:
            self.heading_depth -= 1
        if tag in BLOCK_TAGS:
            self.flush()  # before leaving a figcaption: its text is in_figcaption
            if self.block_stack:
                self.block_stack.pop()
        if tag == "figcaption":
            self.figcaption_depth -= 1


def page_blocks(root: Any) -> list[Block]:
    """The page flattened into blocks (text runs, images, form starts) in document order."""
    body = root.find("body")
    return _Flattener().run(body if body is not None else root)


# --------------------------------------------------------------------------- helpers


#: What may stand around a tool's label: "[In bài]", "| Gửi email |", "Chia sẻ:".
_TOOL_PUNCTUATION = " []()|-:•·"


def _is_tool(block: Block) -> bool:
    """A print / e-mail / share bar: tool labels alone, or several, or one labelling the
    rest (``Chia sẻ: Facebook | In bài``)."""
    folded = block.folded.strip(_TOOL_PUNCTUATION)
    return folded in TOOL_LABELS or all(
        part.strip() in TOOL_LABELS for part in re.split(r"[|•·/:\-]", folded) if part.strip()
    )


def _end_marker_at(block: Block) -> int | None:
    """Index in the block's text where an end-of-article heading starts, if any.

    A heading counts at the start of a block, or glued to the end of a short
    last line (the seed shows ``Hoàng ÝCác ý kiến của bạn đọc``).
    """
    folded = block.folded
    if len(folded) <= _LONGEST_END_MARKER + 40:  # a heading is short
        for marker in END_MARKERS:
            if folded.startswith(marker) and len(folded) <= len(marker) + 40:
                return 0
    if len(folded) > MAX_AUTHOR_CHARS + _LONGEST_END_MARKER + 40:
        return None  # a long paragraph: no author-and-heading line
    for marker in END_MARKERS[:6]:  # comment headings only: they may be glued to the author
        pos = folded.find(marker)
        if pos > 0 and len(folded) - pos <= len(marker) + 40 and pos <= MAX_AUTHOR_CHARS:
            return pos
    return None


def _alignment(element: Any, levels: int = 3) -> str:
    """'center' / 'right' / '' from align attributes or inline text-align styles."""
    el = element
    for _ in range(levels):
        if el is None or not isinstance(el.tag, str):
            break
        align = (el.get("align") or "").lower()
        style = (el.get("style") or "").lower().replace(" ", "")
        for value in ("right", "center"):
            if align == value or f"text-align:{value}" in style:
                return value
        if el.tag.lower() == "center":
            return "center"
        el = el.getparent()
    return ""


def _common_table(a: Any, b: Any) -> bool:
    """True if the two elements sit in the same table or figure (an image and its caption)."""
    if a is None or b is None:
        return False
    # Keep the proxies alive and compare them by identity: lxml hands out one proxy
    # per node while it lives, but id() of a freed proxy can be reused by another.
    ancestors = list(a.iterancestors("table", "figure"))
    return any(any(x is y for y in ancestors) for x in b.iterancestors("table", "figure"))


@dataclass(frozen=True)
class _LabelMatcher:
    """A site's :class:`Labels`, folded for matching without case or accents."""

    labels: Labels
    date: tuple[str, ...]
    views: tuple[str, ...]

    def has_label(self, folded: str) -> bool:
        return any(label in folded for label in self.date + self.views)

    @staticmethod
    def _first(folded: str, labels: tuple[str, ...]) -> tuple[int, int] | None:
        """(start, end) of the first of ``labels`` in ``folded`` (the longest at a tie)."""
        found = [(pos, -len(label)) for label in labels if (pos := folded.find(label)) >= 0]
        if not found:
            return None
        pos, negative_length = min(found)
        return pos, pos - negative_length

    def views_label(self, folded: str) -> tuple[int, int] | None:
        return self._first(folded, self.views)

    def date_label(self, folded: str) -> tuple[int, int] | None:
        return self._first(folded, self.date)


@functools.lru_cache(maxsize=32)
def _matcher(labels: Labels) -> _LabelMatcher:
    return _LabelMatcher(
        labels,
        date=tuple(fold(nfc(label)) for label in labels.date),
        views=tuple(fold(nfc(label)) for label in labels.views),
    )


# "Thứ năm, " / "Chủ nhật - " / "T5, " before a bare date; "08:15", "8h15 (GMT+7)" around it.
_WEEKDAY = re.compile(r"^(?:thu\s+(?:hai|ba|tu|nam|sau|bay)|chu\s+nhat|t[2-7]|cn)\b\s*[,\-–]?\s*")
_CLOCK = (
    r"\d{1,2}\s*[:h]\s*\d{2}(?::\d{2})?(?:\s*(?:am|pm|sa|ch))?"
    r"(?:\s*\(?gmt\s*[+-]\s*\d{1,2}\)?)?"
)
_CLOCK_AFTER = re.compile(rf"[\s,\-–|]*{_CLOCK}$")
_CLOCK_BEFORE = re.compile(rf"^{_CLOCK}[\s,\-–|]*")
_BARE_DATE_EDGES = " []()|-–,"
MAX_BARE_DATE_CHARS = 60


def _bare_date(text: str, formats: tuple[str, ...]) -> Any:
    """The date when ``text`` is nothing but a date (a weekday before it, a time of day
    around it allowed): ``Thứ năm, 18/03/2021 08:15``; else None."""
    if len(text) > MAX_BARE_DATE_CHARS or not any(ch.isdigit() for ch in text):
        return None
    rest = fold(text).strip(_BARE_DATE_EDGES)
    rest = _WEEKDAY.sub("", rest, count=1)
    rest = _CLOCK_BEFORE.sub("", _CLOCK_AFTER.sub("", rest, count=1), count=1)
    rest = rest.strip(_BARE_DATE_EDGES)
    dates = find_dates(rest, formats)
    if len(dates) == 1 and dates[0][0] == 0 and dates[0][1] == len(rest):
        return dates[0][2]
    return None


def _follows_title(blocks: list[Block], index: int, folded_page_title: str) -> bool:
    """True when the nearest text before ``blocks[index]`` reads as an article's title:
    a heading, bold text, or the text the page's ``<title>`` repeats."""
    for block in reversed(blocks[max(0, index - 3) : index]):
        if block.kind == "image":
            continue
        if block.kind != "text" or block.link_density > 0.5:
            return False
        in_title = len(block.folded) >= 10 and block.folded in folded_page_title
        return block.heading or block.is_bold or in_title
    return False


def _meta_indexes(blocks: list[Block], labels: _LabelMatcher, folded_page_title: str) -> list[int]:
    """Where meta lines are: blocks with a date or views label; failing that, with
    ``bare_date``, a bare date right under a title (a page without a view count)."""
    found = [i for i, b in enumerate(blocks) if b.kind == "text" and labels.has_label(b.folded)]
    if found or not labels.labels.bare_date:
        return found
    formats = labels.labels.date_formats
    return [
        i
        for i, b in enumerate(blocks)
        if b.kind == "text"
        and _bare_date(b.text, formats) is not None
        and _follows_title(blocks, i, folded_page_title)
    ]


#: An article's own text between its meta line and the next one, in characters outside
#: links, and in paragraphs of at least ``ARTICLE_PARAGRAPH`` such characters: more
#: than a listing's teasers ever are, so the later meta lines are other articles' (a
#: "most read" box with view counts, related articles with dates), not a listing's.
ARTICLE_TEXT = 600
ARTICLE_PARAGRAPHS = 3
ARTICLE_PARAGRAPH = 80


def _text_between(blocks: list[Block], start: int, end: int) -> bool:
    """Whether ``blocks[start:end]`` hold an article's text: paragraphs, not teasers."""
    paragraphs = [
        b.chars - b.link_chars
        for b in blocks[start:end]
        if b.kind == "text" and not b.heading and b.chars - b.link_chars >= ARTICLE_PARAGRAPH
    ]
    return len(paragraphs) >= ARTICLE_PARAGRAPHS and sum(paragraphs) >= ARTICLE_TEXT


def _parse_meta(blocks: list[Block], start: int, labels: _LabelMatcher) -> tuple[str, int, int]:
    """The meta line's text, joined over the blocks it is split across, its first and
    its last index.  With bare dates, a date alone in the block before a views label
    belongs to the line."""
    formats = labels.labels.date_formats
    text = blocks[start].text
    first = end = start
    if labels.labels.bare_date and start > 0 and not find_dates(text, formats):
        before = blocks[start - 1]
        if before.kind == "text" and _bare_date(before.text, formats) is not None:
            text, first = f"{before.text} {text}", start - 1
    for i in range(start + 1, min(start + MAX_META_PARTS, len(blocks))):
        block = blocks[i]
        if block.kind != "text":
            break
        folded = fold(text)
        views = labels.views_label(folded)
        is_fragment = len(block.text) <= 40 and (
            re.fullmatch(r"[\[\]\(\)\d/.,:\-\s]+", block.text) is not None
            or labels.has_label(block.folded)
        )
        if not is_fragment or (
            views is not None
            and parse_date(text, formats) is not None
            and parse_view_count(folded[views[1] :]) is not None
        ):
            break
        text = f"{text} {block.text}"
        end = i
    return text, first, end


def _views_from_meta(meta: str, labels: _LabelMatcher) -> tuple[int | None, bool]:
    """(views, label_present) read after the first views label."""
    found = labels.views_label(fold(meta))
    if found is None:
        return None, False
    after = meta[found[1] :].split("]", 1)[0]
    return parse_view_count(after), True


def _date_from_meta(meta: str, labels: _LabelMatcher) -> Any:
    """The date after a date label; with ``bare_date`` and no date label, the date
    nearest the views label (or the line's only date)."""
    formats = labels.labels.date_formats
    folded = fold(meta)
    found = labels.date_label(folded)
    if found is not None:
        after = meta[found[1] :]
        views = labels.views_label(fold(after))
        if views is not None:
            after = after[: views[0]]
        return parse_date(after, formats)
    if not labels.labels.bare_date:
        return None
    dates = find_dates(meta, formats)
    if not dates:
        return None
    views = labels.views_label(folded)
    if views is None:
        return dates[0][2]
    anchor_start, anchor_end = views

    def distance(found_date: tuple[int, int, Any]) -> int:
        start, end, _ = found_date
        return anchor_start - end if end <= anchor_start else max(0, start - anchor_end)

    return min(dates, key=distance)[2]


def _page_title(root: Any) -> str:
    for xpath in ('//meta[@property="og:title"]/@content', "//title/text()"):
        values = root.xpath(xpath)
        if values:
            text = clean_text(str(values[0]))
            if text:
                return text
    return ""


class _LinkTexts:
    """The folded texts of the page's links, computed on the first membership test."""

    def __init__(self, root: Any) -> None:
        self.root = root
        self._texts: set[str] | None = None

    def __contains__(self, folded: object) -> bool:
        if self._texts is None:
            self._texts = {fold(clean_text("".join(a.itertext()))) for a in self.root.iter("a")}
        return folded in self._texts


def _find_title(
    blocks: list[Block], meta_index: int, page_title: str, link_texts: Container[str]
) -> tuple[int | None, str]:
    """Index and text of the title: the nearest title-like block before the meta line."""
    folded_page_title = fold(page_title)
    candidates: list[int] = []
    for i in range(meta_index - 1, max(-1, meta_index - 8), -1):
        block = blocks[i]
        if block.kind != "text" or _is_tool(block):
            continue
        if IMAGE_FILE_NAME.match(block.text):
            continue
        candidates.append(i)
    if not candidates:
        return None, ""
    # Prefer a candidate that the page's <title>/og:title repeats (among all: an info
    # list may stand between the title and the meta line, "Viết bởi …", "Danh mục: …"),
    # then the nearest of the three nearest.
    for i in candidates:
        folded = blocks[i].folded
        # a short title ("Tin vắn") is a heading, or bold text the <title> starts with
        long_enough = (
            len(folded) >= 10
            or blocks[i].heading
            or (blocks[i].is_bold and folded_page_title.startswith(folded))
        )
        if folded_page_title and long_enough and folded in folded_page_title:
            return i, blocks[i].text
    nearest = candidates[0]
    block = blocks[nearest]
    looks_like_crumb = (
        BREADCRUMB_SEPARATORS.search(block.text) is not None and block.link_density > 0.3
    ) or (block.link_density > 0.8 and block.folded in link_texts and len(block.text) < 60)
    if looks_like_crumb or (len(block.text) < 8 and not block.heading):
        return None, ""
    return nearest, block.text


def _category_from(block: Block, title: str = "") -> str:
    """The last crumb of ``block`` that is not the home page nor the article's title
    (a breadcrumb that ends in the page it is on)."""
    parts = [p for p in BREADCRUMB_SEPARATORS.split(block.text) if p.strip()]
    parts = [p for p in parts if fold(p).strip() not in HOME_CRUMBS]
    if title and parts and fold(clean_text(parts[-1])) == fold(title):
        parts = parts[:-1]
    return clean_text(parts[-1]) if parts else ""


def _find_category(blocks: list[Block], before: int, title: str = "") -> str:
    for i in range(before - 1, max(-1, before - 4), -1):
        block = blocks[i]
        if block.kind != "text" or _is_tool(block):
            continue
        if title and block.folded == fold(title):
            continue  # the breadcrumb's last item, the page itself, in a block of its own
        if len(block.text) > 120:
            return ""
        category = _category_from(block, title)
        if category and len(category) <= 80:
            return category
        return ""
    return ""


def _is_caption(block: Block, image: Block) -> bool:
    if block.in_figcaption or _common_table(image.element, block.element):
        return len(block.text) <= MAX_CAPTION_CHARS * 2
    if len(block.text) > MAX_CAPTION_CHARS:
        return False
    if block.is_italic or _alignment(block.element) == "center":
        return True
    return SENTENCE_END.search(block.text) is None


def _keep_image(block: Block) -> bool:
    src = block.src
    if not src or src.startswith("data:"):
        return False
    el = block.element
    for attr in ("width", "height"):
        value = el.get(attr) if el is not None else None
        if value and value.isdigit() and int(value) < 48:
            return False
    # the icon of a tool link: <a href="/Guimail.aspx"><img src="mail.gif"> Gửi cho bạn
    # bè</a>, <a href="javascript:window.print()"><img …></a>
    link = next(el.iterancestors("a"), None) if el is not None else None
    if link is not None:
        href = (link.get("href") or "").strip().lower()
        words = fold(clean_text(" ".join(link.itertext()))).strip(_TOOL_PUNCTUATION)
        if href.startswith(("javascript:", "mailto:")) or words in TOOL_LABELS:
            return False
    lowered = src.lower().rsplit("/", 1)[-1]
    return not any(word in lowered for word in ("icon", "print", "email", "logo", "spacer"))


_BYLINE_HINT = re.compile(r"author|tac-?gia|byline|writer|signature|nguoi-?viet|butdanh", re.I)


def _byline_hint(element: Any, levels: int = 3) -> bool:
    """True when the element or a near ancestor is named like a byline (a supporting sign)."""
    el = element
    for _ in range(levels):
        if el is None or not isinstance(el.tag, str):
            return False
        if _BYLINE_HINT.search(f"{el.get('class') or ''} {el.get('id') or ''}"):
            return True
        el = el.getparent()
    return False


def _styled(block: Block) -> bool:
    """Set apart as bylines are: bold, italic, right-aligned, upper-case or named so."""
    text = block.text
    upper = sum(ch.isupper() for ch in text) >= 0.8 * max(1, sum(ch.isalpha() for ch in text))
    return (
        block.is_bold
        or block.is_italic
        or upper
        or _alignment(block.element) == "right"
        or _byline_hint(block.element)
    )


def _linked_name(block: Block) -> bool:
    """A name of two words or more, and nothing else, that is a link (to the author's
    page) set apart as bylines are (bold, italic, right-aligned…): a tag ("Phụng
    Hiệp") or a pager ("Tiếp") after the text is a link too, but plain."""
    text = block.text
    return (
        block.link_density > 0.7
        and len(text) <= MAX_AUTHOR_CHARS
        and 2 <= len(text.split()) <= MAX_AUTHOR_WORDS
        and name_like(text)
        and _styled(block)
    )


def _short_line(block: Block) -> bool:
    text = block.text
    return (
        len(text) <= MAX_AUTHOR_CHARS
        and len(text.split()) <= MAX_AUTHOR_WORDS
        and block.link_density <= 0.5
        and not (parse_date(text) is not None and len(text) < 12)
    )


def _is_last_line_author(block: Block) -> bool:
    """The old rule, kept as the last one: a short styled last line that is no heading."""
    if not _short_line(block) or block.heading:
        return False
    if not (_alignment(block.element) == "right" or block.is_bold or block.is_italic):
        return False
    return block.text[-1] not in ".!?…:;"


def _is_heading_like(block: Block) -> bool:
    return (
        block.kind == "text"
        and len(block.text) <= 100
        and block.link_density < 0.5
        and SENTENCE_END.search(block.text) is None
    )


def _is_link_line(block: Block) -> bool:
    """A link to another article: a title-long link alone (a tool bar "In | Gửi | Facebook"
    is several short links; "[Trở về] [Đầu trang]" links to no page)."""
    return (
        block.kind == "text"
        and block.link_density > 0.7
        and len(block.text.split()) >= 4
        and _TOOL_SEPARATORS.search(block.text) is None
        and not _links_to_no_page(block)
    )


def _links_to_no_page(block: Block) -> bool:
    """Every link of the block is a script or a place on this page (``javascript:
    history.back()``, ``#top``): tools, not links to other articles."""
    el = block.element
    hrefs = [(a.get("href") or "").strip().lower() for a in el.iter("a")] if el is not None else []
    return bool(hrefs) and all(h.startswith(("javascript:", "#")) or not h for h in hrefs)


_TOOL_SEPARATORS = re.compile(r"\s[|·•]\s")


def _is_article_text(block: Block, template: PageTemplate | None) -> bool:
    return (
        block.kind == "text"
        and len(block.text) >= 80
        and block.link_density < 0.5
        and (template is None or block.folded not in template)
    )


def _next_texts(blocks: list[Block], index: int, count: int) -> list[Block]:
    found: list[Block] = []
    for block in blocks[index + 1 :]:
        if block.kind == "form":
            break
        if block.kind == "text" and not _is_tool(block):
            found.append(block)
            if len(found) >= count:
                break
    return found


def _split_block(block: Block, head: str) -> Block:
    return Block(
        kind="text",
        text=head,
        element=block.element,
        chars=len(head),
        bold_chars=len(head) if block.is_bold else 0,
        italic_chars=len(head) if block.is_italic else 0,
        folded=fold(head),
    )


def _article_region(
    blocks: list[Block],
    start: int,
    end_headings: tuple[str, ...],
    template: PageTemplate | None,
    credit_rules: BylineRules,
) -> tuple[list[Block], str]:
    """Blocks after the meta line up to what ends the article, and what ended it:
    a form, a heading of the lists (``list:…``) or of the profile (``profile:…``), a
    template block after the text (``template``), a heading followed by a list of links
    (``heading+links``), or the end of the page (``page-end``)."""
    region: list[Block] = []
    text_seen = after_image = False
    for index in range(start, len(blocks)):
        block = blocks[index]
        if block.kind == "form":
            return region, "form"
        if block.kind != "text":
            region.append(block)
            after_image = block.kind == "image"
            continue
        folded = block.folded
        for heading in end_headings:
            if folded.startswith(heading) and len(folded) <= len(heading) + 40:
                return region, f"profile:{block.text}"
        pos = _end_marker_at(block)
        if pos == 0:
            return region, f"list:{block.text}"
        if pos is not None:
            head = block.text[:pos].strip()
            if head:
                region.append(_split_block(block, head))
            return region, f"list:{block.text[pos:]}"
        if (
            template is not None
            and folded in template
            and not after_image  # a caption ("Ảnh minh họa") may repeat: it is the image's
            and not _is_credit(block.text, credit_rules)  # "Nguồn: Báo X" on most pages too
        ):
            if text_seen and not any(
                _is_article_text(after, template) for after in _next_texts(blocks, index, 4)
            ):
                return region, "template"
            continue  # the site's chrome inside the article: a share bar, a font-size tool
        if (
            text_seen
            and _is_heading_like(block)
            and not _is_tool(block)
            and not _is_credit(block.text, credit_rules)  # "Nguồn: Báo X" is no heading
        ):
            # a heading over a list of links (related news): one link at least, then
            # more links, another heading or nothing
            following = _next_texts(blocks, index, 2)
            if (
                following
                and _is_link_line(following[0])
                and (
                    len(following) == 1
                    or _is_link_line(following[1])
                    or _is_heading_like(following[1])
                )
            ):
                return region, "heading+links"
        if _is_article_text(block, template):
            text_seen = True
        after_image = False
        region.append(block)
    return region, "page-end"


def _is_credit(text: str, rules: BylineRules) -> bool:
    return len(text) <= MAX_BYLINE_CHARS and (
        author_credit(text, rules) is not None or source_credit(text, rules, tail=True) is not None
    )


@dataclass
class _Credits:
    """The author and source found, and the rule that found each."""

    author: str | None = None
    source: str | None = None
    rules: dict[str, str] = field(default_factory=dict)

    def set_author(self, value: str, rule: str) -> None:
        value, source = split_source(value)
        self.author = value
        self.rules["author"] = rule
        if source and self.source is None:
            self.set_source(source, rule.replace("label:", "in-byline:"))

    def set_source(self, value: str, rule: str) -> None:
        self.source = value
        self.rules["source"] = rule


def _head_credits(texts: list[Block], credits: _Credits, rules: BylineRules) -> None:
    """Bylines and source credits above the article's text (under the meta line)."""
    index = 0
    while index < min(3, len(texts) - 1):
        block = texts[index]
        if credits.author is None and (found := author_credit(block.text, rules)):
            credits.set_author(found[0], f"{found[1]} (above the text)")
            del texts[index]
            continue
        if credits.source is None and (found := source_credit(block.text, rules, tail=False)):
            credits.set_source(found[0], f"{found[1]} (above the text)")
            del texts[index]
            continue
        following = texts[index + 1].text
        if (
            credits.author is None
            and _short_line(block)
            and name_like(block.text)
            and _styled(block)
            and len(following) >= 2 * len(block.text) + 40
        ):
            credits.set_author(block.text, "name-line (above the text)")
            del texts[index]
            continue
        break


def _tail_credits(texts: list[Block], credits: _Credits, rules: BylineRules) -> None:
    """Bylines and source credits at the end of the article's text (the lede stays).
    Photo credits ("Ảnh: …") among them are credit lines too: not the article's text."""
    index = len(texts) - 1
    photos: list[int] = []  # photo credits passed over, not yet known to be among credits
    while index >= 1:
        block = texts[index]
        if credits.source is None and (found := source_credit(block.text, rules, tail=True)):
            credits.set_source(found[0], found[1])
        elif credits.author is None and (found := author_credit(block.text, rules)):
            credits.set_author(found[0], found[1])
        elif photo_credit(block.text):
            photos.append(index)
            index -= 1
            continue
        elif credits.author is None and _short_line(block) and name_like(block.text):
            credits.set_author(block.text, "name-line")
        elif credits.author is None and _linked_name(block):
            credits.set_author(block.text, "linked-name-line")
        elif credits.author is None and _is_last_line_author(block):
            credits.set_author(block.text, "last-line")
        else:
            break
        for position in (*photos, index):  # from the end: the positions stay right
            del texts[position]
        photos = []
        index -= 1


def _selected(root: Any, css: str) -> str | None:
    """The text of the first element ``css`` selects, or None."""
    try:
        found = root.xpath(_css_xpath(css))
    except lxml.etree.XPathError:
        return None
    for element in found:
        text = clean_text(" ".join(element.itertext())) if hasattr(element, "itertext") else ""
        if text:
            return text
    return None


@functools.lru_cache(maxsize=64)
def _css_xpath(css: str) -> str:
    return str(GenericTranslator().css_to_xpath(css))


@functools.lru_cache(maxsize=32)
def _byline_rules(author: tuple[str, ...], source: tuple[str, ...]) -> BylineRules:
    return BylineRules(author_labels=author, source_labels=source)


@functools.lru_cache(maxsize=32)
def _end_headings(headings: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(fold(clean_text(heading)) for heading in headings)


# --------------------------------------------------------------------------- entry point


def extract_article(
    html: str | bytes,
    url: str,
    *,
    encoding: str | None = None,
    labels: Labels = DEFAULT_LABELS,
    template: PageTemplate | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Extract an article page into a record.

    ``labels``: the words the site puts before the date and the view count, its
    author and source labels, its end headings and selectors (the site profile's,
    :attr:`hgcrawler.sites.SiteProfile.labels`; by default the Hậu Giang portal's).
    ``template``: the site's learned page template (:mod:`hgcrawler.read.pagetemplate`), whose
    blocks are skipped inside an article and end it after its text.  ``today``: the
    day of the crawl, to doubt a date after it.

    Returns ``url``, ``title``, ``category``, ``updated_on`` ("YYYY-MM-DD" or None),
    ``views`` (int or None), ``lede``, ``body`` (paragraphs separated by a blank
    line), ``images`` ([{"src", "caption"}]), ``author``, ``source`` (a source credit:
    "Nguồn: …", "Theo …", its label dropped), ``problems`` (names of the fields not
    found, plus ``truncated`` when the page ends before the article does),
    ``doubtful`` (fields found but implausible: :mod:`hgcrawler.read.plausibility`),
    ``doubts`` (why, per field), ``rules`` (which rule found the author, the source,
    the end of the article…) and ``render_hint`` (why a browser might help, or None).

    Raises :class:`NotAnArticle` for pages that are not article pages.
    """
    root = parse_html(html, encoding)
    base_href = root.xpath("//base/@href")
    base_url = urljoin(url, str(base_href[0])) if base_href else url
    blocks = page_blocks(root)
    matcher = _matcher(labels)
    page_title = _page_title(root)

    meta_indexes = _meta_indexes(blocks, matcher, fold(page_title))
    if not meta_indexes:
        looks = any(
            b.kind == "text"
            and _end_marker_at(b) is not None
            and b.folded.startswith(END_MARKERS[0])
            for b in blocks
        )
        raise NotAnArticle(
            f"no {labels.describe()} line: not an article page", looks_like_article=looks
        )
    # the article's own meta line: the first that is not mostly a link (a box of other
    # articles before the article, "Xem nhiều" with their counts, is links)
    first = next((i for i in meta_indexes if blocks[i].link_density <= 0.5), meta_indexes[0])
    meta_text, meta_index, meta_end = _parse_meta(blocks, first, matcher)
    later = [i for i in meta_indexes if i > meta_end + 1]
    if len(later) >= 2 and not _text_between(blocks, meta_end + 1, later[0]):
        raise NotAnArticle(f"{len(later) + 1} meta lines: a listing page, not an article")

    updated_on = _date_from_meta(meta_text, matcher)
    views, views_label = _views_from_meta(meta_text, matcher)

    link_texts = _LinkTexts(root)
    title_index, title = _find_title(blocks, meta_index, page_title, link_texts)
    category = _find_category(blocks, title_index if title_index is not None else meta_index, title)
    byline_rules = _byline_rules(labels.author, labels.source)
    credits = _Credits()
    images: list[dict[str, str]] = []
    pending_image: Block | None = None
    texts: list[Block] = []
    linked_names: list[Block] = []
    region, end_rule = _article_region(
        blocks, meta_end + 1, _end_headings(labels.end_headings), template, byline_rules
    )
    closing = False  # a labelled byline or a "Nguồn:" line was seen after the text
    for block in region:
        if block.kind == "image":
            if closing:
                end_rule = "byline"
                break
            if _keep_image(block):
                pending_image = block
                images.append({"src": urljoin(base_url, block.src), "caption": ""})
            continue
        if block.kind != "text":
            continue
        if _is_tool(block) or IMAGE_FILE_NAME.match(block.text):
            continue
        if pending_image is not None:
            image, pending_image = pending_image, None
            if _is_caption(block, image):
                images[-1]["caption"] = block.text
                continue
        if block.link_density > 0.7 and len(block.text) < 200:
            if len(texts) >= 2 and _linked_name(block):
                # a name linked to its author page: the byline when it ends the text
                # (_tail_credits), else dropped below like any other link line
                linked_names.append(block)
                texts.append(block)
            continue  # a link list or a stray navigation line inside the content area
        if len(texts) >= 2:
            labelled = author_credit(block.text, byline_rules) is not None or (
                source_credit(block.text, byline_rules, tail=False) is not None
            )
            is_credit = (
                labelled
                or source_credit(block.text, byline_rules, tail=True) is not None
                or photo_credit(block.text)
            )
            if closing and not is_credit:
                if not _is_article_text(block, template):
                    end_rule = "byline"
                    break
                closing = False  # more text: the credit was inside ("Nguồn: Cục Thống kê")
            closing = closing or labelled
        texts.append(block)

    _head_credits(texts, credits, byline_rules)
    _tail_credits(texts, credits, byline_rules)
    if linked_names:
        dropped = {id(block) for block in linked_names}
        texts = [block for block in texts if id(block) not in dropped]
    lede = texts[0].text if texts else ""
    paragraphs = [block.text for block in texts[1:]]
    rules: dict[str, str] = {"end": end_rule, **credits.rules}
    record: dict[str, Any] = {
        "url": url,
        "title": title,
        "category": category,
        "updated_on": updated_on.isoformat() if updated_on else None,
        "views": views,
        "lede": lede,
        "body": "\n\n".join(paragraphs),
        "images": images,
        "author": credits.author or None,
        "source": credits.source or None,
    }
    for name, css in labels.selectors:
        selected = _selected(root, css)
        rules[name] = f"selector:{css}" + ("" if selected else " (selects nothing)")
        if name in ("author", "source") and selected:
            found = (
                author_credit(selected, byline_rules)
                if name == "author"
                else source_credit(selected, byline_rules, tail=True)
            )
            selected = found[0] if found else selected
            # the line the selector names is not the article's text
            record["body"] = "\n\n".join(
                p for p in record["body"].split("\n\n") if p and selected not in p
            )
        record[name] = selected or (None if name in ("author", "source") else "")
    problems = []
    for name in ("title", "category", "updated_on", "views", "lede", "body", "author"):
        if record[name] in (None, ""):
            problems.append(name)
    if _looks_truncated(html, blocks, meta_end):
        problems.append("truncated")
    record["problems"] = problems
    doubts = record_doubts(record, site_labels=(*labels.date, *labels.views), today=today)
    record["doubtful"] = sorted(doubts)
    record["doubts"] = doubts
    record["rules"] = rules
    record["render_hint"] = None
    if views is None and views_label:
        record["render_hint"] = "view counter label without a number"
    elif not paragraphs and not lede:
        record["render_hint"] = "no article text in the static HTML"
    return record


def template_texts(html: str | bytes, encoding: str | None = None) -> frozenset[str]:
    """The folded texts of a page's text blocks: what :mod:`hgcrawler.read.pagetemplate`
    learns a site's template from."""
    try:
        root = parse_html(html, encoding)
    except NotAnArticle:
        return frozenset()
    return frozenset(block.folded for block in page_blocks(root) if block.kind == "text")


def _looks_truncated(html: str | bytes, blocks: list[Block], meta_end: int) -> bool:
    """True when the article never reaches its end (comments / form) and the HTML is cut off."""
    tail = html[-2000:] if isinstance(html, str) else html[-2000:].decode("latin-1")
    if "</html" in tail.lower() or "</body" in tail.lower():
        return False
    return not any(
        b.kind == "form" or (b.kind == "text" and _end_marker_at(b) is not None)
        for b in blocks[meta_end + 1 :]
    )
