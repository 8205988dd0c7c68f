"""Which URLs a capture may open, and which addresses it may reach.

Only http and https pages are captured: ``file:``, ``chrome:``, ``javascript:``, ``data:`` and
every other scheme would read the person's own machine or run code, not record a web page.
On an organisation server a capture must not become a way into the organisation's network
(server-side request forgery), so private, loopback, link-local and other non-public
addresses are refused there unless the operator allows them.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from onrecord.errors import InputError

WEB_SCHEMES = frozenset({"http", "https"})

Resolver = Callable[[str], list[str]]


def resolve(host: str) -> list[str]:
    """Every address the host name resolves to (IPv4 and IPv6), as text."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return []
    return sorted({str(info[4][0]) for info in infos})


def check_url(url: str) -> str:
    """The URL, stripped, if it names a web page; a clear refusal otherwise."""
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in WEB_SCHEMES:
        shown = f"{scheme}:" if scheme else "no scheme"
        raise InputError(
            f"Refused {url!r}: only web pages (http:// or https://) can be captured, not {shown}. "
            "To keep a file from this computer as evidence, use `onrecord add`."
        )
    if not parts.hostname:
        raise InputError(
            f"Refused {url!r}: it names no host. Copy the full address from the browser."
        )
    if parts.password is not None:
        raise InputError(
            f"Refused a URL with a password in it ({parts.scheme}://{parts.hostname}/...): "
            "passwords are never stored. Log in with `onrecord browser login NAME` instead."
        )
    return url


def is_public(address: str) -> bool:
    """True for an address on the public internet."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


@dataclass(frozen=True)
class AddressPolicy:
    """Where captures may connect: everywhere (laptop), or public addresses only (server)."""

    public_only: bool
    resolver: Resolver = resolve

    def refusal(self, host: str) -> str | None:
        """Why a connection to ``host`` is refused, or None when it is allowed."""
        if not self.public_only:
            return None
        addresses = _literal(host) or self.resolver(host)
        if not addresses:
            return None  # the browser will report the DNS failure itself
        private = [a for a in addresses if not is_public(a)]
        if private:
            return (
                f"{host} resolves to a private or local address ({', '.join(private)}); "
                "the organisation server does not capture those. An administrator can allow "
                "them with ONRECORD_CAPTURE_ALLOW_PRIVATE=yes."
            )
        return None

    def check(self, urls: Iterable[str]) -> None:
        for url in urls:
            host = urlsplit(url).hostname or ""
            why = self.refusal(host)
            if why:
                raise InputError(f"Refused {url}: {why}")


def _literal(host: str) -> list[str]:
    try:
        return [str(ipaddress.ip_address(host.strip("[]")))]
    except ValueError:
        return []
