"""Two sites in one archive: every document carries its site, article ids are
``<site>:<key>``, and every question can be asked of one site or of all of them."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from hgcrawler.cli import main
from hgcrawler.storage import (
    ArchiveQueryError,
    ArchiveReader,
    MongoArchiveStore,
    UnknownSite,
)

HG, ST = "haugiang", "soctrang"


def page(url: str, key: str, title: str, views: int, day: int) -> dict[str, Any]:
    return {
        "type": "article",
        "url": url,
        "key": key,
        "status": 200,
        "fetched_at": dt.datetime(2026, 11, day, 8, tzinfo=dt.UTC).isoformat(),
        "title": title,
        "category": "Tin trong tỉnh",
        "updated_on": dt.date(2026, 10, 30),
        "views": views,
        "lede": "Tóm tắt.",
        "body": f"Nội dung: {title}.",
        "images": [],
        "author": "PV",
    }


HG_1234 = "https://haugiang.dcs.vn/tin/hoi-nghi-1234.html"
ST_1234 = "https://soctrang.dcs.vn/tin/hoi-nghi-1234.html"
ST_77 = "https://soctrang.dcs.vn/tin/le-hoi-77.html"


@pytest.fixture(scope="module")
def archive(mongo_server: Any) -> Iterator[tuple[str, Any, str]]:
    name = f"sites_{uuid.uuid4().hex[:8]}"
    stores = {
        site: MongoArchiveStore(mongo_server.uri, name, site=site, write_retries=1)
        for site in (HG, ST)
    }
    try:
        writes = {
            HG: [[page(HG_1234, "1234", "Hội nghị Tỉnh ủy Hậu Giang", 100, 1)]],
            ST: [
                [
                    page(ST_1234, "1234", "Hội nghị Tỉnh ủy Sóc Trăng", 500, 1),
                    page(ST_77, "77", "Lễ hội Ok Om Bok", 20, 1),
                ],
                [page(ST_1234, "1234", "Hội nghị Tỉnh ủy Sóc Trăng", 650, 2)],
            ],
        }
        for site, crawls in writes.items():
            store = stores[site]
            store.ensure_indexes()
            for records in crawls:
                crawl_id = store.begin_crawl("full", records[0]["url"])
                store.write_batch(crawl_id, records)
                store.finish_crawl(crawl_id, "finished", {"articles": len(records)}, [])
        yield name, stores[HG].db, mongo_server.uri
    finally:
        stores[HG].db.client.drop_database(name)
        for store in stores.values():
            store.close()


def test_the_same_key_on_two_sites_is_two_articles(archive: tuple[str, Any, str]) -> None:
    _, db, _ = archive
    docs = {doc["_id"]: doc for doc in db.articles.find()}
    assert {i: (d["site"], d["key"], d["n"]) for i, d in docs.items()} == {
        "haugiang:1234": (HG, "1234", 0),
        "soctrang:1234": (ST, "1234", 0),
        "soctrang:77": (ST, "77", 1),
    }
    assert db.rejects.count_documents({}) == 0  # no key collision across sites
    assert {doc["_id"]: doc["next_n"] for doc in db.sites.find()} == {HG: 1, ST: 2}
    for collection in ("revisions", "observations", "crawls", "series", "series_days"):
        assert {doc["site"] for doc in db[collection].find()} == {HG, ST}, collection


def test_questions_of_all_sites_and_of_one(archive: tuple[str, Any, str]) -> None:
    _, db, _ = archive
    every, soctrang = ArchiveReader(db), ArchiveReader(db, [ST])
    assert every.sites == [HG, ST]

    def ids(rows: list[dict[str, Any]]) -> list[tuple[str, Any]]:
        return [(row["article_id"], row["views"]) for row in rows]

    assert ids(every.top()) == [("soctrang:1234", 650), ("haugiang:1234", 100), ("soctrang:77", 20)]
    assert ids(soctrang.top()) == [("soctrang:1234", 650), ("soctrang:77", 20)]
    assert ids(ArchiveReader(db, [HG]).top()) == [("haugiang:1234", 100)]
    assert ids(every.search("hoi nghi tinh uy")) == [("soctrang:1234", 650), ("haugiang:1234", 100)]
    assert ids(soctrang.search("hoi nghi")) == [("soctrang:1234", 650)]
    assert [(r["article_id"], r["gained"]) for r in every.growth()] == [("soctrang:1234", 150)]
    assert every.totals()["articles"] == 3 and soctrang.totals()["articles"] == 2
    assert soctrang.totals()["observations"] == 3
    assert {row["site"] for row in soctrang.crawl_history()} == {ST}
    assert len(every.crawl_history()) == 3
    assert {row["site"] for row in every.site_views()} == {HG, ST}
    assert {row["site"] for row in soctrang.site_views()} == {ST}
    since = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert [d["_id"] for d in soctrang.changes(since)["new"]] == ["soctrang:1234", "soctrang:77"]
    assert soctrang.find_article("1234")["_id"] == "soctrang:1234"
    assert every.find_article("haugiang:1234")["site"] == HG
    assert every.find_article(ST_77)["_id"] == "soctrang:77"


def test_a_key_of_several_sites_is_not_answered_with_one_of_them(
    archive: tuple[str, Any, str],
) -> None:
    _, db, _ = archive
    with pytest.raises(ArchiveQueryError, match=r"haugiang:1234.*soctrang:1234"):
        ArchiveReader(db).find_article("1234")


def test_an_unknown_site_names_the_known_ones(archive: tuple[str, Any, str]) -> None:
    _, db, _ = archive
    with pytest.raises(UnknownSite, match=r"no site 'vinhlong'.*known: haugiang, soctrang"):
        ArchiveReader(db, ["vinhlong"]).top()


def test_the_site_option(archive: tuple[str, Any, str], capsys: pytest.CaptureFixture[str]) -> None:
    name, _, uri = archive
    where = ["--mongo-uri", uri, "--database", name]
    assert main(["query", "top", "--json", "--site", ST, *where]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["article_id"] for row in rows] == ["soctrang:1234", "soctrang:77"]
    assert main(["export", "articles", "--out", "-", "--site", HG, *where]) == 0
    exported = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["_id"] for row in exported] == ["haugiang:1234"]
    assert main(["query", "top", "--site", "vinhlong", *where]) == 1
    out, err = capsys.readouterr()
    assert not out and err.startswith("hgcrawler query top: no site 'vinhlong'")
    assert main(["query", "history", "1234", *where]) == 1
    assert "several sites" in capsys.readouterr().err
    assert main(["query", "history", "1234", "--site", HG, "--json", *where]) == 0
    assert json.loads(capsys.readouterr().out)["article"]["article_id"] == "haugiang:1234"


def test_warc_show_takes_the_site_of_a_shared_key(
    archive: tuple[str, Any, str], capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    name, _, uri = archive
    where = ["--mongo-uri", uri, "--database", name, "--data-dir", str(tmp_path)]
    assert main(["warc", "show", "1234", *where]) != 0
    assert "several sites" in capsys.readouterr().err
    code = main(["warc", "show", "1234", "--site", ST, *where])
    err = capsys.readouterr().err
    assert code == 1 and "article soctrang:1234 has no WARC record" in err
