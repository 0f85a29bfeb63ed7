"""Periodic booking work (listed with their intervals in bot/wiring.py). The database holds the truth;
these jobs only wake it up."""

from __future__ import annotations

import logging

from bot.booking.schedule import sync_slots
from bot.booking.waitlist import offer_free_places
from bot.jobs import JobContext

log = logging.getLogger(__name__)


async def waitlist_job(ctx: JobContext) -> None:
    """Expire unclaimed waitlist offers (the place passes on) and offer free places to those waiting."""
    async with ctx.sessionmaker() as session:
        made = await offer_free_places(session, ctx.clock, ctx.settings)
        await session.commit()
    if made:
        log.info("waitlist: %d offer(s) made", len(made))


async def slots_job(ctx: JobContext) -> None:
    """Keep slots ready for the coming weeks (a new week appears as time moves on)."""
    async with ctx.sessionmaker() as session:
        result = await sync_slots(session, ctx.clock, ctx.settings)
        await session.commit()
    if result.created or result.closed or result.removed:
        log.info("slots: %s", result)
