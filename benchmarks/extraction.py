"""Extraction alone, on saved replica pages: ours against trafilatura, with accuracy.

``trafilatura`` is a test extra (it needs ``lxml_html_clean`` with lxml >= 5.2); when it
does not import, the figures say why and show only ours.
"""

from __future__ import annotations

import json
import statistics
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BODY_F1_THRESHOLD = 0.9


def _norm(value: Any) -> str:
    if value is None:
        return ""
    return " ".join(unicodedata.normalize("NFC", str(value)).split())


def token_f1(found: str, expected: str) -> float:
    """Bag-of-words F1 of two texts (the usual content-extraction score)."""
    from collections import Counter

    got, want = Counter(_norm(found).split()), Counter(_norm(expected).split())
    if not got and not want:
        return 1.0
    common = sum((got & want).values())
    if not common:
        return 0.0
    precision, recall = common / sum(got.values()), common / sum(want.values())
    return 2 * precision * recall / (precision + recall)


@dataclass
class SavedPage:
    url: str
    path: Path
    truth: dict[str, Any]


def save_pages(articles: int, count: int, pages_dir: Path) -> list[SavedPage]:
    """``count`` article pages of the replica, spread over all ids, saved with their truth."""
    from hgcrawler.replica import ReplicaServer, ReplicaSite, Request

    site = ReplicaSite(articles=articles, day=1)
    server = ReplicaServer(site)  # only its request handler; never started
    base_url = "http://replica.test/"
    truths = [t for t in site.live_articles()]
    step = max(1, len(truths) // max(count, 1))
    pages_dir.mkdir(parents=True, exist_ok=True)
    saved = []
    for truth in truths[::step][:count]:
        response = server.handle(Request("GET", truth.url, {}, base_url))
        path = pages_dir / f"{truth.id}.html"
        path.write_bytes(response.body)
        saved.append(
            SavedPage(
                url=truth.absolute_url(base_url),
                path=path,
                truth={
                    "variant": truth.variant,
                    "title": truth.title,
                    "updated_on": truth.updated_on.isoformat(),
                    "author": truth.author,
                    "category": truth.category,
                    "views": truth.views if truth.views_in_static_html else None,
                    "lede": truth.lede,
                    "body": "\n\n".join(truth.body),
                },
            )
        )
    return saved


def _ours(html: bytes, url: str) -> dict[str, Any] | None:
    from hgcrawler.read.extraction import NotAnArticle, extract_article

    try:
        return extract_article(html, url, encoding="utf-8")
    except NotAnArticle:
        return None


def _trafilatura(html: bytes, url: str) -> dict[str, Any] | None:
    import trafilatura

    result = trafilatura.extract(html, url=url, output_format="json", with_metadata=True)
    return json.loads(result) if result else None


def _score(name: str, record: dict[str, Any] | None, truth: dict[str, Any]) -> dict[str, Any]:
    """Per-field correctness of one extraction against the truth."""
    if record is None:
        return {"title": 0, "date": 0, "author": 0, "text_f1": 0.0, "extracted": 0}
    if name == "ours":
        text = "\n\n".join(part for part in (record.get("lede"), record.get("body")) if part)
        date = record.get("updated_on")
    else:
        text = record.get("text") or record.get("raw_text") or ""
        date = record.get("date")
    expected_text = "\n\n".join(part for part in (truth["lede"], truth["body"]) if part)
    scores: dict[str, Any] = {
        "extracted": 1,
        "title": int(_norm(record.get("title")) == _norm(truth["title"])),
        "date": int((date or "")[:10] == truth["updated_on"]),
        "author": int(_norm(record.get("author")) == _norm(truth["author"])),
        "text_f1": token_f1(text, expected_text),
    }
    if name == "ours":
        scores["category"] = int(_norm(record.get("category")) == _norm(truth["category"]))
        scores["views"] = int(record.get("views") == truth["views"])
        scores["lede"] = int(_norm(record.get("lede")) == _norm(truth["lede"]))
        scores["body_exact"] = int(record.get("body") == truth["body"])
    else:
        categories = record.get("categories") or ""
        scores["category"] = int(bool(truth["category"]) and truth["category"] in categories)
    return scores


def _time_extractor(
    extractor: Callable[[bytes, str], dict[str, Any] | None],
    pages: list[tuple[SavedPage, bytes]],
) -> tuple[list[dict[str, Any] | None], list[float]]:
    for page, html in pages[:10]:  # warm up: imports, caches
        extractor(html, page.url)
    records, timings = [], []
    for page, html in pages:
        started = time.perf_counter()
        records.append(extractor(html, page.url))
        timings.append(time.perf_counter() - started)
    return records, timings


def bench_extraction(articles: int, count: int, work_dir: Path) -> dict[str, Any]:
    saved = save_pages(articles, count, work_dir / "pages")
    pages = [(page, page.path.read_bytes()) for page in saved]
    extractors: dict[str, Callable[[bytes, str], dict[str, Any] | None]] = {"ours": _ours}
    figures: dict[str, Any] = {
        "pages": len(pages),
        "replica_articles": articles,
        "mean_page_bytes": round(statistics.fmean(len(html) for _, html in pages)) if pages else 0,
        "body_f1_threshold": BODY_F1_THRESHOLD,
    }
    try:
        import trafilatura

        extractors["trafilatura"] = _trafilatura
        figures["trafilatura_version"] = trafilatura.__version__
    except ImportError as exc:
        figures["trafilatura_error"] = f"trafilatura not importable: {exc}"
    for name, extractor in extractors.items():
        records, timings = _time_extractor(extractor, pages)
        scores = [_score(name, r, p.truth) for r, (p, _) in zip(records, pages, strict=True)]
        n = max(len(scores), 1)
        accuracy = {
            key: round(sum(s.get(key, 0) for s in scores) / n, 4)
            for key in ("extracted", "title", "date", "author", "category")
        }
        f1s = [s["text_f1"] for s in scores]
        accuracy["text_f1_mean"] = round(statistics.fmean(f1s), 4) if f1s else 0.0
        accuracy["text"] = round(sum(f >= BODY_F1_THRESHOLD for f in f1s) / n, 4)
        if name == "ours":
            for key in ("views", "lede", "body_exact"):
                accuracy[key] = round(sum(s.get(key, 0) for s in scores) / n, 4)
        total = sum(timings)
        figures[name] = {
            "ms_per_page": round(total / n * 1000, 3),
            "median_ms": round(statistics.median(timings) * 1000, 3) if timings else None,
            "seconds": round(total, 2),
            "accuracy": accuracy,
        }
    return figures


# --------------------------------------------------------------------------- page template


def _load_module_at(commit: str, path: str, name: str) -> Any:
    """``path`` as it was at ``commit`` (git), imported as module ``name``; None without git."""
    import importlib.util
    import subprocess
    import sys
    import tempfile

    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        ["git", "-C", str(root), "show", f"{commit}:{path}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return None
    folder = Path(tempfile.mkdtemp())
    file = folder / f"{name}.py"
    file.write_text(done.stdout, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def bench_page_template(
    count: int = 300, theme: str = "nukeviet", baseline: str | None = None, rounds: int = 5
) -> dict[str, Any]:
    """ms/page of ``extract_article`` on ``count`` article pages of a replica theme: without
    a template, with the template learned from 20 of them, and (``baseline``: a git commit)
    the extractor of that commit; interleaved, ``rounds`` times, the best round of each."""
    from hgcrawler.read.extraction import extract_article, template_texts
    from hgcrawler.read.pagetemplate import learn_template
    from hgcrawler.replica import ReplicaServer, ReplicaSite, Request
    from hgcrawler.sites import Labels

    site = ReplicaSite(articles=count, day=1, theme=theme)
    server = ReplicaServer(site)  # only its request handler; never started
    base_url = "http://replica.test/"
    pages = [
        (truth.absolute_url(base_url), server.handle(Request("GET", truth.url, {}, base_url)).body)
        for truth in site.live_articles()
        if not truth.malformed
    ][:count]
    labels = Labels() if theme in ("classic",) else Labels(date=("Ngày đăng",), views=("Lượt xem",))
    template = learn_template(template_texts(html) for _, html in pages[:20])
    runs: dict[str, Callable[[bytes, str], Any]] = {
        "no_template": lambda html, url: extract_article(html, url, labels=labels),
        "learned_template": lambda html, url: extract_article(
            html, url, labels=labels, template=template
        ),
    }
    old = (
        _load_module_at(baseline, "hgcrawler/read/extraction.py", "baseline_extraction")
        if baseline
        else None
    )
    if old is not None:
        runs["baseline"] = lambda html, url: old.extract_article(html, url, labels=labels)
    # Interleaved page by page (each page read by every extractor in turn, the order
    # rotating), each page's best of ``rounds``: a load burst from other processes on
    # the machine then hits every extractor alike, not one whole pass.
    names = list(runs)
    fastest: dict[tuple[str, int], float] = {}
    for url, html in pages[:10]:  # warm up: imports, caches
        for run in runs.values():
            run(html, url)
    for round_number in range(rounds):
        for number, (url, html) in enumerate(pages):
            shift = (number + round_number) % len(names)
            for name in names[shift:] + names[:shift]:
                started = time.perf_counter()
                runs[name](html, url)
                elapsed = time.perf_counter() - started
                key = (name, number)
                fastest[key] = min(fastest.get(key, elapsed), elapsed)
    best = {name: sum(fastest[(name, n)] for n in range(len(pages))) for name in names}
    figures: dict[str, Any] = {
        "theme": theme,
        "pages": len(pages),
        "template_texts": len(template) if template is not None else 0,
        "rounds": rounds,
    }
    for name, seconds in best.items():
        figures[f"{name}_ms_per_page"] = round(seconds / len(pages) * 1000, 3)
    figures["learned_over_no_template"] = round(best["learned_template"] / best["no_template"], 3)
    if "baseline" in best:
        figures["baseline_commit"] = baseline
        figures["learned_over_baseline"] = round(best["learned_template"] / best["baseline"], 3)
        figures["no_template_over_baseline"] = round(best["no_template"] / best["baseline"], 3)
    return figures


if __name__ == "__main__":
    import sys

    commit = sys.argv[1] if len(sys.argv) > 1 else None
    results = [bench_page_template(theme=theme, baseline=commit) for theme in sys.argv[2:]]
    print(json.dumps(results or [bench_page_template(baseline=commit)], indent=2))
