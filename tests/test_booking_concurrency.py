"""20 people book the same last free place at the same moment, each in their own session and transaction,
on SQLite and PostgreSQL: exactly one booking, 19 "taken" refusals, never more than the capacity."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.booking import services
from bot.booking.services import BookingError
from bot.clock import FrozenClock
from storage.models import Booking
from tests.test_booking_support import person, settings, setup, slots

CONF = settings()
PEOPLE = 20


async def _race(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock, slot_id: int, user_ids: list[int]
) -> list[str]:
    gate = asyncio.Event()

    async def attempt(user_id: int) -> str:
        async with sessionmaker() as session:
            await gate.wait()
            try:
                await services.book(session, clock, CONF, user_id=user_id, slot_id=slot_id)
                await session.commit()
                return "booked"
            except BookingError as error:
                await session.rollback()
                return error.reason

    tasks = [asyncio.create_task(attempt(uid)) for uid in user_ids]
    await asyncio.sleep(0)
    gate.set()
    return await asyncio.gather(*tasks)


async def _booked(sessionmaker: async_sessionmaker[AsyncSession], slot_id: int) -> int:
    async with sessionmaker() as session:
        stmt = (
            select(func.count())
            .select_from(Booking)
            .where(Booking.slot_id == slot_id, Booking.status == "booked")
        )
        return int(await session.scalar(stmt) or 0)


async def test_twenty_people_one_last_place(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> None:
    async with sessionmaker() as session:
        await setup(session, clock, CONF, capacity=2)
        for uid in range(1, PEOPLE + 2):
            await person(session, clock, uid)
        slot_id = (await slots(session))[0].id
        await services.book(session, clock, CONF, user_id=PEOPLE + 1, slot_id=slot_id)  # one place left
        await session.commit()
    results = await _race(sessionmaker, clock, slot_id, list(range(1, PEOPLE + 1)))
    assert sorted(results).count("booked") == 1
    assert results.count("taken") == PEOPLE - 1
    assert await _booked(sessionmaker, slot_id) == 2


async def test_one_person_tapping_many_slots_at_once_stays_within_the_limit(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> None:
    async with sessionmaker() as session:
        await setup(session, clock, CONF)
        await person(session, clock, 1)
        slot_ids = [s.id for s in await slots(session)][:6]
        await session.commit()
    gate = asyncio.Event()

    async def attempt(slot_id: int) -> str:
        async with sessionmaker() as session:
            await gate.wait()
            try:
                await services.book(session, clock, CONF, user_id=1, slot_id=slot_id)
                await session.commit()
                return "booked"
            except BookingError as error:
                await session.rollback()
                return error.reason

    tasks = [asyncio.create_task(attempt(sid)) for sid in slot_ids]
    await asyncio.sleep(0)
    gate.set()
    results = await asyncio.gather(*tasks)
    assert results.count("booked") == CONF.booking_max_upcoming
    assert results.count("limit") == len(slot_ids) - CONF.booking_max_upcoming
