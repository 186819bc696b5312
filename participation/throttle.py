"""Rate limits for the public application form, kept in the cache (no third-party service):
per client address, and per contact given."""

import hashlib

from django.conf import settings
from django.core.cache import cache


def _key(kind: str, value: str) -> str:
    # Hashed with the secret key: the cache holds no address or contact in the clear.
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{kind}:{value}".encode()).hexdigest()[:32]
    return f"apply:{kind}:{digest}"


def allow(kind: str, value: str, *, limit: int, seconds: int) -> bool:
    """Counts one more attempt; False once `limit` attempts were made within `seconds`."""
    if not value:
        return True
    key = _key(kind, value)
    if cache.add(key, 1, seconds):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, seconds)
        return True
    return count <= limit


def client_address(request) -> str:
    """The address the request came from: REMOTE_ADDR, or the first X-Forwarded-For hop when
    a trusted proxy in front sets it (APPLICATION_TRUST_FORWARDED_FOR)."""
    if settings.APPLICATION_TRUST_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()[:100]
    return request.META.get("REMOTE_ADDR", "")[:100]
