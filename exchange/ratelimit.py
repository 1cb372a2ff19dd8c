"""Flood control: token buckets per person (or address) and action.

A bucket holds up to ``burst`` tokens and refills completely in ``period``
seconds; every attempt takes one token; an empty bucket means "wait". With one
process the buckets live in memory; with several (a Redis message queue is
configured) they live in Redis, so a limit holds across processes.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from flask import Flask, current_app

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    """``burst`` attempts at once, refilled at ``burst`` per ``period`` seconds."""

    burst: int
    period: float

    @property
    def rate(self) -> float:
        return self.burst / self.period

    @staticmethod
    @functools.lru_cache(maxsize=64)
    def parse(text: str) -> Limit:
        """Read "8/12s": 8 at once, 8 more every 12 seconds."""
        count, _, seconds = text.partition("/")
        return Limit(int(count), float(seconds.rstrip("s")))


class Buckets(Protocol):
    def take(self, key: str, limit: Limit, now: float) -> float:
        """Take a token; return 0 if allowed, else the seconds until one is available."""

    def peek(self, key: str, limit: Limit, now: float) -> float:
        """Like ``take`` but without taking anything."""

    def reset(self, key: str) -> None: ...


class MemoryBuckets:
    """Buckets of one process. Old, full buckets are forgotten to bound memory."""

    MAX_KEYS = 100_000

    def __init__(self) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def _level(self, key: str, limit: Limit, now: float) -> float:
        tokens, updated = self._buckets.get(key, (float(limit.burst), now))
        return min(float(limit.burst), tokens + (now - updated) * limit.rate)

    def take(self, key: str, limit: Limit, now: float) -> float:
        with self._lock:
            tokens = self._level(key, limit, now)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                if len(self._buckets) > self.MAX_KEYS:
                    self._forget_full(now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / limit.rate

    def peek(self, key: str, limit: Limit, now: float) -> float:
        with self._lock:
            tokens = self._level(key, limit, now)
        return 0.0 if tokens >= 1 else (1 - tokens) / limit.rate

    def reset(self, key: str) -> None:
        with self._lock:
            self._buckets.pop(key, None)

    def _forget_full(self, now: float) -> None:
        # A bucket untouched for an hour is full again for every limit we use.
        stale = [key for key, (_, updated) in self._buckets.items() if now - updated > 3600]
        for key in stale:
            del self._buckets[key]


# Atomic token bucket in Redis: KEYS[1] the bucket; ARGV burst, rate, now, take(1|0).
_REDIS_SCRIPT = """
local burst = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local take = tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(state[1]) or burst
local updated = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - updated) * rate)
local wait = 0
if tokens >= 1 then
  if take == 1 then tokens = tokens - 1 end
else
  wait = (1 - tokens) / rate
end
if take == 1 then
  redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(now))
  redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 60)
end
return tostring(wait)
"""


class RedisBuckets:
    """Buckets shared by every process through Redis."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis

        self._client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._script = self._client.register_script(_REDIS_SCRIPT)
        self._prefix = prefix

    def _run(self, key: str, limit: Limit, now: float, take: int) -> float:
        return float(
            self._script(keys=[self._prefix + key], args=[limit.burst, limit.rate, now, take])
        )

    def take(self, key: str, limit: Limit, now: float) -> float:
        return self._run(key, limit, now, 1)

    def peek(self, key: str, limit: Limit, now: float) -> float:
        return self._run(key, limit, now, 0)

    def reset(self, key: str) -> None:
        self._client.delete(self._prefix + key)


class RateLimiter:
    """The application's limits (``RATE_LIMITS``, by name) over one kind of buckets."""

    def __init__(self, buckets: Buckets, limits: Mapping[str, str]) -> None:
        self.buckets = buckets
        self.limits = limits

    def _limit(self, name: str) -> Limit:
        return Limit.parse(self.limits.get(name) or self.limits["default"])

    def hit(self, name: str, who: str) -> float:
        """Count one attempt of ``name`` by ``who``; return 0 or the seconds to wait.

        If the shared store cannot be reached, the attempt is allowed: flood
        control must never take the exchange down with it.
        """
        try:
            return self.buckets.take(f"{name}:{who}", self._limit(name), time.time())
        except Exception:  # Redis unreachable: fail open, loudly
            logger.warning("rate limit store unreachable; allowing %s", name, exc_info=True)
            return 0.0

    def waiting(self, name: str, who: str) -> float:
        """Return the seconds ``who`` must wait before ``name``, without counting an attempt."""
        try:
            return self.buckets.peek(f"{name}:{who}", self._limit(name), time.time())
        except Exception:
            logger.warning("rate limit store unreachable; allowing %s", name, exc_info=True)
            return 0.0

    def reset(self, name: str, who: str) -> None:
        try:
            self.buckets.reset(f"{name}:{who}")
        except Exception:
            logger.warning("rate limit store unreachable", exc_info=True)


def init_app(app: Flask) -> None:
    storage = app.config["RATE_LIMIT_STORAGE"] or app.config["MESSAGE_QUEUE"]
    buckets: Any
    if storage and str(storage).startswith(("redis://", "rediss://", "unix://")):
        buckets = RedisBuckets(storage, prefix=f"{app.config['RATE_LIMIT_PREFIX']}:")
    else:
        buckets = MemoryBuckets()
    # The limiter reads the live table, so a changed setting applies at once.
    app.extensions["exchange.ratelimit"] = RateLimiter(buckets, app.config["RATE_LIMITS"])


def limiter() -> RateLimiter:
    return current_app.extensions["exchange.ratelimit"]  # type: ignore[no-any-return]
