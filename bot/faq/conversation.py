"""The FAQ's rules for the conversation with a person that follows "ask a person" (bot.conversations does
the numbering, storing and queueing).

How helpers answer: in the helpers' group, by replying to the ticket's card or to any later message of
the asker there (those are posted as replies to the card, so the thread stays together). Rules:
- only registered helpers answer (bot.faq.handoff.may_answer); a helper who replies to an open question
  takes it by that (the one claim, bot.claims: the first wins); a helper covering for the one who took it
  is passed on as well;
- a reply to a withdrawn or closed question, or to one whose asker is gone, is not passed on, and the
  helper is told so in the group;
- the helper stays anonymous; the one who took the question may show the asker their first name
  (bot.tickets.set_named), taken from their Telegram account with each reply, never stored.

The asker's later messages (while the question is open) join it: `follow_up`.

Language made visible: every relayed text names its language; with a machine translator the translation
stands beside the original, marked as one; without one the helper learns that no translation is available
(the group notice), and the asker learns when a reply is in another language than theirs (detected with
the FAQ's language detector).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot import conversations, tickets
from bot.clock import Clock
from bot.config import SUPPORTED_LANGUAGES, Settings
from bot.faq.handoff import Handoff, HandoffResult, may_answer, translate
from bot.faq.matcher import DETECT_SURE
from bot.faq.service import FaqService, faq_service
from bot.text import clean_text
from bot.ticket_media import Media
from bot.ticket_payloads import GroupNotice, NoticePayload
from bot.tickets import ACTIVE, TEXT, Ticket
from bot.translation.service import MachineTranslator
from bot.users import Person
from storage.db import release
from storage.repositories import faq as faq_repo
from storage.repositories import users as users_repo


async def open_question(session: AsyncSession, asker_id: int) -> Ticket | None:
    """The person's open question to a person, if any (their free text joins it)."""
    return await tickets.active_ticket(session, asker_id, tickets.QUESTION)


async def questions_held(session: AsyncSession, helper: Person) -> list[int]:
    """The numbers of the questions `helper` has taken and not closed (none for anyone else). What such a
    helper types in their private chat is most likely an answer that belongs in the helpers' chat."""
    if not may_answer(helper):
        return []
    return [ticket.id for ticket in await faq_repo.tickets_taken_by(session, helper.id, tickets.TAKEN)]


async def follow_up(
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    translator: MachineTranslator | None,
    *,
    asker_id: int,
    text: str,
    source_message_id: int | None,
    media: Media | None = None,
    source_chat_id: int | None = None,
) -> HandoffResult:
    """The asker's message joins their open question: ADDED (with its number), or READY when there is no
    open question (any more: the text is then a new question), ERASED when the person is gone. A `media`
    message (copied from `source_chat_id`, with the person's consent: bot.faq.media) has its caption in
    `text`."""
    ticket = await open_question(session, asker_id)
    if ticket is None:
        return HandoffResult(Handoff.READY)
    ticket_id = ticket.id
    text = clean_text(text)
    service = await faq_service(settings)
    lang = service.answer_language(text, ticket.lang) if text else ticket.lang  # of this very message
    helpers_lang = settings.default_language
    await release(session)  # the translator may take seconds
    translation = await translate(translator, text, lang, helpers_lang)
    # The asker's row first, as erasure does: their /deletedata either waits for this or comes first.
    if not await users_repo.lock_user(session, asker_id):
        return HandoffResult(Handoff.ERASED)
    current = await tickets.get(session, ticket_id)
    if current is None or current.status not in ACTIVE or current.asker_id != asker_id:
        return HandoffResult(Handoff.READY)
    added = await conversations.add_from_asker(
        session, clock, current, text=text, lang=lang, translation=translation, helpers_lang=helpers_lang,
        source_message_id=source_message_id, kind=media or TEXT, source_chat_id=source_chat_id,
    )  # fmt: skip
    return HandoffResult(Handoff.ADDED, ticket_id, added.seq if added else None)


# --- a helper's reply in the helpers' chat ----------------------------------------------------------------


class Reply(StrEnum):
    IGNORED = "ignored"  # not a reply to a ticket's message: people talking to each other
    NOT_ALLOWED = "not_allowed"  # only registered helpers answer
    WITHDRAWN = "withdrawn"  # the asker withdrew the question: not passed on
    CLOSED = "closed"  # the conversation is closed: not passed on
    GONE = "gone"  # the ticket or its asker no longer exists
    SENT = "sent"  # on its way to the asker


@dataclass(frozen=True)
class ReplyResult:
    outcome: Reply
    ticket: Ticket | None = None
    seq: int | None = None
    first: bool = False  # the first reply of a helper (the card now says "answered")
    translated: bool = False  # the asker reads a machine translation (the original goes along)
    untranslated: bool = False  # in another language than the asker's, and no translation available


@dataclass(frozen=True)
class Prepared:
    text: str  # what the asker reads
    original: str | None  # the helper's own words, when `text` is a machine translation
    written_in: str  # the language the helper wrote in (detected; else the helpers' language)
    untranslated: bool  # not in the asker's language, and no translation available


async def prepare_answer(
    service: FaqService,
    translator: MachineTranslator | None,
    *,
    text: str,
    asker_lang: str,
    helpers_lang: str,
) -> Prepared:
    """A helper's words as the asker will read them: as they are in the asker's language, else machine-
    translated (the original beside it), else as they are, marked as being in another language."""
    text = clean_text(text)
    detected, confidence = service.detect(text)
    sure = detected in SUPPORTED_LANGUAGES and confidence >= DETECT_SURE
    if sure and detected == asker_lang:
        return Prepared(text, None, asker_lang, False)  # the helper wrote in the asker's language
    source = str(detected) if sure else helpers_lang
    translated = await translate(translator, text, source, asker_lang)
    if translated is not None:
        return Prepared(translated, text, source, False)
    other = source != asker_lang and (sure or detected != asker_lang)
    return Prepared(text, None, source, other)


async def _tell_group(
    session: AsyncSession, clock: Clock, chat_id: int, event: GroupNotice, ticket: Ticket | None,
    reply_to: int, **extra: bool,
) -> None:  # fmt: skip
    notice = NoticePayload(
        event=event, ticket=ticket.id if ticket else None, lang=ticket.lang if ticket else None,
        reply_to=reply_to, **extra,
    )  # fmt: skip
    await tickets.notify_group(session, clock, chat_id, notice, key=f"{event}:{reply_to}")


async def reply_to_relay(
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    translator: MachineTranslator | None,
    *,
    helper: Person | None,
    helper_name: str | None,
    chat_id: int,
    relay_message_id: int,
    text: str,
    message_id: int,
    media: Media | None = None,
    named_ticket: int | None = None,
) -> ReplyResult:
    """A reply in the helpers' chat (message `message_id`) to message `relay_message_id`: when that is one
    of a ticket's messages, the helper's reply for the asker. What became of it is said in the group. A
    `media` reply (a voice message, a photo …) is copied to the asker; `text` is its caption.
    `named_ticket`: the number the replied message shows in its head (handlers/faq/reply_target.py), for a
    message whose id the outbox has not recorded (yet)."""
    ticket = await tickets.find_by_relay(session, chat_id, relay_message_id)
    if ticket is None and named_ticket is not None:  # sent, not yet recorded (or sent twice at a crash)
        by_head = await tickets.get(session, named_ticket)
        ticket = by_head if by_head is not None and by_head.chat_id == chat_id else None
    if ticket is None:
        return ReplyResult(Reply.IGNORED)  # a reply to some other bot message: ignored on purpose
    refused = _refusal(ticket, helper)
    if refused is not None:
        await _tell_group(session, clock, chat_id, refused[1], ticket, message_id)
        return ReplyResult(refused[0], ticket)
    assert helper is not None
    ticket_id, asker_lang = ticket.id, ticket.lang
    await release(session)  # the translator may take seconds
    service = await faq_service(settings)
    if media is not None and not clean_text(text):  # nothing to read: the copy alone
        prepared = Prepared("", None, settings.default_language, False)
    else:
        prepared = await prepare_answer(
            service, translator, text=text, asker_lang=asker_lang, helpers_lang=settings.default_language
        )
    current = await tickets.get(session, ticket_id)  # as it is now (withdrawn or closed meanwhile?)
    refused = _refusal(current, helper)
    if refused is not None:
        await _tell_group(session, clock, chat_id, refused[1], current, message_id)
        return ReplyResult(refused[0], current)
    assert current is not None
    if current.status == tickets.OPEN:  # replying takes an open question (the first wins)
        await tickets.claim(session, clock, ticket_id, helper)
        current = await tickets.get(session, ticket_id) or current
    named = current.helper_named and current.taken_by == helper.id
    added = await conversations.add_from_helper(
        session, clock, current, text=prepared.text, original=prepared.original,
        written_in=prepared.written_in, untranslated=prepared.untranslated,
        helper_name=helper_name if named else None, source_message_id=message_id, kind=media or TEXT,
        source_chat_id=chat_id if media else None,
    )  # fmt: skip
    if added is None:  # passed on before (the same update again)
        return ReplyResult(Reply.SENT, current)
    translated = prepared.original is not None
    await _tell_group(
        session, clock, chat_id, GroupNotice.PASSED, current, message_id, translated=translated,
        untranslated=prepared.untranslated,
    )  # fmt: skip
    return ReplyResult(Reply.SENT, current, added.seq, added.first_answer, translated, prepared.untranslated)


def _refusal(ticket: Ticket | None, helper: Person | None) -> tuple[Reply, GroupNotice] | None:
    """Why a reply is not passed on (what the helper is told), or None."""
    if ticket is None:
        return Reply.GONE, GroupNotice.GONE
    if not may_answer(helper):
        return Reply.NOT_ALLOWED, GroupNotice.NOT_HELPER
    if ticket.status == tickets.WITHDRAWN:
        return Reply.WITHDRAWN, GroupNotice.WITHDRAWN
    if ticket.status not in ACTIVE:
        return Reply.CLOSED, GroupNotice.CLOSED
    if ticket.asker_id is None:
        return Reply.GONE, GroupNotice.GONE
    return None
