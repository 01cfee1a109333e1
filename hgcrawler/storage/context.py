"""What a batch writes besides documents, as the writer and the joins see it.

Apart from :mod:`hgcrawler.storage.writer` so that the joins (:mod:`.joins`,
:mod:`.merge`), which the writer calls, need not import the writer back.
"""

from __future__ import annotations

from typing import Protocol

from hgcrawler.storage.postings import Postings
from hgcrawler.storage.series import SiteSeries

__all__ = ["SiteContext"]


class SiteContext(Protocol):
    """What a batch writes besides documents: the site's series and postings, and new
    article numbers (the store keeps one per site for the crawl)."""

    site: str
    series: SiteSeries
    postings: Postings
    #: every host the site has had (``sites`` document): a page at any of them is the
    #: same page (:class:`hgcrawler.read.urls.SiteAddresses`); empty: every host
    hosts: tuple[str, ...]

    def allocate(self, count: int) -> list[int]: ...
