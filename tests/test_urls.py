"""Article keys over the URL shapes seen on the provincial party portals (``*.dcs.vn``)."""

from __future__ import annotations

import re

import pytest

from hgcrawler.read.urls import (
    ArticleKeys,
    SiteAddresses,
    canonical_url,
    is_url_key,
    short_key,
    site_location,
)

H = "https://haugiang.dcs.vn"

# (url, key with the default rules, key with slug ids configured)
SHAPES = [
    # DotNetNuke: the id is a known query parameter, whatever the tab
    (f"{H}/Default.aspx?tabid=120&ID=5531", "5531", "5531"),
    (f"{H}/Default.aspx?tabid=7&newsid=55", "55", "55"),
    (f"{H}/Default.aspx?NewsID=55&tabid=3", "55", "55"),
    (f"{H}/chi-tiet?ArticleId=900&page=2", "900", "900"),
    (f"{H}/x?itemid=12", "12", "12"),
    (f"{H}/x?ItemID=12#comments", "12", "12"),
    # DotNetNuke friendly URLs: the id parameter's name as a path segment
    (f"{H}/tabid/94/ctl/Detail/mid/431/ID/4567/Default.aspx", "4567", "4567"),
    # a whole numeric segment in an id position
    (f"{H}/DetailView/4321/22/Hoi-nghi-tong-ket-nam-2021.html", "4321", "4321"),
    (f"{H}/Trang-chu/post/2872/hoi-nghi-lan-thu-14", "2872", "2872"),
    # ... but a year followed by a month is a date path
    (f"{H}/post/2021/05/hoi-nghi", "/post/2021/05/hoi-nghi", "/post/2021/05/hoi-nghi"),
    # slugs without ids: the page's location in its site, whatever number ends the slug
    (f"{H}/tin-tuc/le-ky-niem-30-4-2021.html", "/tin-tuc/le-ky-niem-30-4-2021.html", "2021"),
    (f"{H}/tin-tuc/dai-hoi-lan-thu-14.html", "/tin-tuc/dai-hoi-lan-thu-14.html", "14"),
    (f"{H}/tin-tuc/hoi-nghi-nam-2021.html", "/tin-tuc/hoi-nghi-nam-2021.html", "2021"),
    (
        "https://sotaydangvien.haugiang.dcs.vn/danh-muc/van-kien/nghi-quyet/nghi-quyet-so-12.html",
        "/danh-muc/van-kien/nghi-quyet/nghi-quyet-so-12.html",
        "12",
    ),
    (
        f"{H}/vi-vn/tin/hoi-nghi-ban-chap-hanh/12-3-2021",
        "/vi-vn/tin/hoi-nghi-ban-chap-hanh/12-3-2021",
        "2021",
    ),
    # NukeViet: <module>/<cat>/<slug>-<id>.html is an id only when configured
    (f"{H}/news/thoi-su/hoi-nghi-1234.html", "/news/thoi-su/hoi-nghi-1234.html", "1234"),
    (f"{H}/bai-viet_77.aspx", "/bai-viet_77.aspx", "77"),
    # the query id wins over the path
    (f"{H}/tin/hoi-nghi-1234.html?id=99", "99", "99"),
    # not a number: no id
    (f"{H}/x?id=abc", "/x?id=abc", "/x?id=abc"),
    (f"{H}/gioi-thieu/su.html", "/gioi-thieu/su.html", "/gioi-thieu/su.html"),
]  # fmt: skip


@pytest.mark.parametrize(("url", "default", "slug"), SHAPES)
def test_article_keys_over_url_shapes(url: str, default: str, slug: str) -> None:
    assert ArticleKeys().key(url) == default
    assert ArticleKeys(slug_ids=True).key(url) == slug


def test_a_trailing_number_never_makes_two_slugs_one_article() -> None:
    keys = ArticleKeys()
    urls = [f"{H}/tin-tuc/bai-{n}-nam-2021.html" for n in ("mot", "hai", "ba")]
    assert len({keys.key(url) for url in urls}) == 3
    assert all(is_url_key(keys.key(url)) for url in urls)


def test_site_configured_pattern_wins() -> None:
    keys = ArticleKeys.from_strings(r"/vi-vn/tin/[^/]+/(\d+-\d+-\d+)$")
    assert keys.key(f"{H}/vi-vn/tin/hoi-nghi/12-3-2021") == "12-3-2021"
    assert keys.key(f"{H}/vi-vn/tin/khac/12-3-2021") == "12-3-2021"
    # the pattern does not match: the other rules apply
    assert keys.key(f"{H}/Default.aspx?ID=5") == "5"


@pytest.mark.parametrize("pattern", [r"/tin/\d+", r"/(\d+)/(\d+)", r"/(\d+"])
def test_a_pattern_needs_exactly_one_group(pattern: str) -> None:
    with pytest.raises(ValueError, match=r"group|compile"):
        ArticleKeys.from_strings(pattern)


def test_id_params_can_be_chosen() -> None:
    keys = ArticleKeys.from_strings(id_params=["maTin"])
    assert keys.key(f"{H}/tin.aspx?matin=31") == "31"
    assert keys.key(f"{H}/tin.aspx?id=31") == "/tin.aspx?id=31"


def test_same_id_in_two_spellings_is_one_key() -> None:
    keys = ArticleKeys(slug_ids=True)
    assert keys.key("http://haugiang.dcs.vn/tin/a-1234.html") == keys.key(
        "https://haugiang.dcs.vn/chuyen-muc/b-1234.html?utm_source=fb"
    )


def test_url_keys_are_canonical() -> None:
    key = ArticleKeys().key("HTTPS://HauGiang.dcs.vn:443/tin-tuc/a.html?utm_source=x#top")
    assert key == "/tin-tuc/a.html"  # the location: no scheme, host or port
    assert not re.match(r"^https?://", key)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://Example.COM/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("http://example.com:8080/a", "http://example.com:8080/a"),
        ("https://example.com/a#section", "https://example.com/a"),
        ("https://example.com/a?b=2&a=1", "https://example.com/a?a=1&b=2"),
        ("https://example.com/a?utm_source=x&utm_medium=y&p=1", "https://example.com/a?p=1"),
        ("https://example.com/a?PHPSESSID=abc&p=1", "https://example.com/a?p=1"),
        ("https://example.com/a?sid=1&SessionId=2&ASPSESSIONIDQQ=3", "https://example.com/a"),
        ("https://example.com/a;jsessionid=XYZ?p=1", "https://example.com/a?p=1"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com/tin tức", "https://example.com/tin%20t%E1%BB%A9c"),
        ("https://example.com/a?q=", "https://example.com/a?q="),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_canonical_url_is_idempotent() -> None:
    url = "HTTPS://Example.com:443/tin/Tin Tức?b=1&a=2&utm_campaign=z#x"
    assert canonical_url(canonical_url(url)) == canonical_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://haugiang.dcs.vn/tin-tuc/a.html?b=2&a=1",
        "https://haugiang.dcs.vn/tin-tuc/a.html?a=1&b=2#top",
        "https://WWW.haugiang.dcs.vn:443/tin-tuc/a.html?a=1&b=2&utm_source=x",
        "http://old-portal.example.vn:8080/tin-tuc/a.html?a=1&b=2",
    ],
)
def test_a_page_at_any_address_of_its_site_has_one_key(url: str) -> None:
    addresses = SiteAddresses.of(["haugiang.dcs.vn", "old-portal.example.vn"])
    assert ArticleKeys().key(url) == "/tin-tuc/a.html?a=1&b=2"
    assert url in addresses
    assert addresses.place(url) == "/tin-tuc/a.html?a=1&b=2"
    moved = addresses.at(url, "https://haugiang.dcs.vn/")
    assert moved.startswith("https://haugiang.dcs.vn/tin-tuc/a.html?")
    assert canonical_url(moved) == "https://haugiang.dcs.vn/tin-tuc/a.html?a=1&b=2"


def test_an_off_site_host_stays_off_site() -> None:
    addresses = SiteAddresses.of(["haugiang.dcs.vn"])
    other = "https://soctrang.dcs.vn/tin-tuc/a.html"
    assert other not in addresses
    assert addresses.place(other) == canonical_url(other)  # not the location alone
    assert addresses.at(other, "https://haugiang.dcs.vn/") == other
    assert "https://sotaydangvien.haugiang.dcs.vn/a.html" not in addresses  # a sub-domain
    assert "ftp://haugiang.dcs.vn/a.html" not in addresses
    # a site whose hosts are not known yet: every host is its
    assert other in SiteAddresses()


def test_spellings_cover_both_schemes_and_every_host() -> None:
    addresses = SiteAddresses.of(["new.vn", "old.vn"])
    spelled = addresses.spellings("https://new.vn/a.html")
    for url in ("http://old.vn/a.html", "https://old.vn/a.html", "http://new.vn/a.html"):
        assert url in spelled


def test_short_ids_are_the_sites_own_or_a_stable_hash() -> None:
    assert short_key("39941") == "39941"
    assert short_key("39941#2") == "39941#2"
    location = site_location("https://haugiang.dcs.vn/tin-tuc/dai-hoi-lan-thu-14.html")
    first = short_key(location)
    assert first == short_key("/tin-tuc/dai-hoi-lan-thu-14.html")
    assert first != short_key("/tin-tuc/dai-hoi-lan-thu-13.html")
    assert len(first) == 9 and first.startswith("u")
    assert is_url_key(location) and is_url_key("https://haugiang.dcs.vn/a.html")
    assert not is_url_key("39941")
