"""Flood control: token buckets in memory and in the real Redis."""

import uuid

import pytest

from exchange.ratelimit import Delays
from exchange.ratelimit import Limit
from exchange.ratelimit import MemoryBuckets
from exchange.ratelimit import MemoryFailures
from exchange.ratelimit import RateLimiter
from exchange.ratelimit import RedisBuckets
from exchange.ratelimit import RedisFailures

from .support.services import REDIS_URL
from .support.services import require


def test_limits_read_as_burst_over_period():
    limit = Limit.parse("8/12s")
    assert (limit.burst, limit.period) == (8, 12.0)
    assert limit.rate == pytest.approx(8 / 12)


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def buckets(request):
    if request.param == "memory":
        return MemoryBuckets()
    require("Redis", REDIS_URL, 6379)
    return RedisBuckets(REDIS_URL, prefix=f"test:{uuid.uuid4().hex}:")


def test_a_burst_is_allowed_then_the_wait_is_told(buckets):
    limit = Limit(3, 30)  # three at once, one more every ten seconds
    assert [buckets.take("k", limit, 1000.0) for _ in range(3)] == [0, 0, 0]
    assert buckets.take("k", limit, 1000.0) == pytest.approx(10)
    assert buckets.peek("k", limit, 1004.0) == pytest.approx(6)
    assert buckets.take("k", limit, 1010.0) == 0  # refilled by one


def test_peeking_takes_nothing(buckets):
    limit = Limit(1, 10)
    assert buckets.peek("k", limit, 0.0) == 0
    assert buckets.peek("k", limit, 0.0) == 0
    assert buckets.take("k", limit, 0.0) == 0
    assert buckets.peek("k", limit, 0.0) > 0


def test_keys_are_independent_and_can_be_reset(buckets):
    limit = Limit(1, 60)
    buckets.take("a", limit, 0.0)
    assert buckets.take("b", limit, 0.0) == 0
    assert buckets.take("a", limit, 0.0) > 0
    buckets.reset("a")
    assert buckets.take("a", limit, 0.0) == 0


def test_an_unreachable_store_lets_people_through():
    class Broken:
        def take(self, *args):
            raise ConnectionError("down")

        peek = take

        def reset(self, key):
            raise ConnectionError("down")

    limiter = RateLimiter(Broken(), {"default": "1/1s"})
    assert limiter.hit("send", "someone") == 0
    assert limiter.waiting("send", "someone") == 0


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def failures(request):
    if request.param == "memory":
        return MemoryFailures()
    require("Redis", REDIS_URL, 6379)
    return RedisFailures(REDIS_URL, prefix=f"test:{uuid.uuid4().hex}:")


def test_delays_are_free_then_double_up_to_the_longest():
    delays = Delays(free=3, first=2, longest=100, forget=3600)
    assert [delays.delay(n) for n in range(10)] == [0, 0, 0, 2, 4, 8, 16, 32, 64, 100]
    assert delays.delay(10**6) == 100


def test_failures_are_counted_per_key_forgotten_when_old_and_reset(failures):
    for now in (10.0, 20.0, 30.0):
        failures.add("a", 100, now)
    failures.add("b", 100, 30.0)
    assert failures.get("a", 100, 40.0) == (3, 30.0)
    assert failures.get("b", 100, 40.0) == (1, 30.0)
    assert failures.get("a", 100, 131.0)[0] == 0  # forgotten 100 s after the last
    failures.add("a", 100, 200.0)
    assert failures.get("a", 100, 200.0) == (1, 200.0)  # starts over
    failures.reset("b")
    assert failures.get("b", 100, 40.0)[0] == 0
