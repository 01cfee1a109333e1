"""JavaScript rendering through scrapy-playwright and Debian's Chromium, on demand only.

The spider fetches every page with Scrapy's plain HTTP client. Only an article
page whose static HTML lacks what it should hold (a view-count label with no
number, or no text at all) is fetched again in headless Chromium, and most of
those only until the crawler has learned where their counter comes from
(:mod:`hgcrawler.fetch.counters`). This module holds the Scrapy settings that wire
scrapy-playwright in, what is done inside a rendered page (:class:`ResponseWatch`
records the requests that may bring the counter; :func:`wait_for_counter` waits
for the number, not for the page's load), and the browser's memory accounting.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from hgcrawler.config import RenderConfig
from hgcrawler.fetch.counters import MAX_COUNTER_BODY, SeenResponse
from hgcrawler.read.text import fold

logger = logging.getLogger(__name__)

#: scrapy-playwright's handler, each request on its host's turn (hgcrawler.fetch.pace)
PLAYWRIGHT_HANDLER = "hgcrawler.fetch.browser.PacedPlaywrightDownloadHandler"
CHROMIUM_ARGS = [
    "--blink-settings=imagesEnabled=false",  # no image is even requested
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Resources a rendered page does not need to fill its counter.
BLOCKED_RESOURCE_TYPES = frozenset(("image", "media", "font", "stylesheet"))

#: Requests of a rendered page whose answers are kept (to learn a counter endpoint from).
WATCHED_RESOURCE_TYPES = frozenset(("xhr", "fetch", "other"))
#: Seconds given to a page's script after its counter request failed, before giving up.
SETTLE_SECONDS = 0.3
#: How often (ms) the page is checked for its number.
POLL_MS = 50

_JS_REGEX_SPECIALS = frozenset("\\^$.|?*+()[]{}/-")


def _label_regex(label: str) -> str:
    """A JavaScript regular expression matching ``label`` with or without its accents."""
    parts: list[str] = []
    for char in " ".join(label.split()):
        if char == " ":
            parts.append(r"\s+")
            continue
        base = fold(char)
        if base != char.lower():
            parts.append(f"[{char}{base}]")
        else:
            parts.append("\\" + char if char in _JS_REGEX_SPECIALS else char)
    return "".join(parts)


def counter_filled_js(labels: Sequence[str]) -> str:
    """A page function: true once the page shows a number after one of the view-count
    ``labels`` (``config.site.labels.views``), case- and accent-insensitively."""
    alternatives = "|".join(_label_regex(label) for label in labels if label.strip())
    pattern = f"(?:{alternatives})\\s*:?\\s*\\[?\\s*\\d"
    return (
        "() => {\n"
        '  const text = (document.body ? document.body.innerText : "").normalize("NFC");\n'
        f'  return new RegExp({json.dumps(pattern)}, "i").test(text);\n'
        "}"
    )


def playwright_settings(config: RenderConfig) -> dict[str, Any]:
    """Scrapy settings that route ``meta["playwright"]`` requests through Chromium.

    Requests without that meta key still go through Scrapy's own HTTP client.
    """
    return {
        "DOWNLOAD_HANDLERS": {"http": PLAYWRIGHT_HANDLER, "https": PLAYWRIGHT_HANDLER},
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {
            "executable_path": config.chromium_path,
            "headless": True,
            "args": chromium_args(),
        },
        "PLAYWRIGHT_MAX_CONTEXTS": 1,
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": config.max_pages,
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": config.navigation_timeout_ms,
        "PLAYWRIGHT_ABORT_REQUEST": "hgcrawler.fetch.rendering.should_abort_request",
        "PLAYWRIGHT_BROWSER_PROVIDER": "hgcrawler.fetch.browser.LazyBrowserProvider",
    }


def chromium_args(euid: int | None = None) -> list[str]:
    """Chromium's flags. Its sandbox stays on, except as root, where Chromium refuses
    to start with it (run crawls as an ordinary user to keep page scripts sandboxed)."""
    euid = os.geteuid() if euid is None else euid
    return [*CHROMIUM_ARGS, "--no-sandbox"] if euid == 0 else list(CHROMIUM_ARGS)


def should_abort_request(request: Any) -> bool:
    """Playwright route filter: skip images, fonts, media and stylesheets."""
    return str(getattr(request, "resource_type", "")) in BLOCKED_RESOURCE_TYPES


def child_pids(pid: int) -> list[int]:
    """The child processes of ``pid``, whichever of its threads started them."""
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found.extend(int(p) for p in handle.read().split())
        except (OSError, ValueError):
            continue
    return found


def pss_bytes(pid: int) -> int:
    """Proportional set size: shared pages split between the processes sharing them."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return 0


def _command(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().split(b"\0")[0].decode("utf-8", "replace")
    except OSError:
        return ""


def browser_rss_bytes(root_pid: int | None = None) -> int:
    """Memory (PSS) of every Chromium process descended from ``root_pid`` (this process)."""
    total = 0
    stack = child_pids(root_pid or os.getpid())
    while stack:
        pid = stack.pop()
        stack.extend(child_pids(pid))
        if "chrom" in Path(_command(pid)).name:
            total += pss_bytes(pid)
    return total


# --------------------------------------------------------------------------- inside a page


class ResponseWatch:
    """Watches one rendered page's requests (scrapy-playwright's page event handlers).

    Keeps the answers of the page's same-site XHR/fetch requests (to learn a counter
    endpoint from, :func:`hgcrawler.fetch.counters.learn_endpoint`) and tells when the
    page's *counter request* has failed: a request to ``expected_url`` (the learned
    endpoint for this page), or an XHR/fetch whose path or query holds one of
    ``tokens`` (the article's id, as found in the counter area).
    """

    def __init__(self, page_url: str, tokens: Sequence[str] = (), expected_url: str | None = None):
        self.host = urlsplit(page_url).netloc
        self.tokens = [t for t in tokens if t]
        self.expected_url = expected_url
        self.responses: list[SeenResponse] = []
        self.counter_requests = 0
        self.failed: list[str] = []  # "URL: why" of failed counter requests
        self.gave_up = asyncio.Event()  # a counter request failed and none is in flight
        self._in_flight: set[int] = set()
        self._reads = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def handlers(self) -> dict[str, Callable[..., Any]]:
        """For ``meta["playwright_page_event_handlers"]``."""
        return {
            "request": self.on_request,
            "response": self.on_response,
            "requestfailed": self.on_failed,
        }

    def _same_site(self, url: str) -> bool:
        return urlsplit(url).netloc == self.host

    def _is_counter_request(self, request: Any) -> bool:
        url = str(request.url)
        if url == self.expected_url:
            return True
        if str(request.resource_type) not in ("xhr", "fetch") or not self._same_site(url):
            return False
        parts = urlsplit(url)
        where = parts.path + "?" + parts.query
        return any(token in where for token in self.tokens)

    def on_request(self, request: Any) -> None:
        if self._is_counter_request(request):
            self.counter_requests += 1
            self._in_flight.add(id(request))

    async def on_response(self, response: Any) -> None:
        """A failed counter request is known from its status at once; the answers of
        watched requests are read (one more round trip to the driver) only when 200."""
        request = response.request
        status = int(response.status)
        if 300 <= status < 400:
            return  # its redirect is another request
        counter = id(request) in self._in_flight
        if counter and not 200 <= status < 300:
            self._done(request, f"HTTP {status}")
        resource_type = str(request.resource_type)
        if resource_type not in WATCHED_RESOURCE_TYPES or not self._same_site(request.url):
            return
        body: str | None = None
        if status == 200:
            self._reads += 1
            self._idle.clear()
            try:
                raw = await response.body()
                if len(raw) <= MAX_COUNTER_BODY:
                    body = raw.decode("utf-8", "replace")
            except Exception:  # the page was closed under us: no answer kept
                body = None
            finally:
                self._reads -= 1
                if not self._reads:
                    self._idle.set()
        seen = SeenResponse(str(request.url), status, resource_type, body, str(request.method))
        self.responses.append(seen)
        if counter and status == 200:
            self._done(request, None)

    def on_failed(self, request: Any) -> None:
        if id(request) in self._in_flight:
            self._done(request, str(getattr(request, "failure", None) or "failed"))

    def _done(self, request: Any, failure: str | None) -> None:
        self._in_flight.discard(id(request))
        if failure is not None:
            self.failed.append(f"{request.url}: {failure}")
        if self.failed and not self._in_flight:
            self.gave_up.set()

    async def settled(self, timeout: float = 1.0) -> None:
        """Until the answers being read are kept (at most ``timeout`` seconds)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), timeout)


def _retrieve(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()  # read, so that a closed page's error is not reported as lost


async def wait_for_counter(
    page: Any, watch: ResponseWatch, script: str, wait_ms: int, settle: float = SETTLE_SECONDS
) -> bool:
    """Wait until the page shows its number (``script``, :func:`counter_filled_js`).

    Gives up after ``wait_ms``, or ``settle`` seconds after the page's own counter
    request failed (then the number will not come). True when the number is there.
    """
    filled = asyncio.ensure_future(page.wait_for_function(script, polling=POLL_MS, timeout=wait_ms))
    filled.add_done_callback(_retrieve)
    gave_up = asyncio.ensure_future(watch.gave_up.wait())
    try:
        done, _ = await asyncio.wait({filled, gave_up}, return_when=asyncio.FIRST_COMPLETED)
        if filled not in done:
            done, _ = await asyncio.wait({filled}, timeout=settle)
        return filled in done and filled.exception() is None
    finally:
        gave_up.cancel()
