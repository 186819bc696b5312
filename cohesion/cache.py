"""A cache that a Redis outage cannot take down.

Django's Redis cache raises when Redis is stopped, and waits as long as the socket allows when
Redis hangs: every page that reads the cache would answer 500, including the sign-in page,
whose rate limit lives there. This backend asks Redis with short timeouts (set in CACHES'
OPTIONS) and, when Redis fails, falls through to this process's own memory for
CACHE_FALLBACK_SECONDS before asking Redis again: pages compute what they cannot read, and rate
limits go on counting, per process, instead of failing open or failing the request. Each fall
through is logged once, so that the outage is seen.
"""

import logging
import threading
import time

from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# What Redis raises when it is down, hung or refusing: connection errors and timeouts are
# RedisError subclasses; a socket can also fail below the client as an OSError.
FAILURES = (RedisError, OSError)


class FallbackRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._fallback = LocMemCache(
            f"cohesion-fallback-{id(self)}",
            {"TIMEOUT": params.get("TIMEOUT", 300), "OPTIONS": {"MAX_ENTRIES": 10_000}},
        )
        self._down_until = 0.0
        self._lock = threading.Lock()

    @property
    def redis_down(self) -> bool:
        return time.monotonic() < self._down_until

    def _through(self, name: str, *args, **kwargs):
        """Redis's answer, or this process's while Redis is down."""
        if not self.redis_down:
            try:
                return getattr(super(), name)(*args, **kwargs)
            except FAILURES as error:
                self._went_down(error)
        return getattr(self._fallback, name)(*args, **kwargs)

    def _went_down(self, error: BaseException) -> None:
        with self._lock:
            first = not self.redis_down
            self._down_until = time.monotonic() + settings.CACHE_FALLBACK_SECONDS
        if first:
            logger.warning(
                "Redis cache unavailable (%s: %s): using this process's memory for %s s",
                type(error).__name__,
                error,
                settings.CACHE_FALLBACK_SECONDS,
            )

    def ping(self) -> None:
        """Asks Redis itself (with the short timeouts); raises one of FAILURES when it fails,
        and then keeps to memory like any other failed call."""
        try:
            self._cache.get_client(write=True).ping()
        except FAILURES as error:
            self._went_down(error)
            raise
        self._down_until = 0.0

    def add(self, *args, **kwargs):
        return self._through("add", *args, **kwargs)

    def get(self, *args, **kwargs):
        return self._through("get", *args, **kwargs)

    def set(self, *args, **kwargs):
        return self._through("set", *args, **kwargs)

    def touch(self, *args, **kwargs):
        return self._through("touch", *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._through("delete", *args, **kwargs)

    def get_many(self, *args, **kwargs):
        return self._through("get_many", *args, **kwargs)

    def has_key(self, *args, **kwargs):
        return self._through("has_key", *args, **kwargs)

    def incr(self, *args, **kwargs):
        return self._through("incr", *args, **kwargs)

    def set_many(self, *args, **kwargs):
        return self._through("set_many", *args, **kwargs)

    def delete_many(self, *args, **kwargs):
        return self._through("delete_many", *args, **kwargs)

    def clear(self):
        self._fallback.clear()
        return self._through("clear")
