"""The replica's requests and responses as its pages see them, apart from the HTTP server
(:mod:`.server`) that makes them and the pages (:mod:`.pages`, :mod:`.faults`) that answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["Handler", "Request", "Response"]


@dataclass(frozen=True)
class Request:
    """One HTTP request as the portal sees it."""

    method: str
    path: str
    query: dict[str, list[str]]
    base_url: str


@dataclass
class Response:
    """One HTTP response (body already encoded)."""

    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    #: seconds to wait before answering (a hanging server)
    hang: float = 0.0
    #: send only this many body bytes (Content-Length stays the full size), then close
    truncate_at: int | None = None


Handler = Callable[[Request], Response]
