"""Pure helpers over archive records: timestamps, dates, hashes, and when two pages
show the same article.  No database here.

Two hashes are kept per article:

``content_hash``
    of every revision field (title, lede, body, images, author, category, date):
    a change makes a new revision.
``identity``
    of what makes an article *this* article wherever it is shown: its title, its
    date and its text (lede and body), folded (case, diacritics, whitespace).
    Equal identities at two URLs, one of which stopped serving the article, are
    the content evidence of a move.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from hgcrawler.read.text import fold

__all__ = [
    "REVISION_FIELDS",
    "as_date",
    "as_datetime",
    "content_hash",
    "identity",
    "same_article",
    "search_text",
    "text_of",
]

UTC = dt.UTC

#: The fields whose change makes a new revision (a view count change does not).
REVISION_FIELDS = ("title", "lede", "body", "images", "author", "category", "updated_on")


def as_datetime(value: Any) -> dt.datetime:
    """An aware UTC datetime from an ISO 8601 string or a datetime (naive means UTC)."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str) and value.strip():
        moment = dt.datetime.fromisoformat(value.strip())
    else:
        raise ValueError(f"not a timestamp: {value!r}")
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def as_date(value: Any) -> dt.datetime | None:
    """``updated_on`` as a BSON-storable datetime at 00:00 UTC, or None."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        day = value.astimezone(UTC).date() if value.tzinfo else value.date()
    elif isinstance(value, dt.date):
        day = value
    elif isinstance(value, str):
        day = dt.date.fromisoformat(value.strip()[:10])
    else:
        raise ValueError(f"not a date: {value!r}")
    return dt.datetime(day.year, day.month, day.day, tzinfo=UTC)


def day_string(value: Any) -> str | None:
    moment = as_date(value)
    return None if moment is None else moment.date().isoformat()


def content_hash(record: Mapping[str, Any]) -> str:
    """Hex sha256 of a canonical JSON of the revision fields of ``record``."""
    canonical = {name: record.get(name) for name in REVISION_FIELDS}
    canonical["updated_on"] = day_string(record.get("updated_on"))
    images = canonical.get("images") or []
    canonical["images"] = [
        {"src": image.get("src"), "caption": image.get("caption")}
        if isinstance(image, Mapping)
        else image
        for image in images
    ]
    text = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def text_of(content: Mapping[str, Any]) -> str:
    """The lede and body of an article as one text."""
    body = content.get("body")
    if isinstance(body, list | tuple):
        body = "\n\n".join(str(part) for part in body)
    return "\n\n".join(str(part) for part in (content.get("lede"), body) if part)


def _folded(text: Any) -> str:
    return " ".join(fold(str(text or "")).split())


def identity(content: Mapping[str, Any]) -> str:
    """Hash of the folded title, the date and the folded text (see the module doc)."""
    parts = (
        _folded(content.get("title")),
        day_string(content.get("updated_on")) or "",
        _folded(text_of(content)),
    )
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def text_identity(content: Mapping[str, Any]) -> str:
    """Hash of the folded text alone (an article whose title was edited keeps it)."""
    return hashlib.sha256(_folded(text_of(content)).encode("utf-8")).hexdigest()[:32]


def same_article(stored: Mapping[str, Any], page: Mapping[str, Any]) -> bool:
    """Whether ``page`` (a record) shows the article ``stored`` (an article document).

    Used only when something else already ties them (the same id in their URLs, a
    URL the article used to have): the same title (folded), or — for a title edit —
    the same date and the same text.  An article document of an older release that
    lacks what is needed to tell is taken at its word (the id or URL tie).
    """
    stored_title = stored.get("title")
    if stored_title is None and stored.get("text_identity") is None:
        return True
    if stored_title is not None and _folded(stored_title) == _folded(page.get("title")):
        return True
    same_day = day_string(stored.get("updated_on")) == day_string(page.get("updated_on"))
    stored_text = stored.get("text_identity")
    return same_day and stored_text is not None and stored_text == text_identity(page)


def search_text(content: Mapping[str, Any]) -> str:
    """The folded title, lede and body stored as ``articles.search_text``.

    Lower-case, diacritics stripped (``hgcrawler.read.text.fold``), so a regex over
    it finds "Thường trực Tỉnh ủy" from ``thuong truc tinh uy`` on SecantusDB
    and MongoDB alike.
    """
    body = content.get("body")
    if isinstance(body, list | tuple):
        body = "\n\n".join(str(part) for part in body)
    parts = (content.get("title"), content.get("lede"), body)
    return fold("\n".join(str(part) for part in parts if part))
