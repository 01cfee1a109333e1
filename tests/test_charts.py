"""Charts with few points on a sensible axis, and a legend that covers no line."""

from __future__ import annotations

import datetime as dt

from hgcrawler.show.charts import Series, line_chart

DAY = dt.datetime(2026, 12, 1, 6, 0, tzinfo=dt.UTC)


def overlaps(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_one_day_of_data_is_shown_on_that_day() -> None:
    """One dot per site (a single day of data) was drawn on a 2025–2029 axis."""
    chart = line_chart([Series("haugiang", [(DAY, 1234.0)])], title="totals")
    assert chart.time_range is not None
    start, end = chart.time_range
    assert start < DAY < end
    assert end - start == dt.timedelta(days=1)


def test_points_seconds_apart_keep_an_axis_of_seconds() -> None:
    points = [(DAY + dt.timedelta(seconds=10 * n), 100.0 + n) for n in range(4)]
    chart = line_chart([Series("a", points)])
    assert chart.time_range is not None
    start, end = chart.time_range
    assert start < points[0][0] and end > points[-1][0]
    assert end - start < dt.timedelta(minutes=1)


def test_the_legend_is_outside_the_plot() -> None:
    """Five long titles in a legend used to sit over the lines ("best" place)."""
    series = [
        Series(
            f"haugiang:{n} Thường trực Tỉnh ủy làm việc với Ban Thường vụ Huyện ủy",
            [(DAY + dt.timedelta(days=d), 1000.0 * n + 10 * d) for d in range(4)],
        )
        for n in range(5)
    ]
    chart = line_chart(series, size=(900, 420))
    assert set(chart.boxes) == {"axes", "legend"}
    assert not overlaps(chart.boxes["axes"], chart.boxes["legend"]), chart.boxes
    left, bottom, right, top = chart.boxes["legend"]
    assert left >= 0 and right <= 900 and bottom >= 0 and top <= 420  # inside the picture


def test_no_data_has_no_time_axis() -> None:
    chart = line_chart([Series("empty", [])])
    assert chart.time_range is None and "legend" not in chart.boxes
