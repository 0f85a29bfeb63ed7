"""Flood control per person: a burst is fine, a flood is dropped after one polite warning (one per flood: a
few messages let through while it goes on do not bring another; it takes a quiet moment).

`LocalThrottle` is a token bucket in this process; `RedisThrottle` counts in Redis, so the limit holds
across processes (a fixed window of burst/rate seconds: `burst` messages per window), and falls back to
the local bucket while Redis is down. Both answer (allowed, warn_now) for one message or tap.

Time is when the person wrote (`at`: a message's date from Telegram), else now: a flood is counted by its
own pace, not by when the bot got to it. The bot takes in new updates only while the oldest is not stuck
(bot/ops/polling.py confirms each once handled), so a flood arrives in slices, each a few seconds after the
last; counted on arrival those seconds refilled the bucket and let nearly all of it through. And a few
messages written over ten minutes while the bot was down are no flood when they arrive at once.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol


class Throttle(Protocol):
    async def __call__(self, user_id: int, at: float | None = None) -> tuple[bool, bool]: ...


@dataclass
class _Bucket:
    tokens: float
    updated: float
    warned: bool = False


class LocalThrottle:
    def __init__(
        self, rate: float, burst: int, max_users: int = 50_000, clock: Callable[[], float] = time.time
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.max_users = max_users
        self.clock = clock
        self.buckets: OrderedDict[int, _Bucket] = OrderedDict()

    async def __call__(self, user_id: int, at: float | None = None) -> tuple[bool, bool]:
        now = self.clock() if at is None else at
        bucket = self.buckets.pop(user_id, None) or _Bucket(tokens=float(self.burst), updated=now)
        # messages may come out of the order written (a tap counted by our clock between them)
        bucket.tokens = min(self.burst, bucket.tokens + max(0.0, now - bucket.updated) * self.rate)
        bucket.updated = max(bucket.updated, now)
        self.buckets[user_id] = bucket
        if len(self.buckets) > self.max_users:
            self.buckets.popitem(last=False)
        if bucket.tokens >= 1:
            if bucket.tokens >= self.burst:  # quiet long enough to fill up again: a new flood, a new warning
                bucket.warned = False
            bucket.tokens -= 1
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

    async def _count(self, user_id: int, at: float | None) -> tuple[bool, bool]:
        key = f"{self.prefix}:throttle:{user_id}:{int((time.time() if at is None else at) // self.window)}"
        count = int(await self.redis.incr(key))
        if count == 1:
            await self.redis.expire(key, self.window + 1)
        if count <= self.burst:
            return True, False
        # one warning per flood, also when it runs into the next window: the mark lasts while it goes on
        mark = f"{self.prefix}:throttle:{user_id}:warned"
        first = await self.redis.set(mark, 1, nx=True, ex=2 * self.window)
        if not first:
            await self.redis.expire(mark, 2 * self.window)
        return False, bool(first)

    async def __call__(self, user_id: int, at: float | None = None) -> tuple[bool, bool]:
        return await self.guard.call(lambda: self._count(user_id, at), lambda: self.local(user_id, at))
