"""A photo of a letter through the emulator (issue: reading a letter's photo): answered in the reader's
language with its sender, its deadline or appointment and the buttons; the appointment as an .ics file;
and nothing of the letter's text in the database or the log afterwards."""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot import users as user_service
from bot.booking.importer import import_schedule
from bot.clock import FrozenClock
from bot.letters.senders import Sender
from bot.text import Translator
from handlers.letters.views import BOOK_LABEL, CALENDAR_LABEL, PERSON_LABEL, SENDERS
from storage.db import create_sessionmaker
from tests.e2e.harness import HELPERS_CHAT_ID, ORGANIZER_ID, button_data, buttons, running_bot, text_of
from tests.letter_samples import damaged_photo, letters
from tests.test_booking_support import COUNSELLOR_ID, person, schedule
from tests.test_erasure import dump
from tests.test_letters import needs_tesseract

pytestmark = [pytest.mark.pg_e2e, needs_tesseract, pytest.mark.xdist_group("letters-ocr")]

WRITTEN = date(2026, 12, 1)
NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
PAPERS = {
    "de": "Papiere",
    "en": "Papers",
    "ar": "الأوراق",
    "fa": "مدارک",
    "uk": "Документи",
    "ru": "Документы",
}
ARABIC = re.compile(r"[\u0600-\u06ff]")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def photo_of(kind: Sender, index: int = 0) -> tuple[bytes, set[str]]:
    """A phone photo of a sample letter, and words of it that must never be stored or logged."""
    letter = [item for item in letters(WRITTEN) if item.kind == kind][index]
    secrets = {"Erika Mustermann", letter.subject, *(value for _, value in letter.info)}
    return damaged_photo(letter, seed=3, strength=0.6), secrets


async def read_photo(bot, user_id: int, photo: bytes) -> dict:  # type: ignore[no-untyped-def]
    sent = bot.emu.user_sends(user_id, kind="photo", data=photo)
    await bot.settle(limit=60)
    answers = bot.emu.bot_messages(user_id, after=sent["message_id"])
    assert answers, "no answer to the photo"
    return answers[-1]


async def test_a_letter_is_read_in_arabic_and_in_ukrainian(
    db_kind: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    clock = FrozenClock(NOW)
    jobcenter, secrets_a = photo_of(Sender.JOBCENTER)  # an invitation: 15.12.2026, 09:30, room 2.14
    family, secrets_b = photo_of(Sender.FAMILY_BENEFITS)  # documents by 22.12.2026
    async with running_bot(db_kind, tmp_path, clock=clock) as bot:
        bot.emu.add_user(COUNSELLOR_ID, language_code="de", started=True)
        papers = schedule(topic="papers")
        papers["topics"].append({"key": "papers", "emoji": "📄", "names": PAPERS})
        async with bot.app.sessionmaker() as session:
            await person(session, clock, COUNSELLOR_ID, "de", role=user_service.HELPER)
            await import_schedule(session, clock, bot.app.settings, papers)
            await session.commit()
        bot.user(7001, "ar")
        await bot.say(7001, "/start")
        answer = await read_photo(bot, 7001, jobcenter)
        text = text_of(answer)
        ar = Translator("ar")
        assert ar._(SENDERS[Sender.JOBCENTER][1]) in text  # what a Jobcenter does, in Arabic
        assert ARABIC.search(text) and "15.12.2026" in text and "09:30" in text.replace("٠٩:٣٠", "09:30")
        labels = [label for label, _ in buttons(answer)]
        assert labels == [ar._(CALENDAR_LABEL), ar._(BOOK_LABEL), ar._(PERSON_LABEL)]

        # the appointment as a calendar file
        await bot.press(7001, answer, button_data(answer, ar._(CALENDAR_LABEL)))
        files = [m for m in bot.emu.bot_messages(7001) if m.get("document")]
        assert files and files[-1]["document"]["file_name"] == "appointment-2026-12-15.ics"
        ics = bot.emu.world.files[files[-1]["document"]["file_id"]].data.decode()
        assert "DTSTART" in ics and "20261215T083000Z" in ics  # 09:30 in Berlin

        # "Book counselling on papers" opens the days of that topic
        booking = await bot.press(7001, answer, button_data(answer, ar._(BOOK_LABEL)))
        assert booking is not None and PAPERS["ar"] in text_of(booking)
        assert any(data.startswith("bk:d:") for _, data in buttons(booking))  # its free days

        bot.user(7002, "uk")
        await bot.say(7002, "/start")
        answer = await read_photo(bot, 7002, family)
        text = text_of(answer)
        uk = Translator("uk")
        assert uk._(SENDERS[Sender.FAMILY_BENEFITS][1]) in text and CYRILLIC.search(text)
        assert "22.12.2026" in text
        # no appointment: no calendar button
        assert [label for label, _ in buttons(answer)] == [uk._(BOOK_LABEL), uk._(PERSON_LABEL)]

        # "Send the photo to a helper": the hand-off asks first, and "yes" copies the photo to the helpers
        bot.emu.add_group(HELPERS_CHAT_ID, "Helfer", [ORGANIZER_ID])
        consent = await bot.press(7002, answer, button_data(answer, uk._(PERSON_LABEL)))
        assert consent is not None and uk._("✅ Yes, send it") in [label for label, _ in buttons(consent)]
        await bot.press(7002, consent, button_data(consent, uk._("✅ Yes, send it")))
        await bot.deliver()
        copies = [m for m in bot.emu.bot_messages(HELPERS_CHAT_ID) if m.get("photo")]
        assert len(copies) == 1  # the photo itself, copied (copyMessage), once
        assert text_of(answer) == text_of(bot.emu.messages(7002, after=answer["message_id"] - 1)[0])  # kept

        # nothing of the letters' text is stored or logged
        async with create_sessionmaker(bot.app.engine)() as session:
            stored = await dump(session)
        for secret in secrets_a | secrets_b:
            assert not [row for row in stored if secret in row[1]], secret
            assert secret not in caplog.text, secret


async def test_a_photo_that_is_no_letter_gets_a_tip_and_a_person(db_kind: str, tmp_path: Path) -> None:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (900, 1200), (30, 30, 35)).save(out, "JPEG")
    async with running_bot(db_kind, tmp_path) as bot:
        bot.user(7003, "de")
        await bot.say(7003, "/start")
        answer = await read_photo(bot, 7003, out.getvalue())
        de = Translator("de")
        assert de._("📄 I could not read this photo.") in text_of(answer)
        assert de._(PERSON_LABEL) in [label for label, _ in buttons(answer)]


async def test_a_failing_reader_still_answers(
    db_kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tesseract breaking on a server (removed, crashing): the person gets the "could not read" answer
    from bot.letters import ocr

    def broken(data: bytes) -> str:
        raise RuntimeError("tesseract crashed")

    monkeypatch.setattr(ocr, "recognise", broken)
    photo, _ = photo_of(Sender.JOBCENTER)
    async with running_bot(db_kind, tmp_path) as bot:
        bot.user(7004, "fa")
        await bot.say(7004, "/start")
        answer = await read_photo(bot, 7004, photo)
        assert Translator("fa")._("📄 I could not read this photo.") in text_of(answer)
