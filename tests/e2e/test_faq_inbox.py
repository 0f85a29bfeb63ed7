"""The console's inbox closes the loop with the asker, through the emulator: a Farsi question the bot could
not answer is in the inbox (its group: Farsi, one asker who can be answered); an organizer's German answer
reaches the asker through the outbox, machine translated into Farsi and marked so, with the original."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from bot.faq import inbox
from bot.i18n import catalogs
from tests.e2e.harness import ORGANIZER_ID, running_bot, text_of
from tests.test_faq_inbox import ANSWER, TURTLES_FA, FakeTranslator

ASKER = 321


def plain(lang: str, msgid: str, **values: Any) -> str:
    text = re.sub(r"<[^>]+>", "", catalogs().gettext(lang, msgid))
    return text.format(**values) if values else text


async def test_a_farsi_asker_gets_the_answer_from_the_inbox_in_farsi(tmp_path: Path) -> None:
    async with running_bot("sqlite", tmp_path) as bot:
        bot.user(ASKER, language_code="fa")
        await bot.say(ASKER, "/start lang-fa")
        await bot.settle()  # the menu, then the offer to subscribe
        await bot.say(ASKER, TURTLES_FA[0], timeout=10.0)
        await bot.settle()

        async with bot.app.sessionmaker() as session:
            page = await inbox.inbox_page(session)
            [group] = page.groups
            assert [q.text for q in group.questions] == [TURTLES_FA[0]]
            assert (group.langs, group.reachable) == (["fa"], 1)
            done = await inbox.answer(
                session, bot.app.clock, FakeTranslator(), ids=group.ids, text=ANSWER, written_in="de",
                actor_id=ORGANIZER_ID,
            )  # fmt: skip
            await session.commit()
        assert (done.askers, done.translated) == (1, 1)
        seen = len(bot.emu.bot_messages(ASKER))
        assert await bot.deliver() == 1
        [received] = bot.emu.bot_messages(ASKER)[seen:]
        text = text_of(received)
        assert text.startswith(plain("fa", "💬 <b>An answer to your question</b>"))
        assert f"[fa] {ANSWER}" in text and TURTLES_FA[0] in text
        note = plain("fa", "<i>Translated by machine from {language}. The original:</i>\n{original}")
        assert note.split("{")[0] in text and text.rstrip().count(ANSWER) == 2
        assert bot.emu.violations == []

        async with bot.app.sessionmaker() as session:  # nothing left to answer, and the words left the outbox
            assert (await inbox.inbox_page(session)).total_questions == 0
