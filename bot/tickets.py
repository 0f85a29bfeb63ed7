"""Tickets: something handed to a person in the helpers' chat, which a helper takes and answers, as a
conversation (bot.conversations) until the asker or the helper closes it, or it has been quiet for
TICKET_QUIET_DAYS (`quiet_job`).

A general mechanism (kind "question" for the FAQ's "ask a person"; other capabilities may add kinds):

- `open_ticket` draws a number that is never given again (the `counters` table), stores the ticket and
  the question as its first message (ticket_messages), and queues the relay to the helpers' chat in the
  outbox: the card (kind `relay_kind(kind)`, with 🙋 and the ticket's state), then the further parts of a
  long question (PART_KIND), marked 1/3, 2/3 … and never cut. If the relay cannot be queued the ticket is
  not opened at all (`NotQueued`): nobody is told "sent" about a question that goes nowhere. One active
  ticket of a kind per asker: a unique index keeps it, across processes (`AlreadyOpen`);
- `claim` ("I'll take it"): the one claim of everything handed to a person (bot.claims);
- every change of state edits the card through the outbox (CARD_KIND, `queue_card`), within the helpers'
  chat's limit of 20 messages a minute; a newer state replaces an edit not sent yet;
- `close` (by the asker, by a helper, after quiet days), `withdraw` (the asker takes the question back,
  /deletedata), `release` (a removed helper gives back what they had taken: open again, with 🙋).

Privacy: nothing in the helpers' chat carries the asker's name or id; the helper stays anonymous unless
they choose to show their first name (`set_named`; the name is never stored, only passed with each
reply). The asker's id is on the ticket (to send the answers) and is removed when they are erased
(bot.services.erasure). The question text is cleared from the ticket when it is closed or withdrawn;
the conversation's messages go at once when it is withdrawn, at the next retention run (hourly) once it
is closed; outbox copies are emptied once sent. Closed tickets (number, kind, language, status, times)
are deleted after RETENTION_DAYS; open ones nobody answered after STALE_DAYS.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot import claims
from bot.claims import Outcome
from bot.clock import Clock
from bot.delivery import outbox
from bot.text import clean_text
from bot.ticket_media import MEDIA_KIND, Media, queue_copy
from bot.ticket_payloads import (
    BODY_LIMIT,
    CardState,
    ClosedPayload,
    GroupNotice,
    MediaPayload,
    NoticePayload,
    PartPayload,
    RelayEditPayload,
    RelayPayload,
    WithdrawnPayload,
    pieces,
)
from bot.users import HELPER, ORGANIZER, Person, has_role
from storage.models import Ticket, TicketMessage
from storage.repositories import counters
from storage.repositories import faq as repo
from storage.repositories import outbox as outbox_repo

log = logging.getLogger(__name__)

# Re-exported: the models for the handlers (which never import storage models); the splitting of texts
# (now in bot.ticket_payloads) for the callers that knew it here.
__all__ = ["BODY_LIMIT", "Ticket", "TicketMessage", "pieces"]


class TicketStatus(StrEnum):
    OPEN = "open"
    TAKEN = "taken"  # a helper said "I'll take it" (or replied first)
    CLOSED = "closed"  # by the asker, a helper, or after quiet days (`closed_by`)
    WITHDRAWN = "withdrawn"  # by the asker, their erasure, or because the helpers' chat could not be reached


class ClosedBy(StrEnum):
    ASKER = "asker"
    HELPER = "helper"
    QUIET = "quiet"


class Sender(StrEnum):
    ASKER = "asker"
    HELPER = "helper"


TEXT = "text"  # the kind of a ticket message; media (voice, photo, …): bot.ticket_media.Media

OPEN, TAKEN, CLOSED, WITHDRAWN = (
    TicketStatus.OPEN,
    TicketStatus.TAKEN,
    TicketStatus.CLOSED,
    TicketStatus.WITHDRAWN,
)
ACTIVE = (OPEN, TAKEN)  # also the condition of the unique index ux_tickets_one_active (storage.models.faq)
QUESTION = "question"
NUMBERS = "ticket"  # the counter ticket numbers are drawn from

PART_KIND = "ticket_part"  # the further parts of a long question, to the helpers' chat
FOLLOWUP_KIND = "ticket_followup"  # a later message of the asker, to the helpers' chat
CARD_KIND = "ticket_state"  # edit of the card: the ticket's state now
NOTICE_KIND = "ticket_notice"  # to the helpers' chat: passed on, refused, closed …
ANSWER_KIND = "ticket_answer"  # a helper's reply, to the asker
CLOSED_KIND = "ticket_closed"  # to the asker: closed by the helper or after quiet days
WITHDRAWN_KIND = "ticket_withdrawn"  # edit of the relay: the asker withdrew
FAILED_KIND = "ticket_failed"  # to the asker: the helpers' chat could not be reached
REOPENED_KIND = "ticket_reopened"  # edit of the relay back to open (rows queued by an older version)
SPEAKERS_KIND = "ticket_speakers"  # to helpers who speak the asker's language (no translation available)
TAKEN_KIND = "ticket_taken"  # to a helper: "yours" / "taken" on their alert, or "yours" after a list press
ORGANIZERS_KIND = "ticket_organizers"  # to organizers: a question went nowhere
RETENTION_DAYS = 90
STALE_DAYS = 90
TICKET_KINDS = (QUESTION,)  # kinds of things handed to a person (a question; more may follow)


def relay_kind(kind: str) -> str:
    """The outbox kind of a ticket kind's relay (its renderer is listed in bot/wiring.py)."""
    return f"ticket_{kind}"


# Kinds of the ticket's messages in the helpers' chat a reply to which reaches the asker (not the bot's
# own notices: a reply to "passed on" is helpers talking to each other).
GROUP_KINDS = (
    *(relay_kind(k) for k in TICKET_KINDS),
    PART_KIND,
    FOLLOWUP_KIND,
    MEDIA_KIND,
    CARD_KIND,
    REOPENED_KIND,
)


# The rows that put the card into the helpers' chat; once final they keep only what the card showed.
CARD_KINDS = (*(relay_kind(k) for k in TICKET_KINDS), CARD_KIND, REOPENED_KIND)
CARD_SHOWS = ("status", "closed_by", "named", "quiet_days")


def shown_state(payload: dict[str, object]) -> dict[str, object]:
    """What a card showed, without the question (kept on its outbox row once sent: `queue_card`)."""
    return {k: payload.get(k) for k in CARD_SHOWS} if payload else {}


def ref(ticket_id: int) -> str:
    return f"ticket:{ticket_id}"


def ticket_id_of(reference: str | None) -> int | None:
    if not reference or not reference.startswith("ticket:"):
        return None
    try:
        return int(reference.split(":", 1)[1])
    except ValueError:
        return None


# --- opening -------------------------------------------------------------------------------------------


class AlreadyOpen(Exception):
    """The asker has an active ticket of this kind already: one at a time."""

    def __init__(self, ticket_id: int) -> None:
        super().__init__(f"ticket {ticket_id} is still open")
        self.ticket_id = ticket_id


class NotQueued(Exception):
    """A message of a ticket could not be queued (its key was taken): nothing of it is kept."""


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
    source_message_id: int | None = None,
    media: Media | None = None,
    source_chat_id: int | None = None,
) -> Ticket:
    """Store a ticket with a new number and queue its relay to `chat_id` (rendered in `relay_lang`). A
    `media` question (its caption in `text`) is copied from `source_chat_id` after the card.

    Raises AlreadyOpen (and leaves nothing behind) when the asker has an active ticket of this kind: the
    database refuses a second one, so two processes cannot both open one; NotQueued (nothing left
    behind either) when the relay could not be queued."""
    text = clean_text(text)
    translation = clean_text(translation) if translation else None
    now = clock.now()
    try:
        async with session.begin_nested():
            number = await counters.next_value(session, NUMBERS)
            ticket = await repo.add_ticket(
                session,
                Ticket(
                    id=number,
                    kind=kind,
                    lang=lang,
                    status=OPEN,
                    asker_id=asker_id,
                    text=text,
                    translation=translation,
                    translation_lang=relay_lang,  # the helpers' language (translated into, or not)
                    chat_id=chat_id,
                    created_at=now,
                    active_at=now,
                    last_seq=1,
                    media=media,
                ),
            )
            await repo.add_message(
                session,
                TicketMessage(
                    ticket_id=number,
                    seq=1,
                    sender=Sender.ASKER,
                    kind=media or TEXT,
                    text=text,
                    lang=lang,
                    translation=translation,
                    source_message_id=source_message_id,
                    source_chat_id=source_chat_id if media else None,
                    created_at=now,
                ),
            )
            await _queue_relay(session, clock, ticket, relay_lang, source_chat_id, source_message_id)
    except IntegrityError:
        existing = await active_ticket(session, asker_id, kind) if asker_id is not None else None
        if existing is None:
            raise  # not the one-at-a-time rule (e.g. the asker was erased meanwhile)
        raise AlreadyOpen(existing.id) from None
    return ticket


async def _queue_relay(
    session: AsyncSession, clock: Clock, ticket: Ticket, relay_lang: str, source_chat: int | None,
    source_message: int | None,
) -> None:  # fmt: skip
    """The card, then the further parts of a long question, then the copy of a media question."""
    key = ref(ticket.id)
    parts = pieces(ticket.text or "", ticket.translation)
    untranslated = ticket.translation is None and ticket.lang != relay_lang
    card = card_payload(ticket, relay_lang=relay_lang)
    queued = await outbox.enqueue(
        session,
        clock,
        chat_id=ticket.chat_id,
        kind=relay_kind(ticket.kind),
        data=card.model_dump(mode="json"),
        lang=relay_lang,
        ref=key,
        dedupe_key=f"{key}:relay",
    )
    for number, (text, translation) in enumerate(parts[1:], start=2):
        payload = PartPayload(
            ticket=ticket.id,
            lang=ticket.lang,
            text=text,
            translation=translation,
            part=number,
            parts=len(parts),
            untranslated=untranslated,
        )
        queued &= await outbox.enqueue(
            session,
            clock,
            chat_id=ticket.chat_id,
            kind=PART_KIND,
            data=payload.model_dump(mode="json"),
            lang=relay_lang,
            ref=key,
            dedupe_key=f"{key}:relay:{number}",
        )
    if ticket.media and source_chat is not None and source_message is not None:
        copy = MediaPayload(
            ticket=ticket.id, media=ticket.media, from_chat_id=source_chat, message_id=source_message,
            lang=ticket.lang,
        )  # fmt: skip
        queued &= await queue_copy(
            session, clock, to_chat=ticket.chat_id, outbox_kind=MEDIA_KIND, payload=copy, ref=key,
            dedupe_key=f"{key}:relay:media", lang=relay_lang,
        )  # fmt: skip
    if not queued:
        raise NotQueued(key)


def card_state(ticket: Ticket) -> CardState:
    if ticket.status == WITHDRAWN:
        return CardState.WITHDRAWN
    if ticket.status == CLOSED:
        return CardState.CLOSED
    if ticket.status == TAKEN:
        return CardState.ANSWERED if ticket.answered_at is not None else CardState.TAKEN
    return CardState.OPEN


def card_payload(ticket: Ticket, *, relay_lang: str | None = None) -> RelayPayload:
    """What the card shows: the number, the language, the question's first part beside its translation,
    the state (`relay_lang`: the helpers' language, known when the ticket is opened)."""
    parts = pieces(ticket.text or "", ticket.translation)
    first, beside = parts[0]
    helpers_lang = relay_lang or ticket.translation_lang  # None: a ticket from before 0012
    untranslated = ticket.translation is None and helpers_lang is not None and ticket.lang != helpers_lang
    return RelayPayload(
        ticket=ticket.id,
        lang=ticket.lang,
        text=first,
        translation=beside,
        status=card_state(ticket),
        part=1,
        parts=len(parts),
        untranslated=untranslated,
        closed_by=ticket.closed_by,
        named=ticket.helper_named,
        media=ticket.media,
    )


async def active_ticket(session: AsyncSession, asker_id: int, kind: str = QUESTION) -> Ticket | None:
    found = await repo.active_tickets(session, asker_id, kind, ACTIVE)
    return found[0] if found else None


def has_active_ticket(kind: str = QUESTION) -> ColumnElement[bool]:
    """active_ticket(...) is not None, as a condition read with the person's row (bot.users.ensure_user_and)."""
    return repo.has_ticket(kind, ACTIVE)


async def get(session: AsyncSession, ticket_id: int) -> Ticket | None:
    return await repo.get_ticket(session, ticket_id)


async def messages(session: AsyncSession, ticket_id: int) -> list[TicketMessage]:
    """The conversation so far, in order."""
    return list(await repo.messages_of(session, ticket_id))


async def find_by_relay(session: AsyncSession, chat_id: int, message_id: int) -> Ticket | None:
    """The ticket that message `message_id` in `chat_id` belongs to: its card, a part of the question, a
    later message of the asker, a notice (a helper replied to it)."""
    ticket = await repo.ticket_by_relay(session, chat_id, message_id)
    if ticket is not None:
        return ticket
    ticket = await repo.ticket_by_message(session, chat_id, message_id)
    if ticket is not None:
        return ticket
    # The hook may not have run (an older worker, a crash between send and record): ask the outbox.
    ticket_id = ticket_id_of(await repo.ticket_in_outbox(session, chat_id, message_id, GROUP_KINDS))
    if ticket_id is None:
        return None
    ticket = await repo.get_ticket(session, ticket_id)
    if ticket is None or ticket.chat_id != chat_id:
        return None
    if ticket.relay_message_id is None:
        relay = await outbox_repo.sent_message_id(session, f"{ref(ticket_id)}:relay")
        if relay is not None:
            await repo.set_relay_message_id(session, ticket_id, relay)
            ticket = await repo.get_ticket(session, ticket_id)
    return ticket


async def relay_message_id(session: AsyncSession, ticket: Ticket) -> int | None:
    """The card's message id in the helpers' chat, once it was sent."""
    if ticket.relay_message_id is None:  # sent, but its hook did not record it (older worker)
        ticket.relay_message_id = await outbox_repo.sent_message_id(session, f"{ref(ticket.id)}:relay")
    return ticket.relay_message_id


# --- the card ------------------------------------------------------------------------------------------


async def queue_card(
    session: AsyncSession,
    clock: Clock,
    ticket: Ticket,
    *,
    base: RelayPayload | None = None,
    quiet_days: int | None = None,
) -> bool:
    """Edit the card to show the ticket's state now (through the outbox, like every message to the
    helpers' chat). `base`: the card as sent, when the ticket has forgotten the question (closing). A card
    not sent yet needs no edit (its sent-hook compares). True if queued."""
    message_id = await relay_message_id(session, ticket)
    if message_id is None:
        return False
    version = await repo.next_card_version(session, ticket.id)
    if version is None:
        return False
    key = ref(ticket.id)
    await outbox.cancel(session, key_prefix=f"{key}:card:")  # an older state not sent yet: replaced
    now = {
        "status": card_state(ticket),
        "closed_by": ticket.closed_by,
        "named": ticket.helper_named,
        "quiet_days": quiet_days,
    }
    shown = await repo.last_shown(session, key, CARD_KINDS)
    if shown is not None and shown[0] == "sent" and all(shown[1].get(k) == v for k, v in now.items()):
        return False  # the card shows this already (an edit in between was replaced before it left)
    card = (base or card_payload(ticket)).model_copy(update=now)
    payload = RelayEditPayload(**card.model_dump(), message_id=message_id)
    return await outbox.enqueue(
        session,
        clock,
        chat_id=ticket.chat_id,
        kind=CARD_KIND,
        method="editMessageText",
        data=payload.model_dump(mode="json"),
        ref=key,
        dedupe_key=f"{key}:card:{version}",
    )


async def notify_group(
    session: AsyncSession,
    clock: Clock,
    chat_id: int,
    notice: NoticePayload,
    *,
    key: str,
) -> bool:
    """A notice in the helpers' chat (a reply to the message concerned), through the outbox."""
    reference = ref(notice.ticket) if notice.ticket is not None else None
    return await outbox.enqueue(
        session,
        clock,
        chat_id=chat_id,
        kind=NOTICE_KIND,
        data=notice.model_dump(mode="json"),
        ref=reference,
        dedupe_key=f"{reference or 'ticket:-'}:notice:{key}"[:128],
    )


# --- taking --------------------------------------------------------------------------------------------

TAKEABLE = claims.Takeable(Ticket, taker="taken_by", taken_at="taken_at")


async def claim(
    session: AsyncSession, clock: Clock, ticket_id: int, person: Person, *, chat_id: int | None = None
) -> claims.ClaimResult[Ticket]:
    """ "I'll take it" (bot.claims: the first wins). `chat_id`: the group the relay was pressed in; a
    press on a relay in another chat finds nothing. The winner's claim edits the card to "taken"."""
    ticket = await repo.get_ticket(session, ticket_id)
    if ticket is None or (chat_id is not None and ticket.chat_id != chat_id):
        return claims.ClaimResult(Outcome.GONE)
    result = await claims.claim(session, TAKEABLE, ticket_id, person, clock.now())
    if result.outcome == Outcome.WON and result.item is not None:
        await queue_card(session, clock, result.item)
    return result


@dataclass(frozen=True)
class Named:
    outcome: Outcome  # OK, NOT_YOURS, CLOSED, GONE
    named: bool = False


async def set_named(session: AsyncSession, clock: Clock, ticket_id: int, person: Person) -> Named:
    """The helper who took the ticket switches between anonymous and showing the person their first name."""
    ticket = await repo.get_ticket(session, ticket_id)
    if ticket is None:
        return Named(Outcome.GONE)
    if ticket.status not in ACTIVE:
        return Named(Outcome.CLOSED)
    named = not ticket.helper_named
    if not await repo.set_named(session, ticket_id, person.id, TAKEN, named):
        return Named(Outcome.NOT_YOURS)
    ticket = await repo.get_ticket(session, ticket_id)
    assert ticket is not None
    await queue_card(session, clock, ticket)
    return Named(Outcome.OK, named)


# --- closing -------------------------------------------------------------------------------------------


def may_close(ticket: Ticket, person: Person) -> bool:
    """The helper who took it closes it; any helper when nobody took it; organizers always."""
    if not has_role(person, HELPER):
        return False
    return ticket.taken_by in (None, person.id) or has_role(person, ORGANIZER)


@dataclass(frozen=True)
class Closed:
    outcome: Outcome  # OK, CLOSED (it was closed already), NOT_YOURS, GONE
    ticket: Ticket | None = None


async def close(
    session: AsyncSession,
    clock: Clock,
    ticket_id: int,
    by: ClosedBy,
    person: Person | None = None,
    *,
    quiet_days: int | None = None,
) -> Closed:
    """End the conversation: the card shows "closed" (keeping the question), the other side is told.
    By the asker (only their own), by a helper (`may_close`), or by the quiet job (`person` None)."""
    ticket = await repo.get_ticket(session, ticket_id)
    if ticket is None:
        return Closed(Outcome.GONE)
    if by == ClosedBy.ASKER and (person is None or ticket.asker_id != person.id):
        return Closed(Outcome.NOT_YOURS)
    if by == ClosedBy.HELPER and (person is None or not may_close(ticket, person)):
        return Closed(Outcome.NOT_YOURS, ticket)
    shown, answered = card_payload(ticket), ticket.answered_at is not None  # the question, before it goes
    if not await repo.close_ticket(
        session, ticket_id, clock.now(), from_statuses=ACTIVE, to_status=CLOSED, closed_by=by
    ):
        return Closed(Outcome.CLOSED, ticket)
    await repo.forget_media(session, [ticket_id], TEXT)  # the references of its media go with the ticket
    ticket = await repo.get_ticket(session, ticket_id)
    assert ticket is not None
    await queue_card(session, clock, ticket, base=shown, quiet_days=quiet_days)
    key = ref(ticket_id)
    if by != ClosedBy.HELPER and ticket.relay_message_id is not None:
        event = GroupNotice.CLOSED_BY_ASKER if by == ClosedBy.ASKER else GroupNotice.CLOSED_QUIET
        notice = NoticePayload(
            event=event, ticket=ticket_id, lang=ticket.lang, reply_to=ticket.relay_message_id,
            quiet_days=quiet_days,
        )  # fmt: skip
        await notify_group(session, clock, ticket.chat_id, notice, key=f"closed:{by}")
    if by != ClosedBy.ASKER and ticket.asker_id is not None:
        told = ClosedPayload(ticket=ticket_id, by=by, answered=answered, quiet_days=quiet_days)
        await outbox.enqueue(
            session,
            clock,
            chat_id=ticket.asker_id,
            user_id=ticket.asker_id,
            kind=CLOSED_KIND,
            data=told.model_dump(mode="json"),
            lang=ticket.lang,
            ref=key,
            dedupe_key=f"{key}:closed",
        )
    return Closed(Outcome.OK, ticket)


# --- withdrawing ---------------------------------------------------------------------------------------


async def withdraw(session: AsyncSession, clock: Clock, asker_id: int, kind: str = QUESTION) -> list[int]:
    """Withdraw the asker's open tickets of `kind` (their words go at once); their numbers."""
    withdrawn: list[int] = []
    for ticket in await repo.active_tickets(session, asker_id, kind, ACTIVE):
        if not await repo.close_ticket(
            session, ticket.id, clock.now(), from_statuses=ACTIVE, to_status=WITHDRAWN
        ):
            continue
        withdrawn.append(ticket.id)
        await outbox.cancel(session, ref=ref(ticket.id))  # what has not left yet never leaves
        if await relay_message_id(session, ticket) is not None:
            await queue_withdrawn_edit(session, clock, ticket)
        await repo.delete_messages(session, [ticket.id])
        await repo.scrub_outbox(session, ref=ref(ticket.id))
    return withdrawn


async def queue_withdrawn_edit(session: AsyncSession, clock: Clock, ticket: Ticket) -> None:
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
    """Every active ticket `helper_id` had taken goes back to open; a card already in the helpers' chat
    is edited to show it as open, with its 🙋 button. Their numbers."""
    released: list[int] = []
    for ticket in await repo.tickets_taken_by(session, helper_id, TAKEN):
        if not await repo.release_ticket(session, ticket.id, helper_id, from_status=TAKEN, to_status=OPEN):
            continue
        released.append(ticket.id)
        current = await repo.get_ticket(session, ticket.id)
        if current is not None:
            await queue_card(session, clock, current)
    return released
