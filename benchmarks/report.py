"""What a run's figures mean: ratios, targets met or missed, and the table printed at the end.

Nothing here asserts a speed: the targets are reported as met or not.
"""

from __future__ import annotations

from typing import Any

from benchmarks.measure import ratio as _ratio

TARGET_FULL_VS_SCRAPY = 0.8
TARGET_RSS_SMALL_MB = 250.0
TARGET_RSS_GROWTH = 1.2
TARGET_EXTRACTION_SPEEDUP = 10.0
#: With rendering on (HGCRAWLER_RENDER=auto): articles/s against scrapy bench's pages/s.
TARGET_RENDER_VS_SCRAPY = 0.6
#: With rendering on: the crawler and its children (driver, Chromium) together, PSS.
TARGET_RENDER_TREE_MB = 300.0


def rendering_summary(
    size: str, figures: dict[str, Any], bench: float | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Ratios and targets of the rendering-on crawl against the rendering-off one."""
    ratios: dict[str, Any] = {}
    targets: dict[str, Any] = {}
    full, rendering = figures.get("full", {}), figures.get("full_render")
    if not rendering:
        return ratios, targets
    off, on = full.get("articles_stored_per_s"), rendering.get("articles_stored_per_s")
    ratios[f"full_{size}_articles_vs_scrapy_bench"] = _ratio(off, bench)
    ratios[f"full_render_{size}_articles_vs_scrapy_bench"] = _ratio(on, bench)
    ratios[f"full_render_{size}_vs_scrapy_bench"] = _ratio(rendering.get("pages_per_s"), bench)
    ratios[f"full_render_{size}_vs_full"] = _ratio(on, off)
    rendered = (rendering.get("rendering") or {}).get("rendered")
    extra = (
        rendering["record_seconds"] - full["record_seconds"]
        if rendering.get("record_seconds") and full.get("record_seconds")
        else None
    )
    ratios[f"full_render_{size}_extra_seconds_per_rendering"] = (
        round(extra / rendered, 3) if extra is not None and rendered else None
    )
    value = ratios[f"full_render_{size}_articles_vs_scrapy_bench"]
    targets[f"full_render_{size}_articles_per_s"] = {
        "target": f">= {TARGET_RENDER_VS_SCRAPY} x scrapy bench (articles/s vs pages/s)",
        "value": value,
        "met": None if value is None else value >= TARGET_RENDER_VS_SCRAPY,
    }
    tree = rendering.get("crawler_tree_pss_mb")
    targets[f"full_render_{size}_crawler_and_browser_mb"] = {
        "target": f"<= {TARGET_RENDER_TREE_MB:g} MB (PSS of the crawler and its children)",
        "value": tree,
        "met": None if tree is None else tree <= TARGET_RENDER_TREE_MB,
    }
    return ratios, targets


def summarize(result: dict[str, Any]) -> dict[str, Any]:
    """Ratios and targets from the figures."""
    bench = (result.get("scrapy_bench") or {}).get("pages_per_s")
    ratios: dict[str, Any] = {}
    targets: dict[str, Any] = {}
    sizes = result.get("crawls", {})
    for size, figures in sizes.items():
        full = figures.get("full", {})
        ratio = _ratio(full.get("pages_per_s"), bench)
        ratios[f"full_{size}_vs_scrapy_bench"] = ratio
        if "full_no_storage" in figures:
            ratios[f"full_no_storage_{size}_vs_scrapy_bench"] = _ratio(
                figures["full_no_storage"].get("pages_per_s"), bench
            )
            ratios[f"full_{size}_vs_no_storage"] = _ratio(
                full.get("pages_per_s"), figures["full_no_storage"].get("pages_per_s")
            )
        targets[f"full_{size}_pages_per_s"] = {
            "target": f">= {TARGET_FULL_VS_SCRAPY} x scrapy bench",
            "value": ratio,
            "met": None if ratio is None else ratio >= TARGET_FULL_VS_SCRAPY,
        }
        render_ratios, render_targets = rendering_summary(size, figures, bench)
        ratios.update(render_ratios)
        targets.update(render_targets)
        incremental = figures.get("incremental", {})
        if incremental.get("requests") is not None:
            ratios[f"incremental_{size}_requests_per_new_article"] = _ratio(
                incremental["requests"], incremental["new_articles"]["live"]
            )
            targets[f"incremental_{size}_requests"] = {
                "target": "<= new + moved + due revisits + 3 per category + 5",
                "value": incremental["requests"],
                "allowance": incremental["request_allowance"],
                "met": incremental["requests"] <= incremental["request_allowance"],
            }
    ordered = sorted(sizes, key=int)
    if ordered:
        small = sizes[ordered[0]].get("full", {}).get("crawler_peak_rss_mb")
        targets[f"crawler_rss_{ordered[0]}_mb"] = {
            "target": f"<= {TARGET_RSS_SMALL_MB:g} MB",
            "value": small,
            "met": None if small is None else small <= TARGET_RSS_SMALL_MB,
        }
        if len(ordered) > 1:
            large = sizes[ordered[-1]].get("full", {}).get("crawler_peak_rss_mb")
            growth = _ratio(large, small)
            ratios[f"crawler_rss_{ordered[-1]}_vs_{ordered[0]}"] = growth
            targets[f"crawler_rss_{ordered[-1]}_vs_{ordered[0]}"] = {
                "target": f"<= {TARGET_RSS_GROWTH}",
                "value": growth,
                "met": None if growth is None else growth <= TARGET_RSS_GROWTH,
            }
    extraction = result.get("extraction") or {}
    ours, theirs = extraction.get("ours"), extraction.get("trafilatura")
    if ours and theirs:
        speedup = _ratio(theirs["ms_per_page"], ours["ms_per_page"], 1)
        ratios["trafilatura_vs_ours_ms_per_page"] = speedup
        fields = ("title", "date", "author", "text")
        as_good = all(ours["accuracy"][f] >= theirs["accuracy"][f] for f in fields)
        targets["extraction_speedup"] = {
            "target": f">= {TARGET_EXTRACTION_SPEEDUP:g} x faster than trafilatura",
            "value": speedup,
            "met": None if speedup is None else speedup >= TARGET_EXTRACTION_SPEEDUP,
        }
        targets["extraction_accuracy"] = {
            "target": "ours >= trafilatura on title, date, author, text",
            "value": {f: [ours["accuracy"][f], theirs["accuracy"][f]] for f in fields},
            "met": as_good,
        }
    return {"ratios": ratios, "targets": targets}


def format_table(result: dict[str, Any]) -> str:
    """The human-readable summary printed at the end."""
    lines = [f"hgcrawler bench  {result['finished_at']}  ({result['machine']['cpus']} CPUs)"]
    bench = result.get("scrapy_bench") or {}
    if bench.get("pages_per_s"):
        lines.append(
            f"  scrapy bench            {bench['pages_per_s']:>8} pages/s "
            f"({bench['pages']} pages in {bench['seconds']:.1f} s; its server is in-process)"
        )
    lines.append(
        "  replica, hgcrawler crawl and SecantusDB are three processes sharing the same CPUs"
    )
    for size, figures in result.get("crawls", {}).items():
        for label in ("full_no_storage", "full", "full_render", "incremental"):
            f = figures.get(label)
            if not f:
                continue
            name = {
                "full": "full",
                "full_no_storage": "full, no storage",
                "full_render": "full, rendering on",
            }.get(label, label)
            line = (
                f"  {size:>6} {name:<17} {f.get('pages_per_s') or 0:>8} pages/s  "
                f"{f.get('pages')} pages in {f.get('seconds')} s  "
                f"crawler RSS {f.get('crawler_peak_rss_mb')} MB"
            )
            if label != "full_no_storage":
                line += (
                    f"  db RSS {f.get('db_peak_rss_mb')} MB  "
                    f"stored {f.get('articles_stored_per_s')} articles/s"
                )
            lines.append(line)
            lines.append(
                f"  {'':>6} {'':<17} CPU s: crawler {f.get('crawler_cpu_seconds')}, "
                f"db {f.get('db_cpu_seconds')}, replica {f.get('replica_cpu_seconds')}; "
                f"crawler with its children {f.get('crawler_tree_pss_mb')} MB PSS"
            )
            r = f.get("rendering")
            if r:
                lines.append(
                    f"  {'':>6} {'':<17} {r['rendered']} pages rendered "
                    f"({r['browser_seconds_per_rendering']} s of browser each), "
                    f"{r['endpoint_requests']} counter endpoint requests, "
                    f"{r['learned']} endpoints learned; browser {r['browser_pss_peak_mb']} MB PSS"
                )
            if label == "incremental":
                lines.append(
                    f"  {'':>6} {'':<17} {f.get('requests')} requests for "
                    f"{f['new_articles']['live']} new live articles (day {f['day']}), "
                    f"{f.get('due_revisits')} due revisits, {f.get('extra_requests')} others"
                )
    extraction = result.get("extraction") or {}
    for name in ("ours", "trafilatura"):
        e = extraction.get(name)
        if e:
            acc = e["accuracy"]
            lines.append(
                f"  extraction {name:<12} {e['ms_per_page']:>8.2f} ms/page"
                f"  title {acc['title']:.3f}"
                f"  date {acc['date']:.3f}  author {acc['author']:.3f}  text {acc['text']:.3f}"
                f" (F1 {acc['text_f1_mean']:.3f})  on {extraction['pages']} pages"
            )
    lines.append("  ratios:")
    for name, value in result["ratios"].items():
        lines.append(f"    {name:<45} {value}")
    lines.append("  targets:")
    for name, target in result["targets"].items():
        met = {True: "met", False: "MISSED", None: "?"}[target["met"]]
        lines.append(f"    {name:<45} {met:<7} {target['value']}  ({target['target']})")
    return "\n".join(lines)


def format_archive_table(result: dict[str, Any]) -> str:
    """The archive part's summary: every question at both history lengths."""
    archive = result["archive"]
    lengths = sorted(archive["archives"], key=int)
    short, long = (archive["archives"][n] for n in (lengths[0], lengths[-1]))
    lines = [
        f"hgcrawler bench --archive  {result['finished_at']}  ({result['machine']['cpus']} CPUs, "
        f"{result['machine'].get('memory_gb')} GB)",
        f"  {archive['articles']:,} articles; {lengths[0]} days of history: "
        f"{short['build']['observations']:,} observations, {short['build']['crawls']:,} crawls; "
        f"{lengths[-1]} days: {long['build']['observations']:,} observations, "
        f"{long['build']['crawls']:,} crawls, {long['build']['revisions']:,} revisions",
        f"  {'question':<30} {'in-process s':>14} {'whole command s':>17} {'documents read':>17}",
        f"  {'':<30} {lengths[0]:>6} {lengths[-1]:>7} {lengths[0]:>8} {lengths[-1]:>8} "
        f"{lengths[0]:>8} {lengths[-1]:>8}",
    ]

    def median(figures: dict[str, Any], part: str) -> str:
        value = figures.get(part, {}).get("seconds" if part == "command" else "median")
        if part == "command":
            value = (value or {}).get("median")
        return "-" if value is None else f"{value:.3f}"

    for name, figures in long["questions"].items():
        other = short["questions"][name]
        mark = " (window)" if figures["window"] else ""
        lines.append(
            f"  {name + mark:<30} {median(other, 'in_process'):>6} "
            f"{median(figures, 'in_process'):>7} {median(other, 'command'):>8} "
            f"{median(figures, 'command'):>8} {other['documents_read']:>8} "
            f"{figures['documents_read']:>8}"
        )
    comparison = archive["comparison"]
    writes = comparison["write_batch_records_per_s"]
    plan = comparison["load_plan_seconds"]
    lines.append(
        f"  write_batch records/s (last full crawl): {writes['short']} ({lengths[0]} days), "
        f"{writes['long']} ({lengths[-1]} days), {writes['empty_archive']} (empty archive)"
    )
    lines.append(f"  load_plan (full) s: {plan['short']} / {plan['long']}")
    disk = long["disk"]
    per = disk["bytes_per_observation"]
    lines.append(
        f"  disk ({lengths[-1]} days): {per['history_total']} bytes per observation "
        f"(observations {per['observations']} + their indexes {per['observations_indexes']} "
        f"+ series {per['series_and_days']}); separately (MB): "
        + ", ".join(f"{k} {v}" for k, v in disk["separately_mb"].items())
        + f"; du {disk['directory']['du_mb']} MB (oplog {disk['directory']['oplog_mb']} MB, "
        f"journal {disk['directory']['journal_mb']} MB)"
    )
    warc = result.get("warc")
    if warc:
        last = warc["crawls"][-1]
        dedup = warc["dedup"]
        lines.append(
            f"  WARC: {last['bytes_per_page']} bytes per visited page; "
            f"{warc.get('gb_per_year')} GB a year at {warc.get('pages_per_year'):,} pages; "
            "revisit records on the content hash: "
            f"{dedup['revisit_on_content_hash_bytes_per_response']} bytes/response "
            f"({warc.get('gb_per_year_revisit_on_content_hash')} GB a year); zstd + dictionary: "
            f"{dedup.get('zstd_dictionary_bytes_per_response')} bytes/response"
        )
    return "\n".join(lines)
