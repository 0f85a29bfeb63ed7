"""A family registers for an event through the real bot on the emulator (issue 17): "I'll come" asks how many
people come (1 … 6, no more than the places free), the answer and the card say the number, the places
counted in people; under a reminder the question replaces only the buttons; a number that does not fit
(pressed from an old question) is refused with the places free and asked again with what fits; with one
place free "I'll come" registers one person at once; /myevents shows one's registrations with their
number."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.broadcast import events as event_service
from bot.clock import FrozenClock
from bot.text import Translator
from storage.models import Attendance, User
from tests.e2e.harness import ORGANIZER_ID, BotHarness, button_data, buttons, running_bot, text_of
from tests.e2e.test_broadcast import START, current, onboard, say_, tap


async def add_event(bot: BotHarness, capacity: int, title: str = "Familienfest") -> int:
    async with bot.app.sessionmaker() as session:
        organizer = await session.get(User, ORGANIZER_ID)
        assert organizer is not None
        starts = START + timedelta(days=2)
        event = await event_service.create_event(
            session,
            bot.app.clock,
            organizer,
            lang="de",
            title=title,
            body="",
            venue="Saal (SAMPLE)",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            topic_id=None,
            capacity=capacity,
        )
        await session.commit()
        return event.id


@pytest.mark.pg_e2e
async def test_a_family_of_four_takes_four_places(db_kind: str, tmp_path: Path) -> None:
    clock = FrozenClock(START)
    async with running_bot(db_kind, tmp_path, clock=clock) as bot:
        await onboard(bot, ORGANIZER_ID, "de", [])
        await onboard(bot, 501, "uk", [])
        await onboard(bot, 502, "ar", [])
        await onboard(bot, 503, "uk", [])
        event_id = await add_event(bot, capacity=5)

        await bot.say(501, "/events")
        card = await bot.emu.wait_for(501, lambda m: "Familienfest" in text_of(m))
        await tap(bot, 501, card, button_data(card, "✋"))
        asking = current(bot, card)
        assert say_("uk", "How many people are coming, you included?") in text_of(asking)
        assert [label for label, _data in buttons(asking)] == ["1", "2", "3", "4", "5", "⬅️ Назад"]
        record = await tap(bot, 501, asking, f"evp:{event_id}:4:0")
        uk = Translator("uk")
        assert record["text"] == uk.n_(
            "See you there! Registered: {n} person. We will remind you before it starts.",
            "See you there! Registered: {n} people. We will remind you before it starts.",
            4,
        )
        registered = text_of(current(bot, card))
        assert "4 особи" in registered
        assert say_("uk", "👥 Places free: {free} of {capacity}", free=1, capacity=5) in registered

        # under the reminder: "I can't come" frees the 4 places; "I'll come" asks again, in the buttons only
        clock.set(START + timedelta(days=1))  # 24 hours before the start
        await bot.run_job("reminders")
        await bot.deliver()
        [reminder] = [m for m in bot.emu.bot_messages(501) if "⏰" in text_of(m)]
        await tap(bot, 501, reminder, button_data(reminder, "❌"))
        await tap(bot, 501, reminder, button_data(current(bot, reminder), "✋"))
        asked = current(bot, reminder)
        assert text_of(asked) == text_of(reminder)  # the reminder's text stays
        assert [data for _label, data in buttons(asked)] == [
            *(f"evp:{event_id}:{n}:1" for n in range(1, 6)),
            f"evp:{event_id}:0:1",
        ]
        record = await tap(bot, 501, asked, button_data(asked, "2"))
        assert record["text"] == uk.n_(
            "See you there! Registered: {n} person. We will remind you before it starts.",
            "See you there! Registered: {n} people. We will remind you before it starts.",
            2,
        )
        assert [data for _label, data in buttons(current(bot, reminder))] == [f"ev:bno:{event_id}:"]

        # three places left: four do not fit (an old question), refused with the places free and asked
        # again with what fits
        await bot.say(502, "/events")
        card_ar = await bot.emu.wait_for(502, lambda m: "Familienfest" in text_of(m))
        record = await tap(bot, 502, card_ar, f"evp:{event_id}:4:0", check=False)
        assert record["show_alert"]
        assert record["text"] == Translator("ar").n_(
            "Sorry, only {n} place is free. Please choose fewer people.",
            "Sorry, only {n} places are free. Please choose fewer people.",
            3,
        )
        again = current(bot, card_ar)
        assert [label for label, _data in buttons(again)] == ["1", "2", "3", "⬅️ رجوع"]
        record = await tap(bot, 502, again, button_data(again, "3"))
        assert say_("ar", "👥 Fully booked") in text_of(current(bot, card_ar))
        # an event with one place: "I'll come" registers one person at once, no question
        single = await add_event(bot, capacity=1, title="Einzelberatung")
        await bot.say(ORGANIZER_ID, "/events")
        card_single = await bot.emu.wait_for(ORGANIZER_ID, lambda m: "Einzelberatung" in text_of(m))
        record = await tap(bot, ORGANIZER_ID, card_single, f"ev:go:{single}:")
        assert record["text"] == say_("de", "See you there! We will remind you before it starts.")
        assert say_("de", "👥 Fully booked") in text_of(current(bot, card_single))

        # "my events": the card with the number of people; nobody else's
        await bot.say(501, "/myevents")
        mine = await bot.emu.wait_for(501, lambda m: "Familienfest" in text_of(m) and "2 особи" in text_of(m))
        assert [data for _label, data in buttons(mine)] == [f"ev:no:{event_id}:"]
        reply = await bot.say(503, "/myevents")
        assert text_of(reply) == say_(
            "uk", "You are not registered for any upcoming event. /events shows what is coming."
        )
        async with bot.app.sessionmaker() as session:
            order = (Attendance.event_id, Attendance.user_id)
            rows = (await session.scalars(select(Attendance).order_by(*order))).all()
            assert [(a.event_id, a.user_id, a.people) for a in rows] == [
                (event_id, 501, 2),
                (event_id, 502, 3),
                (single, ORGANIZER_ID, 1),
            ]
        assert bot.emu.violations == []
