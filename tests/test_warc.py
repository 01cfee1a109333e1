"""The raw archive: WARC files written by real crawls of the replica, read back,
indexed, and replayed by pywb (see ``docs/warc.md``).

Two crawls share one archive: day 1, then day 2 of the replica (two articles
moved — their old URLs answer 301 — and two edited), the second with a tiny
``HGCRAWLER_WARC_MAX_SIZE`` so its files rotate.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Request, Response
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator

from hgcrawler.config import ConfigError
from hgcrawler.fetch.warc import (
    INDEX_NAME,
    WarcLookupError,
    WarcWriterMiddleware,
    crawl_directory,
    read_response,
    warc_files,
    warc_location_text,
    write_index,
)
from hgcrawler.pipelines.cleaning import CleanArticlePipeline
from hgcrawler.read.extraction import extract_article
from hgcrawler.replica import ReplicaServer, ReplicaSite
from tests.archive_view import aid, observations
from tests.crawling import hgcrawler_crawl

ROTATE_AT = 40_000  # bytes: the second crawl spreads over several files
MOVED_ON_DAY_2 = (39990, 39965)
EDITED_ON_DAY_2 = (39977, 39995)


@dataclass
class Archive:
    data_dir: Path
    uri: str
    database: str
    crawl_ids: list[str]
    base_url: str

    def db(self) -> Any:
        client: MongoClient[dict[str, Any]] = MongoClient(self.uri, tz_aware=True)
        return client, client[self.database]


def _crawl(server: ReplicaServer, uri: str, database: str, data_dir: Path, *extra: str) -> None:
    done = hgcrawler_crawl(server.base_url, uri, database, data_dir, "full", *extra, timeout=120)
    if done.returncode != 0:
        logs = sorted((data_dir / "logs").glob("*.log"))
        tail = logs[-1].read_text(errors="replace")[-4000:] if logs else ""
        pytest.fail(f"crawl failed ({done.returncode}):\n{done.stdout}\n{done.stderr}\n{tail}")


@pytest.fixture(scope="module")
def archive(mongo_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    data_dir = tmp_path_factory.mktemp("warc-archive")
    database = f"test_warc_{uuid.uuid4().hex[:10]}"
    site = ReplicaSite(articles=40, day=1, seed=0)
    client: MongoClient[dict[str, Any]] = MongoClient(mongo_server.uri)
    try:
        with ReplicaServer(site) as server:
            _crawl(server, mongo_server.uri, database, data_dir)
            site.set_day(2)
            _crawl(
                server,
                mongo_server.uri,
                database,
                data_dir,
                "-s",
                f"HGCRAWLER_WARC_MAX_SIZE={ROTATE_AT}",
            )
            base_url = server.base_url
        crawls = [doc["_id"] for doc in client[database].crawls.find().sort("started_at", 1)]
        yield Archive(data_dir, mongo_server.uri, database, crawls, base_url)
    finally:
        client.drop_database(database)
        client.close()


def _records(path: Path) -> Iterator[tuple[int, Any]]:
    with path.open("rb") as stream:
        iterator = ArchiveIterator(stream)
        for record in iterator:
            record.content_stream().read()
            yield iterator.get_record_offset(), record


def _all_records(data_dir: Path) -> list[dict[str, Any]]:
    found = []
    for path in warc_files(data_dir):
        for offset, record in _records(path):
            headers = record.rec_headers
            found.append(
                {
                    "path": path,
                    "offset": offset,
                    "type": record.rec_type,
                    "id": headers.get_header("WARC-Record-ID"),
                    "uri": headers.get_header("WARC-Target-URI"),
                    "concurrent": headers.get_header("WARC-Concurrent-To"),
                    "status": record.http_headers.get_statuscode()
                    if record.rec_type == "response"
                    else None,
                    "location": record.http_headers.get_header("Location")
                    if record.rec_type == "response"
                    else None,
                }
            )
    return found


# --- the files -------------------------------------------------------------------------


def test_files_are_per_crawl_and_pass_warcio_check(archive: Archive) -> None:
    assert len(archive.crawl_ids) == 2
    for crawl_id in archive.crawl_ids:
        files = warc_files(archive.data_dir, crawl_id)
        assert files, crawl_id
        for path in files:
            assert path.parent == archive.data_dir / "warc" / crawl_id
            assert path.name.startswith(f"hgcrawler-{crawl_id}-")
    every_file = [str(path) for path in warc_files(archive.data_dir)]
    check = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", "-v", *every_file],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "digest pass" in check.stdout
    assert "fail" not in check.stdout.lower()


def test_every_file_is_gzip_per_record_and_starts_with_warcinfo(archive: Archive) -> None:
    for path in warc_files(archive.data_dir):
        records = list(_records(path))
        assert records[0][1].rec_type == "warcinfo"
        assert records[0][0] == 0
        assert all(record.rec_type != "warcinfo" for _, record in records[1:])
        # each record is its own gzip member: decompressing from its offset works
        data = path.read_bytes()
        for offset, _ in records:
            assert gzip.decompress(data[offset:])[:9] == b"WARC/1.1\r"


def test_second_crawl_rotated_at_the_size_limit(archive: Archive) -> None:
    first, second = archive.crawl_ids
    assert len(warc_files(archive.data_dir, first)) == 1  # 100 MB default
    files = warc_files(archive.data_dir, second)
    assert len(files) >= 3
    names = [path.name for path in files]
    assert names == [f"hgcrawler-{second}-{number:05d}.warc.gz" for number in range(len(files))]
    for path in files[:-1]:
        # a new file starts once the limit is reached; one request/response pair may overshoot
        assert path.stat().st_size >= ROTATE_AT
        assert path.stat().st_size < ROTATE_AT + 64_000


def test_request_and_response_records_for_articles_listings_and_robots(
    archive: Archive,
) -> None:
    records = _all_records(archive.data_dir)
    responses = {record["id"]: record for record in records if record["type"] == "response"}
    requests = [record for record in records if record["type"] == "request"]
    assert len(requests) == len(responses)
    for request in requests:
        response = responses[request["concurrent"]]
        assert response["uri"] == request["uri"]
        assert response["path"] == request["path"]
    urls = {record["uri"] for record in responses.values()}
    base = archive.base_url.rstrip("/")
    assert f"{base}/robots.txt" in urls
    assert f"{base}/" in urls
    assert f"{base}/kinh-te/" in urls  # a listing
    assert any("?trang=2" in url for url in urls)  # a listing's second page
    client, db = archive.db()
    try:
        for article in db.articles.find({}, {"url": 1}):
            assert article["url"] in urls
    finally:
        client.close()


def test_redirects_are_recorded(archive: Archive) -> None:
    site = ReplicaSite(articles=40, day=2, seed=0)
    base = archive.base_url
    records = _all_records(archive.data_dir)
    redirects = {r["uri"]: r for r in records if r["type"] == "response" and r["status"] == "301"}
    for article_id in MOVED_ON_DAY_2:
        truth = site.article(article_id)
        old_url = truth.absolute_old_url(base)
        assert old_url in redirects
        assert redirects[old_url]["location"] == truth.absolute_url(base)
        assert redirects[old_url]["path"].parent.name == archive.crawl_ids[1]


# --- the archive points into the files ---------------------------------------------------


def _reextract(body: bytes, url: str) -> dict[str, Any]:
    record = extract_article(body, url)
    record.pop("render_hint", None)
    return dict(CleanArticlePipeline().process_item(record))


def test_every_revision_resolves_to_its_record_and_reextracts_to_the_stored_text(
    archive: Archive,
) -> None:
    client, db = archive.db()
    try:
        revisions = list(db.revisions.find())
        assert len(revisions) >= 38 + len(EDITED_ON_DAY_2)
        for revision in revisions:
            location = revision["warc"]
            assert set(location) == {"file", "offset", "length", "record_id"}
            assert location["file"].startswith(f"warc/{revision['first_crawl_id']}/")
            response = read_response(archive.data_dir, location)
            assert response.record_id == location["record_id"]
            assert response.status_line == "HTTP/1.1 200 OK"
            assert response.url == revision["url"]
            again = _reextract(response.body, response.url)
            for field in ("title", "lede", "body"):
                assert again[field] == revision[field], (revision["_id"], field)
        edited = {r["article_id"] for r in revisions if r["number"] == 2}
        assert {aid(article_id) for article_id in EDITED_ON_DAY_2} <= edited
    finally:
        client.close()


def test_observations_point_at_the_response_of_their_crawl(archive: Archive) -> None:
    client, db = archive.db()
    try:
        seen = [o for o in observations(db) if o["status"] == 200]
        assert len(seen) >= 2 * 38
        articles = {doc["_id"]: doc for doc in db.articles.find({}, {"url": 1, "old_urls": 1})}
        last_crawl = archive.crawl_ids[-1]
        for observation in seen:
            location = observation["warc"]
            assert set(location) == {"file", "offset", "length"}  # the record id: revisions
            assert location["file"].startswith(f"warc/{observation['crawl_id']}/")
            response = read_response(archive.data_dir, location)
            # observations keep no URL: the response is of a URL of their article (its
            # current one in the last crawl), and it shows the count they hold
            article = articles[observation["article_id"]]
            assert response.url in (article["url"], *article["old_urls"])
            if observation["crawl_id"] == last_crawl:
                assert response.url == article["url"]
            assert _reextract(response.body, response.url)["views"] == observation["views"]
    finally:
        client.close()


def test_a_wrong_location_is_refused(archive: Archive) -> None:
    client, db = archive.db()
    try:
        location = dict(db.revisions.find_one({"number": 1})["warc"])
    finally:
        client.close()
    with pytest.raises(WarcLookupError, match="not"):
        read_response(archive.data_dir, {**location, "record_id": "<urn:uuid:nope>"})
    with pytest.raises(WarcLookupError, match="outside"):
        read_response(archive.data_dir, {**location, "file": "../../etc/passwd"})
    assert warc_location_text({"warc": location}).startswith(location["file"] + " @ ")


# --- the index and replay ----------------------------------------------------------------


def _index_lines(data_dir: Path, crawl_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    lines = []
    for line in (crawl_directory(data_dir, crawl_id) / INDEX_NAME).read_text().splitlines():
        key, timestamp, fields = line.split(" ", 2)
        lines.append((key, timestamp, json.loads(fields)))
    return lines


def test_each_crawl_has_a_sorted_cdxj_index_listing_its_articles(archive: Archive) -> None:
    client, db = archive.db()
    try:
        for crawl_id in archive.crawl_ids:
            lines = _index_lines(archive.data_dir, crawl_id)
            assert [line[:2] for line in lines] == sorted(line[:2] for line in lines)
            indexed = {fields["url"] for _, _, fields in lines}
            for observation in observations(db, crawl_id):
                if observation["status"] == 200:
                    response = read_response(archive.data_dir, observation["warc"])
                    assert response.url in indexed
            if crawl_id == archive.crawl_ids[-1]:  # every article, at its current URL
                for article in db.articles.find({"removed_at": None}, {"url": 1}):
                    assert article["url"] in indexed
            for _, _, fields in lines:
                assert (archive.data_dir / "warc" / fields["filename"]).is_file()
    finally:
        client.close()
    # `hgcrawler warc index` writes the same index again
    path = crawl_directory(archive.data_dir, archive.crawl_ids[0]) / INDEX_NAME
    before = path.read_text()
    assert write_index(archive.data_dir, archive.crawl_ids[0]) == path
    assert path.read_text() == before


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_pywb_replays_an_archived_article(archive: Archive) -> None:
    client, db = archive.db()
    try:
        article = db.articles.find_one({"_id": aid(39993)})
    finally:
        client.close()
    assert article is not None
    lines = _index_lines(archive.data_dir, archive.crawl_ids[0])
    timestamp = next(ts for _, ts, fields in lines if fields["url"] == article["url"])
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "hgcrawler.cli",
        "warc",
        "replay",
        "--port",
        str(port),
        "--data-dir",
        str(archive.data_dir),
    ]
    wayback = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if wayback.poll() is not None or time.monotonic() > deadline:
                    output = wayback.stdout.read() if wayback.stdout else ""
                    pytest.fail(f"wayback did not start:\n{output}")
                time.sleep(0.2)
        root = f"http://127.0.0.1:{port}/hgcrawler"
        status, body = _get(f"{root}/{timestamp}id_/{article['url']}")
        assert status == 200
        assert _reextract(body, article["url"])["title"] == article["title"]
        assert article["title"].encode("utf-8") in body
        # the rewritten replay page too, found from a partial timestamp
        status, body = _get(f"{root}/{timestamp[:4]}mp_/{article['url']}")
        assert status == 200
        assert article["title"].encode("utf-8") in body
    finally:
        wayback.terminate()
        try:
            wayback.wait(timeout=10)
        except subprocess.TimeoutExpired:
            wayback.kill()
            wayback.wait()
        if wayback.stdout:
            wayback.stdout.close()


# --- the command -------------------------------------------------------------------------


def _cli(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "hgcrawler.cli", *args], capture_output=True, timeout=60
    )


def test_warc_show_prints_the_bytes_behind_each_revision(archive: Archive) -> None:
    article_id = str(EDITED_ON_DAY_2[1])  # the site's key, as users give it
    client, db = archive.db()
    try:
        revisions = {r["number"]: r for r in db.revisions.find({"article_id": aid(article_id)})}
    finally:
        client.close()
    assert set(revisions) == {1, 2}
    options = ["--mongo-uri", archive.uri, "--database", archive.database]
    options += ["--data-dir", str(archive.data_dir)]
    current = _cli("warc", "show", article_id, *options)
    assert current.returncode == 0, current.stderr
    first = _cli("warc", "show", revisions[1]["url"], "--revision", "1", *options)
    assert first.returncode == 0, first.stderr
    for number, shown in ((2, current.stdout), (1, first.stdout)):
        assert shown == read_response(archive.data_dir, revisions[number]["warc"]).body
        assert _reextract(shown, revisions[number]["url"])["title"] == revisions[number]["title"]
    assert current.stdout != first.stdout
    with_headers = _cli("warc", "show", article_id, "--headers", *options)
    assert with_headers.stdout.startswith(b"HTTP/1.1 200 OK\r\n")
    assert with_headers.stdout.endswith(b"\r\n\r\n" + current.stdout)
    missing = _cli("warc", "show", article_id, "--revision", "9", *options)
    assert missing.returncode == 1
    assert b"no revision 9" in missing.stderr


def test_warc_list(archive: Archive) -> None:
    listing = _cli("warc", "list", "--data-dir", str(archive.data_dir))
    assert listing.returncode == 0, listing.stderr
    text = listing.stdout.decode()
    for crawl_id in archive.crawl_ids:
        assert crawl_id in text
    assert "total: 2 crawls" in text
    one = _cli("warc", "list", archive.crawl_ids[1], "--data-dir", str(archive.data_dir))
    sizes = [int(line.split()[0]) for line in one.stdout.decode().splitlines()[:-1]]
    assert sizes == [p.stat().st_size for p in warc_files(archive.data_dir, archive.crawl_ids[1])]


# --- the middleware on its own -----------------------------------------------------------


def _middleware(tmp_path: Path, **settings: Any) -> WarcWriterMiddleware:
    crawler = get_crawler(
        settings_dict={
            "HGCRAWLER_DATA_DIR": str(tmp_path),
            "HGCRAWLER_CRAWL_ID": "unit",
            **settings,
        }
    )
    assert crawler.stats is not None
    crawler.stats.open_spider()
    return WarcWriterMiddleware.from_crawler(crawler)


def respond(middleware: WarcWriterMiddleware, request: Request, response: Response) -> Response:
    """The middleware's answer to one response, as Scrapy awaits it."""
    return asyncio.run(middleware.process_response(request, response))


def test_the_middleware_writes_off_the_reactor_thread(tmp_path: Path) -> None:
    middleware = _middleware(tmp_path)
    request = Request("http://example.org/tin/a-1.html")
    threads: list[str] = []
    build = middleware._record

    def record(*args: Any) -> Any:
        threads.append(threading.current_thread().name)
        return build(*args)

    middleware._record = record  # type: ignore[method-assign]
    respond(middleware, request, HtmlResponse(request.url, body=b"<p>x</p>", request=request))
    assert threads and threads[0].startswith("hgcrawler-warc")
    assert threads[0] != threading.current_thread().name


def test_gzipped_responses_are_kept_as_sent_and_read_back_decoded(tmp_path: Path) -> None:
    middleware = _middleware(tmp_path)
    page = "<html><head><title>Tiêu đề</title></head><body>Nội dung</body></html>".encode()
    encoded = gzip.compress(page)
    request = Request("http://example.org/tin/a-1.html")
    response = HtmlResponse(
        request.url,
        body=encoded,
        headers={"Content-Encoding": "gzip", "Content-Type": "text/html; charset=utf-8"},
        request=request,
    )
    assert respond(middleware, request, response) is response
    location = request.meta["hgcrawler_warc"]
    assert location["file"] == "warc/unit/hgcrawler-unit-00000.warc.gz"
    middleware.writer.close()  # type: ignore[union-attr]
    archived = read_response(tmp_path, location)
    assert archived.raw_body == encoded
    assert archived.body == page
    assert ("Content-Encoding", "gzip") in archived.headers
    assert ("Content-Length", str(len(encoded))) in archived.headers
    check = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", str(tmp_path / location["file"])],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout


def test_redirect_and_error_responses_are_written(tmp_path: Path) -> None:
    middleware = _middleware(tmp_path)
    request = Request("http://example.org/old.html")
    moved = Response(request.url, status=301, headers={"Location": "/new.html"}, request=request)
    respond(middleware, request, moved)
    first = request.meta["hgcrawler_warc"]
    missing_request = Request("http://example.org/gone.html")
    missing = Response(missing_request.url, status=404, body=b"not here")
    respond(middleware, missing_request, missing)
    middleware.writer.close()  # type: ignore[union-attr]
    assert read_response(tmp_path, first).status_line == "HTTP/1.1 301 Moved Permanently"
    assert ("Location", "/new.html") in read_response(tmp_path, first).headers
    gone = read_response(tmp_path, missing_request.meta["hgcrawler_warc"])
    assert gone.status_line == "HTTP/1.1 404 Not Found"
    assert gone.body == b"not here"
    stats = middleware.stats
    assert stats is not None
    assert stats.get_value("hgcrawler/warc/responses") == 2
    assert stats.get_value("hgcrawler/warc/records") == 4


def test_rendered_pages_are_conversion_records_referring_to_the_response(
    tmp_path: Path,
) -> None:
    middleware = _middleware(tmp_path)
    url = "http://example.org/tin/a-2.html"
    static_request = Request(url)
    respond(middleware, static_request, HtmlResponse(url, body=b"<p>...</p>"))
    static = static_request.meta["hgcrawler_warc"]
    rendered_request = Request(url, meta={"playwright": True}, dont_filter=True)
    rendered = HtmlResponse(
        url,
        body=b"<p>361</p>",
        headers={"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"},
    )
    assert respond(middleware, rendered_request, rendered) is rendered
    location = rendered_request.meta["hgcrawler_warc"]
    middleware.writer.close()  # type: ignore[union-attr]
    records = {
        record.rec_headers.get_header("WARC-Record-ID"): record
        for _, record in _records(tmp_path / location["file"])
    }
    conversion = records[location["record_id"]]
    assert conversion.rec_type == "conversion"
    assert conversion.rec_headers.get_header("WARC-Refers-To") == static["record_id"]
    assert conversion.rec_headers.get_header("Content-Type") == "text/html; charset=utf-8"
    with pytest.raises(WarcLookupError, match="not a response"):
        read_response(tmp_path, location)
    assert read_response(tmp_path, static).body == b"<p>...</p>"
    assert middleware.stats is not None
    assert middleware.stats.get_value("hgcrawler/warc/conversions") == 1
    assert middleware.stats.get_value("hgcrawler/warc/records") == 3


def test_turned_off_by_its_setting(tmp_path: Path) -> None:
    with pytest.raises(NotConfigured, match="HGCRAWLER_WARC_ENABLED"):
        _middleware(tmp_path, HGCRAWLER_WARC_ENABLED=False)


def test_a_bad_size_stops_the_crawl_naming_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="HGCRAWLER_WARC_MAX_SIZE must be >= 1"):
        _middleware(tmp_path, HGCRAWLER_WARC_MAX_SIZE=0)
