"""Word-level differences between two revisions, as pieces a template marks up.

The same comparison as :mod:`hgcrawler.read.diffing` (fields in its order, the body
paragraph by paragraph, a rewritten paragraph word by word), but as data, not
text: each changed field is a list of lines, each line a list of
``(kind, text)`` pieces, ``kind`` being ``same``, ``del`` or ``ins``.  The
template escapes every piece; nothing here produces markup.

>>> word_pieces("Hội nghị sơ kết", "Hội nghị tổng kết")
[('same', 'Hội nghị'), ('del', 'sơ'), ('ins', 'tổng'), ('same', 'kết')]
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from hgcrawler.read.diffing import FIELDS, paragraphs

__all__ = ["Piece", "field_diffs", "word_pieces"]

Piece = tuple[str, str]


def word_pieces(old: str, new: str) -> list[Piece]:
    """``old`` → ``new`` word by word."""
    a, b = old.split(), new.split()
    pieces: list[Piece] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            pieces.append(("same", " ".join(a[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(("del", " ".join(a[i1:i2])))
        if j2 > j1:
            pieces.append(("ins", " ".join(b[j1:j2])))
    return pieces


def _text(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "date") and callable(value.date):
        return str(value.date().isoformat())
    return str(value)


def _images(value: Any) -> list[str]:
    out = []
    for image in value or []:
        if isinstance(image, Mapping):
            caption = image.get("caption")
            out.append(f"{image.get('src') or ''}" + (f" — {caption}" if caption else ""))
        else:
            out.append(str(image))
    return out


def _body_lines(old: list[str], new: list[str]) -> list[list[Piece]]:
    lines: list[list[Piece]] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag == "replace" and i2 - i1 == j2 - j1:
            for offset in range(i2 - i1):
                a, b = old[i1 + offset], new[j1 + offset]
                ratio = difflib.SequenceMatcher(None, a.split(), b.split(), autojunk=False).ratio()
                if ratio >= 0.6:
                    lines.append([("same", f"¶{j1 + offset + 1}"), *word_pieces(a, b)])
                else:
                    lines.append([("same", f"¶{i1 + offset + 1}"), ("del", a)])
                    lines.append([("same", f"¶{j1 + offset + 1}"), ("ins", b)])
            continue
        lines.extend([("same", f"¶{i + 1}"), ("del", old[i])] for i in range(i1, i2))
        lines.extend([("same", f"¶{j + 1}"), ("ins", new[j])] for j in range(j1, j2))
    return lines


def field_diffs(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[dict[str, Any]]:
    """What changed from revision ``old`` to ``new``: ``{"field", "lines"}`` per field."""
    changes: list[dict[str, Any]] = []
    for name in FIELDS:
        before, after = old.get(name), new.get(name)
        if name == "body":
            a, b = paragraphs(before), paragraphs(after)
            if a != b:
                changes.append({"field": name, "lines": _body_lines(a, b)})
        elif name == "images":
            a, b = _images(before), _images(after)
            if a != b:
                lines = [[("del", src)] for src in a if src not in b]
                lines += [[("ins", src)] for src in b if src not in a]
                changes.append(
                    {"field": name, "lines": lines or [[("same", "same images, new order")]]}
                )
        else:
            a_text, b_text = _text(before), _text(after)
            if a_text != b_text:
                changes.append({"field": name, "lines": [word_pieces(a_text, b_text)]})
    return changes
