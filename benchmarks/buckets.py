"""What a crawl's write costs as an article's observation bucket fills.

``python -m benchmarks.buckets [--articles 500] [--entries 5 50] [--rounds 3]``

For each count of entries: a fresh database holding one bucket per article with
that many entries (the shape :class:`hgcrawler.storage.observations.BucketOps`
writes, each with the WARC location a crawl gives it), all in the bucket a new
crawl's observation goes to.  Then a new crawl writes one observation per
article, 100 articles at a time as ``BatchWriter.write`` does: the duplicate
check (:func:`hgcrawler.storage.observations.crawl_entries`) and the pushes
(:meth:`BucketOps.run`), timed apart.  Median of ``--rounds`` (each on a freshly
filled database).  Prints a table and, with ``--json``, the figures.

Runs against ``--uri`` or a SecantusDB server of its own in a temporary
directory (stopped at the end).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from pymongo import MongoClient

from hgcrawler.storage.embedded import EmbeddedDatabase
from hgcrawler.storage.observations import BucketOps, crawl_entries
from hgcrawler.storage.schema import (
    OBSERVATIONS,
    ensure_indexes,
    observation_bucket_id,
    observation_month,
)

UTC = dt.UTC
SITE = "haugiang"
BATCH = 100
#: The new crawl's moment; the entries already there fall between FIRST and it.
NOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
FIRST = dt.datetime(2026, 11, 1, 0, 30, tzinfo=UTC)


def _crawl_id(at: dt.datetime) -> str:
    return f"{at:%Y%m%dT%H%M%SZ}-{int(at.timestamp()) & 0xFFFF:04x}"


def _entry(article: int, at: dt.datetime, crawl_id: str) -> dict[str, Any]:
    digest = hashlib.blake2b(f"{crawl_id}:{article}".encode(), digest_size=16).hexdigest()
    return {
        "at": at,
        "crawl": crawl_id,
        "status": 200,
        "rev": 1,
        "views": 1000 + article,
        "warc": {
            "file": f"warc/{crawl_id}/hgcrawler-{crawl_id}-00000.warc.gz",
            "offset": 420 + article * 5700,
            "length": 5000 + article % 1000,
            "record_id": f"<urn:uuid:{digest[:8]}-{digest[8:12]}-4{digest[13:16]}"
            f"-a{digest[17:20]}-{digest[20:]}>",
        },
    }


def fill(db: Any, articles: int, entries: int) -> float:
    """One bucket of ``entries`` entries per article; returns the average bucket size."""
    db.drop_collection(OBSERVATIONS)
    ensure_indexes(db)
    step = (NOW - FIRST) / max(entries, 1)
    moments = [FIRST + step * k for k in range(entries)]
    docs = []
    for article in range(articles):
        article_id = f"{SITE}:{article + 2}"
        obs = [_entry(article, at, _crawl_id(at)) for at in moments]
        docs.append(
            {
                "_id": observation_bucket_id(article_id, NOW),
                "site": SITE,
                "article_id": article_id,
                "month": observation_month(NOW),
                "first_at": moments[0],
                "last_at": moments[-1],
                "obs": obs,
            }
        )
        if len(docs) == 200:
            db[OBSERVATIONS].insert_many(docs)
            docs = []
    if docs:
        db[OBSERVATIONS].insert_many(docs)
    stats = db.command("collStats", OBSERVATIONS)
    return float(stats.get("avgObjSize") or 0)


def one_crawl(db: Any, articles: int) -> tuple[float, float]:
    """Seconds of the duplicate check and of the pushes of a crawl of every article."""
    crawl_id = _crawl_id(NOW)
    ids = [f"{SITE}:{article + 2}" for article in range(articles)]
    check = push = 0.0
    for start in range(0, articles, BATCH):
        part = ids[start : start + BATCH]
        began = time.perf_counter()
        found = crawl_entries(db, part, crawl_id, [NOW])
        checked = time.perf_counter()
        assert not found
        ops = BucketOps()
        for offset, article_id in enumerate(part):
            at = NOW + dt.timedelta(milliseconds=12.5 * (start + offset))
            ops.add(SITE, article_id, _entry(start + offset, at, crawl_id))
        ops.run(db)
        check += checked - began
        push += time.perf_counter() - checked
    return check, push


def measure(uri: str, articles: int, counts: list[int], rounds: int) -> list[dict[str, Any]]:
    client: MongoClient[dict[str, Any]] = MongoClient(uri)
    rows: list[dict[str, Any]] = []
    try:
        times: dict[int, list[tuple[float, float]]] = {n: [] for n in counts}
        sizes: dict[int, float] = {}
        for _ in range(rounds):
            for n in counts:  # interleaved: the machine's noise falls on every count
                db = client[f"bucket_probe_{n}"]
                sizes[n] = fill(db, articles, n)
                times[n].append(one_crawl(db, articles))
        for n in counts:
            check = statistics.median(t[0] for t in times[n])
            push = statistics.median(t[1] for t in times[n])
            total = statistics.median(t[0] + t[1] for t in times[n])
            rows.append(
                {
                    "entries": n,
                    "bucket_bytes": round(sizes[n]),
                    "check_ms_per_record": round(1000 * check / articles, 3),
                    "push_ms_per_record": round(1000 * push / articles, 3),
                    "records_per_s": round(articles / total, 1),
                }
            )
        for n in counts:
            client.drop_database(f"bucket_probe_{n}")
    finally:
        client.close()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.buckets", description=__doc__)
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--entries", type=int, nargs="+", default=[5, 50])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--uri", help="a running server (default: one of its own)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bucket-probe-") as tmp:
        server = None
        uri = args.uri
        if uri is None:
            server = EmbeddedDatabase(Path(tmp))
            server.start()
            uri = server.uri
        try:
            rows = measure(uri, args.articles, args.entries, args.rounds)
        finally:
            if server is not None:
                server.stop()
    print(
        f"{args.articles} articles, one new observation each, {BATCH} a batch, "
        f"median of {args.rounds}"
    )
    print("entries  bucket B  check ms/rec  push ms/rec  records/s")
    for row in rows:
        print(
            f"{row['entries']:7d}  {row['bucket_bytes']:8d}  {row['check_ms_per_record']:12.3f}"
            f"  {row['push_ms_per_record']:11.3f}  {row['records_per_s']:9.1f}"
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
