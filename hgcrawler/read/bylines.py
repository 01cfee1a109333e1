"""Bylines and source credits as Vietnamese news pages write them.  Pure.

An article names its writer in one of a few shapes, above the body (under the
meta line or the lede) or below it:

- a label before the name: ``Tác giả: Nguyễn Văn A``, ``Bài và ảnh: Minh Anh``,
  ``Bài, ảnh: …``, ``Người viết: …``, ``Tin: …``, ``Bài: …`` (and a profile's own
  ``[labels] author``);
- a team instead of a name: ``Nhóm PV``, ``PV``, ``Nhóm phóng viên …``;
- a bare name line: ``HOÀNG Ý``, ``Minh Thư - Kim Ngân``, ``Ng.Thanh (TTXVN)`` —
  short, every word capitalised, often bold, uppercase or right-aligned.

A *source credit* says where the article was taken from: ``Nguồn: Báo Cần Thơ``,
``(Theo TTXVN)`` (and a profile's ``[labels] source``).  It is its own field,
``source``, and never the author.  Labels never stay in a value: ``Tác giả:
Nguyễn Văn A`` is the author ``Nguyễn Văn A``, ``Theo TTXVN`` the source ``TTXVN``.

Every function takes a block's text and says what it is; where a block sits in
the page (and so whether it may be a byline at all) is decided by
:mod:`hgcrawler.read.extraction`.

>>> author_credit("Tác giả: Nguyễn Văn A", BylineRules())
('Nguyễn Văn A', 'label:Tác giả')
>>> source_credit("(Theo TTXVN)", BylineRules(), tail=True)
('TTXVN', 'label:Theo')
>>> name_like("— Ng.V.A —"), name_like("Minh Thư - Kim Ngân"), name_like("HOÀNG Ý")
(False, True, True)
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from hgcrawler.read.text import clean_text, fold

__all__ = [
    "AUTHOR_LABELS",
    "MAX_BYLINE_CHARS",
    "SOURCE_LABELS",
    "BylineRules",
    "author_credit",
    "name_like",
    "photo_credit",
    "source_credit",
    "split_source",
]

#: A byline or credit line is short; a longer block is text.
MAX_BYLINE_CHARS = 120
#: Words of a bare name line (several names joined by "-", ",", "và" count together).
MAX_NAME_WORDS = 10
#: Words of a value after ``Theo`` (a longer one is a sentence: "Theo kế hoạch, …").
MAX_THEO_WORDS = 8

#: Built-in author labels: (the label as shown, its pattern over folded text).
AUTHOR_LABELS: tuple[tuple[str, str], ...] = (
    ("Tác giả", r"tac\s*gia"),
    ("Bài và ảnh", r"bai\s*(?:va|,|-|–|/|&|\+)\s*anh"),
    ("Tin và ảnh", r"tin\s*(?:va|,|-|–|/|&|\+)\s*anh"),
    ("Người viết", r"nguoi\s+viet"),
    ("Thực hiện", r"thuc\s+hien"),
    ("Phóng viên", r"phong\s+vien"),
    ("Bài", r"bai"),
    ("Tin", r"tin"),
)
#: Single-word labels need their colon ("Bài: X"); the others may go without ("Tác giả X").
_COLON_ONLY = frozenset({"Bài", "Tin"})
#: Team bylines: the whole line is the author.
TEAM_BYLINE = re.compile(r"^(?:nhom\s+(?:pv|phong\s+vien|tac\s+gia)|pv|nhom\s+ptv|ptv|bbt)\b")
#: Built-in source labels (``Theo`` is handled apart: it needs no colon).
SOURCE_LABELS: tuple[tuple[str, str], ...] = (
    ("Nguồn", r"nguon(?:\s+(?:tin|bai))?"),
    ("Trích nguồn", r"trich\s+nguon"),
)
_OPEN = r"^[\(\[\s]*"
_CLOSE = r"[\)\]\s.]*$"
_SEPARATOR = r"\s*(?:[:：]|[-–]\s)\s*"


def _label_pattern(label: str) -> str:
    """A profile's label as a pattern over folded text (spaces and commas loose)."""
    words = re.split(r"[\s,]+", fold(clean_text(label)).strip(" :"))
    return r"[\s,]*".join(re.escape(word) for word in words if word)


@dataclass(frozen=True)
class BylineRules:
    """The labels a site puts before its author and its source (its profile's, added to
    the built-in ones)."""

    author_labels: tuple[str, ...] = ()
    source_labels: tuple[str, ...] = ()

    @functools.cached_property
    def _authors(self) -> tuple[tuple[str, re.Pattern[str], bool], ...]:
        found = [(label, _label_pattern(label), False) for label in self.author_labels]
        found += [(label, pattern, label in _COLON_ONLY) for label, pattern in AUTHOR_LABELS]
        return tuple(
            (label, re.compile(rf"{_OPEN}(?:{pattern})\b"), colon)
            for label, pattern, colon in found
        )

    @functools.cached_property
    def _sources(self) -> tuple[tuple[str, re.Pattern[str]], ...]:
        found = [(label, _label_pattern(label)) for label in self.source_labels]
        found += list(SOURCE_LABELS)
        return tuple((label, re.compile(rf"{_OPEN}(?:{pattern})\b")) for label, pattern in found)

    @functools.cached_property
    def label_words(self) -> tuple[str, ...]:
        """Folded labels that never belong inside an author or source value."""
        words = ["tac gia", "nguon:", "nguon :", "luot xem", "so lan xem", "nguoi viet"]
        words += [fold(clean_text(label)) for label in (*self.author_labels, *self.source_labels)]
        return tuple(dict.fromkeys(word for word in words if word))


def _value(text: str, start: int) -> str:
    """The value after a label: brackets and a final full stop dropped."""
    value = text[start:].strip()
    value = re.sub(r"^[\s:：\-–]+", "", value)
    value = re.sub(r"[\s\)\]]+$", "", value)
    if value.endswith(".") and not re.search(r"\b\w\.$", value):  # "Ng.V.A." keeps its dot
        value = value[:-1]
    if value.count("(") > value.count(")"):
        value += ")"
    return clean_text(value)


def _plain_value(value: str) -> bool:
    return (
        0 < len(value) <= MAX_BYLINE_CHARS - 10
        and len(value.split()) <= MAX_NAME_WORDS + 2
        and any(ch.isalpha() for ch in value)
    )


_INNER_SOURCE = re.compile(r"\s*(?:[-–|;,]\s*|\()\s*(?:nguon(?:\s+(?:tin|bai))?\s*[:：]|theo\s+)")


def split_source(value: str) -> tuple[str, str | None]:
    """``"Minh Anh - Nguồn: Báo X"`` → ``("Minh Anh", "Báo X")``; else ``(value, None)``."""
    match = _INNER_SOURCE.search(fold(value))
    if match is not None and match.start() > 0:
        head, source = clean_text(value[: match.start()]), _value(value, match.end())
        if head and source:
            return head, source
    return value, None


def author_credit(text: str, rules: BylineRules) -> tuple[str, str] | None:
    """``(author, rule)`` when ``text`` is a labelled or a team byline, else None."""
    if len(text) > MAX_BYLINE_CHARS:
        return None
    folded = fold(text)
    for label, pattern, colon_only in rules._authors:
        match = pattern.match(folded)
        if match is None:
            continue
        after = folded[match.end() :]
        separated = re.match(_SEPARATOR, after)
        if separated is not None:
            value = _value(text, match.end() + separated.end())
        elif not colon_only and re.match(r"\s+\S", after):
            value = _value(text, match.end())
            if not name_like(value):
                continue
        else:
            continue
        if _plain_value(value) and not value.endswith(("?", "!")):
            return value, f"label:{label}"
    team = TEAM_BYLINE.match(folded.lstrip("([ "))
    if team is not None and name_like(text.strip("()[] ")):
        return clean_text(text.strip("()[] ")), "label:" + (
            "PV" if team.group(0) == "pv" else "Nhóm PV"
        )
    return None


def source_credit(text: str, rules: BylineRules, *, tail: bool) -> tuple[str, str] | None:
    """``(source, rule)`` when ``text`` is a source credit line, else None.

    ``Nguồn: …`` anywhere; ``Theo …`` (no colon: "Theo kế hoạch, …" is a sentence) only
    where ``tail`` says the block comes after the article's text, and only a short value
    without sentence punctuation.
    """
    if len(text) > MAX_BYLINE_CHARS:
        return None
    folded = fold(text)
    for label, pattern in rules._sources:
        match = pattern.match(folded)
        if match is None:
            continue
        separated = re.match(r"\s*[:：]\s*", folded[match.end() :])
        if separated is None:
            continue
        value = _value(text, match.end() + separated.end())
        if _plain_value(value):
            return value, f"label:{label}"
    if tail:
        match = re.match(rf"{_OPEN}theo\s+", folded)
        if match is not None:
            value = _value(text, match.end())
            if (
                _plain_value(value)
                and len(value.split()) <= MAX_THEO_WORDS
                and not re.search(r"[,;:!?]", value)
                and (value[:1].isupper() or _DOMAIN.fullmatch(value) is not None)
            ):
                return value, "label:Theo"
    return None


def _name_word(word: str) -> bool:
    """A capitalised word or an initial: ``Hoàng``, ``PV``, ``Ng.V.A``, ``O'Neil``."""
    return (
        word[:1].isalpha()
        and word[:1].isupper()
        and all(ch.isalpha() or ch in ".'’-" for ch in word)
    )


_DOMAIN = re.compile(r"[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}")
_NAME_JOINS = re.compile(r"\s+[-–]\s+|\s*[,&/;]\s*|\s+(?:và|cùng)\s+")


def name_like(text: str) -> bool:
    """True when ``text`` reads as one or more person or team names and nothing else.

    Every word capitalised (or an initial), names joined by ``-``, ``,``, ``&``, ``và``;
    one parenthesised agency at the end allowed: ``Hồng Nhung (TTXVN)``.
    """
    text = clean_text(text)
    if not text or len(text) > MAX_BYLINE_CHARS:
        return False
    text = re.sub(r"\s*\([^()]{1,40}\)$", "", text)
    words = 0
    for part in _NAME_JOINS.split(text):
        tokens = part.split()
        if not tokens or not all(_name_word(token) for token in tokens):
            return False
        words += len(tokens)
    return 1 <= words <= MAX_NAME_WORDS


_PHOTO_CREDIT = re.compile(r"^[\(\[\s]*(?:anh|nguon anh|anh minh hoa)\s*(?::|$|\))")


def photo_credit(text: str) -> bool:
    """True for a photo credit line: ``Ảnh: Minh Anh``, ``(Ảnh minh họa)``, ``Nguồn ảnh: …``.
    Neither an author nor a source of the article."""
    return len(text) <= MAX_BYLINE_CHARS and _PHOTO_CREDIT.match(fold(text)) is not None
