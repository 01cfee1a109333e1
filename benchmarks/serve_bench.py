"""Server time of every page of ``hgcrawler serve`` on a generated archive.

The archive is built by :mod:`benchmarks.archive` (the portal the archive benchmark
simulates: new articles, edits, removals and moves every day, nine incremental
crawls a day and a weekly full one) and cached like the archive benchmark's
(:func:`benchmarks.archive_bench.ensure_archive`).  Each page is asked through the
application in this process (Flask's test client: the WSGI call, with the
database round trips, rendering and the response body, without the network), once
to warm up and then ``runs`` times; the figures are the median and the slowest,
warm (the series and site views kept between requests, as between two crawls) and
cold (forgotten before each request, as after a crawl saves).

    python -m benchmarks.serve_bench --articles 50000 --days 180 --archive-dir data/bench-archive
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from benchmarks.archive import ArchiveSpec
from benchmarks.archive_bench import DATABASE, ensure_archive

__all__ = ["PAGE_BUDGET_MS", "bench_serve", "pages_to_time"]

#: What a page may take, in milliseconds of server time.
PAGE_BUDGET_MS = 300.0


def pages_to_time(
    sample_article: str, crawl_id: str, category: str, word: str, end: dt.datetime
) -> list[tuple[str, str]]:
    """(name, path) of every page asked."""
    article = f"haugiang:{sample_article}"
    year_ago = (end - dt.timedelta(days=365)).date().isoformat()
    months_ago = (end - dt.timedelta(days=90)).date().isoformat()
    return [
        ("overview (last 30 days of crawls)", "/"),
        ("overview (last 7 days of crawls)", "/?days=7"),
        ("overview (30 days of crawls, three months back)", f"/?days=30&until={months_ago}"),
        ("articles: most viewed", "/articles"),
        ("articles: page 100 of the most viewed", "/articles?page=100"),
        ("articles: growth over 30 days", "/articles?sort=growth&window=30"),
        ("articles: growth over 365 days", "/articles?sort=growth&window=365"),
        ("articles: by date, edited", "/articles?sort=date&state=edited"),
        ("articles: by last change", "/articles?sort=changed"),
        ("articles: page 5 by last change (its last)", "/articles?sort=changed&page=5"),
        ("articles: edited, by last change", "/articles?sort=changed&state=edited"),
        ("articles: removed", "/articles?state=removed"),
        ("articles: moved", "/articles?state=moved"),
        ("articles: doubtful fields", "/articles?state=doubtful"),
        (
            "articles: category + dates + live",
            "/articles?" + urlencode({"category": category, "from": year_ago, "state": "live"}),
        ),
        ("articles: search one word", "/articles?" + urlencode({"q": word})),
        ("articles: search, by growth", "/articles?" + urlencode({"q": word, "sort": "growth"})),
        ("article (the sample: every visit, revisions, diffs)", "/article?id=" + article),
        ("replay page", "/replay?" + urlencode({"id": article, "crawl": crawl_id})),
        ("crawl (the last full one)", f"/crawl/{crawl_id}"),
    ]


def _time(call: Callable[[], Any], runs: int) -> dict[str, float]:
    call()  # warm
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    return {
        "median_ms": round(statistics.median(seconds) * 1000, 1),
        "max_ms": round(max(seconds) * 1000, 1),
    }


def bench_serve(
    spec: ArchiveSpec, archive_dir: Path, *, runs: int = 5, log: Callable[[str], None] = print
) -> dict[str, Any]:
    from pymongo import MongoClient

    from hgcrawler.show.web import create_app
    from hgcrawler.storage.browse import ArchiveMemo
    from hgcrawler.storage.embedded import EmbeddedDatabase

    root, summary = ensure_archive(spec, archive_dir.resolve(), end=None, log=log)
    database = EmbeddedDatabase(root)
    uri = database.start()["uri"]
    client: MongoClient[dict[str, Any]] = MongoClient(uri, tz_aware=True)
    try:
        db = client[DATABASE]
        end = dt.datetime.fromisoformat(summary["end"])
        full = max(
            db.crawls.find({"mode": "full", "site": "haugiang"}, {"started_at": 1}),
            key=lambda c: c["started_at"],
        )
        sample = db.articles.find_one({"_id": f"haugiang:{summary['sample_article']}"})
        assert sample is not None, "the archive's sample article"
        category = str(sample.get("category"))
        word = max((w for w in str(sample.get("title")).split() if w.isalpha()), key=len)
        visits = sum(len(b["obs"]) for b in db.observations.find({"article_id": sample["_id"]}))
        app = create_app(db, root, archive_label="benchmark")
        app.testing = True
        http = app.test_client()
        rows: list[dict[str, Any]] = []
        slowest = 0.0
        for name, path in pages_to_time(
            str(summary["sample_article"]), str(full["_id"]), category, word, end
        ):
            response = http.get(path)
            if response.status_code != 200:
                raise RuntimeError(f"{path} answered {response.status_code}")
            timing = _time(lambda path=path: http.get(path), runs)  # type: ignore[misc]

            def cold(path: str = path) -> Any:
                app.config["HGCRAWLER_MEMO"] = ArchiveMemo()  # as after a crawl's save
                return http.get(path)

            first = _time(cold, runs)
            row = {
                "page": name,
                "path": path,
                "bytes": len(response.data),
                **timing,
                "cold_median_ms": first["median_ms"],
                "cold_max_ms": first["max_ms"],
            }
            rows.append(row)
            slowest = max(slowest, timing["max_ms"], first["max_ms"])
            log(
                f"  {timing['median_ms']:>7.1f} ms (max {timing['max_ms']:.1f}), "
                f"cold {first['median_ms']:.1f} (max {first['max_ms']:.1f})  {name}"
            )
    finally:
        client.close()
        database.stop()
    shown = ("articles", "live", "removed", "moved", "edited", "revisions", "observations")
    return {
        "archive": {key: summary[key] for key in (*shown, "crawls", "begin", "end")},
        "spec": summary["spec"],
        "sample_article_visits": visits,
        "runs": runs,
        "pages": rows,
        "slowest_ms": slowest,
        "within_budget": slowest <= PAGE_BUDGET_MS,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=50_000)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--final-hours", type=float, default=3.0, help="see ArchiveSpec")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--archive-dir", type=Path, default=Path("data/bench-archive"))
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    spec = ArchiveSpec(articles=args.articles, days=args.days, final_hours=args.final_hours)
    result = bench_serve(spec, args.archive_dir, runs=args.runs)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"slowest page: {result['slowest_ms']} ms (budget {PAGE_BUDGET_MS:.0f} ms)")
    return 0 if result["within_budget"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
