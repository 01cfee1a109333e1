"""Whether an extracted field can be right: checks on one record and over a crawl.  Pure.

A field can be filled and wrong (a related-news heading stored as the author of
every article, a source credit as the author, a byline inside the body).  A fill
rate cannot see that; these checks can, from what a wrong value looks like:

- on one record (:func:`record_doubts`): label words left inside a field
  ("Tác giả:", "Nguồn:", "Lượt xem", "Số lần xem", the site's own meta labels);
  a body shorter than its lede; a date after the crawl; the body ending in a short
  line that is no sentence while no author was found (a byline of a shape no rule
  reads);
- over the records of a crawl (:class:`RepeatedValues`): the same author, lede or
  caption on most articles — a site's chrome, not an article's field.

Each record carries the names of its doubtful fields (``doubtful``); a crawl with a
field doubtful on many pages ends ``degraded`` naming it (:mod:`hgcrawler.crawl.outcome`),
and ``hgcrawler sites check`` fails naming it and a page.

>>> record_doubts({"author": "Tác giả: Minh Anh", "lede": "Sáng nay…", "body": "Dài hơn nữa."})
{'author': "label words 'tac gia' left in it"}
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hgcrawler.read.bylines import TEAM_BYLINE, name_like, photo_credit
from hgcrawler.read.text import clean_text, fold

__all__ = [
    "MIN_REPEATS",
    "REPEAT_FIELDS",
    "REPEAT_SHARE",
    "RepeatedValues",
    "record_doubts",
]

#: Words that are labels of a page, never part of a short field's value (folded).
VALUE_LABEL_WORDS = (
    "tac gia",
    "nguoi viet",
    "nguon:",
    "nguon :",
    "luot xem",
    "so lan xem",
    "so luot xem",
    "cap nhat vao ngay",
    "ngay dang:",
)
#: The same in running text (lede, body): only a label followed by its value.
TEXT_LABELS = re.compile(
    r"\btac gia\s*:|\bnguon\s*:\s*\S+$"
    r"|(?:luot|so lan|so luot) xem\s*:?\s*\d|cap nhat vao ngay\s*\(?\d"
)
#: The fields watched for one value repeated over a crawl.
REPEAT_FIELDS = ("author", "lede", "caption")
#: A value on more than this share of a crawl's article records is the site's, not theirs ...
REPEAT_SHARE = 0.5
#: ... once it is on at least this many.
MIN_REPEATS = 5
#: A body's last line this short, no sentence and no name, is an unread byline.
MAX_STRAY_LINE_CHARS = 80
#: Only the first and last characters of a long lede or body are searched for labels.
EDGE_CHARS = 300
SENTENCE_END = re.compile(r"[.!?…;:\"”)»]\W*$")


def _label_word(value: str, words: Iterable[str]) -> str | None:
    folded = fold(value)
    for word in words:
        if word in folded:
            return word.rstrip(" :")
    return None


def _stray_last_line(body: str) -> str | None:
    """The body's last paragraph when it is a short line that reads as no sentence and
    no name (``— Ng.V.A —``), else None."""
    if not body:
        return None
    last = body.rsplit("\n\n", 1)[-1].strip()
    if (
        not last
        or len(last) > MAX_STRAY_LINE_CHARS
        or len(last.split()) > 10
        or not any(ch.isalpha() for ch in last)
        or SENTENCE_END.search(last)
        or name_like(last)
        or photo_credit(last)
    ):
        return None
    return last


def record_doubts(
    record: Mapping[str, Any],
    *,
    site_labels: Iterable[str] = (),
    today: dt.date | None = None,
) -> dict[str, str]:
    """``{field: why it cannot be right}`` for one extracted record.

    ``site_labels``: the site's own meta labels (its date and views labels);
    ``today``: the day of the crawl (a date after it is doubtful), None not to check.
    """
    doubts: dict[str, str] = {}
    words = [*VALUE_LABEL_WORDS, *(fold(clean_text(label)) for label in site_labels)]
    for name in ("author", "source", "title", "category"):
        value = record.get(name)
        if value:
            word = _label_word(str(value), words)
            if word:
                doubts[name] = f"label words {word!r} left in it"
    for image in record.get("images") or []:
        word = _label_word(str(image.get("caption") or ""), words[2:])
        if word:
            doubts["images"] = f"label words {word!r} left in a caption"
            break
    lede, body = str(record.get("lede") or ""), str(record.get("body") or "")
    for name, text in (("lede", lede), ("body", body)):
        if len(text) > 2 * EDGE_CHARS:  # a label leaks in at the edges: the meta line, a byline
            text = f"{text[:EDGE_CHARS]}\n\n{text[-EDGE_CHARS:]}"
        found = TEXT_LABELS.search(fold(text))
        if found:
            doubts[name] = f"label words {found.group(0).strip()!r} left in it"
    if body and lede and len(body) < len(lede):
        doubts.setdefault("body", f"shorter ({len(body)} chars) than the lede ({len(lede)})")
    updated_on = record.get("updated_on")
    if today is not None and updated_on:
        day = updated_on if isinstance(updated_on, dt.date) else None
        if day is None:
            try:
                day = dt.date.fromisoformat(str(updated_on)[:10])
            except ValueError:
                day = None
        if day is not None and day > today + dt.timedelta(days=1):
            doubts["updated_on"] = f"{day.isoformat()} is after the crawl ({today.isoformat()})"
    if not record.get("author"):
        stray = _stray_last_line(body)
        if stray is not None:
            why = f"the body ends in a short line no byline rule reads ({stray!r})"
            doubts["author"] = why
            doubts.setdefault("body", why)
    return doubts


@dataclass
class RepeatedValues:
    """Counts each watched field's values over a crawl's records (by hash: a crawl of
    100,000 articles keeps integers, and the text of values seen twice)."""

    records: int = 0
    counts: dict[str, Counter[int]] = field(default_factory=dict)
    samples: dict[tuple[str, int], tuple[str, str]] = field(default_factory=dict)

    def add(self, record: Mapping[str, Any], url: str) -> None:
        self.records += 1
        author = str(record.get("author") or "")
        values: dict[str, set[str]] = {
            # a team byline ("PV", "Nhóm PV") signs many articles of a portal by right
            "author": {author} if author and not TEAM_BYLINE.match(fold(author)) else set(),
            "lede": {str(record["lede"])} if record.get("lede") else set(),
            "caption": {
                str(image.get("caption"))
                for image in record.get("images") or []
                if image.get("caption")
            },
        }
        for name, found in values.items():
            counter = self.counts.setdefault(name, Counter())
            for value in found:
                key = hash(value)
                counter[key] += 1
                if counter[key] == 2:
                    self.samples[(name, key)] = (value[:80], url)

    def repeated(
        self, *, share: float = REPEAT_SHARE, minimum: int = MIN_REPEATS
    ) -> dict[str, tuple[int, str, str]]:
        """``{field: (records, value, an example URL)}`` for each field whose most common
        value is on more than ``share`` of the records, and on ``minimum`` at least."""
        found: dict[str, tuple[int, str, str]] = {}
        for name, counter in self.counts.items():
            if not counter:
                continue
            key, count = counter.most_common(1)[0]
            if count >= minimum and count > share * self.records:
                value, url = self.samples.get((name, key), ("", ""))
                found[name] = (count, value, url)
        return found
