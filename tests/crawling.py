"""Running real crawls from tests: the CLI in a subprocess, as cron and users run it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from hgcrawler.replica import ArticleTruth, ReplicaSite

ROOT = Path(__file__).resolve().parents[1]


def hgcrawler_crawl(
    base_url: str,
    mongo_uri: str,
    database: str,
    data_dir: Path,
    mode: str = "full",
    *extra: str,
    render: str = "never",
    slug_ids: bool = True,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """``hgcrawler crawl`` against the replica; returns the finished process.

    ``slug_ids``: the replica's default URLs end in its ids (``<slug>-<id>.html``), so
    ``HGCRAWLER_SLUG_IDS=1`` is set; pass False for ``ReplicaSite(url_scheme="slugs")``.
    """
    command = [
        sys.executable, "-m", "hgcrawler.cli", "crawl", "--mode", mode, "--fast",
        "--start-url", base_url, "--mongo-uri", mongo_uri, "--data-dir", str(data_dir),
        "--database", database, "-s", f"HGCRAWLER_RENDER={render}",
        *(["-s", "HGCRAWLER_SLUG_IDS=1"] if slug_ids else []),
        *extra,
    ]  # fmt: skip
    return subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )


def scrapy_crawl(
    base_url: str, settings: dict[str, Any], *args: str, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """``scrapy crawl haugiang`` from the repository root."""
    command = [sys.executable, "-m", "scrapy", "crawl", "haugiang", "-a", f"start_url={base_url}"]
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    command += list(args)
    return subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )


def expected_record(truth: ArticleTruth, base_url: str) -> dict[str, Any]:
    """What extraction should give for a page, from the replica's own truth."""
    root = base_url.rstrip("/")
    return {
        "title": truth.title,
        "category": truth.category,
        "updated_on": truth.updated_on.isoformat(),
        "views": truth.views if truth.views_in_static_html else None,
        "lede": truth.lede,
        "body": "\n\n".join(truth.body),
        "images": [{"src": root + src, "caption": caption} for src, caption in truth.images],
        "author": truth.author,
        "source": truth.source,
    }


def reachable(site: ReplicaSite, *, malformed: bool | None = False) -> list[ArticleTruth]:
    """Live (or moved) articles a crawler can reach, optionally filtered on malformed."""
    return [t for t in site.live_articles() if malformed is None or t.malformed == malformed]


def stored(site: ReplicaSite) -> list[ArticleTruth]:
    """The reachable articles an archive should hold: the well-formed ones."""
    return reachable(site)
