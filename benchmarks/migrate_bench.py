"""How fast ``hgcrawler db migrate`` upgrades an archive, per observation, at two sizes.

For each size (articles × days of the default schedule, :mod:`benchmarks.archive`) it
builds an archive of today into a fresh embedded server, then times two upgrades on
copies of it:

- **schema 2 → 3**: every monthly bucket folded into one bucket per article and year,
  as the release before monthly buckets wrote them (``year`` field, ``(article_id,
  year)`` index), marked schema 2;
- **schema 3 → 4**: every article keyed by the canonical URL it was first archived
  at, as releases before schema 4 keyed articles without an id
  (:func:`benchmarks.old_keys.age_to_url_keys`), marked schema 3.

It prints observations per second for each step and size, and the ratio of the time
per observation at the larger size to that at the smaller one (1.0: linear).

    python -m benchmarks.migrate_bench --sizes 1500x60 5000x60 --dir /tmp/migrate-bench
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from pymongo import ASCENDING, MongoClient

from benchmarks.archive import ArchiveSpec, build_archive
from benchmarks.old_keys import age_to_url_keys
from hgcrawler.storage.migrate import migrate
from hgcrawler.storage.schema import OBSERVATIONS, ensure_indexes

END = dt.datetime(2027, 1, 20, tzinfo=dt.UTC)


def _copy(client: MongoClient[dict[str, Any]], source: str, target: str) -> None:
    client.drop_database(target)
    for collection in client[source].list_collection_names():
        batch: list[dict[str, Any]] = []
        for doc in client[source][collection].find({}):
            batch.append(doc)
            if len(batch) == 1000:
                client[target][collection].insert_many(batch)
                batch = []
        if batch:
            client[target][collection].insert_many(batch)
    ensure_indexes(client[target])


def fold_into_years(db: Any) -> int:
    """Every monthly bucket → one bucket per article and year (schema 2's first shape)."""
    groups: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for bucket in db[OBSERVATIONS].find({}):
        groups[(bucket["article_id"], bucket["month"].year)].append(bucket)
    db[OBSERVATIONS].delete_many({})
    docs = []
    for (article_id, year), buckets in groups.items():
        entries = sorted((e for b in buckets for e in b["obs"]), key=lambda e: e["at"])
        docs.append(
            {
                "_id": f"{article_id}|{year:04d}",
                "site": buckets[0]["site"],
                "article_id": article_id,
                "year": year,
                "first_at": entries[0]["at"],
                "last_at": entries[-1]["at"],
                "obs": entries,
            }
        )
    for start in range(0, len(docs), 1000):
        db[OBSERVATIONS].insert_many(docs[start : start + 1000])
    db[OBSERVATIONS].create_index([("article_id", ASCENDING), ("year", ASCENDING)])
    db.meta.update_one({"_id": "schema"}, {"$set": {"version": 2}}, upsert=True)
    return len(docs)


def observations(db: Any) -> int:
    return sum(len(b.get("obs") or []) for b in db[OBSERVATIONS].find({}, {"obs.at": 1}))


def measure(size: str, directory: Path, log: Any) -> dict[str, Any]:
    from hgcrawler.storage.embedded import EmbeddedDatabase

    articles, days = (int(part) for part in size.split("x"))
    root = directory / size
    if root.exists():
        EmbeddedDatabase(root).stop()
        shutil.rmtree(root)
    root.mkdir(parents=True)
    database = EmbeddedDatabase(root)
    database.start()
    client: MongoClient[dict[str, Any]] = MongoClient(database.uri, tz_aware=True)
    result: dict[str, Any] = {"articles": articles, "days": days}
    try:
        spec = ArchiveSpec(articles=articles, days=days, final_hours=3)
        started = time.perf_counter()
        build_archive(client["built"], database.uri, spec, end=END)
        result["build_seconds"] = round(time.perf_counter() - started, 1)
        result["observations"] = total = observations(client["built"])
        log(f"{size}: built {total:,} observations in {result['build_seconds']} s")

        _copy(client, "built", "years")
        result["yearly_buckets"] = fold_into_years(client["years"])
        started = time.perf_counter()
        migrate(client["years"], progress=lambda line: log(f"  {line}"))
        seconds = time.perf_counter() - started
        result["2to3"] = {"seconds": round(seconds, 1), "per_second": round(total / seconds)}
        log(f"{size}: schema 2 → 4 (yearly buckets) {seconds:.1f} s, {total / seconds:,.0f} obs/s")

        _copy(client, "built", "urls")
        result["url_keys"] = len(age_to_url_keys(client["urls"]))
        started = time.perf_counter()
        migrate(client["urls"], progress=lambda line: log(f"  {line}"))
        seconds = time.perf_counter() - started
        result["3to4"] = {"seconds": round(seconds, 1), "per_second": round(total / seconds)}
        log(f"{size}: schema 3 → 4 (URL keys) {seconds:.1f} s, {total / seconds:,.0f} obs/s")
    finally:
        client.close()
        database.stop()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", default=["1500x60", "5000x60"])
    parser.add_argument("--dir", type=Path, default=Path("/tmp/hgcrawler-migrate-bench"))
    args = parser.parse_args()
    results = [measure(size, args.dir, lambda line: print(line, flush=True)) for size in args.sizes]
    if len(results) >= 2:
        small, large = results[0], results[-1]
        for step in ("2to3", "3to4"):
            per_small = small[step]["seconds"] / small["observations"]
            per_large = large[step]["seconds"] / large["observations"]
            small[f"{step}_linearity"] = None
            large[f"{step}_linearity"] = round(per_large / per_small, 2)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
