"""Which MongoDB a crawl writes to, and how to print its URI without secrets."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from hgcrawler.storage.embedded import EmbeddedDatabase

__all__ = ["mask_uri", "mongo_error_reason", "resolve_mongo_uri"]

logger = logging.getLogger(__name__)

# scheme://userinfo@hosts... ; userinfo cannot contain an unescaped "/" or "@"
_USERINFO = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/?#]*)@")
_SECRET_OPTIONS = re.compile(
    r"(?P<name>(?:[?&;])(?:password|tlsCertificateKeyFilePassword|sslPEMKeyPassword)=)[^&;#]*",
    re.IGNORECASE,
)


def mask_uri(uri: str) -> str:
    """``uri`` with the user name, password and password options replaced by ``***``.

    >>> mask_uri("mongodb://alice:s3cret@db.example.org:27017/hg?authSource=admin")
    'mongodb://***:***@db.example.org:27017/hg?authSource=admin'
    """
    match = _USERINFO.match(uri)
    if match:
        masked_userinfo = "***:***" if ":" in match.group("userinfo") else "***"
        uri = f"{match.group('scheme')}{masked_userinfo}@{uri[match.end() :]}"
    return _SECRET_OPTIONS.sub(lambda m: f"{m.group('name')}***", uri)


def resolve_mongo_uri(
    config_uri: str, data_dir: Path, start: bool = True
) -> tuple[str, EmbeddedDatabase | None]:
    """The URI to use and, when it is the embedded server, its manager.

    An explicit ``config_uri`` (the ``HGCRAWLER_MONGO_URI`` setting, the
    ``--mongo-uri`` option or ``$MONGO_URI``) wins.  Otherwise the embedded
    SecantusDB server under ``data_dir`` is used, started when ``start`` is true
    and it is not running (else :class:`~hgcrawler.storage.embedded.DatabaseError`).
    """
    if config_uri.strip():
        logger.debug("using MongoDB at %s", mask_uri(config_uri))
        return config_uri.strip(), None
    embedded = EmbeddedDatabase(data_dir)
    if start:
        embedded.start()
    return embedded.uri, embedded


def mongo_error_reason(exc: BaseException) -> str:
    """The part of a pymongo error a user can act on, on one line: pymongo's
    timeouts and topology description are cut off."""
    text = str(exc).strip()
    if not text:
        return type(exc).__name__
    text = text.splitlines()[0]
    for tail in (" (configured timeouts", ", Timeout:", ", full error:"):
        text = text.split(tail, 1)[0]
    return text[:200]
