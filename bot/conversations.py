"""The conversation of an open ticket (bot.tickets): the asker's later messages join it, the helpers'
replies go back, until the asker or a helper closes it, or nobody wrote for TICKET_QUIET_DAYS
(`quiet_job`: both sides are told).

Each message is numbered (`seq`; 1 is the question), stored (ticket_messages: nothing is lost between
asker and helper while the ticket is open) and leaves through the outbox in marked parts, never cut:
the asker's to the helpers' chat as replies to the card (FOLLOWUP_KIND), a helper's to the asker
(ANSWER_KIND). A message delivered twice (the same update again) is added once: its own message id is
unique per ticket and sender.

`kind` is "text", or a voice message, photo, document or location (bot.ticket_media): such a message
keeps its reference (`source_chat_id`, `source_message_id`) while the ticket is open and is relayed with
copyMessage (MEDIA_KIND to the helpers, MEDIA_ANSWER_KIND to the asker), its caption in `text` relayed
after it as the text of the same message.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot import tickets
from bot.claims import Outcome
from bot.clock import Clock
from bot.delivery import outbox
from bot.jobs import JobContext
from bot.text import clean_text
from bot.ticket_media import MEDIA_ANSWER_KIND, MEDIA_KIND, queue_copy
from bot.ticket_payloads import AnswerPayload, CardState, MediaPayload, PartPayload
from bot.tickets import ACTIVE, TEXT, ClosedBy, Sender, Ticket, TicketMessage
from storage.repositories import faq as repo

log = logging.getLogger(__name__)

NAME_MAX = 32  # characters of a helper's first name, when they show it


@dataclass(frozen=True)
class Added:
    seq: int  # the message's number in the conversation
    first_answer: bool = False  # a helper's first reply (the card now says "answered")


async def _store(
    session: AsyncSession,
    clock: Clock,
    ticket: Ticket,
    sender: Sender,
    *,
    text: str,
    lang: str | None,
    translation: str | None,
    source_message_id: int | None,
    kind: str,
    source_chat_id: int | None = None,
) -> int | None:
    seq = await repo.next_seq(session, ticket.id, clock.now())
    if seq is None:
        return None
    await repo.add_message(
        session,
        TicketMessage(
            ticket_id=ticket.id,
            seq=seq,
            sender=sender,
            kind=kind,
            text=text,
            lang=lang,
            translation=translation,
            source_message_id=source_message_id,
            source_chat_id=source_chat_id if kind != TEXT else None,
            created_at=clock.now(),
        ),
    )
    return seq


async def joined(session: AsyncSession, ticket_id: int, sender: Sender, source_message_id: int) -> bool:
    """Did this very message of the writer join the ticket already (a second press, the update again)?"""
    return await repo.has_source_message(session, ticket_id, sender, source_message_id)


async def add_from_asker(
    session: AsyncSession,
    clock: Clock,
    ticket: Ticket,
    *,
    text: str,
    lang: str,
    translation: str | None,
    helpers_lang: str,
    source_message_id: int | None,
    kind: str = TEXT,
    source_chat_id: int | None = None,
) -> Added | None:
    """The asker's message joins the open ticket and goes to the helpers' chat (with its translation
    into `helpers_lang` beside it, when there is one); a media message (`kind`, copied from
    `source_chat_id`) first, then its caption `text` if any. None: the ticket is not open, or the
    message was added before."""
    if ticket.status not in ACTIVE:
        return None
    text, translation = clean_text(text), clean_text(translation) if translation else None
    key = tickets.ref(ticket.id)
    try:
        async with session.begin_nested():
            seq = await _store(
                session, clock, ticket, Sender.ASKER, text=text, lang=lang, translation=translation,
                source_message_id=source_message_id, kind=kind, source_chat_id=source_chat_id,
            )  # fmt: skip
            if seq is None:
                return None
            reply_to = await tickets.relay_message_id(session, ticket)
            media = kind != TEXT and source_chat_id is not None and source_message_id is not None
            queued = True
            if media:
                assert source_chat_id is not None and source_message_id is not None
                copy = MediaPayload(
                    ticket=ticket.id, media=kind, from_chat_id=source_chat_id, message_id=source_message_id,
                    seq=seq, lang=lang, reply_to=reply_to,
                )  # fmt: skip
                queued = await queue_copy(
                    session, clock, to_chat=ticket.chat_id, outbox_kind=MEDIA_KIND, payload=copy, ref=key,
                    dedupe_key=f"{key}:msg:{seq}:media", lang=helpers_lang,
                )  # fmt: skip
            parts = tickets.pieces(text, translation) if text or not media else []
            for number, (part, beside) in enumerate(parts, start=1):
                payload = PartPayload(
                    ticket=ticket.id, lang=lang, text=part, translation=beside, seq=seq, part=number,
                    parts=len(parts), untranslated=translation is None and lang != helpers_lang,
                    reply_to=reply_to,
                )  # fmt: skip
                queued &= await outbox.enqueue(
                    session,
                    clock,
                    chat_id=ticket.chat_id,
                    kind=tickets.FOLLOWUP_KIND,
                    data=payload.model_dump(mode="json"),
                    lang=helpers_lang,
                    ref=key,
                    dedupe_key=f"{key}:msg:{seq}:{number}",
                )
            if not queued:
                raise tickets.NotQueued(key)
    except IntegrityError:
        return None  # this very message joined before (an update delivered twice)
    return Added(seq)


async def add_from_helper(
    session: AsyncSession,
    clock: Clock,
    ticket: Ticket,
    *,
    text: str,
    original: str | None,
    written_in: str,
    untranslated: bool,
    helper_name: str | None,
    source_message_id: int | None,
    kind: str = TEXT,
    source_chat_id: int | None = None,
) -> Added | None:
    """A helper's reply joins the ticket and goes to the asker: `text` is what the asker reads (a machine
    translation when `original`, the helper's own words, is given); a media reply (`kind`, copied from
    `source_chat_id`) first, then its caption if any. None: the ticket is not open, its asker is gone, or
    the reply was added before."""
    if ticket.status not in ACTIVE or ticket.asker_id is None:
        return None
    text, original = clean_text(text), clean_text(original) if original else None
    name = " ".join(clean_text(helper_name or "").split())[:NAME_MAX] or None
    key = tickets.ref(ticket.id)
    try:
        async with session.begin_nested():
            seq = await _store(
                session, clock, ticket, Sender.HELPER, text=original or text, lang=written_in,
                translation=text if original else None, source_message_id=source_message_id, kind=kind,
                source_chat_id=source_chat_id,
            )  # fmt: skip
            if seq is None:
                return None
            first = await repo.mark_answered(session, ticket.id, clock.now())
            media = kind != TEXT and source_chat_id is not None and source_message_id is not None
            parts = tickets.pieces(text, original) if text or not media else []
            queued = True
            if media:
                assert source_chat_id is not None and source_message_id is not None
                copy = MediaPayload(
                    ticket=ticket.id, media=kind, from_chat_id=source_chat_id, message_id=source_message_id,
                    seq=seq, lang=ticket.lang, helper_name=name, last=not parts,
                )  # fmt: skip
                queued = await queue_copy(
                    session, clock, to_chat=ticket.asker_id, user_id=ticket.asker_id, payload=copy, ref=key,
                    outbox_kind=MEDIA_ANSWER_KIND, dedupe_key=f"{key}:answer:{seq}:media", lang=ticket.lang,
                )  # fmt: skip
            for number, (part, beside) in enumerate(parts, start=1):
                payload = AnswerPayload(
                    ticket=ticket.id, kind=ticket.kind, text=part, original=beside, seq=seq, part=number,
                    parts=len(parts), written_in=written_in if written_in != ticket.lang else None,
                    untranslated=untranslated, helper_name=name, last=number == len(parts),
                )  # fmt: skip
                queued &= await outbox.enqueue(
                    session,
                    clock,
                    chat_id=ticket.asker_id,
                    user_id=ticket.asker_id,
                    kind=tickets.ANSWER_KIND,
                    data=payload.model_dump(mode="json"),
                    lang=ticket.lang,
                    ref=key,
                    dedupe_key=f"{key}:answer:{seq}:{number}",
                )
            if not queued:
                raise tickets.NotQueued(key)
    except IntegrityError:
        return None  # this very reply was passed on before (an update delivered twice)
    if first:  # the card says "answered" now (a helper answers what they took: bot.faq.conversation)
        current = await repo.get_ticket(session, ticket.id)
        if current is not None and tickets.card_state(current) == CardState.ANSWERED:
            await tickets.queue_card(session, clock, current)
    return Added(seq, first)


# --- quiet conversations, retention ---------------------------------------------------------------------


async def close_quiet(session: AsyncSession, clock: Clock, days: int) -> list[int]:
    """Close the active tickets in which nobody wrote for `days` days; their numbers."""
    closed = []
    for ticket in await repo.quiet_tickets(session, ACTIVE, clock.now() - timedelta(days=days)):
        result = await tickets.close(session, clock, ticket.id, ClosedBy.QUIET, quiet_days=days)
        if result.outcome == Outcome.OK:
            closed.append(ticket.id)
    return closed


async def quiet_job(ctx: JobContext) -> None:
    """Hourly (bot/wiring.py: tickets_quiet)."""
    async with ctx.sessionmaker() as session:
        closed = await close_quiet(session, ctx.clock, ctx.settings.ticket_quiet_days)
        await session.commit()
    if closed:
        log.info("tickets closed after %d quiet days: %d", ctx.settings.ticket_quiet_days, len(closed))


# Outbox kinds that carry a person's words (emptied once final, and when their ticket is over).
WORDY_KINDS = (
    *(tickets.relay_kind(k) for k in tickets.TICKET_KINDS),
    tickets.PART_KIND,
    tickets.FOLLOWUP_KIND,
    MEDIA_KIND,  # the references of media messages
    tickets.CARD_KIND,
    tickets.ANSWER_KIND,
    MEDIA_ANSWER_KIND,
    tickets.WITHDRAWN_KIND,
    tickets.FAILED_KIND,
    tickets.REOPENED_KIND,
)


async def purge(session: AsyncSession, clock: Clock) -> int:
    """Delete the conversations of closed tickets, old tickets, and the outbox copies of closed or
    deleted tickets; the number of tickets deleted."""
    now = clock.now()
    deleted = await repo.delete_tickets(
        session,
        closed_before=now - timedelta(days=tickets.RETENTION_DAYS),
        created_before=now - timedelta(days=tickets.STALE_DAYS),
        active=ACTIVE,
    )
    await repo.delete_messages_of_closed(session)
    stale = await repo.stale_ticket_payload_ids(session, WORDY_KINDS)
    if stale:
        await repo.scrub_outbox_rows(session, stale)
    return deleted


async def retention_job(ctx: JobContext) -> None:
    """Hourly (bot/wiring.py: tickets_retention)."""
    async with ctx.sessionmaker() as session:
        deleted = await purge(session, ctx.clock)
        await session.commit()
    if deleted:
        log.info("tickets retention: %d deleted", deleted)
