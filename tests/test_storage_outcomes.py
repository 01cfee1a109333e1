"""The rejects and pages documents of a batch (hgcrawler.storage.outcomes)."""

from __future__ import annotations

import datetime as dt

from hgcrawler.plan import REJECTED_PAGE
from hgcrawler.storage.kinds import ArticleRecord, PageRecord, RejectRecord
from hgcrawler.storage.outcomes import PageOutcomes

AT = dt.datetime(2026, 11, 27, 17, 15, tzinfo=dt.UTC)
URL = "https://haugiang.dcs.vn/tin/a-1.html"


def test_a_reject_of_an_article_page_is_a_known_page_too() -> None:
    outcomes = PageOutcomes("haugiang", "c1")
    outcomes.reject(RejectRecord(url=URL + "#x", reason="not_parsable", status=200), AT)
    outcomes.reject(RejectRecord(url=URL.replace("a-1", "b-2"), reason="http_500"), AT)
    first, second = (op._doc["$setOnInsert"] for op in outcomes.rejects)
    assert outcomes.rejects[0]._filter == {"_id": f"c1:{URL}"}  # the canonical URL
    assert (first["reason"], first["status"], first["fetched_at"]) == ("not_parsable", 200, AT)
    assert second["status"] is None  # a reject says no status when it has none
    assert [op._filter for op in outcomes.pages] == [{"_id": "haugiang:/tin/a-1.html"}]
    assert outcomes.pages[0]._doc["$set"]["kind"] == REJECTED_PAGE


def test_a_reject_without_a_url_is_kept_by_its_content() -> None:
    outcomes = PageOutcomes("haugiang", "c1")
    dropped = RejectRecord(reason="dropped", detail="DropItem: x", fetched_at=AT)
    outcomes.reject(dropped, AT)
    outcomes.reject(RejectRecord(reason="dropped", detail="DropItem: x", fetched_at=AT), AT)
    outcomes.reject(RejectRecord(reason="dropped", detail="DropItem: y", fetched_at=AT), AT)
    ids = [op._filter["_id"] for op in outcomes.rejects]
    assert ids[0] == ids[1] != ids[2] and ids[0].startswith("c1:")
    assert outcomes.pages == []


def test_collision_and_layout_change_rejects() -> None:
    outcomes = PageOutcomes("haugiang", "c1")
    page = ArticleRecord(url=URL, title="Bài mới", fetched_at=AT)
    collision = {
        "key": "1", "kept_as": "haugiang:1#2", "other_article": "haugiang:1",
        "other_url": "https://haugiang.dcs.vn/tin/cu-1.html", "other_title": "Bài cũ",
    }  # fmt: skip
    outcomes.collision(page, collision, AT)
    outcomes.layout_changed(page, "haugiang:1", ["views"], AT)
    kept, layout = (op._doc["$setOnInsert"] for op in outcomes.rejects)
    assert [op._filter["_id"] for op in outcomes.rejects] == [f"c1:collision:{URL}", f"c1:{URL}"]
    assert (kept["reason"], kept["kept_as"], kept["status"]) == (
        "key_collision",
        "haugiang:1#2",
        200,
    )
    assert "'Bài cũ'" in kept["detail"] and "'Bài mới'" in kept["detail"]
    assert (layout["reason"], layout["lost"], layout["article_id"]) == (
        "layout_changed", ["views"], "haugiang:1",
    )  # fmt: skip


def test_a_page() -> None:
    outcomes = PageOutcomes("haugiang", "c1")
    outcomes.page(PageRecord(url="https://haugiang.dcs.vn/", page_kind="listing", status=200), AT)
    (op,) = outcomes.pages
    assert op._doc["$set"] == {
        "kind": "listing", "last_status": 200, "url": "https://haugiang.dcs.vn/",
        "last_crawl_id": "c1",
    }  # fmt: skip
    assert op._doc["$setOnInsert"] == {"first_seen_at": AT, "site": "haugiang"} and op._upsert


def test_a_page_at_any_address_of_its_site_is_one_document() -> None:
    """http or https, any host, any spelling: one id, the site's and the location's;
    ``url`` says where it was fetched this time."""
    outcomes = PageOutcomes("haugiang", "c1")
    for url in (
        "http://haugiang.dcs.vn/chuyen-muc/?page=2&cat=1",
        "https://www.haugiang.dcs.vn:443/chuyen-muc/?cat=1&page=2#top",
        "http://127.0.0.1:8000/chuyen-muc/?cat=1&page=2",
    ):
        outcomes.page(PageRecord(url=url, page_kind="listing", status=200), AT)
    assert {op._filter["_id"] for op in outcomes.pages} == {"haugiang:/chuyen-muc/?cat=1&page=2"}
    assert [op._doc["$set"]["url"] for op in outcomes.pages][1:] == [
        "https://www.haugiang.dcs.vn/chuyen-muc/?cat=1&page=2",
        "http://127.0.0.1:8000/chuyen-muc/?cat=1&page=2",
    ]
    other = PageOutcomes("tphcm", "c2")
    other.page(PageRecord(url="http://127.0.0.1:8000/chuyen-muc/", page_kind="listing"), AT)
    assert other.pages[0]._filter == {"_id": "tphcm:/chuyen-muc/"}  # each site its own
