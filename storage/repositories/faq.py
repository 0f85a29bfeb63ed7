"""Tickets, FAQ votes and unanswered questions: queries and writes, no rules."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, case, delete, exists, false, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import FaqUnanswered, FaqVote, OutboxMessage, Ticket, TicketMessage, User
from storage.repositories.claims import update_if

# --- tickets -----------------------------------------------------------------------------------------


async def add_ticket(session: AsyncSession, ticket: Ticket) -> Ticket:
    session.add(ticket)
    await session.flush()
    return ticket


def has_ticket(kind: str, statuses: Sequence[str]) -> ColumnElement[bool]:
    """Whether the user of the enclosing query (`users.id`) asked such a ticket: for get_user_with. (The
    statuses as equalities, not IN: an IN list is expanded anew at every execution, and this statement runs
    for most updates.)"""
    status = or_(*(Ticket.status == s for s in statuses)) if statuses else false()
    return exists().where(Ticket.asker_id == User.id, Ticket.kind == kind, status)


async def get_ticket(session: AsyncSession, ticket_id: int) -> Ticket | None:
    return await session.get(Ticket, ticket_id, populate_existing=True)


async def active_tickets(
    session: AsyncSession, asker_id: int, kind: str, statuses: Sequence[str]
) -> Sequence[Ticket]:
    result = await session.scalars(
        select(Ticket)
        .where(Ticket.asker_id == asker_id, Ticket.kind == kind, Ticket.status.in_(statuses))
        .order_by(Ticket.id)
    )
    return result.all()


async def ticket_by_relay(session: AsyncSession, chat_id: int, message_id: int) -> Ticket | None:
    return await session.scalar(
        select(Ticket).where(Ticket.chat_id == chat_id, Ticket.relay_message_id == message_id)
    )


async def set_relay_message_id(session: AsyncSession, ticket_id: int, message_id: int) -> None:
    await session.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id, Ticket.relay_message_id.is_(None))
        .values(relay_message_id=message_id)
    )


async def tickets_taken_by(session: AsyncSession, helper_id: int, status: str) -> Sequence[Ticket]:
    result = await session.scalars(
        select(Ticket).where(Ticket.taken_by == helper_id, Ticket.status == status).order_by(Ticket.id)
    )
    return result.all()


async def release_ticket(
    session: AsyncSession, ticket_id: int, helper_id: int, *, from_status: str, to_status: str
) -> bool:
    """A taken ticket back to open, if `helper_id` still has it (nobody answered it meanwhile)."""
    return await update_if(
        session,
        Ticket,
        ticket_id,
        [Ticket.status == from_status, Ticket.taken_by == helper_id],
        {"status": to_status, "taken_by": None, "taken_at": None, "helper_named": False},
    )


async def close_ticket(
    session: AsyncSession,
    ticket_id: int,
    now: datetime,
    *,
    from_statuses: Sequence[str],
    to_status: str,
    closed_by: str | None = None,
) -> bool:
    """Close (closed / withdrawn) and forget the text, if the ticket is still in one of `from_statuses`."""
    result = await session.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id, Ticket.status.in_(from_statuses))
        .values(status=to_status, closed_at=now, closed_by=closed_by, text=None, translation=None)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


async def _bump(session: AsyncSession, ticket_id: int, column: str, **values: object) -> int | None:
    """Add one to a counter column of the ticket (one statement: concurrent writers each get their own
    number); its new value, or None when the ticket is gone."""
    counter = getattr(Ticket, column)
    result = await session.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id)
        .values({column: counter + 1, **values})
        .returning(counter)
        .execution_options(synchronize_session=False)
    )
    value = result.scalar()
    return None if value is None else int(value)


async def next_seq(session: AsyncSession, ticket_id: int, now: datetime) -> int | None:
    """The number of the conversation's next message (and the ticket is active now)."""
    return await _bump(session, ticket_id, "last_seq", active_at=now)


async def next_card_version(session: AsyncSession, ticket_id: int) -> int | None:
    return await _bump(session, ticket_id, "card_version")


async def mark_answered(session: AsyncSession, ticket_id: int, now: datetime) -> bool:
    """The first reply of a helper: True only for the first."""
    result = await session.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id, Ticket.answered_at.is_(None))
        .values(answered_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


async def set_named(session: AsyncSession, ticket_id: int, helper_id: int, status: str, named: bool) -> bool:
    """The helper who took the ticket shows (or hides) their first name; False when it is not theirs."""
    return await update_if(
        session,
        Ticket,
        ticket_id,
        [Ticket.status == status, Ticket.taken_by == helper_id],
        {"helper_named": named},
    )


async def quiet_tickets(
    session: AsyncSession, statuses: Sequence[str], before: datetime, limit: int = 500
) -> Sequence[Ticket]:
    """Active tickets whose last message is older than `before`."""
    last = func.coalesce(Ticket.active_at, Ticket.created_at)
    result = await session.scalars(
        select(Ticket)
        .where(Ticket.status.in_(list(statuses)), last < before)
        .order_by(Ticket.id)
        .limit(limit)
    )
    return result.all()


async def ticket_in_outbox(
    session: AsyncSession, chat_id: int, message_id: int, kinds: Sequence[str]
) -> str | None:
    """The reference (`ticket:<n>`) of the outbox row that became message `message_id` in `chat_id`."""
    return await session.scalar(
        select(OutboxMessage.ref)
        .where(
            OutboxMessage.chat_id == chat_id,
            OutboxMessage.telegram_message_id == message_id,
            OutboxMessage.kind.in_(list(kinds)),
        )
        .limit(1)
    )


# --- the messages of a conversation -------------------------------------------------------------------


async def add_message(session: AsyncSession, message: TicketMessage) -> TicketMessage:
    session.add(message)
    await session.flush()
    return message


async def messages_of(session: AsyncSession, ticket_id: int) -> Sequence[TicketMessage]:
    result = await session.scalars(
        select(TicketMessage).where(TicketMessage.ticket_id == ticket_id).order_by(TicketMessage.seq)
    )
    return result.all()


async def ticket_by_message(session: AsyncSession, chat_id: int, message_id: int) -> Ticket | None:
    """The ticket one of whose messages arrived as message `message_id` in `chat_id` (its first part)."""
    return await session.scalar(
        select(Ticket)
        .join(TicketMessage, TicketMessage.ticket_id == Ticket.id)
        .where(TicketMessage.relay_message_id == message_id, Ticket.chat_id == chat_id)
        .limit(1)
    )


async def set_message_relay(session: AsyncSession, ticket_id: int, seq: int, message_id: int) -> None:
    await session.execute(
        update(TicketMessage)
        .where(
            TicketMessage.ticket_id == ticket_id,
            TicketMessage.seq == seq,
            TicketMessage.relay_message_id.is_(None),
        )
        .values(relay_message_id=message_id)
    )


async def has_source_message(
    session: AsyncSession, ticket_id: int, sender: str, source_message_id: int
) -> bool:
    """Did the writer's own message `source_message_id` join the ticket already?"""
    found = await session.scalar(
        select(TicketMessage.id)
        .where(
            TicketMessage.ticket_id == ticket_id,
            TicketMessage.sender == sender,
            TicketMessage.source_message_id == source_message_id,
        )
        .limit(1)
    )
    return found is not None


async def source_message_of(session: AsyncSession, ticket_id: int, seq: int) -> int | None:
    """The id of the writer's own message that became message `seq` of the ticket (None once forgotten)."""
    found = await session.scalar(
        select(TicketMessage.source_message_id).where(
            TicketMessage.ticket_id == ticket_id, TicketMessage.seq == seq
        )
    )
    return int(found) if found is not None else None


async def forget_media(session: AsyncSession, ticket_ids: Sequence[int], text_kind: str) -> int:
    """Clear the references (chat and message id) of the media messages of these tickets."""
    if not ticket_ids:
        return 0
    result = await session.execute(
        update(TicketMessage)
        .where(TicketMessage.ticket_id.in_(list(ticket_ids)), TicketMessage.kind != text_kind)
        .values(source_message_id=None, source_chat_id=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


async def delete_messages(session: AsyncSession, ticket_ids: Sequence[int]) -> int:
    if not ticket_ids:
        return 0
    result = await session.execute(delete(TicketMessage).where(TicketMessage.ticket_id.in_(list(ticket_ids))))
    return int(result.rowcount or 0)


async def delete_messages_of_closed(session: AsyncSession) -> int:
    """The conversations of tickets that are over (closed or withdrawn)."""
    closed = select(Ticket.id).where(Ticket.closed_at.is_not(None))
    result = await session.execute(delete(TicketMessage).where(TicketMessage.ticket_id.in_(closed)))
    return int(result.rowcount or 0)


async def delete_tickets(
    session: AsyncSession, *, closed_before: datetime, created_before: datetime, active: Sequence[str]
) -> int:
    """Tickets closed before `closed_before`, and active ones created before `created_before` (stale)."""
    result = await session.execute(
        delete(Ticket).where(
            or_(
                and_(Ticket.closed_at.is_not(None), Ticket.closed_at < closed_before),
                and_(Ticket.status.in_(active), Ticket.created_at < created_before),
            )
        )
    )
    return int(result.rowcount or 0)


# --- the outbox rows of a ticket -------------------------------------------------------------------
# Final states of an outbox row: it will not be (re)sent, so its payload is no longer needed.
OUTBOX_FINAL = ("sent", "blocked", "failed", "cancelled")


async def scrub_outbox(session: AsyncSession, *, ref: str) -> int:
    """Empty the stored payload of a reference's rows that were sent or will never be sent (a question's
    text must not outlive its ticket in the outbox). Rows still queued or being sent keep their data."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.ref == ref, OutboxMessage.status.in_(OUTBOX_FINAL))
        .values(payload={})
    )
    return int(result.rowcount or 0)


async def scrub_outbox_rows(session: AsyncSession, outbox_ids: Sequence[int]) -> int:
    """Empty the payload of these rows (the caller knows they are final, e.g. a delivery hook)."""
    if not outbox_ids:
        return 0
    result = await session.execute(
        update(OutboxMessage).where(OutboxMessage.id.in_(list(outbox_ids))).values(payload={})
    )
    return int(result.rowcount or 0)


async def keep_payload(session: AsyncSession, outbox_id: int, kept: dict[str, object]) -> None:
    """Replace the payload of a final row by `kept` (what it showed, without anyone's words)."""
    await session.execute(update(OutboxMessage).where(OutboxMessage.id == outbox_id).values(payload=kept))


async def last_shown(
    session: AsyncSession, ref: str, kinds: Sequence[str]
) -> tuple[str, dict[str, object]] | None:
    """(status, payload) of the newest row of `ref` among `kinds` that was sent or is being sent."""
    row = (
        await session.execute(
            select(OutboxMessage.status, OutboxMessage.payload)
            .where(
                OutboxMessage.ref == ref,
                OutboxMessage.kind.in_(list(kinds)),
                OutboxMessage.status.in_(("sent", "sending")),
            )
            .order_by(OutboxMessage.id.desc())
            .limit(1)
        )
    ).first()
    return (str(row[0]), dict(row[1] or {})) if row is not None else None


async def stale_ticket_payload_ids(
    session: AsyncSession, kinds: Sequence[str], limit: int = 500
) -> list[int]:
    """Outbox rows of those kinds, in a final state, still holding a payload whose ticket is gone or closed."""
    rows = await session.execute(
        select(OutboxMessage.id, OutboxMessage.ref, OutboxMessage.payload)
        .where(OutboxMessage.kind.in_(list(kinds)), OutboxMessage.status.in_(OUTBOX_FINAL))
        .order_by(OutboxMessage.id)
    )
    candidates: dict[int, int] = {}
    for outbox_id, ref, payload in rows.all():
        if not payload or not ref or not ref.startswith("ticket:"):
            continue
        try:
            candidates[outbox_id] = int(ref.split(":", 1)[1])
        except ValueError:
            continue
    if not candidates:
        return []
    alive = set(
        (
            await session.scalars(
                select(Ticket.id).where(Ticket.id.in_(set(candidates.values())), Ticket.closed_at.is_(None))
            )
        ).all()
    )
    return [oid for oid, tid in candidates.items() if tid not in alive][:limit]


# --- votes ---------------------------------------------------------------------------------------------


async def add_vote(session: AsyncSession, slug: str, lang: str, vote: int, day: date) -> None:
    session.add(FaqVote(slug=slug, lang=lang, vote=vote, day=day))
    await session.flush()


async def vote_totals(session: AsyncSession) -> dict[tuple[str, str], tuple[int, int]]:
    """(slug, lang) → (👍 count, 👎 count)."""
    up = func.sum(case((FaqVote.vote > 0, 1), else_=0))
    down = func.sum(case((FaqVote.vote < 0, 1), else_=0))
    rows = await session.execute(
        select(FaqVote.slug, FaqVote.lang, up, down).group_by(FaqVote.slug, FaqVote.lang)
    )
    return {(slug, lang): (int(u or 0), int(d or 0)) for slug, lang, u, d in rows.all()}


# --- unanswered questions ------------------------------------------------------------------------------


# One INSERT ... RETURNING on the table, built once: no ORM unit of work for a row nothing else in the update
# touches (a flush showed in every profile of an unanswered question), and no new statement object whose key
# SQLAlchemy would compute by walking it.
_ADD_UNANSWERED = insert(FaqUnanswered.__table__).returning(FaqUnanswered.__table__.c.id)


async def add_unanswered(
    session: AsyncSession,
    *,
    text: str,
    lang: str,
    reason: str,
    slug: str | None,
    status: str,
    created_at: datetime,
    asker_hash: str | None,
    asker_id: int | None,
) -> int:
    """The new row's id."""
    values = {
        "text": text,
        "lang": lang,
        "reason": reason,
        "slug": slug,
        "status": status,
        "created_at": created_at,
        "asker_hash": asker_hash,
        "asker_id": asker_id,
    }
    return (await session.execute(_ADD_UNANSWERED, values)).scalar_one()


async def list_unanswered(
    session: AsyncSession, status: str, limit: int, offset: int
) -> tuple[Sequence[FaqUnanswered], int]:
    total = await session.scalar(
        select(func.count()).select_from(FaqUnanswered).where(FaqUnanswered.status == status)
    )
    rows = await session.scalars(
        select(FaqUnanswered)
        .where(FaqUnanswered.status == status)
        .order_by(FaqUnanswered.created_at.desc(), FaqUnanswered.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return rows.all(), int(total or 0)


async def set_unanswered_status(
    session: AsyncSession, row_id: int, *, from_status: str, to_status: str, now: datetime
) -> bool:
    result = await session.execute(
        update(FaqUnanswered)
        .where(FaqUnanswered.id == row_id, FaqUnanswered.status == from_status)
        .values(status=to_status, done_at=now, asker_id=None)  # the asker's id only while it is open
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


async def link_unanswered(session: AsyncSession, row_id: int, ticket_id: int, text: str) -> bool:
    """Link a question to its ticket, only if the row really holds that question."""
    result = await session.execute(
        update(FaqUnanswered)
        .where(FaqUnanswered.id == row_id, FaqUnanswered.text == text, FaqUnanswered.ticket_id.is_(None))
        .values(ticket_id=ticket_id)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


async def delete_unanswered_before(session: AsyncSession, before: datetime) -> int:
    result = await session.execute(delete(FaqUnanswered).where(FaqUnanswered.created_at < before))
    return int(result.rowcount or 0)
