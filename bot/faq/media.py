"""A voice message, photo, document or location a person sends the bot goes to a person from the team,
only with their consent (handlers/faq/media.py asks first: "A helper who speaks your language will listen.
Send it?").

- With an open question, it joins it (bot.faq.conversation.follow_up): "added to your question no. N".
- Without one, it becomes a new question (bot.faq.handoff.hand_over); its caption, if any, is the
  question's text, else the card shows "[voice message]" etc.
- The consent was given for one state of things: the question it named (`offered`, 0 for a new one). When
  that is no longer the person's open question (closed, or another one opened meanwhile), nothing is sent
  and the person is asked again for what is true now (STALE). A second press for a message that has joined
  already sends nothing again (ALREADY).

Rules of "ask a person" hold as for text: a helpers' chat must be configured (UNREACHABLE: the person gets
the phone number, organizers are alerted), a person erased meanwhile gets nothing sent (ERASED).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot import conversations
from bot.clock import Clock
from bot.config import Settings
from bot.faq import conversation, handoff
from bot.faq.handoff import Handoff
from bot.ticket_media import Media
from bot.tickets import Sender
from bot.translation.service import MachineTranslator


class Sent(StrEnum):
    OPENED = "opened"  # a new question, no. `ticket_id`
    ADDED = "added"  # joined the open question no. `ticket_id`
    ALREADY = "already"  # this very message joined question no. `ticket_id` before: nothing sent again
    STALE = "stale"  # the question it was offered for (`offered`) is no longer the open one: nothing sent
    UNREACHABLE = "unreachable"  # no helpers' chat configured
    ERASED = "erased"  # the person deleted their data meanwhile
    NOT_SENT = "not_sent"  # the relay could not be queued


@dataclass(frozen=True)
class MediaResult:
    outcome: Sent
    ticket_id: int | None = None  # OPENED, ADDED, ALREADY; STALE: the open question now (None: none)
    offered: int = 0  # STALE: the question the consent named (0: a new question)


async def target(session: AsyncSession, asker_id: int) -> int:
    """What a consent asked now is about: the person's open question, or 0 (a new question)."""
    ticket = await conversation.open_question(session, asker_id)
    return ticket.id if ticket is not None else 0


async def send(
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    translator: MachineTranslator | None,
    *,
    asker_id: int,
    media: Media,
    chat_id: int,
    message_id: int,
    caption: str,
    lang: str,
    offered: int,
) -> MediaResult:
    """The person said yes to sending their message `message_id` (in their chat `chat_id`) when it was
    offered for question `offered` (0: as a new question in `lang`)."""
    if settings.helpers_chat_id is None:
        await handoff.check(session, settings, asker_id, clock=clock, lang=lang)  # alerts the organizers
        return MediaResult(Sent.UNREACHABLE)
    now = await target(session, asker_id)
    if now and await conversations.joined(session, now, Sender.ASKER, message_id):
        return MediaResult(Sent.ALREADY, now)
    if now != offered:
        return MediaResult(Sent.STALE, now or None, offered)
    common = {"media": media, "source_chat_id": chat_id, "source_message_id": message_id}
    if now:
        result = await conversation.follow_up(
            session, clock, settings, translator, asker_id=asker_id, text=caption, **common
        )
    else:
        result = await handoff.hand_over(
            session, clock, settings, translator, asker_id=asker_id, text=caption, lang=lang, **common
        )
        if result.outcome == Handoff.ALREADY_OPEN:  # a question was opened a moment ago: ask again
            return MediaResult(Sent.STALE, result.ticket_id, offered)
    return _result(result, offered)


GOOD = (Sent.OPENED, Sent.ADDED, Sent.ALREADY)


async def send_all(
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    translator: MachineTranslator | None,
    *,
    asker_id: int,
    chat_id: int,
    items: Sequence[tuple[Media, int, str]],
    lang: str,
    offered: int,
) -> MediaResult:
    """`send` for each (media, message id, caption) of an album, in order: the first may open a question,
    the others join it. What the person is told: the first that went (OPENED before ADDED), or why the
    others did not."""
    told: MediaResult | None = None
    for media, message_id, caption in items:
        result = await send(
            session, clock, settings, translator, asker_id=asker_id, media=media, chat_id=chat_id,
            message_id=message_id, caption=caption, lang=lang, offered=offered,
        )  # fmt: skip
        if result.outcome not in GOOD:
            return result  # nothing more goes (the first ones may have: the next press says "already")
        offered = result.ticket_id or offered
        if told is None or told.outcome == Sent.ALREADY:
            told = result
    return told or MediaResult(Sent.NOT_SENT)


def _result(result: handoff.HandoffResult, offered: int) -> MediaResult:
    if result.outcome == Handoff.OPENED:
        return MediaResult(Sent.OPENED, result.ticket_id)
    if result.outcome == Handoff.ADDED:
        return MediaResult(Sent.ADDED if result.seq else Sent.ALREADY, result.ticket_id)
    if result.outcome == Handoff.READY:  # closed between our look and the follow-up
        return MediaResult(Sent.STALE, None, offered)
    if result.outcome == Handoff.UNREACHABLE:
        return MediaResult(Sent.UNREACHABLE)
    if result.outcome == Handoff.ERASED:
        return MediaResult(Sent.ERASED)
    return MediaResult(Sent.NOT_SENT)
