"""The figures through the real bot and the Bot API emulator: questions people ask are counted by language,
outcome and topic as they are answered (greetings are not); a counsellor marks in /agenda, after the
appointment began, that the person did not come, and the figures count the no-show; somebody else's button
is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot import users as user_service
from bot.booking import services
from bot.booking.importer import import_schedule
from bot.clock import FrozenClock
from bot.config import ROOT
from bot.figures.service import Period, figures
from bot.i18n import catalogs
from bot.yamlfile import read_yaml
from handlers.booking.callbacks import AttendCb
from tests.e2e.harness import running_bot, text_of
from tests.test_booking_support import COUNSELLOR_ID, person, schedule, slots

START = datetime(2026, 3, 23, 9, 0, tzinfo=UTC)  # a Monday; counselling on Tuesdays 10:00-12:00


def example(lang: str, slug: str) -> tuple[str, str]:
    """A topic's first example question and its title, in `lang` (locales/faq)."""
    data = read_yaml(ROOT / "locales" / "faq" / f"{lang}.yaml")
    entry = next(e for e in data["entries"] if e["slug"] == slug)
    return entry["questions"][0], entry["title"]


async def test_questions_and_a_no_show_are_counted(tmp_path: Path) -> None:
    clock = FrozenClock(START)
    async with running_bot("sqlite", tmp_path, clock=clock) as bot:
        asked = {71: ("uk", "kita"), 72: ("ar", "german-courses"), 73: ("uk", "german-courses")}
        for user_id, (lang, slug) in asked.items():
            bot.user(user_id, language_code=lang)
            await bot.say(user_id, f"/start lang-{lang}")
            await bot.settle()  # the menu and the offer of news come first
            question, title = example(lang, slug)
            assert text_of(await bot.say(user_id, question)).startswith(title)
        await bot.say(71, "Хто виграв чемпіонат світу з футболу?")  # no topic: offered or unknown
        await bot.say(72, "مرحبا")  # a greeting: no question

        # an appointment of person 74 on Tuesday; the counsellor says after 10:00 that nobody came
        bot.emu.add_user(COUNSELLOR_ID, language_code="de", started=True)
        bot.user(74, language_code="fa")
        async with bot.app.sessionmaker() as session:
            await person(session, clock, COUNSELLOR_ID, "de", role=user_service.HELPER)
            await person(session, clock, 74, "fa")
            await import_schedule(session, clock, bot.app.settings, schedule())
            first = (await slots(session))[0]
            booked = await services.book(session, clock, bot.app.settings, user_id=74, slot_id=first.id)
            await session.commit()
        before = await bot.say(COUNSELLOR_ID, "/agenda")
        assert not before.get("reply_markup")  # nothing has begun yet: no buttons
        clock.set(first.starts_at + timedelta(minutes=20))
        agenda = await bot.say(COUNSELLOR_ID, "/agenda")
        came_or_not = [b["callback_data"] for row in agenda["reply_markup"]["inline_keyboard"] for b in row]
        assert came_or_not == [
            AttendCb(booking=booked.id, came=True).pack(),
            AttendCb(booking=booked.id, came=False).pack(),
        ]
        await bot.press(COUNSELLOR_ID, agenda, came_or_not[1])
        marked = next(m for m in bot.emu.messages(COUNSELLOR_ID) if m["message_id"] == agenda["message_id"])
        assert [b["text"] for b in marked["reply_markup"]["inline_keyboard"][0]][1].startswith("• 🚫")

        # a helper who is not this appointment's counsellor presses the same button: refused, nothing changes
        bot.user(75, language_code="de")
        async with bot.app.sessionmaker() as session:
            await person(session, clock, 75, "de", role=user_service.HELPER)
            await session.commit()
        own = await bot.say(75, "/agenda")  # no hours of their own: no buttons; the press is forged
        record = bot.emu.user_presses(75, own["message_id"], came_or_not[0], check_button=False)
        await bot.emu.wait_until(lambda: record["answered"], 5.0, "callback answered")
        assert record["text"] == catalogs().gettext(
            "de", "This appointment was not found. Please look at /mybookings."
        )

        # what the scheduler does every few seconds in `python -m bot run` (bot.faq.stats.FLUSH_SECONDS)
        assert await bot.app.question_counts.flush(bot.app.sessionmaker) == 4
        async with bot.app.sessionmaker() as session:
            today = clock.now().astimezone(bot.app.settings.tz).date()
            found = await figures(session, bot.app.settings, Period(today - timedelta(days=1), today), clock)
        per_lang = {lang: sum(day.by_lang[lang] for day in found.days) for lang in ("uk", "ar")}
        assert per_lang == {"uk": 3, "ar": 1}
        assert found.outcomes.total == 4 and found.outcomes.counts["answer"] == 3
        assert {t.slug: t.questions for t in found.topics} == {"kita": 1, "german-courses": 2}
        total = found.booking_total
        assert (total.booked, total.no_show, total.came, total.not_recorded) == (1, 1, 0, 0)
        assert bot.emu.violations == []
