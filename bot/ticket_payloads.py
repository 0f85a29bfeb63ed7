"""What the outbox rows of tickets carry: one model per outbox kind, built by bot.tickets and
bot.conversations, parsed by the renderers in handlers/faq/renderers.py. A row stores
`model_dump(mode="json")`. New fields have defaults, so rows queued by an older version still render.

Every text that crosses from the asker to the helpers or back is split at Telegram's limit into marked
parts (`part` of `parts`), never cut; `seq` numbers the messages of one conversation (1: the question).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel

from bot.text import split_parts

BODY_LIMIT = 3400  # characters of a person's words (and their translation) in one relayed message


def pieces(text: str, beside: str | None = None) -> list[tuple[str, str | None]]:
    """A text and what stands beside it (its translation, or the original of a translation), in pieces
    that fit one message together: both in one when they fit, else each cut into as many parts and
    paired, so part 2 of the text stands beside part 2 of the other. Nothing is cut off."""
    if not beside:
        return [(part, None) for part in split_parts(text, BODY_LIMIT)]
    if len(text) + len(beside) <= BODY_LIMIT:
        return [(text, beside)]
    left, right = split_parts(text, BODY_LIMIT // 2), split_parts(beside, BODY_LIMIT // 2)
    count = max(len(left), len(right))
    left += [""] * (count - len(left))
    right += [""] * (count - len(right))
    return [(a, b or None) for a, b in zip(left, right, strict=True)]


class CardState(StrEnum):
    """What the relay (the ticket's card in the helpers' group) shows."""

    OPEN = "open"  # nobody took it: 🙋
    TAKEN = "taken"  # a helper took it, no reply yet
    ANSWERED = "answered"  # a helper replied; the conversation goes on
    CLOSED = "closed"  # by the asker, a helper, or after quiet days
    WITHDRAWN = "withdrawn"  # by the asker (or their erasure): the question is no longer shown


class RelayPayload(BaseModel):
    """`ticket_<kind>`: the card in the helpers' chat: the question (its first part, when long), its
    language, the machine translation beside it, and the ticket's state. Never the asker's name or id."""

    ticket: int
    lang: str  # the asker's language
    text: str = ""
    translation: str | None = None  # into the helpers' language, by machine
    status: str = CardState.OPEN
    part: int = 1
    parts: int = 1
    untranslated: bool = False  # not in the helpers' language, and no machine translation available
    closed_by: str | None = None  # asker | helper | quiet (bot.tickets.ClosedBy)
    named: bool = False  # the helper who took it shows the person their first name
    quiet_days: int | None = None  # closed after this many quiet days
    media: str | None = None  # asked with a voice message, photo, … (bot.ticket_media.Media): shown as such


class RelayEditPayload(RelayPayload):
    """`ticket_state` (and the older `ticket_reopened`): the card edited to show the ticket's state now.
    Emptied once sent, like the relay."""

    message_id: int  # the relay in the helpers' chat


class PartPayload(BaseModel):
    """`ticket_part` (the further parts of a long question) and `ticket_followup` (a message of the asker
    joining the conversation): to the helpers' chat, in the helpers' language."""

    ticket: int
    lang: str  # the language it was written in
    text: str = ""
    translation: str | None = None
    seq: int = 1  # the message's number in the conversation
    part: int = 1
    parts: int = 1
    untranslated: bool = False
    reply_to: int | None = None  # the card, when it was sent already


class AnswerPayload(BaseModel):
    """`ticket_answer`: a helper's reply, to the asker."""

    ticket: int
    kind: str
    text: str  # what the asker reads
    original: str | None = None  # the helper's own words when `text` is a machine translation
    seq: int = 0
    part: int = 1
    parts: int = 1
    written_in: str | None = None  # the language the helper wrote in, when it is not the asker's
    untranslated: bool = False  # in another language than the asker's, and no translation available
    helper_name: str | None = None  # only when the helper chose to show it
    last: bool = True  # the last part (it carries the "close" button)


class MediaPayload(BaseModel):
    """`ticket_media` (the asker's voice message, photo, document or location, to the helpers' chat) and
    `ticket_media_answer` (a helper's, to the asker): copied with copyMessage from the writer's own message;
    the bot never downloads it. The reference is emptied once the row is final, like every copy of a
    person's words. Its caption names the ticket (and the language); the writer's own caption goes as text
    (a `ticket_followup` or `ticket_answer` of the same `seq`), translated like any text."""

    ticket: int
    media: str  # bot.ticket_media.Media
    from_chat_id: int
    message_id: int
    seq: int = 1
    lang: str = ""  # the asker's language
    reply_to: int | None = None  # to the helpers' chat: the card, once it was sent
    helper_name: str | None = None  # to the asker: only when the helper chose to show it
    last: bool = True  # to the asker: nothing follows (it carries the "close" button)


class WithdrawnPayload(BaseModel):
    """`ticket_withdrawn`: the edit of the relay when the asker withdrew the question."""

    ticket: int
    kind: str
    lang: str
    message_id: int  # the relay in the helpers' chat


class FailedPayload(BaseModel):
    """`ticket_failed`: to the asker, the question (or one of their later messages, `seq`) could not be
    passed on to the helpers."""

    ticket: int
    kind: str
    seq: int | None = None  # None or 1: the question itself (the ticket is then withdrawn)
    reply_to: int | None = None  # the asker's own message that failed, quoted above the notice


class ClosedPayload(BaseModel):
    """`ticket_closed`: to the asker, the conversation was closed by a helper or after quiet days."""

    ticket: int
    by: str  # helper | quiet
    answered: bool = True  # a helper had replied
    quiet_days: int | None = None


class GroupNotice(StrEnum):
    """What the helpers' chat is told about a ticket (`ticket_notice`, a reply to the message concerned)."""

    PASSED = "passed"  # a helper's reply went to the asker
    NOT_HELPER = "not_helper"  # only registered helpers answer
    WITHDRAWN = "withdrawn"  # the asker withdrew the question: not passed on
    CLOSED = "closed"  # the conversation is closed: not passed on
    GONE = "gone"  # no such question (any more)
    CLOSED_BY_ASKER = "asker_closed"
    CLOSED_QUIET = "quiet"
    UNDELIVERED = "undelivered"  # a reply could not reach the asker (they blocked the bot)


class NoticePayload(BaseModel):
    """`ticket_notice`: to the helpers' chat."""

    event: GroupNotice
    ticket: int | None = None
    lang: str | None = None  # the asker's language
    reply_to: int | None = None
    translated: bool = False  # PASSED: by machine, into the asker's language
    untranslated: bool = False  # PASSED: not in the asker's language, and no translation available
    quiet_days: int | None = None


class SpeakersPayload(BaseModel):
    """`ticket_speakers`: to a helper who speaks the question's language, when no machine translation is
    available: the question waits in the helpers' group, with "I'll take it" here as well."""

    ticket: int
    lang: str


class TakenPayload(BaseModel):
    """`ticket_taken`: to a helper about a question taken from a private alert or the /assignments list: the
    pressed alert edited to "yours" (`message_id`, `yours`), another speaker's alert edited to "taken"
    (`yours` False), or, for a press in a list, a new message "yours" (`message_id` None)."""

    ticket: int
    yours: bool
    message_id: int | None = None


class OrganizerEvent(StrEnum):
    UNREACHABLE = "unreachable"  # someone asked for a person, and no helpers' chat is configured
    RELAY_FAILED = "relay_failed"  # a question could not be relayed to the helpers' chat (for good)
    MESSAGE_FAILED = "message_failed"  # a later message of a conversation could not be relayed


class OrganizerPayload(BaseModel):
    """`ticket_organizers`: to each organizer, when a question to a person went nowhere."""

    event: OrganizerEvent
    ticket: int | None = None
    lang: str | None = None
    seq: int | None = None
    error: str | None = None  # Telegram's description (no personal data)
