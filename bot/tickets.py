"""Tickets: something a person hands to the helpers' chat, which a helper takes and answers.

A small general mechanism (kind "question" for the FAQ's "ask a person"; other capabilities may add kinds):

- `open_ticket` stores the ticket and queues its relay to the helpers' chat in the outbox (kind
  `relay_kind(kind)`, rendered by the capability); when the delivery worker has sent it, a hook stores the
  relay's message id on the ticket and empties the relay's stored payload. One active ticket of a kind per
  asker: a unique index in the database keeps it, across processes (`AlreadyOpen`);
- `claim` ("I'll take it"): the first claim wins, enforced by a conditional UPDATE;
- `answer`: a helper's reply to the relay message goes to the asker through the outbox (ANSWER_KIND);
  any helper may answer (bot.faq.handoff checks who), also after someone took the ticket, and may add
  follow-ups;
- `withdraw`: the asker takes the question back (/cancel): an unsent relay is cancelled, a sent one is
  edited to say so (WITHDRAWN_KIND).
- `release`: a helper who was removed gives back what they had taken: open again, and the relay gets
  its 🙋 button back (REOPENED_KIND).

Privacy: the relay never carries the asker's name or id. The asker's id is on the ticket (to send the
answer) and is removed when the user is erased (bot.services.erasure). The question text and its translation are kept only
while the ticket is open or taken: they are cleared the moment it is answered or withdrawn, and the
outbox copies are emptied once sent. Closed tickets (number, kind, language, status, times) are deleted
after RETENTION_DAYS; open ones nobody answered after STALE_DAYS.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock, FrozenClock
from bot.delivery import outbox
from bot.delivery.hooks import SENT, Hook, Outcome
from bot.faq.payloads import AnswerPayload, FailedPayload, RelayEditPayload, RelayPayload, WithdrawnPayload
from bot.jobs import JobContext
from bot.text import clean_text
from storage.models import OutboxMessage, Ticket
from storage.repositories import faq as repo
from storage.repositories import outbox as outbox_repo

log = logging.getLogger(__name__)

__all__ = ["Ticket"]  # re-exported for the handlers, which never import storage models


class TicketStatus(StrEnum):
    OPEN = "open"
    TAKEN = "taken"  # a helper said "I'll take it"
    ANSWERED = "answered"
    WITHDRAWN = "withdrawn"  # by the asker, or because the helpers' chat could not be reached


OPEN, TAKEN, ANSWERED, WITHDRAWN = (
    TicketStatus.OPEN,
    TicketStatus.TAKEN,
    TicketStatus.ANSWERED,
    TicketStatus.WITHDRAWN,
)
ACTIVE = (OPEN, TAKEN)  # also the condition of the unique index ux_tickets_one_active (storage.models.faq)
QUESTION = "question"

ANSWER_KIND = "ticket_answer"  # a helper's answer, to the asker
WITHDRAWN_KIND = "ticket_withdrawn"  # edit of the relay: the asker withdrew
FAILED_KIND = "ticket_failed"  # to the asker: the helpers' chat could not be reached
REOPENED_KIND = "ticket_reopened"  # edit of the relay: open again, with its 🙋 button (helper removed)
RETENTION_DAYS = 90
STALE_DAYS = 90
MAX_TEXT = 1500  # of the question in the relay (a Telegram message holds 4096 characters)
MAX_TRANSLATION = 1800
MAX_ANSWER = 3500  # answer and, when translated, its original together

TICKET_KINDS = (QUESTION,)  # kinds of things handed to a person (a question; more may follow)


def relay_kind(kind: str) -> str:
    """The outbox kind of a ticket kind's relay (its renderer is listed in bot/wiring.py)."""
    return f"ticket_{kind}"


def ref(ticket_id: int) -> str:
    return f"ticket:{ticket_id}"


def ticket_id_of(reference: str | None) -> int | None:
    if not reference or not reference.startswith("ticket:"):
        return None
    try:
        return int(reference.split(":", 1)[1])
    except ValueError:
        return None


def clip(text: str, limit: int) -> str:
    text = clean_text(text)  # questions and answers are stored and relayed: nothing PostgreSQL refuses
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- opening -------------------------------------------------------------------------------------------


class AlreadyOpen(Exception):
    """The asker has an active ticket of this kind already: one at a time."""

    def __init__(self, ticket_id: int) -> None:
        super().__init__(f"ticket {ticket_id} is still open")
        self.ticket_id = ticket_id


async def open_ticket(
    session: AsyncSession,
    clock: Clock,
    *,
    kind: str,
    chat_id: int,
    lang: str,
    asker_id: int | None,
    text: str,
    relay_lang: str,
    translation: str | None = None,
) -> Ticket:
    """Store a ticket and queue its relay to `chat_id` (rendered in `relay_lang`).

    Raises AlreadyOpen (and leaves nothing behind) when the asker has an active ticket of this kind: the
    database refuses a second one, so two processes cannot both open one."""
    try:
        async with session.begin_nested():
            ticket = await repo.add_ticket(
                session,
                Ticket(
                    kind=kind,
                    lang=lang,
                    status=OPEN,
                    asker_id=asker_id,
                    text=clip(text, MAX_TEXT),
                    translation=clip(translation, MAX_TRANSLATION) if translation else None,
                    translation_lang=relay_lang if translation else None,
                    chat_id=chat_id,
                    created_at=clock.now(),
                ),
            )
    except IntegrityError:
        existing = await active_ticket(session, asker_id, kind) if asker_id is not None else None
        if existing is None:
            raise  # not the one-at-a-time rule (e.g. the asker was erased meanwhile)
        raise AlreadyOpen(existing.id) from None
    await outbox.enqueue(
        session,
        clock,
        chat_id=chat_id,
        kind=relay_kind(kind),
        data=relay_payload(ticket).model_dump(mode="json"),
        lang=relay_lang,
        ref=ref(ticket.id),
        dedupe_key=f"{ref(ticket.id)}:relay",
    )
    return ticket


def relay_payload(ticket: Ticket) -> RelayPayload:
    """What a relay shows: the number, the language, the text and its translation."""
    return RelayPayload(
        ticket=ticket.id,
        lang=ticket.lang,
        text=ticket.text or "",
        translation=ticket.translation,
        status=ticket.status,
    )


async def active_ticket(session: AsyncSession, asker_id: int, kind: str = QUESTION) -> Ticket | None:
    found = await repo.active_tickets(session, asker_id, kind, ACTIVE)
    return found[0] if found else None


async def get(session: AsyncSession, ticket_id: int) -> Ticket | None:
    return await repo.get_ticket(session, ticket_id)


async def find_by_relay(session: AsyncSession, chat_id: int, message_id: int) -> Ticket | None:
    """The ticket whose relay is message `message_id` in `chat_id` (a helper replied to it)."""
    ticket = await repo.ticket_by_relay(session, chat_id, message_id)
    if ticket is not None:
        return ticket
    # The hook may not have run (an older worker, a crash between send and record): ask the outbox.
    found = await session.execute(
        select(OutboxMessage.ref).where(
            OutboxMessage.chat_id == chat_id,
            OutboxMessage.telegram_message_id == message_id,
            OutboxMessage.kind.in_([relay_kind(k) for k in TICKET_KINDS]),
        )
    )
    ticket_id = ticket_id_of(found.scalar())
    if ticket_id is None:
        return None
    await repo.set_relay_message_id(session, ticket_id, message_id)
    return await repo.get_ticket(session, ticket_id)


# --- taking and answering ------------------------------------------------------------------------------


class ClaimOutcome(StrEnum):
    CLAIMED = "claimed"
    ALREADY_TAKEN = "already_taken"
    CLOSED = "closed"
    MISSING = "missing"


CLAIMED, ALREADY_TAKEN = ClaimOutcome.CLAIMED, ClaimOutcome.ALREADY_TAKEN
CLOSED, MISSING = ClaimOutcome.CLOSED, ClaimOutcome.MISSING


@dataclass(frozen=True)
class ClaimResult:
    outcome: ClaimOutcome
    ticket: Ticket | None


async def claim(
    session: AsyncSession, clock: Clock, ticket_id: int, helper_id: int, *, chat_id: int, message_id: int
) -> ClaimResult:
    """ "I'll take it": the first helper wins; pressing again on one's own ticket is harmless."""
    ticket = await repo.get_ticket(session, ticket_id)
    if ticket is None or ticket.chat_id != chat_id:
        return ClaimResult(MISSING, None)
    if ticket.relay_message_id is None:
        await repo.set_relay_message_id(session, ticket_id, message_id)
    won = await repo.claim_ticket(
        session, ticket_id, helper_id, clock.now(), from_status=OPEN, to_status=TAKEN
    )
    ticket = await repo.get_ticket(session, ticket_id)
    if ticket is None:
        return ClaimResult(MISSING, None)
    if won or (ticket.status == TAKEN and ticket.taken_by == helper_id):
        return ClaimResult(CLAIMED, ticket)
    if ticket.status == TAKEN:
        return ClaimResult(ALREADY_TAKEN, ticket)
    return ClaimResult(CLOSED, ticket)


class AnswerOutcome(StrEnum):
    SENT = "sent"  # on its way to the asker
    WITHDRAWN = "withdrawn"  # the asker withdrew the question: not passed on
    GONE = "gone"  # the asker is gone (erased)


SENT_TO_ASKER, WAS_WITHDRAWN, GONE = AnswerOutcome.SENT, AnswerOutcome.WITHDRAWN, AnswerOutcome.GONE


@dataclass(frozen=True)
class AnswerResult:
    outcome: AnswerOutcome
    first: bool = False  # this answer closed the ticket (the earlier ones were follow-ups)


async def answer(
    session: AsyncSession,
    clock: Clock,
    ticket: Ticket,
    *,
    text: str,
    original: str | None,
    source_key: str,
) -> AnswerResult:
    """Send a helper's answer to the asker (`original`: the helper's own words when `text` is a machine
    translation). The first answer closes the ticket and forgets the question; follow-ups still go out.
    `source_key` (the helper's message) makes a re-delivered update queue the answer only once."""
    if ticket.status == WITHDRAWN:
        return AnswerResult(WAS_WITHDRAWN)
    if ticket.asker_id is None:
        return AnswerResult(GONE)
    first = await repo.close_ticket(session, ticket.id, clock.now(), from_statuses=ACTIVE, to_status=ANSWERED)
    if original is not None:
        original = clip(original, MAX_ANSWER // 2)
        text = clip(text, MAX_ANSWER - len(original))
    else:
        text = clip(text, MAX_ANSWER)
    await outbox.enqueue(
        session,
        clock,
        chat_id=ticket.asker_id,
        user_id=ticket.asker_id,
        kind=ANSWER_KIND,
        data=AnswerPayload(ticket=ticket.id, kind=ticket.kind, text=text, original=original).model_dump(
            mode="json"
        ),
        lang=ticket.lang,
        ref=ref(ticket.id),
        dedupe_key=f"{ref(ticket.id)}:answer:{source_key}"[:128],
    )
    if first:
        await repo.scrub_outbox(session, ref=ref(ticket.id))
    return AnswerResult(SENT_TO_ASKER, first)


# --- withdrawing ---------------------------------------------------------------------------------------


async def withdraw(session: AsyncSession, clock: Clock, asker_id: int, kind: str = QUESTION) -> list[int]:
    """Withdraw the asker's open tickets of `kind`; their numbers."""
    withdrawn: list[int] = []
    for ticket in await repo.active_tickets(session, asker_id, kind, ACTIVE):
        if not await repo.close_ticket(
            session, ticket.id, clock.now(), from_statuses=ACTIVE, to_status=WITHDRAWN
        ):
            continue
        withdrawn.append(ticket.id)
        await outbox.cancel(session, ref=ref(ticket.id))  # the relay, if it has not left yet
        if ticket.relay_message_id is None:  # sent, but its hook did not record it (older worker)
            ticket.relay_message_id = await outbox_repo.sent_message_id(session, f"{ref(ticket.id)}:relay")
        if ticket.relay_message_id is not None:
            await _queue_withdrawn_edit(session, clock, ticket)
        await repo.scrub_outbox(session, ref=ref(ticket.id))
    return withdrawn


async def _queue_withdrawn_edit(session: AsyncSession, clock: Clock, ticket: Ticket) -> None:
    assert ticket.relay_message_id is not None
    await outbox.enqueue(
        session,
        clock,
        chat_id=ticket.chat_id,
        kind=WITHDRAWN_KIND,
        method="editMessageText",
        data=WithdrawnPayload(
            ticket=ticket.id, kind=ticket.kind, lang=ticket.lang, message_id=ticket.relay_message_id
        ).model_dump(mode="json"),
        ref=ref(ticket.id),
        dedupe_key=f"{ref(ticket.id)}:withdrawn",
    )


# --- releasing (the helper who took it was removed) ----------------------------------------------------


async def release(session: AsyncSession, clock: Clock, helper_id: int) -> list[int]:
    """Every ticket `helper_id` had taken and nobody answered goes back to open; a relay already in the
    helpers' chat is edited to show the question as open, with its 🙋 button. Their numbers."""
    released: list[int] = []
    for ticket in await repo.tickets_taken_by(session, helper_id, TAKEN):
        taken_at = ticket.taken_at
        if not await repo.release_ticket(session, ticket.id, helper_id, from_status=TAKEN, to_status=OPEN):
            continue
        released.append(ticket.id)
        if ticket.relay_message_id is None:  # sent, but its hook did not record it (older worker)
            ticket.relay_message_id = await outbox_repo.sent_message_id(session, f"{ref(ticket.id)}:relay")
        if ticket.relay_message_id is None:
            continue  # the relay has not left yet: it is still rendered as open
        payload = RelayEditPayload(**relay_payload(ticket).model_dump(), message_id=ticket.relay_message_id)
        stamp = int(taken_at.timestamp()) if taken_at else 0  # taken and given back more than once
        await outbox.enqueue(
            session,
            clock,
            chat_id=ticket.chat_id,
            kind=REOPENED_KIND,
            method="editMessageText",
            data=payload.model_dump(mode="json"),
            ref=ref(ticket.id),
            dedupe_key=f"{ref(ticket.id)}:reopened:{helper_id}:{stamp}",
        )
    return released


# --- what became of the relay (delivery hooks) ----------------------------------------------------------


async def _relay_outcome(session: AsyncSession, outcome: Outcome) -> None:
    ticket_id = ticket_id_of(outcome.ref)
    # The relay's copy of the question is not needed any more, whatever happened to it.
    await repo.scrub_outbox_rows(session, [outcome.outbox_id])
    if ticket_id is None:
        return
    ticket = await repo.get_ticket(session, ticket_id)
    if ticket is None:
        return
    moment = outcome.recorded_at or await session.scalar(
        select(OutboxMessage.created_at).where(OutboxMessage.id == outcome.outbox_id)
    )
    # Hooks get no clock: what they queue is "as of" the outcome's time.
    at = FrozenClock(moment or ticket.created_at)
    if outcome.status == SENT and outcome.telegram_message_id is not None:
        await repo.set_relay_message_id(session, ticket_id, outcome.telegram_message_id)
        if ticket.status == WITHDRAWN:  # withdrawn while the relay was on its way
            ticket.relay_message_id = outcome.telegram_message_id
            await _queue_withdrawn_edit(session, at, ticket)
        return
    if outcome.status != SENT and ticket.status in ACTIVE and ticket.asker_id is not None:
        # The helpers' chat cannot be reached (bot removed, wrong HELPERS_CHAT_ID): tell the asker.
        log.error("relay of ticket %s failed: %s", ticket_id, outcome.error)
        await repo.close_ticket(session, ticket_id, at.now(), from_statuses=ACTIVE, to_status=WITHDRAWN)
        await outbox.enqueue(
            session,
            at,
            chat_id=ticket.asker_id,
            user_id=ticket.asker_id,
            kind=FAILED_KIND,
            data=FailedPayload(ticket=ticket_id, kind=ticket.kind).model_dump(mode="json"),
            lang=ticket.lang,
            ref=ref(ticket_id),
            dedupe_key=f"{ref(ticket_id)}:failed",
        )


async def _answer_outcome(session: AsyncSession, outcome: Outcome) -> None:
    # Delivered (or undeliverable): the outbox need not keep the helper's words.
    await repo.scrub_outbox_rows(session, [outcome.outbox_id])


async def _reopened_outcome(session: AsyncSession, outcome: Outcome) -> None:
    # The edit carried the question again; once it is in the helpers' chat (or cannot be), forget it.
    await repo.scrub_outbox_rows(session, [outcome.outbox_id])


# What becomes of relays and answers (listed in bot/wiring.py for the delivery worker).
OUTCOME_HOOKS: dict[str, list[Hook]] = {
    relay_kind(QUESTION): [_relay_outcome],
    ANSWER_KIND: [_answer_outcome],
    REOPENED_KIND: [_reopened_outcome],
}


# --- retention -----------------------------------------------------------------------------------------


async def purge(session: AsyncSession, clock: Clock) -> int:
    """Delete old tickets and empty outbox copies of closed or deleted tickets; the number deleted."""
    now = clock.now()
    deleted = await repo.delete_tickets(
        session,
        closed_before=now - timedelta(days=RETENTION_DAYS),
        created_before=now - timedelta(days=STALE_DAYS),
        active=ACTIVE,
    )
    kinds = [relay_kind(k) for k in TICKET_KINDS] + [ANSWER_KIND, WITHDRAWN_KIND, FAILED_KIND, REOPENED_KIND]
    stale = await repo.stale_ticket_payload_ids(session, kinds)
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
