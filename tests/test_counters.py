"""Script-filled counters without a browser: templates, learning an endpoint, decisions.

The markup below is written for these tests in the ways portals fill counters
(an inline script and its JSON API, a DotNetNuke-style handler, a number
already there); the integration tests in ``test_counter_learning.py`` run the
same code in real Chromium against the replica.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest

from hgcrawler.fetch.counters import (
    CounterEndpoint,
    CounterReader,
    Plan,
    RenderResult,
    SeenResponse,
    TemplateBook,
    TokenSource,
    find_counter_area,
    learn_endpoint,
    read_count,
)
from hgcrawler.storage import MongoArchiveStore

LABELS = ("Số lần xem", "Lượt xem")
HOST = "http://portal.test"


def page(counter: str, *, extra: str = "", before: str = "Số lần xem:") -> str:
    return (
        "<html><head><script src='/js/jquery.min.js?v=123'></script>"
        "<script src='https://cdn.example.net/analytics.js'></script></head><body>"
        "<h1>Tiêu đề</h1><div class='meta'>[ Cập nhật vào ngày (08/03/2021) ] - "
        f"[ {before} {counter} ]{extra}</div><p>Nội dung bài viết.</p></body></html>"
    )


def inline_page(article_id: int, placeholder: str = "") -> str:
    script = (
        "<script>var x = new XMLHttpRequest(); x.open('GET', '/api/views?id="
        f"{article_id}'); if (x.status === 200) {{}}</script>"
    )
    return page(f'<span id="views-{article_id}">{placeholder}</span>', extra=script)


def dnn_page(item_id: int) -> str:
    return page(
        f'<span class="viewcount" data-itemid="{item_id}"></span>',
        extra='<script type="text/javascript" src="/DesktopModules/News/counter.js"></script>',
    )


# --------------------------------------------------------------------------- areas and templates


@pytest.mark.parametrize(
    ("html", "shape"),
    [
        (inline_page(39941), "span[id] script[]"),
        (inline_page(40000, "..."), "span[id] script[]"),
        (dnn_page(7), "span[class,data-itemid] script[src,type]"),
        (page("361"), "#"),
        (page("<b>1.234</b>"), "b[] #"),
        (page('<span class="x"></span>', before="<span>Lượt xem</span>:&nbsp;"), "span[class]"),
    ],
)
def test_the_shape_is_tags_and_attribute_names_never_values(html: str, shape: str) -> None:
    area = find_counter_area(html, f"{HOST}/a/b-1.html", LABELS)
    assert area is not None
    assert area.shape == shape


def test_pages_of_one_template_share_a_key_and_others_do_not() -> None:
    a = find_counter_area(inline_page(1001), f"{HOST}/x/a-1001.html", LABELS)
    b = find_counter_area(inline_page(2002, "..."), f"{HOST}/y/b-2002.html", LABELS)
    c = find_counter_area(dnn_page(1001), f"{HOST}/x/a-1001.html", LABELS)
    assert a is not None and b is not None and c is not None
    assert a.key == b.key != c.key
    # only the page's own scripts count, digits of their paths as "#", queries dropped
    assert a.scripts == ("/js/jquery.min.js",)
    assert c.scripts == ("/DesktopModules/News/counter.js", "/js/jquery.min.js")


def test_the_label_is_found_with_or_without_accents_and_in_nfd() -> None:
    import unicodedata

    html = unicodedata.normalize("NFD", dnn_page(5))
    assert find_counter_area(html, f"{HOST}/a.html", LABELS) is not None
    assert find_counter_area(page("<span></span>", before="LUOT XEM:"), HOST, LABELS) is not None
    assert find_counter_area("<p>Không có bộ đếm</p>", HOST, LABELS) is None


def test_tokens_come_from_attribute_values_and_the_url_not_script_text() -> None:
    area = find_counter_area(inline_page(39941), f"{HOST}/tin/bai-viet-5550.html", LABELS)
    assert area is not None
    assert area.tokens() == ["39941", "5550"]  # not the "200" of the script's text


# --------------------------------------------------------------------------- learning


@pytest.mark.parametrize(
    ("body", "count"),
    [("361", 361), (" 1.234\n", 1234), ("<span>88</span>", 88), ("361 lượt", None), ("", None)],
)
def test_read_count(body: str, count: int | None) -> None:
    assert read_count(body) == count


def test_learns_a_json_api_from_an_inline_script_and_applies_it_to_other_pages() -> None:
    area = find_counter_area(inline_page(39941), f"{HOST}/tin/bai-39941.html", LABELS)
    assert area is not None
    seen = [
        SeenResponse(f"{HOST}/api/related?cat=3", 200, "xhr", '{"items": [361]}'),
        SeenResponse(f"{HOST}/api/views?id=39941", 200, "xhr", '{"id": 39941, "views": 361}'),
    ]
    endpoint = learn_endpoint(area, 361, seen)
    assert endpoint == CounterEndpoint(
        "/api/views?id={0}",
        (TokenSource("markup", left='id="views-'),),
        CounterReader("json", ("views",)),
    )
    other = find_counter_area(inline_page(123456, "..."), f"{HOST}/x/khac.html", LABELS)
    assert other is not None
    assert endpoint.url_for(other) == f"{HOST}/api/views?id=123456"
    assert endpoint.reader.read('{"id": 123456, "views": "2.001"}') == 2001
    assert endpoint.reader.read('{"error": "không tìm thấy"}') is None


def test_learns_a_handler_answering_the_bare_number() -> None:
    area = find_counter_area(dnn_page(4711), f"{HOST}/tin-tuc/bai.html", LABELS)
    assert area is not None
    url = f"{HOST}/DesktopModules/News/ViewCount.ashx?ItemID=4711&ModuleId=385"
    endpoint = learn_endpoint(area, 95, [SeenResponse(url, 200, "xhr", "95")])
    assert endpoint is not None
    # the item id comes from the page, the module id (not on the page) stays as it was
    assert endpoint.url == "/DesktopModules/News/ViewCount.ashx?ItemID={0}&ModuleId=385"
    assert endpoint.reader == CounterReader("number")
    other = find_counter_area(dnn_page(12), f"{HOST}/tin-tuc/khac.html", LABELS)
    assert other is not None
    assert endpoint.url_for(other) == (
        f"{HOST}/DesktopModules/News/ViewCount.ashx?ItemID=12&ModuleId=385"
    )


def test_an_id_only_in_the_page_url_is_taken_from_the_url() -> None:
    area = find_counter_area(page("<span class='c'></span>"), f"{HOST}/tin/bai-8080.html", LABELS)
    assert area is not None
    endpoint = learn_endpoint(area, 7, [SeenResponse(f"{HOST}/views/8080.txt", 200, "fetch", "7")])
    assert endpoint is not None
    assert endpoint.tokens == (TokenSource("url", index=-1),)
    other = find_counter_area(page("<span class='c'></span>"), f"{HOST}/tin/c-99.html", LABELS)
    assert other is not None and endpoint.url_for(other) == f"{HOST}/views/99.txt"


@pytest.mark.parametrize(
    ("seen", "why"),
    [
        (SeenResponse("http://counter.example.net/c?id=4711", 200, "xhr", "95"), "another site"),
        (SeenResponse(f"{HOST}/counter/hits", 200, "xhr", "95"), "nothing of the page in it"),
        (SeenResponse(f"{HOST}/c?id=4711", 200, "xhr", "95", method="POST"), "not a GET"),
        (SeenResponse(f"{HOST}/c?id=4711", 200, "script", "95"), "a script, not data"),
        (SeenResponse(f"{HOST}/c?id=4711", 500, "xhr", "95"), "an error"),
        (SeenResponse(f"{HOST}/c?id=4711", 200, "xhr", "96"), "another number"),
        (SeenResponse(f"{HOST}/c?id=4711", 200, "xhr", '{"a": 95, "b": 95}'), "ambiguous"),
    ],
)
def test_what_is_not_learned(seen: SeenResponse, why: str) -> None:
    area = find_counter_area(dnn_page(4711), f"{HOST}/tin/bai.html", LABELS)
    assert area is not None
    assert learn_endpoint(area, 95, [seen]) is None, why


def test_a_json_count_equal_to_the_id_is_not_learned() -> None:
    area = find_counter_area(inline_page(361), f"{HOST}/a.html", LABELS)
    assert area is not None
    seen = SeenResponse(f"{HOST}/api/views?id=361", 200, "xhr", '{"id": 361, "views": 361}')
    assert learn_endpoint(area, 361, [seen]) is None  # which of the two is the count?


# --------------------------------------------------------------------------- decisions


ENDPOINT = CounterEndpoint(
    "/c?id={0}", (TokenSource("markup", left='data-itemid="'),), CounterReader("number")
)


def book_and_template(**options: Any) -> tuple[TemplateBook, Any]:
    book = TemplateBook(**options)
    area = find_counter_area(dnn_page(1), f"{HOST}/a.html", LABELS)
    assert area is not None
    return book, book.template(area)


def test_an_unknown_template_renders_one_page_while_the_others_wait() -> None:
    book, template = book_and_template()
    assert book.plan(template).kind == "render" and template.probing
    assert book.plan(template).kind == "wait"
    events = book.after_render(
        template, RenderResult(95, learned=ENDPOINT, probe=True, page_url="u")
    )
    assert events == ["learned"]
    assert template.trusted and not template.probing
    # learned in this crawl: its next three pages are rendered too, then one in twenty
    plans = [book.plan(template) for _ in range(43)]
    assert [p.kind for p in plans] == ["endpoint"] * 43
    assert [i for i, p in enumerate(plans) if p.verify] == [0, 1, 2, 19, 39]


def test_checks_of_an_agreeing_endpoint_thin_out_and_come_back_after_a_break() -> None:
    book, template = book_and_template(verify_first=3, verify_every=20, verify_max=80)
    book.after_render(template, RenderResult(95, learned=ENDPOINT, probe=True, page_url="u"))
    checked: list[int] = []
    for use in range(1, 2001):
        plan = book.plan(template)
        assert plan.kind == "endpoint"
        if plan.verify:
            checked.append(use)
            result = RenderResult(95, endpoint_count=95, endpoint_version=template.version)
            assert book.after_render(template, result) == ["agreed"]
    gaps = [b - a for a, b in itertools.pairwise(checked[3:])]
    assert gaps[0] == 20  # one in verify_every at first
    assert max(gaps) == 80 and gaps[-1] == 80  # doubled per ten agreements, up to verify_max
    assert gaps == sorted(gaps)
    assert len(checked) < 2000 // 20  # fewer renderings than one in twenty
    # a disagreement breaks the endpoint; learned again, it is checked one in 20 again
    newer = CounterEndpoint("/c2?id={0}", ENDPOINT.tokens, ENDPOINT.reader)
    result = RenderResult(
        120, learned=newer, endpoint_count=101, endpoint_version=template.version, page_url="v"
    )
    assert book.after_render(template, result) == ["disagreed", "broken", "learned"]
    assert book.verify_interval(template) == 20


def test_a_remembered_endpoint_is_trusted_after_three_agreeing_renderings() -> None:
    book, template = book_and_template(verify_first=3)
    template.endpoint = ENDPOINT
    for _ in range(3):
        plan = book.plan(template)
        assert plan.kind == "endpoint" and plan.verify and plan.probe
        assert book.plan(template).kind == "wait"
        result = RenderResult(95, endpoint_count=95, endpoint_version=0, probe=True)
        assert book.after_render(template, result) == ["agreed"]
    assert template.trusted
    assert book.plan(template) == Plan("endpoint")  # no probe, no rendering


def test_a_disagreeing_endpoint_is_broken_and_relearned_from_the_same_rendering() -> None:
    book, template = book_and_template()
    template.endpoint = ENDPOINT
    book.plan(template)
    newer = CounterEndpoint("/c2?id={0}", ENDPOINT.tokens, ENDPOINT.reader)
    result = RenderResult(
        120, learned=newer, endpoint_count=101, endpoint_version=0, probe=True, page_url="u"
    )
    assert book.after_render(template, result) == ["disagreed", "broken", "learned"]
    assert template.endpoint == newer and template.trusted and template.version == 2
    assert template.broken[-1]["reason"] == "endpoint said 101, the rendered page shows 120"
    assert template.broken[-1]["endpoint"]["url"] == "/c?id={0}"


def test_an_endpoint_failing_where_the_browser_fails_too_is_not_broken() -> None:
    book, template = book_and_template(verify_first=1)
    template.endpoint, template.trusted = ENDPOINT, True
    result = RenderResult(
        None, counter_request_failed=True, endpoint_failed="HTTP 500", endpoint_version=0
    )
    assert book.after_render(template, result) == []
    assert template.endpoint == ENDPOINT and template.trusted
    assert template.unfilled_streak == 0  # the counter exists, its request failed
    # where the browser got a number the endpoint did not give, the endpoint is wrong
    result = RenderResult(77, endpoint_failed="HTTP 404", endpoint_version=0)
    assert book.after_render(template, result) == ["disagreed", "broken"]
    assert template.endpoint is None


def test_a_failed_answer_is_rendered_at_first_then_held_for_the_next_answer() -> None:
    book, template = book_and_template(verify_first=3, verify_every=20)
    template.endpoint, template.trusted = ENDPOINT, True

    def fail() -> str:
        book.endpoint_answered(template, failed=True)
        return book.after_failure(template)

    assert [fail() for _ in range(3)] == ["render"] * 3  # is it the page, or the endpoint?
    assert fail() == "hold"  # between two numbers: the page's own failure
    template.held_failures.append("page 4")
    assert fail() == "render"  # a second failure in a row: render both, a break?
    assert book.take_held_failures(template) == ["page 4"] and template.held_failures == []
    book.endpoint_answered(template, failed=False)
    kinds = []
    for _ in range(15):
        kinds.append(fail())
        template.held_failures.clear()  # each one settled by a number in between
    assert kinds.count("render") == 1 and kinds[14] == "render"  # the 20th failure: a sample
    template.trusted = False
    assert fail() == "render"  # an endpoint not (yet) trusted: always the browser


def test_a_failure_confirmed_by_the_browser_keeps_the_endpoint() -> None:
    book, template = book_and_template()
    template.endpoint, template.trusted = ENDPOINT, True
    result = RenderResult(
        None, counter_request_failed=True, endpoint_failed="HTTP 500", endpoint_version=0
    )
    book.after_render(template, result)
    assert template.confirmed_failures == 1 and template.endpoint == ENDPOINT


def test_an_answer_for_an_older_endpoint_proves_nothing() -> None:
    book, template = book_and_template()
    template.endpoint, template.version = ENDPOINT, 3
    result = RenderResult(77, endpoint_count=5, endpoint_version=2)
    assert book.after_render(template, result) == []
    assert template.endpoint == ENDPOINT


def test_a_template_whose_counter_never_fills_is_not_rendered_again() -> None:
    book, template = book_and_template(absent_after=3, verify_every=20)
    for _ in range(3):
        assert book.plan(template) == Plan("render", probe=True)
        assert book.plan(template) == Plan("wait")
        book.after_render(template, RenderResult(None, probe=True))
    assert template.absent and template.decision == "absent"
    kinds = [book.plan(template).kind for _ in range(40)]
    assert kinds.count("render") == 2 and kinds.count("absent") == 38  # a re-check in twenty
    assert book.after_render(template, RenderResult(12)) == ["present"]
    assert not template.absent


def test_renderings_that_show_a_count_nothing_explains_are_rendered_in_parallel() -> None:
    book, template = book_and_template()
    for _ in range(3):
        assert book.plan(template).probe
        book.after_render(template, RenderResult(5, probe=True))
    assert [book.plan(template) for _ in range(3)] == [Plan("render")] * 3


def test_decisions_survive_a_round_trip_through_documents() -> None:
    book, template = book_and_template()
    template.endpoint, template.agreements = ENDPOINT, 7
    template.learned_at = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    other = find_counter_area(inline_page(5), f"{HOST}/b.html", LABELS)
    assert other is not None
    absent = book.template(other)
    absent.absent, absent.unfilled_streak = True, 3
    template.trusted, template.waiting = True, ["a held page"]
    again = TemplateBook(book.export())
    restored = again.templates[template.key]
    assert restored.endpoint == ENDPOINT and restored.agreements == 7
    assert restored.learned_at == template.learned_at
    assert not restored.trusted and restored.waiting == []  # this crawl's state is not kept
    assert again.templates[absent.key].decision == "absent"
    assert again.templates[absent.key].unfilled_streak == 3


def test_the_archive_keeps_templates_per_site(mongo_uri: str, archive_db_name: str) -> None:
    book, template = book_and_template()
    template.endpoint = ENDPOINT
    store = MongoArchiveStore(mongo_uri, archive_db_name)
    try:
        assert store.save_templates("portal.test", book.export()) == 1
        assert store.save_templates("other.test", []) == 0
        docs = store.load_templates("portal.test")
        assert [d["_id"] for d in docs] == [f"portal.test:{template.key}"]
        assert docs[0]["decision"] == "endpoint" and docs[0]["endpoint"]["url"] == "/c?id={0}"
        assert store.load_templates("other.test") == []
        assert TemplateBook(docs).templates[template.key].endpoint == ENDPOINT
    finally:
        store.close()
