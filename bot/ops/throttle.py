"""Flood control per person: a burst is fine, a flood is dropped after one polite warning.

`LocalThrottle` is a token bucket in this process; `RedisThrottle` counts in Redis, so the limit holds
across processes (a fixed window of burst/rate seconds: `burst` messages per window), and falls back to
the local bucket while Redis is down. Both answer (allowed, warn_now) for one message or tap.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Protocol


class Throttle(Protocol):
    async def __call__(self, user_id: int) -> tuple[bool, bool]: ...


@dataclass
class _Bucket:
    tokens: float
    updated: float
    warned: bool = False


class LocalThrottle:
    def __init__(self, rate: float, burst: int, max_users: int = 50_000) -> None:
        self.rate = rate
        self.burst = burst
        self.max_users = max_users
        self.buckets: OrderedDict[int, _Bucket] = OrderedDict()

    async def __call__(self, user_id: int) -> tuple[bool, bool]:
        now = time.monotonic()
        bucket = self.buckets.pop(user_id, None) or _Bucket(tokens=float(self.burst), updated=now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        self.buckets[user_id] = bucket
        if len(self.buckets) > self.max_users:
            self.buckets.popitem(last=False)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            bucket.warned = False
            return True, False
        warn = not bucket.warned
        bucket.warned = True
        return False, warn


class RedisThrottle:
    def __init__(self, redis: Any, guard: Any, prefix: str, rate: float, burst: int) -> None:
        self.redis = redis
        self.guard = guard  # bot.ops.redis.RedisGuard
        self.prefix = prefix
        self.burst = burst
        self.window = max(1, math.ceil(burst / rate))
        self.local = LocalThrottle(rate, burst)

    async def _count(self, user_id: int) -> tuple[bool, bool]:
        key = f"{self.prefix}:throttle:{user_id}:{int(time.time() // self.window)}"
        count = int(await self.redis.incr(key))
        if count == 1:
            await self.redis.expire(key, self.window + 1)
        return count <= self.burst, count == self.burst + 1

    async def __call__(self, user_id: int) -> tuple[bool, bool]:
        return await self.guard.call(lambda: self._count(user_id), lambda: self.local(user_id))
