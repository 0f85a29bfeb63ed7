"""Local facts through the real bot on the emulator: an organizer changes the phone number and the
counselling hours (bot/faq/facts.py, as the console does), and the next answers the bot gives carry them,
in German and in Arabic, without a restart."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.faq import facts as store
from bot.local_facts import ALL
from tests.e2e.harness import ORGANIZER_ID, running_bot, text_of

pytestmark = pytest.mark.pg_e2e
GERMAN, ARABIC = 521, 522


async def test_a_changed_phone_number_and_hours_reach_the_next_answer(db_kind: str, tmp_path: Path) -> None:
    async with running_bot(db_kind, tmp_path) as bot:
        bot.user(GERMAN, language_code="de")
        bot.user(ARABIC, language_code="ar")
        bot.user(ORGANIZER_ID, language_code="de")
        await bot.say(ORGANIZER_ID, "/start")  # the organizer is known to the bot (as in the console)
        before = text_of(await bot.say(GERMAN, "telefonnummer", timeout=10))
        assert "+49 511 0000000 (SAMPLE)" in before
        hours = text_of(await bot.say(ARABIC, "متى اوقات الاستشارة عندكم"))
        assert "الثلاثاء من 10:00 حتى 12:00" in hours and "(SAMPLE)" in hours

        async with bot.app.sessionmaker() as session:
            # as the console does (the bot's start-up does it too): the facts file into the empty table
            await store.ready(session, bot.app.clock, bot.app.settings.local_facts_file)
            for key, value in (("contact_phone", "+49 5139 4711"), ("counselling_hours", "Mi 9-11")):
                result = await store.save(session, bot.app.clock, key, {ALL: value}, actor_id=ORGANIZER_ID)
                assert result.outcome == store.Saved.SAVED, (key, result.problems)
            await session.commit()

        after = text_of(await bot.say(GERMAN, "telefonnummer"))
        assert "+49 5139 4711" in after and "0000000" not in after
        assert "+49 5139 4711 (SAMPLE)" not in after
        hours = text_of(await bot.say(ARABIC, "متى اوقات الاستشارة عندكم"))
        assert "الأربعاء من 9:00 حتى 11:00" in hours and "الثلاثاء" not in hours
        assert bot.emu.violations == []
