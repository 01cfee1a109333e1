"""Accent-insensitive word search without a text index: postings lists kept by the archive.

The embedded server has no text index, and a multikey index over every word
of every article is too slow to maintain and to query there.  So the archive
keeps its own inverted index: for each site, field (``t`` the title, ``x`` the
title, lede and body), block of :data:`BLOCK` article numbers and folded word,
one document whose ``ids`` are the article numbers (``articles.n``) having
that word, delta-encoded and compressed.  A question reads one document per
word and block; a crawl rewrites only the documents of the words its new or
edited articles brought or lost, when it saves (:meth:`Postings.flush`).

Words are folded (lower case, no diacritics, ``đ`` → ``d``), as in ``thuong
truc tinh uy`` for "Thường trực Tỉnh ủy".
"""

from __future__ import annotations

import re
import zlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from bson.binary import Binary
from pymongo import ReplaceOne
from pymongo.database import Database

from hgcrawler.read.text import fold
from hgcrawler.storage.schema import POSTINGS

__all__ = ["BLOCK", "Postings", "decode_ids", "encode_ids", "lookup", "words_of"]

BLOCK = 8192
_WORD = re.compile(r"[0-9a-z]+")
_CHUNK = 200

Db = Database[dict[str, Any]]


def words_of(text: Any) -> set[str]:
    """The folded words of a text.

    >>> sorted(words_of("Thường trực Tỉnh ủy, năm 2021"))
    ['2021', 'nam', 'thuong', 'tinh', 'truc', 'uy']
    """
    return set(_WORD.findall(fold(str(text or ""))))


def encode_ids(ids: Iterable[int]) -> Binary:
    """Sorted article numbers as delta varints, zlib-compressed."""
    out = bytearray()
    previous = -1
    for value in sorted(set(ids)):
        delta = value - previous
        previous = value
        while delta >= 0x80:
            out.append((delta & 0x7F) | 0x80)
            delta >>= 7
        out.append(delta)
    return Binary(zlib.compress(bytes(out), 6))


def decode_ids(data: bytes | None) -> set[int]:
    if not data:
        return set()
    raw = zlib.decompress(data)
    ids: set[int] = set()
    value = shift = 0
    previous = -1
    for byte in raw:
        value |= (byte & 0x7F) << shift
        if byte & 0x80:
            shift += 7
            continue
        previous += value
        ids.add(previous)
        value = shift = 0
    return ids


def _doc_id(site: str, field: str, block: int, word: str) -> str:
    return f"{site}:{field}:{block}:{word}"


class Postings:
    """Pending changes to one site's postings, applied by :meth:`flush`."""

    def __init__(self, site: str) -> None:
        self.site = site
        self.adds: dict[tuple[str, int, str], set[int]] = defaultdict(set)
        self.removes: dict[tuple[str, int, str], set[int]] = defaultdict(set)

    def __len__(self) -> int:
        return sum(map(len, self.adds.values())) + sum(map(len, self.removes.values()))

    def index(self, n: int, title: Any, text: Any, before: Mapping[str, Any]) -> None:
        """Article ``n`` now has this title and text (``before``: its previous ones)."""
        block = n // BLOCK
        for field, new, old in (
            ("t", words_of(title), words_of(before.get("title"))),
            ("x", words_of(text) | words_of(title), words_of(before.get("text"))),
        ):
            for word in new - old:
                self.adds[(field, block, word)].add(n)
                self.removes[(field, block, word)].discard(n)
            for word in old - new:
                self.removes[(field, block, word)].add(n)
                self.adds[(field, block, word)].discard(n)

    def flush(self, db: Db) -> int:
        """Apply the pending changes; returns how many documents were rewritten."""
        keys = sorted(set(self.adds) | set(self.removes))
        written = 0
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            ids = [_doc_id(self.site, *key) for key in chunk]
            found = db[POSTINGS].find({"_id": {"$in": ids}})
            current = {doc["_id"]: doc.get("ids") for doc in found}
            ops = []
            for key, doc_id in zip(chunk, ids, strict=True):
                members = decode_ids(current.get(doc_id))
                members |= self.adds.get(key, set())
                members -= self.removes.get(key, set())
                field, block, word = key
                ops.append(
                    ReplaceOne(
                        {"_id": doc_id},
                        {
                            "_id": doc_id,
                            "site": self.site,
                            "field": field,
                            "block": block,
                            "word": word,
                            "ids": encode_ids(members),
                        },
                        upsert=True,
                    )
                )
            if ops:
                db[POSTINGS].bulk_write(ops, ordered=False)
                written += len(ops)
        self.adds.clear()
        self.removes.clear()
        return written


def lookup(db: Db, site: str, field: str, words: Iterable[str], blocks: int) -> set[int]:
    """Article numbers of ``site`` having every word in ``field`` (``t`` or ``x``)."""
    found: set[int] | None = None
    for word in sorted(set(words), key=len, reverse=True):  # longer words first: rarer
        ids = [_doc_id(site, field, block, word) for block in range(max(1, blocks))]
        having: set[int] = set()
        for doc in db[POSTINGS].find({"_id": {"$in": ids}}, {"ids": 1}):
            having |= decode_ids(doc.get("ids"))
        found = having if found is None else found & having
        if not found:
            return set()
    return found or set()
