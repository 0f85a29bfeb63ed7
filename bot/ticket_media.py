"""Voice messages, photos, documents and locations in a conversation with a person (issue 14, point 4).

The bot never downloads or stores the file. A media message joins a ticket as a message of its kind
(ticket_messages.kind) that keeps only its reference, the writer's own chat and message id, while the
ticket is open (bot.tickets.close clears it; withdrawing, erasure and a failed relay delete the row), and
it is relayed with copyMessage through the outbox like every other message of a conversation:

- the asker's, to the helpers' chat (MEDIA_KIND): a copy whose caption names the question, the message's
  number and the asker's language, replying to the card once it was sent (a reply to the copy reaches the
  asker like a reply to the card);
- a helper's reply, to the asker (MEDIA_ANSWER_KIND): a copy whose caption says it answers their question.

A caption the writer added counts as text: it goes as the text of the same message (translated, in marked
parts), after the copy. The copy itself carries the bot's caption (a location carries none: it cannot).

Imports nothing of bot.tickets (which uses this module to open a ticket with a media question).
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.delivery import outbox
from bot.ticket_payloads import MediaPayload

MEDIA_KIND = "ticket_media"  # the asker's media, copied to the helpers' chat
MEDIA_ANSWER_KIND = "ticket_media_answer"  # a helper's media, copied to the asker
COPY = "copyMessage"


class Media(StrEnum):
    VOICE = "voice"  # a voice message or an audio file: a helper listens
    PHOTO = "photo"  # a helper looks at it
    DOCUMENT = "document"  # a helper reads it
    LOCATION = "location"  # a location or a place: a helper looks at it


CAPTIONED = frozenset({Media.VOICE, Media.PHOTO, Media.DOCUMENT})  # a location has no caption

# A document that may be a letter from an authority: with its consent question, the bot also offers
# counselling on papers (booking topic PAPERS_TOPIC; the booking flow shows all topics if it is missing).
PAPER_TYPES = ("image/", "application/pdf")
PAPER_EXTENSIONS = (".pdf", ".jpg", ".jpeg", ".png", ".heic", ".webp", ".tif", ".tiff")
PAPERS_TOPIC = "papers"


def media_of(kind: str | None) -> Media | None:
    """The Media of a stored kind ("text" and unknown kinds: None)."""
    try:
        return Media(kind) if kind else None
    except ValueError:
        return None


def may_be_papers(media: Media, mime_type: str | None = None, file_name: str | None = None) -> bool:
    """A photo, or a document that is an image or a PDF: possibly a letter, so counselling is offered."""
    if media == Media.PHOTO:
        return True
    if media != Media.DOCUMENT:
        return False
    if mime_type and mime_type.lower().startswith(PAPER_TYPES):
        return True
    return bool(file_name) and str(file_name).lower().endswith(PAPER_EXTENSIONS)


async def queue_copy(
    session: AsyncSession,
    clock: Clock,
    *,
    to_chat: int,
    outbox_kind: str,
    payload: MediaPayload,
    ref: str,
    dedupe_key: str,
    lang: str | None,
    user_id: int | None = None,
) -> bool:
    """Queue the copy of a media message (rendered as copyMessage by handlers/faq/renderers.py)."""
    return await outbox.enqueue(
        session,
        clock,
        chat_id=to_chat,
        user_id=user_id,
        kind=outbox_kind,
        method=COPY,
        data=payload.model_dump(mode="json"),
        lang=lang,
        ref=ref,
        dedupe_key=dedupe_key,
    )
