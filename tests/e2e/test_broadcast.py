"""Subscriptions, events and broadcasts through the Bot API emulator: the real bot over HTTP, the real
delivery worker, the real deep-translator client against a LibreTranslate stand-in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text, update

from bot.broadcast import broadcasts as broadcast_service
from bot.broadcast import events as event_service
from bot.broadcast import topics as topic_service
from bot.broadcast.texts import plain_text
from bot.clock import FrozenClock
from bot.languages import both_names, own_name
from bot.text import Translator
from storage.models import Attendance, Broadcast, OutboxMessage, Subscription, User
from tests.e2e.harness import ORGANIZER_ID, BotHarness, button_data, buttons, running_bot, text_of
from tests.test_translation import LibreStandIn, libre  # noqa: F401  (the stand-in fixture)

START = datetime(2026, 3, 23, 9, 0, tzinfo=UTC)  # Monday 10:00 in Berlin


def say_(lang: str, msgid: str, **values: Any) -> str:
    """What a reader sees: the catalog string filled like the bot fills it, without the HTML tags."""
    return plain_text(Translator(lang)._(msgid, **values))


def de_name(lang: str) -> str:
    """A language as the German organizer's compose screens name it: "Arabisch (العربية)"."""
    return both_names(lang, Translator("de")._)


def template(lang: str, msgid: str) -> str:
    return Translator(lang)._(msgid)


async def tap(
    bot: BotHarness, user_id: int, message: dict[str, Any], data: str, *, check: bool = True
) -> dict[str, Any]:
    """Press a button and wait until the bot has answered the press (and finished its edits)."""
    record = bot.emu.user_presses(
        user_id, message["message_id"], data, chat_id=message.get("chat_id", user_id), check_button=check
    )
    await bot.emu.wait_until(lambda: record["answered"], 5.0, "callback answered")
    await bot.settle(0.15)
    return record


def current(bot: BotHarness, message: dict[str, Any]) -> dict[str, Any]:
    """The message as it is now (after edits)."""
    chat = message.get("chat_id")
    return next(m for m in bot.emu.messages(chat) if m["message_id"] == message["message_id"])


def broadcasts_received(bot: BotHarness, user_id: int, needle: str) -> list[dict[str, Any]]:
    return [m for m in bot.emu.bot_messages(user_id) if needle in text_of(m)]


async def onboard(bot: BotHarness, user_id: int, lang: str, topic_labels: list[str]) -> dict[str, Any]:
    """/start, choose the language, and tap the offered topics; returns the offer message."""
    bot.user(user_id, language_code=lang)
    reply = await bot.say(user_id, "/start")
    # Let the first update of a new person finish before the next one: two first updates at once would
    # both insert the user row (ensure_user has no ON CONFLICT).
    await bot.settle(0.1)
    await tap(bot, user_id, reply, button_data(reply, own_name(lang)))
    offer_text = say_(
        lang,
        "Would you like news from the association? Tap the topics that interest you. "
        "Nothing is switched on unless you tap it. You can change this any time with /subscribe.",
    )
    offer = await bot.emu.wait_for(user_id, lambda m: text_of(m) == offer_text, after=0)
    assert all(label.startswith("⬜") for label, data in buttons(offer) if data.startswith("sub:t:"))
    for label in topic_labels:
        await tap(bot, user_id, offer, button_data(current(bot, offer), label))
    return current(bot, offer)


async def next_message(bot: BotHarness, chat_id: int, needle: str, after: int) -> dict[str, Any]:
    return await bot.emu.wait_for(chat_id, lambda m: needle in text_of(m), after=after)


async def count_rows(bot: BotHarness, sql: str) -> int:
    async with bot.app.sessionmaker() as session:
        return int((await session.execute(text(sql))).scalar() or 0)


# --- the acceptance scenario ----------------------------------------------------------------------------
@pytest.mark.pg_e2e
async def test_compose_translate_schedule_deliver_report(
    db_kind: str,
    tmp_path: Path,
    libre: LibreStandIn,  # noqa: F811
) -> None:
    clock = FrozenClock(START)
    async with running_bot(
        db_kind, tmp_path, clock=clock, translator="libretranslate", translator_url=libre.url
    ) as bot:
        # subscribers in four languages, one more in English (left out of the audience), one who did not tap
        for uid, lang in {201: "de", 202: "uk", 203: "ar", 204: "fa", 205: "en"}.items():
            label = {
                "de": "Veranstaltungen",
                "uk": "Заходи",
                "ar": "فعاليات",
                "fa": "برنامه",
                "en": "Events",
            }[lang]
            offer = await onboard(bot, uid, lang, [label])
            assert any(lbl.startswith("✅") and label in lbl for lbl, _ in buttons(offer))
        await onboard(bot, 206, "de", [])

        # the organizer composes in German
        org = ORGANIZER_ID
        await onboard(bot, org, "de", [])
        topics = await bot.say(org, "/broadcast")
        assert text_of(topics) == say_(
            "de", "📣 New broadcast. Who should get it? Choose a topic (the number is its subscribers):"
        )
        assert "🎉 Veranstaltungen und Feste · 5" in [label for label, _ in buttons(topics)]
        # the text typed before the topic is chosen: told the way, not taken for a question to the FAQ
        early = await bot.say(org, "Sommerfest am Samstag im Begegnungsraum!")
        assert text_of(early) == say_(
            "de",
            "📣 First choose the topic and the recipients with the buttons above, then tap “➡️ Next: write the "
            "text” and send the text. /cancel stops the broadcast.",
        )
        await tap(bot, org, topics, button_data(topics, "Veranstaltungen"))
        audience = current(bot, topics)
        assert say_("de", "Recipients now: {n}", n=5) in text_of(audience)
        await tap(bot, org, audience, button_data(audience, "English"))
        await tap(bot, org, current(bot, audience), button_data(current(bot, audience), "Русский"))
        audience = current(bot, audience)
        assert say_("de", "Recipients now: {n}", n=4) in text_of(audience)
        assert "⬜ English" in [label for label, _ in buttons(audience)]
        ask = await bot.press(org, audience, button_data(audience, "➡️"))
        assert ask is not None and "/cancel" in text_of(ask)

        german = "Sommerfest am Samstag um 15 Uhr im Gemeindehaus. Alle sind herzlich eingeladen!"
        overview = await bot.say(org, german)
        assert say_("de", "Original language: {language}", language="Deutsch") in text_of(overview)
        assert say_(
            "de", "• {language} ({n}): no translation, gets the original", language=de_name("ar"), n=1
        ) in text_of(overview)

        # an Arabic text typed as the Ukrainian one is kept with a warning that names both languages
        await bot.press(org, overview, button_data(overview, "Українська"))
        wrong = await bot.say(org, "احتفال صيفي يوم السبت الساعة الثالثة في بيت الجماعة. الجميع مدعوون!")
        assert say_(
            "de",
            "⚠️ This text looks like {seen}, not {language}. If that is a mistake, tap {language} below and "
            "send the right text.",
            seen=de_name("ar"),
            language=de_name("uk"),
        ) in text_of(wrong)
        overview = await next_message(bot, org, "📣", wrong["message_id"])

        # types the right Ukrainian text
        prompt = await bot.press(org, overview, button_data(overview, "Українська"))
        assert prompt is not None
        ukrainian = "Літнє свято в суботу о 15:00 у громадському домі. Запрошуємо всіх!"
        saved = await bot.say(org, ukrainian)
        assert text_of(saved) == say_("de", "Saved: the translation for {language}.", language=de_name("uk"))
        overview = await next_message(bot, org, "📣", saved["message_id"])
        assert say_("de", "• {language} ({n}): translation typed ✓", language=de_name("uk"), n=1) in text_of(
            overview
        )

        # takes machine translation for Arabic and Farsi
        mark = bot.last_id(org)
        await tap(bot, org, overview, button_data(overview, "🤖"))
        overview = await next_message(bot, org, "📣", mark)
        reviews = [
            m for m in bot.emu.bot_messages(org, after=mark) if "[ar]" in text_of(m) or "[fa]" in text_of(m)
        ]
        assert len(reviews) == 2
        assert {(r["source"], r["target"], r["q"]) for r in libre.requests} == {
            ("de", "ar", german),
            ("de", "fa", german),
        }
        for lang in (de_name("ar"), de_name("fa")):
            assert say_("de", "• {language} ({n}): machine translation 🤖", language=lang, n=1) in text_of(
                overview
            )

        # preview per language, and the number of recipients
        mark = bot.last_id(org)
        await tap(bot, org, overview, button_data(overview, "👁"))
        summary = await next_message(
            bot, org, say_("de", "Recipients now: {n}. Send now or later?", n=4), mark
        )
        previews = bot.emu.bot_messages(org, after=mark)
        note = {
            lang: template(lang, "🤖 Machine translation. Mistakes are possible.")
            for lang in ("ar", "fa", "uk")
        }
        assert any(text_of(m).startswith(f"[ar] {german}") and note["ar"] in text_of(m) for m in previews)
        assert any(text_of(m).startswith(f"[fa] {german}") and note["fa"] in text_of(m) for m in previews)
        # one message per language, as its readers get it, with its label below (issue 18)

        def label(lang: str) -> str:
            return say_("de", "👁 Preview for {language} (recipients now: {n})", language=own_name(lang), n=1)

        assert any(text_of(m) == f"{ukrainian}\n\n{label('uk')}" for m in previews)  # typed: no note
        assert any(text_of(m) == f"{german}\n\n{label('de')}" for m in previews)
        assert any(text_of(m).endswith(label("ar")) for m in previews)
        assert len(previews) == 5 and sum("👁" in text_of(m) for m in previews) == 4

        # schedules: a past moment is refused, then today 18:00 Berlin
        ask = await bot.press(org, summary, button_data(summary, "🕒"))
        assert ask is not None and "morgen 9 Uhr" in text_of(ask)  # examples, and quick picks
        assert button_data(ask, say_("de", "Tomorrow {time}", time="09:00"))
        refused = await bot.say(org, "22.03.2026 18:00")
        assert text_of(refused) == say_(
            "de", "This moment has already passed. Please choose a time in the future."
        )
        confirm = await bot.say(org, "23.03.2026 18:00")
        assert "#" in text_of(confirm)
        done = await bot.press(org, confirm, button_data(confirm, "✅"))
        assert done is not None and text_of(done).startswith("✅")
        at = datetime(2026, 3, 23, 17, 0, tzinfo=UTC)

        # before the time nothing goes out
        await bot.run_job("broadcast_dispatch")
        await bot.deliver()
        for uid in (201, 202, 203, 204):
            assert (
                broadcasts_received(bot, uid, "Sommerfest") == []
                and broadcasts_received(bot, uid, "Літнє") == []
            )

        # at the scheduled time: each subscriber gets it once, in their language
        clock.set(at)
        await bot.run_job("broadcast_dispatch")
        await bot.run_job("broadcast_dispatch")  # a second wake-up changes nothing
        assert await bot.deliver() == 4
        await bot.run_job("broadcast_dispatch")
        await bot.deliver()
        got = {
            uid: [
                m for m in bot.emu.bot_messages(uid) if m["reply_markup"] and "🔕" in str(m["reply_markup"])
            ]
            for uid in (201, 202, 203, 204, 205, 206)
        }
        assert [len(got[uid]) for uid in (201, 202, 203, 204, 205, 206)] == [1, 1, 1, 1, 0, 0]
        assert text_of(got[201][0]) == german
        assert text_of(got[202][0]) == ukrainian
        assert text_of(got[203][0]).startswith(f"[ar] {german}") and note["ar"] in text_of(got[203][0])
        assert text_of(got[204][0]).startswith(f"[fa] {german}") and note["fa"] in text_of(got[204][0])
        stop_fa = buttons(got[204][0])[-1][0]
        assert stop_fa.startswith(template("fa", "🔕 Stop news: {topic}").split("{")[0])

        # the report arrives when nothing is pending any more
        mark = bot.last_id(org)
        await bot.run_job("broadcast_reports")
        await bot.deliver()
        report = await next_message(bot, org, "📊", mark)
        assert say_("de", "✅ Delivered: {n}", n=4) in text_of(report)
        assert say_("de", "🚫 Blocked the bot: {n}", n=0) in text_of(report)
        assert say_(
            "de",
            "{language}: delivered {delivered}, blocked {blocked}, errors {failed}",
            language=own_name("fa"),
            delivered=1,
            blocked=0,
            failed=0,
        ) in text_of(report)
        await bot.run_job("broadcast_reports")
        await bot.deliver()
        assert len([m for m in bot.emu.bot_messages(org) if "📊" in text_of(m)]) == 1
        assert bot.emu.violations == []


# --- who may compose -------------------------------------------------------------------------------------
async def test_plain_users_and_helpers_cannot_broadcast_even_with_forged_buttons(
    db_kind: str, tmp_path: Path
) -> None:
    async with running_bot(db_kind, tmp_path) as bot:
        refusal = say_("de", "Sorry, this is only for helpers and organizers of the association.")
        for uid in (ORGANIZER_ID, 301, 302):
            await onboard(bot, uid, "de", [])
        refused = await bot.say(301, "/broadcast")
        assert text_of(refused) == refusal
        async with bot.app.sessionmaker() as session:
            await session.execute(update(User).where(User.id == 302).values(role="helper"))
            await session.commit()
        refused_helper = await bot.say(302, "/broadcast")
        assert text_of(refused_helper) == refusal
        assert text_of(await bot.say(301, "/topics")) == refusal
        assert text_of(await bot.say(301, "/newevent")) == refusal

        topics = await bot.say(ORGANIZER_ID, "/broadcast")
        choose = button_data(topics, "Veranstaltungen")
        for forger, own in ((301, refused), (302, refused_helper)):
            record = await tap(bot, forger, own, choose, check=False)
            assert record["text"] == refusal and record["show_alert"] is True
        for forged in (
            "bc:ok:1:",
            "bc:cancelok:1:",
            "bc:release:1:",
            "ev:ann:1:",
            "ev:delok:1:",
            "tp:new:0:",
        ):
            record = await tap(bot, 301, refused, forged, check=False)
            assert record["text"] == refusal, forged
        async with bot.app.sessionmaker() as session:
            draft = (await session.scalars(select(Broadcast))).one()
            assert draft.topic_id is None and draft.state == "draft"

        # another organizer cannot change someone else's draft either
        async with bot.app.sessionmaker() as session:
            await session.execute(update(User).where(User.id == 302).values(role="organizer"))
            await session.commit()
        record = await tap(bot, 302, refused_helper, choose, check=False)
        assert record["text"] == say_(
            "de", "This broadcast cannot be changed any more. Start a new one with /broadcast."
        )
        # while the owner can
        await tap(bot, ORGANIZER_ID, topics, choose)
        async with bot.app.sessionmaker() as session:
            assert (await session.scalars(select(Broadcast))).one().topic_id is not None

        # ids beyond the database column, negative ones, unknown languages: a clean refusal, nothing breaks
        stale = say_("de", "This button is no longer valid. Please open the menu again: /menu")
        for forged in (
            "bc:preview:2147483648:",
            "bc:tl:1:xx",
            "bca:1:de:root",
            "bct:1:-1",
            "ev:go:2147483648:",
            "evt:99999999999",
            "sub:b:99999999999",
            "tp:edit:-3:",
            "bcpg:ev:5000:0",
        ):
            record = await tap(bot, ORGANIZER_ID, topics, forged, check=False)
            assert record["text"] == stale and record["show_alert"] is True, forged
        assert bot.emu.violations == []


# --- /subscribe and the button under a broadcast ------------------------------------------------------------
async def test_subscribe_toggles_and_the_button_under_a_broadcast(db_kind: str, tmp_path: Path) -> None:
    clock = FrozenClock(START)
    async with running_bot(db_kind, tmp_path, clock=clock) as bot:
        offer = await onboard(bot, 401, "uk", [])
        async with bot.app.sessionmaker() as session:
            assert (await session.scalars(select(Subscription))).all() == []  # nothing without a tap
        labels = [label for label, _ in buttons(offer)]
        assert not any("волонтер" in label for label in labels)  # helper news is not for visitors

        menu = await bot.say(401, "/subscribe")
        assert text_of(menu) == say_(
            "uk", "Which news would you like to get? Tap a topic to switch it on or off."
        )
        await tap(bot, 401, menu, button_data(menu, "Курси"))
        assert "✅ 📚 Курси німецької мови" in [label for label, _ in buttons(current(bot, menu))]
        await tap(bot, 401, menu, button_data(menu, "Заходи"))
        await tap(bot, 401, menu, button_data(menu, "Курси"))
        labels = [label for label, _ in buttons(current(bot, menu))]
        assert "⬜ 📚 Курси німецької мови" in labels and "✅ 🎉 Заходи та свята" in labels
        await tap(bot, 401, menu, button_data(menu, "✔️"))
        assert text_of(current(bot, menu)) == say_(
            "uk", "You get news about: {topics}. /subscribe changes this.", topics="🎉 Заходи та свята"
        )

        # a broadcast arrives with a button that switches its topic off, and on again
        org = ORGANIZER_ID
        await onboard(bot, org, "de", [])
        topics = await bot.say(org, "/broadcast")
        await tap(bot, org, topics, button_data(topics, "Veranstaltungen"))
        await bot.press(org, current(bot, topics), button_data(current(bot, topics), "➡️"))
        overview = await bot.say(org, "Flohmarkt am Sonntag")
        mark = bot.last_id(org)
        await tap(bot, org, overview, button_data(overview, "👁"))
        summary = await bot.emu.wait_for(
            org, lambda m: any(d.startswith("bc:now") for _, d in buttons(m)), after=mark
        )
        confirm = await bot.press(org, summary, button_data(summary, "📤"))
        assert confirm is not None
        await bot.press(org, confirm, button_data(confirm, "✅"))
        await bot.deliver()
        [news] = broadcasts_received(bot, 401, "Flohmarkt")
        stop = buttons(news)[0]
        assert stop[0] == plain_text(template("uk", "🔕 Stop news: {topic}").format(topic="Заходи та свята"))
        record = await tap(bot, 401, news, stop[1])
        assert record["text"] == say_("uk", "You will not get news about this topic any more.")
        assert buttons(current(bot, news))[0][0].startswith("🔔")
        async with bot.app.sessionmaker() as session:
            assert (
                await session.scalars(select(Subscription).where(Subscription.user_id == 401))
            ).all() == []
        await tap(bot, 401, news, stop[1])
        assert buttons(current(bot, news))[0][0].startswith("🔕")
        async with bot.app.sessionmaker() as session:
            assert (
                len((await session.scalars(select(Subscription).where(Subscription.user_id == 401))).all())
                == 1
            )
        # forged: a topic that does not exist
        record = await tap(bot, 401, news, "sub:b:999", check=False)
        assert record["text"] == say_("uk", "This topic is not available any more.")
        assert bot.emu.violations == []


# --- events -------------------------------------------------------------------------------------------------
async def create_event(bot: BotHarness, capacity: str | None) -> dict[str, Any]:
    org = ORGANIZER_ID
    await bot.say(org, "/newevent")
    await bot.say(org, "Nähcafé")
    await bot.say(org, "Wir nähen zusammen. Stoff ist da.")
    await bot.say(org, "25.03.2026 16:00")
    await bot.say(org, "18:00")
    topics = await bot.say(org, "Gemeindehaus (SAMPLE)")
    ask = await bot.press(org, topics, button_data(topics, "Frauentreffen"))
    assert ask is not None
    summary = await (
        bot.say(org, capacity)
        if capacity
        else bot.press(org, ask, button_data(ask, template("de", "No limit")))
    )
    assert summary is not None
    saved = await bot.press(org, summary, button_data(summary, "✅"))
    assert saved is not None
    return await bot.emu.wait_for(org, lambda m: any(d.startswith("ev:ann") for _, d in buttons(m)))


async def test_events_attend_within_capacity_reminder_and_announce(db_kind: str, tmp_path: Path) -> None:
    clock = FrozenClock(START)
    async with running_bot(db_kind, tmp_path, clock=clock) as bot:
        await onboard(bot, 501, "uk", ["Зустрічі"])
        await onboard(bot, 502, "ar", ["لقاءات"])
        await onboard(bot, ORGANIZER_ID, "de", [])
        card = await create_event(bot, "1")
        assert "Nähcafé" in text_of(card)

        # /events in the reader's language and locale
        bot_uk = await bot.say(501, "/events")
        assert text_of(bot_uk) == say_("uk", "📅 Upcoming events:")
        card_uk = await bot.emu.wait_for(501, lambda m: "Nähcafé" in text_of(m))
        starts = datetime(2026, 3, 25, 15, 0, tzinfo=UTC)
        uk = Translator("uk")
        assert plain_text(uk.date(starts)) in text_of(card_uk)
        assert say_("uk", "👥 Places free: {free} of {capacity}", free=1, capacity=1) in text_of(card_uk)
        record = await tap(bot, 501, card_uk, button_data(card_uk, "✋"))
        assert record["text"] == say_("uk", "See you there! We will remind you before it starts.")
        card_uk = current(bot, card_uk)
        assert say_("uk", "👥 Fully booked") in text_of(card_uk)
        assert [d for _, d in buttons(card_uk)] == ["ev:no:1:"]

        # the only place is taken: the next person cannot take it, not even with a forged press
        await bot.say(502, "/events")
        card_ar = await bot.emu.wait_for(502, lambda m: "Nähcafé" in text_of(m))
        assert say_("ar", "👥 Fully booked") in text_of(card_ar)
        assert buttons(card_ar) == []
        forged = await bot.say(502, "/menu")
        record = await tap(bot, 502, forged, "ev:go:1:", check=False)
        assert record["text"] == say_("ar", "Sorry, this event is fully booked.") and record["show_alert"]
        assert await count_rows(bot, "SELECT COUNT(*) FROM attendances") == 1

        # the reminder comes 24 hours before, in Ukrainian, once
        await bot.run_job("reminders")
        await bot.deliver()
        assert broadcasts_received(bot, 501, "⏰") == []
        clock.set(starts - timedelta(hours=24))
        for _ in range(2):
            await bot.run_job("reminders")
            await bot.deliver()
        [reminder] = broadcasts_received(bot, 501, "⏰")
        assert text_of(reminder).startswith(say_("uk", "⏰ Reminder: {title}", title="Nähcafé"))
        assert broadcasts_received(bot, 502, "⏰") == []

        # "I can't come" from the reminder frees the place
        await tap(bot, 501, reminder, button_data(reminder, "❌"))
        async with bot.app.sessionmaker() as session:
            assert (await session.scalars(select(Attendance))).all() == []

        # announce in one step: preview, send now; the announcement carries "I'll come"
        await send_now(bot, card, via="📣")
        [news] = [
            m
            for m in broadcasts_received(bot, 502, "Nähcafé")
            if any(d.startswith("ev:bgo") for _, d in buttons(m))
        ]
        assert text_of(news).startswith(plain_text(Translator("ar")._("📅 Event: {title}", title="Nähcafé")))
        record = await tap(bot, 502, news, button_data(news, "✋"))
        assert record["text"] == say_("ar", "See you there! We will remind you before it starts.")
        assert buttons(current(bot, news))[0][1] == "ev:bno:1:"
        async with bot.app.sessionmaker() as session:
            assert [a.user_id for a in (await session.scalars(select(Attendance))).all()] == [502]
        assert bot.emu.violations == []


async def test_events_come_a_page_at_a_time(db_kind: str, tmp_path: Path) -> None:
    clock = FrozenClock(START)
    async with running_bot(db_kind, tmp_path, clock=clock) as bot:
        await onboard(bot, ORGANIZER_ID, "de", [])
        await onboard(bot, 511, "uk", [])
        async with bot.app.sessionmaker() as session:
            organizer = await session.get(User, ORGANIZER_ID)
            assert organizer is not None
            for day in range(1, 11):
                await event_service.create_event(
                    session,
                    clock,
                    organizer,
                    lang="de",
                    title=f"Treffen {day:02d}",
                    body="",
                    venue="Gemeindehaus (SAMPLE)",
                    starts_at=START + timedelta(days=day),
                    ends_at=START + timedelta(days=day, hours=2),
                    topic_id=None,
                    capacity=None,
                )
            await session.commit()

        def cards(after: int) -> list[str]:
            return [text_of(m) for m in bot.emu.bot_messages(511, after=after) if "Treffen" in text_of(m)]

        header = await bot.say(511, "/events")
        assert text_of(header) == say_("uk", "📅 Upcoming events:")
        pager = await bot.emu.wait_for(511, lambda m: "▶" in [label for label, _ in buttons(m)])
        assert text_of(pager) == say_("uk", "Events {first}–{last} of {total}", first=1, last=8, total=10)
        first_page = cards(header["message_id"] - 1)
        assert len(first_page) == 8 and "Treffen 01" in first_page[0] and "Treffen 08" in first_page[-1]

        mark = bot.last_id(511)
        await tap(bot, 511, pager, button_data(pager, "▶"))
        last = await bot.emu.wait_for(511, lambda m: "◀" in [label for label, _ in buttons(m)], after=mark)
        assert text_of(last) == say_("uk", "Events {first}–{last} of {total}", first=9, last=10, total=10)
        assert [t.split("\n")[0] for t in cards(mark)] == [
            say_("uk", "📅 Event: {title}", title="Treffen 09"),
            say_("uk", "📅 Event: {title}", title="Treffen 10"),
        ]
        assert bot.emu.violations == []


async def test_long_lists_of_topics_and_broadcasts_come_a_page_at_a_time(
    db_kind: str, tmp_path: Path
) -> None:
    """Six default topics and five more: every keyboard shows eight at a time with a pager, and a tap on
    the second page stays there; ten planned broadcasts come eight at a time."""
    clock = FrozenClock(START)
    async with running_bot(db_kind, tmp_path, clock=clock) as bot:
        org = ORGANIZER_ID
        await onboard(bot, org, "de", [])
        await onboard(bot, 521, "de", [])
        async with bot.app.sessionmaker() as session:
            organizer = await session.get(User, org)
            assert organizer is not None
            for n in range(1, 6):
                await topic_service.create_topic(session, clock, organizer, "de", f"Extra {n}")
            await session.commit()

        def labels(message: dict[str, Any]) -> list[str]:
            return [label for label, _ in buttons(message)]

        # /subscribe: 8 topics, the pager, Done; the second page; a toggle there keeps the second page
        listing = await bot.say(521, "/subscribe")
        assert len([lbl for lbl in labels(listing) if lbl.startswith("⬜")]) == 8 and "▶" in labels(listing)
        await tap(bot, 521, listing, button_data(listing, "▶"))
        second = current(bot, listing)
        # a visitor sees five default topics (not the helpers' news) and the five new ones
        assert [lbl for lbl in labels(second) if lbl.startswith("⬜")] == ["⬜ 📢 Extra 4", "⬜ 📢 Extra 5"]
        await tap(bot, 521, second, button_data(second, "Extra 4"))
        assert "✅ 📢 Extra 4" in labels(current(bot, listing)) and "◀" in labels(current(bot, listing))

        # /topics, and the topic of a new broadcast: the same pages
        topics = await bot.say(org, "/topics")
        assert len([lbl for lbl in labels(topics) if lbl.startswith("✏️")]) == 8
        mark = bot.last_id(org)
        await tap(bot, org, topics, button_data(topics, "▶"))
        page = await bot.emu.wait_for(org, lambda m: "◀" in labels(m), after=mark)
        assert [lbl for lbl in labels(page) if lbl.startswith("✏️")] == [f"✏️ 📢 Extra {n}" for n in (3, 4, 5)]
        assert "Extra 5" in text_of(page) and "Extra 1" not in text_of(page)
        choice = await bot.say(org, "/broadcast")
        await tap(bot, org, choice, button_data(choice, "▶"))
        await tap(bot, org, current(bot, choice), button_data(current(bot, choice), "Extra 4"))
        assert say_("de", "Recipients now: {n}", n=1) in text_of(current(bot, choice))

        # the topic of a new event
        for answer in ("/newevent", "Sommerfest", "-", "25.03.2026 16:00", "18:00"):
            await bot.say(org, answer)
        ask = await bot.say(org, "Gemeindehaus (SAMPLE)")
        # text at this step, which takes only a button: told so, and the step waits on (no menu)
        typed = await bot.say(org, "Extra 5 bitte")
        assert text_of(typed) == say_(
            "de", "Please choose with the buttons above, or end this step with /cancel."
        )
        assert not buttons(typed)
        await tap(bot, org, ask, button_data(ask, "▶"))
        assert "📢 Extra 5" in labels(current(bot, ask))

        # ten planned broadcasts: eight, then the pager to the other two
        async with bot.app.sessionmaker() as session:
            organizer = await session.get(User, org)
            assert organizer is not None
            events_topic = next(t.id for t in await topic_service.all_topics(session) if t.key == "events")
            for n in range(10):
                draft = await broadcast_service.create_draft(session, clock, organizer)
                await broadcast_service.set_topic(session, draft, events_topic)
                await broadcast_service.set_original(session, draft, f"Nachricht {n}", "de")
                broadcast_service.propose_time(draft, START + timedelta(days=1, minutes=n), clock)
                await broadcast_service.confirm(session, clock, draft)
            await session.commit()
        await bot.say(org, "/cancel")
        header = await bot.say(org, "/broadcasts")
        pager = await bot.emu.wait_for(org, lambda m: "▶" in labels(m), after=header["message_id"] - 1)
        assert text_of(pager) == say_("de", "Broadcasts {first}–{last} of {total}", first=1, last=8, total=10)
        listed = [m for m in bot.emu.bot_messages(org, after=header["message_id"] - 1) if "📣" in text_of(m)]
        assert len(listed) == 8
        mark = bot.last_id(org)
        await tap(bot, org, pager, button_data(pager, "▶"))
        last = await bot.emu.wait_for(org, lambda m: "◀" in labels(m), after=mark)
        assert text_of(last) == say_("de", "Broadcasts {first}–{last} of {total}", first=9, last=10, total=10)
        assert bot.emu.violations == []


async def test_cancel_right_after_broadcast_stops_the_draft_screen(tmp_path: Path) -> None:
    """/cancel on the first screens of a new broadcast (topic, audience) ends them as in its typed steps: the
    screen loses its buttons and the organizer is told nothing was sent (not "nothing to cancel")."""
    async with running_bot("sqlite", tmp_path, clock=FrozenClock(START)) as bot:
        org = ORGANIZER_ID
        await onboard(bot, org, "de", [])
        topics = await bot.say(org, "/broadcast")
        await tap(bot, org, topics, next(d for _, d in buttons(topics) if d.startswith("bct:")))
        audience = current(bot, topics)  # the same message, now asking for the audience
        assert text_of(audience) != text_of(topics) and buttons(audience)
        stopped = await bot.say(org, "/cancel")
        assert text_of(stopped) == say_("de", "Stopped. The broadcast was not sent.")
        assert buttons(current(bot, topics)) == []
        assert text_of(await bot.say(org, "/cancel")) == say_("de", "There is nothing to cancel.")
        assert bot.emu.violations == []


async def test_held_broadcast_and_cancel_through_the_bot(db_kind: str, tmp_path: Path) -> None:
    clock = FrozenClock(START)
    async with running_bot(db_kind, tmp_path, clock=clock) as bot:
        await onboard(bot, 601, "fa", ["دورهمی"])
        org = ORGANIZER_ID
        await onboard(bot, org, "de", [])

        async def schedule(text_: str, when: str) -> None:
            topics = await bot.say(org, "/broadcast")
            await tap(bot, org, topics, button_data(topics, "Frauentreffen"))
            await bot.press(org, current(bot, topics), button_data(current(bot, topics), "➡️"))
            overview = await bot.say(org, text_)
            mark = bot.last_id(org)
            await tap(bot, org, overview, button_data(overview, "👁"))
            summary = await bot.emu.wait_for(
                org, lambda m: any(d.startswith("bc:when") for _, d in buttons(m)), after=mark
            )
            await bot.press(org, summary, button_data(summary, "🕒"))
            confirm = await bot.say(org, when)
            await bot.press(org, confirm, button_data(confirm, "✅"))

        await schedule("Frauenfrühstück am Freitag", "23.03.2026 12:00")
        await schedule("Spieleabend", "23.03.2026 14:00")

        # cancel the second one with /broadcasts
        listing = await bot.say(org, "/broadcasts")
        second = await bot.emu.wait_for(org, lambda m: "#2" in text_of(m), after=listing["message_id"] - 1)
        ask = await bot.press(org, second, button_data(second, "✖️"))
        assert ask is not None
        await tap(bot, org, ask, button_data(ask, say_("de", "Yes, cancel it")))
        assert text_of(current(bot, ask)) == say_(
            "de",
            "Broadcast #{id} is cancelled. Withdrawn: {withdrawn}. Already sent: {sent}.",
            id=2,
            withdrawn=0,
            sent=0,
        )

        # the bot was down from 11:00 to 15:00 Berlin: the first broadcast is held, the organizer asked
        clock.set(datetime(2026, 3, 23, 14, 0, tzinfo=UTC))
        await bot.run_job("broadcast_dispatch")
        await bot.deliver()
        assert broadcasts_received(bot, 601, "Frauenfrühstück") == []
        question = await bot.emu.wait_for(org, lambda m: text_of(m).startswith("⚠️"))
        assert "#1" in text_of(question)
        await bot.press(org, question, button_data(question, "📤"))
        await bot.deliver()
        assert len(broadcasts_received(bot, 601, "Frauenfrühstück")) == 1
        assert broadcasts_received(bot, 601, "Spieleabend") == []
        async with bot.app.sessionmaker() as session:
            states = dict((await session.execute(select(Broadcast.id, Broadcast.state))).all())
            assert states == {1: "sending", 2: "cancelled"}
            rows = (
                await session.scalars(select(OutboxMessage).where(OutboxMessage.ref == "broadcast:1"))
            ).all()
            assert [r.status for r in rows] == ["sent"]
        assert bot.emu.violations == []


# --- photos ---------------------------------------------------------------------------------------------------
async def compose_until_overview(bot: BotHarness, topic_label: str, send: Any) -> dict[str, Any]:
    org = ORGANIZER_ID
    topics = await bot.say(org, "/broadcast")
    await tap(bot, org, topics, button_data(topics, topic_label))
    await bot.press(org, current(bot, topics), button_data(current(bot, topics), "➡️"))
    mark = bot.last_id(org)
    await send()
    return await bot.emu.wait_for(
        org, lambda m: any(d.startswith("bc:preview") for _, d in buttons(m)), after=mark
    )


async def send_now(bot: BotHarness, overview: dict[str, Any], via: str = "👁") -> None:
    """From a broadcast's overview (or an event card, `via="📣"`): preview, send now, confirm, deliver."""
    org = ORGANIZER_ID
    mark = bot.last_id(org)
    await tap(bot, org, overview, button_data(overview, via))
    summary = await bot.emu.wait_for(
        org, lambda m: any(d.startswith("bc:now") for _, d in buttons(m)), after=mark
    )
    confirm = await bot.press(org, summary, button_data(summary, "📤"))
    assert confirm is not None
    await bot.press(org, confirm, button_data(confirm, "✅"))
    await bot.deliver()


async def test_photo_broadcasts_with_short_and_long_text(db_kind: str, tmp_path: Path) -> None:
    async with running_bot(db_kind, tmp_path, clock=FrozenClock(START)) as bot:
        await onboard(bot, 701, "de", ["Veranstaltungen"])
        await onboard(bot, ORGANIZER_ID, "de", [])
        org = ORGANIZER_ID

        async def photo_with_caption() -> None:
            bot.emu.user_sends(org, kind="photo", caption="Kurzer Text mit <Foto> & mehr")

        overview = await compose_until_overview(bot, "Veranstaltungen", photo_with_caption)
        # translator none: the organizer is told which languages get the original
        missing = ", ".join(de_name(lang) for lang in ("ar", "fa", "uk", "en", "ru"))
        assert say_(
            "de",
            "No machine translation is set up. These languages get the original text unless you type a "
            "translation: {languages}",
            languages=missing,
        ) in text_of(overview)
        await send_now(bot, overview)
        [photo] = [m for m in bot.emu.bot_messages(701) if m["kind"] == "photo"]
        assert photo["caption"] == "Kurzer Text mit <Foto> & mehr"
        assert buttons(photo)[0][0].startswith("🔕")

        long_text = "Liebe Nachbarinnen und Nachbarn, " + "wir laden herzlich ein. " * 60

        async def photo_then_long_text() -> None:
            mark = bot.last_id(org)
            bot.emu.user_sends(org, kind="photo")
            saved = await bot.emu.wait_for(org, after=mark)
            assert text_of(saved) == say_("de", "Photo saved. Now send the text.")
            bot.emu.user_sends(org, long_text)

        overview = await compose_until_overview(bot, "Veranstaltungen", photo_then_long_text)
        mark = bot.last_id(701)
        await send_now(bot, overview)
        new = bot.emu.bot_messages(701, after=mark)
        assert [m["kind"] for m in new] == ["photo", "text"]
        assert "caption" not in new[0] and text_of(new[1]) == long_text.strip()
        assert buttons(new[1])[0][0].startswith("🔕")
        assert bot.emu.violations == []


# --- /topics --------------------------------------------------------------------------------------------------
async def test_organizers_add_a_topic_and_complete_its_names(
    db_kind: str,
    tmp_path: Path,
    libre: LibreStandIn,  # noqa: F811
) -> None:
    async with running_bot(
        db_kind, tmp_path, clock=FrozenClock(START), translator="libretranslate", translator_url=libre.url
    ) as bot:
        org = ORGANIZER_ID
        await onboard(bot, org, "de", [])
        listing = await bot.say(org, "/topics")
        assert "🤝 Neuigkeiten für Helfende" in text_of(listing)
        ask = await bot.press(org, listing, button_data(listing, "➕"))
        assert ask is not None
        screen = await bot.say(org, "Nähcafé")
        assert say_("de", "{language}: missing", language="العربية") in text_of(screen)
        ask = await bot.press(org, screen, button_data(screen, "العربية"))
        assert ask is not None
        screen = await bot.say(org, "مقهى الخياطة")
        assert say_("de", "{language}: {name}", language="العربية", name="مقهى الخياطة") in text_of(screen)
        mark = bot.last_id(org)
        await tap(bot, org, screen, button_data(screen, "🤖"))
        screen = await bot.emu.wait_for(org, lambda m: "Nähcafé" in text_of(m), after=mark)
        fa_name = say_("de", "{language}: {name}", language=own_name("fa"), name="[fa] Nähcafé")
        assert fa_name in text_of(screen)
        assert {r["target"] for r in libre.requests} == {"fa", "uk", "en", "ru"}  # Arabic was typed

        # a new person is offered the new topic, in their language
        offer = await onboard(bot, 801, "fa", ["[fa] Nähcafé"])
        assert any(label.startswith("✅") and "[fa] Nähcafé" in label for label, _ in buttons(offer))
        assert bot.emu.violations == []
