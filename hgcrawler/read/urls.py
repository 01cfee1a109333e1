"""Article keys and canonical URLs.  Pure functions: stdlib and w3lib only.

An article's key is the site's own id only where the URL says so without
doubt; otherwise it is the page's canonical URL.  A number that merely ends a
slug (``le-ky-niem-30-4-2021.html``, ``dai-hoi-lan-thu-14.html``) is never an
id, unless the site is configured to use that shape (``slug_ids``).

>>> keys = ArticleKeys()
>>> keys.key("https://haugiang.dcs.vn/Default.aspx?tabid=3&NewsID=55")
'55'
>>> keys.key("https://haugiang.dcs.vn/DetailView/4321/22/Hoi-nghi.html")
'4321'
>>> keys.key("https://haugiang.dcs.vn/tin-tuc/dai-hoi-lan-thu-14.html")
'/tin-tuc/dai-hoi-lan-thu-14.html'
>>> ArticleKeys(slug_ids=True).key("https://haugiang.dcs.vn/kinh-te/hoi-nghi-1234.html")
'1234'
>>> canonical_url("HTTP://Example.COM:80/a?b=2&a=1&utm_source=x#top")
'http://example.com/a?a=1&b=2'
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

__all__ = [
    "ID_PARAMS",
    "ID_SEGMENT_MARKERS",
    "SHORT_HASH",
    "ArticleKeys",
    "SiteAddresses",
    "canonical_url",
    "host_of",
    "is_url_key",
    "page_family",
    "short_id",
    "short_key",
    "site_location",
    "start_url_problem",
]

#: Query parameters (compared case-insensitively) whose numeric value is the
#: site's own article id: DotNetNuke's ``ID``/``ItemID``/``NewsID`` and their kin.
ID_PARAMS = frozenset(
    {
        "id",
        "newsid",
        "news_id",
        "itemid",
        "item_id",
        "articleid",
        "article_id",
        "postid",
        "post_id",
        "nid",
    }
)
#: Path segments after which a whole numeric segment is an id:
#: ``/DetailView/<id>/<catId>/<Slug>.html``, ``/Trang-chu/post/<id>/<slug>``, and
#: DotNetNuke's friendly ``/tabid/94/ID/456/Default.aspx`` (an id parameter's name).
ID_SEGMENT_MARKERS = frozenset({"detailview", "post", "newsdetail", "articledetail"}) | ID_PARAMS

_SESSION_PARAMS = frozenset({"jsessionid", "phpsessid", "sid", "sessionid"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
# ";jsessionid=..." style path parameters
_PATH_SESSION = re.compile(
    r";(?:jsessionid|phpsessid|sid|sessionid|aspsessionid\w*)=[^/;?#]*", re.IGNORECASE
)
# last path segment "<slug>-1234.html" / "<slug>_1234.aspx" / "1234.html" (slug ids only)
_SLUG_ID = re.compile(r"(?:^|[-_])(\d+)(?:\.[A-Za-z0-9]{1,5})?$")
_DIGITS = re.compile(r"\d{1,12}")


def _is_session_param(name: str) -> bool:
    lowered = name.lower()
    return (
        lowered in _SESSION_PARAMS
        or lowered.startswith("aspsessionid")
        or lowered.startswith("utm_")
    )


@functools.lru_cache(maxsize=65536)  # a page's links are canonicalized several times
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


@functools.lru_cache(maxsize=65536)
def site_location(url: str) -> str:
    """Where ``url`` is within its site: its canonical path and query, without scheme,
    host or port.  Every address of a site (``http``/``https``, each of its hosts) gives
    one page one location.

    >>> site_location("HTTPS://haugiang.dcs.vn:443/tin-tuc/a.html?b=2&a=1#top")
    '/tin-tuc/a.html?a=1&b=2'
    >>> site_location("http://127.0.0.1:8080")
    '/'
    """
    parts = urlsplit(canonical_url(url))
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def host_of(url: str) -> str:
    """The host of ``url`` as a site's address names it: lower case, without ``www.``
    and port.

    >>> host_of("https://WWW.HauGiang.dcs.vn:8443/a")
    'haugiang.dcs.vn'
    """
    try:
        host = urlsplit(url.strip()).hostname or ""
    except ValueError:
        return ""
    return host.lower().removeprefix("www.")


@dataclass(frozen=True)
class SiteAddresses:
    """Every address a site has had: its hosts (the current one first).  ``http`` and
    ``https``, a ``www.`` prefix and the port do not make another address.  With no
    hosts at all, every host counts (a site whose addresses are not known yet).

    >>> site = SiteAddresses(("haugiang.dcs.vn", "old.example.org"))
    >>> site.place("http://old.example.org/tin/a.html") == site.place("https://haugiang.dcs.vn/tin/a.html")
    True
    >>> site.place("https://elsewhere.org/tin/a.html")
    'https://elsewhere.org/tin/a.html'
    """

    hosts: tuple[str, ...] = ()

    @classmethod
    def of(cls, hosts: Iterable[str]) -> SiteAddresses:
        cleaned = (h.strip().lower().removeprefix("www.").split(":", 1)[0] for h in hosts)
        return cls(tuple(dict.fromkeys(h for h in cleaned if h)))

    def __contains__(self, url: object) -> bool:
        if not isinstance(url, str) or not url.lower().startswith(("http://", "https://")):
            return False
        return not self.hosts or host_of(url) in self.hosts

    def place(self, url: str) -> str:
        """What identifies the page at ``url``: its location for an address of the site,
        its canonical URL for any other."""
        return site_location(url) if url in self else canonical_url(url)

    def at(self, url: str, current: str) -> str:
        """``url`` at the site's current address (``current``: the start URL) when it is
        at one of the site's addresses; any other URL as it is.

        >>> SiteAddresses(("a.vn", "b.vn")).at("http://b.vn/x?q=1#f", "https://a.vn:8443/")
        'https://a.vn:8443/x?q=1'
        """
        if url not in self:
            return url
        here = urlsplit(current)
        parts = urlsplit(url)
        if (parts.scheme, parts.netloc) == (here.scheme, here.netloc):
            return url
        return urlunsplit((here.scheme, here.netloc, parts.path or "/", parts.query, ""))

    def spellings(self, url: str) -> list[str]:
        """``url`` at every address of the site (both schemes, each host; the port and
        ``www.`` as ``url`` has them), for looking up URLs stored as fetched."""
        if url not in self:
            return [url]
        parts = urlsplit(canonical_url(url))
        port = f":{parts.port}" if parts.port else ""
        www = "www." if (parts.hostname or "").startswith("www.") else ""
        hosts = self.hosts or (host_of(url),)
        spelled = [url, canonical_url(url)]
        for host in hosts:
            for scheme in ("https", "http"):
                for prefix in dict.fromkeys((www, "")):
                    for netloc in dict.fromkeys((f"{prefix}{host}{port}", f"{prefix}{host}")):
                        spelled.append(urlunsplit((scheme, netloc, parts.path, parts.query, "")))
        return list(dict.fromkeys(spelled))


def is_url_key(key: str) -> bool:
    """True when ``key`` is a page's location (``/tin-tuc/a.html``; a whole URL in
    archives older than schema 4) rather than a site's own id."""
    return key.startswith("/") or "://" in key


def short_key(key: str, length: int = 8) -> str:
    """A short id a person can read and type for the article ``key``: the key itself
    when it is the site's own id (``39941``, ``39941#2``), else the first ``length``
    hex digits of a hash of the location (stable: the key never changes).

    >>> short_key("39941")
    '39941'
    >>> short_key("/tin-tuc/dai-hoi-lan-thu-14.html")
    'u54f77c58'
    """
    if not is_url_key(key):
        return key
    return "u" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:length]


def _path_id(segments: list[str]) -> str | None:
    """A whole numeric segment right after an id marker (``DetailView``, ``post``, ``ID``),
    unless it is a year followed by a month (``/post/2021/05/...`` is a date path)."""
    for index, segment in enumerate(segments[:-1]):
        if segment.lower() not in ID_SEGMENT_MARKERS:
            continue
        candidate = segments[index + 1]
        if not _DIGITS.fullmatch(candidate):
            continue
        following = segments[index + 2] if index + 2 < len(segments) else ""
        is_year = len(candidate) == 4 and 1990 <= int(candidate) <= 2100
        if is_year and following.isdigit() and 1 <= int(following) <= 12:
            continue
        return str(int(candidate))
    return None


@dataclass(frozen=True)
class ArticleKeys:
    """How one site's article URLs turn into archive keys.

    In order: ``pattern`` (a site-configured regular expression with one group,
    searched in the URL), a known id query parameter (:data:`ID_PARAMS`), a
    whole numeric path segment after an id marker (:data:`ID_SEGMENT_MARKERS`),
    and — only when ``slug_ids`` — a trailing ``-<id>`` of the last path segment.
    A URL none of them matches is keyed by its canonical URL.
    """

    pattern: re.Pattern[str] | None = None
    slug_ids: bool = False
    id_params: frozenset[str] = field(default=ID_PARAMS)

    def __post_init__(self) -> None:
        if self.pattern is not None and self.pattern.groups != 1:
            raise ValueError(
                f"an article id pattern needs exactly one group, "
                f"{self.pattern.pattern!r} has {self.pattern.groups}"
            )

    @classmethod
    def from_strings(
        cls, pattern: str | None = None, slug_ids: bool = False, id_params: Iterable[str] = ()
    ) -> ArticleKeys:
        """From settings values; :class:`ValueError` for a pattern that does not compile
        or does not have exactly one group."""
        compiled = None
        if pattern:
            try:
                compiled = re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"article id pattern {pattern!r} does not compile: {exc}") from exc
        params = frozenset(p.lower() for p in id_params) or ID_PARAMS
        return cls(pattern=compiled, slug_ids=slug_ids, id_params=params)

    def site_id(self, url: str) -> str | None:
        """The site's own article id in ``url``, or None when the URL does not say."""
        url = url.strip()
        if self.pattern is not None:
            match = self.pattern.search(url)
            if match and match.group(1):
                return match.group(1)
        parts = urlsplit(url)
        for name, value in parse_qsl(parts.query, keep_blank_values=True):
            if name.lower() in self.id_params and _DIGITS.fullmatch(value.strip()):
                return str(int(value.strip()))
        path = _PATH_SESSION.sub("", parts.path)
        segments = [unquote(s) for s in path.split("/") if s]
        found = _path_id(segments)
        if found is not None:
            return found
        if self.slug_ids and segments:
            match = _SLUG_ID.search(segments[-1])
            if match:
                return str(int(match.group(1)))
        return None

    def key(self, url: str) -> str:
        """The archive key of the article at ``url``: its id, else its location within
        the site (:func:`site_location`)."""
        return self.site_id(url) or site_location(url)


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


def short_id(article_id: str) -> str:
    """The short id of the article ``<site>:<key>`` (:func:`short_key`; a whole-URL key of
    an archive older than schema 4 counts as its location).

    >>> short_id("haugiang:39941")
    '39941'
    >>> short_id("haugiang:/tin-tuc/a.html") == short_id("haugiang:https://h.vn/tin-tuc/a.html")
    True
    """
    key = article_id.partition(":")[2] or article_id
    if "://" in key:
        url, hash_sign, number = key.rpartition("#")
        if not (hash_sign and number.isdigit()):
            url, number = key, ""
        key = site_location(url) + (f"#{number}" if number else "")
    return short_key(key)


#: What a short id of a location looks like (:func:`short_key`).
SHORT_HASH = re.compile(r"u[0-9a-f]{8}")


def start_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a crawl's start URL, or None: it must be an absolute
    ``http``/``https`` URL with a host (and, if given, a valid port).

    >>> start_url_problem("https://haugiang.dcs.vn/") is None
    True
    >>> start_url_problem("ftp://x")
    "the scheme must be http or https, not 'ftp'"
    """
    if not url.strip():
        return "it is empty"
    if any(char.isspace() for char in url):
        return "it contains white space"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:  # "Port out of range 0-65535", "Invalid IPv6 URL"
        text = str(exc)
        return text[:1].lower() + text[1:]
    if not parts.scheme or not url.lower().startswith(f"{parts.scheme.lower()}://"):
        return "not an absolute URL (expected http://HOST/ or https://HOST/)"
    if parts.scheme.lower() not in ("http", "https"):
        return f"the scheme must be http or https, not {parts.scheme!r}"
    if not parts.hostname:
        return "it has no host"
    if port == 0:
        return "port 0 is not a port to crawl"
    return None


def same_site(url: str, host: str) -> bool:
    """True for http(s) URLs on ``host`` itself (``www.`` prefix ignored), not its sub-domains."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return False
    netloc = (parts.hostname or "").lower()
    return netloc.removeprefix("www.") == host.lower().removeprefix("www.")
