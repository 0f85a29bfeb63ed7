"""The organizers' in-bot flows made easy (issue 17, "In the bot"), through the Bot API emulator: natural
dates and quick picks when a broadcast goes out, /newevent with "⬅️ Back" and "✏️" per detail, the
broadcast button of the organizers' menu, and /assign with quick days and a typed day and time."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.broadcast.texts import plain_text
from bot.clock import FrozenClock
from bot.text import Translator
from handlers.assignments.callbacks import NewCb, NewStep
from handlers.broadcast.event_form import EDITS
from handlers.when import EXAMPLES
from storage.models import Broadcast, Event
from tests.e2e.harness import ORGANIZER_ID, BotHarness, button_data, buttons, running_bot, text_of
from tests.e2e.test_broadcast import current, onboard, say_, tap

START = datetime(2026, 3, 23, 9, 0, tzinfo=UTC)  # Monday 10:00 in Berlin
DE = Translator("de")
ORG = ORGANIZER_ID


def labels(message: dict[str, Any]) -> list[str]:
    return [label for label, _ in buttons(message)]


def moment(lang: str, at: datetime) -> str:
    return plain_text(Translator(lang).datetime(at))


async def answer(bot: BotHarness, text: str) -> dict[str, Any]:
    """The organizer types; the bot's answer (each question of these flows is one message)."""
    return await bot.say(ORG, text)


@pytest.mark.pg_e2e
async def test_a_broadcast_goes_out_at_a_typed_or_picked_time_from_the_menu_button(
    db_kind: str, tmp_path: Path
) -> None:
    clock = FrozenClock(START)
    async with running_bot(db_kind, tmp_path, clock=clock) as bot:
        await onboard(bot, 201, "de", ["Veranstaltungen"])
        await onboard(bot, ORG, "de", [])
        send_news = say_("de", "📣 Send news")
        # the menu's broadcast button is for organizers only
        assert send_news not in labels(await bot.say(201, "/menu"))
        menu = await bot.say(ORG, "/menu")
        topics = await bot.press(ORG, menu, button_data(menu, send_news))
        assert topics is not None and text_of(topics) == say_(
            "de", "📣 New broadcast. Who should get it? Choose a topic (the number is its subscribers):"
        )
        await tap(bot, ORG, topics, button_data(topics, "Veranstaltungen"))
        ask = await bot.press(ORG, current(bot, topics), button_data(current(bot, topics), "➡️"))
        assert ask is not None
        overview = await answer(bot, "Spieleabend am Samstag im Gemeindehaus.")
        mark = bot.last_id(ORG)
        await tap(bot, ORG, overview, button_data(overview, "👁"))
        summary = await bot.emu.wait_for(
            ORG, lambda m: any(d.startswith("bc:now") for _, d in buttons(m)), after=mark
        )

        # "when?": examples and quick picks computed from now (Monday 10:00)
        when = await bot.press(ORG, summary, button_data(summary, "🕒"))
        assert when is not None and EXAMPLES in text_of(when)
        picks = [label for label in labels(when) if label != say_("de", "✖️ Discard")]
        assert picks == [
            say_("de", "Today {time}", time="18:00"),
            say_("de", "Tomorrow {time}", time="09:00"),
            say_("de", "Tomorrow {time}", time="18:00"),
            say_("de", "{weekday} {time}", weekday="Samstag", time="10:00"),
        ]

        # nonsense and a past time are refused with their reason; "morgen 9 Uhr" is taken
        refused = await answer(bot, "irgendwann")
        assert text_of(refused).startswith(
            say_("de", "I could not read this date. {examples}", examples="")[:20]
        )
        refused = await answer(bot, "heute 9 Uhr")
        assert text_of(refused) == say_(
            "de", "This moment has already passed. Please choose a time in the future."
        )
        refused = await answer(bot, "31.4. 10:00")
        assert text_of(refused) == say_("de", "This day does not exist. Please check the day and the month.")
        confirm = await answer(bot, "morgen 9 Uhr")
        assert moment("de", datetime(2026, 3, 24, 8, 0, tzinfo=UTC)) in text_of(confirm)

        # another time: a pick that has passed since it was shown is refused; Saturday 10:00 with one tap
        again = await bot.press(ORG, confirm, button_data(confirm, "🕒"))
        assert again is not None
        clock.set(datetime(2026, 3, 23, 18, 0, tzinfo=UTC))  # 19:00 in Berlin
        record = await tap(bot, ORG, again, button_data(again, say_("de", "Today {time}", time="18:00")))
        assert record["show_alert"] and "18:00" not in record["text"]
        saturday_pick = button_data(again, "Samstag")
        confirm = await bot.press(ORG, again, saturday_pick)
        assert confirm is not None
        saturday = datetime(2026, 3, 28, 9, 0, tzinfo=UTC)
        assert moment("de", saturday) in text_of(confirm)
        done = await bot.press(ORG, confirm, button_data(confirm, "✅"))
        assert done is not None and moment("de", saturday) in text_of(done)
        async with bot.app.sessionmaker() as session:
            [broadcast] = (await session.scalars(select(Broadcast))).all()
            assert broadcast.scheduled_at == saturday

        # a pick pressed once the broadcast is scheduled changes nothing
        assert buttons(current(bot, again)) == []  # the picks are gone once one is taken
        record = await tap(bot, ORG, again, saturday_pick, check=False)
        assert record["show_alert"]
        async with bot.app.sessionmaker() as session:
            assert (await session.scalars(select(Broadcast))).one().scheduled_at == saturday
        assert bot.emu.violations == []


@pytest.mark.pg_e2e
async def test_newevent_goes_back_and_each_detail_can_be_changed_from_the_summary(
    db_kind: str, tmp_path: Path
) -> None:
    async with running_bot(db_kind, tmp_path, clock=FrozenClock(START)) as bot:
        await onboard(bot, ORG, "de", [])
        back = say_("de", "⬅️ Back")
        title = await answer(bot, "/newevent")
        assert back not in labels(title)  # nothing before the title
        body = await answer(bot, "Spieleabend")
        # the date went into the description by mistake: back from the start, and the description again
        start = await answer(bot, "morgen 18 Uhr")
        assert EXAMPLES in text_of(start) and back in labels(start)
        body = await bot.press(ORG, start, button_data(start, back))
        assert body is not None and say_("de", "Now: {value}", value="morgen 18 Uhr") in text_of(body)
        start = await answer(bot, "Brettspiele für alle, Snacks sind da.")
        refused = await answer(bot, "morgen")
        assert text_of(refused).startswith(say_("de", "Please add the time. {examples}", examples="")[:20])
        # a quick pick for the start, then one for the end (two hours later)
        end = await bot.press(ORG, start, button_data(start, "Samstag"))
        assert end is not None
        saturday = datetime(2026, 3, 28, 9, 0, tzinfo=UTC)  # 10:00 in Berlin
        assert say_("de", "Start: {when}", when=DE.datetime(saturday)) == text_of(current(bot, start))
        venue = await bot.press(ORG, end, button_data(end, "12:00"))
        assert venue is not None
        topics = await answer(bot, "Gemeindehaus (SAMPLE)")
        capacity = await bot.press(ORG, topics, button_data(topics, "Frauentreffen"))
        assert capacity is not None
        summary = await answer(bot, "12")
        edits = [say_("de", text) for _, text in EDITS]
        assert all(label in labels(summary) for label in edits)
        assert "Brettspiele" in text_of(summary) and "12" in text_of(summary)

        # ✏️ Description: asked again (with what it is now), back to the summary
        ask = await bot.press(ORG, summary, button_data(summary, say_("de", "✏️ Description")))
        assert ask is not None and "Brettspiele" in text_of(ask) and back in labels(ask)
        summary = await answer(bot, "Brettspiele und Kartenspiele. Snacks sind da.")
        assert "Kartenspiele" in text_of(summary) and "Gemeindehaus" in text_of(summary)
        # ✏️ Start to an evening after the end: the end is asked again, then the summary
        ask = await bot.press(ORG, summary, button_data(summary, say_("de", "✏️ Start")))
        assert ask is not None
        end = await answer(bot, "Sa 18 Uhr")
        assert text_of(end).startswith(
            say_("de", "The end is now before the start. Please give the end again.")
        )
        summary = await answer(bot, "21 Uhr")
        # ✏️ Title, then "⬅️ Back" without a change: the summary as it was
        ask = await bot.press(ORG, summary, button_data(summary, say_("de", "✏️ Title")))
        assert ask is not None
        summary = await bot.press(ORG, ask, button_data(ask, back))
        assert summary is not None and "Spieleabend" in text_of(summary)
        saved = await bot.press(ORG, summary, button_data(summary, "✅"))
        assert saved is not None
        async with bot.app.sessionmaker() as session:
            [event] = (await session.scalars(select(Event))).all()
        assert (event.title, event.body) == ("Spieleabend", "Brettspiele und Kartenspiele. Snacks sind da.")
        assert event.starts_at == datetime(2026, 3, 28, 17, 0, tzinfo=UTC)
        assert event.ends_at == datetime(2026, 3, 28, 20, 0, tzinfo=UTC)
        assert (event.venue, event.capacity) == ("Gemeindehaus (SAMPLE)", 12)
        # a stale "⬅️ Back" (of a question answered long ago) does nothing
        record = bot.emu.user_presses(ORG, body["message_id"], button_data(body, back), check_button=False)
        await bot.emu.wait_until(lambda: record["answered"], 5.0, "callback answered")
        assert record["text"] == say_("de", "This question is closed. Please answer the last one.")
        assert bot.emu.violations == []


async def test_assign_offers_days_by_name_and_reads_a_typed_day_and_time(
    db_kind: str, tmp_path: Path
) -> None:
    async with running_bot(db_kind, tmp_path, clock=FrozenClock(START)) as bot:
        bot.user(ORG)
        step = await answer(bot, "/assign")
        choice = NewCb(step=NewStep.KIND, kind="authority")
        for next_step, field, value in (
            (NewStep.KIND, "", None),
            (NewStep.LANGUAGE, "language", "fa"),
            (NewStep.AREA, "area", "altwarmbuechen"),
        ):
            if field:
                choice = NewCb(**{**choice.model_dump(), "step": next_step, field: value})
            await tap(bot, ORG, step, choice.pack())
            step = current(bot, step)
        days = labels(step)
        assert days[:4] == [say_("de", "Today"), say_("de", "Tomorrow"), "Mittwoch", "Donnerstag"]
        assert len(days) <= 9  # seven days, flexible, cancel: no fortnight of buttons
        # a day typed by name: its times as buttons
        times = await answer(bot, "Freitag")
        assert "27" in text_of(times) and "09:00" in labels(times) and "09:30" not in labels(times)
        # too far ahead, then a time typed for the chosen day
        refused = await answer(bot, "24.4. 10:00")
        assert text_of(refused) == say_("de", "Please choose a day within the next {n} days.", n=14)
        described = await answer(bot, "10:45")
        assert "27" in text_of(described) and "10:45" in text_of(described)
        assert bot.emu.violations == []
