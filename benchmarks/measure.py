"""Measuring child processes: peak RSS and CPU time from ``/proc`` and ``wait4`` (Linux).

Also the environment the children run in, the Scrapy stats file a crawl leaves
behind (``HGCRAWLER_STATS_FILE``) and two small arithmetic helpers shared by the
other modules.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hgcrawler
from hgcrawler.fetch.rendering import child_pids, pss_bytes

CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
#: Seconds a child that ran out of time gets to shut down after SIGTERM (Scrapy then
#: still closes its spider and writes its stats file) before it is killed.
TERMINATE_GRACE = 60.0


def proc_status_kb(pid: int, key: str) -> int | None:
    """A ``kB`` field (``VmRSS``, ``VmHWM``) of ``/proc/PID/status``, or None."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def proc_cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a live process, from ``/proc/PID/stat``."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    except (OSError, ValueError, IndexError):
        return None


def tree_pss_kb(root: int) -> tuple[int, int]:
    """(PSS of ``root`` and all its descendants, how many processes), in kB."""
    total, count, stack = 0, 0, [root]
    while stack:
        pid = stack.pop()
        stack.extend(child_pids(pid))
        total += pss_bytes(pid) // 1024
        count += 1
    return total, count


class RssSampler:
    """Samples VmRSS of some processes in a thread; keeps the maximum per pid. With
    ``tree`` also the PSS of that process and all its descendants together (a crawler
    with its browser: the Playwright driver and every Chromium process)."""

    def __init__(self, pids: Sequence[int], interval: float = 0.2, tree: int | None = None):
        self.pids = list(pids)
        self.interval = interval
        self.tree = tree
        self.peak_kb: dict[int, int] = dict.fromkeys(self.pids, 0)
        self.tree_peak_kb = 0
        self.tree_processes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in self.pids:
                kb = proc_status_kb(pid, "VmRSS")
                if kb is not None and kb > self.peak_kb[pid]:
                    self.peak_kb[pid] = kb
            if self.tree is not None:
                kb, processes = tree_pss_kb(self.tree)
                if kb > self.tree_peak_kb:
                    self.tree_peak_kb, self.tree_processes = kb, processes
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)


def mb(kb: float | None) -> float | None:
    return None if kb is None else round(kb / 1024, 1)


def ratio(a: float | None, b: float | None, digits: int = 2) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return round(a / b, digits)


def per_second(count: float | None, seconds: float | None) -> float | None:
    if count is None or not seconds:
        return None
    return round(count / seconds, 1)


def source_root() -> Path:
    """The directory holding the ``hgcrawler`` package this process runs."""
    return Path(hgcrawler.__file__).resolve().parents[1]


def child_env() -> dict[str, str]:
    """The environment for child processes: no Scrapy project selection, and the
    same ``hgcrawler`` as this process (a checkout's, not another installed copy)."""
    env = dict(os.environ)
    for name in ("SCRAPY_SETTINGS_MODULE", "SCRAPY_PROJECT", "MONGO_URI"):
        env.pop(name, None)
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONPATH"] = os.pathsep.join(
        part for part in (str(source_root()), env.get("PYTHONPATH", "")) if part
    )
    return env


def read_stats_file(path: Path) -> dict[str, Any]:
    """The stats a crawl wrote with ``-s HGCRAWLER_STATS_FILE=PATH``; ``{}`` when it
    wrote none (it was killed before its spider closed)."""
    try:
        stats: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    return stats


@dataclass
class ChildResult:
    returncode: int
    seconds: float
    max_rss_kb: int  # wait4's ru_maxrss (the largest process of its tree) or sampled VmRSS
    cpu_seconds: float
    stdout: str
    stderr: str
    timed_out: bool = False
    own_rss_kb: int = 0  # the child's own VmRSS, sampled
    tree_pss_kb: int = 0  # the child and its descendants together, PSS, sampled
    tree_processes: int = 0  # how many processes that tree had at its peak


def run_measured(
    command: Sequence[str],
    *,
    cwd: Path,
    timeout: float,
    watch: Sequence[int] = (),
) -> tuple[ChildResult, dict[int, int]]:
    """Run ``command``; its peak RSS and CPU time from ``wait4``, peak RSS of ``watch`` pids.

    Past ``timeout`` the child gets SIGTERM, then SIGKILL after ``TERMINATE_GRACE``.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            list(command), cwd=cwd, stdout=out, stderr=err, env=child_env(), close_fds=True
        )
        deadline = started + timeout
        timed_out = False
        with RssSampler([process.pid, *watch], tree=process.pid) as sampler:
            while True:
                pid, status, usage = os.wait4(process.pid, os.WNOHANG)
                if pid == process.pid:
                    break
                now = time.perf_counter()
                if now > deadline and not timed_out:
                    timed_out = True
                    process.terminate()
                elif now > deadline + TERMINATE_GRACE:
                    process.kill()
                    pid, status, usage = os.wait4(process.pid, 0)
                    break
                time.sleep(0.05)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        result = ChildResult(
            returncode=process.returncode,
            seconds=seconds,
            max_rss_kb=max(int(usage.ru_maxrss), sampler.peak_kb.get(process.pid, 0)),
            cpu_seconds=usage.ru_utime + usage.ru_stime,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
            timed_out=timed_out,
            own_rss_kb=sampler.peak_kb.get(process.pid, 0),
            tree_pss_kb=sampler.tree_peak_kb,
            tree_processes=sampler.tree_processes,
        )
    return result, {pid: sampler.peak_kb.get(pid, 0) for pid in watch}
