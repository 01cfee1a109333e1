"""Raw responses in WARC files (ISO 28500), and where each version of an article lives.

:class:`WarcWriterMiddleware` is a Scrapy downloader middleware: every response
the crawler receives (articles, listings, robots.txt, redirects, errors) is
appended, with the request that asked for it, to
``<data_dir>/warc/<crawl_id>/hgcrawler-<crawl_id>-<NNNNN>.warc.gz`` — one gzip
member per record, a ``warcinfo`` record at the start of each file, a new file
once ``HGCRAWLER_WARC_MAX_SIZE`` bytes are reached.  The location of the
response record is put in ``request.meta["hgcrawler_warc"]`` (so in
``response.meta``): ``{"file", "offset", "length", "record_id"}``, ``file``
relative to the data directory.  The spider copies it into the item; the store
keeps it on observations and revisions.

The middleware sits at priority 650, between ``RedirectMiddleware`` (600) and
``CookiesMiddleware`` (700): it sees 3xx responses before they become new
requests, and it sees the body exactly as the server sent it, *before*
``HttpCompressionMiddleware`` (590) decodes it.  So the archive keeps the bytes
on the wire (gzip-encoded when the site gzips) with their own
``Content-Encoding``; readers (``warcio``, pywb, :func:`read_response`) decode
it.  Twisted keeps connection-control headers (``Content-Length``,
``Transfer-Encoding``, ``Connection``...) out of the response headers and has
already removed chunked framing, so the record gets ``Content-Length`` set to
the length of the recorded body; the payload digest is of that body.

Pages rendered by headless Chromium (requests with ``meta["playwright"]``) are
not bytes the server sent: they are kept as ``conversion`` records (the DOM
after JavaScript) referring to the response record of the same URL, which the
index and replay tools leave aside.

At the end of the crawl a sorted CDXJ index, ``index.cdxj``, is written next to
the files (:func:`write_index`), with file names relative to ``<data_dir>/warc``
so that a replay tool pointed at that directory finds every crawl's files.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import http
import io
import logging
import os
import socket
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.recordbuilder import RecordBuilder
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

import hgcrawler
from hgcrawler.config import HgcrawlerConfig, crawl_config

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response
    from warcio.recordloader import ArcWarcRecord

__all__ = [
    "DEFAULT_MAX_SIZE",
    "INDEX_NAME",
    "WARC_DIR",
    "ArchivedResponse",
    "RotatingWarcWriter",
    "WarcLookupError",
    "WarcWriterMiddleware",
    "crawl_directory",
    "crawl_ids",
    "read_response",
    "warc_files",
    "warc_location_text",
    "warc_root",
    "write_index",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: The sub-directory of the data directory that holds the WARC files.
WARC_DIR = "warc"
#: The CDXJ index written in each crawl's directory.
INDEX_NAME = "index.cdxj"
#: ``HGCRAWLER_WARC_MAX_SIZE`` by default: 100 MB.
DEFAULT_MAX_SIZE = 100 * 1000 * 1000
#: ISO 28500:2017.
WARC_VERSION = "1.1"
#: Where the location of the response record goes in ``request.meta``.
META_KEY = "hgcrawler_warc"

# Headers the HTTP/1.1 client handles itself and leaves out of response.headers,
# and those describing a framing the recorded body no longer has.
_FRAMING_HEADERS = frozenset({"content-length", "transfer-encoding"})


class WarcLookupError(LookupError):
    """A stored WARC location that does not lead to its record."""


def warc_root(data_dir: Path) -> Path:
    """``<data_dir>/warc``."""
    return Path(data_dir) / WARC_DIR


def crawl_directory(data_dir: Path, crawl_id: str) -> Path:
    """``<data_dir>/warc/<crawl_id>``; refuses ids that are not a plain name."""
    if not crawl_id or crawl_id in (".", "..") or "/" in crawl_id or os.sep in crawl_id:
        raise ValueError(f"not a crawl id: {crawl_id!r}")
    return warc_root(data_dir) / crawl_id


def crawl_ids(data_dir: Path) -> list[str]:
    """The crawls that have a WARC directory, oldest first (crawl ids sort by time)."""
    root = warc_root(data_dir)
    if not root.is_dir():
        return []
    return sorted(
        entry.name for entry in root.iterdir() if entry.is_dir() and not entry.name.startswith(".")
    )


def warc_files(data_dir: Path, crawl_id: str | None = None) -> list[Path]:
    """The WARC files of one crawl, or of all crawls, in writing order."""
    ids = [crawl_id] if crawl_id else crawl_ids(data_dir)
    files: list[Path] = []
    for name in ids:
        directory = crawl_directory(data_dir, name)
        if directory.is_dir():
            files.extend(sorted(directory.glob("*.warc.gz")))
    return files


def warc_location_text(doc: Mapping[str, Any] | None) -> str:
    """One line saying where a revision's or observation's raw response lives.

    >>> warc_location_text({"warc": {"file": "warc/c1/f.warc.gz", "offset": 812,
    ...     "length": 4410, "record_id": "<urn:uuid:1b2c>"}})
    'warc/c1/f.warc.gz @ 812 (+4410 bytes) <urn:uuid:1b2c>'
    >>> warc_location_text({"warc": None})
    'no WARC record'
    """
    location = (doc or {}).get("warc")
    if not isinstance(location, Mapping) or not location.get("file"):
        return "no WARC record"
    text = f"{location['file']} @ {int(location.get('offset') or 0)}"
    if location.get("length"):
        text += f" (+{int(location['length'])} bytes)"
    if location.get("record_id"):
        text += f" {location['record_id']}"
    return text


# --- writing ----------------------------------------------------------------------------


class RotatingWarcWriter:
    """Appends records to ``<directory>/<prefix>-NNNNN.warc.gz``, a new file past ``max_size``.

    Each file starts with a ``warcinfo`` record.  A request/response pair is never
    split over two files, so a file can exceed ``max_size`` by one pair.
    Not thread-safe; files are opened when first needed.
    """

    def __init__(
        self,
        directory: Path,
        prefix: str,
        max_size: int,
        *,
        relative_to: Path,
        info: Mapping[str, str] | None = None,
    ) -> None:
        if max_size < 1:
            raise ValueError("max_size must be >= 1 byte")
        self.directory = Path(directory)
        self.prefix = prefix
        self.max_size = max_size
        self.relative_to = Path(relative_to)
        self.info = dict(info or {})
        self.builder = RecordBuilder(warc_version=WARC_VERSION)
        self.files: list[Path] = []
        self.records = 0
        self._number = 0
        self._path: Path | None = None
        self._stream: IO[bytes] | None = None
        self._writer: WARCWriter | None = None
        self._warcinfo_id: str | None = None

    @property
    def path(self) -> Path | None:
        """The file being written, if any."""
        return self._path

    def _open_next(self) -> None:
        self.close()
        self.directory.mkdir(parents=True, exist_ok=True)
        while True:
            path = self.directory / f"{self.prefix}-{self._number:05d}.warc.gz"
            self._number += 1
            try:
                stream = path.open("xb")  # never append to a file from another run
            except FileExistsError:
                continue
            break
        writer = WARCWriter(stream, gzip=True, warc_version=WARC_VERSION)
        info = writer.create_warcinfo_record(path.name, self.info)
        writer.write_record(info)
        self._path, self._stream, self._writer = path, stream, writer
        self._warcinfo_id = info.rec_headers.get_header("WARC-Record-ID")
        self.files.append(path)
        logger.info("writing WARC file %s", path)

    def write(self, records: list[ArcWarcRecord]) -> list[dict[str, Any]]:
        """Write ``records`` to one file; their locations, in order."""
        if self._stream is None or self._stream.tell() >= self.max_size:
            self._open_next()
        assert self._stream is not None and self._writer is not None and self._path
        file_name = self._path.relative_to(self.relative_to).as_posix()
        locations = []
        for record in records:
            if self._warcinfo_id and record.rec_type != "warcinfo":
                record.rec_headers.replace_header("WARC-Warcinfo-ID", self._warcinfo_id)
            offset = self._stream.tell()
            self._writer.write_record(record)
            locations.append(
                {
                    "file": file_name,
                    "offset": offset,
                    "length": self._stream.tell() - offset,
                    "record_id": record.rec_headers.get_header("WARC-Record-ID"),
                }
            )
            self.records += 1
        return locations

    def flush(self) -> None:
        if self._stream is not None:
            self._stream.flush()

    def close(self) -> None:
        if self._stream is not None:
            self._stream.flush()
            os.fsync(self._stream.fileno())
            self._stream.close()
        self._path = self._stream = self._writer = None
        self._warcinfo_id = None

    def total_size(self) -> int:
        return sum(path.stat().st_size for path in self.files if path.exists())


def _text(value: bytes | str) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


def _header_list(headers: Any) -> list[tuple[str, str]]:
    """Scrapy ``Headers`` as (name, value) pairs, a pair per value."""
    pairs = []
    for name, values in headers.items():
        for value in values if isinstance(values, list) else [values]:
            pairs.append((_text(name), _text(value)))
    return pairs


def response_records(
    builder: RecordBuilder, request: Request, response: Response, when: dt.datetime
) -> tuple[ArcWarcRecord, ArcWarcRecord]:
    """The ``request`` and ``response`` WARC records of one exchange."""
    date = datetime_to_iso_date(when.astimezone(dt.UTC).replace(tzinfo=None), use_micros=True)
    body = response.body or b""
    status = int(response.status)
    try:
        reason = http.HTTPStatus(status).phrase
    except ValueError:
        reason = ""
    protocol = getattr(response, "protocol", None) or "HTTP/1.1"
    headers = [
        (name, value)
        for name, value in _header_list(response.headers)
        if name.lower() not in _FRAMING_HEADERS
    ]
    headers.append(("Content-Length", str(len(body))))
    http_headers = StatusAndHeaders(f"{status} {reason}".strip(), headers, protocol=protocol)
    warc_headers: dict[str, str] = {"WARC-Date": date}
    ip_address = getattr(response, "ip_address", None)
    if ip_address is not None:
        warc_headers["WARC-IP-Address"] = str(ip_address)
    response_record = builder.create_warc_record(
        response.url,
        "response",
        payload=io.BytesIO(body),
        length=len(body),
        warc_headers_dict=warc_headers,
        http_headers=http_headers,
    )
    parts = urlsplit(request.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    request_headers = [("Host", parts.netloc)] + [
        (name, value) for name, value in _header_list(request.headers) if name.lower() != "host"
    ]
    request_body = request.body or b""
    if request_body:
        request_headers.append(("Content-Length", str(len(request_body))))
    request_record = builder.create_warc_record(
        request.url,
        "request",
        payload=io.BytesIO(request_body),
        length=len(request_body),
        warc_headers_dict={
            "WARC-Date": date,
            "WARC-Concurrent-To": response_record.rec_headers.get_header("WARC-Record-ID"),
        },
        http_headers=StatusAndHeaders(
            f"{request.method} {target} HTTP/1.1", request_headers, is_http_request=True
        ),
    )
    return request_record, response_record


def rendered_record(
    builder: RecordBuilder, response: Response, when: dt.datetime, refers_to: str | None
) -> ArcWarcRecord:
    """A ``conversion`` record for a page rendered by the browser (scrapy-playwright).

    Its body is the DOM after JavaScript ran, not bytes the server sent, so it is
    not a ``response`` record: replay tools and the CDXJ index ignore it, and
    ``WARC-Refers-To`` names the response record of the same URL fetched before.
    """
    date = datetime_to_iso_date(when.astimezone(dt.UTC).replace(tzinfo=None), use_micros=True)
    body = response.body or b""
    headers = {"WARC-Date": date}
    if refers_to:
        headers["WARC-Refers-To"] = refers_to
    content_type = response.headers.get("Content-Type") or b"text/html"
    return builder.create_warc_record(
        response.url,
        "conversion",
        payload=io.BytesIO(body),
        length=len(body),
        warc_content_type=_text(content_type),
        warc_headers_dict=headers,
    )


class WarcWriterMiddleware:
    """Downloader middleware: every response, with its request, into the crawl's WARC files.

    Settings: ``HGCRAWLER_WARC_ENABLED`` (default true), ``HGCRAWLER_WARC_MAX_SIZE``
    (bytes per file, default 100 MB), ``HGCRAWLER_DATA_DIR``.  Stats:
    ``hgcrawler/warc/records``, ``.../responses``, ``.../conversions`` (pages
    rendered by the browser), ``.../files``, ``.../bytes``, ``.../errors``.  Records
    are built, gzipped and written — and files fsynced when they rotate — in one
    worker thread of their own, never on the reactor thread; the CDXJ index is
    built there too when the spider closes.
    """

    def __init__(self, crawler: Crawler, config: HgcrawlerConfig) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.config = config
        self.data_dir = config.archive.data_dir
        self.max_size = config.warc.max_size
        self.crawl_id: str | None = None
        self.writer: RotatingWarcWriter | None = None
        self._failed = False
        self._responses: dict[str, str] = {}  # URL -> record id of its last response record
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hgcrawler-warc")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcWriterMiddleware:
        # Scrapy only here: reading the WARC files (``hgcrawler warc``, ``query``) runs
        # without the crawler
        from scrapy import signals
        from scrapy.exceptions import NotConfigured

        config = crawl_config(crawler)
        if not config.warc.enabled:
            raise NotConfigured("HGCRAWLER_WARC_ENABLED is off")
        middleware = cls(crawler, config)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def _in_worker(self, function: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        return asyncio.wrap_future(self._executor.submit(function, *args))

    def _crawl_id(self) -> str:
        """The archive's crawl id (set by the crawl session), else a timestamp."""
        crawl_id = self.config.archive.crawl_id or ""
        if not crawl_id and self.stats is not None:
            crawl_id = self.stats.get_value("hgcrawler/crawl_id") or ""
        if not crawl_id:
            crawl_id = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ") + "-nodb"
            logger.warning("no archive crawl id: WARC files go to %s", crawl_id)
        return str(crawl_id)

    def _open(self) -> RotatingWarcWriter:
        crawl_id = self._crawl_id()
        config = self.config
        info = {
            "software": f"hgcrawler/{hgcrawler.__version__} (warcio, Scrapy)",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/"
            "specifications/warc-format/warc-1.1/",
            "isPartOf": f"hgcrawler crawl {crawl_id}",
            "description": f"hgcrawler {config.mode} crawl of {config.start_url}",
            "robots": "obey" if self.crawler.settings.getbool("ROBOTSTXT_OBEY") else "ignore",
            "http-header-user-agent": str(self.crawler.settings.get("USER_AGENT") or ""),
            "operator": config.contact,
            "hostname": socket.gethostname(),
        }
        self.crawl_id = crawl_id
        self.writer = RotatingWarcWriter(
            crawl_directory(self.data_dir, crawl_id),
            f"hgcrawler-{crawl_id}",
            self.max_size,
            relative_to=self.data_dir,
            info=info,
        )
        return self.writer

    def _record(
        self, request: Request, response: Response, refers_to: str | None
    ) -> tuple[list[ArcWarcRecord], dict[str, Any], bool]:
        """In the worker: build and write the records of one response."""
        writer = self.writer or self._open()
        before = writer.files[-1] if writer.files else None
        now = dt.datetime.now(dt.UTC)
        if request.meta.get("playwright"):
            records = [rendered_record(writer.builder, response, now, refers_to)]
        else:
            records = list(response_records(writer.builder, request, response, now))
        location = writer.write(records)[-1]
        return records, location, writer.files[-1] != before

    async def process_response(self, request: Request, response: Response) -> Response:
        if self._failed:
            return response
        try:
            records, location, new_file = await self._in_worker(
                self._record, request, response, self._responses.get(response.url)
            )
        except (OSError, ValueError) as exc:
            # Without a writable archive directory the raw archive is lost for this
            # crawl; the text archive goes on.  Loud, counted, and only once.
            self._failed = True
            logger.error("cannot write WARC records, raw archive off for this crawl: %s", exc)
            if self.stats is not None:
                self.stats.inc_value("hgcrawler/warc/errors")
            return response
        request.meta[META_KEY] = location
        if records[-1].rec_type == "response":
            self._responses[response.url] = location["record_id"]
        if self.stats is not None:
            self.stats.inc_value("hgcrawler/warc/records", len(records))
            self.stats.inc_value(f"hgcrawler/warc/{records[-1].rec_type}s")
            if new_file:
                self.stats.inc_value("hgcrawler/warc/files")
        return response

    async def spider_closed(self) -> None:
        writer = self.writer
        try:
            if writer is None or self.crawl_id is None:
                return
            await self._in_worker(writer.close)
            if self.stats is not None:
                self.stats.set_value("hgcrawler/warc/bytes", writer.total_size())
                self.stats.set_value("hgcrawler/warc/directory", str(writer.directory))
            await self._in_worker(self._index, self.crawl_id)
        finally:
            self._executor.shutdown(wait=True)

    def _index(self, crawl_id: str) -> None:
        try:
            path = write_index(self.data_dir, crawl_id)
        except Exception as exc:  # the crawl is done; `hgcrawler warc index` can redo it
            logger.error("cannot write the CDXJ index of crawl %s: %s", crawl_id, exc)
            if self.stats is not None:
                self.stats.inc_value("hgcrawler/warc/errors")
            return
        logger.info("CDXJ index written: %s", path)


# --- indexing ---------------------------------------------------------------------------


def write_index(data_dir: Path, crawl_id: str) -> Path:
    """Write ``<data_dir>/warc/<crawl_id>/index.cdxj`` (sorted) with ``cdxj-indexer``.

    File names in the index are relative to ``<data_dir>/warc``.  Raises
    ``FileNotFoundError`` when the crawl has no WARC files.
    """
    from cdxj_indexer.main import write_cdx_index

    directory = crawl_directory(data_dir, crawl_id)
    files = warc_files(data_dir, crawl_id)
    if not files:
        raise FileNotFoundError(f"no WARC files in {directory}")
    target = directory / INDEX_NAME
    partial = directory / f".{INDEX_NAME}.partial"
    write_cdx_index(
        str(partial),
        [str(path) for path in files],
        {"sort": True, "dir_root": str(warc_root(data_dir))},
    )
    partial.replace(target)
    return target


# --- reading ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ArchivedResponse:
    """One response record read back: the HTTP message as the server sent it."""

    url: str
    date: str
    record_id: str
    status_line: str  # "HTTP/1.1 200 OK"
    headers: list[tuple[str, str]]
    raw_body: bytes  # as sent (still gzip-encoded if the server gzipped)
    body: bytes  # Content-Encoding and chunking removed

    def header_bytes(self) -> bytes:
        lines = [self.status_line, *(f"{name}: {value}" for name, value in self.headers)]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")


@contextlib.contextmanager
def _record_at(data_dir: Path, location: Mapping[str, Any]) -> Iterator[ArcWarcRecord]:
    root = Path(data_dir).resolve()
    path = (root / str(location["file"])).resolve()
    if root not in path.parents:
        raise WarcLookupError(f"WARC file outside the data directory: {location['file']}")
    try:
        stream = path.open("rb")
    except OSError as exc:
        raise WarcLookupError(f"cannot open {path}: {exc}") from exc
    with stream:
        stream.seek(int(location["offset"]))
        record = next(iter(ArchiveIterator(stream)), None)
        if record is None:
            raise WarcLookupError(f"no record at offset {location['offset']} of {path}")
        record_id = record.rec_headers.get_header("WARC-Record-ID")
        expected = location.get("record_id")
        if expected and record_id != expected:
            raise WarcLookupError(
                f"{path} @ {location['offset']} holds {record_id}, not {expected}"
            )
        yield record


def read_response(data_dir: Path, location: Mapping[str, Any]) -> ArchivedResponse:
    """The response record at ``location`` (a stored ``warc`` field).

    Raises :class:`WarcLookupError` when the file, offset or record id do not match.
    """
    if not location or not location.get("file"):
        raise WarcLookupError("no WARC location")
    with _record_at(data_dir, location) as record:
        raw_body = record.raw_stream.read()
        http_headers = record.http_headers
        header = record.rec_headers
        url = header.get_header("WARC-Target-URI") or ""
        date = header.get_header("WARC-Date") or ""
        record_id = header.get_header("WARC-Record-ID") or ""
        if record.rec_type != "response" or http_headers is None:
            raise WarcLookupError(f"{record_id} is a {record.rec_type} record, not a response")
        status_line = f"{http_headers.protocol} {http_headers.statusline}".strip()
        headers = list(http_headers.headers)
    with _record_at(data_dir, location) as record:
        body = record.content_stream().read()
    return ArchivedResponse(
        url=url,
        date=date,
        record_id=record_id,
        status_line=status_line,
        headers=headers,
        raw_body=raw_body,
        body=body,
    )
