"""Voice messages, photos, documents and locations in a conversation with a person, on SQLite and PostgreSQL
(bot.faq.media, bot.ticket_media, bot.conversations): sent only with consent and only for the question the
consent named, copied (the reference kept while the ticket is open, then gone), a helper's media back to the
asker, failures told; and the renderers' copyMessage calls."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import conversations, tickets
from bot.clock import FrozenClock
from bot.config import Settings, load_settings
from bot.faq import media
from bot.faq.media import Sent
from bot.faq.service import build_service
from bot.services import erasure
from bot.text import Translator
from bot.ticket_media import MEDIA_ANSWER_KIND, MEDIA_KIND, Media, may_be_papers, media_of
from bot.ticket_payloads import MediaPayload
from handlers.faq.renderers import RENDERERS
from storage.models import OutboxMessage, TicketMessage
from tests.test_tickets import ASKER, HELPERS, _deliver, _people, _person, _rows

VOICE_ID, PHOTO_ID = 77, 78  # the asker's own messages in their chat


@pytest.fixture(scope="module")
def settings() -> Settings:
    settings = load_settings(_env_file=None, helpers_chat_id=HELPERS)
    build_service(settings)
    return settings


async def _send(
    session: AsyncSession, clock: FrozenClock, settings: Settings, message_id: int = VOICE_ID, **kw: object
) -> media.MediaResult:
    values: dict[str, object] = {"media": Media.VOICE, "caption": "", "lang": "ar", "offered": 0}
    values.update(kw)
    return await media.send(
        session,
        clock,
        settings,
        None,
        asker_id=ASKER,
        chat_id=ASKER,
        message_id=message_id,
        **values,  # type: ignore[arg-type]
    )


async def _refs(session: AsyncSession) -> list[tuple[str, int | None, int | None]]:
    rows = await session.scalars(select(TicketMessage).order_by(TicketMessage.ticket_id, TicketMessage.seq))
    return [(m.kind, m.source_chat_id, m.source_message_id) for m in rows.all()]


def test_what_may_be_a_letter() -> None:
    assert may_be_papers(Media.PHOTO)
    assert may_be_papers(Media.DOCUMENT, "application/pdf", "x.bin")
    assert may_be_papers(Media.DOCUMENT, "image/jpeg", None)
    assert may_be_papers(Media.DOCUMENT, "application/octet-stream", "Brief.PDF")
    assert not may_be_papers(Media.DOCUMENT, "application/zip", "archive.zip")
    assert not may_be_papers(Media.VOICE) and not may_be_papers(Media.LOCATION)
    assert media_of("voice") == Media.VOICE and media_of("text") is None and media_of(None) is None


async def test_a_voice_message_becomes_a_question_copied_after_its_card(
    session: AsyncSession, clock: FrozenClock, settings: Settings
) -> None:
    await _people(session, clock)
    result = await _send(session, clock, settings)
    await session.commit()
    assert result == media.MediaResult(Sent.OPENED, result.ticket_id) and result.ticket_id
    ticket = await tickets.get(session, result.ticket_id)
    assert ticket is not None and ticket.media == "voice" and ticket.text == ""
    assert await _refs(session) == [("voice", ASKER, VOICE_ID)]
    card, copy = await _rows(session, ticket.id)
    assert card.kind == tickets.relay_kind(tickets.QUESTION) and card.payload["media"] == "voice"
    assert (copy.kind, copy.method, copy.chat_id) == (MEDIA_KIND, "copyMessage", HELPERS)
    assert copy.payload["from_chat_id"] == ASKER and copy.payload["message_id"] == VOICE_ID
    # no machine translation for a voice message: the helpers who speak Arabic are alerted (none here)
    # the same message again (a second press): nothing is sent twice
    again = await _send(session, clock, settings)
    assert again == media.MediaResult(Sent.ALREADY, ticket.id)
    assert len(await _rows(session, ticket.id)) == 2


async def test_consent_holds_only_for_the_question_it_named(
    session: AsyncSession, clock: FrozenClock, settings: Settings
) -> None:
    await _people(session, clock)
    opened = await _send(session, clock, settings)
    assert opened.outcome == Sent.OPENED and opened.ticket_id
    # offered as a new question, but one is open now: nothing sent, asked again for it
    stale = await _send(session, clock, settings, message_id=PHOTO_ID, media=Media.PHOTO, offered=0)
    assert stale == media.MediaResult(Sent.STALE, opened.ticket_id, 0)
    # offered for the open one: it joins it, the copy replies to the card once that was sent
    [card, _copy] = await _rows(session, opened.ticket_id)
    await _deliver(session, card, "sent", 40)
    added = await _send(
        session, clock, settings, message_id=PHOTO_ID, media=Media.PHOTO, caption="رسالة من المكتب",
        offered=opened.ticket_id,
    )  # fmt: skip
    assert added == media.MediaResult(Sent.ADDED, opened.ticket_id)
    rows = await _rows(session, opened.ticket_id)
    photo = next(r for r in rows if r.kind == MEDIA_KIND and r.payload.get("seq") == 2)
    assert photo.payload["reply_to"] == 40 and photo.payload["media"] == "photo"
    caption = next(r for r in rows if r.kind == tickets.FOLLOWUP_KIND)
    assert caption.payload["text"] == "رسالة من المكتب" and caption.payload["seq"] == 2
    assert caption.id > photo.id  # the copy first, then its caption as text
    # closed: the references go at once; a consent for it is stale afterwards
    person = await _person(session, ASKER)
    closed = await tickets.close(session, clock, opened.ticket_id, tickets.ClosedBy.ASKER, person)
    assert closed.outcome.value == "ok"
    assert await _refs(session) == [("voice", None, None), ("photo", None, None)]
    late = await _send(session, clock, settings, message_id=99, offered=opened.ticket_id)
    assert late == media.MediaResult(Sent.STALE, None, opened.ticket_id)


async def test_nobody_reachable_sends_nothing(session: AsyncSession, clock: FrozenClock) -> None:
    await _people(session, clock)
    alone = load_settings(_env_file=None, helpers_chat_id=None)
    result = await _send(session, clock, alone)
    assert result.outcome == Sent.UNREACHABLE
    assert await _refs(session) == []


async def test_a_helpers_media_goes_to_the_asker_and_a_failure_is_told(
    session: AsyncSession, clock: FrozenClock, settings: Settings
) -> None:
    await _people(session, clock)
    opened = await _send(session, clock, settings)
    assert opened.ticket_id
    ticket = await tickets.get(session, opened.ticket_id)
    assert ticket is not None
    bare = await conversations.add_from_helper(
        session, clock, ticket, text="", original=None, written_in="de", untranslated=False,
        helper_name=None, source_message_id=300, kind=Media.LOCATION, source_chat_id=HELPERS,
    )  # fmt: skip
    captioned = await conversations.add_from_helper(
        session, clock, ticket, text="Hier ist das Amt.", original=None, written_in="de", untranslated=True,
        helper_name=None, source_message_id=301, kind=Media.PHOTO, source_chat_id=HELPERS,
    )  # fmt: skip
    assert bare is not None and captioned is not None
    rows = [r for r in await _rows(session, ticket.id) if r.chat_id == ASKER]
    assert [(r.kind, r.payload.get("last")) for r in rows] == [
        (MEDIA_ANSWER_KIND, True),  # a location alone carries the "close" button
        (MEDIA_ANSWER_KIND, False),  # a photo with a caption: the caption follows as the answer
        (tickets.ANSWER_KIND, True),
    ]
    assert rows[0].payload["from_chat_id"] == HELPERS and rows[0].payload["message_id"] == 300
    # the asker blocked the bot: the helpers' group is told, the reference leaves the outbox
    await _deliver(session, rows[0], "blocked", None)
    notices = [r for r in await _rows(session, ticket.id) if r.kind == tickets.NOTICE_KIND]
    assert [n.payload["event"] for n in notices] == ["undelivered"]
    refreshed = await session.get(OutboxMessage, rows[0].id, populate_existing=True)
    assert refreshed is not None and refreshed.payload == {}


async def test_a_copy_that_fails_is_told_to_the_asker(
    session: AsyncSession, clock: FrozenClock, settings: Settings
) -> None:
    await _people(session, clock)
    opened = await _send(session, clock, settings)
    assert opened.ticket_id
    [card, copy] = await _rows(session, opened.ticket_id)
    await _deliver(session, card, "sent", 40)
    await _deliver(session, copy, "failed", None)
    failed = [r for r in await _rows(session, opened.ticket_id) if r.kind == tickets.FAILED_KIND]
    assert len(failed) == 1 and failed[0].chat_id == ASKER


async def test_erasure_takes_the_references_and_the_queued_copies(
    session: AsyncSession, clock: FrozenClock, settings: Settings
) -> None:
    await _people(session, clock)
    opened = await _send(session, clock, settings)
    assert opened.ticket_id
    await erasure.erase(session, clock, ASKER)
    await session.commit()
    assert await _refs(session) == []
    rows = await _rows(session, opened.ticket_id)
    copies = [r for r in rows if r.kind == MEDIA_KIND]
    assert copies and all(r.status == "cancelled" and r.payload == {} for r in copies)


def test_the_copies_render_as_copymessage() -> None:
    de, ar = Translator("de"), Translator("ar")
    voice = MediaPayload(
        ticket=5, media="voice", from_chat_id=ASKER, message_id=9, seq=3, lang="ar", reply_to=40
    )
    call = RENDERERS[MEDIA_KIND](voice.model_dump(mode="json"), de)
    assert call.method == "copyMessage"
    assert (call.params["from_chat_id"], call.params["message_id"]) == (ASKER, 9)
    assert call.params["reply_parameters"]["message_id"] == 40
    assert "Sprachnachricht" in call.params["caption"] and "Arabisch" in call.params["caption"]
    where = MediaPayload(ticket=5, media="location", from_chat_id=HELPERS, message_id=11, lang="ar")
    answer = RENDERERS[MEDIA_ANSWER_KIND](where.model_dump(mode="json"), ar)
    assert "caption" not in answer.params  # a location cannot carry one
    assert answer.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "tk:close:5"
