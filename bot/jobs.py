"""Periodic jobs (reminders, outbox, retention, ...): plain functions, listed in bot/wiring.py `JOBS`.

The scheduler only wakes jobs up; each job reads what is due from the database, so nothing is lost when
the process restarts.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.translation.service import MachineTranslator


@dataclass
class JobContext:
    settings: Settings
    clock: Clock
    sessionmaker: async_sessionmaker[AsyncSession]
    machine_translator: MachineTranslator | None = None


JobFunc = Callable[[JobContext], Awaitable[None]]


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    seconds: float
    func: JobFunc
