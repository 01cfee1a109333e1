"""hgcrawler: an archival crawler for the Hậu Giang provincial party committee portal."""

__version__ = "0.1.0"
