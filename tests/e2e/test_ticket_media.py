"""Voice messages, photos, documents and locations in a conversation with a person, through the emulator, on
SQLite and PostgreSQL (issue 14, point 4): asked first, relayed with copyMessage (never downloaded), only the
reference kept while the ticket is open, gone on close and on /deletedata; a photo also offers counselling
on papers; a helper's media reply reaches the asker; a stale or forged "yes" sends nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import select

from bot import users as user_service
from bot.booking.importer import import_schedule
from bot.clock import FrozenClock
from handlers.booking.note import NoteForm
from storage.models import OutboxMessage, TicketMessage
from tests.e2e.harness import HELPERS_CHAT_ID, BotHarness, button_data, running_bot
from tests.e2e.harness import text_of as raw_text
from tests.e2e.test_conversations import ASKER, HELPER, MONDAY, ask, card_of, current, group, setting_up
from tests.e2e.test_faq import FIRST, labels, start, tr
from tests.test_booking_support import COUNSELLOR_ID, person, schedule

pytestmark = pytest.mark.pg_e2e
# Letters are read by OCR before they are offered to a person (handlers/letters): off here, so a photo
# without an open question reaches the consent step whatever is installed on the machine.
NO_OCR = {"letters_ocr": False}


def text_of(message: dict[str, Any]) -> str:
    """What the reader sees, without the Unicode isolates around values in right-to-left texts."""
    return raw_text(message).replace("\u2068", "").replace("\u2069", "")


async def send_media(
    bot: BotHarness, uid: int, kind: str, **extra: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The person sends a voice message, photo …; (their message, the bot's consent question)."""
    sent = bot.emu.user_sends(uid, kind=kind, **extra)
    prompt = await bot.emu.wait_for(uid, after=sent["message_id"], timeout=FIRST)
    return sent, prompt


def copies(bot: BotHarness) -> list[tuple[str, dict[str, Any]]]:
    return [
        (method, params)
        for method, params, status in bot.emu.calls
        if method == "copyMessage" and status == 200
    ]


async def references(bot: BotHarness) -> list[tuple[int | None, int | None]]:
    """The media references kept in conversations: (chat, message) of every non-text message."""
    async with bot.app.sessionmaker() as session:
        rows = (await session.scalars(select(TicketMessage).where(TicketMessage.kind != "text"))).all()
        return [(row.source_chat_id, row.source_message_id) for row in rows]


async def outbox_references(bot: BotHarness) -> list[dict[str, Any]]:
    async with bot.app.sessionmaker() as session:
        rows = (
            await session.scalars(select(OutboxMessage).where(OutboxMessage.kind.like("ticket_media%")))
        ).all()
        return [dict(row.payload or {}) for row in rows if row.payload]


async def test_a_voice_note_is_relayed_after_consent_and_its_reference_goes_on_close(
    db_kind: str, tmp_path: Path
) -> None:
    async with running_bot(db_kind, tmp_path, **NO_OCR) as bot:
        await setting_up(bot)
        await start(bot, ASKER, "ar")
        await ask(bot, ASKER, "كيف أسجل طفلي في الروضة؟")
        await bot.deliver()
        card = card_of(bot, 1)

        # "No" sends nothing, and says so
        _sent, prompt = await send_media(bot, ASKER, "voice")
        assert tr("ar", "A helper who speaks your language will listen to your voice message.") in text_of(
            prompt
        )
        assert tr("ar", "Send it? It will be added to your question no. {number}.", number=1) in text_of(
            prompt
        )
        assert prompt["reply_to_message_id"] == _sent["message_id"]
        before = len(group(bot))
        await bot.press(ASKER, prompt, button_data(prompt, "✖"))
        assert text_of(current(bot, ASKER, prompt["message_id"])) == tr("ar", "OK, nothing was sent.")
        await bot.deliver()
        assert len(group(bot)) == before and copies(bot) == [] and await references(bot) == []

        # "Yes": copied into the helpers' group, replying to the card, without the asker's name
        sent, prompt = await send_media(bot, ASKER, "voice")
        await bot.press(ASKER, prompt, button_data(prompt, "✅"))
        assert text_of(current(bot, ASKER, prompt["message_id"])) == tr(
            "ar", "✅ Added to your question no. {number}.", number=1
        )
        assert await references(bot) == [(ASKER, sent["message_id"])]
        await bot.deliver()
        [(_, params)] = copies(bot)
        assert params["from_chat_id"] == ASKER and params["message_id"] == sent["message_id"]
        assert params["chat_id"] == HELPERS_CHAT_ID
        relayed = group(bot)[-1]
        assert relayed["kind"] == "voice" and relayed["reply_to_message_id"] == card["message_id"]
        assert tr("de", "🎤 [voice message]") in text_of(relayed) and f"User{ASKER}" not in text_of(relayed)
        assert "Arabisch" in text_of(relayed)  # its language is named
        # once sent, the outbox keeps no copy of the reference
        assert await outbox_references(bot) == []

        # the helper answers the voice note by replying to it: it reaches the asker
        bot.emu.user_sends(HELPER, "Bitte bringen Sie den Ausweis mit.", chat_id=HELPERS_CHAT_ID,
                           reply_to_message_id=relayed["message_id"])  # fmt: skip
        await bot.settle()
        await bot.deliver()
        assert "Ausweis" in text_of(bot.emu.bot_messages(ASKER)[-1])

        # the helper closes the conversation: the reference is gone at once
        card = current(bot, HELPERS_CHAT_ID, card["message_id"])
        bot.emu.user_presses(HELPER, card["message_id"], button_data(card, "🔒"), chat_id=HELPERS_CHAT_ID)
        await bot.settle()
        await bot.deliver()
        assert await references(bot) == [(None, None)]
        assert await outbox_references(bot) == []
        assert bot.emu.violations == []


async def seed_papers(bot: BotHarness, clock: FrozenClock) -> None:
    """Counselling on papers on Tuesdays (the booking topic the photo's button opens)."""
    raw = schedule(topic="papers")
    names = {
        "de": "Papiere",
        "en": "Papers",
        "ar": "الأوراق",
        "fa": "مدارک",
        "uk": "Документи",
        "ru": "Документы",
    }
    raw["topics"].append({"key": "papers", "emoji": "📄", "names": names})
    bot.emu.add_user(COUNSELLOR_ID, language_code="de", started=True)
    async with bot.app.sessionmaker() as session:
        await person(session, clock, COUNSELLOR_ID, "de", role=user_service.HELPER)
        await import_schedule(session, clock, bot.app.settings, raw)
        await session.commit()


async def test_a_photo_without_a_question_becomes_one_and_offers_counselling_on_papers(
    db_kind: str, tmp_path: Path
) -> None:
    clock = FrozenClock(MONDAY)
    async with running_bot(db_kind, tmp_path, clock=clock, **NO_OCR) as bot:
        await seed_papers(bot, clock)
        await setting_up(bot)
        await start(bot, ASKER, "uk")
        sent, prompt = await send_media(bot, ASKER, "photo", caption="Що це за лист?")
        assert tr("uk", "Send it to our helpers as a new question, without your name?") in text_of(prompt)
        assert tr("uk", "📄 Book counselling on papers") in labels(prompt)

        # the papers button leads into booking (the papers topic's days), the consent stays as it is
        booking = await bot.press(ASKER, prompt, button_data(prompt, "📄"))
        assert booking is not None and "Документи" in text_of(booking), booking
        assert any(d.startswith("bk:d:") for _l, d in _buttons(booking)), booking  # its free days
        assert tr("uk", "✅ Yes, send it") in labels(current(bot, ASKER, prompt["message_id"]))

        # yes: a new question whose card shows "[photo]" and the caption; the photo follows it
        await bot.press(ASKER, prompt, button_data(prompt, "✅"))
        assert "1" in text_of(current(bot, ASKER, prompt["message_id"]))
        await bot.deliver()
        card = card_of(bot, 1)
        assert tr("de", "🖼 [photo]") in text_of(card) and "Що це за лист?" in text_of(card)
        photo = next(m for m in group(bot) if m["kind"] == "photo")
        assert photo["message_id"] > card["message_id"]
        assert [(p["from_chat_id"], p["message_id"]) for _m, p in copies(bot)] == [
            (ASKER, sent["message_id"])
        ]
        assert bot.emu.violations == []


def _buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    markup = message.get("reply_markup") or {}
    return [
        (b.get("text", ""), b.get("callback_data", ""))
        for row in markup.get("inline_keyboard", [])
        for b in row
    ]


async def test_a_helpers_photo_reply_reaches_the_asker(db_kind: str, tmp_path: Path) -> None:
    async with running_bot(db_kind, tmp_path, **NO_OCR) as bot:
        await setting_up(bot)
        await start(bot, ASKER, "de")
        await ask(bot, ASKER, "Wo ist das Jobcenter?")
        await bot.deliver()
        card = card_of(bot, 1)
        reply = bot.emu.user_sends(
            HELPER, chat_id=HELPERS_CHAT_ID, kind="photo", reply_to_message_id=card["message_id"]
        )
        where = bot.emu.user_sends(HELPER, chat_id=HELPERS_CHAT_ID, kind="location",
                                   reply_to_message_id=card["message_id"])  # fmt: skip
        await bot.settle()
        await bot.deliver()
        got = [m for m in bot.emu.bot_messages(ASKER) if m["kind"] in ("photo", "location")]
        assert [m["kind"] for m in got] == ["photo", "location"]
        assert tr("de", "💬 <b>Answer to your question no. {number}</b>", number=1) in text_of(got[0])
        assert tr("de", "✅ My question is answered: close it") in labels(got[0])
        sent = {(p["from_chat_id"], p["message_id"]) for _m, p in copies(bot) if p["chat_id"] == ASKER}
        assert sent == {(HELPERS_CHAT_ID, reply["message_id"]), (HELPERS_CHAT_ID, where["message_id"])}
        assert f"User{HELPER}" not in " ".join(text_of(m) for m in got)  # the helper stays anonymous
        passed = tr("de", "✅ Passed on to the person who asked (no. {number}).", number=1)
        assert sum(passed in text_of(m) for m in group(bot)) == 2
        assert bot.emu.violations == []


async def test_deletedata_removes_the_references(db_kind: str, tmp_path: Path) -> None:
    async with running_bot(db_kind, tmp_path, **NO_OCR) as bot:
        await setting_up(bot)
        await start(bot, ASKER, "fa")
        _sent, prompt = await send_media(bot, ASKER, "document", file_name="brief.pdf")
        assert tr("fa", "📄 Book counselling on papers") in labels(prompt)  # a PDF may be a letter
        await bot.press(ASKER, prompt, button_data(prompt, "✅"))
        _sent, prompt = await send_media(bot, ASKER, "location")
        assert tr("fa", "📄 Book counselling on papers") not in labels(prompt)
        await bot.press(ASKER, prompt, button_data(prompt, "✅"))
        assert len(await references(bot)) == 2
        assert len(await outbox_references(bot)) == 2  # queued, not sent yet
        confirm = await bot.say(ASKER, "/deletedata")
        await bot.press(ASKER, confirm, "del:1")
        assert await references(bot) == []
        assert await outbox_references(bot) == []
        await bot.deliver()
        assert copies(bot) == []  # what was still queued never left
        assert bot.emu.violations == []


async def test_a_stale_or_forged_yes_sends_nothing(db_kind: str, tmp_path: Path) -> None:
    async with running_bot(db_kind, tmp_path, **NO_OCR) as bot:
        await setting_up(bot)
        await start(bot, ASKER, "de")
        await ask(bot, ASKER, "Wie bekomme ich einen Termin beim Arzt?")
        await bot.deliver()
        _sent, prompt = await send_media(bot, ASKER, "voice")
        yes = button_data(prompt, "✅")

        # the asker closes the question meanwhile (under the helper's answer)
        card = card_of(bot, 1)
        bot.emu.user_sends(HELPER, "Rufen Sie die Praxis an.", chat_id=HELPERS_CHAT_ID,
                           reply_to_message_id=card["message_id"])  # fmt: skip
        await bot.settle()
        await bot.deliver()
        answer = bot.emu.bot_messages(ASKER)[-1]
        await bot.press(ASKER, answer, button_data(answer, "✅"))

        await bot.press(ASKER, prompt, yes)
        shown = text_of(current(bot, ASKER, prompt["message_id"]))
        assert shown.startswith(
            tr("de", "Nothing was sent: your question no. {number} was closed meanwhile.", number=1)
        )
        assert tr("de", "Send it to our helpers as a new question, without your name?") in shown
        await bot.deliver()
        assert copies(bot) == [] and await references(bot) == []

        # a forged press on a message that is no voice note of the presser: refused, nothing sent
        menu = await bot.say(ASKER, "/menu")
        record = bot.emu.user_presses(ASKER, menu["message_id"], yes, check_button=False)
        await bot.settle()
        assert record["show_alert"] and record["text"] == tr(
            "de", "This button no longer works. Please send your voice message, photo or file again."
        )
        await bot.deliver()
        assert copies(bot) == []
        # the new consent works: a new question
        current_prompt = current(bot, ASKER, prompt["message_id"])
        await bot.press(ASKER, current_prompt, button_data(current_prompt, "✅"))
        await bot.deliver()
        assert tr("de", "🎤 [voice message]") in text_of(card_of(bot, 2))
        assert len(copies(bot)) == 1
        assert bot.emu.violations == []


async def test_cancel_ends_the_consent_and_media_inside_ask_a_person_is_offered(
    db_kind: str, tmp_path: Path
) -> None:
    clock = FrozenClock(MONDAY)
    async with running_bot(db_kind, tmp_path, clock=clock, **NO_OCR) as bot:
        await seed_papers(bot, clock)
        await setting_up(bot)
        await start(bot, ASKER, "ru")
        _sent, prompt = await send_media(bot, ASKER, "voice")
        said = await bot.say(ASKER, "/cancel")
        assert text_of(said) == tr("ru", "OK, nothing was sent.")
        assert labels(current(bot, ASKER, prompt["message_id"])) == []  # its buttons are gone
        # "ask a person", then a voice note instead of text: the consent for a new question
        menu = await bot.say(ASKER, "/menu")
        await bot.press(ASKER, menu, button_data(menu, "💬"))
        _sent, prompt = await send_media(bot, ASKER, "voice")
        assert tr("ru", "Send it to our helpers as a new question, without your name?") in text_of(prompt)
        await bot.press(ASKER, prompt, button_data(prompt, "✅"))
        await bot.deliver()
        assert tr("de", "🎤 [voice message]") in text_of(card_of(bot, 1))

        # a voice note while a booking's screen is open: /cancel still ends the booking, not the consent
        screen = await bot.say(ASKER, "/book")
        _sent, prompt = await send_media(bot, ASKER, "voice")
        said = await bot.say(ASKER, "/cancel")
        assert text_of(said) == tr("ru", "OK, nothing was booked.")
        assert labels(current(bot, ASKER, screen["message_id"])) == []
        assert tr("ru", "✅ Yes, send it") in labels(current(bot, ASKER, prompt["message_id"]))
        await bot.press(ASKER, prompt, button_data(prompt, "✖"))
        assert text_of(current(bot, ASKER, prompt["message_id"])) == tr("ru", "OK, nothing was sent.")
        await bot.deliver()
        assert len(copies(bot)) == 1  # only the first voice note went
        assert bot.emu.violations == []


async def test_without_a_helpers_group_the_person_is_told_at_once(db_kind: str, tmp_path: Path) -> None:
    async with running_bot(db_kind, tmp_path, helpers_chat_id=None, **NO_OCR) as bot:
        await start(bot, ASKER, "de")
        _sent, answer = await send_media(bot, ASKER, "voice")
        nobody = tr(
            "de",
            "Sorry, at the moment nobody can be reached through the bot. Please call us: {phone}",
            phone="",
        )
        assert text_of(answer).startswith(nobody.strip())
        assert labels(answer) == []  # no consent for something that cannot go anywhere
        assert await references(bot) == []
        assert bot.emu.violations == []


def album_page(bot: BotHarness, uid: int, group_id: str, page: int) -> int:
    """A photo of an album (what the app sends for several photos at once); its message id."""
    chat = bot.emu.world.private_chat(uid)
    photo = {
        "file_id": f"album-{group_id}-{page}",
        "file_unique_id": f"u{page}",
        "width": 1280,
        "height": 960,
    }
    bot.emu.push_message(
        {
            "message_id": 0,  # the emulator gives it the chat's next id
            "from": dict(bot.emu.world.user(uid)),
            "chat": chat.chat,
            "date": 1,
            "photo": [photo],
            "media_group_id": group_id,
            **({"caption": "Seite 1 von 3"} if page == 1 else {}),
        }
    )
    return max(m["message_id"] for m in bot.emu.messages(uid) if not m["from_bot"])


async def test_an_album_gets_one_question_and_goes_whole(db_kind: str, tmp_path: Path) -> None:
    """Three pages of a letter sent together: one consent, then all three in order, as one new question."""
    async with running_bot(db_kind, tmp_path, **NO_OCR) as bot:
        await setting_up(bot)
        await start(bot, ASKER, "de")
        pages = [album_page(bot, ASKER, "g1", n) for n in (1, 2, 3)]
        await bot.settle()
        prompts = [m for m in bot.emu.bot_messages(ASKER) if m.get("reply_to_message_id") in pages]
        assert [p["reply_to_message_id"] for p in prompts] == [pages[0]]  # one question for the album
        prompt = current(bot, ASKER, prompts[0]["message_id"])
        assert tr("de", "Photos and files in this album: {n}", n=3) in text_of(prompt)
        await bot.press(ASKER, prompt, button_data(prompt, "✅"))
        await bot.deliver()
        assert [p["message_id"] for _m, p in copies(bot)] == pages
        assert "Seite 1 von 3" in text_of(card_of(bot, 1))
        assert await references(bot) == [(ASKER, page) for page in pages]
        # a second press (a double tap on the question as it was) sends nothing again
        bot.emu.user_presses(ASKER, prompt["message_id"], button_data(prompt, "✅"), check_button=False)
        await bot.settle()
        await bot.deliver()
        assert len(copies(bot)) == 3
        assert bot.emu.violations == []


async def test_media_in_the_middle_of_a_typed_step_is_not_taken_or_sent(db_kind: str, tmp_path: Path) -> None:
    """A dialog waits for a typed answer (here a booking's note): a voice note is not that answer and goes
    nowhere (the step, or core's fallback for a step without a word of its own, says so)."""
    async with running_bot(db_kind, tmp_path, **NO_OCR) as bot:
        await setting_up(bot)
        await start(bot, ASKER, "uk")
        key = StorageKey(bot_id=bot.app.bot.id, chat_id=ASKER, user_id=ASKER)
        await bot.app.dp.storage.set_state(key, NoteForm.note)
        _sent, answer = await send_media(bot, ASKER, "voice")
        assert labels(answer) == [] and "/cancel" in text_of(answer)  # the step's own word, no consent
        assert await bot.app.dp.storage.get_state(key) == NoteForm.note.state  # the step goes on
        await bot.deliver()
        assert copies(bot) == [] and await references(bot) == []
        assert bot.emu.violations == []
