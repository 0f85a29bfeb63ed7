"""Finished outbox rows are deleted after a while: a sent reminder or relay need not keep its text."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.jobs import JobContext
from storage.repositories import outbox as repo

log = logging.getLogger(__name__)


async def delete_old_rows(ctx: JobContext) -> None:
    cutoff = ctx.clock.now() - timedelta(days=ctx.settings.outbox_retention_days)
    async with ctx.sessionmaker() as session:
        deleted = await repo.delete_finished_before(session, cutoff)
        await session.commit()
    if deleted:
        log.info("deleted %d finished outbox rows", deleted)
