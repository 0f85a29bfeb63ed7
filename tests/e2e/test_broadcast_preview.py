"""A broadcast's preview with Telegram's per-chat limit on (issue 18): one message per language that has
readers, and the counts with the next step, paced below the limit. Before, a preview sent 13 messages in
one burst into the organizer's chat and met about 18 429s."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.languages import own_name
from emulator.server import BotAPIEmulator
from storage.models import Subscription, Topic, User
from tests.e2e.harness import ORGANIZER_ID, button_data, buttons, running_bot, text_of
from tests.e2e.test_broadcast import current, onboard, say_, tap

READERS = {801: "de", 802: "uk", 803: "ar", 804: "ar"}  # three languages have readers, three have none


async def test_a_preview_of_three_languages_is_four_messages_and_meets_no_429(tmp_path: Path) -> None:
    emu = BotAPIEmulator(host="127.0.0.1", port=0)
    async with running_bot("sqlite", tmp_path, emulator=emu) as bot:
        org = ORGANIZER_ID
        await onboard(bot, org, "de", [])
        async with bot.app.sessionmaker() as session, session.begin():
            topic = (await session.scalars(select(Topic).where(Topic.key == "events"))).one()
            now = bot.app.clock.now()
            for uid, lang in READERS.items():
                session.add(User(id=uid, language=lang, role="visitor", created_at=now, consent_at=now))
            await session.flush()
            session.add_all([Subscription(user_id=uid, topic_id=topic.id, created_at=now) for uid in READERS])
        topics = await bot.say(org, "/broadcast")
        await tap(bot, org, topics, button_data(topics, "Veranstaltungen"))
        await bot.press(org, current(bot, topics), button_data(current(bot, topics), "➡️"))

        # Telegram's limit from here on: one message a second in a chat, 429 above it
        bot.emu.configure_faults(chat_per_second=1.0)
        text = "Sommerfest am Samstag um 15 Uhr im Gemeindehaus."
        overview = await bot.say(org, text)
        mark = bot.last_id(org)
        refused_before = bot.emu.stats["responses_429"]
        await tap(bot, org, overview, button_data(overview, "👁"))

        preview = bot.emu.bot_messages(org, after=mark)
        assert len(preview) <= 4, [text_of(m)[:40] for m in preview]
        assert bot.emu.stats["responses_429"] == refused_before == 0
        *shown, summary = preview
        for lang, n in (("de", 1), ("uk", 1), ("ar", 2)):
            label = say_("de", "👁 Preview for {language} (recipients now: {n})", language=own_name(lang), n=n)
            [message] = [m for m in shown if text_of(m).endswith(label)]
            assert text_of(message).startswith(text)  # no translations: each gets the original
            assert any(data.startswith("sub:") for _, data in buttons(message))  # as readers get it
        without = ", ".join(own_name(lang) for lang in ("fa", "en", "ru"))
        assert text_of(summary) == "\n".join(
            [
                say_("de", "Without recipients now, not shown: {languages}", languages=without),
                say_("de", "Recipients now: {n}. Send now or later?", n=4),
            ]
        )
        assert any(data.startswith("bc:now") for _, data in buttons(summary))
        assert bot.emu.violations == []
