"""Periodic jobs: expand due broadcasts (or hold overdue ones), and report finished ones to the organizer.

The scheduler only wakes them up (bot/wiring.py lists them with their intervals: dispatch every 20 s,
reports every 30 s); what is due is read from the database, so a restart loses nothing.
"""

from __future__ import annotations

import logging

from bot.broadcast import broadcasts, sending
from bot.jobs import JobContext

log = logging.getLogger(__name__)

DISPATCH_JOB = "broadcast_dispatch"
REPORT_JOB = "broadcast_reports"


async def dispatch(ctx: JobContext) -> None:
    async with ctx.sessionmaker() as session:
        result = await sending.dispatch_due(session, ctx.clock, ctx.settings)
        await session.commit()
    for broadcast_id, count in result.expanded.items():
        log.info("broadcast expanded", extra={"broadcast_id": broadcast_id, "recipients": count})
    for broadcast_id in result.held:
        log.warning("overdue broadcast held", extra={"broadcast_id": broadcast_id})


async def reports(ctx: JobContext) -> None:
    async with ctx.sessionmaker() as session:
        finished = await sending.finish_sent(session, ctx.clock, ctx.settings)
        await broadcasts.drop_stale_drafts(session, ctx.clock)
        await session.commit()
    for broadcast_id in finished:
        log.info("broadcast finished, report queued", extra={"broadcast_id": broadcast_id})
