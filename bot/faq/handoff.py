""" "Ask a person": a question becomes a ticket in the helpers' chat; the conversation that follows is
bot.faq.conversation.

Rules kept here (and only here):
- a question reaches a person only when a helpers' chat is configured; else the asker is told the truth
  (with the phone number) and the organizers are alerted (`check`);
- one open question per person at a time (the database keeps it: bot.tickets.AlreadyOpen): what the
  person asks while one is open joins it (bot.faq.conversation.follow_up);
- the asker hears "sent" only once the relay is queued in the same transaction (committed before the
  reply goes out); a relay that cannot be queued opens nothing (NOT_SENT);
- only registered helpers answer (`may_answer`).

Translation (optional, `bot.translation`): the relay carries a machine translation into the helpers'
language (the configured default language, German). Without one (TRANSLATOR=none, or it failed) a
question in another language names its language prominently in the helpers' chat and goes first to the
helpers who speak it: a private alert to each, with "I'll take it" (the matching of assignments).

Translating can take seconds: these functions release the update's connection first (storage.db.release),
so no SQLite write lock waits on the network.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot import tickets
from bot.assignments import matching
from bot.clock import Clock
from bot.config import Settings
from bot.delivery import outbox
from bot.delivery.hooks import SENT
from bot.faq import feedback
from bot.faq.service import clean_text
from bot.ticket_hooks import alert_organizers
from bot.ticket_media import Media
from bot.ticket_payloads import OrganizerEvent, OrganizerPayload, SpeakersPayload, TakenPayload
from bot.tickets import Ticket
from bot.translation.service import MachineTranslator
from bot.users import HELPER, Person, has_role
from storage.db import release
from storage.repositories import outbox as outbox_repo
from storage.repositories import users as users_repo

log = logging.getLogger(__name__)


class Handoff(StrEnum):
    READY = "ready"  # the person may ask: the question comes next
    OPENED = "opened"  # passed on to the helpers
    ALREADY_OPEN = "already_open"  # one open question at a time
    UNREACHABLE = "unreachable"  # no helpers' chat configured: the asker gets the phone number
    ERASED = "erased"  # the person deleted their data meanwhile (/deletedata): nothing is passed on
    ADDED = "added"  # joined the person's open question (bot.faq.conversation)
    NOT_SENT = "not_sent"  # the relay could not be queued: nothing was passed on


@dataclass(frozen=True)
class HandoffResult:
    outcome: Handoff
    ticket_id: int | None = None  # the new ticket (OPENED) or the open one (ALREADY_OPEN, ADDED)
    seq: int | None = None  # ADDED: the message's number in the conversation


async def check(
    session: AsyncSession, settings: Settings, asker_id: int, *, clock: Clock | None = None, lang: str = ""
) -> HandoffResult:
    """May this person hand a question to a person now? When nobody can be reached (no helpers' chat),
    the organizers are alerted (once a day each; `clock` given)."""
    if settings.helpers_chat_id is None:
        if clock is not None:
            alert = OrganizerPayload(event=OrganizerEvent.UNREACHABLE, lang=lang or None)
            day = clock.now().date().isoformat()
            await alert_organizers(
                session, clock, alert, key=f"unreachable:{day}", organizer_ids=settings.organizer_ids
            )
        return HandoffResult(Handoff.UNREACHABLE)
    existing = await tickets.active_ticket(session, asker_id)
    if existing is not None:
        return HandoffResult(Handoff.ALREADY_OPEN, existing.id)
    return HandoffResult(Handoff.READY)


async def translate(translator: MachineTranslator | None, text: str, source: str, target: str) -> str | None:
    """A machine translation, or None (no translator or TRANSLATOR=none, same language, failure, or nothing
    changed)."""
    if translator is None or not translator.enabled or source == target or not text.strip():
        return None
    try:
        result = await translator.translate(text, source, target, private=True)
    except Exception:
        log.warning("machine translation failed (%s → %s)", source, target, exc_info=True)
        return None
    if not result or not result.strip() or result.strip() == text.strip():
        return None
    return clean_text(result, None)


async def hand_over(
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    translator: MachineTranslator | None,
    *,
    asker_id: int,
    text: str,
    lang: str,
    unanswered_id: int | None = None,
    source_message_id: int | None = None,
    media: Media | None = None,
    source_chat_id: int | None = None,
) -> HandoffResult:
    """Open a question ticket for the helpers (translated into their language when possible). The whole
    question goes, however long (in marked parts). With one open already: ALREADY_OPEN (the caller adds
    the text to it: bot.faq.conversation.follow_up). A `media` question (a voice message, a photo …,
    asked with the person's consent: bot.faq.media) is copied from `source_chat_id`; `text` is its caption."""
    allowed = await check(session, settings, asker_id, clock=clock, lang=lang)
    if allowed.outcome != Handoff.READY:
        return allowed
    assert settings.helpers_chat_id is not None
    text = clean_text(text, None)
    await release(session)  # the translator may take seconds
    translation = await translate(translator, text, lang, settings.default_language)
    # The asker's row first (erasure takes it first too): a /deletedata at the same moment either waits
    # for this question and withdraws it, or is done before, and then nothing is passed on.
    if not await users_repo.lock_user(session, asker_id):
        return HandoffResult(Handoff.ERASED)
    try:
        ticket = await tickets.open_ticket(
            session,
            clock,
            kind=tickets.QUESTION,
            chat_id=settings.helpers_chat_id,
            lang=lang,
            asker_id=asker_id,
            text=text,
            relay_lang=settings.default_language,
            translation=translation,
            source_message_id=source_message_id,
            media=media,
            source_chat_id=source_chat_id,
        )
    except tickets.AlreadyOpen as exc:  # a double tap, or another process, was quicker
        return HandoffResult(Handoff.ALREADY_OPEN, exc.ticket_id)
    except tickets.NotQueued:
        log.error("the relay of a question could not be queued; nothing was passed on")
        return HandoffResult(Handoff.NOT_SENT)
    if unanswered_id:
        await feedback.link_to_ticket(session, unanswered_id, ticket.id, text)
    if (translation is None or media is not None) and lang != settings.default_language:
        await alert_speakers(session, clock, ticket)  # a voice message is never translated
    return HandoffResult(Handoff.OPENED, ticket.id)


async def alert_speakers(session: AsyncSession, clock: Clock, ticket: Ticket) -> int:
    """No machine translation: the helpers who speak the question's language (and are not paused) get a
    private alert with "I'll take it", the same matching as assignments; how many."""
    queued = 0
    for helper in await matching.speakers(session, clock, ticket.lang):
        payload = SpeakersPayload(ticket=ticket.id, lang=ticket.lang)
        queued += await outbox.enqueue(
            session,
            clock,
            chat_id=helper,
            user_id=helper,
            kind=tickets.SPEAKERS_KIND,
            data=payload.model_dump(mode="json"),
            ref=tickets.ref(ticket.id),
            dedupe_key=f"{tickets.ref(ticket.id)}:speakers:{helper}",
        )
    return queued


async def queue_taken(
    session: AsyncSession, clock: Clock, ticket: Ticket, winner: int, pressed: tuple[int, int] | None
) -> int:
    """After a won claim: every sent speakers' alert says "taken" (the winner's "yours"), the pressed one
    included (`pressed`: chat and message of a private alert; None for a press in the /assignments list,
    which gets a new "yours" message instead). Through the outbox, in the claim's transaction."""
    key = tickets.ref(ticket.id)
    alerts = {
        (row.chat_id, row.telegram_message_id)
        for row in await outbox_repo.rows_of(session, key, tickets.SPEAKERS_KIND)
        if row.status == SENT and row.telegram_message_id is not None
    }
    if pressed is not None:
        alerts.add(pressed)  # its row may be gone (retention) or not recorded as sent yet
    queued = 0
    for chat_id, message_id in sorted(alerts):
        payload = TakenPayload(ticket=ticket.id, yours=chat_id == winner, message_id=message_id)
        queued += await outbox.enqueue(
            session, clock, chat_id=chat_id, user_id=chat_id, kind=tickets.TAKEN_KIND,
            data=payload.model_dump(mode="json"), ref=key, dedupe_key=f"{key}:taken:{chat_id}:{message_id}",
        )  # fmt: skip
    if pressed is None:
        payload = TakenPayload(ticket=ticket.id, yours=True)
        queued += await outbox.enqueue(
            session, clock, chat_id=winner, user_id=winner, kind=tickets.TAKEN_KIND,
            data=payload.model_dump(mode="json"), ref=key, dedupe_key=f"{key}:yours:{winner}",
        )  # fmt: skip
    return queued


def may_answer(person: Person | None) -> bool:
    """Only registered helpers (and organizers) answer questions in the helpers' chat."""
    return person is not None and has_role(person, HELPER)


async def withdraw_open_question(user: Person, session: AsyncSession, clock: Clock) -> bool:
    """Withdraw the person's open question to a person, whichever it is; True if there was one."""
    return bool(await tickets.withdraw(session, clock, user.id, tickets.QUESTION))


async def withdraw_question(session: AsyncSession, clock: Clock, asker_id: int, ticket_id: int) -> bool:
    """ "Withdraw my question" under question `ticket_id`: True if it was the asker's open question and is
    withdrawn now; False when it is not theirs, or answered or withdrawn already (a later question of
    theirs is never touched by an older button)."""
    current = await tickets.active_ticket(session, asker_id)
    if current is None or current.id != ticket_id:
        return False
    return bool(await tickets.withdraw(session, clock, asker_id, tickets.QUESTION))
