""" "Ask a person": a question becomes a ticket in the helpers' chat; a helper's reply goes back to the asker.

Rules kept here (and only here):
- a question reaches a person only when a helpers' chat is configured (else the asker gets the phone);
- one open question per person at a time (the database keeps it: bot.tickets.AlreadyOpen);
- only registered helpers answer (`may_answer`); an answer to a withdrawn question is not passed on.

Translation (optional, `bot.translation`): the relay carries a machine translation into the helpers'
language (the configured default language, German); a helper's answer is translated into the asker's
language unless the helper already wrote in it, and the asker sees it marked as machine-translated with
the original below. Without a translator (TRANSLATOR=none) originals are sent.

Translating can take seconds: these functions release the update's connection first (storage.db.release),
so no SQLite write lock waits on the network.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot import tickets
from bot.clock import Clock
from bot.config import SUPPORTED_LANGUAGES, Settings
from bot.faq import feedback
from bot.faq.matcher import DETECT_SURE
from bot.faq.service import FaqService, clean_text, faq_service
from bot.services.users import HELPER, Person, has_role
from bot.tickets import Ticket
from bot.translation.service import MachineTranslator
from storage.db import release
from storage.repositories import users as users_repo

log = logging.getLogger(__name__)


class Handoff(StrEnum):
    READY = "ready"  # the person may ask: the question comes next
    OPENED = "opened"  # passed on to the helpers
    ALREADY_OPEN = "already_open"  # one open question at a time
    UNREACHABLE = "unreachable"  # no helpers' chat configured: the asker gets the phone number
    ERASED = "erased"  # the person deleted their data meanwhile (/deletedata): nothing is passed on


@dataclass(frozen=True)
class HandoffResult:
    outcome: Handoff
    ticket_id: int | None = None  # the new ticket (OPENED) or the open one (ALREADY_OPEN)


async def check(session: AsyncSession, settings: Settings, asker_id: int) -> HandoffResult:
    """May this person hand a question to a person now?"""
    if settings.helpers_chat_id is None:
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
    return clean_text(result, tickets.MAX_TRANSLATION)


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
) -> HandoffResult:
    """Open a question ticket for the helpers (translated into their language when possible)."""
    allowed = await check(session, settings, asker_id)
    if allowed.outcome != Handoff.READY:
        return allowed
    assert settings.helpers_chat_id is not None
    text = clean_text(text, tickets.MAX_TEXT)
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
        )
    except tickets.AlreadyOpen as exc:  # a double tap, or another process, was quicker
        return HandoffResult(Handoff.ALREADY_OPEN, exc.ticket_id)
    if unanswered_id:
        await feedback.link_to_ticket(session, unanswered_id, ticket.id, text)
    return HandoffResult(Handoff.OPENED, ticket.id)


def may_answer(person: Person | None) -> bool:
    """Only registered helpers (and organizers) answer questions in the helpers' chat."""
    return person is not None and has_role(person, HELPER)


async def withdraw_open_question(user: Person, session: AsyncSession, clock: Clock) -> bool:
    """/cancel also withdraws an open question to a person; True if there was one."""
    return bool(await tickets.withdraw(session, clock, user.id, tickets.QUESTION))


# --- a helper's reply in the helpers' chat ----------------------------------------------------------------


class Reply(StrEnum):
    IGNORED = "ignored"  # not a reply to a relay: people talking to each other
    NOT_ALLOWED = "not_allowed"  # only registered helpers answer
    WITHDRAWN = "withdrawn"  # the asker withdrew the question: not passed on
    GONE = "gone"  # the ticket or its asker no longer exists
    SENT = "sent"  # on its way to the asker


@dataclass(frozen=True)
class ReplyResult:
    outcome: Reply
    ticket: Ticket | None = None
    first: bool = False  # this answer closed the ticket (later ones are follow-ups)
    translated: bool = False  # the asker reads a machine translation (the original goes along)


async def reply_to_relay(
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    translator: MachineTranslator | None,
    *,
    helper: Person | None,
    chat_id: int,
    relay_message_id: int,
    text: str,
    source_key: str,
) -> ReplyResult:
    """A reply to the relay message `relay_message_id` in `chat_id`: the answer for the asker."""
    ticket = await tickets.find_by_relay(session, chat_id, relay_message_id)
    if ticket is None:
        return ReplyResult(Reply.IGNORED)  # a reply to some other bot message: ignored on purpose
    if not may_answer(helper):
        return ReplyResult(Reply.NOT_ALLOWED, ticket)
    if ticket.status == tickets.WITHDRAWN:
        return ReplyResult(Reply.WITHDRAWN, ticket)
    ticket_id, asker_lang = ticket.id, ticket.lang
    await release(session)  # the translator may take seconds
    service = await faq_service(settings)
    answer, original = await prepare_answer(
        service, translator, text=text, asker_lang=asker_lang, helpers_lang=settings.default_language
    )
    current = await tickets.get(session, ticket_id)
    if current is None:
        return ReplyResult(Reply.GONE)
    result = await tickets.answer(
        session, clock, current, text=answer, original=original, source_key=source_key
    )
    if result.outcome == tickets.WAS_WITHDRAWN:
        return ReplyResult(Reply.WITHDRAWN, current)
    if result.outcome != tickets.SENT_TO_ASKER:
        return ReplyResult(Reply.GONE, current)
    return ReplyResult(Reply.SENT, current, first=result.first, translated=original is not None)


async def prepare_answer(
    service: FaqService,
    translator: MachineTranslator | None,
    *,
    text: str,
    asker_lang: str,
    helpers_lang: str,
) -> tuple[str, str | None]:
    """(what the asker reads, the helper's original when that is a machine translation, else None)."""
    text = clean_text(text, tickets.MAX_ANSWER)
    detected, confidence = service.detect(text)
    if detected == asker_lang and confidence >= DETECT_SURE:
        return text, None  # the helper wrote in the asker's language
    source = detected if detected in SUPPORTED_LANGUAGES and confidence >= DETECT_SURE else helpers_lang
    translated = await translate(translator, text, str(source), asker_lang)
    if translated is None:
        return text, None
    return translated, text
