from __future__ import annotations

import pytest

from hgcrawler.urls import article_key, canonical_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://haugiang.dcs.vn/tin/thuong-truc-tinh-uy-1234.html", "1234"),
        ("https://haugiang.dcs.vn/tin/1234", "1234"),
        ("https://haugiang.dcs.vn/tin/1234/", "1234"),
        ("/tin/1234", "1234"),
        ("https://haugiang.dcs.vn/Default.aspx?NewsID=55", "55"),
        ("https://haugiang.dcs.vn/Default.aspx?tabid=7&newsid=55", "55"),
        ("https://haugiang.dcs.vn/chi-tiet?ArticleId=900&page=2", "900"),
        ("https://haugiang.dcs.vn/x?itemid=12", "12"),
        ("https://haugiang.dcs.vn/x?nid=7#comments", "7"),
        ("https://haugiang.dcs.vn/x?ID=31", "31"),
        ("https://haugiang.dcs.vn/bai-viet_77.aspx", "77"),
        ("https://haugiang.dcs.vn/tin/hoi-nghi-1234.html;jsessionid=AB12", "1234"),
        # the query id wins over the path
        ("https://haugiang.dcs.vn/tin/hoi-nghi-1234.html?id=99", "99"),
        # no id: the canonical URL
        (
            "https://HauGiang.dcs.vn/gioi-thieu/lich-su.html",
            "https://haugiang.dcs.vn/gioi-thieu/lich-su.html",
        ),
        ("https://haugiang.dcs.vn/x?id=abc", "https://haugiang.dcs.vn/x?id=abc"),
        ("https://haugiang.dcs.vn/2024/05/bai-viet", "https://haugiang.dcs.vn/2024/05/bai-viet"),
    ],
)
def test_article_key(url: str, expected: str) -> None:
    assert article_key(url) == expected


def test_article_key_same_for_old_and_new_spelling() -> None:
    assert article_key("http://haugiang.dcs.vn/tin/a-1234.html") == article_key(
        "https://haugiang.dcs.vn/chuyen-muc/b-1234.html?utm_source=fb"
    )


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
