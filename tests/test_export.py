"""``hgcrawler export`` (streaming JSONL/CSV) and Scrapy's feed exports, on the
archive built by crawling the replica."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import stat
import subprocess
import sys
import types
import uuid
from pathlib import Path

import pytest

from hgcrawler.cli import main
from hgcrawler.show.export import COLLECTIONS, export, iter_documents
from hgcrawler.storage import ArchiveReader
from tests.archive_fixture import DAYS, Archive, archive_for
from tests.archive_view import aid, count, observations
from tests.conftest import MongoServer
from tests.crawling import ROOT


@pytest.fixture(scope="module")
def archive(mongo_server: MongoServer, tmp_path_factory: pytest.TempPathFactory) -> Archive:
    """The replica crawled over four days (built once per session)."""
    return archive_for(mongo_server, tmp_path_factory)


def test_jsonl_exports_every_document(
    capsys: pytest.CaptureFixture[str],
    archive: Archive,
    tmp_path: Path,
) -> None:
    db = archive.db()
    for collection in COLLECTIONS:
        out = tmp_path / f"{collection}.jsonl"
        code = main(["export", collection, "--out", str(out), *archive.args()])
        assert code == 0
        assert f"written to {out}" in capsys.readouterr().err
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        if collection == "observations":  # one row per observation, out of the buckets
            assert len(rows) == count(db)
        else:
            assert len(rows) == db[collection].count_documents({})
        assert [*rows[0]] == list(COLLECTIONS[collection])
        assert not list(tmp_path.glob(".*.part"))
    articles = {row["_id"]: row for row in map(json.loads, (tmp_path / "articles.jsonl").open())}
    seed = articles[aid(39993)]
    truth = archive.truth[DAYS]["39993"]
    assert (seed["site"], seed["key"]) == ("haugiang", "39993")
    assert seed["title"] == truth.title and seed["views"] == truth.views
    assert seed["views_peak"] == truth.views  # the replica's counts only grow
    assert seed["updated_on"] == truth.updated_on.isoformat()
    assert seed["first_seen_at"].endswith("Z")
    exported = [json.loads(line) for line in (tmp_path / "observations.jsonl").open()]
    seed_rows = [row for row in exported if row["article_id"] == aid(39993)]
    assert [row["views"] for row in seed_rows] == [
        archive.truth[day]["39993"].views for day in range(1, DAYS + 1)
    ]
    assert [row["crawl_id"] for row in seed_rows] == archive.crawl_ids
    assert sorted(
        (r["article_id"], r["crawl_id"], r["status"], r["views"]) for r in exported
    ) == sorted((o["article_id"], o["crawl_id"], o["status"], o["views"]) for o in observations(db))


def test_csv_flattens_lists_to_json(
    capsys: pytest.CaptureFixture[str],
    archive: Archive,
    tmp_path: Path,
) -> None:
    out = tmp_path / "articles.csv"
    assert main(["export", "articles", "--format", "csv", "--out", str(out), *archive.args()]) == 0
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == archive.db().articles.count_documents({})
    by_id = {row["_id"]: row for row in rows}
    truth = archive.truth[DAYS]["39993"]
    seed = by_id[aid(39993)]
    assert seed["title"] == truth.title
    assert seed["body"].split("\n\n") == list(truth.body)  # paragraphs survive in one cell
    images = json.loads(seed["images"])
    assert [image["caption"] for image in images] == [caption for _, caption in truth.images]
    assert json.loads(seed["old_urls"]) == []
    moved = [key for key, t in archive.truth[DAYS].items() if t.status == "moved"]
    assert moved and all(
        by_id[aid(key)]["url"].endswith(archive.truth[DAYS][key].url) for key in moved
    )
    removed = [row for row in rows if row["removed_at"]]
    assert {row["_id"] for row in removed} == {
        aid(key)
        for key, t in archive.truth[DAYS].items()
        if t.status == "deleted" and not t.malformed
    }


def test_since_and_stdout(
    capsys: pytest.CaptureFixture[str],
    archive: Archive,
) -> None:
    db = archive.db()
    last = db.crawls.find_one({"_id": archive.crawl_ids[-1]})
    since = last["started_at"].replace(microsecond=0).isoformat()
    args = ["export", "observations", "--since", since, "--out", "-", *archive.args()]
    assert main(args) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows and {row["crawl_id"] for row in rows} == {archive.crawl_ids[-1]}
    assert main(["export", "revisions", "--since", since, "--format", "csv", "--out", "-",
                 *archive.args()]) == 0  # fmt: skip
    revisions = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    before = archive.truth[DAYS - 1]
    changed_last_day = {  # edited, or new (their first revision)
        key for key, t in archive.truth[DAYS].items()
        if not t.malformed and (key not in before or t.revision > before[key].revision)
    }  # fmt: skip
    assert {row["article_id"] for row in revisions} == {aid(key) for key in changed_last_day}

    assert main(["export", "articles", "--since", "someday", *archive.args()]) == 2
    assert "bad date" in capsys.readouterr().err
    empty = ["--mongo-uri", archive.uri, "--database", f"empty_{uuid.uuid4().hex[:8]}"]
    assert main(["export", "articles", "--out", "-", *empty]) == 1
    assert "is empty" in capsys.readouterr().err


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_an_export_gets_the_mode_the_umask_gives(
    capsys: pytest.CaptureFixture[str], archive: Archive, tmp_path: Path, umask: int, mode: int
) -> None:
    out = tmp_path / "articles.csv"
    previous = os.umask(umask)
    try:
        assert main(["export", "articles", "--format", "csv", "--out", str(out),
                     *archive.args()]) == 0  # fmt: skip
    finally:
        os.umask(previous)
    assert stat.S_IMODE(out.stat().st_mode) == mode
    assert not list(tmp_path.glob(".*.part"))


def test_an_existing_export_keeps_its_mode(archive: Archive, tmp_path: Path) -> None:
    out = tmp_path / "articles.jsonl"
    out.write_text("old\n")
    out.chmod(0o640)
    assert main(["export", "articles", "--out", str(out), *archive.args()]) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert out.read_text(encoding="utf-8").startswith('{"_id": ')


def test_an_export_into_a_missing_directory_is_refused(
    capsys: pytest.CaptureFixture[str], archive: Archive, tmp_path: Path
) -> None:
    out = tmp_path / "missing" / "dir" / "articles.csv"
    assert main(["export", "articles", "--out", str(out), *archive.args()]) == 2
    assert capsys.readouterr().err == (
        f"hgcrawler export: cannot write {out}: directory {out.parent} does not exist\n"
    )
    assert list(tmp_path.iterdir()) == []
    assert main(["export", "articles", "--out", str(tmp_path), *archive.args()]) == 2
    assert (
        capsys.readouterr().err == f"hgcrawler export: cannot write {tmp_path}: it is a directory\n"
    )


def test_export_streams_from_a_cursor(archive: Archive) -> None:
    db = archive.db()
    reader = ArchiveReader(db)
    documents = iter_documents(reader, "observations")
    assert isinstance(documents, types.GeneratorType)
    first = next(documents)
    assert first["article_id"] and isinstance(first["fetched_at"], dt.datetime)
    documents.close()

    class CountingWriter:
        def __init__(self) -> None:
            self.writes = 0
            self.largest = 0

        def write(self, text: str) -> int:
            self.writes += 1
            self.largest = max(self.largest, len(text))
            return len(text)

    writer = CountingWriter()
    written = export(reader, "observations", writer, "jsonl")  # type: ignore[arg-type]
    assert written == writer.writes == count(db)
    assert writer.largest < 2000  # one line at a time, never the whole file
    with pytest.raises(ValueError, match="cannot export"):
        next(iter_documents(reader, "crawls"))


def test_csv_booleans_are_true_and_false() -> None:
    from hgcrawler.show.export import COLLECTIONS, csv_cell

    assert COLLECTIONS
    assert [csv_cell(v) for v in (True, False, None, 0, 1)] == ["true", "false", "", 0, 1]
    assert csv_cell({"rendered": True}) == '{"rendered":true}'
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([csv_cell(v) for v in (True, False, 0)])
    assert out.getvalue() == "true,false,0\n"


def test_csv_feed_exporter_writes_nested_values_as_json() -> None:
    from scrapy.utils.misc import load_object
    from scrapy.utils.test import get_crawler

    from hgcrawler import settings
    from hgcrawler.items import ArticleItem
    from hgcrawler.show.feeds import JsonNestedCsvItemExporter

    images = [
        {"src": "https://haugiang.dcs.vn/Uploads/anh-1.jpg", "caption": "Quang cảnh hội nghị"},
        {"src": "https://haugiang.dcs.vn/Uploads/anh-2.jpg", "caption": ""},
    ]
    warc = {"file": "warc/c1/hgcrawler-c1-00000.warc.gz", "offset": 150937, "length": 5255,
            "record_id": "<urn:uuid:edba154f>"}  # fmt: skip
    item = ArticleItem(
        url="https://haugiang.dcs.vn/tin/bai-39993.html",
        title="Thường trực Tỉnh ủy làm việc",
        updated_on=dt.date(2021, 3, 8),
        views=None,
        images=images,
        warc=warc,
        redirect_urls=["https://haugiang.dcs.vn/old-1.html", "https://haugiang.dcs.vn/old,2.html"],
        problems=[],
    )
    out = io.BytesIO()
    exporter = JsonNestedCsvItemExporter(out, fields_to_export=[*item.fields])
    exporter.start_exporting()
    exporter.export_item(item)
    exporter.finish_exporting()
    raw = out.getvalue().decode("utf-8")
    assert "Quang cảnh hội nghị" in raw and "\\u" not in raw  # non-ASCII kept, not escaped
    [row] = list(csv.DictReader(io.StringIO(raw, newline="")))
    assert json.loads(row["images"]) == images
    assert json.loads(row["warc"]) == warc
    assert json.loads(row["redirect_urls"]) == item["redirect_urls"]
    assert json.loads(row["problems"]) == []
    assert row["title"] == "Thường trực Tỉnh ủy làm việc"
    assert row["updated_on"] == "2021-03-08"
    assert row["views"] == "" and row["body"] == ""

    # `-O x.csv` picks it: the project registers it for the csv format
    crawler = get_crawler(settings_dict={"FEED_EXPORTERS": settings.FEED_EXPORTERS})
    exporters = crawler.settings.getwithbase("FEED_EXPORTERS")
    assert load_object(exporters["csv"]) is JsonNestedCsvItemExporter


@pytest.mark.parametrize("suffix", ["jsonl", "csv"])
def test_scrapy_feed_exports_still_work(archive: Archive, tmp_path: Path, suffix: str) -> None:
    from hgcrawler.replica import ReplicaServer, ReplicaSite

    out = tmp_path / f"articles.{suffix}"
    # this checkout's hgcrawler, whichever one is installed
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "hgcrawler.settings", "PYTHONPATH": str(ROOT)}
    with ReplicaServer(ReplicaSite(articles=12, day=1, seed=0)) as server:
        command = [
            sys.executable, "-m", "scrapy", "crawl", "haugiang", "-O", str(out),
            "-s", f"HGCRAWLER_START_URL={server.base_url}",
            "-s", f"HGCRAWLER_MONGO_URI={archive.uri}",
            "-s", f"HGCRAWLER_MONGO_DATABASE=feed_{uuid.uuid4().hex[:8]}",
            "-s", f"HGCRAWLER_DATA_DIR={tmp_path}",
            "-s", "HGCRAWLER_RENDER=never", "-s", "LOG_LEVEL=WARNING", "-s", "HGCRAWLER_SLUG_IDS=1",
            "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
        ]  # fmt: skip
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env
        )
    assert out.exists(), done.stderr[-2000:]
    text = out.read_text(encoding="utf-8")
    if suffix == "jsonl":
        items = [json.loads(line) for line in text.splitlines()]
    else:
        items = list(csv.DictReader(text.splitlines()))
    titles = {item["title"] for item in items}
    images = [json.loads(item["images"]) if suffix == "csv" else item["images"] for item in items]
    assert all(isinstance(value, list) for value in images) and any(images)
    assert (
        "Thường trực Tỉnh ủy làm việc định kỳ với các cơ quan, tham mưu giúp việc Tỉnh ủy "
        "và các cơ quan có liên quan" in titles
    )
