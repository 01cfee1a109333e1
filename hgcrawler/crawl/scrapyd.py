"""Many portals on many machines: dispatching crawls to Scrapyd nodes.

`Scrapyd <https://scrapyd.readthedocs.io/>`_ runs Scrapy projects as jobs over
HTTP, each job its own process.  hgcrawler uses it as it is: every node has
hgcrawler installed (its dependencies, Debian's Chromium), the project is
deployed to it as an egg (:func:`build_egg`, ``addversion.json``), and every node
writes to one MongoDB given by URI.  This module is the dispatcher that cron
runs (``hgcrawler schedule``):

- one job per site per run, on the node with the fewest jobs, never a second job
  for a site that a node is still running or holding (job ids are
  ``<site>--<crawl id>``, so ``listjobs.json`` tells every node's sites);
- each job is given its crawl id (``HGCRAWLER_CRAWL_ID``), so how it ended is read
  from its crawl record in the archive, not guessed from the node.

Scrapyd keeps a queue per node and starts at most ``max_proc`` jobs at once; a
site's politeness (delays, concurrency per host) is its own job's settings, and a
job crawls one site, so two sites never share a host's budget.
"""

from __future__ import annotations

import io
import json
import logging
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hgcrawler import __version__

__all__ = [
    "JOB_SEPARATOR",
    "Dispatch",
    "ScrapydError",
    "ScrapydNode",
    "build_egg",
    "dispatch",
    "failure_in_log",
    "site_of_job",
]

logger = logging.getLogger(__name__)

JOB_SEPARATOR = "--"
#: What the egg carries: the packages and their data files.
_PACKAGES = ("hgcrawler", "spiders")
_DATA_SUFFIXES = (".py", ".typed", ".j2", ".toml", ".html", ".css", ".js")


class ScrapydError(RuntimeError):
    """A node did not answer, or answered with an error; the message names the node."""


def site_of_job(job_id: str) -> str | None:
    """The site a job crawls, from its id (``<site>--<crawl id>``)."""
    site, sep, _ = job_id.partition(JOB_SEPARATOR)
    return site if sep else None


@dataclass
class ScrapydNode:
    """One Scrapyd server, through its JSON API."""

    url: str
    timeout: float = 15.0

    def __post_init__(self) -> None:
        self.url = self.url.rstrip("/") + "/"

    def call(self, endpoint: str, data: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """GET (or POST ``data``) ``endpoint``; :class:`ScrapydError` unless status is ok."""
        target = urllib.parse.urljoin(self.url, endpoint)
        body = None
        headers: dict[str, str] = {}
        if data is not None:
            if "egg" in data:
                body, headers = _multipart(data)
            else:
                pairs = [
                    (name, item)
                    for name, value in data.items()
                    for item in (value if isinstance(value, list) else [value])
                ]
                body = urllib.parse.urlencode(pairs).encode()
        request = urllib.request.Request(target, data=body, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = json.loads(response.read().decode("utf-8"))
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ScrapydError(
                f"Scrapyd at {self.url} did not answer {endpoint}: {reason}"
            ) from None
        if answer.get("status") != "ok":
            raise ScrapydError(
                f"Scrapyd at {self.url} refused {endpoint}: {answer.get('message', answer)}"
            )
        return dict(answer)

    def text(self, path: str, limit: int = 1_000_000) -> str:
        """A text the node serves (a job's log, ``logs/<project>/<spider>/<job>.log``):
        its last ``limit`` bytes; :class:`ScrapydError` when it cannot be read."""
        target = urllib.parse.urljoin(self.url, path.lstrip("/"))
        try:
            with urllib.request.urlopen(target, timeout=self.timeout) as response:
                data: bytes = response.read()
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ScrapydError(f"Scrapyd at {self.url} did not serve {path}: {reason}") from None
        return data[-limit:].decode("utf-8", errors="replace")

    def jobs(self, project: str) -> dict[str, list[dict[str, Any]]]:
        """``pending``, ``running`` and ``finished`` jobs of ``project``."""
        answer = self.call(f"listjobs.json?project={urllib.parse.quote(project)}")
        return {
            state: list(answer.get(state) or []) for state in ("pending", "running", "finished")
        }

    def busy_sites(self, project: str) -> dict[str, str]:
        """Site -> job id of the jobs this node runs or holds."""
        try:
            jobs = self.jobs(project)
        except ScrapydError as exc:
            if "not found" in str(exc):  # the project is not deployed here yet
                return {}
            raise
        busy = {}
        for state in ("pending", "running"):
            for job in jobs[state]:
                site = site_of_job(str(job.get("id")))
                if site is not None:
                    busy[site] = str(job["id"])
        return busy

    def load(self, project: str) -> int:
        """How many jobs of ``project`` this node runs or holds."""
        try:
            jobs = self.jobs(project)
        except ScrapydError:
            return 0
        return len(jobs["pending"]) + len(jobs["running"])

    def deploy(self, project: str, version: str, egg: bytes) -> None:
        self.call("addversion.json", {"project": project, "version": version, "egg": egg})

    def schedule(self, project: str, spider: str, job_id: str, settings: Mapping[str, str]) -> str:
        answer = self.call(
            "schedule.json",
            {
                "project": project,
                "spider": spider,
                "jobid": job_id,
                "setting": [f"{name}={value}" for name, value in settings.items()],
            },
        )
        return str(answer["jobid"])


def _multipart(data: Mapping[str, Any]) -> tuple[bytes, dict[str, str]]:
    boundary = f"hgcrawler-{time.time_ns()}"
    out = io.BytesIO()
    for name, value in data.items():
        out.write(f"--{boundary}\r\n".encode())
        if isinstance(value, bytes):
            out.write(
                f'Content-Disposition: form-data; name="{name}"; filename="{name}.egg"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n".encode()
            )
            out.write(value)
        else:
            out.write(f'Content-Disposition: form-data; name="{name}"\r\n\r\n{value}'.encode())
        out.write(b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def build_egg(root: Path, project: str = "hgcrawler") -> bytes:
    """An egg of the checkout at ``root`` for ``addversion.json``: the ``hgcrawler`` and
    ``spiders`` packages with their data files, and the ``scrapy`` entry point Scrapyd
    reads the settings module from.  Dependencies are the node's own installation."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as egg:
        for package in _PACKAGES:
            for path in sorted((root / package).rglob("*")):
                if (
                    path.is_file()
                    and path.suffix in _DATA_SUFFIXES
                    and "__pycache__" not in path.parts
                ):
                    egg.write(path, path.relative_to(root).as_posix())
        egg.writestr(
            "EGG-INFO/PKG-INFO",
            f"Metadata-Version: 2.1\nName: {project}\nVersion: {__version__}\n",
        )
        egg.writestr("EGG-INFO/entry_points.txt", "[scrapy]\nsettings = hgcrawler.settings\n")
        egg.writestr("EGG-INFO/top_level.txt", "\n".join(_PACKAGES) + "\n")
        egg.writestr("EGG-INFO/zip-safe", "")
    return buffer.getvalue()


@dataclass
class Dispatch:
    """What became of one site in one run."""

    site: str
    node: str | None = None
    job_id: str | None = None
    crawl_id: str | None = None
    skipped: str | None = None  # why no job was started
    job_state: str | None = None  # pending | running | finished (last seen)
    log_url: str | None = None  # the job's log on its node, once finished
    failure: str | None = None  # why the job ended without a crawl record, from its log
    crawl: dict[str, Any] = field(default_factory=dict)  # the crawl record, once finished


def dispatch(
    nodes: Sequence[ScrapydNode],
    sites: Iterable[str],
    *,
    project: str,
    spider: str,
    settings: Mapping[str, str],
    new_crawl_id: Callable[[], str],
) -> list[Dispatch]:
    """One job per site over ``nodes``: a site some node still runs or holds is skipped,
    the others go to the least loaded node (ties: the order given)."""
    busy: dict[str, tuple[str, str]] = {}
    load: dict[str, int] = {}
    for node in nodes:
        for site, job_id in node.busy_sites(project).items():
            busy[site] = (node.url, job_id)
        load[node.url] = node.load(project)
    out: list[Dispatch] = []
    for site in sites:
        if site in busy:
            where, job_id = busy[site]
            out.append(
                Dispatch(
                    site,
                    node=where,
                    job_id=job_id,
                    skipped=f"job {job_id} of this site is still queued or running on {where}",
                )
            )
            continue
        node = min(nodes, key=lambda n: load[n.url])
        crawl_id = new_crawl_id()
        job_id = node.schedule(
            project,
            spider,
            f"{site}{JOB_SEPARATOR}{crawl_id}",
            {**settings, "HGCRAWLER_SITE": site, "HGCRAWLER_CRAWL_ID": crawl_id},
        )
        load[node.url] += 1
        busy[site] = (node.url, job_id)
        out.append(Dispatch(site, node=node.url, job_id=job_id, crawl_id=crawl_id))
        logger.info("site %s: job %s on %s", site, job_id, node.url)
    return out


def wait(
    nodes: Sequence[ScrapydNode],
    dispatched: Sequence[Dispatch],
    *,
    project: str,
    timeout: float,
    poll: float = 2.0,
) -> None:
    """Poll the nodes until every dispatched job has finished (or ``timeout``)."""
    by_url = {node.url: node for node in nodes}
    waiting = {d.job_id: d for d in dispatched if d.skipped is None and d.job_id}
    deadline = time.monotonic() + timeout
    while waiting and time.monotonic() < deadline:
        for url in sorted({d.node for d in waiting.values() if d.node}):
            jobs = by_url[url].jobs(project)
            for state in ("pending", "running", "finished"):
                for job in jobs[state]:
                    found = waiting.get(str(job.get("id")))
                    if found is not None:
                        found.job_state = state
                        if job.get("log_url"):
                            found.log_url = str(job["log_url"])
        for job_id in [j for j, d in waiting.items() if d.job_state == "finished"]:
            del waiting[job_id]
        if waiting:
            time.sleep(poll)


#: A log line of Scrapy's format: ``2026-12-04 15:40:21 [logger] LEVEL: message``.
_LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[[^\]]*\] (?P<level>[A-Z]+): (?P<msg>.*)$"
)


def failure_in_log(text: str) -> str | None:
    """Why a job failed, from its log: its last ERROR or CRITICAL message (one line,
    at most 300 characters), or None when it logged none.

    >>> failure_in_log("2026-12-04 15:40:21 [x] INFO: hi\\n"
    ...                "2026-12-04 15:40:22 [hgcrawler] ERROR: scrapy crawl: no profile x")
    'scrapy crawl: no profile x'
    """
    found = None
    for line in text.splitlines():
        match = _LOG_LINE.match(line)
        if match and match.group("level") in ("ERROR", "CRITICAL"):
            found = match.group("msg").strip()
    return found[:300] if found else None


def explain_failures(nodes: Sequence[ScrapydNode], dispatched: Iterable[Dispatch]) -> None:
    """Set ``failure`` of each finished job from the last error in its log (what a
    missing site profile or an unreachable archive on the node says)."""
    by_url = {node.url: node for node in nodes}
    for item in dispatched:
        if item.job_state != "finished" or not item.log_url or item.node not in by_url:
            continue
        try:
            text = by_url[item.node].text(item.log_url)
        except ScrapydError as exc:
            item.failure = str(exc)
            continue
        item.failure = failure_in_log(text)
