"""Serve a :class:`ReplicaSite` over HTTP on loopback (stdlib only).

``ReplicaServer.routes`` maps exact paths to handlers and is consulted before
the portal's own pages, so tests and benchmarks can mount extra routes (faults,
slow responses) without touching the portal.

Every request is logged on arrival (``ReplicaServer.request_log``: monotonic and
wall time, Host header, bound address, path), and a running server can stop
answering (``stop_answering()`` / ``resume()``) while still accepting
connections. Control endpoints under ``/__replica__/`` (linked from nowhere)
move the day, toggle maintenance and answering, and dump the request log.
"""

from __future__ import annotations

import json
import logging
import socket
import sys
import threading
import time
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

from .http import Handler, Request, Response
from .pages import PortalPages
from .site import ReplicaSite

logger = logging.getLogger(__name__)

CONTROL_PREFIX = "/__replica__/"
CONTROL_DAY_PATH = "/__replica__/day"
CONTROL_MAINTENANCE_PATH = "/__replica__/maintenance"
CONTROL_ANSWERING_PATH = "/__replica__/answering"
CONTROL_REQUESTS_PATH = "/__replica__/requests"
#: How often a held request (``stop_answering``) looks whether to go on.
HOLD_POLL_SECONDS = 0.05


@dataclass
class LoggedRequest:
    """One request as it arrived at a :class:`ReplicaServer`."""

    #: ``time.monotonic()`` when the request line was read
    at: float
    #: ``time.time()`` at the same moment
    wall: float
    #: the Host header (or the bound address if the client sent none)
    host: str
    #: the address the server is bound to, ``ip:port``
    bound: str
    #: the client's address, ``ip:port``
    client: str
    method: str
    #: path and query as requested
    path: str
    #: status answered; None while held or if never answered (``stop_answering``)
    status: int | None = None


class _PortalRequestHandler(BaseHTTPRequestHandler):
    server_version = "Microsoft-IIS/8.5"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    replica: ReplicaServer  # set on the subclass made per server

    _arrived: tuple[float, float] = (0.0, 0.0)

    def parse_request(self) -> bool:
        self._arrived = (time.monotonic(), time.time())
        return super().parse_request()

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self._serve(send_body=True)

    def _serve(self, send_body: bool) -> None:
        replica = self.replica
        parts = urlsplit(self.path)
        bound = f"{replica.host}:{replica.port}"
        host = self.headers.get("Host") or bound
        entry = LoggedRequest(
            at=self._arrived[0],
            wall=self._arrived[1],
            host=host,
            bound=bound,
            client=f"{self.client_address[0]}:{self.client_address[1]}",
            method=self.command,
            path=self.path,
        )
        with replica._requests_lock:
            replica.request_log.append(entry)
        request = Request(
            method=self.command,
            path=parts.path or "/",
            query=parse_qs(parts.query, keep_blank_values=True),
            base_url=f"http://{host}/",
        )
        if not request.path.startswith(CONTROL_PREFIX):
            while not replica._answering.is_set():  # stop_answering(): hold the request
                if replica._stopping.wait(HOLD_POLL_SECONDS):
                    self.close_connection = True
                    return  # stopped without ever answering
        try:
            response = replica.handle(request)
        except Exception:
            logger.exception("replica failed on %s", self.path)
            response = Response(500, b"Internal Server Error", "text/plain; charset=utf-8")
        with replica._requests_lock:
            replica.requests.append((host, self.path))
        entry.status = response.status
        if response.hang and replica._stopping.wait(response.hang):
            return  # the server is stopping: give up on the hanging request
        body = response.body
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Powered-By", "ASP.NET")
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if send_body:
                if response.truncate_at is not None:
                    self.wfile.write(body[: response.truncate_at])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (e.g. a size limit)

    def log_message(self, format: str, *args: object) -> None:
        if self.replica.log_requests:
            logger.info("%s %s", self.address_string(), format % args)


class _QuietHTTPServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        """Clients that hang up (size limits, timeouts, fault tests) are not errors."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class ReplicaServer:
    """A ThreadingHTTPServer serving the portal in a background thread."""

    def __init__(
        self,
        site: ReplicaSite,
        host: str = "127.0.0.1",
        port: int = 0,
        log_requests: bool = False,
    ) -> None:
        self.site = site
        self.host = host
        self.port = port
        self.log_requests = log_requests
        self.pages = PortalPages(site)
        self.routes: dict[str, Handler] = {
            CONTROL_DAY_PATH: self._control_day,
            CONTROL_MAINTENANCE_PATH: self._control_maintenance,
            CONTROL_ANSWERING_PATH: self._control_answering,
            CONTROL_REQUESTS_PATH: self._control_requests,
        }
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        #: ``(Host header, path and query)`` of every request served, in order
        self.requests: list[tuple[str, str]] = []
        #: every request as it arrived (answered or not), in order of arrival
        self.request_log: list[LoggedRequest] = []
        self._requests_lock = threading.Lock()
        self._stopping = threading.Event()
        self._answering = threading.Event()
        self._answering.set()

    @property
    def fault_hits(self) -> dict[str, int]:
        """Requests per fault endpoint (path after ``/kiem-thu/``); empty without faults."""
        return dict(self.pages.faults.hits) if self.pages.faults is not None else {}

    def requested(self, fragment: str) -> list[tuple[str, str]]:
        """The requests whose path contains ``fragment``."""
        with self._requests_lock:
            return [entry for entry in self.requests if fragment in entry[1]]

    def logged(self, host: str | None = None, fragment: str = "") -> list[LoggedRequest]:
        """Logged requests, optionally only those with this Host header (or bound
        address) and whose path contains ``fragment``."""
        with self._requests_lock:
            return [
                entry
                for entry in self.request_log
                if (host is None or host in (entry.host, entry.bound)) and fragment in entry.path
            ]

    # ------------------------------------------------------------ answering
    @property
    def answering(self) -> bool:
        """False after :meth:`stop_answering` until :meth:`resume`."""
        return self._answering.is_set()

    def stop_answering(self) -> None:
        """Keep accepting connections and reading requests, but answer none of them.

        Held requests wait until :meth:`resume` (then they are answered) or
        :meth:`stop` (then their connections are closed without an answer).
        Control endpoints (``/__replica__/...``) are still answered.
        """
        self._answering.clear()

    def resume(self) -> None:
        """Answer again, held requests included."""
        self._answering.set()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def url(self, path: str) -> str:
        """Absolute URL of a path on this server."""
        return self.base_url.rstrip("/") + "/" + path.lstrip("/")

    def handle(self, request: Request) -> Response:
        handler = self.routes.get(request.path)
        if handler is not None:
            return handler(request)
        return self.pages.respond(request)

    def _control_day(self, request: Request) -> Response:
        raw = request.query.get("set", [None])[-1]
        if raw is not None:
            if not raw.isdigit() or int(raw) < 1:
                body = json.dumps({"error": "set must be an integer >= 1"}).encode()
                return Response(400, body, "application/json")
            self.site.set_day(int(raw))
        body = json.dumps({"day": self.site.day}).encode()
        return Response(200, body, "application/json")

    @staticmethod
    def _control_error(message: str) -> Response:
        return Response(400, json.dumps({"error": message}).encode(), "application/json")

    def _control_maintenance(self, request: Request) -> Response:
        """``?set=on|off|auto`` (auto: follow ``maintenance_from_day``)."""
        raw = request.query.get("set", [None])[-1]
        if raw is not None:
            choices = {"on": True, "1": True, "off": False, "0": False, "auto": None}
            if raw not in choices:
                return self._control_error("set must be on, off or auto")
            self.site.set_maintenance(choices[raw])
        body = json.dumps({"maintenance": self.site.in_maintenance()}).encode()
        return Response(200, body, "application/json")

    def _control_answering(self, request: Request) -> Response:
        """``?set=0`` stops answering (this endpoint still answers), ``?set=1`` resumes."""
        raw = request.query.get("set", [None])[-1]
        if raw is not None:
            if raw not in ("0", "1"):
                return self._control_error("set must be 0 or 1")
            if raw == "1":
                self.resume()
            else:
                self.stop_answering()
        return Response(200, json.dumps({"answering": self.answering}).encode(), "application/json")

    def _control_requests(self, request: Request) -> Response:
        """The request log as JSON; ``?since=N`` skips the first N entries."""
        raw = request.query.get("since", ["0"])[-1]
        if not raw.isdigit():
            return self._control_error("since must be an integer >= 0")
        with self._requests_lock:
            entries = [asdict(entry) for entry in self.request_log[int(raw) :]]
        body = json.dumps({"since": int(raw), "requests": entries}).encode()
        return Response(200, body, "application/json")

    def start(self) -> ReplicaServer:
        """Bind and serve in a daemon thread; returns self."""
        if self._httpd is not None:
            return self
        self._stopping.clear()
        self._answering.set()
        handler = type("PortalRequestHandler", (_PortalRequestHandler,), {"replica": self})
        httpd = _QuietHTTPServer((self.host, self.port), handler)
        httpd.daemon_threads = True
        self._httpd = httpd
        self.port = int(httpd.server_address[1])
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            daemon=True,
            name=f"replica-{self.port}",
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (used by the CLI)."""
        self.start()
        assert self._thread is not None
        try:
            while self._thread.is_alive():
                self._thread.join(0.5)
        finally:
            self.stop()

    def stop(self) -> None:
        httpd, thread = self._httpd, self._thread
        self._httpd = self._thread = None
        self._stopping.set()
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
        if thread is not None:
            thread.join(5)

    def __enter__(self) -> ReplicaServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
