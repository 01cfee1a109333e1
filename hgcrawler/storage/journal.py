"""The spill journal: records on disk until the database has acknowledged them.

The archive pipeline appends every record to the journal as it arrives (the
write reaches the operating system at once, so a killed crawler loses
nothing), seals the current segment and fsyncs it before the batch goes to
MongoDB, and deletes the segment once MongoDB acknowledged the batch.  Whatever
segments remain — after a crash, or because MongoDB was unreachable — are
*pending*: :meth:`SpillJournal.replay` writes them, which is safe to repeat
because :meth:`ArchiveStore.write_batch` is idempotent.

Segments are JSON-lines files named ``<crawl id>.<pid>.<sequence>.jsonl``; each
line is ``{"crawl_id": ..., "record": {...}}``, the record in its plain form
(:meth:`hgcrawler.storage.kinds.ArticleRecord.to_dict` and its kin: the kind in
``"type"``), or a crawl's final status (``"type": "crawl_end"``).  Datetimes and
dates are written as ``{"$datetime": iso}`` and ``{"$date": "YYYY-MM-DD"}`` and
read back as such.  A journal spilled before records were typed holds the same
plain form (with fields no record uses, left out on replay): it replays as it is.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from hgcrawler.storage.base import ArchiveStore, BatchResult
from hgcrawler.storage.embedded import pid_alive
from hgcrawler.storage.kinds import ArchiveRecord, as_records

__all__ = ["CRAWL_END", "Segment", "SpillJournal", "decode_record", "encode_record"]

logger = logging.getLogger(__name__)

_SUFFIX = ".jsonl"
#: Record type of a crawl's final status, journalled when the database could not take it.
CRAWL_END = "crawl_end"


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    raise TypeError(f"cannot journal a {type(value).__name__}: {value!r}")


def _hook(value: dict[str, Any]) -> Any:
    if len(value) == 1:
        if "$datetime" in value:
            return dt.datetime.fromisoformat(value["$datetime"])
        if "$date" in value:
            return dt.date.fromisoformat(value["$date"])
    return value


def encode_record(crawl_id: str, record: ArchiveRecord | Mapping[str, Any]) -> str:
    """One journal line (without the newline)."""
    plain = dict(record) if isinstance(record, Mapping) else record.to_dict()
    return json.dumps({"crawl_id": crawl_id, "record": plain}, ensure_ascii=False, default=_default)


def decode_record(line: str) -> tuple[str, dict[str, Any]]:
    entry = json.loads(line, object_hook=_hook)
    return str(entry["crawl_id"]), dict(entry["record"])


@dataclass(frozen=True)
class Segment:
    """A sealed journal file: the records of one batch (or of a crash)."""

    path: Path

    @property
    def crawl_id(self) -> str:
        return self.path.name.split(".", 1)[0]

    @property
    def pid(self) -> int:
        parts = self.path.name.split(".")
        try:
            return int(parts[-3])
        except (IndexError, ValueError):
            return 0

    def sync(self) -> None:
        """Make the segment durable (fsync)."""
        with open(self.path, "rb") as handle:
            os.fsync(handle.fileno())

    def records(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """``(crawl_id, record)`` pairs; a torn last line (crash mid-write) is skipped."""
        with open(self.path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    yield decode_record(line)
                except (ValueError, KeyError, TypeError):
                    logger.warning("skipping unreadable line %d of %s", number, self.path)

    def __len__(self) -> int:
        return sum(1 for _ in self.records())


class SpillJournal:
    """Append-only journal of archive records in the directory ``path``."""

    def __init__(self, path: Path, crawl_id: str = "replay") -> None:
        self.path = Path(path)
        self.crawl_id = crawl_id
        self._pid = os.getpid()
        self._sequence = 0
        self._handle: IO[str] | None = None
        self._current: Path | None = None
        self._count = 0

    def __repr__(self) -> str:
        return f"SpillJournal({str(self.path)!r})"

    # --- writing ---------------------------------------------------------------

    def append(
        self, record: ArchiveRecord | Mapping[str, Any], crawl_id: str | None = None
    ) -> None:
        """Add one record to the open segment.  The line reaches the OS at once."""
        line = encode_record(crawl_id or self.crawl_id, record)
        if self._handle is None:
            self.path.mkdir(parents=True, exist_ok=True)
            self._sequence += 1
            self._current = self.path / (
                f"{self.crawl_id}.{self._pid}.{self._sequence:06d}{_SUFFIX}"
            )
            self._handle = open(self._current, "a", encoding="utf-8")  # noqa: SIM115
        self._handle.write(line + "\n")
        self._handle.flush()
        self._count += 1

    def seal(self, *, sync: bool = True) -> Segment | None:
        """Close the open segment and return it; None when nothing is open.

        With ``sync=False`` the caller must call :meth:`Segment.sync` before
        sending the records (the archive pipeline does it in its worker thread).
        """
        if self._handle is None or self._current is None:
            return None
        handle, path = self._handle, self._current
        self._handle, self._current, self._count = None, None, 0
        handle.flush()
        if sync:
            os.fsync(handle.fileno())
        handle.close()
        return Segment(path)

    @staticmethod
    def acknowledge(segment: Segment) -> None:
        """The database has the segment's records: forget them."""
        with contextlib.suppress(FileNotFoundError):
            segment.path.unlink()

    def close(self) -> Segment | None:
        return self.seal()

    # --- reading back -------------------------------------------------------------

    def segments(self, *, include_live: bool = False) -> list[Segment]:
        """Sealed or abandoned segments, oldest first.  Segments of another process
        that is still running (a crawl in progress) are left out unless ``include_live``."""
        if not self.path.is_dir():
            return []
        found = []
        for path in sorted(self.path.glob(f"*{_SUFFIX}")):
            if path == self._current:
                continue
            segment = Segment(path)
            if not include_live and segment.pid not in (0, self._pid) and pid_alive(segment.pid):
                continue
            found.append(segment)
        return found

    def pending(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Records not yet acknowledged by the database, as ``(crawl_id, record)``."""
        for segment in self.segments():
            yield from segment.records()

    def pending_count(self) -> int:
        return sum(len(segment) for segment in self.segments())

    def replay(self, store: ArchiveStore, batch_size: int = 500) -> BatchResult:
        """Write the pending records to ``store``, deleting each segment once written.

        A record that is no kind of record stops the replay (a :class:`ValueError`)
        before anything of its segment is written; the segment stays."""
        total = BatchResult()
        for segment in self.segments():
            batches: dict[str, list[Mapping[str, Any]]] = {}
            endings: list[tuple[str, dict[str, Any]]] = []
            for crawl_id, record in segment.records():
                if record.get("type") == CRAWL_END:
                    endings.append((crawl_id, record))
                else:
                    batches.setdefault(crawl_id, []).append(record)
            typed = {crawl_id: as_records(records) for crawl_id, records in batches.items()}
            for crawl_id, records in typed.items():
                for start in range(0, len(records), batch_size):
                    total += store.write_batch(crawl_id, records[start : start + batch_size])
            for crawl_id, ending in endings:  # the end of a crawl whose database had gone
                store.finish_crawl(
                    crawl_id,
                    str(ending.get("status") or "failed"),
                    dict(ending.get("counts") or {}),
                    list(ending.get("problems") or []),
                )
            self.acknowledge(segment)
            logger.info("replayed %s into %s", segment.path.name, store.database)
        return total
