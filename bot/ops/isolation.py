"""One update per chat at a time within this process: the event isolation of a bot without Redis, and the
fallback of bot.ops.redis while Redis is down. Its own module, so that a bot without Redis never imports the
redis package (4 MiB)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator
from typing import Any

from aiogram.fsm.storage.base import BaseEventIsolation, StorageKey


class LocalIsolation(BaseEventIsolation):
    """One asyncio lock per chat in this process; locks nobody waits for are dropped."""

    def __init__(self) -> None:
        self._locks: dict[Any, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        lock, users = self._locks.get(key, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            # close() at shutdown may have dropped the entry while this update still ran
            held, users = self._locks.get(key, (None, 0))
            if held is lock and users <= 1:
                del self._locks[key]
            elif held is lock:
                self._locks[key] = (lock, users - 1)

    async def close(self) -> None:
        self._locks.clear()
