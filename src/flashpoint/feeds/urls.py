"""Which URLs the watcher may fetch: absolute http(s) URLs only, normalised to one spelling.

A feed is untrusted input. A `file:`, `ftp:` or `data:` link, a relative link, or a redirect to
any of them must never make flashpoint read something other than a web page, so every URL from
the feeds file, a feed entry or a `Location` header passes `check_url` before it is used.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from urllib.parse import SplitResult, urljoin, urlsplit, urlunsplit

ALLOWED_SCHEMES = frozenset({"http", "https"})
_BAD_CHARS = re.compile(r"[\x00-\x20\x7f]")  # controls and spaces: never in a URL we send
_HOST = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*")
MAX_URL_LENGTH = 4096


class UrlRefused(ValueError):
    """The URL is not one flashpoint fetches; the message says why."""


def check_url(url: str) -> str:
    """The URL normalised (scheme and host lower case, no fragment), or `UrlRefused`."""
    if not isinstance(url, str):
        raise UrlRefused(f"not a string: {url!r}")
    text = url.strip()
    if not text:
        raise UrlRefused("empty URL")
    if len(text) > MAX_URL_LENGTH:
        raise UrlRefused(f"longer than {MAX_URL_LENGTH} characters")
    if _BAD_CHARS.search(text):
        raise UrlRefused("holds spaces or control characters")
    try:
        parts = urlsplit(text)
        port = parts.port  # raises ValueError on a bad port
    except ValueError as exc:
        raise UrlRefused(f"not a valid URL ({exc})") from exc
    scheme = parts.scheme.lower()
    if not scheme:
        raise UrlRefused("relative URL: only absolute http(s) URLs are fetched")
    if scheme not in ALLOWED_SCHEMES:
        raise UrlRefused(f"scheme {scheme!r} is refused: only http and https are fetched")
    return _unsplit(parts, scheme, _host(parts.hostname or ""), port)


def _host(name: str) -> str:
    if ":" in name:  # an IPv6 literal, given in brackets
        try:
            return str(ipaddress.IPv6Address(name))
        except ValueError as exc:
            raise UrlRefused(f"not a valid IPv6 address: {name!r}") from exc
    host = name.rstrip(".")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise UrlRefused(f"not a valid host name: {name!r}") from exc
    if not _HOST.fullmatch(host):
        raise UrlRefused(f"no valid host name in {name!r}")
    return host


def _unsplit(parts: SplitResult, scheme: str, host: str, port: int | None) -> str:
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    default = {"http": 80, "https": 443}[scheme]
    netloc = host if port is None or port == default else f"{host}:{port}"
    if parts.username is not None or parts.password is not None:
        userinfo = parts.netloc.rpartition("@")[0]
        netloc = f"{userinfo}@{netloc}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def resolve_redirect(current: str, location: str) -> str:
    """The checked absolute target of a `Location` header (relative targets are normal HTTP)."""
    return check_url(urljoin(current, location.strip()))


def host_of(url: str) -> str:
    """The host (with a non-default port) a URL is fetched from: the unit of the rate limit."""
    return urlsplit(url).netloc.rpartition("@")[2]


def article_id(url: str) -> str:
    """An article fetched from the web is keyed by its URL: fetched once, stored once."""
    return "url-" + hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]
