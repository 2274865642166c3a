"""Counting what anonymous clients do, to refuse too much of it.

A fixed window per client in Django's cache: the first hit of a window adds the
counter with the window's lifetime, later hits increment it. With the local-memory
cache each server process counts on its own; a shared cache (Redis) counts once per
shop. Clients are named by a hash of their address, never the address itself.
"""

import hashlib
from typing import Optional

from django.conf import settings
from django.core.cache import cache


def client_address(request) -> Optional[str]:
    """Return the client's IP address: ``REMOTE_ADDR``, or the header a trusted
    proxy sets, named by ``O2O_CLIENT_IP_HEADER`` (e.g. ``HTTP_X_REAL_IP``).

    ``X-Forwarded-For`` is never read unless named: any client can write it.
    """
    if request is None:
        return None
    meta = getattr(request, "META", {})
    header = getattr(settings, "O2O_CLIENT_IP_HEADER", "")
    if header and meta.get(header):
        return str(meta[header]).split(",")[-1].strip()
    return meta.get("REMOTE_ADDR")


def client_key(request) -> str:
    """Return a SHA-256 naming the client's IP address ("" if unknown)."""
    address = client_address(request)
    if not address:
        return ""
    return hashlib.sha256(f"o2o-client:{address}".encode()).hexdigest()


def throttle_hit(scope: str, key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one hit of `key` in `scope`; return whether it is within `limit` per
    window. Clients without a key are not counted."""
    if not key:
        return True
    name = f"o2o-throttle:{scope}:{key}"
    if cache.add(name, 1, timeout=window_seconds):
        return True
    try:
        hits = cache.incr(name)
    except ValueError:  # Expired between add and incr: a new window.
        cache.add(name, 1, timeout=window_seconds)
        return True
    return hits <= limit
