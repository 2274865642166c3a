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

from saleor_o2o.core.errors import O2OError

#: The error code of every refusal for doing too much (as HTTP's 429).
TOO_MANY_REQUESTS = "TOO_MANY_REQUESTS"


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


def is_anonymous(request) -> bool:
    """Return whether the request comes from neither a signed-in user nor an app."""
    if getattr(request, "app", None) is not None:
        return False
    user = getattr(request, "user", None)
    return not getattr(user, "is_authenticated", False)


def anonymous_throttle(
    request,
    scope: str,
    *,
    limit: int,
    window_seconds: int,
    message: str,
    field: Optional[str] = None,
) -> None:
    """Count one action of an anonymous client in `scope`; raise an `O2OError`
    coded ``TOO_MANY_REQUESTS`` past `limit` a window. Signed-in users and apps
    are not counted (their own limits apply)."""
    if not is_anonymous(request):
        return
    if not throttle_hit(
        scope, client_key(request), limit=limit, window_seconds=window_seconds
    ):
        raise O2OError(message, field=field, code=TOO_MANY_REQUESTS)
