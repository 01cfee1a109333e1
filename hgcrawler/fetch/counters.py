"""Script-filled view counters: which template a page is, and where its number comes from.

Some article templates leave the number after the view-count label empty and let
a script fill it in: an inline script or an external one asks a small endpoint
(a handler answering the bare number, a JSON API) for this article's count.
Rendering such a page in a browser costs ~20 plain requests, so the crawler
learns, per *template*, which request brings the number and asks it directly.

Everything here is pure (no network, no Scrapy, no browser), tested on strings:

- :func:`find_counter_area` finds the view-count label in a page's static HTML
  and describes the markup right after it: its *shape* (tag names and attribute
  names, never values) and the page's own external scripts make the template's
  key. Class names and ids are not trusted, only their presence.
- :func:`learn_endpoint` takes what the browser fetched while rendering a page
  (:class:`SeenResponse`) and the number the rendered page shows, and finds the
  response that carried that number; its URL is generalised into a
  :class:`CounterEndpoint` by finding each of its variable parts in the counter
  area (anchored on the text right before it, e.g. ``data-itemid="``) or in the
  page's URL. Applied to the same page it must give back the same URL.
- :class:`TemplateBook` keeps, per template, the decision (endpoint, render, or
  no counter at all) and its evidence, says what to do with the next page of a
  template (:meth:`TemplateBook.plan`), and updates itself from each rendering
  (:meth:`TemplateBook.after_render`). Its documents are stored in the archive
  between crawls.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html as html_lib
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from hgcrawler.read.text import fold, nfc, parse_view_count

__all__ = [
    "CounterArea",
    "CounterEndpoint",
    "CounterReader",
    "Plan",
    "SeenResponse",
    "Template",
    "TemplateBook",
    "TokenSource",
    "find_counter_area",
    "learn_endpoint",
    "read_count",
]

#: Markup after the label that may hold the counter and the script that fills it.
AREA_CHARS = 1500
#: Opening tags after the label that make the counter area's shape.
SHAPE_TAGS = 3
#: Elements whose start or end closes the counter area.
BLOCK_TAGS = frozenset(
    (
        "address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "footer",
        "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav",
        "ol", "p", "section", "table", "tbody", "td", "th", "thead", "tr", "ul",
    )
)  # fmt: skip
#: Elements whose text is not text.
RAW_TEXT_TAGS = frozenset(("script", "style"))
#: Response bodies larger than this are not a counter.
MAX_COUNTER_BODY = 64 * 1024
#: The shortest digit run taken for an id.
MIN_ID_DIGITS = 3
#: Longest anchor kept before a token.
MAX_ANCHOR = 40

_TAG = re.compile(r"<(/?)([a-zA-Z][\w:-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>|([^<]+)|(<)")
_ATTRIBUTE = re.compile(r"([^\s=/\"']+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+)))?")
_SCRIPT_SRC = re.compile(r"<script\b[^>]*?\bsrc\s*=\s*[\"']?([^\"'\s>]+)", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")
_NUMBER_ONLY = re.compile(r"\d{1,3}(?:[.,\u00a0\u202f ]\d{3})+|\d+")
_ANCHOR_STOP = frozenset(" \t\r\n<>")


# --------------------------------------------------------------------------- the counter area


@dataclass(frozen=True)
class CounterArea:
    """The markup after a page's view-count label, and what identifies its template."""

    page_url: str
    markup: str  # NFC markup from the end of the label to the end of its block
    shape: str  # e.g. "span[class,data-itemid] script[src,type]"
    scripts: tuple[str, ...]  # the page's own external scripts (paths, digits as #)

    @property
    def key(self) -> str:
        """The template's key: a hash of the shape and the script set."""
        text = self.shape + "\n" + "\n".join(self.scripts)
        return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]

    def tokens(self) -> list[str]:
        """Id-like digit runs of the area's attribute values and of the page's URL path:
        a request whose URL holds one is likely this page's counter request."""
        texts = [
            value
            for match in _TAG.finditer(self.markup)
            if match.group(2) and not match.group(1)
            for _, value in _attributes(match.group(3) or "")
        ]
        texts.append(urlsplit(self.page_url).path)
        found: list[str] = []
        for text in texts:
            for run in _DIGITS.findall(text):
                if len(run) >= MIN_ID_DIGITS and run not in found:
                    found.append(run)
        return found


def _label_position(page: str, labels: Sequence[str]) -> int | None:
    """Where the first view-count label ends in ``page`` (NFC), accent- and case-blind."""
    folded = fold(page)
    best: int | None = None
    for label in labels:
        target = fold(label)
        if not target:
            continue
        start = folded.find(target)
        if start >= 0 and (best is None or start + len(target) < best):
            best = start + len(target)
    return best


def _attributes(text: str) -> list[tuple[str, str]]:
    pairs = []
    for match in _ATTRIBUTE.finditer(text):
        value = next((g for g in match.groups()[1:] if g is not None), "")
        pairs.append((match.group(1).lower(), value))
    return pairs


def _area_markup_and_shape(after: str) -> tuple[str, str]:
    """The markup up to the end of the label's block, and the shape of what follows it.

    The shape lists the opening tags (name and attribute names) and whether a number
    or words come first; punctuation, closing tags and script text do not count.
    """
    shape: list[str] = []
    shape_done = False
    end = len(after)
    position = 0
    while position < len(after):
        match = _TAG.match(after, position)
        if match is None:  # pragma: no cover - the pattern matches any character
            break
        position = match.end()
        closing, name, attrs, text, _lone = match.groups()
        if name is not None:
            tag = name.lower()
            if tag in BLOCK_TAGS or tag == "br":
                end = match.start()
                break
            if tag in RAW_TEXT_TAGS and not closing:  # skip to its end tag
                close = after.lower().find(f"</{tag}", position)
                position = len(after) if close < 0 else close
            if closing or shape_done:
                continue
            names = sorted({attribute for attribute, _ in _attributes(attrs or "")})
            shape.append(f"{tag}[{','.join(names)}]")
            shape_done = len(shape) >= SHAPE_TAGS
        elif text is not None and not shape_done:
            visible = html_lib.unescape(text)
            if any(ch.isdigit() for ch in visible):
                shape.append("#")
                shape_done = True
            elif any(ch.isalpha() for ch in visible):
                shape_done = True
    return after[:end], " ".join(shape)


def _page_scripts(page: str, page_url: str) -> tuple[str, ...]:
    host = urlsplit(page_url).hostname
    found = set()
    for src in _SCRIPT_SRC.findall(page):
        url = urlsplit(urljoin(page_url, html_lib.unescape(src)))
        if url.hostname != host:
            continue
        found.add(_DIGITS.sub("#", url.path))
    return tuple(sorted(found))


def find_counter_area(page: str, page_url: str, labels: Sequence[str]) -> CounterArea | None:
    """The counter area of a page's static HTML; None when no view-count label is there."""
    page = nfc(page)
    end = _label_position(page, labels)
    if end is None:
        return None
    markup, shape = _area_markup_and_shape(page[end : end + AREA_CHARS])
    return CounterArea(
        page_url=page_url,
        markup=markup,
        shape=shape or "-",
        scripts=_page_scripts(page, page_url),
    )


# --------------------------------------------------------------------------- reading a count


@dataclass(frozen=True)
class CounterReader:
    """How an endpoint's answer holds the count: the bare number, or a JSON value."""

    kind: str  # "number" | "json"
    path: tuple[str | int, ...] = ()

    def read(self, body: str) -> int | None:
        if self.kind == "number":
            return read_count(body)
        try:
            value: Any = json.loads(body)
        except ValueError:
            return None
        for step in self.path:
            try:
                value = value[step]
            except (KeyError, IndexError, TypeError):
                return None
        return _json_count(value)

    def to_doc(self) -> dict[str, Any]:
        return {"kind": self.kind, "path": list(self.path)}

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> CounterReader:
        return cls(kind=str(doc["kind"]), path=tuple(doc.get("path") or ()))


def read_count(body: str) -> int | None:
    """The count of a body that is nothing but a number (tags and spaces aside).

    >>> read_count(" 1.234\\n"), read_count("<span>361</span>"), read_count("361 lượt")
    (1234, 361, None)
    """
    text = " ".join(html_lib.unescape(re.sub(r"<[^>]*>", " ", body)).split())
    if not _NUMBER_ONLY.fullmatch(text):
        return None
    return parse_view_count(text)


def _json_count(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str):
        return read_count(value)
    return None


def _json_paths(
    value: Any, count: int, path: tuple[str | int, ...] = ()
) -> Iterator[tuple[Any, ...]]:
    if len(path) > 5:
        return
    if _json_count(value) == count:
        yield path
    elif isinstance(value, dict):
        for key, child in list(value.items())[:100]:
            yield from _json_paths(child, count, (*path, str(key)))
    elif isinstance(value, list):
        for index, child in enumerate(value[:100]):
            yield from _json_paths(child, count, (*path, index))


def _reader_for(body: str, count: int, tokens: Iterable[str]) -> CounterReader | None:
    """How ``body`` holds ``count``; None when it does not, or not unambiguously."""
    if read_count(body) == count:
        return CounterReader("number")
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if str(count) in set(tokens):
        return None  # {"id": 361, "views": 361}: which one is the count cannot be told
    paths = list(_json_paths(data, count))
    return CounterReader("json", paths[0]) if len(paths) == 1 else None


# --------------------------------------------------------------------------- endpoints


@dataclass(frozen=True)
class TokenSource:
    """Where one variable part of an endpoint's URL is found on a page.

    ``markup``: in the counter area, right after the text ``left``
    (``data-itemid="``, ``id="luot-xem-``); ``url``: the ``index``-th digit run of
    the page URL's path (negative: from the end).
    """

    kind: str  # "markup" | "url"
    left: str = ""
    pattern: str = r"\d+"
    index: int = -1

    def find(self, area: CounterArea) -> str | None:
        if self.kind == "url":
            runs = [r for r in _DIGITS.findall(urlsplit(area.page_url).path)]
            try:
                return runs[self.index]
            except IndexError:
                return None
        at = area.markup.find(self.left)
        while at >= 0:
            match = re.compile(self.pattern).match(area.markup, at + len(self.left))
            if match:
                return match.group(0)
            at = area.markup.find(self.left, at + 1)
        return None

    def to_doc(self) -> dict[str, Any]:
        return {"kind": self.kind, "left": self.left, "pattern": self.pattern, "index": self.index}

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> TokenSource:
        return cls(
            kind=str(doc["kind"]),
            left=str(doc.get("left") or ""),
            pattern=str(doc.get("pattern") or r"\d+"),
            index=int(doc.get("index", -1)),
        )


@dataclass(frozen=True)
class CounterEndpoint:
    """A learned counter endpoint: a same-site URL with the page's tokens put in."""

    url: str  # path and query; "{0}", "{1}"... where the tokens go, literal braces doubled
    tokens: tuple[TokenSource, ...]
    reader: CounterReader

    def url_for(self, area: CounterArea) -> str | None:
        """The endpoint's URL for a page; None when a token is not on the page."""
        values = []
        for source in self.tokens:
            value = source.find(area)
            if value is None:
                return None
            values.append(value)
        return urljoin(area.page_url, self.url.format(*values))

    def to_doc(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "tokens": [t.to_doc() for t in self.tokens],
            "reader": self.reader.to_doc(),
        }

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> CounterEndpoint:
        return cls(
            url=str(doc["url"]),
            tokens=tuple(TokenSource.from_doc(t) for t in doc.get("tokens") or ()),
            reader=CounterReader.from_doc(doc["reader"]),
        )


@dataclass(frozen=True)
class SeenResponse:
    """One response the browser received while rendering a page."""

    url: str
    status: int
    resource_type: str  # playwright's: "xhr", "fetch", "script", "document"...
    body: str | None  # None when not read (too large, not text, failed)
    method: str = "GET"


def _anchor(markup: str, at: int) -> str:
    """The text right before position ``at``: back to a space or a tag boundary."""
    start = at
    while start > 0 and at - start < MAX_ANCHOR and markup[start - 1] not in _ANCHOR_STOP:
        start -= 1
    if at - start < 3:  # "<span>361" : anchor on the whole tag before it
        tag = markup.rfind("<", 0, at)
        if tag >= 0 and at - tag <= MAX_ANCHOR:
            start = tag
    return markup[start:at]


def _source_for(token: str, area: CounterArea) -> TokenSource | None:
    """Where ``token`` is on the page, anchored so that it is found again there."""
    if token.isdigit():
        pattern, bounded = r"\d+", re.compile(r"(?<!\d)" + token + r"(?!\d)")
    else:
        pattern, bounded = (
            r"[\w.~-]+",
            re.compile(r"(?<![\w.~-])" + re.escape(token) + r"(?![\w.~-])"),
        )
    for match in bounded.finditer(area.markup):
        left = _anchor(area.markup, match.start())
        if not left:
            continue
        source = TokenSource("markup", left=left, pattern=pattern)
        if source.find(area) == token:
            return source
    if token.isdigit():
        runs = _DIGITS.findall(urlsplit(area.page_url).path)
        for index in range(-1, -len(runs) - 1, -1):
            if runs[index] == token:
                return TokenSource("url", pattern=pattern, index=index)
    return None


def _variable_parts(url: str) -> Iterator[tuple[int, int]]:
    """(start, end) of the parts of a path+query that may come from the page:
    digit runs of the path, query values with a digit or of 8+ characters."""
    path, _, query = url.partition("?")
    for match in _DIGITS.finditer(path):
        if len(match.group(0)) >= MIN_ID_DIGITS:
            yield match.start(), match.end()
    offset = len(path) + 1
    for part in query.split("&") if query else ():
        name, equals, value = part.partition("=")
        if equals and value and (any(ch.isdigit() for ch in value) or len(value) >= 8):
            start = offset + len(name) + 1
            yield start, start + len(value)
        offset += len(part) + 1


def _generalise(url: str, area: CounterArea) -> CounterEndpoint | None:
    """``url`` (absolute, same site) with the page's tokens replaced by their sources."""
    page, found = urlsplit(area.page_url), urlsplit(url)
    if found.hostname != page.hostname or found.port != page.port or found.fragment:
        return None
    relative = found.path + (f"?{found.query}" if found.query else "")
    template, last = "", 0
    sources: list[TokenSource] = []
    for start, end in _variable_parts(relative):
        source = _source_for(relative[start:end], area)
        if source is None:
            continue  # a constant part of the endpoint (a module id, a version)
        template += _escape_braces(relative[last:start]) + "{" + str(len(sources)) + "}"
        sources.append(source)
        last = end
    if not sources:
        return None  # nothing page-specific: it cannot be this page's counter
    template += _escape_braces(relative[last:])
    return CounterEndpoint(template, tuple(sources), CounterReader("number"))


def _escape_braces(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def learn_endpoint(
    area: CounterArea, count: int, responses: Sequence[SeenResponse]
) -> CounterEndpoint | None:
    """The endpoint that brought ``count`` (what the rendered page shows), generalised;
    None when no same-site GET answered it in a way that generalises to other pages."""
    tokens = area.tokens()
    for seen in responses:
        if seen.method.upper() != "GET" or seen.status != 200 or seen.body is None:
            continue
        if seen.resource_type not in ("xhr", "fetch", "other") or len(seen.body) > MAX_COUNTER_BODY:
            continue
        reader = _reader_for(seen.body, count, tokens)
        if reader is None:
            continue
        endpoint = _generalise(seen.url, area)
        if endpoint is None:
            continue
        endpoint = CounterEndpoint(endpoint.url, endpoint.tokens, reader)
        if endpoint.url_for(area) == seen.url:
            return endpoint
    return None


# --------------------------------------------------------------------------- decisions


@dataclass(frozen=True)
class Plan:
    """What to do with a page of a template.

    ``kind``: ``endpoint`` (ask the learned endpoint; ``verify``: render it too and
    compare), ``render``, ``wait`` (a rendering that decides for the template is
    under way: hold the page until it ends), ``absent`` (the template has no
    counter that ever fills: store the page without a count). ``probe``: this
    page's rendering decides for the template; pages of the template wait for it.
    """

    kind: str
    verify: bool = False
    probe: bool = False


#: A template's evidence counters, kept between crawls.
EVIDENCE_FIELDS = (
    "renders",
    "renders_with_count",
    "unlearned",
    "unfilled_streak",
    "endpoint_answers",
    "endpoint_failures",
    "agreements",
    "disagreements",
)


@dataclass
class Template:
    """One template's decision and its evidence (``waiting``, ``probing``, ``trusted``,
    ``uses`` and ``verified`` are this crawl's; the rest is kept between crawls)."""

    key: str
    shape: str
    scripts: tuple[str, ...]
    endpoint: CounterEndpoint | None = None
    absent: bool = False
    version: int = 0  # bumped whenever the endpoint changes in this crawl
    learned_from: str | None = None
    learned_at: dt.datetime | None = None
    renders: int = 0
    renders_with_count: int = 0
    unlearned: int = 0  # renders that showed a count no endpoint could be learned from
    unfilled_streak: int = 0  # renders in a row whose counter stayed empty, no request failed
    endpoint_answers: int = 0
    endpoint_failures: int = 0
    agreements: int = 0
    disagreements: int = 0
    broken: list[dict[str, Any]] = field(default_factory=list)
    # this crawl only
    trusted: bool = False  # its endpoint agreed with enough renderings in this crawl
    agreed: int = 0  # renderings that agreed with the endpoint in this crawl
    probing: bool = False  # a rendering that decides for the template is under way
    uses: int = 0
    verified: int = 0
    waiting: list[Any] = field(default_factory=list)
    failures: int = 0  # endpoint answers that failed in this crawl
    failures_rendered: int = 0  # ...sent to the browser to see whether it fails too
    confirmed_failures: int = 0  # ...and whose rendering failed the same way
    held_failures: list[Any] = field(default_factory=list)  # failed, waiting for the next answer

    @property
    def decision(self) -> str:
        if self.endpoint is not None:
            return "endpoint"
        return "absent" if self.absent else "render"

    def to_doc(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "shape": self.shape,
            "scripts": list(self.scripts),
            "decision": self.decision,
            "endpoint": self.endpoint.to_doc() if self.endpoint else None,
            "learned_from": self.learned_from,
            "learned_at": self.learned_at,
            **{name: getattr(self, name) for name in EVIDENCE_FIELDS},
            "broken": self.broken[-5:],
        }

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Template:
        endpoint = doc.get("endpoint")
        template = cls(
            key=str(doc["key"]),
            shape=str(doc.get("shape") or ""),
            scripts=tuple(doc.get("scripts") or ()),
            endpoint=CounterEndpoint.from_doc(endpoint) if endpoint else None,
            absent=doc.get("decision") == "absent",
            learned_from=doc.get("learned_from"),
            learned_at=doc.get("learned_at"),
            broken=list(doc.get("broken") or []),
        )
        for name in EVIDENCE_FIELDS:
            setattr(template, name, int(doc.get(name) or 0))
        return template


@dataclass
class RenderResult:
    """What a rendering of a page of a template showed, for :meth:`TemplateBook.after_render`."""

    count: int | None  # the number the rendered page shows
    learned: CounterEndpoint | None = None  # the endpoint learned from this rendering
    counter_request_failed: bool = False  # the browser's request for the counter failed
    endpoint_count: int | None = None  # what the endpoint answered for this page
    endpoint_failed: str | None = None  # why asking the endpoint failed, if it did
    endpoint_version: int | None = None  # the template's version when the endpoint was asked
    probe: bool = False
    page_url: str = ""


#: Renderings in a row agreeing with an endpoint before its checks are halved.
AGREEMENTS_PER_DOUBLING = 10


class TemplateBook:
    """Per-template decisions for one crawl, loaded from and saved to the archive."""

    def __init__(
        self,
        docs: Iterable[dict[str, Any]] = (),
        *,
        verify_first: int = 3,
        verify_every: int = 20,
        verify_max: int = 160,
        absent_after: int = 3,
        learn_attempts: int = 3,
    ) -> None:
        self.verify_first = verify_first
        self.verify_every = verify_every
        self.verify_max = max(verify_max, verify_every)
        self.absent_after = absent_after
        self.learn_attempts = learn_attempts
        self.templates: dict[str, Template] = {}
        for doc in docs:
            template = Template.from_doc(doc)
            self.templates[template.key] = template

    def template(self, area: CounterArea) -> Template:
        key = area.key
        found = self.templates.get(key)
        if found is None:
            found = self.templates[key] = Template(key, area.shape, area.scripts)
        return found

    def plan(self, template: Template) -> Plan:
        """What to do with the next page of ``template`` (and count it).

        An endpoint known from earlier crawls is trusted once ``verify_first`` pages
        in a row, asked there and rendered one after the other, agreed (pages of the
        template wait meanwhile); one learned in this crawl at once (the rendering's
        number came from it), its next ``verify_first`` pages rendered too. Then one
        page in :meth:`verify_interval` is rendered as well.
        """
        if template.endpoint is not None:
            if not template.trusted and self.verify_first == 0:
                template.trusted = True
            if template.trusted:
                template.uses += 1
                verify = (
                    template.verified < self.verify_first
                    or template.uses % self.verify_interval(template) == 0
                )
                if verify:
                    template.verified += 1
                return Plan("endpoint", verify=verify)
            if template.probing:
                return Plan("wait")
            template.probing = True
            template.uses += 1
            template.verified += 1
            return Plan("endpoint", verify=True, probe=True)
        if template.absent:
            template.uses += 1
            return Plan("render") if template.uses % self.verify_every == 0 else Plan("absent")
        if template.probing:
            return Plan("wait")
        if template.unlearned >= self.learn_attempts:
            return Plan("render")  # counts come, nothing to learn them from: render each page
        template.probing = True
        return Plan("render", probe=True)

    def verify_interval(self, template: Template) -> int:
        """One page in this many of a trusted endpoint is also rendered: ``verify_every``,
        doubled after every ``AGREEMENTS_PER_DOUBLING`` renderings in a row that agreed
        with it in this crawl, up to ``verify_max``; back to ``verify_every`` after a
        disagreement (which breaks the endpoint). An endpoint that keeps agreeing costs
        fewer renderings; a failing answer is rendered at once whatever the interval."""
        doublings = template.agreed // AGREEMENTS_PER_DOUBLING
        return min(self.verify_every << min(doublings, 16), self.verify_max)

    def endpoint_answered(self, template: Template, failed: bool) -> None:
        if failed:
            template.endpoint_failures += 1
            template.failures += 1
        else:
            template.endpoint_answers += 1

    def after_failure(self, template: Template) -> str:
        """A trusted endpoint failed for a page: ``render`` it (the first failures of a
        crawl, one in ``verify_every``, and a failure right after another: a break?),
        else ``hold`` it until the template's next answer: a number then says the
        failure was the page's own, and the page is stored without a count."""
        if (
            not template.trusted
            or template.failures_rendered < self.verify_first
            or template.failures % self.verify_every == 0
            or template.held_failures
        ):
            template.failures_rendered += 1
            return "render"
        return "hold"

    def take_held_failures(self, template: Template) -> list[Any]:
        held, template.held_failures = template.held_failures, []
        return held

    def after_render(
        self, template: Template, result: RenderResult, now: dt.datetime | None = None
    ) -> list[str]:
        """Update ``template`` from a rendering; returns what changed (for the log/stats):
        ``agreed``, ``disagreed``, ``broken``, ``learned``, ``absent``, ``present``."""
        events: list[str] = []
        now = now or dt.datetime.now(dt.UTC)
        template.renders += 1
        if result.count is not None:
            template.renders_with_count += 1
            template.unfilled_streak = 0
        elif not result.counter_request_failed:
            template.unfilled_streak += 1
        current = template.endpoint is not None and result.endpoint_version == template.version
        if (
            current
            and result.endpoint_failed is not None
            and result.count is None
            and result.counter_request_failed
        ):
            template.confirmed_failures += 1  # the browser failed the same way
        asked = result.endpoint_count is not None or result.endpoint_failed is not None
        if current and asked and result.count is not None:
            if result.endpoint_count == result.count:
                template.agreements += 1
                template.agreed += 1
                if template.agreed >= self.verify_first:
                    template.trusted = True
                events.append("agreed")
            else:
                template.disagreements += 1
                said = (
                    f"endpoint said {result.endpoint_count}"
                    if result.endpoint_failed is None
                    else f"endpoint failed: {result.endpoint_failed}"
                )
                template.broken.append(
                    {
                        "at": now,
                        "url": result.page_url,
                        "endpoint": template.endpoint.to_doc() if template.endpoint else None,
                        "reason": f"{said}, the rendered page shows {result.count}",
                    }
                )
                template.broken = template.broken[-5:]
                template.endpoint = None
                template.trusted = False
                template.agreed = 0
                template.confirmed_failures = 0
                template.version += 1
                events += ["disagreed", "broken"]
        if result.learned is not None and template.endpoint is None:
            template.endpoint = result.learned
            template.trusted = True  # this rendering's number came from it
            template.agreed = 1
            template.verified = 0  # its next pages are rendered too
            template.version += 1
            template.learned_from = result.page_url
            template.learned_at = now
            template.absent = False
            template.unlearned = 0
            events.append("learned")
        elif result.count is not None and template.endpoint is None:
            template.unlearned += 1
        if result.count is not None and template.absent:
            template.absent = False
            events.append("present")
        if (
            template.endpoint is None
            and not template.absent
            and template.unfilled_streak >= self.absent_after
        ):
            template.absent = True
            events.append("absent")
        if result.probe:
            template.probing = False
        return events

    def probe_failed(self, template: Template) -> None:
        """The deciding rendering could not be done: let the next page try."""
        template.probing = False

    def take_waiting(self, template: Template) -> list[Any]:
        waiting, template.waiting = template.waiting, []
        return waiting

    def export(self) -> list[dict[str, Any]]:
        """The documents to keep in the archive (templates seen or loaded)."""
        return [t.to_doc() for t in self.templates.values()]
