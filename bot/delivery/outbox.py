"""Queue messages in the outbox (the delivery worker sends them)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from storage.repositories import outbox as repo


async def enqueue(
    session: AsyncSession,
    clock: Clock,
    *,
    chat_id: int,
    kind: str,
    data: dict[str, Any],
    method: str = "sendMessage",
    user_id: int | None = None,
    lang: str | None = None,
    ref: str | None = None,
    dedupe_key: str | None = None,
    not_before: datetime | None = None,
) -> bool:
    """Queue one message; False when a message with the same dedupe key was queued before."""
    now = clock.now()
    return await repo.insert_once(
        session,
        {
            "chat_id": chat_id,
            "user_id": user_id,
            "kind": kind,
            "ref": ref,
            "dedupe_key": dedupe_key,
            "method": method,
            "payload": data,
            "lang": lang,
            "not_before": not_before or now,
            "status": "pending",
            "attempts": 0,
            "created_at": now,
        },
    )


async def enqueue_many(
    session: AsyncSession,
    clock: Clock,
    messages: Iterable[Mapping[str, Any]],
) -> int:
    """Queue many messages in one statement (a broadcast to thousands); how many were new.

    Each message is a mapping with the keyword arguments of `enqueue` (`chat_id`, `kind`, `data` required).
    """
    now = clock.now()
    rows = [
        {
            "chat_id": m["chat_id"],
            "user_id": m.get("user_id"),
            "kind": m["kind"],
            "ref": m.get("ref"),
            "dedupe_key": m.get("dedupe_key"),
            "method": m.get("method", "sendMessage"),
            "payload": m["data"],
            "lang": m.get("lang"),
            "not_before": m.get("not_before") or now,
            "status": "pending",
            "attempts": 0,
            "created_at": now,
        }
        for m in messages
    ]
    return await repo.insert_many(session, rows)


async def cancel(
    session: AsyncSession,
    *,
    ref: str | None = None,
    key_prefix: str | None = None,
    user_id: int | None = None,
    kind: str | None = None,
) -> int:
    """Cancel queued messages that were not sent yet (a cancelled booking's reminders, a broadcast, the
    alerts to a helper who was removed: `user_id` with `kind`)."""
    return await repo.cancel_pending(session, ref=ref, key_prefix=key_prefix, user_id=user_id, kind=kind)
