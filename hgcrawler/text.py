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


def parse_date(text: str) -> dt.date | None:
    """The first valid dd/mm/yyyy (or d/m/yyyy, with / . -) date in ``text``, else None.

    An impossible date such as 32/13/2021 is skipped, not guessed.
    """
    for match in _DATE.finditer(text):
        day, month, year = (int(g) for g in match.groups())
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    iso = _ISO_DATE.search(text)
    if iso:
        try:
            return dt.date(*(int(g) for g in iso.groups()))
        except ValueError:
            return None
    return None


def parse_view_count(text: str) -> int | None:
    """The first number in ``text``, allowing "." "," or thin spaces as thousands separators."""
    match = _COUNT.search(text)
    if match is None:
        return None
    return int(re.sub(r"\D", "", match.group(0)))
