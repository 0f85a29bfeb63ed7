"""A direct reply Telegram refused for now (429, 5xx, unreachable), queued in the outbox as it was rendered
(kind READY), so the delivery worker sends it when its chat is free (bot.ops.telegram.RetryRequest)."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import logs
from bot.clock import Clock
from bot.delivery.outbox import enqueue
from bot.delivery.render import READY
from bot.users import find_user


class OutboxReplies:
    """Queues a reply that cannot go out now as an outbox row of kind READY (QueueReply).

    One row per reply: its dedupe key is the update's id and a digest of the call, so an update handled again
    (after a crash, bot/ops/polling.py) does not queue it twice. Replies to one chat share a ref, so the
    worker sends them in the order they were queued (docs/delivery.md)."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self.sessionmaker = sessionmaker
        self.clock = clock

    async def __call__(self, method: str, chat_id: int, params: dict[str, Any], delay: float) -> bool:
        data = {"method": method, **params}
        update_id = logs.current_update_id()
        key = None
        if update_id is not None:
            call = json.dumps([chat_id, data], sort_keys=True, ensure_ascii=False, default=str)
            key = f"reply:{update_id}:{hashlib.blake2s(call.encode(), digest_size=8).hexdigest()}"
        async with self.sessionmaker() as session, session.begin():
            # the person's row, so erasing them erases the reply too (a group or a stranger has none)
            person = chat_id if chat_id > 0 and await find_user(session, chat_id) is not None else None
            await enqueue(
                session,
                self.clock,
                chat_id=chat_id,
                user_id=person,
                kind=READY,
                method=method,
                data=data,
                ref=f"reply:{chat_id}",
                dedupe_key=key,
                not_before=self.clock.now() + timedelta(seconds=delay),
            )
        return True  # queued now, or before (the same update handled again)
