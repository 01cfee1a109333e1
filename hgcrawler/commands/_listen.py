"""Checking an address a command is about to serve on, so that a busy port or a
mistyped host is one line on stderr (exit 2) instead of a server's traceback."""

from __future__ import annotations

import errno
import socket

__all__ = ["address_text", "error_reason", "listen_problem", "port_problem"]

_HINTS = {
    errno.EADDRINUSE: "address already in use (choose another --port)",
    errno.EADDRNOTAVAIL: "not an address of this machine",
    errno.EACCES: "permission denied (ports below 1024 need root)",
}


def address_text(host: str, port: int) -> str:
    """``host:port``, with an IPv6 address in brackets."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def port_problem(port: int, *, allow_any: bool) -> str | None:
    """Why ``port`` cannot be listened on, or None. ``allow_any``: 0 means any free port."""
    lowest = 0 if allow_any else 1
    if not lowest <= port <= 65535:
        return f"the port must be {lowest}-65535" + (" (0: any free port)" if allow_any else "")
    return None


def error_reason(exc: OSError | OverflowError) -> str:
    """An ``OSError`` from ``bind()``/``getaddrinfo()`` in words, without ``[Errno N]``."""
    if isinstance(exc, socket.gaierror):
        return f"unknown host or bad address ({exc.strerror or exc})"
    if isinstance(exc, OSError) and exc.errno in _HINTS:
        return _HINTS[exc.errno]
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror[:1].lower() + exc.strerror[1:]
    return str(exc)


def listen_problem(host: str, port: int) -> str | None:
    """Why a TCP server could not listen on ``host:port`` now, or None.

    Binds a socket (with ``SO_REUSEADDR``, as servers do) and closes it at once;
    a server started right after can still lose a race for the port."""
    try:
        infos = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE | socket.AI_NUMERICSERV
        )
    except (OSError, OverflowError) as exc:
        return error_reason(exc)
    family, kind, proto, _name, address = infos[0]
    try:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except (OSError, OverflowError) as exc:
        return error_reason(exc)
    return None
