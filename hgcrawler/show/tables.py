"""Plain-text tables for the terminal.

>>> print(format_table([["39993", 361], ["40001", 12]], ["id", "views"], align="lr"))
id     views
-----  -----
39993    361
40001     12
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from typing import Any

__all__ = ["MIN_RATE_DAYS", "cell", "duration", "format_table", "truncate", "width"]

#: The shortest span between two counts of an article over which a rate per day is
#: shown (``query growth``, the report): counts seconds apart gave "millions a day".
MIN_RATE_DAYS = 1.0


def width(text: str) -> int:
    """Columns ``text`` takes on a terminal (combining marks take none)."""
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in text
    )


def truncate(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` columns, ending with ``…`` when cut."""
    text = " ".join(text.split())
    if width(text) <= limit:
        return text
    out, used = [], 0
    for ch in text:
        w = width(ch)
        if used + w > limit - 1:
            break
        out.append(ch)
        used += w
    return "".join(out).rstrip() + "…"


def duration(days: float | None) -> str:
    """A span given in days, readably: ``3.0 d``, ``5.2 h``, ``12 min``, ``9 s``."""
    if days is None:
        return "-"
    seconds = float(days) * 86400
    if seconds >= 86400:
        return f"{seconds / 86400:.1f} d"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.0f} s"


def cell(value: Any) -> str:
    """A value as table text: dates as ISO dates, times to the minute (UTC),
    thousands separated, None as ``-``."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        if (value.hour, value.minute, value.second) == (0, 0, 0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return str(value)


def format_table(
    rows: Sequence[Sequence[Any]],
    headers: Sequence[str],
    *,
    align: str = "",
    max_widths: Sequence[int | None] = (),
) -> str:
    """Rows under headers, columns separated by two spaces.

    ``align`` has one letter per column, ``l`` or ``r`` (default: numbers
    right, text left); ``max_widths`` truncates columns (None: no limit).
    """
    texts = [[cell(value) for value in row] for row in rows]
    columns = len(headers)
    limits = list(max_widths) + [None] * (columns - len(max_widths))
    for row in texts:
        for index, limit in enumerate(limits):
            if limit is not None and index < len(row):
                row[index] = truncate(row[index], limit)
    sides = []
    for index in range(columns):
        if index < len(align):
            sides.append(align[index])
        else:
            numeric = all(
                isinstance(row[index], int | float) and not isinstance(row[index], bool)
                for row in rows
                if index < len(row) and row[index] is not None
            )
            sides.append("r" if rows and numeric else "l")
    widths = [width(header) for header in headers]
    for row in texts:
        for index, text in enumerate(row[:columns]):
            widths[index] = max(widths[index], width(text))

    def line(values: Sequence[str]) -> str:
        parts = []
        for index, text in enumerate(values[:columns]):
            pad = " " * (widths[index] - width(text))
            parts.append(pad + text if sides[index] == "r" else text + pad)
        return "  ".join(parts).rstrip()

    out = [line(list(headers)), line(["-" * w for w in widths])]
    out.extend(line(row) for row in texts)
    return "\n".join(out)
