"""The writes of a person's erasure (bot.services.erasure decides what and in which order): no rules here."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import String, cast, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Assignment,
    AuditEntry,
    Booking,
    Counsellor,
    FaqUnanswered,
    OutboxMessage,
    Ticket,
    TicketMessage,
)


async def active_ticket_kinds(session: AsyncSession, asker_id: int, active: Sequence[str]) -> list[str]:
    result = await session.scalars(
        select(Ticket.kind).where(Ticket.asker_id == asker_id, Ticket.status.in_(list(active))).distinct()
    )
    return sorted(result.all())


async def ticket_ids(session: AsyncSession, asker_id: int) -> list[int]:
    return list((await session.scalars(select(Ticket.id).where(Ticket.asker_id == asker_id))).all())


async def anonymise_tickets(session: AsyncSession, asker_id: int) -> int:
    """The tickets stay (number, kind, language, status, times: a helper replying to a withdrawn relay is
    told so) but lose their asker and their words."""
    result = await session.execute(
        update(Ticket)
        .where(Ticket.asker_id == asker_id)
        .values(asker_id=None, text=None, translation=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


async def delete_ticket_messages(session: AsyncSession, ticket_ids: Sequence[int]) -> int:
    """The conversations of these tickets (the words of both sides)."""
    if not ticket_ids:
        return 0
    result = await session.execute(delete(TicketMessage).where(TicketMessage.ticket_id.in_(list(ticket_ids))))
    return int(result.rowcount or 0)


async def delete_unanswered(
    session: AsyncSession, asker_id: int, asker_hash: str, ticket_ids: Sequence[int]
) -> int:
    """Kept questions of one asker: by their id (while open), their keyed hash, or the tickets they became."""
    linked = [FaqUnanswered.asker_id == asker_id, FaqUnanswered.asker_hash == asker_hash]
    if ticket_ids:
        linked.append(FaqUnanswered.ticket_id.in_(list(ticket_ids)))
    result = await session.execute(delete(FaqUnanswered).where(or_(*linked)))
    return int(result.rowcount or 0)


async def scrub_outbox_refs(
    session: AsyncSession, refs: Sequence[str], *, except_kinds: Sequence[str]
) -> int:
    """Empty the payload of every row of these references, whatever its state (a relay has no user id)."""
    if not refs:
        return 0
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.ref.in_(list(refs)), OutboxMessage.kind.not_in(list(except_kinds)))
        .values(payload={})
    )
    return int(result.rowcount or 0)


async def delete_outbox_to(session: AsyncSession, user_id: int) -> int:
    """Messages to the person: those marked with their id, and any to their private chat (its id is theirs)."""
    result = await session.execute(
        delete(OutboxMessage).where(or_(OutboxMessage.user_id == user_id, OutboxMessage.chat_id == user_id))
    )
    return int(result.rowcount or 0)


async def outbox_mentioning(session: AsyncSession, ref_prefix: str, needle: str) -> list[OutboxMessage]:
    """Rows of these references whose payload contains `needle` somewhere (the caller looks closer)."""
    result = await session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.ref.startswith(ref_prefix, autoescape=True),
            cast(OutboxMessage.payload, String).contains(needle, autoescape=True),
        )
    )
    return [row for row in result.all() if row.payload]


async def booking_ids(session: AsyncSession, user_id: int) -> list[int]:
    return list((await session.scalars(select(Booking.id).where(Booking.user_id == user_id))).all())


async def outbox_with_key_prefixes(session: AsyncSession, prefixes: Sequence[str]) -> list[OutboxMessage]:
    """Outbox rows whose dedupe key starts with one of `prefixes`, whatever their state."""
    if not prefixes:
        return []
    starts = [OutboxMessage.dedupe_key.startswith(prefix, autoescape=True) for prefix in prefixes]
    return list((await session.scalars(select(OutboxMessage).where(or_(*starts)))).all())


async def clear_done_notes(session: AsyncSession, assignee_id: int) -> int:
    result = await session.execute(
        update(Assignment)
        .where(Assignment.assignee_id == assignee_id, Assignment.done_note.is_not(None))
        .values(done_note=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


async def delete_counsellors(session: AsyncSession, user_id: int) -> int:
    """Staff labels linked to the person (their rules and slots keep going, without a counsellor)."""
    result = await session.execute(delete(Counsellor).where(Counsellor.user_id == user_id))
    return int(result.rowcount or 0)


async def unlink_audit(session: AsyncSession, user_id: int, subject: str, erased: str) -> int:
    """Audit lines keep what happened and when, not who: the person as actor becomes NULL, and a subject
    naming them (`subject`, e.g. "user:123") becomes `erased`."""
    acted = await session.execute(
        update(AuditEntry)
        .where(AuditEntry.actor_id == user_id)
        .values(actor_id=None)
        .execution_options(synchronize_session=False)
    )
    named = await session.execute(
        update(AuditEntry)
        .where(AuditEntry.subject == subject)
        .values(subject=erased)
        .execution_options(synchronize_session=False)
    )
    return int(acted.rowcount or 0) + int(named.rowcount or 0)
