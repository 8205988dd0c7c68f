"""Two addresses the organisation server must get right: the client's and its own.

The client's address keys the per-address limit on failed logins (``server.ratelimit``).
It is ``REMOTE_ADDR``, the peer of the connection. Behind a reverse proxy that peer is the
proxy, so ``X-Forwarded-For`` is read, but only when the peer is one of the
``trusted_proxies``: anyone can send that header, and believing it from anyone would let
an attacker pick a fresh address for every guess. The header is read from the right (the
entry the nearest proxy added) past every trusted proxy to the first address that is not
one: entries further left were written by the client and prove nothing.

The server's own address, ``public_url``, is what invite links start with, and what
Django is told to accept as the Host and as the origin of forms behind a TLS proxy. It is
never taken from a request's Host header (host-header poisoning).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Sequence
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from onrecord.config import IPNetwork
from onrecord.server import ratelimit
from onrecord.vault.custody import utc_now
from onrecord.web.logs import log_auth
from onrecord.web.state import current

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
UNKNOWN = "::"  # no peer address at all (a Unix socket): one shared bucket


def _parse(raw: str) -> IPAddress | None:
    text = raw.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "192.0.2.7:51234"
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: IPAddress, proxies: Sequence[IPNetwork]) -> bool:
    return any(address in network for network in proxies)


def client_address(request: HttpRequest, proxies: Sequence[IPNetwork] = ()) -> str:
    """The client's address: the peer, or what the trusted proxies in front say it is."""
    peer = _parse(str(request.META.get("REMOTE_ADDR", "")))
    if peer is None:
        return UNKNOWN
    if not _trusted(peer, proxies):
        return str(peer)
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    address = peer
    for hop in reversed([part for part in forwarded.split(",") if part.strip()]):
        parsed = _parse(hop)
        if parsed is None:  # a trusted proxy wrote nonsense: stop at the last known hop
            break
        address = parsed
        if not _trusted(parsed, proxies):
            break
    return str(address)


def _proxies() -> tuple[IPNetwork, ...]:
    config = current().settings.config
    return config.trusted_proxies if config is not None else ()


def public_url() -> str:
    """The server's public address from the settings, or '' when it is not set."""
    config = current().settings.config
    return config.public_url if config is not None else ""


def address_of(request: HttpRequest) -> str:
    return client_address(request, _proxies())


def limited(request: HttpRequest, step: str) -> HttpResponse | None:
    """A 429 page when the client's address has failed too often lately; else None."""
    wait = ratelimit.retry_after(address_of(request))
    if not wait:
        return None
    log_auth("address_limited", None, step, warning=True)
    minutes = max(1, -(-wait // 60))
    at = (utc_now() + dt.timedelta(seconds=wait)).strftime("%H:%M")
    message = ngettext(
        "Too many logins, codes or invite links failed from your network in the last "
        "%(window)s minutes. Try again after %(at)s UTC, in about %(n)s minute. If you share "
        "this network with colleagues, tell them; if nobody here made these attempts, tell "
        "the server's administrator.",
        "Too many logins, codes or invite links failed from your network in the last "
        "%(window)s minutes. Try again after %(at)s UTC, in about %(n)s minutes. If you share "
        "this network with colleagues, tell them; if nobody here made these attempts, tell "
        "the server's administrator.",
        minutes,
    ) % {"n": minutes, "at": at, "window": int(ratelimit.ADDRESS_WINDOW.total_seconds() // 60)}
    context = {"title": _("Too many failed attempts"), "message": message}
    response = render(request, "onrecord/error.html", context, status=429)
    response["Retry-After"] = str(wait)
    return response


def count_failure(request: HttpRequest, step: str) -> None:
    """One failed password, code or invite link from this client's address."""
    ratelimit.record_failure(address_of(request), step)


def allow_public_url(url: str) -> None:
    """Let Django answer on the public host, and accept forms posted from its origin (a
    TLS proxy in front makes the browser's origin https while the app sees http)."""
    if not url:
        return
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if host and host not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS.append(host)
    origin = f"{parts.scheme}://{parts.netloc}"
    trusted = list(getattr(settings, "CSRF_TRUSTED_ORIGINS", []))
    if origin not in trusted:
        settings.CSRF_TRUSTED_ORIGINS = [*trusted, origin]


__all__ = [
    "address_of",
    "allow_public_url",
    "client_address",
    "count_failure",
    "limited",
    "public_url",
]
