"""Outbox rows: queue a message once (dedupe key), cancel pending ones; claim, finish and count for the
delivery worker."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, bindparam, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import upsert_insert
from storage.models import OutboxMessage, User


async def insert_once(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Insert an outbox row unless one with the same dedupe key exists; True when inserted."""
    insert = upsert_insert(session)
    stmt = insert(OutboxMessage).values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"])
    result = await session.execute(stmt)
    return bool(result.rowcount)


async def insert_many(session: AsyncSession, rows: Sequence[dict[str, Any]], chunk: int = 1000) -> int:
    """Insert many outbox rows, skipping dedupe-key duplicates; how many were inserted."""
    insert = upsert_insert(session)
    inserted = 0
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        if not part:
            continue
        table = OutboxMessage.__table__
        stmt = insert(table).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(table.c.id)
        result = await session.execute(stmt, list(part))
        inserted += len(result.all())
    return inserted


async def existing_keys(session: AsyncSession, keys: Sequence[str], chunk: int = 500) -> set[str]:
    """Which of these dedupe keys were queued before (in any status)."""
    found: set[str] = set()
    for start in range(0, len(keys), chunk):
        part = list(keys[start : start + chunk])
        rows = await session.scalars(
            select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(part))
        )
        found.update(k for k in rows.all() if k is not None)
    return found


async def cancel_pending(
    session: AsyncSession,
    *,
    ref: str | None = None,
    key_prefix: str | None = None,
    user_id: int | None = None,
    kind: str | None = None,
) -> int:
    """Cancel messages not yet sent, by reference or by dedupe-key prefix (e.g. a booking's reminders),
    or by recipient and kind (e.g. the alerts to a helper who was removed)."""
    stmt = update(OutboxMessage).where(OutboxMessage.status == "pending")
    if ref is not None:
        stmt = stmt.where(OutboxMessage.ref == ref)
    if key_prefix is not None:
        stmt = stmt.where(OutboxMessage.dedupe_key.startswith(key_prefix, autoescape=True))
    if user_id is not None and kind is not None:
        stmt = stmt.where(OutboxMessage.user_id == user_id, OutboxMessage.kind == kind)
    elif ref is None and key_prefix is None:
        raise ValueError("cancel_pending needs ref, key_prefix, or user_id with kind")
    result = await session.execute(stmt.values(status="cancelled"))
    return int(result.rowcount or 0)


# --- delivery worker ---------------------------------------------------------------------------------
# States: pending → sending (claimed by a worker) → sent | blocked | failed; pending → cancelled.
# A `sending` row whose claim is older than the claim timeout belongs to a worker that died: reclaimable.

PENDING, SENDING, SENT, BLOCKED, FAILED, CANCELLED = (
    "pending",
    "sending",
    "sent",
    "blocked",
    "failed",
    "cancelled",
)


def _recipient_join() -> Any:
    # the person behind the row: user_id, or the private chat's id (rows queued without user_id)
    return User.id == func.coalesce(OutboxMessage.user_id, OutboxMessage.chat_id)


async def due_candidates(
    session: AsyncSession, now: datetime, stale_before: datetime, limit: int, *, skip_locked: bool
) -> Sequence[Row[Any]]:
    """Rows that may be sent now: pending and due, or `sending` with a stale claim; oldest first.

    With `skip_locked` (PostgreSQL) the rows are locked `FOR UPDATE SKIP LOCKED` until the transaction
    ends, so concurrent workers never get the same row. SQLite runs the whole claim in one BEGIN IMMEDIATE
    transaction (storage/db.py), which serialises claims.
    """
    due = or_(
        and_(OutboxMessage.status == PENDING, OutboxMessage.not_before <= now),
        and_(OutboxMessage.status == SENDING, OutboxMessage.claimed_at < stale_before),
    )
    stmt = (
        select(
            OutboxMessage.id,
            OutboxMessage.chat_id,
            OutboxMessage.user_id,
            OutboxMessage.kind,
            OutboxMessage.ref,
            OutboxMessage.dedupe_key,
            OutboxMessage.method,
            OutboxMessage.payload,
            OutboxMessage.lang,
            OutboxMessage.attempts,
            OutboxMessage.status,
            User.is_active.label("user_active"),
            User.language.label("user_language"),
        )
        .outerjoin(User, _recipient_join())
        .where(due)
        .order_by(OutboxMessage.not_before, OutboxMessage.id)
        .limit(limit)
    )
    if skip_locked:
        stmt = stmt.with_for_update(of=OutboxMessage, skip_locked=True)
    return (await session.execute(stmt)).all()


async def first_on_the_way(
    session: AsyncSession, pairs: set[tuple[int, str]], horizon: datetime
) -> dict[tuple[int, str], Row[Any]]:
    """Per (chat, ref) of `pairs`: the oldest row still on its way — being sent, being retried, or pending
    and due before `horizon` — as (id, status, not_before), so later rows of the same pair can wait for it
    (order within a pair). A grouped query over the refs' rows (the ref index), then those rows."""
    if not pairs:
        return {}
    on_the_way = or_(
        OutboxMessage.status == SENDING,
        and_(
            OutboxMessage.status == PENDING,
            or_(OutboxMessage.attempts > 0, OutboxMessage.not_before <= horizon),
        ),
    )
    firsts = (
        select(func.min(OutboxMessage.id))
        .where(
            OutboxMessage.ref.in_(sorted({ref for _, ref in pairs})),
            OutboxMessage.chat_id.in_(sorted({chat for chat, _ in pairs})),
            on_the_way,
        )
        .group_by(OutboxMessage.chat_id, OutboxMessage.ref)
    )
    stmt = select(
        OutboxMessage.id,
        OutboxMessage.chat_id,
        OutboxMessage.ref,
        OutboxMessage.status,
        OutboxMessage.not_before,
    ).where(OutboxMessage.id.in_(firsts))
    rows = (await session.execute(stmt)).all()
    return {(row.chat_id, row.ref): row for row in rows if (row.chat_id, row.ref) in pairs}


async def mark_claimed(
    session: AsyncSession, ids: Sequence[int], worker_id: str, now: datetime, *, count_attempt: bool = False
) -> None:
    if not ids:
        return
    values: dict[str, Any] = {"status": SENDING, "claimed_by": worker_id, "claimed_at": now}
    if count_attempt:  # reclaimed from a dead worker: that attempt's outcome is unknown
        values["attempts"] = OutboxMessage.attempts + 1
    await session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(**values))


async def defer(session: AsyncSession, outbox_id: int, not_before: datetime) -> None:
    """Leave a row in the queue until `not_before` (its chat is at its limit)."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id)
        .values(status=PENDING, not_before=not_before, claimed_by=None, claimed_at=None)
    )


async def set_final(session: AsyncSession, ids: Sequence[int], status: str, error: str | None) -> None:
    """Final state for rows never sent (recipient inactive, gave up) inside the claim transaction."""
    if not ids:
        return
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids))
        .values(status=status, error=(error or "")[:200] or None, claimed_by=None, claimed_at=None)
    )


async def finish(
    session: AsyncSession, outbox_id: int, worker_id: str, values: dict[str, Any], *, sent: bool = False
) -> bool:
    """Record the outcome of a send; True when the row was still ours.

    A successful send is recorded even if another worker has taken the row over meanwhile (it was
    sent: writing that down can only prevent a second copy). Other outcomes only count for the claimer.
    """
    table = OutboxMessage.__table__  # Core statements: this runs once per message
    stmt = update(table).where(table.c.id == outbox_id)
    if sent:
        stmt = stmt.where(or_(table.c.status == SENDING, table.c.status == PENDING))
    else:
        stmt = stmt.where(table.c.status == SENDING, table.c.claimed_by == worker_id)
    result = await session.execute(stmt.values(**values))
    return bool(result.rowcount)


async def finish_sent_many(session: AsyncSession, sent: Sequence[dict[str, Any]]) -> None:
    """Record many successful sends in one statement (executemany).

    Each dict: id, sent_at, telegram_message_id, attempts, lang. Recorded whoever holds the claim (see
    `finish`).
    """
    if not sent:
        return
    table = OutboxMessage.__table__
    stmt = (
        update(table)
        .where(
            table.c.id == bindparam("b_id", type_=table.c.id.type),
            or_(table.c.status == SENDING, table.c.status == PENDING),
        )
        .values(
            status=SENT,
            error=None,
            sent_at=bindparam("b_sent_at", type_=table.c.sent_at.type),
            telegram_message_id=bindparam("b_message_id", type_=table.c.telegram_message_id.type),
            attempts=bindparam("b_attempts", type_=table.c.attempts.type),
            lang=bindparam("b_lang", type_=table.c.lang.type),
        )
    )
    await session.execute(
        stmt,
        [
            {
                "b_id": row["id"],
                "b_sent_at": row["sent_at"],
                "b_message_id": row["telegram_message_id"],
                "b_attempts": row["attempts"],
                "b_lang": row["lang"],
            }
            for row in sent
        ],
    )


async def release(
    session: AsyncSession, ids: Sequence[int], worker_id: str, not_before: datetime | None = None
) -> int:
    """Hand claimed rows back to the queue unsent (worker stopping, long 429 pause)."""
    if not ids:
        return 0
    values: dict[str, Any] = {"status": PENDING, "claimed_by": None, "claimed_at": None}
    if not_before is not None:
        values["not_before"] = not_before
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(ids),
            OutboxMessage.status == SENDING,
            OutboxMessage.claimed_by == worker_id,
        )
        .values(**values)
    )
    return int(result.rowcount or 0)


async def heartbeat(session: AsyncSession, worker_id: str, now: datetime) -> int:
    """Keep this worker's claims fresh, so no other worker takes them over while it lives."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == SENDING, OutboxMessage.claimed_by == worker_id)
        .values(claimed_at=now)
    )
    return int(result.rowcount or 0)


async def counts_by_status_and_language(session: AsyncSession, ref: str) -> Sequence[Row[Any]]:
    """(status, language, count) of the rows of one reference, e.g. "broadcast:12"."""
    lang = func.coalesce(OutboxMessage.lang, User.language).label("lang")
    stmt = (
        select(OutboxMessage.status, lang, func.count().label("n"))
        .select_from(OutboxMessage)
        .outerjoin(User, _recipient_join())
        .where(OutboxMessage.ref == ref)
        .group_by(OutboxMessage.status, lang)
    )
    return (await session.execute(stmt)).all()


async def counts_by_ref_status_and_language(session: AsyncSession, refs: Sequence[str]) -> Sequence[Row[Any]]:
    """(ref, status, language, count) of the rows of several references at once (a page of reports)."""
    if not refs:
        return []
    lang = func.coalesce(OutboxMessage.lang, User.language).label("lang")
    stmt = (
        select(OutboxMessage.ref, OutboxMessage.status, lang, func.count().label("n"))
        .select_from(OutboxMessage)
        .outerjoin(User, _recipient_join())
        .where(OutboxMessage.ref.in_(list(refs)))
        .group_by(OutboxMessage.ref, OutboxMessage.status, lang)
    )
    return (await session.execute(stmt)).all()


async def sent_message_id(session: AsyncSession, dedupe_key: str) -> int | None:
    """Telegram's message id of a sent row (to edit or delete the message later)."""
    return await session.scalar(
        select(OutboxMessage.telegram_message_id).where(
            OutboxMessage.dedupe_key == dedupe_key, OutboxMessage.status == SENT
        )
    )


async def count_by_status(session: AsyncSession, ref: str | None = None) -> dict[str, int]:
    stmt = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    if ref is not None:
        stmt = stmt.where(OutboxMessage.ref == ref)
    return {str(status): int(n) for status, n in (await session.execute(stmt)).all()}


async def delete_finished_before(session: AsyncSession, cutoff: datetime) -> int:
    """Delete rows that reached a final state before `cutoff` (their texts need not be kept)."""
    result = await session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.status.in_(("sent", "failed", "blocked", "cancelled")),
            OutboxMessage.created_at < cutoff,
        )
    )
    return int(result.rowcount or 0)


async def rows_of(session: AsyncSession, ref: str, kind: str) -> Sequence[OutboxMessage]:
    """Every row of one kind about one thing (its `ref`), oldest first: e.g. the alerts sent about it."""
    result = await session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.ref == ref, OutboxMessage.kind == kind)
        .order_by(OutboxMessage.id)
    )
    return result.all()
