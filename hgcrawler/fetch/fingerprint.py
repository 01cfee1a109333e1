"""``CanonicalRequestFingerprinter``: one request per page, however the site spells its URL.

Scrapy's default fingerprint already ignores the order of query parameters
and the fragment; this one also drops session ids (``;jsessionid=...``,
``?sid=...``, ``PHPSESSID``…) and ``utm_*`` parameters, through
:func:`hgcrawler.read.urls.canonical_url`, so the duplicate filter sees one request.
"""

from __future__ import annotations

from typing import Any, Self

from scrapy.http import Request
from scrapy.utils.request import fingerprint

from hgcrawler.read.urls import canonical_url

__all__ = ["CanonicalRequestFingerprinter"]


class CanonicalRequestFingerprinter:
    @classmethod
    def from_crawler(cls, crawler: Any) -> Self:
        return cls()

    def fingerprint(self, request: Request) -> bytes:
        canonical = canonical_url(request.url)
        if canonical != request.url:
            request = request.replace(url=canonical)
        return fingerprint(request)
