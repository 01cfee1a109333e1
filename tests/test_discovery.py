"""``LinkFinder`` against Scrapy's own ``LinkExtractor``: the same in-site links, in the
same order, on every saved page, on replica pages of every theme and URL scheme, and on
hrefs of every awkward shape, also when its per-crawl cache answers."""

from __future__ import annotations

import urllib.request
from collections import deque
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse
from scrapy.linkextractors import LinkExtractor

from hgcrawler.fetch.discovery import LinkFinder
from hgcrawler.read.urls import same_site
from hgcrawler.replica import ReplicaServer, ReplicaSite

PAGES = Path(__file__).parent / "pages"


def scrapy_links(response: HtmlResponse, hosts: list[str]) -> list[tuple[str, str]]:
    return [
        (link.url, link.text)
        for link in LinkExtractor(unique=False, canonicalize=False).extract_links(response)
        if any(same_site(link.url, host) for host in hosts)
    ]


def finder(hosts: list[str], cache_size: int = 50_000) -> LinkFinder:
    return LinkFinder(lambda url: any(same_site(url, host) for host in hosts), cache_size)


@pytest.mark.parametrize("name", sorted(p.name for p in PAGES.glob("*.html")))
def test_saved_pages(name: str) -> None:
    body = (PAGES / name).read_bytes()
    hosts = ["haugiang.dcs.vn"]
    links = finder(hosts)
    for url in (
        "https://haugiang.dcs.vn/tin-tuc/bai-viet-1.html",
        "https://haugiang.dcs.vn/Default.aspx?tabid=3&NewsID=55",
        "https://haugiang.dcs.vn/a/b/c/",
    ):  # the second and third pages are answered partly from the cache
        response = HtmlResponse(url, body=body, encoding="utf-8")
        expected = scrapy_links(response, hosts)
        assert links.links(response) == expected


AWKWARD = """<html><head>{base}</head><body>
<a href="/tin-tuc/a.html">  Tin   <b>đậm</b> </a>
<a href=" /tin-tuc/b.html?x=1&amp;y=2#top ">b</a>
<a href="tin-tuc/c.html">relative</a>
<a href="../d.html">up</a>
<a href="?page=2">2</a>
<a href="#frag">fragment</a>
<a href="">empty</a>
<a>no href</a>
<a href="//haugiang.dcs.vn/e.html">scheme-relative</a>
<a href="//other.example/f.html">other host, scheme-relative</a>
<a href="https://haugiang.dcs.vn/g.html">absolute</a>
<a href="HTTPS://HAUGIANG.DCS.VN/h.html">upper case</a>
<a href="http://www.haugiang.dcs.vn/i.html">www</a>
<a href="https://sotaydangvien.haugiang.dcs.vn/j.html">sub-domain</a>
<a href="https://example.com/k.html">off site</a>
<a href="mailto:ban@haugiang.dcs.vn">mail</a>
<a href="javascript:void(0)">js</a>
<a href="tel:0293">tel</a>
<a href="/files/van-ban.pdf">pdf</a>
<a href="/images/anh.JPG">jpg</a>
<a href="/tin-tức/bài viết.html">Vietnamese path</a>
<a href="/search?q=Hậu Giang">Vietnamese query</a>
<a href="http:relative-with-scheme.html">scheme, no authority</a>
<a href="http://[::1">bad</a>
<map><area href="/area.html" alt="area"></map>
<a href="/tin-tuc/a.html">Tin again</a>
</body></html>"""


@pytest.mark.parametrize("base", ["", '<base href="https://haugiang.dcs.vn/khac/">'])
@pytest.mark.parametrize("encoding", ["utf-8", "cp1258"])
def test_awkward_hrefs(base: str, encoding: str) -> None:
    body = AWKWARD.format(base=base).encode(encoding, "xmlcharrefreplace")
    hosts = ["haugiang.dcs.vn"]
    links = finder(hosts)
    seen = []
    for url in (
        "https://haugiang.dcs.vn/muc/trang.html",
        "https://haugiang.dcs.vn/muc/con/trang-khac.html?p=1",
        "http://haugiang.dcs.vn/muc/trang.html",  # another scheme: another origin
        "https://haugiang.dcs.vn/muc/trang.html",  # the first page again, from the cache
    ):
        response = HtmlResponse(url, body=body, encoding=encoding)
        expected = scrapy_links(response, hosts)
        got = links.links(response)
        assert got == expected, url
        seen.append(got)
    urls = {url for page in seen for url, _ in page}
    assert "https://haugiang.dcs.vn/area.html" in urls
    assert not any(url.endswith((".pdf", ".JPG")) for url in urls)
    assert not any("example" in url or "sotaydangvien" in url for url in urls)


def test_cache_bound_changes_nothing() -> None:
    body = AWKWARD.format(base="").encode()
    hosts = ["haugiang.dcs.vn"]
    small = finder(hosts, cache_size=3)  # cleared many times a page
    for url in ("https://haugiang.dcs.vn/x.html", "https://haugiang.dcs.vn/y/z.html"):
        response = HtmlResponse(url, body=body, encoding="utf-8")
        assert small.links(response) == scrapy_links(response, hosts)
    assert len(small._cache) <= 3


def _crawl_pages(base_url: str, limit: int) -> list[HtmlResponse]:
    """Breadth-first over a replica, up to ``limit`` HTML pages."""
    host = base_url.split("//", 1)[1].split("/", 1)[0].split(":", 1)[0]
    queue, seen, pages = deque([base_url]), {base_url}, []
    while queue and len(pages) < limit:
        url = queue.popleft()
        try:
            with urllib.request.urlopen(url, timeout=10) as answer:
                body, final = answer.read(), answer.geturl()
                content_type = answer.headers.get("Content-Type", "")
        except OSError:
            continue
        if "html" not in content_type:
            continue
        response = HtmlResponse(final, body=body, headers={"Content-Type": content_type})
        pages.append(response)
        for link in scrapy_links(response, [host]):
            target = link[0].split("#", 1)[0]
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return pages


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"url_scheme": "slugs"},
        {"theme": "redesign"},
        {"theme": "province2", "counters": "script"},
    ],
    ids=["classic-ids", "classic-slugs", "redesign", "province2"],
)
def test_replica_pages(options: dict[str, str]) -> None:
    with ReplicaServer(ReplicaSite(articles=60, day=3, seed=5, **options)) as server:  # type: ignore[arg-type]
        pages = _crawl_pages(server.base_url, limit=80)
        host = server.base_url.split("//", 1)[1].split("/", 1)[0].split(":", 1)[0]
    assert len(pages) >= 40
    links = finder([host])
    total = 0
    for response in pages:
        expected = scrapy_links(response, [host])
        assert links.links(response) == expected, response.url
        total += len(expected)
    assert total > 10 * len(pages)  # menus and listings: links on every page
