"""Article keys and canonical URLs.  Pure functions: stdlib and w3lib only.

>>> article_key("https://haugiang.dcs.vn/tin/thuong-truc-tinh-uy-1234.html")
'1234'
>>> article_key("https://haugiang.dcs.vn/Default.aspx?NewsID=55&tabid=3")
'55'
>>> canonical_url("HTTP://Example.COM:80/a?b=2&a=1&utm_source=x#top")
'http://example.com/a?a=1&b=2'
"""

from __future__ import annotations

import functools
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

__all__ = ["ID_PARAMS", "article_key", "canonical_url", "page_family"]

#: Query parameters that carry the site's own numeric article id.
ID_PARAMS = frozenset({"id", "newsid", "articleid", "itemid", "nid"})

_SESSION_PARAMS = frozenset({"jsessionid", "phpsessid", "sid", "sessionid"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
# ";jsessionid=..." style path parameters
_PATH_SESSION = re.compile(
    r";(?:jsessionid|phpsessid|sid|sessionid|aspsessionid\w*)=[^/;?#]*", re.IGNORECASE
)
# last path segment: "...-1234", "1234", "...-1234.html", "1234.aspx"
_TRAILING_ID = re.compile(r"(?:^|[-_])(\d+)(?:\.[A-Za-z0-9]{1,5})?$")


def _is_session_param(name: str) -> bool:
    lowered = name.lower()
    return (
        lowered in _SESSION_PARAMS
        or lowered.startswith("aspsessionid")
        or lowered.startswith("utm_")
    )


@functools.lru_cache(maxsize=65536)
def canonical_url(url: str) -> str:
    """One spelling per page: lowercase scheme and host, no default port, no
    fragment, query sorted, session and ``utm_*`` parameters dropped."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    netloc = host
    if parts.port is not None and _DEFAULT_PORTS.get(scheme) != parts.port:
        netloc = f"{host}:{parts.port}"
    if parts.username:
        userinfo = parts.username + (f":{parts.password}" if parts.password else "")
        netloc = f"{userinfo}@{netloc}"
    path = _PATH_SESSION.sub("", parts.path) or "/"
    query = urlencode(
        [
            (name, value)
            for name, value in parse_qsl(parts.query, keep_blank_values=True)
            if not _is_session_param(name)
        ]
    )
    return canonicalize_url(urlunsplit((scheme, netloc, path, query, "")))


def _numeric_id(url: str) -> str | None:
    parts = urlsplit(url.strip())
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if name.lower() in ID_PARAMS and value.strip().isdigit():
            return str(int(value.strip()))
    path = _PATH_SESSION.sub("", parts.path).rstrip("/")
    last_segment = path.rsplit("/", 1)[-1]
    match = _TRAILING_ID.search(last_segment)
    if match:
        return str(int(match.group(1)))
    return None


def article_key(url: str) -> str:
    """The archive key of the article at ``url``.

    The site's own numeric id when the URL carries one (a query parameter
    ``id``/``newsid``/``articleid``/``itemid``/``nid``, or a trailing ``-1234`` or
    ``/1234`` in the last path segment, before an optional extension), else the
    canonical URL.
    """
    return _numeric_id(url) or canonical_url(url)


def page_family(url: str, other: str) -> bool:
    """True when two URLs are pages of one family: same host and path (session ids
    ignored) and the query parameter names of one contain the other's, like
    ``/lich?ngay=1`` and ``/lich?ngay=2``, or ``/tin/`` and ``/tin/?trang=2``.

    >>> page_family("http://h/lich?ngay=2021-03-19", "http://h/lich?ngay=2021-03-20")
    True
    >>> page_family("http://h/kinh-te/", "http://h/kinh-te/a-12.html")
    False
    >>> page_family("http://h/d.aspx?tabid=5&page=2", "http://h/d.aspx?NewsID=7")
    False
    """
    a, b = urlsplit(canonical_url(url)), urlsplit(canonical_url(other))
    if (a.netloc, a.path) != (b.netloc, b.path):
        return False
    names_a = {name.lower() for name, _ in parse_qsl(a.query, keep_blank_values=True)}
    names_b = {name.lower() for name, _ in parse_qsl(b.query, keep_blank_values=True)}
    return names_a <= names_b or names_b <= names_a
