"""A faithful, deterministic replica of the Hậu Giang party committee portal.

An independent site served on loopback for tests, benchmarks and demos. It
imports nothing from the rest of hgcrawler: it is the ground truth the crawler
is checked against. See ``docs/replica.md``.
"""

from .pages import Request, Response
from .server import LoggedRequest, ReplicaServer
from .site import ArticleTruth, ReplicaSite

__all__ = ["ArticleTruth", "LoggedRequest", "ReplicaServer", "ReplicaSite", "Request", "Response"]
