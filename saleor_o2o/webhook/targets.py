"""Where O2O webhooks may be sent: rules on target URLs and addresses, no network.

A webhook's target is chosen by whoever holds ``MANAGE_WEBHOOKS``. Left open, it
makes the shop's server an HTTP client inside the shop's own network (a database's
admin page on 127.0.0.1, a cloud's metadata service on 169.254.169.254). Unless a
setting allows it, O2O events go to public addresses only; `is_public_address`
decides what public means.
"""

import ipaddress
from typing import Iterator, Optional, Tuple, Union
from urllib.parse import urlsplit, urlunsplit

IPAddress = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]

#: URL schemes a webhook can receive O2O events on.
SCHEMES = ("http", "https")
#: NAT64's well-known prefix: the last 32 bits are an IPv4 address (RFC 6052).
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def _public(ip: IPAddress) -> bool:
    return ip.is_global and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_unspecified
        or ip.is_multicast
        or ip.is_reserved
        or getattr(ip, "is_site_local", False)
    )


def _translated_ipv4(ip: ipaddress.IPv6Address) -> Optional[ipaddress.IPv4Address]:
    """Return the IPv4 address an IPv4-mapped or NAT64 IPv6 address stands for."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> Iterator[ipaddress.IPv4Address]:
    """Yield the IPv4 addresses a tunnelled IPv6 address carries (6to4, Teredo)."""
    if ip.sixtofour is not None:
        yield ip.sixtofour
    if ip.teredo is not None:
        yield from ip.teredo


def is_public_address(address: str) -> bool:
    """Return whether an IP address (IPv4 or IPv6 text) is on the public internet.

    Loopback, private, shared (100.64/10), link-local, unspecified, multicast,
    reserved, documentation and site-local addresses are not. An IPv4-mapped or NAT64
    IPv6 address is judged as the IPv4 address it stands for; one that tunnels an
    IPv4 address (6to4, Teredo) must be public on both counts. Anything that does not
    parse as an address is not public.
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # Drop an IPv6 zone.
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        translated = _translated_ipv4(ip)
        if translated is not None:
            return _public(translated)
        if not all(_public(embedded) for embedded in _embedded_ipv4(ip)):
            return False
    return _public(ip)


def http_target(url: str) -> Optional[Tuple[str, int]]:
    """Return ``(host, port)`` of an http(s) URL, or None if it is not one."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:  # A port that is not a number, or out of range.
        return None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES or not parts.hostname:
        return None
    return parts.hostname, port or (443 if scheme == "https" else 80)


def without_credentials(url: str) -> str:
    """Return a URL without any ``user:password@`` part, for showing it."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))
