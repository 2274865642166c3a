"""Rate limits on anonymous callers: how many times a key may act per period.

Counted in Django's cache (Redis in production, so every worker process shares the
count; a per-process cache only counts per process). A limit is a setting, read on
each call, so ``override_settings`` applies at once.
"""

from django.core.cache import cache


def rate_allow(key: str, *, limit: int, period_seconds: int) -> bool:
    """Count one action of `key`; return whether it is within `limit` a period.

    The period is fixed: it starts with the key's first action.
    """
    name = f"o2o:rate:{key}"
    if cache.add(name, 1, timeout=period_seconds):
        return limit >= 1
    try:
        count = cache.incr(name)
    except ValueError:  # Expired between add and incr.
        cache.add(name, 1, timeout=period_seconds)
        count = 1
    return count <= limit


def client_address(request) -> str:
    """Return the client's IP address as the WSGI server saw it."""
    return request.META.get("REMOTE_ADDR") or "unknown"
