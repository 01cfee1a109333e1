"""``hgcrawler sites list`` and ``hgcrawler sites check NAME``, run as a user runs them,
``check`` fetching real pages from replicas on loopback."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hgcrawler.read.urls import site_location
from hgcrawler.replica import ArticleTruth, ReplicaServer, ReplicaSite
from tests.crawling import ROOT, expected_record

FIXTURES = Path(__file__).parent / "sites"


def hgcrawler(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hgcrawler.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def check(name: str, base_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return hgcrawler(
        "sites", "check", name, "--start-url", base_url, "--sites-dir", str(FIXTURES), *args
    )


@pytest.fixture(scope="module")
def replicas() -> Iterator[dict[str, tuple[ReplicaSite, str]]]:
    sites = {
        "ids": ReplicaSite(articles=60, day=1, seed=1),
        "province2": ReplicaSite(articles=60, day=1, seed=2, theme="province2", url_scheme="slugs"),
        "redesign": ReplicaSite(articles=60, day=1, seed=3, theme="redesign"),
        "drifted": ReplicaSite(articles=60, day=1, seed=1, drift="no_views"),
    }
    servers = {name: ReplicaServer(site) for name, site in sites.items()}
    for server in servers.values():
        server.start()
    try:
        yield {name: (sites[name], servers[name].base_url) for name in sites}
    finally:
        for server in servers.values():
            server.stop()


def truth_by_url(site: ReplicaSite, base_url: str) -> dict[str, ArticleTruth]:
    return {t.absolute_url(base_url): t for t in site.live_articles()}


# ---------------------------------------------------------------- list


def test_list_shows_every_profile_and_where_it_comes_from(tmp_path: Path) -> None:
    for path in FIXTURES.glob("*.toml"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "haugiang.toml").write_text(
        'name = "haugiang"\ntitle = "Hậu Giang (mirror)"\n'
        'start_url = "https://mirror.example.vn/"\nenabled = false\n',
        encoding="utf-8",
    )
    done = hgcrawler("sites", "list", "--sites-dir", str(tmp_path))
    assert done.returncode == 0, done.stderr
    rows = [line.split("  ") for line in done.stdout.splitlines()[2:-1]]
    cells = [[cell.strip() for cell in row if cell.strip()] for row in rows]
    assert cells == [
        [
            "haugiang (disabled)",
            "Hậu Giang (mirror)",
            "https://mirror.example.vn/",
            f"{tmp_path / 'haugiang.toml'} (overrides the built-in)",
        ],
        [
            "replica-ids",
            "Cổng thông tin điện tử Đảng bộ tỉnh Hậu Giang (re…",
            "http://127.0.0.2:8000/",
            str(tmp_path / "replica-ids.toml"),
        ],
        [
            "replica-province2",
            "Trang thông tin điện tử Đảng bộ tỉnh Sóc Trăng (r…",
            "http://127.0.0.3:8000/",
            str(tmp_path / "replica-province2.toml"),
        ],
    ]
    assert done.stdout.splitlines()[-1] == f"(your profiles: {tmp_path})"


def test_list_names_a_broken_profile_and_exits_1(tmp_path: Path) -> None:
    (tmp_path / "broken.toml").write_text('name = "broken"\n', encoding="utf-8")
    done = hgcrawler("sites", "list", "--sites-dir", str(tmp_path))
    assert done.returncode == 1
    assert done.stderr == f"hgcrawler sites list: {tmp_path / 'broken.toml'}: start_url: missing\n"
    assert "haugiang" in done.stdout and "built-in" in done.stdout


def test_list_without_user_profiles_shows_the_builtin_one(tmp_path: Path) -> None:
    done = hgcrawler("sites", "list", "--data-dir", str(tmp_path))
    assert done.returncode == 0
    assert done.stdout.splitlines()[2].split() == [
        "haugiang",
        "Cổng",
        "thông",
        "tin",
        "điện",
        "tử",
        "Đảng",
        "bộ",
        "tỉnh",
        "Hậu",
        "Giang",
        "https://haugiang.dcs.vn/",
        "built-in",
    ]
    assert done.stdout.splitlines()[-1] == f"(your profiles: {tmp_path / 'sites'})"


# ---------------------------------------------------------------- check


@pytest.mark.parametrize(
    ("profile", "replica"), [("replica-ids", "ids"), ("replica-province2", "province2")]
)
def test_the_right_profile_finds_every_field(
    replicas: dict[str, tuple[ReplicaSite, str]], profile: str, replica: str
) -> None:
    site, base_url = replicas[replica]
    done = check(profile, base_url, "--json", "--articles", "3")
    result: dict[str, Any] = json.loads(done.stdout)
    truths = truth_by_url(site, base_url)
    articles = [page for page in result["pages"] if page["kind"] == "article"]
    assert len(articles) == 3
    for page in articles:
        truth = truths[page["url"]]
        expected = expected_record(truth, base_url)
        assert {key: page["fields"][key] for key in expected} == expected, page["url"]
        if replica == "ids":  # <slug>-<id>.html with slug_ids on
            assert (page["key"], page["key_is_id"]) == (str(truth.id), True)
        else:  # no ids: keys are the URLs
            assert (page["key"], page["key_is_id"]) == (site_location(page["url"]), False)
        assert page["missing"] == []
    # the pages that are no articles are the home page's category listings
    others = [page["url"] for page in result["pages"] if page["kind"] != "article"]
    categories = {base_url + slug + "/" for slug, _ in site.categories}
    assert set(others) <= categories
    assert (done.returncode, result["exit_code"]) == (0, 0), done.stdout
    assert result["start_status"] == 200 and result["links"] > 20


def test_the_text_report_names_each_field(replicas: dict[str, tuple[ReplicaSite, str]]) -> None:
    site, base_url = replicas["province2"]
    done = check("replica-province2", base_url, "--articles", "1")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == (
        f"site replica-province2: Trang thông tin điện tử Đảng bộ tỉnh Sóc Trăng (replica) "
        f"({FIXTURES / 'replica-province2.toml'})"
    )
    assert lines[1] == "labels 'Lượt xem' (or a bare date); ids: from the URL only"
    article = next(i for i, line in enumerate(lines) if line.startswith("article "))
    truth = truth_by_url(site, base_url)[lines[article].split(" ", 1)[1]]
    fields = dict(line.split(None, 1) for line in lines[article + 1 : article + 13])
    assert fields["title"] == truth.title
    assert fields["date"] == truth.updated_on.isoformat()
    assert fields["views"] == str(truth.views)
    assert fields["category"] == truth.category
    assert fields["images"] == str(len(truth.images))
    assert fields["missing"] == fields["doubtful"] == "nothing"
    assert fields["source"] == (truth.source or "-")
    assert fields["found"].split()[:2] == ["by", "end"]
    assert lines[-1].startswith("result: 1 article pages read with every required field")


def test_the_hau_giang_profile_on_another_portal_reports_the_missing_labels(
    replicas: dict[str, tuple[ReplicaSite, str]],
) -> None:
    site, base_url = replicas["province2"]
    done = hgcrawler("sites", "check", "haugiang", "--start-url", base_url)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    tried = [line.split(": ")[1] for line in lines if line.startswith("not an article: ")]
    assert len(tried) == 15  # 3 × 3 + 6 pages tried, none read
    assert lines[-2] == (
        "result: no article page among the 15 pages fetched: none shows a "
        "'Cập nhật vào ngày' / 'Số lần xem' line"
    )
    truths = truth_by_url(site, base_url)
    labelled = [url for url in tried if url in truths and truths[url].variant != "no_views"]
    assert len(labelled) >= 10
    assert lines[-1] == (
        f"  hint: the pages show 'Lượt xem' ({len(labelled)} of 15), which the profile's "
        "[labels] views does not name"
    )


def test_a_redesign_is_reported_with_both_new_labels(
    replicas: dict[str, tuple[ReplicaSite, str]],
) -> None:
    _, base_url = replicas["redesign"]
    done = hgcrawler("sites", "check", "haugiang", "--start-url", base_url, "--json")
    assert done.returncode == 1
    result = json.loads(done.stdout)
    assert result["pages"] and not [p for p in result["pages"] if p["kind"] == "article"]
    hints = sorted(hint.split(" (")[0] for hint in result["hints"])
    assert hints == ["the pages show 'Lượt xem'", "the pages show 'Ngày đăng'"]
    assert any("[labels] date does not name" in hint for hint in result["hints"])


def test_a_missing_field_is_named(replicas: dict[str, tuple[ReplicaSite, str]]) -> None:
    """The view count's label was renamed ("Lượt đọc"): the date still finds the articles,
    whose view count is missing."""
    site, base_url = replicas["drifted"]
    done = check("replica-ids", base_url, "--articles", "2", "--json")
    assert done.returncode == 1, done.stdout
    result = json.loads(done.stdout)
    truths = truth_by_url(site, base_url)
    articles = [page for page in result["pages"] if page["kind"] == "article"]
    assert [truths[page["url"]].title for page in articles] == [
        page["fields"]["title"] for page in articles
    ]
    assert [page["missing"] for page in articles] == [["views"], ["views"]]
    text = check("replica-ids", base_url, "--articles", "2")
    assert text.returncode == 1
    lines = text.stdout.splitlines()
    fetched = len(result["pages"])
    assert lines[-2] == f"result: 2 of 2 article pages lack views ({fetched} pages fetched)"
    assert lines[-1] == (
        f"  hint: the pages show 'Lượt đọc' (2 of {fetched}), which the profile's [labels] "
        "views does not name"
    )


def test_an_unknown_profile_or_an_unreachable_start_page_exit_2(tmp_path: Path) -> None:
    unknown = hgcrawler("sites", "check", "nowhere", "--data-dir", str(tmp_path))
    assert unknown.returncode == 2 and unknown.stdout == ""
    assert unknown.stderr == (
        "hgcrawler sites check: HGCRAWLER_SITE=nowhere: no site profile named 'nowhere' "
        f"(built-in or in {tmp_path / 'sites'}); known: haugiang\n"
    )
    refused = check("replica-ids", "http://127.0.0.1:1/")
    assert refused.returncode == 2
    assert refused.stdout.splitlines()[-1] == (
        "start page http://127.0.0.1:1/: cannot be fetched: URLError: [Errno 111] "
        "Connection refused"
    )


def test_a_real_portal_needs_a_contact(tmp_path: Path) -> None:
    done = hgcrawler("sites", "check", "haugiang", "--data-dir", str(tmp_path))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("hgcrawler sites check: set HGCRAWLER_CONTACT")
