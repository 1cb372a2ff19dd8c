"""Flood control: token buckets per person (or address) and action; growing delays after failures.

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
from typing import Any
from typing import Protocol

import redis
from flask import current_app
from flask import Flask

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


@dataclass(frozen=True)
class Delays:
    """Growing delays after failures: ``free`` failures cost nothing, then each one more
    makes the next attempt wait twice as long, from ``first`` up to ``longest`` seconds.
    Failures are forgotten ``forget`` seconds after the last one."""

    free: int
    first: float
    longest: float
    forget: float

    def delay(self, failures: int) -> float:
        if failures < self.free:
            return 0.0
        return float(min(self.longest, self.first * 2 ** min(failures - self.free, 62)))


class MemoryFailures:
    """Failure counts of one process, forgotten when they are old."""

    MAX_KEYS = 100_000

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def get(self, key: str, forget: float, now: float) -> tuple[int, float]:
        with self._lock:
            count, last = self._counts.get(key, (0, now))
        return (0, now) if now - last > forget else (count, last)

    def add(self, key: str, forget: float, now: float) -> None:
        with self._lock:
            count, last = self._counts.get(key, (0, now))
            self._counts[key] = (1 if now - last > forget else count + 1, now)
            if len(self._counts) > self.MAX_KEYS:
                for stale in [k for k, (_, at) in self._counts.items() if now - at > forget]:
                    del self._counts[stale]

    def reset(self, key: str) -> None:
        with self._lock:
            self._counts.pop(key, None)


# Count one failure atomically: KEYS[1] the count; ARGV now, forget (seconds).
_REDIS_ADD_FAILURE = """
local now = tonumber(ARGV[1])
local forget = tonumber(ARGV[2])
local last = tonumber(redis.call('HGET', KEYS[1], 'last'))
if last and now - last > forget then redis.call('DEL', KEYS[1]) end
redis.call('HINCRBY', KEYS[1], 'count', 1)
redis.call('HSET', KEYS[1], 'last', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(forget))
"""


class RedisFailures:
    """Failure counts shared by every process through Redis; Redis forgets them by itself."""

    def __init__(self, url: str, prefix: str) -> None:
        self._client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._add = self._client.register_script(_REDIS_ADD_FAILURE)
        self._prefix = prefix

    def get(self, key: str, forget: float, now: float) -> tuple[int, float]:
        count, last = self._client.hmget(self._prefix + key, "count", "last")
        if count is None or last is None or now - float(last) > forget:
            return 0, now
        return int(count), float(last)

    def add(self, key: str, forget: float, now: float) -> None:
        self._add(keys=[self._prefix + key], args=[now, forget])

    def reset(self, key: str) -> None:
        self._client.delete(self._prefix + key)


class Failures(Protocol):
    def get(self, key: str, forget: float, now: float) -> tuple[int, float]:
        """Return how many failures ``key`` has had lately, and when the last was."""

    def add(self, key: str, forget: float, now: float) -> None: ...

    def reset(self, key: str) -> None: ...


class Backoff:
    """Slow down whoever keeps failing: the application's ``LOGIN_DELAYS``, by name."""

    def __init__(self, failures: Failures, table: Mapping[str, Mapping[str, float]]) -> None:
        self.failures = failures
        self.table = table

    def _delays(self, name: str) -> Delays:
        entry = self.table[name]
        return Delays(
            int(entry["free"]), float(entry["first"]), float(entry["longest"]), entry["forget"]
        )

    def waiting(self, name: str, who: str) -> float:
        """Return the seconds ``who`` must still wait after their failures of ``name``."""
        delays, now = self._delays(name), time.time()
        try:
            count, last = self.failures.get(f"{name}:{who}", delays.forget, now)
        except Exception:  # Redis unreachable: fail open, loudly
            logger.warning("failure store unreachable; allowing %s", name, exc_info=True)
            return 0.0
        return max(0.0, last + delays.delay(count) - now)

    def failed(self, name: str, who: str) -> None:
        """Count one failure of ``name`` by ``who``."""
        try:
            self.failures.add(f"{name}:{who}", self._delays(name).forget, time.time())
        except Exception:
            logger.warning("failure store unreachable", exc_info=True)

    def reset(self, name: str, who: str) -> None:
        try:
            self.failures.reset(f"{name}:{who}")
        except Exception:
            logger.warning("failure store unreachable", exc_info=True)


def init_app(app: Flask) -> None:
    storage = app.config["RATE_LIMIT_STORAGE"] or app.config["MESSAGE_QUEUE"]
    buckets: Any
    failures: Any
    if storage and str(storage).startswith(("redis://", "rediss://", "unix://")):
        buckets = RedisBuckets(storage, prefix=f"{app.config['RATE_LIMIT_PREFIX']}:")
        failures = RedisFailures(storage, prefix=f"{app.config['RATE_LIMIT_PREFIX']}:failures:")
    else:
        buckets = MemoryBuckets()
        failures = MemoryFailures()
    # The limiter reads the live table, so a changed setting applies at once.
    app.extensions["exchange.ratelimit"] = RateLimiter(buckets, app.config["RATE_LIMITS"])
    app.extensions["exchange.backoff"] = Backoff(failures, app.config["LOGIN_DELAYS"])


def limiter() -> RateLimiter:
    return current_app.extensions["exchange.ratelimit"]  # type: ignore[no-any-return]


def backoff() -> Backoff:
    return current_app.extensions["exchange.backoff"]  # type: ignore[no-any-return]
