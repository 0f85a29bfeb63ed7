"""What a bot without Redis keeps per chat in this process, and bot.ops.redis falls back on while Redis is
down: one update per chat at a time (LocalIsolation) and the dialog states (MemoryStates). Its own module, so
that a bot without Redis never imports the redis package (4 MiB)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Mapping
from copy import copy
from typing import Any

from aiogram.fsm.storage.base import BaseEventIsolation, StateType, StorageKey
from aiogram.fsm.storage.memory import MemoryStorage


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


class MemoryStates(MemoryStorage):
    """aiogram's MemoryStorage without a record for every chat it was ever asked about. aiogram's keeps one
    per chat and key read (a defaultdict), for good: 2,000 records after 1,000 people's questions, and a bot
    that runs for months would hold one for everyone who ever wrote. Here a read keeps nothing, and a record
    with no state and no data left is dropped."""

    async def get_state(self, key: StorageKey) -> str | None:
        record = self.storage.get(key)
        return record.state if record is not None else None

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        record = self.storage.get(key)
        return record.data.copy() if record is not None else {}

    async def get_value(
        self, storage_key: StorageKey, dict_key: str, default: Any | None = None
    ) -> Any | None:
        record = self.storage.get(storage_key)
        return copy(record.data.get(dict_key, default) if record is not None else default)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        await super().set_state(key, state)
        self._drop_if_empty(key)

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await super().set_data(key, data)
        self._drop_if_empty(key)

    def _drop_if_empty(self, key: StorageKey) -> None:
        record = self.storage.get(key)
        if record is not None and record.state is None and not record.data:
            del self.storage[key]
