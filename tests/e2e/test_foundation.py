"""The real bot over HTTP against the Bot API emulator: languages, menu, roles, privacy, junk."""

from __future__ import annotations

import logging
import random
import time
from pathlib import Path

import pytest

from bot.config import SUPPORTED_LANGUAGES
from bot.i18n import catalogs
from bot.languages import own_name
from tests.e2e.harness import ORGANIZER_ID, button_data, buttons, running_bot, text_of


def tr(lang: str, msgid: str) -> str:
    return catalogs().gettext(lang, msgid)


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
async def test_start_language_help_menu(db_kind: str, tmp_path: Path, lang: str) -> None:
    async with running_bot(db_kind, tmp_path) as bot:
        uid = 100 + SUPPORTED_LANGUAGES.index(lang)
        bot.user(uid, language_code=lang)
        started = time.monotonic()
        reply = await bot.say(uid, "/start")
        assert time.monotonic() - started < 2.0
        labels = [label for label, _ in buttons(reply)]
        assert labels[0] == "✅ " + own_name(lang)  # suggested from language_code
        assert {label.removeprefix("✅ ") for label in labels} == set(map(own_name, SUPPORTED_LANGUAGES))
        assert text_of(reply) == tr(lang, "Hello! Please choose your language.")

        await bot.press(uid, reply, button_data(reply, own_name(lang)))
        await bot.settle()
        texts = [text_of(m) for m in bot.emu.bot_messages(uid)]
        assert any(tr(lang, "What would you like to do?") in t for t in texts)

        help_reply = await bot.say(uid, "/help")
        assert text_of(help_reply).startswith(
            tr(
                lang,
                "Welcome! I help you with questions, counselling appointments and news from the association.\n\nJust write your question in your own words, or choose from the menu.",
            ).split("\n")[0]
        )
        menu = await bot.say(uid, "/menu")
        assert text_of(menu) == tr(lang, "What would you like to do?")
        assert buttons(menu)
        commands = bot.emu.commands(lang)
        assert {"start", "menu", "help", "language", "privacy", "deletedata", "cancel"} <= {
            c["command"] for c in commands
        }
        assert bot.emu.violations == []


async def test_a_greeting_before_start_asks_the_language_in_the_one_written(
    db_kind: str, tmp_path: Path
) -> None:
    """Someone who skips /start and greets in Arabic from a phone set to German: the language question in
    Arabic, Arabic first; thanks are answered in Arabic too. Latin letters keep the phone's language."""
    async with running_bot(db_kind, tmp_path) as bot:
        bot.user(120, language_code="de")
        hello = await bot.say(120, "مرحبا")
        assert text_of(hello) == tr("ar", "Hello! Please choose your language.")
        assert buttons(hello)[0][0] == "✅ " + own_name("ar")
        thanks = await bot.say(120, "شكرا جزيلا")
        assert text_of(thanks) == tr("ar", "You're welcome! Write any time.")
        bot.user(121, language_code="uk")
        latin = await bot.say(121, "hallo")
        assert text_of(latin) == tr("de", "Hello! Please choose your language.")  # "hallo" is sure German
        cyrillic = await bot.say(121, "Привіт")
        assert text_of(cyrillic) == tr("uk", "Hello! Please choose your language.")
        assert bot.emu.violations == []


async def test_language_can_be_changed(db_kind: str, tmp_path: Path) -> None:
    async with running_bot(db_kind, tmp_path) as bot:
        bot.user(7, language_code="de")
        reply = await bot.say(7, "/start")
        await bot.press(7, reply, button_data(reply, "Deutsch"))
        reply = await bot.say(7, "/language")
        await bot.press(7, reply, button_data(reply, "فارسی"))
        menu = await bot.say(7, "/menu")
        assert text_of(menu) == tr("fa", "What would you like to do?")


async def test_deep_link_sets_language(db_kind: str, tmp_path: Path) -> None:
    async with running_bot(db_kind, tmp_path) as bot:
        bot.user(8, language_code="de")
        await bot.say(8, "/start lang-uk")
        await bot.settle()
        menu = await bot.say(8, "/menu")
        assert text_of(menu) == tr("uk", "What would you like to do?")


@pytest.mark.pg_e2e
async def test_deletedata_erases_the_user(db_kind: str, tmp_path: Path) -> None:
    from sqlalchemy import text

    from storage.repositories.users import tables_referencing_users

    async with running_bot(db_kind, tmp_path) as bot:
        bot.user(55, language_code="ar")
        reply = await bot.say(55, "/start")
        await bot.press(55, reply, button_data(reply, "العربية"))
        confirm = await bot.say(55, "/deletedata")
        await bot.press(55, confirm, buttons(confirm)[0][1])
        await bot.settle()
        assert tr(
            "ar", "All your data has been deleted. If you write to the bot again, it starts fresh."
        ) in [text_of(m) for m in bot.emu.bot_messages(55)]
        async with bot.app.sessionmaker() as session:
            assert (await session.execute(text("SELECT COUNT(*) FROM users WHERE id = 55"))).scalar() == 0
            for table, column in tables_referencing_users():
                q = text(f'SELECT COUNT(*) FROM "{table}" WHERE "{column}" = 55')
                assert (await session.execute(q)).scalar() == 0, f"{table}.{column}"


async def test_roles_and_invites(db_kind: str, tmp_path: Path) -> None:
    async with running_bot(db_kind, tmp_path) as bot:
        bot.user(ORGANIZER_ID, language_code="de")
        bot.user(31, language_code="de")
        bot.user(32, language_code="de")
        refused = await bot.say(31, "/invite")
        assert text_of(refused) == tr(
            "de", "Sorry, this is only for helpers and organizers of the association."
        )

        invite = await bot.say(ORGANIZER_ID, "/invite")
        link = text_of(invite).split()[-1]
        assert link.startswith("https://t.me/") and "?start=" in link
        code = link.split("?start=")[1]

        welcome = await bot.say(31, f"/start {code}")
        assert "helper" in tr(
            "en", "Thank you for helping! You are now registered as a helper. /help shows what you can do."
        )
        assert text_of(welcome) == tr(
            "de", "Thank you for helping! You are now registered as a helper. /help shows what you can do."
        )
        again = await bot.say(32, f"/start {code}")
        assert text_of(again) == tr(
            "de", "This invitation link is not valid any more. Please ask for a new one."
        )
        assert bot.emu.violations == []


JUNK_CHARS = (
    "abcxyz äöüß ـًٌٍَُِّْ پچژگکی يكة і ї є ґ ы э ъ ё \u200f\u200e\u202e\u2066\u2069 <>&\"' 🙂👍🏽 \u0000\ufeff 𝔘𝔫𝔦"
)


def junk_text(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.1:
        return "x" * 10_000
    if kind < 0.2:
        return "/" + "".join(rng.choice("abcdefg_") for _ in range(rng.randint(1, 20)))
    return "".join(rng.choice(JUNK_CHARS) for _ in range(rng.randint(1, 300)))


async def test_thousand_junk_updates_do_not_break_the_bot(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    rng = random.Random(20261126)
    async with running_bot("sqlite", tmp_path, throttle_rate=1000.0, throttle_burst=10_000) as bot:
        bot.emu.add_group(-4242, "Some group", [301, 302])
        for uid in range(301, 311):
            bot.user(uid, language_code=rng.choice(["de", "ar", "fa", "uk", "en", "ru", "pt", None]))
        for n in range(1000):
            uid = rng.randint(301, 310)
            kind = rng.random()
            if kind < 0.55:
                bot.emu.user_sends(uid, junk_text(rng))
            elif kind < 0.65:
                bot.emu.user_sends(
                    uid, None, kind=rng.choice(["sticker", "photo", "voice", "location", "document"])
                )
            elif kind < 0.75:
                bot.emu.user_sends(uid if uid in (301, 302) else 301, junk_text(rng), chat_id=-4242)
            elif kind < 0.85:
                forged = rng.choice(["lang:xx", "menu:nothing", "del:1", "x" * 64, "booking:999:abc", "🙂"])
                own = bot.emu.bot_messages(uid)
                if own:
                    bot.emu.user_presses(uid, own[-1]["message_id"], forged, check_button=False)
                else:
                    bot.emu.user_sends(uid, "/start")
            else:
                own_texts = [m for m in bot.emu.messages(uid) if not m["from_bot"] and m.get("text")]
                if own_texts:
                    bot.emu.user_edits(uid, own_texts[-1]["message_id"], junk_text(rng))
                else:
                    bot.emu.user_sends(uid, "/start")
            if n % 100 == 99:
                await bot.settle(0.2)
        await bot.settle(3.0)
        # Two racing presses of one button may both edit the message; Telegram refuses the second as
        # "not modified" and the bot ignores that. Anything else would be a real violation.
        violations = [v for v in bot.emu.violations if "message is not modified" not in v["description"]]
        assert violations == [], violations[:3]
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert errors == [], [r.getMessage() for r in errors[:3]]
        # still alive and well
        bot.user(999, language_code="uk")
        reply = await bot.say(999, "/start", timeout=10)
        assert text_of(reply) == tr("uk", "Hello! Please choose your language.")


async def test_a_command_in_a_group_points_to_the_private_chat_with_a_button(tmp_path: Path) -> None:
    """In a group the bot answers a command only with a pointer to its private chat, in the member's
    language, and a button that opens that chat (Telegram's link to the bot's username)."""
    async with running_bot("sqlite", tmp_path) as bot:
        bot.emu.add_group(-4343, "Nachbarschaft", [321])
        bot.user(321, language_code="ar")
        reply = await bot.say(321, "/menu", chat_id=-4343)
        assert text_of(reply) == tr("ar", "Please write to me in a private chat.")
        me = await bot.app.bot.me()
        assert me.username
        assert buttons(reply) == [(tr("ar", "Open the private chat"), f"https://t.me/{me.username}")]
        assert bot.emu.violations == []
        bot.emu.user_sends(321, "hallo zusammen", chat_id=-4343)  # people talking to each other: no answer
        await bot.settle()
        assert [m["message_id"] for m in bot.emu.bot_messages(-4343)] == [reply["message_id"]]
