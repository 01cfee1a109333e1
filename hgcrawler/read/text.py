"""Pure text helpers: Unicode normalisation, whitespace, dates and view counts.

>>> clean_text("  Tin\\u00a0trong   tỉnh ")
'Tin trong tỉnh'
>>> parse_date("Cập nhật vào ngày (8/3/2021)")
datetime.date(2021, 3, 8)
>>> parse_view_count("Số lần xem: 1.234")
1234
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Iterator

# zero-width characters and soft hyphens that CMS editors leave in text
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_HAS_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")

_DATE = re.compile(r"(?<!\d)(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})(?!\d)")
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_COUNT = re.compile(r"\d{1,3}(?:[.,\s\u00a0\u202f]\d{3})+(?!\d)|\d+")


def nfc(text: str) -> str:
    """Unicode NFC: Vietnamese typed as base letters plus combining marks becomes composed."""
    return unicodedata.normalize("NFC", text)


def clean_text(text: str | None) -> str:
    """NFC, invisible characters removed, every run of whitespace (incl. nbsp) one space."""
    if not text:
        return ""
    text = nfc(text)
    if not text.isascii() and _HAS_INVISIBLE.search(text):
        text = text.translate(_INVISIBLE)
    # str.split() and the regex \s both split on str.isspace() characters
    return " ".join(text.split())


def _fold_char(ch: str) -> str:
    if ch in "đĐ":
        return "d"
    base = unicodedata.normalize("NFD", ch)[0].lower()
    return base if len(base) == 1 else ch


class _FoldTable(dict[int, str]):
    """``str.translate`` table for :func:`fold`, filled one code point at a time."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = _fold_char(chr(code))
        return folded


_FOLD_TABLE = _FoldTable()


def fold(text: str) -> str:
    """Lower-case and strip Vietnamese diacritics (đ → d), one character for one.

    Keeps the length of NFC text, so an index found in the folded text is valid
    in the original: used for accent-insensitive matching of labels.

    >>> fold("Thường trực Tỉnh ủy")
    'thuong truc tinh uy'
    """
    if len(text) <= _CACHED_FOLD_CHARS:
        return _fold_short(text)
    return _fold(text)


def _fold(text: str) -> str:
    text = nfc(text)
    if text.isascii():
        return text.lower()
    return text.translate(_FOLD_TABLE)


#: Menus, sidebars and labels repeat on every page: their (short) folds are cached.
_CACHED_FOLD_CHARS = 160
_fold_short = functools.lru_cache(maxsize=8192)(_fold)


#: Date formats a site profile may name (``[labels] date_formats``): the regular
#: expression (searched in :func:`fold`-ed text) and the groups of day, month, year.
_DATE_FORMATS: dict[str, tuple[re.Pattern[str], tuple[int, int, int]]] = {
    "dd/mm/yyyy": (_DATE, (1, 2, 3)),
    "yyyy-mm-dd": (_ISO_DATE, (3, 2, 1)),
    "ngày d tháng m năm yyyy": (
        re.compile(r"\bngay\s+(\d{1,2})\s+thang\s+(\d{1,2})\s*(?:,\s*)?nam\s+(\d{4})(?!\d)"),
        (1, 2, 3),
    ),
}
#: The names of the date formats hgcrawler can read.
DATE_FORMATS = tuple(_DATE_FORMATS)
#: What the portals show unless a profile says otherwise: dd/mm/yyyy (d/m/yyyy, with
#: ``/ . -``), else an ISO date.
DEFAULT_DATE_FORMATS = ("dd/mm/yyyy", "yyyy-mm-dd")


def _dates(folded: str, name: str) -> Iterator[tuple[int, int, dt.date]]:
    pattern, (day, month, year) = _DATE_FORMATS[name]
    for match in pattern.finditer(folded):
        try:
            date = dt.date(int(match.group(year)), int(match.group(month)), int(match.group(day)))
        except ValueError:
            continue
        yield match.start(), match.end(), date


def find_dates(
    text: str, formats: tuple[str, ...] = DEFAULT_DATE_FORMATS
) -> list[tuple[int, int, dt.date]]:
    """Every valid date of ``formats`` in ``text`` as ``(start, end, date)``, in text order.

    Positions are those of the NFC text (:func:`fold` keeps them).  Impossible
    dates (32/13/2021) are skipped.

    >>> [d.isoformat() for _, _, d in find_dates("Thứ năm, 18/03/2021 - 32/13/2021")]
    ['2021-03-18']
    """
    folded = fold(text)
    return sorted(found for name in formats for found in _dates(folded, name))


def parse_date(text: str, formats: tuple[str, ...] = DEFAULT_DATE_FORMATS) -> dt.date | None:
    """The first valid date in ``text``, trying ``formats`` in order, else None.

    By default dd/mm/yyyy (or d/m/yyyy, with / . -), else yyyy-mm-dd.  An
    impossible date such as 32/13/2021 is skipped, not guessed.

    >>> parse_date("Ngày 8 tháng 3 năm 2021", ("ngày d tháng m năm yyyy",))
    datetime.date(2021, 3, 8)
    """
    folded = fold(text)
    for name in formats:
        for _, _, date in _dates(folded, name):
            return date
    return None


def parse_view_count(text: str) -> int | None:
    """The first number in ``text``, allowing "." "," or thin spaces as thousands separators."""
    match = _COUNT.search(text)
    if match is None:
        return None
    return int(re.sub(r"\D", "", match.group(0)))


def iso_time(value: dt.date) -> str:
    """A date as ``YYYY-MM-DD``, a datetime as ISO 8601 UTC ending in ``Z``."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.isoformat().replace("+00:00", "Z")
    return value.isoformat()
