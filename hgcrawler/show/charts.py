"""Charts of the archive as PNG images (matplotlib, Agg backend, no display needed).

Each function draws from plain data (what :class:`hgcrawler.storage.reader.ArchiveReader` returns),
writes PNG bytes and returns a :class:`Chart` holding the image and the data
actually plotted, so callers and tests can check what is on the picture.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from hgcrawler.read.urls import short_id

__all__ = [
    "Chart",
    "Series",
    "bar_chart",
    "line_chart",
    "views_chart",
]

DPI = 100
PALETTE = (
    "#1f5fa8",
    "#c0392b",
    "#2e8b57",
    "#d68910",
    "#7d3c98",
    "#17a2b8",
    "#8e6e53",
    "#e84393",
    "#5d6d7e",
    "#27ae60",
)


@dataclass(frozen=True)
class Series:
    """One line: a label and its (time, value) points, oldest first."""

    label: str
    points: Sequence[tuple[dt.datetime, float]]


@dataclass
class Chart:
    """A drawn chart: PNG bytes, pixel size and the data plotted."""

    png: bytes
    width: int
    height: int
    series: list[Series] = field(default_factory=list)
    bars: list[tuple[str, float]] = field(default_factory=list)
    #: the time axis's ends, for a chart over time
    time_range: tuple[dt.datetime, dt.datetime] | None = None
    #: pixel boxes ``(x0, y0, x1, y1)`` of the drawn parts: ``axes``, ``legend``
    boxes: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)

    def save(self, path: str | Path) -> Path:
        target = Path(path).expanduser()
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(self.png)
        return target

    def data_uri(self) -> str:
        """The PNG as a ``data:`` URI, for self-contained HTML."""
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


def _figure(size: tuple[int, int]) -> Figure:
    figure = Figure(figsize=(size[0] / DPI, size[1] / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _thousands(value: float, _position: Any = None) -> str:
    return f"{value:,.0f}"


def _label(text: str, limit: int = 48) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def line_chart(
    series: Sequence[Series],
    *,
    title: str = "",
    ylabel: str = "views",
    size: tuple[int, int] = (900, 480),
) -> Chart:
    """Lines over time, one per series (with markers at each point)."""
    figure = _figure(size)
    axes = figure.add_subplot()
    plotted = [s for s in series if s.points]
    for index, one in enumerate(plotted):
        times = [float(date2num(point[0])) for point in one.points]
        values = [point[1] for point in one.points]
        axes.plot(
            times,
            values,
            marker="o",
            markersize=4,
            linewidth=1.8,
            color=PALETTE[index % len(PALETTE)],
            label=_label(one.label),
        )
    time_range = None
    legend = None
    if plotted:
        time_range = _time_range(plotted)
        axes.set_xlim(float(date2num(time_range[0])), float(date2num(time_range[1])))
        locator = AutoDateLocator()
        axes.xaxis.set_major_locator(locator)
        axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        if len(plotted) > 1 or plotted[0].label:
            # below the plot, never over a line
            legend = figure.legend(
                loc="outside lower center", ncols=min(2, len(plotted)), fontsize="small"
            )
    else:
        axes.text(0.5, 0.5, "no data", ha="center", va="center", transform=axes.transAxes)
    axes.yaxis.set_major_formatter(FuncFormatter(_thousands))
    axes.set_ylabel(ylabel)
    axes.grid(True, alpha=0.3)
    if title:
        axes.set_title(title)
    png = _png(figure)
    boxes = {"axes": _box(axes.get_window_extent().extents)}
    if legend is not None:
        boxes["legend"] = _box(legend.get_window_extent().extents)
    return Chart(
        png=png,
        width=size[0],
        height=size[1],
        series=list(plotted),
        time_range=time_range,
        boxes=boxes,
    )


def _box(extents: Any) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (float(value) for value in extents)
    return x0, y0, x1, y1


def _time_range(series: Sequence[Series]) -> tuple[dt.datetime, dt.datetime]:
    """The time axis's ends: the points' span with a margin of 5 %, and for points all
    at one moment (one day of data) half a day either side — not matplotlib's default
    of years."""
    times = [point[0] for one in series for point in one.points]
    first, last = min(times), max(times)
    margin = (last - first) * 0.05 if last > first else dt.timedelta(hours=12)
    return first - margin, last + margin


def views_chart(
    histories: Mapping[str, Sequence[Mapping[str, Any]]],
    titles: Mapping[str, str] | None = None,
    *,
    size: tuple[int, int] = (900, 480),
    title: str = "View counts over time",
) -> Chart:
    """View counts of several articles: ``histories`` maps article id → its
    observations (``fetched_at``, ``views``; those without a count are skipped)."""
    titles = titles or {}
    series = []
    for article_id, observations in histories.items():
        points = [
            (obs["fetched_at"], float(obs["views"]))
            for obs in observations
            if obs.get("views") is not None and obs.get("fetched_at") is not None
        ]
        # the short id a person reads in the tables, then the title
        label = f"{short_id(article_id)} {titles.get(article_id, '')}".strip()
        series.append(Series(label=label, points=points))
    return line_chart(series, title=title, size=size)


def bar_chart(
    bars: Sequence[tuple[str, float]],
    *,
    title: str = "",
    xlabel: str = "",
    size: tuple[int, int] = (900, 360),
) -> Chart:
    """Horizontal bars, first item on top."""
    figure = _figure(size)
    axes = figure.add_subplot()
    labels = [_label(label, 40) for label, _ in bars]
    values = [value for _, value in bars]
    positions = list(range(len(bars)))
    axes.barh(positions, values, color=PALETTE[0])
    axes.set_yticks(positions, labels)
    axes.invert_yaxis()
    axes.xaxis.set_major_formatter(FuncFormatter(_thousands))
    for position, value in zip(positions, values, strict=True):
        axes.annotate(
            _thousands(value),
            (value, position),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize="small",
        )
    if xlabel:
        axes.set_xlabel(xlabel)
    if title:
        axes.set_title(title)
    axes.grid(True, axis="x", alpha=0.3)
    return Chart(png=_png(figure), width=size[0], height=size[1], bars=list(bars))
