"""``hgcrawler plot`` (PNG) and ``hgcrawler report`` (self-contained HTML, opened
in headless Chromium) on the archive built by crawling the replica."""

from __future__ import annotations

import io
import re
import struct
from pathlib import Path

import pytest

from hgcrawler.cli import main
from hgcrawler.read.urls import short_id
from hgcrawler.show.charts import views_chart
from hgcrawler.show.report import build_report, render_report
from hgcrawler.storage import ArchiveReader
from tests.archive_fixture import DAYS, Archive, archive_for
from tests.archive_view import aid, count
from tests.conftest import MongoServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def archive(mongo_server: MongoServer, tmp_path_factory: pytest.TempPathFactory) -> Archive:
    """The replica crawled over four days (built once per session)."""
    return archive_for(mongo_server, tmp_path_factory)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_plot_writes_a_png_with_one_line_per_article(
    capsys: pytest.CaptureFixture[str],
    archive: Archive,
    tmp_path: Path,
) -> None:
    out = tmp_path / "views.png"
    ids = ["39993", "39941"]
    seed_url = archive.base_url.rstrip("/") + archive.truth[DAYS]["39993"].url
    code = main(["plot", seed_url, ids[1], "--out", str(out), "--size", "800x400", *archive.args()])
    assert code == 0, capsys.readouterr().err
    assert f"2 series, {2 * DAYS} points" in capsys.readouterr().err
    data = out.read_bytes()
    assert png_size(data) == (800, 400)

    reader = ArchiveReader(archive.db())
    chart = views_chart({aid(i): reader.view_series(aid(i)) for i in ids}, size=(800, 400))
    assert [s.label for s in chart.series] == ids  # the short id (the site's own here)
    location = aid("/tin-tuc/a.html")  # an article keyed by its location: a hashed short id
    titled = views_chart(
        {location: reader.view_series(aid(ids[0]))}, {location: "Hội nghị"}, size=(800, 400)
    )
    assert titled.series[0].label == f"{short_id(location)} Hội nghị"
    for series, key in zip(chart.series, ids, strict=True):
        expected = [archive.truth[day][key].views for day in range(1, DAYS + 1)]
        assert [value for _, value in series.points] == expected

    from matplotlib.image import imread

    pixels = imread(io.BytesIO(data), format="png")
    colours = {tuple(p) for p in pixels.reshape(-1, pixels.shape[-1])[::7].round(2).tolist()}
    assert len(colours) > 20  # lines, text and axes, not a blank image

    assert main(["plot", "987654", "--out", str(out), *archive.args()]) == 1
    assert "no article '987654'" in capsys.readouterr().err
    assert main(["plot", "39942", "--out", str(tmp_path / "none.png"), *archive.args()]) == 1
    assert "has a view count to plot" in capsys.readouterr().err  # a `no_views` page


def test_report_growth_only_over_counts_a_day_apart(archive: Archive) -> None:
    """The fixture's four crawls ran seconds apart: no rate per day is shown, and the
    page says why; the lists say what they are sorted by."""
    context = build_report(ArchiveReader(archive.db()))
    assert context["growth"] == [] and "growth" not in context["charts"]
    html = render_report(context)
    assert "No article has two view counts 1.0 d apart yet." in html
    assert "Sorted by views gained per day" in html
    assert "Sorted by each article's latest view count." in html


def test_report_context_matches_the_archive(archive: Archive) -> None:
    context = build_report(ArchiveReader(archive.db()), min_rate_days=0)
    truth = {k: t for k, t in archive.truth[DAYS].items() if not t.malformed}
    assert context["totals"]["articles"] == len(truth)
    assert context["totals"]["crawls"] == DAYS
    assert {c["crawl_id"] for c in context["crawls"]} == set(archive.crawl_ids)
    assert set(context["charts"]) == {"top", "growth", "categories", "site_views"}
    assert context["charts"]["top"]["series"] == 5
    deleted = {k for k, t in truth.items() if t.status == "deleted"}
    assert {doc["_id"] for doc in context["removals"]} == {aid(key) for key in deleted}
    html = render_report(context)
    assert "http://" not in re.sub(r'href="[^"]*"', "", html)  # nothing fetched at view time
    assert "<script" not in html


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")
def test_report_opens_in_chromium_with_its_charts(
    capsys: pytest.CaptureFixture[str],
    archive: Archive,
    tmp_path: Path,
) -> None:
    out = tmp_path / "report.html"
    assert main(["report", "--out", str(out), *archive.args()]) == 0
    assert f"→ {out}" in capsys.readouterr().err
    truth = {k: t for k, t in archive.truth[DAYS].items() if not t.malformed}
    top = max(
        (t for t in truth.values() if t.status != "deleted" and t.views_in_static_html and t.views),
        key=lambda t: t.views,
    )

    from playwright.sync_api import sync_playwright

    requests: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("request", lambda request: requests.append(request.url))
            page.goto(out.as_uri())
            images = page.eval_on_selector_all(
                "img.chart",
                "els => els.map(e => ({id: e.id, src: e.src.slice(0, 22),"
                " w: e.naturalWidth, h: e.naturalHeight, complete: e.complete}))",
            )
            values = page.eval_on_selector_all(
                "[data-key]",
                "els => Object.fromEntries(els.map(e => [e.dataset.key, e.textContent]))",
            )
            text = page.inner_text("body")
        finally:
            browser.close()
    assert {image["id"] for image in images} == {
        "chart-site-views", "chart-categories", "chart-top",  # no growth: crawls seconds apart
    }  # fmt: skip
    for image in images:
        assert image["src"] == "data:image/png;base64,"
        assert image["complete"] and image["w"] >= 800 and image["h"] >= 300
    assert all(url.startswith(("file:", "data:")) for url in requests), requests
    assert values["articles"] == str(len(truth))
    assert values["removed"] == str(sum(t.status == "deleted" for t in truth.values()))
    assert values["crawls"] == str(DAYS)
    assert values["live"] == str(sum(t.status != "deleted" for t in truth.values()))
    assert values["observations"] == f"{count(archive.db()):,}"
    assert top.title in text and f"{top.views:,}" in text
    for category in {t.category for t in truth.values()}:
        assert category in text
    for crawl_id in archive.crawl_ids:
        assert crawl_id in text
    assert "finished" in text
