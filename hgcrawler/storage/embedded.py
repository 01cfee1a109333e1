"""The embedded database: a SecantusDB server process under the data directory.

SecantusDB (GPL-2.0) runs as a separate server process that we talk to over
the MongoDB wire protocol; it is never imported.  Layout of ``data_dir``::

    db/              the server's storage (WiredTiger files)
    secantus.log     the server's log (the previous one in secantus.log.1)
    secantus.json    {pid, port, uri, started_at} while it runs
    secantus.lock    held while starting or stopping, so two processes don't race
    secantusd.toml   an empty config, so no ~/.secantus/secantusd.toml is picked up
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pymongo import MongoClient
from pymongo.errors import PyMongoError

__all__ = ["DatabaseError", "EmbeddedDatabase", "pid_alive", "ping"]

logger = logging.getLogger(__name__)

HOST = "127.0.0.1"
_LISTENING = re.compile(r"listening on 127\.0\.0\.1:(\d+)")
#: Entries the server keeps in its oplog (its default: 100,000 for an hour).  Nothing
#: here reads the oplog (no change streams); each entry of a write holds the written
#: document, so at the default a large write (a crawl's buckets) kept gigabytes of
#: documents a second time on disk.  The server prunes every 1,000 entries.
OPLOG_MAX_ENTRIES = 1000


class DatabaseError(RuntimeError):
    """The embedded database could not be started, reached or stopped (message for users)."""


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this host (a reaped child of ours does not)."""
    if pid <= 0:
        return False
    try:
        reaped, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
    else:
        if reaped == pid:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _uri(port: int) -> str:
    return f"mongodb://{HOST}:{port}/?directConnection=true"


def ping(uri: str, timeout: float = 1.0) -> bool:
    """Whether a MongoDB server answers ``ping`` at ``uri`` within ``timeout`` seconds."""
    millis = max(int(timeout * 1000), 100)
    client: MongoClient[dict[str, Any]] = MongoClient(
        uri, serverSelectionTimeoutMS=millis, connectTimeoutMS=millis, socketTimeoutMS=millis
    )
    try:
        client.admin.command("ping")
    except PyMongoError:
        return False
    finally:
        client.close()
    return True


class EmbeddedDatabase:
    """Start, find, and stop the SecantusDB server that keeps the archive under ``data_dir``.

    The server outlives the process that started it (it runs in its own
    session); a second :class:`EmbeddedDatabase` on the same directory finds it
    through ``secantus.json`` and reuses it.  It listens on 127.0.0.1 only, on
    a port chosen by the OS.
    """

    def __init__(self, data_dir: Path, *, start_timeout: float = 15.0) -> None:
        self.data_dir = Path(data_dir).expanduser()
        self.start_timeout = start_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._info: dict[str, Any] | None = None

    def __repr__(self) -> str:
        return f"EmbeddedDatabase({str(self.data_dir)!r})"

    # --- paths ----------------------------------------------------------------

    @property
    def storage_path(self) -> Path:
        return self.data_dir / "db"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "secantus.log"

    @property
    def state_path(self) -> Path:
        return self.data_dir / "secantus.json"

    @property
    def lock_path(self) -> Path:
        return self.data_dir / "secantus.lock"

    @property
    def config_path(self) -> Path:
        return self.data_dir / "secantusd.toml"

    # --- public API -----------------------------------------------------------

    @property
    def uri(self) -> str:
        """The URI of the running server (raises :class:`DatabaseError` when not running)."""
        info = self._info or self.status()
        if info is None:
            raise DatabaseError(
                f"the embedded database in {self.data_dir} is not running "
                "(start it with `hgcrawler db start`)"
            )
        return str(info["uri"])

    def status(self) -> dict[str, Any] | None:
        """``{pid, port, uri, started_at, data_dir, log}`` when the server runs, else None."""
        info = self._read_state()
        if info is None:
            return None
        if not pid_alive(int(info.get("pid", 0))) or not ping(str(info.get("uri", ""))):
            return None
        return {**info, "data_dir": str(self.data_dir), "log": str(self.log_path)}

    def start(self) -> dict[str, Any]:
        """Start the server unless it already runs; returns its status."""
        self._prepare_data_dir()
        with self._locked():
            running = self.status()
            if running is not None:
                logger.debug("reusing the embedded database (pid %s)", running["pid"])
                self._info = running
                return running
            self._info = self._spawn()
            return {**self._info, "data_dir": str(self.data_dir), "log": str(self.log_path)}

    def stop(self, timeout: float = 15.0) -> bool:
        """Stop the server (SIGTERM, then SIGKILL after ``timeout``).

        Returns False when it was not running.
        """
        if not self.data_dir.is_dir():
            return False
        with self._locked():
            info = self._read_state()
            self._info = None
            if info is None:
                return False
            pid = int(info.get("pid", 0))
            was_running = pid_alive(pid) and self._looks_like_secantus(pid)
            if was_running:
                self._terminate(pid, timeout)
            with contextlib.suppress(FileNotFoundError):
                self.state_path.unlink()
            if self._process is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self._process.wait(timeout=1)
                self._process = None
            return was_running

    # --- internals --------------------------------------------------------------

    def _prepare_data_dir(self) -> None:
        try:
            self.storage_path.mkdir(parents=True, exist_ok=True)
            probe = self.data_dir / f".write-test-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
            if not self.config_path.exists():
                self.config_path.write_text(
                    "# Written by hgcrawler: an empty config, so that SecantusDB does not\n"
                    "# pick up ./secantusd.toml or ~/.secantus/secantusd.toml.\n",
                    encoding="utf-8",
                )
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise DatabaseError(
                f"cannot use {self.data_dir} as the data directory ({reason}); "
                "choose a writable directory with --data-dir or $HGCRAWLER_DATA_DIR"
            ) from exc

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            handle = open(self.lock_path, "a+b")  # noqa: SIM115 - held for the block
        except OSError as exc:
            raise DatabaseError(f"cannot open the lock file {self.lock_path}: {exc}") from exc
        with handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def _read_state(self) -> dict[str, Any] | None:
        try:
            info = json.loads(self.state_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return info if isinstance(info, dict) else None

    def _write_state(self, info: dict[str, Any]) -> None:
        temporary = self.state_path.with_suffix(".json.tmp")
        temporary.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        os.replace(temporary, self.state_path)

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:]) or "(empty log)"

    def _spawn(self) -> dict[str, Any]:
        if self.log_path.exists():
            os.replace(self.log_path, self.log_path.with_suffix(".log.1"))
        command = [
            sys.executable,
            "-m",
            "secantus",
            "--config",
            str(self.config_path),
            "--host",
            HOST,
            "--port",
            "0",
            "--storage-path",
            str(self.storage_path),
            "--oplog-max-entries",
            str(OPLOG_MAX_ENTRIES),
        ]

        with open(self.log_path, "wb") as log:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                cwd=self.data_dir,
                start_new_session=True,
                close_fds=True,
            )
        self._process = process
        deadline = time.monotonic() + self.start_timeout
        port = None
        while port is None:
            match = _LISTENING.search(self.log_path.read_text(encoding="utf-8", errors="replace"))
            if match:
                port = int(match.group(1))
                break
            if process.poll() is not None:
                raise DatabaseError(
                    f"the embedded database exited with status {process.returncode} while "
                    f"starting; last lines of {self.log_path}:\n{self.log_tail()}"
                )
            if time.monotonic() > deadline:
                self._kill_failed(process)
                raise DatabaseError(
                    f"the embedded database did not start listening within "
                    f"{self.start_timeout:.0f} s; last lines of {self.log_path}:\n"
                    f"{self.log_tail()}"
                )
            time.sleep(0.05)
        uri = _uri(port)
        while not ping(uri, timeout=0.5):
            if process.poll() is not None or time.monotonic() > deadline:
                self._kill_failed(process)
                raise DatabaseError(
                    f"the embedded database on port {port} does not answer; last lines of "
                    f"{self.log_path}:\n{self.log_tail()}"
                )
            time.sleep(0.1)
        info = {
            "pid": process.pid,
            "port": port,
            "uri": uri,
            "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        self._write_state(info)
        logger.info("started the embedded database (pid %d) at %s", process.pid, uri)
        return info

    @staticmethod
    def _kill_failed(process: subprocess.Popen[bytes]) -> None:
        if process.poll() is None:
            process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)

    @staticmethod
    def _looks_like_secantus(pid: int) -> bool:
        """Guard against a reused pid: on Linux, check the command line."""
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return True  # no /proc: trust the pid
        return b"secantus" in cmdline

    def _terminate(self, pid: int, timeout: float) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while pid_alive(pid):
            if time.monotonic() > deadline:
                logger.warning("the embedded database (pid %d) ignored SIGTERM; killing it", pid)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                kill_deadline = time.monotonic() + 5
                while pid_alive(pid) and time.monotonic() < kill_deadline:
                    time.sleep(0.05)
                break
            time.sleep(0.05)
        logger.info("stopped the embedded database (pid %d)", pid)
