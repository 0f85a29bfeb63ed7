"""Redis with a degraded but safe mode when it is down.

Redis holds what several processes must share: dialog (FSM) state, the per-chat event lock and the
"update already handled" marks. When Redis does not answer (at start or later), the bot keeps working:

- one clear ERROR line names Redis, the error, and what degraded mode means; /healthz says "degraded",
  `hnb_redis_up` is 0;
- FSM state, event isolation and duplicate checks fall back to this process's memory. Everything stateless
  (questions, buttons, menus, commands) works as before; a dialog in progress may start again; a webhook
  re-delivery that lands on *another* process could be handled twice (a re-delivery to the same process is
  still dropped, and re-deliveries are rare because updates are answered at once);
- what must be exactly once does not depend on Redis: scheduled jobs take a PostgreSQL leader lock,
  deliveries claim their outbox rows in the database;
- Redis is tried again every `REDIS_RETRY_SECONDS` (on the next use after that); when it answers, the bot
  returns to it by itself and logs that it did. No restart needed in either direction.

Calls to Redis have short timeouts (`REDIS_TIMEOUT_SECONDS`) and no slow retries, so a dead Redis costs an
update at most one timeout, and then nothing until the next retry.

Like bot/app.py this module is wiring and imports aiogram (the FSM storage interfaces).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any, TypeVar

from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, StateType, StorageKey
from aiogram.fsm.storage.redis import DefaultKeyBuilder, RedisEventIsolation, RedisStorage
from redis.exceptions import LockError, RedisError

from bot.ops import metrics
from bot.ops.isolation import LocalIsolation, MemoryStates

log = logging.getLogger(__name__)
T = TypeVar("T")

# the errors a dead or unreachable Redis raises
REDIS_ERRORS: tuple[type[BaseException], ...] = (RedisError, OSError, TimeoutError)


def redact(url: str) -> str:
    """The URL without its password, for logs."""
    return re.sub(r"//([^:/@]*):[^@/]*@", r"//\1:***@", url)


class RedisGuard:
    """Knows whether Redis is up; runs a call on Redis or, when it is down, on the fallback."""

    def __init__(self, redis: Any, url: str, retry_seconds: float = 5.0) -> None:
        self.redis = redis
        self.url = redact(url)
        self.retry_seconds = retry_seconds
        self.up = True
        self.down_since: float | None = None  # wall-clock time
        self.last_error: str | None = None
        self._next_try = 0.0
        metrics.REDIS_UP.set(1)

    @property
    def available(self) -> bool:
        """Worth trying: up, or down long enough to try again."""
        return self.up or time.monotonic() >= self._next_try

    def failed(self, exc: BaseException) -> None:
        self.last_error = f"{type(exc).__name__}: {exc}"[:300]
        self._next_try = time.monotonic() + self.retry_seconds
        if self.up:
            self.up = False
            self.down_since = time.time()
            metrics.REDIS_UP.set(0)
            log.error(
                "Redis at %s is unreachable (%s). Running in DEGRADED mode: dialog state, event isolation and "
                "the duplicate-update check are kept in this process only until Redis answers again "
                "(tried every %.0f s). Questions, buttons and menus keep working; scheduled jobs and "
                "deliveries stay exactly-once (they use the database).",
                self.url,
                self.last_error,
                self.retry_seconds,
            )

    def succeeded(self) -> None:
        if not self.up:
            down_for = time.time() - (self.down_since or time.time())
            log.warning("Redis at %s answers again after %.0f s: degraded mode ended", self.url, down_for)
            self.up = True
            self.down_since = None
            metrics.REDIS_UP.set(1)

    async def call(self, primary: Callable[[], Awaitable[T]], fallback: Callable[[], Awaitable[T]]) -> T:
        if self.available:
            try:
                result = await primary()
            except REDIS_ERRORS as exc:
                self.failed(exc)
            else:
                self.succeeded()
                return result
        return await fallback()

    async def ping(self, timeout: float = 2.0) -> bool:
        """Ask Redis now (start-up, /healthz); records the outcome."""
        try:
            await asyncio.wait_for(self.redis.ping(), timeout)
        except (TimeoutError, *REDIS_ERRORS) as exc:
            self.failed(exc)
            return False
        self.succeeded()
        return True

    def describe(self) -> dict[str, Any]:
        state: dict[str, Any] = {"ok": self.up, "url": self.url}
        if not self.up:
            state["down_for_seconds"] = round(time.time() - (self.down_since or time.time()), 1)
            state["error"] = self.last_error
            state["mode"] = "degraded: FSM state, event isolation and duplicate checks in process memory"
        return state


class GuardedStorage(BaseStorage):
    """RedisStorage, falling back to memory while Redis is down."""

    def __init__(self, primary: RedisStorage, guard: RedisGuard, fallback: BaseStorage | None = None) -> None:
        self.primary = primary
        self.fallback = fallback or MemoryStates()
        self.guard = guard

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        await self.guard.call(
            lambda: self.primary.set_state(key, state), lambda: self.fallback.set_state(key, state)
        )

    async def get_state(self, key: StorageKey) -> str | None:
        return await self.guard.call(
            lambda: self.primary.get_state(key), lambda: self.fallback.get_state(key)
        )

    async def set_data(self, key: StorageKey, data: Any) -> None:
        await self.guard.call(
            lambda: self.primary.set_data(key, data), lambda: self.fallback.set_data(key, data)
        )

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        return await self.guard.call(lambda: self.primary.get_data(key), lambda: self.fallback.get_data(key))

    async def close(self) -> None:
        with contextlib.suppress(*REDIS_ERRORS):
            await self.primary.close()
        await self.fallback.close()


class GuardedIsolation(BaseEventIsolation):
    """RedisEventIsolation (one update per chat at a time across processes), local while Redis is down."""

    def __init__(self, primary: RedisEventIsolation, guard: RedisGuard) -> None:
        self.primary = primary
        self.local = LocalIsolation()
        self.guard = guard

    @contextlib.asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        held = None
        if self.guard.available:
            redis_lock = self.primary.redis.lock(
                name=self.primary.key_builder.build(key, "lock"), **self.primary.lock_kwargs
            )
            try:
                if await redis_lock.acquire():
                    held = redis_lock
                self.guard.succeeded()
            except REDIS_ERRORS as exc:
                self.guard.failed(exc)
        if held is None:
            async with self.local.lock(key):
                yield
            return
        try:
            yield
        finally:
            try:
                await held.release()
            except LockError as exc:  # held longer than its timeout: it had expired already
                log.warning("Redis event lock expired before it was released: %s", exc)
            except REDIS_ERRORS as exc:  # Redis went away: the lock expires by itself
                self.guard.failed(exc)

    async def close(self) -> None:
        await self.local.close()


class GuardedSeen:
    """Update ids seen by any process (Redis) and, always, by this one (memory): a re-delivery to the same
    process is dropped without asking Redis, and the memory is warm when Redis goes down."""

    def __init__(
        self,
        primary: Callable[[int], Awaitable[bool]],
        local: Callable[[int], Awaitable[bool]],
        guard: RedisGuard,
    ) -> None:
        self.primary = primary
        self.local = local
        self.guard = guard

    async def __call__(self, update_id: int) -> bool:
        if await self.local(update_id):
            return True

        async def no() -> bool:
            return False

        return await self.guard.call(lambda: self.primary(update_id), no)


def connect(url: str, timeout: float) -> Any:
    """A Redis client that fails fast: short socket timeouts, one immediate retry of a dropped connection."""
    from redis.asyncio import Redis
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    return Redis.from_url(
        url,
        socket_connect_timeout=timeout,
        socket_timeout=timeout,
        retry=Retry(NoBackoff(), 1),
        health_check_interval=30,
    )


async def build(
    url: str,
    *,
    timeout: float,
    retry_seconds: float,
    seen: Callable[[Any], Callable[[int], Awaitable[bool]]],
    local_seen: Callable[[int], Awaitable[bool]],
    dialog_ttl_seconds: int,
) -> tuple[GuardedStorage, GuardedIsolation, GuardedSeen, RedisGuard]:
    """Storage, event isolation and duplicate check on Redis with their fallbacks; Redis is pinged once, and
    a failure is reported (degraded mode) instead of stopping the start.

    Dialog state carries the bot's id in its keys (two bots may share a Redis) and expires after
    `dialog_ttl_seconds` without a change, so an abandoned dialog does not keep what the person typed."""
    redis = connect(url, timeout)
    guard = RedisGuard(redis, url, retry_seconds)
    await guard.ping(timeout)
    fsm = RedisStorage(
        redis,
        key_builder=DefaultKeyBuilder(with_destiny=True, with_bot_id=True),
        state_ttl=dialog_ttl_seconds,
        data_ttl=dialog_ttl_seconds,
    )
    storage = GuardedStorage(fsm, guard)
    isolation = GuardedIsolation(RedisEventIsolation(redis), guard)
    return storage, isolation, GuardedSeen(seen(redis), local_seen, guard), guard


__all__ = [
    "REDIS_ERRORS",
    "GuardedIsolation",
    "GuardedSeen",
    "GuardedStorage",
    "RedisGuard",
    "build",
    "connect",
    "redact",
]
