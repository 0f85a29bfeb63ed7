"""Periodic jobs registered by capabilities (reminders, outbox, retention, ...).

The scheduler only wakes jobs up; each job reads what is due from the database, so nothing is lost when
the process restarts.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config import Settings


@dataclass
class JobContext:
    settings: Settings
    clock: Clock
    sessionmaker: async_sessionmaker[AsyncSession]
    extras: dict[str, Any] = field(default_factory=dict)  # e.g. the Bot API sender of the delivery engine


JobFunc = Callable[[JobContext], Awaitable[None]]


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    seconds: float
    func: JobFunc


PERIODIC: dict[str, PeriodicJob] = {}


def periodic(name: str, seconds: float) -> Callable[[JobFunc], JobFunc]:
    def register(func: JobFunc) -> JobFunc:
        PERIODIC[name] = PeriodicJob(name, seconds, func)
        return func

    return register
