"""What became of a ticket's messages (delivery hooks, listed in bot/wiring.py): where the card and the
asker's messages arrived in the helpers' chat (a helper's reply to them reaches the asker), and the
truth when one of them could not be delivered for good.

- the card sent: its message id is kept; if the ticket changed meanwhile (taken, closed, withdrawn) the
  card is edited at once;
- the card failed (the bot is not in the helpers' chat, a wrong HELPERS_CHAT_ID): the question is
  withdrawn, the asker is told it could not be passed on, and every organizer is alerted;
- a part of the question, or a later message of the asker (its text, or the copy of a voice message,
  photo …), failed: the asker is told which one, the organizers are alerted; a copy that arrived is
  recorded like the text's first part (a helper's reply to it reaches the asker);
- a helper's reply could not reach the asker (they blocked the bot): the helpers' chat is told.

`alert_organizers` is also what "ask a person" uses when no helpers' chat is configured.

Every copy of a person's words in the outbox is emptied once it is final, whatever became of it.
Hooks get no clock: what they queue is "as of" the outcome's time.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from bot import tickets
from bot.clock import Clock, FrozenClock
from bot.delivery import outbox
from bot.delivery.hooks import SENT, Hook, Outcome
from bot.ticket_media import MEDIA_ANSWER_KIND, MEDIA_KIND
from bot.ticket_payloads import (
    FailedPayload,
    GroupNotice,
    MediaPayload,
    NoticePayload,
    OrganizerEvent,
    OrganizerPayload,
    PartPayload,
    RelayPayload,
)
from bot.tickets import ACTIVE, WITHDRAWN, Ticket
from bot.users import ORGANIZER
from storage.repositories import faq as repo
from storage.repositories import users as users_repo

log = logging.getLogger(__name__)


async def alert_organizers(
    session: AsyncSession,
    clock: Clock,
    alert: OrganizerPayload,
    *,
    key: str,
    organizer_ids: list[int] | None = None,
) -> int:
    """A message to every organizer (those in the database, and `organizer_ids` from the settings) when
    a question to a person went nowhere; how many were queued. `key` makes it once per cause."""
    staff = {user.id for user, _profile in await users_repo.staff(session, [ORGANIZER])}
    listed = {uid for uid in organizer_ids or [] if await users_repo.get_user(session, uid) is not None}
    recipients = sorted(staff | listed)  # only people who have started the bot can be written to
    queued = 0
    for organizer in recipients:
        queued += await outbox.enqueue(
            session,
            clock,
            chat_id=organizer,
            user_id=organizer,
            kind=tickets.ORGANIZERS_KIND,
            data=alert.model_dump(mode="json"),
            ref=tickets.ref(alert.ticket) if alert.ticket is not None else None,
            dedupe_key=f"organizers:{key}:{organizer}"[:128],
        )
    return queued


async def _ticket_of(
    session: AsyncSession, outcome: Outcome, *, card: bool = False
) -> tuple[Ticket | None, FrozenClock]:
    # The copy of anyone's words is not needed any more; a card keeps what it showed (its state).
    if card:
        await repo.keep_payload(session, outcome.outbox_id, tickets.shown_state(outcome.payload))
    else:
        await repo.scrub_outbox_rows(session, [outcome.outbox_id])
    ticket_id = tickets.ticket_id_of(outcome.ref)
    ticket = await repo.get_ticket(session, ticket_id) if ticket_id is not None else None
    moment = outcome.recorded_at or (ticket.created_at if ticket is not None else None)
    return ticket, FrozenClock(moment) if moment is not None else FrozenClock()


async def _tell_asker(session: AsyncSession, at: FrozenClock, ticket: Ticket, seq: int | None) -> None:
    if ticket.asker_id is None:
        return
    key = tickets.ref(ticket.id)
    own = await repo.source_message_of(session, ticket.id, seq) if seq is not None and seq > 1 else None
    await outbox.enqueue(
        session,
        at,
        chat_id=ticket.asker_id,
        user_id=ticket.asker_id,
        kind=tickets.FAILED_KIND,
        data=FailedPayload(ticket=ticket.id, kind=ticket.kind, seq=seq, reply_to=own).model_dump(mode="json"),
        lang=ticket.lang,
        ref=key,
        dedupe_key=f"{key}:failed:{seq or 1}",
    )


async def relay_outcome(session: AsyncSession, outcome: Outcome) -> None:
    """The card of a ticket."""
    ticket, at = await _ticket_of(session, outcome, card=True)
    if ticket is None:
        return
    if outcome.status == SENT and outcome.telegram_message_id is not None:
        await repo.set_relay_message_id(session, ticket.id, outcome.telegram_message_id)
        current = await repo.get_ticket(session, ticket.id)
        if current is None:
            return
        if current.status == WITHDRAWN:  # withdrawn while the relay was on its way
            await tickets.queue_withdrawn_edit(session, at, current)
        elif tickets.card_state(current) != outcome.payload.get("status", "open"):
            sent = RelayPayload.model_validate(outcome.payload) if outcome.payload else None
            await tickets.queue_card(session, at, current, base=sent)
        return
    if ticket.status not in ACTIVE:
        return
    log.error("relay of ticket %s failed: %s", ticket.id, outcome.error)
    await repo.close_ticket(session, ticket.id, at.now(), from_statuses=ACTIVE, to_status=tickets.WITHDRAWN)
    await repo.delete_messages(session, [ticket.id])
    await outbox.cancel(session, ref=tickets.ref(ticket.id))  # the rest of it would fail as well
    await _tell_asker(session, at, ticket, None)
    alert = OrganizerPayload(
        event=OrganizerEvent.RELAY_FAILED, ticket=ticket.id, lang=ticket.lang, error=outcome.error
    )
    await alert_organizers(session, at, alert, key=f"{tickets.ref(ticket.id)}:relay")


async def part_outcome(session: AsyncSession, outcome: Outcome) -> None:
    """A further part of the question, or a later message of the asker, in the helpers' chat."""
    ticket, at = await _ticket_of(session, outcome)
    if ticket is None or not outcome.payload:
        return
    part = PartPayload.model_validate(outcome.payload)
    if outcome.status == SENT:
        if outcome.telegram_message_id is not None and part.part == 1 and part.seq > 1:
            await repo.set_message_relay(session, ticket.id, part.seq, outcome.telegram_message_id)
        return
    await _message_failed(session, at, ticket, part.seq, outcome.error)


async def media_outcome(session: AsyncSession, outcome: Outcome) -> None:
    """The copy of the asker's voice message, photo … in the helpers' chat (its reference goes now)."""
    ticket, at = await _ticket_of(session, outcome)
    if ticket is None or not outcome.payload:
        return
    copy = MediaPayload.model_validate(outcome.payload)
    if outcome.status == SENT:
        if outcome.telegram_message_id is not None:
            await repo.set_message_relay(session, ticket.id, copy.seq, outcome.telegram_message_id)
        return
    await _message_failed(session, at, ticket, copy.seq, outcome.error)


async def _message_failed(
    session: AsyncSession, at: FrozenClock, ticket: Ticket, seq: int, error: str | None
) -> None:
    log.error("message %s of ticket %s failed: %s", seq, ticket.id, error)
    await _tell_asker(session, at, ticket, seq)
    alert = OrganizerPayload(
        event=OrganizerEvent.MESSAGE_FAILED, ticket=ticket.id, lang=ticket.lang, seq=seq, error=error
    )
    await alert_organizers(session, at, alert, key=f"{tickets.ref(ticket.id)}:{seq}")


async def answer_outcome(session: AsyncSession, outcome: Outcome) -> None:
    """A helper's reply to the asker: delivered, or the helpers' chat learns it was not."""
    seq = int(outcome.payload.get("seq", 0) or 0) if outcome.payload else 0
    ticket, at = await _ticket_of(session, outcome)
    if outcome.status == SENT or ticket is None:
        return
    notice = NoticePayload(
        event=GroupNotice.UNDELIVERED, ticket=ticket.id, lang=ticket.lang, reply_to=ticket.relay_message_id
    )
    await tickets.notify_group(session, at, ticket.chat_id, notice, key=f"undelivered:{seq}")


async def card_edited(session: AsyncSession, outcome: Outcome) -> None:
    """Final: the outbox keeps what the card shows now, not the question."""
    await _ticket_of(session, outcome, card=outcome.status == SENT)


OUTCOME_HOOKS: dict[str, list[Hook]] = {
    **{tickets.relay_kind(kind): [relay_outcome] for kind in tickets.TICKET_KINDS},
    tickets.PART_KIND: [part_outcome],
    tickets.FOLLOWUP_KIND: [part_outcome],
    MEDIA_KIND: [media_outcome],
    tickets.ANSWER_KIND: [answer_outcome],
    MEDIA_ANSWER_KIND: [answer_outcome],
    tickets.CARD_KIND: [card_edited],
    tickets.REOPENED_KIND: [card_edited],
}
