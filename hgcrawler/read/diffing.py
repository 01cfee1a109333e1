"""Readable differences between two revisions of an article (difflib).

The body is compared paragraph by paragraph; a paragraph that was rewritten
is shown word by word, with ``[-removed words-]`` and ``{+added words+}``
(the ``git diff --word-diff`` notation), and only a few words of context
around each change.

>>> word_diff("Hội nghị sơ kết năm 2021", "Hội nghị tổng kết năm 2021")
'Hội nghị [-sơ-] {+tổng+} kết năm 2021'
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["format_changes", "paragraphs", "revision_changes", "word_diff"]

#: The fields compared, in the order changes are reported.
FIELDS = ("title", "category", "updated_on", "author", "lede", "body", "images")


def paragraphs(body: Any) -> list[str]:
    """The body as a list of paragraphs (stored as text with blank lines, or a list)."""
    if body is None:
        return []
    if isinstance(body, str):
        return [part.strip() for part in body.split("\n\n") if part.strip()]
    return [str(part).strip() for part in body if str(part).strip()]


def word_diff(old: str, new: str, context: int | None = None) -> str:
    """``old`` → ``new`` word by word; with ``context``, unchanged runs longer than
    twice that are cut to ``context`` words each side (``…``)."""
    a, b = old.split(), new.split()
    pieces: list[str] = []
    opcodes = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            words = a[i1:i2]
            if context is not None and len(words) > 2 * context:
                first, last = index == 0, index == len(opcodes) - 1
                head = [] if first else words[:context]
                tail = [] if last else words[-context:]
                words = [*head, "…", *tail]
            pieces.append(" ".join(words))
            continue
        if i2 > i1:
            pieces.append("[-" + " ".join(a[i1:i2]) + "-]")
        if j2 > j1:
            pieces.append("{+" + " ".join(b[j1:j2]) + "+}")
    return " ".join(piece for piece in pieces if piece)


def _scalar(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value)


def _image_sources(images: Any) -> list[str]:
    sources = []
    for image in images or []:
        if isinstance(image, Mapping):
            sources.append(str(image.get("src") or ""))
        elif isinstance(image, Sequence) and not isinstance(image, str) and image:
            sources.append(str(image[0]))
        else:
            sources.append(str(image))
    return sources


def _similar(old: str, new: str) -> bool:
    """Close enough for a word diff to read better than the two paragraphs."""
    matcher = difflib.SequenceMatcher(None, old.split(), new.split(), autojunk=False)
    return matcher.ratio() >= 0.6


def _body_changes(old: list[str], new: list[str], context: int) -> list[str]:
    lines: list[str] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag == "replace" and i2 - i1 == j2 - j1:
            for offset in range(i2 - i1):
                a, b = old[i1 + offset], new[j1 + offset]
                if _similar(a, b):
                    lines.append(f"~ ¶{j1 + offset + 1}: {word_diff(a, b, context)}")
                else:  # a new paragraph in place of the old: show both whole
                    lines.append(f"- ¶{i1 + offset + 1}: {a}")
                    lines.append(f"+ ¶{j1 + offset + 1}: {b}")
            continue
        lines.extend(f"- ¶{i + 1}: {old[i]}" for i in range(i1, i2))
        lines.extend(f"+ ¶{j + 1}: {new[j]}" for j in range(j1, j2))
    return lines


def revision_changes(
    old: Mapping[str, Any], new: Mapping[str, Any], *, context: int = 8
) -> list[dict[str, Any]]:
    """What changed from revision ``old`` to ``new``: one dict per changed field,
    ``{"field", "old", "new", "diff"}`` (``diff`` is readable text; for the body
    ``old``/``new`` are paragraph counts and ``diff`` one line per changed
    paragraph: ``~`` rewritten, ``-`` removed, ``+`` added)."""
    changes: list[dict[str, Any]] = []
    for field in FIELDS:
        before, after = old.get(field), new.get(field)
        if field == "body":
            a, b = paragraphs(before), paragraphs(after)
            if a != b:
                diff = "\n".join(_body_changes(a, b, context))
                changes.append({"field": field, "old": len(a), "new": len(b), "diff": diff})
        elif field == "images":
            a, b = _image_sources(before), _image_sources(after)
            if a != b:
                lines = [f"- {src}" for src in a if src not in b]
                lines += [f"+ {src}" for src in b if src not in a]
                diff = "\n".join(lines) or "same images, new order"
                changes.append({"field": field, "old": a, "new": b, "diff": diff})
        else:
            a_text, b_text = _scalar(before), _scalar(after)
            if a_text != b_text:
                if field == "lede":
                    diff = word_diff(a_text, b_text, context)
                elif field == "title":
                    diff = word_diff(a_text, b_text)
                else:
                    diff = f"{a_text or '(none)'} → {b_text or '(none)'}"
                changes.append({"field": field, "old": a_text, "new": b_text, "diff": diff})
    return changes


def format_changes(changes: Sequence[Mapping[str, Any]], indent: str = "  ") -> str:
    """The changes as indented text, one block per field."""
    if not changes:
        return f"{indent}(no text change)"
    lines = []
    for change in changes:
        diff_lines = str(change["diff"]).splitlines() or [""]
        if len(diff_lines) == 1 and change["field"] not in ("body", "images"):
            lines.append(f"{indent}{change['field']}: {diff_lines[0]}")
        else:
            lines.append(f"{indent}{change['field']}:")
            lines.extend(f"{indent}  {line}" for line in diff_lines)
    return "\n".join(lines)
