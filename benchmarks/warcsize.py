"""WARC bytes per visited page, the year's WARC at the portal's size, and what would
deduplicate pages whose bytes differ only by their view counter.

Two full crawls of a replica (``hgcrawler crawl``, WARC on, as in
:mod:`benchmarks.crawl`), the second a day later: every article page shows a new
count, so no two responses have the same payload digest.  On the second crawl's
response records, measured:

- as stored: one gzip member per record (the crawl's ``.warc.gz`` files);
- **revisit records keyed on the article's content hash**: a page whose extracted
  revision fields (:func:`hgcrawler.storage.records.content_hash`) are those of the
  first crawl's page is stored as a ``revisit`` record (WARC headers, the HTTP
  headers and the counter's value) instead of a ``response``;
- **zstd with a dictionary** trained on the first crawl's responses, each response
  (HTTP headers + body) compressed alone, as a per-record format would.
"""

from __future__ import annotations

import gzip
import importlib
import io
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.crawl import ReplicaProcess, crawl
from benchmarks.measure import per_second

__all__ = ["bench_warc", "responses_of"]


def responses_of(directory: Path) -> dict[str, tuple[bytes, bytes, str]]:
    """URL -> (HTTP headers, body as sent, WARC date) of the response records in
    ``directory``'s WARC files."""
    from warcio.archiveiterator import ArchiveIterator

    found: dict[str, tuple[bytes, bytes, str]] = {}
    for path in sorted(directory.glob("*.warc.gz")):
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type != "response":
                    continue
                url = str(record.rec_headers.get_header("WARC-Target-URI"))
                headers = record.http_headers.to_bytes() if record.http_headers else b""
                body = record.raw_stream.read()
                found[url] = (headers, body, str(record.rec_headers.get_header("WARC-Date")))
    return found


def _revisit_bytes(url: str, headers: bytes, views: int | None, refers_to: str) -> int:
    """The gzip-compressed size of a revisit record carrying the page's counter."""
    from warcio.warcwriter import WARCWriter

    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True)
    payload = (f"views: {views}\n" if views is not None else "").encode()
    record = writer.create_warc_record(
        url,
        "revisit",
        payload=io.BytesIO(headers + payload),
        length=len(headers) + len(payload),
        warc_headers_dict={
            "WARC-Profile": "urn:hgcrawler:revisit:same-content-hash",
            "WARC-Refers-To": refers_to,
            "WARC-Refers-To-Target-URI": url,
        },
    )
    writer.write_record(record)
    return len(out.getvalue())


def dedup_experiment(first: Path, second: Path) -> dict[str, Any]:
    """The second crawl's responses stored three ways (see the module doc)."""
    from hgcrawler.read.extraction import NotAnArticle, extract_article
    from hgcrawler.storage.records import content_hash

    before, after = responses_of(first), responses_of(second)

    def digest(url: str, body: bytes) -> str | None:
        try:
            record = extract_article(_decoded(body), url)
        except (NotAnArticle, ValueError):
            return None
        return content_hash(record)

    as_stored = revisits = zstd_bytes = gzip_each = 0
    same = articles = 0
    samples = [headers + body for headers, body, _ in before.values()]
    try:  # Python 3.14's compression.zstd, for older Pythons (not a dependency)
        zstd: Any = importlib.import_module("backports.zstd")
    except ImportError:
        zstd = None
    dictionary = (
        zstd.train_dict(samples, 112 * 1024) if zstd is not None and len(samples) >= 10 else None
    )
    for url, (headers, body, _date) in after.items():
        whole = headers + body
        gzipped = len(gzip.compress(whole, 6))
        gzip_each += gzipped
        if zstd is not None:
            zstd_bytes += len(zstd.compress(whole, level=19, zstd_dict=dictionary))
        previous = before.get(url)
        stored = gzipped + 450  # + the response record's WARC headers
        as_stored += stored
        if previous is None:
            revisits += stored
            continue
        new, old = digest(url, body), digest(url, previous[1])
        if new is None:
            revisits += stored
            continue
        articles += 1
        if new == old:
            same += 1
            record = extract_article(_decoded(body), url)
            revisits += _revisit_bytes(url, headers, record.get("views"), f"<urn:{old}>")
        else:
            revisits += stored
    count = max(1, len(after))
    return {
        "responses": len(after),
        "article_pages": articles,
        "unchanged_articles": same,
        "gzip_per_record_bytes_per_response": round(gzip_each / count),
        "as_stored_bytes_per_response": round(as_stored / count),
        "revisit_on_content_hash_bytes_per_response": round(revisits / count),
        "zstd_dictionary_bytes_per_response": round(zstd_bytes / count) if zstd else None,
        "revisit_saving": round(1 - revisits / max(1, as_stored), 3),
        "zstd_dictionary_saving": round(1 - zstd_bytes / max(1, gzip_each), 3) if zstd else None,
        "dictionary_bytes": len(dictionary.dict_content) if dictionary is not None else 0,
    }


def _decoded(body: bytes) -> bytes:
    """A body as the site sent it, gunzipped when it was gzip-encoded."""
    if body[:2] == b"\x1f\x8b":
        try:
            return zlib.decompress(body, 16 + zlib.MAX_WBITS)
        except zlib.error:
            return body
    return body


def warc_bytes(data_dir: Path, crawl_id: str) -> int:
    return sum(p.stat().st_size for p in (data_dir / "warc" / crawl_id).glob("*.warc.gz"))


def bench_warc(
    articles: int,
    work_dir: Path,
    *,
    pages_per_year: float | None,
    timeout: float = 1800,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Two full crawls a day apart, their WARC bytes per page, the dedup experiment, and
    the year's WARC at ``pages_per_year`` visited pages."""
    from pymongo import MongoClient

    from hgcrawler.storage.embedded import EmbeddedDatabase

    root = work_dir / f"warc-{articles}"
    root.mkdir(parents=True, exist_ok=True)
    database = EmbeddedDatabase(root / "db")
    db_pid = int(database.start()["pid"])
    replica = ReplicaProcess(articles, root)
    figures: dict[str, Any] = {"articles": articles, "crawls": []}
    try:
        common: dict[str, Any] = {
            "base_url": replica.base_url,
            "uri": database.uri,
            "work_dir": root,
            "timeout": timeout,
            "watch": {"db": db_pid, "replica": replica.pid},
        }
        crawl_ids = []
        for day in (1, 2):
            if day > 1:
                replica.set_day(day)
            log(f"  WARC: full crawl of a {articles}-article replica, day {day} ...")
            result = crawl(mode="full", database="warc", label=f"warc-day{day}", **common)
            client: MongoClient[dict[str, Any]] = MongoClient(database.uri)
            record = client["warc"].crawls.find_one(sort=[("started_at", -1)]) or {}
            client.close()
            crawl_id = str(record.get("_id"))
            crawl_ids.append(crawl_id)
            size = warc_bytes(root / "crawler-data", crawl_id)
            pages = result.get("pages") or 0
            figures["crawls"].append(
                {
                    "day": day,
                    "crawl_id": crawl_id,
                    "responses": pages,
                    "article_pages": result.get("article_pages"),
                    "warc_bytes": size,
                    "bytes_per_page": round(size / pages) if pages else None,
                    "pages_per_s": per_second(pages, result.get("seconds")),
                }
            )
        warc_root = root / "crawler-data" / "warc"
        figures["dedup"] = dedup_experiment(warc_root / crawl_ids[0], warc_root / crawl_ids[1])
    finally:
        replica.stop()
        database.stop()
    per_page = figures["crawls"][-1]["bytes_per_page"]
    if pages_per_year and per_page:
        figures["pages_per_year"] = round(pages_per_year)
        figures["gb_per_year"] = round(pages_per_year * per_page / 1e9, 1)
        dedup = figures["dedup"]
        for scheme in ("revisit_on_content_hash", "zstd_dictionary"):
            per = dedup.get(f"{scheme}_bytes_per_response")
            stored = dedup.get("as_stored_bytes_per_response")
            if per and stored:
                figures[f"gb_per_year_{scheme}"] = round(
                    pages_per_year * per_page * per / stored / 1e9, 1
                )
    return figures
